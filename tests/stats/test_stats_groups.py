"""The two groups compared per cell (palestre_analysis.stats.groups): Mann-Whitney, Tarone's screen, BH, Cliff's delta.

Sources: scipy.stats.mannwhitneyu, pingouin.mwu, statsmodels multipletests (fdr_bh); Shier (2004) and
Benjamini & Hochberg (1995) worked examples; Tarone (1990) and Gilbert (2005) for the screen of tests
that cannot reach significance, checked against scipy's exact null distribution and a brute-force
search of the definition. The model-based comparison per resource is in test_groups_model.py.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pingouin as pg
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scipy import stats as sps
from statsmodels.stats.multitest import multipletests

from palestre_analysis.stats import group_comparison, mann_whitney_from_counts
from palestre_analysis.stats.groups import min_attainable_p, tarone_screen


def _h(x) -> np.ndarray:
    return np.bincount(np.asarray(x), minlength=11)[1:]


def test_shier_2004_exact_example():
    """Source: Shier (2004), in scipy's mannwhitneyu docs: U1 = 17, exact two-sided p = 0.1111.

    The original values [19, 22, 16, 29, 24] vs [20, 11, 17, 12] have the same ranks as
    [5, 7, 3, 9, 8] vs [6, 1, 4, 2] on the 1-10 scale.
    """
    u, p = mann_whitney_from_counts(_h([5, 7, 3, 9, 8]), _h([6, 1, 4, 2]))
    assert float(u) == 17.0
    assert float(p) == pytest.approx(0.1111, abs=5e-5)


@pytest.mark.parametrize("seed", range(40))
def test_u_and_p_match_scipy_auto_on_random_samples(seed):
    """Source: scipy.stats.mannwhitneyu(x, y) with its defaults (method="auto", continuity)."""
    rng = np.random.default_rng(seed)
    n1, n2 = rng.integers(1, 25, 2)
    if seed % 4 == 0:  # small samples without ties: scipy's exact branch
        values = rng.permutation(np.arange(1, 11))[: min(n1 + n2, 10)]
        n1 = max(1, min(int(n1), len(values) - 1))
        x, y = values[:n1], values[n1:]
    else:
        x, y = rng.integers(1, 11, n1), rng.integers(1 + seed % 3, 11, n2)
    ref = sps.mannwhitneyu(x, y)
    u, p = mann_whitney_from_counts(_h(x), _h(y))
    assert float(u) == pytest.approx(ref.statistic, abs=1e-9)
    assert float(p) == pytest.approx(ref.pvalue, rel=1e-10, abs=1e-14)


def test_all_tied_cell_gives_p_one_like_scipy():
    """Source: scipy.stats.mannwhitneyu on constant samples (zero variance: p = 1)."""
    x, y = [7] * 12, [7] * 9
    u, p = mann_whitney_from_counts(_h(x), _h(y))
    ref = sps.mannwhitneyu(x, y)
    assert float(u) == ref.statistic and float(p) == ref.pvalue == 1.0


def test_table_matches_per_cell_loops_pingouin_and_statsmodels(make_votes):
    """Sources: scipy.stats.mannwhitneyu per cell; pingouin.mwu (RBC = Cliff's delta, same sign
    in pingouin 0.7); statsmodels multipletests(method="fdr_bh") within each territory."""
    votes = make_votes(seed=8, n_raters=120, territories=2)
    t = group_comparison(votes, by=["territory"], min_cell=5)
    shown = t[~t["suppressed"]]
    assert len(shown) >= 10
    for row in shown.itertuples():
        part = votes[
            (votes.territory == row.territory)
            & (votes.field == row.field)
            & (votes.resource == row.resource)
            & (votes.need == row.need)
        ]
        x = part.loc[part.group == "aps_odv", "score"].to_numpy()
        y = part.loc[part.group == "fondazioni_csv_altri", "score"].to_numpy()
        ref = sps.mannwhitneyu(x, y)
        assert row.u == pytest.approx(ref.statistic) and row.p == pytest.approx(ref.pvalue, rel=1e-10)
        assert row.cliffs_delta == pytest.approx(pg.mwu(x, y)["RBC"].iloc[0])
        naive = np.mean(np.sign(x[:, None] - y[None, :]))  # P(X > Y) - P(X < Y)
        assert row.cliffs_delta == pytest.approx(naive)
        assert (row.n_aps_odv, row.n_fondazioni_csv_altri) == (len(x), len(y))
    for _, part in shown.groupby("territory"):
        tested = part[part["tested"]]
        assert len(tested) >= 5, "with 40-80 delegates per territory every test can reach significance"
        expected = multipletests(tested["p"], method="fdr_bh")[1]
        np.testing.assert_allclose(tested["p_bh"], expected, rtol=1e-12)
        assert part.loc[~part["tested"], "p_bh"].isna().all()


def test_benjamini_hochberg_1995_example():
    """Source: Benjamini & Hochberg (1995) p-values; the first three adjusted are 0.0015, 0.003, 0.0095.

    Fifteen cells whose exact p-values are the published ones cannot be built from
    scores, so the published vector goes through the same call group_comparison makes.
    """
    ps = np.array(
        [
            0.0001,
            0.0004,
            0.0019,
            0.0095,
            0.0201,
            0.0278,
            0.0298,
            0.0344,
            0.0459,
            0.3240,
            0.4262,
            0.5719,
            0.6528,
            0.7590,
            1,
        ]
    )
    adjusted = sps.false_discovery_control(ps, method="bh")
    np.testing.assert_allclose(adjusted[:3], [0.0015, 0.003, 0.0095], atol=1e-9)


def test_bh_is_within_each_territory_and_skips_suppressed_cells(make_votes):
    """Source: scipy.stats.false_discovery_control on each territory's tested (unsuppressed, screened) p-values."""
    votes = make_votes(seed=2, n_raters=90, territories=3)
    t = group_comparison(votes, by=["territory"], min_cell=6)
    for _, part in t.groupby("territory"):
        shown = part[~part["suppressed"] & part["tested"]]
        if len(shown):
            np.testing.assert_allclose(shown["p_bh"], sps.false_discovery_control(shown["p"]))
        assert part.loc[part["suppressed"], ["u", "p", "p_bh", "cliffs_delta"]].isna().all().all()
        assert not part.loc[part["suppressed"], "tested"].any()


