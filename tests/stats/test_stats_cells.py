"""Phase 2 cells: cell_stats and best_crossing (palestre_analysis.stats.cells).

The cell intervals are checked against ``scipy.stats.t.interval`` (Student 1908) here, and their
coverage on the demo's model in ``test_cells_coverage.py``; the best crossing's delegate bootstrap
against explicit loops here and in ``test_best_crossing.py`` (Mogstad, Romano, Shaikh & Wilhelm 2024).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scipy import stats as sps

from palestre_analysis import config
from palestre_analysis.stats import ConsensusRule, best_crossing, cell_stats

KEYS = ["territory", "field", "resource", "need", "group"]


def _naive_cells(votes: pd.DataFrame, by: list[str]) -> pd.DataFrame:
    """Independent implementation: a pandas/numpy loop over every subset x cell x group."""
    rows = []
    pooled = votes.assign(group="all")
    for frame in (pooled, votes):
        for key, part in frame.groupby([*by, "field", "resource", "need", "group"]):
            x = part["score"].to_numpy()
            q1, med, q3 = np.quantile(x, [0.25, 0.5, 0.75])
            rows.append((*key, len(x), x.mean(), med, q3 - q1, (x >= config.HIGH_SCORE).mean()))
    return pd.DataFrame(
        rows, columns=[*by, "field", "resource", "need", "group", "n", "mean", "median", "iqr", "share_high"]
    )


def test_descriptives_match_a_naive_numpy_loop(votes):
    """Source: numpy (mean, np.quantile linear median/IQR) in a per-cell pandas groupby loop."""
    ours = cell_stats(votes, by=["territory"], min_cell=3)
    naive = _naive_cells(votes, ["territory"])
    merged = ours.merge(naive, on=KEYS, suffixes=("", "_naive"))
    assert len(merged) == len(naive)
    shown = ~merged["suppressed"]
    assert shown.sum() > 20
    for column in ["mean", "median", "iqr", "share_high"]:
        np.testing.assert_allclose(merged.loc[shown, column], merged.loc[shown, f"{column}_naive"], rtol=1e-12)
    assert (merged["n"] == merged["n_naive"]).all()


def test_every_subset_cell_group_appears_once(votes):
    """Source: the output contract (rectangular: subsets x cells x 3 groups)."""
    t = cell_stats(votes, by=["territory"])
    n_cells = votes[["field", "resource", "need"]].drop_duplicates().shape[0]
    assert len(t) == votes["territory"].nunique() * n_cells * 3
    assert not t.duplicated(KEYS).any()
    assert list(t.columns[:5]) == KEYS
    assert set(t["group"]) == {"all", "aps_odv", "fondazioni_csv_altri"}


def test_one_call_by_territory_equals_separate_calls(votes):
    """Source: cell_stats itself on each territory's votes alone (by= must not mix subsets)."""
    together = cell_stats(votes, by=["territory"], min_cell=3)
    for territory, part in votes.groupby("territory"):
        alone = cell_stats(part, min_cell=3)
        mine = together[together["territory"] == territory].drop(columns="territory")
        mine = mine[mine["n"] > 0].reset_index(drop=True)
        alone = alone[alone["n"] > 0].reset_index(drop=True)
        pd.testing.assert_frame_equal(mine, alone, check_dtype=False)


def test_intervals_match_scipy_t_on_cells(make_votes):
    """Source: scipy.stats.t.interval(confidence, n - 1, mean, sem) cell by cell, kept within 1-10."""
    votes = make_votes(seed=3, n_raters=40, fields=1, resources=2, needs=2, territories=1)
    for confidence in (0.95, 0.8):
        t = cell_stats(votes, min_cell=3, confidence=confidence)
        t = t[~t["suppressed"]]
        for row in t.itertuples():
            part = votes[(votes["resource"] == row.resource) & (votes["need"] == row.need)]
            if row.group != "all":
                part = part[part["group"] == row.group]
            x = part["score"].to_numpy(dtype=float)
            low, high = sps.t.interval(confidence, len(x) - 1, loc=x.mean(), scale=sps.sem(x))
            assert row.ci_low == pytest.approx(max(low, 1.0), rel=1e-12)
            assert row.ci_high == pytest.approx(min(high, 10.0), rel=1e-12)
        assert len(t) >= 10


