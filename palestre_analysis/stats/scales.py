"""The score scale of a process, and the high threshold and bands drawn on it.

Delegates score each cell with a whole number on a closed scale ``low .. high``:
1 .. 10 in the Lombard process (:data:`DEFAULT_SCALE`), but another process may
score on 1 .. 5 or 0 .. 10. Every phase-2 statistic takes the scale as a
keyword-only ``scale=(low, high)``; this module validates it, and the two
things drawn on it, once and with the same sentences everywhere:

* the *high threshold* ``high_score``: ``share_high`` is the share of votes
  ``>= high_score`` (``config.HIGH_SCORE``, 7, by default);
* the three *bands* of percent agreement and of the diverging bars: low,
  middle and high, contiguous and covering the scale. By default they are
  drawn from ``high_score``, symmetric about the middle of the scale: the high
  band is ``high_score .. high`` and the low band ``low .. low + high -
  high_score``; on 1 .. 10 with ``high_score = 7`` they are 1-4, 5-6 and 7-10
  (:data:`DEFAULT_BANDS`).

A histogram of votes on the scale has one column per value, ``high - low + 1``
columns, column ``j`` holding the votes with score ``low + j``.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from palestre_analysis.core.process import default_bands

__all__ = [
    "DEFAULT_SCALE",
    "DEFAULT_BANDS",
    "Bands",
    "check_scale",
    "n_values",
    "scale_values",
    "check_counts_width",
    "check_high_score",
    "resolve_bands",
    "band_cuts",
]

#: The Lombard process's scale: whole scores 1 .. 10.
DEFAULT_SCALE: tuple[int, int] = (1, 10)

#: Bands of :data:`DEFAULT_SCALE` with ``config.HIGH_SCORE`` (7): low 1-4, middle 5-6, high 7-10.
DEFAULT_BANDS: tuple[tuple[int, int], tuple[int, int], tuple[int, int]] = ((1, 4), (5, 6), (7, 10))

#: Three ``(first, last)`` score pairs: the low, middle and high band.
Bands = tuple[tuple[int, int], tuple[int, int], tuple[int, int]]


def _whole(value: object) -> int | None:
    """``value`` as an ``int`` when it is a whole real number (not a bool), else ``None``."""
    if isinstance(value, bool | np.bool_) or not isinstance(value, int | float | np.integer | np.floating):
        return None
    if not np.isfinite(value) or value != int(value):
        return None
    return int(value)


def check_scale(scale: Sequence[int]) -> tuple[int, int]:
    """Validate a score scale ``(low, high)`` and return it as two Python ints.

    Parameters
    ----------
    scale : pair of int
        The lowest and the highest score, both allowed.

    Returns
    -------
    tuple of (int, int)
        ``(low, high)``.

    Raises
    ------
    ValueError
        When ``scale`` is not two whole numbers with ``low < high`` and at least
        three values (``high - low >= 2``: a low, a middle and a high score).

    Examples
    --------
    >>> check_scale((1, 5))
    (1, 5)
    >>> check_scale((1, 2))
    Traceback (most recent call last):
    ...
    ValueError: scale must hold at least 3 scores (low, middle and high), got 1 .. 2.
    """
    try:
        low, high = scale
    except (TypeError, ValueError):
        raise ValueError(f"scale must be a pair (low, high) of whole scores, got {scale!r}.") from None
    low_int, high_int = _whole(low), _whole(high)
    if low_int is None or high_int is None:
        raise ValueError(f"scale must be a pair (low, high) of whole scores, got {scale!r}.")
    if low_int >= high_int:
        raise ValueError(f"scale must have low < high, got {low_int} .. {high_int}.")
    if high_int - low_int < 2:
        raise ValueError(f"scale must hold at least 3 scores (low, middle and high), got {low_int} .. {high_int}.")
    return low_int, high_int


def n_values(scale: tuple[int, int]) -> int:
    """Number of scores on a (validated) scale: ``high - low + 1``.

    Examples
    --------
    >>> n_values((0, 10))
    11
    """
    return scale[1] - scale[0] + 1


def scale_values(scale: tuple[int, int]) -> np.ndarray:
    """The scores of a (validated) scale, ascending: ``arange(low, high + 1)``.

    Examples
    --------
    >>> scale_values((1, 5)).tolist()
    [1, 2, 3, 4, 5]
    """
    return np.arange(scale[0], scale[1] + 1)


def check_counts_width(counts: np.ndarray, scale: tuple[int, int], name: str = "counts") -> None:
    """Raise ``ValueError`` unless the last axis of ``counts`` has one column per score of ``scale``.

    Examples
    --------
    >>> check_counts_width(np.ones((2, 4)), (1, 5))
    Traceback (most recent call last):
    ...
    ValueError: counts must have 5 columns (scores 1 to 5), got shape (2, 4).
    """
    width = n_values(scale)
    if counts.ndim < 1 or counts.shape[-1] != width:
        raise ValueError(
            f"{name} must have {width} columns (scores {scale[0]} to {scale[1]}), got shape {counts.shape}."
        )


def check_high_score(high_score: object, scale: tuple[int, int]) -> int:
    """Validate the high threshold: a whole score on the (validated) scale.

    Examples
    --------
    >>> check_high_score(4, (1, 5))
    4
    >>> check_high_score(7, (1, 5))
    Traceback (most recent call last):
    ...
    ValueError: high_score must be a whole score from 1 to 5, got 7.
    """
    value = _whole(high_score)
    if value is None or not scale[0] <= value <= scale[1]:
        raise ValueError(f"high_score must be a whole score from {scale[0]} to {scale[1]}, got {high_score!r}.")
    return value


def resolve_bands(
    bands: Sequence[Sequence[int]] | None,
    scale: tuple[int, int],
    high_score: object = None,
) -> Bands:
    """The low, middle and high bands of a (validated) scale: validated, or drawn from ``high_score``.

    Parameters
    ----------
    bands : three (first, last) pairs, or None
        Explicit bands: whole scores, each band non-empty, the first starting at
        ``low``, each next one starting right after the previous one ends, the
        last ending at ``high``. ``None`` draws them from ``high_score``.
    scale : tuple of (int, int)
        The scale, as :func:`check_scale` returns it.
    high_score : int, optional
        Used only when ``bands`` is None: the high band is ``high_score ..
        high``, the low band its mirror ``low .. low + high - high_score``, and
        the middle band what lies between (empty when ``high_score`` is the
        first score above the middle of the scale). ``high_score`` must be above
        the middle, so that the low and high bands do not overlap. ``None``: the
        scale's default bands, those of
        :func:`palestre_analysis.core.process.default_bands` (a process without
        ``fasce`` has them), which are the mirror bands of their own high
        threshold: 1-4, 5-6, 7-10 on 1 .. 10 (``config.HIGH_SCORE``), 1-2, 3,
        4-5 on 1 .. 5.

    Returns
    -------
    tuple of three (first, last) pairs
        The bands. Only a band drawn from ``high_score`` can be empty (the
        middle one, written ``(high_score, high_score - 1)``).

    Raises
    ------
    ValueError
        Naming the scale, when the bands or ``high_score`` do not fit it.

    Examples
    --------
    >>> resolve_bands(None, (1, 10)), resolve_bands(None, (1, 5))
    (((1, 4), (5, 6), (7, 10)), ((1, 2), (3, 3), (4, 5)))
    >>> resolve_bands(None, (0, 10), 7)
    ((0, 3), (4, 6), (7, 10))
    >>> resolve_bands(((1, 2), (3, 3), (4, 5)), (1, 5))
    ((1, 2), (3, 3), (4, 5))
    >>> resolve_bands(((1, 2), (4, 4), (5, 5)), (1, 5))
    Traceback (most recent call last):
    ...
    ValueError: bands must cover the scale 1 .. 5 in order without gaps: band 2 starts at 4, not at 3.
    """
    low, high = scale
    if bands is None and high_score is None:  # the process's default, whose high band is its own mirror
        defaults = default_bands(low, high)
        return tuple(tuple(defaults[name]) for name in ("bassa", "intermedia", "alta"))
    if bands is None:
        smallest = (low + high) // 2 + 1  # the first score above the middle of the scale
        value = _whole(high_score)
        if value is None or not smallest <= value <= high:
            raise ValueError(
                f"high_score must lie in {smallest} .. {high} so the low and high bands do not overlap, "
                f"got {high_score!r}."
            )
        low_last = low + high - value
        return ((low, low_last), (low_last + 1, value - 1), (value, high))
    try:
        pairs = [tuple(band) for band in bands]
    except TypeError:
        raise ValueError(f"bands must be three (first, last) pairs of scores, got {bands!r}.") from None
    if len(pairs) != 3 or any(len(p) != 2 for p in pairs):
        raise ValueError(f"bands must be three (first, last) pairs of scores (low, middle, high), got {bands!r}.")
    out = []
    for i, (first, last) in enumerate(pairs, start=1):
        first_int, last_int = _whole(first), _whole(last)
        if first_int is None or last_int is None:
            raise ValueError(f"bands must hold whole scores; band {i} is {(first, last)!r}.")
        if first_int > last_int:
            raise ValueError(f"band {i} of the scale {low} .. {high} is empty or reversed: {first_int} .. {last_int}.")
        out.append((first_int, last_int))
    expected = low
    for i, (first, last) in enumerate(out, start=1):
        if first != expected:
            raise ValueError(
                f"bands must cover the scale {low} .. {high} in order without gaps: "
                f"band {i} starts at {first}, not at {expected}."
            )
        expected = last + 1
    if out[-1][1] != high:
        raise ValueError(
            f"bands must cover the scale {low} .. {high} in order without gaps: the last band ends at "
            f"{out[-1][1]}, not at {high}."
        )
    return (out[0], out[1], out[2])


def band_cuts(bands: Bands, scale: tuple[int, int]) -> tuple[int, int]:
    """Column offsets where the middle and the high band start in a histogram of the scale.

    ``counts[..., :a]``, ``counts[..., a:b]`` and ``counts[..., b:]`` are the
    low, middle and high band for ``(a, b) = band_cuts(bands, scale)``.

    Examples
    --------
    >>> band_cuts(((1, 4), (5, 6), (7, 10)), (1, 10))
    (4, 6)
    """
    return bands[0][1] - scale[0] + 1, bands[2][0] - scale[0]
