"""Controlled vocabularies: labels as people write them, and what is never guessed."""

from __future__ import annotations

import csv

import pytest

from palestre_analysis import config
from palestre_analysis.core import vocabulary
from palestre_analysis.core.vocabulary import (
    CATEGORIES,
    CATEGORY_OF_TYPE,
    ENTITY_TYPE_LABELS,
    ENTITY_TYPES,
    GROUP_OF_TYPE,
    GROUPS,
    INVISIBLE_CHARACTERS,
    fold_typography,
    normalize_label,
    parse_entity_type,
)

# --- normalize_label ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("variant", "plain"),
    [
        ("Nome dell\u2019ente", "Nome dell'ente"),  # right single quote
        ("Nome dell\u2018ente", "Nome dell'ente"),  # left single quote
        ("Nome dell`ente", "Nome dell'ente"),  # backtick
        ("Nome dell\u00b4ente", "Nome dell'ente"),  # acute accent
        ("Nome dell\u02bcente", "Nome dell'ente"),  # modifier letter apostrophe
        ("APS\u2010ETS", "APS-ETS"),  # hyphen
        ("APS\u2011ETS", "APS-ETS"),  # non-breaking hyphen
        ("APS\u2012ETS", "APS-ETS"),  # figure dash
        ("APS\u2013ETS", "APS-ETS"),  # en dash
        ("APS\u2014ETS", "APS-ETS"),  # em dash
        ("APS\u2212ETS", "APS-ETS"),  # minus sign
        ("APS\ufe63ETS", "APS-ETS"),  # small hyphen-minus
        ("APS\uff0dETS", "APS-ETS"),  # fullwidth hyphen-minus
        ("E0\u200b01", "E001"),  # zero-width space
        ("E0\u200c01", "E001"),  # zero-width non-joiner
        ("E0\u200d01", "E001"),  # zero-width joiner
        ("E0\u206001", "E001"),  # word joiner
        ("\ufeffE001", "E001"),  # byte-order mark
        ("E0\u00ad01", "E001"),  # soft hyphen
        ("Monza\u00a0e Brianza", "Monza e Brianza"),  # no-break space
    ],
)
def test_normalize_label_folds_typography(variant, plain):
    assert normalize_label(variant) == normalize_label(plain)


def test_invisible_characters_leave_no_space():
    for char in INVISIBLE_CHARACTERS:
        assert normalize_label(f"E0{char}01") == "e001"
        assert fold_typography(f"E0{char}01") == "E001"


def test_normalize_label_keeps_todays_folding():
    assert normalize_label("  Fondazione di  Comunità ") == "fondazione di comunita"
    assert normalize_label("A.P.S.") == "aps"
    assert normalize_label("Nome_dell'ente") == "nome dell ente"
    assert normalize_label(" -- ") == ""


