"""Territories side by side (palestre_analysis.stats.territories): levels, intervals, one permutation test.

Sources: brute force (each delegate's deviations from the cell means by explicit loops; the bootstrap
standard error by explicit resampling with the same replicates; the permutation p-value by
enumerating every within-group assignment of the places, Good 2005, Manly 2007); simulations: the
intervals' coverage at 5, 10 and 40 delegates, the permutation p-value uniform under the null on the
demo's generating model (``palestre_analysis.ingest.demo.draw_votes``: delegate leniency, no
territory effect), and a planted territory effect detected.
"""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from palestre_analysis.ingest import demo
from palestre_analysis.stats.resampling import weight_chunks
from palestre_analysis.stats.territories import delegate_deviations, territory_levels, territory_test


def _demo_places(rng: np.random.Generator, n_places: int = 6, effect: float = 0.0) -> pd.DataFrame:
    """83 delegates of the demo's model, each in one of ``n_places`` places at random; ``effect`` added to place P0."""
    voters = [
        demo.draw_entity(rng, i + 1, "aps" if i < 51 else "csv", "MI", ["X"], lambda r: "E", lambda r: "MI")
        for i in range(83)
    ]
    votes = pd.DataFrame(demo.draw_votes(rng, voters, {"aps"})).rename(columns={"entity_id": "rater"})
    first = {e.entity_id for e in voters if e.type_code == "aps"}
    votes["group"] = np.where(votes["rater"].isin(first), "aps_odv", "fondazioni_csv_altri")
    place = {e.entity_id: f"P{k}" for e, k in zip(voters, rng.integers(0, n_places, len(voters)), strict=True)}
    votes["place"] = votes["rater"].map(place)
    if effect:
        votes.loc[votes["place"] == "P0", "score"] = np.clip(votes.loc[votes["place"] == "P0", "score"] + effect, 1, 10)
    return votes


def test_deviations_are_each_delegates_mean_distance_from_the_cell_means(make_votes):
    """Source: explicit loops over delegates and their cells."""
    votes = make_votes(seed=1, n_raters=30).rename(columns={"territory": "place"})
    table = delegate_deviations(votes).set_index(["rater", "resource"])
    means = votes.groupby(["field", "resource", "need"])["score"].mean()
    for rater, part in votes.groupby("rater"):
        gaps = [row.score - means[(row.field, row.resource, row.need)] for row in part.itertuples()]
        assert table.loc[(rater, "all"), "deviation"] == pytest.approx(np.mean(gaps), abs=1e-12)
        assert table.loc[(rater, "all"), "n_votes"] == len(part)
        for resource, rows in part.groupby("resource"):
            gaps = [row.score - means[(row.field, row.resource, row.need)] for row in rows.itertuples()]
            assert table.loc[(rater, resource), "deviation"] == pytest.approx(np.mean(gaps), abs=1e-12)


def test_deviations_against_given_cell_means_skip_cells_without_one(make_votes):
    votes = make_votes(seed=2, n_raters=20).rename(columns={"territory": "place"})
    means = votes.groupby(["field", "resource", "need"])["score"].mean().iloc[:3] + 1.0
    table = delegate_deviations(votes, means)
    kept = votes.set_index(["field", "resource", "need"]).index.isin(means.index)
    assert table.loc[table["resource"] == "all", "n_votes"].sum() == kept.sum()


def test_levels_and_bootstrap_standard_error_match_explicit_resampling():
    """Source: the same replicates (weight_chunks, strata = places) applied by hand."""
    rng = np.random.default_rng(3)
    deviations = pd.DataFrame(
        {
            "rater": [f"r{i:02d}" for i in range(14)],
            "place": ["A"] * 6 + ["B"] * 8,
            "group": "g",
            "resource": "all",
            "deviation": rng.normal(0, 1, 14),
            "n_votes": 10,
        }
    )
    n_boot, seed = 300, 9
    table = territory_levels(deviations, n_boot=n_boot, seed=seed).set_index("place")
    codes = (deviations.sort_values("rater")["place"] == "B").to_numpy().astype(np.int64)
    values = deviations.sort_values("rater")["deviation"].to_numpy()
    weights = np.vstack(list(weight_chunks(codes, n_boot, seed)))
    for code, name in ((0, "A"), (1, "B")):
        members = codes == code
        means = (weights[:, members] @ values[members]) / weights[:, members].sum(axis=1)
        n = members.sum()
        assert table.loc[name, "level"] == pytest.approx(values[members].mean())
        assert table.loc[name, "se"] == pytest.approx(means.std(ddof=1), rel=1e-10)
        half = stats.t.ppf(0.975, n - 1) * means.std(ddof=1) * np.sqrt(n / (n - 1))
        assert (table.loc[name, "ci_low"], table.loc[name, "ci_high"]) == pytest.approx(
            (values[members].mean() - half, values[members].mean() + half)
        )


