"""nn containers against torch: Sequential, ModuleList, ModuleDict, ParameterList,
ParameterDict — every method, their keys and order, reprs and errors. Each snippet runs
with ``m`` = torch and ``m`` = chainrule and the outcomes are compared."""
import warnings
from collections import OrderedDict

import pytest

torch = pytest.importorskip("torch")

from torch_compare import same  # noqa: E402

import chainrule as cr  # noqa: E402


def same_error(fn):
    out = []
    for m in (torch, cr):
        with pytest.raises(Exception) as info:
            fn(m)
        out.append(info.value)
    t, c = out
    assert type(c).__name__ == type(t).__name__, (c, t)
    # a class's repr names its package: chainrule's classes live in chainrule.nn...
    assert str(c).replace("chainrule.", "torch.") == str(t)


def layers(m, n=4):
    return [m.nn.Linear(i + 1, i + 2) for i in range(n)]


def shape(seq):
    """What distinguishes the layers of a container: names and in/out features."""
    return [(k, type(v).__name__, getattr(v, "in_features", None))
            for k, v in seq._modules.items()]


# ---------------------------------------------------------------------- Sequential
def test_sequential_indexing_slicing_and_len():
    def run(m):
        seq = m.nn.Sequential(*layers(m))
        return (len(seq), seq[0].in_features, seq[-1].in_features, shape(seq[1:3]),
                shape(seq[::-2]), type(seq[1:]).__name__, [x.in_features for x in seq])
    same(run)


def test_sequential_mutation_methods():
    def run(m):
        seq = m.nn.Sequential(*layers(m))
        out = []
        seq.append(m.nn.ReLU())
        out.append(shape(seq))
        seq.insert(1, m.nn.Tanh())
        seq.insert(-1, m.nn.Sigmoid())
        out.append(shape(seq))
        popped = seq.pop(0)
        out.append((popped.in_features, shape(seq)))
        del seq[1:3]
        out.append(shape(seq))
        del seq[-1]
        seq[0] = m.nn.Identity()
        out.append(shape(seq))
        seq.extend([m.nn.ReLU(), m.nn.Tanh()])
        out.append(shape(seq))
        return out
    same(run)


def test_sequential_ordered_dict_form_and_arithmetic():
    def run(m):
        od = m.nn.Sequential(OrderedDict([("conv", m.nn.Linear(1, 2)), ("act", m.nn.ReLU())]))
        out = [shape(od), shape(od[0:1]), od.act is od[1]]
        plus = od + m.nn.Sequential(m.nn.Tanh())
        out.append(shape(plus))
        od += m.nn.Sequential(m.nn.Sigmoid())
        out.append(shape(od))
        out.append(shape(m.nn.Sequential(m.nn.ReLU(), m.nn.Tanh()) * 2))
        out.append(shape(2 * m.nn.Sequential(m.nn.ReLU())))
        s = m.nn.Sequential(m.nn.ReLU(), m.nn.Tanh())
        s *= 3
        out.append(shape(s))
        return out
    same(run)


@pytest.mark.parametrize("case", [
    lambda m: m.nn.Sequential(m.nn.ReLU())[1],
    lambda m: m.nn.Sequential(m.nn.ReLU())[-2],
    lambda m: m.nn.Sequential(m.nn.ReLU())["0"],
    lambda m: m.nn.Sequential(m.nn.ReLU()) + m.nn.ModuleList(),
    lambda m: m.nn.Sequential(m.nn.ReLU()).__iadd__(3),
    lambda m: m.nn.Sequential(m.nn.ReLU()) * 0,
    lambda m: m.nn.Sequential(m.nn.ReLU()) * 1.5,
    lambda m: m.nn.Sequential(m.nn.ReLU()).insert(0, 3),
    lambda m: m.nn.Sequential(m.nn.ReLU()).insert(5, m.nn.ReLU()),
    lambda m: m.nn.Sequential(m.nn.ReLU(), 3),
    lambda m: m.nn.Sequential(m.nn.ReLU()).pop(3),
])
def test_sequential_errors(case):
    same_error(case)


