"""The attacker's enumerations, for the published statistics that are not linear in the counts.

* **Expected share of ties across categories** (``network.csv``): with ``N`` entities in
  categories of sizes ``n_c``, random mixing gives ``1 - sum n_c (n_c - 1) / (N (N - 1))``.
  Every split of ``N`` that agrees with the shown category counts and gives the
  published value (to its printed precision) is a candidate.
* **Gini and regulars' share of attendance** (``participation.csv``): every attendance
  profile (entities per exact number of meetings) that gives the published bands, the
  total of attendances, the regulars' share and the Gini (each to its precision).

Each enumeration yields, for every count, the smallest and largest value over the
candidates. It is run only while the candidates are few enough to list
(:data:`LIMIT`); beyond that, the territory is named as not enumerated.
"""

from __future__ import annotations

import itertools
from math import comb

import numpy as np

__all__ = ["LIMIT", "category_splits", "attendance_profiles", "with_hidden_bands"]

#: Largest number of raw combinations an enumeration walks through.
LIMIT = 2_000_000


def _compositions(count: int, parts: int):
    if parts == 1:
        yield (count,)
        return
    for first in range(count + 1):
        for rest in _compositions(count - first, parts - 1):
            yield (first, *rest)


def category_splits(total: int, shown: dict, hidden: list, expected: float, tolerance: float):
    """Bounds of each hidden category count, from the expected share of ties across categories.

    Parameters
    ----------
    total : int
        Entities in the network.
    shown : dict of str to int
        Category counts the tables show.
    hidden : list of str
        Categories whose count is blank.
    expected : float
        The published expected share.
    tolerance : float
        Half the unit of its last printed digit.

    Returns
    -------
    dict of str to (int, int), or None
        ``None`` when there are too many splits to list.

    Examples
    --------
    >>> category_splits(7, {"a": 0}, ["b", "c"], 1 - (5 * 4 + 2 * 1) / 42, 1e-9)
    {'b': (2, 5), 'c': (2, 5)}
    """
    rest = total - sum(shown.values())
    if rest < 0 or not hidden:
        return {}
    if comb(rest + len(hidden) - 1, len(hidden) - 1) > LIMIT:
        return None
    fixed = sum(n * (n - 1) for n in shown.values())
    pairs = total * (total - 1)
    bounds: dict[str, list[int]] = {}
    for split in _compositions(rest, len(hidden)):
        value = 1 - (fixed + sum(n * (n - 1) for n in split)) / pairs
        if abs(value - expected) <= tolerance:
            for category, n in zip(hidden, split, strict=True):
                low, high = bounds.get(category, [n, n])
                bounds[category] = [min(low, n), max(high, n)]
    return {c: tuple(b) for c, b in bounds.items()}


def _raw_profiles(bands) -> int:
    raw = 1
    for low, high, count in bands:
        raw *= comb(count + high - low, high - low)
    return raw


def with_hidden_bands(bands, entities: int, total, regular_from: int, share, gini, tolerance: float):
    """:func:`attendance_profiles` when some band counts are blank: every split of the rest is tried.

    Parameters
    ----------
    bands : list of (int, int, int or None)
        ``None`` for a blank band.
    entities : int
        The territory's entities (the bands add up to them).
    total, regular_from, share, gini, tolerance
        As in :func:`attendance_profiles`.

    Returns
    -------
    tuple of (dict, dict) or None
        Bounds per number of meetings, and bounds of each blank band's count (by its
        position); ``None`` when there are too many candidates to list.

    Examples
    --------
    >>> profile, hidden = with_hidden_bands([(1, 1, None), (2, 2, None), (3, 5, 0)], 5, 7, 3, None, None, 0.005)
    >>> hidden
    {0: (3, 3), 1: (2, 2)}
    """
    blank = [i for i, (_, _, count) in enumerate(bands) if count is None]
    rest = entities - sum(count for _, _, count in bands if count is not None)
    if rest < 0:
        return {}, {}
    splits = list(_compositions(rest, len(blank))) if blank else [()]
    candidates = []
    for split in splits:
        filled = list(bands)
        for i, count in zip(blank, split, strict=True):
            filled[i] = (bands[i][0], bands[i][1], count)
        candidates.append((split, filled))
    if sum(_raw_profiles(filled) for _, filled in candidates) > LIMIT:
        return None
    profile: dict[int, list[int]] = {}
    hidden: dict[int, list[int]] = {}
    for split, filled in candidates:
        bounds = attendance_profiles(filled, total, regular_from, share, gini, tolerance)
        if not bounds:
            continue
        for v, (low, high) in bounds.items():
            old = profile.get(v, [low, high])
            profile[v] = [min(old[0], low), max(old[1], high)]
        for i, count in zip(blank, split, strict=True):
            old = hidden.get(i, [count, count])
            hidden[i] = [min(old[0], count), max(old[1], count)]
    return {v: tuple(b) for v, b in profile.items()}, {i: tuple(b) for i, b in hidden.items()}


