"""Controlled vocabularies: labels as people write them, and what is never guessed."""

from __future__ import annotations

import pytest

from palestre_analysis.core.vocabulary import (
    ENTITY_TYPES,
    INVISIBLE_CHARACTERS,
    PROVINCES,
    fold_typography,
    normalize_label,
    parse_entity_type,
    parse_territory,
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
        "Onlus",
        "ONLUS",
        "O.N.L.U.S.",
        "ETS",
        "Ente del Terzo Settore",
        "Onlus ETS",
        "s.r.l.",
        "Banca",
        "Impresa srl",  # a company, not an impresa sociale
        "Fondazione Cariplo",  # a name, not a type: not guessed
        "Associazione Alfa",
        "Regionale",
        "Comunale",
        "",
    ],
)
def test_entity_type_refusals(label):
    assert parse_entity_type(label) is None


def test_entity_type_codes_are_their_own_spelling():
    assert [parse_entity_type(code) for code in ENTITY_TYPES] == list(ENTITY_TYPES)


# --- territories ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("label", "code"),
    [
        ("Provincia di Bergamo", "BG"),
        ("provincia Bergamo", "BG"),
        ("Prov. di Lecco", "LC"),
        ("Prov. Lecco", "LC"),
        ("Prov. LC", "LC"),
        ("Bergamo (BG)", "BG"),
        ("Bergamo - BG", "BG"),
        ("BG - Bergamo", "BG"),
        ("BG \u2013 Bergamo", "BG"),
        ("Provincia di Bergamo (BG)", "BG"),
        ("Milano Città Metropolitana", "MI"),
        ("Città Metropolitana di Milano", "MI"),
        ("Città metropolitana di Milano (MI)", "MI"),
        ("CM Milano", "MI"),
        ("Provincia di Milano", "MI"),
        ("Monza e Brianza", "MB"),
        ("Monza-Brianza", "MB"),
        ("Monza e della Brianza (MB)", "MB"),
        ("Provincia di Monza e della Brianza", "MB"),
        ("MB", "MB"),
        (" mi ", "MI"),
        ("Lombardia", "LOM"),
        ("Regione Lombardia", "LOM"),
        ("Regionale", "LOM"),
        ("Lodi LO", "LO"),
    ],
)
def test_territory_spellings(label, code):
    assert parse_territory(label) == code


@pytest.mark.parametrize(
    "label",
    [
        "Bergamo (BS)",  # name and sigla disagree: never guessed
        "BS - Bergamo",
        "BG BS",
        "Milano (Lombardia)",
        "Bergamo (XX)",
        "Torino",
        "Torino (TO)",
        "Provincia",
        "Prov.",
        "Provincia di Lombardia",
        "Città metropolitana di Bergamo",
        "",
    ],
)
def test_territory_refusals(label):
    assert parse_territory(label) is None


@pytest.mark.parametrize("sigla", sorted(PROVINCES))
def test_every_province_by_name_and_sigla(sigla):
    name = PROVINCES[sigla]
    for label in (sigla, name, f"{name} ({sigla})", f"{sigla} - {name}", f"Provincia di {name}", f"Prov. {name}"):
        assert parse_territory(label) == sigla, label
