"""The national demo: every unit of its date, the process file, the raw contract's shapes, the same bytes."""

from __future__ import annotations

import csv
import datetime as dt
import functools
import hashlib
from collections import Counter
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from palestre_analysis import config
from palestre_analysis.cli import main
from palestre_analysis.core.geography import NATIONAL, Geography
from palestre_analysis.core.process import PROCESS_FILE, Process, parse_process
from palestre_analysis.core.territories import regions, units
from palestre_analysis.core.vocabulary import (
    ENTITY_TYPES,
    GROUP_LABELS,
    normalize_label,
    parse_entity_type,
    parse_level,
)
from palestre_analysis.ingest.demo import FIELDS, NEEDS, RESOURCES
from palestre_analysis.ingest.demo_national import (
    GROUPS,
    MIN_PER_PROVINCE,
    NODES,
    PROVINCE_POPULATION,
    REFERENCE_DATE,
    SCALE,
    select_regions,
    write_national_demo,
)

TWO = ["Veneto", "Sardegna"]
FIRST_TYPES = {parse_entity_type(t) for t in GROUPS[0][2]}


def _hashes(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir())}


def _entities(folder: Path) -> list[dict]:
    with open(folder / "enti.csv", encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle))


def _meetings(folder: Path) -> list[dict]:
    sheet = openpyxl.load_workbook(folder / "incontri.xlsx").active
    header, *rows = sheet.iter_rows(values_only=True)
    return [dict(zip(header, row)) for row in rows]


GEOGRAPHY = Geography(NATIONAL, REFERENCE_DATE)


@functools.cache
def place_of(text: str):
    """The place a written territory names (thousands of rows, a few hundred texts: each read once)."""
    return GEOGRAPHY.read(text)


@pytest.fixture(scope="module")
def geography() -> Geography:
    return GEOGRAPHY


@pytest.fixture(scope="module")
def full(tmp_path_factory):
    """The whole country, written once (a few seconds)."""
    folder = tmp_path_factory.mktemp("national_full")
    return folder, write_national_demo(folder)


@pytest.fixture(scope="module")
def two(tmp_path_factory):
    folder = tmp_path_factory.mktemp("national_two")
    return folder, write_national_demo(folder, regions=TWO)


# --- the same bytes ----------------------------------------------------------------------------


def test_same_call_same_bytes_whatever_the_order_and_spelling_of_the_regions(two, tmp_path):
    folder, _ = two
    write_national_demo(tmp_path / "again", regions=["sardegna", " Veneto", "VENETO"])
    assert _hashes(tmp_path / "again") == _hashes(folder)


@pytest.mark.slow
def test_the_full_version_repeats_byte_for_byte(full, tmp_path):
    folder, _ = full
    write_national_demo(tmp_path / "again")
    assert _hashes(tmp_path / "again") == _hashes(folder)


def test_another_seed_gives_other_data(two, tmp_path):
    folder, _ = two
    write_national_demo(tmp_path / "other", seed=config.SEED + 1, regions=TWO)
    other = _hashes(tmp_path / "other")
    mine = _hashes(folder)
    assert other["valutazioni.csv"] != mine["valutazioni.csv"] and other["enti.csv"] != mine["enti.csv"]
    assert other[PROCESS_FILE] == mine[PROCESS_FILE], "the process is the same"


# --- places ------------------------------------------------------------------------------------


def test_every_unit_valid_on_the_date_has_entities(full, geography):
    folder, summary = full
    entities = _entities(folder)
    read = [place_of(e["territorio"]) for e in entities]
    unread = [e["territorio"] for e, place in zip(entities, read) if place is None]
    assert not unread, unread[:5]
    per_place = Counter(place.name for place in read)
    valid = {u.sigla for u in units(REFERENCE_DATE)}
    assert len(valid) == 107 and {p.code for p in geography.provinces} == valid
    assert {p.sigla for p in read if p.level == "provincia"} == valid
    assert min(per_place[p.name] for p in geography.provinces) >= MIN_PER_PROVINCE
    assert {p.name for p in read if p.level == "regione"} == {r.name for r in regions(REFERENCE_DATE)}
    assert per_place[NATIONAL] >= 30, "national bodies"
    assert 3000 <= summary.n_entities == len(entities) <= 6000
    assert sum(summary.n_voters.values()) >= 0.6 * len(entities), "phase-2 delegates are a large share"


def test_big_regions_have_more_entities(full, geography):
    folder, _ = full
    region_of = {p.name: p.region for p in geography.provinces}
    counts = Counter(
        region_of[p.name]
        for p in map(place_of, (e["territorio"] for e in _entities(folder)))
        if p.region and p.level == "provincia"
    )
    population = Counter()
    for place in geography.provinces:
        population[place.region] += PROVINCE_POPULATION[place.code]
    ranks = pd.DataFrame({"entities": counts, "population": population}).rank()
    assert ranks["entities"].corr(ranks["population"]) > 0.95
    assert counts["Lombardia"] > 15 * counts["Molise"] and counts["Lazio"] > 5 * counts["Umbria"]


