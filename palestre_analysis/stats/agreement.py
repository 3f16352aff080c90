"""Agreement among delegates per field: Krippendorff's alpha with Krippendorff's bootstrap interval.

Reliability data: raters are delegates, units are the resource x need cells of a
field, values are scores on the process's scale ``low .. high`` (1 .. 10 by
default), and missing values are allowed (a delegate
need not score every cell). The point estimates come from the ``krippendorff``
package; the bootstrap interval follows Krippendorff's own algorithm, which
resamples pairs of values from the coincidence matrix (Hayes & Krippendorff
2007), vectorised here with multinomial counts.
"""

from __future__ import annotations

from collections.abc import Sequence

import krippendorff
import numpy as np
import pandas as pd

from palestre_analysis import config

from . import _histograms
from .disclosure import check_min_cell, suppress
from .scales import DEFAULT_SCALE, check_counts_width, check_scale, n_values, scale_values

__all__ = ["agreement", "coincidence_matrix", "alpha_from_coincidence", "krippendorff_bootstrap"]

_LEVELS = ("interval", "ordinal")


def coincidence_matrix(value_counts: np.ndarray, *, scale: tuple[int, int] = DEFAULT_SCALE) -> np.ndarray:
    """Krippendorff's coincidence matrix from per-unit value counts.

    Parameters
    ----------
    value_counts : array_like, shape (..., units, V)
        ``value_counts[u, c]``: raters who gave unit ``u`` the value ``low + c``
        (``c + 1`` on the default scale); ``V = high - low + 1``.
    scale : tuple of (int, int), default (1, 10)
        The lowest and highest score (see :mod:`.scales`).

    Returns
    -------
    ndarray, shape (..., V, V)
        ``o_ck = sum_u (n_uc n_uk - [c = k] n_uc) / (m_u - 1)`` over units with
        ``m_u >= 2`` values (the others cannot be paired).

    Notes
    -----
    Each unit contributes its ``m_u (m_u - 1)`` ordered pairs of values from
    different raters, weighted ``1 / (m_u - 1)``, so a unit adds ``m_u`` to
    the matrix total ``n..`` (the number of pairable values).

    References
    ----------
    .. [1] Krippendorff, K. (2011). Computing Krippendorff's Alpha-Reliability.
       Annenberg School for Communication, University of Pennsylvania.

    Examples
    --------
    One unit scored 3, 3 and 5: the pairs are (3,3) twice and (3,5), (5,3)
    twice, each weighted ``1 / (m_u - 1) = 1/2``.

    >>> o = coincidence_matrix([[0, 0, 2, 0, 1, 0, 0, 0, 0, 0]])
    >>> o[2, 2], o[2, 4], o[4, 2], o.sum()
    (np.float64(1.0), np.float64(1.0), np.float64(1.0), np.float64(3.0))
    """
    h = np.asarray(value_counts, dtype=float)
    check_counts_width(h, check_scale(scale), "value_counts")
    m = h.sum(axis=-1)
    weight = np.where(m >= 2, 1.0 / np.maximum(m - 1.0, 1.0), 0.0)
    outer = h[..., :, None] * h[..., None, :]
    idx = np.arange(h.shape[-1])
    outer[..., idx, idx] -= h
    return (outer * weight[..., None, None]).sum(axis=-3)


