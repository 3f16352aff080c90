"""The adjusted means in the cells table, and the sensitivity section, on the demo data.

Sources: the disclosure rules of the README ("Privacy": statistics over the shown cells
only, a group's statistic only where its count is shown), checked by what a reader can do
with the published tables (every number of the sensitivity table is rebuilt from the
published cells table alone, and changing the votes of a hidden cell changes nothing that
is published); the adjusted means against
:func:`palestre_analysis.stats.adjusted.leniency_adjusted` on the shown votes, and the
post-stratified means against the weighted sum of the published group means with the
published delegates' counts as weights (Holt & Smith 1979).
"""

from __future__ import annotations

import re
from dataclasses import replace
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

from palestre_analysis import config
from palestre_analysis.core.process import Group, Process, default_bands
from palestre_analysis.ingest.build import clean
from palestre_analysis.ingest.processed import for_territory, load_processed
from palestre_analysis.report import formatting as fmt
from palestre_analysis.report import scores, sensitivity
from palestre_analysis.report.display import HTML
from palestre_analysis.report.parameters import check_parameters
from palestre_analysis.report.protection import guard
from palestre_analysis.stats.adjusted import leniency_adjusted
from palestre_analysis.stats.sensitivity import leader_sets
from palestre_analysis.stats.sensitivity import sensitivity as sensitivity_table

CELL = ["field", "resource", "need"]


@pytest.fixture(scope="module")
def processed(tmp_path_factory):
    out = tmp_path_factory.mktemp("processed")
    clean(config.RAW_DIR, out)
    return out


@pytest.fixture(scope="module")
def region(processed):
    return load_processed(processed)


def _params(territory, processed):
    return check_parameters(territory, 5, 1, processed_dir=processed)


@pytest.fixture(scope="module")
def computed(region, processed):
    """Scores of the region (every cell shown) and of Brescia (some cells hidden, one group's count too)."""
    out = {}
    for territory in ("Lombardia", "Brescia"):
        data = region if territory == "Lombardia" else for_territory(region, territory)
        params = _params(territory, processed)
        out[territory] = (data, params, scores.compute(data, params))
    return out


def text_of(section) -> str:
    return "\n".join(re.sub(r"<[^>]+>", "", item.data) for item in section.items if isinstance(item, HTML))


@pytest.mark.parametrize("territory", ["Lombardia", "Brescia"])
def test_adjusted_means_are_fitted_on_the_shown_votes_and_only_shown(computed, territory):
    data, params, result = computed[territory]
    cells = result.cells
    assert list(cells.columns[-3:]) == ["mean_adjusted", "mean_poststratified", "suppressed"]
    groups = cells[cells["group"] != "all"]
    assert groups[["mean_adjusted", "mean_poststratified"]].isna().all().all()
    everyone = cells[cells["group"] == "all"]
    hidden = everyone["mean"].isna() | everyone["suppressed"]
    assert everyone.loc[hidden, ["mean_adjusted", "mean_poststratified"]].isna().all().all()
    if territory == "Brescia":
        assert hidden.any(), "the demo's Brescia has hidden cells"
    shown = guard(data, params).shown_votes(result.votes)
    expected = leniency_adjusted(shown).set_index(CELL)["mean_adjusted"]
    got = everyone[~hidden].set_index(CELL)["mean_adjusted"]
    pd.testing.assert_series_equal(got.sort_index(), expected.reindex(got.index).sort_index(), check_names=False)


@pytest.mark.parametrize("territory", ["Lombardia", "Brescia"])
def test_poststratified_means_are_what_a_reader_computes_from_the_published_tables(computed, territory):
    _, params, result = computed[territory]
    voters = result.voters.set_index("group")["n_delegates"]
    keys = [g.key for g in result.process.groups]
    wide = result.cells.pivot_table(index=CELL, columns="group", values="mean", dropna=False)
    published = result.cells[result.cells["group"] == "all"].set_index(CELL)["mean_poststratified"]
    if voters[keys].isna().any() or (voters[keys] < params.min_cell).any():
        assert published.isna().all(), "no group mix is published: no weighted mean"
        return
    share = voters[keys[0]] / voters[keys].sum()
    expected = share * wide[keys[0]] + (1 - share) * wide[keys[1]]
    expected[wide["all"].isna()] = np.nan
    pd.testing.assert_series_equal(
        published.sort_index(), expected.reindex(published.index).sort_index(), check_names=False
    )
    assert published.notna().any()


