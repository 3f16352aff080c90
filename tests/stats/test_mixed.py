"""The hand-written mixed models (palestre_analysis.stats.mixed) against independent implementations.

Sources: statsmodels ``MixedLM`` fitted by REML (random intercept per group; Harville 1977) for
:func:`fit_random_intercept`, and a dense brute-force REML likelihood; statsmodels
``combine_effects(method_re="dl")`` (DerSimonian & Laird 1986) and the Gaussian conditional
distribution of a joint normal (a diffuse prior on the mean) for :func:`fay_herriot`
(Fay & Herriot 1979; Prasad & Rao 1990), plus a simulation of the Fay-Herriot model for the
coverage of its intervals.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from scipy import sparse, stats
from statsmodels.regression.mixed_linear_model import MixedLMParams
from statsmodels.stats.meta_analysis import combine_effects

from palestre_analysis.stats.mixed import fay_herriot, fit_random_intercept


def _design(seed: int, n_groups: int, n_cells: int, p_missing: float, group_sd: float = 0.8):
    """Votes of delegates on cells (an incomplete design), with two groups and a gap on some cells."""
    rng = np.random.default_rng(seed)
    rows = []
    level = rng.normal(5, 1, n_cells)
    for i in range(n_groups):
        u, g = rng.normal(0, group_sd), i % 2
        for c in range(n_cells):
            if rng.random() < p_missing:
                continue
            rows.append((i, c, g, level[c] + 0.7 * g * (c % 3 == 0) + u + rng.normal(0, 1.3)))
    frame = pd.DataFrame(rows, columns=["delegate", "cell", "group", "y"])
    X = pd.get_dummies(frame["cell"].astype(str)).astype(float)
    X["gap_a"] = frame["group"] * (frame["cell"] % 3 == 0)
    X["gap_b"] = frame["group"] * (frame["cell"] % 3 == 1)
    return frame, X.to_numpy()


def _statsmodels(frame, X):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # convergence chatter of the reference
        model = sm.MixedLM(frame["y"].to_numpy(), X, groups=frame["delegate"].to_numpy())
        return model, model.fit(reml=True)


@pytest.mark.parametrize(
    ("seed", "n_groups", "n_cells", "p_missing"),
    [(1, 12, 4, 0.0), (2, 14, 6, 0.3), (3, 60, 24, 0.25), (4, 90, 30, 0.5)],
)
def test_matches_statsmodels_mixedlm_reml(seed, n_groups, n_cells, p_missing):
    """Source: statsmodels MixedLM(y, X, groups).fit(reml=True): fixed effects, scale, group variance."""
    frame, X = _design(seed, n_groups, n_cells, p_missing)
    fit = fit_random_intercept(frame["y"], X, frame["delegate"])
    model, ref = _statsmodels(frame, X)
    group_var = float(np.asarray(ref.cov_re).ravel()[0])
    np.testing.assert_allclose(fit.coef, ref.fe_params, rtol=1e-4, atol=1e-4)
    assert fit.scale == pytest.approx(ref.scale, rel=1e-4)
    assert fit.group_var == pytest.approx(group_var, rel=1e-3, abs=1e-4)
    # statsmodels' own REML likelihood is at least as high at our estimates as at its own
    ours = MixedLMParams.from_components(fe_params=fit.coef, cov_re=np.array([[fit.ratio]]))
    theirs = MixedLMParams.from_components(fe_params=ref.fe_params, cov_re=np.asarray(ref.cov_re) / ref.scale)
    assert model.loglike(ours, profile_fe=False) >= model.loglike(theirs, profile_fe=False) - 1e-7
    # standard errors: the generalised least squares covariance at statsmodels' variances
    groups = frame["delegate"].to_numpy()
    V = ref.scale * np.eye(len(groups)) + group_var * (groups[:, None] == groups[None, :])
    gls = np.sqrt(np.diag(np.linalg.inv(X.T @ np.linalg.solve(V, X))))
    np.testing.assert_allclose(fit.bse, gls, rtol=1e-4)
    if n_groups >= 60:
        # statsmodels' bse_fe inverts the whole observed information (fixed effects and variances
        # together): it adds the uncertainty of the variances, which vanishes with many delegates
        # (with 12-14 it is up to 6% larger; the t quantile on delegates - 2 degrees of freedom of
        # the gaps' intervals makes up for it, see test_groups_model.py)
        np.testing.assert_allclose(fit.bse, ref.bse_fe, rtol=1e-2)


def test_covariance_and_likelihood_match_dense_generalised_least_squares():
    """Source: the REML likelihood and GLS covariance written densely, V = s^2 I + s_u^2 Z Z'."""
    frame, X = _design(5, 20, 8, 0.3)
    fit = fit_random_intercept(frame["y"], X, frame["delegate"])
    y, groups = frame["y"].to_numpy(), frame["delegate"].to_numpy()
    same = (groups[:, None] == groups[None, :]).astype(float)
    V = fit.scale * np.eye(len(y)) + fit.group_var * same
    Vi = np.linalg.inv(V)
    information = X.T @ Vi @ X
    np.testing.assert_allclose(fit.cov, np.linalg.inv(information), rtol=1e-8)
    np.testing.assert_allclose(fit.coef, np.linalg.solve(information, X.T @ Vi @ y), rtol=1e-8)
    r = y - X @ fit.coef
    n, p = X.shape
    minus_two = np.linalg.slogdet(V)[1] + np.linalg.slogdet(information)[1] + r @ Vi @ r + (n - p) * np.log(2 * np.pi)
    assert fit.reml_llf == pytest.approx(-0.5 * minus_two, rel=1e-9)


