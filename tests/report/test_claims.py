"""Every sentence that states a number or a comparison is true at the precision it prints (issue 8, item 4).

The first part tests each kind of claim of :mod:`palestre_analysis.report.claims` on small tables: ties at the
printed precision, hidden competitors (NaN), a single value, nothing shown, zeros. The second part checks the
sentences of the real sections on the demo data, where the defects were found (territory named in each test).
"""

from __future__ import annotations

import html
import math
import re

import numpy as np
import pandas as pd
import pytest

from palestre_analysis import config, stats
from palestre_analysis.ingest.build import clean
from palestre_analysis.ingest.processed import for_territory, load_processed
from palestre_analysis.report import claims, final, network, scores
from palestre_analysis.report import formatting as fmt
from palestre_analysis.report.display import HTML, Safe, sentence
from palestre_analysis.report.parameters import check_parameters
from palestre_analysis.report.section import shown_html

NAN = float("nan")
ONE = "Il migliore{scope} è {name} ({value})."
TIED = "I migliori{scope} sono {names} ({value})."


def plain(text) -> str:
    """What a reader reads: no tags, entities decoded."""
    return html.unescape(re.sub(r"<[^>]+>", "", str(text)))


# --- formatting: the numbers the claims print ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("share", "expected"),
    [
        (0.0, "lo 0%"),
        (0.004, "lo 0%"),
        (0.01, "l'1%"),
        (0.08, "l'8%"),
        (0.11, "l'11%"),
        (0.18, "il 18%"),
        (0.6, "il 60%"),
        (0.83, "l'83%"),
        (1.0, "il 100%"),
        (1.01, "il 101%"),
        (1.11, "il 111%"),
        (8.0, "l'800%"),
        (10.0, "il 1.000%"),
        (11.0, "il 1.100%"),
        (80.0, "l'8.000%"),
        (110.0, "l'11.000%"),
        (10_000.0, "l'1.000.000%"),
        (20_000.0, "il 2.000.000%"),
    ],
)
def test_the_article_of_a_percentage_is_the_one_its_number_is_read_with(share, expected):
    """«lo zero», «l'uno», «l'otto», «il cento», «il mille», «l'undicimila», «un milione» (Italian grammar)."""
    assert fmt.pct_article(share) == expected


def test_in_share_of_draws_keeps_the_article_right():
    assert fmt.in_share_of_draws(0.8) == "nell'80%" and fmt.in_share_of_draws(0.5) == "nel 50%"
    assert fmt.in_share_of_draws(0.11) == "nell'11%" and fmt.in_share_of_draws(1.0) == "in oltre il 99%"


def test_a_count_that_is_not_whole_is_refused_not_rounded():
    """plural(0.6) printed «1 enti»: a fraction is no count, so it is a programming error, not a sentence."""
    with pytest.raises(ValueError, match="whole things"):
        fmt.plural(0.6, "ente", "enti")
    for bad in (NAN, math.inf, 1.5, True):
        with pytest.raises(ValueError):
            fmt.plural(bad, "ente", "enti")
    assert fmt.plural(1.0, "ente", "enti") == "1 ente" and fmt.plural(np.int64(3), "ente", "enti") == "3 enti"


def test_infinite_and_odd_missing_values_print_instead_of_raising():
    assert fmt.num(math.inf) == "∞" and fmt.num(-math.inf, 2) == "-∞" and fmt.integer(math.inf) == "∞"
    assert fmt.num(np.float32("nan")) == "–" and fmt.num(pd.NA) == "–" and fmt.pct(np.float32("inf")) == "∞%"
    assert math.isnan(fmt.rounded(None)) and fmt.rounded(math.inf) == math.inf


@pytest.mark.parametrize(
    ("p", "decimals", "expected"),
    [
        (0.0048, 3, "p = 0,005"),  # demo: printed «p < 0,001» after rounding to 0.00 first
        (0.486, 3, "p = 0,486"),  # demo (Milano): printed «p = 0,490»
        (0.0009, 3, "p < 0,001"),
        (0.00096, 3, "p < 0,001"),  # never a rounded «0,001» for a value below it
        (0.0, 2, "p < 0,01"),  # published rounded to two decimals: below 0,005, so below 0,01
        (0.49, 2, "p = 0,49"),
        (0.05, 2, "p = 0,05"),
        (1.0, 3, "p = 1,000"),
    ],
)
def test_a_p_value_is_printed_with_the_precision_it_has(p, decimals, expected):
    assert fmt.p_clause(p, decimals) == expected


def test_rounded_is_what_num_prints():
    for value in (7.25, 9.04, 9.02, 0.273, 0.665, 8.625, 8.571):
        for decimals in (0, 1, 2):
            assert fmt.num(fmt.rounded(value, decimals), decimals) == fmt.num(value, decimals)


# --- best: the highest (or lowest) value ------------------------------------------------------------------------


def test_values_tied_at_the_printed_precision_are_a_tie():
    """Report 03: 9,04 and 9,02 are both printed 9,0; Milano: 8,625 and 8,571 both 8,6."""
    for values in ({"A": 9.04, "B": 9.02, "C": 8.5}, {"A": 8.625, "B": 8.571428571428571, "C": 8.25}):
        text = plain(claims.best(pd.Series(values), 1, ONE, TIED))
        assert text == f"I migliori sono A e B ({fmt.num(values['A'])})."
    assert plain(claims.best(pd.Series({"A": 9.04, "B": 9.02}), 2, ONE, TIED)) == "Il migliore è A (9,04)."


