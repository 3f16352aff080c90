"""The composition section and the final report's composition finding (issue 11, item 7), and «Mai da soli».

What is checked, with its source:

- the seed's shares are the network's own published composition, so the area gets a consistency check, said
  as such, and no test of representativeness (the issue's finding: the test compared the data with itself);
- an external frame of the process file (``tipo = "esterna"``, ``fonte``) is tested and named by its source;
- a province is compared with the network that contains it, and its published statistic is recomputed here
  from the published tables alone (the province's shown counts, its hidden ones pooled as total minus shown,
  the region's shown counts): the disclosure proof that no hidden count enters it (Pearson's X^2 by hand);
- in a national process a province is compared with its region and a region with Italy
  (Geography.parent), using the hand-built national process of the attacker's tests;
- the final report's «Mai da soli» prints the permutation test of stats.cross_category_test.
"""

from __future__ import annotations

import re
from dataclasses import replace

import numpy as np
import pandas as pd
import pytest

from palestre_analysis.ingest.processed import for_territory
from palestre_analysis.report import final, network
from palestre_analysis.report.display import HTML
from palestre_analysis.report.parameters import Parameters, check_parameters
from palestre_analysis.report.protection import guard
from palestre_analysis.stats import composition as composition_table
from tests.audit.national import national_processed

PROVINCES = ["Bergamo", "Brescia", "Como", "Cremona", "Lecco", "Milano", "Monza e della Brianza", "Varese"]


def text_of(section) -> str:
    return re.sub(r"<[^>]+>", "", "\n".join(item.data for item in section.items if isinstance(item, HTML)))


@pytest.fixture(scope="module")
def cache(tmp_path_factory):
    return tmp_path_factory.mktemp("composition_cache")


def _params(territory, cache, **changes) -> Parameters:
    return replace(check_parameters(territory, 5, 1, cache), **changes)


def test_the_area_gets_a_consistency_check_not_a_test(demo_processed, cache):
    params = _params("Lombardia", cache)
    section = network.composition(demo_processed, params)
    text = text_of(section)
    assert set(section.tables) == {"composition", "composition_check"}
    check = section.tables["composition_check"].iloc[0]
    assert bool(check["consistent"]) and check["tolerance"] == 0.01
    assert "Controllo di coerenza: la rete coincide con le quote pubblicate (documento «Palestre di capacità»)" in text
    assert "non dice se la rete rappresenti il Terzo Settore del territorio" in text
    assert "p = " not in text and "si discosta" not in text
    finding = final._composition_finding(demo_processed, params, None)
    assert finding.startswith("Controllo di coerenza") and "non un test di rappresentatività" in finding
    method = final._reference_method(params)
    assert "controllo di coerenza" in method and 'tipo = "esterna"' in method


def test_an_inconsistent_publication_names_the_category_that_differs(demo_processed, cache):
    """The network against published shares that are not its own composition: 'non coincide', with the category
    whose share is furthest, printed at the publication's precision (the gap shows)."""
    shares = {"associazioni": 0.70, "fondazioni_comunita": 0.05, "csv": 0.10, "cooperazione_pa": 0.05, "altri": 0.10}
    process = replace(demo_processed.process, reference_shares=shares)
    data = replace(demo_processed, report={**demo_processed.report, "process": process.as_json()})
    params = _params("Lombardia", cache, process=process, reference_shares=shares)
    text = text_of(network.composition(data, params))
    assert "la rete non coincide con le quote pubblicate" in text
    assert "la quota delle associazioni è il 60%, contro il 70% pubblicato" in text


def test_an_external_frame_is_tested_and_named_by_its_source(demo_processed, cache):
    source = "RUNTS, enti iscritti in Lombardia al 31/12/2018"
    process = replace(demo_processed.process, reference_kind="esterna", reference_source=source, source="processo.toml")
    data = replace(demo_processed, report={**demo_processed.report, "process": process.as_json()})
    params = _params("Lombardia", cache, process=process)
    section = network.composition(data, params)
    text = text_of(section)
    assert set(section.tables) == {"composition", "composition_test"}
    test = section.tables["composition_test"].iloc[0]
    assert pd.notna(test["p_value"]) and "multinomial" in test["method"]
    assert f"fonte: {source}" in text and "Controllo di coerenza" not in text
    assert f"Quote di riferimento: {source}, indicate nel file del processo" in text
    finding = final._composition_finding(data, params, None)
    assert source in finding and "quote di riferimento indicate nel file del processo" in finding
    assert "riferimento esterno" in final._reference_method(params)


@pytest.mark.parametrize("name", PROVINCES)
def test_a_province_is_compared_with_its_region_from_published_counts_only(demo_processed, cache, name):
    """Disclosure proof: the published X^2 is recomputed from what the two reports publish (the province's shown
    counts, its hidden categories pooled as the published total minus the shown ones, the region's shown
    counts); where fewer than two groups would be left, nothing is published."""
    params = _params(name, cache)
    data = for_territory(demo_processed, name)
    section = network.composition(data, params)
    if not section.tables:  # a territory too small to publish anything (Lecco)
        assert len(data.entities) < params.min_cell
        return
    mine = section.tables["composition"]
    test = section.tables["composition_test"].iloc[0]
    region = network.composition(demo_processed, _params("Lombardia", cache)).tables["composition"]
    assert test["reference"] == "Lombardia" and "Quota in Lombardia" in text_of(section)
    assert mine["enclosing_share"].tolist() == pytest.approx(region["share"].tolist(), nan_ok=True)
    if pd.isna(test["p_value"]):
        assert "non è mostrato" in text_of(section) and pd.isna(test["statistic"])
        return
    hidden = set(mine.loc[mine["n"].isna(), "category"]) | set(region.loc[region["n"].isna(), "category"])
    shown = [c for c in mine["category"] if c not in hidden]
    n_total = float(mine["n_total"].iloc[0])
    observed = [float(mine.set_index("category").loc[c, "n"]) for c in shown]
    whole = [float(region.set_index("category").loc[c, "n"]) for c in shown]
    if hidden:
        observed.append(n_total - sum(observed))
        whole.append(float(region["n_total"].iloc[0]) - sum(whole))
    observed, whole = np.array(observed), np.array(whole)
    keep = whole > 0
    expected = n_total * whole[keep] / whole.sum()
    assert test["statistic"] == pytest.approx(((observed[keep] - expected) ** 2 / expected).sum())
    assert "test esatto condizionato" in text_of(section)


