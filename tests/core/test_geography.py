"""The places of a process: what its territories may be, the sentences when they are not, and how they nest."""

from __future__ import annotations

from datetime import date

import pytest

from palestre_analysis.core.geography import NATIONAL, Geography, bodies_label, geography

SEED_DAY = date(2019, 6, 30)
LATER = date(2026, 6, 30)

LOMBARDY = Geography("Lombardia", SEED_DAY)
VENETO = Geography("Veneto", SEED_DAY)
ITALY = Geography(NATIONAL, SEED_DAY)

#: The seed's twelve provinces, sigla -> name, as the cleaning has always written them.
PROVINCES = {
    "BG": "Bergamo",
    "BS": "Brescia",
    "CO": "Como",
    "CR": "Cremona",
    "LC": "Lecco",
    "LO": "Lodi",
    "MN": "Mantova",
    "MI": "Milano",
    "MB": "Monza e della Brianza",
    "PV": "Pavia",
    "SO": "Sondrio",
    "VA": "Varese",
}


# --- Lombardy: the spellings the cleaning has always accepted ---------------------------------


@pytest.mark.parametrize(
    ("text", "code", "name"),
    [
        ("Provincia di Bergamo", "BG", "Bergamo"),
        ("provincia Bergamo", "BG", "Bergamo"),
        ("Prov. di Lecco", "LC", "Lecco"),
        ("Prov. Lecco", "LC", "Lecco"),
        ("Prov. LC", "LC", "Lecco"),
        ("Bergamo (BG)", "BG", "Bergamo"),
        ("Bergamo - BG", "BG", "Bergamo"),
        ("BG - Bergamo", "BG", "Bergamo"),
        ("BG \u2013 Bergamo", "BG", "Bergamo"),
        ("Provincia di Bergamo (BG)", "BG", "Bergamo"),
        ("Milano Città Metropolitana", "MI", "Milano"),
        ("Città Metropolitana di Milano", "MI", "Milano"),
        ("Città metropolitana di Milano (MI)", "MI", "Milano"),
        ("Città metropolitana Milano", "MI", "Milano"),
        ("CM Milano", "MI", "Milano"),
        ("CM di Milano", "MI", "Milano"),
        ("Milano CM", "MI", "Milano"),
        ("Provincia di Milano", "MI", "Milano"),
        ("Monza e Brianza", "MB", "Monza e della Brianza"),
        ("Monza-Brianza", "MB", "Monza e della Brianza"),
        ("Monza Brianza", "MB", "Monza e della Brianza"),
        ("Monza", "MB", "Monza e della Brianza"),
        ("monza  e brianza", "MB", "Monza e della Brianza"),
        ("Monza e della Brianza (MB)", "MB", "Monza e della Brianza"),
        ("Provincia di Monza e della Brianza", "MB", "Monza e della Brianza"),
        (" mi ", "MI", "Milano"),
        ("Lodi LO", "LO", "Lodi"),
        ("Lombardia", "03", "Lombardia"),
        ("Regione Lombardia", "03", "Lombardia"),
        ("Regionale", "03", "Lombardia"),
    ],
)
def test_lombard_spellings(text, code, name):
    place = LOMBARDY.read(text)
    assert place is not None, text
    assert (place.code, place.name) == (code, name)


@pytest.mark.parametrize("sigla", sorted(PROVINCES))
def test_every_lombard_province_by_name_and_sigla(sigla):
    name = PROVINCES[sigla]
    for text in (sigla, name, f"{name} ({sigla})", f"{sigla} - {name}", f"Provincia di {name}", f"Prov. {name}"):
        place = LOMBARDY.read(text)
        assert place is not None and (place.code, place.name, place.level) == (sigla, name, "provincia"), text


def test_lombardy_has_its_twelve_provinces_and_nothing_else():
    assert {p.code: p.name for p in LOMBARDY.provinces} == PROVINCES
    assert LOMBARDY.regions == [LOMBARDY.area] and LOMBARDY.area.level == "regione"
    assert LOMBARDY.names() == ["Lombardia", *(p.name for p in LOMBARDY.provinces)]


@pytest.mark.parametrize(
    "text",
    ["Bergamo (BS)", "BS - Bergamo", "Milano (Lombardia)", "Bergamo (XX)", "Provincia", "Prov.", "Atlantide"],
)
def test_what_lombardy_never_guesses(text):
    assert LOMBARDY.read(text) is None


def test_a_province_outside_the_area_names_the_area():
    assert LOMBARDY.why_not("Verona").startswith("La provincia di Verona (VR) non è in Lombardia, l'area del processo")
    assert LOMBARDY.why_not("Torino (TO)").startswith(
        "La città metropolitana di Torino (TO) non è in Lombardia, l'area del processo"
    )
    assert VENETO.why_not("Bergamo").startswith("La provincia di Bergamo (BG) non è nel Veneto, l'area del processo")
    assert ITALY.why_not("Atlantide").endswith(".") and VENETO.why_not("Bergamo").endswith(".")


