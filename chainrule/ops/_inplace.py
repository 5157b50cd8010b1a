"""In-place ops: ``x.add_(y)``, ``x += y``, ``zero_``, ``fill_``, ``copy_`` ...

Each runs its out-of-place op (so it records exactly that op's node, as torch does),
writes the result into ``x``'s storage, moves the node onto ``x`` and bumps the version
counter that ``x`` shares with its views. A saved tensor modified this way is caught at
backward by the version check, with torch's error. The checks come first, so a refused
in-place op leaves the data untouched.
"""
from __future__ import annotations

from .._tensor import Tensor
from ..autograd.grad_mode import _tls
from ..backend import _NAMESPACES
from . import pointwise as P
from ._dispatch import _scalar_fits
from ._registry import dispatch, expose, op

LEAF_MSG = "a leaf Variable that requires grad is being used in an in-place operation."
VIEW_LEAF_MSG = ("a view of a leaf Variable that requires grad is being used in an in-place "
                 "operation.")


def check_inplace(t: Tensor, view_message: bool = False) -> None:
    """Refuse, before touching data, the in-place updates torch refuses."""
    if t._inference and not _tls.inference:
        raise RuntimeError(
            "Inplace update to inference tensor outside InferenceMode is not allowed.You can make "
            "a clone to get a normal tensor before doing inplace update.See "
            "https://github.com/pytorch/rfcs/pull/17 for more details.")
    if not _tls.grad_enabled:
        return
    if t.grad_fn is None and t._rg:
        raise RuntimeError(VIEW_LEAF_MSG if view_message else LEAF_MSG)
    base = t._base
    if base is not None and base._rg and base.grad_fn is None:
        raise RuntimeError(VIEW_LEAF_MSG)


def rebase_view(view: Tensor, update) -> None:
    """An in-place change to a view of a tensor in a graph: apply it to the base as
    ``base[key] = ...`` (CopySlices), then make the view a fresh view of the new base."""
    link = getattr(view, "_view_of", None)
    parent = link[0] if link else None
    if parent is None or parent._base is not None:
        raise RuntimeError(
            "chainrule does not yet support an in-place operation on this kind of view of a "
            "tensor that requires grad (only direct x[index] views are supported). Use the "
            "out-of-place form instead, e.g. y = y.add(1) rather than y.add_(1).")
    key = link[1]
    part = Tensor._make(view._data.copy(), view._rg, view.grad_fn, view._output_nr)
    update(part)
    parent[key] = part
    fresh = parent[key]
    view.grad_fn, view._rg, view._output_nr = fresh.grad_fn, fresh._rg, fresh._output_nr


def _write(self: Tensor, result: Tensor) -> Tensor:
    """Store ``result`` into ``self`` in place, taking over its node."""
    data = self._data
    rd = result._data
    if rd.shape != data.shape:
        raise RuntimeError(f"output with shape {list(data.shape)} doesn't match the broadcast "
                           f"shape {list(rd.shape)}")
    if rd.dtype != data.dtype:
        from .._dtypes import _BY_NP
        src, dst = _BY_NP[rd.dtype], _BY_NP[data.dtype]
        # torch's canCast: any cast within a kind or down the ladder complex > float > int >
        # bool is refused only when it climbs it (a float result into an int tensor).
        if src._category > dst._category:
            raise RuntimeError(f"result type {_type_word(src)} can't be cast to the desired "
                               f"output type {_type_word(dst)}")
    if not data.flags.writeable:
        raise RuntimeError("unsupported operation: more than one element of the written-to "
                           "tensor refers to a single memory location. Please clone() the "
                           "tensor before performing the operation.")
    data[...] = rd
    if result.grad_fn is not None:
        self.grad_fn = result.grad_fn
        self._output_nr = result._output_nr
        self._rg = True
    self._bump_version()
    return self


def _type_word(d) -> str:
    return {"float32": "Float", "float64": "Double", "float16": "Half", "int64": "Long",
            "int32": "Int", "int16": "Short", "int8": "Char", "uint8": "Byte",
            "bool": "Bool", "complex64": "ComplexFloat",
            "complex128": "ComplexDouble"}[d.name]


def _check_overlap(self: Tensor, args) -> None:
    """torch refuses an in-place op whose input partly overlaps the tensor written to."""
    vc = self._vc
    if vc is None:
        return
    for a in args:
        if isinstance(a, Tensor) and a._vc is vc and a._data is not self._data:
            mine, theirs = self._data.__array_interface__, a._data.__array_interface__
            if (mine["data"], mine["shape"], mine["strides"]) != (
                    theirs["data"], theirs["shape"], theirs["strides"]) and _partial_overlap(
                    self._data, a._data):
                raise RuntimeError(
                    "unsupported operation: some elements of the input tensor and the "
                    "written-to tensor refer to a single memory location. Please clone() the "
                    "tensor before performing the operation.")


