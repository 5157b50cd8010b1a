"""``out=`` for the shape family, as torch does it: refused when autograd is involved,
the result written into ``out`` (resized, with torch's deprecation warning when it held
elements of another shape), its version counter bumped, ``out`` returned."""
from __future__ import annotations

import warnings

from ..._tensor import Tensor
from ...autograd.grad_mode import _tls

# c10's names for scalar types, as torch's "Expected out tensor to have dtype ..." uses them
_C10 = {"float32": "float", "float64": "double", "float16": "c10::Half", "int64": "long int",
        "int32": "int", "int16": "short int", "int8": "signed char", "uint8": "unsigned char",
        "bool": "bool", "complex64": "c10::complex<float>",
        "complex128": "c10::complex<double>"}


def write_out(name: str, out, result: Tensor, inputs=(), *, dtype_rule: str = "exact",
              warn_resize: bool = True, cast_name: str | None = None):
    """Store ``result`` into ``out`` and return ``out``.

    ``dtype_rule``: "exact" (``out`` must have the result's dtype, RuntimeError otherwise),
    "cast" (any dtype the result can be cast to, as cat/stack; TypeError otherwise) or
    "same" (narrow_copy's wording of "exact"). ``cast_name`` names the op in the "cast"
    error where torch names another (stack's is cat's)."""
    from .._inplace import _type_word
    if not isinstance(out, Tensor):
        raise TypeError(f"{name.split('::')[-1]}(): argument 'out' must be Tensor, not "
                        f"{type(out).__name__}")
    if _tls.grad_enabled and (out._rg or any(isinstance(t, Tensor) and t._rg for t in inputs)):
        raise RuntimeError(f"{name}(): functions with out=... arguments don't support automatic "
                           "differentiation, but one of the arguments requires grad.")
    data, rd = out._data, result._data
    if rd.dtype != data.dtype:
        from ..._dtypes import _BY_NP
        src, dst = _BY_NP[rd.dtype], _BY_NP[data.dtype]
        if dtype_rule == "cast":
            if src._category > dst._category:
                raise TypeError(f"torch.{cast_name or name}(): input types can't be cast to "
                                f"the desired output type {_type_word(dst)}")
        elif dtype_rule == "same":
            raise RuntimeError("Expected self.dtype() == output.dtype() to be true, but got "
                               "false.  (Could this error message be improved?  If so, please "
                               "report an enhancement request to PyTorch.)")
        else:
            raise RuntimeError(f"Expected out tensor to have dtype {_C10[src.name]}, but got "
                               f"{_C10[dst.name]} instead")
    if data.shape != rd.shape:
        if warn_resize and data.size:
            warnings.warn(
                f"An output with one or more elements was resized since it had shape "
                f"{list(data.shape)}, which does not match the required output shape "
                f"{list(rd.shape)}. This behavior is deprecated, and in a future PyTorch "
                "release outputs will not be resized unless they have zero elements. You can "
                "explicitly reuse an out tensor t by resizing it, inplace, to zero elements "
                "with t.resize_(0).", UserWarning, stacklevel=3)
        out._data = rd.astype(data.dtype, copy=True)
    else:
        data[...] = rd
    out._bump_version()
    return out
