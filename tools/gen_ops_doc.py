#!/usr/bin/env python3
"""Write docs/ops.md: every public op, its grad_fn, and what it supports.

    python tools/gen_ops_doc.py           # rewrite docs/ops.md
    python tools/gen_ops_doc.py --check   # exit 1 if docs/ops.md is stale

The page comes from two sources, so it cannot drift from the code: the registry (which
functions are public, in which namespace) and the op table (tests/op_db/), whose samples
are run here in chainrule (no torch needed) to read the grad_fn each function records and
whether the table checks its backward and double backward. tests/test_docs.py runs the
check in CI.
"""
from __future__ import annotations

import argparse
import inspect
import pathlib
import sys
import warnings

ROOT = pathlib.Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

from op_db import OP_DB, build  # noqa: E402

import chainrule  # noqa: E402

OUT = ROOT / "docs" / "ops.md"

# namespace title -> (module path, how a name is written)
NAMESPACES = [
    ("torch", "", "torch.{}"),
    ("Tensor methods", "Tensor", "Tensor.{}"),
    ("torch.linalg", "linalg", "torch.linalg.{}"),
    ("torch.special", "special", "torch.special.{}"),
    ("torch.fft", "fft", "torch.fft.{}"),
    ("torch.nn.functional", "nn.functional", "F.{}"),
]


def _resolve(path):
    obj = chainrule
    for part in [p for p in path.split(".") if p]:
        obj = getattr(obj, part, None)
        if obj is None:
            return None
    return obj


def _public_names(path):
    """The callables a namespace offers (no classes, dtypes or modules)."""
    obj = _resolve(path)
    if obj is None:
        return []
    names = []
    for name in dir(obj):
        if name.startswith("_"):
            continue
        try:
            v = getattr(obj, name)
        except Exception:  # noqa: BLE001 - a property that needs an instance
            continue
        if path == "Tensor":
            if not (callable(v) or isinstance(v, property)) or name in _TENSOR_STATE:
                continue
        elif inspect.isclass(v) or inspect.ismodule(v) or not callable(v):
            continue
        names.append(name)
    return sorted(names)


# Tensor attributes that are state or conversion, not ops
_TENSOR_STATE = {"backward", "register_hook", "register_post_accumulate_grad_hook",
                 "retain_grad", "requires_grad_", "detach", "detach_", "numpy", "item",
                 "tolist", "size", "dim", "ndimension", "numel", "nelement", "stride",
                 "element_size", "data_ptr", "is_contiguous", "is_floating_point",
                 "is_complex", "is_inference", "grad", "grad_fn", "data", "shape", "ndim",
                 "dtype", "device", "is_cuda", "is_leaf", "layout", "output_nr",
                 "requires_grad", "retains_grad", "xp"}


def _names_used(fn):
    names = set(fn.__code__.co_names)
    for cell in fn.__closure__ or ():
        v = cell.cell_contents
        if isinstance(v, str):
            names.add(v)
        elif callable(v) and hasattr(v, "__code__"):
            names |= _names_used(v)
    for const in fn.__code__.co_consts:
        if hasattr(const, "co_names"):
            names |= set(const.co_names)
    return names


def _grad_fns(entry):
    """The grad_fn names of the entry's first sample's outputs, run in float64."""
    if not entry.grad:
        return ()
    try:
        args, kwargs, _ = build(chainrule, entry.samples()[0], "float64", True)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            out = entry.fn(chainrule, *args, **kwargs)
    except Exception:  # noqa: BLE001 - reported as unknown, the op tests judge it
        return ("?",)
    outs = out if isinstance(out, (tuple, list)) else (out,)
    return tuple(dict.fromkeys(o.grad_fn.name().split("::")[-1] for o in outs
                               if isinstance(o, chainrule.Tensor) and o.grad_fn is not None))


def _index():
    """name -> the op-table entries that use it, most specific (fewest names) first."""
    by_name: dict = {}
    for entry in OP_DB:
        used = _names_used(entry.fn)
        for name in used:
            by_name.setdefault(name, []).append((len(used), entry.name, entry))
    return {k: [e for _, _, e in sorted(v, key=lambda t: (t[0], t[1]))]
            for k, v in by_name.items()}


