"""A national process in two regions, end to end: demo, cleaning, every report, the index and the attacker.

The synthetic national demo (``palestre demo --process national --regioni Veneto,Sardegna``) has
its own title, nodes, groups and a 1-5 scale in its ``processo.toml``, entities in the provinces,
region-wide bodies and national bodies. The batch must publish the hierarchy (Italia, each region,
each province; the final report for the area and each region) in flat folders, the index grouped
by region, tables that follow the process, and nothing the attacker can rebuild below min_cell.
"""

from __future__ import annotations

import re

import pandas as pd
import pytest

from palestre_analysis.audit import attack
from palestre_analysis.batch.runner import run_batch
from palestre_analysis.core.process import read_process
from palestre_analysis.ingest.demo_national import write_national_demo

pytestmark = pytest.mark.slow

FINAL = "03_relazione_finale.html"


@pytest.fixture(scope="module")
def national(tmp_path_factory):
    root = tmp_path_factory.mktemp("national")
    raw = root / "raw"
    write_national_demo(raw, regions=["Veneto", "Sardegna"])
    result = run_batch(raw_dir=raw, out_dir=root / "out", jobs=2)
    assert result.exit_code == 0, (result.messages, [r.error for r in result.failures])
    process, problems = read_process(raw)
    assert problems == []
    return root / "out", process


def _text(path) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", path.read_text(encoding="utf-8")))


def test_the_reports_follow_the_hierarchy_in_flat_folders(national):
    out, _ = national
    reports = out / "reports"
    folders = {p.name for p in reports.iterdir() if p.is_dir()}
    assert {"italia", "veneto", "sardegna", "verona", "padova", "sud-sardegna", "cagliari"} <= folders
    assert not {"lombardia", "milano"} & folders  # only the regions of the data
    for whole in ("italia", "veneto", "sardegna"):  # the final report: the area and every region
        assert (reports / whole / FINAL).is_file(), whole
    assert not (reports / "verona" / FINAL).exists()
    for province in ("verona", "sud-sardegna"):
        assert (reports / province / "01_rete_partecipazione.html").is_file()
        assert (reports / province / "02_risorse_esigenze.html").is_file()


def test_the_index_groups_the_territories_by_region(national):
    out, process = national
    page = (out / "reports" / "index.html").read_text(encoding="utf-8")
    assert process.title.split(" – ")[0] in page
    veneto, sardinia = page.index("<h2>Veneto</h2>"), page.index("<h2>Sardegna</h2>")
    assert page.index("Italia (tutto il paese)") < veneto < sardinia  # ISTAT order: Veneto 05, Sardegna 20
    assert (
        veneto < page.index('<th scope="row">Verona</th>') < sardinia < page.index('<th scope="row">Sud Sardegna</th>')
    )


def test_the_final_report_of_the_area_compares_the_regions(national):
    out, _ = national
    table = pd.read_csv(out / "reports" / "italia" / "tables" / "territories_participation.csv")
    assert set(table["territory"]) <= {"Veneto", "Sardegna", "Enti nazionali"}
    assert {"Veneto", "Sardegna"} <= set(table["territory"])
    region = pd.read_csv(out / "reports" / "veneto" / "tables" / "territories_participation.csv")
    assert "Enti regionali" in set(region["territory"]) and "Verona" in set(region["territory"])
    assert not {"Cagliari", "Sardegna"} & set(region["territory"])


def test_the_tables_and_the_text_follow_the_process(national):
    out, process = national
    italia = out / "reports" / "italia"
    cells = pd.read_csv(italia / "tables" / "cells.csv")
    assert cells["mean"].dropna().between(*process.scale).all()
    assert set(cells["group"]) == {"all", *(g.key for g in process.groups)}
    comparison = pd.read_csv(italia / "tables" / "group_comparison.csv")
    assert [c for c in comparison.columns if c.startswith("n_")] == [f"n_{g.key}" for g in process.groups]
    contributions = pd.read_csv(italia / "tables" / "contributions.csv")
    assert set(contributions["node"]) - {"all"} <= set(process.nodes)
    text = _text(italia / "02_risorse_esigenze.html")
    assert process.title in text and "APS e ODV" not in text and "Lombardia" not in text
    assert "da 1 a 10" not in text


def test_nothing_hidden_can_be_rebuilt_from_all_published_files(national):
    out, _ = national
    audit = attack(out / "reports")
    assert audit.tables_read and not audit.disclosures
