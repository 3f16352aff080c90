"""Coverage of the cell intervals (``cell_stats``' ``ci_low``, ``ci_high``) on the demo's known model.

Votes are drawn by the demo's own generator (:func:`palestre_analysis.ingest.demo.draw_votes`:
fit, field effect, half the group gap, delegate leniency N(0, 0.8), noise N(0, 1.3), rounded and
kept within 1-10), so each cell's true mean is known exactly: the expectation of the rounded and
clipped normal score. The Student t interval (Student 1908; ``scipy.stats.t``) must cover it at
least 93% of the time at n = 5, 7, 10 and 40 delegates; the percentile bootstrap computed exactly
from the histogram, which the cells used before (Efron & Tibshirani 1993, section 13.3, on its
small-sample shortfall), is shown to fall below at n = 5 and 7, so the test can fail.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats as sps

from palestre_analysis.ingest import demo
from palestre_analysis.stats import bootstrap_mean_ci, cell_stats

FIELD = "Cultura e patrimonio"
#: The score of one vote is the rounded, clipped N(mu, SD): leniency and noise together.
SD = float(np.hypot(0.8, 1.3))
N_CELLS = len(demo.RESOURCES) * len(demo.NEEDS)


def true_means() -> pd.Series:
    """The expected score of every cell of FIELD for a delegate of the first group (exact, from the normal CDF)."""
    effects = demo._FIELD_EFFECT.get(FIELD, {})
    k = np.arange(1, 11)
    upper = np.where(k == 10, np.inf, k + 0.5)
    lower = np.where(k == 1, -np.inf, k - 0.5)
    rows = {}
    for r, resource in enumerate(demo.RESOURCES):
        for c, need in enumerate(demo.NEEDS):
            mu = demo._FIT[r, c] + effects.get(resource, 0.0) + demo._GROUP_GAP[r] / 2
            probs = sps.norm.cdf((upper - mu) / SD) - sps.norm.cdf((lower - mu) / SD)
            rows[(resource, need)] = float(k @ probs)
    return pd.Series(rows)


def draw(n: int, reps: int, seed: int) -> pd.DataFrame:
    """``reps`` panels of ``n`` delegates of the first group, each scoring the grid of FIELD.

    The demo leaves 3% of the cells blank, so a few cells of a panel have a vote or two fewer.
    """
    rng = np.random.default_rng(seed)
    rows = []
    for rep in range(reps):
        voters = [demo.DemoEntity(f"{rep}-{i}", "x", "aps", "x", "x", "x", "x", "x", False, (FIELD,)) for i in range(n)]
        for vote in demo.draw_votes(rng, voters, ["aps"]):
            rows.append((rep, vote["entity_id"], vote["field"], vote["resource"], vote["need"], vote["score"]))
    votes = pd.DataFrame(rows, columns=["rep", "rater", "field", "resource", "need", "score"])
    return votes.assign(group="aps_odv")


@pytest.fixture(scope="module")
def truth() -> pd.Series:
    return true_means()


@pytest.mark.parametrize(("n", "reps"), [(5, 100), (7, 80), (10, 60), (40, 25)])
def test_the_t_interval_covers_the_true_mean(truth, n, reps):
    """Source: the demo's model (draw_votes); >= 93% over every cell of a field and every panel."""
    votes = draw(n, reps, seed=n)
    t = cell_stats(votes, by=["rep"], min_cell=3)
    t = t[t["group"] == "all"]
    assert len(t) == reps * N_CELLS and t["n"].mean() > 0.95 * n
    t = t[~t["suppressed"]]
    target = truth.reindex(pd.MultiIndex.from_frame(t[["resource", "need"]])).to_numpy()
    covered = (t["ci_low"].to_numpy() <= target) & (target <= t["ci_high"].to_numpy())
    print(f"n = {n}: t interval covers {covered.mean():.3f}")
    assert covered.mean() >= 0.93, covered.mean()
    assert (t["ci_low"] >= 1).all() and (t["ci_high"] <= 10).all()


@pytest.mark.parametrize("n", [5, 7])
def test_the_percentile_bootstrap_of_the_histogram_does_not(truth, n):
    """Source: bootstrap_mean_ci (the exact percentile bootstrap the cells published before) on the same panels."""
    votes = draw(n, 100, seed=n)
    counts = (
        votes.groupby(["rep", "resource", "need"])["score"]
        .value_counts()
        .unstack(fill_value=0)
        .reindex(columns=range(1, 11), fill_value=0)
    )
    low, high = bootstrap_mean_ci(counts.to_numpy())
    target = truth.reindex(counts.index.droplevel("rep")).to_numpy()
    covered = (low <= target) & (target <= high)
    print(f"n = {n}: percentile bootstrap covers {covered.mean():.3f}")
    assert covered.mean() < 0.91, covered.mean()


def test_a_cell_of_equal_votes_has_a_degenerate_interval():
    """Source: the t interval with s = 0 is [mean, mean]; one vote has none."""
    votes = pd.DataFrame(
        {
            "rater": list("abcdef"),
            "field": "F",
            "resource": "R",
            "need": "N",
            "score": [7] * 5 + [3],
            "group": "aps_odv",
        }
    )
    t = cell_stats(votes.iloc[:5], min_cell=3).set_index("group")
    assert t.loc["all", "ci_low"] == t.loc["all", "ci_high"] == 7.0
    x = votes["score"].to_numpy(dtype=float)
    expected = sps.t.interval(0.95, len(x) - 1, loc=x.mean(), scale=sps.sem(x))
    t = cell_stats(votes, min_cell=3).set_index("group")
    assert (t.loc["all", "ci_low"], t.loc["all", "ci_high"]) == pytest.approx((max(expected[0], 1.0), expected[1]))
