"""The attacker on small hand-made publications: it must find what a naive suppression leaves open.

Cases from Hundepool et al. (2012), *Statistical Disclosure Control*, ch. 5: a single hidden cell in a
sum with a published total; a region minus all but one of its provinces; a share times a published total.
"""

from __future__ import annotations

import json

import pandas as pd

from palestre_analysis.audit import attack, protection_report
from palestre_analysis.core.geography import Geography
from palestre_analysis.core.process import DEFAULT_REFERENCE_DATE
from palestre_analysis.core.vocabulary import slugify

#: The Lombard provinces (sigla -> name) of the seed's process.
PROVINCES = {p.code: p.name for p in Geography("Lombardia", DEFAULT_REFERENCE_DATE).provinces}

CATEGORIES = ["associazioni", "fondazioni_comunita", "csv", "cooperazione_pa", "altri"]


def publish(folder, tables: dict[str, dict[str, pd.DataFrame]], min_cell: int = 5):
    for slug, found in tables.items():
        (folder / slug / "tables").mkdir(parents=True, exist_ok=True)
        for name, frame in found.items():
            frame.to_csv(folder / slug / "tables" / f"{name}.csv", index=False)
    manifest = {"reports": {"x": {"parameters": {"min_cell": min_cell}}}}
    (folder / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    return folder


def composition(counts: list[float | None]) -> pd.DataFrame:
    return pd.DataFrame({"category": CATEGORIES, "n": counts, "share": None, "ci_low": None, "ci_high": None})


def participation(entities: float | None) -> pd.DataFrame:
    return pd.DataFrame({"category": ["all"], "n_entities": [entities]})


def test_one_hidden_category_next_to_a_published_total_is_pinned(tmp_path):
    reports = publish(
        tmp_path, {"milano": {"composition": composition([15, None, 8, 0, 0]), "participation": participation(26)}}
    )
    audit = attack(reports)
    pinned = [f for f in audit.disclosures if "fondazioni_comunita" in f.target.label]
    assert pinned and pinned[0].low == pinned[0].high == 3, protection_report(audit)


def test_the_region_minus_the_other_provinces_gives_a_hidden_province(tmp_path):
    provinces = {
        slug: {"composition": composition([10, 5, 6, 0, 0]), "participation": participation(21)}
        for slug in (slugify(name) for name in PROVINCES.values() if name != "Sondrio")
    }
    provinces["sondrio"] = {"composition": composition([None, 0, None, 0, 0]), "participation": participation(None)}
    region = {
        "composition": composition([112, 55, 68, 0, 0]),
        "participation": participation(235),
        # the final report's row for the region-wide bodies: none here, so the region is the provinces
        "territories_participation": pd.DataFrame({"territory": ["Enti regionali"], "n_entities": [0]}),
    }
    audit = attack(publish(tmp_path, {**provinces, "lombardia": region}))
    labels = {f.target.label for f in audit.disclosures}
    assert any(label.startswith("Sondrio") for label in labels), protection_report(audit)


def test_a_small_count_printed_as_it_is_is_a_disclosure(tmp_path):
    reports = publish(
        tmp_path, {"milano": {"composition": composition([15, 3, 8, 0, 0]), "participation": participation(26)}}
    )
    audit = attack(reports)
    assert any(f.target.table == "composition" and f.low == 3 for f in audit.disclosures)


def test_hidden_cells_with_a_partner_are_not_pinned(tmp_path):
    reports = publish(
        tmp_path, {"milano": {"composition": composition([15, None, None, 0, 0]), "participation": participation(26)}}
    )
    audit = attack(reports)
    assert audit.safe, protection_report(audit)
