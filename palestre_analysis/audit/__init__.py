"""The attacker: what can be rebuilt from everything a batch published.

Reads only the published files of a batch (the CSV tables of every territory and the
manifest) and what any reader knows of its process (the area and its places: provinces,
regions of a national process, Italy), turns every number of every report territory into
linear facts over the unknown counts of each place (:mod:`.published`), and bounds every
blank count with integer programs (:mod:`palestre_analysis.stats.intervals`). A count is
*disclosed* when a blank cell is pinned to one value, or when any count (a blank cell, or
a count no table shows, like the bodies' of a region or of Italy) is confined to
1..``min_cell - 1``.

``palestre audit`` runs it on a batch and prints the protection report; the test suite
runs it on the demo batch and on generated data sets.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from pathlib import Path

from palestre_analysis import config
from palestre_analysis.core.process import Process
from palestre_analysis.stats.intervals import settled

from .published import Facts, Target, read_batch

__all__ = ["Finding", "Audit", "attack", "min_cell_of", "protection_report"]


@dataclass(frozen=True)
class Finding:
    """The narrowest interval the attacker found for one count.

    Parameters
    ----------
    target : Target
        The count.
    low, high : float
        Its smallest and largest possible value (``exact``), or the smallest and largest
        found in sampled feasible tables (the true interval holds them).
    disclosed : bool
        Whether the interval discloses it (see the module docstring).
    exact : bool, default True
        False when sampled tables already proved the count safe, without exact bounds.
    """

    target: Target
    low: float
    high: float
    disclosed: bool
    exact: bool = True


@dataclass(frozen=True)
class Audit:
    """The result of an attack on one batch.

    Parameters
    ----------
    min_cell : int
        The threshold the batch promised.
    findings : list of Finding
        One per distinct count attacked.
    tables_read : list of str
    not_enumerated : list of str
        Non-linear statistics with too many candidates to list.
    shown : list of Finding
        Counts the tables print; one from 1 to ``min_cell - 1`` is a disclosure as it stands.
    """

    min_cell: int
    findings: list
    tables_read: list
    not_enumerated: list
    shown: list

    @property
    def disclosures(self) -> list:
        """Every finding that discloses a count, printed or rebuilt."""
        return [f for f in self.shown if f.disclosed] + [f for f in self.findings if f.disclosed]

    @property
    def safe(self) -> bool:
        """True when nothing is disclosed."""
        return not self.disclosures


def min_cell_of(reports_dir: Path | str) -> int:
    """The threshold a batch was run with, from its manifest (the smallest, if several).

    Parameters
    ----------
    reports_dir : Path or str

    Returns
    -------
    int
        ``config.MIN_CELL`` when the manifest is missing or names none.
    """
    path = Path(reports_dir) / "manifest.json"
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return config.MIN_CELL
    values = [
        report.get("parameters", {}).get("min_cell")
        for report in manifest.get("reports", {}).values()
        if isinstance(report, dict)
    ]
    values = [int(v) for v in values if isinstance(v, int | float)]
    return min(values) if values else config.MIN_CELL


def attack(reports_dir: Path | str, min_cell: int | None = None, *, process: Process | None = None) -> Audit:
    """Bound every count a batch hides, from all its published tables together.

    Parameters
    ----------
    reports_dir : Path or str
        The reports folder of a batch.
    min_cell : int, optional
        The threshold to check; by default the one in the batch's manifest.
    process : Process, optional
        The batch's process, for its geography and groups; by default the one the
        manifest records, or the seed's with the area of the report folders
        (:func:`.published.batch_process`).

    Returns
    -------
    Audit
    """
    min_cell = min_cell_of(reports_dir) if min_cell is None else int(min_cell)
    facts = read_batch(reports_dir, process=process)
    shown = [Finding(t, v, v, 0 < v < min_cell) for t, v in facts.shown]
    return Audit(min_cell, _bound_all(facts, min_cell), facts.tables_read, facts.not_enumerated, shown)


#: Random directions solved per part of the problem: each gives a whole feasible table, and
#: so a value of every target at once.
_SAMPLES = 12
#: Per table, the targets with the narrowest sampled range whose exact interval is computed
#: for the protection report.
_REPORTED = 3


def _bound_all(facts: Facts, min_cell: int) -> list:
    """Bound every target: sampled solutions first, exact integer programs where they do not settle it.

    A target is settled as safe once two feasible tables give it different values and one
    of them lies outside 1..``min_cell - 1``: then it is neither pinned nor confined to
    small counts, whatever its exact interval. Every other target gets its exact minimum
    and maximum; so do the narrowest targets of each table, for the report.
    """
    findings = [Finding(t, low, high, _disclosed(low, high, False, min_cell)) for t, low, high in facts.found]
    problem = facts.problem
    distinct: dict[tuple, list] = {}
    for target in facts.targets:
        distinct.setdefault((target.terms, target.published_blank), []).append(target)
    observed = _sample(problem, [terms for terms, _ in distinct])
    by_part: dict[tuple, list] = {}
    for terms, _ in distinct:
        by_part.setdefault(problem.part_of(dict(terms)), []).append(terms)
    exact: dict[tuple, tuple] = {}
    for (terms, blank), _ in distinct.items():
        if terms in observed and settled(*observed[terms], blank, min_cell):
            continue
        # the extremes of this count; each table found also moves every other count of its part
        extremes = []
        for maximise in (True, False):
            value, solution = problem.optimum(dict(terms), maximise)
            extremes.append(value)
            if solution is not None:
                _observe(observed, by_part[problem.part_of(dict(terms))], solution)
        exact[terms] = (extremes[1], extremes[0])
    by_table: dict[str, list] = {}
    for (terms, _), targets in distinct.items():
        if terms not in exact:
            low, high = observed[terms]
            by_table.setdefault(targets[0].table, []).append((high - low, terms))
    for candidates in by_table.values():
        for _, terms in sorted(candidates)[:_REPORTED]:
            exact[terms] = problem.bounds(dict(terms))
    for (terms, blank), targets in distinct.items():
        low, high = exact.get(terms, observed.get(terms))
        is_exact = terms in exact
        for target in targets:
            disclosed = _disclosed(low, high, blank, min_cell) if is_exact else False
            findings.append(Finding(target, low, high, disclosed, exact=is_exact))
    return findings


def _sample(problem, all_terms: list) -> dict:
    """The smallest and largest value of each target over sampled feasible tables."""
    by_part: dict[tuple, list] = {}
    for terms in all_terms:
        by_part.setdefault(problem.part_of(dict(terms)), []).append(terms)
    observed: dict = {}
    for part, members in by_part.items():
        for solution in problem.solutions(part, _SAMPLES):
            _observe(observed, members, solution)
    return observed


def _observe(observed: dict, members: list, solution: dict) -> None:
    """Widen each target's observed range with its value in one feasible table."""
    for terms in members:
        value = sum(c * solution.get(k, 0) for k, c in terms)
        low, high = observed.get(terms, (value, value))
        observed[terms] = (min(low, value), max(high, value))


