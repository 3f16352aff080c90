"""From raw files to processed tables: read, check, clean, pseudonymise, write.

``clean`` always rebuilds; ``ensure_clean`` rebuilds only when the raw files or the
library changed, and costs a few file hashes otherwise (it imports neither pandas nor
pandera then, so that a batch run with nothing to do returns at once).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from . import config
from .fingerprint import library_hash, sha256_file
from .fsutil import atomic_write_with
from .problems import ERROR, WARNING, DataError, Problem

__all__ = ["CleaningResult", "clean", "ensure_clean", "read_and_clean", "raw_input_hashes", "REPORT_NAME", "REJECTED_NAME", "TABLE_FILES"]

REPORT_NAME = "cleaning_report.json"
REJECTED_NAME = "rejected.csv"
TABLE_FILES = ("entities", "meetings", "attendance", "contributions", "votes")


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


def raw_input_hashes(raw_dir: Path) -> dict[str, str]:
    """SHA-256 of every raw file that belongs to a table (and of the demo marker)."""
    from .loading import SUFFIXES, TABLE_NAMES, find_table_files

    raw_dir = Path(raw_dir)
    if not raw_dir.is_dir():
        raise DataError([Problem(str(raw_dir), None, None, "la cartella dei dati grezzi non esiste")])
    files = [p for table in TABLE_NAMES for p in find_table_files(raw_dir, table) if p.suffix.lower() in SUFFIXES]
    marker = raw_dir / config.DEMO_MARKER
    if marker.is_file():
        files.append(marker)
    return {p.name: sha256_file(p) for p in sorted(files)}


def ensure_clean(raw_dir: Path | None = None, processed_dir: Path | None = None) -> CleaningResult:
    """Clean only if the raw files or the library changed since the last cleaning."""
    raw_dir = Path(raw_dir or config.RAW_DIR)
    processed_dir = Path(processed_dir or config.PROCESSED_DIR)
    report_path = processed_dir / REPORT_NAME
    if report_path.is_file():
        try:
            report = json.loads(report_path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            report = {}
        outputs_present = all((processed_dir / f"{name}.parquet").is_file() for name in TABLE_FILES)
        if (outputs_present and report.get("inputs") == raw_input_hashes(raw_dir)
                and report.get("library_hash") == library_hash()):
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
        atomic_write_with(processed_dir / f"{name}.parquet", lambda path, f=frame: f.to_parquet(path, index=False))
    _write_rejected(processed_dir / REJECTED_NAME, ledger.rejected_problems())
    text = json.dumps(report, ensure_ascii=False, indent=2, sort_keys=False) + "\n"
    atomic_write_with(processed_dir / REPORT_NAME, lambda path: Path(path).write_text(text, encoding="utf-8"))
    return CleaningResult(report, processed_dir, cleaned=True, problems=ledger.problems)


def read_and_clean(raw_dir: Path, *, pseudonymise: bool):
    """Read and clean everything in memory: ``(frames, ledger, report)``.

    With ``pseudonymise=False`` (validation only) no key is needed and delegate ids stay empty.
    """
    from .pipeline import run_pipeline

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


def summarize_problems(problems: list[Problem]) -> dict[str, int]:
    return {"errors": sum(p.severity == ERROR for p in problems),
            "warnings": sum(p.severity == WARNING for p in problems)}
