"""How the headline results of phase 2 move when a choice of method changes.

A report rests on choices a reader may question: the disclosure threshold ``min_cell``, the
rule that calls a cell a consensus, treating votes as an interval measure (means) rather
than an ordinal one (medians), and taking the raw means rather than means freed of the
delegates' leniency or post-stratified to a group mix (:mod:`.adjusted`). A sensitivity
analysis recomputes the headline results under each alternative and says how many of them
change (Saltelli et al. 2008, ch. 1; the "multiverse" of Steegen et al. 2016, on a small
scale): how many cells are shown, how many reach consensus, and in how many contests
(resources compared within one field and need) the leading resource changes.

Everything is computed from the votes of the cells a report shows, and from their
published statistics: a threshold is only ever raised (a lower one would show what the
disclosure rule hides).

References
----------
.. [1] Saltelli, A. et al. (2008). *Global Sensitivity Analysis. The Primer*. Wiley, ch. 1.
.. [2] Steegen, S., Tuerlinckx, F., Gelman, A. & Vanpaemel, W. (2016). Increasing
   transparency through a multiverse analysis. *Perspectives on Psychological Science*
   11(5), 702-712.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import ROUND_HALF_UP, Decimal

import numpy as np
import pandas as pd

from palestre_analysis import config

from . import _histograms
from ._checks import require_columns
from ._histograms import linear_quantile
from .consensus import CONSENSUS_RULES, ConsensusRule, apply_consensus, resolve_consensus_rule
from .disclosure import check_min_cell
from .scales import DEFAULT_SCALE, Bands, check_high_score, check_scale, n_values, resolve_bands, scale_values
from .votes import CELL_COLUMNS

__all__ = ["SENSITIVITY_COLUMNS", "sensitivity", "leader_sets", "rule_on_scale"]

#: The columns of :func:`sensitivity`'s table, in order.
SENSITIVITY_COLUMNS = [
    "aspect",
    "setting",
    "baseline",
    "cells",
    "cells_consensus",
    "contests",
    "leaders_changed",
    "largest_difference",
]
_CONTEST = ["field", "need"]
_CANDIDATE = "resource"
#: The scale the named rules of :data:`.consensus.CONSENSUS_RULES` are written for.
_NAMED_RULES_SCALE = (1, 10)


def rule_on_scale(rule: str | ConsensusRule, scale: tuple[int, int]) -> ConsensusRule:
    """A consensus rule for a process's scale: a named IQR rule grows or shrinks with the number of scores.

    Parameters
    ----------
    rule : str or ConsensusRule
        A name of :data:`~palestre_analysis.stats.consensus.CONSENSUS_RULES` or a rule.
    scale : tuple of (int, int)
        The process's lowest and highest vote.

    Returns
    -------
    ConsensusRule
        A :class:`~palestre_analysis.stats.consensus.ConsensusRule` is returned as it is
        (its threshold is already in points of its scale), and so is a percent rule. The
        named ``"iqr"`` rule, written for the ten scores of 1-10 (2 points: the usual
        IQR <= 1 of five-point scales, scaled up, :mod:`.consensus`), is scaled back to the
        number of scores of ``scale``: 1 point on 1-5, as :mod:`.consensus` advises.

    Examples
    --------
    >>> rule_on_scale("iqr", (1, 10)), rule_on_scale("iqr", (1, 5))
    (ConsensusRule(kind='iqr', threshold=2.0), ConsensusRule(kind='iqr', threshold=1.0))
    >>> rule_on_scale("percent", (1, 5)), rule_on_scale(ConsensusRule("iqr", 1.5), (1, 5))
    (ConsensusRule(kind='percent', threshold=0.75), ConsensusRule(kind='iqr', threshold=1.5))
    """
    resolved = resolve_consensus_rule(rule)
    if not isinstance(rule, str) or resolved.kind != "iqr":
        return resolved
    return ConsensusRule("iqr", resolved.threshold * n_values(check_scale(scale)) / n_values(_NAMED_RULES_SCALE))


def leader_sets(
    table: pd.DataFrame,
    value: str,
    decimals: int = 1,
    contest: Sequence[str] = ("field", "need"),
    candidate: str = "resource",
) -> pd.Series:
    """Per contest, the candidates whose value, printed with ``decimals`` digits, is the highest.

    Parameters
    ----------
    table : DataFrame
        One row per candidate: the ``contest`` columns, ``candidate`` and ``value`` (NaN
        where the candidate takes no part).
    value : str
        The column compared.
    decimals : int, default 1
        Values are compared as a report prints them: rounded half up to ``decimals``
        digits (as :func:`palestre_analysis.report.formatting.rounded` does), so values
        printed alike tie.
    contest : sequence of str, default ("field", "need")
        The columns naming a contest.
    candidate : str, default "resource"
        The column naming a candidate.

    Returns
    -------
    Series of frozenset
        Indexed by the contests with at least two candidates that have a value: the set of
        leading candidates (more than one when they tie as printed).

    Examples
    --------
    >>> t = pd.DataFrame({"field": "F", "need": ["N1"] * 3 + ["N2"] * 2, "resource": list("ABCAB"),
    ...                   "mean": [7.04, 7.02, 6.0, 5.0, float("nan")]})
    >>> {key: sorted(names) for key, names in leader_sets(t, "mean").items()}
    {('F', 'N1'): ['A', 'B']}
    >>> {key: sorted(names) for key, names in leader_sets(t, "mean", 2).items()}
    {('F', 'N1'): ['A']}
    """
    contest = list(contest)
    shown = table.loc[table[value].notna(), [*contest, candidate, value]]
    if shown.empty:
        return pd.Series([], dtype=object, index=pd.MultiIndex.from_tuples([], names=contest))
    printed = shown.assign(_printed=_printed(shown[value].to_numpy(dtype=float), decimals))
    groups = printed.groupby(contest, sort=True)
    top = groups["_printed"].transform("max")
    size = groups[candidate].transform("size")
    leading = printed[(printed["_printed"] == top) & (size >= 2)]
    return leading.groupby(contest, sort=True)[candidate].agg(frozenset)


def sensitivity(
    votes: pd.DataFrame,
    *,
    min_cell: int = config.MIN_CELL,
    thresholds: Sequence[int] | None = None,
    consensus_rule: str | ConsensusRule = config.CONSENSUS_RULE,
    means: pd.DataFrame | None = None,
    scale: tuple[int, int] = DEFAULT_SCALE,
    high_score: int = config.HIGH_SCORE,
    bands: Bands | None = None,
    decimals: int = 1,
) -> pd.DataFrame:
    """The headline results under each alternative choice of method, against the report's.

    Parameters
    ----------
    votes : DataFrame
        The votes of the cells the report shows (``rater``, ``field``, ``resource``,
        ``need``, ``score``, ``group``): a cell with fewer than ``min_cell`` votes is left
        out.
    min_cell : int, default ``config.MIN_CELL``
        The report's disclosure threshold.
    thresholds : sequence of int, optional
        Larger thresholds to try; by default ``2 * min_cell`` and ``4 * min_cell``.
    consensus_rule : str or ConsensusRule, default ``config.CONSENSUS_RULE``
        The report's consensus rule (put on the scale by :func:`rule_on_scale`).
    means : DataFrame, optional
        Alternative means to set against the raw ones: the cell columns and one column per
        alternative (``mean_adjusted``, ``mean_poststratified``), NaN where not shown.
    scale : tuple of (int, int), default (1, 10)
        The process's lowest and highest vote.
    high_score : int, default ``config.HIGH_SCORE``
        The first vote of the high band, read only when ``bands`` is not given.
    bands : three (first, last) pairs, optional
        The low, middle and high bands of the percent rule (see :func:`.scales.resolve_bands`).
    decimals : int, default 1
        Digits with which the report prints a mean: leaders that print alike tie.

    Returns
    -------
    DataFrame
        One row per setting, columns :data:`SENSITIVITY_COLUMNS`:

        * ``aspect``: ``min_cell`` (one row per threshold), ``consensus_rule`` (one per rule
          of :data:`~palestre_analysis.stats.consensus.CONSENSUS_RULES`), ``treatment``
          (``interval``: means; ``ordinal``: medians) and ``mean`` (``mean``: raw, then one
          row per column of ``means``);
        * ``setting``: the threshold, rule, treatment or column; ``baseline``: True for the
          report's own setting of the aspect;
        * ``cells``: cells with the statistic (cells with at least the threshold of votes;
          cells with a value of the alternative mean);
        * ``cells_consensus``: of those, cells with consensus (``min_cell`` and
          ``consensus_rule`` rows);
        * ``contests``: field x need contests with at least two resources to compare;
        * ``leaders_changed``: of those, contests whose leading resources (ties as printed)
          differ from the baseline's;
        * ``largest_difference``: the largest gap between a cell's alternative mean and its
          raw mean (``mean`` rows).

        Counts are nullable integers, blank where they do not apply.

    Raises
    ------
    ValueError
        When a threshold is below ``min_cell`` (it would show what the disclosure rule hides).

    Notes
    -----
    * A larger threshold keeps the cells with at least that many votes among those shown
      (the primary rule only: a report run with that threshold could hide a few more, to
      protect their complements). Its leaders are those of the resources left, against the
      leaders of every shown resource.
    * The other comparisons are made on the same candidates: the leaders by median against
      the leaders by mean of the same resources, the leaders of an alternative mean against
      the raw leaders of the resources that have it.
    * A named IQR rule is scaled to the number of scores of the scale (:func:`rule_on_scale`).

    References
    ----------
    .. [1] Saltelli, A. et al. (2008). *Global Sensitivity Analysis. The Primer*. Wiley.
    .. [2] Steegen, S. et al. (2016). *Perspectives on Psychological Science* 11(5), 702-712.
    .. [3] Diamond, I. R. et al. (2014). *J Clin Epidemiol* 67(4), 401-409 (percent agreement).
    .. [4] Birko, S., Dove, E. S. & Özdemir, V. (2015). *PLoS ONE* 10(8), e0135162 (IQR).

    Examples
    --------
    Ten delegates score two resources: A gets 8 and 9 (mean 8.5, median 8.5), B six 9s and
    four 5s (mean 7.4, median 9). The mean puts A first, the median B:

    >>> scores_b = [9] * 6 + [5] * 4
    >>> rows = [(f"d{i}", r, s) for i in range(10) for r, s in (("A", 8 + i % 2), ("B", scores_b[i]))]
    >>> votes = pd.DataFrame(rows, columns=["rater", "resource", "score"]).assign(
    ...     field="F", need="N", group="aps_odv")
    >>> t = sensitivity(votes, min_cell=5)
    >>> t[["aspect", "setting", "cells", "cells_consensus", "contests", "leaders_changed"]]
               aspect   setting  cells  cells_consensus  contests  leaders_changed
    0        min_cell         5      2                1         1                0
    1        min_cell        10      2                1         1                0
    2        min_cell        20      0                0         0                0
    3  consensus_rule   percent      2                1      <NA>             <NA>
    4  consensus_rule       iqr      2                1      <NA>             <NA>
    5       treatment  interval      2             <NA>         1                0
    6       treatment   ordinal      2             <NA>         1                1
    7            mean      mean      2             <NA>         1                0
    """
    min_cell = check_min_cell(min_cell)
    scale = check_scale(scale)
    limits = [min_cell, *(thresholds if thresholds is not None else (2 * min_cell, 4 * min_cell))]
    if any(int(k) < min_cell for k in limits):
        raise ValueError(
            f"thresholds must be at least min_cell ({min_cell}): a lower one would show what it hides, got "
            f"{list(thresholds)}."
        )
    cells = _cell_table(votes, min_cell, scale, consensus_rule, high_score, bands)
    rows = _threshold_rows(cells, [int(k) for k in limits], decimals)
    rows += _rule_rows(cells, consensus_rule)
    rows += _compare_rows(cells, "treatment", ("interval", "mean"), [("ordinal", "median")], decimals)
    extra = []
    if means is not None:
        columns = [c for c in means.columns if c not in CELL_COLUMNS]
        require_columns(means, [*CELL_COLUMNS, *columns], "means")
        cells = cells.merge(means[[*CELL_COLUMNS, *columns]], on=list(CELL_COLUMNS), how="left")
        extra = [(c, c) for c in columns]
    rows += _compare_rows(cells, "mean", ("mean", "mean"), extra, decimals, difference=True)
    table = pd.DataFrame(rows, columns=SENSITIVITY_COLUMNS)
    for column in ("cells", "cells_consensus", "contests", "leaders_changed"):
        table[column] = pd.array(table[column], dtype="Int64")
    table["largest_difference"] = table["largest_difference"].astype(float)
    table["baseline"] = table["baseline"].astype(bool)
    return table


def _cell_table(votes, min_cell, scale, consensus_rule, high_score, bands) -> pd.DataFrame:
    """Per shown cell: n, mean, median and consensus under every named rule (``consensus_<name>``) and the report's."""
    columns = [*CELL_COLUMNS, "n", "mean", "median", "consensus", *(f"consensus_{name}" for name in CONSENSUS_RULES)]
    if len(votes) == 0:
        return pd.DataFrame(columns=columns)
    hist = _histograms.build(votes, (), scale=scale)  # groups pooled: any group labels
    counts = hist.all_counts[0]  # (C, V)
    n = counts.sum(axis=-1)
    resolved = (
        resolve_bands(None, scale, check_high_score(high_score, scale))
        if bands is None
        else resolve_bands(bands, scale)
    )
    table = hist.cells[list(CELL_COLUMNS)].copy()
    table["n"] = n
    with np.errstate(invalid="ignore", divide="ignore"):
        table["mean"] = (counts @ scale_values(scale)) / n
    table["median"] = linear_quantile(counts, 0.5, low=scale[0])
    table["consensus"] = apply_consensus(counts, rule_on_scale(consensus_rule, scale), resolved, scale)
    for name in CONSENSUS_RULES:
        table[f"consensus_{name}"] = apply_consensus(counts, rule_on_scale(name, scale), resolved, scale)
    return table[table["n"] >= min_cell].reset_index(drop=True)


