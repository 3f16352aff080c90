"""The process file: every key optional, every bad value a sentence naming the key and its line."""

from __future__ import annotations

import datetime as dt

import pytest

from palestre_analysis.core.process import Process, default_bands, parse_process

#: The example of the process issue, word for word: it describes the seed's own process.
SEED = """\
titolo = "Palestre di capacità"   # shown in every report and the index
area = "Lombardia"                # one region, or "Italia" for a national process
data_riferimento = 2019-06-30     # optional: territorial units valid on this date (default: last meeting)
scala = [1, 10]                   # lowest and highest vote, integers (1–5 and 0–10 are common)
fasce = { bassa = [1, 4], intermedia = [5, 6], alta = [7, 10] }  # optional; default for other scales documented
nodi = ["Energie per il dibattito", "Reti comunitarie", "Strumentazione", "Catene di valore"]
min_cell = 5

[gruppi]            # the two groups compared in phase 2, by entity type; "*" = every type not in the other group
aps_odv = { etichetta = "Delegati APS e ODV", tipologie = ["ODV", "APS"] }
fondazioni_csv_altri = { etichetta = "Delegati Fondazioni, CSV e altri enti", tipologie = ["*"] }

[quote_riferimento] # reference shares of the composition categories; absent: no comparison is made
associazioni = 0.60
fondazioni_comunita = 0.12
csv = 0.11
cooperazione_pa = 0.06
altri = 0.11
"""


def test_the_issue_example_is_the_default_process():
    process, problems = parse_process(SEED)
    assert problems == []
    assert process == Process(reference_date=dt.date(2019, 6, 30), source="processo.toml")


def test_an_empty_file_is_the_default_process():
    assert parse_process("") == (Process(source="processo.toml", reference_shares=None), [])


def test_a_process_of_its_own():
    text = """
titolo = "Reti solidali venete"
area = "Veneto"
scala = [1, 5]
nodi = ["Persone", "Luoghi", "Risorse"]
min_cell = 10
[gruppi]
associazioni = { etichetta = "Associazioni", tipologie = ["ODV", "APS", "altra associazione"] }
altri = { etichetta = "Altri enti", tipologie = ["*"] }
"""
    process, problems = parse_process(text)
    assert problems == []
    assert (process.title, process.area, process.scale, process.min_cell) == (
        "Reti solidali venete",
        "Veneto",
        (1, 5),
        10,
    )
    assert process.bands == {"bassa": (1, 2), "intermedia": (3, 3), "alta": (4, 5)} and process.high_score == 4
    assert process.group_of_type("altra_associazione") == "associazioni"
    assert process.group_of_type("csv") == "altri"


