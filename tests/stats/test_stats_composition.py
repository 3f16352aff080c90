"""Composition of the network (palestre_analysis.stats.composition)."""

from __future__ import annotations

import itertools
from math import factorial

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats as sps
from statsmodels.stats.proportion import proportion_confint

from palestre_analysis import config
from palestre_analysis.stats import composition, composition_test


def _entities(counts: dict[str, int], territory: str = "T") -> pd.DataFrame:
    labels = [c for c, k in counts.items() for _ in range(k)]
    return pd.DataFrame(
        {"entity_id": [f"{territory}{i}" for i in range(len(labels))], "category": labels, "territory": territory}
    )


def test_wilson_published_values():
    """Source: Wilson intervals listed in REFERENCES.md: 100 of 200 -> [0.43136, 0.56864];
    18 of 20 -> [0.69897, 0.97213].

    18 of 20 leaves 2 in the other category, which disclosure control blanks (and
    18 with it), so that value is checked on the scipy call composition makes.
    """
    t = composition(_entities({"a": 100, "b": 100}), {"a": 0.5, "b": 0.5}, min_cell=3)
    row = t.set_index("category").loc["a"]
    assert row["ci_low"] == pytest.approx(0.43136, abs=5e-6) and row["ci_high"] == pytest.approx(0.56864, abs=5e-6)
    ci = sps.binomtest(18, 20).proportion_ci(method="wilson")
    assert ci.low == pytest.approx(0.69897, abs=5e-6) and ci.high == pytest.approx(0.97213, abs=5e-6)
    blanked = composition(_entities({"a": 18, "b": 2}), {"a": 0.5, "b": 0.5}, min_cell=3)
    assert blanked["suppressed"].all()


def test_matches_statsmodels_proportion_confint():
    """Source: statsmodels proportion_confint(method="wilson") on every shown row."""
    rng = np.random.default_rng(0)
    frames = [
        _entities(
            dict(zip(config.REFERENCE_SHARES, rng.multinomial(n, list(config.REFERENCE_SHARES.values())))), f"T{n}"
        )
        for n in (40, 95, 300)
    ]
    t = composition(pd.concat(frames, ignore_index=True), by=["territory"], confidence=0.9)
    shown = t[~t["suppressed"]]
    assert len(shown) >= 8
    for row in shown.itertuples():
        lo, hi = proportion_confint(int(row.n), int(row.n_total), alpha=0.1, method="wilson")
        assert row.ci_low == pytest.approx(lo, abs=1e-12) and row.ci_high == pytest.approx(hi, abs=1e-12)
        assert row.share == pytest.approx(row.n / row.n_total)


def test_every_reference_category_appears_with_zero():
    """Source: the output contract (categories of reference_shares, n = 0 when absent)."""
    t = composition(_entities({"associazioni": 30, "csv": 6}))
    assert list(t["category"]) == list(config.REFERENCE_SHARES)
    assert t.set_index("category").loc["altri", "n"] == 0
    assert t["reference_share"].tolist() == list(config.REFERENCE_SHARES.values())


def test_secondary_suppression_protects_a_lone_small_category():
    """Source: disclosure rule: one blanked category would be total - the others, so the next smallest goes too."""
    t = composition(_entities({"associazioni": 30, "fondazioni_comunita": 7, "csv": 2, "cooperazione_pa": 9}))
    t = t.set_index("category")
    assert t.loc["csv", "suppressed"] and np.isnan(t.loc["csv", "n"])
    assert t.loc["fondazioni_comunita", "suppressed"] and np.isnan(t.loc["fondazioni_comunita", "share"])
    assert not t.loc["cooperazione_pa", "suppressed"] and t.loc["cooperazione_pa", "n"] == 9
    assert t.loc["altri", "n"] == 0 and not t.loc["altri", "suppressed"]


def test_a_territory_below_min_cell_is_blanked_entirely():
    """Source: disclosure rule (the total itself comes from fewer than min_cell delegates)."""
    t = composition(_entities({"associazioni": 4}, "Sondrio"), by=["territory"], min_cell=5)
    assert t["suppressed"].all() and t[["n", "n_total", "share", "ci_low"]].isna().all().all()


@settings(max_examples=40, deadline=None)
@given(
    counts=st.lists(st.integers(0, 12), min_size=5, max_size=5).filter(lambda c: sum(c) > 0), min_cell=st.integers(3, 6)
)
def test_no_count_below_min_cell_and_none_recoverable(counts, min_cell):
    """Properties: no shown count from fewer than min_cell entities; never exactly one blank among
    non-zero counts when the total is shown; every interval contains its share."""
    t = composition(_entities(dict(zip(config.REFERENCE_SHARES, counts))), min_cell=min_cell)
    raw = np.array(counts)
    shown = t["n"].notna().to_numpy()
    assert not ((raw > 0) & (raw < min_cell) & shown).any()
    if t["n_total"].notna().all():
        assert ((~shown) & (raw > 0)).sum() != 1
    ok = t["share"].notna()
    assert ((t.loc[ok, "ci_low"] <= t.loc[ok, "share"]) & (t.loc[ok, "share"] <= t.loc[ok, "ci_high"])).all()


