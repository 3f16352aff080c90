"""Phase-2 statistics on scales other than 1-10 (palestre_analysis.stats.scales and the scale= keyword)."""

from __future__ import annotations

import itertools

import krippendorff
import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats as sps

from palestre_analysis import config
from palestre_analysis.core.process import default_bands
from palestre_analysis.stats import (
    ConsensusRule,
    agreement,
    alpha_from_coincidence,
    best_crossing,
    bootstrap_mean_ci,
    bootstrap_mean_draws,
    bootstrap_mean_pmf,
    cell_stats,
    coincidence_matrix,
    consensus,
    group_comparison,
    krippendorff_bootstrap,
    mann_whitney_from_counts,
    resource_summary,
    validate_votes,
)
from palestre_analysis.stats.scales import DEFAULT_BANDS, DEFAULT_SCALE, check_scale, resolve_bands

SCALES = [(1, 5), (0, 10)]
#: A high threshold for each scale: the top two of five, the top four of eleven.
HIGH = {(1, 5): 4, (0, 10): 7}
CELL = ["field", "resource", "need"]


def _votes_on(scale, seed, n_raters=70, fields=2, resources=3, needs=2, territories=2, p_missing=0.2):
    """A seeded vote table on ``scale``: cell effects, lenient and severe raters, a group gap, noise.

    The latent score is centred on the middle of the scale and spread in proportion to its
    range, then rounded and clipped, so both ends of the scale are used.
    """
    low, high = scale
    unit = (high - low) / 9  # one point of the 1-10 scale, in points of this scale
    rng = np.random.default_rng(seed)
    cell_effect = rng.normal(0, 1.2, (fields, resources, needs))
    gap = rng.normal(0, 0.8, resources)
    rows = []
    for r in range(n_raters):
        group = "fondazioni_csv_altri" if rng.random() < 0.4 else "aps_odv"
        territory = f"T{rng.integers(territories)}"
        lenient = rng.normal(0, 1.3)
        for f, a, b in itertools.product(range(fields), range(resources), range(needs)):
            if rng.random() < p_missing:
                continue
            latent = 0.5 + cell_effect[f, a, b] + lenient + (gap[a] if group != "aps_odv" else 0)
            score = int(np.clip(np.rint((low + high) / 2 + unit * (latent + rng.normal(0, 1.6))), low, high))
            rows.append((f"r{r:03d}", f"F{f}", f"R{a}", f"N{b}", score, group, territory))
    votes = pd.DataFrame(rows, columns=["rater", *CELL, "score", "group", "territory"])
    assert votes["score"].min() == low and votes["score"].max() == high  # both ends of the scale are used
    return votes


def _raw(votes, row, group=None):
    """The raw scores behind one output row (by territory when the row has one)."""
    keep = np.ones(len(votes), dtype=bool)
    for column in [*CELL, "territory"]:
        if hasattr(row, column):
            keep &= (votes[column] == getattr(row, column)).to_numpy()
    group = getattr(row, "group", "all") if group is None else group
    if group != "all":
        keep &= (votes["group"] == group).to_numpy()
    return votes.loc[keep, "score"].to_numpy()


def _histogram(x, scale):
    low, high = scale
    return np.bincount(np.asarray(x) - low, minlength=high - low + 1)


def _naive_bands(x, bands):
    return [np.mean((x >= first) & (x <= last)) for first, last in bands]


# --- the scale and what is drawn on it ---------------------------------------------------------


def test_defaults_are_the_lombard_scale():
    """Source: config.HIGH_SCORE (7) and the documented bands of the 1-10 scale (1-4, 5-6, 7-10)."""
    assert DEFAULT_SCALE == (1, 10)
    assert resolve_bands(None, DEFAULT_SCALE, config.HIGH_SCORE) == DEFAULT_BANDS == ((1, 4), (5, 6), (7, 10))


@pytest.mark.parametrize("scale", [(1, 10), (1, 5), (0, 10), (1, 3), (0, 4), (1, 7), (-2, 2), (0, 100)])
def test_bands_drawn_from_high_score_are_the_process_files_defaults(scale):
    """Source: palestre_analysis.core.process.default_bands, the rule of processo.toml for a scale
    without explicit bands: its high band's first score, passed as high_score, gives back its bands."""
    expected = default_bands(*scale)
    drawn = resolve_bands(None, scale, expected["alta"][0])
    assert drawn == (expected["bassa"], expected["intermedia"], expected["alta"])


