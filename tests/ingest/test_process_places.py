"""The cleaning follows the process file: its area and date for territories, its nodes, its groups.

Each test writes a small raw folder with a ``processo.toml`` and cleans it end to end
(``palestre clean`` and ``palestre validate`` run the same code). The process keys the
reports do not follow yet are refused by ``core.process.not_yet_applied``; here every key
is declared applied, as it will be once the reports follow them.
"""

from __future__ import annotations

import datetime as dt
import json

import pandas as pd
import pytest

from palestre_analysis.core import process as process_module
from palestre_analysis.core.problems import ERROR
from palestre_analysis.core.process import DEFAULT_REFERENCE_DATE, KEYS
from palestre_analysis.ingest.build import clean
from palestre_analysis.ingest.processed import REPORT_NAME, for_territory, load_processed
from palestre_analysis.ingest.validate import validate


@pytest.fixture(autouse=True)
def every_key_applied(monkeypatch):
    """Every key of the process file is followed (the reports' side is another change)."""
    monkeypatch.setattr(process_module, "APPLIED", frozenset(KEYS))


ENTITIES_HEADER = "ente_id,denominazione,tipologia,territorio\n"
MEETINGS_HEADER = "incontro_id,data,fase,livello,territorio\n"


def raw_folder(write_raw, process: str | None, entities: str, meetings: str, contributions: str = "", votes=""):
    files = {
        "enti.csv": ENTITIES_HEADER + entities,
        "incontri.csv": MEETINGS_HEADER + meetings,
        "presenze.csv": "incontro_id,ente_id\n" + "".join(f"I1,{e}\n" for e in _ids(entities)),
        "contributi.csv": "incontro_id,ente_id,nodo,testo\n" + contributions,
        "valutazioni.csv": "ente_id,campo,risorsa,esigenza,voto\n"
        + (votes or "".join(f"{e},Cultura,Bandi,Sedi,7\n" for e in _ids(entities))),
    }
    if process is not None:
        files["processo.toml"] = process
    return write_raw(files)


def _ids(entities: str) -> list[str]:
    return [line.split(",")[0] for line in entities.splitlines() if line]


def cleaned(folder, tmp_path):
    result = clean(folder, tmp_path / "out")
    entities = pd.read_parquet(tmp_path / "out" / "entities.parquet")
    meetings = pd.read_parquet(tmp_path / "out" / "meetings.parquet")
    return result, entities.set_index("entity_id"), meetings.set_index("meeting_id")


def errors(result) -> list[str]:
    return [p.sentence() for p in result.problems if p.severity == ERROR]


# --- a Veneto process -------------------------------------------------------------------------


VENETO_ENTITIES = (
    "E1,Alfa,APS,Verona\n"
    "E2,Beta,ODV,PD\n"
    "E3,Gamma,CSV,Veneto\n"
    "E4,Delta,APS,Provincia di Treviso\n"
    "E5,Epsilon,ODV,Bergamo\n"
    "E6,Zeta,APS,Regione Veneto\n"
)
VENETO_MEETINGS = (
    "I1,2019-03-14,1,regionale,\n"
    "I2,2019-05-20,2,territoriale,VR\n"
    "I3,2019-04-02,1,territoriale,Bergamo\n"
    "I4,2019-04-03,1,territoriale,Veneto\n"
    "I5,2019-04-04,1,territoriale,Venezia\n"
)


def test_a_veneto_process_keeps_its_provinces_and_rejects_bergamo(write_raw, tmp_path):
    folder = raw_folder(write_raw, 'area = "Veneto"\n', VENETO_ENTITIES, VENETO_MEETINGS)
    result, entities, meetings = cleaned(folder, tmp_path)
    assert entities.loc[["E1", "E2", "E3", "E4", "E6"], "territory"].tolist() == [
        "Verona",
        "Padova",
        "Veneto",
        "Treviso",
        "Veneto",
    ]
    assert entities.loc[["E1", "E2", "E3", "E4"], "territory_code"].tolist() == ["VR", "PD", "05", "TV"]
    assert "E5" not in entities.index
    assert meetings.loc["I2", ["territory", "territory_code"]].tolist() == ["Verona", "VR"]
    assert meetings.loc["I5", "territory"] == "Venezia" and pd.isna(meetings.loc["I1", "territory"])
    assert set(meetings.index) == {"I1", "I2", "I5"}
    found = errors(result)
    assert found[0].startswith(
        "enti.csv, riga 6, colonna «territorio»: La provincia di Bergamo (BG) non è nel Veneto, l'area del processo"
    )
    assert found[1].startswith(
        "incontri.csv, riga 4, colonna «territorio»: La provincia di Bergamo (BG) non è nel Veneto, l'area del processo"
    )
    assert found[2] == (
        "incontri.csv, riga 5, colonna «territorio»: territorio «Veneto»: un incontro territoriale richiede una "
        "provincia del Veneto, non l'intera area del processo."
    )
    assert all("«E5» riferito a un ente scartato" in sentence for sentence in found[3:]) and len(found) == 5


