"""Views and in-place changes to them, recorded as torch records them.

A view (the output of a ``view=True`` op: indexing, view/reshape, t/transpose/permute,
expand, squeeze/unsqueeze, as_strided, ...) shares its base's memory and version counter;
``_base`` is always the root tensor, never a view. Each view is also listed, weakly, in the
version counter it shares (``vc[1:]``; ``vc[0]`` is the version), which is how a change
made through any alias finds every live view.

When an in-place op changes a view in a graph, the op's node (``MulBackward0`` for
``v.mul_(w)``) goes inside a ``CopySlices`` node that becomes the base's grad_fn: its edges
are the base's old one and the op's other inputs, and on backward it routes the gradient of
the view's region through the op (torch's CopySlices). Whenever the memory changes (any
version bump), every live view of it whose base is in a graph gets its grad_fn regenerated
as ``base.as_strided(size, stride, storage_offset)`` (AsStridedBackward0), as torch's view
replay does; torch does it lazily on the next ``grad_fn`` access, chainrule at the change.
Views torch forbids to be modified (made under no_grad, outputs of multi-output ops such as
unbind, of custom Functions) raise torch's error when modified, and when their base is
modified their grad_fn becomes a node that raises it at backward, and reading the view's
``grad_fn`` (so using it in any op, or asking ``is_leaf``) raises it at once, as in torch:
the view's class becomes ``_RebasedView``, whose ``grad_fn`` is a property, so ordinary
tensors pay nothing for the check.
"""
from __future__ import annotations

import weakref

from .. import _memory
from .._tensor import Tensor
from ..autograd.grad_mode import _tls
from ..autograd.graph import SAVED_FREED_MSG, ErrorNode, Node, _seq, _shared_nrs
from ..backend import namespace_of
from ._node import _short_name
from ._vocab import raw_vocab

# Why a view may not be modified in place (torch's CreationMeta); None is DEFAULT.
NO_GRAD, MULTI, INFERENCE, CUSTOM = "no_grad", "multi_output", "inference", "custom"

_ref = weakref.ref


_GRAD_FN_SLOT = Tensor.grad_fn  # the slot descriptor, read and written below


class _RebasedView(Tensor):
    """A view whose base was modified in place although the view may not be replayed
    (made under no_grad / inference mode, an output of a multi-output op or a custom
    Function): reading ``grad_fn`` raises torch's error."""

    __slots__ = ()

    @property
    def grad_fn(self):
        fn = _GRAD_FN_SLOT.__get__(self, Tensor)
        if isinstance(fn, ErrorNode):
            raise type(fn._error)(*fn._error.args)
        return fn

    @grad_fn.setter
    def grad_fn(self, fn):
        _GRAD_FN_SLOT.__set__(self, fn)


_RebasedView.__name__ = _RebasedView.__qualname__ = "Tensor"  # type(v) prints as torch's
_RebasedView.__module__ = Tensor.__module__


def track_views(parent: Tensor, outs, multi: bool) -> None:
    """Make ``outs`` views of ``parent``'s base (called by dispatch for a view op)."""
    base = parent._base
    if base is None:
        base, prev = parent, None
    else:
        prev = parent._view_meta
    tls = _tls
    inherit = False
    if tls.inference:
        meta = INFERENCE
    elif not tls.grad_enabled:
        meta = NO_GRAD
        inherit = parent._rg
    else:
        meta = MULTI if multi else None
    if meta is None or prev == INFERENCE:  # torch's propagate_creation_meta
        meta = prev
    vc = base._vc or base._version_counter()
    for t in outs:
        d = t.__dict__
        d["_base"] = base
        t._vc = vc
        if meta is not None:
            d["_view_meta"] = meta
        if inherit:  # a view made under no_grad still requires grad, with no edge (torch)
            t._rg = True
            d["_no_grad_view"] = True
        vc.append(_ref(t))
    n = len(vc)
    if n > 32 and n & (n - 1) == 0:  # drop dead entries now and then (amortised O(1))
        vc[1:] = [r for r in vc[1:] if r() is not None]


_REPLAY: list = []  # the replay op's node class and its two plans, bound on first use
_VOCAB: dict = {}  # array class -> raw vocabulary
_new = object.__new__
_next_seq = _seq.__next__


