"""Consensus of the delegates on a cell: band rules applied to score histograms, and r_wg.

Two families of rules are in use in Delphi-style panels, and both are offered:

``"percent"`` (the project default, ``config.CONSENSUS_RULE``)
    Percent agreement: consensus when at least ``threshold`` (default 75%) of
    the votes fall in one band of the scale: low, middle or high. The bands are
    the process's (``processo.toml``), by default those of
    :func:`palestre_analysis.core.process.default_bands`: 1-4, 5-6 and 7-10 on
    1-10, 1-2, 3 and 4-5 on 1-5; :func:`.scales.resolve_bands` draws the same
    ones when no band and no high threshold is given.
    Percent agreement is the most common definition of consensus in Delphi
    studies, and 75% is the median threshold among those that state one
    (Diamond et al. 2014).
``"iqr"``
    Consensus when the interquartile range (numpy's linear quantiles) is at
    most ``threshold`` points (default 2, about a fifth of the 9-point range of
    a 1-10 scale; the usual IQR <= 1 on 5-point scales scaled up). The
    threshold is in points of the scale, so a process scoring on 1-5 should
    pass ``ConsensusRule("iqr", 1.0)``: the named rule keeps its 2 points.

What a band rule cannot do. Its verdict is a threshold on an estimated share,
so its probability depends on the number of delegates: with a true share of
0.65 in one band, 75% or more is observed in 43% of cells of 5 delegates and
in 12% of cells of 40 (issue 11); the share of cells "with consensus" of a
province and of the region are not comparable. And the bands are not alike:
the outer ones are open towards the ends of the scale, while the middle one
is a closed window (two points on 1-10, one on 1-5), which delegates whose
scores spread by a standard deviation ``s`` fill at most to
``P(|Z| < w / (2 s))`` for a window of ``w`` points: on 1-10 the middle
band can reach 75% only if ``s < 0.87`` (less than the demo's leniency
alone), so agreement on a middle score is, in practice, never called
consensus.

r_wg (:func:`rwg`, :func:`cell_rwg`), the within-group agreement index of
James, Demaree & Wolf (1984), answers both: ``1 - s^2 / sigma^2_EU``, the
cell's variance (``ddof=1``) against the variance of votes spread uniformly
over the ``A`` scores of the scale, ``sigma^2_EU = (A^2 - 1) / 12``. Left
untruncated (negative where votes are polarised, as Lindell et al.'s 1999
r*_wg), its expectation does not depend on ``n`` at all, the sample variance
being unbiased; it does not depend on where on the scale the votes agree
(only the ends of the scale, which squeeze the variance, raise it a little);
and it is read on LeBreton & Senter's (2008) scale (:data:`RWG_LEVELS`). Its
interval comes from the delegate bootstrap (:mod:`.resampling`).

Why percent agreement stays the default rule: Birko et al. (2015) simulated Delphi
panels scoring on a 1-10 scale and compared nine consensus indices; the IQR was
the index whose verdict depended most on the panel size (dependency 0.396 over
6-50 experts, the largest of the nine). The band rule stays the process's rule,
said with its limits; r_wg is the measure the reports read.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from palestre_analysis import config

from ._histograms import factorize_rows, linear_quantile
from .disclosure import check_min_cell, suppress
from .reliability import field_blocks
from .resampling import delegate_matrix, weight_chunks
from .scales import DEFAULT_SCALE, Bands, band_cuts, check_counts_width, check_scale, n_values, resolve_bands
from .votes import CELL_COLUMNS, validate_votes

__all__ = [
    "ConsensusRule",
    "CONSENSUS_RULES",
    "resolve_consensus_rule",
    "consensus",
    "apply_consensus",
    "RWG_LEVELS",
    "uniform_variance",
    "rwg",
    "rwg_level",
    "cell_rwg",
    "RWG_COLUMNS",
]


@dataclass(frozen=True)
class ConsensusRule:
    """A consensus rule: its ``kind`` (``"percent"`` or ``"iqr"``) and its ``threshold``.

    Parameters
    ----------
    kind : {"percent", "iqr"}
        Percent agreement in one band of the scale, or interquartile range.
    threshold : float
        Smallest share in one band (``percent``, in (0.5, 1]), or largest IQR
        in points (``iqr``, 0 .. 9; :func:`consensus` also asks for at most
        ``high - low`` on its scale).

    Returns
    -------
    ConsensusRule
        A frozen rule to pass as ``consensus_rule``.

    Notes
    -----
    ``"percent"``: ``max band share >= threshold``; ``"iqr"``: ``Q3 - Q1 <= threshold``.

    References
    ----------
    .. [1] Diamond, I. R. et al. (2014). *J Clin Epidemiol* 67(4), 401-409.
    .. [2] Birko, S., Dove, E. S. & Özdemir, V. (2015). *PLoS ONE* 10(8), e0135162.

    Examples
    --------
    >>> ConsensusRule("iqr", 1.0)
    ConsensusRule(kind='iqr', threshold=1.0)
    """

    kind: str
    threshold: float

    def __post_init__(self) -> None:
        if self.kind not in ("percent", "iqr"):
            raise ValueError(f"consensus rule kind must be 'percent' or 'iqr', got {self.kind!r}.")
        if self.kind == "percent" and not 0.5 < self.threshold <= 1:
            raise ValueError(
                f"a percent-agreement threshold must lie in (0.5, 1] so that one band at most can hold it, "
                f"got {self.threshold!r}."
            )
        if self.kind == "iqr" and not 0 <= self.threshold <= 9:
            raise ValueError(f"an IQR threshold must lie in 0 .. 9 points, got {self.threshold!r}.")


#: Named rules, with their default thresholds.
CONSENSUS_RULES = {
    "percent": ConsensusRule("percent", 0.75),
    "iqr": ConsensusRule("iqr", 2.0),
}


def resolve_consensus_rule(rule: str | ConsensusRule) -> ConsensusRule:
    """Turn a rule name or a :class:`ConsensusRule` into a :class:`ConsensusRule`.

    Examples
    --------
    >>> resolve_consensus_rule("percent")
    ConsensusRule(kind='percent', threshold=0.75)
    """
    if isinstance(rule, ConsensusRule):
        return rule
    if isinstance(rule, str) and rule in CONSENSUS_RULES:
        return CONSENSUS_RULES[rule]
    raise ValueError(f"consensus_rule must be one of {sorted(CONSENSUS_RULES)} or a ConsensusRule, got {rule!r}.")


def consensus(
    counts: np.ndarray,
    rule: str | ConsensusRule = config.CONSENSUS_RULE,
    high_score: int | None = None,
    *,
    scale: tuple[int, int] = DEFAULT_SCALE,
    bands: Bands | None = None,
) -> np.ndarray:
    """Apply a consensus rule to score histograms.

    Parameters
    ----------
    counts : array_like, shape (..., V)
        Votes with score ``low .. high`` per cell, ``V = high - low + 1``
        columns (scores 1 .. 10 by default).
    rule : str or ConsensusRule, default ``config.CONSENSUS_RULE``
        ``"percent"``, ``"iqr"``, or a :class:`ConsensusRule` with its own threshold.
    high_score : int, optional
        First score of the high band (percent rule) when ``bands`` is None; the
        low band ends at ``low + high - high_score`` (``11 - high_score`` on
        1 .. 10). It must lie above the middle of the scale (6 .. 10 on 1 .. 10),
        so that the low and high bands do not overlap. ``None`` (and no
        ``bands``): the scale's default bands,
        :func:`palestre_analysis.core.process.default_bands` (1-4, 5-6, 7-10 on
        1 .. 10, where the high band starts at ``config.HIGH_SCORE``).
    scale : tuple of (int, int), default (1, 10)
        The lowest and highest score (see :mod:`.scales`).
    bands : three (first, last) pairs, optional
        Explicit low, middle and high bands covering the scale in order
        (e.g. ``((1, 2), (3, 3), (4, 5))`` on 1 .. 5); they replace the bands
        drawn from ``high_score``, which is then not used.

    Returns
    -------
    ndarray of bool, shape (...)
        ``True`` where the rule finds consensus; ``False`` for empty cells
        (callers blank small cells anyway).

    Notes
    -----
    Percent agreement: ``max(share_low, share_middle, share_high) >= threshold``.
    IQR: ``Q3 - Q1 <= threshold``, quantiles as ``numpy.quantile(method="linear")``;
    the threshold must not exceed the range ``high - low`` of the scale.

    References
    ----------
    .. [1] Diamond, I. R. et al. (2014). Defining consensus: a systematic review
       recommends methodologic criteria for reporting of Delphi studies.
       *J Clin Epidemiol* 67(4), 401-409.
    .. [2] Birko, S., Dove, E. S. & Özdemir, V. (2015). Evaluation of nine
       consensus indices in Delphi foresight research and their dependency on
       Delphi survey characteristics. *PLoS ONE* 10(8), e0135162.

    Examples
    --------
    Eight votes ``1 7 7 7 8 9 10 10``: seven of eight (87.5%) are 7-10, so
    percent agreement finds consensus; one dissenting 1 stretches the IQR to
    ``9.25 - 7 = 2.25`` (``numpy.quantile``), so the IQR rule does not.

    >>> h = [[1, 0, 0, 0, 0, 0, 3, 1, 1, 2]]
    >>> consensus(h, "percent"), consensus(h, "iqr")
    (array([ True]), array([False]))

    On a 1-5 scale with the high band 4-5: votes ``2 4 4 5`` are 75% high.

    >>> consensus([[0, 1, 0, 2, 1]], "percent", 4, scale=(1, 5))
    array([ True])

    Without a high threshold the scale's default bands apply (1-2, 3, 4-5 on 1-5):

    >>> consensus([[0, 1, 0, 2, 1]], "percent", scale=(1, 5))
    array([ True])
    """
    rule = resolve_consensus_rule(rule)
    scale = check_scale(scale)
    counts = np.asarray(counts)
    check_counts_width(counts, scale)
    resolved = resolve_bands(bands, scale, high_score)
    return apply_consensus(counts, rule, resolved, scale)


def apply_consensus(counts: np.ndarray, rule: ConsensusRule, bands: Bands | None, scale: tuple[int, int]) -> np.ndarray:
    """:func:`consensus` on validated input: ``counts`` fits ``scale``, ``bands`` from :func:`.scales.resolve_bands`.

    ``bands`` is read by the percent rule only (the IQR rule may pass None).

    Examples
    --------
    >>> apply_consensus(np.array([[0, 0, 3, 1, 0]]), resolve_consensus_rule("iqr"), None, (1, 5))
    array([ True])
    """
    n = counts.sum(axis=-1)
    if rule.kind == "iqr":
        if rule.threshold > scale[1] - scale[0]:
            raise ValueError(
                f"an IQR threshold must lie in 0 .. {scale[1] - scale[0]} points on the scale "
                f"{scale[0]} .. {scale[1]}, got {rule.threshold!r}."
            )
        with np.errstate(invalid="ignore"):
            iqr = linear_quantile(counts, 0.75) - linear_quantile(counts, 0.25)
        return (n > 0) & (iqr <= rule.threshold + 1e-12)
    if bands is None:
        raise ValueError("the percent-agreement rule needs the bands of the scale.")
    low_end, high_start = band_cuts(bands, scale)  # columns of the low band: 0 .. low_end - 1
    shares = np.stack(
        [
            counts[..., :low_end].sum(-1),
            counts[..., low_end:high_start].sum(-1),
            counts[..., high_start:].sum(-1),
        ],
        axis=-1,
    )
    with np.errstate(invalid="ignore", divide="ignore"):
        best = shares.max(axis=-1) / n
    return (n > 0) & (best >= rule.threshold - 1e-12)


#: LeBreton & Senter's (2008, Table 3) reading of r_wg, on the value rounded to two decimals:
#: the upper end of each level (0.00-0.30 lack of agreement ... 0.91-1.00 very strong agreement).
RWG_LEVELS = ((0.30, "lack"), (0.50, "weak"), (0.70, "moderate"), (0.90, "strong"), (1.00, "very_strong"))

#: The columns :func:`cell_rwg` adds to a cell table, blanked together.
RWG_COLUMNS = ("rwg", "rwg_low", "rwg_high", "rwg_level")


def uniform_variance(scale: tuple[int, int]) -> float:
    """The variance of votes spread uniformly over the scale's ``A`` scores: ``(A^2 - 1) / 12``.

    Parameters
    ----------
    scale : tuple of (int, int)
        The lowest and highest score.

    Returns
    -------
    float
        ``sigma^2_EU`` of James, Demaree & Wolf (1984): 2.0 for 5 scores, 8.25 for 10.

    References
    ----------
    .. [1] James, L. R., Demaree, R. G. & Wolf, G. (1984). Estimating within-group
       interrater reliability with and without response bias. *Journal of Applied
       Psychology* 69(1), 85-98.

    Examples
    --------
    >>> uniform_variance((1, 5)), uniform_variance((1, 7)), uniform_variance((1, 10))
    (2.0, 4.0, 8.25)
    """
    a = n_values(check_scale(scale))
    return (a * a - 1) / 12.0


def rwg(variance, scale: tuple[int, int] = DEFAULT_SCALE, *, truncate: bool = False) -> np.ndarray:
    """r_wg of James, Demaree & Wolf (1984): ``1 - s^2 / sigma^2_EU``, the uniform null on the scale.

    Parameters
    ----------
    variance : array_like
        Each cell's sample variance (``ddof=1``); NaN where it has fewer than two votes.
    scale : tuple of (int, int), default (1, 10)
        The scale, whose uniform variance is the null (:func:`uniform_variance`).
    truncate : bool, default False
        Set values below 0 to 0, as James et al. (1984) do (a variance above the null's
        read as no agreement). Left as they are by default, as in the single-item r*_wg of
        Lindell, Brandt & Whitney (1999): the sample variance is unbiased, so the
        untruncated r_wg has the same expectation at every number of delegates, while
        truncation raises the expectation of small cells where agreement is weak (by
        ``E[(s^2 - sigma^2_EU)+] / sigma^2_EU``).

    Returns
    -------
    ndarray
        At most 1 (every vote the same); 0 when the votes spread as much as uniform ones,
        below 0 when they spread more (polarised votes); NaN stays NaN.

    References
    ----------
    .. [1] James, L. R., Demaree, R. G. & Wolf, G. (1984). *Journal of Applied
       Psychology* 69(1), 85-98.
    .. [2] Lindell, M. K., Brandt, C. J. & Whitney, D. J. (1999). A revised index of
       interrater agreement for multi-item ratings of a single target. *Applied
       Psychological Measurement* 23(2), 127-135.
    .. [3] LeBreton, J. M. & Senter, J. L. (2008). Answers to 20 questions about
       interrater reliability and interrater agreement. *Organizational Research
       Methods* 11(4), 815-852.

    Examples
    --------
    Votes 4 4 5 5 5 on 1-5: variance 0.3, so ``1 - 0.3 / 2 = 0.85``.

    >>> float(rwg(np.var([4, 4, 5, 5, 5], ddof=1), (1, 5)))
    0.85
    >>> rwg([0.0, 16.5, np.nan]).tolist(), rwg([16.5], truncate=True).tolist()
    ([1.0, -1.0, nan], [0.0])
    """
    null = uniform_variance(scale)
    v = np.asarray(variance, dtype=float)
    out = 1.0 - v / null
    return np.where(out < 0, 0.0, out) if truncate else out


def rwg_level(values) -> np.ndarray:
    """LeBreton & Senter's (2008) level of agreement for each r_wg, read on its value rounded to two decimals.

    Parameters
    ----------
    values : array_like
        r_wg values, at most 1 (NaN: not shown).

    Returns
    -------
    ndarray of object
        ``"lack"`` (up to 0.30, negative values included), ``"weak"`` (0.31-0.50), ``"moderate"`` (0.51-0.70),
        ``"strong"`` (0.71-0.90) or ``"very_strong"`` (0.91-1.00); ``None`` for NaN.

    References
    ----------
    .. [1] LeBreton, J. M. & Senter, J. L. (2008). *Organizational Research Methods*
       11(4), 815-852, Table 3.

    Examples
    --------
    >>> rwg_level([-0.2, 0.304, 0.305, 0.7049, 0.95, float("nan")]).tolist()
    ['lack', 'lack', 'weak', 'moderate', 'very_strong', None]
    """
    v = np.asarray(values, dtype=float)
    rounded = np.floor(v * 100.0 + 0.5 + 1e-9) / 100.0  # half up, as the reports print
    out = np.full(v.shape, None, dtype=object)
    ends = np.array([end for end, _ in RWG_LEVELS])
    names = np.array([name for _, name in RWG_LEVELS], dtype=object)
    shown = ~np.isnan(v)
    out[shown] = names[np.minimum(np.searchsorted(ends, rounded[shown] - 1e-9), len(ends) - 1)]
    return out


def cell_rwg(
    votes: pd.DataFrame,
    by: Sequence[str] = (),
    n_boot: int = 1000,
    seed: int = config.SEED,
    min_cell: int = config.MIN_CELL,
    confidence: float = 0.95,
    *,
    scale: tuple[int, int] = DEFAULT_SCALE,
) -> pd.DataFrame:
    """r_wg of every cell (both groups pooled), with a delegate-bootstrap interval and its level.

    Parameters
    ----------
    votes : DataFrame
        As in :func:`palestre_analysis.stats.cells.cell_stats` (any two group labels).
    by : sequence of str, default ()
        Columns that split the votes into subsets, each with its own bootstrap.
    n_boot : int, default 1000
        Replicates of the delegate bootstrap.
    seed : int, default ``config.SEED``
    min_cell : int, default ``config.MIN_CELL``
        Cells with fewer votes are blanked.
    confidence : float, default 0.95
    scale : tuple of (int, int), default (1, 10)
        The process's scale: the null of :func:`rwg`, and a vote off it is an error.

    Returns
    -------
    DataFrame
        One row per subset x cell: the ``by`` columns, ``field``, ``resource``,
        ``need``, ``n``, ``rwg`` (not truncated: below 0 where the votes spread more than
        uniform ones), ``rwg_low``, ``rwg_high`` (percentile interval), ``rwg_level``
        (:func:`rwg_level`) and ``suppressed``; sorted by subset and cell.

    Notes
    -----
    The replicates resample the subset's delegates within each group, each with all
    their votes (:func:`.resampling.weight_chunks`): a cell's votes are redrawn as
    its delegates are, so the interval is the delegate bootstrap's, read cell by cell.
    A delegate drawn twice votes twice.

    References
    ----------
    .. [1] James, L. R., Demaree, R. G. & Wolf, G. (1984). *Journal of Applied
       Psychology* 69(1), 85-98.
    .. [2] LeBreton, J. M. & Senter, J. L. (2008). *Organizational Research Methods*
       11(4), 815-852.
    .. [3] Davison, A. C. & Hinkley, D. V. (1997). *Bootstrap Methods and their
       Application*, section 3.8.

    Examples
    --------
    >>> votes = pd.DataFrame({"rater": list("abcdef"), "score": [4, 4, 5, 5, 5, 4]}).assign(
    ...     field="Cultura", resource="Bandi", need="Spazi", group="aps_odv")
    >>> cell_rwg(votes, min_cell=3, n_boot=200, scale=(1, 5))[["n", "rwg", "rwg_level"]]
       n   rwg rwg_level
    0  6  0.85    strong
    """
    min_cell = check_min_cell(min_cell)
    scale = check_scale(scale)
    if not 0 < confidence < 1:
        raise ValueError(f"confidence must lie strictly between 0 and 1, got {confidence!r}.")
    if isinstance(n_boot, bool) or int(n_boot) != n_boot or n_boot < 1:
        raise ValueError(f"n_boot must be a positive whole number, got {n_boot!r}.")
    by = tuple(by)
    validate_votes(votes, by, scale=scale, groups=None)
    subset, keys = factorize_rows(votes, by)
    tail = (1.0 - confidence) / 2.0
    parts = []
    for s in range(len(keys)):
        matrix = delegate_matrix(votes[subset == s])
        blocks = field_blocks(matrix)
        point = {name: block.sums(np.ones((1, block.n_raters))) for name, block in blocks.items()}
        draws = {name: [] for name in blocks}
        for weights in weight_chunks(matrix.strata, int(n_boot), seed):
            weights = weights.astype(np.float32)  # whole counts: exact
            for name, block in blocks.items():
                draws[name].append(rwg(block.sums(weights[:, block.raters]).variance(), scale))
        for name, block in blocks.items():
            values = np.concatenate(draws[name])
            ok = np.isfinite(values)
            low = np.full(block.n_cells, np.nan)
            high = np.full(block.n_cells, np.nan)
            for j in np.flatnonzero(ok.any(axis=0)):
                low[j], high[j] = np.quantile(values[ok[:, j], j], [tail, 1.0 - tail])
            cells = matrix.cells.iloc[block.columns].reset_index(drop=True)
            for column in by:
                cells.insert(by.index(column), column, keys[column].iloc[s])
            cells["n"] = point[name].n[0].astype(np.int64)
            cells["rwg"] = rwg(point[name].variance()[0], scale)
            cells["rwg_low"], cells["rwg_high"] = low, high
            parts.append(cells)
    table = pd.concat(parts, ignore_index=True)
    table = table.sort_values([*by, *CELL_COLUMNS], kind="stable").reset_index(drop=True)
    table["suppressed"] = False
    suppress(table, "n", ["rwg", "rwg_low", "rwg_high"], min_cell)
    table["rwg_level"] = rwg_level(table["rwg"])
    return table[[*by, *CELL_COLUMNS, "n", *RWG_COLUMNS, "suppressed"]]