def test_the_veneto_process_is_recorded_with_its_date_and_read_back(write_raw, tmp_path):
    folder = raw_folder(write_raw, 'area = "Veneto"\n', VENETO_ENTITIES, VENETO_MEETINGS)
    clean(folder, tmp_path / "out")
    report = json.loads((tmp_path / "out" / REPORT_NAME).read_text(encoding="utf-8"))
    assert report["process"]["area"] == "Veneto"
    assert report["process"]["reference_date"] == "2019-05-20"  # the last meeting
    data = load_processed(tmp_path / "out")
    assert data.territory == "Veneto" and data.geography.area.name == "Veneto"
    assert data.geography.on == dt.date(2019, 5, 20)
    verona = for_territory(data, "VR")
    assert verona.territory == "Verona" and verona.entities["entity_id"].tolist() == ["E1"]


def test_validate_lists_the_same_sentences(write_raw):
    folder = raw_folder(write_raw, 'area = "Veneto"\n', VENETO_ENTITIES, VENETO_MEETINGS)
    sentences = [p.sentence() for p in validate(folder).errors]
    assert sentences[0].startswith(
        "enti.csv, riga 6, colonna «territorio»: La provincia di Bergamo (BG) non è nel Veneto, l'area del processo"
    )


def test_the_seed_sentences_name_lombardy(write_raw, tmp_path):
    folder = raw_folder(
        write_raw, None, "E1,Alfa,APS,BS\nE2,Beta,ODV,Verona\nE3,Gamma,CSV,MI\n", "I1,2019-03-14,1,regionale,\n"
    )
    result, entities, _ = cleaned(folder, tmp_path)
    assert errors(result)[0].startswith(
        "enti.csv, riga 3, colonna «territorio»: La provincia di Verona (VR) non è in Lombardia, l'area del processo"
    )
    assert entities["territory_code"].tolist() == ["BS", "MI"]


# --- a national process ---------------------------------------------------------------------


def test_a_national_process_reads_regions_and_italy(write_raw, tmp_path):
    entities = (
        "E1,Alfa,APS,Verona\n"
        "E2,Beta,ODV,Milano\n"
        "E3,Gamma,CSV,Regione Lombardia\n"
        "E4,Delta,Rete associativa,Italia\n"
        "E5,Epsilon,ODV,Veneto\n"
        "E6,Zeta,APS,Atlantide\n"
    )
    meetings = (
        "I1,2019-03-14,1,regionale,\n"
        "I2,2019-05-20,2,territoriale,Veneto\n"
        "I3,2019-04-02,1,territoriale,Italia\n"
        "I4,2019-04-03,1,territoriale,BG\n"
        "I5,2019-04-04,2,regionale,Lombardia\n"
    )
    folder = raw_folder(write_raw, 'area = "Italia"\n', entities, meetings)
    result, entities, meetings = cleaned(folder, tmp_path)
    assert entities[["territory", "territory_code"]].to_dict("index") == {
        "E1": {"territory": "Verona", "territory_code": "VR"},
        "E2": {"territory": "Milano", "territory_code": "MI"},
        "E3": {"territory": "Lombardia", "territory_code": "03"},
        "E4": {"territory": "Italia", "territory_code": "IT"},
        "E5": {"territory": "Veneto", "territory_code": "05"},
    }
    assert meetings.loc[["I2", "I4"], "territory"].tolist() == ["Veneto", "Bergamo"]
    assert pd.isna(meetings.loc["I5", "territory"]) and "I3" not in meetings.index
    found = errors(result)
    assert found[0].startswith(
        "enti.csv, riga 7, colonna «territorio»: «Atlantide» non è un territorio riconosciuto: indicare una "
        "provincia o città metropolitana italiana"
    )
    assert found[1] == (
        "incontri.csv, riga 4, colonna «territorio»: territorio «Italia»: un incontro territoriale richiede una "
        "provincia o una regione italiana, non l'intera area del processo."
    )
    data = load_processed(tmp_path / "out")
    assert set(for_territory(data, "Lombardia").entities["entity_id"]) == {"E2", "E3"}
    assert set(for_territory(data, "Italia").entities["entity_id"]) == {"E1", "E2", "E3", "E4", "E5"}


