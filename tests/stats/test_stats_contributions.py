"""Phase 1 contributions by strategic node (palestre_analysis.stats.contributions)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats as sps

from palestre_analysis.core.vocabulary import NODES
from palestre_analysis.stats import contribution_counts, contribution_test


def make_data(n_entities: int):
    """Entities in 3 categories with different node preferences, 1-4 contributions each."""
    rng = np.random.default_rng(3)
    categories = rng.choice(["associazioni", "csv", "fondazioni_comunita"], n_entities, p=[0.5, 0.25, 0.25])
    entities = pd.DataFrame(
        {
            "entity_id": [f"e{i}" for i in range(n_entities)],
            "category": categories,
            "territory": rng.choice(["Como", "Lecco"], n_entities),
        }
    )
    preference = {
        "associazioni": [0.4, 0.4, 0.1, 0.1],
        "csv": [0.1, 0.2, 0.6, 0.1],
        "fondazioni_comunita": [0.1, 0.2, 0.2, 0.5],
    }
    rows = [
        (f"e{i}", NODES[rng.choice(4, p=preference[c])])
        for i, c in enumerate(categories)
        for _ in range(rng.integers(1, 5))
    ]
    return pd.DataFrame(rows, columns=["entity_id", "node"]), entities


@pytest.fixture(scope="module")
def data():
    """60 entities: small cells, so disclosure control has work to do."""
    return make_data(60)


@pytest.fixture(scope="module")
def large_data():
    """400 entities: every category x node cell holds enough delegates to be shown."""
    return make_data(400)


def test_counts_match_pandas_crosstab(data):
    """Source: pandas.crosstab of contributions and of distinct delegates."""
    contributions, entities = data
    t = contribution_counts(contributions, entities, min_cell=3)
    merged = contributions.merge(entities, on="entity_id")
    table = pd.crosstab(merged["category"], merged["node"])
    people = merged.drop_duplicates(["entity_id", "node"])
    people = pd.crosstab(people["category"], people["node"])
    for row in t[(t["category"] != "all") & ~t["suppressed"]].itertuples():
        assert row.n_contributions == table.loc[row.category, row.node]
        assert row.n_entities == people.loc[row.category, row.node]
        assert row.share == pytest.approx(table.loc[row.category, row.node] / table.loc[row.category].sum())
    assert set(t["node"]) == set(NODES)


def test_disclosure_counts_delegates_not_contributions():
    """Source: disclosure rule (unit = distinct delegates): 12 contributions of 2 delegates are blanked,
    and the next smallest node of the category with them."""
    entities = pd.DataFrame({"entity_id": list("abcdefghijkl"), "category": "csv"})
    rows = (
        [("a", NODES[0])] * 6
        + [("b", NODES[0])] * 6
        + [(e, NODES[1]) for e in "cdefg"]
        + [(e, NODES[2]) for e in "hijkl"] * 2
    )
    t = contribution_counts(pd.DataFrame(rows, columns=["entity_id", "node"]), entities, min_cell=5)
    t = t[t["category"] == "csv"].set_index("node")
    assert t.loc[NODES[0], "suppressed"] and np.isnan(t.loc[NODES[0], "n_contributions"])
    assert t.loc[NODES[1], "suppressed"]  # 5 delegates, 5 contributions: the smaller of the rest
    assert not t.loc[NODES[2], "suppressed"] and t.loc[NODES[2], "n_contributions"] == 10


def test_statistic_and_cramers_v_match_scipy(large_data):
    """Source: scipy.stats.chi2_contingency(correction=False) and a hand-computed Cramér's V."""
    contributions, entities = large_data
    t = contribution_test(contributions, entities, n_resamples=999)
    merged = contributions.merge(entities, on="entity_id")
    table = pd.crosstab(merged["category"], merged["node"]).to_numpy()
    ref = sps.chi2_contingency(table, correction=False)
    assert t["statistic"].iloc[0] == pytest.approx(ref.statistic)
    v = np.sqrt(ref.statistic / (table.sum() * (min(table.shape) - 1)))
    assert t["cramers_v"].iloc[0] == pytest.approx(v)
    assert t["p_value"].iloc[0] < 0.01  # the preferences differ by construction


