"""The batch benchmark runs end to end (``--quick``: the region and one territory), with and without PDFs."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from palestre_analysis import config


@pytest.mark.slow
def test_benchmark_quick_runs_both_ways_and_reports_the_ratio_and_the_pdf_cost(tmp_path):
    result = tmp_path / "bench.json"
    completed = subprocess.run(
        [
            sys.executable,
            str(config.PROJECT_ROOT / "benchmarks" / "bench_batch.py"),
            "--fixtures",
            "--quick",
            "--workdir",
            str(tmp_path / "work"),
            "--json",
            str(result),
            "--repeats",
            "2",
        ],
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert completed.returncode == 0, completed.stdout[-2000:] + completed.stderr[-2000:]
    timings = json.loads(result.read_text(encoding="utf-8"))
    assert timings["reports"] == 5 and timings["tutorial_failures"] == [] and timings["ours_exit_code"] == 0
    assert timings["kernels"] == "fork"
    assert timings["ratio"] == pytest.approx(timings["tutorial_s"] / timings["ours_s"], rel=0.01)
    assert "Rapporto:" in completed.stdout
    for way in ("ours", "ours_html_only", "ours_2", "ours_html_only_2", "tutorial"):
        assert len(list((tmp_path / "work" / way / "reports").rglob("*.html"))) >= 5
    # the PDFs' cost, measured in the same run: two batches with PDFs and two HTML only, each in a
    # process of its own, in the order PDF, HTML, HTML, PDF; each side's time is its median
    assert timings["order"] == ["pdf", "html", "html", "pdf"]
    assert timings["pdfs"] == 5 and timings["html_only_exit_code"] == 0
    for way in ("ours", "ours_2"):
        assert len(list((tmp_path / "work" / way / "reports").rglob("*.pdf"))) == 5
    for way in ("ours_html_only", "ours_html_only_2"):
        assert not list((tmp_path / "work" / way / "reports").rglob("*.pdf"))
    assert timings["ours_s"] == pytest.approx(sum(timings["ours_runs_s"]) / 2, abs=0.02)
    assert timings["ours_html_only_s"] == pytest.approx(sum(timings["ours_html_only_runs_s"]) / 2, abs=0.02)
    assert timings["pdf_cost_s"] == pytest.approx(timings["ours_s"] - timings["ours_html_only_s"], abs=0.02)
    # the benchmark computes the share from unrounded times: recomputing it from the seconds rounded to
    # 0.01 s moves it by up to a few tenths when the HTML-only batch takes a few seconds (374.0 against 374.15)
    assert timings["pdf_cost_percent"] == pytest.approx(
        100 * timings["pdf_cost_s"] / timings["ours_html_only_s"], rel=0.01
    )
    assert "Costo dei PDF:" in completed.stdout
