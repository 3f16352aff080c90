"""Problems never carry personal data, and many problems read as a few sentences."""

from __future__ import annotations

import dataclasses

import pytest

from palestre_analysis.core.problems import (
    ROW_COLUMNS,
    WARNING,
    DataError,
    Problem,
    count_by_severity,
    summarize,
)

ADDRESS = "mario.rossi@example.org"

# --- masking ---------------------------------------------------------------------------


def test_an_email_typed_in_a_code_field_never_reaches_a_message():
    problem = Problem("presenze.csv", 7, "ente_id", f"ente_id «{ADDRESS}» sconosciuto")
    assert problem.reason == "ente_id «email nascosta» sconosciuto"
    assert problem.sentence() == "presenze.csv, riga 7, colonna «ente_id»: ente_id «email nascosta» sconosciuto."
    error = DataError([problem])
    row = problem.as_row()
    for text in [problem.sentence(), str(error), *error.messages, *map(str, row.values()), repr(problem)]:
        assert ADDRESS not in text and "mario" not in text
    assert "«email nascosta»" in str(error)


def test_file_column_and_parent_are_masked_too_whoever_builds_the_problem():
    problem = Problem(
        f"export_{ADDRESS}.csv",
        3,
        "Telefono 333 1234567",
        "valore «02/1234567» non valido",
        WARNING,
        parent=f"ente «{ADDRESS}» scartato (enti.csv, riga 14)",
    )
    assert problem.file == "«email nascosta»"  # the address swallows "export_" and ".csv": its shape cannot tell
    assert problem.column == "Telefono «telefono nascosto»"
    assert problem.reason == "valore «telefono nascosto» non valido"
    assert problem.parent == "ente «email nascosta» scartato (enti.csv, riga 14)"
    assert dataclasses.replace(problem, line=4).reason == problem.reason  # masking again changes nothing
    assert all("1234567" not in s and ADDRESS not in s for s in summarize([problem, dataclasses.replace(problem)]))


@pytest.mark.parametrize(
    "reason",
    [
        "data impossibile «31/02/2019»: il giorno non esiste nel calendario",
        "data non valida «14.03.2019 10.23.45»: attesa una data come 2019-03-14 oppure 14/03/2019",
        "voto non valido «7,5»: atteso un numero intero da 1 a 10",
        "ente_id «E001» ripetuto: già usato alla riga 2",
        "importo «1.234,56 €» non valido; totale 10.000",
        "data «43363» letta come numero seriale di Excel",
        "codice ISTAT «015146» non riconosciuto",
    ],
)
def test_reasons_without_personal_data_are_unchanged(reason):
    problem = Problem("/tmp/pytest-of-user/pytest-12/raw/enti.csv", 12345, "data", reason)
    assert (problem.file, problem.reason) == ("/tmp/pytest-of-user/pytest-12/raw/enti.csv", reason)


def test_as_row_keeps_the_four_columns_and_adds_the_parent():
    plain = Problem("enti.csv", 4, "tipologia", "valore non riconosciuto")
    child = Problem("presenze.csv", 9, "ente_id", "x", parent="ente «E012» scartato (enti.csv, riga 14)")
    assert tuple(plain.as_row()) == ROW_COLUMNS == ("file", "line", "column", "reason", "parent")
    assert plain.as_row()["parent"] is None
    assert child.as_row() == {
        "file": "presenze.csv",
        "line": 9,
        "column": "ente_id",
        "reason": "x",
        "parent": "ente «E012» scartato (enti.csv, riga 14)",
    }


def test_count_by_severity_is_unchanged():
    problems = [Problem("a.csv", n, None, "x") for n in range(3)] + [Problem("a.csv", 1, None, "y", WARNING)]
    assert count_by_severity(problems) == {"errors": 3, "warnings": 1}
    assert count_by_severity([]) == {"errors": 0, "warnings": 0}


# --- summarize -------------------------------------------------------------------------


def _unknown_entities(file: str, lines, column: str = "ente_id") -> list[Problem]:
    return [Problem(file, n, column, f"ente_id «E{n % 17}» sconosciuto: non compare nel file enti") for n in lines]


