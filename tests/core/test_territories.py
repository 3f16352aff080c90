"""Italian regions and units with validity dates: counts, Sardinia's reforms, spellings."""

from __future__ import annotations

from collections import Counter
from datetime import date, datetime

import pytest

from palestre_analysis.core import territories
from palestre_analysis.core.territories import (
    COVERED_FROM,
    find,
    load_territories,
    region_of,
    regions,
    units,
    why_not,
)
from palestre_analysis.core.vocabulary import normalize_label

#: The twelve Lombard provinces, as the seed's process and its demo name them.
LOMBARD_PROVINCES = {
    "BG": "Bergamo", "BS": "Brescia", "CO": "Como", "CR": "Cremona", "LC": "Lecco", "LO": "Lodi", "MN": "Mantova",
    "MI": "Milano", "MB": "Monza e della Brianza", "PV": "Pavia", "SO": "Sondrio", "VA": "Varese",
}  # fmt: skip
BEFORE_2017 = date(2016, 6, 30)
IN_2019 = date(2019, 6, 30)
IN_2026 = date(2026, 6, 30)
TODAY = date(2026, 12, 1)
#: Every day on which the table changes, and the day before it, plus the test dates.
BOUNDARIES = sorted(
    {COVERED_FROM, BEFORE_2017, IN_2019, IN_2026, TODAY}
    | {u.valid_from for u in load_territories() if u.valid_from}
    | {date.fromordinal(u.valid_from.toordinal() - 1) for u in load_territories() if u.valid_from}
    | {u.valid_to for u in load_territories() if u.valid_to}
)

#: Units per region on 2019-06-30 (region code → count).
COUNTS_2019 = {
    "01": 8,  # Piemonte
    "02": 1,  # Valle d'Aosta/Vallée d'Aoste
    "03": 12,  # Lombardia
    "04": 2,  # Trentino-Alto Adige/Südtirol
    "05": 7,  # Veneto
    "06": 4,  # Friuli-Venezia Giulia
    "07": 4,  # Liguria
    "08": 9,  # Emilia-Romagna
    "09": 10,  # Toscana
    "10": 2,  # Umbria
    "11": 5,  # Marche
    "12": 5,  # Lazio
    "13": 4,  # Abruzzo
    "14": 2,  # Molise
    "15": 5,  # Campania
    "16": 6,  # Puglia
    "17": 2,  # Basilicata
    "18": 5,  # Calabria
    "19": 9,  # Sicilia
    "20": 5,  # Sardegna
}
COUNTS_2026 = {**COUNTS_2019, "20": 8}


def per_region(on: date) -> dict[str, int]:
    return dict(Counter(u.region_code for u in units(on)))


# --- Counts ------------------------------------------------------------------------------------


def test_twenty_regions_on_every_date():
    """ISTAT region codes 01-20 (Elenco dei codici e delle denominazioni delle unità territoriali)."""
    for on in BOUNDARIES:
        assert [r.code for r in regions(on)] == [f"{n:02d}" for n in range(1, 21)]


def test_counts_on_2019_06_30():
    """107 units: ISTAT's code list (Elenco dei codici e delle denominazioni delle unità
    territoriali, in the copy of paolovolterra/dati) and Wikipedia's *Province d'Italia*
    breakdown, see palestre_analysis/core/data/README.md, points 1-2."""
    assert per_region(IN_2019) == COUNTS_2019
    assert len(units(IN_2019)) == sum(COUNTS_2019.values()) == 107


def test_counts_on_2026_06_30():
    """110 units, Sardinia 8: ISTAT, Codici delle unità amministrative, update of 17 July 2025
    (new codes for statistics from 2026-01-01), and guglielmo/geojson-italy's CHANGELOG
    (release 2026.1, codes 112-119) and STATUS.md («the 110 second-level units»); README,
    points 5-7."""
    assert per_region(IN_2026) == COUNTS_2026
    assert len(units(IN_2026)) == sum(COUNTS_2026.values()) == 110
    assert len(units(TODAY)) == 110


