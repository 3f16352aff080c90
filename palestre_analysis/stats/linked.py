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

* primary: a count from 1 to ``min_cell - 1`` is hidden, and so is every cell (zeros
  included) of a set whose total is such a count: a zero there would describe the whole
  small group. The region-wide bodies are a
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

import hashlib
import pickle
import weakref
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from palestre_analysis import config
from palestre_analysis.core.files import atomic_write_with
from palestre_analysis.core.fingerprint import code_hash
from palestre_analysis.stats import _cubes
from palestre_analysis.stats._cubes import ALL, BODIES
from palestre_analysis.stats.disclosure import check_min_cell
from palestre_analysis.stats.intervals import Problem, settled

__all__ = ["BODIES", "ALL", "BatchProtection", "protect_cube", "batch_protection", "lookup"]


def protect_cube(
    cube: pd.DataFrame,
    dims: Mapping[str, str | None],
    min_cell: int,
    *,
    value: str = "count",
    zeros_known: bool = False,
    initial=None,
    check: bool = True,
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
    check : bool, default True
        After the rules, bound every hidden cell with an integer program over all the
        cube's sets, and hide one more cell wherever several sets together pin a hidden
        cell or confine it to 1..``min_cell - 1``; repeat until none does.

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
    known_zero = np.zeros(len(n), dtype=bool)  # cells of a set whose total is a shown zero
    for members, margin in sets:
        if margin >= 0 and n[margin] == 0:
            known_zero[members] = True
    for members, margin in sets:
        if margin >= 0 and 0 < n[margin] < min_cell:
            # a small group's zeros describe all of it ("none of its entities came"): hide them too,
            # unless another total of zero gives them away anyway
            hidden[members] |= ~known_zero[members]
    while True:
        while True:
            added = False
            for members, margin in sets:
                added |= _widen(n, hidden, members, margin, min_cell, zeros_known)
            if not added:
                break
        # the rules look at one set at a time; an integer program over all the cube's sets
        # finds what several sets give away together, and one more cell is hidden there
        exposed = _exposed(n, hidden, sets, min_cell, zeros_known) if check else []
        if not exposed:
            return cube.assign(hidden=hidden)
        for cell in exposed:
            _hide_beside(cell, n, hidden, sets)


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
        if hidden[members].any() or len(members) == 0:
            return False  # the hidden total and a hidden member: two unknowns in one sum
        # every member is shown, so they add up to the hidden total: one of them goes
        nonzero = members[n[members] > 0]
        pool = nonzero if len(nonzero) else members
        hidden[pool[np.argmin(n[pool])]] = True
        return True
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


def _exposed(n, hidden, sets, min_cell: int, zeros_known: bool) -> list[int]:
    """Hidden cells that the shown cells and the totals pin, or confine to 1..min_cell-1."""
    problem = Problem()
    for i in np.flatnonzero(~hidden):
        problem.add({i: 1}, n[i], n[i])
    if zeros_known:
        for i in np.flatnonzero(hidden & (n == 0)):
            problem.add({i: 1}, 0, 0)
    for members, margin in sets:
        if margin >= 0 and len(members):
            problem.add({**{int(m): 1 for m in members}, int(margin): -1}, 0, 0)
    targets = [int(i) for i in np.flatnonzero(hidden & ~(zeros_known & (n == 0)))]
    for i in targets:
        problem.var(i)
    observed: dict[int, tuple] = {}
    parts: dict[tuple, list[int]] = {}
    for i in targets:
        parts.setdefault(problem.part_of({i: 1}), []).append(i)
    for part, members in parts.items():
        for solution in problem.solutions(part, 6):
            for i in members:
                value = solution.get(i, 0)
                low, high = observed.get(i, (value, value))
                observed[i] = (min(low, value), max(high, value))
    exposed = []
    for i in targets:
        if i in observed and settled(*observed[i], True, min_cell):
            continue
        low, high = problem.bounds({i: 1})
        if not settled(low, high, True, min_cell):
            exposed.append(i)
    return exposed


def _hide_beside(cell: int, n, hidden, sets) -> None:
    """Hide the smallest shown cell of a set that holds ``cell`` (its total when none is left)."""
    best = None
    for members, margin in sets:
        if cell not in members and cell != margin:
            continue
        pool = [int(m) for m in members if not hidden[m]] + (
            [int(margin)] if margin >= 0 and not hidden[margin] else []
        )
        for candidate in pool:
            key = (n[candidate] == 0, n[candidate])  # a non-zero cell protects better than a zero
            if best is None or key < best[0]:
                best = (key, candidate)
    if best is not None:
        hidden[best[1]] = True


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


def batch_protection(data, min_cell: int, bands: Sequence[int], cache_dir=None) -> BatchProtection:
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
    cache_dir : Path, optional
        The processed folder: the decisions are kept in its hidden ``.disclosure``
        sub-folder, keyed by the tables' content, the threshold, the bands and the code of
        :mod:`palestre_analysis.stats`, so that the reports of one batch (one process each)
        decide once.

    Returns
    -------
    BatchProtection
        Cubes ``entities`` (category), ``attendance`` (band), ``present`` and
        ``newcomers`` (meeting), ``voters`` (group), ``cells`` (field, resource, need,
        group), ``raters`` (field), ``resource_raters`` (resource), ``contributors`` and
        ``contributions`` (node), ``contributing``.

    Notes
    -----
    Within a process the result is also kept per ``data`` object and threshold.
    """
    min_cell = check_min_cell(min_cell)
    key = (id(data), min_cell)
    cached = _CACHE.get(key)
    if cached is not None and cached[0]() is data:
        return cached[1]
    path = None if cache_dir is None else Path(cache_dir) / ".disclosure" / f"{_content_key(data, min_cell, bands)}.pkl"
    protection = _read_cache(path)
    if protection is None:
        protection = BatchProtection(min_cell=min_cell, cubes=_protect_all(data, min_cell, bands))
        _write_cache(path, protection)
    _CACHE[key] = (weakref.ref(data), protection)
    return protection


def _protect_all(data, min_cell: int, bands: Sequence[int]) -> dict:
    cubes = {}
    built = _cubes.build(data, bands)
    for name, (frame, dims) in built.items():
        initial = np.zeros(len(frame), dtype=bool)
        if name in _cubes.HIDDEN_WITH:  # a count blanked with another one starts hidden
            other = cubes[_cubes.HIDDEN_WITH[name]]
            keys = [c for c in other.columns if c not in ("count", "hidden")]
            merged = frame[keys].merge(other[[*keys, "hidden"]], on=keys, how="left")["hidden"]
            initial |= merged.astype("boolean").fillna(False).to_numpy(dtype=bool)
        if name in _COMPLEMENTS:  # a count whose complement in a shown total would be small
            whole = _COMPLEMENTS[name](cubes, frame)
            rest = whole - frame["count"].to_numpy(dtype=float)
            initial |= (rest > 0) & (rest < min_cell) & _COMPLEMENT_ROWS[name](frame)
        if name in _cubes.TOTALS_OF_CELLS:  # the delegates of a territory, field or resource, next to a cell's
            initial |= _small_rest_in_a_cell(frame, built["cells"][0], _cubes.TOTALS_OF_CELLS[name], min_cell)
        cubes[name] = protect_cube(
            frame,
            dims,
            min_cell,
            zeros_known=name in _cubes.ZEROS_KNOWN,
            initial=initial,
            check=name not in _cubes.RULES_SUFFICE,
        )
    return cubes


def _territory_total(cubes: dict, frame: pd.DataFrame, *, attending: bool) -> np.ndarray:
    """Each row's territory total of entities (or of entities that attended at least once)."""
    entities = cubes["entities"]
    total = entities[entities["category"] == ALL].set_index("territory")["count"].astype(float)
    if attending:
        bands = cubes["attendance"]
        total = total - bands[bands["band"] == "0"].set_index("territory")["count"].astype(float)
    return frame["territory"].map(total).to_numpy(dtype=float)


#: Counts published next to a total they are part of: entities who voted (of all entities), entities
#: present at a meeting (of those who attended any). The rest must not be small either: "3 entities
#: did not vote" describes 3 entities.
_COMPLEMENTS = {
    "voters": lambda cubes, frame: _territory_total(cubes, frame, attending=False),
    "present": lambda cubes, frame: _territory_total(cubes, frame, attending=True),
}
_COMPLEMENT_ROWS = {
    "voters": lambda frame: (frame["group"] == ALL).to_numpy(),
    "present": lambda frame: (frame["meeting_id"] != ALL).to_numpy(),
}


def _small_rest_in_a_cell(frame: pd.DataFrame, cells: pd.DataFrame, on: list[str], min_cell: int) -> np.ndarray:
    """True where a total of delegates minus some cell's delegates is 1..min_cell-1 ("3 did not vote this").

    ``on`` are the columns the total and the cells share (``territory`` and ``group`` for
    the voters; ``territory`` and ``field`` or ``resource`` for the raters).
    """
    cells = cells if "group" in on else cells[cells["group"] == ALL]
    cells = cells[cells["count"] > 0][[*on, "count"]].astype(dict.fromkeys(on, str))
    totals = frame[on].astype(str).reset_index(drop=True)
    totals["row"] = np.arange(len(frame))
    totals["total"] = frame["count"].to_numpy(dtype=float)
    joined = totals.merge(cells, on=on, how="left")
    rest = joined["total"] - joined["count"]
    small = ((rest > 0) & (rest < min_cell)).groupby(joined["row"]).any()
    return small.reindex(range(len(frame)), fill_value=False).to_numpy(dtype=bool)


def _content_key(data, min_cell: int, bands: Sequence[int]) -> str:
    digest = hashlib.sha256(f"{min_cell}|{list(bands)}|{code_hash(('stats',))}".encode())
    for name in ("entities", "meetings", "attendance", "contributions", "votes"):
        table = getattr(data, name)
        digest.update(name.encode())
        digest.update(pd.util.hash_pandas_object(table, index=False).to_numpy().tobytes())
    return digest.hexdigest()


def _read_cache(path):
    if path is None or not path.is_file():
        return None
    try:
        with path.open("rb") as handle:
            return pickle.load(handle)  # our own file, keyed by content
    except (OSError, pickle.UnpicklingError, EOFError, AttributeError):
        return None


def _write_cache(path, protection: BatchProtection) -> None:
    if path is None:
        return
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        atomic_write_with(path, lambda tmp: Path(tmp).write_bytes(pickle.dumps(protection)))
    except OSError:
        pass  # a read-only processed folder: decide again in the next process


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