@pytest.mark.parametrize("territory", ["Lombardia", "Brescia"])
def test_the_sensitivity_table_is_rebuilt_from_the_published_cells_table(computed, territory):
    """Nothing in it that the cells table does not already publish: a reader rebuilds every number."""
    _, params, result = computed[territory]
    cells = result.cells[(result.cells["group"] == "all") & result.cells["mean"].notna()].reset_index(drop=True)
    table = result.sensitivity.set_index(["aspect", "setting"])
    k = params.min_cell
    for threshold in (k, 2 * k, 4 * k):
        kept = cells[cells["n"] >= threshold]
        row = table.loc[("min_cell", str(threshold))]
        assert row["cells"] == len(kept)
        assert row["cells_consensus"] == int(kept["consensus"].astype(bool).sum())
        leaders, reference = leader_sets(kept, "mean"), leader_sets(cells, "mean")
        assert row["contests"] == len(leaders)
        assert row["leaders_changed"] == sum(leaders[c] != reference[c] for c in leaders.index)
    assert table.loc[("consensus_rule", "iqr"), "cells_consensus"] == int((cells["iqr"] <= 2 + 1e-12).sum())
    for setting, column in (("ordinal", "median"), ("mean_adjusted", "mean_adjusted")):
        aspect = "treatment" if setting == "ordinal" else "mean"
        both = cells.dropna(subset=[column])
        theirs, ours = leader_sets(both, column), leader_sets(both, "mean")
        assert table.loc[(aspect, setting), "leaders_changed"] == sum(theirs[c] != ours[c] for c in theirs.index)
    gap = (cells["mean_adjusted"] - cells["mean"]).abs().max()
    assert table.loc[("mean", "mean_adjusted"), "largest_difference"] == pytest.approx(gap)


def test_changing_the_votes_of_hidden_cells_changes_nothing_published(computed, region, processed):
    """The adjusted means and the sensitivity table of Brescia stand on its shown cells only."""
    data, params, result = computed["Brescia"]
    hidden = guard(data, params).hidden_cells()
    assert len(hidden)
    ids = set(data.entities["entity_id"])
    votes = region.votes.copy()
    in_hidden = pd.MultiIndex.from_frame(votes[CELL]).isin(pd.MultiIndex.from_frame(hidden))
    target = in_hidden & votes["entity_id"].isin(ids).to_numpy()
    assert target.any()
    rng = np.random.default_rng(0)
    votes.loc[target, "score"] = rng.integers(1, 11, int(target.sum())).astype(votes["score"].dtype)
    changed = replace(region, votes=votes)
    again = scores.compute(for_territory(changed, "Brescia"), params)
    columns = [*CELL, "group", "n", "mean", "mean_adjusted", "mean_poststratified", "suppressed"]
    everyone = result.cells[result.cells["group"] == "all"][columns].reset_index(drop=True)
    now = again.cells[again.cells["group"] == "all"][columns].reset_index(drop=True)
    pd.testing.assert_frame_equal(everyone, now)
    pd.testing.assert_frame_equal(result.sensitivity, again.sensitivity)
    fits = [leniency_adjusted(v).set_index(CELL)["mean_adjusted"] for v in (result.votes, again.votes)]
    outside = ~fits[0].index.isin(pd.MultiIndex.from_frame(hidden))
    assert not np.allclose(fits[0][outside], fits[1][outside]), "a fit on every vote would move the shown cells"


def test_the_section_says_what_its_table_says(computed):
    _, params, result = computed["Lombardia"]
    section = sensitivity.section(result, params)
    assert set(section.tables) == {"sensitivity"}
    text = text_of(section)
    assert "Quanto i risultati dipendono dalle scelte di metodo – Lombardia" in text
    table = result.sensitivity.set_index(["aspect", "setting"])
    ordinal = table.loc[("treatment", "ordinal")]
    assert f"cambia in {ordinal['leaders_changed']} dei {ordinal['contests']} confronti" in text
    rules = table.loc["consensus_rule"]
    assert (
        f"Le caselle con consenso sono {rules.loc['percent', 'cells_consensus']} con la regola della quota di voti "
        f"nella stessa fascia, quella del rapporto, e {rules.loc['iqr', 'cells_consensus']} con la regola dello "
        "scarto interquartile." in text
    )
    weighted = table.loc[("mean", "mean_poststratified")]
    assert f"cambia al massimo di {fmt.num(weighted['largest_difference'], 2)} punti" in text
    assert "Soglia di riservatezza: almeno 5 delegati per casella (quella del rapporto)" in text