@pytest.mark.parametrize(
    ("text", "line", "key", "reason"),
    [
        ('colore = "blu"\n', 1, "colore", "chiave sconosciuta"),
        ("titolo = 3\n", 1, "titolo", "atteso un testo"),
        ('titolo = "x"\narea = ""\n', 2, "area", "atteso un testo"),
        ('data_riferimento = "2019-06-30"\n', 1, "data_riferimento", "attesa una data"),
        ("scala = [1.5, 10]\n", 1, "scala", "attesi due numeri interi"),
        ("scala = [10, 1]\n", 1, "scala", "deve essere minore"),
        ("scala = [1, 2]\n", 1, "scala", "almeno tre voti"),
        ("nodi = []\n", 1, "nodi", "atteso un elenco"),
        ('nodi = ["Reti", "reti"]\n', 1, "nodi", "ripetuto"),
        ("min_cell = 2\n", 1, "min_cell", "non minore di 3"),
        ("fasce = { bassa = [1, 4], alta = [5, 10] }\n", 1, "fasce", "bassa, intermedia e alta"),
        ("fasce = { bassa = [1, 4], intermedia = [6, 6], alta = [7, 10] }\n", 1, "fasce", "senza buchi"),
        ("fasce = { bassa = [1, 4], intermedia = [4, 6], alta = [7, 10] }\n", 1, "fasce", "senza buchi"),
        ("fasce = { bassa = [1, 4], intermedia = [5, 6], alta = [7, 9] }\n", 1, "fasce", "finire con il voto"),
        ("scala = [1, 5]\nfasce = { bassa = [1, 4], intermedia = [5, 6], alta = [7, 10] }\n", 2, "fasce", "1–5"),
        ('[gruppi]\nsolo = { etichetta = "Tutti", tipologie = ["*"] }\n', 1, "gruppi", "esattamente due"),
        (
            '[gruppi]\na = { etichetta = "A", tipologie = ["ODV"] }\nb = { etichetta = "B", tipologie = ["ODV", "*"] }\n',
            3,
            "gruppi.b",
            "già nel gruppo «a»",
        ),
        (
            '[gruppi]\na = { etichetta = "A", tipologie = ["Banca"] }\nb = { etichetta = "B", tipologie = ["*"] }\n',
            2,
            "gruppi.a",
            "«Banca» non riconosciuta",
        ),
        (
            '[gruppi]\na = { etichetta = "A", tipologie = ["*"] }\nb = { etichetta = "B", tipologie = ["*"] }\n',
            1,
            "gruppi",
            "in uno solo dei due gruppi",
        ),
        (
            '[gruppi]\na = { etichetta = "A", tipologie = ["ODV"] }\nb = { etichetta = "B", tipologie = ["APS"] }\n',
            1,
            "gruppi",
            "ogni tipologia deve stare in un gruppo",
        ),
        (
            '[gruppi]\nA = { etichetta = "A", tipologie = ["ODV"] }\nb = { etichetta = "B", tipologie = ["*"] }\n',
            2,
            "gruppi.A",
            "minuscolo",
        ),
        (
            '[gruppi]\na = { nome = "A", tipologie = ["ODV"] }\nb = { etichetta = "B", tipologie = ["*"] }\n',
            2,
            "gruppi.a",
            "due chiavi",
        ),
        ("[quote_riferimento]\nassociazioni = 0.6\ncsv = 0.3\n", 1, "quote_riferimento", "sommare a 1, non a 0,9"),
        ("[quote_riferimento]\nbanche = 1.0\n", 1, "quote_riferimento", "«banche» sconosciuta"),
        ("[quote_riferimento]\nassociazioni = 1.5\ncsv = -0.5\n", 1, "quote_riferimento", "da 0 a 1"),
        ('area = "Padania"\n', 1, "area", "«Padania» non è una regione italiana"),
        ('titolo = "x"\narea = "Milano"\n', 2, "area", "non è una regione italiana"),
        ("data_riferimento = 2014-06-30\n", 1, "data_riferimento", "parte dal 2016-01-01"),
    ],
)
def test_each_bad_value_gets_a_sentence_with_key_and_line(text, line, key, reason):
    process, problems = parse_process(text)
    assert process == Process(), "a process with errors is not half read"
    assert any(p.line == line and p.column == key and reason in p.reason for p in problems), [
        p.sentence() for p in problems
    ]


def test_every_error_is_reported_at_once():
    _, problems = parse_process("titolo = 1\nscala = [3, 1]\nmin_cell = 0\n")
    assert [p.column for p in problems] == ["titolo", "scala", "min_cell"]


def test_a_toml_syntax_error_names_its_line():
    _, [problem] = parse_process('titolo = "x"\nscala = 1 10\n')
    assert problem.line == 2 and "non è TOML valido" in problem.reason


@pytest.mark.parametrize(("low", "high"), [(1, 10), (1, 5), (0, 10), (1, 7), (0, 4), (1, 3)])
def test_default_bands_cover_every_scale_in_order(low, high):
    bands = default_bands(low, high)
    edges = [bands[b] for b in ("bassa", "intermedia", "alta")]
    assert edges[0][0] == low and edges[-1][1] == high
    assert all(first <= last for first, last in edges)
    assert all(edges[i][1] + 1 == edges[i + 1][0] for i in range(2))


