"""Which raw file holds which table: every file of the raw folder, read or named as not read.

Nothing in the raw folder is skipped without a word. A data file (CSV, text, any
workbook) is read and each of its sheets is recognised as a table by its name or its
header (see :mod:`palestre_analysis.ingest.headers`); one that is not recognised is an
error, because data that are silently left out are worse than a stopped run. Other
files (notes, documents, the demo marker, the editor's lock files) are listed as not read.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from palestre_analysis import config
from palestre_analysis.core.fingerprint import sha256_file
from palestre_analysis.core.personal import mask_personal
from palestre_analysis.core.problems import WARNING, DataError, Problem
from palestre_analysis.core.process import PROCESS_FILE
from palestre_analysis.ingest.headers import Recognition, has_full_header, recognise, table_of_name
from palestre_analysis.ingest.raw_contract import TABLE_NAMES
from palestre_analysis.ingest.reading import DATA_SUFFIXES, Grid, read_grids

__all__ = [
    "TABLE_NAMES",
    "UNSUPPORTED_DATA",
    "Entry",
    "Source",
    "Inventory",
    "survey",
    "find_table_files",
    "raw_input_hashes",
]

#: Formats that hold data but that we do not read: a sentence says how to export them.
UNSUPPORTED_DATA = (".json", ".parquet", ".sav", ".dta", ".numbers", ".xlsb", ".mdb", ".accdb", ".sqlite", ".db")


@dataclass
class Source:
    """One table found in one file or sheet.

    Parameters
    ----------
    table : str
        The raw table it holds.
    grid : Grid
        The file or sheet, read.
    recognition : Recognition
        How it was recognised, where its header is, and the problems about its header.
    """

    table: str
    grid: Grid
    recognition: Recognition


@dataclass
class Entry:
    """One line of the inventory: a file (or sheet), and what became of it.

    Parameters
    ----------
    file : str
        The file, with its sheet when it is a workbook (``dati.xlsx (foglio «Enti»)``).
    table : str or None
        The table it was read as; ``None`` when not read.
    note : str
        Italian: how it was recognised, or why it was not read.
    """

    file: str
    table: str | None
    note: str

    def __post_init__(self) -> None:
        self.file = mask_personal(self.file)  # a file named after a person's address is not repeated

    def sentence(self) -> str:
        """The entry as the command line prints it.

        Returns
        -------
        str
            ``file → tabella «t» (how)`` or ``file: non letto (why)``.

        Examples
        --------
        >>> Entry("presenze.csv", "presenze", "dal nome del file").sentence()
        'presenze.csv → tabella «presenze» (dal nome del file)'
        >>> Entry("note.md", None, "non è un file di dati").sentence()
        'note.md: non letto (non è un file di dati)'
        """
        if self.table:
            return f"{self.file} → tabella «{self.table}» ({self.note})"
        return f"{self.file}: non letto ({self.note})"


@dataclass
class Inventory:
    """Every file of a raw folder: the tables found, the entries, the problems.

    Parameters
    ----------
    sources : list of Source
        The tables found, in file-name order (a workbook's sheets in their order).
    entries : list of Entry
        One entry per file or sheet, read or not.
    problems : list of Problem
        Errors that stop the cleaning (an unreadable or unrecognised data file) and
        warnings (a file not read, rows above a header).
    unreadable : set, default set()
        The tables named by files that could not be read (``None`` for other names), so
        that an unreadable ``enti.csv`` is not also reported as missing.
    """

    sources: list[Source] = field(default_factory=list)
    entries: list[Entry] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    unreadable: set = field(default_factory=set)

    def of_table(self, table: str) -> list[Source]:
        """The sources of one table, in reading order.

        Parameters
        ----------
        table : str
            A raw table name.

        Returns
        -------
        list of Source
            Its files and sheets.
        """
        return [s for s in self.sources if s.table == table]


def _not_data_reason(path: Path) -> str | None:
    """Why a file is not read at all, or ``None`` for a data file."""
    name = path.name
    if path.is_dir():
        return "è una cartella: le sottocartelle non sono lette"
    if name == config.DEMO_MARKER:
        return "nota che segna i dati dimostrativi"
    if name.startswith(("~$", ".~lock.")):
        return "file di blocco lasciato da Excel o LibreOffice"
    if name.startswith("."):
        return "file nascosto"
    if path.suffix.lower() not in DATA_SUFFIXES + UNSUPPORTED_DATA:
        return "non è un file di dati"
    return None


def survey(raw_dir: Path) -> Inventory:
    """Read every data file of ``raw_dir`` and say what each file and sheet holds.

    Parameters
    ----------
    raw_dir : Path
        The raw folder (not searched recursively).

    Returns
    -------
    Inventory
        The tables found and one entry per file or sheet. Errors (in ``problems``):
        a data file that cannot be read, a data file or a workbook none of whose sheets
        is recognised, a format that holds data we do not read. Warnings: the process
        file, a sheet not recognised next to recognised ones.

    Raises
    ------
    DataError
        When ``raw_dir`` does not exist.

    Examples
    --------
    >>> import tempfile
    >>> raw = Path(tempfile.mkdtemp())
    >>> _ = (raw / "Modulo (Risposte) - Risposte del modulo 1.csv").write_text(
    ...     "Informazioni cronologiche,Codice ente,Cultura - Sedi [5 per mille]\\n2019/03/14 10:00:00,E1,7\\n")
    >>> _ = (raw / "leggimi.md").write_text("note")
    >>> _ = (raw / "tabella.csv").write_text("a,b\\n1,2\\n3,4\\n")
    >>> found = survey(raw)
    >>> for entry in found.entries:
    ...     print(entry.sentence())
    Modulo (Risposte) - Risposte del modulo 1.csv → tabella «valutazioni» (dall'intestazione)
    leggimi.md: non letto (non è un file di dati)
    tabella.csv: non letto (né il nome né l'intestazione indicano una tabella)
    >>> print(found.problems[0].sentence())  # doctest: +NORMALIZE_WHITESPACE
    tabella.csv, riga 1: sembra una tabella di dati ma né il nome del file né l'intestazione («a», «b»)
    indicano quale: rinominare il file come una delle tabelle (enti, incontri, presenze, contributi,
    valutazioni), ad esempio «presenze.csv», oppure correggere l'intestazione.
    """
    raw_dir = Path(raw_dir)
    if not raw_dir.is_dir():
        raise DataError([Problem(str(raw_dir), None, None, "la cartella dei dati grezzi non esiste")])
    inventory = Inventory()
    for path in sorted(raw_dir.iterdir()):
        _survey_file(path, inventory)
    return inventory


def _survey_file(path: Path, inventory: Inventory) -> None:
    reason = _not_data_reason(path)
    if path.name == PROCESS_FILE:
        reason = "descrizione del processo: letta a parte, vedi i suoi eventuali errori"
    elif reason is None and path.suffix.lower() in UNSUPPORTED_DATA:
        reason = "formato non letto"
        inventory.problems.append(
            Problem(path.name, None, None, "formato non letto: esportare i dati come CSV (UTF-8) o come .xlsx")
        )
    if reason is not None:
        inventory.entries.append(Entry(path.name, None, reason))
        return
    try:
        grids = read_grids(path)
    except DataError as exc:
        inventory.problems.extend(exc.problems)
        inventory.entries.append(Entry(path.name, None, "illeggibile: vedi gli errori"))
        inventory.unreadable.add(table_of_name(path.stem))
        return
    file_table = table_of_name(path.stem)
    chosen = _sheets_of_file_table(grids, file_table) if file_table else grids
    found = []
    for grid in grids:
        if any(grid is c for c in chosen):
            found.append(_survey_grid(grid, file_table, inventory))
        elif not (grid.sheet and table_of_name(grid.sheet)):
            inventory.entries.append(Entry(grid.label, None, f"foglio senza la tabella «{file_table}»"))
        else:
            found.append(_survey_grid(grid, None, inventory))
    if not any(found):
        _unrecognised(path, grids, inventory)


def _sheets_of_file_table(grids: list[Grid], table: str) -> list[Grid]:
    """The sheets that hold the table a workbook is named after (a cover sheet does not).

    Sheets named after a table are theirs; of the others, those with a full header of
    ``table``, or else the first non-empty one (whose missing columns will be named).
    """
    others = [g for g in grids if not (g.sheet and table_of_name(g.sheet))]
    full = [g for g in others if has_full_header(g, table)]
    return full or [g for g in others if g.records][:1]


def _survey_grid(grid: Grid, file_table: str | None, inventory: Inventory) -> bool:
    """Record one file or sheet; whether it was recognised as a table."""
    if not grid.records:
        inventory.entries.append(Entry(grid.label, None, "vuoto"))
        return False
    recognition = recognise(grid, file_table)
    if recognition.table is None:
        inventory.entries.append(Entry(grid.label, None, recognition.how))
        return False
    inventory.sources.append(Source(recognition.table, grid, recognition))
    inventory.entries.append(Entry(grid.label, recognition.table, recognition.how))
    return True


def _looks_like_data(grid: Grid) -> bool:
    """At least two rows of two or more cells: a table, even if we cannot tell which."""
    return sum(sum(bool(c) for c in r.cells) >= 2 for r in grid.records[:50]) >= 2


def _unrecognised(path: Path, grids: list[Grid], inventory: Inventory) -> None:
    """No sheet of a data file is a table: an error if it looks like data, else a warning."""
    data = [g for g in grids if _looks_like_data(g)]
    if not data:
        what = "il file è vuoto" if not any(g.records for g in grids) else "il file non contiene una tabella"
        if table_of_name(path.stem) == "enti":  # the one table nothing can do without
            inventory.unreadable.add("enti")
            inventory.problems.append(Problem(path.name, None, None, f"{what}: senza enti nessuna analisi è possibile"))
        else:
            inventory.problems.append(Problem(path.name, None, None, f"{what}: non letto", WARNING))
        return
    for grid in data:
        first = grid.records[0]
        shown = ", ".join(f"«{c[:30]}»" for c in first.cells[:6] if c)
        inventory.problems.append(
            Problem(
                grid.label,
                first.start,
                None,
                f"sembra una tabella di dati ma né il nome del file né l'intestazione ({shown}) indicano quale: "
                f"rinominare il file come una delle tabelle ({', '.join(TABLE_NAMES)}), ad esempio "
                "«presenze.csv», oppure correggere l'intestazione",
            )
        )


def find_table_files(raw_dir: Path, table: str) -> list[Path]:
    """Files whose name names one table: ``<table>.csv``, ``<table>_anything.xlsx``, ...

    File stems are compared after
    :func:`~palestre_analysis.core.vocabulary.normalize_label` with spaces turned into
    underscores, so ``Valutazioni Modulo.CSV`` belongs to ``valutazioni``; the folder is
    not searched recursively. Files recognised by their header instead are found by
    :func:`survey`.

    Parameters
    ----------
    raw_dir : Path
        The raw folder.
    table : str
        One of :data:`TABLE_NAMES`.

    Returns
    -------
    list of Path
        The data files named after that table, sorted by path.

    Examples
    --------
    >>> import tempfile
    >>> raw = Path(tempfile.mkdtemp())
    >>> for name in ["valutazioni.csv", "Valutazioni Modulo.CSV", "valutazioni2.csv", "valutazioni.md"]:
    ...     _ = (raw / name).write_text("")
    >>> [p.name for p in find_table_files(raw, "valutazioni")]
    ['Valutazioni Modulo.CSV', 'valutazioni.csv']
    """
    return [
        path
        for path in sorted(Path(raw_dir).iterdir())
        if _not_data_reason(path) is None and table_of_name(path.stem) == table
    ]


def raw_input_hashes(raw_dir: Path | str) -> dict[str, str]:
    """SHA-256 of every file of the raw folder but lock files and folders.

    Every file counts, read or not: a file added under any name may be a table
    recognised by its header, so any change cleans again.

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
    files = [
        p for p in sorted(raw_dir.iterdir()) if p.is_file() and not p.name.startswith(("~$", ".~lock.", ".DS_Store"))
    ]
    return {p.name: sha256_file(p) for p in files}
