"""The header of links of every report: where the territory sits, and where each link goes."""

from __future__ import annotations

from datetime import date

import pytest

from palestre_analysis.batch.navigation import navigation_for, navigation_html
from palestre_analysis.batch.plan import build_plan
from palestre_analysis.core.geography import geography

ON = date(2026, 1, 1)


@pytest.fixture(scope="module")
def national():
    places = geography("Italia", ON)
    territories = ["Italia", "Veneto", "Verona", "Padova", "Sardegna", "Cagliari"]
    return build_plan(territories, places=places), places


def _by_key(plan, key):
    return next(spec for spec in plan if spec.key == key)


def test_a_province_of_a_national_process_sits_under_its_region(national):
    plan, places = national
    nav = navigation_for(_by_key(plan, "verona/02_risorse_esigenze"), plan, places, "Palestre")
    assert [(link.label, link.href) for link in nav.trail] == [
        ("Italia", "../italia/02_risorse_esigenze.html"),
        ("Veneto", "../veneto/02_risorse_esigenze.html"),
        ("Verona", None),
    ]
    assert (nav.parent.label, nav.parent.href) == ("Veneto", "../veneto/02_risorse_esigenze.html")
    assert nav.children == ()
    assert [link.label for link in nav.reports] == ["Fase 1 · Rete e partecipazione", "Fase 2 · Risorse ed esigenze"]
    assert nav.reports[1].href is None and nav.reports[0].href == "01_rete_partecipazione.html"


def test_the_country_lists_its_regions_and_a_region_its_provinces(national):
    plan, places = national
    country = navigation_for(_by_key(plan, "italia/03_relazione_finale"), plan, places, "Palestre")
    assert [c.label for c in country.children] == ["Veneto", "Sardegna"]
    assert country.parent is None and [link.label for link in country.trail] == ["Italia"]
    # the regions have a final report too: the link keeps the reader on the same kind of report
    assert country.children[0].href == "../veneto/03_relazione_finale.html"
    region = navigation_for(_by_key(plan, "veneto/03_relazione_finale"), plan, places, "Palestre")
    assert [(c.label, c.href) for c in region.children] == [
        ("Verona", "../verona/01_rete_partecipazione.html"),
        ("Padova", "../padova/01_rete_partecipazione.html"),
    ]
    assert region.parent.label == "Italia"


def test_the_links_do_not_depend_on_the_territories_run(national):
    plan, places = national
    spec = _by_key(plan, "cagliari/01_rete_partecipazione")
    assert navigation_for(spec, plan, places, "P") == navigation_for(spec, list(plan), places, "P")


def test_the_header_escapes_names_and_marks_the_current_page():
    plan = build_plan(["Lombardia", "<Brescia>"])
    nav = navigation_for(plan[-1], plan, None, "Palestre & co.")
    page = navigation_html(nav)
    assert "&lt;Brescia&gt;" in page and "<Brescia>" not in page and "Palestre &amp; co." in page
    assert page.count('aria-current="page"') == 2  # the territory in the trail, the report in the list
    assert '<a href="../index.html">Tutti i rapporti</a>' in page
    assert navigation_html(nav, pdf=False).count(".pdf") == 0
