"""Disclosure control across the whole batch: one decision per count, for every territory at once.

A batch publishes the same counts at two levels, each province and the region, and in
several tables (composition, participation, attendance bands, meetings, cells, group
comparisons, agreement, contributions). Suppressing each table of each report on its own
lets a reader subtract: the region minus the other provinces, the total minus the shown
group. Here every count is decided once, in a *cube* that holds it for every territory
(the provinces, the region, and the region-wide bodies that have no report of their own),
and every report blanks what its cube hides.

Rules, for each cube (Hundepool et al. 2012, ch. 5, secondary suppression in linked
tables):

* primary: a count from 1 to ``min_cell - 1`` is hidden. The region-wide bodies are a
  territory like the provinces: no report of their own, but the region minus the
  provinces gives their counts, and the final report compares them with the provinces;
* secondary: the cells of a cube that add up to a published total (the provinces and
  the bodies to the region; the categories, groups, bands or meetings to their ``all``
  margin) form a *set*. In every set the hidden cells are either none, or at least two
  that together hold at least ``min_cell`` units. While a set breaks that rule, the shown
  cell with the smallest count is hidden too (a zero as a last resort), and every set is
  checked again until nothing changes.

A hidden cell may therefore hold any count, zero included: a reader learns only that the
hidden cells of a set hold at least ``min_cell`` units together. The attacker of
:mod:`palestre_analysis.audit` checks the result against all the published tables.

Only cubes are built here; :mod:`palestre_analysis.report` applies them to the tables it
publishes (:func:`lookup`).
"""

from __future__ import annotations

import weakref
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from palestre_analysis import config
from palestre_analysis.stats import _cubes
from palestre_analysis.stats._cubes import ALL, BODIES
from palestre_analysis.stats.disclosure import check_min_cell

__all__ = ["BODIES", "ALL", "BatchProtection", "protect_cube", "batch_protection", "lookup"]


def protect_cube(
    cube: pd.DataFrame,
    dims: Mapping[str, str | None],
    min_cell: int,
    *,
    value: str = "count",
    zeros_known: bool = False,
    initial=None,
) -> pd.DataFrame:
    """Hide the cells of one cube: primary suppression, the bodies, and secondary suppression.

    Parameters
    ----------
    cube : DataFrame
        One row per cell: ``territory`` (provinces, :data:`config.REGION` and
        :data:`BODIES`), the ``dims`` columns and ``value``. Every combination must be
        present (zeros included).
    dims : mapping of str to str or None
        The other dimensions, each with the label of its margin (``"all"``) or ``None``
        when its values do not add up to a published total.
    min_cell : int
        Threshold.
    value : str, default "count"
        The count column.
    zeros_known : bool, default False
        True when the published tables tell which cells are zero (a meeting is listed
        only if someone from the territory came): then every hidden cell is known to be
        at least 1, and a set of ``k`` hidden cells must hold at least
        ``min_cell + k - 1`` units, so that each may still be ``min_cell`` or more.
    initial : array_like of bool, optional
        Cells hidden from the start for another reason (the contributions of a node whose
        contributors are hidden): they take part in the sets like any hidden cell.

    Returns
    -------
    DataFrame
        ``cube`` with a boolean ``hidden`` column.

    Examples
    --------
    Two provinces and the bodies; the region total is published. The province with a
    single entity needs a partner, or the region minus the others would give it away:
    the smallest other count (the bodies' 6) is hidden with it.

    >>> cube = pd.DataFrame({"territory": ["A", "B", BODIES, config.REGION], "count": [1, 9, 6, 16]})
    >>> protect_cube(cube, {}, 5)["hidden"].tolist()
    [True, False, True, False]
    """
    min_cell = check_min_cell(min_cell)
    n = cube[value].to_numpy(dtype=float)
    hidden = (n > 0) & (n < min_cell)
    if initial is not None:
        hidden |= np.asarray(initial, dtype=bool)
    sets = _sets(cube, dims)
    while True:
        added = False
        for members, margin in sets:
            added |= _widen(n, hidden, members, margin, min_cell, zeros_known)
        if not added:
            return cube.assign(hidden=hidden)


def _sets(cube: pd.DataFrame, dims: Mapping[str, str | None]) -> list[tuple[np.ndarray, int]]:
    """Each set of cells that add up to one published total: (its members, the total's row)."""
    margins = {"territory": config.REGION, **dims}
    sets = []
    for dim, margin in margins.items():
        if margin is None:
            continue
        others = [d for d in margins if d != dim]
        labels = cube.groupby(others, sort=False).ngroup().to_numpy() if others else np.zeros(len(cube), dtype=np.int64)
        is_margin = cube[dim].to_numpy() == margin
        for label in np.unique(labels):
            members = np.flatnonzero((labels == label) & ~is_margin)
            totals = np.flatnonzero((labels == label) & is_margin)
            sets.append((members, int(totals[0]) if len(totals) else -1))
    return sets


