"""An integer program over unknown counts: what can be derived about them from linear facts.

Shared by the disclosure control (:mod:`.linked`, which checks its own suppression
pattern with it) and by the attacker (:mod:`palestre_analysis.audit`, which reads the
published files).

Every unknown is a non-negative integer (a count of entities, delegates or
contributions). Every published fact is a linear constraint ``lo <= sum(c * x) <= hi``:
an exact count, a sum, a share times a total, a rounded mean times its count. The
narrowest interval of any linear expression of the unknowns is two integer programs
(its minimum and its maximum), solved with ``scipy.optimize.milp`` (HiGHS) on the
connected part of the problem the expression touches.

Written by hand: sdcTable's ``attack()`` and tau-Argus's audit do this for their own
table formats, and no Python library takes arbitrary linked tables.
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Mapping
from dataclasses import dataclass, field

import numpy as np
from scipy import sparse
from scipy.optimize import Bounds, LinearConstraint, milp

__all__ = ["Problem", "settled"]


@dataclass
class Problem:
    """Unknown integer counts and the linear facts that bind them.

    Examples
    --------
    Two hidden cells of a row whose total is 7, one of them at least 5:

    >>> p = Problem()
    >>> p.add({"a": 1, "b": 1}, 7, 7)
    >>> p.add({"a": 1}, 5, math.inf)
    >>> p.bounds({"a": 1}), p.bounds({"b": 1})
    ((5.0, 7.0), (0.0, 2.0))
    """

    index: dict = field(default_factory=dict)
    upper: list = field(default_factory=list)
    rows: list = field(default_factory=list)

    def var(self, key: Hashable, upper: float = math.inf) -> int:
        """The column of unknown ``key``, created on first use (lower bound 0).

        Parameters
        ----------
        key : hashable
            The unknown's name.
        upper : float, default inf
            An upper bound known a priori; the smallest one given is kept.

        Returns
        -------
        int
        """
        column = self.index.get(key)
        if column is None:
            column = self.index[key] = len(self.upper)
            self.upper.append(math.inf)
        self.upper[column] = min(self.upper[column], upper)
        return column

    def add(self, terms: Mapping[Hashable, float], lo: float, hi: float) -> None:
        """Add the fact ``lo <= sum(coefficient * unknown) <= hi``.

        Parameters
        ----------
        terms : mapping of key to float
            Unknowns and their coefficients (a key may be new).
        lo, hi : float
            Bounds; ``-inf`` or ``inf`` for none.
        """
        columns = {}
        for key, coefficient in terms.items():
            if coefficient:
                column = self.var(key)
                columns[column] = columns.get(column, 0.0) + float(coefficient)
        if columns:
            self.rows.append((columns, float(lo), float(hi)))

    def bounds(self, terms: Mapping[Hashable, float]) -> tuple[float, float]:
        """The smallest and largest integer value of a linear expression, under every fact.

        Parameters
        ----------
        terms : mapping of key to float

        Returns
        -------
        tuple of float
            ``(minimum, maximum)``; ``inf`` when the maximum is unbounded.

        Raises
        ------
        RuntimeError
            When the facts contradict each other (the published tables are inconsistent
            with the attacker's model of them).
        """
        target = {self.var(k): float(c) for k, c in terms.items() if c}
        columns, matrix, lo, hi = self._part(set(target))
        position = {c: i for i, c in enumerate(columns)}
        objective = np.zeros(len(columns))
        for column, coefficient in target.items():
            objective[position[column]] = coefficient
        upper = np.array([self.upper[c] for c in columns])
        low = self._solve(objective, matrix, lo, hi, upper)
        high = self._solve(-objective, matrix, lo, hi, upper)
        return low, (-high if math.isfinite(high) else math.inf)

    def optimum(self, terms: Mapping[Hashable, float], maximise: bool) -> tuple[float, dict | None]:
        """The extreme value of an expression and one table that reaches it.

        Parameters
        ----------
        terms : mapping of key to float
        maximise : bool

        Returns
        -------
        tuple
            ``(value, solution)``: ``inf`` and ``None`` when unbounded; the solution maps
            every unknown of the part to its value.
        """
        target = {self.var(k): float(c) for k, c in terms.items() if c}
        columns, matrix, lo, hi = self._part(set(target))
        position = {c: i for i, c in enumerate(columns)}
        objective = np.zeros(len(columns))
        for column, coefficient in target.items():
            objective[position[column]] = -coefficient if maximise else coefficient
        upper = np.array([self.upper[c] for c in columns])
        x = self._solve_point(objective, matrix, lo, hi, upper)
        if x is None:
            value = self._solve(objective, matrix, lo, hi, upper)  # raises when infeasible
            return (math.inf if maximise else value), None
        keys = {column: key for key, column in self.index.items()}
        solution = {keys[c]: int(round(v)) for c, v in zip(columns, x, strict=True)}
        value = sum(c * solution[k] for k, c in terms.items() if c)
        return float(value), solution

    def part_of(self, terms: Mapping[Hashable, float]) -> tuple:
        """The key of the connected part an expression lies in (targets of one part share solutions)."""
        self._part({self.var(k) for k in terms})
        labels = self._parts[1]
        return tuple(sorted({int(labels[self.index[k]]) for k in terms}))

    def solutions(self, part: tuple, count: int, seed: int = 0) -> list[dict]:
        """Integer solutions of one part, each optimal for a random direction (a spread of feasible tables).

        Parameters
        ----------
        part : tuple
            A key from :meth:`part_of`.
        count : int
            How many directions (each gives one solution).
        seed : int, default 0

        Returns
        -------
        list of dict
            Each maps unknown key to its value in that solution.
        """
        any_column = int(np.flatnonzero(np.isin(self._parts[1], list(part)))[0])
        columns, matrix, lo, hi = self._part({any_column})
        upper = np.array([self.upper[c] for c in columns])
        finite = np.where(np.isfinite(upper), upper, np.nan)
        cap = np.nanmax(finite) if np.isfinite(finite).any() else 0.0
        keys = {column: key for key, column in self.index.items()}
        rng = np.random.default_rng(seed)
        found = []
        for _ in range(count):
            direction = rng.normal(size=len(columns))
            # an unbounded direction has no optimum: bound every unknown by a generous cap for sampling
            bounded = np.where(np.isfinite(upper), upper, max(cap, 1.0) * 10 + 100)
            x = self._solve_point(direction, matrix, lo, hi, bounded)
            if x is not None:
                found.append({keys[c]: int(round(v)) for c, v in zip(columns, x, strict=True)})
        return found

    def _part(self, seeds: set[int]):
        """The connected part of the problem that holds ``seeds``: its columns, matrix and bounds.

        Parts are found once (and again only after new facts), and each part's matrix is
        built once: a batch has thousands of targets in a few parts.
        """
        state = getattr(self, "_parts", None)
        if state is None or state[0] != (len(self.rows), len(self.upper)):
            state = ((len(self.rows), len(self.upper)), self._label_parts(), {})
            self._parts = state
        _, labels, built = state
        wanted = {int(labels[c]) for c in seeds}
        key = tuple(sorted(wanted))
        if key not in built:
            columns = np.flatnonzero(np.isin(labels, list(wanted)))
            position = {int(c): i for i, c in enumerate(columns)}
            rows = [r for r, (cols, _, _) in enumerate(self.rows) if labels[next(iter(cols))] in wanted]
            built[key] = ([int(c) for c in columns], *self._matrix(rows, position))
        return built[key]

    def _label_parts(self) -> np.ndarray:
        """Connected components of unknowns that share a fact."""
        from scipy.sparse.csgraph import connected_components

        heads, tails = [], []
        for columns, _, _ in self.rows:
            first, *rest = columns
            heads.extend([first] * len(rest))
            tails.extend(rest)
        n = len(self.upper)
        graph = sparse.coo_array((np.ones(len(heads)), (heads, tails)), shape=(n, n))
        return connected_components(graph, directed=False)[1]

    def _matrix(self, rows: list[int], position: dict[int, int]):
        data, row_index, col_index, lo, hi = [], [], [], [], []
        for i, r in enumerate(rows):
            columns, low, high = self.rows[r]
            for column, coefficient in columns.items():
                data.append(coefficient)
                row_index.append(i)
                col_index.append(position[column])
            lo.append(low)
            hi.append(high)
        matrix = sparse.csr_array((data, (row_index, col_index)), shape=(len(rows), len(position)))
        return matrix, np.array(lo), np.array(hi)

    @staticmethod
    def _solve_point(objective, matrix, lo, hi, upper):
        constraints = [LinearConstraint(matrix, lo, hi)] if matrix.shape[0] else []
        result = milp(
            objective,
            constraints=constraints,
            integrality=np.ones(len(objective)),
            bounds=Bounds(np.zeros(len(objective)), upper),
        )
        return result.x if result.status == 0 else None

    @staticmethod
    def _solve(objective, matrix, lo, hi, upper) -> float:
        constraints = [LinearConstraint(matrix, lo, hi)] if matrix.shape[0] else []

        def solve(c):
            return milp(
                c,
                constraints=constraints,
                integrality=np.ones(len(c)),
                bounds=Bounds(np.zeros(len(c)), upper),
            )

        result = solve(objective)
        if result.status == 0 and result.x is not None:
            return float(round(result.fun))
        # HiGHS may answer "infeasible or unbounded": a feasible point means unbounded
        if solve(np.zeros_like(objective)).status == 0:
            return -math.inf
        raise RuntimeError(f"the published facts admit no solution ({result.message})")


def settled(low: float, high: float, published_blank: bool, min_cell: int) -> bool:
    """True when a count's known range already shows it is safe: not pinned, not confined to small counts.

    Parameters
    ----------
    low, high : float
        Values the count takes in some feasible tables (or its exact bounds).
    published_blank : bool
        True for a blank cell of a published table (it must not be pinned either).
    min_cell : int

    Returns
    -------
    bool

    Examples
    --------
    >>> settled(0, 3, True, 5), settled(2, 4, True, 5), settled(7, 7, True, 5), settled(7, 7, False, 5)
    (True, False, False, True)
    """
    outside_small = low == 0 or low >= min_cell or high >= min_cell
    if not published_blank:
        return outside_small
    return high > low and outside_small
