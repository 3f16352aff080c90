"""Write the corpus of export variants of the demo raw files, deterministically.

Run ``.venv/bin/python tests/ingest/corpus/build.py`` from the project root: every case of
``cases.toml`` gets its folder ``files/<case>/`` with the files it adds to a copy of the
demo folder (the demo files it replaces are named in ``cases.toml`` under ``removes``).
Each variant imitates what a real program writes (Excel on Windows or Mac, LibreOffice,
Google and Microsoft Forms, a hand-edited file...); the docstring of each builder and the
comment in ``cases.toml`` say which.

The variants are made from the demo files in ``data/raw`` (never from the library's demo
writer, which others may be changing), and ``demo_inputs.json`` records the hashes of the
demo files they were made from, so that the test can tell a stale corpus from a bug.
``build.py --check`` rebuilds into a temporary folder and compares byte for byte.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import json
import re
import shutil
import sys
import tempfile
import zipfile
from collections.abc import Callable
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[2]
RAW = ROOT / "data" / "raw"
FILES = HERE / "files"
INPUTS = HERE / "demo_inputs.json"

DEMO_FILES = (
    "enti.csv",
    "incontri.xlsx",
    "presenze.csv",
    "contributi.csv",
    "valutazioni.csv",
    "valutazioni_modulo_google.csv",
)
FIXED_TIME = dt.datetime(2019, 7, 1)

Rows = list[list[str]]
BUILDERS: dict[str, Callable[[dict], dict[str, bytes]]] = {}


def case(name: str):
    """Register the builder of one case: it returns ``{file name: bytes}``."""

    def register(function):
        if name in BUILDERS:
            raise ValueError(f"case {name} defined twice")
        BUILDERS[name] = function
        return function

    return register


# --- reading the demo ---------------------------------------------------------------------------


def _read_csv(name: str, encoding: str, delimiter: str = ",") -> Rows:
    with open(RAW / name, encoding=encoding, newline="") as handle:
        return [list(r) for r in csv.reader(handle, delimiter=delimiter)]


def _read_meetings() -> list[list]:
    """The demo meetings sheet as cells: ``[(value, number_format), ...]`` per row."""
    import openpyxl

    sheet = openpyxl.load_workbook(RAW / "incontri.xlsx").active
    return [[(c.value, c.number_format) for c in row] for row in sheet.iter_rows()]


def load_demo() -> dict:
    """The demo tables as rows of strings (meetings: cells with their number format)."""
    meetings = _read_meetings()
    return {
        "enti": _read_csv("enti.csv", "utf-8-sig"),
        "presenze": _read_csv("presenze.csv", "utf-8"),
        "contributi": _read_csv("contributi.csv", "cp1252", ";"),
        "forms": _read_csv("valutazioni_modulo_google.csv", "utf-8"),
        "forms_bytes": (RAW / "valutazioni_modulo_google.csv").read_bytes(),
        "enti_bytes": (RAW / "enti.csv").read_bytes(),
        "meetings": meetings,
        "meeting_dates": [_meeting_date(row[1][0]) for row in meetings[1:]],
    }


def _meeting_date(value) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    return dt.datetime.strptime(value, "%d/%m/%Y").date()


def _copy(rows: Rows) -> Rows:
    return [list(r) for r in rows]


# --- writing ------------------------------------------------------------------------------------


def csv_text(rows: Rows, delimiter: str = ",", terminator: str = "\r\n", quoting=csv.QUOTE_MINIMAL) -> str:
    buffer = io.StringIO(newline="")
    csv.writer(buffer, delimiter=delimiter, lineterminator=terminator, quoting=quoting).writerows(rows)
    return buffer.getvalue()


def csv_bytes(rows: Rows, delimiter: str = ",", encoding: str = "utf-8", terminator: str = "\r\n") -> bytes:
    return csv_text(rows, delimiter, terminator).encode(encoding)


def deterministic_zip(data: bytes) -> bytes:
    """Rewrite an OOXML or ODF package with fixed timestamps (entries and document metadata)."""
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as target:
        for info in source.infolist():
            content = source.read(info.filename)
            if info.filename in ("docProps/core.xml", "meta.xml"):
                for tag in (rb"dcterms:created", rb"dcterms:modified", rb"meta:creation-date", rb"dc:date"):
                    content = re.sub(rb"(<" + tag + rb"[^>]*>)[^<]*", rb"\g<1>2019-07-01T00:00:00Z", content)
            fixed = zipfile.ZipInfo(info.filename, date_time=(1980, 1, 1, 0, 0, 0))
            fixed.compress_type = info.compress_type
            fixed.external_attr = info.external_attr
            target.writestr(fixed, content)
    return out.getvalue()


def xlsx_bytes(sheets: list[tuple[str, list[list]]], merges: dict[str, list[str]] | None = None) -> bytes:
    """A workbook: ``[(sheet title, rows)]``; a cell is a value or ``(value, number_format)``."""
    import openpyxl

    workbook = openpyxl.Workbook()
    workbook.remove(workbook.active)
    for title, rows in sheets:
        sheet = workbook.create_sheet(title)
        for r, row in enumerate(rows, start=1):
            for c, cell in enumerate(row, start=1):
                value, number_format = cell if isinstance(cell, tuple) else (cell, None)
                if value is None or value == "":
                    continue
                target = sheet.cell(row=r, column=c, value=value)
                if number_format and number_format != "General":
                    target.number_format = number_format
        for span in (merges or {}).get(title, []):
            sheet.merge_cells(span)
    workbook.properties.created = workbook.properties.modified = FIXED_TIME
    buffer = io.BytesIO()
    workbook.save(buffer)
    return deterministic_zip(buffer.getvalue())


def xls_bytes(title: str, rows: Rows) -> bytes:
    """An Excel 97-2003 workbook (xlwt), as old Excel and many management programs write."""
    import xlwt

    workbook = xlwt.Workbook(encoding="utf-8")
    sheet = workbook.add_sheet(title)
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            if value != "":
                sheet.write(r, c, value)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def ods_bytes(title: str, rows: Rows) -> bytes:
    """A LibreOffice Calc workbook, written by pandas with odfpy."""
    import pandas as pd

    frame = pd.DataFrame(rows[1:], columns=rows[0])
    buffer = io.BytesIO()
    with pd.ExcelWriter(buffer, engine="odf") as writer:
        frame.to_excel(writer, sheet_name=title, index=False)
    return deterministic_zip(buffer.getvalue())


def excel_serial(day: dt.date) -> int:
    return (day - dt.date(1899, 12, 30)).days


# --- entities -----------------------------------------------------------------------------------


@case("01_enti_cp1252_semicolon")
def _enti_cp1252(demo):
    """Excel on Italian Windows, «CSV (delimitato dal separatore di elenco)»: Windows-1252 and ``;``."""
    return {"enti.csv": csv_bytes(demo["enti"], ";", "cp1252")}


@case("02_enti_macroman_cr")
def _enti_macroman(demo):
    """Excel 2011 for Mac, «CSV (Macintosh)»: Mac Roman, lines ended by CR alone."""
    return {"enti.csv": csv_bytes(demo["enti"], ";", "mac_roman", terminator="\r")}


@case("03_enti_utf16_tab_txt")
def _enti_utf16(demo):
    """Excel «Testo Unicode (*.txt)»: UTF-16 LE with BOM, tab-delimited, CRLF."""
    return {"enti.txt": b"\xff\xfe" + csv_text(demo["enti"], "\t").encode("utf-16-le")}


@case("04_enti_tsv")
def _enti_tsv(demo):
    """Google Sheets «Valori separati da tabulazione (.tsv)»: UTF-8, tabs."""
    return {"enti.tsv": csv_bytes(demo["enti"], "\t", "utf-8", terminator="\n")}


@case("05_enti_sep_directive")
def _enti_sep(demo):
    """A CSV written for Excel by a web application: first line ``sep=;``."""
    return {"enti.csv": b"sep=;\r\n" + csv_bytes(demo["enti"], ";", "utf-8")}


@case("06_enti_title_above_header")
def _enti_title(demo):
    """An Excel sheet with a title row and an empty row above the header, saved as CSV (``;;;;;``)."""
    width = len(demo["enti"][0])
    rows = [["Elenco enti partecipanti – Palestre di capacità"] + [""] * (width - 1), [""] * width]
    return {"enti.csv": csv_bytes(rows + demo["enti"], ";", "utf-8-sig")}


TYPE_VARIANTS = {
    "aps": ("APS-ETS", "APS ETS"),
    "odv": ("ODV ETS", "ODV-ETS"),
    "cooperativa sociale": ("Coop. soc.",),
    "impresa sociale": ("Cooperativa sociale ONLUS",),
    "fondazione": ("Fondazione ONLUS",),
    "altra fondazione": ("Fondazione ONLUS",),
    "comune": ("Comune di Bergamo",),
    "pubblica amministrazione": ("Comune di Lecco",),
}
APS = {"aps", "a.p.s.", "associazione di promozione sociale"}
ODV = {"odv", "o.d.v.", "organizzazione di volontariato"}
TERRITORY_VARIANTS = {
    "bg": ("Provincia di Bergamo", "Bergamo (BG)"),
    "bergamo": ("Provincia di Bergamo", "Bergamo (BG)"),
    "lecco": ("Prov. di Lecco",),
    "milano": ("Milano Città Metropolitana", "Città metropolitana di Milano"),
    "mi": ("Milano Città Metropolitana", "Città metropolitana di Milano"),
}


@case("07_enti_real_spellings")
def _enti_spellings(demo):
    """A register kept by hand: types and territories as the third-sector registry (RUNTS) and offices write them."""
    rows = _copy(demo["enti"])
    seen: dict[str, int] = {}
    for row in rows[1:]:
        kind = row[2].lower()
        key = "aps" if kind in APS else "odv" if kind in ODV else kind
        if key in TYPE_VARIANTS:
            variants = TYPE_VARIANTS[key]
            row[2] = variants[seen.get(key, 0) % len(variants)]
            seen[key] = seen.get(key, 0) + 1
        place = row[3].lower()
        if place in TERRITORY_VARIANTS:
            variants = TERRITORY_VARIANTS[place]
            row[3] = variants[seen.get(place, 0) % len(variants)]
            seen[place] = seen.get(place, 0) + 1
        row[1] = row[1].replace("'", "’")
    return {"enti.csv": csv_bytes(rows, ",", "utf-8-sig")}


def _line_of(rows: Rows, entity_id: str) -> int:
    """Physical line of an entity in the demo enti.csv (header at line 1, one line per row)."""
    return next(i for i, r in enumerate(rows, start=1) if r[0] == entity_id)


@case("08_enti_one_cp1252_byte")
def _enti_one_byte(demo):
    """A UTF-8 file where one name was retyped in a Windows editor: one «à» is the single byte 0xE0."""
    lines = demo["enti_bytes"].split(b"\r\n")
    index = _line_of(demo["enti"], "E058") - 1
    assert "à".encode() in lines[index]
    lines[index] = lines[index].replace("à".encode(), b"\xe0", 1)
    return {"enti.csv": b"\r\n".join(lines)}


@case("09_enti_double_encoded")
def _enti_mojibake(demo):
    """One name pasted from a page read with the wrong encoding: «ComunitÃ\xa0» (UTF-8 read as Windows-1252)."""
    rows = _copy(demo["enti"])
    row = rows[_line_of(rows, "E060") - 1]
    row[1] = row[1].encode("utf-8").decode("cp1252", errors="replace")
    assert "Ã" in row[1]
    return {"enti.csv": csv_bytes(rows, ",", "utf-8-sig")}


@case("10_enti_zero_width_spaces")
def _enti_zero_width(demo):
    """Codes copied from a web page or a PDF: zero-width spaces (U+200B) inside them."""
    rows = _copy(demo["enti"])
    for entity_id, spoiled in (("E012", "E0\u200b12"), ("E040", "E04\u200b0"), ("E077", "E077\u200b")):
        rows[_line_of(rows, entity_id) - 1][0] = spoiled
    return {"enti.csv": csv_bytes(rows, ",", "utf-8-sig")}


@case("11_enti_email_in_code")
def _enti_email_code(demo):
    """A delegate's e-mail typed into the code cell (a column shifted while copying)."""
    rows = _copy(demo["enti"])
    rows[_line_of(rows, "E088") - 1][0] = "mario.rossi@example.org"
    return {"enti.csv": csv_bytes(rows, ",", "utf-8-sig")}