def _widen(
    n: np.ndarray, hidden: np.ndarray, members: np.ndarray, margin: int, min_cell: int, zeros_known: bool
) -> bool:
    """Hide one more cell of a set that breaks the rule (its total, when none is left); True if changed."""
    if margin >= 0 and hidden[margin]:
        return False  # the total is not published: nothing to subtract from
    blank = members[hidden[members] & ((n[members] > 0) | (not zeros_known))]
    if len(blank) == 0:
        return False
    floor = 1 if zeros_known else 0
    if len(blank) >= 2 and n[blank].sum() - (len(blank) - 1) * floor >= min_cell:
        return False
    shown = members[~hidden[members]]
    nonzero = shown[n[shown] > 0]
    pool = nonzero if (len(nonzero) or zeros_known) else shown
    if len(pool):
        hidden[pool[np.argmin(n[pool])]] = True
    elif margin >= 0:
        hidden[margin] = True  # nothing left to hide with them: the total goes instead
    else:
        return False
    return True


@dataclass(frozen=True)
class BatchProtection:
    """The hidden cells of every cube of a batch (see the module docstring).

    Parameters
    ----------
    min_cell : int
        The threshold the cubes were protected with.
    cubes : dict of str to DataFrame
        Each cube with its ``territory``, dimension columns, ``count`` and ``hidden``.
    """

    min_cell: int
    cubes: dict

    def hidden(self, name: str, territory: str) -> pd.DataFrame:
        """The cells of cube ``name`` for one territory, with ``count`` and ``hidden``.

        Parameters
        ----------
        name : str
            A key of :attr:`cubes`.
        territory : str
            A province or the region, by its Italian name.

        Returns
        -------
        DataFrame
        """
        cube = self.cubes[name]
        return cube[cube["territory"] == territory].drop(columns="territory").reset_index(drop=True)

    def fully_shown(self, name: str, territory: str) -> bool:
        """True when no cell of cube ``name`` is hidden for ``territory``.

        Parameters
        ----------
        name : str
        territory : str

        Returns
        -------
        bool
        """
        return not bool(self.hidden(name, territory)["hidden"].any())


_CACHE: dict[tuple[int, int], tuple[weakref.ref, BatchProtection]] = {}


def batch_protection(data, min_cell: int, bands: Sequence[int]) -> BatchProtection:
    """Protect every count a batch publishes, from the tables of the whole region.

    Parameters
    ----------
    data : Processed
        The processed tables of the whole region
        (:func:`~palestre_analysis.ingest.processed.load_processed`).
    min_cell : int
        Threshold.
    bands : sequence of int
        Lower edges of the published attendance bands.

    Returns
    -------
    BatchProtection
        Cubes ``entities`` (category), ``attendance`` (band), ``present`` and
        ``newcomers`` (meeting), ``voters`` (group), ``cells`` (field, resource, need,
        group), ``raters`` (field), ``contributors`` (node) and ``contributions`` (node).

    Notes
    -----
    The result is cached per ``data`` object and threshold: every section of every
    report of a run takes its decisions from the same cubes.
    """
    min_cell = check_min_cell(min_cell)
    key = (id(data), min_cell)
    cached = _CACHE.get(key)
    if cached is not None and cached[0]() is data:
        return cached[1]
    cubes = {}
    for name, (frame, dims) in _cubes.build(data, bands).items():
        initial = None
        if name in _cubes.HIDDEN_WITH:  # a count blanked with another one starts hidden
            other = cubes[_cubes.HIDDEN_WITH[name]]
            keys = [c for c in other.columns if c not in ("count", "hidden")]
            initial = (
                frame[keys]
                .merge(other[[*keys, "hidden"]], on=keys, how="left")["hidden"]
                .astype("boolean")
                .fillna(False)
            )
        cubes[name] = protect_cube(frame, dims, min_cell, zeros_known=name in _cubes.ZEROS_KNOWN, initial=initial)
    protection = BatchProtection(min_cell=min_cell, cubes=cubes)
    _CACHE[key] = (weakref.ref(data), protection)
    return protection


def lookup(
    table: pd.DataFrame,
    protection: BatchProtection,
    cube: str,
    territory: str,
    on: Mapping[str, str],
) -> tuple[np.ndarray, np.ndarray]:
    """For each row of ``table``, its cell of ``cube``: the count and whether it is hidden.

    Parameters
    ----------
    table : DataFrame
        A published table of one territory.
    protection : BatchProtection
    cube : str
        The cube that decides its counts.
    territory : str
        The table's territory.
    on : mapping of str to str
        Table column → cube dimension.

    Returns
    -------
    counts : ndarray of float
    hidden : ndarray of bool
        True where the cell is hidden, or where the table has a row the cube lacks.
    """
    cells = protection.hidden(cube, territory).rename(columns={v: k for k, v in on.items()})
    keys = list(on)
    left = table[keys].astype(str).reset_index(drop=True)
    right = cells[[*keys, "count", "hidden"]].astype(dict.fromkeys(keys, str))
    merged = left.merge(right, on=keys, how="left")
    return merged["count"].to_numpy(dtype=float), merged["hidden"].fillna(True).astype(bool).to_numpy()
