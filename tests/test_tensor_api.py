"""Tensor API gaps against torch: storages, resize_, new_*, type(), legacy constructors and
isinstance, __format__, nbytes/itemsize, pinning/sharing placeholders, dim_order,
apply_/map_, and the torch.is_* / numel / typename functions."""
import warnings

import numpy as np
import pytest
from expr_pairs import same

import chainrule as cr

API = [
    # type names and conversions
    "m.zeros(2).type()", "m.zeros(2, dtype=m.int64).type()", "m.zeros(2, dtype=m.bool).type()",
    "m.zeros(2, dtype=m.complex64).type()", "m.zeros(2, dtype=m.float16).type()",
    "m.zeros(2, dtype=m.uint8).type()", "m.zeros(2, dtype=m.int8).type()",
    "m.zeros(2).type(m.DoubleTensor)", "m.zeros(2).type('torch.DoubleTensor')",
    "m.zeros(2).type(m.int32)", "m.zeros(2).type('torch.IntTensor', non_blocking=True)",
    "m.zeros(2).type('foo')", "m.zeros(2).type(dtype=m.float64)", "m.zeros(2).type(5)",
    "m.zeros(2, dtype=m.int64).type(m.float32)", "m.zeros(2).type(m.FloatTensor)",
    "m.typename(m.zeros(2, dtype=m.int64))", "m.typename(1)", "m.typename(m.zeros(2))",
    # legacy constructors
    "m.FloatTensor(2, 3).shape", "m.FloatTensor([1, 2])", "m.LongTensor([1.7, 2])",
    "m.IntTensor(2).dtype", "m.ByteTensor([1]).dtype", "m.BoolTensor([1, 0])",
    "m.HalfTensor([1]).dtype", "m.CharTensor([1]).dtype", "m.ShortTensor([1]).dtype",
    "m.DoubleTensor(m.Size([2])).shape", "m.FloatTensor()", "m.FloatTensor((1, 2))",
    "m.FloatTensor(m.tensor([1, 2]))", "m.FloatTensor(m.tensor([1., 2.]))",
    "m.FloatTensor(np.array([1., 2.]))", "m.FloatTensor(2.5)", "m.FloatTensor(-1)",
    "m.FloatTensor([1], dtype=m.float64)", "m.FloatTensor(2, device='cpu').shape",
    "m.FloatTensor([[1, 2], [3]])", "m.FloatTensor.dtype", "m.FloatTensor.is_cuda",
    "isinstance(m.zeros(2), m.FloatTensor)",
    "isinstance(m.zeros(2, dtype=m.float64), m.FloatTensor)",
    "isinstance(m.zeros(2, dtype=m.float64), m.DoubleTensor)",
    "isinstance(m.zeros(2, dtype=m.int64), m.LongTensor)",
    "isinstance(m.FloatTensor(2), m.Tensor)", "type(m.FloatTensor(2)).__name__",
    "issubclass(m.FloatTensor, m.Tensor)", "m.FloatTensor.__name__",
    "isinstance(m.zeros(2, requires_grad=True), m.FloatTensor)",
    "isinstance(m.nn.Parameter(m.zeros(2)), m.FloatTensor)", "isinstance(1, m.FloatTensor)",
    "m.Tensor(2, 3).shape", "m.Tensor([1, 2])", "m.Tensor()", "m.Tensor(m.Size([2])).shape",
    "m.Tensor((2, 3))", "m.Tensor(2.5)", "m.Tensor([True])", "m.Tensor(np.array([1, 2]))",
    "m.Tensor(m.tensor([1, 2]))", "m.Tensor(m.tensor([1., 2.], dtype=m.float64))",
    "m.Tensor(2, dtype=m.int64)", "m.Tensor([1], requires_grad=True)", "m.Tensor(-1)",
    "m.Tensor(range(3))", "m.Tensor(2, 3).dtype",
    # new_*
    "m.zeros(2).new_tensor([1, 2])", "m.zeros(2).new_tensor([1., 2.], dtype=m.int32)",
    "m.tensor([1, 2]).new_tensor([1.5])", "m.zeros(2, requires_grad=True).new_tensor([1.])",
    "m.zeros(2).new_tensor([1.], requires_grad=True)", "m.zeros(2).new_tensor(m.ones(2))",
    "m.zeros(2).new_zeros(2, 3)", "m.zeros(2).new_zeros((2, 3))", "m.zeros(2).new_zeros(())",
    "m.zeros(2).new_zeros(size=(2,))", "m.zeros(2).new_zeros(2, requires_grad=True)",
    "m.zeros(2).new_ones([2])", "m.zeros(2).new_ones(2.5)", "m.zeros(2).new_ones()",
    "m.zeros(2, dtype=m.int64).new_ones(2)", "m.zeros(2).new_full((2,), 7)",
    "m.zeros(2).new_full(2, 1.)", "m.zeros(2).new_full([2], 1.)",
    "m.zeros(2, dtype=m.int64).new_full((2,), 1.5)", "m.zeros(2).new_empty(2).shape",
    "m.zeros(2).new_empty((2,), dtype=m.int64).dtype", "m.zeros(2).new_empty(0).shape",
    "m.zeros(2).new_empty(2, 3, dtype=m.int64).shape",
    "m.zeros(2).new_ones(2, device='cpu', pin_memory=False, layout=m.strided).shape",
    "m.zeros(2).new_zeros(-1)", "m.zeros(2, 3).new_empty_strided((2,), (1,)).shape",
    "m.zeros(2).new()", "m.zeros(2).new(2, 3).shape", "m.zeros(2).new([1, 2])",
    "m.zeros(2).new(m.tensor([1, 2]))", "m.zeros(2).new(5.5)",
    "m.zeros(2, dtype=m.int64).new([1.5])",
    # sizes, bytes, flags
    "m.zeros(2, 3).is_same_size(m.zeros(2, 3)[:, 1:])", "m.zeros(2, 3).is_same_size(m.ones(2, 3))",
    "m.zeros(2, 3).nbytes", "m.zeros(2, 3)[:, 1:].nbytes", "m.zeros(2, dtype=m.float64).itemsize",
    "m.zeros(2).is_pinned()", "m.zeros(2).pin_memory()", "m.zeros(2).is_shared()",
    "m.zeros(2).share_memory_().is_shared()", "m.zeros(2).element_size()",
    "m.zeros(2, 3).dim_order()", "m.zeros(2, 3).t().dim_order()",
    "m.zeros(2, 3, 4).permute(2, 0, 1).dim_order()", "m.zeros(()).dim_order()",
    "m.zeros(2, 1).dim_order()", "m.zeros(2, 3).dim_order(ambiguity_check=True)",
    "m.zeros(2, 3).storage_offset()", "m.zeros(4)[1:].storage_offset()",
    "m.arange(6.).reshape(2, 3)[:, 1:].storage_offset()", "m.arange(6.)[::2][1:].storage_offset()",
    # callbacks
    "m.zeros(3).apply_(lambda a: a + 1)", "m.zeros(3, requires_grad=True).apply_(lambda a: a)",
    "m.tensor([1, 2]).apply_(lambda a: a * 1.7)", "m.ones(3).map_(m.ones(3) * 2, lambda a, b: a + b)",
    "m.ones(3).map_(m.ones(1) * 2, lambda a, b: a + b)",
    "m.ones(3, requires_grad=True).map_(m.ones(3), lambda a, b: a)",
    "m.ones(3).map2_(m.ones(3), m.ones(3) * 3, lambda a, b, c: a + b + c)",
    "m.tensor([True, False]).apply_(lambda a: not a)",
    # resize
    "m.zeros(3).resize_(2, 2).shape", "m.arange(4.).resize_(2)", "m.arange(4.).resize_(2, 3).shape",
    "m.arange(4.).resize_as_(m.zeros(2, 2))", "m.arange(4., requires_grad=True).resize_(2)",
    "m.arange(4.).resize_((2, 2))", "m.arange(4.).resize_(-1)",
    "m.arange(4.).resize_(m.Size([2, 2]))", "m.arange(4.)[:2].resize_(4)",
    "m.zeros(3)[::2].resize_(2)", "m.zeros(3).expand(2, 3).resize_(2)",
    "m.zeros(3).resize_as_(m.zeros(2, 2), memory_format=m.contiguous_format).shape",
    "m.arange(6.)[2:].resize_(2)", "m.arange(6.)[2:].resize_(4)",
    # torch.* functions
    "m.is_floating_point(m.zeros(2))", "m.is_floating_point(m.zeros(2, dtype=m.int64))",
    "m.is_floating_point(2.0)", "m.is_nonzero(m.tensor([1]))", "m.is_nonzero(m.tensor([0.]))",
    "m.is_nonzero(m.tensor([1, 2]))", "m.is_nonzero(m.tensor([]))", "m.is_nonzero(1)",
    "m.numel(m.zeros(2, 3))", "m.numel([1])", "m.is_complex(m.zeros(2))", "m.is_complex(1.0)",
    "m.is_tensor(1)", "m.is_storage(m.zeros(2).untyped_storage())", "m.is_storage(m.zeros(2))",
    # formatting
    "f'{m.tensor(1.23456):.3f}'", "f'{m.arange(6.).reshape(2, 3):.3f}'",
    "f'{m.arange(3.)}'", "f'{m.tensor(3):d}'", "f'{m.tensor(3):.2f}'",
    "format(m.tensor([1.5]), '.2f')", "format(m.tensor(True), '')",
    "f'{m.tensor(1.5, requires_grad=True):.1f}'", "f'{m.tensor(2.5):>8}'",
    "format(m.nn.Parameter(m.tensor(1.5)), '.1f')",
    "m.tensor(2.5).tolist()", "m.tensor([[1, 2]]).tolist()",
]


