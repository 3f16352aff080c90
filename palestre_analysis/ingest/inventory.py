"""Which raw file holds which table: every file of the raw folder, read or named as not read."""

from __future__ import annotations

from pathlib import Path

from palestre_analysis import config
from palestre_analysis.core.fingerprint import sha256_file
from palestre_analysis.core.problems import DataError, Problem
from palestre_analysis.core.vocabulary import normalize_label
from palestre_analysis.ingest.reading import SUFFIXES

__all__ = ["TABLE_NAMES", "find_table_files", "raw_input_hashes"]

TABLE_NAMES = ("enti", "incontri", "presenze", "contributi", "valutazioni")


def find_table_files(raw_dir: Path, table: str) -> list[Path]:
    """Files of one table in ``raw_dir``: ``<table>.csv``, ``<table>_anything.xlsx``, ...

    Several files of the same table are read one after the other, in name order.

    File stems are compared after
    :func:`~palestre_analysis.core.vocabulary.normalize_label` with spaces turned into
    underscores, so ``Valutazioni Modulo.CSV`` belongs to ``valutazioni``; the folder is
    not searched recursively.

    Parameters
    ----------
    raw_dir : Path
        The raw folder.
    table : str
        One of :data:`TABLE_NAMES`.

    Returns
    -------
    list of Path
        The ``.csv`` and ``.xlsx`` files of that table, sorted by path.

    Raises
    ------
    FileNotFoundError
        When ``raw_dir`` does not exist.

    Examples
    --------
    >>> import tempfile
    >>> raw = Path(tempfile.mkdtemp())
    >>> for name in ["valutazioni.csv", "Valutazioni Modulo.CSV", "valutazioni2.csv", "valutazioni.txt"]:
    ...     _ = (raw / name).write_text("")
    >>> [p.name for p in find_table_files(raw, "valutazioni")]
    ['Valutazioni Modulo.CSV', 'valutazioni.csv']
    """
    found = []
    for path in sorted(Path(raw_dir).iterdir()):
        stem = normalize_label(path.stem).replace(" ", "_")
        if path.is_file() and path.suffix.lower() in SUFFIXES and (stem == table or stem.startswith(table + "_")):
            found.append(path)
    return found


def raw_input_hashes(raw_dir: Path | str) -> dict[str, str]:
    """SHA-256 of every raw file that belongs to a table (and of the demo marker).

    Parameters
    ----------
    raw_dir : path
        The raw folder.

    Returns
    -------
    dict
        File name → hex digest, in file-name order; the cleaning cache compares it.

    Raises
    ------
    DataError
        When the folder does not exist.
    """
    raw_dir = Path(raw_dir)
    if not raw_dir.is_dir():
        raise DataError([Problem(str(raw_dir), None, None, "la cartella dei dati grezzi non esiste")])
    files = [p for table in TABLE_NAMES for p in find_table_files(raw_dir, table) if p.suffix.lower() in SUFFIXES]
    marker = raw_dir / config.DEMO_MARKER
    if marker.is_file():
        files.append(marker)
    return {p.name: sha256_file(p) for p in sorted(files)}
