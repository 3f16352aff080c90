"""Names and emails never reach processed data; pseudonyms are keyed and stable."""

from __future__ import annotations

import csv

import pandas as pd

from palestre_analysis import config
from palestre_analysis.ingest.build import clean
from palestre_analysis.ingest.pseudonyms import load_key, pseudonym, write_new_key


def personal_values(raw_folder) -> set[str]:
    """Every delegate full name and email written in the raw files."""
    values = set()
    with open(raw_folder / "enti.csv", encoding="utf-8-sig", newline="") as handle:
        for row in csv.DictReader(handle):
            values.update({row["delegato"], row["email"]})
    with open(raw_folder / "valutazioni_modulo_google.csv", encoding="utf-8", newline="") as handle:
        values.update(row["Indirizzo email"] for row in csv.DictReader(handle))
    return {v for v in values if v}


def test_no_processed_file_contains_a_raw_name_or_email(demo_raw, tmp_path):
    out = tmp_path / "out"
    clean(demo_raw, out)
    secrets = personal_values(demo_raw)
    assert len(secrets) > 150
    for path in out.iterdir():
        if path.suffix == ".parquet":
            text = pd.read_parquet(path).to_csv(index=False)
        else:
            text = path.read_text(encoding="utf-8")
        text = text + path.read_bytes().decode("latin-1")  # the bytes too, not only the decoded table
        leaked = [s for s in secrets if s in text]
        assert not leaked, f"{path.name} contains personal values ({len(leaked)})"


def test_each_delegate_gets_a_distinct_stable_pseudonym(demo_raw, tmp_path, monkeypatch):
    monkeypatch.delenv(config.PSEUDO_KEY_ENV, raising=False)
    monkeypatch.setenv(config.PSEUDO_KEY_FILE_ENV, str(tmp_path / "absent"))
    clean(demo_raw, tmp_path / "a")
    ids = pd.read_parquet(tmp_path / "a" / "entities.parquet")["delegate_id"]
    assert ids.notna().all() and ids.is_unique
    monkeypatch.setenv(config.PSEUDO_KEY_ENV, "another-key")
    clean(demo_raw, tmp_path / "b")
    other = pd.read_parquet(tmp_path / "b" / "entities.parquet")["delegate_id"]
    assert not set(ids) & set(other), "a different key gives unrelated pseudonyms"


def test_pseudonym_is_the_hmac_sha256_of_the_email():
    """Independent check with the standard library's hmac, as documented."""
    import hashlib
    import hmac

    expected = hmac.new(b"k", b"email:anna.rossi@example.org", hashlib.sha256).hexdigest()[:16]
    assert pseudonym(b"k", "Anna Rossi", " Anna.Rossi@Example.org ") == expected


def test_key_comes_from_environment_then_file(tmp_path, monkeypatch):
    key_file = tmp_path / "pseudo.key"
    monkeypatch.setenv(config.PSEUDO_KEY_FILE_ENV, str(key_file))
    monkeypatch.delenv(config.PSEUDO_KEY_ENV, raising=False)
    write_new_key(key_file)
    assert oct(key_file.stat().st_mode & 0o777) == "0o600"
    assert load_key(demo=False, source="enti.csv") == key_file.read_text().strip().encode()
    monkeypatch.setenv(config.PSEUDO_KEY_ENV, "from-env")
    assert load_key(demo=False, source="enti.csv") == b"from-env"


def test_key_file_inside_the_repository_is_refused(monkeypatch):
    import pytest

    from palestre_analysis.ingest.pseudonyms import KeyMissing

    inside = config.PROJECT_ROOT / "pyproject.toml"
    monkeypatch.delenv(config.PSEUDO_KEY_ENV, raising=False)
    monkeypatch.setenv(config.PSEUDO_KEY_FILE_ENV, str(inside))
    with pytest.raises(KeyMissing) as caught:
        load_key(demo=True, source="enti.csv")
    assert "dentro il repository" in caught.value.messages[0]


def test_an_empty_key_file_is_refused_not_used(tmp_path, monkeypatch):
    """An empty key would give pseudonyms that anyone can recompute from a name."""
    import pytest

    from palestre_analysis.ingest.pseudonyms import KeyMissing

    key_file = tmp_path / "pseudo.key"
    key_file.write_text("  \n", encoding="utf-8")
    monkeypatch.delenv(config.PSEUDO_KEY_ENV, raising=False)
    monkeypatch.setenv(config.PSEUDO_KEY_FILE_ENV, str(key_file))
    with pytest.raises(KeyMissing) as caught:
        load_key(demo=False, source="enti.csv")
    assert "è vuoto" in caught.value.messages[0]


def test_a_garbled_name_is_named_by_its_column_not_quoted(demo_raw):
    """A delegate's name converted twice between encodings gets a warning that does not show it."""
    from palestre_analysis.ingest.validate import validate

    path = demo_raw / "enti.csv"
    text = path.read_text(encoding="utf-8-sig")
    garbled = "NiccolÃ² Gentileschi"
    path.write_text(text.replace("Paola Gentile", garbled, 1), encoding="utf-8")
    sentences = [p.sentence() for p in validate(demo_raw).problems]
    warned = [s for s in sentences if "convertito due volte" in s]
    assert warned and all("colonna «delegato»" in s for s in warned), warned
    assert not [s for s in sentences if "Gentileschi" in s]


def test_an_email_in_a_code_is_masked_everywhere(demo_raw, tmp_path):
    """An address typed into the code field never reaches a message, rejected.csv or a table."""
    from palestre_analysis.core.problems import DataError

    path = demo_raw / "presenze.csv"
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    address = "mario.rossi@example.org"
    assert lines[1] == "I01,E004\n"
    lines[1] = f"I01,{address}\n"
    path.write_text("".join(lines), encoding="utf-8")
    try:
        result = clean(demo_raw, tmp_path / "out")
    except DataError as exc:  # pragma: no cover - the demo must still clean
        raise AssertionError(exc.messages) from None
    assert all(address not in p.sentence() for p in result.problems)
    assert address not in (tmp_path / "out" / "rejected.csv").read_text(encoding="utf-8")
    assert any("«email nascosta»" in p.sentence() for p in result.problems)
