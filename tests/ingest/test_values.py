"""Single raw values: votes, "don't know" answers, dates, timestamps, codes and free labels."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from palestre_analysis.core.vocabulary import DONT_KNOW_ANSWERS
from palestre_analysis.ingest.parsing import (
    DayMonthOrder,
    decide_day_month,
    is_dont_know,
    label_key,
    parse_date,
    parse_timestamp,
    parse_vote,
    suggest_code,
    tidy_label,
)

# --- votes ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "score"),
    [
        ("7", 7),
        (" 7 ", 7),
        ("7,0", 7),
        ("7.0", 7),
        ("+7", 7),
        ("10", 10),
        ("7\u200b", 7),
        ("10 (moltissimo)", 10),
        ("1 (per niente)", 1),
        ("1 ( per niente )", 1),
        ("7 - abbastanza", 7),
        ("7 \u2013 abbastanza", 7),
        ("7 \u2014 abbastanza", 7),
        ("7-abbastanza", 7),
        ("10 = moltissimo", 10),
        ("7: abbastanza", 7),
        ("7 abbastanza", 7),
        ("7 - d'accordo", 7),
        ("Moltissimo (10)", 10),
        ("Per niente (1)", 1),
        ("7/10", 7),
        ("7 / 10", 7),
        ("10/10", 10),
        ("7 su 10", 7),
        ("", None),
        ("   ", None),
    ],
)
def test_vote_accepted(text, score):
    assert parse_vote(text) == score


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("5-6", "voto non valido «5-6»"),
        ("5 - 6", "voto non valido «5 - 6»"),
        ("7,5", "voto non valido «7,5»"),
        ("7.5", "voto non valido «7.5»"),
        ("7/5", "voto non valido «7/5»"),  # "out of 5" on a scale to 10
        ("7 (5)", "voto non valido «7 (5)»"),
        ("(7)", "voto non valido «(7)»"),
        ("molto (7) poco", "voto non valido «molto (7) poco»"),
        ("sette", "voto non valido «sette»"),
        ("-3", "voto non valido «-3»"),
        ("Non so", "voto non valido «Non so»"),  # is_dont_know tells these apart first
        ("0", "voto fuori scala «0»"),
        ("11", "voto fuori scala «11»"),
        ("11 (moltissimo)", "voto fuori scala «11 (moltissimo)»"),
        ("0/10", "voto fuori scala «0/10»"),
    ],
)
def test_vote_refused(text, reason):
    with pytest.raises(ValueError) as error:
        parse_vote(text)
    assert str(error.value) == f"{reason}: atteso un numero intero da 1 a 10"


@pytest.mark.parametrize(
    ("text", "low", "high", "expected"),
    [
        ("0", 0, 5, 0),
        ("5", 0, 5, 5),
        ("5/5", 1, 5, 5),
        ("3 (abbastanza)", 1, 5, 3),
        ("6", 0, 5, "voto fuori scala «6»: atteso un numero intero da 0 a 5"),
        ("7/10", 1, 5, "voto non valido «7/10»: atteso un numero intero da 1 a 5"),
        ("0", 1, 7, "voto fuori scala «0»: atteso un numero intero da 1 a 7"),
    ],
)
def test_vote_scale_bounds(text, low, high, expected):
    if isinstance(expected, int):
        assert parse_vote(text, low=low, high=high) == expected
    else:
        with pytest.raises(ValueError, match=f"^{expected}$"):
            parse_vote(text, low=low, high=high)


# --- "don't know" answers ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        *DONT_KNOW_ANSWERS,
        "Non so.",
        "NON SO",
        "non so ",
        "n/a",
        "N.A.",
        "Don\u2019t know",
        "\u2013",
        "--",
        "??",
        "Preferisco non rispondere.",
    ],
)
def test_dont_know(text):
    assert is_dont_know(text)


@pytest.mark.parametrize("text", ["", "  ", "7", "0", "sette", "no", "nessuno", ".", "-?", "non", "5 - non so"])
def test_not_dont_know(text):
    assert not is_dont_know(text)


# --- day/month order of a column --------------------------------------------------------------


@pytest.mark.parametrize(
    ("values", "expected", "settled", "needed", "reading"),
    [
        (["03/04/2019", "14/03/2019"], DayMonthOrder("dmy", "14/03/2019", None, "03/04/2019"), True, True, "dmy"),
        (["14.03.2019", "15-03-2019"], DayMonthOrder("dmy", "14.03.2019"), True, True, "dmy"),
        (["14/03/2019 10.23.45"], DayMonthOrder("dmy", "14/03/2019 10.23.45"), True, True, "dmy"),
        (["3/14/2019", "4/1/2019"], DayMonthOrder("mdy", "3/14/2019", None, "4/1/2019"), True, True, "mdy"),
        (["3/14/2019 10:30:00 AM"], DayMonthOrder("mdy", "3/14/2019 10:30:00 AM"), True, True, "mdy"),
        (["3/14/19 10:23:45"], DayMonthOrder("mdy", "3/14/19 10:23:45"), True, True, "mdy"),
        (
            ["01/02/2019", "14/03/2019", "03/14/2019", "20/03/2019"],
            DayMonthOrder(None, "14/03/2019", ("14/03/2019", "03/14/2019"), "01/02/2019"),
            False,
            True,
            None,
        ),
        (
            ["03/14/2019", "14/03/2019"],
            DayMonthOrder(None, "03/14/2019", ("14/03/2019", "03/14/2019")),
            False,
            True,
            None,
        ),
        (["03/04/2019", "05/06/2019"], DayMonthOrder(None, None, None, "03/04/2019"), False, True, None),
        (["05/05/2019", "2019-03-14", "43363", "", "ieri"], DayMonthOrder(), True, False, "dmy"),
        ([], DayMonthOrder(), True, False, "dmy"),
        (["99/99/2019", "0/5/2019", "14/13/2019"], DayMonthOrder(), True, False, "dmy"),  # impossible: ignored
    ],
    ids=[
        "dmy",
        "dmy-dots-dashes",
        "dmy-timestamp",
        "mdy",
        "mdy-ampm",
        "mdy-two-digit-year",
        "conflict",
        "conflict-mdy-first",
        "ambiguous",
        "not-needed",
        "empty",
        "impossible-values",
    ],
)
def test_decide_day_month(values, expected, settled, needed, reading):
    decision = decide_day_month(values)
    assert decision == expected
    assert (decision.settled, decision.needed, decision.reading_order) == (settled, needed, reading)
    assert (decision.problem() is None) == settled


def test_decide_day_month_reads_a_generator_once():
    assert decide_day_month(v for v in ["3/14/2019"]).order == "mdy"


def test_day_month_sentences():
    assert decide_day_month(["03/04/2019"]).problem() == (
        "le date della colonna si possono leggere sia giorno/mese sia mese/giorno (ad esempio «03/04/2019»): "
        "scriverle come 2019-04-03 (anno-mese-giorno) oppure usare almeno una data con il giorno oltre il 12"
    )
    assert decide_day_month(["3/14/2019", "20/3/2019"]).problem() == (
        "le date della colonna mescolano giorno/mese e mese/giorno: «20/3/2019» si legge solo come giorno/mese, "
        "«3/14/2019» solo come mese/giorno; scriverle tutte nello stesso ordine, meglio come anno-mese-giorno "
        "(ad esempio 2019-03-20)"
    )
    assert decide_day_month(["14/03/2019"]).sentence() == (
        "le date della colonna si leggono giorno/mese, come richiede «14/03/2019»"
    )
    assert decide_day_month(["05/05/2019"]).sentence() == (
        "le date della colonna si leggono allo stesso modo giorno/mese e mese/giorno"
    )
    for values in (["03/04/2019"], ["3/14/2019", "20/3/2019"]):
        assert decide_day_month(values).problem() == decide_day_month(values).sentence()
    long_value = "03/04/2019 10:00:00 " + "x" * 40
    assert "«03/04/2019 10:00:00 xxxxxxxxxx»" in decide_day_month([long_value]).problem()


# --- dates ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "order", "date"),
    [
        ("2019-03-14", "dmy", dt.date(2019, 3, 14)),
        ("2019-03-14", "mdy", dt.date(2019, 3, 14)),
        ("2019-3-4", "dmy", dt.date(2019, 3, 4)),
        ("2019-03-14 00:00:00", "dmy", dt.date(2019, 3, 14)),
        ("2019-03-14T10:30", "dmy", dt.date(2019, 3, 14)),
        ("2019-03-14 10:30:15.250", "dmy", dt.date(2019, 3, 14)),
        ("2019-03-14T10:30:00Z", "dmy", dt.date(2019, 3, 14)),
        ("2019-03-14T10:30:00+01:00", "dmy", dt.date(2019, 3, 14)),
        ("2019/03/14", "dmy", dt.date(2019, 3, 14)),
        ("14/03/2019", "dmy", dt.date(2019, 3, 14)),
        ("4/3/2019", "dmy", dt.date(2019, 3, 4)),
        ("4/3/2019", "mdy", dt.date(2019, 4, 3)),
        ("14.03.2019", "dmy", dt.date(2019, 3, 14)),
        ("14-03-2019", "dmy", dt.date(2019, 3, 14)),
        ("14\u201303\u20132019", "dmy", dt.date(2019, 3, 14)),
        ("3/14/2019", "mdy", dt.date(2019, 3, 14)),
        ("03.14.2019", "mdy", dt.date(2019, 3, 14)),
        ("14/03/2019 10:30", "dmy", dt.date(2019, 3, 14)),
        ("14/03/2019 10.23.45", "dmy", dt.date(2019, 3, 14)),
        ("3/14/2019 10:30:00 AM", "mdy", dt.date(2019, 3, 14)),
        ("3/14/2019 1:05:00 PM GMT+1", "mdy", dt.date(2019, 3, 14)),
        ("\ufeff14/03/2019\u200b", "dmy", dt.date(2019, 3, 14)),
        ("43363", "dmy", dt.date(2018, 9, 20)),
        ("43363.0", "dmy", dt.date(2018, 9, 20)),
        ("43363.4375", "dmy", dt.date(2018, 9, 20)),
        ("43363,4375", "mdy", dt.date(2018, 9, 20)),
        ("43363.999", "dmy", dt.date(2018, 9, 20)),
    ],
)
def test_date_accepted(text, order, date):
    assert parse_date(text, order=order) == date


@pytest.mark.parametrize(
    ("text", "order", "message"),
    [
        ("", "dmy", "data mancante: attesa una data come 2019-03-14 oppure 14/03/2019"),
        ("ieri", "dmy", "data non valida «ieri»: attesa una data come 2019-03-14 oppure 14/03/2019"),
        ("ieri", "mdy", "data non valida «ieri»: attesa una data come 2019-03-14 oppure 03/14/2019"),
        ("14/03/20199", "dmy", "data non valida «14/03/20199»: attesa una data come 2019-03-14 oppure 14/03/2019"),
        ("14/03-2019", "dmy", "data non valida «14/03-2019»: attesa una data come 2019-03-14 oppure 14/03/2019"),
        (
            "14/03/2019 CET",
            "dmy",
            "data non valida «14/03/2019 CET»: attesa una data come 2019-03-14 oppure 14/03/2019",
        ),
        (
            "14/03/19",
            "dmy",
            "data non valida «14/03/19»: l'anno va scritto con quattro cifre "
            "(attesa una data come 2019-03-14 oppure 14/03/2019)",
        ),
        ("31/02/2019", "dmy", "data impossibile «31/02/2019»: il giorno non esiste nel calendario"),
        ("3/14/2019", "dmy", "data impossibile «3/14/2019»: il giorno non esiste nel calendario"),
        ("14/03/2019", "mdy", "data impossibile «14/03/2019»: il giorno non esiste nel calendario"),
        ("14/03/2019 25:00", "dmy", "data impossibile «14/03/2019 25:00»: l'ora non esiste"),
        ("123", "dmy", "numero 123 non è una data: attesa una data come 2019-03-14 oppure 14/03/2019"),
        ("2019", "dmy", "numero 2019 non è una data: attesa una data come 2019-03-14 oppure 14/03/2019"),
        ("32873", "dmy", "numero 32873 non è una data: attesa una data come 2019-03-14 oppure 14/03/2019"),
        ("73416", "dmy", "numero 73416 non è una data: attesa una data come 2019-03-14 oppure 14/03/2019"),
        (
            "x" * 50,
            "dmy",
            f"data non valida «{'x' * 30}»: attesa una data come 2019-03-14 oppure 14/03/2019",
        ),
    ],
)
def test_date_refused(text, order, message):
    with pytest.raises(ValueError) as error:
        parse_date(text, order=order)
    assert str(error.value) == message


def test_date_serial_range_edges():
    assert parse_date("32874") == dt.date(1990, 1, 1)
    assert parse_date("73415") == dt.date(2100, 12, 31)


@pytest.mark.parametrize("serial", [32874, 36526, 43363, 43524, 43525, 43890, 45000, 47848, 73415])
def test_date_serials_match_pandas(serial):
    # Independent implementation: pandas' own date arithmetic from the 1900-system epoch
    # 1899-12-30, valid for serials after 60 (past Excel's fictitious 29 February 1900).
    independent = (pd.Timestamp("1899-12-30") + pd.Timedelta(days=serial)).date()
    assert parse_date(str(serial)) == independent
    assert parse_date(f"{serial}.0") == independent


@pytest.mark.parametrize("fraction", [0.0, 0.25, 0.4375, 0.5, 0.999])
def test_timestamp_serials_match_pandas(fraction):
    serial = 43363 + fraction
    independent = (pd.Timestamp("1899-12-30") + pd.Timedelta(days=serial)).round("s").to_pydatetime()
    assert parse_timestamp(repr(serial)) == independent


def test_bad_order_is_a_programming_error():
    with pytest.raises(ValueError, match="order"):
        parse_date("14/03/2019", order="ymd")
    with pytest.raises(ValueError, match="order"):
        parse_timestamp("14/03/2019", order="ymd")


@given(st.dates(min_value=dt.date(1000, 1, 1), max_value=dt.date(9999, 12, 31)))
def test_date_round_trip_in_both_orders(date):
    day_first = f"{date.day:02d}/{date.month:02d}/{date.year:04d}"
    month_first = f"{date.month:02d}/{date.day:02d}/{date.year:04d}"
    assert parse_date(day_first, order="dmy") == date
    assert parse_date(month_first, order="mdy") == date
    assert parse_date(date.isoformat(), order="mdy") == date
    for text in (day_first, month_first):  # whenever the column decision settles, it reads the right day
        decision = decide_day_month([text])
        assert decision.settled == (date.day > 12 or date.day == date.month)
        if decision.settled:
            assert parse_date(text, order=decision.reading_order) == date


# --- timestamps -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "order", "stamp"),
    [
        # Google Forms, Italian locale
        ("14/03/2019 10.23.45", "dmy", dt.datetime(2019, 3, 14, 10, 23, 45)),
        ("4/3/2019 9.05.00", "dmy", dt.datetime(2019, 3, 4, 9, 5)),
        ("14/03/2019", "dmy", dt.datetime(2019, 3, 14)),
        # Google Forms, English locale
        ("3/14/2019 10:23:45", "mdy", dt.datetime(2019, 3, 14, 10, 23, 45)),
        ("4/3/2019 10:23:45", "mdy", dt.datetime(2019, 4, 3, 10, 23, 45)),
        ("2019/03/14 1:05:00 PM GMT+1", "dmy", dt.datetime(2019, 3, 14, 13, 5)),
        ("2019/03/14 1:05:00 PM GMT+1", "mdy", dt.datetime(2019, 3, 14, 13, 5)),
        ("2019/03/14 12:05:00 AM CET", "dmy", dt.datetime(2019, 3, 14, 0, 5)),
        ("2019/03/14 12:05:00 PM", "dmy", dt.datetime(2019, 3, 14, 12, 5)),
        # Microsoft Forms: two-digit years, as 20yy
        ("3/14/19 10:23:45", "mdy", dt.datetime(2019, 3, 14, 10, 23, 45)),
        ("14/03/19 10.23.45", "dmy", dt.datetime(2019, 3, 14, 10, 23, 45)),
        # ISO, with T and zones
        ("2019-03-14T10:23:45", "dmy", dt.datetime(2019, 3, 14, 10, 23, 45)),
        ("2019-03-14 10:23", "dmy", dt.datetime(2019, 3, 14, 10, 23)),
        ("2019-03-14T10:23:45.5Z", "dmy", dt.datetime(2019, 3, 14, 10, 23, 45, 500000)),
        ("2019-03-14T10:23:45+01:00", "dmy", dt.datetime(2019, 3, 14, 10, 23, 45)),
        # dots and dashes, Excel serials
        ("14.03.2019 10:23", "dmy", dt.datetime(2019, 3, 14, 10, 23)),
        ("14-03-2019 10:23", "dmy", dt.datetime(2019, 3, 14, 10, 23)),
        ("43363.4375", "dmy", dt.datetime(2018, 9, 20, 10, 30)),
        ("43363,5", "mdy", dt.datetime(2018, 9, 20, 12)),
        ("43363", "dmy", dt.datetime(2018, 9, 20)),
    ],
)
def test_timestamp_accepted(text, order, stamp):
    assert parse_timestamp(text, order=order) == stamp


@pytest.mark.parametrize(
    ("text", "order"),
    [
        ("", "dmy"),
        ("ieri", "dmy"),
        ("31/02/2019 10:00", "dmy"),
        ("3/14/2019 10:23:45", "dmy"),  # read day first: month 14
        ("14/03/2019 10:23:45", "mdy"),
        ("14/03/20199", "dmy"),
        ("2019-03-14garbage", "dmy"),
        ("14/03/2019 25:00", "dmy"),
        ("14/03/2019 13:05 AM", "dmy"),
        ("14-03-19 10:00", "dmy"),  # two-digit years only with slashes
        ("19-03-14", "dmy"),
        ("123.5", "dmy"),  # a number, not a plausible serial date
        ("99999.5", "dmy"),
    ],
)
def test_timestamp_unreadable(text, order):
    assert parse_timestamp(text, order=order) is None


def test_timestamp_defaults_keep_todays_behaviour():
    assert parse_timestamp("14/03/2019 10.23.45") == dt.datetime(2019, 3, 14, 10, 23, 45)
    assert parse_timestamp("2019-03-14 10:23:45") == dt.datetime(2019, 3, 14, 10, 23, 45)
    assert parse_timestamp("14/03/2019 10.23.45 CET") == dt.datetime(2019, 3, 14, 10, 23, 45)


# --- codes that almost match ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("code", "known", "suggestion"),
    [
        ("e1", ["E001", "E002"], "E001"),
        ("E 001", ["E001", "E002"], "E001"),
        ("E-001", ["E001", "E002"], "E001"),
        ("E\u2013001", ["E001"], "E001"),
        ("E_001", ["E001"], "E001"),
        ("E.001", ["E001"], "E001"),
        ("E0\u200b01", ["E001"], "E001"),
        ("e001", ["E001"], "E001"),
        ("M1-02", ["M1-2", "M3"], "M1-2"),
        ("E001", ["E001", "E1"], "E001"),  # known as written
        ("E01", ["E001", "E1"], None),  # two candidates
        ("E3", ["E001", "E002"], None),  # none
        ("F001", ["E001"], None),
        ("E10", ["E1", "E100"], None),  # zeros inside a number count
        ("", ["E001"], None),
    ],
)
def test_suggest_code(code, known, suggestion):
    assert suggest_code(code, known) == suggestion


def test_suggest_code_reads_any_iterable():
    assert suggest_code("e1", (c for c in ["E001", "E002"])) == "E001"


# --- free labels ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("one", "other"),
    [
        ("Attivita\u2019 culturali", "Attivita' culturali"),
        ("Attivita` culturali", "attivita' CULTURALI"),
        ("Crowdfunding \u2212 donazioni", "Crowdfunding - donazioni"),
        ("Crowdfunding \u2013 donazioni", "Crowdfunding - donazioni"),
        ("Crowd\u00adfunding", "Crowdfunding"),
        ("5\u00a0per mille", "5 per mille"),
        ("Bandi\u200b pubblici", "bandi  pubblici"),
        (" CULTURA  e sport", "cultura e Sport"),
    ],
)
def test_label_key_folds_typography(one, other):
    assert label_key(one) == label_key(other)


@pytest.mark.parametrize(
    ("one", "other"),
    [("Attività", "attivita"), ("Bandi pubblici", "Bandi-pubblici"), ("Sedi", "Sedi'")],
)
def test_label_key_keeps_accents_and_punctuation(one, other):
    assert label_key(one) != label_key(other)


def test_tidy_label_drops_invisible_characters_only():
    assert tidy_label("  Contri\u00adbuti\u200b   pubblici\u00a0\ufeff") == "Contributi pubblici"
    assert tidy_label("Attivita\u2019 culturali \u2013 sport") == "Attivita\u2019 culturali \u2013 sport"
