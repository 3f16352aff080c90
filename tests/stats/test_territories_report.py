"""The territories side by side as the final report prints them: intervals, one true sentence, nothing small.

Sources: issue 11 (item 4: levels net of the cells voted, intervals, one global permutation test);
the disclosure model (a territory with fewer than min_cell delegates is not shown; counts are the
voters cube's; deviations taken on cells both the territory and the area show).
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest
from matplotlib.figure import Figure

from palestre_analysis import config
from palestre_analysis.ingest.build import clean
from palestre_analysis.ingest.processed import load_processed
from palestre_analysis.report import final, scores
from palestre_analysis.report.display import HTML
from palestre_analysis.report.parameters import check_parameters


@pytest.fixture(scope="module")
def section(tmp_path_factory):
    out = tmp_path_factory.mktemp("processed")
    clean(config.RAW_DIR, out)
    data = load_processed(out)
    params = check_parameters("Lombardia", 5, 1, out)
    results = scores.compute(data, params)
    return data, params, final.territories(data, results, params)


def test_levels_are_shown_with_intervals_only_for_territories_with_enough_delegates(section):
    data, params, result = section
    levels = result.tables["territories_levels"]
    delegates = data.entities.merge(data.votes[["entity_id"]].drop_duplicates(), on="entity_id")
    per_place = delegates.groupby("territory")["entity_id"].nunique()
    shown = levels[levels["level"].notna()]
    assert len(shown) and shown["ci_low"].le(shown["level"]).all() and shown["ci_high"].ge(shown["level"]).all()
    small = [t for t, n in per_place.items() if n < params.min_cell and t in set(levels["territory"])]
    assert small and levels[levels["territory"].isin(small)][["level", "ci_low", "ci_high"]].isna().all().all()
    assert levels.loc[levels["suppressed"], ["level", "ci_low", "ci_high"]].isna().all().all()
    # every count shown is the voters cube's (the demo's provinces hide theirs)
    assert levels.loc[levels["resource"] != "all", "n_delegates"].isna().all()
    test = result.tables["territories_test"]
    assert list(test.columns) == ["statistic", "p_value", "n_places", "n_permutations"]
    assert 0 < test["p_value"].iloc[0] <= 1


def test_the_figure_draws_intervals_and_the_sentence_states_the_test(section):
    _, _, result = section
    (figure,) = [item for item in result.items if isinstance(item, Figure)]
    panels = [ax for ax in figure.axes if ax.get_visible()]
    assert any(ax.collections for ax in panels), "error bars are drawn"
    text = " ".join(re.sub(r"<[^>]+>", "", i.data) for i in result.items if isinstance(i, HTML))
    p = result.tables["territories_test"]["p_value"].iloc[0]
    assert "test di permutazione" in text
    assert ("non vanno oltre il caso" in text) == (p >= 0.05)


def test_the_sentence_for_too_few_territories_and_for_a_difference():
    params = check_parameters("Lombardia", 5, 1)
    levels = pd.DataFrame({"resource": ["all", "all"], "level": [0.1, np.nan]})
    none = pd.DataFrame([{"statistic": np.nan, "p_value": np.nan, "n_places": 1}])
    assert "non sono confrontati" in final._territory_sentence(none, levels, params)
    levels = pd.DataFrame({"resource": ["all", "all", "all"], "level": [0.1, -0.4, 0.6]})
    found = pd.DataFrame([{"statistic": 4.2, "p_value": 0.004, "n_places": 3}])
    text = re.sub(r"<[^>]+>", "", final._territory_sentence(found, levels, params))
    assert text.startswith("I territori differiscono più di quanto spiegherebbe il caso") and "p = 0,004" in text
    assert "su 3 territori mostrati" in text