# --- entity types ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("label", "code"),
    [
        # 2017 Code of the Third Sector suffixes
        ("APS-ETS", "aps"),
        ("APS ETS", "aps"),
        ("APS\u2013ETS", "aps"),
        ("A.P.S. E.T.S.", "aps"),
        ("APS (ETS)", "aps"),
        ("ODV ETS", "odv"),
        ("ODV-ETS", "odv"),
        ("Organizzazione di volontariato ETS", "odv"),
        ("APS Ente del Terzo Settore", "aps"),
        # ONLUS and legal-form tails
        ("Associazione ONLUS", "altra_associazione"),
        ("Associazione culturale ETS", "altra_associazione"),
        ("Fondazione ONLUS", "altra_fondazione"),
        ("Fondazione ETS", "altra_fondazione"),
        ("Coop. soc.", "cooperativa_impresa_sociale"),
        ("Coop. sociale", "cooperativa_impresa_sociale"),
        ("Soc. coop. sociale", "cooperativa_impresa_sociale"),
        ("Società cooperativa sociale", "cooperativa_impresa_sociale"),
        ("Cooperativa sociale ONLUS", "cooperativa_impresa_sociale"),
        ("Cooperativa sociale s.c.s.", "cooperativa_impresa_sociale"),
        ("Coop. soc. a r.l. ONLUS", "cooperativa_impresa_sociale"),
        ("Impresa sociale srl", "cooperativa_impresa_sociale"),
        ("Impresa sociale S.r.l.", "cooperativa_impresa_sociale"),
        # public bodies by their leading words
        ("Comune di Bergamo", "pubblica_amministrazione"),
        ("Provincia di Brescia", "pubblica_amministrazione"),
        ("Regione Lombardia", "pubblica_amministrazione"),
        ("Unione dei comuni lombarda della Valletta", "pubblica_amministrazione"),
        ("Unione dei Comuni", "pubblica_amministrazione"),
        ("Comunità montana Valle Brembana", "pubblica_amministrazione"),
        ("ASST Papa Giovanni XXIII", "pubblica_amministrazione"),
        ("ATS Insubria", "pubblica_amministrazione"),
        ("ATS della Città Metropolitana di Milano", "pubblica_amministrazione"),
        # community foundations by their leading words
        ("Fondazione di comunità Milano ETS", "fondazione_comunita"),
        ("Fondazione della Comunità Bergamasca Onlus", "fondazione_comunita"),
        ("Fondazione Comunitaria del Lecchese", "fondazione_comunita"),
        # today's spellings still work
        ("A.P.S.", "aps"),
        ("Organizzazione di volontariato", "odv"),
        ("Fondazione di comunità", "fondazione_comunita"),
        ("Centro di servizio per il volontariato", "csv"),
        ("Comune", "pubblica_amministrazione"),
        ("altro", "altro"),
    ],
)
def test_entity_type_spellings(label, code):
    assert parse_entity_type(label) == code


@pytest.mark.parametrize(
    "label",
    [
        "ETS",
        "E.T.S.",
        "Ente del Terzo Settore",
        "Onlus ETS",  # says a registration under the Code too: which of its types is not said
        "ETS Onlus",
        "ONLUS s.r.l.",
        "Organizzazione non lucrativa di utilità sociale ETS",
        "s.r.l.",
        "Banca",
        "Impresa srl",  # a company, not an impresa sociale
        "Fondazione Cariplo",  # a name, not a type: not guessed (not even as a FOB)
        "Associazione Alfa",
        "Rete L'Approdo",  # a name
        "Ente",
        "Terzo settore",
        "Filantropia",
        "Società",
        "Mutua sanitaria",  # a mutual health fund is not a società di mutuo soccorso by its name
        "Impresa",
        "Regionale",
        "Comunale",
        "",
    ],
)
def test_entity_type_refusals(label):
    assert parse_entity_type(label) is None


def test_entity_type_codes_are_their_own_spelling():
    assert [parse_entity_type(code) for code in ENTITY_TYPES] == list(ENTITY_TYPES)


# --- the types of the Code of the Third Sector ------------------------------------------------

ASSOCIATIONS, OTHERS, COOP_PA = "associazioni", "altri", "cooperazione_pa"
APS_ODV, REST = "aps_odv", "fondazioni_csv_altri"