@pytest.mark.parametrize("n", [5, 10, 40])
def test_level_intervals_cover_at_about_95_percent(n):
    """Source: simulation; normal deviations and skewed ones (a delegate's mean of lopsided votes)."""
    rng = np.random.default_rng(n)
    hits = total = 0
    for draw in ("normal", "skewed"):
        for _ in range(200):
            values = rng.normal(0.3, 0.8, n) if draw == "normal" else rng.exponential(0.8, n) - 0.8 + 0.3
            deviations = pd.DataFrame(
                {"rater": [f"r{i}" for i in range(n)], "place": "P", "group": "g", "resource": "all"}
            ).assign(deviation=values, n_votes=10)
            row = territory_levels(deviations, n_boot=400, seed=int(rng.integers(1 << 30))).iloc[0]
            hits += int(row["ci_low"] <= 0.3 <= row["ci_high"])
            total += 1
    assert 0.91 <= hits / total <= 0.985, hits / total


def _exact_p(deviations: pd.DataFrame) -> float:
    """Every within-group assignment of the places, enumerated (each permutation of positions once)."""
    d = deviations["deviation"].to_numpy()
    place = deviations["place"].to_numpy()

    grand = d.mean()

    def statistic(labels) -> float:  # sum over places of n_p (mean_p - grand mean)^2
        return sum(float((labels == p).sum() * (d[labels == p].mean() - grand) ** 2) for p in set(place))

    observed = statistic(place)
    groups = [np.flatnonzero(deviations["group"].to_numpy() == g) for g in pd.unique(deviations["group"])]
    count = hits = 0
    for orders in itertools.product(*(itertools.permutations(members) for members in groups)):
        labels = place.copy()
        for members, order in zip(groups, orders, strict=True):
            labels[members] = place[list(order)]
        hits += statistic(labels) >= observed - 1e-12
        count += 1
    return hits / count


def test_permutation_p_matches_the_exact_enumeration_on_a_small_case():
    """Source: brute force over all 5! x 4! within-group permutations (9 delegates, 3 places)."""
    rng = np.random.default_rng(4)
    deviations = pd.DataFrame(
        {
            "rater": [f"r{i}" for i in range(9)],
            "place": ["A", "A", "B", "C", "C", "A", "B", "C", "C"],
            "group": ["g1"] * 5 + ["g2"] * 4,
            "resource": "all",
            "deviation": rng.normal(0, 1, 9) + np.array([0.8, 0.8, 0, -0.5, -0.5, 0.8, 0, -0.5, -0.5]),
            "n_votes": 5,
        }
    )
    exact = _exact_p(deviations)
    found = territory_test(deviations, n_perm=20_000, seed=1).iloc[0]
    assert found["p_value"] == pytest.approx(exact, abs=4 * np.sqrt(exact * (1 - exact) / 20_000) + 1e-4)
    assert found["n_places"] == 3 and found["n_delegates"] == 9


def test_permutation_keeps_each_places_mix_of_groups():
    """A place made of one group's delegates only: with the groups apart, the permutations cannot move it."""
    deviations = pd.DataFrame(
        {
            "rater": list("abcdef"),
            "place": ["A", "A", "A", "B", "B", "B"],
            "group": ["g1", "g1", "g1", "g2", "g2", "g2"],
            "resource": "all",
            "deviation": [1.0, 1.2, 0.8, -1.0, -1.2, -0.8],
            "n_votes": 3,
        }
    )
    assert territory_test(deviations, n_perm=200).iloc[0]["p_value"] == 1.0


def test_permutation_p_is_uniform_without_a_territory_effect():
    """Source: the demo's model (delegate leniency, no territory effect): p-values uniform on (0, 1)."""
    rng = np.random.default_rng(20190614)
    ps = []
    for _ in range(150):
        deviations = delegate_deviations(_demo_places(rng))
        ps.append(territory_test(deviations, n_perm=199, seed=int(rng.integers(1 << 30))).iloc[0]["p_value"])
    ps = np.array(ps)
    assert stats.kstest(ps, "uniform").pvalue > 0.01
    assert 0.01 <= (ps <= 0.05).mean() <= 0.11


def test_a_planted_territory_effect_is_found():
    """One place's delegates one point more generous in every vote: p < 0.01, and its level shows it."""
    rng = np.random.default_rng(7)
    deviations = delegate_deviations(_demo_places(rng, effect=1.0))
    assert territory_test(deviations, n_perm=999, seed=2).iloc[0]["p_value"] < 0.01
    levels = territory_levels(deviations, n_boot=500, seed=3)
    overall = levels[levels["resource"] == "all"].set_index("place")
    assert overall.loc["P0", "ci_low"] > 0 and overall["level"].idxmax() == "P0"


def test_one_place_cannot_be_tested():
    deviations = pd.DataFrame(
        {"rater": list("abc"), "place": "A", "group": "g", "resource": "all", "deviation": [0.1, 0.2, 0.3]}
    ).assign(n_votes=1)
    assert np.isnan(territory_test(deviations).iloc[0]["p_value"])
