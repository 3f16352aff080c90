"""Workbooks (``.xlsx``, ``.xlsm``, ``.xls``, ``.ods``) read with python-calamine, sheet by sheet.

Every sheet becomes rows of text numbered as the sheet numbers them (row 1 is the
first row of the sheet, whatever is empty above the data), with each value written as
a person would type it in a CSV: ``7`` rather than ``7.0``, ``2019-03-14`` for a date,
``VERO``/``FALSO`` for a boolean. Calamine reads the values Excel stored: a formula
gives its last computed value (nothing when none was saved), an error cell (``#N/D``)
reads empty, and a merged range holds its value in its top-left cell only.

A file that is not the workbook its suffix says (a CSV renamed ``.xlsx``, an ``.xls``
that is a web page, a password-protected workbook) is refused with a sentence saying
what it is.
"""

from __future__ import annotations

import datetime as dt
import posixpath
import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from xml.etree import ElementTree

from python_calamine import CalamineWorkbook, PasswordError, SheetTypeEnum, SheetVisibleEnum

from palestre_analysis.core.problems import WARNING, DataError, Problem
from palestre_analysis.ingest.decoding import clean_cell, has_special, invisible_note

__all__ = ["WORKBOOK_SUFFIXES", "MAX_CELLS", "Sheet", "sheet_label", "cell_text", "read_workbook"]

#: Suffixes read as workbooks (any case).
WORKBOOK_SUFFIXES = (".xlsx", ".xlsm", ".xls", ".ods")

_ZIP_MAGIC = b"PK\x03\x04"
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ENCRYPTED = "EncryptionInfo".encode("utf-16-le")  # the stream an encrypted OOXML file keeps in its OLE box
_MIDNIGHT = dt.time(0, 0)
#: Cells of a sheet (from A1 to its last used cell) beyond which it is not read: calamine
#: holds every cell of the range in memory, and a value left in cell XFD1048576 would ask
#: for hundreds of gigabytes (and end the process instead of raising).
MAX_CELLS = 25_000_000
_TOO_MANY_CELLS = (
    "{what}, troppe da leggere: di solito è un valore o uno spazio rimasto in una cella "
    "lontana dai dati; cancellare le righe e le colonne vuote dopo i dati e salvare di nuovo"
)
_HUGE = "{} foglio ha più di 100 milioni di celle"
_DIMENSION = re.compile(rb'<(?:\w+:)?dimension\s+ref="(?:[A-Z]{1,3}\d+:)?([A-Z]{1,3})(\d+)"')
_SEPARATOR = "\x1f"


@dataclass
class Sheet:
    """One sheet of a workbook, as text.

    Parameters
    ----------
    name : str
        The sheet's name.
    rows : list of list of str
        ``rows[0]`` is row 1 of the sheet, down to the last row with a value; each row
        has a cell per column from ``A`` to the last used column, stripped, without
        invisible characters.
    notes : list of Problem, default []
        Warnings about the sheet (hidden, merged cells, invisible characters removed).
    """

    name: str
    rows: list[list[str]]
    notes: list[Problem] = field(default_factory=list)


def sheet_label(file_name: str, sheet: str | None) -> str:
    """How problems name a file, or a sheet of a workbook.

    Parameters
    ----------
    file_name : str
        The file name.
    sheet : str or None
        The sheet's name; ``None`` for a text file.

    Returns
    -------
    str
        ``file_name``, or ``file_name (foglio «sheet»)``.

    Examples
    --------
    >>> sheet_label("incontri.xlsx", "Fase 2"), sheet_label("enti.csv", None)
    ('incontri.xlsx (foglio «Fase 2»)', 'enti.csv')
    """
    return file_name if sheet is None else f"{file_name} (foglio «{sheet}»)"


def _rounded(value: dt.datetime) -> dt.datetime:
    """To the nearest second: Excel's day fractions come back as 09:29:59.999998."""
    if value.microsecond >= 500_000:
        value += dt.timedelta(seconds=1)
    return value.replace(microsecond=0)


