"""A territory against the network that contains it, and the network against its own published shares.

(stats.composition.subset_composition_test and composition_consistency; issue 11, item 7.)

Sources checked against, one per test:

- brute-force enumeration of the multivariate hypergeometric distribution (scipy.stats.multivariate_hypergeom)
  for the exact conditional p-value, and scipy.stats.hypergeom for two categories;
- scipy.stats.chi2_contingency on the 2 x K table part / rest of the whole: its statistic is this one times
  N / (N - n) (the same ordering of tables), and its asymptotic p agrees with large counts
  (Freeman & Halton 1951; Agresti 2013, 3.5);
- simulation on the demo's own entities (data/raw, written by palestre_analysis.ingest.demo): random subsets of
  the area, the null by construction, are rejected at no more than the nominal rate; associations only are found;
- the consistency check against an independent computation with exact fractions (fractions.Fraction) of
  whether every share lies within one unit of the published one.
"""

from __future__ import annotations

import itertools
from fractions import Fraction

import numpy as np
import pandas as pd
import pytest
from scipy import stats as sps

from palestre_analysis import config
from palestre_analysis.ingest.build import clean
from palestre_analysis.stats.composition import (
    _conditional_test,
    composition,
    composition_consistency,
    subset_composition_test,
)


def _entities(counts: dict[str, int], prefix: str = "e") -> pd.DataFrame:
    labels = [c for c, k in counts.items() for _ in range(k)]
    return pd.DataFrame({"entity_id": [f"{prefix}{i}" for i in range(len(labels))], "category": labels})


def _part(whole: pd.DataFrame, counts: dict[str, int]) -> pd.DataFrame:
    """The first ``counts[c]`` entities of each category of ``whole``."""
    return pd.concat([whole[whole["category"] == c].iloc[:k] for c, k in counts.items()], ignore_index=True)


def test_statistic_is_the_part_against_rest_chi_square_rescaled():
    """Source: scipy.stats.chi2_contingency(correction=False) on the 2 x K table part / rest."""
    whole = _entities({"associazioni": 120, "csv": 40, "altri": 40})
    part = _part(whole, {"associazioni": 30, "csv": 15, "altri": 5})
    t = subset_composition_test(part, whole, n_resamples=999).iloc[0]
    table = np.array([[30, 15, 5], [90, 25, 35]])
    chi2 = sps.chi2_contingency(table, correction=False)
    n, big_n = 50, 200
    assert t["statistic"] == pytest.approx(chi2.statistic * (big_n - n) / big_n)
    assert (t["n"], t["n_population"]) == (50, 200)


def test_p_value_matches_exact_multivariate_hypergeometric_enumeration():
    """Source: every outcome of a subset of 9 drawn from 9 + 6 + 5 entities (scipy.stats.multivariate_hypergeom);
    tolerance 4 Monte Carlo standard errors of 9999 resamples."""
    whole = _entities({"associazioni": 9, "csv": 6, "altri": 5})
    part = _part(whole, {"associazioni": 3, "csv": 3, "altri": 3})
    t = subset_composition_test(part, whole, n_resamples=9999, min_cell=3, seed=9).iloc[0]
    big = np.array([9, 6, 5])
    observed = np.array([3, 3, 3])
    expected = 9 * big / big.sum()
    x2 = ((observed - expected) ** 2 / expected).sum()
    assert t["statistic"] == pytest.approx(x2)
    exact = 0.0
    for a, c in itertools.product(range(10), range(7)):
        k = np.array([a, c, 9 - a - c])
        if not 0 <= k[2] <= 5:
            continue
        if ((k - expected) ** 2 / expected).sum() >= x2 - 1e-9:
            exact += sps.multivariate_hypergeom.pmf(k, big, 9)
    se = np.sqrt(exact * (1 - exact) / 9999)
    assert t["p_value"] == pytest.approx(exact, abs=4 * se + 1e-4)


