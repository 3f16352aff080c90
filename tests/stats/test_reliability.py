"""Reliability of the cell means (palestre_analysis.stats.reliability).

Sources checked against:

* pingouin.intraclass_corr (ICC2 = ICC(A,1), ICC2k = ICC(A,k), two-way ANOVA; McGraw & Wong 1996) on
  complete subsets, where every delegate voted every cell of the field;
* statsmodels MixedLM with crossed variance components (``vc_formula``, REML) on complete and on small
  incomplete designs (Searle, Casella & McCulloch 1992: ANOVA and REML estimates coincide in balanced data
  when positive);
* a brute-force enumeration of every pair of votes, with and without bootstrap weights (Koch 1968's
  symmetric sums, by their definition);
* simulations from the demo's generating model (palestre_analysis.ingest.demo: fit, field effect, group
  gap, leniency N(0, 0.8), noise N(0, 1.3)): the components are recovered, the delegate-bootstrap intervals
  cover, and the demo's cell means have an ICC(A,k) above 0.9 (issue 11: 0.94-0.98, leniency about a
  quarter of the disagreement); the D study by Spearman-Brown (Brennan 2001).
"""

from __future__ import annotations

import dataclasses
import itertools
import warnings

import numpy as np
import pandas as pd
import pingouin as pg
import pytest
import statsmodels.formula.api as smf

from palestre_analysis.ingest import demo
from palestre_analysis.stats.reliability import (
    FieldBlock,
    VarianceComponents,
    delegates_for,
    reliability,
    variance_components,
)
from palestre_analysis.stats.resampling import delegate_weights


def _long(scores: np.ndarray, voted: np.ndarray, field: str = "F", groups=None) -> pd.DataFrame:
    """A votes table from a delegates x cells matrix."""
    rows = []
    for i, j in zip(*np.nonzero(voted), strict=True):
        group = "aps_odv" if groups is None else groups[i]
        rows.append((f"d{i:03d}", field, f"R{j // 5:02d}", f"N{j % 5}", int(scores[i, j]), group))
    return pd.DataFrame(rows, columns=["rater", "field", "resource", "need", "score", "group"])


def _demo_like(rng, raters: int, cells: int = 20, blank: float = 0.05, rounded: bool = True):
    """Cells with an effect, delegates with leniency N(0, 0.8), noise N(0, 1.3), a few blanks (the demo's model)."""
    effect = rng.normal(6.0, 1.2, cells)
    leniency = rng.normal(0.0, 0.8, raters)
    y = effect[None, :] + leniency[:, None] + rng.normal(0.0, 1.3, (raters, cells))
    if rounded:
        y = np.clip(np.rint(y), 1, 10)
    voted = (rng.random((raters, cells)) >= blank).astype(float)
    return y, voted, effect


def _mixedlm(scores: np.ndarray, voted: np.ndarray) -> tuple[float, float, float]:
    """REML estimates of (cell, delegate, residual) with statsmodels' crossed variance components."""
    i, j = np.nonzero(voted)
    frame = pd.DataFrame({"y": scores[i, j], "rater": i, "cell": j, "one": 1})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fit = smf.mixedlm(
            "y ~ 1", frame, groups="one", re_formula="0", vc_formula={"cell": "0 + C(cell)", "rater": "0 + C(rater)"}
        ).fit(reml=True)
    names = fit.model.exog_vc.names
    vcomp = dict(zip(names, fit.vcomp, strict=True))
    return float(vcomp["cell"]), float(vcomp["rater"]), float(fit.scale)


# --- independent implementations ---------------------------------------------------------------------------


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_complete_subsets_match_pingouin_icc2_and_icc2k(seed):
    """Source: pingouin.intraclass_corr, ICC2 (= ICC(A,1)) and ICC2k (= ICC(A,k)), on the delegates who voted
    every cell of the field (the complete subset of a demo-like incomplete design)."""
    rng = np.random.default_rng(seed)
    scores, voted, _ = _demo_like(rng, raters=60, cells=20, blank=0.03)
    complete = voted.all(axis=1)
    assert complete.sum() >= 10
    votes = _long(scores[complete], voted[complete])
    table = reliability(votes, min_cell=5, n_boot=50)
    icc = pg.intraclass_corr(votes.assign(cell=votes["resource"] + votes["need"]), "cell", "rater", "score")
    icc = icc.set_index("Type")["ICC"]  # pingouin 0.7 names ICC2 and ICC2k after McGraw & Wong
    row = table.iloc[0]
    assert row["var_delegate"] > 0 and row["var_cell"] > 0 and row["var_residual"] > 0  # no truncation
    assert row["icc_a1"] == pytest.approx(icc["ICC(A,1)"], abs=1e-10)
    assert row["icc_ak"] == pytest.approx(icc["ICC(A,k)"], abs=1e-10)
    assert row["k"] == complete.sum() and row["n_units"] == 20