@pytest.mark.parametrize(
    "scale, message",
    [
        ((5, 1), "low < high"),
        ((3, 3), "low < high"),
        ((1, 2), "at least 3 scores"),
        ((1, 5.5), "whole scores"),
        ((True, 5), "whole scores"),
        ((1, 5, 7), "pair"),
        ("15", "whole scores"),
        (None, "pair"),
    ],
)
def test_bad_scales_are_refused(votes, scale, message):
    """Source: the input contract: a scale is two whole scores, low < high, at least three values."""
    with pytest.raises(ValueError, match=message):
        check_scale(scale)
    with pytest.raises(ValueError, match=message):
        cell_stats(votes, scale=scale)


@pytest.mark.parametrize(
    "bands, message",
    [
        (((1, 2), (4, 4), (5, 5)), "band 2 starts at 4, not at 3"),
        (((1, 3), (3, 4), (5, 5)), "band 2 starts at 3, not at 4"),
        (((2, 2), (3, 3), (4, 5)), "band 1 starts at 2, not at 1"),
        (((1, 2), (3, 3), (4, 4)), "the last band ends at 4, not at 5"),
        (((1, 2), (3, 3), (4, 6)), "the last band ends at 6, not at 5"),
        (((1, 2), (4, 3), (4, 5)), "empty or reversed"),
        (((1, 2), (3, 5)), "three"),
        (((1, 2.5), (3, 3), (4, 5)), "whole scores"),
    ],
)
def test_bad_bands_are_refused_naming_the_scale(bands, message):
    """Source: the input contract: three non-empty bands covering the scale in order, without gaps."""
    with pytest.raises(ValueError, match=message):
        resolve_bands(bands, (1, 5))
    with pytest.raises(ValueError, match=message):
        consensus(np.ones(5), "percent", scale=(1, 5), bands=bands)