def cell_text(value: object) -> str:
    """A workbook value as the text a person would type in a CSV.

    Parameters
    ----------
    value : object
        A value as calamine returns it.

    Returns
    -------
    str
        ``""`` for an empty cell; ``VERO``/``FALSO``; a date as ``YYYY-MM-DD``, a
        date-time as ``YYYY-MM-DD HH:MM:SS`` (or just the date at midnight), a time as
        ``HH:MM:SS``; a whole number without decimals, another number with at most the
        15 significant digits Excel shows; a duration as ``str`` gives it.

    Examples
    --------
    >>> [cell_text(v) for v in (None, True, 7.0, 7.5, 0.1 + 0.2, dt.datetime(2019, 3, 14), dt.time(9, 30))]
    ['', 'VERO', '7', '7.5', '0.3', '2019-03-14', '09:30:00']
    >>> cell_text(dt.datetime(2019, 3, 14, 9, 29, 59, 999_998)), cell_text(dt.timedelta(hours=30))
    ('2019-03-14 09:30:00', '1 day, 6:00:00')
    """
    kind = type(value)
    if kind is str:
        return value
    if value is None:
        return ""
    if kind is bool:
        return "VERO" if value else "FALSO"
    if kind is float:
        if value.is_integer() and abs(value) < 1e15:
            return str(int(value))
        return format(value, ".15g")
    if kind is int:
        return str(value)
    if isinstance(value, dt.datetime):
        value = _rounded(value)
        if value.time() == _MIDNIGHT:
            return value.date().isoformat()
        return value.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, dt.time):
        return _rounded(dt.datetime.combine(dt.date(2000, 1, 1), value)).strftime("%H:%M:%S")
    return str(value)


def _refuse(path: Path, detail: str) -> DataError:
    reason = f"il file ha estensione {path.suffix.lower()} ma non è una cartella di lavoro valida: {detail}"
    return DataError([Problem(path.name, None, None, reason)])


def _what_kind(data: bytes) -> str:
    """``zip``, ``ole``, ``markup``, ``text`` or ``binary``: what the first bytes say."""
    if data.startswith(_ZIP_MAGIC):
        return "zip"
    if data.startswith(_OLE_MAGIC):
        return "ole"
    head = data[:4096]
    controls = sum(b < 32 and b not in (9, 10, 13) for b in head)
    if b"\x00" in head or controls > len(head) // 100:
        return "binary"
    if head.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"<"):
        return "markup"
    return "text"


def _check_container(path: Path) -> None:
    """Raise a sentence when the bytes are not the workbook the suffix announces."""
    suffix = path.suffix.lower()
    data = path.read_bytes()
    if not data:
        raise _refuse(path, "il file è vuoto (0 byte); salvarlo di nuovo dal programma che l'ha creato")
    kind = _what_kind(data)
    program = "OpenDocument" if suffix == ".ods" else "Excel"
    if kind == "text":
        raise _refuse(
            path,
            f"contiene testo, non è un file {program} valido (forse è un CSV con l'estensione sbagliata); "
            "rinominarlo con estensione .csv, oppure aprirlo e salvarlo come cartella di lavoro",
        )
    if kind == "markup":
        raise _refuse(
            path,
            "è una pagina web (HTML) o un foglio XML salvato con un'estensione da cartella di lavoro; "
            "aprirlo in Excel o LibreOffice e salvarlo come .xlsx oppure come CSV UTF-8",
        )
    if kind == "binary":
        raise _refuse(
            path,
            "è danneggiato o di un altro tipo; salvarlo di nuovo come cartella di lavoro oppure come CSV UTF-8",
        )
    if suffix == ".xls":
        if kind == "zip":
            raise _refuse(path, "è in formato .xlsx (o .ods); rinominarlo con l'estensione giusta")
        return
    if kind == "ole":
        if _ENCRYPTED in data:
            raise DataError([_password(path)])
        raise _refuse(path, "è in formato Excel 97-2003; rinominarlo con estensione .xls")
    _check_zip(path, suffix)