def test_small_groups_are_blanked_and_their_complement_too():
    """Source: disclosure rule (primary n < min_cell; secondary: all - other group reveals it)."""
    votes = pd.DataFrame(
        {
            "rater": [f"r{i}" for i in range(9)],
            "field": "F",
            "resource": "R",
            "need": "N",
            "score": [5, 6, 7, 8, 9, 7, 6, 2, 3],
            "group": ["aps_odv"] * 7 + ["fondazioni_csv_altri"] * 2,
        }
    )
    t = cell_stats(votes, min_cell=5).set_index("group")
    assert not t.loc["all", "suppressed"] and t.loc["all", "mean"] == pytest.approx(53 / 9)
    for group in ("aps_odv", "fondazioni_csv_altri"):
        assert t.loc[group, "suppressed"]
        assert t.loc[group, ["mean", "median", "iqr", "share_high", "ci_low", "ci_high"]].isna().all()
        assert pd.isna(t.loc[group, "consensus"])
    # a group with no votes at all reveals nothing: the other group stays
    t = cell_stats(votes[votes["group"] == "aps_odv"], min_cell=5).set_index("group")
    assert not t.loc["aps_odv", "suppressed"] and t.loc["fondazioni_csv_altri", "n"] == 0


def test_consensus_column_follows_the_rule(votes):
    """Source: palestre_analysis.stats.consensus applied to numpy IQR and band shares."""
    t = cell_stats(votes, min_cell=3, consensus_rule=ConsensusRule("iqr", 2.0))
    shown = t[~t["suppressed"]]
    assert (shown["consensus"].astype(bool) == (shown["iqr"] <= 2.0)).all()
    t = cell_stats(votes, min_cell=3, consensus_rule="percent")
    naive = _naive_cells(votes, []).set_index(["field", "resource", "need", "group"])
    for row in t[~t["suppressed"]].itertuples():
        part = votes[(votes.field == row.field) & (votes.resource == row.resource) & (votes.need == row.need)]
        if row.group != "all":
            part = part[part.group == row.group]
        x = part["score"]
        bands = [(x <= 4).mean(), x.between(5, 6).mean(), (x >= 7).mean()]
        assert bool(row.consensus) == (max(bands) >= 0.75)
    assert len(naive)


def test_default_consensus_rule_is_documented_percent():
    """Source: config.CONSENSUS_RULE (chosen in palestre_analysis.stats.consensus: Diamond et al. 2014)."""
    assert config.CONSENSUS_RULE == "percent"


@pytest.mark.parametrize(
    "change, message",
    [
        (lambda v: v.assign(score=v["score"].where(v.index != 3, 11)), "whole number from 1 to 10; row 3 has 11"),
        (lambda v: v.assign(score=v["score"].astype(float).where(v.index != 2, 7.5)), "row 2 has 7.5"),
        (lambda v: v.assign(score=v["score"].astype(float).where(v.index != 1, np.nan)), "row 1 has nan"),
        (lambda v: v.drop(columns="need"), r"lacks the column\(s\) \['need'\]"),
        (lambda v: v.assign(group="odv"), "group must be one of"),
        (lambda v: v.iloc[:0], "votes is empty"),
        (lambda v: pd.concat([v, v.iloc[:1]]), "more than once"),
        (
            lambda v: (
                v.assign(group=np.where(v.index == 0, "fondazioni_csv_altri", "aps_odv"))
                .assign(rater=v["rater"].iloc[0])
                .iloc[:2]
                .assign(resource=["a", "b"])
            ),
            "both groups",
        ),
        (lambda v: v.assign(territory=v["territory"].where(v.index != 4)), "'territory' has 1 missing"),
    ],
)
def test_bad_votes_raise_a_sentence(votes, change, message):
    """Source: the input contract: ValueError naming what is wrong, never a silent number."""
    with pytest.raises(ValueError, match=message):
        cell_stats(change(votes), by=["territory"])


