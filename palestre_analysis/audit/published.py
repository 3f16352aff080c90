"""What an attacker reads: the CSV tables of every territory of a batch, as linear facts.

The attacker knows how the tables are made (it has this code) but sees only the
published files. Its unknowns are the counts of every *place*: each province, and the
region-wide bodies (the region minus the provinces). Each published number becomes a
constraint over them; each blank count becomes a *target* whose interval the attacker
tries to narrow.

Unknowns (``place`` is a province or :data:`BODIES`)::

    ("E", place, category)            entities
    ("A", place, band)                entities by meetings attended (published bands)
    ("T", place), ("TR", place)       attendances, of which by regulars
    ("P", place, meeting), ("W", place, meeting)   present, newcomers
    ("V", place, group)               delegates who voted
    ("C", place, field, resource, need, group)     delegates who voted a cell
    ("R", place, field), ("RR", place, resource)   delegates who voted a field, a resource
    ("Q", place, node), ("K", place, node), ("S", place)   contributors, contributions, contributing entities
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from palestre_analysis import config
from palestre_analysis.core.vocabulary import GROUPS, PROVINCES, REGION_WIDE_NAME, TERRITORY_NAMES, slugify
from palestre_analysis.stats.intervals import Problem
from palestre_analysis.stats.participation import REGULAR_MIN_MEETINGS

from .nonlinear import category_splits, with_hidden_bands

__all__ = ["BODIES", "PLACES", "Target", "Facts", "read_batch"]

#: The region-wide bodies, a place with no report of its own.
BODIES = REGION_WIDE_NAME
PLACES = (*PROVINCES.values(), BODIES)
_REGULAR_FROM = REGULAR_MIN_MEETINGS  # the attacker knows how a regular is defined


@dataclass(frozen=True)
class Target:
    """A count the attacker tries to pin down.

    Parameters
    ----------
    table : str
        Where it belongs (``composition``, ``cells``...).
    label : str
        Which count, in words (territory and keys).
    terms : tuple of (key, coefficient)
        The count as a sum of unknowns.
    published_blank : bool
        True for a blank cell of a published table; False for a count no table shows
        (the region-wide bodies), which may be derivable but must not be small.
    """

    table: str
    label: str
    terms: tuple
    published_blank: bool = True


@dataclass
class Facts:
    """The attacker's integer program, its targets, and counts it reads off directly."""

    problem: Problem = field(default_factory=Problem)
    targets: list = field(default_factory=list)
    found: list = field(default_factory=list)
    shown: list = field(default_factory=list)
    not_enumerated: list = field(default_factory=list)
    tables_read: list = field(default_factory=list)
    categories: list = field(default_factory=list)
    bands: list = field(default_factory=list)
    meetings: list = field(default_factory=list)
    cells: list = field(default_factory=list)
    nodes: list = field(default_factory=list)
    shown_cells: dict = field(default_factory=dict)

    def target(self, table: str, label: str, terms: dict, published_blank: bool = True) -> None:
        """Add a count to bound (its unknowns are created at once)."""
        for key in terms:
            self.problem.var(key)
        self.targets.append(Target(table, label, tuple(sorted(terms.items())), published_blank))

    def bound(self, table: str, label: str, low: int, high: int, terms: dict | None = None) -> None:
        """Record an interval found outside the integer program (by reading or enumerating).

        With ``terms``, the interval also becomes a fact of the program.
        """
        self.found.append((Target(table, label, tuple(sorted((terms or {}).items())), False), low, high))
        if terms:
            self.problem.add(terms, low, high)


