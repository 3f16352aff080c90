"""Reading raw exports as researchers really have them, line by line, without guessing.

A text file (``.csv``, ``.tsv``, ``.txt``) is decoded with the one encoding its bytes
support (:mod:`~palestre_analysis.ingest.decoding`), split into the physical lines a
text editor shows, and parsed into records with the delimiter its lines agree on (or
the one Excel's ``sep=`` line names). A workbook (``.xlsx``, ``.xlsm``, ``.xls``,
``.ods``) gives one grid per sheet (:mod:`~palestre_analysis.ingest.workbooks`). Either
way a :class:`Grid` accounts for every physical line or sheet row: it is in a record,
blank, skipped (a directive) or rejected (an unclosed quote), exactly once, so that
later checks can say "file, line, column" and no row is lost unsaid.

Nothing is interpreted here: finding the header is the next step's job, parsing values
the cleaners'.
"""

from __future__ import annotations

import contextlib
import csv
import functools
import gc
import itertools
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from palestre_analysis.core.problems import ERROR, WARNING, DataError, Problem
from palestre_analysis.core.vocabulary import normalize_label
from palestre_analysis.ingest.decoding import (
    clean_cell,
    decode_text,
    has_special,
    invisible_note,
    mojibake_note,
    split_lines,
)
from palestre_analysis.ingest.workbooks import WORKBOOK_SUFFIXES, read_workbook, sheet_label

__all__ = [
    "collector_paused",
    "Record",
    "Grid",
    "DATA_SUFFIXES",
    "DELIMITERS",
    "read_grids",
    "RawTable",
    "read_raw_table",
    "raw_table",
]

#: Suffixes of the files read as data (any case): text files, then workbooks.
DATA_SUFFIXES = (".csv", ".tsv", ".txt", *WORKBOOK_SUFFIXES)
#: Delimiters of text files, in order of preference when the lines agree as well on two.
DELIMITERS = (",", ";", "\t", "|")

_TEXT_SUFFIXES = (".csv", ".tsv", ".txt")
_SNIFF_LINES = 20
_DIRECTIVE = re.compile(r'"?sep=(.)"?[,;\t|]*\s*', re.IGNORECASE)
_DELIMITER_NAMES = {",": "virgola", ";": "punto e virgola", "\t": "tabulazione", "|": "barra verticale"}
# Whitespace ``str.strip`` removes that cannot be told from the text's delimiters and line ends.
_RARE_SPACES = "\x1f\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a\u205f\u3000"
_OTHER_SEPARATORS = "\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029"

_UNCLOSED = "virgolette aperte a questa riga e mai chiuse: il testo inghiotte le righe seguenti; chiudere le virgolette"
_SWALLOWED = (
    "virgolette aperte a questa riga e mai chiuse: il testo inghiotte le righe seguenti (fino alla riga {end}, "
    "dove altre virgolette lo chiudono); chiudere le virgolette"
)
_TOO_LONG = (
    "da questa riga un campo supera i {limit} caratteri: di solito sono virgolette aperte e mai chiuse, "
    "che inghiottono le righe seguenti; chiudere le virgolette"
)


@dataclass(slots=True)
class Record:
    """One record of a file or sheet, with the physical lines it covers.

    Parameters
    ----------
    start : int
        First physical line (text file) or sheet row (workbook), 1-based.
    end : int
        Last physical line the record covers: ``start`` unless a quoted field spans lines.
    cells : list of str
        The fields, each stripped, without invisible characters, non-breaking spaces
        turned into spaces.

    Examples
    --------
    >>> Record(4, 5, ["E1", "due\\nrighe"])
    Record(start=4, end=5, cells=['E1', 'due\\nrighe'])
    """

    start: int
    end: int
    cells: list[str]


