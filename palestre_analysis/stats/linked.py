"""Disclosure control across the whole batch: one decision per count, for every territory at once.

A batch publishes the same counts at several levels (each province, each region of a
national process, the area) and in several tables (composition, participation,
attendance bands, meetings, cells, group comparisons, agreement, contributions).
Suppressing each table of each report on its own lets a reader subtract: the region
minus the other provinces, Italy minus the other regions, the total minus the shown
group. Here every count is decided once, in a *cube* that holds it for every territory
(the places entities count in: provinces and the bodies of a region or of Italy, which
have no report of their own; and every total above them), and every report blanks what
its cube hides.

Rules, for each cube (Hundepool et al. 2012, ch. 5, secondary suppression in linked
tables):

* primary: a count from 1 to ``min_cell - 1`` is hidden, and so is every cell (zeros
  included) of a set whose total is such a count: a zero there would describe the whole
  small group. The bodies of a region (or of Italy) are a place like the provinces: no
  report of their own, but the region minus its provinces gives their counts, and the
  final report compares them with the provinces;
* secondary: the cells of a cube that add up to a published total form a *set*: a
  region's provinces and bodies add up to the region, and in a national process the
  regions and the national bodies add up to Italy
  (:meth:`~palestre_analysis.core.geography.Geography.sums`); the categories, groups,
  bands or meetings add up to their ``all`` margin. A region's count is thus a member of
  Italy's set and the total of its own: the sets nest. In every set the hidden cells are
  either none, or at least two that together hold at least ``min_cell`` units. While a
  set breaks that rule, the shown cell with the smallest count is hidden too (a zero as
  a last resort), and every set is checked again until nothing changes.

A hidden cell may therefore hold any count, zero included: a reader learns only that the
hidden cells of a set hold at least ``min_cell`` units together. Sets only say so much: an
integer program over all of a cube's sets then checks that no hidden cell is pinned or
confined to 1..``min_cell - 1``, knowing what other cubes tell about this one (a meeting
nobody of a territory attended had no newcomers there; a node's contributions are at least
its contributors), and hides more where one is. The attacker of
:mod:`palestre_analysis.audit` checks the result against all the published tables.

Only cubes are built here; :mod:`palestre_analysis.report` applies them to the tables it
publishes (:func:`lookup`).
"""

from __future__ import annotations