def read_batch(reports_dir: Path | str) -> Facts:
    """Read every territory's ``tables/*.csv`` under ``reports_dir`` into linear facts.

    Parameters
    ----------
    reports_dir : Path or str
        The reports folder of a batch (with one folder per territory).

    Returns
    -------
    Facts
    """
    facts = Facts()
    tables = {
        name: {path.stem: pd.read_csv(path) for path in sorted(folder.glob("*.csv"))}
        for name, folder in _territory_folders(Path(reports_dir)).items()
    }
    _layout(facts, tables)
    _structure(facts)
    for name, found in tables.items():
        places = list(PLACES) if name == config.REGION else [name]
        for stem, reader in _READERS.items():
            if stem in found:
                reader(facts, name, places, found[stem])
                facts.tables_read.append(f"{slugify(name)}/tables/{stem}.csv")
    for name, found in tables.items():
        places = list(PLACES) if name == config.REGION else [name]
        _enumerate(facts, name, places, found)
        _complements(facts, name, found)
    for key in list(facts.problem.index):
        if key[1] == BODIES and key[0] in _TABLE_OF:
            facts.target(_TABLE_OF[key[0]], f"{BODIES}: {_describe(key)}", {key: 1}, published_blank=False)
    return facts


_TABLE_OF = {
    "E": "composition",
    "A": "attendance_distribution",
    "P": "meetings",
    "W": "meetings",
    "C": "cells",
    "V": "voters",
    "R": "agreement",
    "RR": "resource_distribution",
    "Q": "contributions",
    "S": "contributions",
}


def _describe(key: tuple) -> str:
    return " · ".join(str(k) for k in key[2:]) or key[0]


def _territory_folders(reports_dir: Path) -> dict[str, Path]:
    by_slug = {slugify(name): name for name in TERRITORY_NAMES.values()}
    found = {}
    for folder in sorted(reports_dir.iterdir()):
        tables = folder / "tables"
        if folder.is_dir() and tables.is_dir() and folder.name in by_slug:
            found[by_slug[folder.name]] = tables
    return found


def _layout(facts: Facts, tables: dict) -> None:
    """The dimensions of the tables: categories, bands, meetings, cells, nodes."""

    def collect(stem, column, where=None):
        values = []
        for found in tables.values():
            if stem in found:
                frame = found[stem]
                if where is not None:
                    frame = frame[frame[where[0]] == where[1]]
                values.extend(v for v in frame[column].astype(str) if v not in values)
        return list(dict.fromkeys(values))

    facts.categories = collect("composition", "category")
    facts.bands = collect("attendance_distribution", "n_meetings", ("category", "all"))
    facts.meetings = collect("meetings", "meeting_id")
    facts.nodes = collect("contributions", "node")
    cells = []
    for found in tables.values():
        if "cells" in found:
            cells.extend(found["cells"][["field", "resource", "need"]].itertuples(index=False, name=None))
    facts.cells = list(dict.fromkeys(cells))


# --- knowledge the attacker has without reading any table -------------------------


def _structure(facts: Facts) -> None:
    """Facts that hold by construction, for every place: its counts fit together."""
    p = facts.problem
    n_meetings = len(facts.meetings)
    for place in PLACES:
        total = ("N", place)
        p.add({**{("V", place, g): 1 for g in GROUPS}, total: -1}, -math.inf, 0)
        if facts.categories:
            p.add({**{("E", place, c): 1 for c in facts.categories}, total: -1}, 0, 0)
        if facts.bands:
            p.add({**{("A", place, b): 1 for b in facts.bands}, total: -1}, 0, 0)
            for who, bands in (("T", facts.bands), ("TR", _regular_bands(facts.bands, n_meetings))):
                low = {(who, place): 1, **{("A", place, b): -_band_edges(b, n_meetings)[0] for b in bands}}
                high = {(who, place): 1, **{("A", place, b): -_band_edges(b, n_meetings)[1] for b in bands}}
                p.add(low, 0, math.inf)
                p.add(high, -math.inf, 0)
        attending = {total: 1, ("A", place, "0"): -1} if "0" in facts.bands else {total: 1}
        if facts.meetings:
            p.add({**{("P", place, m): 1 for m in facts.meetings}, ("T", place): -1}, 0, 0)
            p.add({**{("W", place, m): 1 for m in facts.meetings}, **{k: -v for k, v in attending.items()}}, 0, 0)
            for m in facts.meetings:
                p.add({("P", place, m): 1, ("W", place, m): -1}, 0, math.inf)
                p.add({("P", place, m): 1, **{k: -v for k, v in attending.items()}}, -math.inf, 0)
        for node in facts.nodes:
            p.add({("K", place, node): 1, ("Q", place, node): -1}, 0, math.inf)
            p.add({("S", place): 1, ("Q", place, node): -1}, 0, math.inf)
        if facts.nodes:
            p.add({("S", place): 1, **{k: -v for k, v in attending.items()}}, -math.inf, 0)


