"""Reliability of the cell means, per field: variance components, ICC(A,1), ICC(A,k) and a D-study.

The objects of measurement are the cells (resource x need) of a field, the raters its
delegates, in the design the process has: each delegate scores the cells of the fields of
their entity only, and within a field usually all of them (a few blanks). A score is
modelled as a crossed two-way random-effects model without interaction,

    y_ij = mu + c_j + d_i + e_ij,

``c_j`` the cell (variance ``var_cell``), ``d_i`` the delegate's leniency
(``var_delegate``), ``e_ij`` the rest (``var_residual``: the delegate x cell interaction
and noise, which one vote per delegate and cell cannot tell apart). Generalizability
theory (Brennan 2001) reads them as a G study of the design *cells x delegates* and a D
study of means over ``k`` delegates; McGraw & Wong (1996) name the coefficients:

* ``ICC(A,1) = var_cell / (var_cell + var_delegate + var_residual)``: absolute agreement
  of *one* delegate's score with the cell's true value (what Krippendorff's alpha also
  measures, :mod:`.agreement`);
* ``ICC(A,k) = var_cell / (var_cell + (var_delegate + var_residual) / k)``: the
  dependability of the *mean* of ``k`` delegates (Brennan's Phi), the number the reports
  publish; with unequal numbers of votes per cell ``k`` is their harmonic mean (Brennan
  2001, unbalanced designs);
* the D study: by the Spearman-Brown formula on the absolute coefficient, the delegates
  per cell that give a dependability of ``target`` (0.8) are
  ``target / (1 - target) * (var_delegate + var_residual) / var_cell``, rounded up;
* the share of the disagreement due to leniency, ``var_delegate / (var_delegate +
  var_residual)``.

Why this estimator (and not REML). The components are estimated by the method of
*symmetric sums* of squared differences (Koch 1967, 1968): half the mean squared
difference between two votes of the same delegate on different cells estimates
``var_cell + var_residual``; of two delegates on the same cell, ``var_delegate +
var_residual``; of two delegates on different cells, the sum of the three. It is a
method of moments for unbalanced crossed designs: unbiased in any incomplete design,
closed-form (no iteration, no convergence failure), and in a complete design it *is* the
ANOVA estimator of McGraw & Wong, the numbers of ``pingouin.intraclass_corr``. REML
(statsmodels ``MixedLM``) is more efficient when the design is very unbalanced, but ours
is nearly balanced within a field, where the two agree closely (tested), and REML needs an
iterative fit per bootstrap replicate: thousands of fits per report. The symmetric sums
are sums over delegates, so every replicate of the delegate bootstrap
(:mod:`.resampling`) is a few matrix products, for all replicates at once. A negative
estimate is set to zero before any coefficient is formed (Brennan 2001).

On simulated designs like the demo's (30 delegates x 15 cells, 5% blanks) the two are
equally precise (standard errors within 2%); with 20% blanks REML's are about 10% smaller.

Intervals: percentile intervals of the delegate bootstrap (delegates resampled with all
their votes, stratified by group; the cells are the fixed objects of measurement). In a
replicate a delegate drawn twice counts as two delegates, but the two copies are never a
pair of *different* delegates: they would agree perfectly and pull the between-delegate
variance down (the ties of resampling raters with replacement), so, as in a U-statistic,
the pairs of a delegate with itself are left out.

References
----------
.. [1] McGraw, K. O. & Wong, S. P. (1996). Forming inferences about some intraclass
   correlation coefficients. *Psychological Methods* 1(1), 30-46.
.. [2] Brennan, R. L. (2001). *Generalizability Theory*. Springer.
.. [3] Koch, G. G. (1967). A general approach to the estimation of variance components.
   *Technometrics* 9(1), 93-118; (1968) Some further remarks ..., *Technometrics* 10(3),
   551-558.
.. [4] Searle, S. R., Casella, G. & McCulloch, C. E. (1992). *Variance Components*. Wiley.
.. [5] Davison, A. C. & Hinkley, D. V. (1997). *Bootstrap Methods and their Application*,
   section 3.8 (clustered data).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from palestre_analysis import config

from ._histograms import factorize_rows
from .disclosure import check_min_cell
from .resampling import DelegateMatrix, delegate_matrix, weight_chunks
from .scales import DEFAULT_SCALE, check_scale
from .votes import validate_votes

__all__ = [
    "VarianceComponents",
    "CellSums",
    "FieldBlock",
    "variance_components",
    "delegates_for",
    "field_blocks",
    "reliability",
    "RELIABILITY_COLUMNS",
]

#: The statistic columns of :func:`reliability`, blanked together.
RELIABILITY_COLUMNS = (
    "var_cell",
    "var_delegate",
    "var_residual",
    "icc_a1",
    "icc_a1_low",
    "icc_a1_high",
    "icc_ak",
    "icc_ak_low",
    "icc_ak_high",
    "k",
    "k_target",
    "leniency_share",
)


@dataclass(frozen=True)
class VarianceComponents:
    """Symmetric-sums estimates of the crossed cells x delegates model (see the module docstring).

    Parameters
    ----------
    cell, delegate, residual : ndarray
        The estimates as computed (unbiased; they may be negative), one per replicate.
    k : ndarray
        The harmonic mean of the votes per cell (cells without votes left out).
    """

    cell: np.ndarray
    delegate: np.ndarray
    residual: np.ndarray
    k: np.ndarray

    def truncated(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The three components with negative estimates set to zero (Brennan 2001).

        Returns
        -------
        tuple of three ndarray
            ``cell``, ``delegate`` and ``residual``, each ``>= 0`` (NaN stays NaN).
        """
        return tuple(np.where(x < 0, 0.0, x) for x in (self.cell, self.delegate, self.residual))

    def icc_single(self) -> np.ndarray:
        """ICC(A,1) of McGraw & Wong (1996): one delegate's absolute agreement with the cell's value.

        Returns
        -------
        ndarray
            NaN where the scores do not vary at all.
        """
        c, d, e = self.truncated()
        with np.errstate(invalid="ignore", divide="ignore"):
            return c / (c + d + e)

    def icc_mean(self, k: float | np.ndarray | None = None) -> np.ndarray:
        """ICC(A,k): the dependability (Brennan's Phi) of the mean of ``k`` delegates.

        Parameters
        ----------
        k : float or ndarray, optional
            Delegates behind each mean; by default :attr:`k`, the harmonic mean of the
            votes per cell.

        Returns
        -------
        ndarray
        """
        c, d, e = self.truncated()
        k = self.k if k is None else np.asarray(k, dtype=float)
        with np.errstate(invalid="ignore", divide="ignore"):
            return c / (c + (d + e) / k)

    def leniency_share(self) -> np.ndarray:
        """The share of the disagreement between delegates that is leniency: ``delegate / (delegate + residual)``.

        Returns
        -------
        ndarray
        """
        _, d, e = self.truncated()
        with np.errstate(invalid="ignore", divide="ignore"):
            return d / (d + e)


