"""Benchmark of the phase-2 scoring statistics on a synthetic national-scale vote set.

Builds a vote table with real structure (resources that fit some needs better,
fields that differ, a difference of view between the two groups, delegates who
score high or low overall, regional flavour, noise) and computes every statistic
the reports show -- ``cell_stats`` with its exact bootstrap intervals,
``best_crossing``, ``group_comparison`` and ``agreement`` with its bootstrap
interval -- for the whole country, every region and every province. It reports
wall time (median of ``--repeats`` runs) and peak memory (RSS), and beside them,
in the same run, the same cell intervals through a per-cell
``scipy.stats.bootstrap`` loop on a random sample of cells, extrapolated to all
cells, as a speed ratio.

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
from scipy import stats as sps

from palestre_analysis import stats

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
    baseline_cells: int
    n_boot: int


FULL = Scale(20_000, 20, 107, 8, 9, 6, repeats=3, baseline_cells=60, n_boot=2000)
SMALL = Scale(300, 3, 6, 3, 4, 3, repeats=1, baseline_cells=6, n_boot=200)


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


def run_all(votes: pd.DataFrame, n_boot: int) -> dict[str, float]:
    """Every statistic the reports show, for every level; seconds per statistic."""
    timings = {}
    for name, by in LEVELS.items():
        for label, call in (
            ("cell_stats", lambda by=by: stats.cell_stats(votes, by=by)),
            ("best_crossing", lambda by=by: stats.best_crossing(votes, by=by, n_boot=n_boot)),
            ("group_comparison", lambda by=by: stats.group_comparison(votes, by=by)),
            ("agreement", lambda by=by: stats.agreement(votes, by=by, n_boot=n_boot)),
        ):
            start = time.perf_counter()
            result = call()
            timings[f"{label}[{name}]"] = time.perf_counter() - start
            timings.setdefault(f"rows[{label}]", 0)
            timings[f"rows[{label}]"] += len(result)
    return timings


def baseline(votes: pd.DataFrame, n_cells: int, seed: int = 2) -> dict[str, float]:
    """Per-cell ``scipy.stats.bootstrap`` on a random sample of cell rows per level, extrapolated.

    A cell row is a subset x cell x group (``all`` or one of the two groups), as in
    ``cell_stats``. Rows are sampled uniformly within each level, timed one by one
    (9999 resamples, ``method="percentile"``), and the mean time is multiplied by
    the level's number of rows with at least two votes.
    """
    rng = np.random.default_rng(seed)
    out = {"seconds_extrapolated": 0.0, "cells_total": 0, "cells_timed": 0}
    for name, by in LEVELS.items():
        keys = [*by, "field", "resource", "need"]
        pooled = votes.assign(group="all")
        rows = []
        for frame in (pooled, votes):
            grouped = frame.groupby([*keys, "group"], observed=True, sort=False)["score"]
            rows.extend((grouped, key) for key, size in grouped.size().items() if size >= 2)
        picks = rng.choice(len(rows), size=min(n_cells, len(rows)), replace=False)
        samples = [rows[i][0].get_group(rows[i][1]).to_numpy(dtype=float) for i in picks]
        start = time.perf_counter()
        for x in samples:
            sps.bootstrap(
                (x,), np.mean, method="percentile", n_resamples=9999, batch=1000, rng=int(rng.integers(1 << 31))
            )
        per_row = (time.perf_counter() - start) / len(samples)
        out[f"seconds_per_cell[{name}]"] = per_row
        out[f"cells[{name}]"] = len(rows)
        out["seconds_extrapolated"] += per_row * len(rows)
        out["cells_total"] += len(rows)
        out["cells_timed"] += len(samples)
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
        "--baseline-cells", type=int, default=None, help="cells per level timed with scipy.stats.bootstrap"
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
                    "baseline_cells": args.baseline_cells,
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
    base = baseline(votes, scale.baseline_cells)
    ratio = base["seconds_extrapolated"] / cell_seconds
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
        "speed_ratio_cell_intervals": ratio,
    }
    print(
        f"\nevery statistic, country + {votes['region'].nunique()} regions + "
        f"{votes['province'].nunique()} provinces: median {median_total:.1f} s over {len(totals)} run(s)"
    )
    for key, value in per_stat.items():
        print(f"  {key:<32} {value:7.2f} s")
    print(f"peak memory (RSS): {figures['peak_rss_mb']:.0f} MB (after building the data: {rss_after_data:.0f} MB)")
    print(
        f"per-cell scipy.stats.bootstrap (9999 resamples): {base['cells_timed']} cell rows timed, "
        f"extrapolated to all {base['cells_total']:,}: {base['seconds_extrapolated']:.0f} s; "
        f"cell_stats (all of it) took {cell_seconds:.1f} s: {ratio:.0f} times faster"
    )
    if args.json:
        with open(args.json, "w", encoding="utf-8") as handle:
            json.dump(figures, handle, indent=2)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