def test_two_categories_match_the_hypergeometric_two_sided_test():
    """Source: scipy.stats.hypergeom: with two categories X^2 grows with |k - E|, so the exact p is
    P(|K - E| >= |k - E|) for K hypergeometric."""
    whole = _entities({"associazioni": 60, "csv": 40})
    part = _part(whole, {"associazioni": 20, "csv": 5})
    t = subset_composition_test(part, whole, n_resamples=9999, seed=4).iloc[0]
    k = np.arange(0, 26)
    expected = 25 * 0.6
    pmf = sps.hypergeom.pmf(k, 100, 60, 25)
    exact = pmf[np.abs(k - expected) >= abs(20 - expected) - 1e-9].sum()
    se = np.sqrt(exact * (1 - exact) / 9999)
    assert t["p_value"] == pytest.approx(exact, abs=4 * se + 1e-4)


def test_large_counts_agree_with_the_asymptotic_chi_square():
    """Source: scipy.stats.chi2_contingency's asymptotic p on part / rest, valid with large expected counts."""
    rng = np.random.default_rng(1)
    whole = pd.DataFrame(
        {"entity_id": [f"e{i}" for i in range(3000)], "category": rng.choice(list(config.REFERENCE_SHARES), 3000)}
    )
    part = pd.concat(
        [whole[whole["category"] == "associazioni"].iloc[:130], whole[whole["category"] != "associazioni"].iloc[:370]]
    )
    t = subset_composition_test(part, whole, n_resamples=9999, seed=2).iloc[0]
    counts = part["category"].value_counts().reindex(config.REFERENCE_SHARES, fill_value=0)
    rest = whole["category"].value_counts().reindex(config.REFERENCE_SHARES) - counts
    asymptotic = sps.chi2_contingency(np.vstack([counts, rest]), correction=False).pvalue
    assert t["p_value"] == pytest.approx(asymptotic, abs=0.015)


@pytest.fixture(scope="module")
def demo_entities(tmp_path_factory):
    """The demo's entities (data/raw, written by palestre_analysis.ingest.demo), cleaned as the reports read them."""
    out = tmp_path_factory.mktemp("demo_entities")
    clean(config.RAW_DIR, out)
    return pd.read_parquet(out / "entities.parquet")


def test_calibration_on_random_subsets_of_the_demo_network(demo_entities):
    """Simulation on the demo's 95 entities: a province-sized random subset satisfies the null by
    construction. Over 400 of them the 5% test (before disclosure, which would blank most of these small
    subsets) rejects at most 9% of the time (the binomial 99.9% bound around 5%); the X^2 null of a subset
    is discrete, which makes the test a little conservative, so at least 1.5% is asked. A subset of
    associations only is rejected."""
    rng = np.random.default_rng(20190614)
    categories = pd.Categorical(demo_entities["category"])
    whole = np.bincount(categories.codes, minlength=len(categories.categories))
    rejected = 0
    for _ in range(400):
        size = int(rng.integers(10, 30))
        part = categories.codes[rng.choice(len(demo_entities), size, replace=False)]
        observed = np.bincount(part, minlength=len(whole))
        rejected += _conditional_test(observed, whole, 999, rng)[1] < 0.05
    assert 0.015 <= rejected / 400 <= 0.09, rejected
    associations = demo_entities[demo_entities["category"] == "associazioni"].iloc[:25]
    assert subset_composition_test(associations, demo_entities, n_resamples=999)["p_value"].iloc[0] == pytest.approx(
        1 / 1000
    )


def test_blank_where_a_category_is_hidden_in_the_part_or_the_whole_and_when_the_part_is_the_whole():
    """Source: disclosure rule (a hidden count could be searched back from the exact statistic) and the
    definition (a part that is the whole has nothing to be compared with)."""
    whole = _entities({"associazioni": 40, "csv": 12, "altri": 3})
    part = _part(whole, {"associazioni": 10, "csv": 6})
    assert composition(whole, None, min_cell=5)["suppressed"].any()
    t = subset_composition_test(part, whole, min_cell=5, n_resamples=99).iloc[0]
    assert t["suppressed"] and np.isnan(t["statistic"]) and np.isnan(t["p_value"])
    pooled = whole.assign(category=whole["category"].replace({"altri": "csv"}))
    shown = subset_composition_test(part, pooled, min_cell=5, n_resamples=99).iloc[0]
    assert not shown["suppressed"] and 0 < shown["p_value"] <= 1
    same = subset_composition_test(pooled, pooled, min_cell=5, n_resamples=99).iloc[0]
    assert same["statistic"] == pytest.approx(0, abs=1e-12) and np.isnan(same["p_value"])
    with pytest.raises(ValueError, match="not in population"):
        subset_composition_test(_entities({"csv": 6}, prefix="x"), whole)