def variance_components(scores: np.ndarray, voted: np.ndarray, weights: np.ndarray | None = None) -> VarianceComponents:
    """Symmetric-sums estimates of ``var_cell``, ``var_delegate`` and ``var_residual``, for many replicates at once.

    Parameters
    ----------
    scores : array_like, shape (R, C)
        Each delegate's score of each cell of one field (any value where not voted).
    voted : array_like, shape (R, C)
        1 where the delegate voted the cell, else 0.
    weights : array_like, shape (B, R), optional
        How many times each delegate is drawn in each replicate
        (:func:`.resampling.delegate_weights`); a delegate drawn twice counts as two
        delegates who voted alike. By default one replicate with every delegate once.

    Returns
    -------
    VarianceComponents
        Arrays of shape (B,) (shape () without ``weights``); NaN where a kind of pair
        is missing (no delegate voted two cells, no cell has two votes, or no two
        delegates voted different cells).

    Notes
    -----
    With ``D_1``, ``D_2``, ``D_3`` the means, over ordered pairs of votes, of half the
    squared difference for: the same delegate on two cells, two delegates on the same
    cell, two delegates on two cells,

    ``E D_1 = s2c + s2e``, ``E D_2 = s2d + s2e``, ``E D_3 = s2c + s2d + s2e``,

    so ``s2c = D_3 - D_2``, ``s2d = D_3 - D_1``, ``s2e = D_1 + D_2 - D_3`` (Koch 1968).
    Each sum of squared differences is a sum over delegates of their votes' counts, sums
    and sums of squares, or over cells of weighted sums: ``weights @ matrix`` for every
    replicate. Scores are centred first, so the differences of large sums lose no digits.
    In a complete design the estimates equal the two-way ANOVA ones: ``s2c = (MS_cells -
    MS_e) / k``, ``s2d = (MS_delegates - MS_e) / n``, ``s2e = MS_e``.

    References
    ----------
    .. [1] Koch, G. G. (1967). A general approach to the estimation of variance
       components. *Technometrics* 9(1), 93-118.
    .. [2] Koch, G. G. (1968). Some further remarks concerning "A general approach to the
       estimation of variance components". *Technometrics* 10(3), 551-558.
    .. [3] Searle, S. R., Casella, G. & McCulloch, C. E. (1992). *Variance Components*.
       Wiley, chapter 5 (ANOVA-type estimation from unbalanced data).
    .. [4] McGraw, K. O. & Wong, S. P. (1996). Forming inferences about some intraclass
       correlation coefficients. *Psychological Methods* 1(1), 30-46.

    Examples
    --------
    Three delegates, four cells, every cell voted (the ANOVA estimates):

    >>> y = np.array([[7, 5, 8, 4], [8, 6, 9, 6], [6, 3, 7, 4]])
    >>> vc = variance_components(y, np.ones_like(y))
    >>> [round(float(x), 4) for x in (vc.cell, vc.delegate, vc.residual, vc.k)]
    [2.7778, 1.2222, 0.1944, 3.0]
    >>> round(float(vc.icc_single()), 4), round(float(vc.icc_mean()), 4)
    (0.6623, 0.8547)
    """
    block = FieldBlock.of(scores, voted)
    single = weights is None
    w = np.ones((1, block.n_raters)) if single else np.asarray(weights, dtype=float)
    if w.ndim != 2 or w.shape[1] != block.n_raters:
        raise ValueError(f"weights must have shape (B, {block.n_raters}), got {w.shape}.")
    out = block.components(w)
    if single:
        return VarianceComponents(*(np.asarray(x)[0] for x in (out.cell, out.delegate, out.residual, out.k)))
    return out


