"""The count cubes of a batch, built once from the processed tables of the whole region.

Each cube is a full grid (zeros included) of one kind of count for every territory:
the provinces, :data:`~.linked.BODIES` (entities whose territory is the region itself)
and the region. :mod:`.linked` protects them.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from palestre_analysis import config
from palestre_analysis.core.vocabulary import CATEGORIES, GROUPS, NODES, PROVINCES

from ._histograms import ALL
from .participation import band_labels

#: Pseudo-territory of the region-wide bodies (entities whose territory is the region itself).
BODIES = "__regional_bodies__"
__all__ = ["ALL", "BODIES", "ZEROS_KNOWN", "RULES_SUFFICE", "TOTALS_OF_CELLS", "HIDDEN_WITH", "build"]

_PLACES = [*PROVINCES.values(), BODIES]

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


def build(data, bands: Sequence[int]) -> dict[str, tuple[pd.DataFrame, dict]]:
    """Every cube, with the margin of each of its dimensions (see :func:`.linked.protect_cube`)."""
    entities = data.entities.drop_duplicates("entity_id").copy()
    entities["place"] = entities["territory"].where(entities["territory"] != config.REGION, BODIES)
    return {
        "entities": (_grid(entities, ["category"], {"category": _categories(entities)}), {"category": ALL}),
        "attendance": _attendance(data, entities, bands),
        **_meetings(data, entities),
        **_votes(data, entities),
        **_contributions(data, entities),
    }


def _categories(entities: pd.DataFrame) -> list[str]:
    found = set(entities["category"].astype(str))
    return [c for c in CATEGORIES if c in found] + sorted(found - set(CATEGORIES))


def _grid(units: pd.DataFrame, dims: list[str], values: dict, *, weight: str | None = None, margin=True):
    """Counts of ``units`` (rows, or the sum of ``weight``) per place x ``dims``, with margins and the region."""
    places = pd.Index(_PLACES, name="territory")
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
    region = cube.groupby(dims, sort=False)["count"].sum().reset_index() if dims else None
    if region is None:
        region = pd.DataFrame({"count": [cube["count"].sum()]})
    region.insert(0, "territory", config.REGION)
    return pd.concat([cube, region[cube.columns]], ignore_index=True)


def _attendance(data, entities: pd.DataFrame, bands: Sequence[int]):
    attended = data.attendance.drop_duplicates(["meeting_id", "entity_id"]).groupby("entity_id").size()
    k = entities["entity_id"].map(attended).fillna(0).to_numpy(dtype=int)
    edges = np.asarray(list(bands))
    labels = band_labels(edges)
    entities = entities.assign(band=np.asarray(labels, dtype=object)[np.searchsorted(edges, k, side="right") - 1])
    return _grid(entities, ["band"], {"band": labels}), {"band": ALL}


def _meetings(data, entities: pd.DataFrame) -> dict:
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
        "present": (_grid(att, ["meeting_id"], values), {"meeting_id": ALL}),
        "newcomers": (_grid(att[att["rank"] == first], ["meeting_id"], values), {"meeting_id": ALL}),
    }


def _votes(data, entities: pd.DataFrame) -> dict:
    votes = data.votes.drop_duplicates(["entity_id", "field", "resource", "need"]).merge(
        entities[["entity_id", "place", "group"]], on="entity_id"
    )
    groups = list(GROUPS)
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
        "voters": (_grid(voters, ["group"], {"group": groups}), {"group": ALL}),
        "cells": (
            _grid(votes, ["field", "resource", "need", "group"], cells),
            {"field": None, "resource": None, "need": None, "group": ALL},
        ),
        "raters": (_grid(raters, ["field"], {"field": fields}, margin=False), {"field": None}),
        "resource_raters": (
            _grid(votes.drop_duplicates(["entity_id", "resource"]), ["resource"], cells, margin=False),
            {"resource": None},
        ),
    }


def _contributions(data, entities: pd.DataFrame) -> dict:
    phase1 = set(data.meetings.loc[data.meetings["phase"] == 1, "meeting_id"])
    contributions = data.contributions[data.contributions["meeting_id"].isin(phase1)].merge(
        entities[["entity_id", "place"]], on="entity_id"
    )
    found = set(contributions["node"].dropna())
    nodes = [*NODES, *sorted(found - set(NODES))]
    values = {"node": nodes}
    contributors = contributions.drop_duplicates(["entity_id", "node"])
    return {
        "contributors": (_grid(contributors, ["node"], values, margin=False), {"node": None}),
        "contributions": (_grid(contributions, ["node"], values), {"node": ALL}),
        "contributing": (_grid(contributions.drop_duplicates("entity_id"), [], {}), {}),
    }
