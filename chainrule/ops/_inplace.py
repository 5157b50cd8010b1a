"""In-place ops: ``x.add_(y)``, ``x += y``, ``zero_``, ``fill_``, ``copy_`` ...

Each runs its out-of-place op (so it records exactly that op's node, as torch does),
writes the result into ``x``'s memory and bumps the version counter ``x`` shares with its
views. The node becomes ``x``'s history; when ``x`` is a view of a tensor in a graph, the
base gets a CopySlices around it and every live view of the memory is replayed from its
base (``ops/_views.py``). A saved tensor modified this way is caught at backward by the
version check, with torch's error. The checks (leaves, views that may not be modified,
overlapping memory) come first, so a refused in-place op leaves the data untouched.
"""
from __future__ import annotations

from .. import _memory
from .._meta import NO_DATA, MetaArray
from .._tensor import Tensor
from ..autograd.forward_ad import _STATE as _FW_STATE
from ..autograd.grad_mode import _tls
from ..backend import _NAMESPACES
from . import pointwise as P
from ._dispatch import _scalar_fits, batching, vmapped
from ._registry import dispatch, expose, op
from ._views import rebase_history, view_error

LEAF_MSG = "a leaf Variable that requires grad is being used in an in-place operation."
VIEW_LEAF_MSG = ("a view of a leaf Variable that requires grad is being used in an in-place "
                 "operation.")
INTERNAL_OVERLAP_MSG = ("unsupported operation: more than one element of the written-to tensor "
                        "refers to a single memory location. Please clone() the tensor before "
                        "performing the operation.")
PARTIAL_OVERLAP_MSG = ("unsupported operation: some elements of the input tensor and the "
                       "written-to tensor refer to a single memory location. Please clone() the "
                       "tensor before performing the operation.")


def check_inplace(t: Tensor, args=(), view_message: bool = False) -> None:
    """Refuse, before touching data, the in-place updates torch refuses (torch's
    check_inplace): ``args`` are the op's other inputs."""
    if t._inference and not _tls.inference:
        raise RuntimeError(
            "Inplace update to inference tensor outside InferenceMode is not allowed.You can make "
            "a clone to get a normal tensor before doing inplace update.See "
            "https://github.com/pytorch/rfcs/pull/17 for more details.")
    if not _tls.grad_enabled:
        return
    if not (t._rg or any(isinstance(a, Tensor) and a._rg for a in args)):
        return
    base = t._base
    if base is not None:
        meta = t._view_meta
        if meta is not None:
            raise view_error(t, meta, indirect=False)
        if t._rg and base.grad_fn is None:
            raise RuntimeError(VIEW_LEAF_MSG)
    if t._rg and t.grad_fn is None:
        raise RuntimeError(VIEW_LEAF_MSG if view_message else LEAF_MSG)


def _write(self: Tensor, result: Tensor, internal_check: bool = True) -> Tensor:
    """Store ``result`` into ``self`` in place, making its node ``self``'s history."""
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
    if rd.__class__ is MetaArray and data.__class__ is not MetaArray:
        raise RuntimeError("Tensor on device meta is not on the expected device cpu!")
    if not data.flags.writeable and data.__class__ is not MetaArray:  # an expand / diagonal
        if internal_check and (_memory.internal_overlap(data) or
                               _memory.may_self_overlap(data)):
            raise RuntimeError(INTERNAL_OVERLAP_MSG)
        data = _memory.writable(data)
    data[...] = rd
    fn = result.grad_fn
    if fn is not None:
        _adopt_output(fn, self)
        rebase_history(self, fn, result._output_nr)
    self._bump_version()
    if _FW_STATE.level >= 0:  # forward AD: the tangent is written in place too
        from ._jvp import write_tangent
        write_tangent(self, result)
    return self


def _adopt_output(node, self: Tensor) -> None:
    """A node that saved its result now saves ``self``, which holds it: a later in-place
    change of ``self`` is then caught at backward (torch saves ``self`` as the result)."""
    versions = getattr(node, "_versions", None)
    if not versions or node._saved is None:
        return
    entries = list(versions)
    saved = list(node._saved)
    changed = False
    for i in range(0, len(entries), 4):
        if entries[i + 3] is None:  # a saved output
            vc = self._vc or self._version_counter()
            slot = entries[i + 2]
            saved[slot] = self._data
            entries[i], entries[i + 1] = vc, vc[0] + 1  # the version after this write
            changed = True
    if changed:
        node._saved, node._versions = tuple(saved), tuple(entries)