def test_complete_design_matches_statsmodels_reml():
    """Source: statsmodels MixedLM, crossed vc_formula, REML: in a complete design its estimates are the ANOVA
    ones, and so are ours (to the optimiser's tolerance)."""
    rng = np.random.default_rng(7)
    scores, _, _ = _demo_like(rng, raters=25, cells=12, rounded=False)
    voted = np.ones_like(scores)
    ours = variance_components(scores, voted)
    cell, delegate, residual = _mixedlm(scores, voted)
    assert float(ours.cell) == pytest.approx(cell, rel=2e-3)
    assert float(ours.delegate) == pytest.approx(delegate, rel=2e-3)
    assert float(ours.residual) == pytest.approx(residual, rel=2e-3)


def test_small_incomplete_designs_agree_with_statsmodels_reml():
    """Source: statsmodels MixedLM (REML) on 20 small incomplete designs like the demo's (30 delegates x 15 cells,
    5% blanks, two delegates who scored about half the cells). The symmetric sums are another unbiased estimator:
    design by design they differ from REML by about a fifth of a standard error (REML is a little more
    efficient), and on average by nothing systematic."""
    differences, reliability_gaps = [], []
    for seed in range(20):
        rng = np.random.default_rng(seed)
        scores, voted, _ = _demo_like(rng, raters=30, cells=15, blank=0.05, rounded=False)
        voted[:2, :8] = 0.0
        ours = variance_components(scores, voted)
        cell, delegate, residual = _mixedlm(scores, voted)
        differences.append([float(ours.cell) - cell, float(ours.delegate) - delegate, float(ours.residual) - residual])
        reml = VarianceComponents(np.array(cell), np.array(delegate), np.array(residual), ours.k)
        reliability_gaps.append(
            [float(ours.icc_single() - reml.icc_single()), float(ours.icc_mean() - reml.icc_mean())]
        )
    differences, reliability_gaps = np.array(differences), np.array(reliability_gaps)
    assert (np.abs(differences).max(axis=0) < 0.2).all()
    assert (np.abs(differences.mean(axis=0)) < 0.03).all()
    assert (np.abs(reliability_gaps).max(axis=0) < [0.03, 0.015]).all()


def _pairs_by_brute_force(scores, voted, copies) -> tuple[float, float, float]:
    """Koch's symmetric sums by their definition: every ordered pair of votes of the expanded sample, a delegate
    drawn w times being w delegates, and two copies of one delegate never a pair of delegates."""
    votes = [
        (i, c, j, scores[i, j])
        for i in range(len(copies))
        for c in range(int(copies[i]))
        for j in np.flatnonzero(voted[i])
    ]
    sums = {"same": [0.0, 0], "cell": [0.0, 0], "other": [0.0, 0]}
    for (i, c, j, x), (i2, c2, j2, x2) in itertools.permutations(votes, 2):
        if (i, c) == (i2, c2):
            kind = "same"
        elif i == i2:
            continue  # two copies of one delegate: not two delegates
        else:
            kind = "cell" if j == j2 else "other"
        sums[kind][0] += (x - x2) ** 2 / 2
        sums[kind][1] += 1
    d1, d2, d3 = (sums[k][0] / sums[k][1] for k in ("same", "cell", "other"))
    return d3 - d2, d3 - d1, d1 + d2 - d3


@pytest.mark.parametrize("weighted", [False, True])
def test_the_matrix_products_are_the_symmetric_sums(weighted):
    """Source: brute force over every pair of votes (Koch 1968), on a small incomplete case, with and without
    bootstrap weights (whole scores in single precision, fractional ones centred in double)."""
    rng = np.random.default_rng(3)
    scores, voted, _ = _demo_like(rng, raters=7, cells=5, blank=0.2)
    voted[0] = [1, 1, 0, 0, 0]
    for values in (scores, scores + rng.normal(0, 0.01, scores.shape)):
        copies = delegate_weights(np.zeros(7, dtype=int), 1, rng)[0] if weighted else np.ones(7)
        got = FieldBlock.of(values, voted).components(copies[None, :])
        expected = _pairs_by_brute_force(values, voted, copies)
        assert [float(got.cell[0]), float(got.delegate[0]), float(got.residual[0])] == pytest.approx(expected, abs=1e-9)