@pytest.mark.parametrize("expr", API)
def test_api_matches_torch(torch, expr):
    same(torch, expr)


STORAGE = [
    "m.arange(6.).reshape(2, 3).untyped_storage().nbytes()",
    "m.arange(6.).reshape(2, 3)[:, 1:].untyped_storage().nbytes()",
    "m.arange(6.).untyped_storage().size()", "m.arange(6.).untyped_storage().element_size()",
    "m.arange(6.).untyped_storage()[4:8]", "m.arange(6.).untyped_storage()[7]",
    "len(m.arange(6.).untyped_storage())", "m.arange(6.).untyped_storage().tolist()[:8]",
    "m.arange(6.).untyped_storage().device", "m.arange(6.).untyped_storage().is_shared()",
    "m.arange(6.).untyped_storage().type()", "repr(m.arange(2, dtype=m.int8).untyped_storage())",
    "m.arange(6.).storage().size()", "m.arange(6.)[2:].storage().size()",
    "m.arange(6.).storage().dtype", "m.arange(6.).storage().element_size()",
    "m.arange(6.).storage().nbytes()", "m.arange(6.).storage().tolist()",
    "m.arange(6.).storage()[1]", "len(m.arange(6.).storage())", "m.arange(6.).storage().device",
    "m.arange(6.).storage().is_shared()", "m.arange(6.).storage().type()",
    "m.arange(3, dtype=m.int64).storage().type()", "repr(m.arange(3.).storage())",
    "repr(m.arange(3).storage())", "m.arange(3.).storage().untyped().nbytes()",
    "repr(m.tensor([True, False]).storage())",
]