@dataclass
class Grid:
    """A text file or one sheet of a workbook, as records, every line accounted for.

    Every physical line ``1..n_lines`` (every row of a sheet) is in exactly one of: the
    span ``[start, end]`` of a record, ``blank_lines``, ``skipped``, ``rejected``.

    Parameters
    ----------
    path : Path
        The file read.
    sheet : str or None, default None
        The sheet's name for a workbook, ``None`` for a text file.
    records : list of Record, default []
        Every non-blank record, in order (a record whose cells are all empty is blank).
    blank_lines : list of int, default []
        Blank lines (rows), in order.
    skipped : dict, default {}
        Line → Italian reason, for lines that are not data (Excel's ``sep=;`` line).
    rejected : dict, default {}
        Line → Italian reason, for lines rejected while reading (an unclosed quote).
    n_lines : int, default 0
        Physical lines of the text file, or last used row of the sheet.
    encoding : str, default ""
        ``utf-8``, ``utf-8-sig``, ``utf-16``, ``cp1252``, ``mac_roman``; ``xlsx``,
        ``xls`` or ``ods`` for workbooks (``.xlsm`` is ``xlsx``).
    delimiter : str, default ""
        ``,``, ``;``, ``\\t`` or ``|``; ``""`` for workbooks.
    notes : list of Problem, default []
        Warnings found while reading (text converted twice between encodings, invisible
        characters removed, Excel's ``sep=`` line, hidden sheet, merged cells) and one
        error per line of ``rejected``; each names the label and the line.
    """

    path: Path
    sheet: str | None = None
    records: list[Record] = field(default_factory=list)
    blank_lines: list[int] = field(default_factory=list)
    skipped: dict[int, str] = field(default_factory=dict)
    rejected: dict[int, str] = field(default_factory=dict)
    n_lines: int = 0
    encoding: str = ""
    delimiter: str = ""
    notes: list[Problem] = field(default_factory=list)

    @property
    def label(self) -> str:
        """The file name, or ``name (foglio «Sheet»)`` for a sheet: how problems name it.

        Examples
        --------
        >>> Grid(Path("raw/incontri.xlsx"), "Fase 1").label, Grid(Path("raw/enti.csv")).label
        ('incontri.xlsx (foglio «Fase 1»)', 'enti.csv')
        """
        return sheet_label(self.path.name, self.sheet)


def read_grids(path: Path) -> list[Grid]:
    """Read a data file into grids: one for a text file, one per sheet for a workbook.

    Parameters
    ----------
    path : Path
        A file whose suffix is one of :data:`DATA_SUFFIXES` (any case).

    Returns
    -------
    list of Grid
        ``[grid]`` for a text file; one grid per sheet, in the workbook's order, for a
        workbook (empty sheets included, without records).

    Raises
    ------
    DataError
        With one sentence naming the file (and the line, where there is one) when the
        suffix is not a data file's, the file cannot be opened, its encoding is not
        clear (see :func:`~palestre_analysis.ingest.decoding.decode_text`), its first
        line names an unknown delimiter, or a workbook is not one (see
        :func:`~palestre_analysis.ingest.workbooks.read_workbook`).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "presenze.csv"
    >>> _ = p.write_bytes(b'sep=;\\r\\nincontro_id;nota\\r\\nI01;"due\\r\\nrighe"\\r\\n\\r\\nI02;\\r\\n')
    >>> [grid] = read_grids(p)
    >>> [(r.start, r.end, r.cells) for r in grid.records]
    [(2, 2, ['incontro_id', 'nota']), (3, 4, ['I01', 'due\\r\\nrighe']), (6, 6, ['I02', ''])]
    >>> grid.skipped, grid.blank_lines, grid.n_lines, grid.delimiter, grid.encoding
    ({1: 'indicazione del separatore per Excel («sep=;»)'}, [5], 6, ';', 'utf-8')
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in DATA_SUFFIXES:
        raise DataError(
            [
                Problem(
                    path.name,
                    None,
                    None,
                    "formato non supportato: servono file .csv, .tsv o .txt (testo) oppure .xlsx, .xlsm, .xls o .ods",
                )
            ]
        )
    if not path.is_file():
        raise DataError([Problem(path.name, None, None, "il file non esiste o non è un file")])
    try:
        with collector_paused():
            if suffix in WORKBOOK_SUFFIXES:
                return _workbook_grids(path)
            return [_text_grid(path)]
    except OSError:
        raise DataError(
            [Problem(path.name, None, None, "il file non si può aprire: controllare di avere il permesso di leggerlo")]
        ) from None


@contextlib.contextmanager
def collector_paused():
    """No cyclic garbage collection while a file's records are built (or a whole cleaning runs).

    Building hundreds of thousands of lists and dicts that all stay alive triggers
    collection after collection that finds nothing to free: half the reading time of a
    large file, a seventh of a cleaning. Nothing read or cleaned forms reference cycles;
    the collector is restored as it was on the way out.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


# --- workbooks ------------------------------------------------------------------------------


def _workbook_grids(path: Path) -> list[Grid]:
    encoding = {".xlsm": "xlsx"}.get(path.suffix.lower(), path.suffix.lower().lstrip("."))
    grids = []
    for sheet in read_workbook(path):
        grid = Grid(path=path, sheet=sheet.name, n_lines=len(sheet.rows), encoding=encoding, notes=list(sheet.notes))
        records, blank = grid.records, grid.blank_lines
        for number, cells in enumerate(sheet.rows, start=1):
            if any(cells):
                records.append(Record(number, number, cells))
            else:
                blank.append(number)
        grids.append(grid)
    return grids