def _type_word(d) -> str:
    return {"float32": "Float", "float64": "Double", "float16": "Half", "int64": "Long",
            "int32": "Int", "int16": "Short", "int8": "Char", "uint8": "Byte",
            "bool": "Bool", "complex64": "ComplexFloat",
            "complex128": "ComplexDouble"}[d.name]


def _check_overlap(self: Tensor, args) -> None:
    """torch refuses an in-place op whose input partly overlaps the tensor written to
    (memory ranges of dense tensors; disjoint views of one tensor are fine)."""
    data = self._data
    for a in args:
        if a.__class__ is Tensor or isinstance(a, Tensor):
            ad = a._data
            if ad.base is None and data.base is None and ad is not data:
                continue  # two arrays that own their memory: disjoint
            if _memory.partial_overlap(data, ad):
                raise RuntimeError(PARTIAL_OVERLAP_MSG)


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
        if od.dtype is not data.dtype or od.__class__ is not data.__class__:  # meta too
            return False
    elif _scalar_fits(kind, other):
        od = other
    else:
        return False
    if alpha != 1:
        if kind not in "fcV" and not isinstance(alpha, int):
            return False
        od = od * alpha
    if op_ is P.DIV and kind not in "fcV":
        return False
    try:
        op_.raw(xp)(data, od, out=data)
    except (ValueError, TypeError, OverflowError):  # shapes that do not broadcast, etc.
        return False
    self._bump_version()
    return True


_DIRECT = {P.add: P.ADD, P.sub: P.SUB, P.mul: P.MUL, P.div: P.DIV}


def _records(self: Tensor, args) -> bool:
    return _tls.grad_enabled and (self._rg or any(isinstance(a, Tensor) and a._rg
                                                  for a in args))


def _apply(fn, self: Tensor, args, kwargs, internal_check: bool = True) -> Tensor:
    if _records(self, args):
        # The recorded node keeps the original self (torch's original_self): a copy that
        # carries self's place in the graph, so its backward sees the values before the
        # write. Other arguments are kept as they are, so x.mul_(x) fails at backward as in
        # torch.
        original = Tensor._make(self._data.copy(), self._rg, self.grad_fn, self._output_nr)
        if _FW_STATE.level >= 0:  # forward AD: the copy keeps self's tangent as it was
            _keep_tangent(self, original)
        return _write(self, fn(original, *args, **kwargs), internal_check)
    return _write(self, fn(self, *args, **kwargs), internal_check)


def _keep_tangent(self: Tensor, original: Tensor) -> None:
    from ..autograd import forward_ad as fw
    st = fw.tangent_of(self)
    if st is not None:
        fw.set_tangent(original, fw._untraced(st.clone))


def inplace(fn):
    """Make the in-place form of the out-of-place function ``fn``."""
    direct = _DIRECT.get(fn)

    def method(self, *args, **kwargs):
        if batching.current is not None and vmapped(self, *args):
            return batching.inplace("op", self, fn, args, kwargs)
        check_inplace(self, args)
        if args:  # _check_overlap, with its first test inlined (this is the optimizer's path)
            data = self._data
            for a in args:
                if a.__class__ is Tensor or isinstance(a, Tensor):
                    ad = a._data
                    if ad is not data and (ad.base is not None or data.base is not None) \
                            and _memory.partial_overlap(data, ad):
                        raise RuntimeError(PARTIAL_OVERLAP_MSG)
        if direct is not None and len(args) == 1 and kwargs.keys() <= {"alpha"}:
            other = args[0]
            if not (_tls.grad_enabled and (self._rg or (isinstance(other, Tensor) and
                                                        other._rg))) and _FW_STATE.level < 0:
                if _direct(direct, self, other, kwargs.get("alpha", 1)):
                    return self
        return _apply(fn, self, args, kwargs)
    method.__name__ = fn.__name__ + "_"
    method.__doc__ = f"In-place {fn.__name__}."
    return method


for _fn in (P.add, P.sub, P.mul, P.div, P.pow, P.clamp, P.clamp_min, P.clamp_max, P.neg,
            P.exp, P.log, P.sin, P.cos, P.tanh, P.sigmoid, P.relu, P.sqrt, P.abs,
            P.reciprocal, P.floor, P.ceil, P.round, P.trunc, P.sign, P.square, P.rsub,
            P.remainder, P.floor_divide, P.bitwise_and, P.bitwise_or, P.bitwise_xor):
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
Tensor.__ifloordiv__ = Tensor.floor_divide_
Tensor.__imod__ = Tensor.remainder_
Tensor.__iand__ = Tensor.bitwise_and_
Tensor.__ior__ = Tensor.bitwise_or_
Tensor.__ixor__ = Tensor.bitwise_xor_
relu_ = expose(Tensor.relu_, name="relu_", method=False)