def test_p_value_matches_a_naive_entity_permutation_loop(large_data):
    """Source: a naive loop that shuffles categories among entities with numpy and recounts.

    Tolerance: 4 Monte Carlo standard errors (both sides use 2000 permutations).
    """
    contributions, entities = large_data
    part = entities[entities["territory"] == "Lecco"]
    contrib = contributions[contributions["entity_id"].isin(part["entity_id"])]
    # weaken the signal so the p-value is in the middle of the range
    contrib = contrib.assign(node=np.where(np.arange(len(contrib)) % 3 == 0, NODES[0], contrib["node"]))
    ours = contribution_test(contrib, part, n_resamples=2000, min_cell=3).iloc[0]
    assert not ours["suppressed"]
    rng = np.random.default_rng(0)
    ids = part["entity_id"].to_numpy()
    cats = part["category"].to_numpy()
    row_of = pd.Index(ids).get_indexer(contrib["entity_id"])
    node_code, _ = pd.factorize(contrib["node"])

    def x2(assign):
        cat_code, _ = pd.factorize(assign[row_of])
        tab = np.zeros((cat_code.max() + 1, node_code.max() + 1))
        np.add.at(tab, (cat_code, node_code), 1)
        return sps.chi2_contingency(tab, correction=False).statistic

    observed = x2(cats)
    assert ours["statistic"] == pytest.approx(observed)
    null = np.array([x2(rng.permutation(cats)) for _ in range(2000)])
    naive = (1 + (null >= observed - 1e-9).sum()) / 2001
    se = np.sqrt(naive * (1 - naive) / 2000)
    assert ours["p_value"] == pytest.approx(naive, abs=4 * se + 0.01)


def test_by_territory_seeded_and_small_territories_blanked(data):
    """Source: reproducibility contract; disclosure rule on contributing delegates."""
    contributions, entities = data
    a = contribution_test(contributions, entities, by=["territory"], n_resamples=500, min_cell=40)
    b = contribution_test(contributions, entities, by=["territory"], n_resamples=500, min_cell=40)
    pd.testing.assert_frame_equal(a, b)
    assert a["suppressed"].all() and a["p_value"].isna().all() and "fewer than 40" in a["note"].iloc[0]


def test_a_single_category_is_a_note_not_a_crash():
    """Source: the input contract (nothing to test: NaN with a note)."""
    entities = pd.DataFrame({"entity_id": list("abcdef"), "category": "csv"})
    contributions = pd.DataFrame({"entity_id": list("abcdef"), "node": NODES[0]})
    t = contribution_test(contributions, entities, min_cell=3)
    assert np.isnan(t["statistic"].iloc[0]) and "nothing to test" in t["note"].iloc[0]


def test_unknown_entity_raises_a_sentence(data):
    contributions, entities = data
    with pytest.raises(ValueError, match="missing from the entities table"):
        contribution_counts(contributions.assign(entity_id="nobody"), entities)


def test_category_with_few_contributors_is_blanked_whole_zeros_included():
    """Regression (demo, Lodi): one entity's zero counts told what it did not say."""
    entities = pd.DataFrame({"entity_id": list("abcdefg"), "category": ["associazioni"] * 5 + ["csv"] * 2})
    contributions = pd.DataFrame(
        {"entity_id": list("abcde") + ["f", "g"], "node": ["Reti comunitarie"] * 5 + ["Strumentazione"] * 2}
    )
    table = contribution_counts(contributions, entities, min_cell=5)
    csv_rows = table[table["category"] == "csv"]
    assert csv_rows[["n_contributions", "n_entities", "share"]].isna().all().all()
    assert csv_rows["suppressed"].all()
    associations = table[table["category"] == "associazioni"].set_index("node")
    assert associations.loc["Reti comunitarie", "share"] == 1.0


def test_hidden_cells_withhold_the_exact_statistic(data):
    """Disclosure: the exact X^2 is one equation in the hidden counts: it is withheld, p and V are rounded.
    Source: the same call on the same data with min_cell = 3, where no cell is hidden."""
    contributions, entities = data
    assert contribution_counts(contributions, entities, min_cell=5)["suppressed"].any()
    hidden = contribution_test(contributions, entities, n_resamples=199, min_cell=5, seed=2).iloc[0]
    assert np.isnan(hidden["statistic"]) and "rounded" in hidden["note"]
    assert hidden["p_value"] == round(hidden["p_value"], 2) and hidden["cramers_v"] == round(hidden["cramers_v"], 1)