def refresh_views(vc: list) -> None:
    """After a change to the memory behind ``vc``: regenerate each live view's grad_fn from
    its base (torch's view replay), or make it raise for views that may not be replayed."""
    if len(vc) == 2 and vc[1]() is None:  # the common case: the one view made is gone
        del vc[1]
        return
    if not _REPLAY:
        from .strided import AS_STRIDED_REPLAY as op_
        _REPLAY.extend((op_.node_cls, op_.plan(_TRUE), op_.plan(_FALSE)))
    replay_cls, plan_edge, plan_none = _REPLAY
    dead = False
    for r in vc[1:]:
        v = r()
        if v is None:
            dead = True
            continue
        base = v._base
        old = v.grad_fn
        if old is None and not base._rg:
            continue  # torch leaves a view of a tensor outside any graph alone
        meta = v._view_meta
        if meta is not None:
            if not isinstance(old, ErrorNode):
                v.grad_fn = ErrorNode(view_error(v, meta, indirect=True))
                v._output_nr = 0
                v._rg = True
                if v.__class__ is Tensor:
                    v.__class__ = _RebasedView
            continue
        fn = base.grad_fn
        if fn is None and base._rg:
            ref = base._acc_ref
            fn = (ref() if ref is not None else None) or base._accumulator()
        if old.__class__ is replay_cls and old._fns[0] is fn and (
                fn is None or old._nrs[0] == base._output_nr):
            continue  # already replayed from the base as it is: the same node would result
        vd, bd = v._data, base._data
        owner = vd.base
        if owner is not bd and owner is not bd.base and (
                _memory.storage_owner(vd) is not _memory.storage_owner(bd)):
            continue  # the base's data was replaced (x.data = ...): nothing to replay
        # base.as_strided(v.size(), v.stride(), v.storage_offset()), built directly
        node = _new(replay_cls)
        node._fns = (fn,)
        node._nrs = _ZERO if fn is None or not base._output_nr else (base._output_nr,)
        node._seq = _next_seq()
        node._plan = plan_none if fn is None else plan_edge
        vocab = _VOCAB.get(vd.__class__)
        if vocab is None:
            vocab = _VOCAB[vd.__class__] = raw_vocab(namespace_of(vd))
        node._F = vocab
        node._meta = None
        node._saved = ([vd, bd],)  # a list: geometry worked out only if backward runs
        node._versions = ()
        v.grad_fn = node
        v._output_nr = 0
        v._rg = True
        if v._retains_grad and old is not None:
            move_retained(v, old, node)
    if dead:  # forget dead views: the list stays as short as the live set
        vc[1:] = [r for r in vc[1:] if r() is not None]


_TRUE, _FALSE, _ZERO = (True,), (False,), (0,)


def move_retained(t: Tensor, old, new) -> None:
    """retain_grad follows a tensor to its new grad_fn (torch's
    update_tensor_hooks_on_new_gradfn); hooks registered before stay with the old node."""
    entries = old._retained if old is not None else None
    if not entries:
        return
    keep = [(nr, r) for nr, r in entries if r() is not t]
    if len(keep) == len(entries):
        return
    old._retained = keep
    if new._retained is None:
        new._retained = []
    new._retained.append((t._output_nr, _ref(t)))
    new._has_hooks = True


def view_error(t: Tensor, meta: str, indirect: bool) -> RuntimeError:
    """torch's error for modifying (or replaying) a view that may not be modified."""
    modified = "its base or another view of its base has been" if indirect else "is being"
    fn = t.grad_fn
    if meta in (INFERENCE, NO_GRAD) or fn is None:
        prefix = (f"Output {t._output_nr} of {_short_name(fn)} is a view of a view which was "
                  "created in") if fn is not None else "A view was created in"
        if meta == INFERENCE:
            msg = f"{prefix} inference mode and {modified} modified inplace in normal mode."
        else:
            msg = f"{prefix} no_grad mode and {modified} modified inplace with grad mode enabled."
    else:
        msg = (f"Output {t._output_nr} of {_short_name(fn)} is a view and {modified} modified "
               "inplace.")
    if meta == MULTI:
        msg += (" This view is the output of a function that returns multiple views. Such "
                "functions do not allow the output views to be modified inplace. You should "
                "replace the inplace operation by an out-of-place one.")
    elif meta in (NO_GRAD, INFERENCE):
        block = "no_grad" if meta == NO_GRAD else "inference_mode"
        msg += (" Given that this use case is ambiguous and error-prone, it is forbidden. You "
                f"can clarify your code by moving both the view and the inplace either both "
                f"inside the {block} block (if you don't want the inplace to be tracked) or both "
                "outside (if you want the inplace to be tracked).")
    else:
        msg += (" This view was created inside a custom Function (or because an input was "
                "returned as-is) and the autograd logic to handle view+inplace would override "
                "the custom backward associated with the custom Function, leading to incorrect "
                "gradients. This behavior is forbidden. You can fix this by cloning the output "
                "of the custom Function.")
    return RuntimeError(msg)


def _edge(t: Tensor):
    if t.grad_fn is not None:
        return t.grad_fn, t._output_nr
    if t._rg:
        return t._accumulator(), 0
    return None, 0


