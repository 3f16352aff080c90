"""Cleaning: each class of bad input gets its sentence, every row is accounted for."""

from __future__ import annotations

import csv
import json
import os

import pandas as pd
import pytest

from palestre_analysis import config
from palestre_analysis.core.problems import DataError
from palestre_analysis.ingest.build import clean, ensure_clean
from palestre_analysis.ingest.processed import REJECTED_NAME, REPORT_NAME
from palestre_analysis.ingest.validate import validate


def sentences(folder) -> list[str]:
    return [p.sentence() for p in validate(folder).errors]


def first_error(folder) -> str:
    """The first error in file order (later tables may repeat its consequences)."""
    return sentences(folder)[0]


def test_small_valid_set_has_no_errors(small_raw):
    assert sentences(small_raw()) == []


@pytest.mark.parametrize(
    ("header", "row"),
    [
        ("ente_id,denominazione,tipologia,territorio", "E1,Alfa,APS,Milano"),
        ("Codice Ente;Denominazione;TIPOLOGIA;Provincia", "E1;Alfa;APS;MI"),
        ("  Ente ID , denominazione , Tipologia , Territorio ", "E1,Alfa,A.P.S.,milano"),
        ("ENTE_ID,Denominazione,Tipologìa,Territòrio", "E1,Alfa,Associazione di promozione sociale,Milano"),
    ],
    ids=["canonical", "synonyms-semicolon", "spaces", "accents"],
)
def test_header_spellings(small_raw, tmp_path, header, row):
    folder = small_raw({"enti.csv": f"{header}\n{row}\n"}, drop=("presenze.csv", "contributi.csv", "valutazioni.csv"))
    result = clean(folder, tmp_path / "out")
    entity = result.report["tables"]["entities"]
    assert entity == 1
    frame = pd.read_parquet(tmp_path / "out" / "entities.parquet")
    assert frame.loc[0, "entity_type"] == "aps" and frame.loc[0, "territory"] == "Milano"


@pytest.mark.parametrize(
    ("spelling", "code"),
    [
        ("Organizzazione di volontariato", "odv"),
        ("A.P.S.", "aps"),
        ("Fondazione di comunità", "fondazione_comunita"),
        ("Fondazione comunitaria", "fondazione_comunita"),
        ("Centro di servizio per il volontariato", "csv"),
        ("Cooperativa sociale", "cooperativa_impresa_sociale"),
        ("Impresa sociale", "cooperativa_impresa_sociale"),
        ("Comune", "pubblica_amministrazione"),
        ("Pubblica amministrazione", "pubblica_amministrazione"),
        ("Altro", "altro"),
        ("  odv ", "odv"),
    ],
)
def test_entity_type_spellings(small_raw, tmp_path, spelling, code):
    folder = small_raw(
        {"enti.csv": f"ente_id,denominazione,tipologia,territorio\nE1,Alfa,{spelling},BS\n"},
        drop=("presenze.csv", "contributi.csv", "valutazioni.csv"),
    )
    clean(folder, tmp_path / "out")
    assert pd.read_parquet(tmp_path / "out" / "entities.parquet").loc[0, "entity_type"] == code


@pytest.mark.parametrize("spelling", ["Monza e Brianza", "Monza e della Brianza", "MB", "monza  e brianza"])
def test_monza_spellings_are_one_territory(small_raw, tmp_path, spelling):
    folder = small_raw(
        {"enti.csv": f"ente_id,denominazione,tipologia,territorio\nE1,Alfa,APS,{spelling}\n"},
        drop=("presenze.csv", "contributi.csv", "valutazioni.csv"),
    )
    clean(folder, tmp_path / "out")
    assert pd.read_parquet(tmp_path / "out" / "entities.parquet").loc[0, "territory"] == "Monza e della Brianza"