def _check_zip(path: Path, suffix: str) -> None:
    try:
        with zipfile.ZipFile(path) as archive:
            names = set(archive.namelist())
            mimetype = archive.read("mimetype").decode("ascii", "replace") if "mimetype" in names else ""
    except Exception:  # zipfile raises BadZipFile, OSError, NotImplementedError... for a damaged archive
        raise _refuse(path, "è danneggiato o incompleto; salvarlo di nuovo oppure esportarlo come CSV UTF-8") from None
    excel = "xl/workbook.xml" in names
    opendocument = "content.xml" in names and "spreadsheet" in mimetype
    if "xl/workbook.bin" in names:
        raise _refuse(path, "è in formato binario di Excel (.xlsb); salvarlo come .xlsx oppure come CSV UTF-8")
    if suffix == ".ods" and excel:
        raise _refuse(path, "è una cartella di lavoro Excel; rinominarla con estensione .xlsx")
    if suffix != ".ods" and opendocument:
        raise _refuse(path, "è un foglio di calcolo OpenDocument; rinominarlo con estensione .ods")
    if not (excel or opendocument):
        what = "un documento di Word" if "word/document.xml" in names else "un altro tipo di documento"
        raise _refuse(path, f"è un archivio ZIP che non contiene fogli di calcolo (forse {what} rinominato)")
    if excel:
        _check_used_ranges(path)


def _column_number(letters: str) -> int:
    number = 0
    for letter in letters:
        number = number * 26 + ord(letter) - ord("A") + 1
    return number


def _sheet_parts(archive: zipfile.ZipFile) -> dict[str, str]:
    """Zip member of each sheet of an Excel workbook → the sheet's name (empty when unknown)."""
    names = {}
    try:
        relations = ElementTree.fromstring(archive.read("xl/_rels/workbook.xml.rels"))
        targets = {r.get("Id"): r.get("Target", "") for r in relations if r.tag.endswith("Relationship")}
        for sheet in ElementTree.fromstring(archive.read("xl/workbook.xml")).iter():
            if sheet.tag.endswith("}sheet"):
                rid = next((v for k, v in sheet.attrib.items() if k.endswith("}id")), None)
                target = targets.get(rid, "")
                part = target.lstrip("/") if target.startswith("/") else posixpath.normpath(f"xl/{target}")
                names[part] = sheet.get("name", "")
    except Exception:  # a workbook we cannot map is left to calamine, which says it is damaged
        return {}
    return names


def _check_used_ranges(path: Path) -> None:
    """Refuse a sheet whose used range (``<dimension>``, as Excel writes it) is too large to hold.

    Streaming writers that leave the dimension out are trusted: a stray value far from the
    data is a trace of hand editing, and Excel and LibreOffice always write the dimension.
    """
    try:
        with zipfile.ZipFile(path) as archive:
            parts = _sheet_parts(archive)
            found = []
            for part, name in parts.items():
                with archive.open(part) as stream:
                    head = stream.read(4096)
                match = _DIMENSION.search(head)
                if match:
                    found.append((name, match.group(1).decode(), int(match.group(2))))
    except Exception:
        return  # calamine will say what is wrong with the archive
    for name, letters, row in found:
        if row * _column_number(letters) > MAX_CELLS:
            raise DataError(
                [
                    Problem(
                        sheet_label(path.name, name or None),
                        None,
                        None,
                        _TOO_MANY_CELLS.format(
                            what=f"il foglio ha celle usate fino a {letters}{row} ({row} righe per "
                            f"{_column_number(letters)} colonne)"
                        ),
                    )
                ]
            )


def _password(path: Path) -> Problem:
    return Problem(
        path.name,
        None,
        None,
        "la cartella di lavoro è protetta da password: aprirla, togliere la password e salvarla di nuovo, "
        "oppure esportare i fogli come CSV UTF-8",
    )