def test_an_exact_tie_is_a_tie():
    """Brescia, Cultura e patrimonio: two crossings with 8,667."""
    values = pd.Series({"Bandi": 26 / 3, "Sponsorizzazioni": 26 / 3, "Quote": 8.0})
    assert plain(claims.best(values, 1, ONE, TIED)) == "I migliori sono Bandi e Sponsorizzazioni (8,7)."
    three = pd.Series({"A": 1.0, "B": 1.0, "C": 1.0, "D": 0.5})
    assert plain(claims.best(three, 1, ONE, TIED)) == "I migliori sono A, B e C (1,0)."


def test_a_hidden_competitor_limits_the_claim_to_the_values_shown():
    """Bergamo: a hidden cell may have a higher mean than the «best» one shown."""
    values = pd.Series({"Quote": 9.0, "Bandi": 8.6, "Donazioni": NAN})
    text = plain(claims.best(values, 1, ONE, TIED, scope=" tra quelli mostrati"))
    assert text == "Il migliore tra quelli mostrati è Quote (9,0)."
    assert (
        plain(claims.best(values.dropna(), 1, ONE, TIED, scope=" tra quelli mostrati")) == "Il migliore è Quote (9,0)."
    )


def test_a_bound_on_the_hidden_values_can_make_the_claim_whole_again():
    """Milano: associazioni 75% shown; the hidden categories hold at most the remaining 25%."""
    shares = pd.Series({"associazioni": 0.75, "csv": NAN, "pa": NAN, "altri": 0.0})
    kwargs = dict(scope=" tra quelle mostrate", hidden_below=1 - shares.sum())
    assert plain(claims.best(shares, fmt.pct, ONE, TIED, **kwargs)) == "Il migliore è associazioni (75%)."
    close = pd.Series({"associazioni": 0.40, "csv": NAN, "altri": 0.1})  # hidden: up to 50%
    assert "tra quelle mostrate" in plain(claims.best(close, fmt.pct, ONE, TIED, **kwargs | {"hidden_below": 0.5}))


def test_one_value_gets_no_superlative():
    assert claims.best(pd.Series({"A": 8.0, "B": NAN}), 1, ONE, TIED) is None
    assert claims.best(pd.Series({"A": 8.0}), 1, ONE, TIED) is None
    single = "Solo {name} è mostrata{scope} ({value})."
    assert (
        plain(claims.best(pd.Series({"A": 8.0, "B": NAN}), 1, ONE, TIED, single=single)) == "Solo A è mostrata (8,0)."
    )


def test_nothing_shown_nothing_said():
    assert claims.best(pd.Series({"A": NAN, "B": NAN}), 1, ONE, TIED) is None
    assert claims.best(pd.Series(dtype=float), 1, ONE, TIED) is None


def test_a_largest_value_of_zero_is_no_claim():
    """Bergamo, Como, Pavia, Varese, Monza: «la più rappresentata … con il 0%» while the largest were hidden."""
    bergamo = pd.Series({"associazioni": NAN, "fondazioni": NAN, "csv": NAN, "cooperazione_pa": 0.0, "altri": 0.0})
    assert claims.best(bergamo, fmt.pct, ONE, TIED, scope=" tra quelle mostrate", say=fmt.pct_article) is None
    assert claims.best(pd.Series({"A": 0.0, "B": 0.0}), fmt.pct, ONE, TIED) is None
    assert claims.best(pd.Series({"A": 0.004, "B": 0.001, "C": NAN}), fmt.pct, ONE, TIED) is None  # both print 0%
    lowest = claims.best(pd.Series({"A": 0.0, "B": 0.3}), fmt.pct, ONE, TIED, lowest=True)
    assert plain(lowest) == "Il migliore è A (0%)."


def test_the_lowest_value_follows_the_same_rules():
    """Varese: Donazioni 37,07% and Raccolta fondi 37,39% are both printed 37%."""
    shares = pd.Series({"Convenzioni": 0.521, "Donazioni": 0.3707, "Raccolta": 0.3739})
    assert plain(claims.best(shares, fmt.pct, ONE, TIED, lowest=True)) == "I migliori sono Donazioni e Raccolta (37%)."
    assert claims.leaders(shares, fmt.pct, lowest=True).tolist() == [False, True, True]


def test_names_are_escaped_and_clauses_are_kept():
    values = pd.Series({"<b>x</b>": 2.0, "y": 1.0})
    assert "&lt;b&gt;x&lt;/b&gt;" in claims.best(values, 1, ONE, TIED)
    clause = claims.best(values, 1, ONE, TIED, name=lambda key: sentence("la fonte {k}", k=key))
    assert clause == "Il migliore è la fonte <strong>&lt;b&gt;x&lt;/b&gt;</strong> (<strong>2,0</strong>)."
    assert isinstance(clause, Safe)


def test_leaders_ignore_hidden_values_and_keep_the_index():
    values = pd.Series([8.64, NAN, 8.56, 8.2], index=["a", "b", "c", "d"])
    assert claims.leaders(values, 1).to_dict() == {"a": True, "b": False, "c": True, "d": False}
    assert not claims.leaders(pd.Series([NAN, NAN]), 1).any()