@pytest.mark.parametrize(
    ("files", "expected"),
    [
        (
            {"enti.csv": "ente_id,denominazione,tipologia\nE1,Alfa,APS\n"},
            "enti.csv, riga 1: manca la colonna obbligatoria «territorio»",
        ),
        (
            {
                "enti.csv": "ente_id,denominazione,tipologia,territorio\nE1,A,APS,MI\nE2,B,ODV,MI\nE3,C,CSV,MI\nE4,D,APS,MI\nE1,E,ODV,BG\n"
            },
            "enti.csv, riga 6, colonna «ente_id»: ente_id «E1» ripetuto: già usato alla riga 2",
        ),
        (
            {
                "enti.csv": "ente_id,denominazione,tipologia,territorio\nE1,A,APS,MI\nE2,B,Banca,MI\nE3,C,CSV,MI\nE4,D,APS,MI\n"
            },
            "enti.csv, riga 3, colonna «tipologia»: tipologia «Banca» non riconosciuta",
        ),
        (
            {
                "enti.csv": "ente_id,denominazione,tipologia,territorio\nE1,A,APS,MI\nE2,B,ODV,Roma\nE3,C,CSV,MI\nE4,D,APS,MI\n"
            },
            "enti.csv, riga 3, colonna «territorio»: La città metropolitana di Roma Capitale (RM) non è in "
            "Lombardia, l'area del processo",
        ),
        (
            {
                "enti.csv": "ente_id,denominazione,tipologia,territorio\nE1,A,APS,MI\nE2,B,ODV,Atlantide\nE3,C,CSV,MI\nE4,D,APS,MI\n"
            },
            "enti.csv, riga 3, colonna «territorio»: «Atlantide» non è un territorio riconosciuto: indicare una "
            "provincia della Lombardia (BG BS CO CR LC LO MB MI MN PV SO VA, anche per nome) oppure «Lombardia» per "
            "gli enti regionali.",
        ),
        (
            {
                "enti.csv": "ente_id,denominazione,tipologia,territorio\nE1,A,APS,MI\nE2,B,ODV,\nE3,C,CSV,MI\nE4,D,APS,MI\n"
            },
            "enti.csv, riga 3, colonna «territorio»: territorio mancante: indicare una provincia della Lombardia",
        ),
        (
            {
                "incontri.csv": "incontro_id,data,fase,livello,territorio\nI1,31/02/2019,1,regionale,\nI2,2019-03-14,2,regionale,\n"
            },
            "incontri.csv, riga 2, colonna «data»: data impossibile «31/02/2019»",
        ),
        (
            {
                "incontri.csv": "incontro_id,data,fase,livello,territorio\nI1,2018-09-20,3,regionale,\nI2,2019-03-14,2,regionale,\n"
            },
            "incontri.csv, riga 2, colonna «fase»: fase non valida «3»",
        ),
        (
            {
                "incontri.csv": "incontro_id,data,fase,livello,territorio\nI1,2018-09-20,1,regionale,\nI2,2019-03-14,2,territoriale,\n"
            },
            "incontri.csv, riga 3, colonna «territorio»: territorio mancante: un incontro territoriale richiede una provincia",
        ),
        (
            {"incontri.csv": "incontro_id,data,fase,livello\nI1,2018-09-20,1,regionale\nI1,2019-03-14,2,regionale\n"},
            "incontri.csv, riga 3, colonna «incontro_id»: incontro_id «I1» ripetuto",
        ),
        (
            {"presenze.csv": "incontro_id,ente_id\nI1,E1\nI9,E2\n"},
            "presenze.csv, riga 3, colonna «incontro_id»: incontro_id «I9» sconosciuto",
        ),
        (
            {"presenze.csv": "incontro_id,ente_id\nI1,E1\nI1,E77\n"},
            "presenze.csv, riga 3, colonna «ente_id»: ente_id «E77» sconosciuto",
        ),
        (
            {"contributi.csv": "incontro_id,ente_id,nodo,testo\nI1,E1,Cultura,x\n"},
            "contributi.csv, riga 2, colonna «nodo»: nodo «Cultura» non riconosciuto",
        ),
        (
            {"valutazioni.csv": "ente_id,campo,risorsa,esigenza,voto\nE1,C,R,N,11\n"},
            "valutazioni.csv, riga 2, colonna «voto»: voto fuori scala «11»",
        ),
        (
            {"valutazioni.csv": "ente_id,campo,risorsa,esigenza,voto\nE1,C,R,N,7.5\n"},
            "valutazioni.csv, riga 2, colonna «voto»: voto non valido «7.5»",
        ),
        (
            {"valutazioni.csv": "ente_id,campo,risorsa,esigenza,voto\nE1,C,,N,7\n"},
            "valutazioni.csv, riga 2, colonna «risorsa»: risorsa mancante",
        ),
        (
            {"presenze.csv": "incontro_id,ente_id\nI1,E1\nI2\n"},
            "presenze.csv, riga 3: riga con 1 campi invece dei 2 dell'intestazione",
        ),
    ],
    ids=[
        "missing-column",
        "duplicate-entity",
        "unknown-type",
        "territory-outside-the-area",
        "unknown-territory",
        "blank-territory",
        "impossible-date",
        "bad-phase",
        "territorial-without-territory",
        "duplicate-meeting",
        "unknown-meeting",
        "unknown-entity",
        "unknown-node",
        "vote-out-of-range",
        "vote-not-integer",
        "missing-label",
        "ragged-row",
    ],
)
def test_each_bad_input_gets_its_sentence(small_raw, files, expected):
    message = first_error(small_raw(files))
    assert message.startswith(expected), message


