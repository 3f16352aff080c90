"""Building and validating the vote table (palestre_analysis.stats.votes)."""

from __future__ import annotations

import pandas as pd
import pytest

from palestre_analysis.stats import cell_stats, prepare_votes, validate_votes


def test_prepare_votes_joins_group_and_territory():
    """Source: the processed-table contract (docs/processed_tables.md)."""
    votes = pd.DataFrame(
        {
            "entity_id": ["e1", "e2", "e1"],
            "field": "F",
            "resource": ["R1", "R1", "R2"],
            "need": "N",
            "score": pd.array([7, 3, 9], dtype="int8"),
        }
    )
    entities = pd.DataFrame(
        {
            "entity_id": ["e1", "e2"],
            "group": ["aps_odv", "fondazioni_csv_altri"],
            "territory": ["Como", "Lodi"],
            "entity_name": ["x", "y"],
        }
    )
    v = prepare_votes(votes, entities)
    assert list(v.columns) == ["rater", "field", "resource", "need", "score", "group", "territory"]
    assert v["group"].tolist() == ["aps_odv", "fondazioni_csv_altri", "aps_odv"]
    validate_votes(v, ["territory"])
    assert cell_stats(v, by=["territory"], min_cell=3)["n"].sum() == 6  # 3 votes, counted in all + own group


def test_prepare_votes_refuses_unknown_entities():
    votes = pd.DataFrame({"entity_id": ["e9"], "field": "F", "resource": "R", "need": "N", "score": [7]})
    entities = pd.DataFrame({"entity_id": ["e1"], "group": ["aps_odv"], "territory": ["Como"]})
    with pytest.raises(ValueError, match="missing from the entities table"):
        prepare_votes(votes, entities)


@pytest.mark.parametrize(
    "by, message",
    [(["group"], "cannot name the vote columns"), (["territory", "territory"], "twice"), (["region"], "lacks")],
)
def test_bad_by(votes, by, message):
    with pytest.raises(ValueError, match=message):
        validate_votes(votes, by)


def test_not_a_dataframe():
    with pytest.raises(ValueError, match="pandas DataFrame"):
        validate_votes([1, 2, 3])


def test_boolean_scores_are_refused(votes):
    with pytest.raises(ValueError, match="numeric"):
        validate_votes(votes.assign(score=True))


def test_resource_summary_matches_a_plain_pandas_count():
    """Independent check: groupby counts written out by hand."""
    import numpy as np
    import pandas as pd

    from palestre_analysis.stats import resource_summary

    rng = np.random.default_rng(3)
    votes = pd.DataFrame(
        {
            "rater": rng.integers(0, 40, 2000).astype(str),
            "field": "F",
            "resource": rng.choice(["A", "B", "C"], 2000),
            "need": rng.choice(["x", "y"], 2000),
            "score": rng.integers(1, 11, 2000),
            "group": "aps_odv",
        }
    )
    votes = votes.drop_duplicates(["rater", "field", "resource", "need"])
    table = resource_summary(votes, min_cell=5).set_index("resource")
    for resource, part in votes.groupby("resource"):
        assert table.loc[resource, "n_raters"] == part["rater"].nunique()
        assert table.loc[resource, "mean"] == pytest.approx(part["score"].mean())
        assert table.loc[resource, "share_low"] == pytest.approx((part["score"] <= 4).mean())
        assert table.loc[resource, "share_high"] == pytest.approx((part["score"] >= 7).mean())
    few = resource_summary(votes[votes["rater"].isin(["1", "2"])], min_cell=5)
    assert few[["mean", "share_low", "share_mid", "share_high"]].isna().all().all() and few["suppressed"].all()