def _disclosed(low: float, high: float, published_blank: bool, min_cell: int) -> bool:
    if published_blank and low == high:
        return True
    return low >= 1 and high <= min_cell - 1


def protection_report(audit: Audit) -> str:
    """The protection report, in Italian: per table, the narrowest interval found.

    Parameters
    ----------
    audit : Audit

    Returns
    -------
    str
    """
    small = sum(f.disclosed for f in audit.shown)
    lines = [
        f"Controllo di riservatezza (soglia: {audit.min_cell} delegati o enti), "
        f"su {len(audit.tables_read)} tabelle pubblicate: {len(audit.shown)} conteggi mostrati, "
        + ("nessuno" if not small else str(small))
        + f" tra 1 e {audit.min_cell - 1}.",
    ]
    by_table: dict[str, list] = {}
    for finding in audit.findings:
        by_table.setdefault(finding.target.table, []).append(finding)
    for table, findings in sorted(by_table.items()):
        known = [f for f in findings if f.exact] or findings
        narrowest = min(known, key=lambda f: (f.high - f.low, f.low))
        lines.append(
            f"- {table}: {len(findings)} conteggi nascosti; l'intervallo esatto più stretto è "
            f"{_interval(narrowest)} ({narrowest.target.label})."
        )
    for item in audit.not_enumerated:
        lines.append(f"- non enumerato (troppe combinazioni): {item}.")
    disclosures = audit.disclosures
    if not disclosures:
        lines.append("Nessun conteggio nascosto è ricostruibile: la protezione regge.")
        return "\n".join(lines)
    lines.append(f"ATTENZIONE: {len(disclosures)} conteggi ricostruibili:")
    for item in disclosures[:50]:
        lines.append(f"  · {item.target.table}: {item.target.label} = {_interval(item)}")
    if len(disclosures) > 50:
        lines.append(f"  … e altri {len(disclosures) - 50}.")
    return "\n".join(lines)


def _interval(finding: Finding) -> str:
    high = "∞" if math.isinf(finding.high) else f"{finding.high:.0f}"
    if finding.low == finding.high:
        return f"esattamente {finding.low:.0f}"
    return f"da {finding.low:.0f} a {high}"