# --- text files -----------------------------------------------------------------------------


def _text_grid(path: Path) -> Grid:
    label = path.name
    decoded = decode_text(path.read_bytes(), label)
    text = decoded.text
    lines = split_lines(text)
    grid = Grid(path=path, n_lines=len(lines), encoding=decoded.encoding)
    first = 0
    delimiter = _directive(lines[0], label) if lines else None
    if delimiter is not None:
        shown = lines[0].rstrip("\r\n").replace("\t", "\\t")
        grid.skipped[1] = f"indicazione del separatore per Excel («{shown}»)"
        grid.notes.append(
            Problem(
                label,
                1,
                None,
                f"la prima riga («{shown}») indica il separatore per Excel: non è un dato ed è stata saltata",
                WARNING,
            )
        )
        first = 1
    sample = _sample(lines, first)
    if delimiter is None:
        delimiter = _sniff(sample, ".tsv" if path.suffix.lower() == ".tsv" else "")
    grid.delimiter = delimiter
    counts = Counter(_field_count(line, delimiter) for line in sample)
    width = max(counts, key=lambda n: (counts[n], n)) if counts else 0
    _parse(grid, lines, first, width, _cleaning(text, delimiter))
    note = mojibake_note(text, label, delimiter)
    if note is not None:
        grid.notes.append(note)
    return grid


def _directive(line: str, label: str) -> str | None:
    """The delimiter Excel's first line ``sep=;`` names, ``None`` without one."""
    match = _DIRECTIVE.fullmatch(line.rstrip("\r\n"))
    if match is None:
        return None
    delimiter = match.group(1)
    if delimiter not in DELIMITERS:
        raise DataError(
            [
                Problem(
                    label,
                    1,
                    None,
                    f"la prima riga indica il separatore «{delimiter}», che non è tra quelli letti (virgola, punto e "
                    "virgola, tabulazione, barra verticale): esportare il file come CSV UTF-8",
                )
            ]
        )
    return delimiter


def _sample(lines: list[str], first: int) -> list[str]:
    """The first non-blank lines, where the delimiter is decided."""
    sample = []
    for line in itertools.islice(lines, first, None):
        if line.strip():
            sample.append(line)
            if len(sample) == _SNIFF_LINES:
                break
    return sample


def _field_count(line: str, delimiter: str) -> int:
    """Fields of one physical line parsed alone."""
    if '"' not in line:
        return line.count(delimiter) + 1
    try:
        return len(next(csv.reader((line,), delimiter=delimiter, quotechar='"', doublequote=True), [""]))
    except csv.Error:
        return 1


def _sniff(sample: list[str], suffix: str) -> str:
    """The delimiter on which most sample lines agree on a count of two or more fields.

    Each candidate's typical count is the most common one over the sample (a title line
    above the header has a field of its own); the candidate with most lines at its
    typical count wins, then the one giving more fields, then the first-line count.
    """
    best, best_key = None, None
    for delimiter in DELIMITERS:
        counts = [_field_count(line, delimiter) for line in sample]
        if not counts:
            break
        tally = Counter(counts)
        typical = max(tally, key=lambda n: (tally[n], n))
        if typical < 2:
            continue
        key = (tally[typical], typical, counts[0])
        if best_key is None or key > best_key:
            best, best_key = delimiter, key
    if best is not None:
        return best
    return "\t" if suffix == ".tsv" else ","


class _Cleaning:
    """How the cells of a text are cleaned: the cheapest way that gives the same cells.

    ``special``: some cell may hold invisible characters or non-breaking spaces;
    ``strip``: some unquoted field may start or end with whitespace. When neither, the
    fields of a line without quotes are its cells as they are.
    """

    __slots__ = ("special", "strip", "invisible", "first_invisible")

    def __init__(self, special: bool, strip: bool):
        self.special, self.strip = special, strip
        self.invisible, self.first_invisible = 0, 0

    def cells(self, fields: list[str], line: int) -> list[str]:
        if not self.special:
            return [c.strip() for c in fields]
        cells = []
        for cell in fields:
            if has_special(cell):
                cell, removed = clean_cell(cell)
                if removed:
                    self.invisible += 1
                    self.first_invisible = self.first_invisible or line
            else:
                cell = cell.strip()
            cells.append(cell)
        return cells