def test_goodness_of_fit_statistic_is_pearson_and_p_matches_exact_enumeration():
    """Sources: scipy.stats.chisquare (statistic); exact multinomial enumeration (p-value).

    Tolerance: 4 Monte Carlo standard errors of a p-value from 9999 resamples.
    """
    counts = {"associazioni": 3, "fondazioni_comunita": 4, "csv": 0, "cooperazione_pa": 3, "altri": 3}
    entities = _entities(counts)
    pi = np.array(list(config.REFERENCE_SHARES.values()))
    observed = np.array(list(counts.values()))
    n = observed.sum()
    t = composition_test(entities, n_resamples=9999, min_cell=3)
    x2 = sps.chisquare(observed, n * pi).statistic
    assert t["statistic"].iloc[0] == pytest.approx(x2)
    exact = 0.0
    for split in itertools.product(range(n + 1), repeat=4):
        last = n - sum(split)
        if last < 0:
            continue
        k = np.array([*split, last])
        prob = factorial(n) / np.prod([factorial(int(v)) for v in k]) * np.prod(pi**k)
        if ((k - n * pi) ** 2 / (n * pi)).sum() >= x2 - 1e-9:
            exact += prob
    se = np.sqrt(exact * (1 - exact) / 9999)
    assert t["p_value"].iloc[0] == pytest.approx(exact, abs=4 * se + 1e-4)
    assert t["n"].iloc[0] == n


def test_goodness_of_fit_by_territory_seeded_and_suppressed():
    """Source: reproducibility contract and disclosure rule (n < min_cell blanks the test)."""
    entities = pd.concat([_entities({"associazioni": 20, "csv": 9}, "A"), _entities({"csv": 3}, "B")])
    a = composition_test(entities, by=["territory"], n_resamples=999)
    b = composition_test(entities, by=["territory"], n_resamples=999)
    pd.testing.assert_frame_equal(a, b)
    row = a.set_index("territory")
    assert row.loc["B", "suppressed"] and np.isnan(row.loc["B", "p_value"])
    assert row.loc["A", "p_value"] < 0.01


@pytest.mark.parametrize(
    "entities, shares, message",
    [
        (pd.DataFrame({"category": ["x"]}), config.REFERENCE_SHARES, "categories \\['x'\\]"),
        (pd.DataFrame({"kind": ["csv"]}), config.REFERENCE_SHARES, "lacks the column"),
        (pd.DataFrame({"category": ["csv"]}), {"csv": 0.5, "altri": 0.4}, "add up to 1"),
        (pd.DataFrame({"category": ["csv"]}), {"csv": 1.5, "altri": -0.5}, "non-negative"),
        (pd.DataFrame({"category": pd.Series([], dtype=str)}), config.REFERENCE_SHARES, "empty"),
    ],
)
def test_bad_input_raises_a_sentence(entities, shares, message):
    """Source: the input contract."""
    with pytest.raises(ValueError, match=message):
        composition(entities, shares)


def test_test_is_hidden_when_a_category_is_hidden():
    """Disclosure (review finding): with the exact X^2, a search over splits gave back hidden counts."""
    entities = _entities({"associazioni": 15, "fondazioni_comunita": 1, "csv": 1, "cooperazione_pa": 3, "altri": 0})
    assert composition(entities, min_cell=5)["suppressed"].any()
    t = composition_test(entities, n_resamples=99, min_cell=5).iloc[0]
    assert t["suppressed"] and np.isnan(t["statistic"]) and np.isnan(t["p_value"])


def test_a_reference_share_of_zero_is_a_category_the_frame_says_is_empty():
    """Source: the process file fills the categories it does not list with 0 (core/process.py), which once
    crashed the test. Zero-share categories leave X^2 unchanged while empty (scipy.stats.chisquare on the
    others), and an entity in one is impossible under H0: X^2 = inf and the smallest Monte Carlo p, 1/(1+B)."""
    shares = {"associazioni": 0.6, "csv": 0.4, "altri": 0.0}
    entities = _entities({"associazioni": 14, "csv": 6})
    table = composition(entities, shares, min_cell=3).set_index("category")
    assert table.loc["altri", "n"] == 0 and table.loc["altri", "reference_share"] == 0
    t = composition_test(entities, shares, n_resamples=999, min_cell=3).iloc[0]
    assert t["statistic"] == pytest.approx(sps.chisquare([14, 6], [12, 8]).statistic)
    impossible = composition_test(_entities({"associazioni": 14, "csv": 6, "altri": 5}), shares, n_resamples=999)
    assert np.isinf(impossible["statistic"].iloc[0]) and impossible["p_value"].iloc[0] == pytest.approx(1 / 1000)