@dataclass(frozen=True)
class CellSums:
    """Weighted sums of one block's votes, one row per replicate (see :meth:`FieldBlock.sums`).

    Parameters
    ----------
    n, total, squares : ndarray, shape (B, C)
        Per cell: the votes drawn (with repetitions), the sum of their scores and of their
        squares (scores centred as :attr:`FieldBlock.centre` says).
    delegates : ndarray, shape (B, 6)
        Over delegates, weighted by ``w``: votes ``n_i``, ``sum y``, ``sum y^2``, their
        own pair sums ``2 (n_i sum y^2 - (sum y)^2)``, ``n_i (n_i - 1)``, ``n_i^2``.
    repeated : ndarray, shape (B, 3)
        The same sums weighted by ``w^2`` for ``n_i``, ``n_i^2`` and the own pair sums.
    """

    n: np.ndarray
    total: np.ndarray
    squares: np.ndarray
    delegates: np.ndarray
    repeated: np.ndarray

    def variance(self) -> np.ndarray:
        """Each cell's sample variance (``ddof=1``) in each replicate; NaN below two votes.

        Returns
        -------
        ndarray, shape (B, C)
        """
        with np.errstate(invalid="ignore", divide="ignore"):
            var = (self.squares - self.total * self.total / self.n) / (self.n - 1.0)
        return np.where(self.n > 1, np.maximum(var, 0.0), np.nan)


