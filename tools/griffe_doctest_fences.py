"""A griffe extension for the docs site: docstring examples (``>>>`` runs, as doctest reads
them: up to the next blank line) are fenced as ``pycon`` code before mkdocstrings renders
them, so they show as code and their output (``['fc.weight', 'fc.bias']``) is not read as
Markdown links. mkdocs.yml loads it; the docstrings themselves stay plain doctests."""
from __future__ import annotations

from griffe import Extension


def fence_doctests(text: str) -> str:
    lines, out, in_fence, in_run = text.splitlines(), [], False, False
    indent = ""
    for line in lines:
        stripped = line.lstrip()
        if in_run and not stripped:
            out.append(indent + "```")
            in_run = False
        if stripped.startswith("```"):
            in_fence = not in_fence
        elif not in_fence and not in_run and (stripped.startswith(">>> ") or stripped == ">>>"):
            indent = line[:len(line) - len(stripped)]
            out.append(indent + "```pycon")
            in_run = True
        out.append(line)
    if in_run:
        out.append(indent + "```")
    return "\n".join(out)


class DoctestFences(Extension):
    def on_instance(self, *, obj, **kwargs) -> None:
        docstring = getattr(obj, "docstring", None)
        if docstring is not None and ">>>" in docstring.value:
            docstring.value = fence_doctests(docstring.value)