def _row(aspect, setting, baseline, cells=None, consensus=None, contests=None, changed=None, difference=np.nan):
    return [aspect, str(setting), baseline, cells, consensus, contests, changed, difference]


def _leading(values: np.ndarray, contest: np.ndarray, n_contests: int, decimals: int) -> tuple[np.ndarray, np.ndarray]:
    """Which rows lead their contest as printed, and which contests have at least two rows with a value.

    ``values`` holds NaN where a row takes no part; ``contest`` is each row's contest code.
    """
    printed = _printed(values, decimals)
    present = ~np.isnan(printed)
    top = np.full(n_contests, -np.inf)
    np.maximum.at(top, contest[present], printed[present])
    contested = np.bincount(contest[present], minlength=n_contests) >= 2
    lead = present & (printed == top[contest]) & contested[contest]
    return lead, contested


def _changed(lead: np.ndarray, reference: np.ndarray, contest: np.ndarray, among: np.ndarray, n_contests: int) -> int:
    """Contests of ``among`` where the leading rows differ from the reference's."""
    differs = np.bincount(contest, weights=(lead != reference).astype(float), minlength=n_contests) > 0
    return int((differs & among).sum())


def _contests(cells: pd.DataFrame) -> tuple[np.ndarray, int]:
    code, uniques = pd.factorize(pd.MultiIndex.from_frame(cells[_CONTEST].astype(str)))
    return np.asarray(code, dtype=np.int64), len(uniques)


