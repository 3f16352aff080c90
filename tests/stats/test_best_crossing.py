"""The best crossing on the delegate bootstrap: p_best, ranks and the confidence set for the best resource.

Sources:

* a brute-force implementation written with explicit loops over delegates, replicates and pairs
  (below), on the replicates of the delegate bootstrap (``stats.resampling``, itself checked against
  explicit resampling in ``tests/stats/test_resampling.py``);
* the stepwise max-t confidence set for the tau-best (tau = 1) and the simultaneous confidence set of
  the ranks of Mogstad, Romano, Shaikh & Wilhelm (2024), *Review of Economic Studies* 91(1), 476-518
  (R package ``csranks``: ``cstaubest``, ``csranks``), with the stepdown of Romano & Wolf (2005),
  *JASA* 100(469), 94-108;
* calibration by simulation from the demo's known model (``palestre_analysis.ingest.demo.draw_votes``:
  fit, field effect, half the group gap, leniency N(0, 0.8), noise N(0, 1.3), rounded and clipped),
  where the true cell means are known exactly, including exact ties at the top; a deliberately naive
  set (every resource with ``p_best >= 5%``, the failure of bootstrapping a maximum: Hall & Miller
  2009, *Ann Stat* 37(6B)) must fail there.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scipy import stats as sps
from scipy.optimize import brentq

from palestre_analysis.ingest import demo
from palestre_analysis.stats import best_crossing
from palestre_analysis.stats.resampling import delegate_matrix, weight_chunks

RANKS = ["rank", "rank_low", "rank_high", "in_best_set", "best_set_size"]


# --- brute force ----------------------------------------------------------------------------------------------


def brute_force(votes: pd.DataFrame, n_boot: int, seed: int, min_cell: int, confidence: float = 0.95) -> dict:
    """Every contest by explicit loops: the drawn delegates' votes, then p_best and the stepwise max-t set.

    The weights are the engine's (the same replicates), turned into the list of drawn delegates.
    """
    matrix = delegate_matrix(votes)
    weights = np.vstack(list(weight_chunks(matrix.strata, n_boot, seed)))
    raters = list(matrix.raters)
    group = dict(zip(raters, matrix.strata))
    score = {
        (r, f, res, need): s for r, f, res, need, s in votes[["rater", "field", "resource", "need", "score"]].values
    }
    out = {}
    for (field, need), part in votes.groupby(["field", "need"]):
        voters = {res: sorted(p["rater"]) for res, p in part.groupby("resource")}
        eligible = sorted(res for res, who in voters.items() if len(who) >= min_cell)
        if not eligible:
            continue
        mean = {res: np.mean([score[(r, field, res, need)] for r in voters[res]]) for res in eligible}
        draws = []  # one dict per usable replicate: resource -> mean of the drawn delegates who voted it
        for b in range(n_boot):
            drawn = [r for r, w in zip(raters, weights[b]) for _ in range(int(w))]
            replicate = {}
            for res in eligible:
                got = [score[(r, field, res, need)] for r in drawn if (r, field, res, need) in score]
                replicate[res] = sum(got) / len(got) if got else None
            if all(v is not None for v in replicate.values()):
                draws.append(replicate)
        wins = dict.fromkeys(eligible, 0.0)
        for replicate in draws:
            top = max(replicate.values())
            winners = [res for res in eligible if replicate[res] == top]
            for res in winners:
                wins[res] += 1 / len(winners)
        pairs = [(j, k) for j in eligible for k in eligible if j != k]  # hypothesis: k is not above j
        se, ratio = {}, {}
        for j, k in pairs:
            se[j, k] = np.std([d[k] - d[j] for d in draws], ddof=1)
            boot = unbiased = 0.0
            for code in set(group.values()):
                members = [r for r in raters if group[r] == code]
                if len(members) < 2:
                    continue
                d = []
                for r in members:
                    u_l = (score[(r, field, k, need)] - mean[k]) / len(voters[k]) if (r, field, k, need) in score else 0
                    u_j = (score[(r, field, j, need)] - mean[j]) / len(voters[j]) if (r, field, j, need) in score else 0
                    d.append(u_l - u_j)
                spread = sum((x - np.mean(d)) ** 2 for x in d)
                boot += spread
                unbiased += spread * len(members) / (len(members) - 1)
            ratio[j, k] = unbiased / boot if boot > 0 else 1.0
        rejected = {p for p in pairs if se[p] <= 1e-9 and mean[p[1]] - mean[p[0]] > 0}
        active = [p for p in pairs if se[p] > 1e-9]
        while active:
            maxima = [max((d[k] - mean[k] - d[j] + mean[j]) / se[j, k] for j, k in active) for d in draws]
            critical = max(np.quantile(maxima, confidence), 0.0)
            new = [(j, k) for j, k in active if (mean[k] - mean[j]) / (se[j, k] * np.sqrt(ratio[j, k])) > critical]
            if not new:
                break
            rejected |= set(new)
            active = [p for p in active if p not in new]
        for res in eligible:
            above = sum((res, k) in rejected for k in eligible)
            below = sum((j, res) in rejected for j in eligible)
            out[field, need, res] = {
                "p_best": wins[res] / len(draws),
                "rank": 1 + sum(mean[x] > mean[res] for x in eligible),
                "rank_low": 1 + above,
                "rank_high": len(eligible) - below,
                "in_best_set": above == 0,
            }
        size = sum(out[field, need, res]["in_best_set"] for res in eligible)
        for res in eligible:
            out[field, need, res]["best_set_size"] = size
    return out


def small_votes(seed: int) -> pd.DataFrame:
    """14 delegates (9 + 5), two fields (some delegates in one only), 2 needs x 4 resources, skipped cells."""
    rng = np.random.default_rng(seed)
    effect = {"R0": 0.6, "R1": 0.5, "R2": 0.0, "R3": -1.0}
    rows = []
    for i in range(14):
        group = "g1" if i < 9 else "g2"
        lenient = rng.normal(0, 1.0)
        fields = ["F0", "F1"] if i % 3 else ["F0"]
        for field in fields:
            for need in ("N0", "N1"):
                for res, e in effect.items():
                    if rng.random() < 0.12:
                        continue
                    rows.append(
                        (
                            f"d{i:02d}",
                            field,
                            res,
                            need,
                            int(np.clip(np.rint(6 + e + lenient + rng.normal(0, 1)), 1, 10)),
                            group,
                        )
                    )
    votes = pd.DataFrame(rows, columns=["rater", "field", "resource", "need", "score", "group"])
    few = votes.index[(votes["field"] == "F1") & (votes["need"] == "N1") & (votes["resource"] == "R3")][4:]
    return votes.drop(few).reset_index(drop=True)  # one cell with 4 delegates: out of its contest


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_matches_a_brute_force_loop_over_delegates(seed):
    votes = small_votes(seed)
    ours = best_crossing(votes, n_boot=200, seed=seed, min_cell=5).set_index(["field", "need", "resource"])
    expected = brute_force(votes, 200, seed, 5)
    assert len(expected) == len(ours) - 1  # every cell but the one with 4 delegates
    assert ours.loc[("F1", "N1", "R3"), ["mean", "p_best", *RANKS]].isna().all()
    for key, values in expected.items():
        row = ours.loc[key]
        assert row["p_best"] == pytest.approx(values["p_best"], abs=1e-12), key
        assert {name: row[name] for name in RANKS} == {name: values[name] for name in RANKS}, key
    assert ours["in_best_set"].eq(False).any() and (ours["best_set_size"] > 1).any()  # the sets are not trivial


# --- properties and edge cases --------------------------------------------------------------------------------


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 10_000))
def test_sets_and_ranks_are_coherent(make_votes, seed):
    """Definition: the leader is in the set, ranks lie in their intervals, the size counts the set."""
    votes = make_votes(seed=seed, n_raters=30, resources=4, territories=2)
    t = best_crossing(votes, by=["territory"], n_boot=200, min_cell=3)
    shown = t[~t["suppressed"]]
    assert shown[RANKS].notna().all().all()
    assert shown.loc[shown["rank"] == 1, "in_best_set"].all()
    assert ((shown["rank_low"] <= shown["rank"]) & (shown["rank"] <= shown["rank_high"])).all()
    assert (shown["in_best_set"] == (shown["rank_low"] == 1)).all()
    for _, part in shown.groupby(["territory", "field", "need"]):
        assert (part["best_set_size"] == part["in_best_set"].sum()).all()
        assert part["rank_high"].max() <= len(part) and part["rank_low"].min() == 1
    np.testing.assert_allclose(shown.groupby(["territory", "field", "need"])["p_best"].sum(), 1.0)


def test_ties():
    """Definition: a difference no replicate moves is significant unless it is zero; tied leaders share."""
    rows = [(f"r{i}", res, s + (i % 3)) for i in range(8) for res, s in (("A", 7), ("B", 7), ("C", 5))]
    votes = pd.DataFrame(rows, columns=["rater", "resource", "score"]).assign(field="F", need="N", group="g")
    t = best_crossing(votes, n_boot=300, min_cell=5).set_index("resource")
    np.testing.assert_allclose(t["p_best"], [0.5, 0.5, 0.0])  # every replicate ties A and B
    assert t["rank"].tolist() == [1, 1, 3] and t["rank_low"].tolist() == [1, 1, 3]
    assert t["rank_high"].tolist() == [2, 2, 3] and t["in_best_set"].tolist() == [True, True, False]
    assert (t["best_set_size"] == 2).all()
    # identical but variable columns of votes: tied means, both plausible
    rows = [(f"r{i}", res, s) for i, s in enumerate([6, 7, 8, 7, 6, 9]) for res in ("A", "B")]
    votes = pd.DataFrame(rows, columns=["rater", "resource", "score"]).assign(field="F", need="N", group="g")
    t = best_crossing(votes, n_boot=500, min_cell=5)
    assert t["in_best_set"].all() and (t["best_set_size"] == 2).all() and t["rank"].tolist() == [1, 1]


def test_a_contest_with_one_eligible_resource():
    """Definition: one eligible resource is the set, with p_best 1; a cell below min_cell takes no part."""
    rows = [(f"r{i}", "A", 6 + i % 3) for i in range(6)] + [(f"r{i}", "B", 9) for i in range(4)]
    votes = pd.DataFrame(rows, columns=["rater", "resource", "score"]).assign(field="F", need="N", group="g")
    t = best_crossing(votes, n_boot=100, min_cell=5).set_index("resource")
    assert t.loc["A", "p_best"] == 1.0 and not t.loc["A", "suppressed"]
    assert [t.loc["A", c] for c in RANKS] == [1, 1, 1, True, 1]
    assert t.loc["B", "suppressed"] and t.loc["B", ["mean", "p_best", *RANKS]].isna().all()


def test_seeded_subsets_as_if_alone(make_votes):
    """Reproducibility contract: the same seed gives the same table, each subset is resampled as if alone."""
    votes = make_votes(seed=5, n_raters=40, territories=2)
    a = best_crossing(votes, by=["territory"], n_boot=300, min_cell=3)
    pd.testing.assert_frame_equal(a, best_crossing(votes, by=["territory"], n_boot=300, min_cell=3))
    b = best_crossing(votes, by=["territory"], n_boot=300, min_cell=3, seed=1)
    assert not np.allclose(a["p_best"].fillna(0), b["p_best"].fillna(0))
    for territory, part in votes.groupby("territory"):
        alone = best_crossing(part, n_boot=300, min_cell=3)
        mine = a[(a["territory"] == territory) & (a["n"] > 0)].drop(columns="territory").reset_index(drop=True)
        pd.testing.assert_frame_equal(mine, alone[alone["n"] > 0].reset_index(drop=True), check_dtype=False)


def test_bad_confidence_is_refused(votes):
    for bad in (0, 1, 1.5, True):
        with pytest.raises(ValueError, match="confidence"):
            best_crossing(votes, n_boot=10, confidence=bad)


# --- calibration on the demo's model ------------------------------------------------------------------------

FIELD = "Ambiente e territorio"
SD = float(np.hypot(0.8, 1.3))  # leniency and noise of one vote


def expected_score(mu) -> np.ndarray:
    """E[clip(round(N(mu, SD)), 1, 10)], exactly."""
    k = np.arange(1, 11)
    upper = np.where(k == 10, np.inf, k + 0.5)
    lower = np.where(k == 1, -np.inf, k - 0.5)
    mu = np.asarray(mu, dtype=float)[..., None]
    return (k * (sps.norm.cdf((upper - mu) / SD) - sps.norm.cdf((lower - mu) / SD))).sum(axis=-1)


def true_means(fit: np.ndarray, n_first: int, n_other: int) -> pd.DataFrame:
    """Resources x needs: the mean score of a panel of n_first delegates of the first group and n_other of the other."""
    effect = np.array([demo._FIELD_EFFECT.get(FIELD, {}).get(r, 0.0) for r in demo.RESOURCES])[:, None]
    half = demo._GROUP_GAP[:, None] / 2
    mixed = n_first * expected_score(fit + effect + half) + n_other * expected_score(fit + effect - half)
    return pd.DataFrame(mixed / (n_first + n_other), index=list(demo.RESOURCES), columns=list(demo.NEEDS))


def panels(fit: np.ndarray, n_first: int, n_other: int, reps: int, seed: int, need=None) -> pd.DataFrame:
    """``reps`` panels drawn by the demo's draw_votes (its fit replaced by ``fit``)."""
    rng = np.random.default_rng(seed)
    rows = []
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(demo, "_FIT", fit)
        for rep in range(reps):
            voters = [
                demo.DemoEntity(
                    f"{rep}-{i}", "x", "aps" if i < n_first else "csv", "x", "x", "x", "x", "x", False, (FIELD,)
                )
                for i in range(n_first + n_other)
            ]
            for v in demo.draw_votes(rng, voters, ["aps"]):
                if need is None or v["need"] == need:
                    rows.append((rep, v["entity_id"], v["field"], v["resource"], v["need"], v["score"]))
    votes = pd.DataFrame(rows, columns=["rep", "rater", "field", "resource", "need", "score"])
    first = votes["rater"].str.split("-").str[1].astype(int) < n_first
    return votes.assign(group=np.where(first, "aps_odv", "fondazioni_csv_altri"))


