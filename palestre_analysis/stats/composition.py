"""Composition of the network by category, against reference shares.

Shares come with Wilson score intervals (``scipy.stats.binomtest``); the
comparison with the reference shares is a Monte Carlo multinomial goodness-of-fit
test, valid however small the expected counts (a bare chi-square is not).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd
from scipy import stats

from palestre_analysis import config
from palestre_analysis.core.vocabulary import CATEGORIES

from ._histograms import expand, factorize_rows
from .disclosure import any_hidden_per_subset, blank_small_counts, check_min_cell, protect_complement, suppress

__all__ = ["composition", "composition_test"]


def composition(
    entities: pd.DataFrame,
    reference_shares: Mapping[str, float] | None = config.REFERENCE_SHARES,
    by: Sequence[str] = (),
    min_cell: int = config.MIN_CELL,
    confidence: float = 0.95,
) -> pd.DataFrame:
    """Count, share and Wilson interval of each category, beside its reference share.

    Parameters
    ----------
    entities : DataFrame
        One row per entity (one delegate each): ``category`` and the ``by``
        columns; ``entity_id`` when present (an entity is counted once).
    reference_shares : mapping or None, default ``config.REFERENCE_SHARES``
        Category -> expected share; positive, adding up to 1. Every category
        of the mapping appears in the result, with ``n = 0`` when absent.
        ``None`` when the process has no reference: the categories of
        :data:`~palestre_analysis.core.vocabulary.CATEGORIES` (and any other
        found) are listed, and ``reference_share`` is empty.
    by : sequence of str, default ()
        Columns that split the entities into subsets (e.g. ``("territory",)``).
    min_cell : int, default ``config.MIN_CELL``
    confidence : float, default 0.95

    Returns
    -------
    DataFrame
        The ``by`` columns, ``category``, ``n``, ``n_total``, ``share`` (a
        fraction), ``ci_low``, ``ci_high``, ``reference_share``, ``suppressed``.

    Notes
    -----
    Wilson score interval for ``k`` of ``n``:
    ``(p + z^2/2n -+ z sqrt(p(1-p)/n + z^2/4n^2)) / (1 + z^2/n)``, from
    ``scipy.stats.binomtest(k, n).proportion_ci(method="wilson")``.

    Disclosure: a count from 1 to ``min_cell - 1`` is blanked with its share
    and interval. Since the total is published, the blanked categories could
    be recovered by subtraction, so further categories are blanked, smallest
    first, until the blanked ones hold at least ``min_cell`` entities together
    (:func:`.disclosure.protect_complement`). A subset with fewer than
    ``min_cell`` entities in all is blanked entirely.

    References
    ----------
    .. [1] Wilson, E. B. (1927). Probable inference, the law of succession, and
       statistical inference. *JASA* 22(158), 209-212.
    .. [2] Newcombe, R. G. (1998). Two-sided confidence intervals for the single
       proportion: comparison of seven methods. *Stat Med* 17(8), 857-872.

    Examples
    --------
    >>> entities = pd.DataFrame({"entity_id": [f"e{i}" for i in range(20)],
    ...                          "category": ["associazioni"] * 17 + ["csv"] * 3})
    >>> t = composition(entities, {"associazioni": 0.9, "csv": 0.1}, min_cell=3)
    >>> t[["category", "n", "share", "ci_low", "ci_high", "suppressed"]].round(5)
           category   n  share   ci_low  ci_high  suppressed
    0  associazioni  17   0.85  0.63958  0.94763       False
    1           csv   3   0.15  0.05237  0.36042       False

    With 18 and 2, the 2 is below ``min_cell`` and 18 would reveal it from the
    total of 20, so both are blanked:

    >>> t = composition(entities.assign(category=["associazioni"] * 18 + ["csv"] * 2),
    ...                 {"associazioni": 0.9, "csv": 0.1}, min_cell=3)
    >>> t[["category", "n", "n_total", "share", "suppressed"]]
           category   n  n_total  share  suppressed
    0  associazioni NaN       20    NaN        True
    1           csv NaN       20    NaN        True
    """
    min_cell = check_min_cell(min_cell)
    shares = _check_reference(reference_shares) if reference_shares is not None else _no_reference(entities)
    counts, keys = _category_counts(entities, shares, by)
    categories = list(shares)
    table = expand(keys, pd.DataFrame({"category": categories}))
    n = counts.ravel()
    totals = np.repeat(counts.sum(axis=1), len(categories))
    low, high = np.empty(len(n)), np.empty(len(n))
    for i, (k, total) in enumerate(zip(n, totals)):
        ci = stats.binomtest(int(k), int(total)).proportion_ci(confidence_level=confidence, method="wilson")
        low[i], high[i] = ci.low, ci.high
    table["n"] = n
    table["n_total"] = totals
    table["share"] = n / totals
    table["ci_low"] = low
    table["ci_high"] = high
    table["reference_share"] = np.tile([shares[c] for c in categories], len(keys))
    table["suppressed"] = False
    stat_columns = ["n", "share", "ci_low", "ci_high"]
    small = (n > 0) & (n < min_cell)
    suppress(table, np.where(small, 0, min_cell), stat_columns, min_cell)
    protect_complement(table, np.repeat(np.arange(len(keys)), len(categories)), n, stat_columns, min_cell)
    suppress(table, totals, [*stat_columns, "n_total"], min_cell)
    return table


def composition_test(
    entities: pd.DataFrame,
    reference_shares: Mapping[str, float] = config.REFERENCE_SHARES,
    by: Sequence[str] = (),
    n_resamples: int = 9999,
    seed: int = config.SEED,
    min_cell: int = config.MIN_CELL,
) -> pd.DataFrame:
    """Goodness of fit of the composition to the reference shares, valid for small counts.

    Parameters
    ----------
    entities : DataFrame
        As in :func:`composition`.
    reference_shares : mapping, default ``config.REFERENCE_SHARES``
    by : sequence of str, default ()
    n_resamples : int, default 9999
        Multinomial samples drawn under the null hypothesis.
    seed : int, default ``config.SEED``
    min_cell : int, default ``config.MIN_CELL``
        Subsets with fewer entities are blanked.

    Returns
    -------
    DataFrame
        The ``by`` columns, ``n`` (entities), ``statistic`` (Pearson's X^2),
        ``p_value``, ``method``, ``suppressed``.

    Notes
    -----
    ``X^2 = sum_c (O_c - E_c)^2 / E_c`` with ``E_c = n pi_c``. Its null
    distribution is simulated by drawing multinomial ``(n, pi)`` counts
    (``scipy.stats.monte_carlo_test``, ``alternative="greater"``), so the
    p-value, ``(1 + #{X^2_b >= X^2}) / (1 + B)``, needs no large-sample
    approximation: expected counts of 1 or 2 are common in a province.

    Disclosure: the test is blanked wherever :func:`composition` blanks a
    category, since the exact statistic would let a reader search back the
    hidden counts.

    References
    ----------
    .. [1] Hope, A. C. A. (1968). A simplified Monte Carlo significance test
       procedure. *JRSS B* 30(3), 582-598.
    .. [2] Agresti, A. (2013). *Categorical Data Analysis*, 3rd ed., section 1.5.

    Examples
    --------
    >>> entities = pd.DataFrame({"category": ["associazioni"] * 60 + ["csv"] * 40})
    >>> t = composition_test(entities, {"associazioni": 0.5, "csv": 0.5}, n_resamples=999)
    >>> float(t["statistic"].iloc[0]), bool(t["p_value"].iloc[0] < 0.1)
    (4.0, True)
    """
    min_cell = check_min_cell(min_cell)
    shares = _check_reference(reference_shares)
    if isinstance(n_resamples, bool) or int(n_resamples) != n_resamples or n_resamples < 1:
        raise ValueError(f"n_resamples must be a positive whole number, got {n_resamples!r}.")
    counts, keys = _category_counts(entities, shares, by)
    pi = np.array(list(shares.values()))
    rng = np.random.default_rng(seed)
    statistic, p_value = np.full(len(keys), np.nan), np.full(len(keys), np.nan)

    def pearson(x: np.ndarray, axis: int = -1) -> np.ndarray:
        expected = x.sum(axis=axis, keepdims=True) * pi
        return ((x - expected) ** 2 / expected).sum(axis=axis)

    for s, observed in enumerate(counts):
        total = int(observed.sum())
        result = stats.monte_carlo_test(
            observed,
            lambda size, total=total: rng.multinomial(total, pi, size=size[0]),
            pearson,
            vectorized=True,
            n_resamples=int(n_resamples),
            alternative="greater",
        )
        statistic[s], p_value[s] = result.statistic, result.pvalue
    table = keys.reset_index(drop=True).copy()
    table["n"] = counts.sum(axis=1)
    table["statistic"] = statistic
    table["p_value"] = p_value
    table["method"] = f"Monte Carlo multinomial test of Pearson's X2, {int(n_resamples)} resamples"
    table["suppressed"] = False
    suppress(table, "n", ["statistic", "p_value"], min_cell)
    detail = composition(entities, shares, by, min_cell=min_cell)
    hidden = any_hidden_per_subset(table, detail, by)
    suppress(table, np.where(hidden, 0, min_cell), ["statistic", "p_value"], min_cell)
    return blank_small_counts(table, ["n"], min_cell)


def _no_reference(entities: pd.DataFrame) -> dict[str, float]:
    """Every category, with no reference share: those of the vocabulary, then any other found."""
    found = set(entities["category"].dropna().astype(str)) if "category" in entities.columns else set()
    return dict.fromkeys([*CATEGORIES, *sorted(found - set(CATEGORIES))], float("nan"))


def _check_reference(reference_shares: Mapping[str, float]) -> dict[str, float]:
    if not isinstance(reference_shares, Mapping) or not reference_shares:
        raise ValueError("reference_shares must be a non-empty mapping of category -> share.")
    shares = {str(k): float(v) for k, v in reference_shares.items()}
    bad = [k for k, v in shares.items() if not np.isfinite(v) or v <= 0]
    if bad:
        raise ValueError(f"reference_shares must be positive; check {bad}.")
    total = sum(shares.values())
    if abs(total - 1.0) > 1e-6:
        raise ValueError(f"reference_shares must add up to 1, they add up to {total:.6g}.")
    return shares


def _category_counts(
    entities: pd.DataFrame, shares: dict[str, float], by: Sequence[str]
) -> tuple[np.ndarray, pd.DataFrame]:
    """Counts (subsets x categories, in ``shares`` order) and the subset labels."""
    by = list(by)
    missing = [c for c in ["category", *by] if c not in entities.columns]
    if missing:
        raise ValueError(f"entities lacks the column(s) {missing}; it has {list(map(str, entities.columns))}.")
    frame = entities.drop_duplicates("entity_id") if "entity_id" in entities.columns else entities
    if len(frame) == 0:
        raise ValueError("entities is empty: there is no composition to describe.")
    for column in ["category", *by]:
        if frame[column].isna().any():
            raise ValueError(f"entities: column {column!r} has {int(frame[column].isna().sum())} missing values.")
    unknown = sorted(set(frame["category"].astype(str)) - set(shares))
    if unknown:
        raise ValueError(f"entities has categories {unknown} that reference_shares does not list ({sorted(shares)}).")
    subset, keys = factorize_rows(frame, by)
    code = pd.Categorical(frame["category"].astype(str), categories=list(shares)).codes
    k = len(shares)
    counts = np.bincount(subset * k + code, minlength=len(keys) * k).reshape(len(keys), k)
    return counts, keys