#: label -> (code, composition category, phase-2 group)
CODE_SPELLINGS = [
    # ODV and APS, the only types of the aps_odv group
    ("ODV", "odv", ASSOCIATIONS, APS_ODV),
    ("O.D.V.", "odv", ASSOCIATIONS, APS_ODV),
    ("ODV ONLUS", "odv", ASSOCIATIONS, APS_ODV),
    ("Organizzazione di volontariato ETS", "odv", ASSOCIATIONS, APS_ODV),
    ("APS", "aps", ASSOCIATIONS, APS_ODV),
    ("Associazione di promozione sociale ETS", "aps", ASSOCIATIONS, APS_ODV),
    ("APS ETS ONLUS", "aps", ASSOCIATIONS, APS_ODV),
    # other associations, in either form of the Civil Code
    ("Associazione riconosciuta", "altra_associazione", ASSOCIATIONS, REST),
    ("Associazione non riconosciuta ETS", "altra_associazione", ASSOCIATIONS, REST),
    # ente filantropico (art. 37)
    ("Ente filantropico", "ente_filantropico", OTHERS, REST),
    ("ente filantropico ETS", "ente_filantropico", OTHERS, REST),
    ("Enti filantropici", "ente_filantropico", OTHERS, REST),
    ("Ente Filantropico - E.T.S.", "ente_filantropico", OTHERS, REST),
    ("Philanthropic entity", "ente_filantropico", OTHERS, REST),
    # cooperativa sociale and impresa sociale: one code, as in existing data
    ("Impresa sociale", "cooperativa_impresa_sociale", COOP_PA, REST),
    ("Impresa sociale ETS", "cooperativa_impresa_sociale", COOP_PA, REST),
    ("Imprese sociali", "cooperativa_impresa_sociale", COOP_PA, REST),
    ("Cooperativa sociale", "cooperativa_impresa_sociale", COOP_PA, REST),
    ("Cooperativa sociale di tipo A", "cooperativa_impresa_sociale", COOP_PA, REST),
    ("Cooperativa sociale tipo B ONLUS", "cooperativa_impresa_sociale", COOP_PA, REST),
    ("Cooperativa sociale di tipo A e B", "cooperativa_impresa_sociale", COOP_PA, REST),
    ("Consorzio di cooperative sociali s.c.s.", "cooperativa_impresa_sociale", COOP_PA, REST),
    ("cooperativa_impresa_sociale", "cooperativa_impresa_sociale", COOP_PA, REST),
    # rete associativa (art. 41)
    ("Rete associativa", "rete_associativa", ASSOCIATIONS, REST),
    ("Rete associativa ETS", "rete_associativa", ASSOCIATIONS, REST),
    ("Rete associativa nazionale", "rete_associativa", ASSOCIATIONS, REST),
    ("Reti associative", "rete_associativa", ASSOCIATIONS, REST),
    # società di mutuo soccorso (art. 42, l. 3818/1886)
    ("SMS", "societa_mutuo_soccorso", OTHERS, REST),
    ("S.M.S.", "societa_mutuo_soccorso", OTHERS, REST),
    ("SOMS", "societa_mutuo_soccorso", OTHERS, REST),
    ("S.O.M.S. ETS", "societa_mutuo_soccorso", OTHERS, REST),
    ("Società di mutuo soccorso", "societa_mutuo_soccorso", OTHERS, REST),
    ("Societa' di mutuo soccorso ETS", "societa_mutuo_soccorso", OTHERS, REST),
    ("Società operaia di mutuo soccorso", "societa_mutuo_soccorso", OTHERS, REST),
    ("Società Operaia di Mutuo Soccorso di Lecco", "societa_mutuo_soccorso", OTHERS, REST),
    ("Società di mutuo soccorso Cesare Pozzo ETS", "societa_mutuo_soccorso", OTHERS, REST),
    ("Mutuo soccorso", "societa_mutuo_soccorso", OTHERS, REST),
    # altro ente del Terzo settore (the last section of the RUNTS)
    ("Altro ente del Terzo settore", "altro_ets", OTHERS, REST),
    ("Altro Ente del Terzo Settore", "altro_ets", OTHERS, REST),
    ("Altri enti del Terzo settore", "altro_ets", OTHERS, REST),
    ("Altro ETS", "altro_ets", OTHERS, REST),
    ("Altro (ETS)", "altro_ets", OTHERS, REST),
    ("altro E.T.S.", "altro_ets", OTHERS, REST),
    ("Altro ente ETS", "altro_ets", OTHERS, REST),
    ("Altro ETS ONLUS", "altro_ets", OTHERS, REST),
    ("Altro ente del Terzo settore ONLUS", "altro_ets", OTHERS, REST),
    ("Altro ente di Terzo settore", "altro_ets", OTHERS, REST),
    # legacy ONLUS: the status written alone
    ("Onlus", "onlus", OTHERS, REST),
    ("ONLUS", "onlus", OTHERS, REST),
    ("O.N.L.U.S.", "onlus", OTHERS, REST),
    ("onlus", "onlus", OTHERS, REST),
    ("Organizzazione non lucrativa di utilità sociale", "onlus", OTHERS, REST),
    ("Organizzazione non lucrativa di utilità sociale (ONLUS)", "onlus", OTHERS, REST),
    ("ONLUS - Organizzazione non lucrativa di utilità sociale", "onlus", OTHERS, REST),
    # ... but with a type before it, it is that type
    ("Associazione ONLUS", "altra_associazione", ASSOCIATIONS, REST),
    ("Associazione - Organizzazione non lucrativa di utilità sociale", "altra_associazione", ASSOCIATIONS, REST),
    ("Fondazione ONLUS", "altra_fondazione", OTHERS, REST),
    ("Fondazione O.N.L.U.S.", "altra_fondazione", OTHERS, REST),
    ("Cooperativa sociale ONLUS", "cooperativa_impresa_sociale", COOP_PA, REST),
    ("Fondazione della Comunità Bergamasca Onlus", "fondazione_comunita", "fondazioni_comunita", REST),
    # fondazione di origine bancaria (not an ETS: d.lgs. 117/2017, art. 3 c. 3)
    ("Fondazione di origine bancaria", "fondazione_origine_bancaria", OTHERS, REST),
    ("Fondazioni di origine bancaria", "fondazione_origine_bancaria", OTHERS, REST),
    ("Fondazione bancaria", "fondazione_origine_bancaria", OTHERS, REST),
    ("FOB", "fondazione_origine_bancaria", OTHERS, REST),
    ("F.O.B.", "fondazione_origine_bancaria", OTHERS, REST),
    ("Banking foundation", "fondazione_origine_bancaria", OTHERS, REST),
    # the other foundations stay where they were
    ("Fondazione", "altra_fondazione", OTHERS, REST),
    ("Fondazione ETS", "altra_fondazione", OTHERS, REST),
    ("Fondazione di comunità", "fondazione_comunita", "fondazioni_comunita", REST),
    ("Fondazione comunitaria ETS", "fondazione_comunita", "fondazioni_comunita", REST),
    # CSV, public administration, other
    ("CSV", "csv", "csv", REST),
    ("C.S.V. ETS", "csv", "csv", REST),
    ("Centro servizi per il volontariato", "csv", "csv", REST),
    ("Pubblica amministrazione", "pubblica_amministrazione", COOP_PA, REST),
    ("P.A.", "pubblica_amministrazione", COOP_PA, REST),
    ("Ente pubblico", "pubblica_amministrazione", COOP_PA, REST),
    ("Comune di Brescia", "pubblica_amministrazione", COOP_PA, REST),
    ("Altro", "altro", OTHERS, REST),
    ("Altro ente", "altro", OTHERS, REST),
    ("Other", "altro", OTHERS, REST),
]


