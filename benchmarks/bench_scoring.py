"""Benchmark of the phase-2 scoring statistics on a synthetic national-scale vote set.

Builds a vote table with real structure (resources that fit some needs better,
fields that differ, a difference of view between the two groups, delegates who
score high or low overall, regional flavour, noise) and computes every statistic
the reports show -- ``cell_stats`` with its Student t intervals, ``best_crossing``
on the delegate bootstrap (confidence sets and rank intervals), the per-cell group
tests and the mixed-model group gaps, ``agreement``, ``reliability`` and r_wg with
their delegate-bootstrap intervals, and the leniency-adjusted means -- for the whole
country, every region and every province. It reports wall time (median of
``--repeats`` runs) and peak memory (RSS), and beside them, in the same run, the
delegate bootstrap of the best crossing written the plain pandas way (resample
delegates, gather their votes, ``groupby`` the means), timed on a few replicates
and extrapolated, as a speed ratio.

Usage::

    python benchmarks/bench_scoring.py            # 20,000 delegates, ~2.7 million votes
    python benchmarks/bench_scoring.py --small    # a smoke run in seconds
    python benchmarks/bench_scoring.py --json results.json

This is a script, not a test: the numbers depend on the machine.
"""

from __future__ import annotations

import argparse
import json
import platform
import resource
import statistics
import sys
import time
from dataclasses import asdict, dataclass

import numpy as np
import pandas as pd

from palestre_analysis import stats
from palestre_analysis.stats.adjusted import leniency_adjusted
from palestre_analysis.stats.consensus import cell_rwg
from palestre_analysis.stats.groups import group_gaps
from palestre_analysis.stats.reliability import reliability

LEVELS = {"country": (), "region": ("region",), "province": ("province",)}


@dataclass(frozen=True)
class Scale:
    """Size of the synthetic set."""

    delegates: int
    regions: int
    provinces: int
    fields: int
    resources: int
    needs: int
    repeats: int
    baseline_replicates: int
    n_boot: int


FULL = Scale(20_000, 20, 107, 8, 9, 6, repeats=3, baseline_replicates=5, n_boot=2000)
SMALL = Scale(300, 3, 6, 3, 4, 3, repeats=1, baseline_replicates=2, n_boot=200)


def synthetic_votes(scale: Scale, seed: int = 1) -> pd.DataFrame:
    """A vote table: each delegate scores every cell of 2 or 3 fields, on a structured model."""
    rng = np.random.default_rng(seed)
    # provinces -> regions (uneven, like a real country), delegates -> provinces (uneven)
    region_of_province = np.sort(rng.integers(0, scale.regions, scale.provinces))
    region_of_province[: scale.regions] = np.arange(scale.regions)  # every region has a province
    region_of_province = np.sort(region_of_province)
    weight = rng.lognormal(0.0, 0.8, scale.provinces)
    province = rng.choice(scale.provinces, scale.delegates, p=weight / weight.sum())
    region = region_of_province[province]
    group = (rng.random(scale.delegates) < 0.4).astype(int)  # 1 = fondazioni_csv_altri
    leniency = rng.normal(0.0, 0.9, scale.delegates)
    # each delegate works in 2 or 3 fields
    n_fields = rng.integers(2, 4, scale.delegates)
    keys = rng.random((scale.delegates, scale.fields)).argsort(axis=1)
    chosen = keys[np.arange(scale.fields)[None, :] < n_fields[:, None]]
    rater = np.repeat(np.arange(scale.delegates), n_fields)
    field = chosen
    # every cell of the chosen fields
    per_field = scale.resources * scale.needs
    rater = np.repeat(rater, per_field)
    field = np.repeat(field, per_field)
    cell = np.tile(np.arange(per_field), len(chosen))
    resource, need = cell // scale.needs, cell % scale.needs
    # structure: resource and need main effects, a fit between them, fields, groups, regions
    fit = rng.normal(0.0, 1.0, (scale.fields, scale.resources, scale.needs))
    resource_effect = rng.normal(0.0, 0.8, scale.resources)
    need_effect = rng.normal(0.0, 0.4, scale.needs)
    field_effect = rng.normal(0.0, 0.5, scale.fields)
    group_gap = rng.normal(0.0, 0.6, (scale.resources,))  # fondazioni see some resources differently
    region_effect = rng.normal(0.0, 0.3, scale.regions)
    latent = (
        5.8
        + field_effect[field]
        + resource_effect[resource]
        + need_effect[need]
        + fit[field, resource, need]
        + group[rater] * group_gap[resource]
        + region_effect[region[rater]]
        + leniency[rater]
        + rng.normal(0.0, 1.4, len(rater))
    )
    score = np.clip(np.rint(latent), 1, 10).astype(np.int8)
    width = len(str(scale.delegates))
    return pd.DataFrame(
        {
            "rater": pd.array([f"d{r:0{width}d}" for r in range(scale.delegates)], dtype="str")[rater],
            "field": pd.array([f"Campo {f + 1}" for f in range(scale.fields)], dtype="str")[field],
            "resource": pd.array([f"Risorsa {r + 1}" for r in range(scale.resources)], dtype="str")[resource],
            "need": pd.array([f"Esigenza {n + 1}" for n in range(scale.needs)], dtype="str")[need],
            "score": score,
            "group": pd.array(["aps_odv", "fondazioni_csv_altri"], dtype="str")[group[rater]],
            "region": pd.array([f"Regione {g + 1:02d}" for g in range(scale.regions)], dtype="str")[region[rater]],
            "province": pd.array([f"Provincia {p + 1:03d}" for p in range(scale.provinces)], dtype="str")[
                province[rater]
            ],
        }
    )


