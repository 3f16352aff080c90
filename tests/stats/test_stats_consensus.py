"""Consensus rules (palestre_analysis.stats.consensus)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from palestre_analysis.stats import CONSENSUS_RULES, ConsensusRule, consensus


@settings(max_examples=100, deadline=None)
@given(st.lists(st.integers(1, 10), min_size=1, max_size=40), st.sampled_from([0.0, 1.0, 1.5, 2.0, 3.0]))
def test_iqr_rule_matches_numpy_quantile(scores, threshold):
    """Source: numpy.quantile (default linear method) IQR <= threshold."""
    x = np.array(scores)
    counts = np.bincount(x, minlength=11)[1:]
    iqr = np.quantile(x, 0.75) - np.quantile(x, 0.25)
    assert bool(consensus(counts, ConsensusRule("iqr", threshold))) == (iqr <= threshold)


@settings(max_examples=100, deadline=None)
@given(st.lists(st.integers(1, 10), min_size=1, max_size=40), st.sampled_from([0.6, 0.75, 0.8, 1.0]), st.integers(6, 9))
def test_percent_rule_matches_a_naive_count(scores, threshold, high):
    """Source: a naive count of the votes in the low (1..11-h), middle and high (h..10) bands."""
    x = np.array(scores)
    counts = np.bincount(x, minlength=11)[1:]
    bands = [(x <= 11 - high).mean(), ((x > 11 - high) & (x < high)).mean(), (x >= high).mean()]
    assert bool(consensus(counts, ConsensusRule("percent", threshold), high_score=high)) == (max(bands) >= threshold)


def test_diamond_2014_threshold_is_the_default_percent():
    """Source: Diamond et al. (2014): 75% is the median threshold; the named rules' defaults."""
    assert CONSENSUS_RULES["percent"] == ConsensusRule("percent", 0.75)
    assert CONSENSUS_RULES["iqr"] == ConsensusRule("iqr", 2.0)
    exactly = np.array([0, 0, 0, 0, 1, 0, 3, 0, 0, 0])  # 3 of 4 votes high: 75%
    assert consensus(exactly, "percent") and not consensus(exactly + [0, 0, 0, 0, 0, 1, 0, 0, 0, 0], "percent")


def test_empty_cells_are_not_consensus():
    assert not consensus(np.zeros(10, dtype=int), "percent") and not consensus(np.zeros(10, dtype=int), "iqr")


@pytest.mark.parametrize(
    "rule, message",
    [("mode", "must be one of"), (ConsensusRule.__new__(ConsensusRule), None)],
)
def test_unknown_rule(rule, message):
    if message is None:
        with pytest.raises(ValueError, match="kind must be"):
            ConsensusRule("median", 1.0)
        with pytest.raises(ValueError, match="in \\(0.5, 1\\]"):
            ConsensusRule("percent", 0.4)
        with pytest.raises(ValueError, match="0 .. 9"):
            ConsensusRule("iqr", 12)
    else:
        with pytest.raises(ValueError, match=message):
            consensus(np.ones(10), rule)
