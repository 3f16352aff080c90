"""A small national process built by hand: two regions, their provinces and bodies, and national bodies.

Counts are chosen so that subtracting across levels gives small groups away unless the
protection hides partners: Italy minus Marche minus Umbria is the 3 national bodies, Umbria
minus Perugia and Terni its 2 regional bodies, Marche minus Ancona and Fermo (and its bodies)
the 3 entities of Macerata. The process has its own groups and nodes, so nothing falls back
on the seed's vocabulary.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import numpy as np
import pandas as pd

from palestre_analysis.core.geography import bodies_label
from palestre_analysis.core.process import Group, Process
from palestre_analysis.core.vocabulary import CATEGORY_OF_TYPE, slugify
from palestre_analysis.ingest.processed import Processed

ON = dt.date(2019, 6, 30)
PROCESS = Process(
    title="Palestre nazionali",
    area="Italia",
    reference_date=ON,
    nodes=("Reti", "Strumenti", "Formazione"),
    groups=(Group("piccoli", "Enti piccoli", ("aps", "odv")), Group("grandi", "Enti grandi", ("*",))),
)
#: Entities per territory, as the tables write it (a region or Italy: its bodies).
SIZES = {
    "Perugia": 9,
    "Terni": 7,
    "Umbria": 2,
    "Ancona": 12,
    "Macerata": 3,
    "Fermo": 6,
    "Marche": 6,
    "Italia": 3,
}
#: The report territories and the places they cover (bodies by their pseudo-place).
REPORTS = {
    "Italia": ["Perugia", "Terni", bodies_label("Umbria"), "Ancona", "Fermo", "Macerata", bodies_label("Marche")]
    + [bodies_label("Italia")],
    "Umbria": ["Perugia", "Terni", bodies_label("Umbria")],
    "Marche": ["Ancona", "Fermo", "Macerata", bodies_label("Marche")],
    **{p: [p] for p in ("Perugia", "Terni", "Ancona", "Fermo", "Macerata")},
}
_TYPES = ["aps", "odv", "fondazione_comunita", "csv", "cooperativa_impresa_sociale", "altro"]


def national_processed(seed: int = 0) -> Processed:
    """The processed tables of the national process (a ``Processed`` built by hand)."""
    rng = np.random.default_rng(seed)
    rows = []
    for territory, size in SIZES.items():
        for _ in range(size):
            rows.append(
                (f"E{len(rows) + 1:03d}", territory, _TYPES[int(rng.choice(6, p=[0.3, 0.3, 0.1, 0.1, 0.1, 0.1]))])
            )
    entities = pd.DataFrame(rows, columns=["entity_id", "territory", "entity_type"])
    entities["entity_name"] = entities["entity_id"]
    entities["category"] = entities["entity_type"].map(CATEGORY_OF_TYPE)
    entities["group"] = entities["entity_type"].map(PROCESS.group_of_type)
    entities["territory_code"] = ""
    entities["delegate_id"] = entities["entity_id"]
    entities = entities[
        ["entity_id", "entity_name", "entity_type", "category", "group", "territory_code", "territory", "delegate_id"]
    ]
    region = {"Perugia": "Umbria", "Terni": "Umbria", "Umbria": "Umbria", "Italia": None}
    region |= dict.fromkeys(["Ancona", "Macerata", "Fermo", "Marche"], "Marche")
    meetings = pd.DataFrame(
        [
            ("M1", "2019-01-10", 1, "nazionale", "", "Italia", "FG nazionale"),
            ("M2", "2019-02-10", 1, "regionale", "", "Umbria", "FG Umbria"),
            ("M3", "2019-02-17", 1, "regionale", "", "Marche", "FG Marche"),
            ("M4", "2019-05-10", 2, "nazionale", "", "Italia", "FG voti"),
        ],
        columns=["meeting_id", "date", "phase", "level", "territory_code", "territory", "focus_group"],
    )
    meetings["date"] = pd.to_datetime(meetings["date"])
    attendance = []
    for entity, territory in zip(entities["entity_id"], entities["territory"], strict=True):
        home = {"Umbria": "M2", "Marche": "M3"}.get(region[territory])
        for meeting, chance in (("M1", 0.5), (home, 0.8), ("M4", 0.6)):
            if meeting is not None and rng.random() < chance:
                attendance.append((meeting, entity))
    attendance = pd.DataFrame(attendance, columns=["meeting_id", "entity_id"])
    phase1 = attendance[attendance["meeting_id"].isin(["M1", "M2", "M3"])]
    contributions = phase1.sample(frac=0.7, random_state=seed).assign(
        node=lambda t: rng.choice(list(PROCESS.nodes), size=len(t)), text=""
    )[["meeting_id", "entity_id", "node", "text"]]
    votes = []
    for entity in entities["entity_id"]:
        if rng.random() < 0.3:
            continue
        for field in ("Cultura", "Sociale"):
            for resource in ("Bandi", "Donazioni"):
                for need in ("Spazi", "Progetti"):
                    if rng.random() < 0.85:
                        votes.append((entity, field, resource, need, int(rng.integers(1, 11))))
    votes = pd.DataFrame(votes, columns=["entity_id", "field", "resource", "need", "score"])
    return Processed(
        entities,
        meetings,
        attendance,
        contributions.reset_index(drop=True),
        votes,
        report={"process": PROCESS.as_json()},
        territory="Italia",
    )


def cube_tables(protection, territory: str, *, naive: bool = False, min_cell: int = 5) -> dict[str, pd.DataFrame]:
    """The tables a territory's reports would publish from the cubes: blank where hidden.

    With ``naive``, only the counts from 1 to ``min_cell - 1`` are blank (each table
    suppressed on its own): the publication that subtraction defeats.
    """

    def cells(name: str) -> pd.DataFrame:
        cube = protection.hidden(name, territory)
        blank = ((cube["count"] > 0) & (cube["count"] < min_cell)) if naive else cube["hidden"]
        return cube.assign(value=cube["count"].where(~blank).astype(float))

    entities = cells("entities")
    found = {
        "composition": entities[entities["category"] != "all"][["category", "value"]].rename(columns={"value": "n"}),
        "participation": pd.DataFrame(
            {"category": ["all"], "n_entities": entities.loc[entities["category"] == "all", "value"].to_numpy()}
        ),
    }
    voters = cells("voters")
    found["voters"] = voters[["group", "value"]].rename(columns={"value": "n_delegates"})
    # as the reports blank them: a node's contributions go with its contributors, everything with few contributors
    contributors, contributions, contributing = cells("contributors"), cells("contributions"), cells("contributing")
    joined = contributors.merge(contributions[["node", "value"]], on="node", suffixes=("_q", "_k"))
    shown = joined["value_q"].notna() & bool(contributing["value"].notna().iloc[0])
    found["contributions"] = pd.DataFrame(
        {
            "category": "all",
            "node": joined["node"],
            "n_entities": joined["value_q"].where(shown),
            "n_contributions": joined["value_k"].where(shown),
        }
    )
    total = contributions.loc[contributions["node"] == "all", "value"].to_numpy()
    found["contributions_test"] = pd.DataFrame({"n_entities": contributing["value"], "n_contributions": total})
    return found


def publish(protection, folder: Path, *, naive: bool = False, min_cell: int = 5) -> Path:
    """Every report territory's tables as CSV files, the final reports' comparison of territories, a manifest."""
    children = {
        "Italia": [("Umbria", "Umbria"), ("Marche", "Marche"), ("Enti nazionali", bodies_label("Italia"))],
        "Umbria": [("Perugia", "Perugia"), ("Terni", "Terni"), ("Enti regionali", bodies_label("Umbria"))],
        "Marche": [(p, p) for p in ("Ancona", "Fermo", "Macerata")] + [("Enti regionali", bodies_label("Marche"))],
    }
    for territory in REPORTS:
        tables = cube_tables(protection, territory, naive=naive, min_cell=min_cell)
        if territory in children:
            rows = []
            for label, place in children[territory]:
                participation = cube_tables(protection, place, naive=naive, min_cell=min_cell)["participation"]
                rows.append({"territory": label, "n_entities": participation["n_entities"].iloc[0]})
            tables["territories_participation"] = pd.DataFrame(rows)
        target = folder / slugify(territory) / "tables"
        target.mkdir(parents=True, exist_ok=True)
        for name, frame in tables.items():
            frame.to_csv(target / f"{name}.csv", index=False)
    manifest = {"process": PROCESS.as_json(), "reports": {"x": {"parameters": {"min_cell": min_cell}}}}
    (folder / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    return folder