def per_subset(votes: pd.DataFrame, by: tuple, statistic) -> pd.DataFrame:
    """A statistic computed one subset at a time (for those that take one territory's votes)."""
    if not by:
        return statistic(votes)
    return pd.concat([statistic(part) for _, part in votes.groupby(list(by), observed=True, sort=True)])


def run_all(votes: pd.DataFrame, n_boot: int) -> dict[str, float]:
    """Every statistic the reports show, for every level; seconds per statistic."""
    timings = {}
    for name, by in LEVELS.items():
        for label, call in (
            ("cell_stats", lambda by=by: stats.cell_stats(votes, by=by)),
            ("best_crossing", lambda by=by: stats.best_crossing(votes, by=by, n_boot=n_boot)),
            ("group_cells", lambda by=by: stats.group_comparison(votes, by=by)),
            (
                "group_gaps",
                lambda by=by: per_subset(votes, by, lambda part: group_gaps(part, n_boot=n_boot // 2)),
            ),
            ("agreement", lambda by=by: stats.agreement(votes, by=by, n_boot=n_boot)),
            ("reliability", lambda by=by: reliability(votes, by=by, n_boot=n_boot // 2)),
            ("consensus_rwg", lambda by=by: cell_rwg(votes, by=by, n_boot=n_boot // 2)),
            ("adjusted_means", lambda by=by: per_subset(votes, by, leniency_adjusted)),
        ):
            start = time.perf_counter()
            result = call()
            timings[f"{label}[{name}]"] = time.perf_counter() - start
            timings.setdefault(f"rows[{label}]", 0)
            timings[f"rows[{label}]"] += len(result)
    return timings


def baseline(votes: pd.DataFrame, replicates: int, n_boot: int, seed: int = 2) -> dict[str, float]:
    """The delegate bootstrap of the best crossing written the plain pandas way, timed and extrapolated.

    One replicate draws, within each subset and group, as many delegates as there are, with
    replacement (``numpy``), gathers their votes (a repeated index), takes every cell's mean
    with ``groupby`` and counts the resource with the highest mean per field x need. Each
    level is timed over ``replicates`` replicates and the time is multiplied up to
    ``n_boot`` replicates: the same resampling scheme as ``best_crossing``, without its
    confidence set or rank intervals (which would only add to the baseline).
    """
    rng = np.random.default_rng(seed)
    out = {"seconds_extrapolated": 0.0, "replicates_timed": replicates, "n_boot": n_boot}
    rows_of = votes.groupby("rater", sort=False).indices
    for name, by in LEVELS.items():
        strata = votes.drop_duplicates("rater")[["rater", *by, "group"]]
        members = [part["rater"].to_numpy() for _, part in strata.groupby([*by, "group"], observed=True)]
        keys = [*by, "field", "need", "resource"]
        start = time.perf_counter()
        for _ in range(replicates):
            drawn = np.concatenate([rng.choice(m, size=len(m)) for m in members])
            index = np.concatenate([rows_of[r] for r in drawn])
            means = votes.iloc[index].groupby(keys, observed=True)["score"].mean()
            means.groupby(level=list(range(len(keys) - 1))).idxmax()
        per_replicate = (time.perf_counter() - start) / replicates
        out[f"seconds_per_replicate[{name}]"] = per_replicate
        out["seconds_extrapolated"] += per_replicate * n_boot
    return out


def peak_rss_mb() -> float:
    """Peak resident set size of this process, in MB (Linux reports kB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--small", action="store_true", help="a tiny set, for a smoke test (seconds)")
    parser.add_argument("--repeats", type=int, default=None, help="timed repeats of the whole batch (median reported)")
    parser.add_argument(
        "--baseline-replicates", type=int, default=None, help="replicates per level timed in the plain pandas baseline"
    )
    parser.add_argument("--n-boot", type=int, default=None, help="bootstrap replicates of best_crossing and agreement")
    parser.add_argument("--json", metavar="PATH", help="also write the figures to this JSON file")
    args = parser.parse_args(argv)
    scale = SMALL if args.small else FULL
    scale = Scale(
        **{
            **asdict(scale),
            **{
                k: v
                for k, v in {
                    "repeats": args.repeats,
                    "baseline_replicates": args.baseline_replicates,
                    "n_boot": args.n_boot,
                }.items()
                if v is not None
            },
        }
    )

    start = time.perf_counter()
    votes = synthetic_votes(scale)
    generation = time.perf_counter() - start
    rss_after_data = peak_rss_mb()
    print(
        f"synthetic set: {len(votes):,} votes, {votes['rater'].nunique():,} delegates, "
        f"{votes['region'].nunique()} regions, {votes['province'].nunique()} provinces, "
        f"{scale.fields} x {scale.resources} x {scale.needs} cells ({generation:.1f} s to build)"
    )

    runs = []
    for i in range(scale.repeats):
        start = time.perf_counter()
        timings = run_all(votes, scale.n_boot)
        total = time.perf_counter() - start
        runs.append((total, timings))
        print(f"run {i + 1}: {total:.1f} s")
    totals = [t for t, _ in runs]
    median_total = statistics.median(totals)
    per_stat = {k: statistics.median(r[k] for _, r in runs) for k in runs[0][1] if not k.startswith("rows")}
    rows = {k: v for k, v in runs[0][1].items() if k.startswith("rows")}
    cell_seconds = sum(v for k, v in per_stat.items() if k.startswith("cell_stats"))

    peak_ours = peak_rss_mb()  # before the baseline, which allocates its own resamples
    base = baseline(votes, scale.baseline_replicates, scale.n_boot)
    best_seconds = sum(v for k, v in per_stat.items() if k.startswith("best_crossing"))
    ratio = base["seconds_extrapolated"] / best_seconds
    figures = {
        "machine": {
            "python": sys.version.split()[0],
            "platform": platform.platform(),
            "numpy": np.__version__,
            "pandas": pd.__version__,
        },
        "scale": asdict(scale),
        "votes": len(votes),
        "seconds_total_median": median_total,
        "seconds_total_runs": totals,
        "seconds_per_statistic_median": per_stat,
        "rows": rows,
        "peak_rss_mb": peak_ours,
        "rss_after_data_mb": rss_after_data,
        "baseline": base,
        "cell_stats_seconds": cell_seconds,
        "best_crossing_seconds": best_seconds,
        "speed_ratio_delegate_bootstrap": ratio,
    }
    print(
        f"\nevery statistic, country + {votes['region'].nunique()} regions + "
        f"{votes['province'].nunique()} provinces: median {median_total:.1f} s over {len(totals)} run(s)"
    )
    for key, value in per_stat.items():
        print(f"  {key:<32} {value:7.2f} s")
    print(f"peak memory (RSS): {figures['peak_rss_mb']:.0f} MB (after building the data: {rss_after_data:.0f} MB)")
    print(
        f"delegate bootstrap of the best crossing the plain pandas way: {base['replicates_timed']} replicates timed "
        f"per level, extrapolated to {scale.n_boot:,}: {base['seconds_extrapolated']:.0f} s; best_crossing (all levels, "
        f"with its confidence sets and rank intervals) took {best_seconds:.1f} s: {ratio:.0f} times faster"
    )
    if args.json:
        with open(args.json, "w", encoding="utf-8") as handle:
            json.dump(figures, handle, indent=2)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