def test_min_cell_below_the_floor_is_refused(votes):
    """Source: Sistan (2018) floor of 3 (config.MIN_CELL_FLOOR)."""
    for function in (cell_stats, best_crossing):
        with pytest.raises(ValueError, match="at least 3"):
            function(votes, min_cell=2)


def test_one_rater_gives_flagged_nan_not_a_crash(votes):
    """Source: the input contract (one rater: documented NaN with a flag)."""
    one = votes[votes["rater"] == votes["rater"].iloc[0]]
    t = cell_stats(one)
    assert t["suppressed"].all() and t["mean"].isna().all()
    b = best_crossing(one)
    assert b["suppressed"].all() and b["p_best"].isna().all()


# --- best crossing --------------------------------------------------------------------


def test_p_best_sums_to_one_and_ranks_follow_means(votes):
    """Source: definition (probabilities of a partition of outcomes; rank by mean, 1 = best)."""
    t = best_crossing(votes, by=["territory"], n_boot=500, min_cell=3)
    shown = t[~t["suppressed"]]
    sums = shown.groupby(["territory", "field", "need"])["p_best"].sum()
    np.testing.assert_allclose(sums, 1.0)
    for _, part in shown.groupby(["territory", "field", "need"]):
        order = part.sort_values("mean", ascending=False)
        expected = order["mean"].rank(method="min", ascending=False).astype(int)
        assert (order["rank"].astype(int) == expected).all()
    assert list(t.columns[:4]) == ["territory", "field", "need", "resource"]


def test_p_best_matches_a_naive_delegate_resampling_loop(make_votes):
    """Source: a naive loop that draws delegates with numpy (within each group, with all their votes;
    Davison & Hinkley 1997, sections 3.2 and 3.8), skipped cells left out of each mean.

    Tolerance 0.03: both sides are Monte Carlo estimates from 4000 replicates.
    """
    votes = make_votes(seed=11, n_raters=30, fields=1, resources=4, needs=1, territories=1, p_missing=0.3)
    ours = best_crossing(votes, n_boot=4000, min_cell=3).set_index("resource")["p_best"]
    rng = np.random.default_rng(0)
    wide = votes.pivot(index="rater", columns="resource", values="score")
    group = votes.groupby("rater")["group"].first().reindex(wide.index).to_numpy()
    strata = [np.flatnonzero(group == g) for g in np.unique(group)]
    scores = wide.to_numpy()
    wins = dict.fromkeys(wide.columns, 0.0)
    for _ in range(4000):
        drawn = scores[np.concatenate([rng.choice(members, len(members)) for members in strata])]
        means = dict(zip(wide.columns, np.nanmean(drawn, axis=0)))
        top = max(means.values())
        winners = [r for r, m in means.items() if m == top]
        for r in winners:
            wins[r] += 1 / len(winners) / 4000
    for r, p in wins.items():
        assert ours[r] == pytest.approx(p, abs=0.03)


def test_ties_share_the_win():
    """Source: definition (a k-way tie for the best gives 1/k to each)."""
    rows = [(f"r{i}", res, 7 if res != "C" else 5) for i in range(6) for res in ("A", "B", "C")]
    votes = pd.DataFrame(rows, columns=["rater", "resource", "score"]).assign(field="F", need="N", group="aps_odv")
    t = best_crossing(votes, n_boot=200, min_cell=3).set_index("resource")
    np.testing.assert_allclose(t["p_best"], [0.5, 0.5, 0.0])  # every replicate ties A and B
    assert t["rank"].tolist() == [1, 1, 3]
    # identical but variable cells: symmetric, up to Monte Carlo error (sd 0.011 with 2000 replicates)
    rows = [(f"r{i}", res, s) for i, s in enumerate([6, 7, 8, 7, 6, 9]) for res in ("A", "B")]
    votes = pd.DataFrame(rows, columns=["rater", "resource", "score"]).assign(field="F", need="N", group="aps_odv")
    t = best_crossing(votes, n_boot=2000, min_cell=3)
    np.testing.assert_allclose(t["p_best"], [0.5, 0.5], atol=0.04)