@pytest.mark.parametrize("expr", STORAGE)
def test_storage_matches_torch(torch, expr):
    same(torch, expr)


def _ptr(t):
    return t.untyped_storage().data_ptr()


def test_storage_pointer_is_shared_across_views(torch):
    for m in (torch, cr):
        x = m.arange(12.).reshape(3, 4)
        views = [x[1:], x[:, 2], x.t(), x.view(12), x[1:, 1:].transpose(0, 1), x.detach(),
                 x.data, x[::2, ::3], x.unsqueeze(0), x.reshape(2, 6), x.expand(2, 3, 4),
                 x.view(12)[3:]]
        assert all(_ptr(v) == _ptr(x) for v in views)
        assert _ptr(x.clone()) != _ptr(x) and _ptr(x + 0) != _ptr(x)
        assert x[1:].storage_offset() == 4 and x[:, 2].storage_offset() == 2
        assert x.storage().data_ptr() == x.data_ptr()
        assert x[1:].data_ptr() - x.data_ptr() == 16


def test_storage_writes_reach_the_tensor():
    x = cr.arange(4.)
    s = x.storage()
    s[2] = 9.0
    assert x.tolist() == [0.0, 1.0, 9.0, 3.0]
    x.untyped_storage().fill_(0)
    assert x.tolist() == [0.0] * 4