@dataclass(frozen=True)
class FieldBlock:
    """The delegates x cells block of one field, laid out for the delegate bootstrap.

    A replicate's weighted sums are one matrix product with ``[voted | scores |
    scores^2]``; whole scores are summed in single precision, which is exact (and twice
    as fast) while every sum stays below 2^24, and in double precision otherwise.

    Parameters
    ----------
    raters : ndarray of int, shape (R,)
        The block's rows in the matrix it was cut from (all rows: ``arange(R)``).
    columns : ndarray of int, shape (C,)
        Its columns (cells) there.
    stacked : ndarray, shape (R, 3 C)
        ``[voted | y | y^2]`` with ``y`` the scores minus :attr:`centre`, 0 where not voted.
    per_delegate : ndarray, shape (R, 6)
        The delegate sums of :class:`CellSums`.
    centre : float
        Subtracted from every score (0 for whole scores, the mean otherwise).
    """

    raters: np.ndarray
    columns: np.ndarray
    stacked: np.ndarray
    per_delegate: np.ndarray
    centre: float

    @property
    def n_raters(self) -> int:
        """Delegates of the block.

        Returns
        -------
        int
        """
        return len(self.raters)

    @property
    def n_cells(self) -> int:
        """Cells of the block.

        Returns
        -------
        int
        """
        return len(self.columns)

    @classmethod
    def of(
        cls,
        scores: np.ndarray,
        voted: np.ndarray,
        raters: np.ndarray | None = None,
        columns: np.ndarray | None = None,
        total_weight: float | None = None,
    ) -> FieldBlock:
        """Lay out a block: the rows ``raters`` and columns ``columns`` of ``scores`` and ``voted``.

        Parameters
        ----------
        scores, voted : array_like, shape (R0, C0)
            Scores (any value where not voted) and 0/1 votes, as
            :class:`~.resampling.DelegateMatrix` holds them.
        raters, columns : array_like of int, optional
            The block's rows and columns; by default all.
        total_weight : float, optional
            The largest sum of a replicate's weights (the delegates of the whole
            resampled set, each replicate drawing as many); by default the block's rows.

        Returns
        -------
        FieldBlock
        """
        y = np.asarray(scores, dtype=float)
        v = np.asarray(voted, dtype=float)
        if y.shape != v.shape or y.ndim != 2:
            raise ValueError(
                f"scores and voted must be two arrays of the same shape (R, C), got {y.shape} and {v.shape}."
            )
        raters = np.arange(y.shape[0]) if raters is None else np.asarray(raters, dtype=np.int64)
        columns = np.arange(y.shape[1]) if columns is None else np.asarray(columns, dtype=np.int64)
        y, v = y[np.ix_(raters, columns)], v[np.ix_(raters, columns)]
        on = v > 0
        whole = bool(np.all(y[on] == np.round(y[on]))) if on.any() else True
        centre = 0.0 if whole else float(y[on].mean())
        y = np.where(on, y - centre, 0.0)
        y2 = y * y
        largest = float(y2.max()) if y2.size else 0.0
        weight = float(len(raters) if total_weight is None else total_weight)
        exact = whole and weight * max(largest, 1.0) < 2.0**24
        stacked = np.concatenate([v, y, y2], axis=1).astype(np.float32 if exact else float)
        n, t, q = v.sum(axis=1), y.sum(axis=1), y2.sum(axis=1)
        per_delegate = np.stack([n, t, q, 2.0 * (n * q - t * t), n * (n - 1.0), n * n], axis=1)
        return cls(raters, columns, stacked, per_delegate, centre)

    def sums(self, weights: np.ndarray) -> CellSums:
        """The weighted sums of every replicate.

        Parameters
        ----------
        weights : ndarray, shape (B, R)
            Replicate weights of the block's delegates, in the order of :attr:`raters`.

        Returns
        -------
        CellSums
        """
        w = np.asarray(weights)
        cells = (w.astype(self.stacked.dtype, copy=False) @ self.stacked).astype(float)
        c = self.n_cells
        w = w.astype(float, copy=False)
        delegates = w @ self.per_delegate
        repeated = (w * w) @ self.per_delegate[:, [0, 5, 3]]
        return CellSums(cells[:, :c], cells[:, c : 2 * c], cells[:, 2 * c :], delegates, repeated)

    def components(self, weights: np.ndarray) -> VarianceComponents:
        """:func:`variance_components` of every replicate.

        Parameters
        ----------
        weights : ndarray, shape (B, R)

        Returns
        -------
        VarianceComponents
            Arrays of shape (B,).
        """
        sums = self.sums(weights)
        m, s, s2 = sums.n, sums.total, sums.squares
        a, tt, b, within, pairs_within, _ = sums.delegates.T
        n_rep, nn_rep, own_rep = sums.repeated.T
        # two delegates on the same cell (copies of one delegate differ by 0, and are no pair)
        same_cell = 2.0 * (m * s2 - s * s).sum(axis=-1)
        pairs_cell = (m * m).sum(axis=-1) - n_rep
        # two delegates on any two cells, then on two different cells
        across = 2.0 * a * b - 2.0 * tt * tt - own_rep
        pairs_across = a * a - nn_rep
        other = across - same_cell
        pairs_other = pairs_across - pairs_cell
        with np.errstate(invalid="ignore", divide="ignore"):
            d1 = np.where(pairs_within > 0, within / (2.0 * pairs_within), np.nan)
            d2 = np.where(pairs_cell > 0, same_cell / (2.0 * pairs_cell), np.nan)
            d3 = np.where(pairs_other > 0, other / (2.0 * pairs_other), np.nan)
            inverse = np.where(m > 0, 1.0 / np.where(m > 0, m, 1.0), 0.0).sum(axis=-1)
            k = (m > 0).sum(axis=-1) / inverse
        return VarianceComponents(cell=d3 - d2, delegate=d3 - d1, residual=d1 + d2 - d3, k=k)