def test_positive_delta_when_aps_odv_scores_higher():
    """Source: definition of Cliff's delta (aps_odv - fondazioni dominance)."""
    rows = [(f"a{i}", s, "aps_odv") for i, s in enumerate([8, 9, 9, 10, 8])]
    rows += [(f"f{i}", s, "fondazioni_csv_altri") for i, s in enumerate([3, 4, 5, 4, 2])]
    votes = pd.DataFrame(rows, columns=["rater", "score", "group"]).assign(field="F", resource="R", need="N")
    t = group_comparison(votes)
    assert t["cliffs_delta"].iloc[0] == 1.0 and t["u"].iloc[0] == 25.0


def test_an_empty_group_is_flagged_not_a_crash(votes):
    """Source: the input contract (an empty group: documented NaN with a flag)."""
    only = votes[votes["group"] == "aps_odv"]
    t = group_comparison(only, by=["territory"])
    assert t["suppressed"].all() and t["p"].isna().all() and (t["n_fondazioni_csv_altri"] == 0).all()


def test_columns(votes):
    """Source: the output contract."""
    t = group_comparison(votes, by=["territory"])
    assert list(t.columns) == [
        "territory",
        "field",
        "resource",
        "need",
        "n_aps_odv",
        "n_fondazioni_csv_altri",
        "u",
        "p",
        "p_bh",
        "cliffs_delta",
        "tested",
        "suppressed",
    ]


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 10_000), min_cell=st.integers(3, 9))
def test_no_comparison_from_fewer_than_min_cell(make_votes, seed, min_cell):
    """Property: no statistic is shown when either group has fewer than min_cell delegates."""
    votes = make_votes(seed=seed, n_raters=30, territories=3)
    t = group_comparison(votes, by=["territory"], min_cell=min_cell)
    small = (t["n_aps_odv"] < min_cell) | (t["n_fondazioni_csv_altri"] < min_cell)
    assert t.loc[small, ["u", "p", "p_bh", "cliffs_delta"]].isna().all().all()
    assert (t["suppressed"] == small).all()
    shown = t[~small]
    assert ((shown["p"] >= 0) & (shown["p"] <= 1)).all()
    tested = shown[shown["tested"]]
    assert (tested["p_bh"] >= tested["p"] - 1e-15).all() and shown.loc[~shown["tested"], "p_bh"].isna().all()


