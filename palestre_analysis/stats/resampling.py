"""The delegate bootstrap: resample delegates, each with all their votes, stratified by group.

Votes are not independent: one delegate scores many cells, more or less leniently, and
only the fields of their entity (an incomplete design). Resampling cells one by one
treats the votes of one delegate as unrelated and gets the correlation between cells
wrong. The unit that was sampled is the delegate, so every interval, probability of
being best, rank interval and group contrast of phase 2 resamples delegates: a
replicate draws, within each group, as many delegates as the group has, with
replacement, and keeps every vote of each drawn delegate (Davison & Hinkley 1997,
section 3.8, the bootstrap for clustered data; stratified by group, section 3.2).

A replicate is a vector of weights, one per delegate (how many times it was drawn), so
any statistic that is a ratio of weighted sums over delegates is a matrix product for
all replicates at once: with ``S`` the delegates x cells matrix of scores (0 where not
voted) and ``N`` the matrix of votes cast (0 or 1), the replicate means of every cell
are ``(W @ S) / (W @ N)``.

Written by hand: the libraries that bootstrap clustered data (``scipy.stats.bootstrap``
resamples observations; ``arch`` resamples blocks of time series) do not take
weights per cluster for many statistics at once. Tested against a brute-force loop
that resamples delegates explicitly.

References
----------
.. [1] Davison, A. C. & Hinkley, D. V. (1997). *Bootstrap Methods and their
   Application*. Cambridge University Press, sections 3.2 and 3.8.
.. [2] Field, C. A. & Welsh, A. H. (2007). Bootstrapping clustered data. *JRSS B*
   69(3), 369-390.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from palestre_analysis import config

from .votes import CELL_COLUMNS

__all__ = ["DelegateMatrix", "delegate_matrix", "delegate_weights", "weight_chunks", "cell_means", "cell_moments"]

#: Largest number of weights (replicates x delegates) built at once.
_CHUNK_ELEMENTS = 1 << 22


@dataclass(frozen=True)
class DelegateMatrix:
    """One set of votes as a delegates x cells matrix (see :func:`delegate_matrix`).

    Parameters
    ----------
    cells : DataFrame
        One row per cell, the cell columns (sorted); row ``j`` is column ``j`` of the matrices.
    raters : ndarray, shape (R,)
        The delegates' ids, in the order of the matrices' rows.
    strata : ndarray, shape (R,)
        Each delegate's stratum (group) code, ``0 .. K - 1``.
    strata_labels : ndarray, shape (K,)
        The label of each stratum code.
    scores : ndarray, shape (R, C)
        Each delegate's score of each cell, 0 where they did not vote it.
    voted : ndarray, shape (R, C)
        1 where the delegate voted the cell, else 0.
    """

    cells: pd.DataFrame
    raters: np.ndarray
    strata: np.ndarray
    strata_labels: np.ndarray
    scores: np.ndarray
    voted: np.ndarray

    @property
    def n(self) -> np.ndarray:
        """Votes per cell, shape (C,)."""
        return self.voted.sum(axis=0)

    @property
    def mean(self) -> np.ndarray:
        """Each cell's mean score (NaN for a cell without votes), shape (C,)."""
        with np.errstate(invalid="ignore", divide="ignore"):
            return self.scores.sum(axis=0) / self.n


def delegate_matrix(
    votes: pd.DataFrame, cell_columns: Sequence[str] = CELL_COLUMNS, stratum: str | None = "group"
) -> DelegateMatrix:
    """Arrange votes as a delegates x cells matrix.

    Parameters
    ----------
    votes : DataFrame
        One row per vote: ``rater``, the ``cell_columns``, ``score`` and ``stratum``;
        at most one vote per delegate and cell.
    cell_columns : sequence of str, default ("field", "resource", "need")
        The columns that name a cell.
    stratum : str or None, default "group"
        The column of each delegate's stratum (constant per delegate); ``None``: one stratum.

    Returns
    -------
    DelegateMatrix

    Raises
    ------
    ValueError
        When a delegate voted a cell twice or belongs to two strata.

    Examples
    --------
    >>> votes = pd.DataFrame({"rater": ["a", "a", "b"], "field": "F", "resource": ["R1", "R2", "R1"],
    ...                       "need": "N", "score": [7, 5, 9], "group": ["g1", "g1", "g2"]})
    >>> m = delegate_matrix(votes)
    >>> m.scores.tolist(), m.voted.tolist(), m.mean.tolist()
    ([[7.0, 5.0], [9.0, 0.0]], [[1.0, 1.0], [1.0, 0.0]], [8.0, 5.0])
    """
    columns = list(cell_columns)
    rater, raters = pd.factorize(votes["rater"], sort=True)
    cell, cells = _cell_codes(votes, columns)
    n_raters, n_cells = len(raters), len(cells)
    flat = rater.astype(np.int64) * n_cells + cell
    if len(np.unique(flat)) < len(flat):
        raise ValueError("A delegate voted the same cell more than once: the delegate bootstrap needs one vote each.")
    scores = np.zeros(n_raters * n_cells)
    voted = np.zeros(n_raters * n_cells)
    scores[flat] = votes["score"].to_numpy(dtype=float)
    voted[flat] = 1.0
    if stratum is None:
        strata, labels = np.zeros(n_raters, dtype=np.int64), np.array(["all"], dtype=object)
    else:
        codes, labels = pd.factorize(votes[stratum], sort=True)
        strata = np.full(n_raters, -1, dtype=np.int64)
        strata[rater] = codes
        if (np.bincount(rater, minlength=n_raters) != np.bincount(rater, weights=codes == strata[rater])).any():
            raise ValueError(f"A delegate belongs to two values of {stratum!r}: each must have one.")
        labels = np.asarray(labels, dtype=object)
    return DelegateMatrix(
        cells=cells,
        raters=np.asarray(raters),
        strata=strata,
        strata_labels=labels,
        scores=scores.reshape(n_raters, n_cells),
        voted=voted.reshape(n_raters, n_cells),
    )