def delegates_for(components: VarianceComponents, target: float = 0.8) -> np.ndarray:
    """The D study: delegates per cell whose mean reaches a dependability of ``target``.

    Parameters
    ----------
    components : VarianceComponents
    target : float, default 0.8
        The ICC(A,k) wanted, strictly between 0 and 1.

    Returns
    -------
    ndarray
        The smallest whole ``k`` with ``ICC(A,k) >= target``: ``ceil(target / (1 - target)
        * (s2d + s2e) / s2c)`` (Spearman-Brown on the absolute coefficient), at least 1;
        NaN where ``s2c`` is zero (no number of delegates is enough) or undefined.

    References
    ----------
    .. [1] Brennan, R. L. (2001). *Generalizability Theory*. Springer (D studies).
    .. [2] Spearman, C. (1910); Brown, W. (1910). *British Journal of Psychology* 3.

    Examples
    --------
    >>> vc = VarianceComponents(np.array(1.0), np.array(0.6), np.array(1.4), np.array(30.0))
    >>> float(delegates_for(vc)), round(float(vc.icc_mean(8)), 3), round(float(vc.icc_mean(7)), 3)
    (8.0, 0.8, 0.778)
    """
    if not 0 < target < 1:
        raise ValueError(f"target must lie strictly between 0 and 1, got {target!r}.")
    c, d, e = components.truncated()
    with np.errstate(invalid="ignore", divide="ignore"):
        needed = target / (1.0 - target) * (d + e) / c
        # a ratio that is whole up to rounding (8.000000001) needs that many, not one more
        whole = np.ceil(np.round(needed, 9))
    return np.where((c > 0) & np.isfinite(needed), np.maximum(whole, 1.0), np.nan)


