"""default_collate / default_convert against torch's: for every element type the batch
has torch's structure (container types, named tuples, tuples turned into lists), dtypes,
shapes and values, and bad batches raise torch's exception with torch's message."""
import collections

import numpy as np
import pytest

torch = pytest.importorskip("torch")

import torch.utils.data as tdata  # noqa: E402

import chainrule as cr  # noqa: E402
import chainrule.utils.data as cdata  # noqa: E402
from chainrule.utils.data._utils import collate as ccollate  # noqa: E402

Point = collections.namedtuple("Point", ["x", "y"])


class Frozen(collections.abc.Mapping):
    """An immutable mapping type that can be rebuilt from a dict."""

    def __init__(self, d):
        self._d = dict(d)

    def __getitem__(self, k):
        return self._d[k]

    def __iter__(self):
        return iter(self._d)

    def __len__(self):
        return len(self._d)


class Unbuildable(collections.abc.Mapping):
    """A mapping type whose constructor refuses a dict: collate falls back to a dict."""

    def __init__(self, a, b):
        self._d = {"a": a, "b": b}

    def __getitem__(self, k):
        return self._d[k]

    def __iter__(self):
        return iter(self._d)

    def __len__(self):
        return 2


def describe(x):
    """A library-neutral picture of a collated value."""
    if isinstance(x, (torch.Tensor, cr.Tensor)):
        return ("tensor", str(x.dtype), tuple(x.shape), x.tolist())
    if isinstance(x, np.ndarray):
        return ("ndarray", x.dtype.str, x.tolist())
    if isinstance(x, collections.abc.Mapping):
        return (type(x).__name__, {k: describe(v) for k, v in x.items()})
    if isinstance(x, tuple) and hasattr(x, "_fields"):
        return (type(x).__name__, tuple(describe(v) for v in x))
    if isinstance(x, (list, tuple, collections.deque)):
        return (type(x).__name__, [describe(v) for v in x])
    return (type(x).__name__, x)


def both(make):
    """``make(lib)`` built with torch and with chainrule."""
    return make(torch), make(cr)


BATCHES = {
    "tensors": lambda t: [t.tensor([1, 2]), t.tensor([3, 4])],
    "float_tensors": lambda t: [t.tensor([[1.5]]), t.tensor([[2.5]])],
    "zero_dim": lambda t: [t.tensor(1.0), t.tensor(2.0), t.tensor(3.0)],
    "bool_tensors": lambda t: [t.tensor([True]), t.tensor([False])],
    "numpy_float64": lambda t: [np.array([1.0, 2.0]), np.array([3.0, 4.0])],
    "numpy_int32": lambda t: [np.array([[1]], np.int32), np.array([[2]], np.int32)],
    "numpy_bool": lambda t: [np.array([True]), np.array([False])],
    "numpy_float32_scalars": lambda t: [np.float32(1.5), np.float32(2.5)],
    "numpy_int64_scalars": lambda t: [np.int64(3), np.int64(4)],
    "numpy_int16_scalars": lambda t: [np.int16(3), np.int16(4)],
    "numpy_bool_scalars": lambda t: [np.bool_(True), np.bool_(False)],
    "floats": lambda t: [0.5, 1.5, 2.0],
    "ints": lambda t: [1, 2, 3],
    "bools": lambda t: [True, False],
    "strings": lambda t: ["a", "bc"],
    "bytes": lambda t: [b"a", b"bc"],
    "dicts": lambda t: [{"x": t.tensor([1.0]), "y": 1}, {"x": t.tensor([2.0]), "y": 2}],
    "ordered_dicts": lambda t: [collections.OrderedDict(a=1.0, b="s"),
                                collections.OrderedDict(a=2.0, b="t")],
    "frozen_mappings": lambda t: [Frozen({"a": 1}), Frozen({"a": 2})],
    "unbuildable_mappings": lambda t: [Unbuildable(1, 2.0), Unbuildable(3, 4.0)],
    "named_tuples": lambda t: [Point(t.tensor(1), 2.0), Point(t.tensor(3), 4.0)],
    "tuples": lambda t: [(t.tensor([1]), 2, "a"), (t.tensor([3]), 4, "b")],
    "lists": lambda t: [[1, 2.0], [3, 4.0]],
    "nested": lambda t: [{"img": (np.ones((2, 2), np.float32), [1, "u"]), "k": {"n": 1}},
                         {"img": (np.zeros((2, 2), np.float32), [2, "v"]), "k": {"n": 2}}],
    "deque": lambda t: [collections.deque([1, 2]), collections.deque([3, 4])],
    "dataset_samples": lambda t: [(t.arange(3) * i, i) for i in range(4)],
}


