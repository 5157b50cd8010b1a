"""torch's own signatures, read from its installed stubs and sources (never imported), for
tools/gen_stubs.py: torch is the spec, so a chainrule name gets torch's typed overloads,
kept only where chainrule's run-time signature accepts every parameter name they use."""
from __future__ import annotations

import ast
import importlib.util
import inspect
import pathlib
import re

# Names the generated stubs import from chainrule/_stub_types.pyi (torch.types' vocabulary).
VOCAB = ("Any", "Callable", "EllipsisType", "Literal", "Self", "Sequence", "Size", "Tensor",
         "Union", "Generator", "TypedStorage", "UntypedStorage", "Storage", "Number",
         "SymInt", "SymFloat", "SymBool", "IntLikeType", "Device", "DeviceLikeType",
         "_int", "_float", "_bool", "_complex", "_dtype", "_device", "_layout", "_qscheme",
         "_size", "_symsize", "_size_any_t", "_size_1_t", "_size_2_t", "_size_3_t",
         "_size_2_opt_t", "_size_3_opt_t", "_ratio_any_t", "_TensorOrTensors",
         "return_types", "memory_format", "device", "layout", "dtype", "Iterator",
         "RemovableHandle")
_BUILTIN = {"int", "float", "bool", "complex", "str", "bytes", "object", "None", "tuple",
            "list", "dict", "type", "slice", "set", "frozenset"}
_KNOWN = set(VOCAB) | _BUILTIN
_SHADOWED = {"int", "float", "bool", "complex", "type"}
_UNSUPPORTED = {"Dimname", "DimnameList"}  # chainrule has no named tensors
_TORCH_ATTRS = {"Tensor": "Tensor", "Size": "Size", "memory_format": "memory_format",
                "SymInt": "_int", "SymFloat": "_float", "SymBool": "_bool", "dtype": "dtype",
                "device": "device", "layout": "layout", "Generator": "Generator"}
_KEEP_DECORATORS = {"overload", "property", "staticmethod", "classmethod"}


def torch_root() -> pathlib.Path | None:
    spec = importlib.util.find_spec("torch")
    if spec is None or not spec.submodule_search_locations:
        return None
    return pathlib.Path(list(spec.submodule_search_locations)[0])


def _parse(path: pathlib.Path) -> ast.Module:
    return ast.parse(path.read_text())


def _functions(body, into: dict) -> None:
    for node in body:
        if isinstance(node, ast.FunctionDef):
            into.setdefault(node.name, []).append(node)
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            into.setdefault(node.target.id, []).append(node)


def _class_body(tree: ast.Module, name: str) -> list:
    for node in tree.body:
        if isinstance(node, ast.ClassDef) and node.name == name:
            return node.body
    return []


# What torch's unannotated Python-level Tensor methods (torch/_tensor.py) return.
UNANNOTATED_RETURNS = {
    "__deepcopy__": "Tensor", "__hash__": "int", "__iter__": "Iterator[Tensor]",
    "__len__": "int", "__repr__": "str", "backward": "None", "dim_order": "tuple[int, ...]",
    "is_shared": "bool", "istft": "Tensor", "module_load": "Tensor", "norm": "Tensor",
    "register_hook": "RemovableHandle", "register_post_accumulate_grad_hook": "RemovableHandle",
    "resize": "Tensor", "resize_as": "Tensor", "share_memory_": "Tensor", "stft": "Tensor",
    "storage": "TypedStorage", "unflatten": "Tensor", "lu": "tuple[Tensor, ...]",
    "split": "tuple[Tensor, ...]", "storage_type": "type"}
_TENSOR_ALIASES = {"__itruediv__": "__idiv__", "__ipow__": "__pow__"}


def _renamed(fn, name):
    fn = ast.parse(ast.unparse(fn)).body[0]
    fn.name = name
    return fn


class TorchSignatures:
    """name -> torch's definitions (FunctionDef overloads or one AnnAssign) for the
    top-level functions, the Tensor class and nn.functional."""

    def __init__(self, root: pathlib.Path):
        self.functions: dict = {}
        for rel in ("_C/_VariableFunctions.pyi", "functional.py", "_C/__init__.pyi"):
            _functions(_parse(root / rel).body, self.functions)
        self.tensor: dict = {}
        _functions(_class_body(_parse(root / "_C/__init__.pyi"), "TensorBase"), self.tensor)
        python_level: dict = {}  # torch/_tensor.py overrides TensorBase
        _functions(_class_body(_parse(root / "_tensor.py"), "Tensor"), python_level)
        self.tensor.update(python_level)
        for name, same_as in _TENSOR_ALIASES.items():  # torch/_tensor.py assigns these
            self.tensor[name] = [_renamed(fn, name) for fn in self.tensor.get(same_as, [])]
        self.functional: dict = {}
        for rel in ("_C/_nn.pyi", "nn/functional.pyi"):
            _functions(_parse(root / rel).body, self.functional)


class _Rewrite(ast.NodeTransformer):
    """torch's annotation spelled in our vocabulary; ``unsupported`` is set when it names
    a type chainrule lacks on purpose (Dimname), ``unknown`` types become Any."""

    def __init__(self, return_types: set):
        self.return_types = return_types
        self.unsupported = False

    def visit_Attribute(self, node):
        dotted = ast.unparse(node)
        parts = dotted.split(".")
        if parts[:2] == ["torch", "return_types"] and len(parts) == 3:
            if parts[2] in self.return_types:
                return ast.Attribute(ast.Name("return_types"), parts[2], ast.Load())
            return ast.Name("Any")
        if len(parts) == 2 and parts[0] == "torch" and parts[1] in _TORCH_ATTRS:
            return ast.Name(_TORCH_ATTRS[parts[1]])
        if parts[0] in ("builtins", "return_types") and len(parts) == 2:
            return node  # already in our vocabulary
        return ast.Name("Any")

    def visit_Name(self, node):
        if node.id in _UNSUPPORTED:
            self.unsupported = True
        if node.id in _SHADOWED:  # Tensor has methods named int, float, bool, type ...
            return ast.Attribute(ast.Name("builtins"), node.id, ast.Load())
        if node.id in _KNOWN:
            return node
        return ast.Name("Any")

    def visit_Constant(self, node):
        if isinstance(node.value, str) and not _is_literal_arg(node):
            try:  # a quoted forward reference: rewrite what it says
                inner = ast.parse(node.value, mode="eval").body
            except SyntaxError:
                return ast.Name("Any")
            return self.visit(inner)
        return node