@case("12_enti_xls")
def _enti_xls(demo):
    """Excel 97-2003 (.xls), as old offices and management software still export."""
    return {"enti.xls": xls_bytes("Enti", demo["enti"])}


@case("13_enti_ods")
def _enti_ods(demo):
    """LibreOffice Calc (.ods)."""
    return {"enti.ods": ods_bytes("Enti", demo["enti"])}


def _cover(title: str) -> list[list]:
    return [
        [title],
        [],
        ["Data", (dt.datetime(2019, 7, 1), "DD/MM/YYYY")],
        ["Note", "Elenco aggiornato dalla segreteria; non modificare i codici."],
        ["Versione", "3"],
    ]


@case("14_workbook_all_tables")
def _workbook(demo):
    """One Excel workbook kept by the secretariat: a cover sheet and one sheet per table."""
    sheets = [
        ("Copertina", _cover("Palestre di capacità – dati del percorso")),
        ("enti", demo["enti"]),
        ("incontri", demo["meetings"]),
        ("presenze", demo["presenze"]),
        ("contributi", demo["contributi"]),
    ]
    return {"dati_palestre.xlsx": xlsx_bytes(sheets)}


@case("15_enti_two_row_header")
def _enti_two_rows(demo):
    """An Excel sheet with a two-row header: «Ente» merged over code and name, the other names merged down."""
    header = demo["enti"][0]
    assert header[:4] == ["ente_id", "denominazione", "tipologia", "territorio"]
    top = ["Ente", None, "tipologia", "territorio", "delegato", "email"]
    bottom = ["ente_id", "denominazione", None, None, None, None]
    merges = {"Enti": ["A1:B1", "C1:C2", "D1:D2", "E1:E2", "F1:F2"]}
    return {"enti.xlsx": xlsx_bytes([("Enti", [top, bottom] + demo["enti"][1:])], merges)}