def test_rejected_entity_explains_its_votes(small_raw):
    folder = small_raw(
        {"enti.csv": "ente_id,denominazione,tipologia,territorio\nE1,A,APS,MI\nE2,B,ODV,MI\nE3,C,Banca,MI\n"},
        drop=("presenze.csv", "contributi.csv", "incontri.csv"),
    )
    messages = sentences(folder)
    assert any("valutazioni.csv, riga 4" in m and "riferito a un ente scartato" in m for m in messages)


def test_votes_in_every_accepted_spelling(small_raw, tmp_path):
    votes = 'ente_id,campo,risorsa,esigenza,voto\nE1,C,R,A,7\nE1,C,R,B, 7 \nE1,C,R,D,"7,0"\nE1,C,R,E,7.0\nE1,C,R,F,\n'
    result = clean(small_raw({"valutazioni.csv": votes}), tmp_path / "out")
    frame = pd.read_parquet(tmp_path / "out" / "votes.parquet")
    assert frame["score"].tolist() == [7, 7, 7, 7]
    [account] = [f for f in result.report["files"] if f["file"] == "valutazioni.csv"]
    assert (account["read"], account["kept"], account["not_scored"]) == (5, 4, 1)


def test_free_labels_compare_case_and_space_insensitively(small_raw, tmp_path):
    votes = (
        "ente_id,campo,risorsa,esigenza,voto\nE1,Cultura,Bandi pubblici,Sedi,7\n"
        "E2,cultura ,Bandi  pubblici,SEDI,8\nE3,Cultura,bandi pubblici,Sedi,6\n"
    )
    clean(small_raw({"valutazioni.csv": votes}), tmp_path / "out")
    frame = pd.read_parquet(tmp_path / "out" / "votes.parquet")
    assert frame[["field", "resource", "need"]].drop_duplicates().values.tolist() == [
        ["Cultura", "Bandi pubblici", "Sedi"]
    ]


def test_repeated_vote_later_row_wins(small_raw, tmp_path):
    votes = "ente_id,campo,risorsa,esigenza,voto\nE1,C,R,N,3\nE1,c,r,n,9\n"
    result = clean(small_raw({"valutazioni.csv": votes}), tmp_path / "out")
    frame = pd.read_parquet(tmp_path / "out" / "votes.parquet")
    assert frame["score"].tolist() == [9]
    assert result.report["totals"]["merged_duplicates"] == 1