# --- readers, one per published table ---------------------------------------------


def _value(row: pd.Series, column: str) -> float | None:
    if column not in row.index:
        return None
    value = row[column]
    return None if pd.isna(value) else float(value)


def _publish(facts: Facts, table: str, label: str, terms: dict, value: float | None) -> None:
    """A published count: exact when shown (and itself a finding: a small one is a disclosure), a target when blank."""
    if not terms:
        return  # the tables this count is a sum of were not published: nothing to tie it to
    if value is None:
        facts.target(table, label, terms)
    else:
        facts.problem.add(terms, value, value)
        facts.shown.append((Target(table, label, tuple(sorted(terms.items())), False), value))


def _over(places: list[str], *key) -> dict:
    return {(key[0], place, *key[1:]): 1 for place in places}


def _read_composition(facts: Facts, territory: str, places: list[str], table: pd.DataFrame) -> None:
    for _, row in table.iterrows():
        terms = _over(places, "E", row["category"])
        _publish(facts, "composition", f"{territory}: {row['category']}", terms, _value(row, "n"))


def _read_participation(facts: Facts, territory: str, places: list[str], table: pd.DataFrame) -> None:
    for _, row in table.iterrows():
        if row["category"] != "all":
            terms = _over(places, "E", row["category"])
            _publish(facts, "participation", f"{territory}: {row['category']}", terms, _value(row, "n_entities"))
            continue
        _participation_row(facts, "participation", territory, places, row)


def _participation_row(facts: Facts, table: str, territory: str, places: list[str], row: pd.Series) -> None:
    p = facts.problem
    entities = {("N", place): 1 for place in places}
    attending = {**entities, **{("A", place, "0"): -1 for place in places}}
    _publish(facts, table, f"{territory}: enti", entities, _value(row, "n_entities"))
    _publish(facts, table, f"{territory}: enti presenti", attending, _value(row, "n_attending"))
    attendances = _over(places, "T")
    total = _value(row, "n_attendances")
    if total is not None:
        p.add(attendances, total, total)
    mean = _value(row, "mean_meetings")
    if mean is not None:  # meetings per entity, shown to one decimal: T / N within half a unit of it
        p.add({**attendances, **dict.fromkeys(entities, -(mean - 0.05))}, 0, math.inf)
        p.add({**attendances, **dict.fromkeys(entities, -(mean + 0.05))}, -math.inf, 0)
    regular_bands = _regular_bands(facts.bands, len(facts.meetings))
    regulars = {("A", place, band): 1 for place in places for band in regular_bands}
    _publish(facts, table, f"{territory}: enti abituali", regulars, _value(row, "n_regulars"))
    share = _value(row, "share_by_regulars")
    if share is not None:  # shown to two decimals (a percentage)
        by_regulars = _over(places, "TR")
        p.add({**by_regulars, **dict.fromkeys(attendances, -(share - 0.005))}, 0, math.inf)
        p.add({**by_regulars, **dict.fromkeys(attendances, -(share + 0.005))}, -math.inf, 0)


def _regular_bands(bands: list[str], n_meetings: int) -> list[str]:
    return [band for band in bands if _band_edges(band, n_meetings)[0] >= _REGULAR_FROM]


def _band_edges(label: str, n_meetings: int) -> tuple[int, int]:
    match = re.fullmatch(r"(\d+)(?:[–-](\d+)|(\+))?", str(label))
    if match is None:
        raise ValueError(f"unknown band label {label!r}")
    low = int(match.group(1))
    if match.group(3):
        return low, n_meetings
    return low, int(match.group(2) or low)


def _read_bands(facts: Facts, territory: str, places: list[str], table: pd.DataFrame) -> None:
    for _, row in table[table["category"] == "all"].iterrows():
        band = str(row["n_meetings"])
        label = f"{territory}: {band} incontri"
        _publish(facts, "attendance_distribution", label, _over(places, "A", band), _value(row, "n_entities"))