@case("16_enti_cover_sheet")
def _enti_cover(demo):
    """An Excel file whose first sheet is a cover page and the second the list."""
    sheets = [("Copertina", _cover("Elenco enti partecipanti")), ("Elenco", demo["enti"])]
    return {"enti.xlsx": xlsx_bytes(sheets)}


@case("17_enti_unknown_type")
def _enti_banca(demo):
    """A type outside the vocabulary («Banca») for an entity with attendance, contributions and votes."""
    rows = _copy(demo["enti"])
    rows[_line_of(rows, "E014") - 1][2] = "Banca"
    return {"enti.csv": csv_bytes(rows, ",", "utf-8-sig")}


@case("41_enti_excel_used_range")
def _enti_used_range(demo):
    """Excel saving a sheet whose used range is wider and longer than the table: empty cells at the end
    of every row (``,,``), an emptied row in the middle and three at the bottom."""
    width = len(demo["enti"][0]) + 2
    rows = [r + ["", ""] for r in demo["enti"]]
    rows.insert(48, [""] * width)
    rows += [[""] * width] * 3
    return {"enti.csv": csv_bytes(rows, ",", "utf-8-sig")}


# --- attendance ---------------------------------------------------------------------------------


@case("18_presenze_code_variants")
def _presenze_variants(demo):
    """Sign-in sheets typed by hand: «e012», «E 012», «E12» for the code E012."""
    rows = _copy(demo["presenze"])
    lines = [i for i, r in enumerate(rows, start=1) if r[1] == "E012"][:3]
    for line, spelling in zip(lines, ("e012", "E 012", "E12")):
        rows[line - 1][1] = spelling
    return {"presenze.csv": csv_bytes(rows, ",", "utf-8")}


