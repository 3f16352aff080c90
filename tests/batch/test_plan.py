"""Which reports a batch holds: territory selection, slugs, scope of each notebook."""

from __future__ import annotations

from datetime import date

import pytest

from palestre_analysis.batch.plan import (
    NOTEBOOKS,
    NotebookSpec,
    PlanError,
    assign_slugs,
    build_plan,
    select_territories,
)
from palestre_analysis.core.geography import Geography

AVAILABLE = ["Brescia", "Cremona", "Monza e della Brianza"]


def test_all_means_region_first_then_every_territory():
    assert select_territories(AVAILABLE, None) == ["Lombardia", *AVAILABLE]
    assert select_territories(AVAILABLE, ["all"]) == ["Lombardia", *AVAILABLE]


def test_territories_are_matched_by_name_or_sigla_whatever_the_spelling():
    chosen = select_territories(AVAILABLE, ["mb", "BRESCIA", "Monza e Brianza", "lombardia"])
    assert chosen == ["Lombardia", "Brescia", "Monza e della Brianza"]


def test_a_territory_not_in_the_data_is_refused_with_the_available_ones():
    with pytest.raises(PlanError, match="Pavia.*Territori disponibili: Lombardia, Brescia"):
        select_territories(AVAILABLE, ["Brescia", "Pavia"])


def test_slugs_are_safe_and_distinct_even_for_hostile_or_colliding_names():
    names = ["Lombardia", "../../etc/passwd", "Brescia", "BRESCIA!", "<script>", "", "a/../../b", "{territorio}"]
    slugs = assign_slugs(names)
    assert len(set(slugs.values())) == len(names)
    assert all(s and set(s) <= set("abcdefghijklmnopqrstuvwxyz0123456789-") for s in slugs.values())
    assert slugs["Lombardia"] == "lombardia" and slugs["Brescia"] == "brescia"
    assert slugs["BRESCIA!"].startswith("brescia-")


def test_very_long_names_give_short_distinct_slugs():
    names = ["Provincia " * 40 + "A", "Provincia " * 40 + "B"]
    slugs = assign_slugs(names)
    assert len(set(slugs.values())) == 2 and all(len(s) <= 69 for s in slugs.values())


def test_region_notebooks_run_only_for_the_region_and_first():
    plan = build_plan(["Lombardia", "Brescia"])
    assert [(r.slug, r.notebook.filename) for r in plan] == [
        ("lombardia", "03_relazione_finale.ipynb"),
        ("lombardia", "01_rete_partecipazione.ipynb"),
        ("lombardia", "02_risorse_esigenze.ipynb"),
        ("brescia", "01_rete_partecipazione.ipynb"),
        ("brescia", "02_risorse_esigenze.ipynb"),
    ]
    assert {r.notebook for r in plan} == set(NOTEBOOKS)


def test_a_territory_keeps_its_folder_when_run_alone():
    everyone = ["Lombardia", "Brescia", "BRESCIA!"]
    alone = build_plan(["BRESCIA!"], slugs=assign_slugs(everyone))
    assert {r.slug for r in alone} == {assign_slugs(everyone)["BRESCIA!"]}


def test_notebook_scope_is_checked():
    with pytest.raises(ValueError, match="scope"):
        NotebookSpec("x.ipynb", "province", "X")


# --- A national process: the hierarchy -----------------------------------------------------------

ITALY = Geography("Italia", date(2019, 6, 30))
#: Entity territories of a two-region national process: provinces, a region-wide body, national bodies.
PRESENT = ["Verona", "Padova", "Veneto", "Sud Sardegna", "Cagliari", "Italia"]


def test_a_national_process_reports_the_area_then_each_region_with_its_provinces():
    """The issue's hierarchy: the whole area, every region present, every province present (ISTAT order of regions)."""
    order = [p.name for p in ITALY.report_places(PRESENT)]
    assert order == ["Italia", "Veneto", "Padova", "Verona", "Sardegna", "Cagliari", "Sud Sardegna"]
    assert assign_slugs(order)["Sud Sardegna"] == "sud-sardegna" and assign_slugs(order)["Italia"] == "italia"


def test_a_region_of_a_national_process_runs_with_its_provinces():
    available = [p.name for p in ITALY.report_places(PRESENT)]
    assert select_territories(available, ["Veneto"], ITALY) == ["Veneto", "Padova", "Verona"]
    assert select_territories(available, ["VR", "sardegna"], ITALY) == [
        "Verona",
        "Sardegna",
        "Cagliari",
        "Sud Sardegna",
    ]
    with pytest.raises(PlanError, match="Lombardia"):
        select_territories(available, ["Lombardia"], ITALY)


def test_the_final_report_runs_for_the_area_and_every_region_of_a_national_process():
    available = [p.name for p in ITALY.report_places(PRESENT)]
    finals = [r.territory for r in build_plan(available, places=ITALY) if r.notebook.scope == "region"]
    assert finals == ["Italia", "Veneto", "Sardegna"]
