"""Reading bytes into records: encodings on evidence, delimiters, quotes checked against lines, sheets.

Every test writes a real file and reads it with :func:`read_grids`; the property tests
corrupt a valid CSV (and fill random sheets) and check that every physical line is
accounted for exactly once, or that the file is refused with sentences.
"""

from __future__ import annotations

import datetime as dt
import re
import zipfile
from collections import Counter
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
import xlwt
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from palestre_analysis.core.problems import ERROR, WARNING, DataError, Problem
from palestre_analysis.ingest.decoding import INVISIBLE, SPACES
from palestre_analysis.ingest.reading import Grid, Record, read_grids, read_raw_table

ROWS = [
    ["ente_id", "denominazione", "tipologia"],
    ["E1", "Sostenibilità della struttura", "APS"],
    ["E2", "Società Operaia", "ODV"],
    ["E3", "Città di Lodi", "Fondazione di comunità"],
]


def text_of(rows, delimiter=",", end="\n") -> str:
    return "".join(delimiter.join(row) + end for row in rows)


def read_one(path) -> Grid:
    [grid] = read_grids(path)
    assert_accounted(grid)
    return grid


def cells(grid: Grid) -> list[list[str]]:
    return [record.cells for record in grid.records]


def spans(grid: Grid) -> list[tuple[int, int]]:
    return [(record.start, record.end) for record in grid.records]


def assert_accounted(grid: Grid) -> None:
    """Every line 1..n_lines in exactly one of: a record's span, blank, skipped, rejected."""
    seen = Counter()
    for record in grid.records:
        assert 1 <= record.start <= record.end <= grid.n_lines, record
        assert any(record.cells), record
        seen.update(range(record.start, record.end + 1))
    seen.update(grid.blank_lines)
    seen.update(list(grid.skipped))
    seen.update(list(grid.rejected))
    assert sorted(seen) == list(range(1, grid.n_lines + 1)), "a line is missing or outside the file"
    assert set(seen.values()) <= {1}, f"lines counted twice: {[k for k, v in seen.items() if v > 1]}"
    assert [r.start for r in grid.records] == sorted(r.start for r in grid.records)
    for record in grid.records:
        assert all(c == c.strip() and not any(ch in c for ch in INVISIBLE + SPACES) for c in record.cells)
    errors = {(n.line, n.reason) for n in grid.notes if n.severity == ERROR}
    assert errors == set(grid.rejected.items())
    assert all(isinstance(n, Problem) and n.file == grid.label for n in grid.notes)


def refused(path) -> str:
    with pytest.raises(DataError) as caught:
        read_grids(path)
    [message] = caught.value.messages
    assert message.startswith(path.name), message
    return message


# --- encodings --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "encoding"),
    [
        (text_of(ROWS).encode("utf-8"), "utf-8"),
        (b"\xef\xbb\xbf" + text_of(ROWS, end="\r\n").encode("utf-8"), "utf-8-sig"),
        (text_of(ROWS, ";", "\r\n").encode("cp1252"), "cp1252"),
    ],
    ids=["utf-8", "utf-8-bom", "windows-1252"],
)
def test_encodings_on_evidence_and_accents_survive(tmp_path, data, encoding):
    path = tmp_path / "enti.csv"
    path.write_bytes(data)
    grid = read_one(path)
    assert grid.encoding == encoding
    assert cells(grid) == ROWS, "the BOM is not part of the first header cell"
    assert grid.n_lines == 4 and spans(grid) == [(1, 1), (2, 2), (3, 3), (4, 4)]


def test_excel_unicode_text_is_utf16_tab_delimited(tmp_path):
    """Excel's «Testo Unicode» export: UTF-16 LE with BOM, tabs, CRLF."""
    path = tmp_path / "enti.txt"
    path.write_bytes(text_of(ROWS, "\t", "\r\n").encode("utf-16"))
    assert path.read_bytes().startswith(b"\xff\xfe")
    grid = read_one(path)
    assert (grid.encoding, grid.delimiter) == ("utf-16", "\t")
    assert cells(grid) == ROWS