def test_thousands_of_problems_read_as_a_few_sentences_in_order_of_first_appearance():
    typology = Problem("enti.csv", 3, "tipologia", "tipologia «Banca» non riconosciuta; attesa una tra: ODV, APS")
    repeated = Problem("enti.csv", 4, "ente_id", "ente_id «E1» ripetuto: già usato alla riga 2")
    missing = Problem("contributi.csv", None, None, "nessun file «contributi» (.csv o .xlsx)", WARNING)
    unknown = _unknown_entities("presenze.csv", [4, 7, 9, *range(20, 169)])
    votes = [
        Problem("modulo.csv", n, "Cultura - Sedi [Bandi]", "voto fuori scala «11»: atteso un numero intero da 1 a 10")
        for n in range(2, 2502)
    ]
    late = [Problem("incontri.csv", n, "data", f"data «{n}/13/2019» sospetta", WARNING) for n in (5, 6)]
    problems = [typology, unknown[0], repeated, *votes[:1000], missing, *unknown[1:], *late, *votes[1000:]]
    assert len(problems) == 2_657
    assert summarize(problems) == [
        typology.sentence(),
        "presenze.csv, colonna «ente_id»: 152 righe scartate – ente_id «…» sconosciuto: non compare nel file enti "
        "(righe 4, 7, 9 e altre 149; l'elenco completo è in rejected.csv).",
        repeated.sentence(),
        "modulo.csv, colonna «Cultura - Sedi [Bandi]»: 2.500 righe scartate – voto fuori scala «11»: atteso un "
        "numero intero da 1 a 10 (righe 2, 3, 4 e altre 2.497; l'elenco completo è in rejected.csv).",
        "avviso – contributi.csv: nessun file «contributi» (.csv o .xlsx).",
        "avviso – incontri.csv, colonna «data»: 2 righe con avviso – data «…» sospetta (righe 5 e 6).",
    ]


def test_singletons_print_exactly_their_sentence():
    problems = [
        Problem("enti.csv", 4, "tipologia", "valore non riconosciuto"),
        Problem("enti.csv", 5, "territorio", "territorio «Torino» non riconosciuto"),
        Problem("presenze.csv", None, None, "nessun file.", WARNING),
        Problem("presenze.csv", 1, "Note", "colonna non prevista dal contratto dei dati: ignorata", WARNING),
    ]
    assert summarize(problems) == [p.sentence() for p in problems]
    assert summarize([]) == []


def test_problems_of_one_line_or_of_whole_files_are_not_merged():
    header = [
        Problem("presenze.csv", 1, None, f"manca la colonna obbligatoria «{c}» (intestazioni accettate: ...)")
        for c in ("incontro_id", "ente_id")
    ]
    files = [Problem(f, None, None, "il file è vuoto") for f in ("enti.csv", "enti.csv")]
    assert summarize(header + files) == [p.sentence() for p in header + files]


def test_a_value_shared_by_the_whole_group_is_kept_and_a_varying_one_is_elided():
    same = [Problem("enti.csv", n, "tipologia", f"tipologia «Banca» non valida per «E{n}»") for n in (2, 3, 4, 5)]
    assert summarize(same) == [
        "enti.csv, colonna «tipologia»: 4 righe scartate – tipologia «Banca» non valida per «…» "
        "(righe 2, 3, 4 e altre 1; l'elenco completo è in rejected.csv)."
    ]
    assert summarize(same, first=4) == [
        "enti.csv, colonna «tipologia»: 4 righe scartate – tipologia «Banca» non valida per «…» (righe 2, 3, 4 e 5)."
    ]
    assert summarize(same, first=0) == [
        "enti.csv, colonna «tipologia»: 4 righe scartate – tipologia «Banca» non valida per «…» "
        "(l'elenco completo è in rejected.csv)."
    ]
    with pytest.raises(ValueError):
        summarize(same, first=-1)


def test_causes_are_split_by_file_column_and_severity():
    problems = [
        *_unknown_entities("presenze.csv", [2, 3]),
        *_unknown_entities("contributi.csv", [2, 3]),
        *_unknown_entities("presenze.csv", [5, 6], column="Codice ente"),
        *[dataclasses.replace(p, severity=WARNING) for p in _unknown_entities("presenze.csv", [8, 9])],
    ]
    assert len(summarize(problems)) == 4