import hashlib
import json
import math
import pickle
import weakref
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
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
    sums: Mapping[str, Sequence[str]] | None = None,
    zeros=None,
    at_least: tuple[pd.DataFrame, Mapping[str, str | None]] | None = None,
) -> pd.DataFrame:
    """Hide the cells of one cube: primary suppression, the bodies, and secondary suppression.

    Parameters
    ----------
    cube : DataFrame
        One row per cell: ``territory`` (the places and the totals of ``sums``), the
        ``dims`` columns and ``value``. Every combination must be present (zeros
        included).
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
        cell or confine it to 1..``min_cell - 1``; repeat until none does (or no shown
        cell is left to hide: the attacker of :mod:`palestre_analysis.audit` would say so).
    sums : mapping of str to sequence of str, optional
        The territories that add up to each published total, bottom up (a member may be
        a total listed before it: a region in Italy's sum). By default one total,
        :data:`config.REGION`, of every other territory of the cube.
    zeros : array_like of bool, optional
        Zero cells every reader knows to be zero from another table (the newcomers of a
        meeting that no entity of the territory attended, which its report does not
        list; the contributions to a node nobody of the territory chose): blank or not,
        they protect nothing, so they are never counted or chosen as a partner, and are
        constants of the integer program.
    at_least : tuple of (DataFrame, mapping), optional
        A cube already protected (with its ``hidden`` column) and its ``dims``, whose every
        cell is at most the cell of ``cube`` with the same territory and keys (a node's
        contributors, at most its contributions). The integer-program check knows it: the
        other cube's shown cells bound these from below, its hidden cells with all its sets.

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

    Nested totals: two regions and the national bodies add up to Italy. Region S is
    shown (12), so its single small province C and its bodies are hidden together; Italy
    minus R minus the national bodies would give S anyway, and nothing more.

    >>> cube = pd.DataFrame({"territory": ["A", "B", "C", "bS", "bI", "R", "S", "Italia"],
    ...                      "count": [7, 8, 2, 10, 6, 15, 12, 33]})
    >>> sums = {"R": ["A", "B"], "S": ["C", "bS"], "Italia": ["R", "S", "bI"]}
    >>> protect_cube(cube, {}, 5, sums=sums)["hidden"].tolist()
    [False, False, True, True, False, False, False, False]
    """
    min_cell = check_min_cell(min_cell)
    n = cube[value].to_numpy(dtype=float)
    hidden = (n > 0) & (n < min_cell)
    if initial is not None:
        hidden |= np.asarray(initial, dtype=bool)
    known = np.zeros(len(n), dtype=bool) if zeros is None else np.asarray(zeros, dtype=bool) & (n == 0)
    if sums is None:
        territories = pd.unique(cube["territory"])
        sums = {config.REGION: [t for t in territories if t != config.REGION]}
    sets = _Sets(_sets(cube, dims, sums), len(cube))
    known_zero = np.zeros(len(n), dtype=bool)  # cells of a set whose total is a shown zero
    for members, margin in sets:
        if margin >= 0 and n[margin] == 0:
            known_zero[members] = True
    for members, margin in sets:
        if margin >= 0 and 0 < n[margin] < min_cell:
            # a small group's zeros describe all of it ("none of its entities came"): hide them too,
            # unless another total of zero gives them away anyway
            hidden[members] |= ~known_zero[members]
    below = None if at_least is None else _Below.of(cube, at_least, sums)
    pending, safe = [True] * len(sets), set()
    while True:
        sets.widen(n, hidden, pending, min_cell, zeros_known, known)
        # the rules look at one set at a time; an integer program over all the cube's sets
        # finds what several sets give away together, and one more cell is hidden there
        exposed = _exposed(n, hidden, sets, min_cell, zeros_known, known, below, safe) if check else []
        before = int(hidden.sum())
        for cell in exposed:
            _hide_beside(cell, n, hidden, sets, pending, known)
        if not exposed or hidden.sum() == before:  # nothing exposed, or nothing left to hide
            return cube.assign(hidden=hidden)


def _sets(
    cube: pd.DataFrame, dims: Mapping[str, str | None], sums: Mapping[str, Sequence[str]]
) -> list[tuple[np.ndarray, int]]:
    """Each set of cells that add up to one published total: (its members, the total's row).

    The territory sets come first, total by total in the order of ``sums``; then the sets
    of each dimension with a margin. Within a dimension, sets follow the order in which
    their other coordinates first appear in the cube, and members keep the cube's order.
    """
    territory = cube["territory"]
    margins = {"territory": None, **dims}
    sets = []
    for dim in margins:
        if dim != "territory" and margins[dim] is None:
            continue
        others = [d for d in margins if d != dim]
        labels = cube.groupby(others, sort=False).ngroup().to_numpy() if others else np.zeros(len(cube), dtype=np.int64)
        if dim == "territory":
            for total, members in sums.items():
                is_member = territory.isin(list(members)).to_numpy()
                sets += _split(labels, is_member, (territory == total).to_numpy())
        else:
            is_margin = cube[dim].to_numpy() == margins[dim]
            sets += _split(labels, ~is_margin, is_margin)
    return sets


def _split(labels: np.ndarray, is_member: np.ndarray, is_total: np.ndarray) -> list[tuple[np.ndarray, int]]:
    """The sets of one kind, one per label: members (cube order) and the total's row (-1 if none)."""
    rows = np.flatnonzero(is_member | is_total)
    if not len(rows):
        return []
    rows = rows[np.argsort(labels[rows], kind="stable")]
    cuts = np.flatnonzero(np.diff(labels[rows])) + 1
    found = []
    for chunk in np.split(rows, cuts):
        totals = chunk[is_total[chunk]]
        found.append((chunk[is_member[chunk]], int(totals[0]) if len(totals) else -1))
    return found