def test_seeded_and_reproducible(votes):
    """Source: reproducibility contract (config.SEED)."""
    a = best_crossing(votes, n_boot=300)
    b = best_crossing(votes, n_boot=300)
    pd.testing.assert_frame_equal(a, b)
    c = best_crossing(votes, n_boot=300, seed=1)
    assert not np.allclose(a["p_best"].fillna(0), c["p_best"].fillna(0))


def test_the_delegate_bootstrap_keeps_the_pairing():
    """Source: a naive paired loop (rows of delegates drawn with numpy) and a naive independent-cells loop.

    Delegates with strong leniency make a field x need's means positively correlated: the delegate
    bootstrap (paired) agrees with the paired loop, and gives the leader a *higher* p_best than
    resampling the cells independently (the earlier version's pairing assumption), which understates
    how sure the difference is.
    """
    rng = np.random.default_rng(4)
    n = 40
    lenient = rng.normal(0, 2.0, n)
    rows = []
    for i in range(n):
        for res, effect in (("A", 0.35), ("B", 0.0)):
            score = int(np.clip(np.rint(6 + effect + lenient[i] + rng.normal(0, 0.6)), 1, 10))
            rows.append((f"r{i}", res, score))
    votes = pd.DataFrame(rows, columns=["rater", "resource", "score"]).assign(field="F", need="N", group="aps_odv")
    ours = best_crossing(votes, n_boot=4000).set_index("resource")["p_best"]
    wide = votes.pivot(index="rater", columns="resource", values="score").to_numpy()

    def share_a(means):
        return 1.0 if means[0] > means[1] else 0.5 if means[0] == means[1] else 0.0

    paired = np.mean([share_a(wide[rng.integers(0, n, n)].mean(axis=0)) for _ in range(4000)])
    independent = np.mean([share_a([wide[rng.integers(0, n, n), c].mean() for c in range(2)]) for _ in range(4000)])
    assert ours["A"] == pytest.approx(paired, abs=0.03)
    leader = "A" if ours["A"] >= ours["B"] else "B"
    independent_leader = independent if leader == "A" else 1 - independent
    assert ours[leader] > independent_leader + 0.05


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 10_000), min_cell=st.integers(3, 8))
def test_no_cell_statistic_from_fewer_than_min_cell(make_votes, seed, min_cell):
    """Property: no table ever shows a statistic from fewer than min_cell delegates."""
    votes = make_votes(seed=seed, n_raters=25, territories=4)
    t = cell_stats(votes, by=["territory"], min_cell=min_cell)
    small = t["n"] < min_cell
    stats_cols = ["mean", "median", "iqr", "share_high", "ci_low", "ci_high"]
    assert t.loc[small, stats_cols].isna().all().all() and t.loc[small, "suppressed"].all()
    assert t.loc[small, "consensus"].isna().all()
    shown = t[~t["suppressed"]]
    assert (shown["n"] >= min_cell).all()
    assert ((shown["ci_low"] <= shown["mean"] + 1e-12) & (shown["mean"] <= shown["ci_high"] + 1e-12)).all()
    b = best_crossing(votes, by=["territory"], n_boot=50, min_cell=min_cell)
    ranked = ["mean", "p_best", "rank", "rank_low", "rank_high", "in_best_set", "best_set_size"]
    assert b.loc[b["n"] < min_cell, ranked].isna().all().all() and b.loc[b["n"] < min_cell, "suppressed"].all()
    assert b.loc[b["n"] >= min_cell, ranked].notna().all().all()


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 10_000))
def test_order_of_rows_changes_nothing(make_votes, seed):
    """Property: shuffling the votes (order of raters and units) changes no number."""
    votes = make_votes(seed=seed, n_raters=20)
    shuffled = votes.sample(frac=1.0, random_state=seed).reset_index(drop=True)
    pd.testing.assert_frame_equal(cell_stats(votes, min_cell=3), cell_stats(shuffled, min_cell=3))
    pd.testing.assert_frame_equal(
        best_crossing(votes, n_boot=50, min_cell=3), best_crossing(shuffled, n_boot=50, min_cell=3)
    )