def test_single_precision_is_used_only_where_it_is_exact():
    rng = np.random.default_rng(0)
    scores, voted, _ = _demo_like(rng, raters=10, cells=6)
    assert FieldBlock.of(scores, voted).stacked.dtype == np.float32
    assert FieldBlock.of(scores + 0.5, voted).stacked.dtype == np.float64
    assert FieldBlock.of(scores * 100, voted, total_weight=5000).stacked.dtype == np.float64


def test_d_study_is_spearman_brown_on_the_absolute_coefficient():
    """Source: Spearman-Brown on ICC(A,1) (Brennan 2001, D studies): k = rho (1 - ICC) / ((1 - rho) ICC), up."""
    vc = VarianceComponents(
        np.array([1.0, 1.463, 0.0]), np.array([0.6, 0.571, 1.0]), np.array([1.4, 1.925, 1.0]), np.array([30.0] * 3)
    )
    icc1 = vc.icc_single()
    needed = delegates_for(vc, 0.8)
    assert needed[0] == 8 and needed[1] == np.ceil(0.8 * (1 - icc1[1]) / (0.2 * icc1[1]))
    assert np.isnan(needed[2])  # cells that do not differ: no number of delegates is enough
    for target in (0.7, 0.8, 0.9):
        k = delegates_for(vc, target)[:2]
        first = VarianceComponents(vc.cell[:2], vc.delegate[:2], vc.residual[:2], vc.k[:2])
        assert (first.icc_mean(k) >= target - 1e-12).all() and (first.icc_mean(k - 1) < target).all()
    with pytest.raises(ValueError, match="target"):
        delegates_for(vc, 1.0)


# --- the report's function ----------------------------------------------------------------------------------


def test_small_fields_are_blanked_and_say_why(make_votes):
    votes = make_votes(seed=4, n_raters=40)
    few = votes[votes["rater"].isin(sorted(votes["rater"].unique())[:4]) | (votes["field"] == "F0")]
    table = reliability(few, min_cell=5, n_boot=50).set_index("field")
    assert (
        table.loc["F1", "suppressed"]
        and np.isnan(table.loc["F1", "icc_a1"])
        and "fewer than 5" in table.loc["F1", "note"]
    )
    assert not table.loc["F0", "suppressed"] and table.loc["F0", "icc_a1_low"] <= table.loc["F0", "icc_a1"]


def test_by_splits_the_subsets_and_is_reproducible(make_votes):
    votes = make_votes(seed=5, n_raters=90)
    table = reliability(votes, by=["territory"], min_cell=5, n_boot=100)
    assert list(table.columns[:2]) == ["territory", "field"] and len(table) == 3 * 2
    for territory, part in votes.groupby("territory"):
        alone = reliability(part, min_cell=5, n_boot=100)
        pd.testing.assert_frame_equal(
            table[table["territory"] == territory].drop(columns="territory").reset_index(drop=True), alone
        )
    pd.testing.assert_frame_equal(table, reliability(votes, by=["territory"], min_cell=5, n_boot=100))


def test_constant_scores_have_no_reliability():
    votes = _long(np.full((6, 5), 7.0), np.ones((6, 5)))
    row = reliability(votes, min_cell=5, n_boot=20).iloc[0]
    assert np.isnan(row["icc_a1"]) and "every score is the same" in row["note"]


# --- simulations on the demo's model -----------------------------------------------------------------------


def test_components_are_unbiased_in_the_incomplete_design():
    """Simulation: the demo's model without rounding (so the truth is exact), 40 delegates x 20 cells, 5% blanks:
    over 300 draws the mean estimate of each component is within 3 Monte Carlo standard errors of the truth
    (the cells' variance is the fixed cells' own, ddof=1, as the estimator targets)."""
    rng = np.random.default_rng(2024)
    effect = rng.normal(6.0, 1.2, 20)
    truth = np.array([effect.var(ddof=1), 0.64, 1.69])
    draws = []
    for _ in range(300):
        y = effect[None, :] + rng.normal(0, 0.8, (40, 1)) + rng.normal(0, 1.3, (40, 20))
        voted = (rng.random((40, 20)) >= 0.05).astype(float)
        vc = variance_components(y, voted)
        draws.append([float(vc.cell), float(vc.delegate), float(vc.residual)])
    draws = np.array(draws)
    error = draws.std(axis=0, ddof=1) / np.sqrt(len(draws))
    assert (np.abs(draws.mean(axis=0) - truth) < 3 * error).all()