def _ops_by_grad_fn():
    from chainrule.ops import OPS
    out: dict = {}
    for op in OPS.values():
        out.setdefault(op.grad_fn, []).append(op)
    return out


def _row(name, shown, index, by_grad_fn, extra=""):
    entries = index.get(name, [])
    if not entries:
        return f"| `{shown}` | *not tabled* | | | | |{extra}"
    grad_entries = [e for e in entries if e.grad]
    fns = _grad_fns(grad_entries[0]) if grad_entries else ()
    bwd = "yes" if grad_entries else "no gradient"
    dbl = "yes" if any(e.gradgrad for e in entries) else ""
    ops = [op for f in fns for op in by_grad_fn.get(f, [])]
    fwd = "yes" if ops and all(op.jvp is not None for op in ops) else ""
    cplx = "yes" if any(getattr(e, "complex", False) for e in entries) else ""
    return f"| `{shown}` | {', '.join(fns)} | {bwd} | {dbl} | {fwd} | {cplx} |{extra}"


_HEAD = "| function | grad_fn | backward | double backward | forward AD | complex |"
_RULE = "|---|---|---|---|---|---|"


def render() -> str:
    from chainrule.ops import public_functions
    index = _index()
    by_grad_fn = _ops_by_grad_fn()
    tensor_names = set(_public_names("Tensor"))
    lines = ["# Ops", "",
             "Generated by `tools/gen_ops_doc.py` from the registry and the op table "
             "(`tests/op_db/`); `tests/test_docs.py` fails when it is stale. Each row is a "
             "public op. **grad_fn** is the node its first op-table sample records (several "
             "when it has several outputs); **backward** and **double backward** say the op "
             "table checks them against torch (values, gradients, gradcheck and "
             "gradgradcheck in float64); **forward AD** says every node behind it has a "
             "forward-mode rule; **complex** says the table checks complex inputs. "
             "**method** and **in-place** name the Tensor forms. An op without a table "
             "entry is listed as *not tabled*.", ""]
    total = tabled = 0
    torch_names = sorted(public_functions)
    lines += ["## torch", "", _HEAD + " method | in-place |", _RULE + "---|---|"]
    for name in torch_names:
        total += 1
        tabled += name in index
        method = "yes" if name in tensor_names else ""
        inplace = f"`{name}_`" if name + "_" in tensor_names else ""
        lines.append(_row(name, f"torch.{name}", index, by_grad_fn, f" {method} | {inplace} |"))
    lines.append("")
    covered = set(torch_names) | {n + "_" for n in torch_names}
    tensor_only = [n for n in sorted(tensor_names) if n not in covered]
    for title, names, fmt in [("Tensor methods not in the torch namespace", tensor_only,
                               "Tensor.{}")] + [
            (title, _public_names(path), fmt) for title, path, fmt in NAMESPACES[2:]]:
        if not names:
            continue
        lines += [f"## {title}", "", _HEAD, _RULE]
        for name in names:
            total += 1
            tabled += name in index
            lines.append(_row(name, fmt.format(name), index, by_grad_fn))
        lines.append("")
    lines.insert(4, f"{tabled} of {total} public ops are in the op table.")
    lines.insert(5, "")
    return "\n".join(lines)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--check", action="store_true", help="exit 1 if docs/ops.md is stale")
    args = ap.parse_args()
    text = render()
    if args.check:
        current = OUT.read_text() if OUT.exists() else ""
        if current != text:
            print("docs/ops.md is stale: run python tools/gen_ops_doc.py", file=sys.stderr)
            return 1
        return 0
    OUT.write_text(text)
    # The same registry feeds chainrule/_names.pyi (the names static tools see): one command
    # after adding ops keeps both current.
    import subprocess
    return subprocess.call([sys.executable, str(ROOT / "tools" / "gen_stubs.py")])


if __name__ == "__main__":
    sys.exit(main())