def _shift_inplace(name: str):
    """``<<=`` / ``>>=``: torch's bitwise_left_shift_ / bitwise_right_shift_, made from the
    out-of-place shift when one is registered (NotImplemented lets Python raise its usual
    TypeError otherwise)."""
    def method(self, other):
        from . import PUBLIC
        fn = PUBLIC.get(name)
        if fn is None:
            return NotImplemented
        return inplace(fn)(self, other)
    method.__name__ = name + "_"
    return method


Tensor.__ilshift__ = _shift_inplace("bitwise_left_shift")
Tensor.__irshift__ = _shift_inplace("bitwise_right_shift")


def _zeros_grad(F, g):
    return F.zeros(g.shape, dtype=g.dtype)


# fill_(number) is FillBackward2, fill_(0-d tensor) FillBackward3, zero_ ZeroBackward0; the
# tensor filled gets a zero gradient, a value tensor the sum of the gradient.
FILL = op("fill", lambda xp, x, value: xp.full_like(x, value), vjps=(_zeros_grad,),
          params=("value",), grad_fn="FillBackward2")
FILL_TENSOR = op("fill_tensor", lambda xp, x, value: xp.full_like(x, value),
                 inputs=("x", "value"), vjps=(_zeros_grad, lambda F, g: F.sum(g)),
                 grad_fn="FillBackward3", broadcasts=True)
ZERO = op("zero", lambda xp, x: xp.zeros_like(x), vjps=(_zeros_grad,), grad_fn="ZeroBackward0")
# copy_ gives the destination no gradient and the source the gradient (broadcast back and
# cast to its dtype by the registry). torch names the node CopyBackwards.
COPY = op("copy", lambda xp, x, src: xp.broadcast_to(src, x.shape).astype(x.dtype),
          inputs=("x", "src"), vjps=(_zeros_grad, lambda F, g: g),
          grad_fn="CopyBackwards", broadcasts=True)


def _fill(self, value):
    """Fill with ``value`` in place (a number, or a 0-d tensor whose gradient is the sum of
    this tensor's)."""
    if batching.current is not None and vmapped(self, value):
        return batching.inplace("fill", self, None, (value,), {})
    if isinstance(value, Tensor):
        if value._data.ndim:
            raise RuntimeError("fill_ only supports 0-dimension value tensor but got tensor with "
                               f"{value._data.ndim} dimensions.")
        check_inplace(self, (value,))
        return _apply(lambda t, v: dispatch(FILL_TENSOR, (t, v)), self, (value,), {})
    check_inplace(self)
    # torch writes a number into a tensor whose elements repeat (x.expand(3).fill_(1)); a
    # recorded one fails at backward, in CopySlices
    return _apply(lambda t: dispatch(FILL, (t,), {"value": value}), self, (), {},
                  internal_check=False)


def _zero(self):
    """Fill with zeros in place."""
    if batching.current is not None and vmapped(self):
        return batching.inplace("zero", self, None, (), {})
    check_inplace(self)
    return _apply(lambda t: dispatch(ZERO, (t,)), self, (), {}, internal_check=False)


def _copy(self, src, non_blocking=False):
    """Copy ``src`` (broadcast and cast) into this tensor in place."""
    if not isinstance(src, Tensor):
        from .._creation import tensor
        src = tensor(src)
    if src._data.__class__ is MetaArray and self._data.__class__ is not MetaArray:
        raise NotImplementedError(NO_DATA)
    if batching.current is not None and vmapped(self, src):
        return batching.inplace("copy", self, None, (src,), {})
    check_inplace(self, (src,))
    _check_overlap(self, (src,))
    if not _records(self, (src,)) and _FW_STATE.level < 0 and _copy_direct(self, src):
        return self
    return _apply(lambda t, s: dispatch(COPY, (t, s)), self, (src,), {})


def _copy_direct(self: Tensor, src: Tensor) -> bool:
    """copy_ of a same-dtype source straight into self's memory when there is no graph to
    record (DDP's gradient buckets, load_state_dict): one pass, no temporary; False sends
    the call down the general path (which raises torch's errors for shapes)."""
    data, sd = self._data, src._data
    xp = _NAMESPACES.get(data.__class__)
    if xp is None or not data.flags.writeable or sd.dtype is not data.dtype \
            or sd.__class__ is not data.__class__:
        return False
    try:
        xp.copyto(data, sd)
    except (ValueError, TypeError):  # shapes that do not broadcast
        return False
    self._bump_version()
    return True


Tensor.fill_ = _fill
Tensor.zero_ = _zero
Tensor.copy_ = _copy