def _threshold_rows(cells: pd.DataFrame, limits: list[int], decimals: int) -> list[list]:
    """One row per threshold: what is left of the shown cells, and whose leaders change."""
    contest, n_contests = _contests(cells)
    mean = cells["mean"].to_numpy(dtype=float)
    n = cells["n"].to_numpy(dtype=float)
    agreed = cells["consensus"].to_numpy(dtype=bool)
    reference, _ = _leading(mean, contest, n_contests, decimals)
    rows = []
    for k in limits:
        kept = n >= k
        lead, contested = _leading(np.where(kept, mean, np.nan), contest, n_contests, decimals)
        changed = _changed(lead, reference, contest, contested, n_contests)
        consensus = int((agreed & kept).sum())
        rows.append(_row("min_cell", k, k == limits[0], int(kept.sum()), consensus, int(contested.sum()), changed))
    return rows


def _rule_rows(cells: pd.DataFrame, consensus_rule) -> list[list]:
    """One row per named consensus rule: how many shown cells it calls a consensus."""
    chosen = resolve_consensus_rule(consensus_rule)
    rows = []
    for name, rule in CONSENSUS_RULES.items():
        agreed = int(cells[f"consensus_{name}"].astype(bool).sum())
        rows.append(_row("consensus_rule", name, rule == chosen, len(cells), agreed))
    return rows