def alpha_from_coincidence(
    o: np.ndarray, level: str = "interval", *, scale: tuple[int, int] = DEFAULT_SCALE
) -> np.ndarray:
    """Krippendorff's alpha from coincidence matrices (interval or ordinal metric).

    Parameters
    ----------
    o : array_like, shape (..., V, V)
        Coincidence matrices (:func:`coincidence_matrix`), ``V = high - low + 1``.
    level : {"interval", "ordinal"}
        Level of measurement.
    scale : tuple of (int, int), default (1, 10)
        The lowest and highest score (see :mod:`.scales`).

    Returns
    -------
    ndarray, shape (...)
        ``1 - D_o / D_e``; NaN where nothing is pairable or the expected
        disagreement is zero (every pairable value the same).

    Notes
    -----
    ``D_o = sum_ck o_ck delta_ck / n..`` and
    ``D_e = sum_ck n_c n_k delta_ck / (n.. (n.. - 1))``, with
    ``delta_ck = (c - k)^2`` (interval) or
    ``(sum_{g=c..k} n_g - (n_c + n_k) / 2)^2`` (ordinal). Both depend on the
    scores' differences and order only, so alpha does not change when every
    score (and the scale) is shifted by the same amount.

    References
    ----------
    .. [1] Krippendorff, K. (2011). Computing Krippendorff's Alpha-Reliability.

    Examples
    --------
    Krippendorff (2011), 4 observers x 12 units with missing values: interval 0.849.

    >>> data = np.array([[1, 2, 3, 3, 2, 1, 4, 1, 2, 0, 0, 0],
    ...                  [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, 0, 3],
    ...                  [0, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, 0],
    ...                  [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, 0]])  # 0 = missing
    >>> counts = np.stack([(data == v).sum(axis=0) for v in range(1, 11)], axis=-1)
    >>> round(float(alpha_from_coincidence(coincidence_matrix(counts), "interval")), 3)
    0.849

    The same data on its own 1 .. 5 scale (five columns):

    >>> counts5 = counts[:, :5]
    >>> o5 = coincidence_matrix(counts5, scale=(1, 5))
    >>> round(float(alpha_from_coincidence(o5, "interval", scale=(1, 5))), 3)
    0.849
    """
    o = np.asarray(o, dtype=float)
    _check_square(o, check_scale(scale))
    n_c = o.sum(axis=-1)
    n_total = n_c.sum(axis=-1)
    delta = _delta(n_c, level)
    with np.errstate(invalid="ignore", divide="ignore"):
        d_o = (o * delta).sum(axis=(-2, -1)) / n_total
        d_e = (n_c[..., :, None] * n_c[..., None, :] * delta).sum(axis=(-2, -1)) / (n_total * (n_total - 1))
        alpha = 1.0 - d_o / d_e
    return np.where((n_total >= 2) & (d_e > 0), alpha, np.nan)


