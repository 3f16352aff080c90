"""Generated data sets with small territories and small categories, published by the real notebooks.

The notebooks' code cells run in this process (no kernel, no HTML export), with the
parameters the batch would inject: the CSV tables they write are the ones the batch
publishes, and the attacker reads only those.
"""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from palestre_analysis import config
from palestre_analysis.core.geography import Geography
from palestre_analysis.core.process import DEFAULT_REFERENCE_DATE
from palestre_analysis.core.vocabulary import CATEGORY_OF_TYPE, GROUP_OF_TYPE, slugify
from palestre_analysis.ingest.processed import TABLES, table_path

#: The Lombard provinces (sigla -> name) of the seed's process.
PROVINCES = {p.code: p.name for p in Geography("Lombardia", DEFAULT_REFERENCE_DATE).provinces}

NOTEBOOKS = ("01_rete_partecipazione", "02_risorse_esigenze")
FINAL = "03_relazione_finale"


def generated(demo, seed: int):
    """The demo's entities moved to a few provinces of very different sizes, with skewed entity types.

    Small territories (1 to 6 entities next to larger ones), categories of one or two
    entities, and region-wide bodies: the cases where differencing and derived statistics
    give counts away.
    """
    rng = np.random.default_rng(seed)
    entities = demo.entities.copy()
    names = list(PROVINCES.values())
    chosen = list(rng.choice(names, size=5, replace=False))
    weights = np.array([0.40, 0.25, 0.15, 0.08, 0.04, 0.08])  # five provinces and the bodies
    places = rng.choice([*chosen, config.REGION], size=len(entities), p=weights)
    entities["territory"] = places
    codes = {name: code for code, name in PROVINCES.items()}
    entities["territory_code"] = [codes.get(t, "LOM") for t in places]
    types = ["aps", "odv", "fondazione_comunita", "csv", "cooperativa_impresa_sociale", "altro"]
    drawn = rng.choice(types, size=len(entities), p=[0.35, 0.3, 0.08, 0.07, 0.1, 0.1])
    entities["entity_type"] = drawn
    entities["category"] = [CATEGORY_OF_TYPE[t] for t in drawn]
    entities["group"] = [GROUP_OF_TYPE[t] for t in drawn]
    keep = rng.random(len(demo.votes)) > 0.2  # delegates skip some cells
    return replace(demo, entities=entities, votes=demo.votes[keep].reset_index(drop=True))


def write_processed(data, folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name in TABLES:
        getattr(data, name).to_parquet(table_path(folder, name), index=False)
    (folder / "cleaning_report.json").write_text(json.dumps(data.report), encoding="utf-8")
    return folder


def run_notebook(stem: str, territory: str, processed: Path, tables: Path, min_cell: int) -> None:
    """Execute a notebook's code cells here, with the batch's parameters after the parameters cell."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    notebook = json.loads((config.NOTEBOOKS_DIR / f"{stem}.ipynb").read_text(encoding="utf-8"))
    namespace: dict = {"__name__": f"notebook_{stem}"}
    for cell in notebook["cells"]:
        if cell["cell_type"] != "code":
            continue
        exec(compile("".join(cell["source"]), f"{stem}.ipynb", "exec"), namespace)  # noqa: S102
        if "parameters" in cell.get("metadata", {}).get("tags", []):
            namespace.update(
                territorio=territory, processed_dir=str(processed), tables_dir=str(tables), min_cell=min_cell
            )
    plt.close("all")


def publish(data, out: Path, min_cell: int = config.MIN_CELL) -> Path:
    """Every report of a batch on ``data``, as CSV tables under ``out/reports``; returns that folder."""
    processed = write_processed(data, out / "processed")
    reports = out / "reports"
    territories = sorted(set(data.entities["territory"]) - {config.REGION}) + [config.REGION]
    for territory in territories:
        tables = reports / slugify(territory) / "tables"
        for stem in NOTEBOOKS:
            run_notebook(stem, territory, processed, tables, min_cell)
    run_notebook(FINAL, config.REGION, processed, reports / slugify(config.REGION) / "tables", min_cell)
    manifest = {"reports": {"generated": {"parameters": {"min_cell": min_cell}}}}
    (reports / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    return reports


@pytest.fixture(scope="session", params=[1, 2], ids=["generated-1", "generated-2"])
def generated_batch(request, demo_processed, tmp_path_factory):
    """A generated data set and the folder of its published tables."""
    data = generated(demo_processed, request.param)
    reports = publish(data, tmp_path_factory.mktemp(f"generated_{request.param}"))
    return data, reports
