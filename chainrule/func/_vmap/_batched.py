"""BatchedTensor: a tensor that is one sample of a batch, inside vmap.

A ``BatchedTensor`` at vmap level ``L`` holds ``value`` (a tensor with one more dimension,
``bdim``, the batch) and shows the rest: its shape, dtype and everything user code and the
ops' Python wrappers read from ``_data`` are the *logical* sample's (``_data`` is a
``LogicalArray``, a stand-in that knows shape and dtype but refuses to be computed with).
Values nest: at level 2 the value may itself be batched at level 1, so the outermost wrapper
always has the highest level. Ops reach the batching rules through the hook in
``ops/_dispatch.py``; the rules compute on the values with ordinary chainrule ops, so the
autograd graph is recorded on the plain tensors underneath and gradients come for free.
"""
from __future__ import annotations

import threading

from ..._tensor import Tensor
from ...autograd.forward_ad import _STATE as _FW

__all__ = ["BatchedTensor", "LogicalArray", "wrap", "is_batched", "to_front", "wrap_front",
           "levels", "current_level", "level_size", "level_randomness"]


class _State(threading.local):
    def __init__(self):
        self.levels = []  # [(level, batch size, randomness)], innermost last
        self.next_level = 1


_state = _State()


def levels() -> list:
    """The active vmap levels, outermost first: [(level, size, randomness)]."""
    return _state.levels


def current_level():
    return _state.levels[-1] if _state.levels else None


def level_size(level: int) -> int:
    for lvl, size, _ in _state.levels:
        if lvl == level:
            return size
    raise RuntimeError(f"vmap: level {level} is not active (a batched tensor escaped the vmap "
                       "that made it)")


def level_randomness(level: int) -> str:
    for lvl, _, randomness in _state.levels:
        if lvl == level:
            return randomness
    return "error"


_ITEM = ("vmap: It looks like you're calling .item() on a Tensor. We don't support vmap over "
         "calling .item() on a Tensor, please try to rewrite what you're doing with other "
         "operations. If error is occurring somewhere inside PyTorch internals, please file a "
         "bug report.")
_CONTROL = ("vmap: It looks like you're attempting to use a Tensor in some data-dependent "
            "control flow. We don't support that yet, please file an issue at "
            "https://github.com/pytorch/pytorch/issues .")


class BatchedDataError(RuntimeError, TypeError):
    """Raised when code reads a batched tensor's data (a TypeError too, so that the
    dispatcher's fast paths hand such a call to the general path, where vmap takes it)."""


def _refuse(what: str):
    if what in ("item", "tolist"):
        return BatchedDataError(_ITEM)
    return BatchedDataError(
        f"vmap: this operation reads a batched tensor's data directly ({what}), which "
        "chainrule cannot do inside vmap; rewrite it with tensor operations, or move it out "
        "of the vmapped function")


class _Flags:
    __slots__ = ()
    c_contiguous = True
    f_contiguous = False
    writeable = False
    owndata = False
    aligned = True


_FLAGS = _Flags()


class LogicalArray:
    """What a BatchedTensor keeps as ``_data``: the logical sample's shape and dtype; any
    attempt to compute with it raises (NumPy is told not to handle it)."""

    __slots__ = ("shape", "dtype", "ndim", "size", "_bt")
    __array_ufunc__ = None
    flags = _FLAGS
    base = None

    def __init__(self, shape, dtype, bt):
        self.shape = shape
        self.dtype = dtype
        self.ndim = len(shape)
        size = 1
        for n in shape:
            size *= n
        self.size = size
        self._bt = bt

    @property
    def itemsize(self) -> int:
        return self.dtype.itemsize

    @property
    def nbytes(self) -> int:
        return self.size * self.dtype.itemsize

    @property
    def strides(self) -> tuple:
        out, step = [], self.dtype.itemsize
        for n in reversed(self.shape):
            out.append(step)
            step *= max(n, 1)
        return tuple(reversed(out))

    def __array__(self, *args, **kwargs):
        raise _refuse("conversion to an array")

    def __array_function__(self, func, types, args, kwargs):
        raise _refuse(f"numpy.{func.__name__}")

    def __len__(self) -> int:
        if not self.shape:
            raise TypeError("len() of a 0-d tensor")
        return self.shape[0]

    def __bool__(self):
        raise RuntimeError(_CONTROL)

    def __float__(self):
        raise RuntimeError(_ITEM)

    __int__ = __index__ = __complex__ = __float__

    def item(self, *args):
        raise RuntimeError(_ITEM)

    tolist = item

    def __getattr__(self, name):
        raise _refuse(f".{name}")

    def __getitem__(self, key):
        raise _refuse("indexing its data")

    def __setitem__(self, key, value):
        raise _refuse("writing its data")

    def __repr__(self) -> str:
        return f"LogicalArray(shape={self.shape}, dtype={self.dtype})"