def test_counts_before_2017():
    """110 units in 2016, Sardinia 8: ISTAT's «Codice Comune numerico con 110 province (dal 2010
    al 2016)»; README, point 3."""
    assert per_region(BEFORE_2017) == {**COUNTS_2019, "20": 8}


# --- Consistency -------------------------------------------------------------------------------


@pytest.mark.parametrize("on", BOUNDARIES, ids=str)
def test_sigle_codes_and_spellings_are_unique_at_a_date(on):
    valid = units(on)
    assert len({u.sigla for u in valid}) == len(valid)
    assert len({u.code for u in valid}) == len(valid)
    spellings = Counter(s for u in valid for s in {normalize_label(x) for x in (u.name, *u.variants)})
    assert [s for s, n in spellings.items() if n > 1] == []


def test_every_unit_has_an_existing_region_and_well_formed_fields():
    table = load_territories()
    region_codes = {u.code for u in table if u.kind == "regione"}
    for unit in table:
        if unit.kind == "regione":
            assert len(unit.code) == 2 and unit.sigla is None and unit.region_code is None
            assert region_of(unit) is unit
        else:
            assert len(unit.code) == 3 and unit.code.isdigit()
            assert unit.region_code in region_codes
            assert region_of(unit).code == unit.region_code
            assert len(unit.sigla) == 2 and unit.sigla.isupper()


def test_rows_of_one_code_do_not_overlap():
    by_code: dict[str, list] = {}
    for unit in load_territories():
        by_code.setdefault((unit.kind, unit.code), []).append(unit)
    for rows in by_code.values():
        rows = sorted(rows, key=lambda u: u.valid_from or date.min)
        for before, after in zip(rows, rows[1:]):
            assert before.valid_to is not None and after.valid_from is not None
            assert before.valid_to < after.valid_from


def test_lombardy_is_the_vocabulary_of_the_rest_of_the_code():
    for on in BOUNDARIES:
        lombardy = {u.sigla: u.name for u in units(on, "03")}
        assert lombardy == LOMBARD_PROVINCES
    assert units(IN_2019, "Lombardia") == units(IN_2019, "03")
    in_istat_order = "VA CO SO MI BG BS PV CR MN LC LO MB".split()
    assert [u.sigla for u in units(IN_2019, "03")] == in_istat_order
    milano = find("MI", IN_2019)
    assert (milano.name, milano.code, milano.metropolitan) == ("Milano", "015", True)


# --- Sardinia ----------------------------------------------------------------------------------


def sardinia(on: date) -> dict[str, tuple[str, str]]:
    return {u.sigla: (u.code, u.name) for u in units(on, "20")}


def test_sardinia_before_2017():
    assert sardinia(BEFORE_2017) == {
        "SS": ("090", "Sassari"),
        "NU": ("091", "Nuoro"),
        "CA": ("092", "Cagliari"),
        "OR": ("095", "Oristano"),
        "OT": ("104", "Olbia-Tempio"),
        "OG": ("105", "Ogliastra"),
        "VS": ("106", "Medio Campidano"),
        "CI": ("107", "Carbonia-Iglesias"),
    }
    assert not find("Cagliari", BEFORE_2017).metropolitan


def test_sardinia_from_2017_to_2025():
    expected = {
        "SS": ("090", "Sassari"),
        "NU": ("091", "Nuoro"),
        "CA": ("092", "Cagliari"),
        "OR": ("095", "Oristano"),
        "SU": ("111", "Sud Sardegna"),
    }
    assert sardinia(date(2017, 1, 1)) == sardinia(IN_2019) == sardinia(date(2025, 12, 31)) == expected
    assert find("Cagliari", IN_2019).metropolitan