@pytest.mark.parametrize("name", sorted(BATCHES))
def test_default_collate_matches_torch(name):
    ref_batch, my_batch = both(BATCHES[name])
    ref = tdata.default_collate(ref_batch)
    mine = cdata.default_collate(my_batch)
    assert describe(mine) == describe(ref)


CONVERT = {
    "numpy_array": lambda t: np.array([1.0, 2.0]),
    "numpy_scalar": lambda t: np.float32(2.5),
    "numpy_strings_kept": lambda t: np.array(["a", "b"]),
    "numpy_objects_kept": lambda t: np.array([None, 1], dtype=object),
    "numpy_str_scalar_kept": lambda t: np.str_("abc"),
    "tensor": lambda t: t.tensor([1, 2]),
    "tuple_to_list": lambda t: (np.array([1]), 2),
    "named_tuple": lambda t: Point(np.array([1.0]), "s"),
    "dict": lambda t: {"a": np.int64(3), "b": [np.array([True]), "x"]},
    "frozen_mapping": lambda t: Frozen({"a": np.array([1])}),
    "number": lambda t: 3,
    "string": lambda t: "abc",
    "bytes": lambda t: b"abc",
}


@pytest.mark.parametrize("name", sorted(CONVERT))
def test_default_convert_matches_torch(name):
    ref_data, my_data = both(CONVERT[name])
    assert describe(cdata.default_convert(my_data)) == describe(tdata.default_convert(ref_data))


def raises_like(ref_call, my_call):
    with pytest.raises(Exception) as ref:
        ref_call()
    with pytest.raises(type(ref.value)) as mine:
        my_call()
    assert str(mine.value) == str(ref.value)


BAD = {
    "ragged_tensors": lambda t: [t.ones(3), t.ones(2)],
    "ragged_lists": lambda t: [[1, 2], [3]],
    "ragged_numpy": lambda t: [np.ones(2), np.ones(3)],
    "object": lambda t: [object(), object()],
    "none": lambda t: [None, None],
    "numpy_strings": lambda t: [np.array(["a"]), np.array(["b"])],
    "numpy_objects": lambda t: [np.array([None], dtype=object)] * 2,
    "mixed_dict_keys": lambda t: [{"a": 1}, {"b": 2}],
}


@pytest.mark.parametrize("name", sorted(BAD))
def test_default_collate_errors_match_torch(name):
    ref_batch, my_batch = both(BAD[name])
    raises_like(lambda: tdata.default_collate(ref_batch),
                lambda: cdata.default_collate(my_batch))


def test_collate_fn_map_extends_collation_like_torch():
    class Custom:
        def __init__(self, v):
            self.v = v

    def collate_custom(batch, *, collate_fn_map=None):
        return sum(c.v for c in batch)

    from torch.utils.data._utils import collate as tcollate
    for lib, module in ((torch, tcollate), (cr, ccollate)):
        fn_map = {**module.default_collate_fn_map, Custom: collate_custom}
        out = module.collate([(Custom(1), lib.tensor(1.0)), (Custom(2), lib.tensor(2.0))],
                             collate_fn_map=fn_map)
        assert out[0] == 3 and out[1].tolist() == [1.0, 2.0]


def test_collated_tensor_is_a_new_tensor_not_a_view():
    a, b = cr.tensor([1.0]), cr.tensor([2.0])
    out = cdata.default_collate([a, b])
    out[0, 0] = 5.0
    assert a.item() == 1.0
