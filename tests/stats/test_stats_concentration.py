"""The Gini and the regulars' share are published only where they cannot give back exact attendance.

Oracle: the attacker's brute-force enumeration of every attendance profile that agrees
with the published bands, total, share and Gini
(:func:`palestre_analysis.audit.nonlinear.attendance_profiles`, an independent
implementation that lists profiles instead of searching for a witness). The Gini is the
formula of Damgaard & Weiner (2000), checked in ``test_stats_participation``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from palestre_analysis import config
from palestre_analysis.audit.nonlinear import attendance_profiles
from palestre_analysis.stats import gini
from palestre_analysis.stats.concentration import concentration_is_protected

BANDS = config.ATTENDANCE_BANDS
MEETINGS = 18


def tables(visits: list[int]):
    entities = pd.DataFrame({"entity_id": [f"e{i}" for i in range(len(visits))]})
    rows = [(f"m{m}", f"e{i}") for i, k in enumerate(visits) for m in range(k)]
    return pd.DataFrame(rows, columns=["meeting_id", "entity_id"]), entities


def published_bands(visits: list[int]):
    edges = [*BANDS, MEETINGS + 1]
    bands = []
    for low, high in zip(edges[:-1], edges[1:], strict=True):
        high = min(high, MEETINGS + 1) - 1
        bands.append((low, high, sum(low <= k <= high for k in visits)))
    return bands


def attacker_bounds(visits: list[int]):
    k = np.asarray(visits)
    total = int(k.sum())
    share = round(k[k >= 3].sum() / total, 2)
    return attendance_profiles(published_bands(visits), total, 3, share, round(gini(k), 2), 0.005 + 1e-9)


def test_a_small_territory_is_not_protected_and_the_attacker_agrees():
    visits = [1, 1, 1, 3, 5, 6, 9]
    assert not concentration_is_protected(*tables(visits), BANDS, 5, MEETINGS)
    bounds = attacker_bounds(visits)
    assert any(1 <= low and high <= 4 for low, high in bounds.values()), bounds


def test_a_territory_whose_wide_bands_hold_only_large_counts_is_protected():
    visits = [1] * 6 + [2] * 5 + [4] * 6 + [7] * 5
    assert concentration_is_protected(*tables(visits), BANDS, 5, MEETINGS)


def band_block(low: int, high: int):
    """0 or 5-7 entities, each at some number of meetings within the band."""
    return st.one_of(st.just([]), st.lists(st.integers(low, high), min_size=5, max_size=7))


@settings(max_examples=60, deadline=None)
@given(band_block(1, 1), band_block(2, 2), band_block(3, 5), band_block(6, 9))
def test_whenever_it_says_protected_the_attacker_finds_no_exact_small_count(ones, twos, few, many):
    visits = [*ones, *twos, *few, *many]
    if sum(visits) == 0 or not concentration_is_protected(*tables(visits), BANDS, 5, MEETINGS):
        return
    bounds = attacker_bounds(visits)
    assert bounds is not None
    for meetings, (low, high) in bounds.items():
        assert not (low >= 1 and high <= 4), f"{meetings} meetings: {low}..{high} from {visits}"