def test_warnings_say_avviso_and_do_not_point_to_rejected_csv():
    notes = [
        Problem("presenze.csv", n, "note", "nota troppo lunga: troncata a 500 caratteri", WARNING)
        for n in range(2, 1502)
    ]
    [sentence] = summarize(notes)
    assert sentence == (
        "avviso – presenze.csv, colonna «note»: 1.500 righe con avviso – nota troppo lunga: troncata a 500 caratteri "
        "(righe 2, 3, 4 e altre 1.497)."
    )
    assert "scartate" not in sentence and "rejected.csv" not in sentence


def test_dependent_rows_are_grouped_by_the_row_they_follow_across_files():
    e12 = "ente «E012» scartato (enti.csv, riga 14)"
    e40 = "ente «E040» scartato (enti.csv, riga 31)"

    def dependents(parent, file, lines):
        reason = f"ente_id «{parent[6:10]}» riferito a un ente scartato nel file enti (vedi le sue righe)"
        return [Problem(file, n, "ente_id", reason, parent=parent) for n in lines]

    rejected_entity = Problem("enti.csv", 14, "tipologia", "tipologia «Banca» non riconosciuta")
    problems = [
        rejected_entity,
        *dependents(e12, "presenze.csv", range(2, 14)),
        *dependents(e40, "presenze.csv", [40]),
        *dependents(e12, "contributi.csv", range(2, 7)),
        *dependents(e12, "valutazioni.csv", range(2, 22)),
        *dependents(e12, "valutazioni.csv", [5]),  # a second vote of one row: the row counts once
        *_unknown_entities("presenze.csv", [50, 51]),
    ]
    assert summarize(problems) == [
        rejected_entity.sentence(),
        f"{e12}: con esso 37 righe dipendenti scartate (presenze.csv 12, contributi.csv 5, valutazioni.csv 20).",
        problems[13].sentence(),  # E040 has one dependent row: its own sentence
        "presenze.csv, colonna «ente_id»: 2 righe scartate – ente_id «…» sconosciuto: non compare nel file enti "
        "(righe 50 e 51).",
    ]


def test_dependent_warnings_and_large_counts_read_the_italian_way():
    parent = "incontro «M7» scartato (incontri.csv, riga 3)"
    many = [Problem("presenze.csv", n, "incontro_id", "x", WARNING, parent=parent) for n in range(2, 1302)]
    assert summarize(many) == [f"avviso – {parent}: con esso 1.300 righe dipendenti con avviso (presenze.csv 1.300)."]
    twice = [Problem("presenze.csv", 4, c, "x", parent=parent) for c in ("incontro_id", "data")]
    assert summarize(twice) == [f"{parent}: con esso 1 riga dipendente scartata (presenze.csv 1)."]


def test_votes_rejected_inside_kept_form_rows_are_counted_as_votes():
    """A form row keeps its other votes: the sentence counts votes, not rejected rows."""
    from palestre_analysis.core.problems import ONLY_THIS_VOTE, summarize

    column = "Cultura - Sedi [Bandi]"
    votes = [Problem("modulo.csv", n, column, f"voto non valido «x{n}» {ONLY_THIS_VOTE}") for n in (3, 7, 9)]
    [sentence] = summarize(votes)
    assert "3 voti scartati" in sentence and "righe scartate" not in sentence, sentence


def test_many_rejected_parents_end_in_one_sentence():
    """Eighteen meetings lost take four sentences, not eighteen: three named, the rest counted."""
    from palestre_analysis.core.problems import summarize

    problems = []
    for meeting in range(1, 19):
        parent = f"incontro «I{meeting:02d}» scartato (incontri.csv, riga {meeting + 1})"
        problems += [
            Problem(
                "presenze.csv",
                100 * meeting + n,
                "incontro_id",
                "incontro riferito a un incontro scartato",
                parent=parent,
            )
            for n in range(3)
        ]
    sentences = summarize(problems)
    assert len(sentences) == 4, sentences
    assert sentences[0].startswith("incontro «I01» scartato")
    assert sentences[3] == (
        "altri 15 incontri scartati: con essi 45 righe dipendenti scartate (presenze.csv 45); "
        "l'elenco completo è in rejected.csv."
    )
