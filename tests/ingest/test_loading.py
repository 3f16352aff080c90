"""Reading raw files: every accepted variant, and a sentence for every unreadable file."""

from __future__ import annotations

import datetime as dt

import openpyxl
import pytest

from palestre_analysis.core.problems import DataError
from palestre_analysis.ingest.inventory import find_table_files
from palestre_analysis.ingest.reading import read_raw_table

ROWS = "ente_id;denominazione\nE1;Città di Lodi\nE2;Società Operaia\n"


@pytest.mark.parametrize(
    ("data", "encoding"),
    [
        (ROWS.encode("utf-8"), "utf-8"),
        (b"\xef\xbb\xbf" + ROWS.encode("utf-8"), "utf-8"),
        (ROWS.encode("cp1252"), "cp1252"),
    ],
    ids=["utf8", "utf8-bom", "windows-1252"],
)
def test_encodings_are_detected_and_accents_survive(tmp_path, data, encoding):
    path = tmp_path / "enti.csv"
    path.write_bytes(data)
    table = read_raw_table(path)
    assert table.encoding == encoding
    assert table.header == ["ente_id", "denominazione"]
    assert [r[1] for r in table.rows] == ["Città di Lodi", "Società Operaia"]


@pytest.mark.parametrize("delimiter", [",", ";"])
def test_both_delimiters(tmp_path, delimiter):
    path = tmp_path / "presenze.csv"
    path.write_text(f"incontro_id{delimiter}ente_id\nI1{delimiter}E1\n", encoding="utf-8")
    table = read_raw_table(path)
    assert table.delimiter == delimiter and table.rows == [["I1", "E1"]]


def test_line_numbers_follow_the_source_file(tmp_path):
    """Quoted fields spanning lines and blank lines must not shift the reported line."""
    path = tmp_path / "contributi.csv"
    path.write_text('a,b\n1,"due\nrighe"\n\n3,x\n', encoding="utf-8")
    table = read_raw_table(path)
    assert table.lines == [2, 5]
    assert table.blank_lines == 1
    assert table.rows[0] == ["1", "due\nrighe"]


def test_cells_are_trimmed(tmp_path):
    path = tmp_path / "presenze.csv"
    path.write_text(" incontro_id , ente_id \n I1 ,  E1\n", encoding="utf-8")
    table = read_raw_table(path)
    assert table.header == ["incontro_id", "ente_id"] and table.rows == [["I1", "E1"]]


def test_ragged_rows_are_set_aside_with_their_line(tmp_path):
    path = tmp_path / "presenze.csv"
    path.write_text("incontro_id,ente_id\nI1,E1\nI2\nI3,E3,extra\nI4,E4,,\n", encoding="utf-8")
    table = read_raw_table(path)
    assert table.ragged == [(3, 1), (4, 3)]
    assert table.rows == [["I1", "E1"], ["I4", "E4"]], "trailing empty fields are not ragged"
    assert table.n_read == 4


def test_xlsx_first_sheet_with_dates_and_numbers(tmp_path):
    path = tmp_path / "incontri.xlsx"
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["Incontro ID", "Data", "Fase"])
    sheet.append(["I1", dt.datetime(2019, 3, 14), 2])
    sheet.append([None, None, None])
    sheet.append(["I2", "14/03/2019", 1.0])
    book.create_sheet("Altro").append(["ignored"])
    book.save(path)
    table = read_raw_table(path)
    assert table.rows == [["I1", "2019-03-14", "2"], ["I2", "14/03/2019", "1"]]
    assert table.lines == [2, 4] and table.blank_lines == 1


@pytest.mark.parametrize(
    ("name", "data", "expected"),
    [
        ("enti.csv", b"", "il file è vuoto"),
        ("enti.csv", b"\n\n  \n", "il file è vuoto"),
        ("enti.xlsx", b"ente_id,denominazione\n", "non è un file Excel valido"),
        ("enti.csv", b"PK\x03\x04\x00\x00binary", "contiene byte nulli"),
        ("enti.csv", b"ente_id\n\x81\x8d\x8f\x90\x9d\xff\xfe\n", "codifica non riconosciuta"),
    ],
    ids=["empty", "blank-lines", "xlsx-not-excel", "binary", "bad-encoding"],
)
def test_unreadable_files_get_a_sentence(tmp_path, name, data, expected):
    path = tmp_path / name
    path.write_bytes(data)
    with pytest.raises(DataError) as caught:
        read_raw_table(path)
    [message] = caught.value.messages
    assert message.startswith(name) and expected in message


def test_bad_encoding_names_the_line(tmp_path):
    path = tmp_path / "enti.csv"
    path.write_bytes(b"ente_id\nE1\nE\x81\n")
    with pytest.raises(DataError) as caught:
        read_raw_table(path)
    assert "riga 3" in caught.value.messages[0]


def test_table_files_are_found_by_name_and_suffix(tmp_path):
    names = ("Valutazioni.csv", "valutazioni_modulo.xlsx", "valutazioni.txt", "valutazioni.md", "valutazionix.csv")
    for name in (*names, "enti.csv"):
        (tmp_path / name).write_text("x", encoding="utf-8")
    found = [p.name for p in find_table_files(tmp_path, "valutazioni")]
    assert found == ["Valutazioni.csv", "valutazioni.txt", "valutazioni_modulo.xlsx"]
