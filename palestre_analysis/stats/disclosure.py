"""Disclosure control shared by every table of :mod:`palestre_analysis.stats`.

One rule, applied everywhere: a statistic computed from fewer than ``min_cell``
delegates is blanked (``NaN``) and its row is flagged ``suppressed=True``.
``min_cell`` below :data:`~palestre_analysis.config.MIN_CELL_FLOOR` (3, the Italian
statistical deontology minimum) is refused.

Every other module calls the helpers here, so that the threshold is checked and
applied in one way only.

Notes
-----
The helpers cover the shapes of the problem:

* :func:`check_min_cell` validates the threshold;
* :func:`suppress` blanks the statistics of rows whose base (the number of
  delegates behind them) is below the threshold (*primary* suppression);
* :func:`suppression_mask` adds *secondary* suppression for counts that add up
  to published totals: within every such set, the blanked cells must together
  hold at least ``min_cell`` delegates (or none), otherwise the total minus the
  shown cells would reveal a statistic of fewer delegates. The smallest
  non-zero shown cell of the set is blanked until that holds; with several
  kinds of sets (the rows and the columns of a table with margins) the rule is
  applied to each in turn until nothing changes;
* :func:`suppress_counts` and :func:`protect_complement` apply that mask to a
  table.

Zero counts are not blanked: a count of zero describes no delegate.

Suppression works inside one table. Differencing *across* tables (a region minus
all but one of its provinces) is not prevented here: publish nested geographies
with that in mind.

References
----------
.. [1] Sistan (2018). Codice di deontologia e di buona condotta per i trattamenti
   di dati personali a scopi statistici e di ricerca scientifica effettuati
   nell'ambito del Sistema statistico nazionale (threshold of at least 3).
.. [2] Hundepool, A. et al. (2012). *Statistical Disclosure Control*. Wiley,
   ch. 5 (primary and secondary cell suppression in frequency tables).
"""

from __future__ import annotations

import numbers
from collections.abc import Sequence

import numpy as np
import pandas as pd

from palestre_analysis import config

__all__ = [
    "check_min_cell",
    "suppress",
    "blank_small_counts",
    "suppression_mask",
    "suppress_counts",
    "protect_complement",
    "any_hidden_per_subset",
    "blank_where",
]


def check_min_cell(min_cell: object) -> int:
    """Return ``min_cell`` as an ``int``, or raise ``ValueError`` with a sentence.

    Parameters
    ----------
    min_cell : int
        Smallest number of delegates behind any published statistic.

    Returns
    -------
    int
        The validated threshold.

    Raises
    ------
    ValueError
        When ``min_cell`` is not a whole number or is below
        :data:`~palestre_analysis.config.MIN_CELL_FLOOR`.

    Notes
    -----
    The floor of 3 is the Italian statistical deontology minimum [1]_; many
    offices use 5 (the project default, ``config.MIN_CELL``) or 10.

    References
    ----------
    .. [1] Sistan (2018), see the module docstring.

    Examples
    --------
    >>> check_min_cell(5)
    5
    >>> check_min_cell(2)
    Traceback (most recent call last):
    ...
    ValueError: min_cell is 2, but it must be at least 3 (the Italian statistical deontology minimum, config.MIN_CELL_FLOOR).
    """
    if isinstance(min_cell, bool):
        raise ValueError(f"min_cell must be a whole number of delegates, got {min_cell!r}.")
    if not isinstance(min_cell, numbers.Integral):
        if isinstance(min_cell, numbers.Real) and float(min_cell).is_integer():
            min_cell = int(min_cell)
        else:
            raise ValueError(f"min_cell must be a whole number of delegates, got {min_cell!r}.")
    min_cell = int(min_cell)
    if min_cell < config.MIN_CELL_FLOOR:
        raise ValueError(
            f"min_cell is {min_cell}, but it must be at least {config.MIN_CELL_FLOOR} "
            "(the Italian statistical deontology minimum, config.MIN_CELL_FLOOR)."
        )
    return min_cell


