"""The groups' comparison as the reports print it: true sentences, and nothing a hidden count could give back.

Sources: the rules of report/claims.py (values compared as printed, a hidden value never claimed),
issue 11 (the resources whose 95% interval excludes zero, with gap and interval; the overall shift
apart with its caveat; "nessuna differenza rilevabile" when none; no per-cell test that cannot
reject), and the disclosure model (a group's statistics only where the voters cube shows its count
and it is at least min_cell; the model fitted on cells whose both group cells are shown).
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest

from palestre_analysis import config
from palestre_analysis.ingest.build import clean
from palestre_analysis.ingest.processed import for_territory, load_processed
from palestre_analysis.report import final, scores
from palestre_analysis.report.parameters import check_parameters
from palestre_analysis.report.protection import guard
from palestre_analysis.stats import prepare_votes

FIRST, SECOND = "aps_odv", "fondazioni_csv_altri"


def _plain(text: str) -> str:
    return re.sub(r"<[^>]+>", "", text)


def _table(rows, counts=(51.0, 32.0), pooled=None) -> pd.DataFrame:
    """A comparison table: (resource, gap, low, high) rows, then the overall shift."""
    table = pd.DataFrame(rows, columns=["resource", "gap", "ci_low", "ci_high"])
    table[f"n_{FIRST}"], table[f"n_{SECOND}"] = counts
    for column in ("pooled_gap", "pooled_ci_low", "pooled_ci_high", "own_weight"):
        table[column] = np.nan
    if pooled is not None:
        table[["pooled_gap", "pooled_ci_low", "pooled_ci_high", "own_weight"]] = pooled
    table["suppressed"] = table["gap"].isna()
    return table


@pytest.fixture(scope="module")
def params():
    return check_parameters("Lombardia", 5, 1)


def test_resources_whose_interval_excludes_zero_are_named_with_gap_and_interval(params):
    table = _table(
        [
            ("Quote", 1.6, 1.22, 1.98),
            ("Bandi", -1.17, -1.55, -0.79),
            ("Doni", 0.3, -0.04, 0.64),
            ("all", 0.24, 0.0, 0.5),
        ]
    )
    text = _plain(" ".join(scores._group_sentences(table, pd.DataFrame(), params, "Lombardia")))
    assert "più alti a Quote (+1,60; IC 95% da 1,22 a 1,98)" in text
    assert "più bassi a Bandi (-1,17; IC 95% da -1,55 a -0,79)" in text
    assert "Sull'altra fonte la differenza non è rilevabile" in text
    assert "Doni" not in text
    # the shift's interval, as printed, reaches 0,00: it is not said to be detectable
    assert "lo scarto tra i due gruppi (+0,24; IC 95% da 0,00 a 0,50) non è rilevabile" in text
    assert "diverso uso della scala" in text


def test_an_interval_that_prints_as_touching_zero_is_no_difference(params):
    """0.004 prints as 0,00: the reader sees an interval holding zero, so no difference is claimed."""
    table = _table([("Quote", 0.5, 0.004, 1.0), ("Bandi", 0.1, -0.3, 0.5), ("all", 0.3, 0.004, 0.6)])
    text = _plain(" ".join(scores._group_sentences(table, pd.DataFrame(), params, "Lombardia")))
    assert "nessuna differenza rilevabile tra i due gruppi: su ognuna delle 2 fonti" in text
    assert "più alti" not in text


def test_one_resource_gets_no_superlative_and_the_scale_caveat(params):
    table = _table([("Quote", 0.2, -0.3, 0.7), ("all", 0.2, -0.3, 0.7)])
    text = _plain(" ".join(scores._group_sentences(table, pd.DataFrame(), params, "Lombardia")))
    assert "sull'unica fonte confrontata, Quote" in text
    assert "Con una sola fonte confrontata la differenza non si distingue da un diverso uso della scala" in text


def test_no_group_shown_says_why_and_nothing_else(params):
    table = _table([("Quote", np.nan, np.nan, np.nan), ("all", np.nan, np.nan, np.nan)], counts=(np.nan, 32.0))
    (only,) = scores._group_sentences(table, pd.DataFrame(), params, "Lombardia")
    assert "Il confronto tra i gruppi non è mostrato" in only and "almeno" in only
    table = _table([("Quote", np.nan, np.nan, np.nan), ("all", np.nan, np.nan, np.nan)])
    (only,) = scores._group_sentences(table, pd.DataFrame(), params, "Lombardia")
    assert "in nessuna casella" in only


def test_per_cell_tests_say_when_none_can_reject(params):
    table = _table([("Quote", 1.0, 0.5, 1.5), ("Bandi", 0.0, -0.5, 0.5), ("all", 0.5, 0.1, 0.9)])
    cells = pd.DataFrame({"tested": [False] * 9, "p_bh": np.nan, "suppressed": False})
    text = _plain(" ".join(scores._group_sentences(table, cells, params, "Lombardia")))
    assert "Nessun test casella per casella" in text and "9 confronti" in text
    cells = pd.DataFrame({"tested": [True] * 4 + [False] * 2, "p_bh": [0.01, 0.2, 0.3, 0.04, np.nan, np.nan]})
    text = _plain(" ".join(scores._group_sentences(table, cells.assign(suppressed=False), params, "Lombardia")))
    assert "fatto sulle 4 caselle in cui può risultare significativo, trova una differenza in 2 caselle su 4" in text


def test_a_province_says_how_its_gaps_were_pooled():
    params = check_parameters("Milano", 5, 1)
    pooled = np.array([[0.8, 0.3, 1.3, 0.25], [0.1, -0.4, 0.6, 0.25], [0.45, 0.1, 0.8, 0.25]])
    table = _table([("Quote", 1.4, 0.2, 2.6), ("Bandi", 0.2, -1.0, 1.4), ("all", 0.8, -0.1, 1.7)], pooled=pooled)
    text = _plain(" ".join(scores._group_sentences(table, pd.DataFrame(), params, "Milano")))
    assert "più alti a Quote (+0,80; IC 95% da 0,30 a 1,30)" in text, "a province's sentence uses the pooled gaps"
    assert "i voti della provincia pesano il 25% in ogni stima" in text
    lone = _table([("Quote", 1.4, 0.2, 2.6), ("all", 1.4, 0.2, 2.6)])
    text = _plain(" ".join(scores._group_sentences(lone, pd.DataFrame(), params, "Milano")))
    assert "Nessun'altra provincia della regione mostra il confronto" in text


def test_the_final_reports_finding_lists_only_intervals_away_from_zero():
    from palestre_analysis.core.process import Process

    table = _table(
        [("Quote", 1.6, 1.2, 2.0), ("Bandi", -0.5, -0.9, -0.1), ("Doni", 0.1, -0.2, 0.4), ("all", 0.4, 0, 1)]
    )
    text = _plain(final._preferred(table, Process()))
    assert "i delegati di APS e ODV apprezzano più degli altri Quote (+1,60)" in text
    assert "quelli di fondazioni, CSV e altri enti apprezzano più degli altri Bandi (-0,50)" in text
    assert "Doni" not in text and "sulle altre nessuna differenza rilevabile" in text
    assert final._preferred(table.assign(gap=np.nan), Process()) is None


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    out = tmp_path_factory.mktemp("processed")
    clean(config.RAW_DIR, out)
    return load_processed(out), out


def test_the_model_sees_only_cells_whose_both_group_cells_are_shown(demo):
    data, folder = demo
    params = check_parameters("Lombardia", 5, 1, folder)
    protect = guard(data, params)
    votes = prepare_votes(data.votes, data.entities, by=())
    table, cells = protect.group_comparison(votes, seed=1, n_boot=100)
    cube = protect.protection.hidden("cells", protect.territory)
    shown = {
        g: set(map(tuple, cube[(cube["group"] == g) & ~cube["hidden"]][["field", "resource", "need"]].values))
        for g in (FIRST, SECOND)
    }
    compared = set(map(tuple, cells[["field", "resource", "need"]].values))
    assert compared and compared <= shown[FIRST] & shown[SECOND]
    voters = protect.voters().set_index("group")["n_delegates"]
    assert (table[f"n_{FIRST}"] == voters[FIRST]).all() and (table[f"n_{SECOND}"] == voters[SECOND]).all()
    assert "df" not in table.columns, "the delegates behind the fit are not a published count"


def test_a_province_whose_groups_are_hidden_shows_no_statistic_of_them(demo):
    data, folder = demo
    params = check_parameters("Milano", 5, 1, folder)
    milano = for_territory(data, "Milano")
    protect = guard(milano, params)
    assert protect.voters().set_index("group")["n_delegates"][[FIRST, SECOND]].isna().any()
    table, cells = protect.group_comparison(prepare_votes(milano.votes, milano.entities, by=()), seed=1, n_boot=50)
    statistics = [c for c in table.columns if c not in ("resource", "suppressed")]
    assert table["suppressed"].all() and table[statistics].isna().all().all() and cells.empty