def _cleaning(text: str, delimiter: str) -> _Cleaning:
    special = has_special(text)
    strip = special or any(c in text for c in _RARE_SPACES) or any(c in text for c in _OTHER_SEPARATORS)
    if not strip:
        for space in (" ", "\t"):
            if space == delimiter or space not in text:
                continue
            edges = (delimiter + space, space + delimiter, "\n" + space, "\r" + space, space + "\n", space + "\r")
            if any(edge in text for edge in edges) or text.startswith(space) or text.endswith(space):
                strip = True
                break
    return _Cleaning(special, strip)


def _parse(grid: Grid, lines: list[str], first: int, width: int, cleaning: _Cleaning) -> None:
    """Records of ``lines[first:]``, each checked against the physical lines it covers.

    A line without quotes is one record, split at the delimiter. From a line with
    quotes the csv module reads one record, which may span lines; the record is
    rejected (its first line only, and reading resumes at the next line) when its
    quote is still open at the end of the file, or when at least two of the lines it
    swallowed have, parsed alone, the file's typical number of fields.
    """
    delimiter, n = grid.delimiter, len(lines)
    records, blank, rejected = grid.records, grid.blank_lines, grid.rejected
    special = cleaning.special
    plain = not cleaning.strip and not special
    i = first
    while i < n:
        line = lines[i]
        if '"' not in line:
            fields = line.rstrip("\r\n").split(delimiter)
            start = end = i + 1
            if plain:
                cells = fields
            elif special:
                cells = cleaning.cells(fields, start)
            else:
                cells = [c.strip() for c in fields]
        else:
            reader = csv.reader(
                map(lines.__getitem__, range(i, n)), delimiter=delimiter, quotechar='"', doublequote=True, strict=False
            )
            start = i + 1
            try:
                fields = next(reader, [])
            except csv.Error:
                rejected[start] = _TOO_LONG.format(limit=csv.field_size_limit())
                i += 1
                continue
            end = i + reader.line_num
            if end > start and _swallows(lines, i, end, delimiter, width):
                rejected[start] = _SWALLOWED.format(end=end)
                i += 1
                continue
            if end == n and _open_at_end(lines, i, delimiter):
                rejected[start] = _UNCLOSED
                i += 1
                continue
            cells = cleaning.cells(fields, start)
        i = end
        if any(cells):
            records.append(Record(start, end, cells))
        else:
            blank.extend(range(start, end + 1))
    for line, reason in rejected.items():
        grid.notes.append(Problem(grid.label, line, None, reason, ERROR))
    if cleaning.invisible:
        grid.notes.append(invisible_note(grid.label, cleaning.invisible, cleaning.first_invisible))


def _swallows(lines: list[str], i: int, end: int, delimiter: str, width: int) -> bool:
    """Whether lines ``i+2..end`` of a record opened at line ``i+1`` look like rows of their own.

    At least two of them must have, parsed alone, the typical ``width``; with two
    columns, where a line of prose with one comma has it too, at least half of them.
    """
    if width < 2:
        return False
    matches = 0
    for k in range(i + 1, end):
        if _field_count(lines[k], delimiter) == width:
            matches += 1
            if width > 2 and matches >= 2:
                return True
    return matches >= 2 and 2 * matches >= end - i - 1


def _open_at_end(lines: list[str], i: int, delimiter: str) -> bool:
    """Whether the last record, opened at line ``i+1``, ends inside a quoted field.

    A closing quote on a line of its own, appended, ends that record when its quote is
    open (one record), and opens a new one when it is not (two).
    """
    reader = csv.reader(
        itertools.chain(itertools.islice(lines, i, None), ('"\n',)),
        delimiter=delimiter,
        quotechar='"',
        doublequote=True,
        strict=False,
    )
    try:
        return sum(1 for _ in reader) == 1
    except csv.Error:
        return True


# --- one table per file, header on its first row --------------------------------------------


