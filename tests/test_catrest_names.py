"""torch's names that are not ops, against torch: constants, torch.range, predicates,
empty_permuted, the Tensor methods of the rest of the catalogue (sum_to_size,
fill_diagonal_, resize, set_, storage_type, as_subclass, grad_dtype ...), DLPack and the
uint16/32/64 dtypes. The ops are in tests/test_catrest.py."""
import math
import warnings

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from torch_compare import same  # noqa: E402

import chainrule as cr  # noqa: E402


# ---------------------------------------------------------------------------- names
def test_constants_and_flags():
    for name in ("e", "pi", "inf", "nan", "newaxis"):
        t, c = getattr(torch, name), getattr(cr, name)
        assert type(c) is type(t) and (c == t or (c != c and t != t))
    assert cr.has_lapack and cr.has_spectral and not cr.has_mkl and not cr.has_openmp
    assert cr.set_flush_denormal(True) is False
    assert cr.bfloat16 is cr._dtypes.bfloat16 and not hasattr(cr, "complex32")


def test_range_is_end_inclusive_and_deprecated():
    for args, kw in [((1, 4), {}), ((1, 4, 0.5), {}), ((0, 1, 0.1), {}),
                     ((1, 4), {"dtype": "int32"}), ((1.5, 4), {"dtype": "int64"}),
                     ((4, 1, -1), {}), ((0, 0), {}), ((0, 1, 0.3), {"dtype": "float16"}),
                     ((1, 4), {"requires_grad": True}), ((), {"start": 1, "end": 3})]:
        def call(m, args=args, kw=kw):
            k = {n: getattr(m, v) if n == "dtype" else v for n, v in kw.items()}
            return m.range(*args, **k)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            same(call)
    for bad in [lambda m: m.range(1, 4, 0), lambda m: m.range(4, 1),
                lambda m: m.range(1, float("inf")), lambda m: m.range(1, 4, dtype=m.bool),
                lambda m: m.range(4)]:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            same(bad)
    with pytest.warns(UserWarning, match="torch.range is deprecated"):
        cr.range(0, 1)


def test_predicates():
    same(lambda m: [m.is_signed(m.ones(1, dtype=d)) for d in
                    (m.float32, m.uint8, m.bool, m.int8, m.complex64, m.uint16)])
    same(lambda m: [m.ones(1, dtype=d).is_signed() for d in (m.int64, m.uint8)])
    same(lambda m: (m.is_same_size(m.ones(2), m.zeros(2)), m.is_same_size(m.ones(2),
                                                                         m.ones(3))))
    same(lambda m: (m.is_inference(m.ones(1)), m.is_distributed(m.ones(1))))
    with cr.inference_mode():
        assert cr.is_inference(cr.ones(1))
    same(lambda m: m.is_signed(3), message=False)
    same(lambda m: (m.tensor([1.0]).is_nonzero(), m.tensor(0).is_nonzero()))
    same(lambda m: m.tensor([]).is_nonzero())
    same(lambda m: m.tensor([1, 2]).is_nonzero())


def test_empty_permuted():
    same(lambda m: (lambda e: (tuple(e.shape), e.stride(), str(e.dtype)))(
        m.empty_permuted((2, 3, 4), (0, 2, 1))))
    same(lambda m: (lambda e: (e.stride(), str(e.dtype), e.requires_grad))(
        m.empty_permuted((2, 3), (1, 0), dtype=m.float64, requires_grad=True)))
    same(lambda m: m.empty_permuted((2, 3), (0, 0)))
    same(lambda m: m.empty_permuted((2, 3), (0,)))


# ---------------------------------------------------------------------------- Tensor methods
def test_sum_to_size_errors_and_identity():
    same(lambda m: m.ones(2, 3).sum_to_size(3, 3))
    same(lambda m: m.ones(2, 3).sum_to_size(1, 2, 3, 1))
    same(lambda m: m.tensor([1, 2, 3]).sum_to_size(1))
    x = cr.ones(2, 3)
    assert x.sum_to_size(2, 3) is x


