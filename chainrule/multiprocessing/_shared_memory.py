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
    the mapping is collected; arrays over it keep it alive."""

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
        seg._addr = np.ndarray((1,), np.uint8, buffer=seg).__array_interface__["data"][0]
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

    def array(self, shape, dtype, offset: int = 0, strides=None) -> np.ndarray:
        """An array over this segment's bytes (``offset`` bytes in)."""
        return np.ndarray(shape, dtype, buffer=self, offset=offset, strides=strides)


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


def _moved(arrays: list) -> list:
    """The arrays (all over one owner) rebuilt over a new segment holding a copy of the
    owner's memory: same dtypes, shapes, strides and relative offsets."""
    owner = owner_of(arrays[0])
    low, span = _span(owner)

    def ptr(a):
        return a.__array_interface__["data"][0]

    seg = Segment.create(span)
    seg.array(owner.shape, owner.dtype, ptr(owner) - low, owner.strides)[...] = owner
    out = []
    for a in arrays:
        if a.size == 0:
            moved = seg.array(a.shape, a.dtype)
        else:
            moved = seg.array(a.shape, a.dtype, ptr(a) - low, a.strides)
        if not a.flags.writeable:
            moved.flags.writeable = False
        out.append(moved)
    return out


def share_memory_(self):
    """Move this tensor's storage to shared memory (a no-op when it is there already), so
    a process it is sent to works on the same memory; returns the tensor.

    The tensor and the tensor it is a view of move together; other tensors made from the
    old storage earlier (a ``detach()``, another view) keep the private copy.

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
    tensors = [self]
    base = self._base
    if base is not None and owner_of(base._data) is owner_of(data):
        tensors.insert(0, base)
    for t, moved in zip(tensors, _moved([t._data for t in tensors])):
        t._data = moved
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
        self._set(_moved([self._owner])[0], None)
    return self


def _attach() -> None:
    from .._tensor import Tensor
    from ..storage import UntypedStorage
    Tensor.share_memory_ = share_memory_
    Tensor.is_shared = is_shared
    UntypedStorage.is_shared = _storage_is_shared
    UntypedStorage.share_memory_ = _storage_share_memory_


_attach()