@dataclass
class RawTable:
    """One raw file (or sheet) read as text, its first non-blank record as the header.

    ``rows`` are lists of stripped strings aligned with ``header``; ``lines`` gives
    the source line (text file) or sheet row (workbook) where each row starts, ``ends``
    where it ends. Rows with a wrong number of fields are kept in ``ragged`` as
    ``(line, n_fields)`` and not in ``rows``.

    Parameters
    ----------
    path : Path
        The file read.
    header : list of str
        The header row, stripped.
    rows : list of list of str
        The data rows with as many cells as ``header`` (trailing empty cells beyond it
        are dropped), stripped.
    lines : list of int
        Source line (text) or sheet row (workbook) where each row of ``rows`` starts, 1-based.
    ragged : list of tuple of (int, int), default []
        ``(line, n_fields)`` of each row with a different number of fields.
    blank_lines : int, default 0
        Blank lines below the header (skipped, not counted as read).
    header_line : int, default 1
        Line of the header.
    encoding : str, default ""
        The encoding of the text file (see :class:`Grid`), or the workbook's format.
    delimiter : str, default ""
        The delimiter of a text file, ``""`` for a workbook.
    sheet : str or None, default None
        The sheet read, for a workbook.
    ends : list of int, default []
        Last physical line of each row of ``rows`` (parallel to ``lines``; later than
        the start when quoted text spans lines).
    """

    path: Path
    header: list[str]
    rows: list[list[str]]
    lines: list[int]
    ragged: list[tuple[int, int]] = field(default_factory=list)
    blank_lines: int = 0
    header_line: int = 1
    encoding: str = ""
    delimiter: str = ""
    sheet: str | None = None
    ends: list[int] = field(default_factory=list)

    @functools.cached_property
    def label(self) -> str:  # cached: every problem of every row asks for it
        """The file name, or ``name (foglio «Sheet»)`` for a sheet.

        Examples
        --------
        >>> RawTable(Path("incontri.xlsx"), [], [], [], sheet="Fase 1").label
        'incontri.xlsx (foglio «Fase 1»)'
        """
        return sheet_label(self.path.name, self.sheet)

    @property
    def name(self) -> str:
        """How problems name the file: its :attr:`label`."""
        return self.label

    @property
    def n_read(self) -> int:
        """Data rows read, ragged ones included (blank lines are not rows)."""
        return len(self.rows) + len(self.ragged)

    def normalized_header(self) -> list[str]:
        """The header folded with :func:`~palestre_analysis.core.vocabulary.normalize_label`.

        Returns
        -------
        list of str
            One folded label per column, in order.

        Examples
        --------
        >>> RawTable(Path("enti.csv"), ["Codice Ente", "Tipologia "], [], []).normalized_header()
        ['codice ente', 'tipologia']
        """
        return [normalize_label(h) for h in self.header]


def read_raw_table(path: Path) -> RawTable:
    """Read a text file, or the first sheet of a workbook, with its first record as the header.

    Lines rejected while reading (an unclosed quote) are not rows: they and the notes
    are in the grid that :func:`read_grids` returns.

    Parameters
    ----------
    path : Path
        A file whose suffix is one of :data:`DATA_SUFFIXES`.

    Returns
    -------
    RawTable
        Header, rows of stripped strings, and the source lines of each row. The encoding
        of a UTF-8 file is ``utf-8`` with or without BOM.

    Raises
    ------
    DataError
        When :func:`read_grids` does, or the file (the first sheet) has no header.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "presenze.csv"
    >>> _ = p.write_bytes("incontro_id;ente_id\\nI01;E001\\n".encode("cp1252"))
    >>> t = read_raw_table(p)
    >>> t.header, t.rows, t.lines, t.delimiter
    (['incontro_id', 'ente_id'], [['I01', 'E001']], [2], ';')
    """
    grid = read_grids(path)[0]
    if not grid.records:
        what = "il file è vuoto" if grid.sheet is None else "il primo foglio è vuoto"
        raise DataError([Problem(grid.label, None, None, f"{what}: manca la riga di intestazione")])
    table = raw_table(grid, 0)
    if table.encoding == "utf-8-sig":
        table.encoding = "utf-8"
    return table


def raw_table(grid: Grid, header_index: int) -> RawTable:
    """The rows of ``grid`` below its header, aligned with it.

    Rows with trailing empty cells beyond the header are trimmed (spreadsheets write
    them); a row with another number of cells is set aside in ``ragged``: we do not
    guess which field moved.

    Parameters
    ----------
    grid : Grid
        A file or sheet, read.
    header_index : int
        Position in ``grid.records`` of the header row.

    Returns
    -------
    RawTable
        Header, rows, their first and last lines, ragged rows and blank lines below the header.
    """
    header_record = grid.records[header_index]
    header = header_record.cells
    table = RawTable(
        path=grid.path,
        header=header,
        rows=[],
        lines=[],
        header_line=header_record.start,
        encoding=grid.encoding,
        delimiter=grid.delimiter,
        sheet=grid.sheet,
    )
    table.blank_lines = sum(line > header_record.end for line in grid.blank_lines)
    width = len(header)
    for record in grid.records[header_index + 1 :]:
        cells = record.cells
        if len(cells) > width and not any(cells[width:]):
            cells = cells[:width]
        if len(cells) != width:
            table.ragged.append((record.start, len(record.cells)))
            continue
        table.rows.append(cells)
        table.lines.append(record.start)
        table.ends.append(record.end)
    return table
