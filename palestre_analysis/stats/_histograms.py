"""Score histograms: the compact form of a vote table that every scoring statistic reads.

Scores are whole numbers on a scale ``low .. high`` (1 .. 10 by default), so the
votes of one cell in one group of one subset are fully described by
``high - low + 1`` counts (ten on 1 .. 10). ``build`` turns a vote table of any
length into an array ``counts[subset, group, cell, score - low]`` with a single
``np.bincount`` over a combined index: every later cost grows with the number of
cells, not of votes.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from palestre_analysis.core.vocabulary import GROUPS

from .scales import DEFAULT_SCALE, check_scale, n_values
from .votes import CELL_COLUMNS, group_keys, validate_votes

__all__ = ["V", "ALL", "Histograms", "build", "factorize_rows", "expand", "order_statistic", "linear_quantile"]

#: Number of score values on the default scale (1 .. 10); other scales have ``high - low + 1``.
V = n_values(DEFAULT_SCALE)
#: Output label of the pooled group.
ALL = "all"


@dataclass(frozen=True)
class Histograms:
    """Counts of scores per subset x group x cell (see the module docstring)."""

    by: tuple[str, ...]
    keys: pd.DataFrame  # one row per subset, the by columns (sorted)
    cells: pd.DataFrame  # one row per cell: field, resource, need (sorted)
    counts: np.ndarray  # (S, 2, C, V) int64, group axis in the order of ``groups``, V = high - low + 1
    field_of_cell: np.ndarray  # (C,) index into ``fields``
    fields: np.ndarray  # (F,) field labels, sorted
    raters_per_field: np.ndarray | None  # (S, F) distinct raters, when asked for
    scale: tuple[int, int] = DEFAULT_SCALE  # column j of counts holds the votes with score low + j
    groups: tuple[str, ...] = ()  # the keys of the group axis (one only: a single other label was found)

    @property
    def all_counts(self) -> np.ndarray:
        """Counts pooled over the two groups, shape (S, C, V)."""
        return self.counts.sum(axis=1)


def build(
    votes: pd.DataFrame,
    by: Sequence[str] = (),
    *,
    raters_per_field: bool = False,
    scale: tuple[int, int] = DEFAULT_SCALE,
    groups: Sequence | None = None,
) -> Histograms:
    """Validate ``votes`` (scores on ``scale``) and count scores per subset x group x cell.

    ``groups`` are the process's two groups, in the order of the group axis; ``None``
    (statistics that pool the groups) accepts any one or two labels: the seed's groups
    in the seed's order, other labels sorted.
    """
    by = tuple(by)
    scale = check_scale(scale)
    validate_votes(votes, by, scale=scale, groups=groups)
    if groups is None:
        found = [str(g) for g in pd.unique(votes["group"])]
        keys = tuple(GROUPS) if set(found) <= set(GROUPS) else tuple(sorted(found))
    else:
        keys = group_keys(groups)
    n_scores = n_values(scale)
    subset, keys_frame = factorize_rows(votes, by)
    cell, cells = factorize_rows(votes, CELL_COLUMNS)
    rater, _ = pd.factorize(votes["rater"])
    group = (votes["group"].astype(str).to_numpy() == (keys[1] if len(keys) > 1 else None)).astype(np.int64)
    score = votes["score"].to_numpy(dtype=np.int64) - scale[0]
    n_subsets, n_cells, n_raters = len(keys_frame), len(cells), int(rater.max()) + 1
    _check_one_group_per_rater(votes, rater, group, n_raters)
    _check_no_duplicate_votes(votes, rater, cell, n_raters, n_cells)
    index = ((subset * 2 + group) * n_cells + cell) * n_scores + score
    counts = np.bincount(index, minlength=n_subsets * 2 * n_cells * n_scores).reshape(n_subsets, 2, n_cells, n_scores)
    field_of_cell, fields = pd.factorize(cells["field"], sort=True)
    per_field = None
    if raters_per_field:
        n_fields = len(fields)
        pair = (subset * n_fields + field_of_cell[cell]) * n_raters + rater
        distinct = np.unique(pair) // n_raters
        per_field = np.bincount(distinct, minlength=n_subsets * n_fields).reshape(n_subsets, n_fields)
    return Histograms(
        by, keys_frame, cells, counts, np.asarray(field_of_cell), np.asarray(fields), per_field, scale, keys
    )


def factorize_rows(frame: pd.DataFrame, columns: Sequence[str]) -> tuple[np.ndarray, pd.DataFrame]:
    """Codes of the distinct combinations of ``columns``, sorted; and their labels.

    With no columns every row is in subset 0 and the labels frame has one row and
    no columns.
    """
    columns = list(columns)
    if not columns:
        return np.zeros(len(frame), dtype=np.int64), pd.DataFrame(index=pd.RangeIndex(1))
    codes, uniques = [], []
    for column in columns:
        c, u = pd.factorize(frame[column], sort=True)
        codes.append(c.astype(np.int64))
        uniques.append(np.asarray(u, dtype=object))
    sizes = [len(u) for u in uniques]
    combined = np.zeros(len(frame), dtype=np.int64)
    for c, size in zip(codes, sizes):
        combined = combined * size + c
    total = int(np.prod(sizes, dtype=float))
    if total <= 1 << 24:  # dense presence table: no sort needed
        present = np.flatnonzero(np.bincount(combined, minlength=total))
        lookup = np.full(total, -1, dtype=np.int64)
        lookup[present] = np.arange(len(present))
        inverse = lookup[combined]
    else:
        present, inverse = np.unique(combined, return_inverse=True)
    labels = {}
    rest = present.copy()
    for column, u, size in reversed(list(zip(columns, uniques, sizes))):
        labels[column] = u[rest % size]
        rest //= size
    table = pd.DataFrame({c: labels[c] for c in columns})
    for column in columns:  # keep the input's dtype family (str stays str)
        try:
            table[column] = table[column].astype(frame[column].dtype)
        except (TypeError, ValueError):
            pass
    return inverse.astype(np.int64), table


def expand(keys: pd.DataFrame, inner: pd.DataFrame) -> pd.DataFrame:
    """Cartesian product: every subset (``keys`` rows) with every ``inner`` row, keys first."""
    n_keys, n_inner = len(keys), len(inner)
    left = keys.iloc[np.repeat(np.arange(n_keys), n_inner)].reset_index(drop=True)
    right = inner.iloc[np.tile(np.arange(n_inner), n_keys)].reset_index(drop=True)
    return pd.concat([left, right], axis=1)


def order_statistic(cum: np.ndarray, k: np.ndarray, low: int = 1) -> np.ndarray:
    """Score of the ``k``-th (0-based) smallest vote, from cumulative counts of a scale starting at ``low``."""
    return low + (cum <= k[..., None]).sum(axis=-1)


def linear_quantile(counts: np.ndarray, q: float, *, low: int = 1) -> np.ndarray:
    """numpy's default (linear) quantile of the votes behind each histogram; NaN when empty.

    For sorted votes ``x_0 .. x_{n-1}`` and ``h = (n - 1) q``, the quantile is
    ``x_floor(h) + (h - floor(h)) (x_ceil(h) - x_floor(h))``: numpy's ``method="linear"``.
    Column ``j`` of ``counts`` holds the votes with score ``low + j``.
    """
    n = counts.sum(axis=-1)
    cum = np.cumsum(counts, axis=-1)
    h = (np.maximum(n, 1) - 1) * q
    lo = np.floor(h).astype(np.int64)
    hi = np.ceil(h).astype(np.int64)
    x_lo = order_statistic(cum, lo, low)
    x_hi = order_statistic(cum, hi, low)
    out = x_lo + (h - lo) * (x_hi - x_lo)
    return np.where(n > 0, out, np.nan)


def _check_one_group_per_rater(votes: pd.DataFrame, rater: np.ndarray, group: np.ndarray, n_raters: int) -> None:
    both = np.bincount(rater * 2 + group, minlength=2 * n_raters).reshape(n_raters, 2)
    mixed = np.flatnonzero((both > 0).all(axis=1))
    if len(mixed):
        label = votes["rater"].to_numpy()[np.argmax(rater == mixed[0])]
        raise ValueError(
            f"votes: rater {label!r} appears in both groups; a delegate belongs to one group only "
            f"({len(mixed)} raters are affected)."
        )


def _check_no_duplicate_votes(
    votes: pd.DataFrame, rater: np.ndarray, cell: np.ndarray, n_raters: int, n_cells: int
) -> None:
    key = rater * n_cells + cell
    if n_raters * n_cells <= 1 << 26:
        seen = np.bincount(key, minlength=n_raters * n_cells)
        repeated = np.flatnonzero(seen > 1)
        if len(repeated) == 0:
            return
        first = int(np.argmax(key == repeated[0]))
    else:
        order = np.argsort(key, kind="stable")
        same = np.flatnonzero(np.diff(key[order]) == 0)
        if len(same) == 0:
            return
        first = int(order[same[0]])
    row = votes.iloc[first]
    raise ValueError(
        f"votes: rater {row['rater']!r} scored the cell ({row['field']!r}, {row['resource']!r}, "
        f"{row['need']!r}) more than once; keep one vote per rater and cell."
    )
