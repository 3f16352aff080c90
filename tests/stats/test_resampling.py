"""The delegate bootstrap against a brute-force loop that resamples delegates explicitly.

Source: Davison & Hinkley (1997), *Bootstrap Methods and their Application*, section 3.8
(resample the clusters, keep each cluster whole) and section 3.2 (stratified resampling).
"""

import numpy as np
import pandas as pd
import pytest

from palestre_analysis.stats.resampling import (
    cell_means,
    cell_moments,
    delegate_matrix,
    delegate_weights,
    weight_chunks,
)


def _votes(seed=3, raters=9, cells=4):
    rng = np.random.default_rng(seed)
    rows = []
    for r in range(raters):
        group = "g1" if r < 5 else "g2"
        for c in range(cells):
            if rng.random() < 0.8:
                rows.append((f"d{r}", "F", f"R{c}", "N", int(rng.integers(1, 11)), group))
    return pd.DataFrame(rows, columns=["rater", "field", "resource", "need", "score", "group"])


def test_matrix_holds_every_vote_once():
    votes = _votes()
    m = delegate_matrix(votes)
    assert m.voted.sum() == len(votes)
    assert m.scores.sum() == votes["score"].sum()
    expected = votes.groupby(["field", "need", "resource"])["score"].mean()
    got = pd.Series(m.mean, index=pd.MultiIndex.from_frame(m.cells[["field", "need", "resource"]]))
    pd.testing.assert_series_equal(got.sort_index(), expected.sort_index(), check_names=False)


def test_replicate_means_match_explicit_resampling():
    votes = _votes()
    m = delegate_matrix(votes)
    weights = delegate_weights(m.strata, 50, np.random.default_rng(7))
    means = cell_means(m, weights)
    for b in range(50):
        drawn = np.repeat(np.arange(len(m.raters)), weights[b].astype(int))
        resample = pd.concat([votes[votes["rater"] == m.raters[i]] for i in drawn])
        by_cell = resample.groupby(["field", "resource", "need"])["score"]
        mean = by_cell.mean().reindex(pd.MultiIndex.from_frame(m.cells))
        np.testing.assert_allclose(means[b], mean.to_numpy(), equal_nan=True)
        var = by_cell.var(ddof=1).reindex(pd.MultiIndex.from_frame(m.cells))
        np.testing.assert_allclose(cell_moments(m, weights[b : b + 1])[2][0], var.to_numpy(), equal_nan=True)


def test_strata_keep_their_size():
    m = delegate_matrix(_votes())
    weights = delegate_weights(m.strata, 200, np.random.default_rng(0))
    for code in np.unique(m.strata):
        assert (weights[:, m.strata == code].sum(axis=1) == (m.strata == code).sum()).all()


def test_chunks_do_not_change_the_draws(monkeypatch):
    from palestre_analysis.stats import resampling

    strata = np.repeat([0, 1], [30, 20])
    whole = np.vstack(list(weight_chunks(strata, 300, seed=5)))
    assert whole.shape == (300, 50)
    np.testing.assert_array_equal(whole, np.vstack(list(weight_chunks(strata, 300, seed=5))))
    monkeypatch.setattr(resampling, "_CHUNK_ELEMENTS", 64 * 50)  # one block per chunk
    chunks = list(weight_chunks(strata, 300, seed=5))
    assert len(chunks) == 5
    np.testing.assert_array_equal(np.vstack(chunks), whole)


def test_two_votes_on_one_cell_are_refused():
    votes = _votes()
    with pytest.raises(ValueError, match="more than once"):
        delegate_matrix(pd.concat([votes, votes.head(1)]))


def test_a_delegate_in_two_groups_is_refused():
    votes = _votes()
    votes.loc[votes.index[0], "group"] = "g2" if votes["group"].iloc[0] == "g1" else "g1"
    with pytest.raises(ValueError, match="two values"):
        delegate_matrix(votes)
