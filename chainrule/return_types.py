"""torch.return_types: the named tuples that ops with several results return.

``x.max(1)`` returns ``torch.return_types.max(values=..., indices=...)``: a tuple (index it,
unpack it, compare it with a plain tuple) whose fields are also attributes, printed and
pickled as torch's structseq types are.

>>> import chainrule as torch
>>> r = torch.tensor([[1., 3.], [2., 0.]]).max(1)
>>> r
torch.return_types.max(
values=tensor([3., 2.]),
indices=tensor([1, 0]))
>>> values, indices = r
>>> r.indices is indices
True
"""
from __future__ import annotations

__all__ = ["all_return_types"]


class _Field:
    """A read-only attribute naming one position of the tuple."""

    __slots__ = ("index", "name")

    def __init__(self, index: int, name: str):
        self.index = index
        self.name = name

    def __get__(self, obj, owner=None):
        if obj is None:
            return self
        return tuple.__getitem__(obj, self.index)

    def __set__(self, obj, value):
        raise AttributeError("readonly attribute")

    def __delete__(self, obj):
        raise AttributeError("readonly attribute")


class _StructSeq(tuple):
    """The base of every return type: a tuple of a fixed length with named fields."""

    __slots__ = ()
    _fields: tuple = ()
    n_fields = n_sequence_fields = 0
    n_unnamed_fields = 0

    def __new__(cls, sequence=None, dict=None):  # noqa: A002 - structseq's parameter name
        try:
            items = tuple(sequence)
        except TypeError:
            raise TypeError("constructor requires a sequence") from None
        n = len(cls._fields)
        if len(items) != n:
            raise TypeError(f"torch.return_types.{cls.__name__}() takes a {n}-sequence "
                            f"({len(items)}-sequence given)")
        return tuple.__new__(cls, items)

    def __repr__(self) -> str:
        parts = ",\n".join(f"{name}={value!r}" for name, value in zip(self._fields, self))
        return f"torch.return_types.{type(self).__name__}(\n{parts})"

    __str__ = __repr__

    def __reduce__(self):
        return (type(self), (tuple(self), {}))


def _make(name: str, fields: tuple) -> type:
    namespace = {"__slots__": (), "_fields": fields, "n_fields": len(fields),
                 "n_sequence_fields": len(fields), "__module__": __name__,
                 "__qualname__": name}
    for i, field in enumerate(fields):
        namespace[field] = _Field(i, field)
    return type(name, (_StructSeq,), namespace)


_VI = ("values", "indices")
_SPECS = {
    "max": _VI, "min": _VI, "median": _VI, "nanmedian": _VI, "mode": _VI, "kthvalue": _VI,
    "sort": _VI, "topk": _VI, "cummax": _VI, "cummin": _VI,
    "aminmax": ("min", "max"), "histogram": ("hist", "bin_edges"),
    "histogramdd": ("hist", "bin_edges"),
    "frexp": ("mantissa", "exponent"), "geqrf": ("a", "tau"),
    "slogdet": ("sign", "logabsdet"), "linalg_slogdet": ("sign", "logabsdet"),
    "qr": ("Q", "R"), "linalg_qr": ("Q", "R"),
    "svd": ("U", "S", "V"), "linalg_svd": ("U", "S", "Vh"),
    "linalg_eig": ("eigenvalues", "eigenvectors"), "linalg_eigh": ("eigenvalues", "eigenvectors"),
    "linalg_cholesky_ex": ("L", "info"), "linalg_inv_ex": ("inverse", "info"),
    "linalg_lstsq": ("solution", "residuals", "rank", "singular_values"),
    "linalg_lu": ("P", "L", "U"), "linalg_lu_factor": ("LU", "pivots"),
    "linalg_lu_factor_ex": ("LU", "pivots", "info"),
    "linalg_ldl_factor": ("LD", "pivots"), "linalg_ldl_factor_ex": ("LD", "pivots", "info"),
    "linalg_solve_ex": ("result", "info"), "lu_unpack": ("P", "L", "U"),
    "triangular_solve": ("solution", "cloned_coefficient"),
}

all_return_types = []
for _name, _fields in _SPECS.items():
    for _suffix in ("", "_out"):
        _cls = _make(_name + _suffix, _fields)
        globals()[_name + _suffix] = _cls
        all_return_types.append(_cls)
        __all__.append(_name + _suffix)