def test_high_score_must_lie_on_the_scale(votes):
    """Source: the input contract: share_high needs a score of the scale; bands need it above the middle."""
    v5 = votes.assign(score=np.clip(votes["score"] // 2, 1, 5))
    with pytest.raises(ValueError, match="whole score from 1 to 5, got 7"):
        cell_stats(v5, scale=(1, 5))  # the default high_score (7) is off a 1-5 scale
    with pytest.raises(ValueError, match="whole score from 1 to 5"):
        cell_stats(v5, scale=(1, 5), high_score=0)
    with pytest.raises(ValueError, match="lie in 4 .. 5 so the low and high bands do not overlap"):
        cell_stats(v5, scale=(1, 5), high_score=3)  # 1-3 and 3-5 would overlap
    with pytest.raises(ValueError, match="lie in 6 .. 10"):
        resource_summary(votes.assign(score=votes["score"] - 1), scale=(0, 10), high_score=5)
    # explicit bands free the percent rule from high_score, which then only sets share_high
    t = cell_stats(v5, scale=(1, 5), high_score=3, bands=((1, 1), (2, 3), (4, 5)), min_cell=3)
    assert t["share_high"].notna().any()


def test_counts_and_votes_off_the_scale_are_errors_naming_the_scale(votes):
    """Source: the input contract: a histogram has one column per score; a vote off the scale is an error."""
    ten = np.ones(10)
    for call in (
        lambda: bootstrap_mean_ci(ten, scale=(1, 5)),
        lambda: bootstrap_mean_pmf(ten, scale=(1, 5)),
        lambda: bootstrap_mean_draws(ten[None], 2, np.random.default_rng(0), scale=(1, 5)),
        lambda: consensus(ten, scale=(1, 5), high_score=4),
    ):
        with pytest.raises(ValueError, match=r"5 columns \(scores 1 to 5\)"):
            call()
    with pytest.raises(ValueError, match=r"ending in 11 \(scores 0 to 10\)"):
        mann_whitney_from_counts(ten, ten, scale=(0, 10))
    with pytest.raises(ValueError, match=r"value_counts must have 5 columns \(scores 1 to 5\)"):
        coincidence_matrix(np.ones((3, 10)), scale=(1, 5))
    with pytest.raises(ValueError, match=r"5 x 5 \(scores 1 to 5\)"):
        alpha_from_coincidence(np.ones((10, 10)), scale=(1, 5))
    with pytest.raises(ValueError, match=r"11 x 11 \(scores 0 to 10\)"):
        krippendorff_bootstrap(np.ones((1, 10, 10)), [3], scale=(0, 10))
    with pytest.raises(ValueError, match="score must be a whole number from 1 to 5; row"):
        validate_votes(votes, scale=(1, 5))  # the 1-10 votes go up to 10
    for function in (cell_stats, best_crossing, group_comparison, agreement, resource_summary):
        with pytest.raises(ValueError, match="from 2 to 10"):
            function(votes, scale=(2, 10))  # the votes hold some 1s
    with pytest.raises(ValueError, match="0 .. 4 points on the scale 1 .. 5"):
        consensus(np.ones(5), ConsensusRule("iqr", 5.0), 4, scale=(1, 5))


# --- results against independent implementations ----------------------------------------------------


@pytest.mark.parametrize("scale", SCALES)
@pytest.mark.parametrize("sample_index", range(4))
def test_pmf_equals_enumeration_of_every_resample(scale, sample_index):
    """Source: brute force. All n^n equally likely resamples (ordered draws) are enumerated."""
    low, high = scale
    sample = [[low], [low, high], [low, low + 1, high], [low + 1, high - 1, high - 1, high, low]][sample_index]
    n = len(sample)
    expected = {}
    for pick in itertools.product(sample, repeat=n):
        expected[sum(pick)] = expected.get(sum(pick), 0) + 1 / n**n
    means, pmf = bootstrap_mean_pmf(_histogram(sample, scale), scale=scale)
    assert means[0] == min(sample) and means[-1] == max(sample)
    for m, p in zip(means, pmf):
        assert p == pytest.approx(expected.get(round(m * n), 0.0), abs=1e-12)


@pytest.mark.parametrize("scale", SCALES)
def test_cell_means_and_intervals_match_numpy_and_scipy_t(scale):
    """Sources: numpy (mean, np.quantile linear median and IQR) on the raw votes of each cell, and
    scipy.stats.t.interval (the Student t interval of the mean), kept within the scale.
    """
    votes = _votes_on(scale, seed=11)
    t = cell_stats(votes, by=["territory"], min_cell=3, scale=scale, high_score=HIGH[scale])
    shown = t[~t["suppressed"]]
    assert len(shown) > 30
    for row in shown.itertuples():
        x = _raw(votes, row)
        q1, median, q3 = np.quantile(x, [0.25, 0.5, 0.75])
        assert row.n == len(x)
        assert row.mean == pytest.approx(x.mean(), rel=1e-12)
        assert row.median == pytest.approx(median, rel=1e-12) and row.iqr == pytest.approx(q3 - q1, abs=1e-12)
    for row in shown[shown["group"] == "all"].head(6).itertuples():
        x = _raw(votes, row).astype(float)
        low, high = sps.t.interval(0.95, len(x) - 1, loc=x.mean(), scale=sps.sem(x))
        assert row.ci_low == pytest.approx(max(low, scale[0]), rel=1e-12, abs=1e-12)
        assert row.ci_high == pytest.approx(min(high, scale[1]), rel=1e-12, abs=1e-12)


@pytest.mark.parametrize("scale", SCALES)
@pytest.mark.parametrize("seed", range(3))
def test_exact_interval_matches_scipy_bootstrap_on_random_histograms(scale, seed):
    """Source: scipy.stats.bootstrap(method="percentile"), 100,000 resamples, on uniform random votes
    over the whole scale. Tolerance: 1/n + 0.02 (as in test_stats_bootstrap)."""
    low, high = scale
    rng = np.random.default_rng(300 + seed)
    x = rng.integers(low, high + 1, int(rng.integers(5, 80)))
    res = sps.bootstrap((x,), np.mean, method="percentile", n_resamples=100_000, rng=seed)
    lo, hi = bootstrap_mean_ci(_histogram(x, scale), scale=scale)
    assert float(lo) == pytest.approx(res.confidence_interval.low, abs=1 / len(x) + 0.02)
    assert float(hi) == pytest.approx(res.confidence_interval.high, abs=1 / len(x) + 0.02)
    draws = bootstrap_mean_draws(_histogram(x, scale)[None], 20_000, np.random.default_rng(seed), scale=scale)
    assert draws.min() >= x.min() and draws.max() <= x.max()
    assert draws.mean() == pytest.approx(x.mean(), abs=4 * x.std() / np.sqrt(len(x) * 20_000) + 1e-12)


@pytest.mark.parametrize("scale", SCALES)
def test_alpha_matches_krippendorff_with_the_scales_value_domain(scale):
    """Source: krippendorff.alpha(reliability_data=raters x units, level_of_measurement=...,
    value_domain=range(low, high + 1)), the package's own input (Castro, krippendorff 0.8)."""
    low, high = scale
    votes = _votes_on(scale, seed=21, n_raters=50, fields=3, resources=3, needs=3, p_missing=0.3)
    t = agreement(votes, by=["territory"], min_cell=3, n_boot=200, scale=scale)
    assert len(t) == 6 and t["alpha_interval"].notna().all()
    for row in t.itertuples():
        part = votes[(votes.territory == row.territory) & (votes.field == row.field)]
        data = (
            part.assign(unit=part["resource"] + "|" + part["need"])
            .pivot(index="rater", columns="unit", values="score")
            .to_numpy(dtype=float)
        )
        for level in ("interval", "ordinal"):
            ref = krippendorff.alpha(data, level_of_measurement=level, value_domain=range(low, high + 1))
            assert getattr(row, f"alpha_{level}") == pytest.approx(ref, rel=1e-10)
        assert row.ci_low <= row.alpha_interval <= row.ci_high


@pytest.mark.parametrize("scale", SCALES)
def test_share_high_and_consensus_match_a_direct_count(scale):
    """Source: a direct count on the raw votes of each cell: share of votes >= high_score; the share
    in the low (low .. low + high - h), middle and high (h .. high) bands against the percent
    threshold; numpy.quantile IQR against the IQR threshold."""
    low, high = scale
    h = HIGH[scale]
    bands = ((low, low + high - h), (low + high - h + 1, h - 1), (h, high))
    votes = _votes_on(scale, seed=31)
    t = cell_stats(votes, by=["territory"], min_cell=3, scale=scale, high_score=h)
    iqr_rule = ConsensusRule("iqr", 1.0)
    t_iqr = cell_stats(votes, by=["territory"], min_cell=3, scale=scale, high_score=h, consensus_rule=iqr_rule)
    shown = ~t["suppressed"].to_numpy()
    agree_percent = agree_iqr = 0
    for row, row_iqr in zip(t[shown].itertuples(), t_iqr[shown].itertuples()):
        x = _raw(votes, row)
        assert row.share_high == pytest.approx(np.mean(x >= h), abs=1e-15)
        expected = max(_naive_bands(x, bands)) >= 0.75
        assert bool(row.consensus) == expected
        q1, q3 = np.quantile(x, [0.25, 0.75])
        assert bool(row_iqr.consensus) == (q3 - q1 <= 1.0)
        agree_percent += expected
        agree_iqr += q3 - q1 <= 1.0
    assert 0 < agree_percent < shown.sum() and 0 < agree_iqr < shown.sum()  # both verdicts occur


@settings(max_examples=80, deadline=None)
@given(
    st.sampled_from(SCALES),
    st.lists(st.integers(0, 10), min_size=1, max_size=40),
    st.sampled_from([0.6, 0.75, 1.0]),
    st.data(),
)
def test_percent_rule_with_any_valid_bands_matches_a_naive_count(scale, raw, threshold, data):
    """Source: a naive count of the votes in each of three contiguous bands (drawn at random)."""
    low, high = scale
    x = np.clip(np.array(raw), low, high)
    a = data.draw(st.integers(low, high - 2))  # last score of the low band
    b = data.draw(st.integers(a + 1, high - 1))  # last score of the middle band
    bands = ((low, a), (a + 1, b), (b + 1, high))
    got = consensus(_histogram(x, scale), ConsensusRule("percent", threshold), scale=scale, bands=bands)
    assert bool(got) == (max(_naive_bands(x, bands)) >= threshold - 1e-12)


@pytest.mark.parametrize("scale", SCALES)
def test_resource_summary_matches_a_direct_count(scale):
    """Source: a direct count on the raw votes of each resource (pandas groupby): mean and band shares."""
    low, high = scale
    h = HIGH[scale]
    bands = resolve_bands(None, scale, h)
    votes = _votes_on(scale, seed=41)
    t = resource_summary(votes, min_cell=3, scale=scale, high_score=h)
    assert len(t) == votes["resource"].nunique()
    for row in t.itertuples():
        x = votes.loc[votes["resource"] == row.resource, "score"].to_numpy()
        assert row.mean == pytest.approx(x.mean(), rel=1e-12)
        shares = _naive_bands(x, bands)
        assert (row.share_low, row.share_mid, row.share_high) == pytest.approx(shares, abs=1e-15)


@pytest.mark.parametrize("scale", SCALES)
def test_group_comparison_matches_scipy_mannwhitneyu(scale):
    """Source: scipy.stats.mannwhitneyu(aps_odv, fondazioni_csv_altri) per cell, with its defaults."""
    votes = _votes_on(scale, seed=51, n_raters=120)
    t = group_comparison(votes, by=["territory"], min_cell=5, scale=scale)
    shown = t[~t["suppressed"]]
    assert len(shown) >= 10
    for row in shown.itertuples():
        x, y = _raw(votes, row, "aps_odv"), _raw(votes, row, "fondazioni_csv_altri")
        ref = sps.mannwhitneyu(x, y)
        assert row.u == pytest.approx(ref.statistic, abs=1e-9)
        assert row.p == pytest.approx(ref.pvalue, rel=1e-10, abs=1e-14)
        assert row.cliffs_delta == pytest.approx(np.mean(np.sign(x[:, None] - y[None, :])))


# --- shifting the scale --------------------------------------------------------------------------------


def test_shifting_every_vote_to_0_9_shifts_the_means_and_nothing_else(make_votes):
    """Source: invariance. Votes 1-10 moved to 0-9 (score - 1, high_score - 1): every mean, median and
    interval limit moves by exactly -1 (the sums of votes by exactly -n); spreads, shares, consensus,
    Mann-Whitney, Krippendorff's alpha and its bootstrap, and p_best do not move."""
    votes = make_votes(seed=9, n_raters=90, territories=2)
    shifted = votes.assign(score=votes["score"] - 1)
    on = dict(scale=(0, 9))
    by = ["territory"]

    for rule in ("percent", "iqr"):
        a = cell_stats(votes, by=by, min_cell=3, consensus_rule=rule)
        b = cell_stats(shifted, by=by, min_cell=3, consensus_rule=rule, high_score=config.HIGH_SCORE - 1, **on)
        shown = ~a["suppressed"]
        assert shown.sum() > 20 and (a["suppressed"] == b["suppressed"]).all()
        n = a.loc[shown, "n"].to_numpy()
        sums_a = np.rint(a.loc[shown, "mean"].to_numpy() * n).astype(int)
        sums_b = np.rint(b.loc[shown, "mean"].to_numpy() * n).astype(int)
        np.testing.assert_array_equal(sums_b, sums_a - n)  # exactly -1 per vote
        for column in ("mean", "median", "ci_low", "ci_high"):
            np.testing.assert_allclose(b.loc[shown, column] + 1, a.loc[shown, column], rtol=0, atol=1e-12)
        for column in ("n", "iqr", "share_high", "consensus"):
            pd.testing.assert_series_equal(a[column], b[column])

    pd.testing.assert_frame_equal(
        group_comparison(votes, by=by, min_cell=3), group_comparison(shifted, by=by, min_cell=3, **on)
    )
    agree_a = agreement(votes, by=by, min_cell=3, n_boot=300)
    agree_b = agreement(shifted, by=by, min_cell=3, n_boot=300, **on)
    pd.testing.assert_frame_equal(agree_a, agree_b, check_exact=False, rtol=1e-12, atol=1e-12)
    for level in ("interval", "ordinal"):
        pd.testing.assert_frame_equal(
            agreement(votes, by=by, min_cell=3, n_boot=300, ci_level=level)[["ci_low", "ci_high"]],
            agreement(shifted, by=by, min_cell=3, n_boot=300, ci_level=level, **on)[["ci_low", "ci_high"]],
        )

    best_a = best_crossing(votes, by=by, min_cell=3, n_boot=300)
    best_b = best_crossing(shifted, by=by, min_cell=3, n_boot=300, **on)
    pd.testing.assert_frame_equal(best_a.drop(columns="mean"), best_b.drop(columns="mean"))
    np.testing.assert_allclose(best_b["mean"] + 1, best_a["mean"], rtol=0, atol=1e-12)

    sum_a = resource_summary(votes, min_cell=3)
    sum_b = resource_summary(shifted, min_cell=3, high_score=config.HIGH_SCORE - 1, **on)
    np.testing.assert_allclose(sum_b["mean"] + 1, sum_a["mean"], rtol=0, atol=1e-12)
    pd.testing.assert_frame_equal(sum_a.drop(columns="mean"), sum_b.drop(columns="mean"))


def test_default_scale_keyword_changes_nothing(votes):
    """Source: the functions themselves without the keyword: scale=(1, 10), high_score=7 and the bands
    1-4 / 5-6 / 7-10 passed explicitly give the same tables as the defaults."""
    explicit = dict(scale=(1, 10))
    pd.testing.assert_frame_equal(
        cell_stats(votes, min_cell=3), cell_stats(votes, min_cell=3, bands=DEFAULT_BANDS, high_score=7, **explicit)
    )
    pd.testing.assert_frame_equal(
        resource_summary(votes, min_cell=3), resource_summary(votes, min_cell=3, bands=DEFAULT_BANDS, **explicit)
    )
    pd.testing.assert_frame_equal(
        agreement(votes, min_cell=3, n_boot=100), agreement(votes, min_cell=3, n_boot=100, **explicit)
    )