@case("40_presenze_txt")
def _presenze_txt(demo):
    """A CSV saved with the extension .txt (Notepad, «Salva come testo»)."""
    return {"presenze.txt": csv_bytes(demo["presenze"], ",", "utf-8")}


# --- meetings -----------------------------------------------------------------------------------


def _meeting_rows(demo, write_date: Callable[[int, dt.date], str]) -> Rows:
    rows = [[str(v) for v, _ in demo["meetings"][0]]]
    for number, (row, day) in enumerate(zip(demo["meetings"][1:], demo["meeting_dates"])):
        cells = ["" if v is None else str(v) for v, _ in row]
        cells[1] = write_date(number, day)
        rows.append(cells)
    return rows


@case("19_incontri_us_dates")
def _meetings_us(demo):
    """Excel with the US locale, saved as CSV: dates M/D/YYYY."""
    rows = _meeting_rows(demo, lambda n, d: f"{d.month}/{d.day}/{d.year}")
    return {"incontri.csv": csv_bytes(rows, ",", "utf-8-sig")}


@case("20_incontri_excel_serials")
def _meetings_serials(demo):
    """Dates exported as Excel serial numbers in text (a date column formatted as «Generale»)."""
    rows = _meeting_rows(demo, lambda n, d: str(excel_serial(d)))
    return {"incontri.csv": csv_bytes(rows, ";", "utf-8-sig")}


