"""The exact bootstrap distribution of a cell's mean (palestre_analysis.stats.bootstrap)."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats as sps

from palestre_analysis.stats.bootstrap import bootstrap_mean_ci, bootstrap_mean_draws, bootstrap_mean_pmf


def _histogram(x) -> np.ndarray:
    return np.bincount(np.asarray(x), minlength=11)[1:]


@pytest.mark.parametrize("sample", [[7], [1, 3], [2, 2, 9], [1, 5, 5, 10], [3, 4, 4, 6, 9], [1, 2, 3, 8, 9, 10]])
def test_pmf_equals_enumeration_of_every_resample(sample):
    """Source: brute force. All n^n equally likely resamples (ordered draws) are enumerated."""
    n = len(sample)
    sums = [sum(pick) for pick in itertools.product(sample, repeat=n)]
    means, pmf = bootstrap_mean_pmf(_histogram(sample))
    expected = {}
    for s in sums:
        expected[s] = expected.get(s, 0) + 1 / n**n
    for m, p in zip(means, pmf):
        assert p == pytest.approx(expected.get(round(m * n), 0.0), abs=1e-12)
    assert pmf.sum() == pytest.approx(1.0)


@pytest.mark.parametrize("n", [40, 93, 94, 150, 700, 3000])
def test_windowed_interval_equals_full_convolution(n):
    """Source: naive repeated np.convolve of the pmf (full support, no FFT, no window)."""
    rng = np.random.default_rng(n)
    counts = rng.multinomial(n, rng.dirichlet(np.full(10, 0.7)))
    p = counts / n
    pmf = np.array([1.0])
    for _ in range(n):
        pmf = np.convolve(pmf, p)
    cdf = np.cumsum(pmf)
    lo = 1 + np.searchsorted(cdf, 0.025 - 1e-13) / n
    hi = 1 + np.searchsorted(cdf, 0.975 - 1e-13) / n
    got_lo, got_hi = bootstrap_mean_ci(counts)
    assert float(got_lo) == pytest.approx(lo, abs=1e-9)
    assert float(got_hi) == pytest.approx(hi, abs=1e-9)


@pytest.mark.parametrize("seed", range(6))
def test_interval_matches_scipy_bootstrap_percentile(seed):
    """Source: scipy.stats.bootstrap(method="percentile"), 100,000 resamples.

    Stated tolerance: one step of the mean's lattice (1/n) plus 0.02, since
    scipy's percentile carries Monte Carlo error and interpolates between
    neighbouring lattice points.
    """
    rng = np.random.default_rng(100 + seed)
    n = int(rng.integers(5, 80))
    x = rng.integers(1, 11, n)
    res = sps.bootstrap((x,), np.mean, method="percentile", n_resamples=100_000, rng=seed)
    lo, hi = bootstrap_mean_ci(_histogram(x))
    assert float(lo) == pytest.approx(res.confidence_interval.low, abs=1 / n + 0.02)
    assert float(hi) == pytest.approx(res.confidence_interval.high, abs=1 / n + 0.02)


def test_vectorised_over_leading_axes_and_empty_cells():
    """Source: the function itself row by row (shape handling); empty cells give NaN."""
    rng = np.random.default_rng(5)
    counts = rng.multinomial(30, np.full(10, 0.1), size=(2, 3))
    counts[1, 2] = 0
    lo, hi = bootstrap_mean_ci(counts)
    assert lo.shape == (2, 3) and np.isnan(lo[1, 2]) and np.isnan(hi[1, 2])
    for i, j in [(0, 0), (0, 2), (1, 1)]:
        one_lo, one_hi = bootstrap_mean_ci(counts[i, j])
        assert lo[i, j] == one_lo and hi[i, j] == one_hi


def test_draws_follow_the_exact_distribution():
    """Source: bootstrap_mean_pmf, checked by a chi-square goodness-of-fit test of 40,000 draws."""
    counts = _histogram([2, 5, 5, 6, 8, 9, 9])
    means, pmf = bootstrap_mean_pmf(counts)
    draws = bootstrap_mean_draws(counts[None], 40_000, np.random.default_rng(1))[0]
    index = np.rint((draws - means[0]) * 7).astype(int)
    observed = np.bincount(index, minlength=len(pmf))
    keep = pmf * 40_000 >= 5
    other = ~keep
    obs = np.r_[observed[keep], observed[other].sum()]
    exp = np.r_[pmf[keep], pmf[other].sum()] * 40_000
    assert sps.chisquare(obs, exp).pvalue > 1e-3


def test_draws_are_seeded():
    """Source: reproducibility contract (same seed, same draws)."""
    counts = np.array([[0, 1, 2, 3, 4, 3, 2, 1, 0, 1], [5, 0, 0, 0, 0, 0, 0, 0, 0, 5]])
    a = bootstrap_mean_draws(counts, 50, np.random.default_rng(3))
    b = bootstrap_mean_draws(counts, 50, np.random.default_rng(3))
    assert np.array_equal(a, b)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.integers(0, 6), min_size=10, max_size=10).filter(lambda c: sum(c) > 0))
def test_interval_contains_the_mean(counts):
    """Property: every interval contains its estimate (the cell's mean)."""
    counts = np.array(counts)
    mean = counts @ np.arange(1, 11) / counts.sum()
    lo, hi = bootstrap_mean_ci(counts)
    assert lo - 1e-12 <= mean <= hi + 1e-12


@pytest.mark.parametrize(
    "bad, message",
    [(np.ones(9), "10 columns"), (-np.ones(10), "non-negative"), (np.full(10, 0.5), "whole numbers")],
)
def test_bad_histograms_raise_a_sentence(bad, message):
    """Source: the input contract (ValueError with a sentence)."""
    with pytest.raises(ValueError, match=message):
        bootstrap_mean_ci(bad)


def test_confidence_out_of_range():
    with pytest.raises(ValueError, match="strictly between 0 and 1"):
        bootstrap_mean_ci(np.ones(10), confidence=1.0)
