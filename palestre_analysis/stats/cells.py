"""Phase 2 cells (field x resource x need): descriptive statistics and the best crossing.

Both functions read the score histograms of every subset x group x cell, built
with one ``np.bincount`` (see ``_histograms``), so that one call serves the whole
country, every region or every province at once and costs what the number of
cells costs, not the number of votes.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from palestre_analysis import config
from palestre_analysis.core.vocabulary import GROUPS

from . import _histograms
from ._histograms import ALL, expand, linear_quantile
from .bootstrap import bootstrap_mean_ci, bootstrap_mean_draws
from .consensus import ConsensusRule, apply_consensus, resolve_consensus_rule
from .disclosure import check_min_cell, suppress
from .scales import DEFAULT_SCALE, Bands, check_high_score, check_scale, resolve_bands, scale_values
from .votes import group_keys

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
    """Per cell and group: n, mean, median, IQR, share of high scores, exact bootstrap CI, consensus.

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
        Coverage of the bootstrap interval.
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
    * ``ci_low``, ``ci_high``: percentile bootstrap interval of the mean, computed
      exactly from the cell's histogram (:func:`.bootstrap.bootstrap_mean_ci`):
      the limit of ``scipy.stats.bootstrap(method="percentile")`` as its
      resamples grow, with no resampling noise and no seed.
    * Disclosure: a row with ``n < min_cell`` is blanked. When one group of a
      cell is blanked but holds votes, the other group is blanked too, since
      ``all`` minus the other group would reveal it (secondary suppression).
      ``n`` stays visible: it is the base every report shows.

    References
    ----------
    .. [1] Efron, B. & Tibshirani, R. J. (1993). *An Introduction to the Bootstrap*.
    .. [2] Hyndman, R. J. & Fan, Y. (1996). Sample quantiles in statistical
       packages. *Am Stat* 50(4), 361-365 (numpy's "linear" is their type 7).

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
    ci_low, ci_high = bootstrap_mean_ci(counts, confidence, scale=scale)
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
) -> pd.DataFrame:
    """For each field and need: resources ranked by mean, and the bootstrap probability of being best.

    Parameters
    ----------
    votes : DataFrame
        As in :func:`cell_stats`.
    by : sequence of str, default ()
        Columns that split the votes into subsets, all computed at once.
    n_boot : int, default 2000
        Bootstrap replicates (Monte Carlo error of ``p_best`` at most
        ``0.5 / sqrt(n_boot)``, about 0.011).
    seed : int, default ``config.SEED``
        Seed of the draws; the same seed gives the same table.
    min_cell : int, default ``config.MIN_CELL``
        Cells with fewer delegates are blanked and take no part in the contest.
    scale : tuple of (int, int), default (1, 10)
        The lowest and highest score of the process (see :mod:`.scales`).

    Returns
    -------
    DataFrame
        One row per subset x field x need x resource: the ``by`` columns,
        ``field``, ``need``, ``resource``, ``n``, ``mean``, ``p_best``, ``rank``
        (1 = highest mean; ties share the lowest rank; nullable integer),
        ``suppressed``. Sorted by subset, field, need and rank.

    Notes
    -----
    In each replicate every cell's mean is drawn from its exact bootstrap
    distribution (inverse CDF, :func:`.bootstrap.bootstrap_mean_draws`); the
    resources with the highest drawn mean share the win (``1/k`` each for a
    ``k``-way tie); ``p_best`` is the average share over replicates. The
    ``p_best`` of a field x need add up to 1.

    **Pairing assumption.** Cells are resampled independently, although the
    same delegates score every resource of a field x need. Delegates who score
    high or low overall make the means of one field x need positively
    correlated, so the difference between two resources varies *less* than
    independent resampling assumes: the probabilities come out less extreme
    (closer to an even split) than a bootstrap of delegates would give. The
    result is conservative for claims that a resource is best, as long as
    within-delegate correlation is positive (the usual case with rating
    scales); it would not be if delegates were forced to spread their scores.
    ``tests/stats/test_cells.py`` checks this against a delegate bootstrap.

    References
    ----------
    .. [1] Hall, P. & Miller, H. (2009). Using the bootstrap to quantify the
       authority of an empirical ranking. *Ann Stat* 37(6B), 3929-3959.
    .. [2] Efron, B. & Tibshirani, R. J. (1993). *An Introduction to the Bootstrap*.

    Examples
    --------
    >>> rows = [(r, res, s) for r, (a, b) in enumerate([(9, 5), (8, 6), (9, 4), (10, 6), (8, 5)])
    ...         for res, s in (("Bandi", a), ("Donazioni", b))]
    >>> votes = pd.DataFrame(rows, columns=["rater", "resource", "score"]).assign(
    ...     field="Cultura", need="Spazi", group="aps_odv")
    >>> best_crossing(votes, min_cell=3)[["resource", "n", "mean", "p_best", "rank"]]
        resource  n  mean  p_best  rank
    0      Bandi  5   8.8     1.0     1
    1  Donazioni  5   5.2     0.0     2
    """
    min_cell = check_min_cell(min_cell)
    n_boot = _check_positive_int(n_boot, "n_boot")
    scale = check_scale(scale)
    hist = _histograms.build(votes, by, scale=scale)  # groups pooled: any group labels
    counts = hist.all_counts  # (S, C, V)
    n = counts.sum(axis=-1)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = (counts @ scale_values(scale)) / n
    n_subsets, n_cells = n.shape
    fn_code, _ = pd.factorize(pd.MultiIndex.from_frame(hist.cells[["field", "need"]]), sort=True)
    fn_code = np.asarray(fn_code)
    n_fn = int(fn_code.max()) + 1
    # contest id of each (subset, cell); cells ordered contest by contest
    contest = (np.arange(n_subsets)[:, None] * n_fn + fn_code[None, :]).ravel()
    eligible = (n >= min_cell).ravel()
    p_best = np.full(n_subsets * n_cells, np.nan)
    rank = np.full(n_subsets * n_cells, -1, dtype=np.int64)
    order = np.flatnonzero(eligible)
    order = order[np.argsort(contest[order], kind="stable")]
    flat_counts = counts.reshape(-1, counts.shape[-1])
    flat_mean = mean.ravel()
    rng = np.random.default_rng(seed)
    per_chunk = max(1, (1 << 21) // n_boot)
    start = 0
    while start < len(order):  # chunks of whole contests
        stop = min(start + per_chunk, len(order))
        while stop < len(order) and contest[order[stop]] == contest[order[stop - 1]]:
            stop += 1
        members = order[start:stop]
        draws = bootstrap_mean_draws(flat_counts[members], n_boot, rng, scale=scale)
        p_best[members], rank[members] = _contest(contest[members], draws, flat_mean[members])
        start = stop

    table = expand(hist.keys, hist.cells[["field", "need", "resource"]])
    table["n"] = n.ravel()
    table["mean"] = flat_mean
    table["p_best"] = p_best
    table["rank"] = pd.array(np.where(rank > 0, rank, 0), dtype="Int64")
    table.loc[rank <= 0, "rank"] = pd.NA
    table["suppressed"] = False
    suppress(table, "n", ["mean", "p_best"], min_cell)
    keys = [*hist.by, "field", "need"]
    table["_unranked"] = table["rank"].isna()
    table = table.sort_values([*keys, "_unranked", "rank", "resource"], kind="stable").drop(columns="_unranked")
    return table.reset_index(drop=True)


def _contest(contest: np.ndarray, draws: np.ndarray, mean: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """p_best and rank of cells grouped (contiguously) by ``contest``."""
    starts = np.flatnonzero(np.r_[True, contest[1:] != contest[:-1]])
    sizes = np.diff(np.r_[starts, len(contest)])
    which = np.repeat(np.arange(len(starts)), sizes)
    best = np.maximum.reduceat(draws, starts, axis=0)
    is_best = draws == best[which]
    winners = np.add.reduceat(is_best, starts, axis=0)
    p_best = (is_best / winners[which]).mean(axis=1)
    # rank by mean, descending; ties share the lowest rank ("min")
    higher = np.zeros(len(contest), dtype=np.int64)
    for s, size in zip(starts, sizes, strict=True):
        m = mean[s : s + size]
        higher[s : s + size] = (m[None, :] > m[:, None]).sum(axis=1)
    return p_best, higher + 1


def _check_positive_int(value: object, name: str) -> int:
    if isinstance(value, bool) or not float(value).is_integer() or int(value) < 1:
        raise ValueError(f"{name} must be a positive whole number, got {value!r}.")
    return int(value)