# --- span: the range of values over fields ----------------------------------------------------------------------

SPAN = "Basso {where} ({values})."


def test_a_range_of_one_field_is_one_value():
    """Cremona, Varese: «alfa tra 0,28 e 0,28» and «in tutti i campi» with one field shown."""
    text = plain(claims.span([NAN, 0.2799, NAN, NAN, NAN], 2, SPAN))
    assert text == "Basso nell'unico campo mostrato (alfa 0,28)."
    assert plain(claims.span([0.39], 2, SPAN)) == "Basso nell'unico campo (alfa 0,39)."


def test_equal_ends_at_the_printed_precision_are_one_value():
    assert plain(claims.span([0.391, 0.389, 0.3925], 2, SPAN)) == "Basso in tutti i campi (alfa 0,39 in ciascuno)."


def test_every_field_only_when_none_is_hidden():
    assert plain(claims.span([0.28, 0.42, 0.35], 2, SPAN)) == "Basso in tutti i campi (alfa tra 0,28 e 0,42)."
    assert plain(claims.span([0.28, 0.42, 0.35, NAN], 2, SPAN)) == "Basso nei 3 campi mostrati (alfa tra 0,28 e 0,42)."
    assert plain(claims.span([0.28, 0.42], 2, SPAN)) == "Basso in entrambi i campi (alfa tra 0,28 e 0,42)."
    assert (
        plain(claims.span([0.28, NAN, 0.42], 2, SPAN)) == "Basso in entrambi i campi mostrati (alfa tra 0,28 e 0,42)."
    )
    assert claims.span([NAN, NAN], 2, SPAN) is None


def test_agreement_reading_agrees_with_the_printed_alphas():
    read = lambda *alphas: plain(scores.agreement_sentence(pd.DataFrame({"alpha_interval": list(alphas)})))  # noqa: E731
    assert read(0.2799, NAN).startswith("L'accordo tra i delegati è basso nell'unico campo mostrato (alfa 0,28,")
    assert "tra 0,28 e 0,28" not in read(0.2799, 0.2801) and "alfa 0,28 in ciascuno" in read(0.2799, 0.2801)
    assert read(0.70, 0.75).startswith("L'accordo tra i delegati basta per conclusioni provvisorie in entrambi i campi")
    assert "dove è sotto 0,667" not in read(0.70, 0.85)  # no field below the minimum: no sentence about one
    assert "dove è sotto 0,667" in read(0.5, 0.85) and "varia tra i campi mostrati" in read(0.5, 0.85, NAN)
    assert read(0.6665, 0.9).startswith("L'accordo tra i delegati varia")  # printed 0,67: at least 0,667
    assert scores.agreement_sentence(pd.DataFrame({"alpha_interval": [NAN]})) is None


def _reliability(single, mean, k=None, target=None, leniency=None) -> pd.DataFrame:
    """A reliability table of as many fields as values (NaN: a hidden field)."""
    n = len(single)
    return pd.DataFrame(
        {
            "icc_a1": single,
            "icc_ak": mean,
            "k": k if k is not None else [30.0] * n,
            "k_target": target if target is not None else [7.0] * n,
            "leniency_share": leniency if leniency is not None else [0.25] * n,
        }
    )


def test_reliability_reading_says_what_single_delegates_and_means_say():
    """Issue 11, item 1: single delegates disagree, the means of many are stable; every combination, as printed."""
    read = lambda *a, **k: plain(scores.reliability_sentence(_reliability(*a, **k)))  # noqa: E731
    demo = read([0.33, 0.44, 0.38], [0.94, 0.98, 0.96], k=[28.3, 58.2, 40.0], target=[9.0, 6.0, 7.0])
    assert demo.startswith(
        "I singoli delegati concordano poco tra loro in tutti i campi (ICC(A,1) tra 0,33 e 0,44), ma"
    )
    assert (
        "le medie delle caselle (in media tra 28 e 58 delegati ciascuna) sono stabili (ICC(A,k) tra 0,94 e 0,98)"
        in demo
    )
    assert (
        "Per un'affidabilità delle medie di almeno 0,8 bastano tra 6 e 9 delegati per casella, secondo il campo."
        in demo
    )
    assert "spiega il 25% della varianza" in demo
    high = read([0.8, 0.9], [0.99, 0.99], target=[1.0, 1.0])
    assert "concordano molto tra loro in entrambi i campi" in high and ", e le medie delle caselle" in high
    assert "ICC(A,k) 0,99 in ciascuno" in high and "basta 1 delegato per casella." in high
    low = read([0.2, 0.25], [0.5, 0.6], k=[4.0, 5.0], target=[16.0, 12.0])
    assert "e le medie delle caselle (in media tra 4 e 5 delegati ciascuna) non sono abbastanza stabili" in low
    assert "(ICC(A,k) tra 0,50 e 0,60, sotto 0,8)" in low and "servirebbero tra 12 e 16 delegati" in low
    mixed = read([0.3, 0.35], [0.7, 0.9], k=[5.0, 20.0], target=[8.0, 9.0])
    assert "; le medie delle caselle" in mixed and "sono stabili in alcuni campi e non in altri" in mixed
    assert "servono tra 8 e 9 delegati" in mixed
    moderate = read([0.55, 0.6], [0.95, 0.97])
    assert "concordano in misura moderata" in moderate and ", ma le medie" in moderate
    varied = read([0.3, 0.8, float("nan")], [0.9, 0.99, float("nan")])
    assert "L'accordo tra i singoli delegati varia tra i campi mostrati" in varied


