"""Complex numbers: real/imag (views, through view_as_real as torch records them), conj,
angle, complex, polar, and the lazy-bit queries (conj of a complex tensor is computed at
once, not a lazy view, but carries torch's conjugate bit; there is no negative bit).

The forward values follow torch for real and complex inputs; the complex backward rules
follow torch's formulas but are checked less thoroughly than the real ones.
"""
from __future__ import annotations

import math

from .._tensor import Tensor
from ._pointwise_util import check_kinds, require_tensor, type_word, write_out
from ._registry import binary, dispatch, dispatch1, expose, op, unary

VIEW_AS_REAL = op("view_as_real", lambda xp, x: _as_real(xp, x),
                  vjps=(lambda F, g: F.view_as_complex(g.contiguous() if isinstance(g, Tensor)
                                                       else g),), view=True,
                  holomorphic=False)
VIEW_AS_COMPLEX = op("view_as_complex", lambda xp, x: _as_complex(xp, x),
                     vjps=(lambda F, g: F.view_as_real(g),), view=True, holomorphic=False)
# Rules conjugate with conj_physical: under create_graph a conj() result would carry the
# conjugate bit, which view_as_real refuses.
# These rules (and the ones below) are torch's for complex numbers: holomorphic=False.
_NH = {"holomorphic": False}
CONJ = unary("conj", "conjugate", vjp=lambda F, g: F.conj_physical(g), **_NH)
CONJ_PHYSICAL = unary("conj_physical", "conjugate", vjp=lambda F, g: F.conj_physical(g), **_NH)
CONJ_PHYSICAL_ = unary("conj_physical_inplace", "conjugate", vjp=lambda F, g: F.conj_physical(g),
                       grad_fn="ConjPhysicalBackward1", **_NH)
# The raw meanings of F.real and F.imag in rules (their graph meanings are the public
# views below); never dispatched.
REAL = unary("real", "real")
IMAG = unary("imag", "imag")
ANGLE = unary("angle", lambda xp, x: _angle(xp, x), vjp=lambda F, g, x: _angle_grad(F, g, x),
              dtype_rule="float", **_NH)
COMPLEX = binary("complex", lambda xp, a, b: _complex(xp, a, b),
                 da=lambda F, g: F.real(g), db=lambda F, g: F.imag(g), broadcasts=True, **_NH)
POLAR = binary("polar", lambda xp, a, b: _complex(xp, a * xp.cos(b), a * xp.sin(b)),
               da=lambda F, g, out: F.real(F.conj_physical(g) * F.sgn(out)),
               db=lambda F, g, out: F.real(F.conj_physical(g) * out * 1j), broadcasts=True,
               **_NH)


def _as_real(xp, x):
    real = {"complex64": "float32", "complex128": "float64"}[x.dtype.name]
    return x[..., None].view(real)


def _as_complex(xp, x):
    cplx = {"float32": "complex64", "float64": "complex128"}[x.dtype.name]
    if x.strides[-1] != x.itemsize:  # a gradient in backward; the public form checks
        x = xp.ascontiguousarray(x)
    return x.view(cplx)[..., 0]


def _angle(xp, x):
    if x.dtype.kind == "c":
        return xp.angle(x)
    return xp.where(xp.isnan(x), x, xp.where(x < 0, math.pi, 0.0)).astype(x.dtype)


def _angle_grad(F, g, x):
    if not (x.dtype.is_complex if isinstance(x, Tensor) else x.dtype.kind == "c"):
        return g * 0
    # d angle = Im(dz / z): torch's angle_backward, zero at z == 0
    mag2 = F.real(x * F.conj_physical(x))
    return F.where(mag2 == 0, 0.0, g * x * 1j / F.where(mag2 == 0, 1.0, mag2))


def _complex(xp, re, im):
    dtype = {"float16": "complex64", "float32": "complex64", "float64": "complex128"}[
        xp.result_type(re, im).name]
    out = xp.empty(xp.broadcast_shapes(xp.shape(re), xp.shape(im)), dtype=dtype)
    out.real = re
    out.imag = im
    return out


@expose(method=False)
def view_as_real(input: Tensor) -> Tensor:
    """A real view of a complex tensor, with a last dimension of size 2 (real, imag)."""
    if not input.is_complex():
        raise RuntimeError("view_as_real is only supported for complex tensors")
    if is_conj(input):
        raise RuntimeError("view_as_real doesn't work on unresolved conjugated tensors.  To "
                           "resolve the conjugate tensor so you can view it as real, use "
                           "self.resolve_conj(); however, be warned that the resulting tensor "
                           "will NOT alias the original.")
    return dispatch(VIEW_AS_REAL, (input,))


@expose(method=False)
def view_as_complex(input: Tensor) -> Tensor:
    """A complex view of a float tensor whose last dimension is 2 (real, imag)."""
    d = input._data
    if d.dtype.name == "float16":
        raise RuntimeError("chainrule has no complex32 dtype: view_as_complex of a float16 "
                           "tensor is not supported; convert it to float32 first")
    if d.dtype.name not in ("float32", "float64"):
        raise RuntimeError("view_as_complex is only supported for half, float and double "
                           f"tensors, but got a tensor of scalar type: {type_word(d)}")
    if d.ndim == 0 or d.shape[-1] != 2:
        raise RuntimeError("Tensor must have a last dimension of size 2")
    if input.stride(-1) != 1:  # (a meta tensor's strides are its contiguous ones)
        raise RuntimeError("Tensor must have a last dimension with stride 1")
    return dispatch(VIEW_AS_COMPLEX, (input,))