def test_sardinia_from_2026():
    expected = {
        "SS": ("112", "Sassari"),
        "OT": ("113", "Gallura Nord-Est Sardegna"),
        "NU": ("114", "Nuoro"),
        "OR": ("115", "Oristano"),
        "OG": ("116", "Ogliastra"),
        "VS": ("117", "Medio Campidano"),
        "CA": ("118", "Cagliari"),
        "CI": ("119", "Sulcis Iglesiente"),
    }
    assert sardinia(date(2026, 1, 1)) == sardinia(IN_2026) == sardinia(TODAY) == expected
    assert [u.sigla for u in units(IN_2026, "Sardegna") if u.metropolitan] == ["SS", "CA"]


def test_the_same_spelling_names_the_unit_of_its_time():
    assert [find("Nuoro", on).code for on in (BEFORE_2017, IN_2019, IN_2026)] == ["091", "091", "114"]
    assert [find("CA", on).code for on in (BEFORE_2017, IN_2019, IN_2026)] == ["092", "092", "118"]
    assert [find("CI", on) and find("CI", on).name for on in (BEFORE_2017, IN_2019, IN_2026)] == [
        "Carbonia-Iglesias",
        None,
        "Sulcis Iglesiente",
    ]


# --- find ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "sigla"),
    [
        ("Reggio Emilia", "RE"),
        ("Reggio nell'Emilia", "RE"),
        ("Reggio nell\u2019Emilia", "RE"),
        ("Forlì-Cesena", "FC"),
        ("Forli Cesena", "FC"),
        ("Forlì\u2013Cesena", "FC"),
        ("Monza e Brianza", "MB"),
        ("Monza e della Brianza", "MB"),
        ("Città metropolitana di Milano", "MI"),
        ("Milano Città Metropolitana", "MI"),
        ("Pesaro e Urbino", "PU"),
        ("Pesaro-Urbino", "PU"),
        ("Massa-Carrara", "MS"),
        ("Massa Carrara", "MS"),
        ("Bolzano", "BZ"),
        ("Bozen", "BZ"),
        ("Bolzano/Bozen", "BZ"),
        ("Alto Adige", "BZ"),
        ("Südtirol", "BZ"),
        ("Aosta", "AO"),
        ("Valle d'Aosta", "AO"),
        ("Bergamo (BG)", "BG"),
        ("BG - Bergamo", "BG"),
        ("Provincia di Bergamo", "BG"),
        ("Provincia di Bergamo (BG)", "BG"),
        ("Prov. di Lecco", "LC"),
        ("Prov. Lecco", "LC"),
        ("  bg ", "BG"),
        ("016", "BG"),
        ("Provincia della Spezia", "SP"),
        ("Provincia dell'Aquila", "AQ"),
        ("Provincia autonoma di Trento", "TN"),
        ("Libero consorzio comunale di Ragusa", "RG"),
        ("Città metropolitana di Roma Capitale", "RM"),
    ],
)
def test_find_reads_names_variants_sigle_and_codes(text, sigla):
    for on in (IN_2019, IN_2026):
        found = find(text, on)
        assert found is not None and found.sigla == sigla, (text, on)


def test_every_name_and_variant_of_the_table_finds_its_row():
    for unit in load_territories():
        on = unit.valid_from or COVERED_FROM
        for spelling in (unit.name, *unit.variants):
            assert find(spelling, on, kind=unit.kind) is unit, (spelling, on)
        if unit.sigla:
            assert find(unit.sigla, on) is unit
            assert find(f"{unit.name} ({unit.sigla})", on) is unit
        assert find(unit.code, on, kind=unit.kind) is unit


def test_regions_are_found_by_name_code_and_designation():
    assert find("Lombardia", IN_2019).code == "03"
    assert find("Regione Lombardia", IN_2019).code == "03"
    assert find("03", IN_2019).name == "Lombardia"
    assert find("Regione Siciliana", IN_2019).code == "19"
    assert find("Friuli Venezia Giulia", IN_2019).code == "06"
    # Valle d'Aosta: a region and its single unit share the name; the unit unless asked.
    assert find("Valle d'Aosta", IN_2019).kind == "provincia"
    assert find("Valle d'Aosta", IN_2019, kind="regione").code == "02"
    assert find("Regione Valle d'Aosta", IN_2019).kind == "regione"


