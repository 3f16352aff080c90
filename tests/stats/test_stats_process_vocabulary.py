"""The process's groups and nodes reach the statistics: nothing falls back on the seed's vocabulary."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from palestre_analysis.core.process import Group, Process
from palestre_analysis.stats import (
    agreement,
    cell_stats,
    contribution_counts,
    contribution_test,
    validate_votes,
)
from palestre_analysis.stats.votes import group_keys

KEYS = {"aps_odv": "giovani", "fondazioni_csv_altri": "adulti"}
GROUPS = (Group("giovani", "Enti giovani", ("aps", "odv")), Group("adulti", "Enti adulti", ("*",)))


def test_cell_stats_rows_are_the_process_groups(make_votes):
    votes = make_votes(seed=2, n_raters=40)
    seed = cell_stats(votes, by=("territory",), min_cell=3)
    other = cell_stats(votes.assign(group=votes["group"].map(KEYS)), by=("territory",), min_cell=3, groups=GROUPS)
    assert list(other["group"].unique()) == ["all", "giovani", "adulti"]
    pd.testing.assert_frame_equal(other.assign(group=other["group"].replace({v: k for k, v in KEYS.items()})), seed)


def test_pooled_statistics_take_any_two_groups(make_votes):
    """Agreement pools the groups: a process's own group keys need no mapping."""
    votes = make_votes(seed=3, n_raters=30)
    seed = agreement(votes, min_cell=3, n_boot=50)
    other = agreement(votes.assign(group=votes["group"].map(KEYS)), min_cell=3, n_boot=50)
    pd.testing.assert_frame_equal(other, seed)


def test_validate_votes_checks_the_process_groups(make_votes):
    votes = make_votes(seed=5, n_raters=10).assign(group="giovani")
    validate_votes(votes, groups=Process(groups=GROUPS).groups)
    validate_votes(votes, groups=None)
    with pytest.raises(ValueError, match="group must be one of"):
        validate_votes(votes)
    with pytest.raises(ValueError, match="at most two groups"):
        validate_votes(votes.assign(group=np.resize(["a", "b", "c"], len(votes))), groups=None)
    assert group_keys(GROUPS) == ("giovani", "adulti")


def test_contributions_list_the_process_nodes_first():
    entities = pd.DataFrame({"entity_id": list("abcdefgh"), "category": ["csv"] * 4 + ["associazioni"] * 4})
    contributions = pd.DataFrame({"entity_id": list("abcdefgh"), "node": ["Reti"] * 4 + ["Ponti"] * 4})
    nodes = ("Ponti", "Reti", "Radici")
    table = contribution_counts(contributions, entities, min_cell=3, nodes=nodes)
    assert list(table.loc[table["category"] == "all", "node"]) == ["Ponti", "Reti", "Radici"]
    unknown = contribution_counts(contributions, entities, min_cell=3, nodes=("Radici",))
    assert list(unknown.loc[unknown["category"] == "all", "node"]) == ["Radici", "Ponti", "Reti"]
    test = contribution_test(contributions, entities, n_resamples=200, min_cell=3, nodes=nodes)
    seed = contribution_test(contributions, entities, n_resamples=200, min_cell=3)
    pd.testing.assert_frame_equal(test, seed)
