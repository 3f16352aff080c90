"""Participation: attendance, newcomers, regulars, Gini, the co-attendance network."""

from __future__ import annotations

import itertools

import networkx as nx
import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from palestre_analysis.stats import (
    attendance_by_meeting,
    attendance_distribution,
    coattendance_graph,
    gini,
    network_summary,
    participation_summary,
)


@pytest.fixture(scope="module")
def network():
    """40 entities in 2 territories and 3 categories, 10 meetings, a core of regulars."""
    rng = np.random.default_rng(7)
    entities = pd.DataFrame(
        {
            "entity_id": [f"e{i:02d}" for i in range(40)],
            "category": rng.choice(["associazioni", "csv", "altri"], 40, p=[0.6, 0.2, 0.2]),
            "territory": rng.choice(["Bergamo", "Brescia"], 40),
            "entity_name": "hidden",
        }
    )
    meetings = pd.DataFrame(
        {"meeting_id": [f"m{j}" for j in range(10)], "date": pd.date_range("2018-09-01", periods=10, freq="21D")}
    )
    propensity = np.where(np.arange(40) < 10, 0.8, 0.15)
    rows = [(f"m{j}", f"e{i:02d}") for j in range(10) for i in range(40) if rng.random() < propensity[i]]
    attendance = pd.DataFrame(rows, columns=["meeting_id", "entity_id"])
    return attendance, meetings, entities


def test_gini_published_example():
    """Source: REFERENCES.md: x = 1 3 2 1 1 1 4 gives 0.3077."""
    assert gini([1, 3, 2, 1, 1, 1, 4]) == pytest.approx(0.3077, abs=5e-5)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.integers(0, 30), min_size=1, max_size=40).filter(lambda x: sum(x) > 0))
def test_gini_equals_mean_absolute_difference_formula(x):
    """Source: the independent definition G = sum_ij |x_i - x_j| / (2 n^2 mean), naive double loop."""
    n = len(x)
    mad = sum(abs(a - b) for a, b in itertools.product(x, x))
    assert gini(x) == pytest.approx(mad / (2 * n * n * np.mean(x)), abs=1e-12)


def test_gini_edge_cases():
    """Source: definition (equal values 0; empty or all-zero undefined; negative refused)."""
    assert gini([3, 3, 3]) == 0.0
    assert np.isnan(gini([])) and np.isnan(gini([0, 0]))
    with pytest.raises(ValueError, match="non-negative"):
        gini([1, -1])


def test_attendance_by_meeting_matches_a_naive_loop(network):
    """Source: a naive Python loop over meetings in date order, tracking who was already seen."""
    attendance, meetings, entities = network
    t = attendance_by_meeting(attendance, meetings, entities, by=["territory"], min_cell=3)
    territory = entities.set_index("entity_id")["territory"]
    seen: set[str] = set()
    for meeting in meetings.sort_values("date")["meeting_id"]:
        present = set(attendance.loc[attendance.meeting_id == meeting, "entity_id"])
        new = present - seen
        seen |= present
        for name in ("Bergamo", "Brescia"):
            row = t[(t.meeting_id == meeting) & (t.territory == name) & (t.category == "all")].iloc[0]
            n_present = sum(territory[e] == name for e in present)
            n_new = sum(territory[e] == name for e in new)
            assert row["n_present"] == n_present or (pd.isna(row["n_present"]) and 0 < n_present < 3)
            assert row["n_newcomers"] == n_new or (pd.isna(row["n_newcomers"]) and 0 < n_new < 3)


def test_distribution_counts_entities_not_rows(network):
    """Source: numpy bincount of meetings per entity (entities with 0 included); never per-entity rows."""
    attendance, meetings, entities = network
    t = attendance_distribution(attendance, entities, min_cell=3)
    k = attendance.groupby("entity_id").size().reindex(entities["entity_id"], fill_value=0)
    expected = np.bincount(k, minlength=t["n_meetings"].max() + 1)
    all_rows = t[t["category"] == "all"].set_index("n_meetings")
    for j, count in enumerate(expected):
        value = all_rows.loc[j, "n_entities"]
        assert value == count or (pd.isna(value) and (0 < count < 3 or all_rows["n_entities"].isna().sum() >= 2))
    assert "entity_id" not in t.columns and len(t) < 5 * len(entities)


def test_summary_matches_naive_definitions(network):
    """Source: naive pandas computations of regulars, their share of attendances and the Gini."""
    attendance, meetings, entities = network
    t = participation_summary(attendance, entities, regular_min=4, min_cell=3).set_index("category")
    k = attendance.groupby("entity_id").size().reindex(entities["entity_id"], fill_value=0)
    row = t.loc["all"]
    assert row["n_entities"] == 40 and row["n_attendances"] == len(attendance)
    assert row["n_regulars"] == (k >= 4).sum()
    assert row["share_by_regulars"] == pytest.approx(k[k >= 4].sum() / k.sum())
    assert row["gini"] == pytest.approx(gini(k.to_numpy()))
    assert row["mean_meetings"] == pytest.approx(k.mean())


def test_summary_disclosure():
    """Source: disclosure rule (rows under min_cell blanked; small regular counts blanked with their share)."""
    entities = pd.DataFrame({"entity_id": list("abcdefghij"), "category": ["csv"] * 7 + ["altri"] * 3})
    attendance = pd.DataFrame(
        {"meeting_id": ["m1", "m2", "m3"] * 2 + ["m1"] * 8, "entity_id": list("aaabbb") + list("cdefghij")}
    )
    t = participation_summary(attendance, entities, min_cell=5).set_index("category")
    assert t.loc["altri", "suppressed"] and t.loc["altri", ["n_entities", "gini"]].isna().all()
    assert t.loc["csv", "suppressed"] and np.isnan(t.loc["csv", "n_entities"])  # secondary: all - altri
    assert np.isnan(t.loc["all", "n_regulars"]) and np.isnan(t.loc["all", "share_by_regulars"])
    assert t.loc["all", "n_entities"] == 10


