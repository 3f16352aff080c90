"""The library's folders are its data flow: a stage imports only itself and earlier stages.

Every import is read from the source, imports inside functions included (they hide
cycles from a reader and from Python until the function runs), so nothing is imported
here and the test cannot be fooled by what happens to be loaded already.
"""

from __future__ import annotations

import ast
from pathlib import Path

import networkx as nx
import pytest

from palestre_analysis import config

PACKAGE = "palestre_analysis"

#: The stages in data-flow order, each with the modules or sub-packages it holds. This
#: is the one place the order is declared; docs/architecture.md explains it.
STAGES = (
    ("entry", ("palestre_analysis", "palestre_analysis.config")),
    ("core", ("palestre_analysis.core",)),
    ("ingest", ("palestre_analysis.ingest",)),
    ("stats", ("palestre_analysis.stats",)),
    ("report", ("palestre_analysis.report",)),
    ("batch", ("palestre_analysis.batch",)),
    ("audit", ("palestre_analysis.audit",)),
    ("command line", ("palestre_analysis.cli", "palestre_analysis.__main__")),
)


def modules_under(package_dir: Path) -> dict[str, Path]:
    """Dotted name → path of every module of the package in ``package_dir``."""
    modules = {}
    for path in sorted(package_dir.rglob("*.py")):
        if "__pycache__" in path.parts:
            continue
        parts = list(path.relative_to(package_dir.parent).with_suffix("").parts)
        modules[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    return modules


MODULES = modules_under(config.PACKAGE_DIR)


def stage_of(module: str) -> int:
    """Index in :data:`STAGES` of the longest prefix that names ``module``."""
    best, length = None, -1
    for index, (_, members) in enumerate(STAGES):
        for member in members:
            matches = module == member or (module.startswith(member + ".") and member != PACKAGE)
            if matches and len(member) > length:
                best, length = index, len(member)
    if best is None:
        raise AssertionError(f"{module} belongs to no stage: add it to STAGES")
    return best


def imports_of(module: str, modules: dict[str, Path] = MODULES) -> list[tuple[str, list[str], int]]:
    """``(imported module, names taken, line)`` for every project import in ``module``."""
    path = modules[module]
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found += [(alias.name, [], node.lineno) for alias in node.names if alias.name.split(".")[0] == PACKAGE]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join(anchor + ([node.module] if node.module else []))
            if base.split(".")[0] != PACKAGE:
                continue
            names = [alias.name for alias in node.names]
            submodules = [f"{base}.{name}" for name in names if f"{base}.{name}" in modules]
            found += [(sub, [], node.lineno) for sub in submodules]
            taken = [name for name in names if f"{base}.{name}" not in modules]
            if taken:
                found.append((base, taken, node.lineno))
    return found


def import_graph(modules: dict[str, Path] = MODULES) -> nx.DiGraph:
    graph = nx.DiGraph()
    graph.add_nodes_from(modules)
    for module in modules:
        for target, _, _ in imports_of(module, modules):
            if target != module:
                graph.add_edge(module, target)
    return graph


def test_every_module_belongs_to_a_stage_and_every_import_names_a_module():
    for module in MODULES:
        stage_of(module)
        for target, _, line in imports_of(module):
            assert target in MODULES, f"{module}, line {line}: {target} is not a module of the library"


def test_no_module_imports_a_later_stage():
    wrong = [
        f"{module} ({STAGES[stage_of(module)][0]}), line {line}, imports {target} ({STAGES[stage_of(target)][0]})"
        for module in MODULES
        for target, _, line in imports_of(module)
        if stage_of(target) > stage_of(module)
    ]
    assert not wrong, "imports against the data flow:\n" + "\n".join(wrong)


def test_no_import_cycle_between_modules():
    cycles = list(nx.simple_cycles(import_graph()))
    assert not cycles, "import cycles:\n" + "\n".join(" -> ".join(cycle + cycle[:1]) for cycle in cycles)


def test_no_module_takes_another_modules_private_names():
    private = [
        f"{module}, line {line}: {name} from {target}"
        for module in MODULES
        for target, names, line in imports_of(module)
        for name in names
        if name.startswith("_") and name != "__version__"
    ]
    assert not private, "private names used outside their module:\n" + "\n".join(private)


def test_every_public_module_lists_exactly_its_public_names():
    """``__all__`` holds every public name the module defines, and only names it defines or imports."""
    problems = []
    for module, path in MODULES.items():
        if module.endswith("__main__") or module == "palestre_analysis.batch.kernels.server":
            continue  # programs, not libraries
        tree = ast.parse(path.read_text(encoding="utf-8"))
        declared = declared_all(tree)
        if declared is None:
            problems.append(f"{module}: no __all__")
            continue
        defined, imported = _top_level_names(tree)
        public = {name for name in defined if not name.startswith("_")}
        missing, unknown = public - set(declared), set(declared) - defined - imported
        if missing or unknown:
            problems.append(f"{module}: __all__ lacks {sorted(missing)}, lists unknown {sorted(unknown)}")
    assert not problems, "\n".join(problems)


def declared_all(tree: ast.Module) -> list[str] | None:
    for node in tree.body:
        targets = (
            node.targets if isinstance(node, ast.Assign) else [node.target] if isinstance(node, ast.AnnAssign) else []
        )
        if any(isinstance(t, ast.Name) and t.id == "__all__" for t in targets):
            return list(ast.literal_eval(node.value)) if node.value is not None else []
    return None


def _top_level_names(tree: ast.Module) -> tuple[set[str], set[str]]:
    """Names a module defines, and names it imports, at its top level (``try`` and ``if`` included)."""
    defined, imported = set(), set()
    nodes = list(tree.body)
    while nodes:
        node = nodes.pop()
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            defined.add(node.name)
        elif isinstance(node, (ast.Assign, ast.AnnAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            names = [e for t in targets for e in (t.elts if isinstance(t, ast.Tuple) else [t])]
            defined.update(n.id for n in names if isinstance(n, ast.Name) and n.id != "__all__")
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            imported.update((a.asname or a.name).split(".")[0] for a in node.names)
        elif isinstance(node, (ast.Try, ast.If)):
            nodes += node.body + node.orelse + [n for h in getattr(node, "handlers", []) for n in h.body]
    return defined, imported


@pytest.mark.parametrize("stage, members", STAGES, ids=[name for name, _ in STAGES])
def test_each_stage_exists_on_disk(stage, members):
    assert all(member in MODULES for member in members), f"{stage}: {members}"


def test_the_checker_sees_a_hidden_cycle_and_a_backward_import(tmp_path):
    """The guard itself: a function-level import that closes a loop, and ingest importing batch."""
    root = tmp_path / PACKAGE
    for name, text in {
        "__init__.py": "",
        "config.py": "",
        "ingest/__init__.py": "",
        "batch/__init__.py": "",
        "ingest/a.py": "def f():\n    from palestre_analysis.ingest import b\n",
        "ingest/b.py": "from .a import f\nfrom palestre_analysis.batch import c\n",
        "batch/c.py": "from palestre_analysis.ingest.a import _hidden\n",
    }.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text, encoding="utf-8")
    modules = modules_under(root)
    assert ["palestre_analysis.ingest.a", "palestre_analysis.ingest.b"] in map(
        sorted, nx.simple_cycles(import_graph(modules))
    )
    backward = [(m, t) for m in modules for t, _, _ in imports_of(m, modules) if stage_of(t) > stage_of(m)]
    assert backward == [("palestre_analysis.ingest.b", "palestre_analysis.batch.c")]
    assert ("palestre_analysis.ingest.a", ["_hidden"], 1) in imports_of("palestre_analysis.batch.c", modules)


def test_stage_packages_hold_the_modules_the_docs_name():
    """docs/architecture.md names every stage in the declared order."""
    text = (config.PROJECT_ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")
    positions = [text.find(f"`{members[0].removeprefix(PACKAGE + '.')}") for _, members in STAGES[1:-1]]
    assert all(p >= 0 for p in positions) and positions == sorted(positions), positions