def test_an_unknown_territory_says_what_is_accepted():
    assert LOMBARDY.why_not("Atlantide") == (
        "«Atlantide» non è un territorio riconosciuto: indicare una provincia della Lombardia "
        "(BG BS CO CR LC LO MB MI MN PV SO VA, anche per nome) oppure «Lombardia» per gli enti regionali."
    )
    assert "«Italia» per gli enti nazionali" in ITALY.why_not("Atlantide")


def test_name_and_sigla_that_disagree_are_explained():
    assert LOMBARDY.why_not("Bergamo (BS)") == (
        "«Bergamo (BS)»: il nome indica la provincia di Bergamo (BG) e la sigla la provincia di Brescia (BS); "
        "quale sia giusta non si indovina."
    )


def test_why_not_refuses_a_place_of_the_process():
    with pytest.raises(ValueError):
        LOMBARDY.why_not("Bergamo")


# --- Veneto -------------------------------------------------------------------------------------


def test_veneto_reads_its_provinces_and_itself():
    assert [p.code for p in VENETO.provinces] == ["VR", "VI", "BL", "TV", "VE", "PD", "RO"]
    assert VENETO.read("Verona").name == "Verona" and VENETO.read("PD").name == "Padova"
    for text in ("Veneto", "Regione Veneto", "Regionale"):
        assert VENETO.read(text) == VENETO.area, text
    assert VENETO.read("Bergamo") is None and VENETO.read("Lombardia") is None
    assert VENETO.choices().startswith("indicare una provincia del Veneto (BL PD RO TV VE VI VR")


# --- Italy ----------------------------------------------------------------------------------------


def test_a_national_process_reads_provinces_regions_and_italy():
    assert ITALY.area.name == NATIONAL and ITALY.area.code == "IT" and ITALY.area.level == "nazione"
    assert len(ITALY.regions) == 20 and len(ITALY.provinces) == 107
    assert ITALY.read("Italia") == ITALY.area and ITALY.read("Nazionale") == ITALY.area
    veneto, verona = ITALY.read("Veneto"), ITALY.read("VR")
    assert (veneto.code, veneto.level, verona.region) == ("05", "regione", "Veneto")
    assert ITALY.read("Regione Lombardia").name == "Lombardia"
    assert ITALY.read("Trentino-Alto Adige").name == "Trentino-Alto Adige/Südtirol"
    assert ITALY.read("Regionale") is None  # which region is not said


def test_italy_is_not_a_place_of_a_regional_process():
    assert LOMBARDY.read("Italia") is None and VENETO.read("Nazionale") is None


def test_a_unit_of_another_period_is_explained_in_a_national_process():
    sentence = ITALY.why_not("Carbonia-Iglesias")
    assert sentence.startswith("La provincia di Carbonia-Iglesias (CI, codice ISTAT 107) è valida fino al 2016-12-31")


# --- Sardinia: the units of the process's date ---------------------------------------------------


def test_sud_sardegna_exists_in_2019_and_not_in_2026():
    in_2019, in_2026 = Geography("Sardegna", SEED_DAY), Geography("Sardegna", LATER)
    assert in_2019.read("Sud Sardegna").code == "SU"
    assert in_2026.read("Sud Sardegna") is None and in_2026.read("SU") is None
    sentence = in_2026.why_not("Sud Sardegna")
    assert sentence.startswith(
        "La provincia del Sud Sardegna (SU, codice ISTAT 111) è valida dal 2017-01-01 al 2025-12-31"
    )
    assert (
        "il 2026-06-30 le unità della regione Sardegna sono Cagliari (CA), Gallura Nord-Est Sardegna (OT)" in sentence
    )


def test_the_new_sardinian_units_are_valid_from_2026():
    in_2019, in_2026 = Geography("Sardegna", SEED_DAY), Geography("Sardegna", LATER)
    assert [p.code for p in in_2019.provinces] == ["SS", "NU", "CA", "OR", "SU"]
    assert len(in_2026.provinces) == 8 and in_2026.read("Gallura Nord-Est Sardegna").code == "OT"
    assert in_2019.read("Gallura Nord-Est Sardegna") is None
    assert "è valida dal 2026-01-01" in in_2019.why_not("Gallura Nord-Est Sardegna")


# --- Valle d'Aosta: one unit named like its region -----------------------------------------------


def test_the_aosta_unit_is_called_aosta():
    aosta = Geography("Valle d'Aosta", SEED_DAY)
    assert [(p.code, p.name) for p in aosta.provinces] == [("AO", "Aosta")]
    assert aosta.area.name == "Valle d'Aosta/Vallée d'Aoste"
    assert aosta.read("AO").name == "Aosta" and aosta.read("Aosta").name == "Aosta"
    assert aosta.read("Regione Valle d'Aosta") == aosta.area and aosta.read("Regionale") == aosta.area
    assert len(set(aosta.names())) == 2
    assert len(set(ITALY.names())) == len(ITALY.names()) == 1 + 20 + 107


# --- the hierarchy --------------------------------------------------------------------------------


