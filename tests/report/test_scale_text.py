"""Every phase-2 section follows the process's scale: text, captions, figures and tables on 1-5.

The demo's votes are mapped onto 1-5 (``ceil(score / 2)``) and the cleaning report records
a 1-5 process with the default bands 1-2, 3, 4-5. No sentence, caption, alt text, legend or
axis label may then name 10 as the top of the scale or the seed's bands, and every score
statistic of the tables must lie on 1-5. The demo's counts are unchanged by the mapping, so
disclosure control hides the same cells as on the demo.
"""

from __future__ import annotations

import dataclasses
import math
import re
from dataclasses import replace

import numpy as np
import pandas as pd
import pytest
from matplotlib.figure import Figure
from matplotlib.text import Text

from palestre_analysis.core.process import Process, default_bands
from palestre_analysis.ingest.processed import for_territory
from palestre_analysis.report import final, plots, scores
from palestre_analysis.report.display import HTML
from palestre_analysis.report.parameters import check_parameters
from palestre_analysis.report.protection import guard
from palestre_analysis.report.scale import bands_text, score_range, scores_phrase
from palestre_analysis.report.section import figure_bundle

FIVE = Process(scale=(1, 5), bands=default_bands(1, 5))
#: Ways a text could still speak of the seed's 1-10 scale or of its bands (a heatmap panel's
#: range of delegates, «n = 5–10 delegati», is a count, not the scale).
SEED_SCALE = [
    r"\b1\s*[-–]\s*10\b(?! delegati)",
    r"\b\d+\s*[-–]\s*10\b(?! delegati)",
    r"\ba 10\b",
    r"\b10\s*\)",
    r"\b1-4\b",
    r"\b5-6\b",
    r"\b7-10\b",
    r"\bda 7\b",
]
PHASE2 = (
    scores.overview,
    scores.means,
    scores.best,
    scores.consensus,
    scores.agreement,
    scores.groups,
    scores.distributions,
)


@pytest.fixture(scope="module")
def five(demo_processed):
    """The demo region with its votes on 1-5 and a 1-5 process in the cleaning report."""
    votes = demo_processed.votes.assign(score=demo_processed.votes["score"].map(lambda s: math.ceil(s / 2)))
    return replace(demo_processed, votes=votes, report={**demo_processed.report, "process": FIVE.as_json()})


@pytest.fixture(scope="module")
def reports(five, tmp_path_factory):
    """Per territory: its data, parameters, scores and sections (the final report's for the region)."""
    folder = tmp_path_factory.mktemp("disclosure_cache")
    out = {}
    for territory in ("Lombardia", "Milano"):
        params = check_parameters(territory, 5, 1, folder)
        data = five if territory == "Lombardia" else for_territory(five, territory)
        results = scores.compute(data, params)
        sections = {f.__name__: f(results, params) for f in PHASE2}
        if territory == "Lombardia":
            sections.update({f.__name__: f(data, results, params) for f in (final.summary, final.key_findings)})
            sections["territories"] = final.territories(data, results, params)
            sections["methods"] = final.methods(data, params)
        out[territory] = data, params, results, sections
    return out


def _texts(section) -> list[str]:
    """What a reader gets of a section: its sentences and tables as text, and every text of its figures."""
    texts = []
    for item in section.items:
        if isinstance(item, HTML):
            texts.append(re.sub(r"<[^>]+>", " ", item.data))
        elif isinstance(item, Figure):
            texts.append(figure_bundle(item)["text/plain"])  # renders: tick labels are set
            texts.extend(t.get_text() for t in item.findobj(Text) if t.get_text())
    return texts


def _figures(section) -> list[Figure]:
    return [item for item in section.items if isinstance(item, Figure)]


@pytest.mark.parametrize("territory", ["Lombardia", "Milano"])
def test_no_text_names_the_seed_scale(reports, territory):
    *_, sections = reports[territory]
    for name, section in sections.items():
        for text in _texts(section):
            for pattern in SEED_SCALE:
                assert not re.search(pattern, text), f"{territory}, {name}: «{text}» matches {pattern}"


@pytest.mark.parametrize("territory", ["Lombardia", "Milano"])
def test_the_text_names_the_process_scale_and_bands(reports, territory):
    *_, sections = reports[territory]
    text = {name: "\n".join(_texts(section)) for name, section in sections.items()}
    assert "da 1 a 5" in text["overview"]
    assert "Voto medio (1-5)" in text["means"]
    assert "Accordo tra i delegati in ogni casella (r_wg)" in text["consensus"]
    assert "sui 5 valori della scala (1-5)" in text["consensus"]  # r_wg's uniform null is the process's scale
    assert "stessa fascia (1-2, 3, 4-5)" in text["consensus"]
    assert {"Voti bassi (1-2)", "Voti intermedi (3)", "Voti alti (4-5)"} <= set(text["distributions"].split("\n"))
    assert "di voti da 4 a 5" in text["distributions"]
    if territory == "Lombardia":
        assert "Voti validi (da 1 a 5)" in text["summary"]
        assert "nelle stesse caselle (punti della scala 1-5)" in text["territories"]
        assert "quota di voti da 4 a 5" in text["methods"]
        assert "stessa fascia (1-2, 3, 4-5)" in text["methods"]


def test_scores_carry_the_process(reports):
    _, _, results, _ = reports["Lombardia"]
    assert results.process == FIVE
    assert (results.scale, results.bands, results.high_score) == ((1, 5), ((1, 2), (3, 3), (4, 5)), 4)