def _read_meetings(facts: Facts, territory: str, places: list[str], table: pd.DataFrame) -> None:
    p = facts.problem
    table = table[table["category"] == "all"]
    listed = set(table["meeting_id"])
    for m in facts.meetings:
        if m not in listed:  # a meeting that no entity of the territory attended is not listed
            p.add(_over(places, "P", m), 0, 0)
    for _, row in table.iterrows():
        m = row["meeting_id"]
        present = _over(places, "P", m)
        p.add(present, 1, math.inf)
        _publish(facts, "meetings", f"{territory}: presenti a {m}", present, _value(row, "n_present"))
        _publish(facts, "meetings", f"{territory}: nuovi a {m}", _over(places, "W", m), _value(row, "n_newcomers"))


def _read_network(facts: Facts, territory: str, places: list[str], table: pd.DataFrame) -> None:
    row = table.iloc[0]
    attending = {**{("N", place): 1 for place in places}, **{("A", place, "0"): -1 for place in places}}
    _publish(facts, "network", f"{territory}: enti nella rete", attending, _value(row, "n_nodes"))
    nodes, share = _value(row, "n_nodes"), _value(row, "largest_component_share")
    if nodes is not None and share is not None:
        outside = round(nodes * (1 - share))
        facts.bound("network", f"{territory}: enti fuori dalla componente maggiore", outside, outside)


def _cell_key(row: pd.Series) -> tuple:
    return (row["field"], row["resource"], row["need"])


def _cell_terms(places: list[str], cell: tuple, group: str) -> dict:
    groups = GROUPS if group == "all" else (group,)
    return {("C", place, *cell, g): 1 for place in places for g in groups}


def _read_cells(facts: Facts, territory: str, places: list[str], table: pd.DataFrame) -> None:
    shown = table[(table["group"] == "all") & table["n"].notna()]
    facts.shown_cells[territory] = set(shown[["field", "resource", "need"]].itertuples(index=False, name=None))
    for _, row in table.iterrows():
        cell = _cell_key(row)
        label = f"{territory}: {' · '.join(cell)} · {row['group']}"
        _publish(facts, "cells", label, _cell_terms(places, cell, row["group"]), _value(row, "n"))


def _read_best(facts: Facts, territory: str, places: list[str], table: pd.DataFrame) -> None:
    if "n" not in table.columns:
        return
    for _, row in table.iterrows():
        cell = (row["field"], row["resource"], row["need"])
        label = f"{territory}: {' · '.join(cell)} · all"
        _publish(facts, "best_crossing", label, _cell_terms(places, cell, "all"), _value(row, "n"))


def _read_voters(facts: Facts, territory: str, places: list[str], table: pd.DataFrame) -> None:
    for _, row in table.iterrows():
        groups = GROUPS if row["group"] == "all" else (row["group"],)
        terms = {("V", place, g): 1 for place in places for g in groups}
        _publish(facts, "voters", f"{territory}: delegati {row['group']}", terms, _value(row, "n_delegates"))


_SUMMARY = {
    "Enti nella rete (un delegato ciascuno)": "N",
    "Presenze registrate": "T",
    "Delegati che hanno votato nella fase 2": ("V", *GROUPS),
    "… di APS e ODV": ("V", "aps_odv"),
    "… di fondazioni, CSV e altri enti": ("V", "fondazioni_csv_altri"),
}


def _read_summary(facts: Facts, territory: str, places: list[str], table: pd.DataFrame) -> None:
    for _, row in table.iterrows():
        what = _SUMMARY.get(row["item"])
        if what is None:
            continue
        text = str(row["value"]).replace(".", "")
        value = float(text) if text.isdigit() else None
        if isinstance(what, tuple):
            terms = {(what[0], place, g): 1 for place in places for g in what[1:]}
        else:
            terms = {(what, place): 1 for place in places}
        _publish(facts, "summary", f"{territory}: {row['item']}", terms, value)


def _read_group_comparison(facts: Facts, territory: str, places: list[str], table: pd.DataFrame) -> None:
    for _, row in table.iterrows():
        cell = _cell_key(row)
        for group in GROUPS:
            label = f"{territory}: {' · '.join(cell)} · {group}"
            _publish(facts, "group_comparison", label, _cell_terms(places, cell, group), _value(row, f"n_{group}"))