def _cell_codes(votes: pd.DataFrame, columns: list[str]) -> tuple[np.ndarray, pd.DataFrame]:
    """Each vote's cell code and the cells, sorted: column by column (a MultiIndex factorize is several times slower)."""
    code = np.zeros(len(votes), dtype=np.int64)
    levels = []
    for column in columns:
        codes, uniques = pd.factorize(votes[column], sort=True)
        code = code * len(uniques) + codes
        levels.append(uniques)
    present, cell = np.unique(code, return_inverse=True)
    parts, rest = [], present
    for uniques in reversed(levels):
        parts.append(np.asarray(uniques)[rest % len(uniques)])
        rest = rest // len(uniques)
    return cell.ravel(), pd.DataFrame(dict(zip(columns, reversed(parts), strict=True)))


def delegate_weights(strata: np.ndarray, n_boot: int, rng: np.random.Generator) -> np.ndarray:
    """How many times each delegate is drawn in each of ``n_boot`` stratified replicates.

    Parameters
    ----------
    strata : array_like of int, shape (R,)
        Each delegate's stratum code.
    n_boot : int
        Replicates.
    rng : numpy.random.Generator

    Returns
    -------
    ndarray of float, shape (n_boot, R)
        Within each stratum of ``n_s`` delegates every row is a multinomial draw of
        ``n_s`` among them with equal probabilities (sampling with replacement), so
        each stratum keeps its size in every replicate.

    Examples
    --------
    >>> w = delegate_weights(np.array([0, 0, 0, 1, 1]), 4, np.random.default_rng(1))
    >>> w[:, :3].sum(axis=1).tolist(), w[:, 3:].sum(axis=1).tolist()
    ([3.0, 3.0, 3.0, 3.0], [2.0, 2.0, 2.0, 2.0])
    """
    strata = np.asarray(strata)
    weights = np.zeros((int(n_boot), len(strata)))
    for code in np.unique(strata):
        members = np.flatnonzero(strata == code)
        size = len(members)
        weights[:, members] = rng.multinomial(size, np.full(size, 1.0 / size), size=int(n_boot))
    return weights


def weight_chunks(
    strata: np.ndarray, n_boot: int = config.BEST_CROSSING_DRAWS, seed: int = config.SEED
) -> Iterator[np.ndarray]:
    """The ``n_boot`` replicates' weights, in chunks that keep memory bounded.

    The same ``strata``, ``n_boot`` and ``seed`` always give the same replicates, in the
    same order, whatever the chunk size.

    Parameters
    ----------
    strata : array_like of int, shape (R,)
    n_boot : int
    seed : int

    Yields
    ------
    ndarray of float, shape (b, R)
        Consecutive replicates (``b <= n_boot``), as in :func:`delegate_weights`.
    """
    strata = np.asarray(strata)
    # one generator per replicate block of fixed size, so chunking never changes the draws
    block = 64
    per_chunk = max(block, (_CHUNK_ELEMENTS // max(len(strata), 1)) // block * block)
    seeds = np.random.SeedSequence(seed).spawn((int(n_boot) + block - 1) // block)
    done = 0
    while done < n_boot:
        size = min(per_chunk, int(n_boot) - done)
        parts = []
        for start in range(done, done + size, block):
            rng = np.random.default_rng(seeds[start // block])
            parts.append(delegate_weights(strata, min(block, int(n_boot) - start), rng))
        done += size
        yield np.vstack(parts)


def cell_means(matrix: DelegateMatrix, weights: np.ndarray) -> np.ndarray:
    """Every cell's mean in each replicate: ``(W @ S) / (W @ N)``.

    Parameters
    ----------
    matrix : DelegateMatrix
    weights : ndarray, shape (b, R)

    Returns
    -------
    ndarray, shape (b, C)
        NaN where a replicate drew none of the cell's voters.
    """
    with np.errstate(invalid="ignore", divide="ignore"):
        return (weights @ matrix.scores) / (weights @ matrix.voted)


def cell_moments(matrix: DelegateMatrix, weights: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Every cell's number of votes, mean and variance (``ddof=1``) in each replicate.

    Parameters
    ----------
    matrix : DelegateMatrix
    weights : ndarray, shape (b, R)

    Returns
    -------
    n, mean, var : ndarray, shape (b, C)
        Votes drawn (with repetitions), their mean and their sample variance (NaN where
        fewer than two votes were drawn).
    """
    n = weights @ matrix.voted
    total = weights @ matrix.scores
    squares = weights @ (matrix.scores**2)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = total / n
        var = (squares - n * mean**2) / (n - 1)
    var = np.where(n > 1, np.maximum(var, 0.0), np.nan)
    return n, mean, var