@pytest.mark.parametrize("territory", ["Lombardia", "Milano"])
def test_tables_lie_on_the_scale(reports, territory):
    *_, sections = reports[territory]
    on_scale = {
        "cells": ["mean", "median", "ci_low", "ci_high"],
        "best_crossing": ["mean"],
        "resource_distribution": ["mean"],
        "territories_resources": ["mean"],
    }
    seen = set()
    for section in sections.values():
        for name, table in section.tables.items():
            for column in on_scale.get(name, []):
                values = table[column].dropna()
                assert len(values), f"{territory}, {name}.{column}: nothing shown"
                assert values.between(1, 5).all(), f"{territory}, {name}.{column} leaves 1-5: {values.max()}"
                seen.add(name)
            if "iqr" in table:
                assert table["iqr"].dropna().between(0, 4).all()
    assert seen >= {"cells", "best_crossing", "resource_distribution"}


@pytest.mark.parametrize("territory", ["Lombardia", "Milano"])
def test_shares_are_taken_over_the_process_bands(reports, territory):
    """share_high counts votes of 4 and 5; the distribution's bands are 1-2, 3 and 4-5."""
    data, params, results, _ = reports[territory]
    votes = results.votes
    by_cell = votes.groupby(["field", "resource", "need"])["score"]
    expected = by_cell.apply(lambda s: (s >= 4).mean()).rename("expected").reset_index()
    everyone = results.cells[results.cells["group"] == "all"].merge(expected, on=["field", "resource", "need"])
    shown = everyone.dropna(subset=["share_high"])
    assert len(shown)
    assert np.allclose(shown["share_high"], shown["expected"])

    shown_votes = guard(data, params).shown_votes(votes)
    bands = shown_votes.assign(
        low=shown_votes["score"] <= 2, mid=shown_votes["score"] == 3, high=shown_votes["score"] >= 4
    )
    expected = bands.groupby("resource")[["low", "mid", "high"]].mean()
    table = results.resources.dropna(subset=["share_high"]).set_index("resource")
    assert len(table)
    assert np.allclose(table["share_low"], expected.loc[table.index, "low"])
    assert np.allclose(table["share_mid"], expected.loc[table.index, "mid"])
    assert np.allclose(table["share_high"], expected.loc[table.index, "high"])


def test_consensus_is_judged_on_the_process_bands(reports):
    """A cell has consensus when at least 75% of its votes fall in one of 1-2, 3 and 4-5."""
    _, _, results, _ = reports["Lombardia"]
    shares = (
        results.votes.assign(band=pd.cut(results.votes["score"], [0, 2, 3, 5], labels=["low", "mid", "high"]))
        .groupby(["field", "resource", "need"])["band"]
        .apply(lambda b: b.value_counts(normalize=True).max())
        .rename("top")
        .reset_index()
    )
    everyone = results.cells[results.cells["group"] == "all"].dropna(subset=["consensus"])
    judged = everyone.merge(shares, on=["field", "resource", "need"])
    assert len(judged)
    assert (judged["consensus"].astype(bool) == (judged["top"] >= 0.75)).all()


def test_figures_span_the_scale(reports):
    *_, sections = reports["Lombardia"]
    (means,) = _figures(sections["means"])
    colorbar = next(ax for ax in means.axes if ax.get_ylabel() == "Voto medio (1-5)")
    assert colorbar.get_ylim() == (1.0, 5.0)
    (multiples,) = _figures(sections["territories"])  # deviations from the area, around a line at zero
    panels = [ax for ax in multiples.axes if ax.get_visible()]
    assert panels and all(any(list(line.get_xdata()) == [0, 0] for line in ax.lines) for ax in panels)


def test_a_vote_off_the_process_scale_is_refused(five, tmp_path):
    """The statistics are told the scale: a 6 on a 1-5 process is an error, not a high vote."""
    votes = five.votes.copy()
    votes.loc[votes.index[0], "score"] = 6
    with pytest.raises(ValueError, match="from 1 to 5"):
        scores.compute(replace(five, votes=votes), check_parameters("Lombardia", 5, 1, tmp_path))


def test_one_vote_bands_are_named_by_their_vote():
    """On 1-3 every band is one vote: «3», and «voti pari a 3» for the high one."""
    bands = ((1, 1), (2, 2), (3, 3))
    assert bands_text(bands) == "1, 2, 3"
    assert (score_range(3, 3), scores_phrase(3, 3)) == ("3", "pari a 3")
    table = pd.DataFrame(
        {"resource": ["Bandi"], "share_low": [0.2], "share_mid": [0.3], "share_high": [0.5], "suppressed": [False]}
    )
    legend = plots.diverging_bars(table, "Voti", bands=bands).legends[0]
    assert [t.get_text() for t in legend.get_texts()] == ["Voti bassi (1)", "Voti intermedi (2)", "Voti alti (3)"]


def test_the_seed_process_keeps_the_seed_text(demo_processed, tmp_path):
    """Without a process in the cleaning report, the sections speak of 1-10 and of the bands 1-4, 5-6, 7-10."""
    params = check_parameters("Lombardia", 5, 1, tmp_path)
    results = scores.compute(demo_processed, params)
    assert (
        dataclasses.replace(results.process, reference_date=None) == Process()
        and results.scale == (1, 10)
        and results.high_score == 7
    )
    consensus = "\n".join(_texts(scores.consensus(results, params)))
    assert "stessa fascia (1-4, 5-6, 7-10)" in consensus and "sui 10 valori della scala (1-10)" in consensus
    assert "Voto medio (1-10)" in "\n".join(_texts(scores.means(results, params)))
    assert "da 1 a 10" in "\n".join(_texts(scores.overview(results, params)))