def test_names_carry_their_place_and_are_unique(full):
    folder, _ = full
    entities = _entities(folder)
    assert len({e["denominazione"] for e in entities}) == len(entities)
    for entity in entities[::50]:
        place = place_of(entity["territorio"])
        expected = "nazionale" if place.level == "nazione" else place.name
        assert expected in entity["denominazione"], entity


def test_every_type_of_the_code_is_written_in_a_spelling_the_cleaning_reads(full):
    folder, _ = full
    written = Counter(parse_entity_type(e["tipologia"]) for e in _entities(folder))
    assert None not in written and set(written) == set(ENTITY_TYPES)


def test_the_two_groups_are_not_the_seeds_and_both_vote(full):
    _, summary = full
    keys = [key for key, _, _ in GROUPS]
    assert set(keys).isdisjoint(GROUP_LABELS) and set(summary.group_labels.values()).isdisjoint(GROUP_LABELS.values())
    assert list(summary.n_voters) == keys and min(summary.n_voters.values()) >= 500


# --- the process file ----------------------------------------------------------------------------


def test_the_process_file_parses_and_describes_the_demo(full):
    folder, _ = full
    process, problems = parse_process((folder / PROCESS_FILE).read_text(encoding="utf-8"))
    assert problems == []
    assert process.area == NATIONAL and process.reference_date == REFERENCE_DATE and process.scale == SCALE
    assert process.nodes == NODES and 3 <= len(NODES) <= 5 and not set(NODES) & set(Process().nodes)
    assert process.title != Process().title and process.reference_shares != Process().reference_shares
    assert [(g.key, g.label) for g in process.groups] == [(key, label) for key, label, _ in GROUPS]
    assert set(process.groups[0].types) == FIRST_TYPES and process.groups[1].types == ("*",)
    assert abs(sum(process.reference_shares.values()) - 1) < 1e-9


# --- meetings, attendance, contributions ----------------------------------------------------------


def test_meetings_are_national_regional_and_territorial_within_the_contracts_levels(full):
    folder, _ = full
    meetings = _meetings(folder)
    levels = Counter(parse_level(m["Livello"]) for m in meetings)
    places = [place_of(m["Territorio"]) for m in meetings]
    assert None not in places
    by_level = Counter((parse_level(m["Livello"]), place.level) for m, place in zip(meetings, places))
    assert by_level == {
        ("regionale", "nazione"): 4,
        ("regionale", "regione"): 3 * 20,
        ("territoriale", "provincia"): 2 * 107,
    }
    assert sum(levels.values()) == len(meetings) and set(levels) == {"regionale", "territoriale"}
    assert {m["Fase"] for m in meetings} == {1, 2}
    assert len({m["Incontro ID"] for m in meetings}) == len(meetings)
    days = [m["Data"].date() if hasattr(m["Data"], "date") else dt.datetime.strptime(m["Data"], "%d/%m/%Y").date()
            for m in meetings]  # fmt: skip
    assert dt.date(2023, 9, 1) <= min(days) and max(days) <= REFERENCE_DATE


def test_everyone_came_once_and_every_meeting_had_someone(full):
    folder, _ = full
    presence = pd.read_csv(folder / "presenze.csv", dtype=str)
    entities = {e["ente_id"] for e in _entities(folder)}
    meetings = {m["Incontro ID"] for m in _meetings(folder)}
    assert set(presence["ente_id"]) == entities and set(presence["incontro_id"]) == meetings


def test_contributions_are_on_the_files_nodes(full):
    folder, _ = full
    text = (folder / "contributi.csv").read_bytes().decode("cp1252")
    rows = list(csv.DictReader(text.splitlines(), delimiter=";"))
    written = Counter(normalize_label(r["nodo"]) for r in rows)
    assert set(written) == {normalize_label(n) for n in NODES}
    assert {r["nodo"] for r in rows} > set(NODES), "some nodes are written in other cases"
    assert any("<script>" in r["testo"] for r in rows)


# --- votes -------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def long_votes(full):
    folder, _ = full
    return pd.read_csv(folder / "valutazioni.csv", dtype=str, keep_default_na=False)