@case("21_incontri_datetimes")
def _meetings_datetimes(demo):
    """Dates with the time of the meeting, ISO and Italian mixed (a calendar export pasted in)."""

    def write(number: int, day: dt.date) -> str:
        return f"{day:%Y-%m-%d} 17:30" if number % 2 == 0 else f"{day:%d/%m/%Y} 17:30"

    return {"incontri.csv": csv_bytes(_meeting_rows(demo, write), ";", "utf-8-sig")}


def ambiguous_dates(dates: list[dt.date]) -> list[dt.date]:
    """The demo dates moved to days 1-12 with day ≠ month: each reads both as D/M and M/D."""
    moved = []
    for day in dates:
        new = (day.day - 1) % 12 + 1
        while new == day.month or day.replace(day=new) in moved:
            new = new % 12 + 1
        moved.append(day.replace(day=new))
    assert all(d.day <= 12 and d.day != d.month for d in moved) and len(set(moved)) == len(moved)
    return moved


@case("22_incontri_ambiguous_dates")
def _meetings_ambiguous(demo):
    """Every date could be day/month or month/day (no day above 12): nobody can tell which."""
    moved = ambiguous_dates(demo["meeting_dates"])
    rows = _meeting_rows(demo, lambda n, d: f"{moved[n]:%d/%m/%Y}")
    return {"incontri.csv": csv_bytes(rows, ";", "utf-8-sig")}


@case("23_incontri_xlsx_datetimes")
def _meetings_xlsx_times(demo):
    """An Excel sheet whose date cells are real date-times with the meeting's start time."""
    rows = [list(demo["meetings"][0])]
    for row, day in zip(demo["meetings"][1:], demo["meeting_dates"]):
        cells = list(row)
        cells[1] = (dt.datetime.combine(day, dt.time(17, 30)), "DD/MM/YYYY HH:MM")
        rows.append(cells)
    return {"incontri.xlsx": xlsx_bytes([("Incontri", rows)])}


# --- contributions ------------------------------------------------------------------------------

UNCLOSED_LINE = 97  # the physical line whose text opens a quote and never closes it


@case("24_contributi_unclosed_quote")
def _contributions_quote(demo):
    """A text that opens a quote and never closes it, in a file that quotes other texts as usual."""
    rows = _copy(demo["contributi"])
    for later in (130, 170):  # two later texts with a «;», so they are quoted normally
        rows[later - 1][3] = rows[later - 1][3].rstrip(".") + "; lo diciamo da anni."
    head = csv_text(rows[: UNCLOSED_LINE - 1], ";")
    broken = rows[UNCLOSED_LINE - 1]
    line = ";".join(broken[:3]) + ';"' + broken[3] + "\r\n"
    assert '"' not in broken[3] and ";" not in broken[3]
    tail = csv_text(rows[UNCLOSED_LINE:], ";")
    return {"contributi.csv": (head + line + tail).encode("cp1252")}


def personal_rows(demo) -> dict:
    """Where case 25 puts personal data: line → (entity, new text, kind)."""
    rows = demo["contributi"]
    by_entity = {r[0]: r[4] for r in demo["enti"][1:]}
    lines = [i for i, r in enumerate(rows, start=1) if i > 1 and r[1] == "E014"]
    chosen = {}
    texts = [
        ("email", "{t} Per contatti: mario.rossi@example.org"),
        ("email", "{t}\n--\nSegreteria APS, segreteria.orizzonti@example.org"),
        ("telefono", "{t} Chi vuole partecipare chiami il +39 333 123 4567."),
        ("nome", "{t} Lo ha proposto {n} a nome del direttivo."),
    ]
    for line, (kind, text) in zip(lines, texts):
        row = rows[line - 1]
        chosen[line] = text.format(t=row[3], n=by_entity[row[1]]), kind
    return chosen