def test_sequential_forward_values_and_grads():
    ref = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.Tanh(), torch.nn.Linear(4, 1))
    mine = cr.nn.Sequential(cr.nn.Linear(3, 4), cr.nn.Tanh(), cr.nn.Linear(4, 1))
    mine.load_state_dict({k: cr.tensor(v.numpy()) for k, v in ref.state_dict().items()})
    xt = torch.linspace(-1, 1, 6).reshape(2, 3)
    xc = cr.linspace(-1, 1, 6).reshape(2, 3)
    yt, yc = ref(xt), mine(xc)
    assert yc.flatten().tolist() == pytest.approx(yt.flatten().tolist(), rel=1e-5)
    yt.sum().backward()
    yc.sum().backward()
    for pt, pc in zip(ref.parameters(), mine.parameters()):
        assert pc.grad.flatten().tolist() == pytest.approx(pt.grad.flatten().tolist(),
                                                           rel=1e-5, abs=1e-6)


def test_sequential_and_nested_repr_and_dir():
    def run(m):
        seq = m.nn.Sequential(m.nn.Linear(1, 2), m.nn.Sequential(m.nn.ReLU(), m.nn.Tanh()))
        return repr(seq), repr(m.nn.Sequential()), [k for k in dir(seq) if k.isdigit()]
    same(run)


# ---------------------------------------------------------------------- ModuleList
def test_module_list_methods():
    def run(m):
        ml = m.nn.ModuleList(layers(m, 3))
        out = [len(ml), ml[-1].in_features, shape(ml[1:]), type(ml[1:]).__name__]
        ml.append(m.nn.ReLU())
        ml.extend([m.nn.Tanh()])
        ml.insert(1, m.nn.Sigmoid())
        out.append(shape(ml))
        ml += [m.nn.Identity()]
        out.append(shape(ml + m.nn.ModuleList([m.nn.ReLU()])))
        out.append(ml.pop(-1).__class__.__name__)
        del ml[::2]
        out.append(shape(ml))
        ml[0] = m.nn.Linear(7, 1)
        out.append(shape(ml))
        out.append([type(x).__name__ for x in ml])
        return out
    same(run)


def test_module_list_repr_compresses_repeated_blocks():
    def run(m):
        block = m.nn.Sequential(m.nn.Linear(2, 2), m.nn.ReLU())
        ml = m.nn.ModuleList([m.nn.Linear(2, 2) for _ in range(3)] + [m.nn.ReLU()]
                             + [m.nn.Sequential(m.nn.Linear(2, 2), m.nn.ReLU())
                                for _ in range(2)] + [block])
        holder = m.nn.Module()
        holder.layers = ml
        return repr(ml), repr(holder), repr(m.nn.ModuleList())
    same(run)


@pytest.mark.parametrize("case", [
    lambda m: m.nn.ModuleList([m.nn.ReLU()])[1],
    lambda m: m.nn.ModuleList([m.nn.ReLU()])[-2],
    lambda m: m.nn.ModuleList([m.nn.ReLU()]).extend(3),
    lambda m: m.nn.ModuleList([3]),
    lambda m: m.nn.ModuleList([m.nn.ReLU()]).__setitem__(4, m.nn.ReLU()),
])
def test_module_list_errors(case):
    same_error(case)


# ---------------------------------------------------------------------- ModuleDict
def test_module_dict_methods():
    def run(m):
        md = m.nn.ModuleDict({"b": m.nn.ReLU(), "a": m.nn.Tanh()})
        out = [list(md.keys()), [type(v).__name__ for v in md.values()], "a" in md, len(md),
               list(md)]
        md.update([("c", m.nn.Sigmoid()), ("a", m.nn.Identity())])
        md.update(m.nn.ModuleDict(OrderedDict([("z", m.nn.ReLU())])))
        md["d"] = m.nn.Linear(1, 1)
        out.append([(k, type(v).__name__) for k, v in md.items()])
        out.append(type(md.pop("b")).__name__)
        del md["c"]
        out.append(list(md))
        out.append([n for n, _ in md.named_parameters()])
        out.append(repr(md))
        md.clear()
        out.append(len(md))
        return out
    same(run)


@pytest.mark.parametrize("case", [
    lambda m: m.nn.ModuleDict(3),
    lambda m: m.nn.ModuleDict([1]),
    lambda m: m.nn.ModuleDict([("a", m.nn.ReLU(), 1)]),
    lambda m: m.nn.ModuleDict()["missing"],
    lambda m: m.nn.ModuleDict({"a.b": m.nn.ReLU()}),
    lambda m: m.nn.ModuleDict({"a": 3}),
])
def test_module_dict_errors(case):
    same_error(case)


