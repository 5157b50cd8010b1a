"""nn.functional normalisation: layer_norm, batch_norm, group_norm, instance_norm, rms_norm,
local_response_norm, and their torch.* forms.

Running statistics are made inside the expression (fresh each call) and returned as extra
outputs, so their in-place updates are compared with torch's too. Float sample arrays are
leaves that require grad (weight and bias included).
"""
from __future__ import annotations

from ._base import OpInfo, S


def _F(m):
    return m.nn.functional


def _stats(m, x, c, mean=0.0, var=1.0):
    return (m.full((c,), mean, dtype=x.dtype), m.full((c,), var, dtype=x.dtype))


def _has(*names):
    """Whether chainrule has the ops of other families a composite is built from (the
    entries run once those families are merged; their names stay covered either way)."""
    import chainrule
    return all(n in chainrule.ops.PUBLIC or n in chainrule.ops.OPS for n in names)


def _when(names, samples):
    return lambda A: samples(A) if _has(*names) else []


def _layer_norm_entries():
    ln = lambda m, x, shape, w=None, b=None, **kw: _F(m).layer_norm(x, shape, w, b, **kw)  # noqa: E731
    return [
        OpInfo("F.layer_norm", ln, lambda A: [
            S(A(4, 3, 5), (5,), A(5), A(5)), S(A(2, 3, 4), (3, 4), A(3, 4), A(3, 4)),
            S(A(3, 7), (7,)), S(A(5), (5,), A(5), None), S(A(2, 1, 3), (3,), None, A(3)),
            S(A(2, 3), (2, 3), A(2, 3), A(2, 3), eps=0.1), S(A(1, 1), (1,), A(1), A(1))]),
        # gradcheck cannot perturb an empty input (its strides are 0)
        OpInfo("F.layer_norm_empty", ln, lambda A: [S(A(0, 4), (4,), A(4), A(4))],
               gradcheck=False),
        OpInfo("layer_norm", lambda m, x, w, b: m.layer_norm(x, [4], w, b, 1e-3),
               lambda A: [S(A(3, 4), A(4), A(4)), S(A(2, 2, 4), A(4), A(4))]),
    ]


def _bn_train(m, x, w, b, momentum=0.1, eps=1e-5):
    rm, rv = _stats(m, x, x.shape[1], 0.5, 2.0)
    y = _F(m).batch_norm(x, rm, rv, w, b, training=True, momentum=momentum, eps=eps)
    return y, rm, rv


def _bn_eval(m, x, w, b, mean, var):
    rm, rv = m.tensor(mean, dtype=x.dtype), m.tensor(var, dtype=x.dtype)
    return _F(m).batch_norm(x, rm, rv, w, b, training=False)


def _batch_norm_entries():
    return [
        OpInfo("F.batch_norm_train", _bn_train, lambda A: [
            S(A(4, 3, 5), A(3), A(3)), S(A(3, 2), A(2), A(2), momentum=0.5),
            S(A(2, 3, 2, 2), A(3), A(3), eps=0.1), S(A(2, 2, 1, 3, 2), None, None),
            S(A(5, 1, 3), A(1), None), S(A(2, 3, 3), None, A(3), momentum=0.0)]),
        OpInfo("F.batch_norm_eval", _bn_eval, lambda A: [
            S(A(4, 3, 5), A(3), A(3), [0.1, -0.2, 0.3], [1.5, 0.5, 2.0]),
            S(A(3, 2), None, None, [0.0, 1.0], [1.0, 4.0]),
            S(A(2, 2, 2, 2), A(2), None, [0.5, 0.5], [0.25, 1.0])]),
        OpInfo("F.batch_norm_no_stats", lambda m, x, w, b: _F(m).batch_norm(
            x, None, None, w, b, training=True),
               lambda A: [S(A(4, 3, 2), A(3), A(3)), S(A(6, 2), None, None)]),
        OpInfo("batch_norm", lambda m, x, w, b: m.batch_norm(
            x, w, b, *_stats(m, x, x.shape[1]), True, 0.2, 1e-5, False),
               lambda A: [S(A(3, 2, 4), A(2), A(2))]),
    ]


def _group_norm_entries():
    gn = lambda m, x, g, w=None, b=None, **kw: _F(m).group_norm(x, g, w, b, **kw)  # noqa: E731
    return [
        OpInfo("F.group_norm", gn, lambda A: [
            S(A(2, 6, 3), 3, A(6), A(6)), S(A(2, 4, 2, 2), 2, A(4), A(4)), S(A(3, 4), 2),
            S(A(2, 3, 5), 1, A(3), None), S(A(1, 4, 3), 4, A(4), None, eps=0.1),
            S(A(2, 2, 2, 1, 2), 2, A(2), A(2))]),
        OpInfo("group_norm", lambda m, x, w, b: m.group_norm(x, 2, w, b, 1e-5, False),
               lambda A: [S(A(2, 4, 3), A(4), A(4))]),
    ]


def _in_stats(m, x, w, b):
    rm, rv = _stats(m, x, x.shape[1], 0.2, 1.5)
    y = _F(m).instance_norm(x, rm, rv, w, b, use_input_stats=True, momentum=0.3)
    return y, rm, rv


def _instance_norm_entries():
    return [
        OpInfo("F.instance_norm", lambda m, x, w, b: _F(m).instance_norm(x, weight=w, bias=b),
               lambda A: [S(A(2, 3, 4), A(3), A(3)), S(A(2, 2, 2, 3), None, None),
                          S(A(1, 3, 5), A(3), None)]),
        OpInfo("F.instance_norm_stats", _in_stats, lambda A: [S(A(2, 3, 4), A(3), A(3))]),
        OpInfo("F.instance_norm_eval", lambda m, x, w, b: _F(m).instance_norm(
            x, *_stats(m, x, x.shape[1], 0.1, 2.0), w, b, use_input_stats=False),
               lambda A: [S(A(2, 3, 4), A(3), A(3))]),
        OpInfo("instance_norm", lambda m, x: m.instance_norm(
            x, None, None, None, None, True, 0.1, 1e-5, False), lambda A: [S(A(2, 2, 3))]),
    ]


def _rms_entries():
    rms = lambda m, x, shape, w=None, **kw: _F(m).rms_norm(x, shape, w, **kw)  # noqa: E731
    return [
        OpInfo("F.rms_norm", rms, lambda A: [
            S(A(4, 3, 5), (5,), A(5)), S(A(2, 3, 4), (3, 4)), S(A(5), (5,), A(5), eps=0.1),
            S(A(2, 3), (3,), None, eps=None)]),
        OpInfo("rms_norm", lambda m, x, w: m.rms_norm(x, [3], w, 1e-6),
               lambda A: [S(A(2, 3), A(3))]),
    ]


def _lrn_entries():
    lrn = lambda m, x, size, **kw: _F(m).local_response_norm(x, size, **kw)  # noqa: E731
    return [
        OpInfo("F.local_response_norm", lrn, _when(
            ("avg_pool2d", "avg_pool3d", "constant_pad_nd"),
            lambda A: [S(A(2, 5, 4), 2), S(A(2, 5, 3, 3), 3, alpha=0.1, beta=0.5, k=2.0),
                       S(A(1, 4, 2, 2, 2), 4), S(A(2, 3, 4), 1, k=1.5)]),
               domain=(0.5, 2.0)),
    ]


ENTRIES = (_layer_norm_entries() + _batch_norm_entries() + _group_norm_entries()
           + _instance_norm_entries() + _rms_entries() + _lrn_entries())