def _read_agreement(facts: Facts, territory: str, places: list[str], table: pd.DataFrame) -> None:
    for _, row in table.iterrows():
        terms = _over(places, "R", row["field"])
        _publish(facts, "agreement", f"{territory}: {row['field']}", terms, _value(row, "n_raters"))


def _read_resources(facts: Facts, territory: str, places: list[str], table: pd.DataFrame) -> None:
    if "territory" in table.columns:  # the final report's comparison of territories
        for name, part in table.groupby("territory"):
            part_places = [BODIES if name == BODIES else name]
            _resource_rows(facts, "territories_resources", name, part_places, part)
        return
    _resource_rows(facts, "resource_distribution", territory, places, table)


def _resource_rows(facts: Facts, table_name: str, territory: str, places: list[str], table: pd.DataFrame) -> None:
    """Delegates and votes per resource; the votes are those of the cells the territory shows."""
    shown = facts.shown_cells.get(territory)
    for _, row in table.iterrows():
        resource = row["resource"]
        raters = _over(places, "RR", resource)
        _publish(facts, table_name, f"{territory}: votanti di {resource}", raters, _value(row, "n_raters"))
        votes = _value(row, "n_votes")
        if votes is None or shown is None:
            continue  # a place without a cells table: the attacker does not know which cells it sums
        cells = [cell for cell in shown if cell[1] == resource]
        terms = {("C", place, *cell, g): 1 for place in places for cell in cells for g in GROUPS}
        facts.problem.add(terms, votes, votes)


def _read_contributions(facts: Facts, territory: str, places: list[str], table: pd.DataFrame) -> None:
    for _, row in table[table["category"] == "all"].iterrows():
        node = row["node"]
        _publish(
            facts, "contributions", f"{territory}: enti su {node}", _over(places, "Q", node), _value(row, "n_entities")
        )
        _publish(
            facts,
            "contributions",
            f"{territory}: contributi su {node}",
            _over(places, "K", node),
            _value(row, "n_contributions"),
        )


def _read_contribution_test(facts: Facts, territory: str, places: list[str], table: pd.DataFrame) -> None:
    row = table.iloc[0]
    _publish(
        facts,
        "contributions_test",
        f"{territory}: enti che hanno contribuito",
        _over(places, "S"),
        _value(row, "n_entities"),
    )
    total = _value(row, "n_contributions")
    if total is not None:
        nodes = {k for k in facts.problem.index if k[0] == "K" and k[1] in places}
        facts.problem.add(dict.fromkeys(nodes, 1), total, total)


def _read_territories(facts: Facts, territory: str, places: list[str], table: pd.DataFrame) -> None:
    for _, row in table.iterrows():
        name = row["territory"]
        _participation_row(facts, "territories_participation", name, [name], row)


# --- complements: what is left of a total once a part of it is shown -------------------


def _complements(facts: Facts, territory: str, found: dict) -> None:
    """Counts no table prints but any reader can subtract: they must not be small either.

    Entities that did not vote (entities minus voters); entities absent from a meeting
    (those who attended any minus those present); delegates of the territory or of a group
    who skipped a shown cell. Computed where both numbers are printed (then the difference
    is exact); a hidden side is left to the integer program of its own table.
    """
    entities = _first(found, "participation", "n_entities", category="all")
    attending = _first(found, "participation", "n_attending", category="all")
    voters = {}
    if "voters" in found:
        voters = {r["group"]: r["n_delegates"] for _, r in found["voters"].iterrows() if pd.notna(r["n_delegates"])}
    if entities is not None and "all" in voters:
        facts.bound(
            "voters", f"{territory}: enti che non hanno votato", entities - voters["all"], entities - voters["all"]
        )
    if attending is not None and "meetings" in found and "n_present" in found["meetings"].columns:
        for _, row in found["meetings"].query("category == 'all'").dropna(subset=["n_present"]).iterrows():
            absent = attending - row["n_present"]
            facts.bound("meetings", f"{territory}: assenti a {row['meeting_id']}", absent, absent)
    if "cells" in found and "n" in found["cells"].columns:
        for _, row in found["cells"].dropna(subset=["n"]).iterrows():
            if row["group"] in voters:
                skipped = voters[row["group"]] - row["n"]
                label = f"{territory}: {row['field']} · {row['resource']} · {row['need']} · {row['group']}"
                facts.bound("cells", f"{label}: delegati che non l'hanno votata", skipped, skipped)


