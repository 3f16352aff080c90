"""Consensus that does not depend on n: r_wg per cell, and band rules that follow the scale (stats.consensus).

Sources checked against:

* James, Demaree & Wolf (1984): r_wg = 1 - s^2 / sigma^2_EU with sigma^2_EU = (A^2 - 1) / 12 for A scale
  points, the observed variance truncated to sigma^2_EU; the constants published with it (2 for five
  response options, the default ``ranvar`` of Bliese's R package ``multilevel``; 4 for seven), and a worked
  example computed by hand;
* LeBreton & Senter (2008), Table 3: 0.00-0.30 lack of agreement, 0.31-0.50 weak, 0.51-0.70 moderate,
  0.71-0.90 strong, 0.91-1.00 very strong;
* numpy's sample variance per cell, and an explicit resampling of the delegates (the delegate bootstrap
  done by hand, copies of the votes);
* simulations: the expectation of r_wg does not drift with n (5 vs 40) while the band rule's share of
  consensus does (issue 11: 0.43 vs 0.12 for a true band share of 0.65, the binomial probabilities), and a
  middle cell and a high cell with the same spread get the same r_wg but not the same band verdict;
* core.process.default_bands: the bands drawn without a high threshold are the process's defaults.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats as sps

from palestre_analysis.core.process import default_bands
from palestre_analysis.stats.consensus import (
    RWG_LEVELS,
    cell_rwg,
    consensus,
    rwg,
    rwg_level,
    uniform_variance,
)
from palestre_analysis.stats.resampling import delegate_matrix, weight_chunks
from palestre_analysis.stats.scales import resolve_bands


def test_uniform_null_variance_published_constants():
    """Source: James et al. (1984), sigma^2_EU = (A^2 - 1) / 12; 2 for five options (multilevel::rwg's ranvar),
    4 for seven, 8.25 for the ten scores 1-10."""
    assert uniform_variance((1, 5)) == 2.0 and uniform_variance((1, 7)) == 4.0
    assert uniform_variance((1, 10)) == 8.25 and uniform_variance((0, 10)) == 10.0
    assert uniform_variance((1, 10)) == pytest.approx(np.var(np.arange(1, 11)))  # the discrete uniform's variance


def test_rwg_hand_computed_example():
    """Source: James et al. (1984)'s formula by hand. Ten raters on a 5-point item: 4 4 4 5 5 4 3 4 5 4, mean 4.2,
    sum of squared deviations 6 x 0.04 + 3 x 0.64 + 1.44 = 3.6, s^2 = 3.6 / 9 = 0.4, r_wg = 1 - 0.4 / 2 = 0.80
    (strong agreement). A variance of 2.5, above the null's 2, is truncated: r_wg = 0 (James et al. 1984)."""
    votes = np.array([4, 4, 4, 5, 5, 4, 3, 4, 5, 4])
    assert np.var(votes, ddof=1) == pytest.approx(0.4)
    assert float(rwg(np.var(votes, ddof=1), (1, 5))) == pytest.approx(0.80)
    assert rwg_level([float(rwg(0.4, (1, 5)))]).tolist() == ["strong"]
    assert rwg([2.5, 0.0, 2.0], (1, 5), truncate=True).tolist() == [0.0, 1.0, 0.0]
    assert rwg([2.5], (1, 5)).tolist() == [-0.25]  # untruncated: Lindell, Brandt & Whitney (1999)'s r*_wg


def test_lebreton_senter_levels():
    """Source: LeBreton & Senter (2008), Table 3, read on two decimals as the reports print r_wg."""
    assert [end for end, _ in RWG_LEVELS] == [0.30, 0.50, 0.70, 0.90, 1.00]
    values = [0.0, 0.30, 0.304, 0.305, 0.31, 0.50, 0.51, 0.70, 0.7049, 0.705, 0.71, 0.90, 0.91, 1.0, np.nan]
    assert rwg_level(values).tolist() == [
        "lack",
        "lack",
        "lack",
        "weak",
        "weak",
        "weak",
        "moderate",
        "moderate",
        "moderate",
        "strong",
        "strong",
        "strong",
        "very_strong",
        "very_strong",
        None,
    ]


def test_cell_rwg_matches_numpy_per_cell(make_votes):
    """Source: numpy.var(ddof=1) of each cell's votes; cells below min_cell blanked."""
    votes = make_votes(seed=3, n_raters=40)
    table = cell_rwg(votes, min_cell=5, n_boot=50)
    assert list(table.columns) == [
        "field",
        "resource",
        "need",
        "n",
        "rwg",
        "rwg_low",
        "rwg_high",
        "rwg_level",
        "suppressed",
    ]
    expected = votes.groupby(["field", "resource", "need"])["score"].agg(["size", lambda x: np.var(x, ddof=1)])
    expected.columns = ["n", "var"]
    merged = table.merge(expected.reset_index(), on=["field", "resource", "need"], suffixes=("", "_numpy"))
    assert (merged["n"] == merged["n_numpy"]).all()
    big = merged["n"] >= 5
    assert np.allclose(merged.loc[big, "rwg"], 1 - merged.loc[big, "var"] / 8.25)
    assert merged.loc[~big, "rwg"].isna().all() and merged.loc[~big, "suppressed"].all()
    assert (merged.loc[big, "rwg_low"] <= merged.loc[big, "rwg"] + 1e-12).all()


def test_the_interval_is_the_delegate_bootstrap_done_by_hand(make_votes):
    """Source: explicit resampling. The engine's replicates (weight_chunks) applied by copying each drawn
    delegate's votes, then numpy's variance per cell and the percentile interval, give cell_rwg's ends."""
    votes = make_votes(seed=8, n_raters=30, fields=1, resources=2, needs=2)
    n_boot, seed = 200, 17
    table = cell_rwg(votes, min_cell=5, n_boot=n_boot, seed=seed)
    matrix = delegate_matrix(votes)
    weights = np.vstack(list(weight_chunks(matrix.strata, n_boot, seed)))
    by_rater = dict(list(votes.groupby("rater")))
    draws = []
    for w in weights:
        sample = pd.concat([by_rater[r] for r, times in zip(matrix.raters, w, strict=True) for _ in range(int(times))])
        var = sample.groupby(["field", "resource", "need"])["score"].var(ddof=1)
        draws.append(1 - var / 8.25)
    draws = pd.concat(draws, axis=1)
    low, high = draws.quantile(0.025, axis=1), draws.quantile(0.975, axis=1)
    got = table.set_index(["field", "resource", "need"])
    assert np.allclose(got["rwg_low"], low.reindex(got.index)) and np.allclose(got["rwg_high"], high.reindex(got.index))


def _band_probabilities() -> np.ndarray:
    """Scores 1-10 with 10% in 1-4, 25% in 5-6 and a true share of 0.65 in 7-10 (issue 11's example)."""
    p = np.array([0.01, 0.02, 0.03, 0.04, 0.10, 0.15, 0.20, 0.20, 0.15, 0.10])
    assert p[6:].sum() == pytest.approx(0.65)
    return p


def _cells(rng, p: np.ndarray, n: int, cells: int) -> np.ndarray:
    """Histograms of ``cells`` cells of ``n`` votes each drawn from ``p``."""
    return rng.multinomial(n, p, size=cells)


def _histogram_variance(counts: np.ndarray) -> np.ndarray:
    values = np.arange(1, counts.shape[-1] + 1)
    n = counts.sum(axis=-1)
    mean = counts @ values / n
    return (counts @ values**2 - n * mean**2) / (n - 1)


def test_rwg_expectation_does_not_drift_with_n_while_the_band_rule_does():
    """Simulation (issue 11): a true band share of 0.65; the band rule (75% in one band) finds consensus in about
    43% of 5-delegate cells and 12% of 40-delegate ones, as the binomial says, while the mean r_wg is the true
    one at n = 5 and at n = 40 (the sample variance is unbiased). Truncated at zero, as James et al. (1984) do,
    it would drift a little with these widely spread votes: the reason the reports leave it untruncated."""
    rng = np.random.default_rng(11)
    p = _band_probabilities()
    true_rwg = 1 - float(p @ np.arange(1, 11) ** 2 - (p @ np.arange(1, 11)) ** 2) / 8.25
    results = {}
    for n in (5, 40):
        counts = _cells(rng, p, n, 40_000)
        variance = _histogram_variance(counts)
        results[n] = (consensus(counts, "percent").mean(), rwg(variance).mean(), rwg(variance, truncate=True).mean())
    share5, share40 = results[5][0], results[40][0]
    assert share5 == pytest.approx(sps.binom.sf(3, 5, 0.65), abs=0.015)  # P(at least 4 of 5 high) = 0.43
    assert share40 == pytest.approx(sps.binom.sf(29, 40, 0.65), abs=0.01)  # P(at least 30 of 40) = 0.12
    assert share5 - share40 > 0.25
    assert results[5][1] == pytest.approx(true_rwg, abs=0.006) and results[40][1] == pytest.approx(true_rwg, abs=0.002)
    assert abs(results[5][1] - results[40][1]) < 0.01
    assert 0.01 < results[5][2] - results[40][2] < 0.05  # truncation: small, but a drift


def test_a_middle_cell_is_judged_like_a_high_one():
    """Simulation: two cells whose votes spread alike, one centred on the middle band (5-6), one high. The band
    rule almost never finds consensus on the middle one (its band is 2 points wide and closed) and usually finds
    it on the high one (7-10 is open to the end of the scale); r_wg is the same for both."""
    rng = np.random.default_rng(5)
    shape = np.array([0.05, 0.15, 0.30, 0.30, 0.15, 0.05])
    middle = np.zeros(10)
    middle[2:8] = shape  # scores 3-8, centred on 5.5
    high = np.zeros(10)
    high[4:10] = shape  # scores 5-10, centred on 7.5
    verdicts, values = {}, {}
    for name, p in (("middle", middle), ("high", high)):
        counts = _cells(rng, p, 20, 20_000)
        verdicts[name] = consensus(counts, "percent").mean()
        values[name] = rwg(_histogram_variance(counts)).mean()
    assert verdicts["middle"] < 0.15 and verdicts["high"] > 0.6
    assert values["middle"] == pytest.approx(values["high"], abs=0.005)


@pytest.mark.parametrize("low", [-2, 0, 1])
@pytest.mark.parametrize("points", range(3, 16))
def test_bands_drawn_without_a_threshold_are_the_process_defaults(low, points):
    """Source: core.process.default_bands. Without bands and without a high threshold the statistics draw the
    process's default bands, and the mirror rule of resolve_bands gives them back from their high band."""
    scale = (low, low + points - 1)
    defaults = default_bands(*scale)
    expected = tuple(tuple(defaults[name]) for name in ("bassa", "intermedia", "alta"))
    assert resolve_bands(None, scale) == expected
    assert resolve_bands(None, scale, defaults["alta"][0]) == expected
    first, last = expected[1]
    if points % 2 == 1:  # an odd scale has a middle score, and the middle band holds it
        assert first <= (scale[0] + scale[1]) / 2 <= last


def test_consensus_on_another_scale_needs_no_threshold():
    """1-5 with the default bands 1-2, 3, 4-5: three 3s of four votes are 75% in the middle band."""
    assert consensus(np.array([[0, 0, 3, 1, 0]]), "percent", scale=(1, 5)).tolist() == [True]
    counts = np.random.default_rng(0).multinomial(8, np.full(5, 0.2), size=200)
    assert (consensus(counts, "percent", scale=(1, 5)) == consensus(counts, "percent", 4, scale=(1, 5))).all()