class _Sets:
    """The sets of a cube, and for each cell the sets it belongs to (as member or total)."""

    def __init__(self, sets: list[tuple[np.ndarray, int]], n_cells: int):
        self.sets = sets
        cells = [np.r_[members, [margin]] if margin >= 0 else members for members, margin in sets]
        owner = np.repeat(np.arange(len(sets)), [len(c) for c in cells])
        flat = np.concatenate(cells).astype(np.int64) if cells else np.zeros(0, dtype=np.int64)
        order = np.argsort(flat, kind="stable")  # per cell, its sets in ascending order
        self._owners = owner[order]
        self._starts = np.searchsorted(flat[order], np.arange(n_cells + 1))

    def __len__(self) -> int:
        return len(self.sets)

    def __iter__(self):
        return iter(self.sets)

    def containing(self, cell: int) -> np.ndarray:
        """The sets that hold ``cell``, in ascending order."""
        return self._owners[self._starts[cell] : self._starts[cell + 1]]

    def mark(self, cell: int, pending: list) -> None:
        """Flag every set that holds ``cell`` for another look."""
        for s in self.containing(cell):
            pending[s] = True

    def widen(self, n, hidden, pending: list, min_cell: int, zeros_known: bool, known) -> None:
        """Apply :func:`_widen` to every set, in order, pass after pass, until no set changes.

        A set is looked at again only when one of its cells changed since its last look:
        :func:`_widen` depends on nothing else, so the result is that of passes over all
        the sets, at a fraction of the cost on a national cube.
        """
        while any(pending):
            for s, (members, margin) in enumerate(self.sets):
                if not pending[s]:
                    continue
                pending[s] = False
                changed = _widen(n, hidden, members, margin, min_cell, zeros_known, known)
                if changed >= 0:
                    self.mark(changed, pending)


@dataclass(frozen=True)
class _Below:
    """Another protected cube whose cells are at most this cube's matching cells (see ``at_least``)."""

    counts: np.ndarray
    hidden: np.ndarray
    sets: list
    match: np.ndarray  # for each cell of the cube protected, the other cube's row (-1: none)

    @classmethod
    def of(cls, cube: pd.DataFrame, at_least: tuple, sums: Mapping[str, Sequence[str]]) -> _Below:
        other, dims = at_least
        keys = [c for c in other.columns if c not in ("count", "hidden")]
        rows = other[keys].astype(str).assign(_row=np.arange(len(other)))
        match = cube[keys].astype(str).merge(rows, on=keys, how="left")["_row"]
        return cls(
            other["count"].to_numpy(dtype=float),
            other["hidden"].to_numpy(dtype=bool),
            _sets(other, dims, sums),
            match.fillna(-1).to_numpy(dtype=np.int64),
        )

    def add_to(self, problem: Problem, n: np.ndarray, known: np.ndarray) -> None:
        """Its hidden cells as unknowns bound by its sets, and each cell of ours at least its match.

        ``known`` marks our cells that are constants of the program (shown, or known zeros).
        """
        for members, margin in self.sets:
            if margin < 0 or not len(members):
                continue
            cells = np.r_[members, margin]
            signs = np.r_[np.ones(len(members)), -1.0]
            free = self.hidden[cells]
            if free.any():
                rest = -float(signs[~free] @ self.counts[cells[~free]])
                terms = {("below", int(c)): float(v) for c, v in zip(cells[free], signs[free], strict=True)}
                problem.add(terms, rest, rest)
        for i, j in enumerate(self.match):
            if j < 0:
                continue
            if known[i] and self.hidden[j]:  # a shown count of ours bounds the other from above
                problem.add({("below", int(j)): 1}, 0, n[i])
            elif not known[i] and self.hidden[j]:
                problem.add({int(i): 1, ("below", int(j)): -1}, 0, math.inf)
            elif not known[i] and self.counts[j] > 0:
                problem.add({int(i): 1}, self.counts[j], math.inf)


