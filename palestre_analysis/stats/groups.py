"""The two groups of delegates compared: resource gaps from a mixed model, Cliff's delta, per-cell tests with power.

Votes come from delegates who each score many cells, more or less leniently, and only the
fields of their entity. The groups' difference is therefore estimated as a **model**
(:func:`resource_gaps`): every cell (field x resource x need) has its own level, each
resource its own gap between the groups, and each delegate a random intercept (their
leniency), fitted by REML (:func:`~palestre_analysis.stats.mixed.fit_random_intercept`).
A resource's gap (first group minus second) is the overall shift plus that resource's
interaction; the overall shift is reported apart, because it cannot be told from a
difference in the two groups' leniency. Beside it, Cliff's delta per resource (pairs of
votes of the same cell) with a delegate-bootstrap interval (:func:`resource_deltas`,
through :mod:`.resampling`).

Per-cell Mann-Whitney tests (:func:`group_comparison`) are run only where they can
reject: a cell whose smallest attainable p-value could not pass the multiple-comparison
correction is not tested (Tarone's screen before Benjamini-Hochberg, :func:`tarone_screen`).
In a province, the gaps are shrunk towards those of the other provinces with an
empirical-Bayes weight (:func:`pool_gaps`, Fay-Herriot).

The groups are the process's (``Processed.process.groups``): the seed's ``aps_odv`` and
``fondazioni_csv_altri`` unless the keyword-only ``groups`` says otherwise.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence

import numpy as np
import pandas as pd
from scipy import sparse, special, stats

from palestre_analysis import config
from palestre_analysis.core.vocabulary import GROUPS

from . import _histograms
from ._histograms import expand
from .disclosure import check_min_cell, suppress
from .mixed import fay_herriot, fit_random_intercept
from .resampling import weight_chunks
from .scales import DEFAULT_SCALE, check_scale, n_values, scale_values
from .votes import CELL_COLUMNS, group_keys, validate_votes

__all__ = [
    "group_comparison",
    "mann_whitney_from_counts",
    "min_attainable_p",
    "tarone_screen",
    "resource_gaps",
    "resource_deltas",
    "group_gaps",
    "pool_gaps",
    "ALL_RESOURCES",
    "GAP_COLUMNS",
]

_EXACT_MAX = 8  # scipy's "auto": exact when a sample has at most 8 values and there are no ties
#: The label of the row that holds the overall shift (every resource together).
ALL_RESOURCES = "all"
#: The statistics of :func:`group_gaps`, in order (between ``resource`` and the ``n_<group>`` counts).
GAP_COLUMNS = (
    "gap",
    "se",
    "ci_low",
    "ci_high",
    "interaction",
    "interaction_ci_low",
    "interaction_ci_high",
    "df",
    "cliffs_delta",
    "delta_ci_low",
    "delta_ci_high",
)
#: Significance level of the per-cell tests (Tarone's screen depends on it).
_ALPHA = 0.05


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


def min_attainable_p(n1, n2) -> np.ndarray:
    """The smallest two-sided p-value an exact Mann-Whitney test can give: ``2 / C(n1 + n2, n1)``.

    Parameters
    ----------
    n1, n2 : array_like of int
        The two samples' sizes.

    Returns
    -------
    ndarray
        ``min(1, 2 / C(n1 + n2, n1))``: the p of complete separation without ties (ties
        only make it larger); 1 where a sample is empty.

    References
    ----------
    .. [1] Mann, H. B. & Whitney, D. R. (1947), *Ann Math Stat* 18(1), 50-60 (the null
       distribution: every split of the ranks equally likely).

    Examples
    --------
    Five delegates per group (issue 11): the smallest p is 2/252.

    >>> float(min_attainable_p(5, 5).round(4)), float(min_attainable_p(3, 0))
    (0.0079, 1.0)
    """
    n1 = np.asarray(n1, dtype=float)
    n2 = np.asarray(n2, dtype=float)
    log_comb = special.gammaln(n1 + n2 + 1) - special.gammaln(n1 + 1) - special.gammaln(n2 + 1)
    p = np.minimum(1.0, 2.0 * np.exp(-log_comb))
    return np.where((n1 > 0) & (n2 > 0), p, 1.0)


def tarone_screen(p_min, alpha: float = _ALPHA) -> np.ndarray:
    """Which hypotheses can reach significance at all: Tarone's screen for discrete tests.

    Parameters
    ----------
    p_min : array_like, shape (m,)
        The smallest attainable p-value of each test (NaN: not a candidate).
    alpha : float, default 0.05
        The level of the multiple-comparison procedure that follows.

    Returns
    -------
    ndarray of bool, shape (m,)
        The tests kept: with ``K`` the smallest whole number such that
        ``m(K) = #{p_min <= alpha / K} <= K``, those with ``p_min <= alpha / K``.
        None when no test can reach ``alpha`` on its own.

    Notes
    -----
    A test whose smallest attainable p-value exceeds ``alpha / K`` could never be
    rejected among ``K`` tests; leaving it out makes the correction of the others
    smaller. Gilbert (2005) runs Benjamini-Hochberg on the kept tests (``m(K)`` of them)
    and shows that the false discovery rate stays at ``alpha``.

    References
    ----------
    .. [1] Tarone, R. E. (1990). A modified Bonferroni method for discrete data.
       *Biometrics* 46(2), 515-522.
    .. [2] Gilbert, P. B. (2005). A modified false discovery rate multiple-comparisons
       procedure for discrete data, applied to human immunodeficiency virus genetics.
       *JRSS C* 54(1), 143-158.

    Examples
    --------
    Seven cells of five delegates per group: 2/252 > 0.05/7, none can pass.

    >>> bool(tarone_screen(np.full(7, 2 / 252)).any()), bool(tarone_screen(np.full(6, 2 / 252)).all())
    (False, True)
    """
    p_min = np.asarray(p_min, dtype=float)
    keep = np.zeros(p_min.shape, dtype=bool)
    finite = np.isfinite(p_min)
    m = int(finite.sum())
    if m == 0:
        return keep
    ordered = np.sort(p_min[finite])
    for k in range(1, m + 1):
        kept = int(np.searchsorted(ordered, alpha / k, side="right"))
        if kept <= k:
            if kept:
                keep[finite] = p_min[finite] <= alpha / k
            return keep
    return keep


def group_comparison(
    votes: pd.DataFrame,
    by: Sequence[str] = (),
    min_cell: int = config.MIN_CELL,
    *,
    scale: tuple[int, int] = DEFAULT_SCALE,
    groups: Sequence = GROUPS,
    alpha: float = _ALPHA,
) -> pd.DataFrame:
    """The first group against the second (the seed's ``aps_odv`` against ``fondazioni_csv_altri``), cell by cell.

    U, p, Cliff's delta, and the Benjamini-Hochberg p over the cells whose test can
    reach significance (Tarone's screen).

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
    alpha : float, default 0.05
        The level of the tests: the screen keeps only cells that can pass it.

    Returns
    -------
    DataFrame
        One row per subset x cell: the ``by`` columns, ``field``, ``resource``,
        ``need``, ``n_<first group>``, ``n_<second group>`` (the seed's
        ``n_aps_odv`` and ``n_fondazioni_csv_altri``), ``u``, ``p``,
        ``p_bh``, ``cliffs_delta``, ``tested``, ``suppressed``.

    Notes
    -----
    * ``u`` is U1 of the first group's sample and ``p`` the two-sided p-value of
      ``scipy.stats.mannwhitneyu(first, second)`` with its
      defaults (``method="auto"``, continuity correction), computed from the
      histograms (:func:`mann_whitney_from_counts`).
    * ``tested``: the cell's smallest attainable p-value (:func:`min_attainable_p`)
      passes Tarone's screen (:func:`tarone_screen`) among the unsuppressed cells of its
      subset. With five delegates per group the smallest p is 0.0079, so among more than
      six cells none is tested: a test that cannot reject is not run.
    * ``p_bh``: Benjamini-Hochberg adjustment with
      ``scipy.stats.false_discovery_control`` over the tested cells of one subset
      (Gilbert 2005); NaN elsewhere.
    * ``cliffs_delta = 2 U1 / (n1 n2) - 1 = P(X > Y) - P(X < Y)``; positive when
      the first group scores higher.

    References
    ----------
    .. [1] Mann, H. B. & Whitney, D. R. (1947), *Ann Math Stat* 18(1), 50-60.
    .. [2] Benjamini, Y. & Hochberg, Y. (1995). Controlling the false discovery
       rate. *JRSS B* 57(1), 289-300.
    .. [3] Cliff, N. (1993). Dominance statistics: ordinal analyses to answer
       ordinal questions. *Psychol Bull* 114(3), 494-509.
    .. [4] Tarone, R. E. (1990), *Biometrics* 46(2), 515-522; Gilbert, P. B. (2005),
       *JRSS C* 54(1), 143-158.

    Examples
    --------
    >>> votes = pd.DataFrame({
    ...     "rater": list("abcdefgh"), "field": "Cultura", "resource": "Bandi", "need": "Spazi",
    ...     "score": [5, 7, 3, 9, 6, 1, 4, 2],
    ...     "group": ["aps_odv"] * 4 + ["fondazioni_csv_altri"] * 4})
    >>> group_comparison(votes, min_cell=3)[["n_aps_odv", "u", "p", "p_bh", "cliffs_delta", "tested"]]
       n_aps_odv     u    p  p_bh  cliffs_delta  tested
    0          4  13.0  0.2   0.2         0.625    True

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
    p_min = np.where(shown, min_attainable_p(n1, n2), np.nan)
    tested = np.zeros(p.shape, dtype=bool)
    p_bh = np.full(p.shape, np.nan)
    for s in range(p.shape[0]):
        keep = tarone_screen(p_min[s], alpha)
        tested[s] = keep
        if keep.any():
            p_bh[s, keep] = stats.false_discovery_control(p[s, keep], method="bh")
    table = expand(hist.keys, hist.cells)
    table[f"n_{first}"] = n1.ravel()
    table[f"n_{second}"] = n2.ravel()
    table["u"] = u.ravel()
    table["p"] = p.ravel()
    table["p_bh"] = p_bh.ravel()
    table["cliffs_delta"] = delta.ravel()
    table["tested"] = tested.ravel()
    table["suppressed"] = False
    suppress(table, np.minimum(n1, n2).ravel(), ["u", "p", "p_bh", "cliffs_delta"], min_cell)
    return table


# --- the groups' gap per resource, as a model ------------------------------------------------------


def _two_groups(votes: pd.DataFrame, scale, groups) -> tuple[pd.DataFrame, str, str]:
    """Validated votes of the process's two groups, and the two keys (first, second)."""
    scale = check_scale(scale)
    first, second = group_keys(groups)
    validate_votes(votes, (), scale=scale, groups=(first, second))
    return votes, first, second


def _resource_order(votes: pd.DataFrame) -> list:
    return sorted(pd.unique(votes["resource"]), key=str)


def resource_gaps(
    votes: pd.DataFrame, *, scale: tuple[int, int] = DEFAULT_SCALE, groups: Sequence = GROUPS, level: float = 0.95
) -> pd.DataFrame:
    """Each resource's gap between the groups (first minus second), from a mixed model fitted by REML.

    Parameters
    ----------
    votes : DataFrame
        One territory's votes (:mod:`.votes`), of the process's two groups.
    scale : tuple of (int, int), default (1, 10)
        The process's scale (the votes are checked against it; the gaps are in its points).
    groups : two group keys (or groups), default the seed's
        The first group is compared against the second.
    level : float, default 0.95
        Confidence level of the intervals.

    Returns
    -------
    DataFrame
        One row per resource (sorted), then one row ``resource = "all"`` for the overall
        shift: ``resource``, ``gap`` (in points of the scale), ``se``, ``ci_low``,
        ``ci_high``, ``interaction`` (the gap minus the overall shift; NaN on the
        ``all`` row), ``interaction_ci_low``, ``interaction_ci_high``, ``df``,
        ``n_<first>``, ``n_<second>`` (delegates of each group in the votes). NaN for a
        resource without a cell that both groups voted.

    Notes
    -----
    The model, for the vote of delegate ``i`` in cell ``c`` (field, resource ``r(c)``,
    need)::

        score = alpha_c + gap_r(c) [i in the first group] + u_i + e,   u_i ~ N(0, s_u^2), e ~ N(0, s^2)

    ``alpha_c`` are the cell's fixed effects (so delegates who vote different fields are
    compared cell by cell), ``gap_r`` the resource's gap and ``u_i`` the delegate's
    leniency, fitted by REML (:func:`~palestre_analysis.stats.mixed.fit_random_intercept`).
    The overall shift is the mean of the gaps over the resources, and each gap is that
    shift plus its interaction. The shift cannot be told apart from a difference in the
    two groups' average leniency (a group that uses the scale more generously shifts
    every resource alike); the interactions can.

    Intervals are model-based: ``estimate ± t se`` with the covariance of the fixed
    effects at the REML variances and Student's t on ``delegates - 2`` degrees of
    freedom, the between-delegate degrees of freedom of a contrast of two groups of
    delegates (the "between-within" rule of Schluchter & Elashoff 1990). A simulation
    test on the demo's generating model checks their coverage.

    References
    ----------
    .. [1] Harville, D. A. (1977), *JASA* 72(358), 320-338 (REML).
    .. [2] Pinheiro, J. C. & Bates, D. M. (2000). *Mixed-Effects Models in S and
       S-PLUS*. Springer, chapter 2.
    .. [3] Schluchter, M. D. & Elashoff, J. D. (1990). Small-sample adjustments to
       tests with unbalanced repeated measures assuming several covariance
       structures. *J Stat Comput Simul* 37(1-2), 69-87.

    Examples
    --------
    Four delegates per group, two resources; the first group is one point higher on
    ``Bandi`` only, whatever each delegate's leniency:

    >>> rows = [(f"{g}{i}", r, n, 5 + i % 2 + (1 if g == "a" and r == "Bandi" else 0), g)
    ...         for g in "ab" for i in range(4) for r in ("Bandi", "Quote") for n in ("N1", "N2")]
    >>> votes = pd.DataFrame(rows, columns=["rater", "resource", "need", "score", "group"]).assign(
    ...     field="F", group=lambda v: v["group"].map({"a": "aps_odv", "b": "fondazioni_csv_altri"}))
    >>> t = resource_gaps(votes)
    >>> t["resource"].tolist(), (t["gap"].round(3) + 0.0).tolist(), (t["interaction"].round(3) + 0.0).tolist()
    (['Bandi', 'Quote', 'all'], [1.0, 0.0, 0.5], [0.5, -0.5, nan])
    """
    votes, first, second = _two_groups(votes, scale, groups)
    resources = _resource_order(votes)
    columns = ["gap", "se", "ci_low", "ci_high", "interaction", "interaction_ci_low", "interaction_ci_high", "df"]
    out = pd.DataFrame(np.nan, index=range(len(resources) + 1), columns=columns)
    out.insert(0, "resource", [*resources, ALL_RESOURCES])
    is_first = votes["group"].astype(str).to_numpy() == first
    raters = votes["rater"].to_numpy()
    out[f"n_{first}"] = len(pd.unique(raters[is_first]))
    out[f"n_{second}"] = len(pd.unique(raters[~is_first]))
    cell, cells = _histograms.factorize_rows(votes, CELL_COLUMNS)
    resource_of_cell = pd.Categorical(cells["resource"], categories=resources).codes
    n_cells = len(cells)
    firsts = np.bincount(cell, weights=is_first, minlength=n_cells)
    seconds = np.bincount(cell, weights=~is_first, minlength=n_cells)
    both = (firsts > 0) & (seconds > 0)
    estimable = np.unique(resource_of_cell[both])
    if len(estimable) == 0:
        return out
    column_of = np.full(len(resources), -1)
    column_of[estimable] = np.arange(len(estimable))
    vote_resource = resource_of_cell[cell]
    gap_column = column_of[vote_resource]
    rows = np.arange(len(votes))
    has_gap = is_first & (gap_column >= 0)
    X = sparse.csr_matrix(
        (
            np.ones(len(votes) + int(has_gap.sum())),
            (np.concatenate([rows, rows[has_gap]]), np.concatenate([cell, n_cells + gap_column[has_gap]])),
        ),
        shape=(len(votes), n_cells + len(estimable)),
    )
    try:
        fit = fit_random_intercept(votes["score"].to_numpy(dtype=float), X, raters)
    except ValueError:
        return out
    k = len(estimable)
    gap = fit.coef[n_cells:]
    cov = fit.cov[n_cells:, n_cells:]
    mean = np.full(k, 1.0 / k)
    shift, shift_var = float(mean @ gap), float(mean @ cov @ mean)
    interaction = gap - shift
    interaction_var = np.diag(cov) - 2.0 * cov @ mean + shift_var
    df = max(fit.n_groups - 2, 1)
    t = stats.t.ppf(0.5 + level / 2.0, df)
    se = np.sqrt(np.maximum(np.diag(cov), 0.0))
    inter_se = np.sqrt(np.maximum(interaction_var, 0.0))
    out.loc[estimable, "gap"] = gap
    out.loc[estimable, "se"] = se
    out.loc[estimable, "ci_low"] = gap - t * se
    out.loc[estimable, "ci_high"] = gap + t * se
    if k > 1:
        out.loc[estimable, "interaction"] = interaction
        out.loc[estimable, "interaction_ci_low"] = interaction - t * inter_se
        out.loc[estimable, "interaction_ci_high"] = interaction + t * inter_se
    out.loc[estimable, "df"] = df
    last = len(resources)
    shift_se = np.sqrt(max(shift_var, 0.0))
    out.loc[last, ["gap", "se", "ci_low", "ci_high", "df"]] = [
        shift,
        shift_se,
        shift - t * shift_se,
        shift + t * shift_se,
        df,
    ]
    return out


def resource_deltas(
    votes: pd.DataFrame,
    *,
    scale: tuple[int, int] = DEFAULT_SCALE,
    groups: Sequence = GROUPS,
    n_boot: int = config.BEST_CROSSING_DRAWS,
    seed: int = config.SEED,
    level: float = 0.95,
) -> pd.DataFrame:
    """Cliff's delta per resource over pairs of votes of the same cell, with a delegate-bootstrap interval.

    Parameters
    ----------
    votes : DataFrame
        One territory's votes (:mod:`.votes`), of the process's two groups.
    scale : tuple of (int, int), default (1, 10)
    groups : two group keys (or groups), default the seed's
        The first group's votes are ``X``, the second's ``Y``.
    n_boot : int, default ``config.BEST_CROSSING_DRAWS``
        Bootstrap replicates; 0 for no interval.
    seed : int, default ``config.SEED``
    level : float, default 0.95

    Returns
    -------
    DataFrame
        One row per resource (sorted), then ``resource = "all"`` (every cell):
        ``resource``, ``cliffs_delta``, ``delta_ci_low``, ``delta_ci_high``, ``pairs``
        (the pairs of votes compared). NaN where no cell of the resource has votes of
        both groups.

    Notes
    -----
    ``delta_r = sum_c sum_(x, y) sign(x - y) / sum_c n1_c n2_c`` over the cells ``c`` of
    the resource, ``x`` a vote of the first group and ``y`` one of the second in the same
    cell: ``P(X > Y) - P(X < Y)`` for two votes of the same crossing, so that fields
    voted more by one group do not weigh in. The interval is the percentile interval of
    the delegate bootstrap stratified by group (:mod:`.resampling`): each replicate
    draws each group's delegates with replacement, with all their votes, and the
    weighted histograms of every cell give every resource's delta at once.

    References
    ----------
    .. [1] Cliff, N. (1993), *Psychol Bull* 114(3), 494-509.
    .. [2] Davison, A. C. & Hinkley, D. V. (1997). *Bootstrap Methods and their
       Application*. Cambridge University Press, sections 3.2 and 3.8.

    Examples
    --------
    >>> votes = pd.DataFrame({"rater": list("abcd"), "field": "F", "resource": "Bandi", "need": "N",
    ...                       "score": [8, 6, 5, 6], "group": ["aps_odv"] * 2 + ["fondazioni_csv_altri"] * 2})
    >>> resource_deltas(votes, n_boot=0)[["resource", "cliffs_delta", "pairs"]]
      resource  cliffs_delta  pairs
    0    Bandi          0.75    4.0
    1      all          0.75    4.0

    ``sign(8-5) + sign(8-6) + sign(6-5) + sign(6-6) = 3`` over 4 pairs.
    """
    votes, first, second = _two_groups(votes, scale, groups)
    scale = check_scale(scale)
    resources = _resource_order(votes)
    width = n_values(scale)
    column, cells = _histograms.factorize_rows(votes, CELL_COLUMNS)
    rater, raters = pd.factorize(votes["rater"])
    n_cells, n_raters = len(cells), len(raters)
    if np.bincount(rater.astype(np.int64) * n_cells + column, minlength=n_raters * n_cells).max(initial=0) > 1:
        raise ValueError("A delegate voted the same cell more than once: Cliff's delta needs one vote each.")
    resource_of_cell = pd.Categorical(cells["resource"], categories=resources).codes
    first_vote = votes["group"].astype(str).to_numpy() == first
    is_first = np.zeros(n_raters, dtype=bool)
    is_first[rater[first_vote]] = True
    if is_first[rater[~first_vote]].any():
        raise ValueError("A delegate belongs to both groups: each must have one.")
    strata = is_first.astype(np.int64)
    score = votes["score"].to_numpy(dtype=np.int64) - scale[0]
    # one row per delegate, one column per cell and score: the weighted histograms of a
    # replicate are one matrix product (float32 holds every count exactly)
    onehot = np.zeros((n_raters, n_cells * width), dtype=np.float32)
    onehot[rater, column * width + score] = 1.0
    first_hot, second_hot = onehot[is_first], onehot[~is_first]
    # cells -> resources (and every cell for "all"), to add up numerators and pairs
    summing = np.zeros((n_cells, len(resources) + 1))
    summing[np.arange(n_cells), resource_of_cell] = 1.0
    summing[:, -1] = 1.0

    def deltas(h1: np.ndarray, h2: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Numerator and pairs per resource (and all), from histograms of shape (b, C, V)."""
        cum2 = np.cumsum(h2, axis=-1, dtype=np.float64)
        n2 = cum2[..., -1]
        numerator = np.einsum("bcv,bcv->bc", h1, 2.0 * cum2 - h2 - n2[..., None])  # below minus above
        pairs = h1.sum(axis=-1, dtype=np.float64) * n2
        return numerator @ summing, pairs @ summing

    h1 = first_hot.sum(axis=0, dtype=np.float64).reshape(1, n_cells, width)
    h2 = second_hot.sum(axis=0, dtype=np.float64).reshape(1, n_cells, width)
    numerator, pairs = deltas(h1, h2)
    with np.errstate(invalid="ignore", divide="ignore"):
        point = np.where(pairs[0] > 0, numerator[0] / pairs[0], np.nan)
    out = pd.DataFrame({"resource": [*resources, ALL_RESOURCES], "cliffs_delta": point})
    out["delta_ci_low"] = np.nan
    out["delta_ci_high"] = np.nan
    out["pairs"] = pairs[0]
    if n_boot and np.isfinite(point).any():
        draws = []
        for weights in weight_chunks(strata, n_boot, seed):
            b = len(weights)
            w1 = weights[:, is_first].astype(np.float32)
            w2 = weights[:, ~is_first].astype(np.float32)
            h1 = (w1 @ first_hot).reshape(b, n_cells, width)
            h2 = (w2 @ second_hot).reshape(b, n_cells, width)
            num, den = deltas(h1, h2)
            with np.errstate(invalid="ignore", divide="ignore"):
                draws.append(np.where(den > 0, num / den, np.nan))
        draws = np.vstack(draws)
        tail = 100.0 * (1.0 - level) / 2.0
        with np.errstate(invalid="ignore"), warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # a resource with no pair in any replicate
            low, high = np.nanpercentile(draws, [tail, 100.0 - tail], axis=0)
        finite = np.isfinite(point)
        out.loc[finite, "delta_ci_low"] = low[finite]
        out.loc[finite, "delta_ci_high"] = high[finite]
    return out


def group_gaps(
    votes: pd.DataFrame,
    min_cell: int = config.MIN_CELL,
    *,
    scale: tuple[int, int] = DEFAULT_SCALE,
    groups: Sequence = GROUPS,
    n_boot: int = config.BEST_CROSSING_DRAWS,
    seed: int = config.SEED,
    level: float = 0.95,
) -> pd.DataFrame:
    """The groups compared per resource: the model's gap and interaction, Cliff's delta, each with its interval.

    Parameters
    ----------
    votes : DataFrame
        One territory's votes (:mod:`.votes`).
    min_cell : int, default ``config.MIN_CELL``
        Every statistic is blank (``suppressed``) unless each group has at least this
        many delegates.
    scale : tuple of (int, int), default (1, 10)
    groups : two group keys (or groups), default the seed's
    n_boot : int, default ``config.BEST_CROSSING_DRAWS``
        Replicates of the delegate bootstrap behind Cliff's delta's interval.
    seed : int, default ``config.SEED``
    level : float, default 0.95

    Returns
    -------
    DataFrame
        :func:`resource_gaps` and :func:`resource_deltas` side by side: ``resource``,
        ``gap``, ``se``, ``ci_low``, ``ci_high``, ``interaction``,
        ``interaction_ci_low``, ``interaction_ci_high``, ``df``, ``cliffs_delta``,
        ``delta_ci_low``, ``delta_ci_high``, ``n_<first>``, ``n_<second>``,
        ``suppressed``.

    References
    ----------
    .. [1] Harville, D. A. (1977), *JASA* 72(358), 320-338.
    .. [2] Cliff, N. (1993), *Psychol Bull* 114(3), 494-509.

    Examples
    --------
    >>> votes = pd.DataFrame({"rater": list("abcd"), "field": "F", "resource": "Bandi", "need": "N",
    ...                       "score": [8, 6, 5, 6], "group": ["aps_odv"] * 2 + ["fondazioni_csv_altri"] * 2})
    >>> group_gaps(votes, min_cell=3, n_boot=0)[["resource", "n_aps_odv", "gap", "suppressed"]]
      resource  n_aps_odv  gap  suppressed
    0    Bandi          2  NaN        True
    1      all          2  NaN        True
    """
    min_cell = check_min_cell(min_cell)
    first, second = group_keys(groups)
    gaps = resource_gaps(votes, scale=scale, groups=groups, level=level)
    deltas = resource_deltas(votes, scale=scale, groups=groups, n_boot=n_boot, seed=seed, level=level)
    counts = [f"n_{first}", f"n_{second}"]
    table = gaps.drop(columns=counts).merge(
        deltas.drop(columns="pairs"), on="resource", how="left", validate="one_to_one"
    )
    table = table[["resource", *GAP_COLUMNS]].copy()
    for column in counts:
        table[column] = gaps[column].to_numpy()
    table["suppressed"] = False
    suppress(table, np.minimum(*(gaps[c].to_numpy() for c in counts)), list(GAP_COLUMNS), min_cell)
    return table


def pool_gaps(own: pd.DataFrame, others: Sequence[pd.DataFrame], level: float = 0.95) -> pd.DataFrame:
    """A province's gaps shrunk towards those of the other provinces (Fay-Herriot empirical Bayes).

    Parameters
    ----------
    own : DataFrame
        :func:`group_gaps` of the province (``resource``, ``gap``, ``se``).
    others : sequence of DataFrame
        :func:`group_gaps` of the other places of the same region (its other provinces
        and bodies) whose gaps are shown; suppressed rows are left out.
    level : float, default 0.95

    Returns
    -------
    DataFrame
        ``own`` with ``pooled_gap``, ``pooled_ci_low``, ``pooled_ci_high`` and
        ``own_weight`` (the weight of the province's own estimate, from 0 to 1). NaN where
        the province's gap is not shown, or no other place shows that resource's.

    Notes
    -----
    The province's gap of resource ``r`` is a noisy direct estimate ``y_pr`` with a
    known variance ``se_pr^2``; the places' true gaps are taken as draws around a common
    gap ``mu_r`` with a variance ``tau^2`` shared by the resources. The estimate is
    ``mu_r + w_pr (y_pr - mu_r)`` with ``w_pr = tau^2 / (tau^2 + se_pr^2)``
    (:func:`~palestre_analysis.stats.mixed.fay_herriot`): a province with few delegates,
    or places that differ little, lean on the common gap; a province with many
    delegates, or places that differ much, keep their own. The interval is
    ``estimate ± z sqrt(mse)`` with Prasad and Rao's mean squared error, which counts
    the uncertainty of ``mu_r`` and of ``tau^2``. The overall shift (``all`` row) is
    pooled the same way, on its own.

    Why not the per-cell tests: with five delegates per group a cell's test cannot
    reach significance among more than six cells (:func:`tarone_screen`); pooling
    borrows strength across provinces instead of testing what cannot be found.

    References
    ----------
    .. [1] Fay, R. E. & Herriot, R. A. (1979), *JASA* 74(366), 269-277.
    .. [2] Prasad, N. G. N. & Rao, J. N. K. (1990), *JASA* 85(409), 163-171.
    .. [3] Rao, J. N. K. & Molina, I. (2015). *Small Area Estimation*, 2nd ed. Wiley,
       chapter 6.
    .. [4] Efron, B. & Morris, C. (1975). Data analysis using Stein's estimator and its
       generalizations. *JASA* 70(350), 311-319.

    Examples
    --------
    >>> own = pd.DataFrame({"resource": ["Bandi", "all"], "gap": [2.0, 1.0], "se": [1.0, 0.5]})
    >>> others = [pd.DataFrame({"resource": ["Bandi", "all"], "gap": [g, g / 2], "se": [0.5, 0.25]})
    ...           for g in (0.1, -0.1, 0.0)]
    >>> pool_gaps(own, others)[["resource", "pooled_gap", "own_weight"]].round(2)
      resource  pooled_gap  own_weight
    0    Bandi        0.33        0.08
    1      all        0.16        0.08

    The province's 2.0, far from the others' gaps near 0 but with a large standard
    error, keeps a weight of 8%.
    """
    table = own.reset_index(drop=True).copy()
    for column in ("pooled_gap", "pooled_ci_low", "pooled_ci_high", "own_weight"):
        table[column] = np.nan
    shown = [o for o in others if len(o)]
    frames = [table.assign(_place=0)] + [o.assign(_place=i + 1) for i, o in enumerate(shown)]
    stacked = pd.concat([f[["resource", "gap", "se", "_place"]] for f in frames], ignore_index=True)
    stacked = stacked[np.isfinite(stacked["gap"].astype(float)) & np.isfinite(stacked["se"].astype(float))]
    z = stats.norm.ppf(0.5 + level / 2.0)
    for part in (stacked[stacked["resource"] != ALL_RESOURCES], stacked[stacked["resource"] == ALL_RESOURCES]):
        if part.empty:
            continue
        pooled = fay_herriot(part["gap"].to_numpy(float), part["se"].to_numpy(float) ** 2, part["resource"].to_numpy())
        pooled.index = part.index
        mine = part["_place"].to_numpy() == 0
        for index, row in pooled[mine].iterrows():
            if not np.isfinite(row["estimate"]):
                continue
            at = table.index[table["resource"] == part.loc[index, "resource"]]
            half = z * np.sqrt(row["mse"])
            table.loc[at, ["pooled_gap", "pooled_ci_low", "pooled_ci_high", "own_weight"]] = [
                row["estimate"],
                row["estimate"] - half,
                row["estimate"] + half,
                row["weight"],
            ]
    return table