# ---------------------------------------------------------------------- ParameterList
def test_parameter_list_methods_and_repr():
    def run(m):
        pl = m.nn.ParameterList([m.ones(2, 3), m.nn.Parameter(m.zeros(1)), "text"])
        out = [len(pl), [type(p).__name__ for p in pl], [n for n, _ in pl.named_parameters()],
               repr(pl)]
        pl.append(m.ones(4, dtype=m.float64))
        pl.extend([m.zeros(2)])
        pl += [m.zeros(3)]
        out.append([tuple(p.shape) if hasattr(p, "shape") else p for p in pl])
        out.append([tuple(p.shape) if hasattr(p, "shape") else p for p in pl[1::2]])
        pl[0] = m.zeros(5)
        out.append(tuple(pl[0].shape))
        out.append(tuple(pl[-1].shape))
        out.append(list(pl.state_dict()))
        return out
    same(run)


@pytest.mark.parametrize("case", [
    lambda m: m.nn.ParameterList([m.ones(1)])[3],
    lambda m: m.nn.ParameterList([m.ones(1)]).extend(m.ones(2)),
    lambda m: m.nn.ParameterList([m.ones(1)]).extend(3),
    lambda m: m.nn.ParameterList([m.ones(1)])(1),
])
def test_parameter_list_errors(case):
    same_error(case)


# ---------------------------------------------------------------------- ParameterDict
def test_parameter_dict_methods_and_repr():
    def run(m):
        pd = m.nn.ParameterDict({"b": m.ones(2), "a": m.zeros(1, dtype=m.float64)})
        out = [list(pd), list(pd.keys()), repr(pd), "a" in pd, len(pd)]
        pd.update(OrderedDict([("z", m.ones(1)), ("c", m.nn.Parameter(m.ones(3)))]))
        pd.update([("y", m.ones(2))])
        pd["obj"] = "text"
        out.append([(k, type(v).__name__) for k, v in pd.items()])
        out.append(list(reversed(pd)))
        out.append(tuple(pd.pop("z").shape))
        out.append(pd.popitem()[0])
        out.append(pd.get("nope", 5))
        out.append(tuple(pd.setdefault("new", m.ones(4)).shape))
        cp = pd.copy()
        out.append((list(cp), cp["a"] is pd["a"]))
        out.append(list(pd.fromkeys(["p", "q"], m.ones(1))))
        merged = pd | m.nn.ParameterDict({"m": m.ones(1)})
        out.append(list(merged))
        pd |= m.nn.ParameterDict({"n": m.ones(1)})
        out.append(list(pd))
        out.append([n for n, _ in pd.named_parameters()])
        pd.clear()
        out.append(len(pd))
        return out
    same(run)


@pytest.mark.parametrize("case", [
    lambda m: m.nn.ParameterDict(3),
    lambda m: m.nn.ParameterDict([1]),
    lambda m: m.nn.ParameterDict([("a", 1, 2)]),
    lambda m: m.nn.ParameterDict()[1],
    lambda m: m.nn.ParameterDict()["x"],
    lambda m: m.nn.ParameterDict()(1),
])
def test_parameter_dict_errors(case):
    same_error(case)


def test_containers_inside_a_model_give_torchs_state_dict_keys():
    def run(m):
        model = m.nn.Module()
        model.blocks = m.nn.ModuleList([m.nn.Linear(1, 1), m.nn.Linear(1, 1)])
        model.heads = m.nn.ModuleDict({"x": m.nn.Linear(1, 2)})
        model.extra = m.nn.ParameterList([m.ones(2)])
        model.named = m.nn.ParameterDict({"scale": m.ones(1)})
        model.seq = m.nn.Sequential(OrderedDict([("inner", m.nn.Linear(2, 1))]))
        return list(model.state_dict()), repr(model)
    same(run)


def test_container_class_is_deprecated():
    def run(m):
        with warnings.catch_warnings(record=True) as w:
            warnings.simplefilter("always")
            c = m.nn.Container(a=m.nn.ReLU())
        return list(c._modules), [x.category.__name__ for x in w]
    same(run)