def test_delegate_bootstrap_intervals_cover_the_reliability_of_the_means():
    """Simulation: 80 panels of 40 delegates from the demo's model (rounded to whole scores); the true ICC(A,1)
    and ICC(A,k) (fixed cells, delegates random) lie in the 95% intervals about 95% of the time."""
    rng = np.random.default_rng(99)
    effect = rng.normal(6.0, 1.2, 20)
    s2c, s2d, s2e = effect.var(ddof=1), 0.64, 1.69 + 1 / 12  # whole scores: Sheppard's rounding variance
    hits = np.zeros(2)
    panels = 80
    for p in range(panels):
        y = np.rint(effect[None, :] + rng.normal(0, 0.8, (40, 1)) + rng.normal(0, 1.3, (40, 20)))
        voted = (rng.random((40, 20)) >= 0.03).astype(float)
        row = reliability(_long(y, voted), min_cell=5, n_boot=300, seed=p, scale=(-10, 25)).iloc[0]
        k = row["k"]
        truth = (s2c / (s2c + s2d + s2e), s2c / (s2c + (s2d + s2e) / k))
        hits += [
            row["icc_a1_low"] <= truth[0] <= row["icc_a1_high"],
            row["icc_ak_low"] <= truth[1] <= row["icc_ak_high"],
        ]
    assert (hits / panels >= 0.85).all(), hits / panels


def _demo_panel(seed: int, n: int, field: str) -> pd.DataFrame:
    """A panel of ``n`` delegates of one field, half APS and half foundations, voting by the demo's own model
    (:func:`palestre_analysis.ingest.demo.draw_votes`)."""
    rng = np.random.default_rng(seed)
    first = ("aps", "odv")
    voters = []
    for i in range(n):
        code = "aps" if i % 2 == 0 else "altra_fondazione"
        entity = demo.draw_entity(rng, i + 1, code, "BG", ["x"], lambda r: "Ente", lambda r: "BG", id_width=4)
        voters.append(dataclasses.replace(entity, fields=(field,)))
    votes = pd.DataFrame(demo.draw_votes(rng, voters, first)).rename(columns={"entity_id": "rater"})
    group = {v.entity_id: ("aps_odv" if v.type_code in first else "fondazioni_csv_altri") for v in voters}
    return votes.assign(group=votes["rater"].map(group))


def test_the_demo_model_is_recovered():
    """Simulation with the demo's own draw_votes (rounding, clipping, group gaps): 400 delegates of one field.
    Leniency is N(0, 0.8): var_delegate about 0.64 (plus the group gap's mean, 0.01); the residual is the noise
    1.69, the rounding 1/12 and the group gap's interaction with the resources (0.25), a little less for the
    clipping at 1 and 10; the cells' variance is that of fit + field effect. The reliability of means of 400
    is above 0.99 and the D study asks for a handful of delegates."""
    field = demo.FIELDS[0]
    votes = _demo_panel(5, 400, field)
    row = reliability(votes, min_cell=5, n_boot=200).iloc[0]
    effects = demo._FIELD_EFFECT.get(field, {})
    true_cells = np.array(
        [
            [demo._FIT[r][n] + effects.get(res, 0.0) for n in range(len(demo.NEEDS))]
            for r, res in enumerate(demo.RESOURCES)
        ]
    ).ravel()
    assert row["var_delegate"] == pytest.approx(0.65, abs=0.12)
    assert row["var_residual"] == pytest.approx(1.69 + 1 / 12 + 0.25, abs=0.2)
    assert row["var_cell"] == pytest.approx(true_cells.var(ddof=1), rel=0.2)
    assert row["icc_ak"] > 0.99 and 3 <= row["k_target"] <= 12
    assert 0.15 < row["leniency_share"] < 0.35


def test_the_demo_means_are_reliable_though_single_delegates_disagree(demo_processed):
    """Issue 11: on the Lombard demo ICC(A,k) is 0.94-0.98 per field, ICC(A,1) about alpha (0.3-0.45), and
    leniency about a quarter of the disagreement; every interval holds its estimate."""
    from palestre_analysis import stats

    votes = stats.prepare_votes(demo_processed.votes, demo_processed.entities, by=())
    table = reliability(votes, n_boot=300)
    alpha = stats.agreement(votes, n_boot=100).set_index("field")["alpha_interval"]
    assert len(table) == 6 and not table["suppressed"].any()
    assert (table["icc_ak"] > 0.9).all() and (table["icc_a1"] < 0.5).all()
    assert ((table["leniency_share"] > 0.15) & (table["leniency_share"] < 0.35)).all()
    assert (np.abs(table.set_index("field")["icc_a1"] - alpha) < 0.06).all()
    for column in ("icc_a1", "icc_ak"):
        assert ((table[f"{column}_low"] <= table[column]) & (table[column] <= table[f"{column}_high"])).all()
