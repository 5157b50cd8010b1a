"""Storage geometry: where a tensor's elements live in memory, as torch describes it.

A chainrule tensor's storage is the memory of the array that owns its data (the end of
NumPy's ``.base`` chain); its ``storage_offset`` and ``stride`` are counted in elements from
the start of that memory. Views (``x[1:]``, ``x.t()``, ``x.as_strided(...)``) are arrays
over the same memory, so their geometry relative to their base is what ``as_strided``
replays. The overlap tests follow torch's (``MemoryOverlap.cpp``): an in-place op refuses
an output whose elements repeat (a stride of 0 over more than one element) and an input
that partly overlaps the output, judged on dense tensors only.
"""
from __future__ import annotations

from ._meta import MetaArray, contiguous_strides, meta_array
from .backend import namespace_of

__all__ = ["storage_owner", "storage_span", "storage_offset", "element_strides", "window",
           "writable", "is_dense", "partial_overlap", "full_or_partial_overlap",
           "internal_overlap", "may_self_overlap", "extent"]


def _ptr(arr) -> int:
    return arr.__array_interface__["data"][0]


def storage_owner(arr):
    """The array that owns ``arr``'s memory (``arr`` itself when it owns it)."""
    cls = arr.__class__
    owner = arr
    b = arr.base
    while b is not None:
        if b.__class__ is cls or isinstance(b, cls):
            owner = b
        b = getattr(b, "base", None)
    return owner


def extent(shape, strides_bytes) -> tuple[int, int]:
    """(lowest, highest) byte offsets an array of this geometry touches from its data
    pointer (an empty array touches none: (0, -1))."""
    lo = hi = 0
    for n, st in zip(shape, strides_bytes):
        if n == 0:
            return 0, -1
        if st < 0:
            lo += st * (n - 1)
        else:
            hi += st * (n - 1)
    return lo, hi


def storage_span(arr) -> tuple[int, int]:
    """(address of the first byte, size in bytes) of the storage behind ``arr``."""
    if arr.__class__ is MetaArray:  # a meta tensor's storage: its own elements, unbacked
        return _ptr(arr), arr.size * arr.itemsize
    owner = storage_owner(arr)
    lo, hi = extent(owner.shape, owner.strides)
    start = _ptr(owner) + lo
    nbytes = 0 if hi < lo else hi - lo + owner.itemsize
    return start, nbytes


def storage_offset(arr) -> int:
    """Elements from the start of the storage to ``arr``'s first element."""
    return (_ptr(arr) - storage_span(arr)[0]) // arr.itemsize


def element_strides(arr) -> tuple:
    if arr.__class__ is MetaArray:  # laid out contiguously, as torch's meta tensors
        return contiguous_strides(arr.shape)
    item = arr.itemsize
    return tuple(s // item for s in arr.strides)


class _Window:
    """An ``__array_interface__`` over a stretch of memory, kept alive through ``base``."""

    __slots__ = ("__array_interface__", "base")

    def __init__(self, interface, base):
        self.__array_interface__ = interface
        self.base = base


def window(arr, shape, strides, offset, writeable=None):
    """An array over the storage of ``arr`` with this geometry (strides and offset in
    elements, the offset from the start of the storage): torch's ``as_strided``. Bounds are
    the caller's to check."""
    if arr.__class__ is MetaArray:
        return meta_array(shape, arr.dtype)
    owner = storage_owner(arr)
    start = storage_span(arr)[0]
    item = arr.itemsize
    if writeable is None:
        writeable = owner.flags.writeable
    iface = {"data": (start + offset * item, not writeable), "shape": tuple(shape),
             "strides": tuple(s * item for s in strides), "typestr": arr.dtype.str,
             "descr": arr.dtype.descr, "version": 3}
    out = namespace_of(arr).asarray(_Window(iface, owner))
    if out.dtype != arr.dtype:  # ml_dtypes' bfloat16 goes through the interface as void
        out = out.view(arr.dtype)
    return out


def writable(arr):
    """``arr`` itself when writeable, else a writeable array over the same elements (NumPy
    marks broadcast and diagonal views read-only; torch writes through them). Raises when
    the memory itself is read-only."""
    if arr.flags.writeable:
        return arr
    owner = storage_owner(arr)
    if not owner.flags.writeable:
        raise RuntimeError("chainrule: the memory of this tensor is read-only (it was made from "
                           "a read-only array); clone() it before writing into it")
    return window(arr, arr.shape, element_strides(arr), storage_offset(arr), True)


def internal_overlap(arr) -> bool:
    """torch's "Yes" of has_internal_overlap: a stride of 0 over more than one element."""
    return any(st == 0 and n > 1 for n, st in zip(arr.shape, arr.strides))


def may_self_overlap(arr) -> bool:
    """True unless the strides prove that no two elements share memory (each dimension,
    by increasing stride, steps past everything the smaller ones span). Overlapping windows
    (``x.unfold(0, 3, 1)``) are caught here; torch writes them element by element, an
    order-dependent result chainrule refuses to give."""
    extent = arr.itemsize
    for st, n in sorted((abs(st), n) for n, st in zip(arr.shape, arr.strides) if n > 1):
        if st < extent:
            return True
        extent += st * (n - 1)
    return False


def is_dense(arr) -> bool:
    """torch's is_non_overlapping_and_dense: the strides, sorted, are those of a contiguous
    array (size-1 dimensions ignored; negative strides, which torch never has, are not)."""
    dims = sorted((st, n) for n, st in zip(arr.shape, arr.strides) if n != 1)
    expected = arr.itemsize
    for st, n in dims:
        if st != expected:
            return False
        expected *= n
    return True


def _overlap(a, b) -> str:
    """torch's get_overlap_status: "full", "partial" or "no" ("too hard" counts as "no")."""
    if a is b:
        return "full"
    if a.size == 0 or b.size == 0:
        return "no"
    a_owner, b_owner = storage_owner(a), storage_owner(b)
    if a_owner is not b_owner:
        return "no"
    if not is_dense(a) or not is_dense(b):
        return "no"
    a_begin, b_begin = _ptr(a), _ptr(b)
    a_end, b_end = a_begin + a.nbytes, b_begin + b.nbytes
    if a_begin == b_begin and a_end == b_end:
        return "full" if a.strides == b.strides else "partial"
    return "partial" if a_begin < b_end and b_begin < a_end else "no"


def _may_share(a, b) -> bool:
    """A cheap first test: arrays over different owners never share memory."""
    if a is b:
        return True
    ab, bb = a.base, b.base
    if ab is None and bb is None:
        return False
    return storage_owner(a) is storage_owner(b)


def partial_overlap(out, inp) -> bool:
    """torch's assert_no_partial_overlap: ``inp`` covers part of ``out``'s memory."""
    return _may_share(out, inp) and _overlap(out, inp) == "partial"


def full_or_partial_overlap(out, inp) -> bool:
    """torch's assert_no_overlap (index_put_): ``inp`` shares any of ``out``'s memory."""
    return _may_share(out, inp) and _overlap(out, inp) != "no"