def test_reliability_reading_is_true_at_its_precision():
    read = lambda *a, **k: plain(scores.reliability_sentence(_reliability(*a, **k)))  # noqa: E731
    assert "sono stabili (ICC(A,k) 0,80)" in read([0.3], [0.7996])  # printed 0,80: at the threshold
    assert "non sono abbastanza stabili (ICC(A,k) 0,79, sotto 0,8)" in read([0.3], [0.7949])
    assert "concordano molto" in read([0.7496, 0.8], [0.99, 0.99])  # printed 0,75
    one = read([0.33, float("nan"), float("nan")], [0.71, float("nan"), float("nan")], k=[5.0] * 3, target=[9.0] * 3)
    assert (
        "nell'unico campo mostrato (ICC(A,1) 0,33)" in one and not re.search(r"tra -?\d", one) and "in tutti" not in one
    )
    assert "in media 5 delegati ciascuna" in one and "servirebbero 9 delegati per casella." in one
    assert "secondo il campo" not in one
    alike = read([0.331, 0.329], [0.9, 0.9], k=[30.2, 29.8], target=[7.0, 7.0])
    assert (
        "ICC(A,1) 0,33 in ciascuno" in alike and "in media 30 delegati ciascuna" in alike and "tra 30 e 30" not in alike
    )
    flat = read([0.0, 0.3], [0.0, 0.9], target=[float("nan"), 7.0])
    assert "nessun numero di delegati basta" in flat
    assert scores.reliability_sentence(_reliability([float("nan")], [float("nan")])) is None
    assert plain(scores.reliability_sentence(_reliability([0.3], [0.9]), brief=True)).endswith("(ICC(A,k) 0,90).")


def test_no_reading_says_the_means_summarise_divergent_opinions():
    """The old reading («i voti medi sintetizzano opinioni diverse, non un giudizio condiviso») confused alpha, a
    single delegate's agreement, with the reliability of a mean: no alpha and no ICC may produce it."""
    for alphas in ([0.2, 0.3], [0.5, 0.9], [0.7, 0.75], [0.9], [0.1, float("nan")]):
        assert "sintetizzano" not in plain(scores.agreement_sentence(pd.DataFrame({"alpha_interval": alphas})))
    for single, mean in (([0.3, 0.4], [0.95, 0.97]), ([0.3], [0.6]), ([0.8], [0.99])):
        assert "sintetizzano" not in plain(scores.reliability_sentence(_reliability(single, mean)))


def test_rwg_and_band_rule_readings():
    """r_wg over the shown cells (range, median and its level), and the band rule said with its limit."""
    from palestre_analysis.stats.consensus import resolve_consensus_rule

    rwg = plain(scores._rwg_sentence(pd.Series([0.62, 0.7049, NAN, 0.81]), (1, 5)))
    assert "sui 5 valori della scala (1-5)" in rwg
    assert "Nelle 3 caselle mostrate r_wg è tra 0,62 e 0,81, con mediana 0,70: accordo moderato" in rwg
    two = plain(scores._rwg_sentence(pd.Series([-0.05, 0.4])))
    assert "In entrambe le caselle r_wg è tra -0,05 e 0,40." in two and "mediana" not in two
    one = plain(scores._rwg_sentence(pd.Series([0.5, NAN])))
    assert "Nell'unica casella mostrata r_wg è 0,50." in one
    rule = resolve_consensus_rule("percent")
    none = plain(scores._consensus_sentence(0, 1, rule))
    assert "non c'è consenso nell'unica casella mostrata" in none
    assert "c'è consenso in tutte le 40 caselle mostrate" in plain(scores._consensus_sentence(40, 40, rule))
    some = plain(scores._consensus_sentence(3, 40, rule))
    assert "c'è consenso in 3 delle 40 caselle mostrate" in some and "dipende dal numero dei delegati" in some
    assert "la fascia intermedia (5-6), più stretta delle altre" in some
    wide = plain(scores._consensus_sentence(3, 40, rule, bands=((1, 2), (3, 8), (9, 10))))
    assert "più stretta" not in wide and "non va confrontato tra territori" in wide


# --- difference: one value against another ----------------------------------------------------------------------

DIFF = dict(more="{a} contro {b}: {gap} in più.", less="{a} contro {b}: {gap} in meno.", same="{a}, come {b}.")


def test_the_gap_is_the_difference_of_the_printed_values():
    """43,5% and 58,4% are printed 44% and 58%: the gap a reader computes is 14, not the 15 of the exact values."""
    text = plain(claims.difference(0.435, 0.584, 0, scale=100, say=fmt.pct, unit=("punto", "punti"), **DIFF))
    assert text == "44% contro 58%: 14 punti in meno."
    assert plain(claims.difference(0.61, 0.60, 0, scale=100, say=fmt.pct, unit=("punto", "punti"), **DIFF)).endswith(
        "1 punto in più."
    )


