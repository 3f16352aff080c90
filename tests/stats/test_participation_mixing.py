"""Ties across categories against a permutation null (stats.participation.cross_category_test, network_summary).

Sources checked against, one per test:

- brute-force enumeration of every permutation of the categories on tiny graphs (itertools), for the
  exact null moments, the Monte Carlo p-value and the null range;
- ``scipy.stats.permutation_test`` (exact enumeration, ``permutation_type="pairings"``), an independent
  implementation of the same null and of the same two-sided rule;
- ``networkx.attribute_mixing_matrix`` and ``networkx.attribute_assortativity_coefficient`` (Newman 2003),
  where comparable: the share of ties within categories is the trace of Newman's mixing matrix, and his
  assortativity follows from it and the degree-weighted category shares;
- ``networkx`` density and connected components for the vectorised ``network_summary``;
- simulation: under the null (categories assigned at random to the entities of random co-attendance networks)
  the test rejects at its nominal 5% and the 95% null range holds the share in 95% of draws; a network with
  planted homophily is found.

References: Krackhardt (1988) *Social Networks* 10, 359-381 (QAP); Mantel (1967) *Cancer Research* 27, 209-220;
Cliff & Ord (1981) *Spatial Processes* (join counts under sampling without replacement); Newman (2003)
*Phys. Rev. E* 67, 026126.
"""

from __future__ import annotations

import itertools
from math import comb

import networkx as nx
import numpy as np
import pandas as pd
import pytest
from scipy import stats as sps

from palestre_analysis.stats import participation
from palestre_analysis.stats.participation import (
    MONTE_CARLO_BUDGET,
    coattendance_graph,
    cross_category_test,
    network_summary,
)

TINY = {
    "path": ([0, 1, 2, 3, 4, 5], [1, 2, 3, 4, 5, 6]),
    "star and triangle": ([0, 0, 0, 0, 4, 4, 5], [1, 2, 3, 4, 5, 6, 6]),
    "two cliques": ([0, 0, 1, 3, 3, 3, 4, 4, 5, 2], [1, 2, 2, 4, 5, 6, 5, 6, 6, 3]),
}
LABELS = list("aaabbcc")  # 7 nodes, three categories


def _exact(u, v, labels):
    """Every permutation of the labels over the nodes: the exact null distribution of the ties within."""
    u, v = np.asarray(u), np.asarray(v)
    values = []
    for perm in itertools.permutations(labels):
        perm = np.array(perm)
        values.append(int((perm[u] == perm[v]).sum()))
    return np.array(values)


def _two_sided(null, observed):
    """The two-sided rule of scipy.stats.permutation_test for an exact null: 2 min(P(<=), P(>=)), at most 1."""
    return min(1.0, 2 * min((null >= observed).mean(), (null <= observed).mean()))


@pytest.mark.parametrize("name", TINY)
def test_exact_moments_match_brute_force_enumeration(name, monkeypatch):
    """Source: all 7! permutations. With the Monte Carlo budget set to 0 the normal branch prints
    expected +- z sd, which gives back the exact null mean and standard deviation of the function."""
    u, v = TINY[name]
    null = _exact(u, v, LABELS)
    monkeypatch.setattr(participation, "MONTE_CARLO_BUDGET", 0)
    test = cross_category_test(u, v, LABELS, confidence=0.5)
    e = len(u)
    assert test["expected"] == pytest.approx(1 - null.mean() / e, abs=1e-12)
    z = sps.norm.ppf(0.75)
    sd = (test["high"] - test["low"]) / 2 / z * e
    assert sd == pytest.approx(null.std(), rel=1e-9)
    assert test["method"].startswith("permutation of the categories")