def _widen(
    n: np.ndarray,
    hidden: np.ndarray,
    members: np.ndarray,
    margin: int,
    min_cell: int,
    zeros_known: bool,
    known: np.ndarray,
) -> int:
    """Hide one more cell of a set that breaks the rule (its total, when none is left); the cell, or -1.

    ``known`` marks the zeros every reader knows (see :func:`protect_cube`'s ``zeros``).
    """
    if margin >= 0 and hidden[margin]:
        if hidden[members].any() or len(members) == 0:
            return -1  # the hidden total and a hidden member: two unknowns in one sum
        # every member is shown, so they add up to the hidden total: one of them goes
        nonzero = members[n[members] > 0]
        pool = nonzero if len(nonzero) else members[~known[members]]
        if not len(pool):
            return -1
        cell = int(pool[np.argmin(n[pool])])
        hidden[cell] = True
        return cell
    blank = members[hidden[members] & ((n[members] > 0) | (not zeros_known)) & ~known[members]]
    if len(blank) == 0:
        return -1
    floor = 1 if zeros_known else 0
    if len(blank) >= 2 and n[blank].sum() - (len(blank) - 1) * floor >= min_cell:
        return -1
    shown = members[~hidden[members] & ~known[members]]
    nonzero = shown[n[shown] > 0]
    pool = nonzero if (len(nonzero) or zeros_known) else shown
    if len(pool):
        cell = int(pool[np.argmin(n[pool])])
    elif margin >= 0:
        cell = margin  # nothing left to hide with them: the total goes instead
    else:
        return -1
    hidden[cell] = True
    return cell


def _exposed(n, hidden, sets, min_cell: int, zeros_known: bool, known, below=None, safe=None) -> list[int]:
    """Hidden cells that the shown cells and the totals pin, or confine to 1..min_cell-1.

    The unknowns are the hidden cells only: a shown cell (and, with ``zeros_known``, a
    hidden zero) is a constant of every sum it is in. Feasible tables (the true one,
    :func:`_cover`'s, random directions, then each extreme) settle the hidden cells of their
    part whenever they already show them safe; only the rest get exact bounds. Which cells
    are exposed depends on the exact bounds alone, never on the tables sampled.

    ``safe`` holds the cells shown safe in an earlier round, and gets this round's: hiding
    more cells only turns constants into unknowns, so a feasible table stays feasible and a
    safe cell stays safe.
    """
    safe = set() if safe is None else safe
    known = ~hidden | (zeros_known & (n == 0)) | known
    value = np.where(hidden, 0.0, n)
    problem = Problem()
    targets = [int(i) for i in np.flatnonzero(~known)]
    for i in targets:
        problem.var(i)
    if below is not None:
        below.add_to(problem, n, known)
    for members, margin in sets:
        if margin < 0 or not len(members):
            continue
        cells = np.r_[members, margin]
        signs = np.r_[np.ones(len(members)), -1.0]
        free = ~known[cells]
        if not free.any():
            continue
        rest = -float(signs[~free] @ value[cells[~free]])
        problem.add(dict(zip(cells[free].tolist(), signs[free].tolist(), strict=True)), rest, rest)
    observed = {i: (n[i], n[i]) for i in targets}  # the true table is one of the feasible ones
    unsure = [i for i in targets if i not in safe]
    parts: dict[tuple, list[int]] = {}
    for i in unsure:
        parts.setdefault(problem.part_of({i: 1}), []).append(i)
    for part, members in parts.items():
        _cover(problem, observed, members, min_cell)
        if _unsettled(observed, members, min_cell):
            for solution in problem.solutions(part, 6):
                _observe(observed, members, solution)
    exposed = []
    for i in unsure:
        if i in observed and settled(*observed[i], True, min_cell):
            continue
        members = parts[problem.part_of({i: 1})]
        extremes = []
        for maximise in (False, True):
            extreme, solution = problem.optimum({i: 1}, maximise)
            extremes.append(extreme)
            if solution is not None:
                _observe(observed, members, solution)
            if settled(*observed.get(i, (extreme, extreme)), True, min_cell):
                break
        else:
            if not settled(extremes[0], extremes[1], True, min_cell):
                exposed.append(i)
    safe.update(set(unsure) - set(exposed))
    return exposed


