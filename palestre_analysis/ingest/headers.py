"""Which table a grid of cells holds, and where its header row is.

A file or sheet is a table of the raw contract when its name says so (``presenze.csv``,
a sheet named ``Enti``) or when its header does (a Google or Microsoft Forms export kept
under its default name). The header is looked for in the first rows, so that a title line
above it is skipped with a sentence rather than read as the header; a header split over
two rows (merged cells) gets its own sentence instead of "missing column".
"""

from __future__ import annotations

from dataclasses import dataclass, field

from palestre_analysis.core.problems import WARNING, Problem
from palestre_analysis.core.vocabulary import normalize_label
from palestre_analysis.ingest.forms import is_forms_export
from palestre_analysis.ingest.raw_contract import SPECS, TABLE_NAMES, TableSpec
from palestre_analysis.ingest.reading import Grid

__all__ = [
    "HEADER_SEARCH_ROWS",
    "Recognition",
    "table_of_name",
    "has_full_header",
    "recognise",
    "locate_header",
]

#: How many non-blank rows are searched for the header (title lines, notes, a logo's caption...).
HEADER_SEARCH_ROWS = 15


@dataclass
class Recognition:
    """What a grid was recognised as.

    Parameters
    ----------
    table : str or None
        The raw table (one of :data:`~palestre_analysis.ingest.raw_contract.TABLE_NAMES`),
        ``None`` when not recognised.
    how : str
        Italian: how it was recognised (``dal nome del file``, ``dal nome del foglio``,
        ``dall'intestazione``), or why not.
    header_index : int, default 0
        Position in ``grid.records`` of the header row.
    problems : list of Problem, default []
        Sentences about the header (rows skipped above it, a two-row header, a doubt).
    """

    table: str | None
    how: str
    header_index: int = 0
    problems: list[Problem] = field(default_factory=list)


def table_of_name(name: str) -> str | None:
    """The table a file stem or sheet name names: ``presenze``, ``Valutazioni modulo``...

    Parameters
    ----------
    name : str
        A file stem or a sheet name.

    Returns
    -------
    str or None
        The table whose name the folded name equals or starts with (followed by ``_``).

    Examples
    --------
    >>> table_of_name("Valutazioni Modulo"), table_of_name("enti"), table_of_name("entità")
    ('valutazioni', 'enti', None)
    """
    folded = normalize_label(name).replace(" ", "_")
    for table in TABLE_NAMES:
        if folded == table or folded.startswith(table + "_"):
            return table
    return None


def _matched(cells: list[str], spec: TableSpec) -> set[str]:
    """Required columns of ``spec`` that a row, read as a header, names."""
    lookup = spec.aliases()
    found = {lookup.get(normalize_label(c)) for c in cells if c}
    return found & set(spec.required)


def _is_full_header(cells: list[str], table: str) -> bool:
    if table == "valutazioni" and is_forms_export(cells):
        return True
    return _matched(cells, SPECS[table]) == set(SPECS[table].required)


def has_full_header(grid: Grid, table: str) -> bool:
    """Whether one of the first rows of ``grid`` names every required column of ``table``.

    Parameters
    ----------
    grid : Grid
        A file or sheet, read.
    table : str
        A raw table name.

    Returns
    -------
    bool
        True when a full header of ``table`` is among the first :data:`HEADER_SEARCH_ROWS` rows.
    """
    return any(_is_full_header(r.cells, table) for r in grid.records[:HEADER_SEARCH_ROWS])


def locate_header(grid: Grid, table: str) -> Recognition:
    """The header row of ``table`` in the first :data:`HEADER_SEARCH_ROWS` rows of ``grid``.

    The first row naming every required column (or, for votes, a form export's header)
    is the header. Without one, the first row naming the most required columns is kept,
    so that the column check says what is missing there; and when that row and the next
    one together name them all, the header is split over two rows, which gets its own
    sentence.

    Parameters
    ----------
    grid : Grid
        A file or sheet, read.
    table : str
        The table it holds.

    Returns
    -------
    Recognition
        ``header_index`` and the problems: a warning naming the rows skipped above the
        header, or an error for a two-row header.
    """
    records = grid.records[:HEADER_SEARCH_ROWS]
    spec = SPECS[table]
    best, best_found = 0, -1
    for index, record in enumerate(records):
        if _is_full_header(record.cells, table):
            return Recognition(table, "", index, _skipped_above(grid, index))
        found = len(_matched(record.cells, spec))
        if found > best_found:
            best, best_found = index, found
    problems = _skipped_above(grid, best) if best_found > 0 else []
    split = _split_header(grid, best, spec)
    if split:
        problems = [split]
    return Recognition(table, "", best if best_found > 0 else 0, problems)


def _split_header(grid: Grid, index: int, spec: TableSpec) -> Problem | None:
    """An error when rows ``index`` and ``index + 1`` name the required columns only together."""
    if index + 1 >= len(grid.records):
        return None
    top, bottom = grid.records[index], grid.records[index + 1]
    together = _matched(top.cells, spec) | _matched(bottom.cells, spec)
    if together != set(spec.required) or _matched(bottom.cells, spec) <= _matched(top.cells, spec):
        return None
    return Problem(
        grid.label,
        top.start,
        None,
        f"l'intestazione è divisa su due righe ({top.start} e {bottom.start}), forse per celle unite: "
        "lasciare una sola riga di intestazione, con un nome per colonna",
    )


def _skipped_above(grid: Grid, index: int) -> list[Problem]:
    if index == 0:
        return []
    first, last = grid.records[0].start, grid.records[index - 1].end
    preview = " ".join(c for c in grid.records[0].cells if c)[:40]
    where = f"la riga {first}" if first == last else f"le righe {first}–{last}"
    return [
        Problem(
            grid.label,
            first,
            None,
            f"{where} prima dell'intestazione (alla riga {grid.records[index].start}) non sono dati e sono "
            f"state saltate (inizio: «{preview}»)",
            WARNING,
        )
    ]


def recognise(grid: Grid, file_table: str | None) -> Recognition:
    """Which table ``grid`` holds: by sheet name, by file name, or by its header.

    A sheet named after a table holds that table, whatever the file is called; otherwise
    a file named after a table; otherwise the table whose every required column the
    header names (the one with most required columns when several do: ``contributi``
    has every column of ``presenze`` and one more), or a form export.

    Parameters
    ----------
    grid : Grid
        A file or sheet, read.
    file_table : str or None
        The table the file's name names (see :func:`table_of_name`).

    Returns
    -------
    Recognition
        The table and how it was recognised; ``table`` is ``None`` when neither name nor
        header says it.
    """
    by_sheet = table_of_name(grid.sheet) if grid.sheet else None
    for table, how in ((by_sheet, "dal nome del foglio"), (file_table, "dal nome del file")):
        if table:
            found = locate_header(grid, table)
            found.how = how
            return found
    candidates = []
    for index, record in enumerate(grid.records[:HEADER_SEARCH_ROWS]):
        full = [t for t in TABLE_NAMES if _is_full_header(record.cells, t)]
        if full:
            candidates = [(len(SPECS[t].required), t, index) for t in full]
            break
    if not candidates:
        return Recognition(None, "né il nome né l'intestazione indicano una tabella")
    _, table, index = max(candidates)
    return Recognition(table, "dall'intestazione", index, _skipped_above(grid, index))
