"""Fixtures of the batch tests: a small processed folder, fixture notebooks, a batch runner.

The processed folder is written directly (a few parquet rows): these tests exercise the
batch machinery, not the cleaning, which is replaced by :class:`FakeCleaning`.
"""

from __future__ import annotations

import json
import textwrap
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from palestre_analysis.batch.plan import NotebookSpec

FIXTURES = Path(__file__).resolve().parent / "fixtures"

#: The fixture batch mirrors the real one: two notebooks per territory, one for the region.
FIXTURE_PLAN = (
    NotebookSpec("fx_01_profilo.ipynb", "territory", "Profilo della rete"),
    NotebookSpec("fx_02_distribuzioni.ipynb", "territory", "Distribuzione dei punteggi"),
    NotebookSpec("fx_03_regione.ipynb", "region", "Relazione finale"),
)
FAILING_PLAN = (
    NotebookSpec("fx_01_profilo.ipynb", "territory", "Profilo della rete"),
    NotebookSpec("fx_errore.ipynb", "territory", "Notebook che fallisce per Cremona"),
)

#: Entities per territory and category: (territory, category, count).
DEFAULT_ROWS = [
    ("Lombardia", "csv", 2),
    ("Brescia", "associazioni", 6),
    ("Brescia", "csv", 2),
    ("Cremona", "associazioni", 4),
    ("Cremona", "altri", 1),
    ("Monza e della Brianza", "associazioni", 3),
    ("Monza e della Brianza", "altri", 4),
]


def write_processed(folder: Path, rows=DEFAULT_ROWS, n_rejected: int = 2) -> Path:
    """Write ``entities.parquet``, ``rejected.csv`` and ``cleaning_report.json`` in ``folder``."""
    import pandas as pd

    folder.mkdir(parents=True, exist_ok=True)
    flat = [(territory, category) for territory, category, count in rows for _ in range(count)]
    records = [
        {"entity_id": f"E{i}", "category": category, "territory": territory}
        for i, (territory, category) in enumerate(flat)
    ]
    pd.DataFrame(records).to_parquet(folder / "entities.parquet", index=False)
    lines = ["file,line,column,reason"] + [
        f"enti.csv,{i + 2},tipologia,tipologia sconosciuta" for i in range(n_rejected)
    ]
    (folder / "rejected.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    (folder / "cleaning_report.json").write_text(json.dumps({"totals": {"rejected": n_rejected}}), encoding="utf-8")
    return folder


@dataclass
class FakeCleaning:
    """Stands for ``ensure_clean``: counts its calls, reports the rejected rows."""

    n_rejected: int = 2
    calls: list = field(default_factory=list)

    def __call__(self, raw_dir, processed_dir):
        self.calls.append((Path(raw_dir), Path(processed_dir)))
        return _Cleaned(self.n_rejected, Path(processed_dir) / "rejected.csv", {"enti.csv": "0" * 64})


@dataclass
class _Cleaned:
    n_rejected: int
    rejected_path: Path
    input_hashes: dict


@pytest.fixture
def fixture_plan():
    return FIXTURE_PLAN


@pytest.fixture
def make_out(tmp_path):
    """``make_out(name, rows=...)``: an output folder whose ``processed/`` holds the rows."""

    def make(name: str = "out", rows=DEFAULT_ROWS, n_rejected: int = 2) -> Path:
        out = tmp_path / name
        write_processed(out / "processed", rows, n_rejected)
        return out

    return make


@pytest.fixture
def run(tmp_path):
    """``run(out, **options)``: :func:`run_batch` on the fixture notebooks, no progress bar."""
    from palestre_analysis.batch.runner import run_batch

    def run_fixture_batch(out: Path, **options):
        options.setdefault("clean", FakeCleaning())
        options.setdefault("notebooks", FIXTURE_PLAN)
        options.setdefault("notebooks_dir", FIXTURES)
        options.setdefault("progress", False)
        options.setdefault("jobs", 2)
        return run_batch(out_dir=out, raw_dir=tmp_path / "raw", **options)

    return run_fixture_batch


@pytest.fixture
def batch_script(tmp_path):
    """Write a script that runs the fixture batch on ``out`` (for subprocess tests)."""

    def write(out: Path, notebooks: str = "FIXTURE_PLAN", force: bool = False) -> Path:
        script = tmp_path / "run_fixture_batch.py"
        script.write_text(
            textwrap.dedent(f"""
            import json, sys, time
            from pathlib import Path
            sys.path.insert(0, {str(Path(__file__).parent)!r})
            from conftest import FakeCleaning, FIXTURES, FIXTURE_PLAN, FAILING_PLAN
            from palestre_analysis.batch.plan import NotebookSpec
            from palestre_analysis.batch.runner import run_batch, format_summary

            if __name__ == "__main__":
                clock = time.perf_counter()
                result = run_batch(out_dir=Path({str(out)!r}), raw_dir=Path({str(out)!r}) / "raw",
                                   clean=FakeCleaning(), notebooks={notebooks}, notebooks_dir=FIXTURES,
                                   progress=False, jobs=2, force={force!r})
                elapsed = time.perf_counter() - clock
                heavy = sorted(m for m in ("pandas", "papermill", "nbconvert", "matplotlib", "nbformat",
                                           "pyarrow", "numpy") if m in sys.modules)
                print(json.dumps({{"elapsed": elapsed, "heavy": heavy, "exit_code": result.exit_code,
                                  "statuses": sorted(r.status for r in result.reports)}}))
        """),
            encoding="utf-8",
        )
        return script

    return write


@pytest.fixture(scope="session")
def processed_writer():
    """:func:`write_processed`, for fixtures of a wider scope."""
    return write_processed


@pytest.fixture(scope="session")
def kit():
    """The helpers above, for fixtures of module scope."""
    from types import SimpleNamespace

    return SimpleNamespace(
        FIXTURES=FIXTURES,
        FIXTURE_PLAN=FIXTURE_PLAN,
        FAILING_PLAN=FAILING_PLAN,
        FakeCleaning=FakeCleaning,
        write_processed=write_processed,
        DEFAULT_ROWS=DEFAULT_ROWS,
    )