def suppress(
    table: pd.DataFrame,
    base: str | np.ndarray,
    columns: Sequence[str],
    min_cell: int,
    *,
    flag: str = "suppressed",
) -> pd.DataFrame:
    """Blank ``columns`` where the base count is below ``min_cell``; set the flag.

    Parameters
    ----------
    table : DataFrame
        The table to protect; it is modified in place and returned.
    base : str or ndarray
        Name of the column (or an array) holding the number of delegates behind
        each row's statistics.
    columns : sequence of str
        Statistic columns to blank. Integer columns become float (``NaN``).
    min_cell : int
        Threshold, validated with :func:`check_min_cell`.
    flag : str, default "suppressed"
        Boolean column set to ``True`` where something was blanked; OR-ed with
        any existing value so that helpers can be chained.

    Returns
    -------
    DataFrame
        ``table``, with blanked values and the flag column.

    Notes
    -----
    Primary suppression: row ``i`` is blanked when ``base[i] < min_cell``.

    References
    ----------
    .. [1] Hundepool, A. et al. (2012). *Statistical Disclosure Control*. Wiley.

    Examples
    --------
    >>> t = pd.DataFrame({"n": [2, 8], "mean": [6.5, 7.25]})
    >>> suppress(t, "n", ["mean"], 5)
       n  mean  suppressed
    0  2   NaN        True
    1  8  7.25       False
    """
    min_cell = check_min_cell(min_cell)
    n = np.asarray(table[base] if isinstance(base, str) else base)
    small = np.asarray(n < min_cell, dtype=bool)
    _blank(table, small, columns)
    _set_flag(table, small, flag)
    return table


def blank_small_counts(
    table: pd.DataFrame, columns: Sequence[str], min_cell: int, *, flag: str = "suppressed"
) -> pd.DataFrame:
    """Blank each count in ``columns`` that lies between 1 and ``min_cell - 1``.

    Parameters
    ----------
    table : DataFrame
        Modified in place and returned.
    columns : sequence of str
        Count columns (numbers of delegates); each is checked on its own.
    min_cell : int
        Threshold.
    flag : str, default "suppressed"
        Flag column, OR-ed.

    Returns
    -------
    DataFrame

    Notes
    -----
    A count ``k`` with ``0 < k < min_cell`` is itself a statistic about fewer
    than ``min_cell`` delegates; zero describes nobody and stays.

    References
    ----------
    .. [1] Hundepool, A. et al. (2012). *Statistical Disclosure Control*. Wiley.

    Examples
    --------
    >>> t = pd.DataFrame({"k": [0, 2, 9]})
    >>> blank_small_counts(t, ["k"], 5)
         k  suppressed
    0  0.0       False
    1  NaN        True
    2  9.0       False
    """
    min_cell = check_min_cell(min_cell)
    any_small = np.zeros(len(table), dtype=bool)
    for column in columns:
        k = np.asarray(table[column], dtype=float)
        small = (k > 0) & (k < min_cell)
        _blank(table, small, [column])
        any_small |= small
    _set_flag(table, any_small, flag)
    return table


def suppression_mask(
    counts: np.ndarray,
    min_cell: int,
    within: np.ndarray | Sequence[np.ndarray] = (),
    *,
    hidden: np.ndarray | None = None,
) -> np.ndarray:
    """Cells to blank: primary (``0 < count < min_cell``) plus secondary suppression.

    Parameters
    ----------
    counts : array_like, shape (N,)
        Delegates behind each cell.
    min_cell : int
        Threshold.
    within : ndarray or sequence of ndarray, optional
        One or more label arrays of shape (N,); cells with the same label
        add up to a published total. Label ``-1`` takes no part (e.g. the
        ``all`` row that holds the total).
    hidden : ndarray of bool, optional
        Cells already blanked for another reason; they count as blanked.

    Returns
    -------
    ndarray of bool, shape (N,)

    Notes
    -----
    In every set, while the blanked cells hold ``h`` delegates with
    ``0 < h < min_cell``, the shown non-zero cell with the fewest delegates
    (the first, on ties) is blanked too. Sets of every kind are revisited
    until nothing changes. A set whose total is itself below ``min_cell``
    may end fully blanked; its total must then be blanked by the caller
    (the total's own row fails primary suppression).

    References
    ----------
    .. [1] Hundepool, A. et al. (2012). *Statistical Disclosure Control*. Wiley,
       section 5.2 (secondary suppression; protection of the sum of suppressed cells).

    Examples
    --------
    Categories of one subset: two single entities are blanked, and together
    they are still fewer than 5, so the next smallest goes too.

    >>> suppression_mask([1, 1, 6, 30], 5, within=np.zeros(4, dtype=int))
    array([ True,  True,  True, False])
    """
    min_cell = check_min_cell(min_cell)
    n = np.asarray(counts, dtype=float)
    mask = (n > 0) & (n < min_cell)
    if hidden is not None:
        mask |= np.asarray(hidden, dtype=bool) & (n > 0)
    sets = [within] if isinstance(within, np.ndarray) else list(within)
    position = np.arange(len(n))
    while True:
        added = False
        for labels in sets:
            labels = np.asarray(labels)
            part = labels >= 0
            if not part.any():
                continue
            _, group = np.unique(labels[part], return_inverse=True)
            c, h, p = n[part], mask[part], position[part]
            blanked = np.bincount(group, weights=np.where(h, c, 0.0))
            exposed = (blanked > 0) & (blanked < min_cell)
            candidate = exposed[group] & ~h & (c > 0)
            if not candidate.any():
                continue
            order = np.lexsort((p[candidate], c[candidate], group[candidate]))
            sets_in_order = group[candidate][order]
            first = np.r_[True, sets_in_order[1:] != sets_in_order[:-1]]
            mask[p[candidate][order][first]] = True
            added = True
        if not added:
            return mask