def _partial_overlap(a, b) -> bool:
    """torch's ``get_overlap_status`` verdict Partial: both views dense (else torch calls it
    too hard to tell and lets the op run) and their byte ranges intersect."""
    if not a.size or not b.size:
        return False
    dense = (a.flags.c_contiguous or a.flags.f_contiguous) and (
        b.flags.c_contiguous or b.flags.f_contiguous)
    if not dense:
        return False
    sa, sb = a.__array_interface__["data"][0], b.__array_interface__["data"][0]
    return sa < sb + b.nbytes and sb < sa + a.nbytes


def _direct(op_, self: Tensor, other, alpha) -> bool:
    """``self op= alpha * other`` straight into self's memory, for the common case with no
    graph to record (optimizer steps, no_grad updates); False sends the call down the
    general path (which also raises torch's errors for bad dtypes or shapes)."""
    data = self._data
    xp = _NAMESPACES.get(data.__class__)
    if xp is None or not data.flags.writeable:
        return False
    kind = data.dtype.kind
    if isinstance(other, Tensor):
        od = other._data
        if od.dtype is not data.dtype:
            return False
    elif _scalar_fits(kind, other):
        od = other
    else:
        return False
    if alpha != 1:
        if kind not in "fc" and not isinstance(alpha, int):
            return False
        od = od * alpha
    if op_ is P.DIV and kind not in "fc":
        return False
    try:
        op_.raw(xp)(data, od, out=data)
    except (ValueError, TypeError, OverflowError):  # shapes that do not broadcast, etc.
        return False
    self._bump_version()
    return True


_DIRECT = {P.add: P.ADD, P.sub: P.SUB, P.mul: P.MUL, P.div: P.DIV}


def inplace(fn):
    """Make the in-place form of the out-of-place function ``fn``."""
    direct = _DIRECT.get(fn)

    def method(self, *args, **kwargs):
        check_inplace(self)
        _check_overlap(self, args)
        if direct is not None and len(args) == 1 and kwargs.keys() <= {"alpha"}:
            other = args[0]
            if not (_tls.grad_enabled and (self._rg or (isinstance(other, Tensor) and
                                                        other._rg))):
                if _direct(direct, self, other, kwargs.get("alpha", 1)):
                    return self
        if (_tls.grad_enabled and self._base is not None and
                (self._base._rg or any(isinstance(a, Tensor) and a._rg for a in args))):
            rebase_view(self, lambda part: method(part, *args, **kwargs))
            return self
        if _tls.grad_enabled and (self._rg or any(isinstance(a, Tensor) and a._rg
                                                  for a in args)):
            # The recorded node keeps the original self (torch's original_self): a copy that
            # carries self's place in the graph, so its backward sees the values before the
            # write. Other arguments are kept as they are, so x.mul_(x) fails at backward as
            # in torch.
            original = Tensor._make(self._data.copy(), self._rg, self.grad_fn, self._output_nr)
            return _write(self, fn(original, *args, **kwargs))
        return _write(self, fn(self, *args, **kwargs))
    method.__name__ = fn.__name__ + "_"
    method.__doc__ = f"In-place {fn.__name__}."
    return method


for _fn in (P.add, P.sub, P.mul, P.div, P.pow, P.clamp, P.clamp_min, P.clamp_max, P.neg,
            P.exp, P.log, P.sin, P.cos, P.tanh, P.sigmoid, P.relu, P.sqrt, P.abs,
            P.reciprocal, P.floor, P.ceil, P.round, P.trunc, P.sign, P.square, P.rsub,
            P.remainder, P.floor_divide):
    setattr(Tensor, _fn.__name__ + "_", inplace(_fn))
Tensor.subtract_ = Tensor.sub_
Tensor.multiply_ = Tensor.mul_
Tensor.divide_ = Tensor.div_
Tensor.clip_ = Tensor.clamp_
Tensor.__iadd__ = Tensor.add_
Tensor.__isub__ = Tensor.sub_
Tensor.__imul__ = Tensor.mul_
Tensor.__itruediv__ = Tensor.div_
Tensor.__ipow__ = Tensor.pow_
relu_ = expose(Tensor.relu_, name="relu_", method=False)


FILL = op("fill", lambda xp, x, value: xp.full_like(x, value), vjps=(lambda F, g: g * 0,),
          params=("value",))
# copy_ gives the destination no gradient and the source the gradient (broadcast back and
# cast to its dtype by the registry). torch names the node CopyBackwards.
COPY = op("copy", lambda xp, x, src: xp.broadcast_to(src, x.shape).astype(x.dtype),
          inputs=("x", "src"), vjps=(lambda F, g: g * 0, lambda F, g: g),
          grad_fn="CopyBackwards", broadcasts=True)


def _fill(self, value):
    """Fill with ``value`` in place."""
    v = value.item() if isinstance(value, Tensor) else value
    return inplace(lambda t: dispatch(FILL, (t,), {"value": v}))(self)


def _zero(self):
    """Fill with zeros in place."""
    return _fill(self, 0)


def _copy(self, src, non_blocking=False):
    """Copy ``src`` (broadcast and cast) into this tensor in place."""
    if not isinstance(src, Tensor):
        from .._creation import tensor
        src = tensor(src)
    return inplace(lambda t, s: dispatch(COPY, (t, s)))(self, src)


Tensor.fill_ = _fill
Tensor.zero_ = _zero
Tensor.copy_ = _copy