def test_values_printed_alike_are_equal():
    """Como: 80% against 80%: «the same», not «more» or «less» because of the hidden decimals."""
    assert plain(claims.difference(0.804, 0.796, 0, scale=100, say=fmt.pct, **DIFF)) == "80%, come 80%."
    assert plain(claims.difference(9.04, 9.02, 1, **DIFF)) == "9,0, come 9,0."
    assert plain(claims.difference(9.04, 9.02, 2, **DIFF)) == "9,04 contro 9,02: 0,02 in più."


def test_a_hidden_value_leaves_nothing_to_compare():
    assert claims.difference(NAN, 0.5, 0, **DIFF) is None and claims.difference(0.5, None, 0, **DIFF) is None


# --- verdict: p-value, effect size and their reading ------------------------------------------------------------

VERDICT = dict(
    significant="Associati ({p}; V {effect}, {strength}).",
    not_significant="Nessun legame rilevato ({p}; V {effect}).",
    borderline="Al limite ({p}).",
)


def test_p_and_v_are_printed_as_precisely_as_they_are_known():
    """Demo: «p < 0,001» for p = 0.0048, «0,30» for V = 0.273, «V 0,50» for 0.49 published as 0.5."""
    assert plain(claims.verdict(0.0048, effect=0.273, **VERDICT)) == "Associati (p = 0,005; V 0,27, moderata)."
    rounded = claims.verdict(0.0, p_decimals=2, effect=0.3, effect_decimals=1, **VERDICT)
    assert plain(rounded) == "Associati (p < 0,01; V 0,3, moderata)."
    assert "0,50" not in plain(claims.verdict(0.0, p_decimals=2, effect=0.5, effect_decimals=1, **VERDICT))
    milano = plain(claims.verdict(0.49, p_decimals=2, effect=0.3, effect_decimals=1, **VERDICT))
    assert milano == "Nessun legame rilevato (p = 0,49; V 0,3)."
    assert "0,486" in plain(claims.verdict(0.486, effect=0.3, **VERDICT))


def test_the_reading_agrees_with_the_printed_numbers():
    """Monza: «non rileva … associazione forte»: a test that finds nothing names no strength."""
    monza = plain(claims.verdict(0.19, p_decimals=2, effect=0.5, effect_decimals=1, **VERDICT))
    assert "forte" not in monza and monza.startswith("Nessun legame")
    assert plain(claims.verdict(0.001, effect=0.195, **VERDICT)).endswith("V 0,20, moderata).")  # 0,20 is not < 0,2
    assert plain(claims.verdict(0.001, effect=0.1949, **VERDICT)).endswith("V 0,19, debole).")
    assert plain(claims.verdict(0.001, effect=0.45, **VERDICT)).endswith("forte).")


def test_a_p_value_near_the_level_is_printed_so_that_it_reads_on_its_side():
    assert plain(claims.verdict(0.0496, **VERDICT)).startswith("Associati (p = 0,0496")
    assert plain(claims.verdict(0.0504, **VERDICT)).startswith("Nessun legame rilevato (p = 0,0504")
    assert plain(claims.verdict(0.05, **VERDICT)).startswith("Nessun legame rilevato (p = 0,050")


def test_a_rounded_p_value_at_the_level_is_borderline():
    assert plain(claims.verdict(0.05, p_decimals=2, **VERDICT)) == "Al limite (p = 0,05)."
    assert claims.verdict(0.05, p_decimals=2, significant="a", not_significant="b") is None
    assert plain(claims.verdict(0.04, p_decimals=2, **VERDICT)).startswith("Associati (p = 0,04")
    assert plain(claims.verdict(0.06, p_decimals=2, **VERDICT)).startswith("Nessun legame rilevato (p = 0,06")


def test_no_p_value_no_verdict():
    assert claims.verdict(NAN, **VERDICT) is None and claims.verdict(None, **VERDICT) is None


# --- count_of ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("k", "total", "expected"),
    [
        (0, 240, "nessuna delle 240 caselle"),
        (1, 240, "1 casella su 240"),
        (66, 240, "66 caselle su 240"),
        (240, 240, "tutte le 240 caselle"),
        (2, 2, "entrambe le caselle"),
        (1, 1, "l'unica casella"),
        (0, 1, "nessuna casella"),
    ],
)
def test_count_of(k, total, expected):
    assert plain(claims.count_of(k, total, "casella", "caselle")) == expected


def test_count_of_refuses_impossible_counts():
    with pytest.raises(ValueError):
        claims.count_of(3, 2, "casella", "caselle")


# --- the sections, on the demo data -----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    out = tmp_path_factory.mktemp("processed")
    clean(config.RAW_DIR, out)
    return load_processed(out)


def territory(demo, name):
    return demo if name == config.REGION else for_territory(demo, name)


def text_of(section) -> str:
    return plain(shown_html(section))


@pytest.fixture(scope="module")
def phase2(demo):
    """The phase-2 statistics of the territories where the defects were found (computed once)."""
    names = ["Lombardia", "Bergamo", "Brescia", "Como", "Cremona", "Milano", "Pavia", "Varese"]
    return {t: scores.compute(territory(demo, t), check_parameters(t, 5, 1)) for t in names}