def test_mac_roman_with_classic_mac_line_ends(tmp_path):
    """Excel for Mac's «CSV (Macintosh)»: Mac Roman bytes, CR alone ends each line."""
    path = tmp_path / "enti.csv"
    path.write_bytes(text_of(ROWS, ";", "\r").encode("mac_roman"))
    grid = read_one(path)
    assert grid.encoding == "mac_roman"
    assert cells(grid) == ROWS
    assert grid.n_lines == 4 and [r.start for r in grid.records] == [1, 2, 3, 4]


def test_windows_1252_with_few_accents_is_not_taken_for_mac_roman(tmp_path):
    path = tmp_path / "enti.csv"
    path.write_bytes("ente_id;nota\nE1;perché\nE2;l’ente\n".encode("cp1252"))
    assert read_one(path).records[1].cells == ["E1", "perché"]


WORDS = [
    "città",
    "è vero",
    "perché",
    "così",
    "PERCHÉ",
    "PIÙ",
    "dell’ente",
    "“citazione”",
    "«titolo»",
    "10 €",
    "1° posto",
]


@pytest.mark.parametrize("encoding", ["cp1252", "mac_roman"])
@pytest.mark.parametrize("end", ["\n", "\r", "\r\n"])
def test_a_single_byte_encoding_is_read_right_or_refused_never_garbled(tmp_path, encoding, end):
    """Even one accented word is evidence enough, or the file is refused: it is never read in the wrong one."""
    path = tmp_path / "enti.csv"
    for word in WORDS:
        text = f"ente_id;nota{end}E1;{word}{end}"
        path.write_bytes(text.encode(encoding))
        try:
            [grid] = read_grids(path)
        except DataError as exc:
            assert "codifica non riconosciuta" in exc.messages[0]
            continue
        assert grid.records[1].cells == ["E1", word], (encoding, grid.encoding)


def test_windows_1252_bytes_that_happen_to_be_valid_utf8_do_not_make_a_mixed_file(tmp_path):
    path = tmp_path / "enti.csv"
    path.write_bytes("ente_id;nota\nE1;PERCHÈ’ è così\n".encode("cp1252"))  # «È’» is the UTF-8 of «Ȓ»
    grid = read_one(path)
    assert grid.encoding == "cp1252" and grid.records[1].cells[1] == "PERCHÈ’ è così"


def test_one_byte_in_another_encoding_in_a_utf8_file_names_its_line(tmp_path):
    lines = ["ente_id,denominazione"] + [f"E{i},Sostenibilità {i}" for i in range(1, 56)]
    data = "\n".join(lines).encode("utf-8") + "\nE56,Città\nE57,Ok\n".encode("cp1252")
    path = tmp_path / "enti.csv"
    path.write_bytes(data)
    with pytest.raises(DataError) as caught:
        read_grids(path)
    [problem] = caught.value.problems
    assert problem.line == 57
    assert "UTF-8" in problem.reason and "0xe0" in problem.reason and "Windows-1252" in problem.reason
    assert caught.value.messages[0].startswith("enti.csv, riga 57:")


@pytest.mark.parametrize(
    ("data", "line"),
    [(b"ente_id\nE1\nE\x81\n", 3), (b"ente_id\n\x81\x8d\x8f\x90\x9d\xff\xfe\n", 2)],
    ids=["undefined-in-windows-1252", "improbable-in-mac-roman"],
)
def test_an_encoding_without_clear_evidence_is_refused(tmp_path, data, line):
    path = tmp_path / "enti.csv"
    path.write_bytes(data)
    message = refused(path)
    assert f"riga {line}" in message and "codifica non riconosciuta" in message and "CSV UTF-8" in message


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (b"PK\x03\x04\x14\x00\x00\x00binary", "cartella di lavoro"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1\x00\x00", ".xls"),
        ("ente_id\nE1\n".encode("utf-16-le"), "UTF-16 senza"),
        (b"ente_id\nE1\nE\x002\n", "riga 3"),
    ],
    ids=["xlsx-renamed", "xls-renamed", "utf16-without-bom", "stray-null"],
)
def test_null_bytes_say_what_the_file_probably_is(tmp_path, data, expected):
    path = tmp_path / "enti.csv"
    path.write_bytes(data)
    message = refused(path)
    assert "contiene byte nulli" in message and expected in message