def _cover(problem: Problem, observed: dict, members: list[int], min_cell: int, rounds: int = 8) -> None:
    """Find feasible tables that show the hidden cells of a part safe, many cells per integer program.

    A cell is safe once it took two values, one of them 0 or at least ``min_cell``. The
    cells not yet shown safe are pushed down together (their sum at its minimum), then as
    many of them as possible above zero together (binary indicators, one per cell): two
    programs settle most of a part, where one per cell and direction would cost hundreds
    on a national cube. Rounds go on while they settle any cell; the rest get exact bounds.
    """
    lifted = None
    for _ in range(rounds):
        unsettled = _unsettled(observed, members, min_cell)
        if not unsettled:
            return
        _, solution = problem.optimum(dict.fromkeys(unsettled, 1), False)
        if solution is not None:
            _observe(observed, members, solution)
        if not (rest := _unsettled(observed, unsettled, min_cell)):
            return
        if lifted is None:  # y_i in {0, 1}, y_i <= x_i: the number of cells above zero, to maximise
            lifted = Problem(index=dict(problem.index), upper=list(problem.upper), rows=list(problem.rows))
            for i in members:
                lifted.var(("y", i), 1)
                lifted.add({i: 1, ("y", i): -1}, 0, math.inf)
        _, solution = lifted.optimum({("y", i): 1 for i in rest}, True)
        if solution is not None:
            _observe(observed, members, solution)
        if len(_unsettled(observed, rest, min_cell)) == len(unsettled):
            return


def _unsettled(observed: dict, members: list[int], min_cell: int) -> list[int]:
    return [i for i in members if not (i in observed and settled(*observed[i], True, min_cell))]


def _observe(observed: dict, members: list[int], solution: dict) -> None:
    """Widen each hidden cell's range of values with one feasible table."""
    for i in members:
        found = solution.get(i, 0)
        low, high = observed.get(i, (found, found))
        observed[i] = (min(low, found), max(high, found))


def _hide_beside(cell: int, n, hidden, sets: _Sets, pending: list, known) -> None:
    """Hide the smallest shown cell of a set that holds ``cell`` (its total when none is left)."""
    best = None
    for s in sets.containing(cell):
        members, margin = sets.sets[s]
        pool = [int(m) for m in members if not hidden[m] and not known[m]] + (
            [int(margin)] if margin >= 0 and not hidden[margin] and not known[margin] else []
        )
        for candidate in pool:
            key = (n[candidate] == 0, n[candidate])  # a non-zero cell protects better than a zero
            if best is None or key < best[0]:
                best = (key, candidate)
    if best is not None:
        hidden[best[1]] = True
        sets.mark(best[1], pending)