@case("25_contributi_personal_data")
def _contributions_personal(demo):
    """Minutes typed from e-mails: a signature with an address, a phone number, the delegate's full name."""
    rows = _copy(demo["contributi"])
    for line, (text, _) in personal_rows(demo).items():
        rows[line - 1][3] = text
    return {"contributi.csv": csv_bytes(rows, ";", "cp1252")}


MULTILINE = {
    20: "Tre proposte:\n1. un tavolo permanente;\n2. una sede condivisa;\n3. un calendario comune.",
    60: "Serve continuità.\nLe reti nate sui progetti si sciolgono a fine finanziamento.",
    150: "Prima riga del verbale\n\nseconda riga dopo una riga vuota.",
}


@case("26_contributi_multiline")
def _contributions_multiline(demo):
    """Texts of several paragraphs, as Excel writes cells with line breaks (quoted, LF inside, CRLF between)."""
    rows = _copy(demo["contributi"])
    for line, text in MULTILINE.items():
        rows[line - 1][3] = text
    return {"contributi.csv": csv_bytes(rows, ";", "cp1252")}


# --- votes: form exports ------------------------------------------------------------------------

GOOGLE_DEFAULT_NAME = "Palestre di capacità (Risposte) - Risposte del modulo 1.csv"
MICROSOFT_DEFAULT_NAME = "Palestre di capacità(1-23).xlsx"


@case("27_forms_google_default_name")
def _forms_default_name(demo):
    """The Google Forms export under the name Google gives it (responses sheet downloaded as CSV)."""
    return {GOOGLE_DEFAULT_NAME: demo["forms_bytes"]}


def _stamp(text: str) -> dt.datetime:
    return dt.datetime.strptime(text, "%d/%m/%Y %H.%M.%S")


@case("28_forms_us_locale")
def _forms_us(demo):
    """Google Forms with an English (US) account: «Timestamp», «Email Address», M/D/YYYY H:MM:SS.

    The entity that sent the form twice (E049) has dates whose order is right only when
    read month/day: its later submission (line 2) is 5/2/2019 (2 May), the earlier one
    (line 3) 4/3/2019 (3 April); read day/month they would swap.
    """
    rows = _copy(demo["forms"])
    rows[0][0], rows[0][1] = "Timestamp", "Email Address"
    assert rows[1][2] == rows[2][2] == "E049"
    for row in rows[1:]:
        when = _stamp(row[0])
        row[0] = f"{when.month}/{when.day}/{when.year} {when.hour}:{when:%M:%S}"
    rows[1][0] = "5/2/2019 9:35:00"  # the later submission (May 2)
    rows[2][0] = "4/3/2019 9:00:00"  # the earlier one (April 3)
    return {"valutazioni_modulo_google.csv": csv_bytes(rows, ",", "utf-8")}


@case("29_forms_labelled_scale")
def _forms_labelled(demo):
    """A linear scale whose ends have labels: Google writes «10 (moltissimo)» and «1 (per niente)»."""
    rows = _copy(demo["forms"])
    for row in rows[1:]:
        row[3:] = ["10 (moltissimo)" if c == "10" else "1 (per niente)" if c == "1" else c for c in row[3:]]
    return {"valutazioni_modulo_google.csv": csv_bytes(rows, ",", "utf-8")}


def dont_know_cells(demo) -> list[tuple[int, int, str]]:
    """Where case 30 writes «don't know» answers: (line, column index, text), in cells blank in the demo."""
    rows = demo["forms"]
    cells = []
    for line, answers in ((4, ("Non so", "N/A")), (7, ("n.v.", "Non so")), (8, ("N/A", "n.v."))):
        blank = [c for c in range(3, len(rows[0])) if rows[line - 1][c] == ""][:2]
        cells += [(line, c, text) for c, text in zip(blank, answers)]
    return cells


