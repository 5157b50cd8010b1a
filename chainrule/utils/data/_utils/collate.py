"""``default_collate`` (a list of samples -> a batch) and ``default_convert`` (one sample's
NumPy parts -> tensors), with torch's rules for each element type.

``collate(batch, collate_fn_map=...)`` dispatches on the first sample's type through a
map of per-type functions; extend ``default_collate_fn_map`` (or pass your own map) to
collate new types, as with torch.
"""
from __future__ import annotations

import collections
import copy
import re
from collections.abc import Callable

import numpy as np

__all__ = ["collate", "default_collate", "default_convert", "default_collate_fn_map",
           "collate_tensor_fn", "collate_numpy_array_fn", "collate_numpy_scalar_fn",
           "collate_float_fn", "collate_int_fn", "collate_str_fn",
           "default_collate_err_msg_format", "np_str_obj_array_pattern"]

np_str_obj_array_pattern = re.compile(r"[SaUO]")

default_collate_err_msg_format = ("default_collate: batch must contain tensors, numpy arrays, "
                                  "numbers, dicts or lists; found {}")


def _tensor_type():
    from ...._tensor import Tensor
    return Tensor


def _rebuild_like(data, elem_type, items: dict | list, mapping: bool):
    """A container of ``data``'s type holding ``items`` (torch's rules: a mutable one is
    copied and filled, an immutable one rebuilt, a type that refuses gives a dict/list)."""
    try:
        if mapping:
            if isinstance(data, collections.abc.MutableMapping):
                clone = copy.copy(data)
                clone.update(items)
                return clone
            return elem_type(items)
        if isinstance(data, collections.abc.MutableSequence):
            clone = copy.copy(data)
            for i, item in enumerate(items):
                clone[i] = item
            return clone
        return elem_type(items)
    except TypeError:
        return items


def default_convert(data):
    """Turn NumPy arrays and scalars (not of strings or objects) in ``data`` into tensors,
    keeping the containers (a tuple becomes a list, as torch does). The DataLoader's
    ``collate_fn`` when batching is off (``batch_size=None``).

    >>> import numpy as np
    >>> default_convert({"x": np.array([1.0, 2.0]), "n": 3})
    {'x': tensor([1., 2.], dtype=torch.float64), 'n': 3}
    """
    from .... import as_tensor
    elem_type = type(data)
    if isinstance(data, _tensor_type()):
        return data
    if elem_type.__module__ == "numpy" and elem_type.__name__ not in ("str_", "string_"):
        if elem_type.__name__ == "ndarray" and np_str_obj_array_pattern.search(data.dtype.str):
            return data
        return as_tensor(data)
    if isinstance(data, collections.abc.Mapping):
        return _rebuild_like(data, elem_type, {k: default_convert(data[k]) for k in data}, True)
    if isinstance(data, tuple) and hasattr(data, "_fields"):  # a named tuple
        return elem_type(*(default_convert(d) for d in data))
    if isinstance(data, tuple):
        return [default_convert(d) for d in data]
    if isinstance(data, collections.abc.Sequence) and not isinstance(data, (str, bytes)):
        return _rebuild_like(data, elem_type, [default_convert(d) for d in data], False)
    return data


def collate(batch, *, collate_fn_map: dict | None = None):
    """Collate ``batch`` (a list of samples) by the first sample's type: a function from
    ``collate_fn_map`` (exact type first, then ``isinstance``), else recursively into
    mappings, named tuples and sequences. A tuple of fields becomes a list of batches."""
    elem = batch[0]
    elem_type = type(elem)
    if collate_fn_map is not None:
        if elem_type in collate_fn_map:
            return collate_fn_map[elem_type](batch, collate_fn_map=collate_fn_map)
        for collate_type in collate_fn_map:
            if isinstance(elem, collate_type):
                return collate_fn_map[collate_type](batch, collate_fn_map=collate_fn_map)
    if isinstance(elem, collections.abc.Mapping):
        items = {key: collate([d[key] for d in batch], collate_fn_map=collate_fn_map)
                 for key in elem}
        return _rebuild_like(elem, elem_type, items, True)
    if isinstance(elem, tuple) and hasattr(elem, "_fields"):  # a named tuple
        return elem_type(*(collate(samples, collate_fn_map=collate_fn_map)
                           for samples in zip(*batch)))
    if isinstance(elem, collections.abc.Sequence):
        size = len(elem)
        if not all(len(e) == size for e in batch):
            raise RuntimeError("each element in list of batch should be of equal size")
        fields = [collate(samples, collate_fn_map=collate_fn_map)
                  for samples in zip(*batch)]
        if isinstance(elem, tuple):
            return fields
        return _rebuild_like(elem, elem_type, fields, False)
    raise TypeError(default_collate_err_msg_format.format(elem_type))


def collate_tensor_fn(batch, *, collate_fn_map: dict | None = None):
    """Stack tensors along a new dim 0. In a DataLoader worker the batch is made in
    shared memory, so it reaches the main process without a copy."""
    from .... import stack
    from ....multiprocessing._shared_memory import new_shared
    from .worker import get_worker_info
    elem = batch[0]
    out = None
    if get_worker_info() is not None and all(isinstance(t, _tensor_type()) for t in batch):
        from ...._tensor import Tensor
        if all(t.shape == elem.shape and t.dtype == elem.dtype for t in batch):
            out = Tensor._make(new_shared((len(batch), *elem._data.shape), elem._data.dtype))
    return stack(batch, 0, out=out)


def collate_numpy_array_fn(batch, *, collate_fn_map: dict | None = None):
    from .... import as_tensor
    elem = batch[0]
    if np_str_obj_array_pattern.search(elem.dtype.str) is not None:
        raise TypeError(default_collate_err_msg_format.format(elem.dtype))
    return collate([as_tensor(b) for b in batch], collate_fn_map=collate_fn_map)


def collate_numpy_scalar_fn(batch, *, collate_fn_map: dict | None = None):
    from .... import as_tensor
    return as_tensor(batch)


def collate_float_fn(batch, *, collate_fn_map: dict | None = None):
    from .... import float64, tensor
    return tensor(batch, dtype=float64)


def collate_int_fn(batch, *, collate_fn_map: dict | None = None):
    from .... import tensor
    return tensor(batch)


def collate_str_fn(batch, *, collate_fn_map: dict | None = None):
    return batch


def _default_map() -> dict[type | tuple, Callable]:
    return {_tensor_type(): collate_tensor_fn,
            np.ndarray: collate_numpy_array_fn,
            (np.bool_, np.number, np.object_): collate_numpy_scalar_fn,
            float: collate_float_fn, int: collate_int_fn, str: collate_str_fn,
            bytes: collate_str_fn}


default_collate_fn_map: dict[type | tuple, Callable] = _default_map()


def default_collate(batch):
    """Put a list of samples together as a batch: tensors and NumPy arrays are stacked
    along a new dim 0, Python floats become a float64 tensor and ints an int64 (bools a
    bool) tensor, strings and bytes are kept as they come (a list, or a tuple of one field
    of tuple samples), and mappings, named tuples and sequences are collated field by
    field (a tuple of fields gives a list).

    >>> import chainrule as torch
    >>> default_collate([(torch.tensor([1, 2]), 0.5, "a"), (torch.tensor([3, 4]), 1.5, "b")])
    [tensor([[1, 2],
            [3, 4]]), tensor([0.5000, 1.5000], dtype=torch.float64), ('a', 'b')]
    """
    return collate(batch, collate_fn_map=default_collate_fn_map)
