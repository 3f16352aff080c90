"""Disclosure control shared by every table (palestre_analysis.stats.disclosure)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from palestre_analysis import config
from palestre_analysis.stats import (
    agreement,
    best_crossing,
    cell_stats,
    check_min_cell,
    composition,
    group_comparison,
    protect_complement,
    suppress,
    suppress_counts,
)
from palestre_analysis.stats.disclosure import suppression_mask


@pytest.mark.parametrize("value", [0, 1, 2, -5])
def test_min_cell_below_the_floor_is_refused_with_a_sentence(value):
    """Source: Sistan (2018): thresholds below 3 are not allowed (config.MIN_CELL_FLOOR)."""
    with pytest.raises(ValueError, match=f"min_cell is {value}, but it must be at least 3"):
        check_min_cell(value)


@pytest.mark.parametrize("value", [2.5, "5", None, True])
def test_min_cell_must_be_a_whole_number(value):
    with pytest.raises(ValueError, match="whole number"):
        check_min_cell(value)


def test_floor_and_default_are_the_configured_ones():
    """Source: config.py (MIN_CELL 5, MIN_CELL_FLOOR 3)."""
    assert check_min_cell(config.MIN_CELL_FLOOR) == 3 and check_min_cell(5.0) == 5


def test_every_public_table_refuses_min_cell_two(votes):
    """Source: the contract: every function that publishes numbers checks the threshold."""
    entities = pd.DataFrame({"category": ["csv"] * 6})
    calls = [
        lambda: cell_stats(votes, min_cell=2),
        lambda: best_crossing(votes, min_cell=2),
        lambda: group_comparison(votes, min_cell=2),
        lambda: agreement(votes, min_cell=2),
        lambda: composition(entities, {"csv": 1.0}, min_cell=2),
    ]
    for call in calls:
        with pytest.raises(ValueError, match="at least 3"):
            call()


def test_suppress_keeps_other_columns_and_ors_the_flag():
    t = pd.DataFrame({"n": [1, 9, 9], "x": [1.0, 2.0, 3.0], "suppressed": [False, False, True]})
    suppress(t, "n", ["x"], 3)
    assert t["x"].isna().tolist() == [True, False, False] and t["suppressed"].tolist() == [True, False, True]


def test_protect_complement_picks_the_smallest_nonzero_other_cell():
    """Source: Hundepool et al. (2012), secondary suppression: the smallest other cell goes."""
    t = pd.DataFrame({"g": [0, 0, 0, 0, 1, 1], "n": [2, 0, 8, 6, 9, 9], "v": [1.0] * 6})
    suppress(t, "n", ["v"], 5)
    protect_complement(t, "g", "n", ["v"], 5)
    assert t["suppressed"].tolist() == [True, True, False, True, False, False]  # the empty row is flagged too


def test_two_small_blanks_are_not_enough_when_their_sum_is_small():
    """Source: Hundepool et al. (2012): the suppressed cells together must hold min_cell units,
    or total - shown cells reveals a statistic of fewer delegates (1 + 1 = 2 here)."""
    mask = suppression_mask([1, 1, 6, 30], 5, within=np.zeros(4, dtype=int))
    assert mask.tolist() == [True, True, True, False]


@settings(max_examples=80, deadline=None)
@given(st.lists(st.integers(0, 15), min_size=2, max_size=8), st.integers(3, 7))
def test_suppress_counts_never_leaves_a_small_recoverable_sum(counts, min_cell):
    """Property: no small count shown; when the total may be shown (>= min_cell), the blanked
    counts, which total - shown recovers as a sum, hold 0 or at least min_cell delegates."""
    t = pd.DataFrame({"k": counts})
    suppress_counts(t, ["k"], min_cell, within=np.zeros(len(counts), dtype=int))
    raw = np.array(counts)
    blank = t["k"].isna().to_numpy()
    assert not ((raw > 0) & (raw < min_cell) & ~blank).any()
    if raw.sum() >= min_cell:
        assert raw[blank].sum() == 0 or raw[blank].sum() >= min_cell


@settings(max_examples=80, deadline=None)
@given(st.integers(2, 5), st.integers(2, 5), st.integers(3, 6), st.randoms(use_true_random=False))
def test_two_way_tables_are_protected_in_rows_and_columns(n_rows, n_cols, min_cell, random):
    """Property (tables with both margins published): in every row and column whose total is at
    least min_cell, the blanked cells hold 0 or at least min_cell delegates."""
    table = np.array([[random.choice([0, 0, 1, 2, 3, 4, 7, 12]) for _ in range(n_cols)] for _ in range(n_rows)])
    rows = np.repeat(np.arange(n_rows), n_cols)
    cols = np.tile(np.arange(n_cols), n_rows)
    mask = suppression_mask(table.ravel(), min_cell, [rows, cols]).reshape(n_rows, n_cols)
    assert not ((table > 0) & (table < min_cell) & ~mask).any()
    for axis in (0, 1):
        hidden = np.where(mask, table, 0).sum(axis=axis)
        total = table.sum(axis=axis)
        assert ((hidden == 0) | (hidden >= min_cell) | (total < min_cell)).all()