def test_text_converted_twice_is_a_warning_naming_line_and_excerpt(tmp_path):
    rows = [["ente_id", "nome", "email"]] + [["E1", "Alfa", "a@example.org"]] * 10
    rows.append(["E12", "SostenibilitÃ\u00a0della struttura", "b@example.org"])
    path = tmp_path / "enti.csv"
    path.write_text(text_of(rows), encoding="utf-8")
    grid = read_one(path)
    [note] = grid.notes
    assert note.severity == WARNING and note.line == 12
    assert "«SostenibilitÃ della struttura»" in note.reason, "the excerpt is the cell, not its neighbours"
    assert "due volte" in note.reason
    assert grid.records[-1].cells[1] == "SostenibilitÃ della struttura", "the text itself is kept as it is"


# --- delimiters and directives --------------------------------------------------------------------------------


def test_excel_sep_directive_sets_the_delimiter_and_is_skipped(tmp_path):
    path = tmp_path / "enti.csv"
    path.write_text("sep=;\n" + text_of([["a,b", "c"], ["1,5", "2"], ["3,5", "4"]], ";"), encoding="utf-8")
    grid = read_one(path)
    assert grid.delimiter == ";", "the directive wins over commas that would give as many fields"
    assert grid.skipped == {1: "indicazione del separatore per Excel («sep=;»)"}
    assert cells(grid) == [["a,b", "c"], ["1,5", "2"], ["3,5", "4"]]
    assert [n.line for n in grid.notes] == [1] and grid.notes[0].severity == WARNING


def test_an_unknown_separator_in_the_directive_is_refused(tmp_path):
    path = tmp_path / "enti.csv"
    path.write_text("sep=:\na:b\n", encoding="utf-8")
    assert "separatore «:»" in refused(path)


def test_tab_delimiter_with_a_title_line_above_the_header(tmp_path):
    path = tmp_path / "enti.csv"
    path.write_text("Elenco degli enti, aggiornato\n" + text_of(ROWS, "\t"), encoding="utf-8")
    grid = read_one(path)
    assert grid.delimiter == "\t"
    assert cells(grid) == [["Elenco degli enti, aggiornato"], *ROWS]


def test_semicolons_win_over_decimal_commas(tmp_path):
    path = tmp_path / "valutazioni.csv"
    path.write_text("ente_id;voto;peso\nE1;7,5;1\nE2;8;0,5\nE3;6,5;1,5\n", encoding="utf-8")
    assert read_one(path).delimiter == ";"


def test_pipes_are_a_delimiter_too(tmp_path):
    path = tmp_path / "presenze.txt"
    path.write_text("incontro_id|ente_id\nI1|E1\nI1|E2\n", encoding="utf-8")
    grid = read_one(path)
    assert grid.delimiter == "|" and cells(grid)[2] == ["I1", "E2"]


# --- records against physical lines ---------------------------------------------------------------------------


def test_line_numbers_are_what_an_editor_shows_with_mixed_line_ends(tmp_path):
    path = tmp_path / "presenze.csv"
    path.write_bytes(b"incontro_id,ente_id\r\nI1,E1\rI1,E2\n\r\nI2,E3")
    grid = read_one(path)
    assert grid.n_lines == 5 and grid.blank_lines == [4]
    assert [r.start for r in grid.records] == [1, 2, 3, 5]


def test_multiline_quoted_text_is_one_record_with_its_span(tmp_path):
    path = tmp_path / "contributi.csv"
    text = (
        "incontro_id,ente_id,nodo,testo\n"
        'I1,E1,Reti,"Prima riga\nseconda riga, con virgola\nterza riga"\n'
        "\n"
        'I1,E2,Sedi,"Una ""citazione"" e basta"\n'
    )
    path.write_text(text, encoding="utf-8")
    grid = read_one(path)
    assert spans(grid) == [(1, 1), (2, 4), (6, 6)]
    assert grid.records[1].cells[3] == "Prima riga\nseconda riga, con virgola\nterza riga"
    assert grid.records[2].cells[3] == 'Una "citazione" e basta'
    assert grid.blank_lines == [5] and not grid.rejected and not grid.notes