@pytest.mark.parametrize("name", TINY)
def test_monte_carlo_p_and_range_match_the_exact_null(name):
    """Sources: brute-force enumeration (p and quantiles) and scipy.stats.permutation_test, exact.

    Tolerance: 4 Monte Carlo standard errors of a p-value from 9999 resamples (the +1 correction adds at
    most 2/10000); the range's ends are quantiles of a discrete null, so they must be values the exact
    null reaches, within one step of its exact quantiles."""
    u, v = TINY[name]
    labels = np.array(LABELS)
    null = _exact(u, v, LABELS)
    observed = int((labels[np.array(u)] == labels[np.array(v)]).sum())
    exact_p = _two_sided(null, observed)
    codes = pd.factorize(labels)[0]
    scipy_p = sps.permutation_test(
        (codes,),
        lambda x, axis=-1: (np.take(x, u, axis=axis) == np.take(x, v, axis=axis)).sum(axis=axis),
        permutation_type="pairings",
        n_resamples=np.inf,
        vectorized=True,
    ).pvalue
    assert scipy_p == pytest.approx(exact_p, abs=1e-12)
    test = cross_category_test(u, v, LABELS, n_resamples=9999, seed=3)
    se = np.sqrt(exact_p * (1 - exact_p) / 9999)
    assert test["p_value"] == pytest.approx(exact_p, abs=4 * se + 2e-4)
    e = len(u)
    reachable = set(1 - np.unique(null) / e)
    assert min(abs(test["low"] - r) for r in reachable) < 1e-9 and min(abs(test["high"] - r) for r in reachable) < 1e-9
    shares = np.sort(1 - null / e)
    step = 1 / e + 1e-9
    assert (
        abs(test["low"] - np.quantile(shares, 0.025)) <= step and abs(test["high"] - np.quantile(shares, 0.975)) <= step
    )
    assert test["share"] == pytest.approx(1 - observed / e)


def test_the_normal_branch_agrees_with_monte_carlo_on_a_large_network():
    """Source: the Monte Carlo branch itself, on a network too large for it in a report (E x B over the budget):
    the normal approximation with exact moments gives the same range and p-value (Mantel 1967 used it so)."""
    rng = np.random.default_rng(11)
    n = 300
    meetings = [rng.choice(n, size=rng.integers(5, 30), replace=False) for _ in range(60)]
    pairs = {(min(a, b), max(a, b)) for m in meetings for a, b in itertools.combinations(m, 2)}
    u, v = map(np.array, zip(*sorted(pairs)))
    labels = rng.choice(list("abcde"), n, p=[0.6, 0.1, 0.1, 0.1, 0.1])
    labels[meetings[0]] = "a"  # a little homophily, so that p is neither 0 nor 1
    assert len(u) * 9999 > MONTE_CARLO_BUDGET
    normal = cross_category_test(u, v, labels, n_resamples=9999, seed=5)
    assert normal["method"].startswith("permutation of the categories")
    null = participation._permuted_within(pd.factorize(labels)[0].astype(np.int8), u, v, 4000, 5)
    within = int((labels[u] == labels[v]).sum())
    shares = 1 - null / len(u)
    low, high = np.quantile(shares, [0.025, 0.975])
    assert normal["expected"] == pytest.approx(shares.mean(), abs=3 * shares.std() / np.sqrt(4000))
    assert normal["low"] == pytest.approx(low, abs=0.003) and normal["high"] == pytest.approx(high, abs=0.003)
    mc_p = min(1.0, 2 * min((null >= within).mean(), (null <= within).mean()))
    assert normal["p_value"] == pytest.approx(mc_p, abs=0.03)


def test_within_share_is_newmans_mixing_matrix_and_gives_his_assortativity(network_data):
    """Source: networkx.attribute_mixing_matrix and attribute_assortativity_coefficient (Newman 2003).

    Newman's r = (sum_i e_ii - sum_i a_i^2) / (1 - sum_i a_i^2), with e the mixing matrix of edge ends and a_i
    the share of edge ends in category i. The trace of e is the share of ties within categories, which
    network_summary gives as 1 - cross_category_share; a_i is counted here from the attendance by hand."""
    attendance, entities = network_data
    row = network_summary(attendance, entities, min_cell=3).iloc[0]
    graph = coattendance_graph(attendance, entities)
    mixing = nx.attribute_mixing_matrix(graph, "category", normalized=True)
    assert 1 - row["cross_category_share"] == pytest.approx(np.trace(mixing), abs=1e-12)
    ends: dict[str, int] = {}
    category = entities.set_index("entity_id")["category"]
    pairs = set()
    for _, part in attendance.groupby("meeting_id"):
        pairs |= set(itertools.combinations(sorted(part["entity_id"]), 2))
    for a, b in pairs:
        for node in (a, b):
            ends[category[node]] = ends.get(category[node], 0) + 1
    a2 = sum((k / (2 * len(pairs))) ** 2 for k in ends.values())
    r = ((1 - row["cross_category_share"]) - a2) / (1 - a2)
    assert r == pytest.approx(nx.attribute_assortativity_coefficient(graph, "category"), abs=1e-12)