@expose
def real(input: Tensor) -> Tensor:
    """The real part: the tensor itself for a real tensor, a view for a complex one."""
    if not input.is_complex():
        return input
    return view_as_real(input)[..., 0]


@expose
def imag(input: Tensor) -> Tensor:
    """The imaginary part of a complex tensor, as a view."""
    if not input.is_complex():
        raise RuntimeError("imag is not implemented for tensors with non-complex dtypes.")
    return view_as_real(input)[..., 1]


def _set_part(part):
    def setter(self, value):
        part(self).copy_(value)
    return setter


Tensor.real = property(real, _set_part(real))
Tensor.imag = property(imag, _set_part(imag))


@expose
def conj(input: Tensor) -> Tensor:
    """The complex conjugate (ConjBackward0); a real tensor is returned unchanged.

    torch returns a lazily conjugated view; chainrule computes the values but keeps torch's
    conjugate bit (``is_conj``, ``resolve_conj``) so programs see the same flags."""
    if not input.is_complex():
        return input
    out = dispatch1(CONJ, input)
    if not is_conj(input):
        out._is_conj = True
    return out


@expose
def conj_physical(input: Tensor, *, out=None) -> Tensor:
    """The complex conjugate, materialised (ConjPhysicalBackward0)."""
    if out is not None:
        return write_out("conj_physical", out, (input,), lambda: conj_physical(input))
    if not input.is_complex():
        return input
    return dispatch1(CONJ_PHYSICAL, input)


def _conj_physical_(self):
    """In-place conjugate (ConjPhysicalBackward1, recorded for real tensors too)."""
    from ._inplace import inplace
    return inplace(lambda t: dispatch1(CONJ_PHYSICAL_, t))(self)


Tensor.conj_physical_ = _conj_physical_
expose(_conj_physical_, name="conj_physical_", method=False)


@expose
def resolve_conj(input: Tensor) -> Tensor:
    """A copy without the conjugate bit (CloneBackward0), or ``input`` itself if unset."""
    return input.clone() if is_conj(input) else input


@expose
def resolve_neg(input: Tensor) -> Tensor:
    """``input`` itself: chainrule keeps no negative bit."""
    return input


@expose
def is_conj(input: Tensor) -> bool:
    """True for the result of conj() on a complex tensor, until resolve_conj()."""
    return input.__dict__.get("_is_conj", False)


@expose
def is_neg(input: Tensor) -> bool:
    """Always False (chainrule keeps no negative bit)."""
    return False


@expose
def angle(input: Tensor, *, out=None) -> Tensor:
    """The argument of each element: atan2(imag, real); 0 or pi for real tensors."""
    if out is not None:
        return write_out("angle", out, (input,), lambda: angle(input))
    return dispatch(ANGLE, (input,))


ISREAL = unary("isreal", lambda xp, x: x.imag == 0 if x.dtype.kind == "c"
               else xp.ones(x.shape, bool))


@expose
def isreal(input: Tensor) -> Tensor:
    """True where the element's imaginary part is zero (everywhere, for real tensors)."""
    return dispatch1(ISREAL, input)


def _float_pair(name, a, b, first, second):
    require_tensor(name, first, 1, a)
    require_tensor(name, second, 2, b)
    da, db = a._data.dtype, b._data.dtype
    words = {"float16": "Half", "float32": "Float", "float64": "Double"}
    if da.name not in words or db.name not in words:
        w = {"int64": "Long", "int32": "Int", "int16": "Short", "int8": "Char", "uint8": "Byte",
             "bool": "Bool"}
        raise RuntimeError(f"Expected both inputs to be Half, Float or Double tensors but got "
                           f"{w.get(da.name, words.get(da.name, da.name))} and "
                           f"{w.get(db.name, words.get(db.name, db.name))}")
    if da != db:
        raise RuntimeError(f"Expected object of scalar type {words[da.name]} but got scalar "
                           f"type {words[db.name]} for second argument")


@expose(method=False)
def complex(real: Tensor, imag: Tensor, *, out=None) -> Tensor:  # noqa: A001 - torch's name
    """real + 1j * imag from two float tensors of one dtype (ComplexBackward0)."""
    _float_pair("complex", real, imag, "real", "imag")
    if real._data.dtype.name == "float16":
        raise RuntimeError("chainrule has no complex32 dtype (torch.complex of float16 "
                           "tensors); convert the inputs to float32 first")
    if out is not None:
        return write_out("complex", out, (real, imag), lambda: complex(real, imag))
    return dispatch(COMPLEX, (real, imag))


@expose(method=False)
def polar(abs: Tensor, angle: Tensor, *, out=None) -> Tensor:  # noqa: A002
    """abs * (cos(angle) + 1j sin(angle)) (PolarBackward0)."""
    _float_pair("polar", abs, angle, "abs", "angle")
    check_kinds("polar_cpu", abs, "f", half=False)
    if out is not None:
        return write_out("polar", out, (abs, angle), lambda: polar(abs, angle))
    return dispatch(POLAR, (abs, angle))