def krippendorff_bootstrap(
    o: np.ndarray,
    n_raters: np.ndarray,
    level: str = "interval",
    n_boot: int = 2000,
    rng: np.random.Generator | None = None,
    *,
    scale: tuple[int, int] = DEFAULT_SCALE,
) -> np.ndarray:
    """Krippendorff's bootstrap distribution of alpha, for many coincidence matrices at once.

    Parameters
    ----------
    o : array_like, shape (G, V, V)
        Coincidence matrices with a defined alpha, ``V = high - low + 1``.
    n_raters : array_like, shape (G,)
        Number of raters ``m`` behind each matrix.
    level : {"interval", "ordinal"}
    n_boot : int, default 2000
        Replicates per matrix.
    rng : numpy.random.Generator, optional
        Source of the draws.
    scale : tuple of (int, int), default (1, 10)
        The lowest and highest score (see :mod:`.scales`).

    Returns
    -------
    ndarray, shape (G, n_boot)
        Bootstrap values of alpha, in draw order.

    Notes
    -----
    Krippendorff's algorithm, as in the R package ``kripp.boot``:

    1. pairs ``(c, k)``, ``c <= k``, have probabilities ``o_cc / n..`` and
       ``2 o_ck / n..``;
    2. ``M = min(25 q, (m - 1) n.. / 2)`` pairs are drawn per replicate, ``q``
       being the number of non-zero cells of the coincidence matrix;
    3. ``alpha_b = 1 - (sum of the M drawn delta) / (M D_e)``, with ``D_e`` the
       original expected disagreement, floored at -1;
    4. a replicate with ``alpha_b = 1`` when only one value ever pairs with
       itself is set to 0; of the other replicates at 1, up to
       ``round(n_boot sum_c (o_cc / n..)^M)`` are set to 0 (the expected number
       of draws with no variation, for which alpha is indeterminate).

    The ``M`` draws of a replicate are summarised by their multinomial counts
    over pairs (over distinct ``|c - k|`` for the interval metric, whose
    ``delta`` depends on that alone): the same distribution as ``M`` separate
    draws, at a cost independent of ``M``.

    References
    ----------
    .. [1] Hayes, A. F. & Krippendorff, K. (2007). Answering the call for a
       standard reliability measure for coding data. *Communication Methods
       and Measures* 1(1), 77-89.
    .. [2] Krippendorff, K. (2006, rev. 2011). Algorithm for bootstrapping a
       distribution of alpha. Manuscript.
    .. [3] Proutskova, P. & Gruszczynski, M. kripp.boot: R package (the
       reference implementation followed here).

    Examples
    --------
    Five raters agree perfectly on four units scored 2, 7, 4 and 9: every
    replicate is 1 (step 4 expects ``4 x 0.25^40``, i.e. no, degenerate draws).

    >>> value_counts = np.zeros((4, 10), dtype=int)
    >>> value_counts[[0, 1, 2, 3], [1, 6, 3, 8]] = 5
    >>> o = coincidence_matrix(value_counts)
    >>> krippendorff_bootstrap(o[None], [5], n_boot=4, rng=np.random.default_rng(0))
    array([[1., 1., 1., 1.]])
    """
    if level not in _LEVELS:
        raise ValueError(f"level must be one of {_LEVELS}, got {level!r}.")
    rng = np.random.default_rng() if rng is None else rng
    o = np.asarray(o, dtype=float)
    scale = check_scale(scale)
    _check_square(o, scale)
    width = n_values(scale)
    m = np.asarray(n_raters, dtype=float)
    n_c = o.sum(axis=-1)
    n_total = n_c.sum(axis=-1)
    delta = _delta(n_c, level)
    d_e = (n_c[:, :, None] * n_c[:, None, :] * delta).sum(axis=(1, 2)) / (n_total * (n_total - 1))
    if not (np.isfinite(d_e) & (d_e > 0)).all():
        raise ValueError("every coincidence matrix must have pairable values that vary (a defined alpha).")
    c, k = np.triu_indices(width)  # the pairs (c, k) with c <= k, in row order
    p_pairs = np.where(c == k, 1.0, 2.0)[None, :] * o[:, c, k] / n_total[:, None]
    d_pairs = delta[:, c, k]
    if level == "interval":  # delta depends on |c - k| only: draw distances, not pairs
        gap = k - c
        p_pairs = np.stack([p_pairs[:, gap == d].sum(axis=1) for d in range(width)], axis=1)
        d_pairs = np.broadcast_to(np.arange(width, dtype=float) ** 2, p_pairs.shape)
    p_pairs = p_pairs / p_pairs.sum(axis=1, keepdims=True)
    q = np.count_nonzero(o, axis=(1, 2))
    draws = np.floor(np.minimum(25.0 * q, (m - 1.0) * np.rint(n_total) / 2.0)).astype(np.int64)  # n.. is whole
    if (draws < 1).any():
        raise ValueError("every coincidence matrix needs at least two raters and one pairable value.")
    out = np.empty((len(o), n_boot))
    step = max(1, (1 << 21) // (n_boot * p_pairs.shape[1]))
    for lo in range(0, len(o), step):
        sl = slice(lo, lo + step)
        counts = rng.multinomial(draws[sl, None], p_pairs[sl, None, :], size=(len(p_pairs[sl]), n_boot))
        observed = (counts * d_pairs[sl, None, :]).sum(axis=-1)
        out[sl] = 1.0 - observed / (draws[sl, None] * d_e[sl, None])
    np.maximum(out, -1.0, out=out)
    diagonal = o[:, np.arange(width), np.arange(width)]
    single = np.count_nonzero(diagonal, axis=1) == 1
    out[single[:, None] & (out == 1.0)] = 0.0
    expected_flat = np.rint(n_boot * ((diagonal / n_total[:, None]) ** draws[:, None]).sum(axis=1)).astype(np.int64)
    for g in np.flatnonzero(expected_flat > 0):
        ones = np.flatnonzero(out[g] == 1.0)
        out[g, ones[: expected_flat[g]]] = 0.0
    return out


def agreement(
    votes: pd.DataFrame,
    by: Sequence[str] = (),
    n_boot: int = 2000,
    seed: int = config.SEED,
    min_cell: int = config.MIN_CELL,
    confidence: float = 0.95,
    ci_level: str = "interval",
    *,
    scale: tuple[int, int] = DEFAULT_SCALE,
) -> pd.DataFrame:
    """Krippendorff's alpha per field (interval and ordinal), with a bootstrap interval.

    Parameters
    ----------
    votes : DataFrame
        As in :func:`palestre_analysis.stats.cells.cell_stats`.
    by : sequence of str, default ()
        Columns that split the votes into subsets, all computed at once.
    n_boot : int, default 2000
        Bootstrap replicates (``kripp.boot``'s default).
    seed : int, default ``config.SEED``
    min_cell : int, default ``config.MIN_CELL``
        Fields scored by fewer delegates in a subset are blanked.
    confidence : float, default 0.95
    ci_level : {"interval", "ordinal"}, default "interval"
        The alpha whose interval ``ci_low``, ``ci_high`` describe.
    scale : tuple of (int, int), default (1, 10)
        The lowest and highest score of the process (see :mod:`.scales`): the
        value domain of alpha, and a vote off it is an error.

    Returns
    -------
    DataFrame
        One row per subset x field: the ``by`` columns, ``field``,
        ``alpha_interval``, ``alpha_ordinal``, ``ci_low``, ``ci_high``,
        ``n_raters`` (delegates who scored the field), ``n_units`` (cells
        scored by at least two of them), ``suppressed`` and ``note`` (empty,
        or why the alphas are NaN: too few raters, no pairable values, or no
        variation, which leaves alpha undefined).

    Notes
    -----
    Raters are delegates (pooled over the two groups), units the resource x
    need cells of the field, values ``low .. high`` (1 .. 10 by default); a
    delegate who skipped a cell is a missing value. The alphas are
    ``krippendorff.alpha(value_counts=..., value_domain=range(low, high + 1),
    level_of_measurement=...)``, which is
    ``krippendorff.alpha(reliability_data)`` on the raters x units matrix
    without building it. The interval is Krippendorff's bootstrap
    (:func:`krippendorff_bootstrap`) with ``kripp.boot``'s order statistics:
    the ``max(floor(B (1 - c) / 2), 1)``-th and
    ``min(floor(B (1 + c) / 2) + 1, B)``-th of the ``B`` sorted replicates.
    Alpha near 1 means delegates score cells alike; near 0, no more alike than
    chance; Krippendorff (2011) asks for at least 0.667 for tentative conclusions.

    References
    ----------
    .. [1] Krippendorff, K. (2011). Computing Krippendorff's Alpha-Reliability.
    .. [2] Hayes, A. F. & Krippendorff, K. (2007). *Communication Methods and
       Measures* 1(1), 77-89.

    Examples
    --------
    The Wikipedia example (3 coders x 15 units, missing values): interval 0.811.

    >>> data = [[None, None, None, None, None, 3, 4, 1, 2, 1, 1, 3, 3, None, 3],
    ...         [1, None, 2, 1, 3, 3, 4, 3, None, None, None, None, None, None, None],
    ...         [None, None, 2, 1, 3, 4, 4, None, 2, 1, 1, 3, 3, None, 4]]
    >>> votes = pd.DataFrame([(f"coder{i}", f"unit{j:02d}", s) for i, row in enumerate(data)
    ...                       for j, s in enumerate(row) if s is not None],
    ...                      columns=["rater", "resource", "score"]).assign(
    ...                      field="Cultura", need="Spazi", group="aps_odv")
    >>> t = agreement(votes, min_cell=3)
    >>> t[["field", "alpha_interval", "n_raters", "n_units"]].round(3)
         field  alpha_interval  n_raters  n_units
    0  Cultura           0.811         3       12
    """
    min_cell = check_min_cell(min_cell)
    if ci_level not in _LEVELS:
        raise ValueError(f"ci_level must be one of {_LEVELS}, got {ci_level!r}.")
    if not 0 < confidence < 1:
        raise ValueError(f"confidence must lie strictly between 0 and 1, got {confidence!r}.")
    if isinstance(n_boot, bool) or int(n_boot) != n_boot or n_boot < 1:
        raise ValueError(f"n_boot must be a positive whole number, got {n_boot!r}.")
    scale = check_scale(scale)
    domain = scale_values(scale)
    hist = _histograms.build(votes, by, raters_per_field=True, scale=scale)
    counts = hist.all_counts  # (S, C, V); cells sorted by field
    n_subsets, n_fields = hist.raters_per_field.shape
    starts = np.flatnonzero(np.r_[True, np.diff(hist.field_of_cell) != 0])
    o = np.add.reduceat(_unit_coincidences(counts), starts, axis=1)  # (S, F, V, V)
    # Sums of fractions 1/(m_u - 1) differ in their last bits with the order of the units; rounded,
    # the matrix (and the bootstrap drawn from it) no longer depends on how the votes were sorted.
    o = np.round(o, 9)
    pairable = counts.sum(axis=-1) >= 2
    n_units = np.add.reduceat(pairable.astype(np.int64), starts, axis=1)
    n_raters = hist.raters_per_field

    alpha = {level: np.full((n_subsets, n_fields), np.nan) for level in _LEVELS}
    note = np.full((n_subsets, n_fields), "", dtype=object)
    ends = np.r_[starts[1:], counts.shape[1]]
    for s in range(n_subsets):
        for f in range(n_fields):
            if n_raters[s, f] < min_cell:
                note[s, f] = f"fewer than {min_cell} raters"
                continue
            if n_units[s, f] == 0:
                note[s, f] = "no cell scored by two raters: alpha is undefined"
                continue
            if np.count_nonzero(o[s, f].sum(axis=1)) < 2:
                note[s, f] = "every pairable score is the same: alpha is undefined"
                continue
            value_counts = counts[s, starts[f] : ends[f]]
            for level in _LEVELS:
                alpha[level][s, f] = krippendorff.alpha(
                    value_counts=value_counts, value_domain=domain, level_of_measurement=level
                )
    ok = np.isfinite(alpha[ci_level])
    ci_low = np.full((n_subsets, n_fields), np.nan)
    ci_high = np.full((n_subsets, n_fields), np.nan)
    if ok.any():
        rng = np.random.default_rng(seed)
        reps = np.sort(krippendorff_bootstrap(o[ok], n_raters[ok], ci_level, int(n_boot), rng, scale=scale), axis=1)
        lo = max(int(np.floor(n_boot * (1 - confidence) / 2)), 1) - 1
        hi = min(int(np.floor(n_boot * (1 + confidence) / 2)) + 1, int(n_boot)) - 1
        ci_low[ok], ci_high[ok] = reps[:, lo], reps[:, hi]

    table = _histograms.expand(hist.keys, pd.DataFrame({"field": hist.fields}))
    table["alpha_interval"] = alpha["interval"].ravel()
    table["alpha_ordinal"] = alpha["ordinal"].ravel()
    table["ci_low"] = ci_low.ravel()
    table["ci_high"] = ci_high.ravel()
    table["n_raters"] = n_raters.ravel()
    table["n_units"] = n_units.ravel()
    table["suppressed"] = False
    suppress(table, "n_raters", ["alpha_interval", "alpha_ordinal", "ci_low", "ci_high"], min_cell)
    table["note"] = note.ravel()
    return table


def _unit_coincidences(counts: np.ndarray) -> np.ndarray:
    """Per-unit coincidence contributions, shape (S, C, V, V)."""
    h = counts.astype(float)
    m = h.sum(axis=-1)
    weight = np.where(m >= 2, 1.0 / np.maximum(m - 1.0, 1.0), 0.0)
    outer = h[..., :, None] * h[..., None, :]
    idx = np.arange(h.shape[-1])
    outer[..., idx, idx] -= h
    outer *= weight[..., None, None]
    return outer


def _check_square(o: np.ndarray, scale: tuple[int, int]) -> None:
    """Coincidence matrices must be V x V, one row and column per score of the scale."""
    width = n_values(scale)
    if o.ndim < 2 or o.shape[-2:] != (width, width):
        raise ValueError(
            f"coincidence matrices must be {width} x {width} (scores {scale[0]} to {scale[1]}), got shape {o.shape}."
        )


def _delta(n_c: np.ndarray, level: str) -> np.ndarray:
    """Squared metric differences delta_ck, shape (..., V, V), V = ``n_c.shape[-1]``.

    Both metrics read the positions of the scores on the scale (their
    differences, their order), not the scores themselves.
    """
    width = n_c.shape[-1]
    if level == "interval":
        position = np.arange(width)
        d = (position[:, None] - position[None, :]).astype(float) ** 2
        return np.broadcast_to(d, (*n_c.shape[:-1], width, width))
    if level == "ordinal":
        cum = np.cumsum(n_c, axis=-1)
        lo = np.minimum.outer(np.arange(width), np.arange(width))
        hi = np.maximum.outer(np.arange(width), np.arange(width))
        below = np.concatenate([np.zeros((*n_c.shape[:-1], 1)), cum], axis=-1)
        between = below[..., hi + 1] - below[..., lo]  # sum of n_g for g in lo .. hi
        return (between - (n_c[..., :, None] + n_c[..., None, :]) / 2.0) ** 2
    raise ValueError(f"level must be one of {_LEVELS}, got {level!r}.")
