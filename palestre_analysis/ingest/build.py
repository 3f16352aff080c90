"""From raw files to processed tables: read, check, clean, pseudonymise, write.

``clean`` always rebuilds; ``ensure_clean`` rebuilds only when the raw files or the
ingest code changed, and costs a few file hashes otherwise (it imports neither pandas nor
pandera then, so that a batch run with nothing to do returns at once).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from palestre_analysis import config
from palestre_analysis.core.files import atomic_write_with
from palestre_analysis.core.fingerprint import ingest_hash
from palestre_analysis.core.problems import Problem
from palestre_analysis.ingest.processed import REJECTED_NAME, REPORT_NAME, missing_tables, read_report, table_path
from palestre_analysis.ingest.reading import raw_input_hashes

__all__ = ["CleaningResult", "clean", "ensure_clean", "read_and_clean"]


@dataclass
class CleaningResult:
    """What a cleaning run produced (or found already up to date)."""

    report: dict
    processed_dir: Path
    cleaned: bool
    problems: list[Problem] = field(default_factory=list)

    @property
    def rejected_path(self) -> Path:
        return self.processed_dir / REJECTED_NAME

    @property
    def n_rejected(self) -> int:
        return self.report["totals"]["rejected"]

    @property
    def input_hashes(self) -> dict[str, str]:
        return self.report["inputs"]


def ensure_clean(raw_dir: Path | None = None, processed_dir: Path | None = None) -> CleaningResult:
    """Clean only if the raw files or the ingest code changed since the last cleaning.

    Parameters
    ----------
    raw_dir, processed_dir : path, optional
        The raw and processed folders (default: the project's ``data/raw`` and ``data/processed``).

    Returns
    -------
    CleaningResult
        ``cleaned`` is False when the processed tables were already up to date.
    """
    raw_dir = Path(raw_dir or config.RAW_DIR)
    processed_dir = Path(processed_dir or config.PROCESSED_DIR)
    report = read_report(processed_dir)
    if (report and not missing_tables(processed_dir) and report.get("inputs") == raw_input_hashes(raw_dir)
            and report.get("ingest_code_hash") == ingest_hash()):
        return CleaningResult(report, processed_dir, cleaned=False)
    return clean(raw_dir, processed_dir)


def clean(raw_dir: Path | None = None, processed_dir: Path | None = None) -> CleaningResult:
    """Rebuild every processed table from the raw files.

    Raises
    ------
    DataError
        When a file cannot be read at all (encoding, format, missing column, missing
        ``enti``) or personal data has no pseudonymisation key. Rejected rows do not
        raise: they are listed in ``rejected.csv``.
    """
    raw_dir = Path(raw_dir or config.RAW_DIR)
    processed_dir = Path(processed_dir or config.PROCESSED_DIR)
    frames, ledger, report = read_and_clean(raw_dir, pseudonymise=True)
    processed_dir.mkdir(parents=True, exist_ok=True)
    for name, frame in frames.items():
        atomic_write_with(table_path(processed_dir, name), lambda path, f=frame: f.to_parquet(path, index=False))
    _write_rejected(processed_dir / REJECTED_NAME, ledger.rejected_problems())
    text = json.dumps(report, ensure_ascii=False, indent=2, sort_keys=False) + "\n"
    atomic_write_with(processed_dir / REPORT_NAME, lambda path: Path(path).write_text(text, encoding="utf-8"))
    return CleaningResult(report, processed_dir, cleaned=True, problems=ledger.problems)


def read_and_clean(raw_dir: Path, *, pseudonymise: bool):
    """Read and clean everything in memory: ``(frames, ledger, report)``.

    With ``pseudonymise=False`` (validation only) no key is needed and delegate ids stay empty.
    """
    from palestre_analysis.ingest.pipeline import run_pipeline  # pandas and pandera: only when cleaning

    return run_pipeline(Path(raw_dir), pseudonymise=pseudonymise)


def _write_rejected(path: Path, problems: list[Problem]) -> None:
    import csv

    def write(target):
        with open(target, "w", encoding="utf-8", newline="") as handle:
            writer = csv.DictWriter(handle, fieldnames=["file", "line", "column", "reason"])
            writer.writeheader()
            for problem in problems:
                writer.writerow(problem.as_row())

    atomic_write_with(path, write)