@pytest.mark.parametrize("name", ["Bergamo", "Como", "Pavia", "Varese", "Monza e della Brianza", "Milano", "Lombardia"])
def test_the_largest_category_is_named_only_when_it_is_true(demo, name):
    params = check_parameters(name, 5, 1)
    data = territory(demo, name)
    text = text_of(network.composition(data, params))
    table = stats.composition(data.entities, params.reference_shares, min_cell=5)
    assert "il 0%" not in text and "con lo 0%" not in text
    if name in ("Bergamo", "Como", "Pavia", "Varese", "Monza e della Brianza"):  # the largest categories are hidden
        assert "più rappresentat" not in text
    else:  # the largest shown share is above everything the hidden ones could hold
        assert table["share"].max() > 1 - table["share"].sum()
        assert "La categoria più rappresentata è quella delle associazioni" in text


def test_the_contribution_test_prints_p_and_v_as_published(demo):
    """Rounded where the table has hidden cells: p to two decimals, V to one, and they are printed so."""
    name = "Lombardia"
    params = check_parameters(name, 5, 1)
    data = territory(demo, name)
    text = text_of(network.contributions(data, params))
    phase1 = data.meetings.loc[data.meetings["phase"] == 1, "meeting_id"]
    test = stats.contribution_test(
        data.contributions[data.contributions["meeting_id"].isin(set(phase1))],
        data.entities,
        seed=params.seed,
        min_cell=params.min_cell,
    ).iloc[0]
    assert pd.isna(test["statistic"]), "the demo tables have hidden cells"
    assert fmt.p_clause(test["p_value"], 2) in text and "< 0,001" not in text
    assert f"V di Cramér {fmt.num(test['cramers_v'], 1)}" in text
    assert not re.search(r"V di Cramér \d,\d\d", text) and not re.search(r"p = \d,\d\d\d", text)
    assert text.count("celle nascoste") == 1 and ") (" not in text
    if test["p_value"] >= 0.05:
        assert "non rileva" in text and not re.search(r"associazione (debole|moderata|forte)", text)


@pytest.mark.parametrize("name", ["Brescia", "Milano", "Monza e della Brianza"])
def test_no_test_is_printed_over_a_table_with_nodes_hidden_across_the_batch(demo, name):
    """A test statistic over a table with hidden cells could give them back: the provinces' tests are withheld."""
    params = check_parameters(name, 5, 1)
    section = network.contributions(territory(demo, name), params)
    assert section.tables["contributions_test"]["p_value"].isna().all()
    assert "V di Cramér" not in text_of(section)


@pytest.mark.parametrize("name", ["Bergamo", "Brescia", "Milano", "Lombardia"])
def test_the_gini_is_said_to_be_shown_exactly_where_the_table_shows_it(demo, name):
    """Bergamo 01: «Le misure di concentrazione non sono mostrate» right under a table showing the Gini."""
    params = check_parameters(name, 5, 1)
    section = network.participation(territory(demo, name), params)
    gini = section.tables["participation"].query("category == 'all'")["gini"].iloc[0]
    text = text_of(section)
    if pd.notna(gini):
        assert "non sono mostrate" not in text and f"L'indice di Gini delle presenze è {fmt.num(gini, 2)}" in text
    else:
        assert "Gini delle presenze è" not in text and "non sono mostrate" in text


@pytest.mark.parametrize("name", ["Varese", "Pavia", "Como", "Lombardia"])
def test_mixing_is_read_against_its_permutation_test(demo, name):
    """Varese: «ogni categoria ha frequentato soprattutto sé stessa» with three categories of one entity;
    Pavia: «più del caso» without any test. Issue 11: the share of ties across categories now comes with its
    permutation null (stats.cross_category_test): the range printed holds the share exactly when the test finds
    nothing, and «più/meno di quanti ne darebbe il caso» is said only with p < 0.05, in the right direction."""
    section = network.network(territory(demo, name), check_parameters(name, 5, 1))
    text, row = text_of(section), section.tables["network"].iloc[0]
    assert "sé stessa" not in text and "mai da soli" not in text
    if pd.isna(row["cross_category_expected"]):  # hidden: ties across categories would give the categories back
        assert "unisce enti di categorie diverse" not in text and row[["cross_category_p"]].isna().all()
        return
    d = network.mixing_decimals(row)
    printed = {c: fmt.rounded(100 * row[f"cross_category_{c}"], d) for c in ("share", "expected", "low", "high")}
    pct = {c: fmt.pct_article(row[f"cross_category_{c}"], d) for c in ("share", "expected", "low", "high")}
    assert f"Tra i legami, {pct['share']} unisce enti di categorie diverse." in text
    assert f"ce ne aspetteremmo {pct['expected']}, e nel 95% dei casi tra {pct['low']} e {pct['high']}." in text
    assert f"test di permutazione, {fmt.p_clause(row['cross_category_p'])}" in text
    a, b, lo, hi = printed["share"], printed["expected"], printed["low"], printed["high"]
    if row["cross_category_p"] < 0.05:
        assert not lo <= a <= hi and ("più di quanti" in text) == (a > b) and ("meno di quanti" in text) == (a < b)
    else:
        assert lo <= a <= hi and "di quanti ne darebbe il caso" not in text
        assert ("È quanto darebbe il caso" in text) == (a == b) and ("rientra" in text) == (a != b)