def test_in_a_national_process_a_province_meets_its_region_and_a_region_italy(tmp_path):
    """Source: Geography.parent. Perugia is compared with Umbria, Umbria with Italy; the enclosing share column
    is what the enclosing report shows (its Guard)."""
    nation = national_processed()
    process = nation.process
    for name, parent in (("Perugia", "Umbria"), ("Umbria", "Italia"), ("Ancona", "Marche")):
        params = Parameters(name, 3, 1, tmp_path, None, process.reference_shares, process)
        data = for_territory(nation, name)
        comparison = network.compare_composition(data, params)
        assert comparison.kind == "territorio" and comparison.reference == parent
        whole = for_territory(nation, parent)
        shown = guard(whole, params).composition(composition_table(whole.entities, None, min_cell=3))
        assert comparison.composition["enclosing_share"].tolist() == pytest.approx(shown["share"].tolist(), nan_ok=True)
    area = network.compare_composition(nation, Parameters("Italia", 3, 1, tmp_path, None, None, process))
    assert area.kind == "" and area.result is None


def test_the_final_report_reads_mai_da_soli_against_the_permutation_test(demo_processed, cache):
    params = _params("Lombardia", cache)
    text = re.sub(r"<[^>]+>", "", " ".join(i for i in final._phase1_findings(demo_processed, params) if i))
    assert "senza un test" not in text
    match = re.search(r"«Mai da soli»: (.*?)\.( |$)", text)
    assert match and "test di permutazione, p = " in match.group(1) and "al 95% tra" in match.group(1)


def _row(share, expected, low, high, p):
    return pd.Series(
        {
            "cross_category_share": share,
            "cross_category_expected": expected,
            "cross_category_low": low,
            "cross_category_high": high,
            "cross_category_p": p,
        }
    )


@pytest.mark.parametrize(
    ("row", "said", "unsaid"),
    [
        (  # a national network: half a point beyond the null, printed with one decimal so that it shows
            _row(0.5028, 0.4979, 0.4960, 0.4998, 0.0001),
            [
                "il 50,3% unisce",
                "ce ne aspetteremmo il 49,8%, e nel 95% dei casi tra il 49,6% e il 50,0%",
                "più di quanti",
            ],
            ["meno di quanti", "rientra"],
        ),
        (
            _row(0.30, 0.45, 0.40, 0.50, 0.001),
            ["il 30% unisce", "meno di quanti", "della propria categoria", "p = 0,001"],
            ["più di quanti"],
        ),
        (_row(0.604, 0.6049, 0.56, 0.65, 0.97), ["È quanto darebbe il caso", "p = 0,970"], ["rientra", "di quanti"]),
        (_row(0.62, 0.60, 0.56, 0.65, 0.65), ["Lo scarto rientra in quanto può dare il caso"], ["di quanti"]),
        (  # no precision prints the range in agreement with the test: the range is left out, the test stays
            _row(0.50, 0.45, 0.40, 0.55, 0.01),
            ["ce ne aspetteremmo il 45,0%.", "più di quanti"],
            ["nel 95% dei casi"],
        ),
    ],
)
def test_mixing_sentences_say_what_the_test_says_at_the_precision_printed(row, said, unsaid):
    """Source: claims' rule (true at the precision printed): the share prints outside the printed range
    exactly when p < 0.05, in the direction of the gap."""
    text = re.sub(r"<[^>]+>", "", " ".join(network._mixing(row))).replace("&#x27;", "'")
    assert all(s in text for s in said), text
    assert not any(s in text for s in unsaid), text
    assert network._mixing(_row(0.5, float("nan"), 0.4, 0.6, 0.5)) == []


def test_an_external_test_counts_hidden_categories_together_from_published_numbers(demo_processed, cache):
    """Disclosure proof for the area: with min_cell = 12 the demo's four small categories are hidden; the test
    against an external frame counts them together (published total minus the shown count, their shares
    summed), and its published X^2 is recomputed here from those numbers alone."""
    shares = {"associazioni": 0.5, "fondazioni_comunita": 0.2, "csv": 0.1, "cooperazione_pa": 0.1, "altri": 0.1}
    process = replace(
        demo_processed.process, reference_shares=shares, reference_kind="esterna", reference_source="censimento"
    )
    data = replace(demo_processed, report={**demo_processed.report, "process": process.as_json()})
    params = replace(check_parameters("Lombardia", 12, 1, cache), process=process, reference_shares=shares)
    section = network.composition(data, params)
    table, test = section.tables["composition"], section.tables["composition_test"].iloc[0]
    shown = table.dropna(subset=["n"])
    assert 0 < len(shown) < len(table)
    observed = [*shown["n"], table["n_total"].iloc[0] - shown["n"].sum()]
    pi = np.array([*shown["reference_share"], 1 - shown["reference_share"].sum()])
    expected = table["n_total"].iloc[0] * pi
    assert test["statistic"] == pytest.approx(((np.array(observed) - expected) ** 2 / expected).sum())
    assert "Le categorie nascoste per riservatezza sono contate insieme nel test." in text_of(section)