def reliability(
    votes: pd.DataFrame,
    by: Sequence[str] = (),
    n_boot: int = 1000,
    seed: int = config.SEED,
    min_cell: int = config.MIN_CELL,
    confidence: float = 0.95,
    target: float = 0.8,
    *,
    scale: tuple[int, int] = DEFAULT_SCALE,
) -> pd.DataFrame:
    """Per field: variance components, ICC(A,1) and ICC(A,k) with delegate-bootstrap intervals, the D study.

    Parameters
    ----------
    votes : DataFrame
        As in :func:`palestre_analysis.stats.cells.cell_stats` (any two group labels).
    by : sequence of str, default ()
        Columns that split the votes into subsets, each with its own bootstrap.
    n_boot : int, default 1000
        Replicates of the delegate bootstrap (enough for 95% percentile intervals, Efron &
        Tibshirani 1993; each costs a few matrix products per field).
    seed : int, default ``config.SEED``
    min_cell : int, default ``config.MIN_CELL``
        Fields scored by fewer delegates in a subset are blanked.
    confidence : float, default 0.95
    target : float, default 0.8
        The dependability of the D study (``k_target``).
    scale : tuple of (int, int), default (1, 10)
        The process's scale: a vote off it is an error (the components are in its points
        squared).

    Returns
    -------
    DataFrame
        One row per subset x field: the ``by`` columns, ``field``, ``var_cell``,
        ``var_delegate``, ``var_residual`` (zero where the estimate is negative),
        ``icc_a1`` with ``icc_a1_low`` and ``icc_a1_high``, ``icc_ak`` with its interval,
        ``k`` (harmonic mean of the votes per cell), ``k_target`` (delegates per cell for
        a dependability of ``target``), ``leniency_share``, ``n_raters`` (delegates who
        scored the field), ``n_units`` (its cells with a vote), ``suppressed`` and
        ``note`` (why the statistics are blank, if they are).

    Notes
    -----
    The components are those of :func:`variance_components` on the field's delegates x
    cells; the intervals are bootstrap percentile intervals, delegates resampled within
    each group with all their votes (:func:`.resampling.weight_chunks`), the same
    replicates for every field of a subset.

    References
    ----------
    .. [1] McGraw, K. O. & Wong, S. P. (1996). Forming inferences about some intraclass
       correlation coefficients. *Psychological Methods* 1(1), 30-46.
    .. [2] Brennan, R. L. (2001). *Generalizability Theory*. Springer.
    .. [3] Koch, G. G. (1968). *Technometrics* 10(3), 551-558.
    .. [4] Davison, A. C. & Hinkley, D. V. (1997). *Bootstrap Methods and their
       Application*, section 3.8.

    Examples
    --------
    >>> rows = [(f"d{i}", f"R{j}", s) for i, row in enumerate([[7, 5, 8, 4], [8, 6, 9, 6], [6, 3, 7, 4]])
    ...         for j, s in enumerate(row)]
    >>> votes = pd.DataFrame(rows, columns=["rater", "resource", "score"]).assign(
    ...     field="Cultura", need="Spazi", group="aps_odv")
    >>> t = reliability(votes, min_cell=3, n_boot=200)
    >>> t[["icc_a1", "icc_ak", "k", "k_target", "n_raters"]].round(3)
       icc_a1  icc_ak    k  k_target  n_raters
    0   0.662   0.855  3.0       3.0         3
    """
    min_cell = check_min_cell(min_cell)
    scale = check_scale(scale)
    if not 0 < confidence < 1:
        raise ValueError(f"confidence must lie strictly between 0 and 1, got {confidence!r}.")
    if isinstance(n_boot, bool) or int(n_boot) != n_boot or n_boot < 1:
        raise ValueError(f"n_boot must be a positive whole number, got {n_boot!r}.")
    if not 0 < target < 1:
        raise ValueError(f"target must lie strictly between 0 and 1, got {target!r}.")
    by = tuple(by)
    validate_votes(votes, by, scale=scale, groups=None)
    subset, keys = factorize_rows(votes, by)
    rows = []
    for s in range(len(keys)):
        part = votes[subset == s]
        key = {column: keys[column].iloc[s] for column in by}
        rows += [{**key, **row} for row in _subset(part, int(n_boot), seed, min_cell, confidence, target)]
    table = pd.DataFrame(
        rows, columns=[*by, "field", *RELIABILITY_COLUMNS, "n_raters", "n_units", "suppressed", "note"]
    )
    return table.reset_index(drop=True)