def _is_literal_arg(node) -> bool:
    return getattr(node, "_in_literal", False)


def _mark_literals(tree) -> None:
    for node in ast.walk(tree):
        if isinstance(node, ast.Subscript) and ast.unparse(node.value) in ("Literal",
                                                                           "typing.Literal"):
            for sub in ast.walk(node.slice):
                sub._in_literal = True


def rewrite_annotation(node, return_types: set):
    """(annotation in our vocabulary, whether it names an unsupported type)."""
    if node is None:
        return None, False
    node = ast.parse(ast.unparse(node), mode="eval").body  # a copy
    _mark_literals(node)
    rw = _Rewrite(return_types)
    node = rw.visit(node)
    return node, rw.unsupported


def _arguments(fn: ast.FunctionDef) -> list:
    a = fn.args
    return a.posonlyargs + a.args + ([a.vararg] if a.vararg else []) + a.kwonlyargs + (
        [a.kwarg] if a.kwarg else [])


def accepts(sig: inspect.Signature | None, fn: ast.FunctionDef, method: bool) -> bool:
    """Whether a call written against torch's overload ``fn`` binds to chainrule's
    run-time signature ``sig`` by parameter names (``method``: both have a self)."""
    if sig is None:
        return True
    params = list(sig.parameters.values())
    if method and params and params[0].kind in (params[0].POSITIONAL_ONLY,
                                                 params[0].POSITIONAL_OR_KEYWORD):
        params = params[1:]
    if any(p.kind is p.VAR_KEYWORD for p in params):
        return True
    has_args = any(p.kind is p.VAR_POSITIONAL for p in params)
    names = {p.name for p in params if p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)}
    n_positional = sum(p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD) for p in params)
    args = fn.args
    positional_only = args.posonlyargs[(1 if method and args.posonlyargs else 0):]
    positional = args.args[(1 if method and not args.posonlyargs and args.args else 0):]
    if len(positional_only) + len(positional) > n_positional and not has_args:
        return False
    if args.vararg is not None and not has_args:
        return False
    if not all(arg.arg in names for arg in args.kwonlyargs):
        return False
    # chainrule's ``*dims`` takes torch's ``dims`` positionally (permute, reshape, view)
    return has_args or all(arg.arg in names for arg in positional)


def render_torch(fn: ast.AST, return_types: set, *, overload: bool) -> str | None:
    """One torch definition as stub text in our vocabulary; None when it names a type
    chainrule does not have."""
    if isinstance(fn, ast.AnnAssign):
        ann, bad = rewrite_annotation(fn.annotation, return_types)
        return None if bad else f"{fn.target.id}: {ast.unparse(ann)}"
    fn = ast.parse(ast.unparse(fn)).body[0]  # a copy
    for arg in _arguments(fn):
        arg.annotation, bad = rewrite_annotation(arg.annotation, return_types)
        if bad:
            return None
    if fn.returns is None and fn.name in UNANNOTATED_RETURNS:
        fn.returns = ast.parse(UNANNOTATED_RETURNS[fn.name], mode="eval").body
    fn.returns, bad = rewrite_annotation(fn.returns, return_types)
    if bad:
        return None
    defaults = fn.args.defaults
    fn.args.defaults = [ast.Constant(...) for _ in defaults]
    fn.args.kw_defaults = [None if d is None else ast.Constant(...)
                           for d in fn.args.kw_defaults]
    fn.decorator_list = [d for d in fn.decorator_list
                         if ast.unparse(d).split(".")[-1] in _KEEP_DECORATORS
                         and (overload or ast.unparse(d).split(".")[-1] != "overload")]
    if overload and not any(ast.unparse(d).endswith("overload") for d in fn.decorator_list):
        fn.decorator_list.insert(0, ast.Name("overload"))
    fn.body = [ast.Expr(ast.Constant(...))]
    fn.type_comment = None
    text = ast.unparse(fn)
    return re.sub(r":\n\s+\.\.\.$", ": ...", text)


def narrow(sig: inspect.Signature | None, fn: ast.FunctionDef, method: bool):
    """torch's overload without the optional parameters chainrule's signature lacks (sin
    without ``out=``), or None when a required one is missing too."""
    if sig is None or not isinstance(fn, ast.FunctionDef):
        return None
    params = list(sig.parameters.values())[(1 if method else 0):]
    names = {p.name for p in params if p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)}
    fn = ast.parse(ast.unparse(fn)).body[0]
    args = fn.args
    kept_kw, kept_defaults = [], []
    for arg, default in zip(args.kwonlyargs, args.kw_defaults):
        if arg.arg in names:
            kept_kw.append(arg)
            kept_defaults.append(default)
        elif default is None:
            return None
    args.kwonlyargs, args.kw_defaults = kept_kw, kept_defaults
    first = 1 if method and args.args else 0
    while len(args.args) > first and args.defaults and args.args[-1].arg not in names:
        args.args.pop()
        args.defaults.pop()
    return fn if accepts(sig, fn, method) else None
