"""libstdc++'s std::sort, std::nth_element and std::partial_sort, replayed in Python.

torch's CPU sort (``stable=False``), topk and mode order ties the way these unstable
algorithms leave them. Where a row has ties chainrule replays the algorithm on that row
(elements are ``(key, index)`` pairs compared by key with ``<``), so the indices torch
reports among equal values come out the same; rows without ties never come here.
"""
from __future__ import annotations

_THRESHOLD = 16  # libstdc++'s _S_threshold


def _lg(n: int) -> int:
    return n.bit_length() - 1


def _less(a, b) -> bool:
    return a[0] < b[0]


def _insertion_sort(v, first, last):
    if first == last:
        return
    for i in range(first + 1, last):
        val = v[i]
        if _less(val, v[first]):
            v[first + 1:i + 1] = v[first:i]
            v[first] = val
        else:
            _unguarded_linear_insert(v, i)


def _unguarded_linear_insert(v, last):
    val = v[last]
    nxt = last - 1
    while _less(val, v[nxt]):
        v[last] = v[nxt]
        last = nxt
        nxt -= 1
    v[last] = val


def _final_insertion_sort(v, first, last):
    if last - first > _THRESHOLD:
        _insertion_sort(v, first, first + _THRESHOLD)
        for i in range(first + _THRESHOLD, last):
            _unguarded_linear_insert(v, i)
    else:
        _insertion_sort(v, first, last)


def _move_median_to_first(v, result, a, b, c):
    if _less(v[a], v[b]):
        if _less(v[b], v[c]):
            pick = b
        elif _less(v[a], v[c]):
            pick = c
        else:
            pick = a
    elif _less(v[a], v[c]):
        pick = a
    elif _less(v[b], v[c]):
        pick = c
    else:
        pick = b
    v[result], v[pick] = v[pick], v[result]


def _unguarded_partition(v, first, last, pivot):
    while True:
        while _less(v[first], v[pivot]):
            first += 1
        last -= 1
        while _less(v[pivot], v[last]):
            last -= 1
        if not first < last:
            return first
        v[first], v[last] = v[last], v[first]
        first += 1


def _unguarded_partition_pivot(v, first, last):
    mid = first + (last - first) // 2
    _move_median_to_first(v, first, first + 1, mid, last - 1)
    return _unguarded_partition(v, first + 1, last, first)


# ---------------------------------------------------------------------------- heaps
def _push_heap(v, first, hole, top, value):
    parent = (hole - 1) // 2
    while hole > top and _less(v[first + parent], value):
        v[first + hole] = v[first + parent]
        hole = parent
        parent = (hole - 1) // 2
    v[first + hole] = value


def _adjust_heap(v, first, hole, length, value):
    top = hole
    child = hole
    while child < (length - 1) // 2:
        child = 2 * (child + 1)
        if _less(v[first + child], v[first + child - 1]):
            child -= 1
        v[first + hole] = v[first + child]
        hole = child
    if (length & 1) == 0 and child == (length - 2) // 2:
        child = 2 * (child + 1)
        v[first + hole] = v[first + child - 1]
        hole = child - 1
    _push_heap(v, first, hole, top, value)


def _make_heap(v, first, last):
    length = last - first
    if length < 2:
        return
    parent = (length - 2) // 2
    while True:
        _adjust_heap(v, first, parent, length, v[first + parent])
        if parent == 0:
            return
        parent -= 1


def _pop_heap(v, first, last, result):
    value = v[result]
    v[result] = v[first]
    _adjust_heap(v, first, 0, last - first, value)


def _heap_select(v, first, middle, last):
    _make_heap(v, first, middle)
    for i in range(middle, last):
        if _less(v[i], v[first]):
            _pop_heap(v, first, middle, i)


def _sort_heap(v, first, last):
    while last - first > 1:
        last -= 1
        _pop_heap(v, first, last, last)


def _partial_sort_range(v, first, middle, last):
    _heap_select(v, first, middle, last)
    _sort_heap(v, first, middle)


# ---------------------------------------------------------------------------- algorithms
def _introsort_loop(v, first, last, depth):
    while last - first > _THRESHOLD:
        if depth == 0:
            _partial_sort_range(v, first, last, last)
            return
        depth -= 1
        cut = _unguarded_partition_pivot(v, first, last)
        _introsort_loop(v, cut, last, depth)
        last = cut


def sort(v, first=0, last=None):
    """std::sort of ``v[first:last]`` in place."""
    last = len(v) if last is None else last
    if first != last:
        _introsort_loop(v, first, last, _lg(last - first) * 2)
        _final_insertion_sort(v, first, last)


def nth_element(v, nth):
    """std::nth_element(v.begin(), v.begin() + nth, v.end()) in place."""
    first, last = 0, len(v)
    if first == last or nth == last:
        return
    depth = _lg(last - first) * 2
    while last - first > 3:
        if depth == 0:
            _heap_select(v, first, nth + 1, last)
            v[first], v[nth] = v[nth], v[first]
            return
        depth -= 1
        cut = _unguarded_partition_pivot(v, first, last)
        if cut <= nth:
            first = cut
        else:
            last = cut
    _insertion_sort(v, first, last)


def partial_sort(v, middle):
    """std::partial_sort(v.begin(), v.begin() + middle, v.end()) in place."""
    _partial_sort_range(v, 0, middle, len(v))


# ---------------------------------------------------------------------------- torch's uses
_EMULATE_LIMIT = 100_000  # longer rows keep the stable order (documented difference)


def _asc_key(v):
    return (1, 0) if v != v else (0, v)


def _desc_key(v):
    return (0, 0) if v != v else (1, -v)


def rows_with_ties(xp, rows, order):
    """Which rows (of a 2-D array, with their stable sorting ``order``) hold equal values
    (two NaNs count as equal)."""
    if rows.shape[1] < 2:
        return xp.zeros(rows.shape[0], dtype=bool)
    ordered = xp.take_along_axis(rows, order, axis=1)
    same = ordered[:, 1:] == ordered[:, :-1]
    if rows.dtype.kind in "fcV":
        nan = xp.isnan(ordered)
        same |= nan[:, 1:] & nan[:, :-1]
    return same.any(axis=1)


def torch_sort_row(values, descending):
    """The order torch's unstable CPU sort gives one row (a list of Python numbers)."""
    key = _desc_key if descending else _asc_key
    v = [(key(a), i) for i, a in enumerate(values)]
    sort(v)
    return [i for _, i in v]


def torch_topk_row(values, k, largest, sorted_):
    """The indices torch's CPU topk gives one row: partial_sort when k * 64 <= n, else
    nth_element, then (when sorted) std::sort of the first k - 1."""
    key = _desc_key if largest else _asc_key
    v = [(key(a), i) for i, a in enumerate(values)]
    if k == 0:
        return []
    if k * 64 <= len(v):
        partial_sort(v, k)
    else:
        nth_element(v, k - 1)
        if sorted_:
            sort(v, 0, k - 1)
    return [i for _, i in v[:k]]


def torch_mode_row(values):
    """The index torch's CPU mode gives one row: std::sort by value, then the last element
    of the first longest run of equal values."""
    v = [(a, i) for i, a in enumerate(values)]
    sort(v)
    best, best_count, count = 0, 0, 0
    for j in range(len(v)):
        count += 1
        if j == len(v) - 1 or v[j][0] != v[j + 1][0]:
            if count > best_count:
                best_count, best = count, v[j][1]
            count = 0
    return best


def emulate_limit() -> int:
    return _EMULATE_LIMIT