def test_an_unclosed_quote_at_the_end_rejects_only_its_line(tmp_path):
    path = tmp_path / "contributi.csv"
    path.write_text(
        'incontro_id,ente_id,testo\nI1,E1,ok\nI1,E2,"testo senza fine\nI1,E3,dopo\nI2,E4,ultima\n', encoding="utf-8"
    )
    grid = read_one(path)
    assert list(grid.rejected) == [3] and "virgolette aperte" in grid.rejected[3]
    assert cells(grid)[2:] == [["I1", "E3", "dopo"], ["I2", "E4", "ultima"]], "the rows after it are read"
    assert [(n.line, n.severity) for n in grid.notes] == [(3, ERROR)]


def test_an_unclosed_quote_in_the_middle_does_not_swallow_the_rows_after_it(tmp_path):
    """The stray quote pairs with a later quote: the rows in between are rows, not text."""
    rows = ["ente_id;denominazione;tipologia", 'E1;"Alfa;APS'] + [f"E{i};Ente {i};ODV" for i in range(2, 8)]
    rows += ['E8;"Ente; otto";APS', "E9;Nove;APS"]
    path = tmp_path / "enti.csv"
    path.write_text("\n".join(rows) + "\n", encoding="cp1252")
    grid = read_one(path)
    assert list(grid.rejected) == [2]
    assert [r.start for r in grid.records] == [1, *range(3, 11)]
    assert cells(grid)[-2:] == [["E8", "Ente; otto", "APS"], ["E9", "Nove", "APS"]]
    assert "fino alla riga 9" in grid.rejected[2]


def test_prose_spanning_lines_in_a_two_column_file_is_kept(tmp_path):
    path = tmp_path / "note.csv"
    path.write_text('id,testo\n1,"uno, due\ntre, quattro\ncinque\nsei"\n2,ok\n', encoding="utf-8")
    grid = read_one(path)
    assert spans(grid) == [(1, 1), (2, 5), (6, 6)] and not grid.rejected


def test_a_field_too_long_for_the_csv_module_rejects_its_line(tmp_path):
    path = tmp_path / "contributi.csv"
    path.write_text('a,b\n1,"' + "x" * 200_000 + '"\n2,y\n', encoding="utf-8")
    grid = read_one(path)
    assert list(grid.rejected) == [2] and cells(grid) == [["a", "b"], ["2", "y"]]


# --- cells ----------------------------------------------------------------------------------------------------


def test_invisible_characters_are_removed_with_one_warning(tmp_path):
    path = tmp_path / "enti.csv"
    path.write_text(
        "ente_id,denominazione\nE1,Alfa\nE\u200b2, Beta\u00a0APS\u00a0\n\ufeffE3,Gam\u00adma\u2060\nE4,Del\u200cta\n",
        encoding="utf-8",
    )
    grid = read_one(path)
    assert cells(grid)[2:] == [["E2", "Beta APS"], ["E3", "Gamma"], ["E4", "Delta"]]
    [note] = grid.notes
    assert note.severity == WARNING and note.line == 3 and note.reason.startswith("4 celle contenevano")


def test_cells_are_stripped_in_every_path(tmp_path):
    path = tmp_path / "presenze.csv"
    path.write_text(' incontro_id , ente_id \n I1 ,"  E1 "\n\t I2\t,E2\n', encoding="utf-8")
    assert cells(read_one(path)) == [["incontro_id", "ente_id"], ["I1", "E1"], ["I2", "E2"]]


# --- workbooks ------------------------------------------------------------------------------------------------


def write_xlsx(path):
    book = openpyxl.Workbook()
    first = book.active
    first.title = "Enti"
    first["B3"], first["C3"] = "ente_id", "denominazione"
    first["B4"], first["C4"] = "E1", " Città\u200b "
    first["B6"], first["C6"] = "E2", 7.0
    first["D7"] = None
    second = book.create_sheet("Incontri")
    second.append(["incontro_id", "data", "ora", "fase", "peso", "fatto"])
    second.append(["I1", dt.datetime(2019, 3, 14), dt.datetime(2019, 3, 14, 9, 30), 2, 7.5, True])
    book.create_sheet("Vuoto")
    book.save(path)