@dataclass(frozen=True)
class BatchProtection:
    """The hidden cells of every cube of a batch (see the module docstring).

    Parameters
    ----------
    min_cell : int
        The threshold the cubes were protected with.
    cubes : dict of str to DataFrame
        Each cube with its ``territory``, dimension columns, ``count`` and ``hidden``.
    sums : dict of str to tuple of str, default {}
        The territories of the cubes that add up to each published total, bottom up
        (:attr:`._cubes.Territories.sums`): a region's provinces and bodies, Italy's
        regions and national bodies.
    """

    min_cell: int
    cubes: dict
    sums: dict = field(default_factory=dict)

    def hidden(self, name: str, territory: str) -> pd.DataFrame:
        """The cells of cube ``name`` for one territory, with ``count`` and ``hidden``.

        Parameters
        ----------
        name : str
            A key of :attr:`cubes`.
        territory : str
            Any territory of the reports, by its Italian name: the area, a region of a
            national process, a province; or the bodies of a region or of Italy
            (:func:`~palestre_analysis.core.geography.bodies_label`). A place without
            entities has no cells (an empty frame: :func:`lookup` reads it as hidden).

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
    """Protect every count a batch publishes, from the tables of the whole area.

    Parameters
    ----------
    data : Processed
        The processed tables of the whole area
        (:func:`~palestre_analysis.ingest.processed.load_processed`): their geography
        gives the territories and how they nest, their process the groups and nodes.
    min_cell : int
        Threshold.
    bands : sequence of int
        Lower edges of the published attendance bands.
    cache_dir : Path, optional
        The processed folder: the decisions are kept in its hidden ``.disclosure``
        sub-folder, keyed by the tables' content, the process, the threshold, the bands
        and the code of :mod:`palestre_analysis.stats`, so that the reports of one batch
        (one process each) decide once.

    Returns
    -------
    BatchProtection
        Cubes ``entities`` (category), ``attendance`` (band), ``present`` and
        ``newcomers`` (meeting), ``voters`` (group), ``cells`` (field, resource, need,
        group), ``raters`` (field), ``resource_raters`` (resource), ``contributors`` and
        ``contributions`` (node), ``contributing``; each for every place holding an
        entity and every total above them.

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
        layout = _cubes.territories(data)
        cubes = _protect_all(data, min_cell, bands, layout)
        protection = BatchProtection(min_cell=min_cell, cubes=cubes, sums=dict(layout.sums))
        _write_cache(path, protection)
    _CACHE[key] = (weakref.ref(data), protection)
    return protection


def _protect_all(data, min_cell: int, bands: Sequence[int], layout: _cubes.Territories | None = None) -> dict:
    layout = _cubes.territories(data) if layout is None else layout
    cubes = {}
    built = _cubes.build(data, bands, layout)
    for name, (frame, dims) in built.items():
        initial = np.zeros(len(frame), dtype=bool)
        if name in _cubes.HIDDEN_WITH:  # a count blanked with another one starts hidden
            initial |= _beside(frame, cubes[_cubes.HIDDEN_WITH[name]], "hidden")
        zeros = at_least = None
        if name in _cubes.ZEROS_WITH:  # zero wherever another count is a zero every reader sees
            zeros = _beside(frame, cubes[_cubes.ZEROS_WITH[name]], "count") == 0
        if name in _cubes.AT_LEAST:  # at least another count, shown or bounded by its own sets
            other = _cubes.AT_LEAST[name]
            at_least = (cubes[other], built[other][1])
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
            sums=layout.sums,
            zeros=zeros,
            at_least=at_least,
        )
    return cubes


def _beside(frame: pd.DataFrame, other: pd.DataFrame, column: str) -> np.ndarray:
    """For each cell of ``frame``, ``column`` of the same cell in the protected cube ``other``.

    A cell ``other`` lacks gets False (``hidden``) or NaN (``count``).
    """
    keys = [c for c in other.columns if c not in ("count", "hidden")]
    merged = frame[keys].merge(other[[*keys, column]], on=keys, how="left")[column]
    if column == "hidden":
        return merged.astype("boolean").fillna(False).to_numpy(dtype=bool)
    return merged.to_numpy(dtype=float)


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
    geography, process = data.geography, data.process  # the places and their nesting, the groups and nodes
    shape = {"area": geography.area.name, "on": geography.on.isoformat(), "nodes": list(process.nodes)}
    shape["groups"] = [g.key for g in process.groups]
    digest.update(json.dumps(shape, sort_keys=True).encode())
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
