"""The demo data set: deterministic, committed as generated, calibrated to the seed."""

from __future__ import annotations

import pandas as pd
import pytest

from palestre_analysis import config
from palestre_analysis.ingest.build import clean
from palestre_analysis.ingest.demo import FIELDS, NEEDS, RESOURCES, write_demo


def test_same_seed_same_bytes_and_matches_the_committed_files(tmp_path):
    write_demo(tmp_path / "a")
    write_demo(tmp_path / "b")
    for path in sorted((tmp_path / "a").iterdir()):
        assert path.read_bytes() == (tmp_path / "b" / path.name).read_bytes(), path.name
        committed = config.RAW_DIR / path.name
        assert committed.read_bytes() == path.read_bytes(), f"data/raw/{path.name} is stale: run `palestre demo`"


def test_another_seed_gives_other_votes(tmp_path):
    write_demo(tmp_path / "a", seed=1)
    write_demo(tmp_path / "b", seed=2)
    assert (tmp_path / "a" / "valutazioni.csv").read_bytes() != (tmp_path / "b" / "valutazioni.csv").read_bytes()


@pytest.fixture(scope="module")
def demo_tables(tmp_path_factory):
    out = tmp_path_factory.mktemp("demo_clean")
    clean(config.RAW_DIR, out)
    return {
        name: pd.read_parquet(out / f"{name}.parquet")
        for name in ("entities", "meetings", "attendance", "contributions", "votes")
    }


def test_composition_matches_the_seed(demo_tables):
    """Seed: 95 entities; 60% associations, 12% community foundations, 11% CSV, 6% co-operation and PA."""
    entities = demo_tables["entities"]
    assert len(entities) == 95 and entities["delegate_id"].is_unique
    assert entities["category"].value_counts().to_dict() == {
        "associazioni": 57,
        "fondazioni_comunita": 11,
        "altri": 11,
        "csv": 10,
        "cooperazione_pa": 6,
    }
    assert entities["entity_type"].isin(["aps", "odv"]).sum() == 51
    provinces = set(entities["territory"]) - {"Lombardia"}
    assert len(provinces) == 12 and "Lombardia" in set(entities["territory"])


def test_meetings_match_the_seed(demo_tables):
    """Seed: 18 meetings, regional and territorial, 6 focus groups, September 2018 to June 2019."""
    meetings = demo_tables["meetings"]
    assert len(meetings) == 18 and meetings["focus_group"].nunique() == 6
    assert set(meetings["level"]) == {"regionale", "territoriale"} and set(meetings["phase"]) == {1, 2}
    assert meetings["date"].min() >= pd.Timestamp("2018-09-01") and meetings["date"].max() <= pd.Timestamp("2019-06-30")


def test_attendance_has_regulars_and_newcomers(demo_tables):
    attendance = demo_tables["attendance"].merge(demo_tables["meetings"], on="meeting_id")
    per_entity = attendance.groupby("entity_id").size()
    assert per_entity.index.nunique() == 95, "every entity came at least once"
    assert (per_entity >= 8).sum() >= 10 and (per_entity <= 2).sum() >= 20
    first = attendance.sort_values("date").groupby("entity_id")["meeting_id"].first()
    assert first.nunique() >= 10, "newcomers keep arriving across the year"


def test_votes_match_the_seed(demo_tables):
    """Seed: 83 delegates voted, 51 APS and ODV, 32 foundations, CSV and others; scores 1 to 10."""
    votes = demo_tables["votes"].merge(demo_tables["entities"], on="entity_id")
    assert votes.groupby("group")["entity_id"].nunique().to_dict() == {"aps_odv": 51, "fondazioni_csv_altri": 32}
    assert votes["score"].between(1, 10).all()
    assert (votes["field"].nunique(), votes["resource"].nunique(), votes["need"].nunique()) == (
        len(FIELDS),
        len(RESOURCES),
        len(NEEDS),
    )
    assert 5 <= len(FIELDS) <= 7 and 6 <= len(RESOURCES) <= 9 and 4 <= len(NEEDS) <= 6
    fields_per_delegate = votes.groupby("entity_id")["field"].nunique()
    assert fields_per_delegate.between(2, 4).all() and fields_per_delegate.lt(len(FIELDS)).all()


def test_votes_have_the_structure_analyses_should_find(demo_tables):
    """Bandi delle fondazioni fit new projects better than structure; the groups differ on Quote associative."""
    votes = demo_tables["votes"].merge(demo_tables["entities"], on="entity_id")
    means = votes.groupby(["resource", "need"])["score"].mean()
    assert (
        means["Bandi delle fondazioni", "Avvio di nuovi progetti"]
        > means["Bandi delle fondazioni", "Sostenibilità della struttura"] + 2
    )
    by_group = votes[votes["resource"] == "Quote associative"].groupby("group")["score"].mean()
    assert by_group["aps_odv"] > by_group["fondazioni_csv_altri"] + 1


def test_demo_carries_the_mess_the_cleaning_must_handle(demo_tables):
    report_raw = config.RAW_DIR
    assert (report_raw / "contributi.csv").read_bytes().decode("cp1252").startswith("incontro_id;")
    with pytest.raises(UnicodeDecodeError):
        (report_raw / "contributi.csv").read_bytes().decode("utf-8")
    assert (report_raw / "incontri.xlsx").exists()
    header = (report_raw / "valutazioni_modulo_google.csv").read_text(encoding="utf-8").splitlines()[0]
    assert header.startswith("Informazioni cronologiche,Indirizzo email,Codice ente,")
    texts = " ".join(demo_tables["contributions"]["text"].dropna())
    assert "<script>" in texts and "onerror=" in texts