def write_xls(path):
    book = xlwt.Workbook()
    first = book.add_sheet("Enti")
    for col, value in enumerate(["ente_id", "denominazione"]):
        first.write(2, col, value)
    first.write(3, 0, "E1")
    first.write(3, 1, "Città")
    first.write(5, 0, "E2")
    first.write(5, 1, 7.0)
    second = book.add_sheet("Incontri")
    for col, value in enumerate(["incontro_id", "data", "ora", "fase", "peso", "fatto"]):
        second.write(0, col, value)
    second.write(1, 0, "I1")
    second.write(1, 1, dt.datetime(2019, 3, 14), xlwt.easyxf(num_format_str="YYYY-MM-DD"))
    second.write(1, 2, dt.datetime(2019, 3, 14, 9, 30), xlwt.easyxf(num_format_str="YYYY-MM-DD HH:MM"))
    second.write(1, 3, 2)
    second.write(1, 4, 7.5)
    second.write(1, 5, True)
    book.add_sheet("Vuoto")
    book.save(str(path))


def write_ods(path):
    with pd.ExcelWriter(path, engine="odf") as writer:
        enti = pd.DataFrame([["ente_id", "denominazione"], ["E1", "Città"], [None, None], ["E2", 7.0]])
        enti.to_excel(writer, sheet_name="Enti", header=False, index=False, startrow=2)
        incontri = pd.DataFrame(
            [
                ["incontro_id", "data", "ora", "fase", "peso", "fatto"],
                ["I1", pd.Timestamp("2019-03-14"), pd.Timestamp("2019-03-14 09:30"), 2, 7.5, True],
            ]
        )
        incontri.to_excel(writer, sheet_name="Incontri", header=False, index=False)
        pd.DataFrame().to_excel(writer, sheet_name="Vuoto", header=False, index=False)


@pytest.mark.parametrize(("suffix", "write"), [(".xlsx", write_xlsx), (".xls", write_xls), (".ods", write_ods)])
def test_workbooks_give_one_grid_per_sheet_with_sheet_row_numbers(tmp_path, suffix, write):
    path = tmp_path / f"dati{suffix}"
    write(path)
    grids = read_grids(path)
    for grid in grids:
        assert_accounted(grid)
    assert [g.sheet for g in grids] == ["Enti", "Incontri", "Vuoto"]
    assert [g.label for g in grids][0] == f"dati{suffix} (foglio «Enti»)"
    assert {g.encoding for g in grids} == {suffix.lstrip(".")} and {g.delimiter for g in grids} == {""}
    enti, incontri, empty = grids
    assert [r.start for r in enti.records] == [3, 4, 6], "empty rows above the data keep the sheet's numbers"
    assert enti.blank_lines == [1, 2, 5]
    values = [[c for c in r.cells if c] for r in enti.records]
    assert values == [["ente_id", "denominazione"], ["E1", "Città"], ["E2", "7"]]
    assert incontri.records[1].cells == ["I1", "2019-03-14", "2019-03-14 09:30:00", "2", "7.5", "VERO"]
    assert (empty.records, empty.n_lines, empty.blank_lines) == ([], 0, [])


def test_leading_empty_columns_are_kept_as_in_a_csv_export(tmp_path):
    path = tmp_path / "enti.xlsx"
    write_xlsx(path)
    enti = read_grids(path)[0]
    assert enti.records[0].cells == ["", "ente_id", "denominazione"]
    assert enti.records[1].cells == ["", "E1", "Città"], "stripped, the zero-width space removed"
    assert [n.line for n in enti.notes if "invisibili" in n.reason] == [4]


def test_merged_cells_get_a_warning_and_read_in_their_first_cell(tmp_path):
    path = tmp_path / "enti.xlsx"
    book = openpyxl.Workbook()
    sheet = book.active
    sheet["A1"] = "Anagrafica"
    sheet.merge_cells("A1:B1")
    sheet.append(["ente_id", "denominazione"])
    book.save(path)
    [grid] = read_grids(path)
    assert cells(grid) == [["Anagrafica", ""], ["ente_id", "denominazione"]]
    assert [(n.line, n.severity) for n in grid.notes] == [(1, WARNING)] and "celle unite" in grid.notes[0].reason