def _compare_rows(cells, aspect, base, alternatives, decimals, *, difference=False) -> list[list]:
    """The baseline column and each alternative: contests, and leaders that change on the same candidates."""
    name, column = base
    contest, n_contests = _contests(cells)
    ours = cells[column].to_numpy(dtype=float)
    _, contested = _leading(ours, contest, n_contests, decimals)
    no_gap = 0.0 if difference else np.nan
    rows = [_row(aspect, name, True, int((~np.isnan(ours)).sum()), None, int(contested.sum()), 0, no_gap)]
    for setting, other in alternatives:
        theirs = cells[other].to_numpy(dtype=float)
        both = ~np.isnan(ours) & ~np.isnan(theirs)
        lead, contested = _leading(np.where(both, theirs, np.nan), contest, n_contests, decimals)
        reference, _ = _leading(np.where(both, ours, np.nan), contest, n_contests, decimals)
        changed = _changed(lead, reference, contest, contested, n_contests)
        gap = float(np.abs(theirs[both] - ours[both]).max()) if difference and both.any() else np.nan
        rows.append(_row(aspect, setting, False, int(both.sum()), None, int(contested.sum()), changed, gap))
    return rows


def _printed(values: np.ndarray, decimals: int) -> np.ndarray:
    """``values`` rounded half up to ``decimals`` digits from their shortest repr, as reports print them."""
    step = Decimal(1).scaleb(-decimals)
    values = np.asarray(values, dtype=float)
    out = np.full(values.shape, np.nan)
    finite = np.flatnonzero(~np.isnan(values))
    out[finite] = [float(Decimal(repr(float(v))).quantize(step, rounding=ROUND_HALF_UP)) for v in values[finite]]
    return out
