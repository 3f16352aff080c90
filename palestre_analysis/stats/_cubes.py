"""The count cubes of a batch, built once from the processed tables of the whole area.

Each cube is a full grid (zeros included) of one kind of count for every *place* an
entity counts in (a province, or the bodies of a region or of Italy:
:meth:`~palestre_analysis.core.geography.Geography.leaf`) and every total the reports
publish above them (the region; in a national process every region and Italy:
:meth:`~palestre_analysis.core.geography.Geography.sums`). :class:`Territories` says
which places and totals a batch's cubes hold and how they nest; :mod:`.linked` protects
the cubes.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from palestre_analysis import config
from palestre_analysis.core.geography import bodies_label
from palestre_analysis.core.vocabulary import CATEGORIES, normalize_label

from ._histograms import ALL
from .participation import band_labels

#: The bodies of the seed's region (entities whose territory is the region itself), as the
#: cubes of a single-region process name them: :func:`~palestre_analysis.core.geography.bodies_label`
#: of ``config.REGION``.
BODIES = bodies_label(config.REGION)
__all__ = [
    "ALL",
    "BODIES",
    "ZEROS_KNOWN",
    "RULES_SUFFICE",
    "TOTALS_OF_CELLS",
    "HIDDEN_WITH",
    "ZEROS_WITH",
    "AT_LEAST",
    "Territories",
    "territories",
    "build",
]

#: Cubes whose zeros the reports tell apart (a meeting is listed only where someone came).
ZEROS_KNOWN = frozenset({"present"})

#: Cubes whose sets are a two-way table per cell (places x groups), where the rules alone
#: leave no hidden cell pinned (checked by the attacker on the demo and generated batches);
#: the integer-program check of the other cubes would take seconds per report here.
RULES_SUFFICE = frozenset({"cells"})

#: Totals of delegates that sit next to the cells they contain (the voters of a territory and group,
#: the raters of a field or a resource): hidden where some cell's delegates fall short of them by 1 to
#: min_cell - 1, the number who skipped that cell. Value: the columns they share with the cells.
TOTALS_OF_CELLS = {
    "voters": ["territory", "group"],
    "raters": ["territory", "field"],
    "resource_raters": ["territory", "resource"],
}

#: Cubes whose cells the reports blank wherever a cell of an earlier cube is: the newcomers of a
#: meeting whose presences are hidden, the contributions of a node whose contributors are.
HIDDEN_WITH = {"newcomers": "present", "contributions": "contributors"}

#: Cubes whose cells every reader knows to be zero wherever the cell of an earlier cube is zero:
#: a meeting that no entity of a territory attended is not listed in its report, so it had no
#: newcomers there either (in a national batch most meetings are local, and these zeros are most
#: of the newcomers cube); a node nobody of a territory spoke of has no contributions from it.
ZEROS_WITH = {"newcomers": "present", "contributions": "contributors"}

#: Cubes whose cells are at least the cell of an earlier cube: every contributor to a node
#: contributed at least once, so contributors, shown or bounded by their own sums, bound a hidden
#: count of contributions from below (and, with the territory's total, the other nodes from above).
AT_LEAST = {"contributions": "contributors"}


@dataclass(frozen=True)
class Territories:
    """The territories of a batch's cubes: the places entities count in, and the totals above them.

    Parameters
    ----------
    places : tuple of str
        The places (provinces and bodies pseudo-places) that hold at least one entity, in
        cube order: region by region (ISTAT order), its provinces alphabetically, then its
        bodies; the national bodies last.
    sums : dict of str to tuple of str
        Every published total kept, bottom up (a region before Italy), and the places or
        totals that add up to it.

    Examples
    --------
    >>> t = Territories(("A", "B", "__enti__:R"), {"R": ("A", "B", "__enti__:R")})
    >>> t.rows, t.leaves_under("R")
    (('A', 'B', '__enti__:R', 'R'), ['A', 'B', '__enti__:R'])
    """

    places: tuple[str, ...]
    sums: dict

    @property
    def rows(self) -> tuple[str, ...]:
        """Every territory of a cube: the places, then the totals bottom up."""
        return (*self.places, *self.sums)

    def leaves_under(self, total: str) -> list[str]:
        """The places that add up to ``total``, through the totals between them.

        Parameters
        ----------
        total : str
            A key of :attr:`sums`, or a place (then itself).

        Returns
        -------
        list of str
        """
        if total not in self.sums:
            return [total]
        return [leaf for member in self.sums[total] for leaf in self.leaves_under(member)]


def territories(data) -> Territories:
    """The places and totals of the cubes of ``data``'s batch (see :class:`Territories`).

    Only the places holding an entity are kept, with the totals above them. A place
    without entities has no report, and the reports above it show no entity of it: every
    reader knows that all its counts are zero. Keeping it as a grid of zeros would only
    offer zeros as partners for secondary suppression, which protect nothing that reader
    does not know, and would make a national batch's cubes (about 107 provinces and 21
    bodies places) several times larger. A region with no place kept has no report and
    is dropped from Italy's total too; the area is always kept.

    Parameters
    ----------
    data : Processed
        The tables of the whole area (their ``geography`` names the places).

    Returns
    -------
    Territories

    Raises
    ------
    ValueError
        When an entity's territory is not a place of the process's geography.
    """
    geography = data.geography
    names = data.entities["territory"].dropna().astype(str).unique()
    present = set()
    for name in names:
        try:
            present.add(geography.leaf(name))
        except KeyError:
            raise ValueError(
                f"entities: territory {name!r} is not a place of the process ({geography.area.name})."
            ) from None
    sums = {total: _ordered(members, set(geography.sums())) for total, members in geography.sums().items()}
    leaves = [m for members in sums.values() for m in members if m not in sums]
    if not present:  # no entity at all: the full grid of zeros, as there is nothing to protect
        present = set(leaves)
    kept: dict[str, tuple[str, ...]] = {}
    for total, members in sums.items():
        found = tuple(m for m in members if m in present or m in kept)
        if found or total == geography.area.name:
            kept[total] = found
    places = tuple(leaf for leaf in leaves if leaf in present)
    return Territories(places, kept)


def _ordered(members: list[str], totals: set[str]) -> list[str]:
    """A sum's members in cube order: provinces alphabetically, then the bodies; totals as given.

    Alphabetical order within a region is the one the seed's cubes always had, and secondary
    suppression breaks ties by position: with it, a single-region batch decides as before.
    """
    if any(m in totals for m in members):
        return list(members)
    bodies = [m for m in members if m.startswith(bodies_label(""))]
    provinces = sorted((m for m in members if m not in bodies), key=normalize_label)
    return [*provinces, *bodies]


def build(data, bands: Sequence[int], layout: Territories | None = None) -> dict[str, tuple[pd.DataFrame, dict]]:
    """Every cube, with the margin of each of its dimensions (see :func:`.linked.protect_cube`).

    Parameters
    ----------
    data : Processed
        The tables of the whole area; groups and nodes are its process's (``data.process``).
    bands : sequence of int
        Lower edges of the published attendance bands.
    layout : Territories, optional
        The places and totals of the cubes (default: :func:`territories` of ``data``).

    Returns
    -------
    dict of str to (DataFrame, dict)
        Each cube (``territory``, its dimensions, ``count``) and its dimensions' margins.
    """
    layout = territories(data) if layout is None else layout
    geography = data.geography
    entities = data.entities.drop_duplicates("entity_id").copy()
    names = entities["territory"].astype(str)
    entities["place"] = names.map({name: geography.leaf(name) for name in names.unique()})
    grid = _Grid(layout)
    process = data.process
    groups = [g.key for g in process.groups]
    return {
        "entities": (grid(entities, ["category"], {"category": _categories(entities)}), {"category": ALL}),
        "attendance": _attendance(data, entities, bands, grid),
        **_meetings(data, entities, grid),
        **_votes(data, entities, grid, groups),
        **_contributions(data, entities, grid, list(process.nodes)),
    }


def _categories(entities: pd.DataFrame) -> list[str]:
    found = set(entities["category"].astype(str))
    return [c for c in CATEGORIES if c in found] + sorted(found - set(CATEGORIES))


@dataclass(frozen=True)
class _Grid:
    layout: Territories

    def __call__(self, units: pd.DataFrame, dims: list[str], values: dict, *, weight: str | None = None, margin=True):
        """Counts of ``units`` (rows, or the sum of ``weight``) per place x ``dims``, with margins and the totals."""
        places = pd.Index(list(self.layout.places), name="territory")
        if dims:
            index = pd.MultiIndex.from_product([places, *[pd.Index(values[d], name=d) for d in dims]])
        else:
            index = places
        grouped = units.groupby(["place", *dims], observed=True)
        counts = grouped[weight].sum() if weight else grouped.size()
        counts.index = counts.index.set_names(["territory", *dims])
        cube = counts.reindex(index, fill_value=0).rename("count").reset_index()
        if margin and dims:
            last = dims[-1]
            totals = cube.groupby(["territory", *dims[:-1]], sort=False)["count"].sum().reset_index()
            totals[last] = ALL
            cube = pd.concat([cube, totals[cube.columns]], ignore_index=True)
        frames = [cube]
        for total in self.layout.sums:
            part = cube[cube["territory"].isin(self.layout.leaves_under(total))]
            if dims:
                summed = part.groupby(dims, sort=False)["count"].sum().reset_index()
            else:
                summed = pd.DataFrame({"count": [part["count"].sum()]})
            summed.insert(0, "territory", total)
            frames.append(summed[cube.columns])
        return pd.concat(frames, ignore_index=True)


def _attendance(data, entities: pd.DataFrame, bands: Sequence[int], grid: _Grid):
    attended = data.attendance.drop_duplicates(["meeting_id", "entity_id"]).groupby("entity_id").size()
    k = entities["entity_id"].map(attended).fillna(0).to_numpy(dtype=int)
    edges = np.asarray(list(bands))
    labels = band_labels(edges)
    entities = entities.assign(band=np.asarray(labels, dtype=object)[np.searchsorted(edges, k, side="right") - 1])
    return grid(entities, ["band"], {"band": labels}), {"band": ALL}


def _meetings(data, entities: pd.DataFrame, grid: _Grid) -> dict:
    meetings = data.meetings.drop_duplicates("meeting_id").sort_values(["date", "meeting_id"], kind="stable")
    order = list(meetings["meeting_id"])
    att = data.attendance.drop_duplicates(["meeting_id", "entity_id"]).merge(
        entities[["entity_id", "place"]], on="entity_id"
    )
    rank = {m: i for i, m in enumerate(order)}
    att["rank"] = att["meeting_id"].map(rank)
    first = att.groupby("entity_id")["rank"].transform("min")
    values = {"meeting_id": order}
    return {
        "present": (grid(att, ["meeting_id"], values), {"meeting_id": ALL}),
        "newcomers": (grid(att[att["rank"] == first], ["meeting_id"], values), {"meeting_id": ALL}),
    }


def _votes(data, entities: pd.DataFrame, grid: _Grid, groups: list[str]) -> dict:
    votes = data.votes.drop_duplicates(["entity_id", "field", "resource", "need"]).merge(
        entities[["entity_id", "place", "group"]], on="entity_id"
    )
    voters = votes.drop_duplicates("entity_id")
    fields = sorted(votes["field"].unique())
    cells = {
        "field": fields,
        "resource": sorted(votes["resource"].unique()),
        "need": sorted(votes["need"].unique()),
        "group": groups,
    }
    raters = votes.drop_duplicates(["entity_id", "field"])
    return {
        "voters": (grid(voters, ["group"], {"group": groups}), {"group": ALL}),
        "cells": (
            grid(votes, ["field", "resource", "need", "group"], cells),
            {"field": None, "resource": None, "need": None, "group": ALL},
        ),
        "raters": (grid(raters, ["field"], {"field": fields}, margin=False), {"field": None}),
        "resource_raters": (
            grid(votes.drop_duplicates(["entity_id", "resource"]), ["resource"], cells, margin=False),
            {"resource": None},
        ),
    }


def _contributions(data, entities: pd.DataFrame, grid: _Grid, nodes: list[str]) -> dict:
    phase1 = set(data.meetings.loc[data.meetings["phase"] == 1, "meeting_id"])
    contributions = data.contributions[data.contributions["meeting_id"].isin(phase1)].merge(
        entities[["entity_id", "place"]], on="entity_id"
    )
    found = set(contributions["node"].dropna())
    values = {"node": [*nodes, *sorted(found - set(nodes))]}
    contributors = contributions.drop_duplicates(["entity_id", "node"])
    return {
        "contributors": (grid(contributors, ["node"], values, margin=False), {"node": None}),
        "contributions": (grid(contributions, ["node"], values), {"node": ALL}),
        "contributing": (grid(contributions.drop_duplicates("entity_id"), [], {}), {}),
    }
