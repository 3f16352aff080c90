"""Reading raw exports as researchers really have them.

CSV in UTF-8 (with or without BOM) or Windows-1252, delimited by ``,`` or ``;``, and
Excel ``.xlsx`` (first sheet). Every cell is read as text, every row keeps the line of
the source file where it starts, so that later checks can say "file, line, column".
Nothing is interpreted here: parsing values is the cleaners' job.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from palestre_analysis.core.problems import DataError, Problem
from palestre_analysis.core.vocabulary import normalize_label

__all__ = ["RawTable", "read_raw_table", "SUFFIXES"]

SUFFIXES = (".csv", ".xlsx")


@dataclass
class RawTable:
    """One raw file read as text.

    ``rows`` are lists of stripped strings aligned with ``header``; ``lines`` gives
    the source line (CSV) or sheet row (xlsx) where each row starts. Rows with a wrong
    number of fields are kept in ``ragged`` as ``(line, n_fields)`` and not in ``rows``.

    Parameters
    ----------
    path : Path
        The file read.
    header : list of str
        The first non-blank row, stripped.
    rows : list of list of str
        The data rows with as many cells as ``header`` (trailing empty cells beyond it
        are dropped), stripped.
    lines : list of int
        Source line (CSV) or sheet row (xlsx) where each row of ``rows`` starts, 1-based.
    ragged : list of tuple of (int, int), default []
        ``(line, n_fields)`` of each row with a different number of fields.
    blank_lines : int, default 0
        Blank rows after the header (skipped, not counted as read).
    header_line : int, default 1
        Line of the header.
    encoding : str, default ""
        ``utf-8``, ``cp1252`` or ``xlsx``.
    delimiter : str, default ""
        ``,`` or ``;`` for a CSV, ``""`` for xlsx.
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

    @property
    def name(self) -> str:
        """The file name, as problems show it."""
        return self.path.name

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
    """Read a CSV or xlsx file as text, or raise :class:`DataError` with a sentence.

    Parameters
    ----------
    path : Path
        A ``.csv`` or ``.xlsx`` file.

    Returns
    -------
    RawTable
        Header, rows of stripped strings, and the source line of each row.

    Raises
    ------
    DataError
        When the suffix is neither ``.csv`` nor ``.xlsx`` (any case), the file has no
        header, a CSV is neither UTF-8 nor Windows-1252 text (or holds null bytes: Excel,
        UTF-16) or cannot be parsed, or an ``.xlsx`` is not a readable workbook.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "presenze.csv"
    >>> _ = p.write_bytes("incontro_id;ente_id\\nI01;E001\\n".encode("cp1252"))
    >>> t = read_raw_table(p)
    >>> t.header, t.rows, t.lines, t.delimiter
    (['incontro_id', 'ente_id'], [['I01', 'E001']], [2], ';')
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix == ".xlsx":
        table = _read_xlsx(path)
    elif suffix == ".csv":
        table = _read_csv(path)
    else:
        raise DataError([Problem(path.name, None, None, "formato non supportato: servono file .csv o .xlsx")])
    if not table.header or not any(table.header):
        raise DataError([Problem(path.name, None, None, "il file è vuoto: manca la riga di intestazione")])
    return table


# --- CSV ------------------------------------------------------------------------------------


def _decode(path: Path, data: bytes) -> tuple[str, str]:
    """Decode as UTF-8 (BOM or not), else Windows-1252; otherwise a sentence."""
    try:
        return data.decode("utf-8-sig"), "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252"), "cp1252"
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise DataError(
            [
                Problem(
                    path.name,
                    line,
                    None,
                    f"codifica non riconosciuta (byte 0x{data[exc.start]:02x}): salvare il file come "
                    "CSV UTF-8 oppure Windows-1252",
                )
            ]
        ) from None


def _sniff_delimiter(text: str) -> str:
    """``;`` or ``,``: whichever splits the header line into more fields."""
    first = next((line for line in text.splitlines() if line.strip()), "")
    counts = {d: len(next(csv.reader([first], delimiter=d), [])) for d in (";", ",")}
    return ";" if counts[";"] > counts[","] else ","


def _read_csv(path: Path) -> RawTable:
    data = path.read_bytes()
    if b"\x00" in data[:4096]:
        raise DataError(
            [
                Problem(
                    path.name,
                    None,
                    None,
                    "il file non è un CSV di testo (contiene byte nulli): è forse un file "
                    "Excel o UTF-16? Esportarlo come CSV UTF-8",
                )
            ]
        )
    text, encoding = _decode(path, data)
    delimiter = _sniff_delimiter(text)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=False)
    table = RawTable(path=path, header=[], rows=[], lines=[], encoding=encoding, delimiter=delimiter)
    previous_end = 0
    try:
        for record in reader:
            start, previous_end = previous_end + 1, reader.line_num
            _add_record(table, record, start)
    except csv.Error as exc:
        raise DataError(
            [
                Problem(
                    path.name,
                    reader.line_num,
                    None,
                    f"CSV non leggibile ({exc}): controllare virgolette e delimitatori",
                )
            ]
        ) from None
    return table


def _add_record(table: RawTable, record: list[str], line: int) -> None:
    cells = [c.strip() for c in record]
    if not any(cells):
        if table.header:
            table.blank_lines += 1
        return
    if not table.header:
        table.header, table.header_line = cells, line
        return
    width = len(table.header)
    if len(cells) > width and not any(cells[width:]):
        cells = cells[:width]  # trailing empty fields, as spreadsheets often write
    if len(cells) != width:  # a missing or extra delimiter: we do not guess which field moved
        table.ragged.append((line, len(record)))
        return
    table.rows.append(cells)
    table.lines.append(line)


# --- Excel ----------------------------------------------------------------------------------


def _read_xlsx(path: Path) -> RawTable:
    import openpyxl  # imported here: only Excel files pay for it

    if not zipfile.is_zipfile(path):
        raise DataError(
            [
                Problem(
                    path.name,
                    None,
                    None,
                    "il file ha estensione .xlsx ma non è un file Excel valido: "
                    "riaprirlo e salvarlo come cartella di lavoro Excel (.xlsx) oppure come CSV",
                )
            ]
        )
    try:
        workbook = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many types for broken workbooks
        raise DataError(
            [
                Problem(
                    path.name,
                    None,
                    None,
                    f"file Excel non leggibile ({type(exc).__name__}): salvarlo di nuovo come .xlsx",
                )
            ]
        ) from None
    try:
        sheet = workbook.worksheets[0]
        table = RawTable(path=path, header=[], rows=[], lines=[], encoding="xlsx", delimiter="")
        for number, values in enumerate(sheet.iter_rows(values_only=True), start=1):
            _add_record(table, [_cell_text(v) for v in values], number)
    finally:
        workbook.close()
    return table


def _cell_text(value: object) -> str:
    """An Excel cell as the text a person would type in a CSV."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "VERO" if value else "FALSO"
    if isinstance(value, dt.datetime):
        if value.time() == dt.time(0, 0):
            return value.date().isoformat()
        return value.isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)