def test_hidden_sheets_are_read_with_a_warning(tmp_path):
    path = tmp_path / "enti.xlsx"
    book = openpyxl.Workbook()
    book.active.append(["ente_id"])
    hidden = book.create_sheet("Vecchi")
    hidden.append(["ente_id"])
    hidden.sheet_state = "hidden"
    book.save(path)
    visible, old = read_grids(path)
    assert not visible.notes and cells(old) == [["ente_id"]]
    assert [n.severity for n in old.notes] == [WARNING] and "nascosto" in old.notes[0].reason


def test_a_value_far_from_the_data_is_refused_before_it_is_held_in_memory(tmp_path):
    """Calamine would ask for the whole range A1:XFD1048576 at once, and end the process."""
    path = tmp_path / "enti.xlsx"
    book = openpyxl.Workbook()
    book.active.title = "Enti"
    book.active.append(["ente_id", "denominazione"])
    book.active["XFD1048576"] = " "
    book.save(path)
    with pytest.raises(DataError) as caught:
        read_grids(path)
    [message] = caught.value.messages
    assert message.startswith("enti.xlsx (foglio «Enti»)") and "XFD1048576" in message


def test_read_raw_table_reads_the_first_sheet_with_its_label(tmp_path):
    path = tmp_path / "incontri.xlsx"
    write_xlsx(path)
    table = read_raw_table(path)
    assert table.sheet == "Enti" and table.name == table.label == "incontri.xlsx (foglio «Enti»)"
    assert table.header == ["", "ente_id", "denominazione"] and table.header_line == 3
    assert table.lines == [4, 6] and table.ends == [4, 6] and table.blank_lines == 1


def test_read_raw_table_ends_follow_quoted_text(tmp_path):
    path = tmp_path / "contributi.csv"
    path.write_text('a,b\n1,"due\nrighe"\n\n3,x\n', encoding="utf-8")
    table = read_raw_table(path)
    assert (table.lines, table.ends, table.sheet, table.name) == ([2, 5], [3, 5], None, "contributi.csv")


@pytest.mark.parametrize(
    ("name", "data", "expected"),
    [
        ("enti.xlsx", b"ente_id,denominazione\nE1,Alfa\n", "contiene testo, non è un file Excel valido"),
        ("enti.xls", b"<html><body><table><tr><td>E1</td></tr></table></body></html>", "pagina web"),
        ("enti.ods", b"", "vuoto"),
        ("enti.xlsx", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + "EncryptionInfo".encode("utf-16-le"), "password"),
        ("enti.xls", b"PK\x03\x04" + b"\x00" * 30, "formato .xlsx"),
    ],
    ids=["csv-renamed", "html-as-xls", "empty", "password", "xlsx-as-xls"],
)
def test_a_file_that_is_not_the_workbook_its_suffix_says_is_refused(tmp_path, name, data, expected):
    path = tmp_path / name
    path.write_bytes(data)
    message = refused(path)
    assert expected in message
    if expected != "password":
        assert f"ha estensione {path.suffix} ma non è una cartella di lavoro valida: " in message


@pytest.mark.parametrize(
    ("member", "expected"),
    [("word/document.xml", "documento di Word"), ("content.xml", "OpenDocument")],
)
def test_a_zip_that_is_another_document_is_refused(tmp_path, member, expected):
    path = tmp_path / "enti.xlsx"
    with zipfile.ZipFile(path, "w") as archive:
        if member == "content.xml":
            archive.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet")
        archive.writestr(member, "<x/>")
    assert expected in refused(path)


def test_a_truncated_workbook_is_refused(tmp_path):
    good = tmp_path / "good.xlsx"
    write_xlsx(good)
    path = tmp_path / "enti.xlsx"
    path.write_bytes(good.read_bytes()[:600])
    assert "danneggiato" in refused(path)


def test_other_suffixes_are_not_read(tmp_path):
    path = tmp_path / "enti.json"
    path.write_text("{}", encoding="utf-8")
    assert "formato non supportato" in refused(path)


def test_an_empty_text_file_is_a_grid_without_records(tmp_path):
    path = tmp_path / "presenze.csv"
    path.write_bytes(b"")
    grid = read_one(path)
    assert (grid.records, grid.n_lines, grid.encoding) == ([], 0, "utf-8")


def test_record_and_grid_can_be_built_by_hand():
    grid = Grid(path=Path("x.csv"), records=[Record(1, 1, ["a"])], n_lines=1)
    assert grid.label == "x.csv" and grid.sheet is None and grid.notes == []