FORM = (
    "Informazioni cronologiche,Indirizzo email,Codice ente,Cultura - Sedi [Bandi],Cultura – Sedi [Donazioni]\n"
    "14/03/2019 10.00.00,anna.rossi@example.org,E1,8,6\n"
    "12/03/2019 09.00.00,anna.rossi@example.org,E1,2,2\n"
    "14/03/2019 11.00.00,marco.bianchi@example.org,E2,dieci,\n"
    "14/03/2019 12.00.00,x@example.org,E9,5,5\n"
)


def test_google_forms_grid_latest_submission_wins(small_raw, tmp_path):
    folder = small_raw({"valutazioni.csv": FORM})
    result = clean(folder, tmp_path / "out")
    frame = pd.read_parquet(tmp_path / "out" / "votes.parquet").sort_values(["entity_id", "resource"])
    assert frame[["entity_id", "field", "resource", "need", "score"]].values.tolist() == [
        ["E1", "Cultura", "Bandi", "Sedi", 8],
        ["E1", "Cultura", "Donazioni", "Sedi", 6],
    ]
    account = next(f for f in result.report["files"] if f["file"] == "valutazioni.csv")
    assert (account["layout"], account["read"], account["kept"], account["rejected"], account["merged_duplicates"]) == (
        "wide",
        4,
        2,
        1,
        1,
    )
    assert account["votes"] == {"read": 8, "kept": 2, "rejected": 3, "merged_duplicates": 2, "not_scored": 1}
    rejected = (tmp_path / "out" / REJECTED_NAME).read_text(encoding="utf-8")
    assert "Cultura - Sedi [Bandi]" in rejected and "dieci" in rejected and "E9" in rejected
    assert "example.org" not in rejected


def test_accounting_identity_on_the_demo(demo_raw, tmp_path):
    result = clean(demo_raw, tmp_path / "out")
    for account in result.report["files"]:
        assert (
            account["read"]
            == account["kept"] + account["rejected"] + account["merged_duplicates"] + account["not_scored"]
        ), account["file"]
    tables = result.report["tables"]
    kept = {f["table"]: 0 for f in result.report["files"]}
    for f in result.report["files"]:
        kept[f["table"]] += f["votes"]["kept"] if f["layout"] == "wide" else f["kept"]
    assert kept["enti"] == tables["entities"] and kept["incontri"] == tables["meetings"]
    assert kept["presenze"] == tables["attendance"] and kept["contributi"] == tables["contributions"]
    assert kept["valutazioni"] == tables["votes"]