def test_a_process_with_other_groups_names_the_columns_and_keeps_the_numbers(make_votes):
    """The groups come from the process: same votes, other keys, same statistics under n_<key>."""
    from palestre_analysis.core.process import Group

    votes = make_votes(seed=4, n_raters=50)
    seed = group_comparison(votes, by=("territory",), min_cell=3)
    keys = {"aps_odv": "giovani", "fondazioni_csv_altri": "adulti"}
    renamed = votes.assign(group=votes["group"].map(keys))
    groups = (Group("giovani", "Enti giovani", ("aps",)), Group("adulti", "Enti adulti", ("*",)))
    other = group_comparison(renamed, by=("territory",), min_cell=3, groups=groups)
    assert list(other.columns) == [f"n_{keys[c[2:]]}" if c[2:] in keys else c for c in seed]
    pd.testing.assert_frame_equal(other.rename(columns={f"n_{v}": f"n_{k}" for k, v in keys.items()}), seed)
    swapped = group_comparison(renamed, by=("territory",), min_cell=3, groups=["adulti", "giovani"])
    np.testing.assert_allclose(swapped["cliffs_delta"], -seed["cliffs_delta"], equal_nan=True)


def test_a_vote_of_a_group_the_process_does_not_have_is_refused(make_votes):
    votes = make_votes(seed=1, n_raters=20)
    with pytest.raises(ValueError, match="group must be one of"):
        group_comparison(votes, groups=["giovani", "adulti"])
    with pytest.raises(ValueError, match="two distinct group keys"):
        group_comparison(votes, groups=["aps_odv"])


# --- tests that cannot reject are not run (Tarone 1990; Gilbert 2005) --------------------------------


@pytest.mark.parametrize(("n1", "n2"), [(5, 5), (3, 4), (6, 2), (8, 8)])
def test_min_attainable_p_is_scipys_exact_p_of_complete_separation(n1, n2):
    """Source: scipy.stats.mannwhitneyu(method="exact") on two samples that do not overlap."""
    x, y = np.arange(n2 + 1, n1 + n2 + 1), np.arange(1, n2 + 1)
    ref = sps.mannwhitneyu(x, y, method="exact").pvalue
    assert float(min_attainable_p(n1, n2)) == pytest.approx(ref, rel=1e-12)


def test_issue_11_five_delegates_per_group_cannot_pass_bh_over_more_than_six_cells():
    """Source: issue 11: with 5 delegates per group the smallest exact p is 0.0079 > 0.05 / 7."""
    assert float(min_attainable_p(5, 5)) == pytest.approx(2 / 252)
    assert not tarone_screen(np.full(7, 2 / 252)).any()
    assert tarone_screen(np.full(6, 2 / 252)).all()


@settings(max_examples=60, deadline=None)
@given(st.lists(st.sampled_from([1e-6, 1e-4, 1e-3, 0.004, 0.008, 0.02, 0.04, 0.2, 1.0]), min_size=1, max_size=30))
def test_tarone_screen_is_the_definition_by_brute_force(p_min):
    """Source: Tarone (1990): K is the smallest integer with #{p_min <= alpha / K} <= K; keep p_min <= alpha / K."""
    p_min = np.array(p_min)
    m = len(p_min)
    K = next(k for k in range(1, m + 1) if (p_min <= 0.05 / k).sum() <= k)
    np.testing.assert_array_equal(tarone_screen(p_min), p_min <= 0.05 / K)


def test_a_province_with_five_delegates_per_group_tests_no_cell(make_votes):
    """Five delegates per group on twelve cells: every cell is compared (Cliff's delta), none tested."""
    votes = make_votes(seed=3, n_raters=200, fields=1, resources=4, needs=3, territories=1, p_missing=0.0)
    complete = votes.groupby("rater")["score"].transform("size") == 12
    votes = votes[complete]
    keep = [r for g in ("aps_odv", "fondazioni_csv_altri") for r in pd.unique(votes.loc[votes.group == g, "rater"])[:5]]
    t = group_comparison(votes[votes["rater"].isin(keep)], min_cell=5)
    assert len(t) == 12 and (t[["n_aps_odv", "n_fondazioni_csv_altri"]] == 5).all().all()
    assert t["cliffs_delta"].notna().all()
    assert not t["tested"].any() and t["p_bh"].isna().all()
