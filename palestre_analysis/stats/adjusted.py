"""Cell means freed of the delegates' leniency, and cell means post-stratified to a group mix.

Each delegate scores only the fields of their entity, some more generously than others. A
cell's raw mean therefore carries the average leniency of the delegates who happened to
score it: a field scored by lenient delegates looks better than one scored by strict ones.
:func:`leniency_adjusted` fits the additive model

.. math:: y_{dc} = \\mu_c + \\theta_d + \\varepsilon_{dc}

(cell effect plus delegate effect) by least squares on the incomplete design, the intrablock
analysis of an incomplete block design with the delegates as blocks and the cells as
treatments (Yates 1936; Searle 1971, ch. 7), which is how rater leniency is removed from
ratings in performance assessment (Houston, Raymond & Svec 1991; Raymond & Viswesvaran
1993). :func:`poststratified` weighs the two groups' means of a cell by a given group mix, so
that cells whose voters are mostly of one group compare with the others on the same mix.

References
----------
.. [1] Yates, F. (1936). Incomplete randomized blocks. *Annals of Eugenics* 7(2), 121-140.
.. [2] Searle, S. R. (1971). *Linear Models*. Wiley, chapter 7 (the two-way crossed
   classification with unequal numbers in the subclasses).
.. [3] Houston, W. M., Raymond, M. R. & Svec, J. C. (1991). Adjustments for rater effects
   in performance assessment. *Applied Psychological Measurement* 15(4), 409-421.
.. [4] Raymond, M. R. & Viswesvaran, C. (1993). Least squares models to correct for rater
   effects in performance assessment. *Journal of Educational Measurement* 30(3), 253-268.
.. [5] Holt, D. & Smith, T. M. F. (1979). Post stratification. *JRSS A* 142(1), 33-46.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd
import scipy.linalg
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import connected_components

from ._checks import require_columns
from .votes import CELL_COLUMNS

__all__ = ["leniency_adjusted", "poststratified"]


def leniency_adjusted(votes: pd.DataFrame, cell_columns: Sequence[str] = CELL_COLUMNS) -> pd.DataFrame:
    """Per cell, the mean score once each delegate's leniency is taken out (additive model, least squares).

    Parameters
    ----------
    votes : DataFrame
        One row per vote: ``rater``, the ``cell_columns`` and ``score``; at most one vote
        per delegate and cell (the table of :func:`~palestre_analysis.stats.prepare_votes`).
        Pass only the votes whose statistics may be published (the shown cells): every
        adjusted mean depends on every vote of the table.
    cell_columns : sequence of str, default ("field", "resource", "need")
        The columns that name a cell.

    Returns
    -------
    DataFrame
        One row per cell that has votes, sorted by the cell columns: the cell columns,
        ``n`` (votes), ``mean`` (raw mean), ``mean_adjusted`` and ``component`` (the
        connected part of the design the cell belongs to, ``0 .. K - 1``).

    Notes
    -----
    The model is :math:`y_{dc} = \\mu_c + \\theta_d + \\varepsilon_{dc}` over the votes cast.
    Eliminating the delegate effects from the normal equations
    (:math:`\\theta_d = (Y_d - \\sum_{c \\in d} \\mu_c) / n_d`) leaves the reduced system
    :math:`A \\mu = b`, with :math:`A = \\mathrm{diag}(n_c) - N^\\top D^{-1} N` (the
    information matrix of the incomplete block design: ``N`` delegates x cells, 1 where
    voted, ``D`` the delegates' numbers of votes) and :math:`b = Y_c - N^\\top D^{-1} Y_d`:
    a system of the size of the cells (about 250 at national scale), not of the delegates.

    **Centring.** The cell effects are determined only up to one constant per connected
    component of the design (two cells are connected when a chain of delegates scored
    both). Within each component the adjusted means are the cell effects plus the constant
    that makes their plain average over the component's cells equal to the plain average of
    the same cells' raw means: the adjustment moves cells against each other, never the
    level of a component. Where the delegates of one component score no cell of another
    (fields with no delegate in common), leniency cannot be told from the level of the field,
    and each component keeps its own raw average. With a complete design (every delegate
    scores every cell) the adjusted means are the raw means.

    The delegate effect also absorbs whatever is constant for a delegate, such as a group's
    overall shift (it cannot be told from the leniency of the group's delegates), but not a
    group's view of one resource.

    References
    ----------
    .. [1] Yates, F. (1936). Incomplete randomized blocks. *Annals of Eugenics* 7(2), 121-140.
    .. [2] Searle, S. R. (1971). *Linear Models*. Wiley, chapter 7.
    .. [3] Houston, W. M., Raymond, M. R. & Svec, J. C. (1991). *Applied Psychological
       Measurement* 15(4), 409-421.

    Examples
    --------
    Cell A was scored by a lenient delegate only, cell B by a strict one only; both scored
    cell C, the lenient one 4 points higher. The raw means put A (9) above B (6); net of the
    4 points, B comes first:

    >>> votes = pd.DataFrame({"rater": ["l", "l", "s", "s"], "field": "F", "need": "N",
    ...                       "resource": ["A", "C", "B", "C"], "score": [9, 9, 6, 5]})
    >>> leniency_adjusted(votes)[["resource", "n", "mean", "mean_adjusted"]]
      resource  n  mean  mean_adjusted
    0        A  1   9.0            7.0
    1        B  1   6.0            8.0
    2        C  2   7.0            7.0

    (The adjusted means average 22/3, like the raw ones.)
    """
    columns = list(cell_columns)
    require_columns(votes, ["rater", *columns, "score"], "votes")
    if len(votes) == 0:
        return pd.DataFrame(columns=[*columns, "n", "mean", "mean_adjusted", "component"])
    cells, rater, cell = _design(votes, columns)
    score = votes["score"].to_numpy(dtype=float)
    n_raters, n_cells = int(rater.max()) + 1, len(cells)
    n_cell = np.bincount(cell, minlength=n_cells).astype(float)
    n_rater = np.bincount(rater, minlength=n_raters).astype(float)
    total_rater = np.bincount(rater, weights=score, minlength=n_raters)
    raw = np.bincount(cell, weights=score, minlength=n_cells) / n_cell
    voted = csr_matrix((np.ones(len(votes)), (rater, cell)), shape=(n_raters, n_cells))
    # sparse products: the delegates x cells matrix never becomes dense (and no threaded BLAS runs)
    within = (voted.T @ csr_matrix((1.0 / n_rater[rater], (rater, cell)), shape=voted.shape)).toarray()
    information = np.diag(n_cell) - within  # A = diag(n_c) - N' D^-1 N
    rhs = n_cell * raw - np.bincount(cell, weights=(total_rater / n_rater)[rater], minlength=n_cells)  # b
    n_parts, part = connected_components(csr_matrix(within > 0), directed=False)
    # A is singular along each component's constant vector: adding those directions (u u', u the
    # component's normalised indicator) gives a positive definite matrix, and asking u' mu = u' raw
    # fixes each component's constant to the centring of the docstring
    indicator = np.zeros((n_cells, n_parts))
    indicator[np.arange(n_cells), part] = 1.0 / np.sqrt(np.bincount(part, minlength=n_parts))[part]
    system = information + indicator @ indicator.T
    adjusted = scipy.linalg.solve(system, rhs + indicator @ (indicator.T @ raw), assume_a="pos")
    table = cells
    table["n"] = n_cell.astype(np.int64)
    table["mean"] = raw
    table["mean_adjusted"] = adjusted
    table["component"] = part.astype(np.int64)
    return table


def _design(votes: pd.DataFrame, columns: list[str]) -> tuple[pd.DataFrame, np.ndarray, np.ndarray]:
    """The cells (sorted by their columns), and each vote's delegate code and cell code.

    Raises ``ValueError`` when a delegate voted a cell twice.
    """
    flat = np.zeros(len(votes), dtype=np.int64)
    for column in columns:
        codes, uniques = pd.factorize(votes[column], sort=True)
        flat = flat * len(uniques) + codes
    keys, cell = np.unique(flat, return_inverse=True)
    first = np.unique(cell, return_index=True)[1]
    cells = votes[columns].iloc[first].reset_index(drop=True)
    rater, raters = pd.factorize(votes["rater"], sort=True)
    position = rater.astype(np.int64) * len(keys) + cell
    if np.bincount(position).max() > 1:
        raise ValueError(
            "votes: a delegate voted the same cell more than once; the additive model needs one vote each."
        )
    return cells, rater.astype(np.int64), cell.astype(np.int64)


def poststratified(
    cells: pd.DataFrame,
    weights: Mapping[str, float],
    cell_columns: Sequence[str] = CELL_COLUMNS,
    value: str = "mean",
) -> pd.DataFrame:
    """Per cell, the groups' means weighted by a fixed group mix (post-stratification).

    Parameters
    ----------
    cells : DataFrame
        One row per cell and group: the ``cell_columns``, ``group`` and ``value``
        (NaN where a group's mean is hidden); other groups (``all``) are ignored.
    weights : mapping of str to float
        The share of each group in the mix to stand for, at least 0, adding up to 1.
    cell_columns : sequence of str, default ("field", "resource", "need")
        The columns that name a cell.
    value : str, default "mean"
        The column holding each group's mean.

    Returns
    -------
    DataFrame
        One row per cell of ``cells`` (in order of first appearance): the cell columns and
        ``mean_poststratified`` = :math:`\\sum_g w_g \\bar y_{cg}`, NaN wherever a group with
        a positive weight has no mean (missing row or NaN).

    Raises
    ------
    ValueError
        When a weight is negative or not finite, or the weights do not add up to 1.

    Notes
    -----
    The cell's mean as if its voters were split between the groups as ``weights`` say
    (Holt & Smith 1979): where one group scored a cell more than its share, its view no
    longer counts more for it.

    References
    ----------
    .. [1] Holt, D. & Smith, T. M. F. (1979). Post stratification. *JRSS A* 142(1), 33-46.
    .. [2] Lohr, S. L. (2010). *Sampling: Design and Analysis*, 2nd ed., section 4.4.

    Examples
    --------
    >>> cells = pd.DataFrame({"field": "F", "resource": ["A", "A", "A", "B", "B"], "need": "N",
    ...                       "group": ["all", "g1", "g2", "g1", "g2"], "mean": [7.0, 8.0, 6.0, 5.0, None]})
    >>> poststratified(cells, {"g1": 0.25, "g2": 0.75})
      field resource need  mean_poststratified
    0     F        A    N                  6.5
    1     F        B    N                  NaN
    """
    columns = list(cell_columns)
    require_columns(cells, [*columns, "group", value], "cells")
    shares = {str(g): float(w) for g, w in weights.items()}
    if any(not np.isfinite(w) or w < 0 for w in shares.values()) or not np.isclose(sum(shares.values()), 1.0):
        raise ValueError(f"weights must be shares of at least 0 that add up to 1, got {shares}.")
    keys = cells[columns].drop_duplicates().reset_index(drop=True)
    total = np.zeros(len(keys))
    for group, share in shares.items():
        if share == 0:
            continue
        rows = cells.loc[cells["group"].astype(str) == group, [*columns, value]].drop_duplicates(columns)
        means = keys.merge(rows, on=columns, how="left")[value].to_numpy(dtype=float)
        total = total + share * means  # NaN stays NaN
    return keys.assign(mean_poststratified=total)
