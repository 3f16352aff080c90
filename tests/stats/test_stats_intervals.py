"""The attacker's integer program, checked against brute-force enumeration.

Oracle: listing every integer point of a small bounded system (an independent
implementation: no solver), as the audit of tau-Argus and sdcTable's ``attack()`` define
the interval of a suppressed cell — its minimum and maximum over every table that agrees
with the published cells (Hundepool et al. 2012, *Statistical Disclosure Control*, §4.3).
"""

from __future__ import annotations

import itertools
import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from palestre_analysis.stats.intervals import Problem


def brute_force(n_vars, upper, rows, target):
    values = []
    for x in itertools.product(*[range(u + 1) for u in upper]):
        if all(lo <= sum(c * x[i] for i, c in terms.items()) <= hi for terms, lo, hi in rows):
            values.append(sum(c * x[i] for i, c in target.items()))
    return (min(values), max(values)) if values else None


def test_a_table_with_margins_pins_a_lone_hidden_cell():
    # 2 x 2 table, every margin published, one cell shown: the other three follow
    p = Problem()
    cells = {(r, c): ("x", r, c) for r in range(2) for c in range(2)}
    for r, total in enumerate((7, 9)):
        p.add({cells[r, 0]: 1, cells[r, 1]: 1}, total, total)
    for c, total in enumerate((10, 6)):
        p.add({cells[0, c]: 1, cells[1, c]: 1}, total, total)
    p.add({cells[0, 0]: 1}, 4, 4)
    assert p.bounds({cells[1, 1]: 1}) == (3, 3)


def test_without_a_shown_cell_the_interval_is_the_feasible_range():
    p = Problem()
    cells = {(r, c): ("x", r, c) for r in range(2) for c in range(2)}
    for r, total in enumerate((7, 9)):
        p.add({cells[r, 0]: 1, cells[r, 1]: 1}, total, total)
    for c, total in enumerate((10, 6)):
        p.add({cells[0, c]: 1, cells[1, c]: 1}, total, total)
    # x00 = 7 - x01, x01 <= 6, x00 <= 10 -> x00 in [1, 7]
    assert p.bounds({cells[0, 0]: 1}) == (1, 7)


def test_an_unbounded_count_has_an_infinite_maximum():
    p = Problem()
    p.add({"a": 1, "b": -1}, 0, math.inf)
    assert p.bounds({"b": 1}) == (0, math.inf)


def test_contradictory_facts_are_an_error_not_an_interval():
    p = Problem()
    p.add({"a": 1}, 3, 3)
    p.add({"a": 1}, 5, 5)
    with pytest.raises(RuntimeError, match="no solution"):
        p.bounds({"a": 1})


@given(
    upper=st.lists(st.integers(0, 4), min_size=2, max_size=4),
    data=st.data(),
)
def test_bounds_match_brute_force_on_small_systems(upper, data):
    n = len(upper)
    rows = []
    for _ in range(data.draw(st.integers(1, 3))):
        chosen = data.draw(st.lists(st.integers(0, n - 1), min_size=1, max_size=n, unique=True))
        terms = {i: data.draw(st.sampled_from([1, 1, 2, -1])) for i in chosen}
        point = [data.draw(st.integers(0, u)) for u in upper]  # a feasible point keeps it non-empty
        value = sum(c * point[i] for i, c in terms.items())
        slack = data.draw(st.integers(0, 2))
        rows.append((terms, value - slack, value + data.draw(st.integers(0, 2))))
    target = {data.draw(st.integers(0, n - 1)): 1}
    expected = brute_force(n, upper, rows, target)
    p = Problem()
    for i, u in enumerate(upper):
        p.var(i, upper=u)
    for terms, lo, hi in rows:
        p.add(terms, lo, hi)
    if expected is None:
        with pytest.raises(RuntimeError):
            p.bounds(target)
    else:
        assert p.bounds(target) == expected