def test_fill_diagonal_values_and_errors():
    for shape, kw in [((3, 4), {}), ((5, 3), {"wrap": True}), ((7, 3), {"wrap": True}),
                      ((7, 3), {}), ((2, 2, 2), {}), ((4, 4), {"wrap": True})]:
        same(lambda m: m.zeros(*shape).fill_diagonal_(2.0, **kw))
    same(lambda m: m.zeros(2, 3, 4).fill_diagonal_(1))
    same(lambda m: m.zeros(2).fill_diagonal_(1))
    same(lambda m: m.zeros(3, 3, dtype=m.int64).fill_diagonal_(7))


def test_resize_is_deprecated_and_keeps_the_element_count():
    for m in (torch, cr):
        with pytest.warns(UserWarning, match="non-inplace resize is deprecated"):
            r = m.zeros(2, 3).resize(3, 2)
        assert tuple(r.shape) == (3, 2)
        with pytest.warns(UserWarning, match="non-inplace resize_as is deprecated"):
            m.zeros(2, 3).resize_as(m.zeros(6))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        same(lambda m: m.zeros(2, 3).resize(4))
        same(lambda m: m.ones(2, 3, requires_grad=True).resize(3, 2).grad_fn.name())


def test_set_variants_and_errors():
    def sets(m, *args, **kw):
        b = m.arange(6.0)
        a = m.zeros(2)
        a.set_(*args(m, b) if callable(args[0]) else args, **kw)
        return a, a.stride(), a.data_ptr() == b.data_ptr()
    same(lambda m: sets(m, lambda m, b: (b,)))
    same(lambda m: sets(m, lambda m, b: (b.untyped_storage(), 1, (2, 2))))
    same(lambda m: sets(m, lambda m, b: (b.untyped_storage(), 1, (2, 2), (1, 2))))
    same(lambda m: sets(m, lambda m, b: (b, 1, (2,), (2,))))
    same(lambda m: (lambda a: (a.set_(), a.shape))(m.zeros(3))[1])
    same(lambda m: m.zeros(3).set_(m.zeros(2, dtype=m.int64)))
    same(lambda m: m.zeros(2, requires_grad=True).set_(m.zeros(2)))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        same(lambda m: m.zeros(2, dtype=m.int64).set_(m.arange(6.0).storage()))
    same(lambda m: m.zeros(2).set_(5), message=False)
    a, b = cr.zeros(2), cr.arange(6.0)
    v = a._version
    a.set_(b)
    b[0] = 100
    assert a[0].item() == 100 and a._version == v + 1


def test_storage_type_subclass_complex_and_small_methods():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert cr.zeros(2).storage_type() is cr.FloatStorage
        assert cr.zeros(2, dtype=cr.int64).storage_type().__name__ == "LongStorage"
        assert cr.zeros(2, dtype=cr.uint16).storage_type() is None
    assert torch.zeros(2, dtype=torch.uint16).storage_type() is None

    class Sub(cr.Tensor):
        pass
    y = (cr.ones(2, requires_grad=True) * 2).as_subclass(Sub)
    assert type(y) is Sub and y.grad_fn.name() == "AliasBackward0"
    same(lambda m: m.ones(2).as_subclass(int))
    same(lambda m: (m.ones(2, requires_grad=True) * 2).cfloat())
    same(lambda m: m.tensor([1, 2]).cdouble())
    with pytest.raises(NotImplementedError, match="complex32"):
        cr.ones(2).chalf()
    with pytest.raises(NotImplementedError, match="functorch.dim"):
        cr.ones(2).index((0,), None)
    x = cr.ones(2)
    assert x.const_data_ptr() == x.data_ptr() and x.name is None and x.to_dense() is x
    same(lambda m: m.ones(2).to_dense(m.float64))
    same(lambda m: (m.ones(2, 3).dense_dim(), m.ones(2, 3).sparse_dim()))
    for name in ("is_coalesced", "coalesce"):
        same(lambda m: getattr(m.ones(2), name)())
    p = cr.zeros(2)
    out = p.module_load(cr.ones(2))
    assert out is not p and p.tolist() == [1.0, 1.0]
    assert p.module_load(cr.ones(2) * 3, assign=True).tolist() == [3.0, 3.0]