def test_sparse_and_dense_designs_give_the_same_fit():
    frame, X = _design(6, 30, 10, 0.2)
    dense = fit_random_intercept(frame["y"], X, frame["delegate"])
    thin = fit_random_intercept(frame["y"], sparse.csr_matrix(X), frame["delegate"])
    np.testing.assert_allclose(thin.coef, dense.coef, rtol=1e-7)
    assert thin.ratio == pytest.approx(dense.ratio, rel=1e-6)


def test_no_group_variance_gives_least_squares():
    """Source: with s_u^2 = 0 the REML fit is ordinary least squares (numpy.linalg.lstsq)."""
    rng = np.random.default_rng(7)
    groups = np.repeat(np.arange(40), 6)
    X = np.column_stack([np.ones(len(groups)), rng.normal(size=len(groups))])
    # group means exactly equal: no between-group variance at all
    y = X @ [5.0, 0.5] + rng.normal(0, 1, len(groups))
    y -= pd.Series(y - X @ np.linalg.lstsq(X, y, rcond=None)[0]).groupby(groups).transform("mean").to_numpy()
    fit = fit_random_intercept(y, X, groups)
    assert fit.ratio == 0.0 and fit.group_var == 0.0
    np.testing.assert_allclose(fit.coef, np.linalg.lstsq(X, y, rcond=None)[0], rtol=1e-9)


def test_a_design_without_full_rank_is_refused():
    frame, X = _design(8, 10, 4, 0.0)
    with pytest.raises(ValueError, match="full column rank"):
        fit_random_intercept(frame["y"], np.column_stack([X, X[:, 0]]), frame["delegate"])


def test_fay_herriot_tau2_and_mean_match_statsmodels_dersimonian_laird():
    """Source: statsmodels.stats.meta_analysis.combine_effects(method_re="dl"): tau^2 and the random-effects mean."""
    rng = np.random.default_rng(3)
    for _ in range(20):
        v = rng.uniform(0.05, 0.5, 9)
        y = rng.normal(1, np.sqrt(v + rng.uniform(0, 0.5)))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # the reference's sqrt of a negative tau^2
            ref = combine_effects(y, v, method_re="dl")
        out = fay_herriot(y, v)
        assert out["tau2"].iloc[0] == pytest.approx(max(ref.tau2, 0.0), rel=1e-9, abs=1e-12)  # ours is truncated
        expected = ref.mean_effect_re if ref.tau2 > 0 else ref.mean_effect_fe  # tau^2 = 0: the fixed-effect mean
        assert out["mean"].iloc[0] == pytest.approx(expected, rel=1e-9)


