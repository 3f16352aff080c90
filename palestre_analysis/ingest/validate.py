"""``palestre validate``: every problem of the raw data at once, nothing written.

Validation runs the same cleaning code as ``palestre clean`` (so the two never
disagree) but keeps everything in memory and needs no pseudonymisation key to read;
it does report a missing key, which would stop ``clean``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from palestre_analysis import config
from palestre_analysis.core.problems import ERROR, WARNING, DataError, Problem

__all__ = ["Validation", "validate", "DataError", "Problem"]


@dataclass
class Validation:
    """Problems found, and the per-file accounts when the files could be read.

    Parameters
    ----------
    problems : list of Problem
        Every error and warning, in the order found.
    report : dict, default {}
        The cleaning report that ``clean`` would write; empty when a blocking problem
        stopped the reading.

    Examples
    --------
    >>> result = Validation([Problem("enti.csv", 2, None, "x"), Problem("enti.csv", 3, None, "y", WARNING)])
    >>> len(result.errors), len(result.warnings), result.ok
    (1, 1, False)
    """

    problems: list[Problem]
    report: dict = field(default_factory=dict)

    @property
    def errors(self) -> list[Problem]:
        """The problems of severity ``ERROR`` (rows or files that ``clean`` would reject)."""
        return [p for p in self.problems if p.severity == ERROR]

    @property
    def warnings(self) -> list[Problem]:
        """The problems of severity ``WARNING``."""
        return [p for p in self.problems if p.severity == WARNING]

    @property
    def ok(self) -> bool:
        """True when there is no error (warnings do not count)."""
        return not self.errors


def validate(raw_dir: Path | None = None) -> Validation:
    """Check the raw folder; never raises for bad data.

    Parameters
    ----------
    raw_dir : Path, optional
        The raw folder (default: the project's ``data/raw``).

    Returns
    -------
    Validation
        Every problem found. Blocking problems (a missing folder or ``enti`` file, an
        unreadable file, a missing column) come alone, without a report; otherwise the
        rejected rows and warnings of the cleaning, plus a missing pseudonymisation key
        when the (non-demo) data hold names or emails.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (folder / "enti.csv").write_text("ente_id,denominazione,tipologia\\nE1,Alfa,APS\\n")
    >>> print(validate(folder).errors[0].sentence())  # doctest: +NORMALIZE_WHITESPACE
    enti.csv, riga 1: manca la colonna obbligatoria «territorio»
    (intestazioni accettate: «territorio», «provincia», «territorio di riferimento»...).
    >>> _ = (folder / "enti.csv").write_text("ente_id,denominazione,tipologia,territorio\\nE1,Alfa,APS,BS\\n")
    >>> result = validate(folder)
    >>> result.ok, len(result.warnings), result.report["totals"]["kept"]
    (True, 4, 1)
    """
    from palestre_analysis.ingest.build import read_and_clean
    from palestre_analysis.ingest.pseudonyms import KeyMissing, load_key

    raw_dir = Path(raw_dir or config.RAW_DIR)
    try:
        frames, ledger, report = read_and_clean(raw_dir, pseudonymise=False)
    except DataError as exc:
        return Validation(exc.problems)
    problems = list(ledger.problems)
    if _has_personal_columns(report) and not (raw_dir / config.DEMO_MARKER).is_file():
        try:
            load_key(demo=False, source="enti")
        except KeyMissing as exc:
            problems.extend(exc.problems)
    return Validation(problems, report)


def _has_personal_columns(report: dict) -> bool:
    return bool(report.get("personal_data"))