# --- properties -----------------------------------------------------------------------------------------------

VALID = (
    "incontro_id;ente_id;nodo;testo\r\n"
    + "".join(f"I{i % 3};E{i};Reti comunitarie;Testo {i}\r\n" for i in range(1, 9))
    + 'I1;E9;Sedi;"Una riga\r\ne un\'altra; con ""virgolette"""\r\n'
    + "\r\n"
    + "".join(f'I2;E{i};Strumentazione;"Città {i}"\r\n' for i in range(10, 16))
    + "I3;E16;Sedi;\u00a0Ultima\u200b\r\n"
).encode("utf-8")

OPERATIONS = st.sampled_from(["delete-line", "duplicate-line", "flip-byte", "quote", "insert", "line-end"])
PAYLOADS = st.one_of(
    st.binary(min_size=1, max_size=6),
    st.sampled_from([b'"', b'""', b";", b"\r", b"\n", b"\xe0", b"\xc3", b"\xef\xbb\xbf", b"sep=,\n", b"\x00"]),
)


def corrupt(data: bytes, operation: str, position: float, payload: bytes) -> bytes:
    lines = data.splitlines(keepends=True)
    at, line_at = int(position * len(data)), min(int(position * len(lines)), max(len(lines) - 1, 0))
    if operation == "delete-line" and lines:
        return b"".join(lines[:line_at] + lines[line_at + 1 :])
    if operation == "duplicate-line" and lines:
        return b"".join(lines[: line_at + 1] + lines[line_at:])
    if operation == "flip-byte" and data:
        at = min(at, len(data) - 1)
        return data[:at] + bytes([data[at] ^ (payload[0] or 1)]) + data[at + 1 :]
    if operation == "quote":
        return data[:at] + b'"' + data[at:]
    if operation == "line-end":
        return data.replace(b"\r\n", payload[:1] if payload[:1] in (b"\r", b"\n") else b"\n", 3)
    return data[:at] + payload + data[at:]


def physical_lines(grid: Grid) -> int:
    """Lines counted independently of the reader: every \\r\\n, \\r or \\n ends one."""
    text = grid.path.read_bytes().decode(grid.encoding)
    ends = len(re.findall(r"\r\n|\r|\n", text))
    return ends + (1 if text and not text.endswith(("\r", "\n")) else 0)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    steps=st.lists(st.tuples(OPERATIONS, st.floats(0, 1), PAYLOADS), min_size=1, max_size=4),
    encoding=st.sampled_from(["utf-8", "cp1252"]),
)
def test_corrupted_csv_is_refused_with_sentences_or_every_line_is_accounted_for(tmp_path, steps, encoding):
    data = VALID if encoding == "utf-8" else VALID.decode("utf-8").replace("\u200b", "").encode("cp1252")
    for operation, position, payload in steps:
        data = corrupt(data, operation, position, payload)
    path = tmp_path / "contributi.csv"
    path.write_bytes(data)
    try:
        [grid] = read_grids(path)
    except DataError as exc:
        assert exc.problems and all(m.startswith("contributi.csv") and m.strip() for m in exc.messages)
        return
    assert_accounted(grid)
    assert grid.n_lines == physical_lines(grid)


SHEET_VALUES = st.one_of(
    st.none(),
    st.text(alphabet=st.sampled_from('ab àè\u200b\u00a0;,"'), max_size=6),
    st.integers(-5, 5),
    st.floats(-10, 10, allow_nan=False),
    st.booleans(),
)


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(cells_by_place=st.dictionaries(st.tuples(st.integers(1, 12), st.integers(1, 5)), SHEET_VALUES, max_size=25))
def test_random_sheets_keep_every_row_in_its_place(tmp_path, cells_by_place):
    path = tmp_path / "enti.xlsx"
    book = openpyxl.Workbook()
    for (row, column), value in cells_by_place.items():
        book.active.cell(row=row, column=column, value=value)
    book.save(path)
    [grid] = read_grids(path)
    assert_accounted(grid)
    filled = {
        row for (row, _), value in cells_by_place.items() if value is not None and str(value).strip(" \u200b\u00a0")
    }
    assert {r.start for r in grid.records} == filled