# --- Sardinia: the units of the process's date ---------------------------------------------------


SARDINIAN_ENTITIES = "E1,Alfa,APS,Cagliari\nE2,Beta,ODV,Sud Sardegna\nE3,Gamma,CSV,Sassari\nE4,Delta,APS,Nuoro\n"


def test_a_sardinian_process_of_2019_accepts_sud_sardegna(write_raw, tmp_path):
    process = 'area = "Sardegna"\ndata_riferimento = 2019-06-30\n'
    folder = raw_folder(write_raw, process, SARDINIAN_ENTITIES, "I1,2025-03-14,1,regionale,\n")
    result, entities, _ = cleaned(folder, tmp_path)
    assert entities.loc["E2", ["territory", "territory_code"]].tolist() == ["Sud Sardegna", "SU"]
    assert errors(result) == []
    assert result.report["process"]["reference_date"] == "2019-06-30"  # the file's, not the meetings'


def test_a_sardinian_process_of_2026_rejects_sud_sardegna(write_raw, tmp_path):
    process = 'area = "Sardegna"\ndata_riferimento = 2026-06-30\n'
    entities = SARDINIAN_ENTITIES + "E5,Epsilon,ODV,Gallura Nord-Est Sardegna\n"
    folder = raw_folder(write_raw, process, entities, "I1,2026-03-14,1,regionale,\n")
    result, entities, _ = cleaned(folder, tmp_path)
    assert "E2" not in entities.index and entities.loc["E5", "territory_code"] == "OT"
    [sentence] = errors(result)[:1]
    assert sentence.startswith(
        "enti.csv, riga 3, colonna «territorio»: La provincia del Sud Sardegna (SU, codice ISTAT 111) è valida dal "
        "2017-01-01 al 2025-12-31: il 2026-06-30 le unità della regione Sardegna sono Cagliari (CA)"
    )


def test_without_a_date_the_last_meeting_chooses_the_units(write_raw, tmp_path):
    meetings = "I1,2026-03-14,1,regionale,\nI2,2026-05-10,2,territoriale,Gallura Nord-Est Sardegna\n"
    entities = "E1,Alfa,APS,Cagliari\nE2,Beta,ODV,Gallura Nord-Est Sardegna\nE3,Gamma,CSV,Sassari\n"
    folder = raw_folder(write_raw, 'area = "Sardegna"\n', entities, meetings)
    result, entities, meetings = cleaned(folder, tmp_path)
    assert result.report["process"]["reference_date"] == "2026-05-10"
    assert entities.loc["E2", "territory"] == "Gallura Nord-Est Sardegna"
    assert meetings.loc["I2", "territory_code"] == "OT"


def test_a_2019_process_says_when_the_new_units_are_valid(write_raw, tmp_path):
    entities = "E1,Alfa,APS,Cagliari\nE2,Beta,ODV,Gallura Nord-Est Sardegna\nE3,Gamma,CSV,Sassari\n"
    folder = raw_folder(write_raw, 'area = "Sardegna"\n', entities, "I1,2019-03-14,1,regionale,\n")
    result, _, _ = cleaned(folder, tmp_path)
    assert errors(result)[0].startswith(
        "enti.csv, riga 3, colonna «territorio»: La provincia della Gallura Nord-Est Sardegna (OT, codice ISTAT 113) "
        "è valida dal 2026-01-01: il 2019-03-14 le unità della regione Sardegna sono"
    )


# --- the reference date ---------------------------------------------------------------------


def test_without_meetings_the_default_date_is_recorded(write_raw, tmp_path):
    folder = write_raw({"enti.csv": ENTITIES_HEADER + "E1,Alfa,APS,BS\n"})
    result = clean(folder, tmp_path / "out")
    assert result.report["process"]["reference_date"] == DEFAULT_REFERENCE_DATE.isoformat()


def test_the_seed_process_records_the_last_valid_meeting(write_raw, tmp_path):
    meetings = (
        "I1,2018-09-20,1,regionale,\n"
        "I2,14/03/2019,2,territoriale,MI\n"
        "I3,30/02/2020,2,regionale,\n"  # impossible date: not a meeting
        "I4,01/05/2020,7,regionale,\n"  # bad phase: not a meeting
        "I5,01/05/2018,1,regionale,\n"
    )
    folder = write_raw({"enti.csv": ENTITIES_HEADER + "E1,Alfa,APS,BS\n", "incontri.csv": MEETINGS_HEADER + meetings})
    result = clean(folder, tmp_path / "out")
    assert result.report["tables"]["meetings"] == 3
    assert result.report["process"]["reference_date"] == "2019-03-14"