@pytest.mark.parametrize(
    ("written", "area"),
    [("Veneto", "Veneto"), ("italia", "Italia"), ("valle d'aosta", "Valle d'Aosta/Vallée d'Aoste"), ("FVG", None)],
)
def test_the_area_is_a_region_or_italy_by_its_official_name(written, area):
    """Region names as ISTAT writes them (core/data/territori.csv); "FVG" is a variant of Friuli-Venezia Giulia."""
    process, problems = parse_process(f'area = "{written}"\n')
    assert problems == []
    assert process.area == (area or "Friuli-Venezia Giulia")


def test_a_file_without_reference_shares_makes_no_comparison():
    """The issue: «[quote_riferimento] absent: no comparison is made»; without any file, the seed's shares."""
    assert parse_process('titolo = "Reti venete"\n')[0].reference_shares is None
    assert Process().reference_shares is not None


# --- what the reference shares are (issue 11, item 7) ---------------------------------------------


def test_reference_shares_without_a_type_are_the_network_s_own_published_composition():
    """The seed's shares are the network's own published composition: a file that does not say otherwise is
    read the same way (and the issue's example stays the default process)."""
    process, problems = parse_process(SEED)
    assert problems == [] and process.reference_kind == "rete" and process.reference_source == ""
    assert Process().reference_kind == "rete"


def test_an_external_frame_is_named_with_its_source():
    text = """[quote_riferimento]
tipo = "esterna"
fonte = "RUNTS, enti iscritti in Veneto al 31/12/2024"
associazioni = 0.7
csv = 0.05
altri = 0.25
"""
    process, problems = parse_process(text)
    assert problems == []
    assert (process.reference_kind, process.reference_source) == (
        "esterna",
        "RUNTS, enti iscritti in Veneto al 31/12/2024",
    )
    assert process.reference_shares["associazioni"] == 0.7 and process.reference_shares["cooperazione_pa"] == 0.0
    assert "tipo" not in process.reference_shares and "fonte" not in process.reference_shares
    assert Process.from_json(process.as_json()) == process


def test_a_recorded_process_without_the_new_keys_reads_as_before():
    """A cleaning report written before the key: the shares are the network's own, with no source."""
    recorded = Process().as_json()
    del recorded["reference_kind"], recorded["reference_source"]
    assert Process.from_json(recorded) == Process()


@pytest.mark.parametrize(
    ("text", "line", "key", "reason"),
    [
        (
            '[quote_riferimento]\nassociazioni = 1.0\ntipo = "censimento"\n',
            3,
            "quote_riferimento.tipo",
            "«censimento» non è un tipo di quote di riferimento",
        ),
        ("[quote_riferimento]\ntipo = 2\nassociazioni = 1.0\n", 2, "quote_riferimento.tipo", "non è un tipo"),
        (
            '[quote_riferimento]\ntipo = "esterna"\nassociazioni = 1.0\n',
            2,
            "quote_riferimento.tipo",
            "va indicata la fonte",
        ),
        (
            '[quote_riferimento]\ntipo = "esterna"\nfonte = "  "\nassociazioni = 1.0\n',
            3,
            "quote_riferimento.fonte",
            "testo non vuoto",
        ),
        ('quote_riferimento = { tipo = "x", associazioni = 1.0 }\n', 1, "quote_riferimento.tipo", "non è un tipo"),
        ('[quote_riferimento]\ntipo = "rete"\n', 1, "quote_riferimento", "attese le quote delle categorie"),
    ],
)
def test_each_bad_reference_type_or_source_gets_a_sentence_with_key_and_line(text, line, key, reason):
    process, problems = parse_process(text)
    assert process == Process(), "a process with errors is not half read"
    assert any(p.line == line and p.column == key and reason in p.reason for p in problems), [
        p.sentence() for p in problems
    ]


def test_a_bad_type_and_bad_shares_are_reported_together():
    _, problems = parse_process('[quote_riferimento]\ntipo = "boh"\nassociazioni = 0.5\n')
    assert {p.column for p in problems} == {"quote_riferimento.tipo", "quote_riferimento"}
