"""The sorting family: sort, argsort, msort, topk, unique, unique_consecutive, bincount,
histc, histogram, searchsorted, bucketize."""
from __future__ import annotations

import numpy as np

from ._base import OpInfo, S

NAN = float("nan")
ROWS = np.array([[1.0, 3.0, 3.0, 2.0, 3.0], [2.0, 2.0, 1.0, 1.0, 2.0]])


def _ints(A, *shape, lo=0, hi=5):
    return A.rng.integers(lo, hi, shape)


def _sorted(A, *shape):
    return np.sort(A(*shape), axis=-1)


def _sort_samples(A):
    return [S(A(3, 4)), S(A(3, 4), 0), S(A(3, 4), 1, True), S(A(2, 3, 2), -2),
            S(A(5), descending=True), S(A(), 0), S(A(3, 4), dim=0, descending=True)]


ENTRIES = [
    OpInfo("sort", lambda m, x, *a, **k: m.sort(x, *a, **k), _sort_samples),
    OpInfo("Tensor.sort", lambda m, x, *a, **k: x.sort(*a, **k),
           lambda A: [S(A(3, 4), dim=0), S(A(3, 4), stable=True, descending=True)]),
    OpInfo("sort_ties_nan", lambda m, x, *a, **k: m.sort(x, *a, **k), lambda A: [
        S(ROWS), S(ROWS, 1, True), S(ROWS, dim=0, stable=True),
        S(ROWS, descending=True, stable=True), S(ROWS, stable=False),
        S(np.array([1.0, NAN, 3.0, NAN, -1.0])), S(np.array([1.0, NAN, 3.0, NAN]), 0, True)],
        gradcheck=False),  # finite differences are undefined at ties
    OpInfo("sort_stable_int", lambda m, x: (*x.sort(stable=True), *x.sort(dim=0, descending=True,
                                                                      stable=True)),
           lambda A: [S(_ints(A, 40, 3, hi=3))], grad=False),
    OpInfo("sort_bool_empty", lambda m, x: (*x.bool().sort(), *x[:0].sort(0)),
           lambda A: [S(_ints(A, 3, 4, hi=2))], grad=False),
    OpInfo("argsort", lambda m, x, *a, **k: m.argsort(x, *a, **k), lambda A: [
        S(A(3, 4)), S(A(3, 4), 0, True), S(ROWS, stable=True),
        S(ROWS, dim=1, descending=True, stable=True),
        S(np.array([1.0, NAN, 3.0, NAN])), S(A(), 0)], grad=False),
    OpInfo("Tensor.argsort", lambda m, x: x.argsort(dim=0, descending=True),
           lambda A: [S(A(3, 4))], grad=False),
    OpInfo("msort", lambda m, x: m.msort(x), lambda A: [S(A(3, 4)), S(A(5)), S(A(2, 3, 2))]),
    OpInfo("Tensor.msort", lambda m, x: x.msort(), lambda A: [S(A(4, 2))]),
    OpInfo("topk", lambda m, x, k, *a, **kw: m.topk(x, k, *a, **kw), lambda A: [
        S(A(3, 4), 2), S(A(3, 4), 1, 0), S(A(3, 4), 3, largest=False), S(A(5), 5),
        S(A(2, 3, 2), 2, -2, False), S(A(), 1), S(A(3, 4), 0)]),
    OpInfo("Tensor.topk", lambda m, x: x.topk(2, dim=0), lambda A: [S(A(3, 4))]),
    OpInfo("topk_nan", lambda m, x, k, **kw: m.topk(x, k, **kw), lambda A: [
        S(np.array([1.0, NAN, 3.0, -1.0]), 2), S(np.array([1.0, NAN, 3.0, -1.0]), 2,
                                                  largest=False)], gradcheck=False),
    OpInfo("unique", lambda m, x, **k: m.unique(x, **k), lambda A: [
        S(_ints(A, 3, 4)), S(_ints(A, 3, 4), return_inverse=True),
        S(_ints(A, 3, 4), return_counts=True), S(_ints(A, 12), sorted=False),
        S(_ints(A, 3, 4), return_inverse=True, return_counts=True),
        S(np.array([NAN, 1.0, NAN, 2.0, 1.0]), return_inverse=True, return_counts=True),
        S(np.array([[1, 2], [1, 2], [0, 5]]), dim=0, return_inverse=True, return_counts=True),
        S(np.array([[1, 2, 1], [3, 0, 3]]), dim=1, return_counts=True),
        S(_ints(A, 0)), S(np.array(3.0))], grad=False),
    OpInfo("Tensor.unique", lambda m, x: x.unique(return_counts=True),
           lambda A: [S(_ints(A, 6))], grad=False),
    OpInfo("unique_consecutive", lambda m, x, **k: m.unique_consecutive(x, **k), lambda A: [
        S(np.array([1, 1, 2, 2, 3, 1, 1])),
        S(np.array([1, 1, 2, 2, 3, 1, 1]), return_inverse=True, return_counts=True),
        S(np.array([[1, 1], [1, 1], [2, 3]]), dim=0, return_counts=True),
        S(np.array([[1, 1, 2], [1, 1, 3]]), dim=1, return_inverse=True),
        S(_ints(A, 3, 4, hi=2), return_inverse=True), S(_ints(A, 0))], grad=False),
    OpInfo("Tensor.unique_consecutive", lambda m, x: x.unique_consecutive(),
           lambda A: [S(np.array([3, 3, 1]))], grad=False),
    OpInfo("bincount", lambda m, x, *a, **k: m.bincount(x, *a, **k), lambda A: [
        S(_ints(A, 10)), S(np.array([0, 1, 1, 3]), minlength=6),
        S(np.array([0, 1, 1, 3]), np.array([0.5, 1.0, 1.0, 2.0])),
        S(np.array([0, 1, 1, 3]), weights=np.array([1, 2, 3, 4])), S(_ints(A, 0))], grad=False),
    OpInfo("bincount_dtypes", lambda m, x: (x.to(m.uint8).bincount(),
                                            x.bincount(x.double()), x.bincount(x.half())),
           lambda A: [S(_ints(A, 8))], grad=False),
    OpInfo("histc", lambda m, x, *a, **k: m.histc(x, *a, **k), lambda A: [
        S(A(20)), S(A(3, 4), 4, 0, 1), S(np.array([1.0, 2.0, 1.0, 4.0]), bins=4, min=0, max=3),
        S(np.array([1.0, 1.0]), bins=3), S(A(0)), S(A(30), bins=7, min=-1.5, max=1.5)],
        grad=False),
    OpInfo("Tensor.histc", lambda m, x: x.histc(5), lambda A: [S(A(10))], grad=False),
    OpInfo("histogram", lambda m, x, *a, **k: m.histogram(x, *a, **k), lambda A: [
        S(A(20), 4), S(np.array([1.0, 2.0, 1.0, 4.0]), bins=3),
        S(np.array([1.0, 2.0, 1.0, 4.0]), np.array([0.0, 1.5, 5.0]), density=True),
        S(np.array([1.0, 2.0, 1.0, 4.0]), 3, range=(0.0, 3.0),
          weight=np.array([1.0, 2.0, 3.0, 4.0])),
        S(A(30), 5, density=True)], grad=False),
    OpInfo("Tensor.histogram", lambda m, x: x.histogram(3), lambda A: [S(A(10))], grad=False),
    OpInfo("searchsorted", lambda m, s, v, **k: m.searchsorted(s, v, **k), lambda A: [
        S(_sorted(A, 6), A(3, 4)), S(_sorted(A, 6), A(5), right=True),
        S(np.array([1.0, 3.0, 3.0, 5.0]), np.array([3.0, 0.0, 9.0]), side="right"),
        S(np.array([1.0, 3.0, 3.0, 5.0]), np.array([3.0, 0.0, 9.0]), out_int32=True),
        S(_sorted(A, 2, 5), A(2, 3)), S(np.array([1.0, 3.0, 5.0]), 3.0),
        S(np.array([5.0, 1.0, 3.0]), np.array([2.0, 4.0]), sorter=np.array([1, 2, 0]))],
        grad=False),
    OpInfo("bucketize", lambda m, x, b, **k: m.bucketize(x, b, **k), lambda A: [
        S(A(3, 4), _sorted(A, 5)), S(np.array([[1, 5], [9, 3]]), np.array([1, 3, 5, 7])),
        S(np.array([1.0, 3.0, 5.0]), np.array([1.0, 3.0]), right=True),
        S(A(4), _sorted(A, 3), out_int32=True), S(3, np.array([1, 3]))], grad=False),
]

KNOWN_BUGS: dict = {}