def test_the_means_section_says_how_far_the_adjusted_means_are(computed):
    for territory in ("Lombardia", "Brescia"):
        _, params, result = computed[territory]
        text = text_of(scores.means(result, params))
        everyone = result.cells[result.cells["group"] == "all"]
        gap = (everyone["mean_adjusted"] - everyone["mean"]).abs().max()
        assert f"il voto medio di una casella cambia al massimo di {fmt.num(gap, 2)} punti" in text
        row = result.sensitivity.set_index(["aspect", "setting"]).loc[("mean", "mean_adjusted")]
        assert f"{row['leaders_changed']} dei {row['contests']} confronti" in text


def test_a_province_without_a_group_mix_says_why(computed):
    _, params, result = computed["Brescia"]
    voters = result.voters.set_index("group")["n_delegates"]
    text = text_of(sensitivity.section(result, params))
    if voters.drop("all").isna().any():
        assert "Il voto medio con i due gruppi pesati non è mostrato" in text
    assert "non ne resterebbe nessuna" in text or "ne resterebbero" in text


def test_a_small_territory_shows_no_sensitivity(region, processed):
    params = _params("Lodi", processed)
    result = scores.compute(for_territory(region, "Lodi"), params)
    section = sensitivity.section(result, params)
    assert not section.items and not section.tables


def test_labels_follow_the_process_scale_and_groups():
    process = Process(
        scale=(1, 5),
        bands=default_bands(1, 5),
        groups=(Group("grandi", "Enti grandi", ("csv",)), Group("piccoli", "Enti piccoli", ("*",))),
    )
    frame = sensitivity_table(
        pd.DataFrame(
            [(f"d{i}", "F", r, "N", 1 + (i + j) % 5, "grandi") for i in range(12) for j, r in enumerate("AB")],
            columns=["rater", *CELL, "score", "group"],
        ),
        min_cell=5,
        scale=(1, 5),
        bands=((1, 2), (3, 3), (4, 5)),
    )
    fake = SimpleNamespace(sensitivity=frame, process=process, territory="Altrove", small=False, cells=pd.DataFrame())
    text = text_of(sensitivity.section(fake, SimpleNamespace(min_cell=5)))
    assert "nella stessa fascia (1-2, 3, 4-5)" in text
    assert "scarto interquartile non superiore a 1 punto" in text
    voters = pd.DataFrame({"group": ["all", "grandi", "piccoli"], "n_delegates": [30.0, 10.0, 20.0]})
    assert sensitivity.group_mix(voters, process, 5) == {"grandi": 1 / 3, "piccoli": 2 / 3}
    assert sensitivity.group_mix(voters.assign(n_delegates=[30.0, 4.0, 26.0]), process, 5) is None


def test_cell_names_are_escaped_in_the_means_sentence():
    cells = pd.DataFrame(
        {
            "field": '<script>alert("x")</script>',
            "resource": ["<img src=x onerror=alert(1)>", "B"],
            "need": "N",
            "group": "all",
            "mean": [7.0, 6.0],
            "mean_adjusted": [7.4, 6.0],
        }
    )
    text = sensitivity.adjusted_sentence(cells, pd.DataFrame())
    assert "<script" not in text and "<img" not in text
    assert "&lt;img src=x onerror=alert(1)&gt;" in text


def test_a_tiny_change_is_said_at_the_precision_that_shows_it():
    """Means that print alike are «the same»; a change that crosses a rounding boundary is said with more decimals."""
    cells = pd.DataFrame(
        {
            "field": "F",
            "resource": ["A", "B"],
            "need": "N",
            "group": "all",
            "mean": [3.41, 6.0],
            "mean_adjusted": [3.42, 6.0],
        }
    )
    assert "resta lo stesso al decimale mostrato" in sensitivity.adjusted_sentence(cells, pd.DataFrame())
    cells["mean"], cells["mean_adjusted"] = [3.449, 6.0], [3.451, 6.0]  # printed 3,4 and 3,5
    text = sensitivity.adjusted_sentence(cells, pd.DataFrame())
    assert "cambia al massimo di <strong>0,002</strong> punti" in text