def test_resize_keeps_views_of_the_old_storage(torch):
    results = []
    for m in (torch, cr):
        a = m.arange(4.)
        v = a.view(2, 2)
        a.resize_(2)
        b = m.arange(6.)
        w = b[2:]
        w.resize_(2)
        results.append((a.tolist(), v.tolist(), w.tolist(), w.storage_offset(), b.tolist()))
    assert results[0] == results[1]


def test_resize_growing_keeps_the_values():
    a = cr.arange(4.)
    a.resize_(6)
    assert a.tolist()[:4] == [0.0, 1.0, 2.0, 3.0] and a.shape == (6,)


def test_legacy_types_cuda_variants_exist():
    assert cr.cuda.FloatTensor.is_cuda and not isinstance(cr.zeros(2), cr.cuda.FloatTensor)
    with pytest.raises(TypeError, match="Torch not compiled with CUDA enabled"):
        cr.cuda.FloatTensor(2)
    with pytest.raises(RuntimeError, match="Cannot initialize CUDA"):
        cr.zeros(2).type("torch.cuda.FloatTensor")


def test_legacy_constructor_alias_shares_memory():
    t = cr.tensor([1.0, 2.0])
    a = cr.FloatTensor(t)
    a[0] = 5.0
    assert t[0].item() == 5.0
    b = cr.Tensor(t)
    assert b.data_ptr() == t.data_ptr()


def test_tensor_subclass_construction():
    class Mine(cr.Tensor):
        pass
    x = Mine([1.0, 2.0])
    assert type(x) is Mine and x.tolist() == [1.0, 2.0]


def test_apply_bumps_the_version():
    x = cr.zeros(3)
    v = x._version
    x.apply_(lambda a: a + 1)
    assert x._version == v + 1 and x.tolist() == [1.0, 1.0, 1.0]


def test_new_tensor_warns_and_detaches(torch):
    for m in (torch, cr):
        src = m.ones(2, requires_grad=True)
        with pytest.warns(UserWarning, match="tensor.new_tensor"):
            out = m.zeros(1).new_tensor(src)
        assert not out.requires_grad and out.is_leaf


def test_typed_storage_warns_once():
    import chainrule.storage as storage
    storage._warned.clear()
    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        cr.zeros(2).storage()
        cr.zeros(2).storage()
    assert sum("TypedStorage is deprecated" in str(w.message) for w in seen) == 1


def test_storage_of_from_numpy_array_views():
    a = np.arange(6.0)
    t = cr.from_numpy(a[2:])
    assert t.untyped_storage().data_ptr() == a.__array_interface__["data"][0]
    assert t.storage_offset() == 2