def _geometry(base_data, view_data):
    """(base geometry, view geometry, storage size): sizes, element strides and offsets
    from the lowest address the base touches, and how many elements that span holds."""
    if _memory.storage_owner(view_data) is not _memory.storage_owner(base_data):
        raise RuntimeError("chainrule: an in-place op on a view whose memory is not its base's "
                           "(the view op that made it copied the data, or the base's .data was "
                           "replaced); clone() the view before changing it")
    item = base_data.itemsize
    lo, hi = _memory.extent(base_data.shape, base_data.strides)
    start = base_data.__array_interface__["data"][0] + lo
    n = 0 if hi < lo else (hi - lo) // item + 1

    def geom(a):
        return (a.shape, _memory.element_strides(a),
                (a.__array_interface__["data"][0] - start) // item)
    return geom(base_data), geom(view_data), n


class CopySlices(Node):
    """The base's node after an in-place op on one of its views: the op's node ``fn``
    runs on the gradient of the view's region (torch's CopySlices)."""

    __slots__ = ("_fn", "_through", "_base_geom", "_view_geom", "_n")

    def name(self) -> str:
        return "torch::autograd::CopySlices"

    def _release(self) -> None:
        self._fn = None

    def apply(self, grads, create_graph, retain_graph=True):
        fn = self._fn
        if fn is None:
            raise RuntimeError(SAVED_FREED_MSG)
        g = grads[0]
        if g is None:
            return [None] * len(self._fns)
        if not retain_graph:
            self._fn = None
        vshape, vstrides, _ = self._view_geom
        if any(st == 0 and n > 1 for n, st in zip(vshape, vstrides)):
            from ._inplace import INTERNAL_OVERLAP_MSG  # torch's grad_slice.copy_ refuses it
            raise RuntimeError(INTERNAL_OVERLAP_MSG)
        if create_graph:
            return self._apply_graph(g, fn, retain_graph)
        xp = namespace_of(g)
        g = xp.asarray(g)
        storage = xp.zeros(self._n, dtype=g.dtype)
        result = _strided(xp, storage, self._base_geom)
        result[...] = g
        grad_slice = _strided(xp, storage, self._view_geom)
        if self._through:
            part = grad_slice.copy()
            grad_slice[...] = 0
            return [result, part]
        res = fn.apply([grad_slice.copy()], False, retain_graph)
        first = res[0]
        if first is not None:
            grad_slice[...] = first
        return [result if first is not None else None] + list(res[1:])

    def _apply_graph(self, g, fn, retain_graph):
        from .._creation import zeros
        from .strided import as_strided
        shape, strides, offset = self._base_geom
        storage = zeros(self._n, dtype=g.dtype)
        result = as_strided(storage, shape, strides, offset)
        result.copy_(g)
        grad_slice = as_strided(storage, *self._view_geom)
        if self._through:
            part = grad_slice.clone()
            grad_slice.zero_()
            return [result, part]
        res = fn.apply([grad_slice.clone()], True, retain_graph)
        first = res[0]
        if first is not None:
            grad_slice.copy_(first)
        return [result if first is not None else None] + list(res[1:])


def _strided(xp, storage, geom):
    shape, strides, offset = geom
    item = storage.itemsize
    return xp.lib.stride_tricks.as_strided(storage[offset:], shape,
                                           tuple(s * item for s in strides))


def rebase_history(t: Tensor, fn, nr: int = 0, before=None) -> None:
    """``t`` was changed in place by the op whose node is ``fn`` (output ``nr``): make it
    ``t``'s history (torch's rebase_history). For a view, the base gets a CopySlices around
    ``fn``; the view's own grad_fn is regenerated by the version bump that follows.
    ``before`` is the edge ``fn``'s first input had (the view's node before the op)."""
    base = t._base
    if base is None:
        old = t.grad_fn
        t.grad_fn = fn
        t._output_nr = nr
        t._rg = True
        if t._retains_grad:
            move_retained(t, old, fn)
        return
    if before is None:
        before = _edge(t)
    through = nr != 0 or not fn._fns or fn._fns[0] is not before[0] or fn._nrs[0] != before[1]
    cs = CopySlices.__new__(CopySlices)
    base_fn, base_nr = _edge(base)
    if through:  # the op's first input is not the view: route the region through fn whole
        fns, nrs = (base_fn, fn), (base_nr, nr)
    else:
        fns, nrs = (base_fn,) + fn._fns[1:], (base_nr,) + tuple(fn._nrs[1:])
    cs._fns = fns
    cs._nrs = _shared_nrs(tuple(nrs))
    cs._seq = next(_seq)
    cs._fn = fn
    cs._through = through
    cs._base_geom, cs._view_geom, cs._n = _geometry(base._data, t._data)
    old = base.grad_fn
    base.grad_fn = cs
    base._output_nr = 0
    base._rg = True
    if t._rg and base._retains_grad:
        move_retained(base, old, cs)


def _install() -> None:
    from .. import _tensor
    _tensor._REFRESH_VIEWS[0] = refresh_views


_install()