def test_best_crossings_name_ties_and_hidden_competitors(demo, phase2):
    params = check_parameters("Brescia", 5, 1)
    brescia = text_of(scores.best(phase2["Brescia"], params))
    assert (
        "Per il campo Cultura e patrimonio i migliori incroci tra quelli mostrati, a pari merito con voto medio 8,7, "
        "sono Bandi delle fondazioni per l'esigenza Avvio di nuovi progetti e Sponsorizzazioni d'impresa per "
        "l'esigenza Comunicazione e lavoro in rete."
    ) in brescia
    milano = text_of(scores.best(phase2["Milano"], check_parameters("Milano", 5, 1)))
    assert "Per il campo Ambiente e territorio i migliori incroci, a pari merito con voto medio 8,6" in milano
    bergamo = text_of(scores.best(phase2["Bergamo"], check_parameters("Bergamo", 5, 1)))
    assert "Per il campo Assistenza sociale e socio-sanitaria il miglior incrocio tra quelli mostrati è" in bergamo
    assert "Fonte migliore" not in bergamo and "Fonte con il voto medio più alto" in bergamo


def test_every_best_crossing_sentence_is_true_of_the_published_table(phase2):
    """For every field: the named crossings are exactly those printed like the highest mean, and «tra quelli
    mostrati» appears exactly when a cell of the field is hidden."""
    for name, result in phase2.items():
        if result.small or result.best["mean"].isna().all():  # «I migliori incroci non sono mostrati»
            continue
        lines = re.findall(
            r"<li>(.*?)</li>",
            "".join(i.data for i in scores.best(result, check_parameters(name, 5, 1)).items if isinstance(i, HTML)),
        )
        for field, part in result.best.groupby("field", sort=False):
            line = plain(next(li for li in lines if f"Per il campo {field} " in plain(li)))
            shown = part["mean"].notna()
            if shown.sum() == 0:
                assert "nessuna casella" in line
                continue
            if shown.sum() == 1:
                assert "una sola casella" in line and "miglior" not in line
                continue
            assert ("tra quelli mostrati" in line) == bool((~shown).any()), (name, field)
            lead = part[claims.leaders(part["mean"], 1).to_numpy()]
            assert ("a pari merito" in line) == (len(lead) > 1), (name, field)
            for _, row in lead.iterrows():
                assert f"{row['resource']} per l'esigenza {row['need']}" in line
            assert f"voto medio {fmt.num(lead['mean'].iloc[0], 1)}" in line


def test_the_best_table_lists_every_resource_tied_at_the_printed_precision(phase2):
    section = scores.best(phase2["Milano"], check_parameters("Milano", 5, 1))
    best = phase2["Milano"].best
    page = "".join(i.data for i in section.items if isinstance(i, HTML))
    for (field, need), part in best.groupby(["field", "need"]):
        if part["mean"].notna().sum() < 2:
            continue
        for _, row in part[claims.leaders(part["mean"], 1).to_numpy()].iterrows():
            cells = f'<th scope="row">{html.escape(field)}</th>' + "".join(
                f"<td>{html.escape(v)}</td>" for v in (need, row["resource"])
            )
            assert cells in page, (field, need, row["resource"])


def test_the_final_report_ties_the_most_appreciated_crossings(demo, phase2):
    """Report 03: «L'incrocio più apprezzato … (voto medio 9,04)» while 9,02 elsewhere, both printed 9,0."""
    params = check_parameters("Lombardia", 5, 1)
    text = text_of(final.key_findings(demo, phase2["Lombardia"], params))
    assert "L'incrocio più apprezzato è" not in text and "9,04" not in text
    assert (
        "Gli incroci più apprezzati, a pari merito con voto medio 9,0, sono Contributi pubblici per l'esigenza Sedi "
        "e attrezzature nel campo Protezione civile e Quote associative per l'esigenza Sostenibilità della struttura "
        "nel campo Sport e tempo libero."
    ) in text


def test_the_vote_sentence_says_what_the_delegates_did(demo, phase2):
    """Only 5 of 83 delegates voted every crossing of their fields: «a ogni incrocio» is false."""
    votes = phase2["Lombardia"].votes
    grid = votes["resource"].nunique() * votes["need"].nunique()
    assert not votes.groupby(["rater", "field"]).size().eq(grid).all()
    text = text_of(scores.overview(phase2["Lombardia"], check_parameters("Lombardia", 5, 1)))
    assert "a ogni incrocio" not in text and "non tutti hanno votato ogni incrocio" in text
    assert "le caselle non hanno tutte lo stesso numero di voti" in text


@pytest.mark.parametrize("name", ["Como", "Cremona", "Pavia"])
def test_both_small_groups_are_said_to_be_both(demo, phase2, name):
    text = text_of(scores.overview(phase2[name], check_parameters(name, 5, 1)))
    assert "Un gruppo ha meno" not in text and "meno di 5" not in text
    assert "I due gruppi non sono contati separatamente" in text


def test_a_hidden_group_is_named_without_saying_it_is_small(phase2):
    """A count hidden with a small one may be large: «meno di 5» would not be true of it."""
    from dataclasses import replace

    milano = phase2["Milano"]
    voters = milano.voters.copy()
    voters.loc[voters["group"] == "all", ["n_delegates", "suppressed"]] = [18.0, False]
    voters.loc[voters["group"] == "aps_odv", ["n_delegates", "suppressed"]] = [13.0, False]
    voters.loc[voters["group"] == "fondazioni_csv_altri", ["n_delegates", "suppressed"]] = [float("nan"), True]
    text = text_of(scores.overview(replace(milano, voters=voters), check_parameters("Milano", 5, 1)))
    assert "meno di" not in text
    assert "un numero non mostrato di delegati di fondazioni, CSV e altri enti" in text
    assert "Il numero dei delegati di fondazioni, CSV e altri enti non è mostrato" in text