def _operator(name):
    def refuse(self, *args):
        raise _refuse(f"the {name} operator")
    refuse.__name__ = name
    return refuse


# arithmetic on a batched tensor's data in Python: the same clear error as NumPy's functions
for _name in ("__invert__", "__neg__", "__pos__", "__abs__", "__lt__", "__le__", "__gt__",
              "__ge__", "__add__", "__radd__", "__sub__", "__rsub__", "__mul__", "__rmul__",
              "__truediv__", "__rtruediv__", "__floordiv__", "__rfloordiv__", "__mod__",
              "__pow__", "__rpow__", "__and__", "__rand__", "__or__", "__ror__", "__xor__",
              "__matmul__", "__rmatmul__"):
    setattr(LogicalArray, _name, _operator(_name))


class BatchedTensor(Tensor):
    """One sample of a batch inside vmap; ``_value`` holds the batch at dim ``_bdim``."""

    __slots__ = ("_value", "_bdim", "_level")

    def __repr__(self) -> str:
        inner = repr(self._value).replace("\n", "\n    ")
        return f"BatchedTensor(lvl={self._level}, bdim={self._bdim}, value=\n    {inner}\n)"

    __str__ = __repr__

    def detach(self) -> BatchedTensor:
        """The same batch outside the graph."""
        return wrap(self._value.detach(), self._bdim, self._level)

    def _become(self, other: BatchedTensor) -> None:
        """Take ``other``'s batch (an in-place view op's result: the new shape)."""
        self._value, self._bdim, self._level = other._value, other._bdim, other._level
        self._data = LogicalArray(other._data.shape, other._data.dtype, self)

    def __bool__(self):
        raise RuntimeError(_CONTROL)

    def item(self):
        raise RuntimeError(_ITEM)

    def tolist(self):
        raise RuntimeError(_ITEM)

    def numpy(self, *args, **kwargs):
        raise _refuse(".numpy()")

    def backward(self, *args, **kwargs):
        raise RuntimeError(
            "vmap: It looks like you're calling .backward() or autograd.grad() on a batched "
            "tensor inside vmap; use torch.func.grad / vjp inside vmap instead")

    @property
    def grad_fn(self):
        return None

    @grad_fn.setter
    def grad_fn(self, value):
        pass

    @property
    def is_leaf(self) -> bool:
        return self._value.is_leaf


_new = object.__new__


def wrap(value: Tensor, bdim: int, level: int) -> BatchedTensor:
    """``value`` seen as a batch over its dim ``bdim`` at vmap ``level``."""
    t = _new(BatchedTensor)
    t._value = value
    t._bdim = bdim
    t._level = level
    shape = value._data.shape
    t._data = LogicalArray(shape[:bdim] + shape[bdim + 1:], value._data.dtype, t)
    t._rg = value._rg
    t._output_nr = 0
    t._vc = None
    return t


