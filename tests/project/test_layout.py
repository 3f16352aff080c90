"""The project's own habits: pinned and consistent dependencies, clean notebooks, anchored paths."""

from __future__ import annotations

import re
import subprocess
import tomllib

import nbformat
import yaml
from papermill.translators import PythonTranslator

from palestre_analysis import config

ROOT = config.PROJECT_ROOT
NOTEBOOKS = sorted(config.NOTEBOOKS_DIR.glob("*.ipynb"))
EXPECTED_PARAMETERS = ["territorio", "min_cell", "seed", "processed_dir", "tables_dir", "reference_shares", "processo"]


def canonical(name: str) -> str:
    """PEP 503 name normalisation (conda-forge spells some names with underscores)."""
    return re.sub(r"[-_.]+", "-", name).lower()


def declared_dependencies() -> set[str]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    names = project["dependencies"] + [d for group in project["optional-dependencies"].values() for d in group]
    return {canonical(re.split(r"[<>=!~\[ ;]", d, maxsplit=1)[0]) for d in names}


def environment_pins() -> dict[str, str]:
    env = yaml.safe_load((ROOT / "environment.yml").read_text(encoding="utf-8"))
    pins = {}
    for entry in env["dependencies"]:
        items = entry["pip"] if isinstance(entry, dict) else [entry]
        for item in items:
            if item.startswith("-e") or item.startswith("python="):
                continue
            name, version = re.split(r"==?", item, maxsplit=1)
            pins[canonical(name)] = version
    return pins


def lock_pins() -> dict[str, str]:
    pins = {}
    for line in (ROOT / "requirements.lock").read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            assert "==" in line, f"requirements.lock: {line!r} is not pinned exactly"
            name, version = line.split("==")
            pins[canonical(name)] = version.strip()
    return pins


def test_environment_yml_and_pyproject_list_the_same_packages():
    env = environment_pins()
    declared = declared_dependencies()
    assert declared == set(env) - {"pip"}, (
        f"only in pyproject.toml: {sorted(declared - set(env))}; only in environment.yml: "
        f"{sorted(set(env) - declared - {'pip'})}"
    )


def test_environment_yml_pins_the_locked_versions():
    lock = lock_pins()
    drift = {
        name: (version, lock.get(name)) for name, version in environment_pins().items() if lock.get(name) != version
    }
    assert not drift, f"environment.yml and requirements.lock disagree: {drift}"


def test_every_declared_dependency_is_locked():
    assert declared_dependencies() <= set(lock_pins())


def test_python_version_is_pinned_in_both():
    env = yaml.safe_load((ROOT / "environment.yml").read_text(encoding="utf-8"))
    assert "python=3.11" in env["dependencies"]
    assert "3.11" in tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["requires-python"]


def test_notebooks_are_committed_without_outputs():
    assert [p.name for p in NOTEBOOKS] == [
        "01_rete_partecipazione.ipynb",
        "02_risorse_esigenze.ipynb",
        "03_relazione_finale.ipynb",
    ]
    for path in NOTEBOOKS:
        notebook = nbformat.read(path, as_version=4)
        for cell in notebook.cells:
            if cell.cell_type == "code":
                assert not cell.outputs and cell.execution_count is None, f"{path.name} has outputs: strip them"


def test_notebooks_start_with_a_typed_commented_parameters_cell():
    for path in NOTEBOOKS:
        notebook = nbformat.read(path, as_version=4)
        code_cells = [c for c in notebook.cells if c.cell_type == "code"]
        assert "parameters" in code_cells[0].metadata.get("tags", []), path.name
        parameters = PythonTranslator.inspect(code_cells[0])
        assert [p.name for p in parameters] == EXPECTED_PARAMETERS, path.name
        assert all(p.inferred_type_name != "None" and p.help for p in parameters), path.name
        assert notebook.metadata["kernelspec"]["name"] == config.KERNEL_NAME


def test_notebooks_are_thin():
    """Logic lives in the library: no notebook defines functions or classes."""
    for path in NOTEBOOKS:
        source = "\n".join(c.source for c in nbformat.read(path, as_version=4).cells if c.cell_type == "code")
        assert not re.search(r"^\s*(def|class) ", source, re.M), path.name


def test_paths_are_anchored_at_the_package():
    assert (config.PROJECT_ROOT / "pyproject.toml").is_file()
    for path in (config.RAW_DIR, config.PROCESSED_DIR, config.REPORTS_DIR, config.NOTEBOOKS_DIR):
        assert path.is_relative_to(config.PROJECT_ROOT)


def test_generated_folders_are_ignored_but_kept():
    ignored = subprocess.run(
        ["git", "check-ignore", "data/processed/x.parquet", "reports/x.html"], cwd=ROOT, capture_output=True, text=True
    )
    assert ignored.stdout.split() == ["data/processed/x.parquet", "reports/x.html"]
    assert (ROOT / "data" / "processed" / ".gitkeep").exists() and (ROOT / "reports" / ".gitkeep").exists()


def test_readme_opens_with_the_two_commands():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    first_block = re.search(r"```[a-z]*\n(.*?)```", readme, re.S).group(1)
    assert "make reports" in first_block and "make test" in first_block
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert "make test" in ci


def test_kernel_is_registered_for_papermill():
    from jupyter_client.kernelspec import KernelSpecManager

    assert config.KERNEL_NAME in KernelSpecManager().find_kernel_specs(), "run `make setup`"


def test_demo_data_is_marked_synthetic():
    marker = (config.RAW_DIR / config.DEMO_MARKER).read_text(encoding="utf-8")
    assert "SINTETICI" in marker and "SYNTHETIC" in marker
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    dictionary = (ROOT / "docs" / "data_dictionary.md").read_text(encoding="utf-8")
    assert "sintetic" in readme.lower() and "sintetic" in dictionary.lower()