@case("30_forms_dont_know")
def _forms_dont_know(demo):
    """A grid with a «Non so» column and hand-edited answers: «Non so», «N/A», «n.v.» in cells left blank."""
    rows = _copy(demo["forms"])
    for line, column, text in dont_know_cells(demo):
        rows[line - 1][column] = text
    return {"valutazioni_modulo_google.csv": csv_bytes(rows, ",", "utf-8")}


@case("31_forms_typographic_headers")
def _forms_typographic(demo):
    """A form edited in a word processor: ’ for ' and U+2010 / U+2212 for - in some labels of the grid.

    The resource labels have an apostrophe («Sponsorizzazioni d'impresa») but no hyphen;
    the hyphen variants go into the only label that has one, the field
    «Assistenza sociale e socio-sanitaria».
    """
    rows = _copy(demo["forms"])
    header = rows[0]
    apostrophes = [c for c, h in enumerate(header) if "d'impresa" in h]
    for c in apostrophes[::2]:
        header[c] = header[c].replace("d'impresa", "d’impresa")
    hyphens = [c for c, h in enumerate(header) if "socio-sanitaria" in h]
    for k, c in enumerate(hyphens):
        if k % 3 == 1:
            header[c] = header[c].replace("socio-sanitaria", "socio‐sanitaria")  # U+2010
        elif k % 3 == 2:
            header[c] = header[c].replace("socio-sanitaria", "socio−sanitaria")  # U+2212
    return {"valutazioni_modulo_google.csv": csv_bytes(rows, ",", "utf-8")}


def _vote_cell(text: str):
    if text == "":
        return None
    return int(text) if text.isdigit() else text


def _microsoft_rows(demo, grid_headers: list[str], grid_cells: Callable[[list[str]], list]) -> list[list]:
    by_entity = {r[0]: r for r in demo["enti"][1:]}
    header = ["ID", "Ora di inizio", "Ora di completamento", "Posta elettronica", "Nome", "Codice ente"]
    rows: list[list] = [header + grid_headers]
    for number, row in enumerate(demo["forms"][1:], start=1):
        done = _stamp(row[0])
        entity = by_entity[row[2]]
        rows.append(
            [
                number,
                (done - dt.timedelta(minutes=12, seconds=number), "m/d/yy h:mm:ss"),
                (done, "m/d/yy h:mm:ss"),
                entity[5],
                entity[4],
                row[2],
            ]
            + grid_cells(row)
        )
    return rows


@case("32_forms_microsoft_xlsx")
def _forms_microsoft(demo):
    """A Microsoft Forms export (Excel) under its default name, with the grid columns named «campo - esigenza [risorsa]»."""
    header = demo["forms"][0]
    rows = _microsoft_rows(demo, header[3:], lambda row: [_vote_cell(c) for c in row[3:]])
    return {MICROSOFT_DEFAULT_NAME: xlsx_bytes([("Sheet1", rows)])}


@case("33_forms_microsoft_no_grid")
def _forms_microsoft_plain(demo):
    """A Microsoft Forms export whose vote columns are the Likert rows, named only by the resource."""
    header = demo["forms"][0]
    first = [c for c, h in enumerate(header) if h.startswith(header[3].split(" [")[0] + " [")]
    resources = [header[c].split(" [")[1].rstrip("]") for c in first]
    rows = _microsoft_rows(demo, resources, lambda row: [_vote_cell(row[c]) for c in first])
    return {"valutazioni_modulo_microsoft.xlsx": xlsx_bytes([("Sheet1", rows)])}


@case("34_forms_tab_txt")
def _forms_txt(demo):
    """The responses sheet downloaded as tab-separated values and saved as .txt."""
    return {"valutazioni_modulo.txt": csv_bytes(demo["forms"], "\t", "utf-8")}


# --- other files in the raw folder --------------------------------------------------------------


@case("35_not_data_files")
def _not_data(demo):
    """A note for colleagues, and the lock file LibreOffice leaves while enti.csv is open."""
    note = "# Dati del percorso\n\nI file in questa cartella sono le esportazioni originali: non modificarli.\n"
    lock = ",Mario Rossi,PC-SEGRETERIA,01.07.2019 10:12,file:///C:/Users/mrossi/AppData/Roaming/LibreOffice/4;"
    return {"LEGGIMI.md": note.encode("utf-8"), ".~lock.enti.csv#": lock.encode("utf-8")}