def value_of(t: BatchedTensor) -> Tensor:
    """``t``'s physical value; under forward AD it first takes ``t``'s tangent (laid out
    with the batch at the value's batch dim), so unwrapping keeps tangents."""
    value = t._value
    if _FW.level < 0 or "_fw_tangent" not in t.__dict__:
        return value
    from ...autograd import forward_ad as fw
    tangent = fw.tangent_of(t)
    if tangent is None or "_fw_tangent" in value.__dict__:  # (its own: a view's would be
        return value                                         # derived from its base's)
    if tangent.__class__ is BatchedTensor and tangent._level == t._level:
        phys = tangent._value
        if tangent._bdim != t._bdim:
            phys = fw._untraced(lambda: phys.movedim(tangent._bdim, t._bdim))
    else:  # the same tangent for every sample
        phys = fw._untraced(lambda: tangent.unsqueeze(t._bdim).expand(
            tuple(value._data.shape) if value.__class__ is not BatchedTensor
            else tuple(value.shape)))
    fw.set_tangent(value, phys)
    return value


def is_batched(t) -> bool:
    return t.__class__ is BatchedTensor


def to_front(t: Tensor):
    """(physical tensor, levels): the plain tensor under all of ``t``'s wrappers with its
    batch dims moved to the front in ascending level order, followed by the logical dims."""
    wrappers = []
    while t.__class__ is BatchedTensor:
        wrappers.append((t._level, t._bdim))
        t = value_of(t)
    if not wrappers:
        return t, []
    remaining = list(range(t._data.ndim))
    found = []
    for lvl, bdim in reversed(wrappers):  # innermost first: its bdim is physical
        found.append((lvl, remaining.pop(bdim)))
    found.sort()
    order = [p for _, p in found] + remaining
    if order != list(range(len(order))):
        t = t.permute(order)
    return t, [lvl for lvl, _ in found]


def wrap_front(physical: Tensor, lvls) -> Tensor:
    """The inverse of ``to_front``: the first ``len(lvls)`` dims of ``physical`` are the
    batch dims of ``lvls`` (ascending)."""
    t = physical
    for lvl in lvls:
        t = wrap(t, 0, lvl)
    return t


def align(t: Tensor, lvls) -> Tensor:
    """``t``'s physical tensor with exactly ``lvls`` (ascending) batch dims in front: levels
    it lacks are expanded (stride 0), levels outside ``lvls`` are an error."""
    phys, have = to_front(t)
    if have == list(lvls):
        return phys
    extra = [lvl for lvl in have if lvl not in lvls]
    if extra:
        raise RuntimeError(f"vmap: a tensor batched at level {extra[0]} cannot be aligned to "
                           f"levels {list(lvls)}")
    logical = tuple(phys._data.shape[len(have):])
    sizes = []
    index = []
    j = 0
    for lvl in lvls:
        if j < len(have) and have[j] == lvl:
            sizes.append(phys._data.shape[j])
            index.append(slice(None))
            j += 1
        else:
            sizes.append(level_size(lvl))
            index.append(None)
    if None in index:
        phys = phys[tuple(index)]
    return phys.expand(tuple(sizes) + logical)


def levels_in_front(tangent, lvls):
    """A tangent of a physical output (whose first dims are ``lvls``' batch dims) seen at
    those levels, beneath any levels it is batched at itself (jacfwd's basis): the wrappers
    nest in level order."""
    phys, own = to_front(tangent)
    order = own + list(lvls)  # the levels of phys's leading dims
    ranks = sorted(range(len(order)), key=order.__getitem__)
    if ranks != list(range(len(order))):
        phys = phys.permute(ranks + list(range(len(order), phys.dim())))
    return wrap_front(phys, sorted(order))


def batched_tangent(tangent, bdim: int, level: int):
    """The tangent of a physical tensor whose dim ``bdim`` is ``level``'s batch, seen at
    that level (beneath the levels it is batched at itself), recording nothing."""
    from ...autograd import forward_ad as fw
    return fw._untraced(lambda: levels_in_front(tangent.movedim(bdim, 0), [level]))


def wrap_dual(value: Tensor, bdim: int, level: int) -> BatchedTensor:
    """``wrap``, and under forward AD ``value``'s tangent is batched the same way (vmap's
    inputs inside jvp, restacked samples, a Function's vmap rule's outputs)."""
    t = wrap(value, bdim, level)
    if _FW.level >= 0:
        from ...autograd import forward_ad as fw
        tangent = fw.tangent_of(value)
        if tangent is not None:
            fw.set_tangent(t, batched_tangent(tangent, bdim, level))
    return t