def test_by_territory_each_part_against_the_same_whole_seeded():
    """Source: reproducibility contract; the by-split equals one call per part."""
    whole = _entities({"associazioni": 60, "csv": 30, "altri": 30})
    whole["territory"] = np.where(np.arange(120) % 2 == 0, "A", "B")
    a = subset_composition_test(whole, whole, by=["territory"], n_resamples=999, seed=3)
    b = subset_composition_test(whole, whole, by=["territory"], n_resamples=999, seed=3)
    pd.testing.assert_frame_equal(a, b)
    one = subset_composition_test(whole[whole["territory"] == "A"], whole, n_resamples=999).iloc[0]
    assert a.set_index("territory").loc["A", "statistic"] == pytest.approx(one["statistic"])


def _consistent_by_fractions(counts: dict[str, int], published: dict[str, str], unit: str) -> bool:
    """Independent check with exact arithmetic: every share within one unit of its published value."""
    n = sum(counts.values())
    return all(abs(Fraction(counts.get(c, 0), n) - Fraction(p)) <= Fraction(unit) for c, p in published.items())


SEED_PUBLISHED = {
    "associazioni": "0.60",
    "fondazioni_comunita": "0.12",
    "csv": "0.11",
    "cooperazione_pa": "0.06",
    "altri": "0.11",
}


@pytest.mark.parametrize(
    "counts",
    [
        {"associazioni": 57, "fondazioni_comunita": 11, "csv": 10, "cooperazione_pa": 6, "altri": 11},  # the demo
        {"associazioni": 50, "fondazioni_comunita": 15, "csv": 12, "cooperazione_pa": 8, "altri": 10},
        {"associazioni": 60, "fondazioni_comunita": 12, "csv": 11, "cooperazione_pa": 6, "altri": 11},
        {"associazioni": 59, "fondazioni_comunita": 11, "csv": 12, "cooperazione_pa": 7, "altri": 11},
    ],
)
def test_consistency_with_the_network_s_own_published_shares(counts):
    """Source: exact fractions (fractions.Fraction); the seed's document publishes whole percentages."""
    published = {c: float(p) for c, p in SEED_PUBLISHED.items()}
    row = composition_consistency(_entities(counts), published, min_cell=5).iloc[0]
    assert bool(row["consistent"]) == _consistent_by_fractions(counts, SEED_PUBLISHED, "0.01")
    assert row["tolerance"] == 0.01
    n = sum(counts.values())
    gaps = {c: abs(counts[c] / n - published[c]) for c in counts}
    assert row["category"] == max(gaps, key=gaps.get) and row["max_gap"] == pytest.approx(max(gaps.values()))
    assert row["published_share"] == published[row["category"]]


def test_consistency_unit_and_disclosure():
    """Source: the definition of the unit (the coarsest power of ten writing every share) and the disclosure
    rule (a hidden category's gap, with its published share, would give its count back)."""
    entities = _entities({"associazioni": 61, "csv": 39})
    assert composition_consistency(entities, {"associazioni": 0.605, "csv": 0.395}).iloc[0]["tolerance"] == 0.001
    assert not composition_consistency(entities, {"associazioni": 0.605, "csv": 0.395}).iloc[0]["consistent"]
    assert composition_consistency(entities, {"associazioni": 0.6, "csv": 0.4}).iloc[0]["consistent"]
    hidden = composition_consistency(
        _entities({"associazioni": 40, "csv": 2, "altri": 8}), {"associazioni": 0.8, "csv": 0.04, "altri": 0.16}
    ).iloc[0]
    assert hidden["suppressed"] and pd.isna(hidden["consistent"]) and pd.isna(hidden["max_gap"])
    with pytest.raises(ValueError, match="between 0 and 1"):
        composition_consistency(entities, {"associazioni": 1.2, "csv": -0.2})