def test_rejected_csv_lists_file_line_column_reason_parent(demo_raw, tmp_path):
    result = clean(demo_raw, tmp_path / "out")
    with open(result.rejected_path, encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert rows and set(rows[0]) == {"file", "line", "column", "reason", "parent"}
    assert all(r["file"] and r["reason"] for r in rows)
    rejected_rows = {(r["file"], r["line"]) for r in rows}
    assert len(rejected_rows) >= result.n_rejected


def test_raw_files_are_only_read(demo_raw, tmp_path):
    before = {p.name: (p.read_bytes(), p.stat().st_mtime_ns) for p in demo_raw.iterdir()}
    clean(demo_raw, tmp_path / "out")
    validate(demo_raw)
    after = {p.name: (p.read_bytes(), p.stat().st_mtime_ns) for p in demo_raw.iterdir()}
    assert before == after


def test_outputs_are_written_atomically(demo_raw, tmp_path, monkeypatch):
    """An interrupted write leaves the previous file in place and no temporary file behind."""
    out = tmp_path / "out"
    clean(demo_raw, out)
    previous = (out / "votes.parquet").read_bytes()

    def interrupted(self, path, **kwargs):
        with open(path, "wb") as handle:
            handle.write(b"half")
        raise KeyboardInterrupt

    monkeypatch.setattr(pd.DataFrame, "to_parquet", interrupted)
    with pytest.raises(KeyboardInterrupt):
        clean(demo_raw, out)
    assert (out / "entities.parquet").read_bytes() != b"half"
    assert (out / "votes.parquet").read_bytes() == previous
    assert not [p for p in out.iterdir() if p.name.startswith(".")]


def test_ensure_clean_skips_when_nothing_changed(demo_raw, tmp_path):
    out = tmp_path / "out"
    first = ensure_clean(demo_raw, out)
    second = ensure_clean(demo_raw, out)
    assert first.cleaned and not second.cleaned and second.report == first.report
    with open(demo_raw / "presenze.csv", "a", encoding="utf-8") as handle:
        handle.write("I01,E001\n")
    assert ensure_clean(demo_raw, out).cleaned


@pytest.mark.parametrize(
    "edited, cleans_again",
    [
        ("report/plots.py", False),
        ("report/section.py", False),
        ("batch/templates/palestre/index.html.j2", False),
        ("stats/cells.py", False),
        ("ingest/rows.py", True),
        ("core/vocabulary.py", True),
        ("config.py", True),
    ],
)
def test_the_cleaning_cache_follows_the_ingest_code_only(small_raw, tmp_path, package_copy, edited, cleans_again):
    """Editing a figure or the batch does not clean again; editing what cleaning runs does."""
    from tests.conftest import append_line

    raw, out = small_raw(), tmp_path / "out"
    assert ensure_clean(raw, out).cleaned
    assert not ensure_clean(raw, out).cleaned
    append_line(package_copy / edited, "# an edit")
    assert ensure_clean(raw, out).cleaned is cleans_again


def test_report_is_reproducible(demo_raw, tmp_path):
    clean(demo_raw, tmp_path / "a")
    clean(demo_raw, tmp_path / "b")
    for name in ("cleaning_report.json", "rejected.csv"):
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes()
    for name in ("entities", "votes"):
        pd.testing.assert_frame_equal(
            pd.read_parquet(tmp_path / "a" / f"{name}.parquet"), pd.read_parquet(tmp_path / "b" / f"{name}.parquet")
        )


def test_missing_entities_file_stops_with_a_sentence(small_raw, tmp_path):
    folder = small_raw(drop=("enti.csv",))
    with pytest.raises(DataError) as caught:
        clean(folder, tmp_path / "out")
    assert "manca il file degli enti" in caught.value.messages[0]


def test_processed_tables_follow_the_contract(demo_raw, tmp_path):
    clean(demo_raw, tmp_path / "out")
    report = json.loads((tmp_path / "out" / REPORT_NAME).read_text(encoding="utf-8"))
    assert report["demo_data"] is True and report["personal_data"] is True
    meetings = pd.read_parquet(tmp_path / "out" / "meetings.parquet")
    assert str(meetings["date"].dtype).startswith("datetime64")
    assert set(meetings["level"]) == {"regionale", "territoriale"}


def test_no_stray_files_in_processed(demo_raw, tmp_path):
    clean(demo_raw, tmp_path / "out")
    assert sorted(os.listdir(tmp_path / "out")) == sorted(
        [
            "attendance.parquet",
            "cleaning_report.json",
            "contributions.parquet",
            "entities.parquet",
            "meetings.parquet",
            "rejected.csv",
            "votes.parquet",
        ]
    )


def test_demo_marker_is_what_allows_the_public_key(small_raw, tmp_path, monkeypatch):
    monkeypatch.delenv(config.PSEUDO_KEY_ENV, raising=False)
    monkeypatch.setenv(config.PSEUDO_KEY_FILE_ENV, str(tmp_path / "no-such-key"))
    folder = small_raw(demo=False)
    with pytest.raises(DataError) as caught:
        clean(folder, tmp_path / "out")
    assert "manca la chiave" in caught.value.messages[0] and "palestre keygen" in caught.value.messages[0]
    assert any("manca la chiave" in m for m in sentences(folder))