@pytest.mark.parametrize(("label", "code", "category", "group"), CODE_SPELLINGS)
def test_third_sector_code_types(label, code, category, group):
    assert parse_entity_type(label) == code
    assert (CATEGORY_OF_TYPE[code], GROUP_OF_TYPE[code]) == (category, group)


def test_every_type_has_a_label_a_category_and_a_group():
    assert set(ENTITY_TYPE_LABELS) == set(CATEGORY_OF_TYPE) == set(GROUP_OF_TYPE) == set(ENTITY_TYPES)
    assert set(CATEGORY_OF_TYPE.values()) == set(CATEGORIES)
    assert CATEGORIES == ("associazioni", "fondazioni_comunita", "csv", "cooperazione_pa", "altri")
    assert set(GROUP_OF_TYPE.values()) == set(GROUPS)
    assert {code for code, group in GROUP_OF_TYPE.items() if group == "aps_odv"} == {"aps", "odv"}
    assert all(label.strip() for label in ENTITY_TYPE_LABELS.values())


def test_every_listed_spelling_and_label_means_its_own_type():
    for code, spellings in vocabulary._TYPE_SPELLINGS.items():
        for spelling in spellings:
            assert parse_entity_type(spelling) == code, spelling
            assert parse_entity_type(spelling.upper()) == code, spelling
    for code, label in ENTITY_TYPE_LABELS.items():
        assert parse_entity_type(label) == code, label


