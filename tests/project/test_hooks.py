"""The git hooks do what .pre-commit-config.yaml promises: a notebook run in JupyterLab loses its outputs."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat

from palestre_analysis import config

PRE_COMMIT = Path(sys.executable).parent / "pre-commit"


def _repository(tmp_path: Path) -> Path:
    """A scratch git repository with the project's hook configuration and tools."""
    repo = tmp_path / "repo"
    (repo / "notebooks").mkdir(parents=True)
    shutil.copy(config.PROJECT_ROOT / ".pre-commit-config.yaml", repo)
    shutil.copy(config.PROJECT_ROOT / "pyproject.toml", repo)  # ruff reads its rules here
    (repo / ".venv").symlink_to(Path(sys.executable).parent.parent)
    subprocess.run(["git", "init", "-q", str(repo)], check=True)
    return repo


def _hooks(repo: Path, *files: str) -> subprocess.CompletedProcess:
    env = dict(os.environ, PRE_COMMIT_HOME=str(repo.parent / "pre-commit-home"))
    subprocess.run(["git", "add", *files], cwd=repo, check=True)
    return subprocess.run(
        [str(PRE_COMMIT), "run", "--files", *files], cwd=repo, env=env, capture_output=True, text=True, timeout=300
    )


def test_a_notebook_with_outputs_is_stripped_and_the_commit_stopped(tmp_path):
    repo = _repository(tmp_path)
    notebook = nbformat.read(config.NOTEBOOKS_DIR / "01_rete_partecipazione.ipynb", as_version=4)
    code = next(cell for cell in notebook.cells if cell.cell_type == "code")
    code.execution_count = 3
    code.outputs = [nbformat.v4.new_output("stream", name="stdout", text="37 enti\n")]
    nbformat.write(notebook, repo / "notebooks" / "01.ipynb")

    ran = _hooks(repo, "notebooks/01.ipynb")
    assert ran.returncode == 1, ran.stdout + ran.stderr
    stripped = nbformat.read(repo / "notebooks" / "01.ipynb", as_version=4)
    assert all(
        not c.get("outputs") and c.get("execution_count") is None for c in stripped.cells if c.cell_type == "code"
    )
    assert _hooks(repo, "notebooks/01.ipynb").returncode == 0  # what is staged now passes


def test_the_committed_notebooks_and_code_already_pass_the_hooks(tmp_path):
    repo = _repository(tmp_path)
    for path in sorted(config.NOTEBOOKS_DIR.glob("*.ipynb")):
        shutil.copy(path, repo / "notebooks")
    shutil.copy(config.PACKAGE_DIR / "config.py", repo / "config.py")
    ran = _hooks(repo, *[f"notebooks/{p.name}" for p in sorted(config.NOTEBOOKS_DIR.glob("*.ipynb"))], "config.py")
    assert ran.returncode == 0, ran.stdout + ran.stderr


def test_code_that_ruff_rejects_stops_the_commit(tmp_path):
    repo = _repository(tmp_path)
    (repo / "bad.py").write_text("import os\n", encoding="utf-8")  # F401: imported and unused
    ran = _hooks(repo, "bad.py")
    assert ran.returncode == 1 and "F401" in ran.stdout, ran.stdout + ran.stderr