def test_planted_homophily_and_heterophily_are_found_in_the_right_direction():
    """Source: networkx's assortativity on the same graphs (its sign), and the construction: ties only within
    categories, or only across."""
    labels = ["a"] * 12 + ["b"] * 12
    within = [(i, j) for block in (range(12), range(12, 24)) for i, j in itertools.combinations(block, 2)]
    across = [(i, j) for i in range(12) for j in range(12, 24) if (i + j) % 3 == 0]
    for edges, sign in ((within[::2], 1), (across, -1)):
        u, v = map(list, zip(*edges))
        test = cross_category_test(u, v, labels, n_resamples=9999, seed=2)
        graph = nx.Graph(edges)
        nx.set_node_attributes(graph, dict(enumerate(labels)), "category")
        r = nx.attribute_assortativity_coefficient(graph, "category")
        assert np.sign(r) == sign and test["p_value"] < 0.001
        assert (test["share"] < test["low"]) if sign > 0 else (test["share"] > test["high"])


def test_a_null_that_cannot_vary_gives_p_one_and_a_single_value(monkeypatch):
    """Source: the definition. Everyone tied to everyone (a complete graph: every permutation gives the same
    ties), or one category only: the share cannot move, p = 1 and the range is the share itself."""
    complete = list(itertools.combinations(range(9), 2))
    u, v = map(list, zip(*complete))
    labels = list("aaaabbbcc")
    for budget in (MONTE_CARLO_BUDGET, 0):
        monkeypatch.setattr(participation, "MONTE_CARLO_BUDGET", budget)
        test = cross_category_test(u, v, labels, n_resamples=999)
        assert test["p_value"] == 1.0 and test["low"] == pytest.approx(test["share"]) == pytest.approx(test["high"])
        assert test["share"] == pytest.approx(test["expected"])
        alone = cross_category_test(u, v, ["a"] * 9, n_resamples=999)
        assert alone["share"] == 0 and alone["p_value"] == 1.0 and alone["high"] == 0


def test_no_ties_and_bad_input():
    """Source: the input contract."""
    empty = cross_category_test([], [], list("ab"))
    assert np.isnan(empty["p_value"]) and np.isnan(empty["share"]) and empty["method"] == ""
    with pytest.raises(ValueError, match="same length"):
        cross_category_test([0], [1, 2], list("abc"))
    with pytest.raises(ValueError, match="node positions"):
        cross_category_test([0], [5], list("ab"))
    with pytest.raises(ValueError, match="itself"):
        cross_category_test([1], [1], list("ab"))
    with pytest.raises(ValueError, match="n_resamples"):
        cross_category_test([0], [1], list("ab"), n_resamples=0)


def test_seeded_and_reproducible(network_data):
    """Source: reproducibility contract (same seed, same numbers; another seed, another Monte Carlo draw)."""
    attendance, entities = network_data
    a = network_summary(attendance, entities, min_cell=3, seed=1)
    b = network_summary(attendance, entities, min_cell=3, seed=1)
    c = network_summary(attendance, entities, min_cell=3, seed=2)
    pd.testing.assert_frame_equal(a, b)
    assert a["cross_category_p"].iloc[0] != c["cross_category_p"].iloc[0]
    assert a["cross_category_share"].iloc[0] == c["cross_category_share"].iloc[0]