def suppress_counts(
    table: pd.DataFrame,
    columns: Sequence[str],
    min_cell: int,
    within: np.ndarray | Sequence[np.ndarray] = (),
    *,
    flag: str = "suppressed",
) -> pd.DataFrame:
    """Primary and secondary suppression of count columns, column by column.

    Parameters
    ----------
    table : DataFrame
        Modified in place and returned.
    columns : sequence of str
        Count columns (numbers of delegates); each is a table of its own.
    min_cell : int
        Threshold.
    within : ndarray or sequence of ndarray, optional
        Label arrays of the sets of rows whose counts add up to a published
        total (see :func:`suppression_mask`). Without them only primary
        suppression is applied.
    flag : str, default "suppressed"

    Returns
    -------
    DataFrame

    Notes
    -----
    Each column gets :func:`suppression_mask` of its own values.

    References
    ----------
    .. [1] Hundepool, A. et al. (2012). *Statistical Disclosure Control*. Wiley.

    Examples
    --------
    >>> t = pd.DataFrame({"category": ["all", "a", "b", "c"], "n": [21, 2, 7, 12]})
    >>> suppress_counts(t, ["n"], 5, within=np.array([-1, 0, 0, 0]))
      category     n  suppressed
    0      all  21.0       False
    1        a   NaN        True
    2        b   NaN        True
    3        c  12.0       False
    """
    min_cell = check_min_cell(min_cell)
    any_blank = np.zeros(len(table), dtype=bool)
    for column in columns:
        mask = suppression_mask(np.asarray(table[column], dtype=float), min_cell, within)
        _blank(table, mask, [column])
        any_blank |= mask
    _set_flag(table, any_blank, flag)
    return table


def protect_complement(
    table: pd.DataFrame,
    within: str | Sequence[str] | np.ndarray | Sequence[np.ndarray],
    count: str | np.ndarray,
    columns: Sequence[str],
    min_cell: int,
    *,
    flag: str = "suppressed",
) -> pd.DataFrame:
    """Secondary suppression of whole rows: blanked rows of a set must hold at least ``min_cell``.

    Parameters
    ----------
    table : DataFrame
        Rows already through primary suppression (``flag`` set). Modified in
        place and returned.
    within : str, sequence of str, ndarray, or sequence of ndarray
        Columns (or label arrays, ``-1`` for no set) identifying the sets of
        rows whose ``count`` values add up to a published total.
    count : str or ndarray
        Column (or array) with the unblanked number of delegates of each row.
        Pass an array when primary suppression blanked the count column itself.
    columns : sequence of str
        Columns to blank on the extra rows (every additive statistic of the row).
    min_cell : int
    flag : str, default "suppressed"

    Returns
    -------
    DataFrame

    Notes
    -----
    Flagged rows with a non-zero count start as blanked; then
    :func:`suppression_mask` extends them. Flagged zero rows describe nobody.

    References
    ----------
    .. [1] Hundepool, A. et al. (2012). *Statistical Disclosure Control*. Wiley,
       section 5.2 (secondary suppression).

    Examples
    --------
    >>> t = pd.DataFrame({"g": ["a"] * 3, "n": [2, 7, 30], "share": [0.05, 0.18, 0.77]})
    >>> t = suppress(t, "n", ["share"], 5)
    >>> protect_complement(t, "g", "n", ["share"], 5)
       g   n  share  suppressed
    0  a   2    NaN        True
    1  a   7    NaN        True
    2  a  30   0.77       False
    """
    if len(table) == 0:
        return table
    if isinstance(within, str) or (isinstance(within, (list, tuple)) and all(isinstance(w, str) for w in within)):
        cols = [within] if isinstance(within, str) else list(within)
        sets = [table.groupby(cols, sort=False, dropna=False).ngroup().to_numpy()]
    else:
        sets = within
    n = np.asarray(table[count] if isinstance(count, str) else count, dtype=float)
    flagged = table[flag].to_numpy(dtype=bool) if flag in table.columns else np.zeros(len(table), dtype=bool)
    mask = suppression_mask(n, min_cell, sets, hidden=flagged)
    extra = mask & ~flagged
    _blank(table, extra, columns)
    _set_flag(table, extra, flag)
    return table