def test_a_type_suffix_never_changes_the_type():
    for code, spellings in vocabulary._TYPE_SPELLINGS.items():
        for spelling in spellings:
            if code == "onlus":  # the legacy status only when written alone
                assert parse_entity_type(spelling + " ETS") is None, spelling
                continue
            for tail in (" ETS", "-ETS", " ONLUS", " ETS ONLUS", " (ETS)", " - Ente del Terzo settore", " s.r.l."):
                # "Altro" that says it is an ETS is another ETS
                expected = "altro_ets" if code == "altro" and tail not in (" ONLUS", " s.r.l.") else code
                assert parse_entity_type(spelling + tail) == expected, spelling + tail


@pytest.mark.parametrize("spelling", vocabulary._TYPE_SPELLINGS["altro"])
def test_other_with_a_registration_is_another_third_sector_entity(spelling):
    assert parse_entity_type(spelling) == "altro"
    assert parse_entity_type(f"{spelling} ONLUS") == "altro"
    for tail in (" ETS", " E.T.S.", " - Ente del Terzo settore", " ente di terzo settore", " ETS ONLUS"):
        assert parse_entity_type(spelling + tail) == "altro_ets", spelling + tail


#: The nine codes the data held before the Code's types were added, with their category and
#: group: data cleaned before must clean the same.
SEED_TYPES = {
    "odv": (ASSOCIATIONS, APS_ODV),
    "aps": (ASSOCIATIONS, APS_ODV),
    "altra_associazione": (ASSOCIATIONS, REST),
    "fondazione_comunita": ("fondazioni_comunita", REST),
    "altra_fondazione": (OTHERS, REST),
    "csv": ("csv", REST),
    "cooperativa_impresa_sociale": (COOP_PA, REST),
    "pubblica_amministrazione": (COOP_PA, REST),
    "altro": (OTHERS, REST),
}


def test_the_seed_codes_keep_their_category_and_group():
    assert {code: (CATEGORY_OF_TYPE[code], GROUP_OF_TYPE[code]) for code in SEED_TYPES} == SEED_TYPES
    assert [code for code in ENTITY_TYPES if code in SEED_TYPES] == list(SEED_TYPES)  # same order


def test_the_demo_spellings_keep_their_codes():
    from palestre_analysis.ingest import demo

    for code, _count, spellings in demo._TYPES:
        for spelling in spellings:
            assert parse_entity_type(spelling) == code, spelling
    with open(config.RAW_DIR / "enti.csv", encoding="utf-8-sig", newline="") as handle:
        written = {row["tipologia"] for row in csv.DictReader(handle)}
    by_demo = {spelling: code for code, _count, spellings in demo._TYPES for spelling in spellings}
    assert written <= set(by_demo)
    assert {spelling: parse_entity_type(spelling) for spelling in written} == {s: by_demo[s] for s in written}


def test_the_demo_cleans_to_the_same_types_categories_and_groups(demo_processed):
    counts = demo_processed.entities.groupby(["entity_type", "category", "group"]).size().to_dict()
    assert counts == {
        ("altra_associazione", ASSOCIATIONS, REST): 6,
        ("altra_fondazione", OTHERS, REST): 5,
        ("altro", OTHERS, REST): 6,
        ("aps", ASSOCIATIONS, APS_ODV): 29,
        ("cooperativa_impresa_sociale", COOP_PA, REST): 4,
        ("csv", "csv", REST): 10,
        ("fondazione_comunita", "fondazioni_comunita", REST): 11,
        ("odv", ASSOCIATIONS, APS_ODV): 22,
        ("pubblica_amministrazione", COOP_PA, REST): 2,
    }


# --- territories ----------------------------------------------------------------------------


# Territory spellings are tested in tests/core/test_geography.py, which reads them with the ISTAT table.