def read_workbook(path: Path) -> list[Sheet]:
    """Every sheet of a workbook, in order, as rows of text (empty sheets included, without rows).

    Parameters
    ----------
    path : Path
        An ``.xlsx``, ``.xlsm``, ``.xls`` or ``.ods`` file.

    Returns
    -------
    list of Sheet
        One per sheet (chart sheets are sheets without rows).

    Raises
    ------
    DataError
        With one sentence when the file is not the workbook its suffix says, is
        password-protected, or cannot be read.

    Examples
    --------
    >>> import openpyxl, tempfile, pathlib
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "incontri.xlsx"
    >>> book = openpyxl.Workbook()
    >>> book.active["B3"] = "Incontro"
    >>> book.active["B4"] = 1.0
    >>> book.save(path)
    >>> [(s.name, s.rows) for s in read_workbook(path)]
    [('Sheet', [['', ''], ['', ''], ['', 'Incontro'], ['', '1']])]
    """
    path = Path(path)
    _check_container(path)
    try:
        book = CalamineWorkbook.from_path(str(path))
    except PasswordError:
        raise DataError([_password(path)]) from None
    except BaseException as exc:  # a Rust panic in calamine is a BaseException, not an Exception
        _reraise_interrupt(exc)
        if "cell limit" in str(exc).lower():  # calamine's own guard, for OpenDocument sheets
            raise DataError([Problem(path.name, None, None, _TOO_MANY_CELLS.format(what=_HUGE.format("un")))]) from None
        raise _refuse(path, "è danneggiato o incompleto; salvarlo di nuovo oppure esportarlo come CSV UTF-8") from None
    sheets = []
    try:
        for metadata in book.sheets_metadata:
            try:
                sheets.append(_read_sheet(path, book, metadata))
            except PasswordError:
                raise DataError([_password(path)]) from None
            except DataError:
                raise
            except BaseException as exc:  # whatever calamine raises or panics with for one sheet
                _reraise_interrupt(exc)
                reason = (
                    _TOO_MANY_CELLS.format(what=_HUGE.format("il"))
                    if "cell limit" in str(exc).lower()
                    else "il foglio non si può leggere (è danneggiato): salvare di nuovo la cartella di lavoro "
                    "oppure esportare il foglio come CSV UTF-8"
                )
                raise DataError([Problem(sheet_label(path.name, metadata.name), None, None, reason)]) from None
    finally:
        book.close()
    return sheets


def _reraise_interrupt(exc: BaseException) -> None:
    """Let Ctrl-C and exits through; anything else from calamine is a damaged file."""
    if isinstance(exc, (KeyboardInterrupt, SystemExit, GeneratorExit, MemoryError)):
        raise exc


def _read_sheet(path: Path, book, metadata) -> Sheet:
    label = sheet_label(path.name, metadata.name)
    notes = []
    if metadata.visible != SheetVisibleEnum.Visible:
        notes.append(
            Problem(label, None, None, "il foglio è nascosto nella cartella di lavoro, ma è letto comunque", WARNING)
        )
    if metadata.typ != SheetTypeEnum.WorkSheet:
        return Sheet(metadata.name, [], notes)  # a chart or dialog sheet holds no cells
    sheet = book.get_sheet_by_name(metadata.name)
    values = sheet.to_python(skip_empty_area=False)
    rows = [[v.strip() if type(v) is str else cell_text(v) for v in row] for row in values]
    if has_special(_SEPARATOR.join(_SEPARATOR.join(row) for row in rows)):
        invisible, first = 0, 0
        for number, row in enumerate(rows, start=1):
            for position, cell in enumerate(row):
                if has_special(cell):
                    row[position], removed = clean_cell(cell)
                    if removed:
                        invisible += 1
                        first = first or number
        if invisible:
            notes.append(invisible_note(label, invisible, first))
    merged = [r for r in (sheet.merged_cell_ranges or []) if r[0][0] < len(rows)]
    if merged:
        top = min(r[0][0] for r in merged) + 1
        zones = "1 zona" if len(merged) == 1 else f"{len(merged)} zone"
        notes.append(
            Problem(
                label,
                top,
                None,
                f"il foglio ha {zones} di celle unite, la prima in questa riga: il valore sta solo nella prima "
                "cella di ciascuna zona, le altre sono lette vuote",
                WARNING,
            )
        )
    return Sheet(metadata.name, rows, notes)