def field_blocks(matrix: DelegateMatrix) -> dict[str, FieldBlock]:
    """Cut a delegates x cells matrix into one :class:`FieldBlock` per field: its cells, its delegates.

    Parameters
    ----------
    matrix : DelegateMatrix
        As :func:`.resampling.delegate_matrix` builds it (cells with a ``field`` column).

    Returns
    -------
    dict of str to FieldBlock
        By field, sorted; a block's :attr:`~FieldBlock.raters` are the delegates who
        voted at least one of its cells, and its sums are exact for replicates of all the
        matrix's delegates.

    Examples
    --------
    >>> votes = pd.DataFrame({"rater": ["a", "a", "b", "c"], "field": ["F", "G", "F", "G"],
    ...                       "resource": "R", "need": "N", "score": [7, 5, 9, 4], "group": "g"})
    >>> {name: block.raters.tolist() for name, block in field_blocks(delegate_matrix(votes)).items()}
    {'F': [0, 1], 'G': [0, 2]}
    """
    fields = matrix.cells["field"].to_numpy()
    blocks = {}
    for name in sorted(pd.unique(fields)):
        columns = np.flatnonzero(fields == name)
        raters = np.flatnonzero(matrix.voted[:, columns].any(axis=1))
        blocks[name] = FieldBlock.of(matrix.scores, matrix.voted, raters, columns, total_weight=len(matrix.raters))
    return blocks


def _subset(votes: pd.DataFrame, n_boot: int, seed: int, min_cell: int, confidence: float, target: float) -> list:
    """The rows of :func:`reliability` for one subset of votes."""
    matrix = delegate_matrix(votes)
    blocks = field_blocks(matrix)
    rows, draws = [], {}
    for name, block in blocks.items():
        row = {"field": name, **dict.fromkeys(RELIABILITY_COLUMNS, np.nan)}
        row.update(n_raters=block.n_raters, n_units=block.n_cells, suppressed=block.n_raters < min_cell, note="")
        rows.append(row)
        if block.n_raters < min_cell:
            row["note"] = f"fewer than {min_cell} raters"
            continue
        point = block.components(np.ones((1, block.n_raters)))
        if not np.isfinite([point.cell, point.delegate, point.residual]).all():
            row["note"] = "no two delegates scored two different cells: the components are undefined"
            continue
        if not np.isfinite(point.icc_single()).all():
            row["note"] = "every score is the same: the reliability is undefined"
            continue
        c, d, e = point.truncated()
        row.update(
            var_cell=float(c[0]),
            var_delegate=float(d[0]),
            var_residual=float(e[0]),
            icc_a1=float(point.icc_single()[0]),
            icc_ak=float(point.icc_mean()[0]),
            k=float(point.k[0]),
            k_target=float(delegates_for(point, target)[0]),
            leniency_share=float(point.leniency_share()[0]),
        )
        draws[name] = ([], [])
    if draws:
        for weights in weight_chunks(matrix.strata, n_boot, seed):
            weights = weights.astype(np.float32)  # whole counts: exact
            for name, (single, mean) in draws.items():
                replicate = blocks[name].components(weights[:, blocks[name].raters])
                single.append(replicate.icc_single())
                mean.append(replicate.icc_mean())
    tail = (1.0 - confidence) / 2.0
    for row in rows:
        if row["field"] not in draws:
            continue
        for column, values in zip(("icc_a1", "icc_ak"), draws[row["field"]], strict=True):
            values = np.concatenate(values)
            values = values[np.isfinite(values)]
            if len(values):
                row[f"{column}_low"], row[f"{column}_high"] = (float(x) for x in np.quantile(values, [tail, 1 - tail]))
    return rows