def test_report_places_of_a_regional_process():
    places = LOMBARDY.report_places(["Milano", "Brescia", "Lombardia", "Monza e della Brianza"])
    assert [p.name for p in places] == ["Lombardia", "Brescia", "Milano", "Monza e della Brianza"]
    assert [p.name for p in LOMBARDY.report_places([])] == ["Lombardia"]


def test_report_places_of_a_national_process_follow_the_regions():
    present = ["Verona", "Veneto", "Bergamo", "Milano", "Italia", "Sud Sardegna", "Padova", "Lazio"]
    places = ITALY.report_places(present)
    assert [(p.name, p.level) for p in places] == [
        ("Italia", "nazione"),
        ("Lombardia", "regione"),
        ("Bergamo", "provincia"),
        ("Milano", "provincia"),
        ("Veneto", "regione"),
        ("Padova", "provincia"),
        ("Verona", "provincia"),
        ("Lazio", "regione"),  # region-wide bodies only: the region has its report
        ("Sardegna", "regione"),
        ("Sud Sardegna", "provincia"),
    ]


def test_covers():
    assert LOMBARDY.covers("Lombardia") == set(LOMBARDY.names())
    assert LOMBARDY.covers("Brescia") == {"Brescia"}
    assert ITALY.covers("Veneto") == {
        "Veneto",
        "Verona",
        "Vicenza",
        "Belluno",
        "Treviso",
        "Venezia",
        "Padova",
        "Rovigo",
    }
    assert ITALY.covers("Italia") == set(ITALY.names())
    with pytest.raises(KeyError):
        LOMBARDY.covers("Verona")


def test_parent_and_chain():
    assert ITALY.parent("Verona").name == "Veneto" and ITALY.parent("Veneto") == ITALY.area
    assert ITALY.parent("Italia") is None and LOMBARDY.parent("Bergamo") == LOMBARDY.area
    assert [p.name for p in ITALY.chain("Verona")] == ["Italia", "Veneto", "Verona"]
    assert [p.name for p in LOMBARDY.chain("Lombardia")] == ["Lombardia"]


def test_sums_and_leaves_of_a_regional_process():
    sums = LOMBARDY.sums()
    assert list(sums) == ["Lombardia"]
    assert sums["Lombardia"] == [*(p.name for p in LOMBARDY.provinces), bodies_label("Lombardia")]
    assert LOMBARDY.leaves() == sums["Lombardia"]
    assert LOMBARDY.leaf("Bergamo") == "Bergamo" and LOMBARDY.leaf("Lombardia") == "__enti__:Lombardia"


def test_sums_and_leaves_of_a_national_process():
    sums = ITALY.sums()
    assert list(sums)[-1] == "Italia" and len(sums) == 21  # regions first, bottom up
    assert sums["Italia"] == [*(r.name for r in ITALY.regions), bodies_label("Italia")]
    assert sums["Veneto"] == [
        "Verona",
        "Vicenza",
        "Belluno",
        "Treviso",
        "Venezia",
        "Padova",
        "Rovigo",
        "__enti__:Veneto",
    ]
    leaves = ITALY.leaves()
    assert len(leaves) == len(set(leaves)) == 107 + 20 + 1 and leaves[-1] == "__enti__:Italia"
    assert ITALY.leaf("Veneto") == "__enti__:Veneto" and ITALY.leaf("Italia") == "__enti__:Italia"
    assert all(ITALY.leaf(name) in leaves for name in ITALY.names())


def test_bodies_are_no_real_place():
    assert not set(ITALY.names()) & {bodies_label(name) for name in ITALY.names()}


@pytest.mark.parametrize(
    ("area", "di", "in_"),
    [
        ("Lombardia", "della Lombardia", "in Lombardia"),
        ("Veneto", "del Veneto", "nel Veneto"),
        ("Lazio", "del Lazio", "nel Lazio"),
        ("Marche", "delle Marche", "nelle Marche"),
        ("Emilia-Romagna", "dell'Emilia-Romagna", "in Emilia-Romagna"),
        ("Abruzzo", "dell'Abruzzo", "in Abruzzo"),
        ("Sardegna", "della Sardegna", "in Sardegna"),
        (NATIONAL, "dell'Italia", "in Italia"),
    ],
)
def test_with_preposition(area, di, in_):
    place = Geography(area, SEED_DAY).area
    assert (place.with_preposition("di"), place.with_preposition("in")) == (di, in_)


def test_a_province_takes_no_article():
    assert VENETO.read("VR").with_preposition("di") == "di Verona"
    assert LOMBARDY.read("MI").with_preposition("in") == "in Milano"


def test_bad_areas_and_dates_are_refused():
    with pytest.raises(ValueError, match="non è una regione italiana"):
        Geography("Atlantide", SEED_DAY)
    with pytest.raises(ValueError):
        Geography("Lombardia", date(2015, 12, 31))


def test_geography_is_built_once_per_area_and_date():
    assert geography("Veneto", SEED_DAY) is geography("Veneto", SEED_DAY)
    assert geography("Veneto", SEED_DAY) is not geography("Veneto", LATER)