def test_no_cell_shown_is_said_plainly(phase2):
    """Como: «0 caselle su 240 … sono mostrate»."""
    text = text_of(scores.means(phase2["Como"], check_parameters("Como", 5, 1)))
    assert not re.search(r"(?<![\d.])0 caselle", text) and "Nessuna delle 240 caselle è mostrata" in text
    assert "Ogni casella riporta il voto medio" not in text
    full = text_of(scores.means(phase2["Lombardia"], check_parameters("Lombardia", 5, 1)))
    assert "Tutte le 240 caselle sono mostrate." in full


def test_agreement_sentences_of_the_demo(phase2):
    """Cremona and Varese: one field shown."""
    for name in ("Cremona", "Varese"):
        text = text_of(scores.agreement(phase2[name], check_parameters(name, 5, 1)))
        assert "nell'unico campo mostrato (alfa " in text and " tra 0," not in text and "in tutti i campi" not in text
    brescia = text_of(scores.agreement(phase2["Brescia"], check_parameters("Brescia", 5, 1)))
    assert "nei 5 campi mostrati (alfa tra" in brescia


def test_the_pseudonym_note_is_true_for_the_demo_and_for_real_data(demo):
    """Report 03 said «chiave segreta» for the synthetic demo, whose key is public."""
    from dataclasses import replace

    params = check_parameters("Lombardia", 5, 1)
    demo_text = text_of(final.methods(demo, params))
    assert demo.report["demo_data"] is True
    assert "chiave segreta" not in demo_text and "chiave pubblica dei dati dimostrativi" in demo_text
    real = replace(demo, report={**demo.report, "demo_data": False})
    assert "una chiave segreta conservata fuori dal progetto" in text_of(final.methods(real, params))
    nobody = replace(demo, report={**demo.report, "personal_data": False})
    assert "non c'era nulla da pseudonimizzare" in text_of(final.methods(nobody, params))


def test_no_sentence_of_any_report_prints_the_known_defects(demo, phase2):
    """The phrases found in the demo reports, in every section of every territory."""
    texts = []
    for name, result in phase2.items():
        params = check_parameters(name, 5, 1)
        data = territory(demo, name)
        sections = [
            f(data, params)
            for f in (network.composition, network.participation, network.network, network.contributions)
        ]
        sections += [
            f(result, params)
            for f in (
                scores.overview,
                scores.means,
                scores.best,
                scores.consensus,
                scores.agreement,
                scores.groups,
                scores.distributions,
            )
        ]
        if name == config.REGION:
            sections += [final.key_findings(data, result, params)]
        texts += [text_of(s) for s in sections]
    text = "\n".join(texts)
    for defect in (
        "il 0%",
        "tra 0,28 e 0,28",
        "Un gruppo ha meno",
        "sé stessa",
        "più del caso",
        "p = 0,490",
        "V di Cramér 0,30",
        "V di Cramér 0,50",
        ") (valori arrotondati",
        "Fonte migliore",
    ):
        assert defect not in text, defect
    assert not re.search(r"tra (\d,\d+) e \1\b", text), "a range whose ends print alike"
    assert not re.search(r"(?<![\d.])0 caselle", text), "no cell shown, said as «0 caselle»"


# --- the CSV tables carry what the HTML shows (issue 8, item 5) -------------------------------------------------


def test_the_frames_behind_the_sections_hold_the_columns_the_html_shows(phase2):
    """alpha_ordinal (agreement), n behind the best crossing, the 7-10 share (consensus), blank where hidden."""
    result = phase2["Brescia"]
    params = check_parameters("Brescia", 5, 1)
    agreement = scores.agreement(result, params).tables["agreement"]
    best = scores.best(result, params).tables["best_crossing"]
    consensus = scores.consensus(result, params).tables["consensus"]
    assert {"alpha_ordinal", "alpha_interval"} <= set(agreement) and "n" in best
    assert list(consensus) == [
        "field",
        "resource",
        "need",
        "n",
        "share_high",
        "consensus",
        "rwg",
        "rwg_low",
        "rwg_high",
        "rwg_level",
        "suppressed",
    ]
    hidden = consensus["suppressed"].astype(bool)
    statistics = ["share_high", "consensus", "rwg", "rwg_low", "rwg_high", "rwg_level"]
    assert hidden.any() and consensus.loc[hidden, statistics].isna().all().all()
    assert consensus.loc[~hidden, ["rwg", "rwg_level"]].notna().all().all()
    assert consensus.loc[~hidden, "share_high"].notna().all()
    assert agreement.loc[agreement["suppressed"].astype(bool), "alpha_ordinal"].isna().all()
    assert {"icc_a1", "icc_a1_low", "icc_ak", "icc_ak_high", "k", "k_target", "leniency_share"} <= set(agreement)
    assert agreement.loc[agreement["suppressed"].astype(bool), ["icc_a1", "icc_ak", "k_target"]].isna().all().all()