def test_fay_herriot_estimate_and_g1_g2_are_the_gaussian_conditional():
    """Source: the joint normal of (true values, estimates) with a diffuse prior on the mean.

    Given tau^2, the best predictor of an area's true value and its variance are the
    conditional mean and variance of a Gaussian vector; with a prior N(0, 1e8) on the mean
    they are the EBLUP and g1 + g2 (Rao & Molina 2015, section 6.1).
    """
    rng = np.random.default_rng(11)
    v = rng.uniform(0.1, 1.0, 7)
    y = rng.normal(0.5, np.sqrt(v + 0.6))
    out = fay_herriot(y, v)
    tau2 = float(out["tau2"].iloc[0])
    assert tau2 > 0
    big = 1e8
    k = len(y)
    cov_true = tau2 * np.eye(k) + big  # true values: mean (diffuse) plus tau^2
    cov_est = cov_true + np.diag(v)
    conditional_mean = cov_true @ np.linalg.solve(cov_est, y)
    conditional_var = np.diag(cov_true - cov_true @ np.linalg.solve(cov_est, cov_true))
    np.testing.assert_allclose(out["estimate"], conditional_mean, rtol=1e-6)
    gamma = tau2 / (tau2 + v)
    g3 = v**2 / (tau2 + v) ** 3 * 2 * ((tau2 + v) ** 2).sum() / k**2
    np.testing.assert_allclose(out["mse"] - 2 * g3, conditional_var, rtol=1e-5)
    np.testing.assert_allclose(out["weight"], gamma)


def test_fay_herriot_strata_share_tau2_and_keep_their_means():
    rng = np.random.default_rng(2)
    y = np.concatenate([rng.normal(0, 1, 6), rng.normal(5, 1, 6)])
    v = np.full(12, 0.3)
    strata = np.repeat(["a", "b"], 6)
    out = fay_herriot(y, v, strata)
    assert out["tau2"].nunique() == 1
    assert out.loc[:5, "mean"].nunique() == 1 and out.loc[6:, "mean"].iloc[0] > 3 > out.loc[0, "mean"]
    lone = fay_herriot([1.0, 2.0, 3.0], [0.1, 0.1, 0.1], ["a", "a", "b"])
    assert lone.loc[2].isna().all(), "a stratum of one area has nothing to pool with"


def test_fay_herriot_intervals_cover_at_about_the_nominal_rate():
    """Source: simulation of the Fay-Herriot model (8 strata x 6 areas): 95% coverage with tau^2 = 0.1.

    With tau^2 = 0 (the areas agree, as the demo's provinces do) the interval is conservative:
    Prasad and Rao's g3 term keeps the room for a tau^2 that the data cannot rule out.
    """
    rng = np.random.default_rng(20190614)
    z = stats.norm.ppf(0.975)
    for tau in (np.sqrt(0.1), 0.0):
        hits = total = 0
        for _ in range(250):
            strata = np.repeat(np.arange(8), 6)
            mean = rng.normal(0, 1, 8)[strata]
            truth = mean + rng.normal(0, tau, len(strata))
            v = rng.uniform(0.05, 0.6, len(strata))
            y = truth + rng.normal(0, np.sqrt(v))
            out = fay_herriot(y, v, strata)
            half = z * np.sqrt(out["mse"].to_numpy())
            hits += int((np.abs(out["estimate"].to_numpy() - truth) <= half).sum())
            total += len(truth)
        low, high = (0.93, 0.99) if tau else (0.95, 1.0)
        assert low <= hits / total <= high, f"tau = {tau}: coverage {hits / total:.3f}"


def test_the_two_ways_of_computing_the_profile_agree(monkeypatch):
    """Few groups: one eigendecomposition in group space; many: a Cholesky per step. Same fit."""
    from palestre_analysis.stats import mixed

    frame, X = _design(9, 90, 24, 0.3)
    assert frame["delegate"].nunique() > X.shape[1]
    by_groups = fit_random_intercept(frame["y"], X, frame["delegate"])
    monkeypatch.setattr(mixed, "_GROUP_SPACE_MAX", 0)
    by_effects = fit_random_intercept(frame["y"], X, frame["delegate"])
    np.testing.assert_allclose(by_effects.coef, by_groups.coef, rtol=1e-7)
    np.testing.assert_allclose(by_effects.cov, by_groups.cov, rtol=1e-6, atol=1e-12)
    assert by_effects.ratio == pytest.approx(by_groups.ratio, rel=1e-6)
    assert by_effects.reml_llf == pytest.approx(by_groups.reml_llf, rel=1e-10)
