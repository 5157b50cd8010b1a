"""torch's removed 1.9-era linear-algebra functions raise torch's RuntimeError, text included."""
import pytest

torch = pytest.importorskip("torch")

import chainrule as cr  # noqa: E402

CASES = {
    "solve": lambda m: m.solve(m.eye(2), m.eye(2)),
    "lstsq": lambda m: m.lstsq(m.eye(2), m.eye(2)),
    "eig": lambda m: m.eig(m.eye(2), True),
    "symeig": lambda m: m.symeig(m.eye(2), eigenvectors=True),
    "matrix_rank": lambda m: m.matrix_rank(m.eye(2)),
    "Tensor.solve": lambda m: m.eye(2).solve(m.eye(2)),
    "Tensor.eig": lambda m: m.eye(2).eig(),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_removed_functions_raise_torchs_error(name):
    msgs = []
    for m in (torch, cr):
        with pytest.raises(RuntimeError) as e:
            CASES[name](m)
        msgs.append(str(e.value))
    assert msgs[0] == msgs[1]


def test_newaxis_indexes_as_none():
    x = cr.ones(2, 3)
    assert cr.newaxis is None and x[cr.newaxis].shape == (1, 2, 3)