def blank_where(table: pd.DataFrame, mask, columns: Sequence[str], *, flag: str = "suppressed") -> pd.DataFrame:
    """A copy of ``table`` with ``columns`` blank where ``mask``, and the flag set there.

    Parameters
    ----------
    table : DataFrame
    mask : array_like of bool, shape (len(table),)
    columns : sequence of str
        Columns to blank; names absent from ``table`` are skipped.
    flag : str, default "suppressed"
        Boolean column OR-ed with ``mask`` (created when absent).

    Returns
    -------
    DataFrame

    Examples
    --------
    >>> blank_where(pd.DataFrame({"n": [3, 9]}), [True, False], ["n"])
         n  suppressed
    0  NaN        True
    1  9.0       False
    """
    mask = np.asarray(mask, dtype=bool)
    table = table.copy()
    _blank(table, mask, [c for c in columns if c in table.columns])
    _set_flag(table, mask, flag)
    return table


def _blank(table: pd.DataFrame, mask: np.ndarray, columns: Sequence[str]) -> None:
    """Set ``columns`` to NaN (or NA) where ``mask``; integer columns become float."""
    if not mask.any():
        return
    for column in columns:
        values = table[column]
        if pd.api.types.is_bool_dtype(values) or isinstance(values.dtype, pd.BooleanDtype):
            new = values.astype("boolean")
            new[mask] = pd.NA
            table[column] = new
        elif pd.api.types.is_numeric_dtype(values):
            new = values.to_numpy(dtype=float, copy=True)
            new[mask] = np.nan
            table[column] = new
        else:
            new = values.astype(object).copy()
            new[mask] = None
            table[column] = new


def _set_flag(table: pd.DataFrame, mask: np.ndarray, flag: str) -> None:
    """OR ``mask`` into the boolean flag column, creating it when absent."""
    old = table[flag].to_numpy(dtype=bool) if flag in table.columns else np.zeros(len(table), dtype=bool)
    table[flag] = old | mask


def any_hidden_per_subset(
    keys: pd.DataFrame, detail: pd.DataFrame, by: Sequence[str], flag: str = "suppressed"
) -> np.ndarray:
    """For each row of ``keys`` (one subset each), whether any row of ``detail`` in it is blanked.

    A test statistic computed from a table with blanked cells could give them back (the
    exact chi-square of a composition admits few splits of the hidden counts), so tests
    are blanked wherever their table is.

    Examples
    --------
    >>> keys = pd.DataFrame({"t": ["a", "b"]})
    >>> detail = pd.DataFrame({"t": ["a", "a", "b"], "suppressed": [False, True, False]})
    >>> any_hidden_per_subset(keys, detail, ["t"]).tolist()
    [True, False]
    """
    by = list(by)
    if not by:
        return np.array([bool(detail[flag].any())] * len(keys))
    hidden = detail.groupby(by, observed=True, sort=False)[flag].any().rename("_hidden").reset_index()
    merged = keys[by].reset_index(drop=True).merge(hidden, on=by, how="left")
    return merged["_hidden"].fillna(True).astype(bool).to_numpy()
