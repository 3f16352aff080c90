"""The bootstrap distribution of a cell's mean, computed exactly from its histogram.

A bootstrap resample of ``n`` votes drawn with replacement from a cell is ``n``
independent draws from the cell's empirical distribution ``p`` on the scores
``low .. high`` of the scale (1 .. 10 by default). Its sum therefore has the ``n``-fold convolution ``p^{*n}`` as its
distribution, and its mean the same distribution divided by ``n``. Nothing needs
to be resampled: the distribution that ``scipy.stats.bootstrap`` approximates
with ``B`` random resamples is computed here directly, for many cells at once.

Functions here are written by hand (no library computes a bootstrap distribution
exactly); they are tested against brute-force enumeration of all ``n^n``
resamples and against ``scipy.stats.bootstrap(method="percentile")``.

No published table uses them any more. "Exact" means exact *as a bootstrap* (no
resampling noise), not exact in coverage: the percentile interval of a cell's mean
covers the true mean about 83% of the time with 5 delegates, so the cells publish a
Student t interval (:func:`.cells.cell_stats`); and resampling cells one by one ignores
that the same delegates score every cell, so the best crossing resamples delegates
(:func:`.cells.best_crossing`, :mod:`.resampling`). They stay in the public API, and
as the reference that ``tests/stats/test_cells_coverage.py`` shows falling short.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np

from .scales import DEFAULT_SCALE, check_counts_width, check_scale

__all__ = ["bootstrap_mean_pmf", "bootstrap_mean_ci", "bootstrap_mean_draws"]

#: Probability mass allowed outside the computed window (Hoeffding bound).
_TAIL = 1e-20
_LOG_TERM = np.log(2.0 / _TAIL)
#: Largest batch handed to one FFT call (rows x length).
_BATCH_ELEMENTS = 1 << 21


def bootstrap_mean_pmf(counts: np.ndarray, *, scale: tuple[int, int] = DEFAULT_SCALE) -> tuple[np.ndarray, np.ndarray]:
    """Exact bootstrap distribution of the mean of one cell.

    Parameters
    ----------
    counts : array_like, shape (V,)
        Number of votes with score ``low, low + 1, ..., high``; ``V = high - low + 1``
        (1, 2, ..., 10 by default).
    scale : tuple of (int, int), default (1, 10)
        The lowest and highest score (see :mod:`.scales`).

    Returns
    -------
    means : ndarray
        Bootstrap means from the lowest to the highest vote, ascending, in steps
        of ``1 / n`` (some may have probability zero).
    pmf : ndarray
        Their probabilities (sum 1).

    Raises
    ------
    ValueError
        When ``counts`` is not ``V`` non-negative whole numbers with a positive sum,
        or ``scale`` is not a valid scale.

    Notes
    -----
    With ``p_v = counts_v / n`` and ``S`` the sum of ``n`` draws minus ``n low``,
    ``P(S = s)`` is the coefficient of ``z^s`` in ``(sum_v p_v z^{v-low})^n``,
    computed with a real FFT: ``pmf = irfft(rfft(p, L)^n)`` with
    ``L >= (high - low) n + 1``, so that nothing wraps around. Errors are
    floating-point rounding only.

    References
    ----------
    .. [1] Efron, B. & Tibshirani, R. J. (1993). *An Introduction to the
       Bootstrap*. Chapman & Hall, section 6.2 (the ideal bootstrap estimate,
       as the number of resamples tends to infinity).

    Examples
    --------
    Two votes, 1 and 3: the four equally likely resamples have means 1, 2, 2, 3.

    >>> means, pmf = bootstrap_mean_pmf([1, 0, 1, 0, 0, 0, 0, 0, 0, 0])
    >>> means.tolist(), np.round(pmf, 12).tolist()
    ([1.0, 1.5, 2.0, 2.5, 3.0], [0.25, 0.0, 0.5, 0.0, 0.25])

    The same votes on a 0 .. 4 scale are the columns of scores 1 and 3:

    >>> means, pmf = bootstrap_mean_pmf([0, 1, 0, 1, 0], scale=(0, 4))
    >>> means.tolist()
    [1.0, 1.5, 2.0, 2.5, 3.0]
    """
    scale = check_scale(scale)
    counts = _as_counts(np.asarray(counts)[None, :], scale)
    n = int(counts.sum())
    if n == 0:
        raise ValueError("counts must hold at least one vote.")
    length = (scale[1] - scale[0]) * n + 1
    p = counts[0] / n
    spectrum = np.fft.rfft(p, n=length)
    pmf = np.fft.irfft(spectrum**n, n=length)
    pmf = np.clip(pmf, 0.0, None)
    pmf /= pmf.sum()
    used = np.flatnonzero(counts[0])
    lo, hi = n * used[0], n * used[-1]  # attainable sums (minus n low): n x lowest .. n x highest
    return scale[0] + np.arange(lo, hi + 1) / n, pmf[lo : hi + 1]


def bootstrap_mean_ci(
    counts: np.ndarray, confidence: float = 0.95, *, scale: tuple[int, int] = DEFAULT_SCALE
) -> tuple[np.ndarray, np.ndarray]:
    """Percentile bootstrap interval of the mean for many cells, with no resampling noise.

    Parameters
    ----------
    counts : array_like, shape (..., V)
        Score histograms (votes with score ``low .. high``, ``V = high - low + 1``
        columns: 1 .. 10 by default), one per cell.
    confidence : float, default 0.95
        Coverage of the two-sided interval.
    scale : tuple of (int, int), default (1, 10)
        The lowest and highest score (see :mod:`.scales`).

    Returns
    -------
    ci_low, ci_high : ndarray, shape (...)
        The ``(1 - confidence) / 2`` and ``(1 + confidence) / 2`` quantiles of the
        exact bootstrap distribution of the mean; NaN for empty cells.

    Notes
    -----
    The quantile at level ``u`` is ``min {m : F(m) >= u}``, the value to which
    the percentile interval of ``scipy.stats.bootstrap(..., method="percentile")``
    converges as its number of resamples grows.

    For a cell of ``n`` votes the sum of a resample minus ``n low`` lies in
    ``0 .. r n`` with ``r = high - low`` (9 on 1 .. 10). The FFT is taken on a
    window of length ``L`` that holds all but ``1e-20`` of the probability
    (Hoeffding's bound for ``n`` draws of range ``r``:
    ``P(|S - E S| >= t) <= 2 exp(-2 t^2 / (r^2 n))``), or the whole support when that is shorter; the window's offset is a phase factor
    ``exp(2 pi i k s_0 / L)``. Cells are batched by window length ("size
    class"), so one FFT call serves many cells. The cost grows with
    ``sum sqrt(n)`` over cells, not with the number of votes.

    References
    ----------
    .. [1] Efron, B. & Tibshirani, R. J. (1993). *An Introduction to the
       Bootstrap*, ch. 13 (percentile intervals).
    .. [2] Hoeffding, W. (1963). Probability inequalities for sums of bounded
       random variables. *JASA* 58(301), 13-30.

    Examples
    --------
    Ten votes ``3 4 5 5 6 6 6 7 7 8`` (mean 5.7); ``scipy.stats.bootstrap`` with
    200,000 resamples and ``method="percentile"`` gives the same (4.8, 6.6).

    >>> lo, hi = bootstrap_mean_ci([[0, 0, 1, 1, 2, 3, 2, 1, 0, 0]])
    >>> float(lo[0]), float(hi[0])
    (4.8, 6.6)

    The same votes, one lower each, on a 0 .. 9 scale: the interval moves down by one.

    >>> lo, hi = bootstrap_mean_ci([[0, 0, 1, 1, 2, 3, 2, 1, 0, 0]], scale=(0, 9))
    >>> float(lo[0]), float(hi[0])
    (3.8, 5.6)
    """
    if not 0 < confidence < 1:
        raise ValueError(f"confidence must lie strictly between 0 and 1, got {confidence!r}.")
    scale = check_scale(scale)
    counts = _as_counts(np.asarray(counts), scale)
    shape = counts.shape[:-1]
    flat = counts.reshape(-1, counts.shape[-1])
    n = flat.sum(axis=1)
    levels = np.array([(1 - confidence) / 2, (1 + confidence) / 2])
    low = np.full(len(flat), np.nan)
    high = np.full(len(flat), np.nan)
    for rows, start, cdf in _cdf_batches(flat, n):
        idx = (cdf[:, None, :] < levels[None, :, None]).sum(axis=2)
        idx = np.minimum(idx, cdf.shape[1] - 1)
        means = scale[0] + (start[:, None] + idx) / n[rows][:, None]
        low[rows], high[rows] = means[:, 0], means[:, 1]
    return low.reshape(shape), high.reshape(shape)


def bootstrap_mean_draws(
    counts: np.ndarray, n_draws: int, rng: np.random.Generator, *, scale: tuple[int, int] = DEFAULT_SCALE
) -> np.ndarray:
    """Draw bootstrap means of many cells from their exact distributions (inverse CDF).

    Parameters
    ----------
    counts : array_like, shape (C, V)
        Score histograms (``V = high - low + 1`` columns, 10 by default); every
        row must hold at least one vote.
    n_draws : int
        Draws per cell.
    rng : numpy.random.Generator
        Source of the uniforms (one per cell and draw, in row order).
    scale : tuple of (int, int), default (1, 10)
        The lowest and highest score (see :mod:`.scales`).

    Returns
    -------
    ndarray, shape (C, n_draws)
        Bootstrap means. Each row has the same distribution as the mean of a
        resample of that cell; rows are independent.

    Notes
    -----
    A uniform ``u`` maps to ``min {m : F(m) >= u}``, found with
    ``np.searchsorted`` on the cell's CDF (one call per cell, for all its draws).

    References
    ----------
    .. [1] Devroye, L. (1986). *Non-Uniform Random Variate Generation*.
       Springer, section 2.2 (inversion).

    Examples
    --------
    >>> draws = bootstrap_mean_draws([[0, 0, 0, 0, 0, 0, 5, 0, 0, 0]], 3, np.random.default_rng(0))
    >>> draws.tolist()
    [[7.0, 7.0, 7.0]]
    """
    scale = check_scale(scale)
    counts = _as_counts(np.asarray(counts), scale)
    n = counts.sum(axis=1)
    if (n == 0).any():
        raise ValueError("every cell must hold at least one vote to be resampled.")
    uniforms = rng.random((len(counts), n_draws))
    out = np.empty((len(counts), n_draws))
    for rows, start, cdf in _cdf_batches(counts, n):
        idx = np.empty((len(rows), n_draws), dtype=np.int64)
        for i, row in enumerate(rows):  # one small CDF at a time stays in cache: faster than one flat search
            idx[i] = np.searchsorted(cdf[i], uniforms[row], side="left")
        np.minimum(idx, cdf.shape[1] - 1, out=idx)
        out[rows] = scale[0] + (start[:, None] + idx) / n[rows][:, None]
    return out


def _as_counts(counts: np.ndarray, scale: tuple[int, int]) -> np.ndarray:
    """Validate an array of score histograms (last axis: one column per score of ``scale``)."""
    check_counts_width(counts, scale)
    if not np.issubdtype(counts.dtype, np.number) or (counts < 0).any() or (counts != np.round(counts)).any():
        raise ValueError("counts must be non-negative whole numbers of votes.")
    return counts.astype(np.int64)


def _window(n: np.ndarray, centre: np.ndarray, span: int) -> tuple[np.ndarray, np.ndarray]:
    """FFT length and window start (in units of the shifted sum) for each cell.

    ``centre`` is the expected shifted sum ``n (mean - low)`` and ``span = high - low``.
    """
    support = span * n + 1
    half = np.ceil(np.sqrt(n * span**2 * _LOG_TERM / 2.0)).astype(np.int64)
    needed = np.minimum(support, 2 * half + 1)
    length = _ladder(needed)
    start = np.clip(centre - length // 2, 0, np.maximum(support - length, 0))
    start = np.where(length >= support, 0, start)
    return length, start


def _ladder(needed: np.ndarray) -> np.ndarray:
    """Smallest length of the form 2^k or 3 * 2^k that is >= ``needed``."""
    needed = np.maximum(needed, 1)
    k = np.ceil(np.log2(needed)).astype(np.int64)
    power = np.left_shift(1, k)
    three = 3 * np.left_shift(1, np.maximum(k - 2, 0))
    return np.where((three >= needed) & (k >= 2), three, power)


def _cdf_batches(counts: np.ndarray, n: np.ndarray) -> Iterator[tuple[np.ndarray, np.ndarray, np.ndarray]]:
    """Yield ``(rows, start, cdf)`` for non-empty cells, batched by FFT length.

    ``cdf[i, j]`` is ``P(S <= start[i] + j)`` where ``S`` is the sum of a resample
    of row ``rows[i]`` minus ``n low``: column ``v`` of ``counts`` adds ``v``.
    """
    span = counts.shape[-1] - 1
    shifted = counts @ np.arange(span + 1)  # sum of the votes minus n low
    rows_all = np.flatnonzero(n > 0)
    length, start = _window(n[rows_all], shifted[rows_all], span)
    for size in np.unique(length):
        members = rows_all[length == size]
        member_start = start[length == size]
        step = max(1, _BATCH_ELEMENTS // int(size))
        freq = np.arange(size // 2 + 1)
        for lo in range(0, len(members), step):
            rows = members[lo : lo + step]
            s0 = member_start[lo : lo + step]
            p = counts[rows] / n[rows][:, None]
            spectrum = np.fft.rfft(p, n=int(size), axis=1) ** n[rows][:, None]
            if s0.any():
                turns = np.mod(np.outer(s0, freq), size) / size
                spectrum *= np.exp(2j * np.pi * turns)
            pmf = np.fft.irfft(spectrum, n=int(size), axis=1)
            np.clip(pmf, 0.0, None, out=pmf)
            cdf = np.cumsum(pmf, axis=1)
            cdf /= cdf[:, -1:]
            yield rows, s0, cdf
