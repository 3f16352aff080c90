"""Leniency-adjusted and post-stratified cell means.

Sources: the additive model ``score = cell + delegate + error`` fitted by least squares is
checked against statsmodels OLS with cell and delegate dummies (its pseudo-inverse
solution where the design falls apart, Searle 1971, ch. 7, on estimable functions) and
against alternating means run to convergence (the backfitting of Hastie & Tibshirani
1990, ch. 5, a different algorithm for the same least squares); the complete-design
identity (every delegate scores every cell: the cell effects are the raw means up to a
constant, Yates 1936); post-stratification (Holt & Smith 1979) against the weighted sum
computed by hand. The simulations draw votes from the demo's own model
(``palestre_analysis.ingest.demo.draw_votes``: resource fit, field effect, half the group
gap per resource, delegate leniency N(0, 0.8), noise) and check that the adjusted means
are closer to the truth than the raw ones when each delegate scores few fields (Houston,
Raymond & Svec 1991), and the post-stratified means when the groups score fields unevenly.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd
import pytest
import statsmodels.formula.api as smf

from palestre_analysis.ingest import demo
from palestre_analysis.stats.adjusted import leniency_adjusted, poststratified

CELL = ["field", "resource", "need"]


def _incomplete(seed=0, raters=14, cells=6, p_vote=0.55, fields=1):
    rng = np.random.default_rng(seed)
    rows = []
    for r in range(raters):
        lenient = rng.normal(0, 1.5)
        for f in range(fields):
            if fields > 1 and r % fields != f:  # disjoint delegates per field: one component each
                continue
            for c in range(cells):
                if rng.random() < p_vote:
                    rows.append((f"d{r:02d}", f"F{f}", f"R{c}", "N", int(np.clip(round(5 + c / 2 + lenient), 1, 10))))
    votes = pd.DataFrame(rows, columns=["rater", *CELL, "score"])
    votes["score"] += rng.integers(-1, 2, len(votes))
    return votes.assign(score=votes["score"].clip(1, 10))


def _centred(effects: pd.Series, raw: pd.Series, component: pd.Series) -> pd.Series:
    """Cell effects shifted, component by component, to the average of the raw means."""
    shift = raw.groupby(component).transform("mean") - effects.groupby(component).transform("mean")
    return effects + shift


def _ols_effects(votes: pd.DataFrame) -> pd.Series:
    """Cell effects of statsmodels OLS with cell and delegate dummies (the reference delegate's level)."""
    data = votes.assign(cell=votes[CELL].astype(str).agg("|".join, axis=1))
    fit = smf.ols("score ~ 0 + C(cell) + C(rater)", data=data).fit()
    cells = sorted(data["cell"].unique())
    return pd.Series([fit.params[f"C(cell)[{c}]"] for c in cells], index=cells)


def _keyed(table: pd.DataFrame, column: str) -> pd.Series:
    return pd.Series(table[column].to_numpy(), index=table[CELL].astype(str).agg("|".join, axis=1))


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_matches_statsmodels_ols_with_delegate_dummies(seed):
    votes = _incomplete(seed)
    table = leniency_adjusted(votes)
    assert table["component"].nunique() == 1
    ols = _ols_effects(votes)
    expected = _centred(ols, _keyed(table, "mean"), _keyed(table, "component"))
    np.testing.assert_allclose(_keyed(table, "mean_adjusted").to_numpy(), expected.to_numpy(), atol=1e-8)


@pytest.mark.filterwarnings("ignore:The design matrix is rank-deficient")
def test_a_design_in_parts_is_centred_part_by_part():
    """Two fields with no delegate in common: statsmodels' pseudo-inverse solution, centred within each field."""
    votes = _incomplete(seed=4, raters=16, fields=2)
    table = leniency_adjusted(votes)
    assert table["component"].nunique() == 2
    assert (table.groupby("field")["component"].nunique() == 1).all()
    ols = _ols_effects(votes)
    expected = _centred(ols, _keyed(table, "mean"), _keyed(table, "component"))
    np.testing.assert_allclose(_keyed(table, "mean_adjusted").to_numpy(), expected.to_numpy(), atol=1e-8)
    by_part = table.groupby("component")[["mean", "mean_adjusted"]].mean()
    np.testing.assert_allclose(by_part["mean"], by_part["mean_adjusted"])


def test_matches_alternating_means_run_to_convergence():
    votes = _incomplete(seed=7, raters=20, cells=8)
    table = leniency_adjusted(votes)
    cell = votes[CELL].astype(str).agg("|".join, axis=1)
    leniency = pd.Series(0.0, index=votes["rater"].unique())
    for _ in range(5000):
        effect = (votes["score"] - votes["rater"].map(leniency)).groupby(cell).mean()
        new = (votes["score"] - cell.map(effect)).groupby(votes["rater"]).mean()
        new -= new.mean()
        if np.abs(new - leniency[new.index]).max() < 1e-13:
            break
        leniency = new
    expected = _centred(effect, _keyed(table, "mean"), _keyed(table, "component"))
    np.testing.assert_allclose(_keyed(table, "mean_adjusted").to_numpy(), expected.to_numpy(), atol=1e-9)


@pytest.mark.parametrize("seed", range(4))
def test_complete_design_gives_the_raw_means(seed):
    """Every delegate scores every cell: leniency shifts every cell alike, and the centring takes it back."""
    rng = np.random.default_rng(seed)
    rows = [
        (f"d{r}", f"F{f}", f"R{c}", "N", int(rng.integers(1, 11))) for r in range(9) for f in range(2) for c in range(4)
    ]
    votes = pd.DataFrame(rows, columns=["rater", *CELL, "score"])
    table = leniency_adjusted(votes)
    np.testing.assert_allclose(table["mean_adjusted"], table["mean"], atol=1e-10)
    raw = votes.groupby(CELL)["score"].mean().reset_index(drop=True)
    np.testing.assert_allclose(table["mean"], raw)


def test_a_delegate_scoring_everything_higher_moves_no_cell_against_another():
    votes = _incomplete(seed=3)
    lenient = votes.assign(score=votes["score"] + np.where(votes["rater"] == "d03", 3, 0))
    before, after = leniency_adjusted(votes)["mean_adjusted"], leniency_adjusted(lenient)["mean_adjusted"]
    np.testing.assert_allclose(np.diff(before), np.diff(after), atol=1e-9)
    raw_before, raw_after = leniency_adjusted(votes)["mean"], leniency_adjusted(lenient)["mean"]
    assert not np.allclose(np.diff(raw_before), np.diff(raw_after)), "the raw means do move"


def test_refuses_a_cell_voted_twice_and_takes_no_votes():
    votes = _incomplete()
    with pytest.raises(ValueError, match="more than once"):
        leniency_adjusted(pd.concat([votes, votes.iloc[:1]]))
    empty = leniency_adjusted(votes.iloc[:0])
    assert empty.empty and list(empty.columns) == [*CELL, "n", "mean", "mean_adjusted", "component"]


def _demo_entities(rng, n, fields_per, group_types=("aps", "csv")):
    """Demo entities with chosen fields (the demo draws 2-4 each; here few, so fields have few delegates)."""
    entities = []
    for i in range(n):
        code = group_types[i % len(group_types)]
        entity = demo.draw_entity(rng, i, code, "BG", ["X"], lambda r: "X", lambda r: "BG")
        chosen = rng.choice(len(demo.FIELDS), size=fields_per(i), replace=False)
        entities.append(replace(entity, fields=tuple(demo.FIELDS[j] for j in sorted(chosen))))
    return entities


def _truth(votes: pd.DataFrame, first: set) -> pd.Series:
    """The demo's model without leniency and noise: fit + field effect + the cell's mean group gap."""
    fit = pd.DataFrame(demo._FIT, index=list(demo.RESOURCES), columns=list(demo.NEEDS)).stack()
    effect = pd.Series(
        {(f, r): e for f, effects in demo._FIELD_EFFECT.items() for r, e in effects.items()}, dtype=float
    )
    gap = pd.Series(demo._GROUP_GAP, index=list(demo.RESOURCES))
    sign = np.where(votes["rater"].isin(first), 1.0, -1.0)
    value = (
        fit.reindex(pd.MultiIndex.from_frame(votes[["resource", "need"]])).to_numpy()
        + effect.reindex(pd.MultiIndex.from_frame(votes[["field", "resource"]])).fillna(0.0).to_numpy()
        + sign * votes["resource"].map(gap).to_numpy() / 2
    )
    return pd.Series(value).groupby([votes[c] for c in CELL]).mean()


def _demo_votes(seed, n_delegates, fields_per):
    rng = np.random.default_rng(seed)
    entities = _demo_entities(rng, n_delegates, fields_per)
    rows = pd.DataFrame(demo.draw_votes(rng, entities, ["aps"]))
    votes = rows.rename(columns={"entity_id": "rater"})
    first = {e.entity_id for e in entities if e.type_code == "aps"}
    return votes, first


def _rmse_to_truth(estimate: pd.Series, truth: pd.Series) -> float:
    """RMSE once the common level is removed (the centring fixes the level to the raw one)."""
    error = estimate - truth.reindex(estimate.index)
    return float(np.sqrt(((error - error.mean()) ** 2).mean()))


def test_adjusted_means_are_closer_to_the_demo_truth_than_the_raw_ones():
    """30 delegates scoring one or two fields each (about 7 per field): each field's mean leniency differs, and
    the adjustment takes it out. Errors are pooled over 12 draws, once the common level is removed."""
    cell_errors = {"mean": [], "mean_adjusted": []}
    field_errors = {"mean": [], "mean_adjusted": []}
    for seed in range(12):
        votes, first = _demo_votes(seed, 30, lambda i: 1 + i % 2)
        table = leniency_adjusted(votes).set_index(CELL)
        assert table["component"].nunique() == 1
        truth = _truth(votes, first).reindex(table.index)
        for column in cell_errors:
            error = table[column] - truth
            error -= error.mean()
            cell_errors[column].append((error**2).mean())
            by_field = error.groupby(level="field").mean()
            field_errors[column].append(((by_field - by_field.mean()) ** 2).mean())
    cell = {k: np.sqrt(np.mean(v)) for k, v in cell_errors.items()}
    field = {k: np.sqrt(np.mean(v)) for k, v in field_errors.items()}
    assert cell["mean_adjusted"] < 0.95 * cell["mean"], cell  # measured: 0.52 against 0.57
    assert field["mean_adjusted"] < 0.7 * field["mean"], field  # measured: 0.14 against 0.28


def test_poststratified_is_the_weighted_sum_of_the_group_means():
    rng = np.random.default_rng(2)
    rows = [("F", f"R{c}", "N", g, float(rng.uniform(1, 10))) for c in range(5) for g in ("all", "g1", "g2")]
    cells = pd.DataFrame(rows, columns=[*CELL, "group", "mean"])
    cells.loc[(cells["resource"] == "R3") & (cells["group"] == "g2"), "mean"] = np.nan
    got = poststratified(cells, {"g1": 0.3, "g2": 0.7}).set_index(CELL)["mean_poststratified"]
    wide = cells.pivot_table(index=CELL, columns="group", values="mean", dropna=False)
    expected = 0.3 * wide["g1"] + 0.7 * wide["g2"]
    pd.testing.assert_series_equal(got.sort_index(), expected.sort_index(), check_names=False)
    assert np.isnan(got[("F", "R3", "N")])
    only_first = poststratified(cells, {"g1": 1.0, "g2": 0.0}).set_index(CELL)["mean_poststratified"]
    np.testing.assert_allclose(only_first.sort_index(), wide["g1"].sort_index())


@pytest.mark.parametrize("weights", [{"g1": 0.5, "g2": 0.6}, {"g1": -0.1, "g2": 1.1}, {"g1": float("nan"), "g2": 1}])
def test_poststratified_refuses_weights_that_are_not_shares(weights):
    cells = pd.DataFrame({"field": "F", "resource": "R", "need": "N", "group": ["g1", "g2"], "mean": [5.0, 6.0]})
    with pytest.raises(ValueError, match="shares"):
        poststratified(cells, weights)


def test_poststratified_means_recover_the_demo_truth_for_the_groups_mix():
    """Three voters in four are of the first group, the network is half and half: post-stratified to 50/50,
    the means estimate fit + field effect (the group gaps cancel), which the raw means miss by a quarter
    of each resource's gap."""
    better = 0
    for seed in range(10):
        rng = np.random.default_rng(100 + seed)
        entities = _demo_entities(rng, 120, lambda i: 2, group_types=("aps", "aps", "aps", "csv"))
        votes = pd.DataFrame(demo.draw_votes(rng, entities, ["aps"])).rename(columns={"entity_id": "rater"})
        first = {e.entity_id for e in entities if e.type_code == "aps"}
        votes["group"] = np.where(votes["rater"].isin(first), "g1", "g2")
        by_group = votes.groupby([*CELL, "group"])["score"].mean().rename("mean").reset_index()
        raw = votes.groupby(CELL)["score"].mean()
        weighted = poststratified(by_group, {"g1": 0.5, "g2": 0.5}).set_index(CELL)["mean_poststratified"].dropna()
        fit = {(r, n): demo._FIT[i, j] for i, r in enumerate(demo.RESOURCES) for j, n in enumerate(demo.NEEDS)}
        truth = pd.Series(
            [fit[(r, n)] + demo._FIELD_EFFECT.get(f, {}).get(r, 0.0) for f, r, n in raw.index], index=raw.index
        )
        better += _rmse_to_truth(weighted, truth) < _rmse_to_truth(raw[weighted.index], truth)
    assert better >= 9