def test_calibration_under_the_null_on_random_coattendance_networks():
    """Simulation: categories that have nothing to do with attendance (the null holds by construction). Over
    300 networks the 5% test never rejects more than its level allows (at most 9%, the binomial 99.9% bound
    around 5%); on these small networks the null is discrete, and the two-sided rule, which counts the observed
    value in both tails, makes it conservative, so at least 0.5% is asked, and p-values near uniform (mean
    between 0.45 and 0.62). The 95% null range holds the observed share in 91% to 99.5% of them."""
    rng = np.random.default_rng(20190614)
    rejected = covered = 0
    p_values = []
    runs = 300
    for run in range(runs):
        n = 40
        meetings = [rng.choice(n, size=rng.integers(3, 9), replace=False) for _ in range(8)]
        attendance = pd.DataFrame(
            [(f"m{j}", f"e{i}") for j, m in enumerate(meetings) for i in m], columns=["meeting_id", "entity_id"]
        )
        entities = pd.DataFrame(
            {"entity_id": [f"e{i}" for i in range(n)], "category": rng.choice(["a", "b", "c"], n, p=[0.6, 0.25, 0.15])}
        )
        row = network_summary(attendance, entities, min_cell=3, n_resamples=999, seed=run).iloc[0]
        rejected += row["cross_category_p"] < 0.05
        p_values.append(row["cross_category_p"])
        covered += row["cross_category_low"] <= row["cross_category_share"] <= row["cross_category_high"]
    assert 0.005 <= rejected / runs <= 0.09
    assert 0.45 <= np.mean(p_values) <= 0.62
    assert 0.91 <= covered / runs <= 0.995


def test_network_summary_matches_networkx_with_isolated_entities_and_components():
    """Source: networkx density, connected_components and edge counts on the induced subgraph of each
    territory; entities that never came are not nodes; an entity alone at its meetings is a component."""
    rng = np.random.default_rng(4)
    ids = [f"e{i:02d}" for i in range(60)]
    entities = pd.DataFrame(
        {
            "entity_id": ids,
            "category": rng.choice(["csv", "altri", "associazioni"], 60),
            "territory": rng.choice(list("XYZ"), 60),
        }
    )
    rows = [(f"m{j}", e) for j in range(12) for e in rng.choice(ids[:55], size=rng.integers(1, 6), replace=False)]
    attendance = pd.DataFrame(rows, columns=["meeting_id", "entity_id"]).drop_duplicates()
    table = network_summary(attendance, entities, by=["territory"], min_cell=3).set_index("territory")
    graph = coattendance_graph(attendance, entities)
    for name, part in entities.groupby("territory"):
        sub = graph.subgraph([e for e in part["entity_id"] if e in graph])
        row = table.loc[name]
        assert row["n_nodes"] == sub.number_of_nodes() and row["n_edges"] == sub.number_of_edges()
        assert row["n_components"] == nx.number_connected_components(sub)
        assert row["density"] == pytest.approx(nx.density(sub))
        sizes = sub.number_of_nodes() and max(len(c) for c in nx.connected_components(sub)) / sub.number_of_nodes()
        assert row["largest_component_share"] == pytest.approx(sizes)
        counts = pd.Series([sub.nodes[x]["category"] for x in sub.nodes]).value_counts().to_numpy()
        n = counts.sum()
        assert row["cross_category_expected"] == pytest.approx(
            1 - sum(comb(int(k), 2) for k in counts) / comb(int(n), 2)
        )


def test_the_null_columns_are_blanked_with_the_network():
    """Source: disclosure rule: a network of fewer than min_cell entities shows none of its statistics."""
    entities = pd.DataFrame({"entity_id": list("abcd"), "category": ["csv", "csv", "altri", "altri"]})
    attendance = pd.DataFrame({"meeting_id": ["m1"] * 4, "entity_id": list("abcd")})
    row = network_summary(attendance, entities, min_cell=5).iloc[0]
    assert row["suppressed"]
    assert row[["cross_category_share", "cross_category_low", "cross_category_high", "cross_category_p"]].isna().all()


@pytest.fixture(scope="module")
def network_data():
    """40 entities, 3 categories, 10 meetings with a core of regulars (as tests/stats/test_stats_participation.py)."""
    rng = np.random.default_rng(7)
    entities = pd.DataFrame(
        {
            "entity_id": [f"e{i:02d}" for i in range(40)],
            "category": rng.choice(["associazioni", "csv", "altri"], 40, p=[0.6, 0.2, 0.2]),
        }
    )
    propensity = np.where(np.arange(40) < 10, 0.8, 0.15)
    rows = [(f"m{j}", f"e{i:02d}") for j in range(10) for i in range(40) if rng.random() < propensity[i]]
    return pd.DataFrame(rows, columns=["meeting_id", "entity_id"]), entities
