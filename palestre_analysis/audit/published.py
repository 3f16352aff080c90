"""What an attacker reads: the CSV tables of every territory of a batch, as linear facts.

The attacker knows how the tables are made (it has this code) and the process's
geography (its area and date: the reports say them), but sees only the published files.
Its unknowns are the counts of every *place* an entity counts in
(:meth:`~palestre_analysis.core.geography.Geography.leaf`): each province, the bodies of
each region (a region minus its provinces) and, in a national process, the national
bodies (Italy minus its regions). Every published number of every report territory (the
area, each region of a national process, each province) becomes a constraint over the
places it covers; each blank count becomes a *target* whose interval the attacker tries
to narrow. A place that holds no entity is known to be empty: a province without a
report, the bodies of a region without one, bodies a final report does not list.

Unknowns (``place`` is a province or a bodies pseudo-place,
:func:`~palestre_analysis.core.geography.bodies_label`)::

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

import datetime as dt
import json
import math
import re
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from palestre_analysis.core.geography import Geography, bodies_label, geography
from palestre_analysis.core.process import DEFAULT_REFERENCE_DATE, Process
from palestre_analysis.core.territories import COVERED_FROM
from palestre_analysis.core.vocabulary import REGION_WIDE_NAME, normalize_label, slugify
from palestre_analysis.stats.intervals import Problem
from palestre_analysis.stats.participation import REGULAR_MIN_MEETINGS

from .nonlinear import category_splits, with_hidden_bands

__all__ = ["BODIES", "NATIONAL_BODIES", "Target", "Facts", "read_batch", "batch_process"]

#: How the final reports name the bodies of a region, a place with no report of its own.
BODIES = REGION_WIDE_NAME
#: How the final reports name the national bodies (territory "Italia") of a national process.
NATIONAL_BODIES = "Enti nazionali"
_REGULAR_FROM = REGULAR_MIN_MEETINGS  # the attacker knows how a regular is defined
_BODIES_PREFIX = bodies_label("")


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
    """The attacker's integer program, its targets, and counts it reads off directly.

    ``geography`` is the process's; ``places`` maps each report territory to the places
    it covers that may hold entities (``present``); ``groups`` are
    the group keys the tables use, ``group_labels`` how the summary names them.
    """

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
    geography: Geography | None = None
    present: list = field(default_factory=list)
    places: dict = field(default_factory=dict)
    groups: list = field(default_factory=list)
    group_labels: dict = field(default_factory=dict)

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


def batch_process(reports_dir: Path | str) -> Process:
    """The process of a batch as a reader knows it: the one its manifest records, or its area by folder.

    Parameters
    ----------
    reports_dir : Path or str
        The reports folder of a batch.

    Returns
    -------
    Process
        The manifest's ``process`` when it records one; otherwise the seed's process,
        with the area of the folders (``Italia`` when there is an ``italia`` folder, else
        the region a folder is named after, the seed's region when none is) and a
        reference date whose units name as many folders as any (the seed's date first:
        Sardinia's provinces changed in 2016 and 2026).

    Examples
    --------
    >>> import tempfile
    >>> folder = Path(tempfile.mkdtemp())
    >>> (folder / "veneto" / "tables").mkdir(parents=True)
    >>> batch_process(folder).area
    'Veneto'
    """
    reports_dir = Path(reports_dir)
    try:
        recorded = json.loads((reports_dir / "manifest.json").read_text(encoding="utf-8")).get("process")
    except (OSError, ValueError, AttributeError):
        recorded = None
    if isinstance(recorded, dict) and recorded:
        try:
            return Process.from_json(recorded)
        except (KeyError, TypeError, ValueError):
            pass
    slugs = {f.name for f in reports_dir.iterdir() if (f / "tables").is_dir()} if reports_dir.is_dir() else set()
    national = geography("Italia", DEFAULT_REFERENCE_DATE)
    area = next((p.name for p in [national.area, *national.regions] if slugify(p.name) in slugs), Process().area)
    dates = [DEFAULT_REFERENCE_DATE] + [
        dt.date(year, 7, 1) for year in range(COVERED_FROM.year, dt.date.today().year + 1)
    ]
    named = [(len(slugs & {slugify(n) for n in geography(area, on).names()}), on) for on in dates]
    best = max(count for count, _ in named)
    on = next(on for count, on in named if count == best)
    return Process(area=area, reference_date=None if on == DEFAULT_REFERENCE_DATE else on)


def read_batch(reports_dir: Path | str, *, process: Process | None = None) -> Facts:
    """Read every territory's ``tables/*.csv`` under ``reports_dir`` into linear facts.

    Parameters
    ----------
    reports_dir : Path or str
        The reports folder of a batch (with one folder per territory).
    process : Process, optional
        The batch's process (its area, date, groups); by default :func:`batch_process`.

    Returns
    -------
    Facts
    """
    reports_dir = Path(reports_dir)
    process = batch_process(reports_dir) if process is None else process
    places = geography(process.area, process.reference_date or DEFAULT_REFERENCE_DATE)
    facts = Facts(geography=places)
    tables = {
        name: {path.stem: pd.read_csv(path) for path in sorted(folder.glob("*.csv"))}
        for name, folder in _territory_folders(reports_dir, places).items()
    }
    _layout(facts, tables, process)
    facts.present = _present(places, tables, reports_dir)
    facts.places = {name: _covered(facts, name) for name in tables}
    _structure(facts)
    for name, found in tables.items():
        for stem, reader in _READERS.items():
            if stem in found:
                reader(facts, name, facts.places[name], found[stem])
                facts.tables_read.append(f"{slugify(name)}/tables/{stem}.csv")
    for name, found in tables.items():
        _enumerate(facts, name, facts.places[name], found)
        _complements(facts, name, found)
    for key in list(facts.problem.index):
        if str(key[1]).startswith(_BODIES_PREFIX) and key[0] in _TABLE_OF:
            label = f"{_place_label(places, key[1])}: {_describe(key)}"
            facts.target(_TABLE_OF[key[0]], label, {key: 1}, published_blank=False)
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


def _territory_folders(reports_dir: Path, places: Geography) -> dict[str, Path]:
    """Each report territory of the batch (the area, regions, provinces) and its tables folder."""
    by_slug = {slugify(name): name for name in places.names()}
    found = {}
    for folder in sorted(reports_dir.iterdir()):
        tables = folder / "tables"
        if folder.is_dir() and tables.is_dir() and folder.name in by_slug:
            found[by_slug[folder.name]] = tables
    return found


def _owner(places: Geography, leaf: str) -> str | None:
    """The region or Italy whose bodies ``leaf`` is; ``None`` for a province."""
    return leaf[len(_BODIES_PREFIX) :] if leaf.startswith(_BODIES_PREFIX) else None


def _place_label(places: Geography, leaf: str) -> str:
    """A place as the protection report names it: the province, or whose bodies."""
    owner = _owner(places, leaf)
    if owner is None:
        return leaf
    if owner == places.area.name:
        return NATIONAL_BODIES if places.national else BODIES
    return f"{BODIES} ({owner})"


def _present(places: Geography, tables: dict, reports_dir: Path) -> list[str]:
    """The places that may hold entities, as the batch shows them (see :func:`_leaves_in_order`).

    Every territory holding an entity gets a report (a province; a region of a national
    process when it or one of its provinces does), and a final report's comparison of
    territories lists every place below it that holds one, bodies included. A place the
    batch names nowhere is empty when a final report above it lists the others; without
    such a list it stays an unknown like any other.
    """
    named = set(tables) | _named_territories(reports_dir, places)
    listed = {}
    for name, found in tables.items():
        if "territories_participation" in found:
            rows = set(found["territories_participation"]["territory"].astype(str))
            listed[name] = rows
            named |= rows & set(places.names())

    def empty(name: str) -> bool:
        """True when the batch shows that a territory (a province or a region) holds no entity."""
        if name in named:
            return False
        parent = places.parent(name)
        if parent is None:
            return False
        return parent.name in listed or (parent is not places.area and empty(parent.name))

    present = []
    for leaf in _leaves_in_order(places):
        owner = _owner(places, leaf)
        if owner is None:
            if not empty(leaf):
                present.append(leaf)
            continue
        if empty(owner) or (owner in listed and not listed[owner] & {BODIES, NATIONAL_BODIES}):
            continue
        present.append(leaf)
    return present


def _leaves_in_order(places: Geography) -> list[str]:
    """The places region by region, each region's provinces alphabetically and then its bodies (as the cubes)."""
    ordered = []
    for members in places.sums().values():
        provinces = sorted(
            (m for m in members if m not in places.sums() and _owner(places, m) is None), key=normalize_label
        )
        ordered += provinces + [m for m in members if _owner(places, m) is not None]
    return ordered


def _named_territories(reports_dir: Path, places: Geography) -> set[str]:
    """Territories with a report: a folder of the batch, or a report of its manifest."""
    by_slug = {slugify(name): name for name in places.names()}
    named = {by_slug[f.name] for f in reports_dir.iterdir() if f.is_dir() and f.name in by_slug}
    try:
        manifest = json.loads((reports_dir / "manifest.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return named
    reports = manifest.get("reports", {}) if isinstance(manifest, dict) else {}
    found = [r.get("territory") for r in reports.values() if isinstance(r, dict)]
    found += list(manifest.get("territories", {}).get("names", []) if isinstance(manifest, dict) else [])
    return named | {str(name) for name in found if str(name) in set(places.names())}


def _covered(facts: Facts, name: str) -> list[str]:
    """The places holding entities that a territory's report covers."""
    places = facts.geography
    leaves = {places.leaf(t) for t in places.covers(name)}
    return [leaf for leaf in facts.present if leaf in leaves]


def _row_places(facts: Facts, territory: str, name: str) -> tuple[str, list[str]]:
    """A row of a final report's comparison of territories: its label and the places it counts.

    The row of the bodies ("Enti regionali", "Enti nazionali") is the bodies of the
    report's own territory; any other row names a territory of the process.
    """
    places = facts.geography
    if name in (BODIES, NATIONAL_BODIES):
        leaf = places.leaf(territory)
        return _place_label(places, leaf), [leaf] if leaf in facts.present else []
    if name in places.names():
        return name, _covered(facts, name)
    return name, []


def _layout(facts: Facts, tables: dict, process: Process) -> None:
    """The dimensions of the tables: categories, bands, meetings, cells, nodes, groups."""

    def collect(stem, column, where=None):
        values = []
        for found in tables.values():
            if stem in found and column in found[stem].columns:
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
    keys = [g.key for g in process.groups]
    shown = [g for g in collect("voters", "group") + collect("cells", "group") if g != "all"]
    facts.groups = keys if set(shown) <= set(keys) else list(dict.fromkeys(shown))
    facts.group_labels = {g.key: g.label for g in process.groups}


# --- knowledge the attacker has without reading any table -------------------------


def _structure(facts: Facts) -> None:
    """Facts that hold by construction, for every place: its counts fit together."""
    p = facts.problem
    n_meetings = len(facts.meetings)
    for place in facts.present:
        total = ("N", place)
        p.add({**{("V", place, g): 1 for g in facts.groups}, total: -1}, -math.inf, 0)
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


def _cell_terms(facts: Facts, places: list[str], cell: tuple, group: str) -> dict:
    groups = facts.groups if group == "all" else (group,)
    return {("C", place, *cell, g): 1 for place in places for g in groups}


def _read_cells(facts: Facts, territory: str, places: list[str], table: pd.DataFrame) -> None:
    shown = table[(table["group"] == "all") & table["n"].notna()]
    facts.shown_cells[territory] = set(shown[["field", "resource", "need"]].itertuples(index=False, name=None))
    for _, row in table.iterrows():
        cell = _cell_key(row)
        label = f"{territory}: {' · '.join(cell)} · {row['group']}"
        _publish(facts, "cells", label, _cell_terms(facts, places, cell, row["group"]), _value(row, "n"))


def _read_best(facts: Facts, territory: str, places: list[str], table: pd.DataFrame) -> None:
    if "n" not in table.columns:
        return
    for _, row in table.iterrows():
        cell = (row["field"], row["resource"], row["need"])
        label = f"{territory}: {' · '.join(cell)} · all"
        _publish(facts, "best_crossing", label, _cell_terms(facts, places, cell, "all"), _value(row, "n"))


def _read_voters(facts: Facts, territory: str, places: list[str], table: pd.DataFrame) -> None:
    for _, row in table.iterrows():
        groups = facts.groups if row["group"] == "all" else (row["group"],)
        terms = {("V", place, g): 1 for place in places for g in groups}
        _publish(facts, "voters", f"{territory}: delegati {row['group']}", terms, _value(row, "n_delegates"))


_SUMMARY = {
    "Enti nella rete (un delegato ciascuno)": "N",
    "Presenze registrate": "T",
    "Delegati che hanno votato nella fase 2": ("V", "all"),
    # the seed's wording before the process named its groups
    "… di APS e ODV": ("V", "aps_odv"),
    "… di fondazioni, CSV e altri enti": ("V", "fondazioni_csv_altri"),
}


def _summary_item(facts: Facts, item: str):
    """What a line of the final report's summary counts: an unknown's name, or voters of some groups."""
    what = _SUMMARY.get(item)
    for key, label in facts.group_labels.items():
        if item == f"… {label}":
            what = ("V", key)
    if isinstance(what, tuple):
        groups = facts.groups if what[1] == "all" else [g for g in what[1:] if g in facts.groups]
        return ("V", *groups) if groups else None
    return what


def _read_summary(facts: Facts, territory: str, places: list[str], table: pd.DataFrame) -> None:
    for _, row in table.iterrows():
        what = _summary_item(facts, str(row["item"]))
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
    """The groups compared per resource: every row's ``n_<group>`` is the voters cube's count of the group."""
    for _, row in table.iterrows():
        for group in facts.groups:
            terms = {("V", place, group): 1 for place in places}
            label = f"{territory}: delegati {group} (confronto per fonte, {row['resource']})"
            _publish(facts, "group_comparison", label, terms, _value(row, f"n_{group}"))


def _read_group_cells(facts: Facts, territory: str, places: list[str], table: pd.DataFrame) -> None:
    """The groups compared cell by cell: ``n_<group>`` are the cells cube's counts."""
    for _, row in table.iterrows():
        cell = _cell_key(row)
        for group in facts.groups:
            label = f"{territory}: {' · '.join(cell)} · {group}"
            terms = _cell_terms(facts, places, cell, group)
            _publish(facts, "group_cells", label, terms, _value(row, f"n_{group}"))


def _read_levels(facts: Facts, territory: str, places: list[str], table: pd.DataFrame) -> None:
    """The final report's levels of the territories: ``n_delegates`` (``all`` rows) is a place's voters."""
    for _, row in table[table["resource"] == "all"].iterrows():
        label, row_places = _row_places(facts, territory, str(row["territory"]))
        terms = {("V", place, g): 1 for place in row_places for g in facts.groups}
        _publish(facts, "territories_levels", f"{label}: delegati", terms, _value(row, "n_delegates"))


def _read_agreement(facts: Facts, territory: str, places: list[str], table: pd.DataFrame) -> None:
    for _, row in table.iterrows():
        terms = _over(places, "R", row["field"])
        _publish(facts, "agreement", f"{territory}: {row['field']}", terms, _value(row, "n_raters"))


def _read_resources(facts: Facts, territory: str, places: list[str], table: pd.DataFrame) -> None:
    if "territory" in table.columns:  # the final report's comparison of territories
        for name, part in table.groupby("territory"):
            label, part_places = _row_places(facts, territory, str(name))
            _resource_rows(facts, "territories_resources", label, part_places, part)
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
        terms = {("C", place, *cell, g): 1 for place in places for cell in cells for g in facts.groups}
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
        label, places_of_row = _row_places(facts, territory, str(row["territory"]))
        _participation_row(facts, "territories_participation", label, places_of_row, row)


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
    "group_cells": _read_group_cells,
    "territories_levels": _read_levels,
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
