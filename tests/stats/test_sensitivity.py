"""The sensitivity table against a brute-force recomputation, cell by cell and contest by contest.

Sources: the definitions of the table (Saltelli et al. 2008, ch. 1: one choice varied at a
time against a baseline), recomputed here with plain loops: cells with at least ``k`` votes,
consensus by percent agreement (Diamond et al. 2014) and by IQR (Birko et al. 2015) from
each cell's votes with ``numpy.quantile``, medians with ``numpy.median``, and leaders as a
reader finds them, comparing values rounded half up (``decimal``). The simulation draws
votes from the demo's model (``palestre_analysis.ingest.demo.draw_votes``).
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

import numpy as np
import pandas as pd
import pytest

from palestre_analysis.ingest import demo
from palestre_analysis.stats.consensus import CONSENSUS_RULES, ConsensusRule
from palestre_analysis.stats.sensitivity import SENSITIVITY_COLUMNS, leader_sets, rule_on_scale, sensitivity

CELL = ["field", "resource", "need"]


def _votes(seed=0, raters=40, scale=(1, 10)):
    rng = np.random.default_rng(seed)
    low, high = scale
    rows = []
    for r in range(raters):
        lenient = rng.normal(0, 1)
        fields = [f for f in ("F0", "F1") if rng.random() < 0.7] or ["F0"]
        for f in fields:
            for a in range(4):
                for b in range(2):
                    if rng.random() < 0.1:
                        continue
                    level = low + (high - low) * (0.3 + 0.1 * a + 0.05 * b) + lenient + rng.normal(0, 1.2)
                    rows.append((f"d{r:02d}", f, f"R{a}", f"N{b}", int(np.clip(round(level), low, high)), "g"))
    return pd.DataFrame(rows, columns=["rater", *CELL, "score", "group"])


def _round(x, decimals=1):
    return float(Decimal(repr(float(x))).quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP))


def _leaders(frame, column):
    """{(field, need): set of leaders} over contests with two or more candidates, by explicit loops."""
    out = {}
    for key, part in frame.dropna(subset=[column]).groupby(["field", "need"]):
        if len(part) < 2:
            continue
        printed = {row["resource"]: _round(row[column]) for _, row in part.iterrows()}
        top = max(printed.values())
        out[key] = {r for r, v in printed.items() if v == top}
    return out


def _consensus(scores, rule, bands):
    if rule.kind == "iqr":
        q1, q3 = np.quantile(scores, [0.25, 0.75])
        return q3 - q1 <= rule.threshold + 1e-12
    shares = [np.mean([lo <= s <= hi for s in scores]) for lo, hi in bands]
    return max(shares) >= rule.threshold - 1e-12


def _brute(votes, min_cell, thresholds, means=None, bands=((1, 4), (5, 6), (7, 10)), scale=(1, 10)):
    cells = []
    for key, part in votes.groupby(CELL):
        scores = part["score"].to_numpy()
        if len(scores) < min_cell:
            continue
        row = dict(zip(CELL, key, strict=True), n=len(scores), mean=scores.mean(), median=float(np.median(scores)))
        for name in CONSENSUS_RULES:
            row[name] = _consensus(scores, rule_on_scale(name, scale), bands)
        cells.append(row)
    cells = pd.DataFrame(cells)
    if means is not None:
        cells = cells.merge(means, on=CELL, how="left")
    rows = []
    base = _leaders(cells, "mean")
    for k in [min_cell, *thresholds]:
        kept = cells[cells["n"] >= k]
        leaders = _leaders(kept, "mean")
        changed = sum(leaders[c] != base.get(c) for c in leaders)
        rows.append(("min_cell", str(k), len(kept), int(kept["percent"].sum()), len(leaders), changed))
    for name in CONSENSUS_RULES:
        rows.append(("consensus_rule", name, len(cells), int(cells[name].sum()), None, None))
    comparisons = [("treatment", "interval", "mean", "mean"), ("treatment", "ordinal", "mean", "median")]
    comparisons += [("mean", "mean", "mean", "mean")]
    comparisons += [("mean", c, "mean", c) for c in (means.columns[3:] if means is not None else [])]
    for aspect, setting, column, other in comparisons:
        both = cells.dropna(subset=[column, other])
        theirs, ours = _leaders(both, other), _leaders(both, column)
        changed = sum(theirs[c] != ours.get(c) for c in theirs)
        rows.append((aspect, setting, len(both), None, len(theirs), changed))
    return pd.DataFrame(rows, columns=["aspect", "setting", "cells", "cells_consensus", "contests", "leaders_changed"])


def _compare(got, expected):
    got = got[expected.columns].astype(object).where(got[expected.columns].notna(), None)
    for (_, g), (_, e) in zip(got.iterrows(), expected.iterrows(), strict=True):
        assert list(g) == [None if pd.isna(v) else v for v in e], (list(g), list(e))


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_matches_a_brute_force_recomputation(seed):
    votes = _votes(seed)
    rng = np.random.default_rng(seed)
    cells = votes[CELL].drop_duplicates().reset_index(drop=True)
    raw = votes.groupby(CELL)["score"].mean().reindex(pd.MultiIndex.from_frame(cells)).to_numpy()
    means = cells.assign(
        mean_adjusted=raw + rng.normal(0, 0.3, len(cells)),
        mean_poststratified=np.where(rng.random(len(cells)) < 0.3, np.nan, raw + rng.normal(0, 0.2, len(cells))),
    )
    got = sensitivity(votes, min_cell=5, thresholds=(15, 25), means=means)
    assert list(got.columns) == SENSITIVITY_COLUMNS
    expected = _brute(votes, 5, (15, 25), means)
    _compare(got, expected)
    assert got["leaders_changed"].sum() > 0, "the example exercises changes"
    both = means.dropna()
    merged = both.merge(votes.groupby(CELL)["score"].mean().rename("raw").reset_index(), on=CELL)
    largest = got.set_index("setting")["largest_difference"]
    assert largest["mean_poststratified"] == pytest.approx((merged["mean_poststratified"] - merged["raw"]).abs().max())


def test_on_a_one_to_five_scale_the_iqr_rule_is_one_point():
    votes = _votes(5, scale=(1, 5))
    bands = ((1, 2), (3, 3), (4, 5))
    got = sensitivity(votes, min_cell=5, scale=(1, 5), bands=bands)
    _compare(got, _brute(votes, 5, (10, 20), bands=bands, scale=(1, 5)))
    assert rule_on_scale("iqr", (1, 5)).threshold == 1.0, "IQR <= 1 on five points (stats/consensus.py)"
    assert rule_on_scale("iqr", (0, 10)).threshold == pytest.approx(2.2)
    assert rule_on_scale(ConsensusRule("iqr", 1.0), (1, 5)).threshold == 1.0, "a rule object is already on its scale"


def test_baselines_and_flags():
    got = sensitivity(_votes(3), min_cell=5, consensus_rule="iqr")
    baseline = got[got["baseline"]]
    assert set(zip(baseline["aspect"], baseline["setting"], strict=True)) == {
        ("min_cell", "5"),
        ("consensus_rule", "iqr"),
        ("treatment", "interval"),
        ("mean", "mean"),
    }
    assert (baseline["leaders_changed"].fillna(0) == 0).all()
    counts = got[got["aspect"] == "min_cell"]["cells"].to_numpy()
    assert (np.diff(counts) <= 0).all(), "a higher threshold never shows more cells"


def test_a_threshold_below_min_cell_is_refused():
    with pytest.raises(ValueError, match="at least min_cell"):
        sensitivity(_votes(), min_cell=5, thresholds=(4,))


def test_cells_below_min_cell_take_no_part():
    votes = _votes(1)
    few = votes[(votes["rater"] < "d04") & (votes["field"] == "F0")].assign(field="F9")
    got = sensitivity(pd.concat([votes, few]), min_cell=5)
    assert got.loc[0, "cells"] == sensitivity(votes, min_cell=5).loc[0, "cells"]


def test_no_votes_gives_zero_counts():
    got = sensitivity(_votes().iloc[:0], min_cell=5)
    assert (got["cells"] == 0).all() and (got["contests"].fillna(0) == 0).all()


def test_leader_sets_tie_as_printed():
    table = pd.DataFrame(
        {"field": "F", "need": "N", "resource": ["A", "B", "C"], "mean": [7.25, 7.2499999, 7.1]}
    )  # 7,3 and 7,2 at one decimal: the half rounds up, as the reports print it
    assert {k: set(v) for k, v in leader_sets(table, "mean").items()} == {("F", "N"): {"A"}}
    table["mean"] = [7.04, 7.02, 7.0]
    assert {k: set(v) for k, v in leader_sets(table, "mean").items()} == {("F", "N"): {"A", "B", "C"}}


def test_on_the_demo_model_the_ordinal_reading_changes_more_leaders_than_the_adjustment():
    """Demo votes (2-4 fields per delegate, as the demo draws them): medians of 10-point votes tie often and
    move the first resource in many contests; removing leniency, which shifts a delegate's whole grid, moves
    few (within a contest every resource has nearly the same voters)."""
    from palestre_analysis.stats.adjusted import leniency_adjusted

    rng = np.random.default_rng(11)
    entities = [
        demo.draw_entity(rng, i, "aps" if i % 2 else "csv", "BG", ["X"], lambda r: "X", lambda r: "BG")
        for i in range(80)
    ]
    votes = pd.DataFrame(demo.draw_votes(rng, entities, ["aps"])).rename(columns={"entity_id": "rater"})
    votes["group"] = "g"
    adjusted = leniency_adjusted(votes)[[*CELL, "mean_adjusted"]]
    got = sensitivity(votes, min_cell=5, means=adjusted).set_index("setting")
    assert got.loc["ordinal", "contests"] == 30
    assert got.loc["mean_adjusted", "leaders_changed"] < got.loc["ordinal", "leaders_changed"]
    assert got.loc["mean_adjusted", "largest_difference"] < 0.5
