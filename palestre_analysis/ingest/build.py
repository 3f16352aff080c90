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
from palestre_analysis.core.problems import ROW_COLUMNS, Problem
from palestre_analysis.ingest.inventory import raw_input_hashes
from palestre_analysis.ingest.processed import REJECTED_NAME, REPORT_NAME, missing_tables, read_report, table_path

__all__ = ["CleaningResult", "clean", "ensure_clean", "read_and_clean"]


@dataclass
class CleaningResult:
    """What a cleaning run produced (or found already up to date).

    Parameters
    ----------
    report : dict
        The cleaning report (``cleaning_report.json``): inputs, per-file accounts,
        table sizes, totals and the ingest code hash.
    processed_dir : Path
        The processed folder the tables are in.
    cleaned : bool
        True when this run rebuilt the tables, False when they were already up to date.
    problems : list of Problem, default []
        Errors and warnings of this run; empty when nothing was cleaned (the earlier
        run's rejected rows are still in ``rejected.csv``).
    """

    report: dict
    processed_dir: Path
    cleaned: bool
    problems: list[Problem] = field(default_factory=list)

    @property
    def rejected_path(self) -> Path:
        """Path of ``rejected.csv`` in :attr:`processed_dir`."""
        return self.processed_dir / REJECTED_NAME

    @property
    def n_rejected(self) -> int:
        """Raw rows rejected, from the report's ``totals``."""
        return self.report["totals"]["rejected"]

    @property
    def input_hashes(self) -> dict[str, str]:
        """Raw file name → SHA-256, as the report records them (the cleaning cache key)."""
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

    Raises
    ------
    DataError
        As :func:`clean` when it has to clean, and when ``raw_dir`` does not exist.

    Notes
    -----
    The tables are up to date when all of them exist and the cleaning report records
    the same raw-file hashes (:func:`~palestre_analysis.ingest.inventory.raw_input_hashes`)
    and the same :func:`~palestre_analysis.core.fingerprint.ingest_hash` as now.

    Examples
    --------
    >>> import tempfile
    >>> raw, processed = Path(tempfile.mkdtemp()), Path(tempfile.mkdtemp()) / "processed"
    >>> _ = (raw / "enti.csv").write_text("ente_id,denominazione,tipologia,territorio\\nE1,Alfa,APS,BS\\n")
    >>> ensure_clean(raw, processed).cleaned, ensure_clean(raw, processed).cleaned
    (True, False)
    """
    raw_dir = Path(raw_dir or config.RAW_DIR)
    processed_dir = Path(processed_dir or config.PROCESSED_DIR)
    report = read_report(processed_dir)
    if (
        report
        and not missing_tables(processed_dir)
        and report.get("inputs") == raw_input_hashes(raw_dir)
        and report.get("ingest_code_hash") == ingest_hash()
    ):
        return CleaningResult(report, processed_dir, cleaned=False)
    return clean(raw_dir, processed_dir)


def clean(raw_dir: Path | None = None, processed_dir: Path | None = None) -> CleaningResult:
    """Rebuild every processed table from the raw files.

    Writes the five tables (parquet), ``rejected.csv`` and ``cleaning_report.json``,
    each atomically; the processed folder is created if needed.

    Parameters
    ----------
    raw_dir : path, optional
        The raw folder (default: the project's ``data/raw``).
    processed_dir : path, optional
        The processed folder (default: the project's ``data/processed``).

    Returns
    -------
    CleaningResult
        ``cleaned`` is True; ``problems`` holds every error and warning of the run.

    Raises
    ------
    DataError
        When a file cannot be read at all (encoding, format, missing column, missing
        ``enti``) or personal data has no pseudonymisation key. Rejected rows do not
        raise: they are listed in ``rejected.csv``.

    Examples
    --------
    >>> import tempfile
    >>> raw, processed = Path(tempfile.mkdtemp()), Path(tempfile.mkdtemp())
    >>> _ = (raw / "enti.csv").write_text("ente_id,denominazione,tipologia,territorio\\n"
    ...                                   "E1,Alfa,APS,BS\\nE2,Beta,Banca,MI\\n")
    >>> result = clean(raw, processed)
    >>> result.report["tables"]["entities"], result.n_rejected, result.rejected_path.name
    (1, 1, 'rejected.csv')
    >>> sorted(p.name for p in processed.iterdir())  # doctest: +NORMALIZE_WHITESPACE
    ['attendance.parquet', 'cleaning_report.json', 'contributions.parquet', 'entities.parquet',
     'meetings.parquet', 'rejected.csv', 'votes.parquet']
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

    Parameters
    ----------
    raw_dir : Path
        The raw folder.
    pseudonymise : bool
        Whether to replace delegate names and emails with keyed pseudonyms (which needs
        the key when there are personal values).

    Returns
    -------
    tuple of (dict of str to DataFrame, Ledger, dict)
        The processed tables by name, the account of every raw row, and the cleaning
        report; see :func:`~palestre_analysis.ingest.pipeline.run_pipeline`.

    Raises
    ------
    DataError
        As :func:`~palestre_analysis.ingest.pipeline.run_pipeline`.

    Examples
    --------
    >>> import tempfile
    >>> raw = Path(tempfile.mkdtemp())
    >>> _ = (raw / "enti.csv").write_text("ente_id,denominazione,tipologia,territorio\\nE1,Alfa,APS,BS\\n")
    >>> frames, ledger, report = read_and_clean(raw, pseudonymise=False)
    >>> list(frames["entities"]["entity_id"]), report["totals"]["kept"], len(ledger.rejected_problems())
    (['E1'], 1, 0)
    """
    from palestre_analysis.ingest.pipeline import run_pipeline  # pandas and pandera: only when cleaning

    return run_pipeline(Path(raw_dir), pseudonymise=pseudonymise)


def _write_rejected(path: Path, problems: list[Problem]) -> None:
    import csv

    def write(target):
        with open(target, "w", encoding="utf-8", newline="") as handle:
            writer = csv.DictWriter(handle, fieldnames=list(ROW_COLUMNS))
            writer.writeheader()
            for problem in problems:
                writer.writerow(problem.as_row())

    atomic_write_with(path, write)
