"""Composition of the network by category, against reference shares or the network that contains it.

Shares come with Wilson score intervals (``scipy.stats.binomtest``). Three comparisons,
for three kinds of reference:

- an **external frame** (the RUNTS, a census: a population the network could be drawn
  from): :func:`composition_test`, a Monte Carlo multinomial goodness-of-fit test,
  valid however small the expected counts (a bare chi-square is not);
- the **network that contains a territory** (a province within its region): its
  entities are part of the population, so :func:`subset_composition_test` conditions on
  it, with the exact null of a random subset (multivariate hypergeometric);
- the network's **own published composition**: testing the data against a summary of
  themselves is circular, so :func:`composition_consistency` only checks that the data
  give back the published shares, up to their rounding.
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

__all__ = ["composition", "composition_test", "subset_composition_test", "composition_consistency"]


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
        Category -> expected share; non-negative, adding up to 1. Every category
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
    Categories with a reference share of 0 are left out of ``X^2``; an entity in
    one of them is impossible under the null hypothesis (``X^2 = inf`` and the
    smallest p-value, ``1 / (1 + B)``).

    Use it against an external frame (a census, the RUNTS: a population the
    network could be drawn from). Against the network's own published shares it
    would compare the data with themselves (:func:`composition_consistency`);
    against the network a territory belongs to it ignores that the territory is
    part of it (:func:`subset_composition_test`).

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
    _check_resamples(n_resamples)
    counts, keys = _category_counts(entities, shares, by)
    pi = np.array(list(shares.values()))
    possible = pi > 0
    pi = pi[possible]
    rng = np.random.default_rng(seed)
    statistic, p_value = np.full(len(keys), np.nan), np.full(len(keys), np.nan)

    def pearson(x: np.ndarray, axis: int = -1) -> np.ndarray:
        expected = x.sum(axis=axis, keepdims=True) * pi
        return ((x - expected) ** 2 / expected).sum(axis=axis)

    for s, observed in enumerate(counts):
        if observed[~possible].any():  # entities of a category the reference says has none: impossible under H0
            statistic[s], p_value[s] = np.inf, 1 / (int(n_resamples) + 1)
            continue
        observed = observed[possible]
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


def subset_composition_test(
    entities: pd.DataFrame,
    population: pd.DataFrame,
    by: Sequence[str] = (),
    n_resamples: int = 9999,
    seed: int = config.SEED,
    min_cell: int = config.MIN_CELL,
) -> pd.DataFrame:
    """Whether a part of a network has the composition of the whole: the exact conditional test, by Monte Carlo.

    Parameters
    ----------
    entities : DataFrame
        The part (a territory's entities): ``category``, the ``by`` columns and
        ``entity_id``; every entity must be one of ``population``.
    population : DataFrame
        The whole the part belongs to (the network of its region, or of the area):
        ``entity_id`` and ``category``.
    by : sequence of str, default ()
        Columns of ``entities`` that split it into parts, each tested against the whole.
    n_resamples : int, default 9999
        Random subsets drawn under the null hypothesis.
    seed : int, default ``config.SEED``
    min_cell : int, default ``config.MIN_CELL``
        Parts with fewer entities are blanked.

    Returns
    -------
    DataFrame
        The ``by`` columns, ``n`` (entities of the part), ``n_population``,
        ``statistic`` (Pearson's X^2 of the part's counts against ``n`` times the
        whole's shares), ``p_value``, ``method``, ``suppressed``.

    Notes
    -----
    Null hypothesis: the part's ``n`` entities are a random subset of the
    whole's ``N`` (category has nothing to do with being in the part). The counts
    ``O_c`` are then multivariate hypergeometric with the whole's counts ``N_c``;
    ``X^2 = sum_c (O_c - E_c)^2 / E_c`` with ``E_c = n N_c / N`` is referred to
    ``n_resamples`` draws of that distribution
    (``numpy.random.Generator.multivariate_hypergeometric``, through
    ``scipy.stats.monte_carlo_test``), p = ``(1 + #{X^2_b >= X^2}) / (1 + B)``.

    This is the exact conditional test of the 2 x K table *part* against *rest of
    the whole*, both margins fixed (Freeman & Halton 1951; Agresti 2013, 3.5): that
    table's X^2 is this one times ``N / (N - n)``, so it orders the tables alike.
    It needs no large-sample approximation, and with a whole of thousands of entities
    it is not the multinomial test either: the part is drawn without replacement. A
    part that is the whole (``n = N``) has nothing to be compared with: blank
    p-value. Categories absent from the whole are left out.

    Disclosure: blanked wherever :func:`composition` blanks a category of the part
    or of the whole (the exact statistic would let a reader search back the hidden
    counts), and for parts of fewer than ``min_cell`` entities.

    References
    ----------
    .. [1] Freeman, G. H. & Halton, J. H. (1951). Note on an exact treatment of
       contingency, goodness of fit and other problems of significance.
       *Biometrika* 38(1/2), 141-149.
    .. [2] Agresti, A. (2013). *Categorical Data Analysis*, 3rd ed., section 3.5.
    .. [3] Hope, A. C. A. (1968). A simplified Monte Carlo significance test
       procedure. *JRSS B* 30(3), 582-598.

    Examples
    --------
    >>> whole = pd.DataFrame({"entity_id": [f"e{i}" for i in range(100)],
    ...                       "category": ["associazioni"] * 50 + ["csv"] * 50})
    >>> part = whole.iloc[:30]  # 30 associations out of 50: far from half and half
    >>> t = subset_composition_test(part, whole, n_resamples=999)
    >>> int(t["n"].iloc[0]), int(t["n_population"].iloc[0]), float(t["statistic"].iloc[0])
    (30, 100, 30.0)
    >>> bool(t["p_value"].iloc[0] < 0.01)
    True
    """
    min_cell = check_min_cell(min_cell)
    n_resamples = _check_resamples(n_resamples)
    whole = _entity_rows(population, "population")
    found = set(whole["category"].astype(str))
    order = dict.fromkeys([*(c for c in CATEGORIES if c in found), *sorted(found - set(CATEGORIES))], float("nan"))
    pop_counts, _ = _category_counts(whole, order, ())
    part = _entity_rows(entities, "entities")
    if "entity_id" in part.columns:
        outside = ~part["entity_id"].isin(set(whole["entity_id"]))
        if outside.any():
            raise ValueError(
                f"entities has {int(outside.sum())} entities that are not in population "
                f"(the first is {part.loc[outside, 'entity_id'].iloc[0]!r}): a part must belong to its whole."
            )
    counts, keys = _category_counts(part, order, by)
    total_counts = pop_counts[0]
    big_n = int(total_counts.sum())
    rng = np.random.default_rng(seed)
    statistic, p_value = np.full(len(keys), np.nan), np.full(len(keys), np.nan)
    for s, observed in enumerate(counts):
        statistic[s], p_value[s] = _conditional_test(observed, total_counts, n_resamples, rng)
    table = keys.reset_index(drop=True).copy()
    table["n"] = counts.sum(axis=1)
    table["n_population"] = big_n
    table["statistic"] = statistic
    table["p_value"] = p_value
    table["method"] = (
        "Monte Carlo conditional test of Pearson's X2 (random subsets of the population, multivariate "
        f"hypergeometric), {n_resamples} resamples"
    )
    table["suppressed"] = False
    suppress(table, "n", ["statistic", "p_value"], min_cell)
    hidden = any_hidden_per_subset(table, composition(part, None, by, min_cell=min_cell), by)
    whole_hidden = composition(whole, None, min_cell=min_cell)["suppressed"].any()
    suppress(table, np.where(hidden | whole_hidden, 0, min_cell), ["statistic", "p_value"], min_cell)
    return blank_small_counts(table, ["n"], min_cell)


def _conditional_test(
    observed: np.ndarray, whole: np.ndarray, n_resamples: int, rng: np.random.Generator
) -> tuple[float, float]:
    """Pearson's X^2 of a part's counts against its whole's shares, and its Monte Carlo conditional p-value.

    Before any disclosure rule (the simulation tests read it). The p-value is NaN when the part is the whole.
    """
    keep = whole > 0
    observed, whole = np.asarray(observed)[keep], np.asarray(whole)[keep]
    shares = whole / whole.sum()

    def pearson(x: np.ndarray, axis: int = -1) -> np.ndarray:
        expected = x.sum(axis=axis, keepdims=True) * shares
        return ((x - expected) ** 2 / expected).sum(axis=axis)

    total = int(observed.sum())
    statistic = float(pearson(observed.astype(float)))
    if total >= whole.sum():
        return statistic, float("nan")
    result = stats.monte_carlo_test(
        observed,
        lambda size: rng.multivariate_hypergeometric(whole, total, size=size[0]),
        pearson,
        vectorized=True,
        n_resamples=n_resamples,
        alternative="greater",
    )
    return statistic, float(result.pvalue)


def composition_consistency(
    entities: pd.DataFrame,
    published_shares: Mapping[str, float],
    by: Sequence[str] = (),
    unit: float | None = None,
    min_cell: int = config.MIN_CELL,
) -> pd.DataFrame:
    """Whether the data give back the network's own published shares, up to their rounding (a check, not a test).

    Parameters
    ----------
    entities : DataFrame
        As in :func:`composition`.
    published_shares : mapping
        Category -> share, as the network published its own composition
        (the seed's document: 60%, 12%, 11%, 6%, 11%). Zero shares are allowed.
    by : sequence of str, default ()
    unit : float, optional
        The precision of the publication: one unit of its last digit (0.01 for whole
        percentages). By default, the coarsest of 0.01, 0.001, ... that writes every
        published share exactly.
    min_cell : int, default ``config.MIN_CELL``

    Returns
    -------
    DataFrame
        The ``by`` columns, ``n``, ``category`` (the category whose share is furthest
        from the published one), ``share`` and ``published_share`` (of that
        category), ``max_gap`` (their absolute difference, a fraction),
        ``tolerance`` (``unit``), ``consistent`` (``max_gap <= tolerance``),
        ``suppressed``.

    Notes
    -----
    Shares that the network published about itself are a summary of the same
    entities: a test of the data against them would ask whether the network could
    be a random sample of itself. What can be checked is that the data and the
    publication describe the same network: every share, computed from the data,
    must round to the published one. Each published share is within half a unit
    of the true one; one unit also covers a share published as the rest of the
    others (the seed's 11% of "altri"), whose rounding errors add up. A gap larger
    than that means that the data and the publication do not count the same
    entities.

    Disclosure: blanked wherever :func:`composition` blanks a category (the gap
    of a hidden category, with its published share, would give its count back).

    References
    ----------
    .. [1] Eurostat (2017). *European Statistics Code of Practice*, revised edition,
       principle 14 (coherence and comparability: statistics from different
       sources on the same population should agree).

    Examples
    --------
    >>> entities = pd.DataFrame({"category": ["associazioni"] * 57 + ["fondazioni_comunita"] * 11
    ...                          + ["csv"] * 10 + ["cooperazione_pa"] * 6 + ["altri"] * 11})
    >>> seed = {"associazioni": 0.60, "fondazioni_comunita": 0.12, "csv": 0.11, "cooperazione_pa": 0.06,
    ...         "altri": 0.11}
    >>> t = composition_consistency(entities, seed).iloc[0]
    >>> t["category"], round(float(t["max_gap"]), 4), float(t["tolerance"]), bool(t["consistent"])
    ('altri', 0.0058, 0.01, True)
    """
    min_cell = check_min_cell(min_cell)
    published = _check_published(published_shares)
    unit = _publication_unit(published.values()) if unit is None else float(unit)
    if not np.isfinite(unit) or unit <= 0:
        raise ValueError(f"unit must be a positive number, got {unit!r}.")
    counts, keys = _category_counts(entities, published, by)
    totals = counts.sum(axis=1)
    share = counts / totals[:, None]
    pi = np.array(list(published.values()))
    gap = np.abs(share - pi)
    worst = gap.argmax(axis=1)
    rows = np.arange(len(keys))
    table = keys.reset_index(drop=True).copy()
    table["n"] = totals
    table["category"] = np.array(list(published), dtype=object)[worst]
    table["share"] = share[rows, worst]
    table["published_share"] = pi[worst]
    table["max_gap"] = gap[rows, worst]
    table["tolerance"] = unit
    table["consistent"] = gap[rows, worst] <= unit + 1e-12
    table["suppressed"] = False
    checked = ["category", "share", "published_share", "max_gap", "consistent"]
    table["consistent"] = table["consistent"].astype(object)
    suppress(table, "n", checked, min_cell)
    hidden = any_hidden_per_subset(table, composition(entities, None, by, min_cell=min_cell), by)
    suppress(table, np.where(hidden, 0, min_cell), checked, min_cell)
    return blank_small_counts(table, ["n"], min_cell)


def _check_resamples(n_resamples) -> int:
    if isinstance(n_resamples, bool) or int(n_resamples) != n_resamples or n_resamples < 1:
        raise ValueError(f"n_resamples must be a positive whole number, got {n_resamples!r}.")
    return int(n_resamples)


def _entity_rows(frame: pd.DataFrame, name: str) -> pd.DataFrame:
    """One row per entity, with a category: the population or the part a test reads."""
    if "category" not in frame.columns:
        raise ValueError(f"{name} lacks the column 'category'; it has {list(map(str, frame.columns))}.")
    rows = frame.drop_duplicates("entity_id") if "entity_id" in frame.columns else frame
    if len(rows) == 0:
        raise ValueError(f"{name} is empty: there is no composition to compare.")
    return rows


def _check_published(shares: Mapping[str, float]) -> dict[str, float]:
    if not isinstance(shares, Mapping) or not shares:
        raise ValueError("published_shares must be a non-empty mapping of category -> share.")
    published = {str(k): float(v) for k, v in shares.items()}
    if any(not np.isfinite(v) or v < 0 or v > 1 for v in published.values()):
        raise ValueError(f"published_shares must lie between 0 and 1; check {published}.")
    return published


def _publication_unit(shares) -> float:
    """The coarsest of 0.01, 0.001, ... that writes every share exactly (whole percentages: 0.01).

    >>> _publication_unit([0.6, 0.12, 0.11]), _publication_unit([0.605, 0.395])
    (0.01, 0.001)
    """
    for decimals in range(2, 7):
        step = 10.0**-decimals
        if all(abs(v / step - round(v / step)) < 1e-6 for v in shares):
            return round(step, decimals)
    return 1e-6


def _no_reference(entities: pd.DataFrame) -> dict[str, float]:
    """Every category, with no reference share: those of the vocabulary, then any other found."""
    found = set(entities["category"].dropna().astype(str)) if "category" in entities.columns else set()
    return dict.fromkeys([*CATEGORIES, *sorted(found - set(CATEGORIES))], float("nan"))


def _check_reference(reference_shares: Mapping[str, float]) -> dict[str, float]:
    if not isinstance(reference_shares, Mapping) or not reference_shares:
        raise ValueError("reference_shares must be a non-empty mapping of category -> share.")
    shares = {str(k): float(v) for k, v in reference_shares.items()}
    bad = [k for k, v in shares.items() if not np.isfinite(v) or v < 0]
    if bad:
        raise ValueError(f"reference_shares must be non-negative; check {bad}.")
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