@pytest.mark.parametrize(
    "text",
    [
        "Bergamo (BS)",  # name and sigla disagree
        "BS - Bergamo",
        "Città metropolitana di Bergamo",  # Bergamo is no metropolitan city
        "Regione Bergamo",
        "Atlantide",
        "",
        "XX",
        "999",
        "16 Bergamo",
    ],
)
def test_find_refuses_what_it_cannot_read_for_sure(text):
    assert find(text, IN_2019) is None


def test_a_region_code_is_not_read_as_a_unit_code():
    assert find("16", IN_2019).name == "Puglia"  # not Bergamo's 016
    assert find("3", IN_2019) is None


def test_kind_restricts_the_match():
    assert find("Bergamo", IN_2019, kind="regione") is None
    assert find("Lombardia", IN_2019, kind="provincia") is None
    with pytest.raises(ValueError, match="kind"):
        find("Bergamo", IN_2019, kind="comune")


def test_dates_before_the_table_are_refused_and_datetimes_accepted():
    with pytest.raises(ValueError, match="2016-01-01"):
        find("Bergamo", date(2015, 12, 31))
    with pytest.raises(ValueError):
        units(date(2010, 1, 1))
    assert find("Sud Sardegna", datetime(2019, 6, 30, 12, 0)).sigla == "SU"


def test_units_rejects_an_unknown_region():
    with pytest.raises(ValueError, match="no region"):
        units(IN_2019, "Atlantide")


# --- why_not ---------------------------------------------------------------------------------


def test_why_not_sud_sardegna_in_2026():
    assert find("Sud Sardegna", IN_2026) is None
    sentence = why_not("Sud Sardegna", IN_2026)
    assert sentence.startswith(
        "La provincia del Sud Sardegna (SU, codice ISTAT 111) è valida dal 2017-01-01 al 2025-12-31: "
        "il 2026-06-30 le unità della regione Sardegna sono "
    )
    for name in ("Gallura Nord-Est Sardegna (OT)", "Sulcis Iglesiente (CI)", "Medio Campidano (VS)"):
        assert name in sentence
    assert "Sud Sardegna (SU)." not in sentence


def test_why_not_carbonia_iglesias_in_2019():
    assert find("Carbonia-Iglesias", IN_2019) is None
    assert why_not("Carbonia-Iglesias", IN_2019) == (
        "La provincia di Carbonia-Iglesias (CI, codice ISTAT 107) è valida fino al 2016-12-31: "
        "il 2019-06-30 le unità della regione Sardegna sono Cagliari (CA), Nuoro (NU), Oristano (OR), "
        "Sassari (SS), Sud Sardegna (SU)."
    )
    assert why_not("Carbonia Iglesias (CI)", IN_2019) == why_not("Carbonia-Iglesias", IN_2019)


def test_why_not_names_every_period_of_a_spelling():
    sentence = why_not("Ogliastra", IN_2019)
    assert "(OG, codice ISTAT 105) è valida fino al 2016-12-31" in sentence
    assert "(OG, codice ISTAT 116) è valida dal 2026-01-01" in sentence
    assert "città metropolitana di Cagliari (CA, codice ISTAT 092) è valida dal 2017-01-01 al 2025-12-31" in why_not(
        "092", IN_2026
    )


def test_why_not_explains_a_sigla_that_disagrees_with_the_name():
    assert why_not("Bergamo (BS)", IN_2019) == (
        "«Bergamo (BS)»: il nome indica la provincia di Bergamo (BG) e la sigla la provincia di Brescia (BS); "
        "quale sia giusta non si indovina."
    )


def test_why_not_is_silent_on_what_find_reads_and_on_what_is_unknown():
    assert why_not("Sud Sardegna", IN_2019) is None
    assert why_not("Bergamo", IN_2026) is None
    assert why_not("Atlantide", IN_2026) is None
    assert why_not("", IN_2026) is None


def test_the_table_is_read_once():
    assert load_territories() is load_territories()
    assert territories.load_territories.cache_info().hits >= 1
