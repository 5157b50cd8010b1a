"""Forward mode under vmap and vmap under forward mode, over the whole op table.

For each op's first sample (float64), a batch of two perturbed copies of its floating inputs
and random tangents: ``jvp(vmap(f))`` and ``vmap(jvp(f))`` must equal the per-sample
``jvp(f)`` (tangents by dual tensors: the batching rules carry them, in-place ops and
batched Python functions included). Where a composition raises, plain ``vmap(f)`` must
raise as well: the limit is vmap's own (a function reading batched data), never the
composition's, and never a wrong tangent."""
import warnings

import numpy as np
import pytest
from op_db import OP_DB, build

import chainrule as cr
from chainrule.func import jvp, vmap


def _case(op):
    """(f, make) for the op's first sample, or None: ``make()`` gives fresh (inputs,
    tangents) batched over a new dim 0 of size 2 (in-place ops write into their inputs)."""
    try:
        args, kwargs, _ = build(cr, op.samples()[0], "float64", requires_grad=False)
    except Exception:  # noqa: BLE001 - a sample the op table marks as an error case
        return None
    idx = [i for i, a in enumerate(args)
           if isinstance(a, cr.Tensor) and a.dtype == cr.float64 and a.numel() > 0]
    if not idx:
        return None

    def f(*xs):
        new = list(args)
        for i, x in zip(idx, xs):
            new[i] = x
        out = op.fn(cr, *new, **kwargs)
        outs = out if isinstance(out, (tuple, list)) else (out,)
        return tuple(o for o in outs if isinstance(o, cr.Tensor) and o.dtype.is_floating_point)

    prims = [args[i].detach().clone() for i in idx]

    def make():
        rng = np.random.default_rng(0)
        xs = [cr.stack([p, p + 0.01 * cr.tensor(rng.standard_normal(tuple(p.shape)))])
              for p in prims]
        ts = [cr.tensor(rng.standard_normal((2,) + tuple(p.shape))) for p in prims]
        return xs, ts
    return f, make


def _compositions(f, n):
    return {"jvp(vmap(f))": lambda xs, ts: jvp(vmap(f), tuple(xs), tuple(ts))[1],
            "vmap(jvp(f))": lambda xs, ts: vmap(
                lambda *a: jvp(f, a[:n], a[n:])[1])(*xs, *ts)}


def _applicable():
    """The ops whose first sample has a floating tensor input (the others have no tangent
    to carry)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return [op for op in OP_DB if _case(op) is not None]


@pytest.mark.parametrize("op", _applicable(), ids=lambda op: op.name)
def test_forward_mode_and_vmap_compose(op):
    f, make = _case(op)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        xs, ts = make()
        try:
            want = [jvp(f, tuple(x[b].clone() for x in xs), tuple(t[b] for t in ts))[1]
                    for b in range(2)]
        except Exception:  # noqa: BLE001 - forward mode refuses the op: so must both
            for compose in _compositions(f, len(xs)).values():
                with pytest.raises(Exception):  # noqa: B017, PT011
                    compose(*make())
            return
        for name, compose in _compositions(f, len(xs)).items():
            try:
                got = compose(*make())
            except Exception as exc:  # noqa: BLE001 - must be vmap's own limit
                with pytest.raises(Exception):  # noqa: B017, PT011
                    vmap(f)(*make()[0])
                assert not isinstance(exc, AssertionError)
                continue
            assert len(got) == len(want[0]), name  # (no floating output: both empty)
            for k, g in enumerate(got):
                for b in range(2):
                    np.testing.assert_allclose(g.detach().numpy()[b],
                                               want[b][k].detach().numpy(), atol=1e-8,
                                               rtol=1e-7, err_msg=name)
