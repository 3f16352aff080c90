"""Paths and defaults, in one place.

Every path derives from the package's own location, so no code depends on the
folder it is started from (the cookiecutter-data-science habit).
"""

from __future__ import annotations

from pathlib import Path

__all__ = [
    "PROJECT_ROOT",
    "DATA_DIR",
    "RAW_DIR",
    "PROCESSED_DIR",
    "REPORTS_DIR",
    "NOTEBOOKS_DIR",
    "DOCS_DIR",
    "MIN_CELL",
    "MIN_CELL_FLOOR",
    "SEED",
    "REFERENCE_SHARES",
    "CONSENSUS_RULE",
    "BEST_CROSSING_DRAWS",
    "HIGH_SCORE",
    "ATTENDANCE_BANDS",
    "REGION",
    "PSEUDO_KEY_ENV",
    "PSEUDO_KEY_FILE_ENV",
    "DEFAULT_KEY_FILE",
    "DEMO_PSEUDO_KEY",
    "DEMO_MARKER",
    "PACKAGE_DIR",
    "KERNEL_NAME",
    "processed_dir_for",
    "reports_dir_for",
]

#: The library's own folder (code hashes and the kernels' preload list are taken over it).
PACKAGE_DIR = Path(__file__).resolve().parent
PROJECT_ROOT = PACKAGE_DIR.parent
DATA_DIR = PROJECT_ROOT / "data"
RAW_DIR = DATA_DIR / "raw"
PROCESSED_DIR = DATA_DIR / "processed"
REPORTS_DIR = PROJECT_ROOT / "reports"
NOTEBOOKS_DIR = PROJECT_ROOT / "notebooks"
DOCS_DIR = PROJECT_ROOT / "docs"

#: Smallest number of delegates behind any statistic that a report shows.
#: Many statistical offices use 5; see ``MIN_CELL_FLOOR`` for the legal minimum.
MIN_CELL = 5
#: Italian statistical deontology (Sistan, 2018) forbids thresholds below 3.
MIN_CELL_FLOOR = 3

#: Seed of every random draw (bootstrap, demo data), so that reports repeat.
SEED = 20190614

#: Phase-1 composition published in the seed ("Palestre di capacità"): 60% associations,
#: 12% community foundations, 11% CSV, 6% co-operation and public administration.
#: The seed's shares add up to 89%; the remaining 11% is read as "other bodies".
REFERENCE_SHARES = {
    "associazioni": 0.60,
    "fondazioni_comunita": 0.12,
    "csv": 0.11,
    "cooperazione_pa": 0.06,
    "altri": 0.11,
}

#: A score at or above this counts as "a good fit" (share of votes >= 7).
HIGH_SCORE = 7

#: Lower edges of the published bands of meetings attended (0, 1, 2, 3-5, 6-9, 10 or more):
#: exact counts per number of meetings would single out the most assiduous entities.
ATTENDANCE_BANDS = (0, 1, 2, 3, 6, 10)

#: Bootstrap draws behind "how often each resource comes out best" (reports and methods note).
BEST_CROSSING_DRAWS = 2000

#: Default consensus rule for a cell (see ``palestre_analysis.stats.consensus``).
CONSENSUS_RULE = "percent"

#: The whole-region territory: "Lombardia" means every entity.
REGION = "Lombardia"

#: Pseudonymisation key: an environment variable, or a file outside the repository.
PSEUDO_KEY_ENV = "PALESTRE_PSEUDO_KEY"
PSEUDO_KEY_FILE_ENV = "PALESTRE_PSEUDO_KEY_FILE"
DEFAULT_KEY_FILE = Path.home() / ".config" / "palestre" / "pseudo.key"
#: Public key for the synthetic demo data only (documented in the README): the demo
#: holds no real person, so its pseudonyms need no secret.
DEMO_PSEUDO_KEY = "palestre-demo-key-not-secret"
#: A raw folder holding this file is the synthetic demo set.
DEMO_MARKER = "SYNTHETIC_DEMO_DATA.txt"

#: Jupyter kernel registered by ``make`` for this project's virtual environment.
KERNEL_NAME = "palestre"


def processed_dir_for(out: Path | str | None) -> Path:
    """Folder of processed tables: ``OUT/processed`` or the project default.

    Parameters
    ----------
    out : Path or str or None
        The output folder of a command (``--out``); ``None`` (or an empty string) means
        the project's own folders.

    Returns
    -------
    Path
        ``out / "processed"``, or :data:`PROCESSED_DIR`. The folder is not created.

    Examples
    --------
    >>> processed_dir_for("prova").as_posix()
    'prova/processed'
    >>> processed_dir_for(None) == PROCESSED_DIR
    True
    """
    return Path(out) / "processed" if out else PROCESSED_DIR


def reports_dir_for(out: Path | str | None) -> Path:
    """Folder of reports: ``OUT/reports`` or the project default.

    Parameters
    ----------
    out : Path or str or None
        The output folder of a command (``--out``); ``None`` (or an empty string) means
        the project's own folders.

    Returns
    -------
    Path
        ``out / "reports"``, or :data:`REPORTS_DIR`. The folder is not created.

    Examples
    --------
    >>> reports_dir_for("prova").as_posix()
    'prova/reports'
    >>> reports_dir_for(None) == REPORTS_DIR
    True
    """
    return Path(out) / "reports" if out else REPORTS_DIR
