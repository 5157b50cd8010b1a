"""torch.func's helpers beyond the transforms, against torch: rearrange (reorder, merge,
split with lengths, ellipsis, unit axes, a list of tensors, its errors), functionalize,
debug_unwrap and replace_all_batch_norm_modules_."""
import numpy as np
import pytest

import chainrule

torch = pytest.importorskip("torch")

_X = np.random.default_rng(0).standard_normal((2, 3, 4, 6))

VALID = [
    ("b c h w -> b h w c", {}), ("b c h w -> b (c h w)", {}), ("b c h w -> (b c) h w", {}),
    ("b c h (w1 w2) -> b c h w1 w2", {"w1": 2}), ("b c h (w1 w2) -> b (w2 c) h w1", {"w2": 3}),
    ("b ... w -> w ... b", {}), ("b c h w -> b c (h w) 1", {}), ("b c h w -> b c () h w", {}),
    ("... -> ...", {}), ("b ... -> (...) b", {}), ("b c h w -> b h w c", {"b": 2}),
    ("b ... -> (b ...)", {}), ("(b1 b2) ... -> b1 (b2 ...)", {"b1": 1}),
    ("b c (h1 h2) (w1 w2) -> b (c h1 w1) h2 w2", {"h1": 2, "w1": 3}),
]


@pytest.mark.parametrize("pattern,lengths", VALID, ids=[p for p, _ in VALID])
def test_rearrange_matches_torch(pattern, lengths):
    mine = chainrule.func.rearrange(chainrule.tensor(_X), pattern, **lengths)
    theirs = torch.func.rearrange(torch.tensor(_X), pattern, **lengths)
    assert tuple(mine.shape) == tuple(theirs.shape)
    np.testing.assert_array_equal(mine.numpy(), theirs.numpy())


def test_rearrange_of_a_list_and_of_unit_axes():
    parts = [np.ones((3, 4)) * i for i in range(2)]
    mine = chainrule.func.rearrange([chainrule.tensor(p) for p in parts], "n a b -> a (n b)")
    theirs = torch.func.rearrange([torch.tensor(p) for p in parts], "n a b -> a (n b)")
    np.testing.assert_array_equal(mine.numpy(), theirs.numpy())
    one = np.ones((2, 1, 3))
    np.testing.assert_array_equal(
        chainrule.func.rearrange(chainrule.tensor(one), "a 1 b -> b a").numpy(),
        torch.func.rearrange(torch.tensor(one), "a 1 b -> b a").numpy())


@pytest.mark.parametrize("pattern,lengths", [
    ("b c h w", {}), ("b c h -> b c h", {}), ("b c h w -> b c h", {}),
    ("b c (h1 h2) w -> b c h1 h2 w", {}), ("b c (h1 h2) w -> b c h1 h2 w", {"h1": 3}),
    ("b b h w -> b h w", {}), ("b c h w -> b ... c", {}), ("b c h w -> b (c x) h w", {"x": 2}),
])
def test_rearrange_errors_match_torch(pattern, lengths):
    with pytest.raises(Exception) as theirs:  # noqa: PT011 - ValueError or DimensionBindError
        torch.func.rearrange(torch.tensor(_X), pattern, **lengths)
    with pytest.raises(Exception) as mine:  # noqa: PT011
        chainrule.func.rearrange(chainrule.tensor(_X), pattern, **lengths)
    assert type(mine.value).__name__ == type(theirs.value).__name__
    assert str(mine.value) == str(theirs.value)


def test_functionalize_keeps_results_and_input_mutations():
    for m in (torch, chainrule):
        def f(x):
            y = x.clone()
            y.add_(1)
            x.mul_(2)
            return y * 3
        x = m.ones(3)
        out = m.func.functionalize(f)(x)
        np.testing.assert_array_equal(out.numpy(), [6.0, 6.0, 6.0])
        np.testing.assert_array_equal(x.numpy(), [2.0, 2.0, 2.0])
        with pytest.raises(RuntimeError, match="received invalid argument for remove"):
            m.func.functionalize(f, remove="everything")


def test_debug_unwrap_gives_the_batch():
    seen = {}

    def f(x):
        seen["inner"] = chainrule.func.debug_unwrap(x)
        seen["one"] = chainrule.func.debug_unwrap(x, recurse=False)
        return x * 2
    chainrule.func.vmap(chainrule.func.vmap(f))(chainrule.ones(2, 3, 4))
    assert tuple(seen["inner"].shape) == (2, 3, 4)
    assert type(seen["inner"]).__name__ == "Tensor"
    t = chainrule.ones(2)
    assert chainrule.func.debug_unwrap(t) is t


def test_replace_all_batch_norm_modules_as_torch():
    states = []
    for m in (torch, chainrule):
        net = m.nn.Sequential(m.nn.Conv2d(1, 2, 3), m.nn.BatchNorm2d(2), m.nn.ReLU(),
                              m.nn.Sequential(m.nn.BatchNorm1d(2)))
        assert m.func.replace_all_batch_norm_modules_(net) is net
        states.append(([(k, tuple(v.shape)) for k, v in net.state_dict().items()],
                       [(b.running_mean, b.track_running_stats) for b in (net[1], net[3][0])]))
    assert states[1] == states[0]
