"""The notebooks run with the plain papermill command line from the repository root, not only
through our runner, and explain their parameters."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from palestre_analysis import config
from palestre_analysis.ingest.build import clean

pytestmark = pytest.mark.slow
PAPERMILL = str(Path(sys.executable).with_name("papermill"))


def test_help_notebook_explains_every_parameter():
    result = subprocess.run(
        [PAPERMILL, "--help-notebook", "notebooks/02_risorse_esigenze.ipynb"],
        cwd=config.PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0
    for name in (
        "territorio: str",
        "min_cell: Optional[int]",
        "seed: int",
        "processed_dir: str",
        "tables_dir: str",
        "reference_shares: Optional[dict]",
        "processo: str",
    ):
        assert name in result.stdout
    assert "Unable to parse" not in result.stderr


def test_papermill_cli_from_the_repository_root(tmp_path):
    processed = tmp_path / "processed"
    clean(config.RAW_DIR, processed)
    out = tmp_path / "cremona.ipynb"
    result = subprocess.run(
        [
            PAPERMILL,
            "notebooks/01_rete_partecipazione.ipynb",
            str(out),
            "-p",
            "territorio",
            "CR",
            "-p",
            "processed_dir",
            str(processed),
            "-p",
            "tables_dir",
            str(tmp_path / "tables"),
        ],
        cwd=config.PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert "Passed unknown parameter" not in result.stderr
    executed = nbformat.read(out, as_version=4)
    assert any("Cremona" in str(o) for c in executed.cells for o in c.get("outputs", []))
    assert (tmp_path / "tables" / "composition.csv").is_file()


def test_a_bad_parameter_stops_with_a_sentence(tmp_path):
    result = subprocess.run(
        [PAPERMILL, "notebooks/02_risorse_esigenze.ipynb", str(tmp_path / "x.ipynb"), "-p", "min_cell", "2"],
        cwd=config.PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode != 0
    assert "la soglia minima è 3 delegati" in result.stderr + result.stdout