def test_a_last_meeting_before_the_territorial_table_is_a_sentence(write_raw):
    meetings = "I1,2015-09-20,1,regionale,\nI2,2015-10-01,2,regionale,\n"
    folder = write_raw({"enti.csv": ENTITIES_HEADER + "E1,Alfa,APS,BS\n", "incontri.csv": MEETINGS_HEADER + meetings})
    [sentence] = [p.sentence() for p in validate(folder).errors]
    assert sentence == (
        "incontri.csv, riga 3, colonna «data»: l'ultimo incontro è del 2015-10-01, ma l'elenco dei territori parte "
        "dal 2016-01-01: indicare in processo.toml una data_riferimento dal 2016-01-01 in poi, la data delle unità "
        "territoriali del processo."
    )
    folder = write_raw({"processo.toml": "data_riferimento = 2019-06-30\n"})
    assert validate(folder).ok


# --- nodes and groups ------------------------------------------------------------------------


def test_a_process_with_its_own_nodes(write_raw, tmp_path):
    contributions = "I1,E1,reti,x\nI1,E2,RISORSE,\nI1,E1,Reti comunitarie,y\nI1,E2,Risorse,z\n"
    folder = raw_folder(
        write_raw, 'nodi = ["Reti", "Risorse"]\n', "E1,Alfa,APS,BS\nE2,Beta,ODV,MI\n", "I1,2019-03-14,1,regionale,\n",
        contributions,
    )  # fmt: skip
    result = clean(folder, tmp_path / "out")
    nodes = pd.read_parquet(tmp_path / "out" / "contributions.parquet")["node"].tolist()
    assert nodes == ["Reti", "Risorse", "Risorse"]
    assert errors(result) == [
        "contributi.csv, riga 4, colonna «nodo»: nodo «Reti comunitarie» non riconosciuto; atteso uno tra: Reti, "
        "Risorse."
    ]
    assert result.report["process"]["nodes"] == ["Reti", "Risorse"]


def test_the_seed_nodes_are_listed_when_one_is_unknown(write_raw, tmp_path):
    contributions = "I1,E1,reti comunitarie,x\nI1,E2,Strumentazione,\nI1,E1,Cultura,\n"
    folder = raw_folder(
        write_raw, None, "E1,Alfa,APS,BS\nE2,Beta,ODV,MI\n", "I1,2019-03-14,1,regionale,\n", contributions
    )
    result = clean(folder, tmp_path / "out")
    assert errors(result) == [
        "contributi.csv, riga 4, colonna «nodo»: nodo «Cultura» non riconosciuto; atteso uno tra: Energie per il "
        "dibattito, Reti comunitarie, Strumentazione, Catene di valore."
    ]


def test_a_process_with_its_own_groups(write_raw, tmp_path):
    process = (
        "[gruppi]\n"
        'volontariato = { etichetta = "Volontariato", tipologie = ["ODV"] }\n'
        'altri = { etichetta = "Gli altri enti", tipologie = ["*"] }\n'
    )
    entities = "E1,Alfa,APS,BS\nE2,Beta,ODV,MI\nE3,Gamma,CSV,Lombardia\nE4,Delta,Organizzazione di volontariato,CO\n"
    folder = raw_folder(write_raw, process, entities, "I1,2019-03-14,1,regionale,\n")
    _, entities, _ = cleaned(folder, tmp_path)
    assert entities["group"].to_dict() == {"E1": "altri", "E2": "volontariato", "E3": "altri", "E4": "volontariato"}
    groups = load_processed(tmp_path / "out").process.groups
    assert [(g.key, g.label) for g in groups] == [("volontariato", "Volontariato"), ("altri", "Gli altri enti")]


def test_without_the_applied_keys_the_cleaning_still_stops(write_raw, monkeypatch):
    """Until the reports follow them, a non-seed area stops the cleaning (core.process decides)."""
    monkeypatch.setattr(process_module, "APPLIED", frozenset({"min_cell", "quote_riferimento", "scala", "fasce"}))
    folder = raw_folder(write_raw, 'area = "Veneto"\n', VENETO_ENTITIES, VENETO_MEETINGS)
    [sentence] = [p.sentence() for p in validate(folder).errors]
    assert sentence.startswith("processo.toml, riga 1, colonna «area»: questa versione dell'analisi")