def test_votes_lie_on_one_to_five_but_for_the_deliberate_mistakes(full, long_votes):
    folder, _ = full
    on_scale = {str(v) for v in range(SCALE[0], SCALE[1] + 1)}
    odd = Counter(v for v in long_votes["voto"] if v not in on_scale)
    mistakes = {"quattro", "6", "0", "3,5", ""}
    assert set(odd) - mistakes == {v for v in odd if v.strip(" ").replace(",0", "").replace(".0", "") in on_scale}
    assert all(odd[m] == 1 for m in mistakes)
    form = pd.read_csv(folder / "valutazioni_modulo_google.csv", dtype=str, keep_default_na=False)
    cells = Counter(v for column in form.columns if "[" in column for v in form[column])
    assert set(cells) == on_scale | {"", "cinque", "5+"} and cells["cinque"] == cells["5+"] == 1


def test_votes_cover_the_grid_and_keep_the_models_structure(full, long_votes):
    folder, _ = full
    types = {e["ente_id"]: parse_entity_type(e["tipologia"]) for e in _entities(folder)}
    votes = long_votes[long_votes["voto"].isin([str(v) for v in range(1, 6)])].copy()
    votes["score"] = votes["voto"].astype(int)
    votes["first"] = votes["ente_id"].map(types).isin(FIRST_TYPES)
    assert (votes["campo"].str.casefold().nunique(), votes["risorsa"].nunique(), votes["esigenza"].nunique()) == (
        len(FIELDS),
        len(RESOURCES),
        len(NEEDS),
    )
    means = votes.groupby(["risorsa", "esigenza"])["score"].mean()
    bandi = means["Bandi delle fondazioni"]
    assert bandi["Avvio di nuovi progetti"] > bandi["Sostenibilità della struttura"] + 1
    fees = votes[votes["risorsa"] == "Quote associative"].groupby("first")["score"].mean()
    assert fees[True] > fees[False] + 0.5, "the group gap, on 1-5"


# --- a few regions -----------------------------------------------------------------------------


def test_the_regions_option_keeps_those_regions_with_their_full_counts(full, two, geography):
    full_folder, _ = full
    folder, summary = two
    kept = [place_of(e["territorio"]) for e in _entities(folder)]
    assert {p.region for p in kept if p.level != "nazione"} == set(TWO)
    assert {p.level for p in kept} == {"nazione", "regione", "provincia"}
    whole = Counter(place_of(e["territorio"]).name for e in _entities(full_folder))
    mine = Counter(p.name for p in kept)
    provinces = [p.name for p in geography.provinces if p.region in TWO]
    assert {name: mine[name] for name in provinces} == {name: whole[name] for name in provinces}
    assert 8 <= mine[NATIONAL] < whole[NATIONAL]
    hosts = {place_of(m["Territorio"]) for m in _meetings(folder)}
    assert {p.region for p in hosts if p.level != "nazione"} == set(TWO)
    assert summary.n_entities < 1000 and summary.n_meetings == 4 + 2 * 3 + 2 * len(provinces)
    marker = (folder / config.DEMO_MARKER).read_text(encoding="utf-8")
    assert "SINTETICI" in marker and "Veneto, Sardegna" in marker


def test_select_regions_reads_any_spelling_and_refuses_what_is_not_a_region():
    assert [r.code for r in select_regions(["FVG", "04", "Valle d'Aosta"])] == ["02", "04", "06"]
    assert len(select_regions(None)) == len(select_regions([])) == 20
    with pytest.raises(ValueError, match="«Brianza» non è una regione"):
        select_regions(["Veneto", "Brianza"])


# --- the command -------------------------------------------------------------------------------


def test_the_command_writes_the_two_regions_and_says_so(two, tmp_path, capsys):
    folder, _ = two
    assert main(["demo", "--process", "national", "--regioni", "Veneto,Sardegna", "--out", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "processo.toml" in out and "delegati di associazioni e reti associative: " in out
    assert _hashes(tmp_path) == _hashes(folder)


def test_the_command_refuses_what_it_cannot_do(tmp_path, capsys):
    assert main(["demo", "--process", "national"]) == 1
    assert "--out" in capsys.readouterr().err
    assert main(["demo", "--regioni", "Veneto", "--out", str(tmp_path / "a")]) == 1
    assert main(["demo", "--process", "national", "--regioni", "Atlantide", "--out", str(tmp_path / "b")]) == 1
    assert "«Atlantide» non è una regione" in capsys.readouterr().err
    assert not (tmp_path / "a").exists() and not (tmp_path / "b").exists()


def test_the_lombard_demo_over_a_national_one_leaves_no_process_file(tmp_path, capsys):
    assert main(["demo", "--process", "national", "--regioni", "Molise", "--out", str(tmp_path)]) == 0
    assert (tmp_path / PROCESS_FILE).is_file()
    assert main(["demo", "--out", str(tmp_path)]) == 0
    assert not (tmp_path / PROCESS_FILE).exists()
    assert all((tmp_path / p.name).read_bytes() == p.read_bytes() for p in config.RAW_DIR.iterdir() if p.is_file())