def test_grad_dtype_as_torch():
    def run(m):
        w = m.randn(2, requires_grad=True)
        before = w.grad_dtype
        w.grad_dtype = m.float64
        (w * 2).sum().backward()
        w.grad = None
        w.grad_dtype = m.float16
        (w * 2).sum().backward()
        return str(before), str(w.grad_dtype), w.grad
    same(run)
    same(lambda m: str((m.ones(2, requires_grad=True) * 1).grad_dtype))
    same(lambda m: setattr(m.ones(2, requires_grad=True) * 1, "grad_dtype", m.float64))
    same(lambda m: setattr(m.ones(2, requires_grad=True), "grad_dtype", 3))
    same(lambda m: setattr(m.ones(2, requires_grad=True), "grad", m.zeros(2, dtype=m.float64)))
    same(lambda m: setattr(m.ones(2, requires_grad=True), "grad", m.zeros(3)))

    def anything(m):
        w = m.ones(2, requires_grad=True)
        w.grad_dtype = None
        w.grad = m.zeros(2, dtype=m.float64)
        return w.grad_dtype, w.grad
    same(anything)


# ---------------------------------------------------------------------------- DLPack
def test_dlpack_shares_memory_with_torch_and_numpy():
    a = np.arange(3.0)
    t = cr.from_dlpack(a)
    a[0] = 9
    assert t.tolist() == [9.0, 1.0, 2.0] and t.dtype is cr.float64
    tt = torch.arange(4.0)
    c = cr.from_dlpack(tt)
    tt[0] = 7
    assert c.tolist() == [7.0, 1.0, 2.0, 3.0]
    c2 = cr.arange(3)
    t2 = torch.from_dlpack(c2)
    c2[1] = 5
    assert t2.tolist() == [0, 5, 2]
    assert torch.from_dlpack(cr.to_dlpack(cr.arange(3.0))).tolist() == [0.0, 1.0, 2.0]
    capsule = torch.to_dlpack(torch.arange(3))
    assert cr.from_dlpack(capsule).tolist() == [0, 1, 2]
    with pytest.raises(RuntimeError, match="capsules can be consumed only once"):
        cr.from_dlpack(capsule)
    with pytest.raises(BufferError, match="Can't export tensors that require gradient"):
        cr.to_dlpack(cr.zeros(2, requires_grad=True))
    assert cr.zeros(2).__dlpack_device__() == (1, 0)
    assert cr.from_dlpack(torch.arange(6.0).reshape(2, 3).t()).stride() == (1, 3)
    import chainrule.utils.dlpack as dl
    assert dl.from_dlpack(np.ones(2)).tolist() == [1.0, 1.0]


# ---------------------------------------------------------------------------- uint16/32/64
def test_limited_unsigned_dtypes():
    for name in ("uint16", "uint32", "uint64"):
        same(lambda m: m.tensor([1, 2, 3], dtype=getattr(m, name)))
        same(lambda m: (getattr(m, name).is_signed, getattr(m, name).itemsize,
                        getattr(m, name).is_floating_point, repr(getattr(m, name))))
        same(lambda m: m.zeros(2, 2, dtype=getattr(m, name)).float())
        same(lambda m: m.arange(3).to(getattr(m, name)))
        same(lambda m: m.tensor([1, 2], dtype=getattr(m, name)) * 2.5)
        same(lambda m: m.tensor([1], dtype=getattr(m, name), requires_grad=True))
        for other in ("int8", "uint8", "int64", "bool", "complex64", "float16", "float64"):
            same(lambda m: str(m.promote_types(getattr(m, name), getattr(m, other))))
    same(lambda m: m.promote_types(m.uint16, m.uint32))
    same(lambda m: m.tensor([1, 2], dtype=m.uint16) + m.tensor([1], dtype=m.uint8))
    same(lambda m: m.tensor([-1], dtype=m.uint16))
    same(lambda m: m.tensor([2 ** 64 - 1], dtype=m.uint64))
    same(lambda m: m.full((2,), 70000, dtype=m.uint16))
    same(lambda m: m.from_numpy(np.array([1, 2], dtype=np.uint32)))
    same(lambda m: str(m.tensor([[1, 2], [300, 4]], dtype=m.uint32)))
    same(lambda m: m.zeros(2, dtype=m.uint16).type())
    assert str(cr.iinfo(cr.uint32)) == str(torch.iinfo(torch.uint32))
    assert cr.tensor([5], dtype=cr.uint16).numpy().dtype == np.uint16
    assert math.isclose(float(cr.iinfo(cr.uint64).max), float(torch.iinfo(torch.uint64).max))
