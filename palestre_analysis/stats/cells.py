"""Phase 2 cells (field x resource x need): descriptive statistics and the best crossing.

:func:`cell_stats` reads the score histograms of every subset x group x cell, built
with one ``np.bincount`` (see ``_histograms``), so that one call serves the whole
country, every region or every province at once and costs what the number of
cells costs, not the number of votes. :func:`best_crossing` resamples delegates,
each with all their votes (:mod:`.resampling`), since the same delegates score
every resource of a field x need.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from scipy import stats as sps

from palestre_analysis import config
from palestre_analysis.core.vocabulary import GROUPS

from . import _histograms
from ._histograms import ALL, expand, factorize_rows, linear_quantile
from .consensus import ConsensusRule, apply_consensus, resolve_consensus_rule
from .disclosure import check_min_cell, suppress
from .resampling import DelegateMatrix, cell_means, weight_chunks
from .scales import DEFAULT_SCALE, Bands, check_high_score, check_scale, resolve_bands, scale_values
from .votes import CELL_COLUMNS, group_keys

__all__ = ["cell_stats", "best_crossing"]

_STAT_COLUMNS = ["mean", "median", "iqr", "share_high", "ci_low", "ci_high", "consensus"]


def cell_stats(
    votes: pd.DataFrame,
    by: Sequence[str] = (),
    min_cell: int = config.MIN_CELL,
    high_score: int = config.HIGH_SCORE,
    consensus_rule: str | ConsensusRule = config.CONSENSUS_RULE,
    confidence: float = 0.95,
    *,
    scale: tuple[int, int] = DEFAULT_SCALE,
    bands: Bands | None = None,
    groups: Sequence = GROUPS,
) -> pd.DataFrame:
    """Per cell and group: n, mean, median, IQR, share of high scores, Student t CI of the mean, consensus.

    Parameters
    ----------
    votes : DataFrame
        One row per vote: ``rater``, ``field``, ``resource``, ``need``, ``score``
        (on ``scale``, 1 .. 10 by default), ``group`` and the ``by`` columns
        (see :mod:`.votes`).
    by : sequence of str, default ()
        Columns that split the votes into subsets (e.g. ``("territory",)``);
        every subset is computed in the same call.
    min_cell : int, default ``config.MIN_CELL``
        Statistics from fewer delegates are blanked (see :mod:`.disclosure`).
    high_score : int, default ``config.HIGH_SCORE``
        ``share_high`` is the share of votes ``>= high_score``, a score on the
        scale. With the percent rule and no ``bands``, it also draws the bands
        of consensus (and must then lie above the middle of the scale).
    consensus_rule : str or ConsensusRule, default ``config.CONSENSUS_RULE``
        See :func:`palestre_analysis.stats.consensus.consensus`.
    confidence : float, default 0.95
        Coverage of the interval of the mean.
    scale : tuple of (int, int), default (1, 10)
        The lowest and highest score of the process (see :mod:`.scales`); a
        vote off the scale is an error.
    bands : three (first, last) pairs, optional
        Low, middle and high bands of the percent rule, replacing those drawn
        from ``high_score`` (see :func:`.scales.resolve_bands`).
    groups : two group keys (or groups), default the seed's
        The process's groups (``Processed.process.groups``, or their keys), in the
        order of the output rows; every vote's ``group`` must be one of them.

    Returns
    -------
    DataFrame
        One row per subset x cell x group (``all``, then the two ``groups``: the
        seed's ``aps_odv`` and ``fondazioni_csv_altri``): the ``by`` columns, ``field``, ``resource``,
        ``need``, ``group``, ``n``, ``mean``, ``median``, ``iqr``, ``share_high``,
        ``ci_low``, ``ci_high``, ``consensus`` (nullable boolean), ``suppressed``.
        Every cell found anywhere in ``votes`` appears in every subset (``n`` may be 0).

    Notes
    -----
    * ``median`` and ``iqr = Q3 - Q1`` use numpy's default linear quantiles.
    * ``ci_low``, ``ci_high``: Student t interval of the mean,
      ``mean -/+ t_{n-1, (1 + confidence) / 2} s / sqrt(n)`` (``s`` with ``ddof=1``),
      kept within the scale (the mean cannot leave it). Each delegate votes a
      cell once, so the votes of one cell (and of one group in it) are one
      sample of ``n`` delegates. A cell whose votes are all equal (``s = 0``)
      gets the degenerate interval ``[mean, mean]``; fewer than two votes give
      NaN. It replaces the percentile bootstrap computed exactly from the
      histogram (:func:`.bootstrap.bootstrap_mean_ci`), which is exact *as a
      bootstrap* (no resampling noise) but not in coverage: on data drawn from
      the demo's model it covers the true mean about 83% of the time at ``n = 5``,
      87% at 7 and 90% at 10, where the t interval covers 94-96% at every ``n``
      (``tests/stats/test_cells_coverage.py``).
    * Disclosure: a row with ``n < min_cell`` is blanked. When one group of a
      cell is blanked but holds votes, the other group is blanked too, since
      ``all`` minus the other group would reveal it (secondary suppression).
      ``n`` stays visible: it is the base every report shows.

    References
    ----------
    .. [1] Student (1908). The probable error of a mean. *Biometrika* 6(1), 1-25;
       the quantiles are ``scipy.stats.t.ppf``.
    .. [2] Hyndman, R. J. & Fan, Y. (1996). Sample quantiles in statistical
       packages. *Am Stat* 50(4), 361-365 (numpy's "linear" is their type 7).
    .. [3] Efron, B. & Tibshirani, R. J. (1993). *An Introduction to the Bootstrap*,
       section 13.3: the percentile interval's coverage falls short in small samples.

    Examples
    --------
    >>> votes = pd.DataFrame({
    ...     "rater": list("abcdef"), "field": "Cultura", "resource": "Bandi", "need": "Spazi",
    ...     "score": [6, 7, 8, 8, 9, 4],
    ...     "group": ["aps_odv"] * 3 + ["fondazioni_csv_altri"] * 3})
    >>> t = cell_stats(votes, min_cell=3)
    >>> t[["group", "n", "mean", "median", "iqr", "share_high", "consensus"]]
                      group  n  mean  median   iqr  share_high  consensus
    0                   all  6   7.0     7.5  1.75    0.666667      False
    1               aps_odv  3   7.0     7.0  1.00    0.666667      False
    2  fondazioni_csv_altri  3   7.0     8.0  2.50    0.666667      False

    (``numpy.quantile([4, 6, 7, 8, 8, 9], [0.25, 0.75])`` is ``[6.25, 8.0]``.)

    The same votes on a 0 .. 9 scale, one lower each (and the high threshold
    one lower): the means move down by one, shares and consensus stay.

    >>> t = cell_stats(votes.assign(score=votes["score"] - 1), min_cell=3, scale=(0, 9), high_score=6)
    >>> t[["group", "mean", "median", "share_high", "consensus"]].iloc[:1]
      group  mean  median  share_high  consensus
    0   all   6.0     6.5    0.666667      False
    """
    min_cell = check_min_cell(min_cell)
    rule = resolve_consensus_rule(consensus_rule)
    scale = check_scale(scale)
    high_score = check_high_score(high_score, scale)
    resolved = resolve_bands(bands, scale, high_score) if rule.kind == "percent" or bands is not None else None
    keys = group_keys(groups)
    hist = _histograms.build(votes, by, scale=scale, groups=keys)
    counts = np.concatenate([hist.all_counts[:, None], hist.counts], axis=1)  # (S, 3, C, V)
    counts = counts.transpose(0, 2, 1, 3)  # (S, C, 3, V): rows in output order
    n = counts.sum(axis=-1)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = (counts @ scale_values(scale)) / n
        share_high = counts[..., high_score - scale[0] :].sum(axis=-1) / n
    q1, median, q3 = (linear_quantile(counts, q, low=scale[0]) for q in (0.25, 0.5, 0.75))
    ci_low, ci_high = _t_interval(counts, confidence, scale)
    agree = apply_consensus(counts, rule, resolved, scale)

    inner = expand(hist.cells, pd.DataFrame({"group": [ALL, *keys]}))
    table = expand(hist.keys, inner)
    table["n"] = n.ravel()
    table["mean"] = mean.ravel()
    table["median"] = median.ravel()
    table["iqr"] = (q3 - q1).ravel()
    table["share_high"] = share_high.ravel()
    table["ci_low"] = ci_low.ravel()
    table["ci_high"] = ci_high.ravel()
    table["consensus"] = pd.array(agree.ravel(), dtype="boolean")
    table["suppressed"] = False
    suppress(table, "n", _STAT_COLUMNS, min_cell)
    # secondary: a blanked group with votes makes the other group recoverable from "all"
    n_groups = n[..., 1:]
    hidden = (n_groups > 0) & (n_groups < min_cell)
    complement = np.zeros_like(n, dtype=bool)
    complement[..., 1] = hidden[..., 1] & (n_groups[..., 0] >= min_cell)
    complement[..., 2] = hidden[..., 0] & (n_groups[..., 1] >= min_cell)
    suppress(table, np.where(complement.ravel(), 0, min_cell), _STAT_COLUMNS, min_cell)
    return table


def best_crossing(
    votes: pd.DataFrame,
    by: Sequence[str] = (),
    n_boot: int = 2000,
    seed: int = config.SEED,
    min_cell: int = config.MIN_CELL,
    *,
    scale: tuple[int, int] = DEFAULT_SCALE,
    confidence: float = 0.95,
) -> pd.DataFrame:
    """For each field and need: resources ranked by mean, how often each comes out best, and which may be best.

    Parameters
    ----------
    votes : DataFrame
        As in :func:`cell_stats`.
    by : sequence of str, default ()
        Columns that split the votes into subsets, all computed at once (each
        subset is resampled on its own, with the same ``seed``, as if alone).
    n_boot : int, default 2000
        Bootstrap replicates (Monte Carlo error of ``p_best`` at most
        ``0.5 / sqrt(n_boot)``, about 0.011).
    seed : int, default ``config.SEED``
        Seed of the draws; the same seed gives the same table.
    min_cell : int, default ``config.MIN_CELL``
        Cells with fewer delegates are blanked and take no part in the contest.
    scale : tuple of (int, int), default (1, 10)
        The lowest and highest score of the process (see :mod:`.scales`).
    confidence : float, default 0.95
        Level of the confidence set for the best resource and of the rank intervals.

    Returns
    -------
    DataFrame
        One row per subset x field x need x resource: the ``by`` columns,
        ``field``, ``need``, ``resource``, ``n``, ``mean``, ``p_best``, ``rank``
        (1 = highest mean; ties share the lowest rank), ``rank_low`` and
        ``rank_high`` (the simultaneous confidence set of the ranks), ``in_best_set``
        (nullable boolean: the resource may be the best), ``best_set_size`` (how many
        resources of its field x need may be the best), ``suppressed``. Ranks and
        sizes are nullable integers, blank (with ``p_best``) for a cell with fewer
        than ``min_cell`` delegates. Sorted by subset, field, need and rank.

    Notes
    -----
    **The delegate bootstrap.** A replicate draws, within each group, as many
    delegates as the group has, with replacement, each with all their votes
    (:mod:`.resampling`); every cell's mean is then over the drawn delegates who
    voted it. The same delegates score every resource of a field x need, so the
    replicates keep the pairing of their votes: a lenient delegate raises all the
    resources at once and moves no difference between them. (This resolves the
    pairing assumption of the earlier version, which resampled every cell on its
    own: that understated, contest by contest, how sure a difference was.) The
    ``eligible`` resources of a contest are those with at least ``min_cell``
    delegates; a replicate that draws none of an eligible cell's voters is left out
    of that contest.

    **p_best** is the share of replicates in which the resource has the highest
    mean (``1/k`` each for a ``k``-way tie); the ``p_best`` of a field x need add
    up to 1. It is a description of the bootstrap, not a probability that the
    resource is truly the best: bootstrapping a maximum overstates the leader in
    near-ties (Hall & Miller 2009), so no claim rests on it alone.

    **The confidence set for the best** (Mogstad, Romano, Shaikh & Wilhelm 2024,
    the "tau-best" with tau = 1, stepwise): for every ordered pair ``(j, l)`` of a
    contest, the hypothesis "``l`` is not above ``j``" is rejected when
    ``(mean_l - mean_j) / se_jl`` exceeds the ``confidence`` quantile of the
    bootstrap distribution of ``max (d*_l - d*_j) / sd_jl`` over the pairs not yet
    rejected, where ``d* = mean* - mean`` are the centred replicate means and
    ``sd_jl`` the bootstrap standard deviation of the difference; the critical
    value is recomputed on the remaining pairs until nothing more is rejected
    (Romano & Wolf 2005); a critical value below zero is taken as zero, so that no
    resource is ever found below one with a lower mean. The observed difference is
    studentised by ``se_jl``, the bootstrap standard deviation scaled to the unbiased
    variance: the stratified bootstrap's variance of a mean of ``n_g`` delegates is
    ``(n_g - 1) / n_g`` times the unbiased one, which with a group of 4 delegates
    would cut the standard error by 13% and the coverage with it (the factor comes
    from the linearised variance of the difference, group by group).

    ``rank_low`` is one plus the number of resources significantly above,
    ``rank_high`` the number of resources minus those significantly below: every
    rank of the contest lies in its interval at once with probability
    ``confidence`` (asymptotically). ``in_best_set`` is ``rank_low == 1``: no
    resource is significantly above, so the set holds the true best (every tied
    best, when several are) with probability at least ``confidence``
    (asymptotically; on the demo's model, with exact ties at the top and panels of 10
    or 20 delegates, 94.7% to 99.9%: ``tests/stats/test_best_crossing.py``). The highest observed mean is always in
    the set. A difference that no replicate moves (every delegate gave the same
    gap) is significant when it is not zero. A contest with one eligible resource
    has a set of one.

    References
    ----------
    .. [1] Mogstad, M., Romano, J. P., Shaikh, A. M. & Wilhelm, D. (2024). Inference
       for ranks with applications to mobility across neighbourhoods and academic
       achievement across countries. *Review of Economic Studies* 91(1), 476-518
       (the R package ``csranks``: ``cstaubest``, ``csranks``).
    .. [2] Romano, J. P. & Wolf, M. (2005). Exact and approximate stepdown methods
       for multiple hypothesis testing. *JASA* 100(469), 94-108.
    .. [3] Hall, P. & Miller, H. (2009). Using the bootstrap to quantify the
       authority of an empirical ranking. *Ann Stat* 37(6B), 3929-3959.
    .. [4] Davison, A. C. & Hinkley, D. V. (1997). *Bootstrap Methods and their
       Application*, sections 3.2 and 3.8 (stratified and clustered resampling).

    Examples
    --------
    >>> rows = [(r, res, s) for r, (a, b) in enumerate([(9, 5), (8, 6), (9, 4), (10, 6), (8, 5)])
    ...         for res, s in (("Bandi", a), ("Donazioni", b))]
    >>> votes = pd.DataFrame(rows, columns=["rater", "resource", "score"]).assign(
    ...     field="Cultura", need="Spazi", group="aps_odv")
    >>> t = best_crossing(votes, min_cell=3)
    >>> t[["resource", "n", "mean", "p_best", "rank"]]
        resource  n  mean  p_best  rank
    0      Bandi  5   8.8     1.0     1
    1  Donazioni  5   5.2     0.0     2
    >>> t[["rank_low", "rank_high", "in_best_set", "best_set_size"]]
       rank_low  rank_high  in_best_set  best_set_size
    0         1          1         True              1
    1         2          2        False              1
    """
    min_cell = check_min_cell(min_cell)
    n_boot = _check_positive_int(n_boot, "n_boot")
    confidence = _check_confidence(confidence)
    scale = check_scale(scale)
    hist = _histograms.build(votes, by, scale=scale)  # validates the votes; groups pooled: any group labels
    counts = hist.all_counts  # (S, C, V)
    n = counts.sum(axis=-1)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = (counts @ scale_values(scale)) / n
    n_subsets, n_cells = n.shape
    found = {name: np.full(n_subsets * n_cells, np.nan) for name in _RANKED}
    cell, _ = factorize_rows(votes, CELL_COLUMNS)  # the codes of hist.cells' rows
    field, _ = pd.factorize(hist.cells["field"], sort=True)
    contest, _ = pd.factorize(pd.MultiIndex.from_frame(hist.cells[["field", "need"]]), sort=True)
    coded = _Coded(votes, cell, hist.cells)
    subset, _ = factorize_rows(votes, hist.by)
    order = np.argsort(subset, kind="stable")
    bounds = np.r_[0, np.cumsum(np.bincount(subset, minlength=n_subsets))]
    for s in range(n_subsets):
        eligible = np.flatnonzero(n[s] >= min_cell)  # cells (hist.cells' rows) in the contests
        if not len(eligible):
            continue
        matrix = coded.matrix(order[bounds[s] : bounds[s + 1]], eligible)
        ranked = _rank(matrix, np.asarray(field)[eligible], np.asarray(contest)[eligible], n_boot, seed, confidence)
        position = s * n_cells + eligible
        for name in _RANKED:
            found[name][position] = ranked[name]

    table = expand(hist.keys, hist.cells[["field", "need", "resource"]])
    table["n"] = n.ravel()
    table["mean"] = mean.ravel()
    table["p_best"] = found["p_best"]
    for name in ("rank", "rank_low", "rank_high"):
        table[name] = _nullable_int(found[name])
    member = found["in_best_set"]
    table["in_best_set"] = pd.array(np.where(np.isnan(member), None, member > 0.5), dtype="boolean")
    table["best_set_size"] = _nullable_int(found["best_set_size"])
    table["suppressed"] = False
    suppress(table, "n", ["mean", "p_best"], min_cell)
    keys = [*hist.by, "field", "need"]
    table["_unranked"] = table["rank"].isna()
    table = table.sort_values([*keys, "_unranked", "rank", "resource"], kind="stable").drop(columns="_unranked")
    return table.reset_index(drop=True)


#: The per-resource results of a contest, in the order of the output columns.
_RANKED = ("p_best", "rank", "rank_low", "rank_high", "in_best_set", "best_set_size")
#: Largest array of replicate means of padded contests (replicates x contests x resources) handled at once.
_CONTEST_ELEMENTS = 1 << 23
#: Pairwise statistics (replicates x contests x pairs) computed at once: about 1 MB, within the cache.
_CACHE_ELEMENTS = 1 << 18
#: Up to this many delegates x cells, the replicate means of every field come from one product.
_ONE_PRODUCT_ELEMENTS = 1 << 17
#: A bootstrap standard deviation of a difference below this is zero: no replicate moves the difference.
_SE_FLOOR = 1e-9


class _Coded:
    """The votes as codes, from which each subset's delegates x cells matrix is built.

    The votes were checked by ``_histograms.build`` (one vote per delegate and cell, one
    group per delegate), so the matrix is built from the codes directly: the same matrix
    as :func:`.resampling.delegate_matrix` on the subset's votes (delegates sorted by label,
    groups as strata sorted by label), for the chosen cells only.
    """

    def __init__(self, votes: pd.DataFrame, cell: np.ndarray, cells: pd.DataFrame) -> None:
        rater, self.raters = pd.factorize(votes["rater"], sort=True)
        group, self.groups = pd.factorize(votes["group"], sort=True)
        self.rater = np.asarray(rater, dtype=np.int64)
        self.group = np.asarray(group, dtype=np.int64)
        self.cell = np.asarray(cell, dtype=np.int64)
        self.score = votes["score"].to_numpy(dtype=float)
        self.cells = cells

    def matrix(self, rows: np.ndarray, columns: np.ndarray) -> DelegateMatrix:
        """The delegates of the votes ``rows`` x the cells ``columns`` (rows of ``cells``)."""
        rater = self.rater[rows]
        present = np.flatnonzero(np.bincount(rater, minlength=len(self.raters)))
        local = np.full(len(self.raters), -1, dtype=np.int64)
        local[present] = np.arange(len(present))
        column = np.full(len(self.cells), -1, dtype=np.int64)
        column[columns] = np.arange(len(columns))
        where = column[self.cell[rows]]
        keep = where >= 0
        scores = np.zeros((len(present), len(columns)))
        voted = np.zeros_like(scores)
        scores[local[rater[keep]], where[keep]] = self.score[rows][keep]
        voted[local[rater[keep]], where[keep]] = 1.0
        group = np.zeros(len(present), dtype=np.int64)
        group[local[rater]] = self.group[rows]
        labels, strata = np.unique(group, return_inverse=True)
        return DelegateMatrix(
            cells=self.cells.iloc[columns].reset_index(drop=True),
            raters=np.asarray(self.raters)[present],
            strata=strata.astype(np.int64),
            strata_labels=np.asarray(self.groups, dtype=object)[labels],
            scores=scores,
            voted=voted,
        )


def _rank(
    matrix: DelegateMatrix, field: np.ndarray, contest: np.ndarray, n_boot: int, seed: int, confidence: float
) -> dict:
    """:data:`_RANKED` values of every column of ``matrix``, whose fields and contests are given per column."""
    order = np.argsort(contest, kind="stable")
    code, _ = pd.factorize(contest[order], sort=True)
    sizes = np.bincount(code)
    slot = np.arange(len(code)) - np.r_[0, np.cumsum(sizes)[:-1]][code]
    index = np.full((len(sizes), int(sizes.max())), -1, dtype=np.int64)
    index[code, slot] = np.arange(len(code))
    replicates = _replicate_means(matrix, order, field[order], n_boot, seed)
    ratio = _variance_ratio(matrix, order, field[order], index)
    values = _contests(replicates, matrix.mean[order], index, ratio, confidence)
    out = {}
    for name in _RANKED:
        out[name] = np.empty(len(order))
        out[name][order] = values[name][code, slot]
    return out


def _replicate_means(
    matrix: DelegateMatrix, columns: np.ndarray, field: np.ndarray, n_boot: int, seed: int
) -> np.ndarray:
    """Replicate means of the cells ``columns`` of ``matrix`` (of fields ``field``), shape (n_boot, len(columns)).

    The weights are drawn once for every delegate (:func:`.resampling.weight_chunks`).
    With many delegates each field's cells are computed from the delegates who voted in
    it only (the others add nothing to its sums), which makes the products smaller; with
    few, one product for all the cells costs less than one per field.
    """
    blocks = []
    whole = matrix.scores.size <= _ONE_PRODUCT_ELEMENTS
    for name in [None] if whole else pd.unique(field):
        where = np.arange(len(columns)) if whole else np.flatnonzero(field == name)
        cols = columns[where]
        voted = matrix.voted[:, cols]
        rows = np.flatnonzero(voted.any(axis=1))
        block = DelegateMatrix(
            cells=matrix.cells.iloc[cols].reset_index(drop=True),
            raters=matrix.raters[rows],
            strata=matrix.strata[rows],
            strata_labels=matrix.strata_labels,
            scores=matrix.scores[np.ix_(rows, cols)],
            voted=voted[rows],
        )
        blocks.append((where, rows, block))
    out = np.empty((n_boot, len(columns)))
    done = 0
    for weights in weight_chunks(matrix.strata, n_boot, seed):
        size = len(weights)
        for where, rows, block in blocks:
            out[done : done + size, where] = cell_means(block, weights[:, rows])
        done += size
    return out


def _variance_ratio(matrix: DelegateMatrix, columns: np.ndarray, field: np.ndarray, index: np.ndarray) -> np.ndarray:
    """Per contest and pair, the unbiased over the bootstrap's variance of the difference of two means, (K, P, P).

    The stratified bootstrap's variance of a mean over ``n_g`` delegates per group is
    ``(n_g - 1) / n_g`` times the unbiased one, which matters with few delegates. Both
    are computed by linearisation: delegate ``i`` adds ``u_ic = voted_ic (x_ic - mean_c) / n_c``
    to cell ``c``, ``d_i = u_il - u_ij`` to the difference ``mean_l - mean_j``, and the
    variance is ``sum_g c_g sum_{i in g} (d_i - mean_g(d))^2`` with ``c_g = 1`` (bootstrap)
    or ``n_g / (n_g - 1)`` (unbiased). 1 where the difference does not vary. ``field`` is
    the field of each of ``columns``; a contest's cells are all of one field, and only
    that field's delegates add to them.
    """
    real = index >= 0
    safe = np.where(real, index, 0)
    boot = np.zeros((*index.shape, index.shape[1]))
    unbiased = np.zeros_like(boot)
    contest_field = field[safe[:, 0]]
    for name in pd.unique(contest_field):
        contests = np.flatnonzero(contest_field == name)
        cols = columns[safe[contests]]  # (K_f, P) columns of matrix
        rows = np.flatnonzero(matrix.voted[:, columns[field == name]].any(axis=1))
        voted = matrix.voted[np.ix_(rows, cols.ravel())]
        with np.errstate(invalid="ignore", divide="ignore"):
            u = voted * (matrix.scores[np.ix_(rows, cols.ravel())] - matrix.mean[cols.ravel()]) / matrix.n[cols.ravel()]
        u = u.reshape(len(rows), *cols.shape)  # (R_f, K_f, P)
        strata = matrix.strata[rows]
        for code in np.unique(strata):
            part = u[strata == code]
            size = int((matrix.strata == code).sum())  # the stratum's delegates, voters of the field or not
            if size < 2:
                continue  # one delegate, always drawn: adds no variance to either
            gram = np.matmul(part.transpose(1, 2, 0), part.transpose(1, 0, 2))  # (K_f, P, P)
            total = part.sum(axis=0)  # (K_f, P)
            diagonal = np.diagonal(gram, axis1=1, axis2=2)
            squares = diagonal[:, :, None] + diagonal[:, None, :] - 2.0 * gram
            spread = np.maximum(squares - (total[:, None, :] - total[:, :, None]) ** 2 / size, 0.0)
            boot[contests] += spread
            unbiased[contests] += spread * size / (size - 1)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(boot > 0, unbiased / boot, 1.0)


def _contests(
    replicates: np.ndarray, estimate: np.ndarray, index: np.ndarray, ratio: np.ndarray, confidence: float
) -> dict:
    """:data:`_RANKED` values, shape (K, P), of contests padded to ``P`` resources (``index`` -1: no resource).

    ``ratio`` (K, P, P) scales the bootstrap variance of each difference to its unbiased
    value for the observed statistic (:func:`_variance_ratio`).
    """
    n_contests, width = index.shape
    out = {name: np.full(index.shape, np.nan) for name in _RANKED}
    step = max(1, _CONTEST_ELEMENTS // (len(replicates) * width))
    for start in range(0, n_contests, step):
        block = slice(start, start + step)
        part = _contest_block(replicates, estimate, index[block], ratio[block], confidence)
        for name in _RANKED:
            out[name][start : start + step] = part[name]
    return out


def _contest_block(
    replicates: np.ndarray, estimate: np.ndarray, index: np.ndarray, ratio: np.ndarray, confidence: float
) -> dict:
    """p_best, ranks and the stepwise max-t confidence set of a few contests (see :func:`best_crossing`)."""
    real = index >= 0  # (K, P)
    safe = np.where(real, index, 0)
    draws = replicates[:, safe]  # (B, K, P)
    mean = np.where(real, estimate[safe], np.nan)
    valid = (np.isfinite(draws) | ~real).all(axis=2)  # (B, K): every contender has voters in the replicate
    n_valid = valid.sum(axis=0)
    used = valid[..., None] & real
    masked = np.where(used, draws, -np.inf)
    top = used & (masked == masked.max(axis=2, keepdims=True))
    share = top / np.maximum(top.sum(axis=2, keepdims=True), 1)
    with np.errstate(invalid="ignore", divide="ignore"):
        p_best = np.where(real, share.sum(axis=0) / n_valid[:, None], np.nan)
    # centred replicates, and the bootstrap covariance of the means of each contest
    centred = np.where(used, draws - np.where(real, mean, 0.0), 0.0)
    drift = centred.sum(axis=0) / np.maximum(n_valid, 1)[:, None]
    spread = np.where(used, centred - drift, 0.0)
    cov = np.matmul(spread.transpose(1, 2, 0), spread.transpose(1, 0, 2)) / np.maximum(n_valid - 1, 1)[:, None, None]
    var = np.diagonal(cov, axis1=1, axis2=2)
    se = np.sqrt(np.maximum(var[:, :, None] + var[:, None, :] - 2.0 * cov, 0.0))  # se[k, j, l] of mean_l - mean_j
    gap = mean[:, None, :] - mean[:, :, None]  # gap[k, j, l] = mean_l - mean_j
    pair = real[:, :, None] & real[:, None, :] & ~np.eye(index.shape[1], dtype=bool)
    fixed = pair & (se <= _SE_FLOOR)  # a difference that no replicate moves
    rejected = fixed & (gap > 0)  # rejected[k, j, l]: l is significantly above j
    active = pair & ~fixed & (n_valid > 0)[:, None, None]
    with np.errstate(invalid="ignore", divide="ignore"):
        observed = np.where(active, gap / (se * np.sqrt(ratio)), -np.inf)
        inverse = np.where(active, 1.0 / se, 0.0)  # symmetric: se_jl = se_lj
    while True:
        live = active.any(axis=(1, 2))
        if not live.any():
            break
        top = _pair_maxima(centred, inverse, active)
        critical = np.full(len(live), np.inf)
        if valid[:, live].all():
            critical[live] = np.quantile(top[:, live], confidence, axis=0)
        else:  # a replicate left out of a contest takes no part in its quantile
            top[~valid] = np.nan
            critical[live] = np.nanquantile(top[:, live], confidence, axis=0)
        new = active & (observed > np.maximum(critical, 0.0)[:, None, None])
        if not new.any():
            break
        rejected |= new
        active &= ~new
    above = rejected.sum(axis=2)  # resources significantly above
    below = rejected.sum(axis=1)  # resources significantly below
    in_set = real & (above == 0)
    higher = (mean[:, None, :] > mean[:, :, None]).sum(axis=2)
    size = real.sum(axis=1, keepdims=True)
    return {
        "p_best": p_best,
        "rank": np.where(real, higher + 1, np.nan),
        "rank_low": np.where(real, above + 1, np.nan),
        "rank_high": np.where(real, size - below, np.nan),
        "in_best_set": np.where(real, in_set, np.nan),
        "best_set_size": np.where(real, in_set.sum(axis=1, keepdims=True), np.nan),
    }


def _pair_maxima(centred: np.ndarray, inverse: np.ndarray, family: np.ndarray) -> np.ndarray:
    """Per replicate and contest, the max over the ``family`` pairs ``(j, l)`` of ``(centred_l - centred_j) / se_jl``.

    ``inverse`` (K, P, P) is the symmetric ``1 / se``; ``family`` (K, P, P) marks the pairs
    still tested. Each unordered pair is computed once, for both of its directions, and
    the replicates are taken a few at a time, so that the array stays in the cache.
    Returns an array of shape (B, K); -inf for a contest with no pair in the family.
    """
    n_boot, n_contests, width = centred.shape
    first, second = np.triu_indices(width, 1)
    centred = centred.astype(np.float32)  # single precision: the critical value moves by ~1e-7 of itself
    scale = inverse[:, first, second].astype(np.float32)
    up = np.where(family[:, first, second], 0.0, -np.inf).astype(np.float32)  # second above first
    down = np.where(family[:, second, first], 0.0, -np.inf).astype(np.float32)  # first above second
    out = np.full((n_boot, n_contests), -np.inf)
    if not len(first):
        return out
    step = max(1, _CACHE_ELEMENTS // (n_contests * len(first)))
    for start in range(0, n_boot, step):
        part = centred[start : start + step]
        gap = part[:, :, second] - part[:, :, first]
        gap *= scale
        out[start : start + len(part)] = np.maximum((gap + up).max(axis=2), (down - gap).max(axis=2))
    return out


def _t_interval(counts: np.ndarray, confidence: float, scale: tuple[int, int]) -> tuple[np.ndarray, np.ndarray]:
    """Student t interval of the mean of every histogram (last axis: one column per score), within the scale."""
    confidence = _check_confidence(confidence)
    values = scale_values(scale)
    n = counts.sum(axis=-1)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = (counts @ values) / n
        var = (counts * (values - mean[..., None]) ** 2).sum(axis=-1) / (n - 1)
    quantile = np.full(n.shape, np.nan)
    enough = n >= 2
    sizes, inverse = np.unique(n[enough], return_inverse=True)
    quantile[enough] = sps.t.ppf(0.5 + confidence / 2, sizes - 1)[inverse]
    with np.errstate(invalid="ignore"):
        half = quantile * np.sqrt(var / n)
    low = np.clip(mean - half, scale[0], scale[1])
    high = np.clip(mean + half, scale[0], scale[1])
    return low, high


def _nullable_int(values: np.ndarray) -> pd.arrays.IntegerArray:
    """Whole numbers held as floats (NaN: missing) as a nullable ``Int64`` array."""
    return pd.array(np.where(np.isnan(values), None, np.nan_to_num(values).astype(np.int64)), dtype="Int64")


def _check_confidence(value: object) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float | np.floating) or not 0 < float(value) < 1:
        raise ValueError(f"confidence must lie strictly between 0 and 1, got {value!r}.")
    return float(value)


def _check_positive_int(value: object, name: str) -> int:
    if isinstance(value, bool) or not float(value).is_integer() or int(value) < 1:
        raise ValueError(f"{name} must be a positive whole number, got {value!r}.")
    return int(value)