def test_graph_weights_match_a_naive_pair_loop(network):
    """Source: a naive loop over meetings and pairs of entities present (itertools.combinations)."""
    attendance, meetings, entities = network
    g = coattendance_graph(attendance, entities)
    expected: dict[tuple[str, str], int] = {}
    for _, part in attendance.groupby("meeting_id"):
        for a, b in itertools.combinations(sorted(part["entity_id"]), 2):
            expected[(a, b)] = expected.get((a, b), 0) + 1
    got = {tuple(sorted((u, v))): w for u, v, w in g.edges(data="weight")}
    assert got == expected
    assert set(g.nodes) == set(attendance["entity_id"])
    assert all("entity_name" not in data for _, data in g.nodes(data=True))


def test_network_summary_matches_networkx_by_hand(network):
    """Source: networkx density / connected_components on the induced subgraph, computed here."""
    attendance, meetings, entities = network
    t = network_summary(attendance, entities, by=["territory"], min_cell=3).set_index("territory")
    g = coattendance_graph(attendance, entities)
    for name, part in entities.groupby("territory"):
        sub = g.subgraph([e for e in part["entity_id"] if e in g])
        row = t.loc[name]
        assert row["n_nodes"] == sub.number_of_nodes() and row["n_edges"] == sub.number_of_edges()
        assert row["density"] == pytest.approx(nx.density(sub))
        assert row["n_components"] == nx.number_connected_components(sub)
        cross = np.mean([sub.nodes[u]["category"] != sub.nodes[v]["category"] for u, v in sub.edges])
        assert row["cross_category_share"] == pytest.approx(cross)
        biggest = max(len(c) for c in nx.connected_components(sub))
        assert row["largest_component_share"] == pytest.approx(biggest / sub.number_of_nodes())


def test_small_networks_are_blanked():
    """Source: disclosure rule."""
    entities = pd.DataFrame({"entity_id": list("abc"), "category": "csv"})
    attendance = pd.DataFrame({"meeting_id": ["m1"] * 3, "entity_id": list("abc")})
    t = network_summary(attendance, entities)
    assert t["suppressed"].iloc[0] and np.isnan(t["density"].iloc[0])


@pytest.mark.parametrize(
    "change, message",
    [
        (lambda a, m, e: (a.assign(entity_id="zz"), m, e), "missing from the entities table"),
        (lambda a, m, e: (a.assign(meeting_id="m99"), m, e), "missing from the meetings table"),
        (lambda a, m, e: (a, m.assign(date=pd.NaT), e), "no date"),
        (lambda a, m, e: (a, m, e.drop(columns="category")), "lacks the column"),
        (lambda a, m, e: (a, m, e.assign(territory=None)), "'territory' has 40 missing"),
    ],
)
def test_bad_input_raises_a_sentence(network, change, message):
    """Source: the input contract."""
    attendance, meetings, entities = change(*network)
    with pytest.raises(ValueError, match=message):
        attendance_by_meeting(attendance, meetings, entities, by=["territory"])


def test_regular_min_is_validated(network):
    attendance, _, entities = network
    with pytest.raises(ValueError, match="regular_min"):
        participation_summary(attendance, entities, regular_min=0)


def test_cross_category_expected_is_the_random_pair_probability():
    """Source: direct enumeration of all pairs of entities (itertools.combinations)."""
    import itertools

    from palestre_analysis.stats import network_summary

    categories = ["csv"] * 3 + ["altri"] * 4 + ["associazioni"] * 6
    entities = pd.DataFrame({"entity_id": [f"e{i}" for i in range(13)], "category": categories})
    attendance = pd.DataFrame({"meeting_id": "m1", "entity_id": entities["entity_id"]})
    pairs = list(itertools.combinations(categories, 2))
    expected = sum(a != b for a, b in pairs) / len(pairs)
    table = network_summary(attendance, entities, min_cell=5).iloc[0]
    assert table["cross_category_expected"] == pytest.approx(expected)
    assert table["cross_category_share"] == pytest.approx(expected), "everyone met everyone: observed = expected"


def test_banded_distribution_adds_up_the_exact_one():
    """Source: meetings per entity counted by hand with pandas, then cut into the bands."""
    from palestre_analysis.stats import attendance_distribution

    rng = np.random.default_rng(5)
    entities = pd.DataFrame({"entity_id": [f"e{i}" for i in range(60)], "category": "associazioni"})
    rows = [(f"m{m}", f"e{i}") for i in range(60) for m in range(10) if rng.random() < (i % 10) / 10]
    attendance = pd.DataFrame(rows, columns=["meeting_id", "entity_id"])
    per_entity = attendance.groupby("entity_id").size().reindex(entities["entity_id"], fill_value=0)
    exact = per_entity.value_counts().reindex(range(11), fill_value=0)
    banded = attendance_distribution(attendance, entities, min_cell=3, bands=(0, 1, 3, 6))
    banded = banded[banded["category"] == "all"].set_index("n_meetings")["n_entities"]
    assert list(banded.index) == ["0", "1–2", "3–5", "6+"]
    assert banded.sum() == 60
    assert banded["3–5"] == exact.loc[3:5].sum() and banded["6+"] == exact.loc[6:].sum()
    with pytest.raises(ValueError, match="bands"):
        attendance_distribution(attendance, entities, bands=(1, 3))