@case("36_unrecognised_table")
def _unrecognised(demo):
    """A data file nobody named after a table, with a header that names none."""
    rows = [["a", "b", "c"], ["1", "2", "3"], ["4", "5", "6"], ["7", "8", "9"]]
    return {"tabella.csv": csv_bytes(rows, ";", "utf-8")}


@case("37_json_export")
def _json(demo):
    """An export of a web platform in JSON, dropped next to the CSV files."""
    records = [dict(zip(demo["presenze"][0], r)) for r in demo["presenze"][1:6]]
    return {"export.json": (json.dumps(records, indent=2) + "\n").encode("utf-8")}


@case("38_process_file")
def _process(demo):
    """A process description written from memory, with keys the format does not have."""
    text = '[processo]\nnome = "Palestre di capacità"\nregione = "Lombardia"\n'
    return {"processo.toml": text.encode("utf-8")}


@case("38b_process_file_of_the_seed")
def _process_seed(demo):
    """The process file of the process issue, which describes the seed's own process."""
    text = (
        'titolo = "Palestre di capacità"\narea = "Lombardia"\ndata_riferimento = 2019-06-30\nscala = [1, 10]\n'
        "fasce = { bassa = [1, 4], intermedia = [5, 6], alta = [7, 10] }\n"
        'nodi = ["Energie per il dibattito", "Reti comunitarie", "Strumentazione", "Catene di valore"]\n'
        "min_cell = 5\n\n[gruppi]\n"
        'aps_odv = { etichetta = "Delegati APS e ODV", tipologie = ["ODV", "APS"] }\n'
        'fondazioni_csv_altri = { etichetta = "Delegati Fondazioni, CSV e altri enti", tipologie = ["*"] }\n'
    )
    return {"processo.toml": text.encode("utf-8")}


@case("38c_process_file_with_its_own_nodes")
def _process_other(demo):
    """A process with its own nodes: the demo's contributions, coded to the seed's nodes, are refused."""
    return {"processo.toml": 'titolo = "Palestre di capacità"\nnodi = ["Persone", "Luoghi"]\n'.encode()}


@case("39_empty_file")
def _empty(demo):
    """An empty file left by an export that failed (0 bytes)."""
    return {"presenze_2.csv": b""}


# --- the build ----------------------------------------------------------------------------------


def demo_inputs() -> dict[str, str]:
    return {name: hashlib.sha256((RAW / name).read_bytes()).hexdigest() for name in DEMO_FILES}


def build(target: Path) -> dict[str, list[str]]:
    """Write every case into ``target/<case>/``; returns case → file names."""
    demo = load_demo()
    if target.exists():
        shutil.rmtree(target)
    written = {}
    for name, builder in sorted(BUILDERS.items()):
        folder = target / name
        folder.mkdir(parents=True)
        files = builder(demo)
        for file_name, data in files.items():
            (folder / file_name).write_bytes(data)
        written[name] = sorted(files)
    return written


def _size(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())


def main(argv: list[str]) -> int:
    if "--check" in argv:
        with tempfile.TemporaryDirectory() as scratch:
            again = Path(scratch) / "files"
            build(again)
            mine = {p.relative_to(FILES): p.read_bytes() for p in FILES.rglob("*") if p.is_file()}
            theirs = {p.relative_to(again): p.read_bytes() for p in again.rglob("*") if p.is_file()}
            stale = sorted(str(k) for k in mine.keys() | theirs.keys() if mine.get(k) != theirs.get(k))
            recorded = json.loads(INPUTS.read_text(encoding="utf-8")) if INPUTS.exists() else {}
            if recorded != demo_inputs():
                stale.append(INPUTS.name)
        print("corpus up to date" if not stale else "corpus differs from a fresh build: " + ", ".join(stale))
        return 1 if stale else 0
    written = build(FILES)
    INPUTS.write_text(json.dumps(demo_inputs(), indent=2) + "\n", encoding="utf-8")
    print(f"{len(written)} cases, {sum(map(len, written.values()))} files, {_size(FILES) / 1024:.0f} KiB in {FILES}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
