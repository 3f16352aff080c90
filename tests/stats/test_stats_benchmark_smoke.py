"""Smoke run of benchmarks/bench_scoring.py --small (the full run is a script, not a test)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parents[2] / "benchmarks" / "bench_scoring.py"


def test_help_runs():
    result = subprocess.run([sys.executable, str(BENCH), "--help"], capture_output=True, text=True, check=True)
    assert "--small" in result.stdout


def test_small_run_writes_its_figures(tmp_path):
    """Source: the benchmark's own JSON; every statistic of every level was computed."""
    out = tmp_path / "figures.json"
    subprocess.run(
        [sys.executable, str(BENCH), "--small", "--json", str(out)],
        check=True,
        capture_output=True,
        text=True,
        timeout=120,
    )
    figures = json.loads(out.read_text())
    timed = figures["seconds_per_statistic_median"]
    statistics = (
        "cell_stats",
        "best_crossing",
        "group_cells",
        "group_gaps",
        "agreement",
        "reliability",
        "consensus_rwg",
        "adjusted_means",
    )
    for statistic in statistics:
        for level in ("country", "region", "province"):
            assert timed[f"{statistic}[{level}]"] > 0
    assert figures["votes"] > 1000 and figures["peak_rss_mb"] > 0
    assert figures["speed_ratio_delegate_bootstrap"] > 1
