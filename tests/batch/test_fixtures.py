"""The fixture notebooks are committed clean and match their generator."""

from __future__ import annotations

import importlib.util

import nbformat

from palestre_analysis.batch.kernels.manager import notebook_imports


def load_generator(kit):
    spec = importlib.util.spec_from_file_location("make_fixtures", kit.FIXTURES / "make_fixtures.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_fixtures_are_committed_without_outputs_and_up_to_date(kit):
    generator = load_generator(kit)
    for name, expected in generator.FIXTURES.items():
        committed = nbformat.read(kit.FIXTURES / name, as_version=4)
        assert committed == expected, f"{name}: run tests/batch/fixtures/make_fixtures.py"
        for cell in committed.cells:
            if cell.cell_type == "code":
                assert not cell.outputs and cell.execution_count is None


def test_fixtures_import_what_makes_a_batch_costly(kit):
    imported = set(notebook_imports([kit.FIXTURES / "fx_01_profilo.ipynb"]))
    assert {"pandas", "matplotlib.pyplot", "seaborn", "scipy", "scipy.stats", "numpy"} <= imported