def _first(found: dict, table: str, column: str, **where) -> float | None:
    if table not in found or column not in found[table].columns:
        return None
    frame = found[table]
    for key, value in where.items():
        frame = frame[frame[key] == value]
    return None if frame.empty or pd.isna(frame[column].iloc[0]) else float(frame[column].iloc[0])


# --- enumerations, for the statistics that are not linear ---------------------------


def _enumerate(facts: Facts, territory: str, places: list[str], found: dict) -> None:
    if "network" in found and "composition" in found:
        _expected_mixing(facts, territory, places, found["network"].iloc[0], found["composition"])
    if "participation" in found and "attendance_distribution" in found:
        row = found["participation"]
        row = row[row["category"] == "all"]
        if len(row):
            _gini(facts, territory, row.iloc[0], found["attendance_distribution"])


def _expected_mixing(facts: Facts, territory: str, places: list[str], row: pd.Series, composition) -> None:
    expected, nodes = _value(row, "cross_category_expected"), _value(row, "n_nodes")
    entities = composition["n"].sum(min_count=1)
    if expected is None or nodes is None:
        return
    shown = {r["category"]: int(r["n"]) for _, r in composition.iterrows() if pd.notna(r["n"])}
    hidden = [r["category"] for _, r in composition.iterrows() if pd.isna(r["n"])]
    if not hidden and abs(entities - nodes) < 0.5:
        return
    bounds = category_splits(int(nodes), shown, hidden, expected, 1e-9)
    if bounds is None:
        facts.not_enumerated.append(f"{territory}: legami attesi tra categorie")
        return
    for category, (low, high) in bounds.items():
        label = f"{territory}: {category} (dai legami attesi)"
        facts.bound("network", label, low, high, _over(places, "E", category))


def _gini(facts: Facts, territory: str, row: pd.Series, distribution: pd.DataFrame) -> None:
    """Enumerate attendance profiles where a Gini or the regulars' share is published."""
    gini, share, total = _value(row, "gini"), _value(row, "share_by_regulars"), _value(row, "n_attendances")
    entities = _value(row, "n_entities")
    distribution = distribution[distribution["category"] == "all"]
    if (gini is None and share is None) or entities is None:
        return
    n_meetings = len(facts.meetings)
    bands = []
    for _, band in distribution.iterrows():
        low, high = _band_edges(band["n_meetings"], n_meetings)
        count = _value(band, "n_entities")
        bands.append((low, high, None if count is None else int(count)))
    found = with_hidden_bands(
        bands, int(entities), None if total is None else int(total), _REGULAR_FROM, share, gini, 0.005 + 1e-9
    )
    if found is None:
        facts.not_enumerated.append(f"{territory}: Gini e quota degli abituali")
        return
    profile, hidden = found
    for meetings, (low, high) in profile.items():
        facts.bound("participation", f"{territory}: enti con esattamente {meetings} incontri", low, high)
    labels = list(distribution["n_meetings"].astype(str))
    for i, (low, high) in hidden.items():
        label = f"{territory}: {labels[i]} incontri (da Gini e quote)"
        facts.found.append((Target("attendance_distribution", label, (), True), low, high))


_READERS = {
    "composition": _read_composition,
    "participation": _read_participation,
    "attendance_distribution": _read_bands,
    "meetings": _read_meetings,
    "network": _read_network,
    "cells": _read_cells,
    "group_comparison": _read_group_comparison,
    "best_crossing": _read_best,
    "voters": _read_voters,
    "summary": _read_summary,
    "agreement": _read_agreement,
    "resource_distribution": _read_resources,
    "territories_resources": _read_resources,
    "contributions": _read_contributions,
    "contributions_test": _read_contribution_test,
    "territories_participation": _read_territories,
}
