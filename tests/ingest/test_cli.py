"""The command line: exit codes, sentences, and never a traceback for bad data."""

from __future__ import annotations

import subprocess
import sys

import pytest

from palestre_analysis import config


def palestre(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "palestre_analysis", *args], capture_output=True, text=True, env=env, timeout=300
    )


@pytest.mark.parametrize("command", ["", "validate", "clean", "demo", "run", "keygen"])
def test_every_command_has_help(command):
    result = palestre(*([command] if command else []), "--help")
    assert result.returncode == 0 and "usage: palestre" in result.stdout


def test_validate_demo_reports_its_deliberate_errors(demo_raw):
    result = palestre("validate", "--raw", str(demo_raw))
    assert result.returncode == 1
    assert "valutazioni.csv, colonna «voto»: 2 righe scartate – voto non valido" in result.stderr
    assert "incontri.xlsx (foglio «Incontri») → tabella «incontri»" in result.stdout, "every file, and its sheet"
    assert "Traceback" not in result.stderr + result.stdout
    assert "example.org" not in result.stderr + result.stdout, "no email in messages"


def test_validate_exits_zero_on_clean_data(small_raw):
    result = palestre("validate", "--raw", str(small_raw()))
    assert result.returncode == 0, result.stderr
    assert "0 errori" in result.stdout


@pytest.mark.parametrize(
    ("files", "expected"),
    [
        ({"enti.csv": b""}, "enti.csv: il file è vuoto"),
        ({"enti.csv": b"ente_id,nome\nE1,\xff\xfe\x81\x8d\n"}, "enti.csv, riga 2: codifica non riconosciuta"),
        (
            {"incontri.xlsx": b"not a workbook"},
            "incontri.xlsx: il file ha estensione .xlsx ma non è una cartella di lavoro valida",
        ),
    ],
    ids=["empty", "encoding", "fake-xlsx"],
)
def test_bad_files_get_a_sentence_not_a_traceback(small_raw, tmp_path, files, expected):
    folder = small_raw(files)
    for command in (["validate"], ["clean", "--out", str(tmp_path / "out")]):
        result = palestre(*command, "--raw", str(folder))
        assert result.returncode == 1, (command, result.stdout, result.stderr)
        assert expected in result.stderr, (command, result.stderr)
        assert "Traceback" not in result.stderr


def test_a_ragged_row_is_an_error_for_validate_and_a_rejection_for_clean(small_raw, tmp_path):
    folder = small_raw({"presenze.csv": "incontro_id,ente_id\nI1,E1\nI1\n"})
    checked = palestre("validate", "--raw", str(folder))
    assert checked.returncode == 1 and "presenze.csv, riga 3: riga con 1 campi" in checked.stderr
    cleaned = palestre("clean", "--raw", str(folder), "--out", str(tmp_path))
    assert cleaned.returncode == 0 and "scartate 1" in cleaned.stdout
    rejected = (tmp_path / "processed" / "rejected.csv").read_text(encoding="utf-8")
    assert "presenze.csv,3,,riga con 1 campi" in rejected


def test_clean_writes_to_out_and_says_where(demo_raw, tmp_path):
    result = palestre("clean", "--raw", str(demo_raw), "--out", str(tmp_path))
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "processed" / "votes.parquet").is_file()
    assert "rejected.csv" in result.stdout and "scartate 5" in result.stdout


def test_clean_without_key_stops_with_instructions(small_raw, tmp_path):
    env = {k: v for k, v in __import__("os").environ.items() if k != config.PSEUDO_KEY_ENV}
    env[config.PSEUDO_KEY_FILE_ENV] = str(tmp_path / "absent.key")
    result = palestre("clean", "--raw", str(small_raw(demo=False)), "--out", str(tmp_path), env=env)
    assert result.returncode == 1 and "palestre keygen" in result.stderr and "Traceback" not in result.stderr


def test_demo_refuses_to_overwrite_real_data(tmp_path):
    (tmp_path / "enti.csv").write_text("real data", encoding="utf-8")
    result = palestre("demo", "--out", str(tmp_path))
    assert result.returncode == 1 and (tmp_path / "enti.csv").read_text(encoding="utf-8") == "real data"
    fresh = palestre("demo", "--out", str(tmp_path / "new"))
    assert fresh.returncode == 0 and (tmp_path / "new" / config.DEMO_MARKER).is_file()


def test_keygen_writes_a_private_key_once(tmp_path):
    key = tmp_path / "k" / "pseudo.key"
    assert palestre("keygen", "--path", str(key)).returncode == 0
    assert len(key.read_text().strip()) == 64
    again = palestre("keygen", "--path", str(key))
    assert again.returncode == 1 and "esiste già" in again.stderr


@pytest.mark.parametrize("command", ["validate", "clean", "run"])
def test_missing_raw_folder_is_a_sentence(tmp_path, command):
    result = palestre(
        command, "--raw", str(tmp_path / "absent"), *(["--out", str(tmp_path)] if command != "validate" else [])
    )
    assert result.returncode == 1 and "la cartella dei dati grezzi non esiste" in result.stderr
    assert "Traceback" not in result.stderr


def test_demo_says_what_it_wrote_in_plain_italian(tmp_path):
    result = palestre("demo", "--out", str(tmp_path / "raw"))
    assert result.returncode == 0, result.stderr
    assert "95 enti, 18 incontri; hanno votato delegati aps e odv: 51; " in result.stdout
    assert "{" not in result.stdout
