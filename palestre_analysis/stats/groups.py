"""The two groups of delegates compared cell by cell: Mann-Whitney U, BH-adjusted p, Cliff's delta.

The groups are the process's (``Processed.process.groups``): the seed's ``aps_odv`` and
``fondazioni_csv_altri`` unless the keyword-only ``groups`` says otherwise.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from scipy import special, stats

from palestre_analysis import config
from palestre_analysis.core.vocabulary import GROUPS

from . import _histograms
from ._histograms import expand
from .disclosure import check_min_cell, suppress
from .scales import DEFAULT_SCALE, check_scale, n_values, scale_values
from .votes import group_keys

__all__ = ["group_comparison", "mann_whitney_from_counts"]

_EXACT_MAX = 8  # scipy's "auto": exact when a sample has at most 8 values and there are no ties


def mann_whitney_from_counts(
    x_counts: np.ndarray, y_counts: np.ndarray, *, scale: tuple[int, int] = DEFAULT_SCALE
) -> tuple[np.ndarray, np.ndarray]:
    """Mann-Whitney U1 and two-sided p, as ``scipy.stats.mannwhitneyu`` gives them, from histograms.

    Parameters
    ----------
    x_counts, y_counts : array_like, shape (..., V)
        Score histograms (scores ``low .. high``, ``V = high - low + 1`` columns:
        1 .. 10 by default) of the first and second sample, cell by cell.
    scale : tuple of (int, int), default (1, 10)
        The lowest and highest score (see :mod:`.scales`). U and p depend on
        the order of the scores only, so the scale fixes the number of columns.

    Returns
    -------
    u : ndarray
        ``U1``, the statistic of the first sample: pairs with ``x > y`` plus
        half the ties. NaN where a sample is empty.
    p : ndarray
        Two-sided p-value of ``mannwhitneyu(x, y, method="auto")``.

    Notes
    -----
    ``U1 = sum_v x_v (Y_{<v} + y_v / 2)``, equal to ``R1 - n1 (n1 + 1) / 2``.
    Asymptotic p (scipy's formula): ``z = (max(U1, U2) - n1 n2 / 2 - 1/2) / s``,
    ``s^2 = n1 n2 / 12 ((n + 1) - sum(t^3 - t) / (n (n - 1)))`` with ``t`` the
    tie counts, ``p = min(1, 2 Phi(-z))``. Where scipy would use the exact
    null distribution (no tied values at all and ``min(n1, n2) <= 8``), scipy
    is called for those cells; with scores on a short scale they are few and tiny.

    References
    ----------
    .. [1] Mann, H. B. & Whitney, D. R. (1947). On a test of whether one of two
       random variables is stochastically larger than the other. *Ann Math
       Stat* 18(1), 50-60.
    .. [2] Shier, R. (2004). Statistics: 2.3 The Mann-Whitney U Test.
       Mathematics Learning Support Centre (the example below, also in scipy's
       documentation).

    Examples
    --------
    Shier (2004): ``[19, 22, 16, 29, 24]`` vs ``[20, 11, 17, 12]``, U1 = 17 and
    exact two-sided p = 0.1111. Scores are 1 .. 10, so the same ranks are
    written as ``[5, 7, 3, 9, 8]`` vs ``[6, 1, 4, 2]``:

    >>> x = np.bincount([5, 7, 3, 9, 8], minlength=11)[1:]
    >>> y = np.bincount([6, 1, 4, 2], minlength=11)[1:]
    >>> u, p = mann_whitney_from_counts(x, y)
    >>> float(u), round(float(p), 4)
    (17.0, 0.1111)
    """
    scale = check_scale(scale)
    width = n_values(scale)
    x = np.asarray(x_counts, dtype=np.int64)
    y = np.asarray(y_counts, dtype=np.int64)
    if x.shape != y.shape or x.ndim < 1 or x.shape[-1] != width:
        raise ValueError(
            f"x_counts and y_counts must share a shape ending in {width} (scores {scale[0]} to {scale[1]}), "
            f"got {x.shape} and {y.shape}."
        )
    n1 = x.sum(axis=-1).astype(float)
    n2 = y.sum(axis=-1).astype(float)
    below = np.cumsum(y, axis=-1) - y  # votes of y strictly below each score
    u1 = (x * (below + y / 2.0)).sum(axis=-1)
    u2 = n1 * n2 - u1
    t = (x + y).astype(float)
    n = n1 + n2
    with np.errstate(invalid="ignore", divide="ignore"):
        tie_term = (t**3 - t).sum(axis=-1)
        s = np.sqrt(n1 * n2 / 12.0 * ((n + 1) - tie_term / (n * (n - 1))))
        z = (np.maximum(u1, u2) - n1 * n2 / 2.0 - 0.5) / s
    p = np.clip(2.0 * special.ndtr(-z), 0.0, 1.0)
    empty = (n1 == 0) | (n2 == 0)
    u1 = np.where(empty, np.nan, u1)
    p = np.where(empty, np.nan, p)
    exact = ~empty & ((n1 <= _EXACT_MAX) | (n2 <= _EXACT_MAX)) & (t.max(axis=-1, initial=0) <= 1)
    if exact.any():
        scores = scale_values(scale)
        flat_p = p.reshape(-1)
        flat_x, flat_y = x.reshape(-1, width), y.reshape(-1, width)
        for i in np.flatnonzero(exact.reshape(-1)):
            flat_p[i] = stats.mannwhitneyu(
                np.repeat(scores, flat_x[i]), np.repeat(scores, flat_y[i]), method="exact"
            ).pvalue
        p = flat_p.reshape(p.shape)
    return u1, p


def group_comparison(
    votes: pd.DataFrame,
    by: Sequence[str] = (),
    min_cell: int = config.MIN_CELL,
    *,
    scale: tuple[int, int] = DEFAULT_SCALE,
    groups: Sequence = GROUPS,
) -> pd.DataFrame:
    """The first group against the second (the seed's ``aps_odv`` against ``fondazioni_csv_altri``), cell by cell.

    U, p, BH-adjusted p and Cliff's delta.

    Parameters
    ----------
    votes : DataFrame
        As in :func:`palestre_analysis.stats.cells.cell_stats`.
    by : sequence of str, default ()
        Columns that split the votes into subsets; one report per subset.
    min_cell : int, default ``config.MIN_CELL``
        A cell is compared only when *each* group has at least this many
        delegates; otherwise its statistics are blanked.
    scale : tuple of (int, int), default (1, 10)
        The lowest and highest score of the process (see :mod:`.scales`); a
        vote off the scale is an error.
    groups : two group keys (or groups), default the seed's
        The process's groups (``Processed.process.groups``, or their keys): the first
        is compared against the second, and they name the ``n_<group>`` columns.

    Returns
    -------
    DataFrame
        One row per subset x cell: the ``by`` columns, ``field``, ``resource``,
        ``need``, ``n_<first group>``, ``n_<second group>`` (the seed's
        ``n_aps_odv`` and ``n_fondazioni_csv_altri``), ``u``, ``p``,
        ``p_bh``, ``cliffs_delta``, ``suppressed``.

    Notes
    -----
    * ``u`` is U1 of the first group's sample and ``p`` the two-sided p-value of
      ``scipy.stats.mannwhitneyu(first, second)`` with its
      defaults (``method="auto"``, continuity correction), computed from the
      histograms (:func:`mann_whitney_from_counts`).
    * ``p_bh``: Benjamini-Hochberg adjustment with
      ``scipy.stats.false_discovery_control`` over the unsuppressed cells of
      one subset (one report), every field together.
    * ``cliffs_delta = 2 U1 / (n1 n2) - 1 = P(X > Y) - P(X < Y)``; positive when
      the first group scores higher.

    References
    ----------
    .. [1] Mann, H. B. & Whitney, D. R. (1947), *Ann Math Stat* 18(1), 50-60.
    .. [2] Benjamini, Y. & Hochberg, Y. (1995). Controlling the false discovery
       rate. *JRSS B* 57(1), 289-300.
    .. [3] Cliff, N. (1993). Dominance statistics: ordinal analyses to answer
       ordinal questions. *Psychol Bull* 114(3), 494-509.

    Examples
    --------
    >>> votes = pd.DataFrame({
    ...     "rater": list("abcdefgh"), "field": "Cultura", "resource": "Bandi", "need": "Spazi",
    ...     "score": [5, 7, 3, 9, 6, 1, 4, 2],
    ...     "group": ["aps_odv"] * 4 + ["fondazioni_csv_altri"] * 4})
    >>> group_comparison(votes, min_cell=3)[["n_aps_odv", "u", "p", "p_bh", "cliffs_delta"]]
       n_aps_odv     u    p  p_bh  cliffs_delta
    0          4  13.0  0.2   0.2         0.625

    ``scipy.stats.mannwhitneyu([5, 7, 3, 9], [6, 1, 4, 2])`` gives U = 13.0, p = 0.2
    (exact), and ``2 * 13 / 16 - 1 = 0.625``. Another process's groups name the columns:

    >>> renamed = votes.assign(group=votes["group"].map({"aps_odv": "giovani", "fondazioni_csv_altri": "adulti"}))
    >>> list(group_comparison(renamed, min_cell=3, groups=["giovani", "adulti"]).columns[3:5])
    ['n_giovani', 'n_adulti']
    """
    min_cell = check_min_cell(min_cell)
    scale = check_scale(scale)
    first, second = group_keys(groups)
    hist = _histograms.build(votes, by, scale=scale, groups=(first, second))
    x, y = hist.counts[:, 0], hist.counts[:, 1]  # (S, C, V)
    n1, n2 = x.sum(axis=-1), y.sum(axis=-1)
    u, p = mann_whitney_from_counts(x, y, scale=scale)
    with np.errstate(invalid="ignore", divide="ignore"):
        delta = 2.0 * u / (n1 * n2) - 1.0
    shown = (n1 >= min_cell) & (n2 >= min_cell)
    p_bh = np.full(p.shape, np.nan)
    for s in range(p.shape[0]):
        keep = shown[s]
        if keep.any():
            p_bh[s, keep] = stats.false_discovery_control(p[s, keep], method="bh")
    table = expand(hist.keys, hist.cells)
    table[f"n_{first}"] = n1.ravel()
    table[f"n_{second}"] = n2.ravel()
    table["u"] = u.ravel()
    table["p"] = p.ravel()
    table["p_bh"] = p_bh.ravel()
    table["cliffs_delta"] = delta.ravel()
    table["suppressed"] = False
    suppress(table, np.minimum(n1, n2).ravel(), ["u", "p", "p_bh", "cliffs_delta"], min_cell)
    return table