def covered(table: pd.DataFrame, truth: pd.DataFrame) -> tuple[float, float]:
    """Share of panels x contests whose set holds every true best: ours, and the naive p_best >= 5% set."""
    ours, naive = [], []
    for (_, need), part in table.groupby(["rep", "need"]):
        best = truth[need][truth[need] >= truth[need].max() - 1e-9].index
        part = part.set_index("resource")
        ours.append(part.loc[best, "in_best_set"].all())
        naive.append((part.loc[best, "p_best"] >= 0.05).all())
    return float(np.mean(ours)), float(np.mean(naive))


def tied_fit(n_first: int, n_other: int, tied: list[int], need: int = 0, level: float = 7.0) -> np.ndarray:
    """The demo's fit, with the resources ``tied`` moved to the same true mean ``level`` for ``need``, the rest below."""
    fit = demo._FIT.copy()
    for r in range(len(demo.RESOURCES)):
        if r not in tied:
            fit[r, need] = min(fit[r, need], 5.5)
    for r in tied:

        def gap(x, r=r):
            trial = fit.copy()
            trial[r, need] = x
            return true_means(trial, n_first, n_other).iloc[r, need] - level

        fit[r, need] = brentq(gap, 2.0, 12.0, xtol=1e-12)
    return fit


def test_the_set_covers_the_true_best_on_the_demos_own_grid():
    """Every contest of a field of the demo, panels of 12 + 8 delegates: the true best is in the set."""
    truth = true_means(demo._FIT, 12, 8)
    table = best_crossing(panels(demo._FIT, 12, 8, 150, seed=1), by=["rep"], n_boot=500, min_cell=5)
    ours, _ = covered(table, truth)
    assert ours >= 0.95, ours
    lead = table[table["rank"] == 1]
    assert (lead["best_set_size"] == 1).mean() > 0.2  # not a set of everything


@pytest.mark.parametrize(("n_first", "n_other", "tied"), [(12, 8, [0, 3, 5]), (12, 8, [0, 3, 5, 7]), (6, 4, [0, 3, 5])])
def test_the_set_covers_exact_ties_where_the_naive_set_fails(n_first, n_other, tied):
    """Exact ties at the top of one need (the demo's model, its fit moved so that the true means tie):
    every tied resource must be in the set; the naive p_best >= 5% set misses one of them far more often."""
    fit = tied_fit(n_first, n_other, tied)
    truth = true_means(fit, n_first, n_other)
    assert truth.iloc[tied, 0].tolist() == pytest.approx([7.0] * len(tied), abs=1e-9)
    need = demo.NEEDS[0]
    table = best_crossing(
        panels(fit, n_first, n_other, 300, seed=len(tied) + n_first, need=need), by=["rep"], n_boot=1000, min_cell=5
    )
    ours, naive = covered(table, truth[[need]])
    print(f"{n_first} + {n_other} delegates, {len(tied)}-way tie: set {ours:.3f}, naive {naive:.3f}")
    assert ours >= 0.93, ours
    assert naive < 0.85, naive
