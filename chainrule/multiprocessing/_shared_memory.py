"""Tensors in shared memory: ``t.share_memory_()``, ``t.is_shared()``, and the segments
that other processes map.

A segment is an anonymous shared-memory file (``memfd_create`` on Linux; elsewhere a
``multiprocessing.shared_memory`` block unlinked at once) mapped with ``mmap``. It has no
name in ``/dev/shm``: it travels to other processes as a file descriptor (torch's default
``file_descriptor`` sharing strategy), and the kernel frees its memory when the last
mapping and descriptor are gone, in whichever process that happens, also when a process
is killed. A segment closes its own descriptor when the last array over it dies (a
weakref finalizer), so nothing outlives the tensors that use it.

A tensor's storage is a NumPy array; sharing it copies that array's memory into a segment
and points the tensor (and the tensor it is a view of) at the copy, keeping its layout.
"""
from __future__ import annotations

import mmap
import os
import threading
import weakref

import numpy as np

from ..storage import _span, owner_of

__all__ = ["Segment", "is_shared_array", "new_shared", "share_memory_", "is_shared"]

_lock = threading.Lock()
# Segments this process holds, by the identity of their file (inode, device): a segment
# received twice maps once, so tensors rebuilt from it share one storage, as in torch.
_by_file: weakref.WeakValueDictionary = weakref.WeakValueDictionary()


def _anonymous_fd(nbytes: int) -> int:
    if hasattr(os, "memfd_create"):
        fd = os.memfd_create("chainrule-shm", os.MFD_CLOEXEC)
        os.ftruncate(fd, nbytes)
        return fd
    from multiprocessing.shared_memory import SharedMemory
    block = SharedMemory(create=True, size=nbytes)
    try:
        fd = os.dup(block._fd)
    finally:
        block.close()
        block.unlink()  # the name goes now; the memory lives while a descriptor does
    return fd


def _file_id(fd: int) -> tuple:
    st = os.fstat(fd)
    return (st.st_ino, st.st_dev)


class Segment(mmap.mmap):
    """A mapping of shared memory that owns one file descriptor (``_fd``), closed when
    the mapping is collected. Arrays over it are views of one flat uint8 array (its
    storage, as ``untyped_storage()`` reports it), which keeps the mapping alive."""

    @classmethod
    def create(cls, nbytes: int) -> "Segment":
        """A new zero-filled segment of at least one byte."""
        nbytes = max(int(nbytes), 1)
        return cls._over(_anonymous_fd(nbytes), nbytes)

    @classmethod
    def _over(cls, fd: int, nbytes: int) -> "Segment":
        try:
            seg = cls(fd, nbytes)
        except BaseException:
            os.close(fd)
            raise
        seg._fd = fd
        seg._key = _file_id(fd)
        seg._flat_ref = None
        seg._addr = seg.flat().__array_interface__["data"][0]
        weakref.finalize(seg, os.close, fd).atexit = False
        with _lock:
            _by_file[seg._key] = seg
        return seg

    @classmethod
    def attach(cls, fd: int, nbytes: int) -> "Segment":
        """The segment behind a received descriptor: the one this process already maps
        (closing ``fd``), or a new mapping that takes ownership of ``fd``."""
        key = _file_id(fd)
        with _lock:
            seg = _by_file.get(key)
        if seg is not None:
            os.close(fd)
            return seg
        return cls._over(fd, nbytes)

    def flat(self) -> np.ndarray:
        """All the segment's bytes as one uint8 array (the same one while it lives)."""
        ref = self._flat_ref
        flat = ref() if ref is not None else None
        if flat is None:
            flat = np.ndarray((len(self),), np.uint8, buffer=self)
            self._flat_ref = weakref.ref(flat)
        return flat

    def array(self, shape, dtype, offset: int = 0, strides=None) -> np.ndarray:
        """An array over this segment's bytes (``offset`` bytes in)."""
        return np.ndarray(shape, dtype, buffer=self.flat(), offset=offset, strides=strides)


def segment_of(array) -> Segment | None:
    """The segment under ``array``, or None when its memory is private."""
    base = owner_of(array).base
    if isinstance(base, memoryview):
        base = base.obj
    return base if isinstance(base, Segment) else None


def is_shared_array(array) -> bool:
    return segment_of(array) is not None


def new_shared(shape, np_dtype) -> np.ndarray:
    """A zero-filled C-contiguous array in a new segment."""
    np_dtype = np.dtype(np_dtype)
    nbytes = int(np.prod(shape, dtype=np.int64)) * np_dtype.itemsize
    return Segment.create(nbytes).array(tuple(shape), np_dtype)


def _ptr(array) -> int:
    return array.__array_interface__["data"][0]


# Private storages already copied into a segment: id(old owner) -> (weakref to it, the
# segment, the old owner's lowest address). A tensor still over the old storage (another
# view of it) is shared by mapping it into that same segment, so the views of one storage
# stay views of one storage, as in torch.
_moved_from: dict = {}


def _segment_for(owner) -> tuple:
    key = id(owner)
    with _lock:
        entry = _moved_from.get(key)
    if entry is not None and entry[0]() is owner:
        return entry[1], entry[2]
    low, span = _span(owner)
    seg = Segment.create(span)
    seg.array(owner.shape, owner.dtype, _ptr(owner) - low, owner.strides)[...] = owner
    ref = weakref.ref(owner, lambda _, key=key: _moved_from.pop(key, None))
    with _lock:
        _moved_from[key] = (ref, seg, low)
    return seg, low


def _moved(array) -> np.ndarray:
    """``array`` rebuilt over the segment holding its owner's memory: the same dtype,
    shape, strides, offset and writeability."""
    seg, low = _segment_for(owner_of(array))
    if array.size == 0:
        moved = seg.array(array.shape, array.dtype)
    else:
        moved = seg.array(array.shape, array.dtype, _ptr(array) - low, array.strides)
    if not array.flags.writeable:
        moved.flags.writeable = False
    return moved


def share_memory_(self):
    """Move this tensor's storage to shared memory (a no-op when it is there already), so
    a process it is sent to works on the same memory; returns the tensor.

    The tensor and the tensor it is a view of move together. Another tensor over the old
    storage (an earlier ``detach()``, another view) keeps the private memory until it is
    shared or sent itself; it then joins the same segment (what it wrote to the private
    memory in between stays there).

    >>> import chainrule as torch
    >>> x = torch.zeros(3)
    >>> x.is_shared()
    False
    >>> x.share_memory_().is_shared()
    True
    """
    data = self._data
    if segment_of(data) is not None:
        return self
    base = self._base
    if base is not None and segment_of(base._data) is None:
        base._data = _moved(base._data)
    self._data = _moved(data)
    return self


def is_shared(self) -> bool:
    """True when this tensor's storage is in shared memory (``share_memory_``, or a
    tensor received from another process)."""
    return segment_of(self._data) is not None


def _storage_is_shared(self) -> bool:
    return segment_of(self._owner) is not None


def _storage_share_memory_(self):
    if segment_of(self._owner) is not None:
        return self
    tensor = self._tensor
    if tensor is not None:
        share_memory_(tensor)
        self._set(owner_of(tensor._data), tensor)
    else:
        self._set(_moved(self._owner), None)
    return self


def _attach() -> None:
    from .._tensor import Tensor
    from ..storage import UntypedStorage
    Tensor.share_memory_ = share_memory_
    Tensor.is_shared = is_shared
    UntypedStorage.is_shared = _storage_is_shared
    UntypedStorage.share_memory_ = _storage_share_memory_


_attach()
