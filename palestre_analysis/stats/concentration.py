"""Whether the Gini and the regulars' share of attendance may be published next to the bands.

The bands of meetings attended (0, 1, 2, 3-5, ...) hide how many entities attended each
exact number of meetings. The total of attendances, the regulars' share of them and the
Gini, even rounded, narrow that down: for a small territory they pin it exactly. They
are published only when, for every exact number of meetings that 1 to ``min_cell - 1``
entities attended, another attendance profile exists that gives the same bands, the
same total, the same regulars' share and the same rounded Gini, but has none or at least
``min_cell`` entities at that number: then no reader can tell.

The search uses one property of the Gini: with the bands fixed, the sum of absolute
differences splits into a part within each band and a part across bands that depends
only on each band's count and total. A witness is sought inside one band at a time,
keeping that band's total (so the total and the regulars' share do not move) and
keeping the Gini within its rounding. Finding none means "not protected": the check
errs on the side of hiding.

Written by hand: no library does disclosure checks of a Gini coefficient.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence

import numpy as np
import pandas as pd

from .disclosure import check_min_cell

__all__ = ["concentration_is_protected", "total_is_protected", "attendance_profile"]

_ENUMERATION_LIMIT = 200_000
_SEARCH_STEPS = 20_000


def attendance_profile(attendance: pd.DataFrame, entities: pd.DataFrame) -> np.ndarray:
    """Meetings attended by each entity (zeros included), in the order of ``entities``.

    Parameters
    ----------
    attendance : DataFrame
        ``meeting_id``, ``entity_id``.
    entities : DataFrame
        ``entity_id``.

    Returns
    -------
    ndarray of int

    Examples
    --------
    >>> attendance_profile(pd.DataFrame({"meeting_id": ["m1", "m2", "m1"], "entity_id": ["a", "a", "b"]}),
    ...                    pd.DataFrame({"entity_id": ["a", "b", "c"]})).tolist()
    [2, 1, 0]
    """
    counts = attendance.drop_duplicates(["meeting_id", "entity_id"]).groupby("entity_id").size()
    return entities["entity_id"].map(counts).fillna(0).to_numpy(dtype=int)


def concentration_is_protected(
    attendance: pd.DataFrame,
    entities: pd.DataFrame,
    bands: Sequence[int],
    min_cell: int,
    n_meetings: int,
    *,
    decimals: int = 2,
) -> bool:
    """True when the rounded Gini and regulars' share cannot give back an exact attendance count.

    Parameters
    ----------
    attendance, entities : DataFrame
        One territory's attendance and entities.
    bands : sequence of int
        Lower edges of the published bands; the regulars' threshold must be one of them.
    min_cell : int
        Threshold.
    n_meetings : int
        Meetings of the whole process (the top band's upper end).
    decimals : int, default 2
        Decimals the Gini and the share are published with.

    Returns
    -------
    bool
        False also when a band holds 1 to ``min_cell - 1`` entities (it is hidden, and
        these statistics would help rebuild it).

    Examples
    --------
    Seven entities: the bands 3-5 and 6-9 each hold two, and the Gini to two decimals
    leaves only one way to split them.

    >>> e = pd.DataFrame({"entity_id": list("abcdefg")})
    >>> visits = {"a": 1, "b": 1, "c": 1, "d": 3, "e": 5, "f": 6, "g": 9}
    >>> a = pd.DataFrame([(f"m{i}", k) for k, n in visits.items() for i in range(n)],
    ...                  columns=["meeting_id", "entity_id"])
    >>> concentration_is_protected(a, e, (0, 1, 2, 3, 6, 10), 5, 18)
    False
    """
    min_cell = check_min_cell(min_cell)
    k = attendance_profile(attendance, entities)
    if len(k) == 0 or k.sum() == 0:
        return True
    histogram = np.bincount(k, minlength=n_meetings + 1)
    slack = _slack(histogram, decimals)
    edges = list(bands) + [n_meetings + 1]
    for low, high in itertools.pairwise(edges):
        high = min(high, n_meetings + 1)
        part = histogram[low:high]
        if 0 < part.sum() < min_cell:
            return False  # the band itself is hidden: the Gini and the total would help rebuild it
        at_risk = [i for i, h in enumerate(part) if 0 < h < min_cell]
        if len(part) < 2 or not at_risk:
            continue
        values = np.arange(low, high)
        for i in at_risk:
            if not _witness(part, values, i, min_cell, slack):
                return False
    return True


def total_is_protected(
    bands: list[tuple[int, int, int, bool]], total: int, min_cell: int, regular_from: int = 3
) -> bool:
    """True when the total of attendances, next to the bands, narrows no hidden band dangerously.

    Each band's entities attended between its edges, so the total bounds the hidden bands:
    with few entities it can pin one. Every split of the hidden entities over the hidden
    bands that agrees with the total is listed; the total may be shown when every hidden
    band can still hold two different counts, one of them 0 or at least ``min_cell``.

    Parameters
    ----------
    bands : list of (int, int, int, bool)
        ``(lowest, highest, entities, hidden)`` of each band, the last up to the number
        of meetings of the process.
    total : int
        Attendances.
    min_cell : int
    regular_from : int, default 3
        Regulars attended at least this many meetings (a band edge): their number, the sum
        of the upper bands, must stay open too.

    Returns
    -------
    bool
        False also when the splits are too many to list.

    Examples
    --------
    Seven entities: 4 at one meeting and 1 at two (hidden), 2 at six to nine (hidden), 20
    attendances: only 2 entities fit in the top band, so the total would give it away.

    >>> bands = [(0, 0, 0, False), (1, 1, 4, True), (2, 2, 1, True), (3, 5, 0, False), (6, 9, 2, True)]
    >>> total_is_protected(bands, 20, 5)
    False
    """
    from math import comb

    hidden = [b for b in bands if b[3]]
    if not hidden:
        return True
    rest = sum(b[2] for b in hidden)
    if comb(rest + len(hidden) - 1, len(hidden) - 1) > _ENUMERATION_LIMIT:
        return False
    low_shown = sum(lo * n for lo, _, n, h in bands if not h)
    high_shown = sum(hi * n for _, hi, n, h in bands if not h)
    regulars_shown = sum(n for lo, _, n, h in bands if not h and lo >= regular_from)
    seen: list[set] = [set() for _ in range(len(hidden) + 1)]  # each hidden band, and the regulars
    for split in _compositions(rest, len(hidden)):
        low = low_shown + sum(b[0] * n for b, n in zip(hidden, split, strict=True))
        high = high_shown + sum(b[1] * n for b, n in zip(hidden, split, strict=True))
        if low <= total <= high:
            for values, n in zip(seen[:-1], split, strict=True):
                values.add(n)
            seen[-1].add(regulars_shown + sum(n for b, n in zip(hidden, split, strict=True) if b[0] >= regular_from))
    if not any(b[0] >= regular_from for b in hidden):
        seen.pop()  # the regulars are a sum of shown bands
    return all(len(v) >= 2 and any(n == 0 or n >= min_cell for n in v) for v in seen)


def _slack(histogram: np.ndarray, decimals: int) -> tuple[float, float]:
    """How far the within-band sum of differences may move with the rounded Gini unchanged."""
    values = np.arange(len(histogram))
    n, total = histogram.sum(), (histogram * values).sum()
    d = _differences(histogram, values)
    g = round(d / (2 * n * total), decimals)
    half = 0.5 * 10.0**-decimals
    return (g - half) * 2 * n * total - d, (g + half) * 2 * n * total - d


def _differences(histogram: np.ndarray, values: np.ndarray) -> float:
    """Sum of |x_i - x_j| over ordered pairs of entities."""
    return float((np.outer(histogram, histogram) * np.abs(np.subtract.outer(values, values))).sum())


def _witness(part: np.ndarray, values: np.ndarray, i: int, min_cell: int, slack: tuple[float, float]) -> bool:
    """Another split of one band, same count and total, Gini within rounding, with h_i = 0 or >= min_cell."""
    count, total = int(part.sum()), int((part * values).sum())
    base = _differences(part, values)
    low, high = base + slack[0] - 1e-9, base + slack[1] + 1e-9

    def ok(candidate: np.ndarray) -> bool:
        h = candidate[i]
        return (h == 0 or h >= min_cell) and low <= _differences(candidate, values) <= high

    if _n_compositions(count, len(part)) <= _ENUMERATION_LIMIT:
        for candidate in _compositions(count, len(part)):
            candidate = np.asarray(candidate)
            if (candidate * values).sum() == total and ok(candidate):
                return True
        return False
    return _search(part, values, i, ok)


def _n_compositions(count: int, parts: int) -> int:
    from math import comb

    return comb(count + parts - 1, parts - 1)


def _compositions(count: int, parts: int):
    if parts == 1:
        yield (count,)
        return
    for first in range(count, -1, -1):
        for rest in _compositions(count - first, parts - 1):
            yield (first, *rest)


def _search(part: np.ndarray, values: np.ndarray, i: int, ok) -> bool:
    """Random walk over splits with the same count and total, pushed towards h_i = 0 or >= min_cell."""
    rng = np.random.default_rng(0)
    current = part.copy()
    for _ in range(_SEARCH_STEPS):
        if ok(current):
            return True
        # move one entity up a value and another down a value: count and total stay
        up, down = rng.integers(0, len(values) - 1), rng.integers(1, len(values))
        if current[up] == 0 or current[down] == 0 or (up == down - 1 and current[up] + current[down] < 2):
            continue
        step = current.copy()
        step[up] -= 1
        step[up + 1] += 1
        step[down] -= 1
        step[down - 1] += 1
        if step.min() >= 0:
            current = step
    return False