def _band_options(low: int, high: int, count: int):
    values = np.arange(low, high + 1)
    for split in _compositions(count, len(values)):
        split = np.asarray(split)
        yield split, int((split * values).sum())


def attendance_profiles(
    bands: list[tuple[int, int, int]],
    total: int,
    regular_from: int,
    share: float | None,
    gini: float | None,
    tolerance: float,
):
    """Bounds of the entities at each exact number of meetings, from bands, total, share and Gini.

    Parameters
    ----------
    bands : list of (int, int, int)
        ``(lowest, highest, entities)`` of each published band, all shown.
    total : int or None
        Attendances (``None``: not published).
    regular_from : int
        A regular attended at least this many meetings.
    share : float or None
        Regulars' share of attendances, or ``None`` when not published.
    gini : float or None
        The published Gini, or ``None``.
    tolerance : float
        Half the unit of the last printed digit of share and Gini.

    Returns
    -------
    dict of int to (int, int), or None
        Per number of meetings; ``None`` when there are too many profiles to list.

    Examples
    --------
    Meetings attended ``1 1 1 3 5 6 9``: bands 1 (3 entities), 3-5 (2) and 6-9 (2),
    26 attendances. Alone, the bands and the total leave 0 to 2 entities at 3 meetings;
    the Gini to two decimals (0.42) pins it at exactly one:

    >>> bands = [(1, 1, 3), (3, 5, 2), (6, 9, 2)]
    >>> attendance_profiles(bands, 26, 3, None, None, 0.005)[3], attendance_profiles(bands, 26, 3, None, 0.42, 0.005)[3]
    ((0, 2), (1, 1))
    """
    if _raw_profiles(bands) > LIMIT:
        return None
    n = sum(count for _, _, count in bands)
    top = max(high for _, high, _ in bands)
    values = np.arange(top + 1)
    options = [list(_band_options(low, high, count)) for low, high, count in bands]
    bounds: dict[int, list[int]] = {}
    for choice in itertools.product(*options):
        if total is not None and sum(s for _, s in choice) != total:
            continue
        attendances = sum(s for _, s in choice)
        histogram = np.zeros(top + 1, dtype=int)
        for (low, high, _), (split, _) in zip(bands, choice, strict=True):
            histogram[low : high + 1] = split
        if share is not None and attendances:
            regular = (histogram[regular_from:] * values[regular_from:]).sum() / attendances
            if abs(regular - share) > tolerance:
                continue
        if gini is not None and attendances:
            d = (np.outer(histogram, histogram) * np.abs(np.subtract.outer(values, values))).sum()
            if abs(d / (2 * n * attendances) - gini) > tolerance:
                continue
        for v, h in enumerate(histogram):
            low, high = bounds.get(v, [int(h), int(h)])
            bounds[v] = [min(low, int(h)), max(high, int(h))]
    return {v: tuple(b) for v, b in bounds.items()}
