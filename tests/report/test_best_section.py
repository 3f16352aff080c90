"""The best-crossing section says «primato netto» only when the 95% confidence set of the best has one member.

Source: the section's own published table (``best_crossing``: ``in_best_set``, ``best_set_size``, ``p_best``,
computed by ``stats.best_crossing`` on the shown cells; Mogstad, Romano, Shaikh & Wilhelm 2024), on the demo data:
every sentence must be true of it, with hidden competitors and ties at the decimal shown.
"""

from __future__ import annotations

import html
import re

import pandas as pd
import pytest

from palestre_analysis import config, stats
from palestre_analysis.ingest.processed import for_territory
from palestre_analysis.report import claims, scores
from palestre_analysis.report import formatting as fmt
from palestre_analysis.report.display import HTML
from palestre_analysis.report.parameters import check_parameters
from palestre_analysis.report.protection import guard

TERRITORIES = ["Lombardia", "Milano", "Brescia", "Bergamo", "Varese"]


def plain(text) -> str:
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", "", str(text))))


@pytest.fixture(scope="module")
def best_tables(demo_processed):
    """Per territory, the best crossings as compute() builds them: on the shown cells, through the guard."""
    out = {}
    for name in TERRITORIES:
        data = demo_processed if name == config.REGION else for_territory(demo_processed, name)
        params = check_parameters(name, 5, 1)
        protect = guard(data, params)
        votes = stats.prepare_votes(data.votes, data.entities, by=())
        shown = protect.shown_votes(votes)
        ranked = stats.best_crossing(shown, n_boot=config.BEST_CROSSING_DRAWS, seed=params.seed, min_cell=5)
        best = protect.best(votes, ranked)
        empty = pd.DataFrame()
        out[name] = (scores.Scores(votes, empty, best, empty, empty, empty, name), params)
    return out


def section_text(result, params) -> tuple[list[str], str]:
    section = scores.best(result, params)
    page = "".join(item.data for item in section.items if isinstance(item, HTML))
    return [plain(li) for li in re.findall(r"<li>(.*?)</li>", page, flags=re.S)], plain(page)


@pytest.mark.parametrize("name", TERRITORIES)
def test_every_certainty_clause_is_true_of_the_confidence_set(best_tables, name):
    result, params = best_tables[name]
    lines, page = section_text(result, params)
    assert "una per una" not in page and "prudente" not in page  # the old note on independent resampling
    checked = 0
    for field, part in result.best.groupby("field", sort=False):
        line = next(li for li in lines if li.startswith(f"Per il campo {field} "))
        means = part.set_index(["resource", "need"])["mean"]
        lead = means[claims.leaders(means, 1).to_numpy()]
        if means.notna().sum() < 2 or len(lead) != 1:
            assert "primato" not in line
            continue
        resource, need = lead.index[0]
        contest = part[part["need"] == need]
        shown = contest[contest["mean"].notna()]
        if len(shown) < 2:
            assert "l'unica fonte mostrata per questa esigenza" in line and "primato" not in line
            continue
        winner = shown[shown["resource"] == resource].iloc[0]
        members = shown.loc[shown["in_best_set"].fillna(False).astype(bool), "resource"].tolist()
        assert resource in members and int(winner["best_set_size"]) == len(members)
        hidden = len(shown) < len(contest)
        assert ("tra le fonti mostrate" in line) == hidden, (name, field)
        assert f"la fonte resta la prima {fmt.in_share_of_draws(winner['p_best'])} delle repliche" in line
        if len(members) == 1:
            assert "primato netto" in line and "incerto" not in line and "anche" not in line
        else:
            assert "primato incerto" in line and "netto" not in line
            expected = [m for m in members if m != resource]
            if len(expected) == 1:
                named = line.split("anche ", 1)[1].split(" potrebbe")[0]
            else:
                named = line.split("anche una tra ", 1)[1].split(" (insieme")[0].split(" tra le fonti mostrate")[0]
            assert named == (expected[0] if len(expected) == 1 else ", ".join(expected[:-1]) + " e " + expected[-1])
        checked += 1
    assert checked or name != "Lombardia"


def test_the_table_gives_the_set_beside_the_leader(best_tables):
    result, params = best_tables["Lombardia"]
    section = scores.best(result, params)
    page = "".join(item.data for item in section.items if isinstance(item, HTML))
    assert "Quante fonti potrebbero essere la prima (confidenza 95%)" in page and "Potrebbero esserlo anche" in page
    best = result.best
    for (field, need), part in best.groupby(["field", "need"]):
        shown = part[part["mean"].notna()]
        if len(shown) < 2:
            continue
        leader = shown[claims.leaders(shown["mean"], 1).to_numpy()].iloc[0]
        others = [r for r in shown.loc[shown["in_best_set"].astype(bool), "resource"] if r != leader["resource"]]
        cells = f'<th scope="row">{html.escape(field)}</th>' + "".join(
            f"<td>{html.escape(v)}</td>" for v in (need, leader["resource"])
        )
        assert cells in page
        assert f"<td>{html.escape(', '.join(others) if others else 'nessuna')}</td>" in page
    # the finding on the regional data: many «primati netti» of the old rule have several plausible winners
    lead = best[best["rank"] == 1].drop_duplicates(["field", "need"])
    assert (lead["best_set_size"] > 1).sum() >= 10 and (lead["best_set_size"] == 1).sum() >= 8


def test_the_published_table_holds_the_new_columns_and_hides_what_is_hidden(best_tables):
    from palestre_analysis.report.tables import CONTRACT, contract_view

    result, _ = best_tables["Bergamo"]
    table = contract_view(result.best, "best_crossing")
    assert list(table.columns) == CONTRACT["best_crossing"]
    assert {"rank_low", "rank_high", "in_best_set", "best_set_size"} <= set(table.columns)
    hidden = result.best["suppressed"]
    assert hidden.any()
    assert result.best.loc[hidden, ["n", "mean", "p_best", "rank", "in_best_set", "best_set_size"]].isna().all().all()
    shown = result.best[~hidden]
    assert shown[["rank", "rank_low", "rank_high", "in_best_set", "best_set_size"]].notna().all().all()
