"""The public surface is documented the numpydoc way, as ``stats/`` always was.

Every public function outside ``stats/`` (named in its module's ``__all__``) has a
docstring with a ``Parameters`` section when it takes arguments and a ``Returns`` (or
``Yields``) section when it returns a value; every public class has a docstring.
Examples are welcome where cheap: ``pytest --doctest-modules`` runs them.
"""

from __future__ import annotations

import ast

import pytest

from tests.project.test_architecture import MODULES, declared_all

CHECKED = {
    module: path
    for module, path in MODULES.items()
    if not module.startswith("palestre_analysis.stats")
    and not module.endswith("__main__")
    and module != "palestre_analysis.batch.kernels.server"
}


def _section(doc: str, title: str) -> bool:
    lines = [line.strip() for line in doc.splitlines()]
    return any(line == title and following.startswith("---") for line, following in zip(lines, lines[1:]))


def _returns_value(function: ast.FunctionDef) -> bool:
    if function.returns is not None and ast.unparse(function.returns) in ("None", "NoReturn"):
        return False
    own = [node for node in ast.walk(function) if isinstance(node, ast.Return) and node.value is not None]
    nested = {
        id(n)
        for inner in ast.walk(function)
        if inner is not function and isinstance(inner, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda))
        for n in ast.walk(inner)
    }
    return any(id(node) not in nested for node in own)


def _arguments(function: ast.FunctionDef) -> list[str]:
    args = function.args
    names = [a.arg for a in args.posonlyargs + args.args + args.kwonlyargs]
    names += [a.arg for a in (args.vararg, args.kwarg) if a is not None]
    return [name for name in names if name not in ("self", "cls")]


def problems_of(module: str) -> list[str]:
    tree = ast.parse(CHECKED[module].read_text(encoding="utf-8"))
    public = set(declared_all(tree) or [])
    found = []
    for node in tree.body:
        if getattr(node, "name", None) not in public:
            continue
        doc = ast.get_docstring(node) or ""
        where = f"{module}.{node.name}"
        if not doc:
            found.append(f"{where}: no docstring")
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            if _arguments(node) and not _section(doc, "Parameters"):
                found.append(f"{where}: no Parameters section")
            if _returns_value(node) and not (_section(doc, "Returns") or _section(doc, "Yields")):
                found.append(f"{where}: no Returns section")
    return found


@pytest.mark.parametrize("module", sorted(CHECKED))
def test_public_functions_have_numpydoc_docstrings(module):
    problems = problems_of(module)
    assert not problems, "\n".join(problems)
