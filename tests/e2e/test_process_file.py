"""A process file's threshold reaches every report, and the attacker checks the batch against it."""

from __future__ import annotations

import json
import shutil

import pandas as pd
import pytest

from palestre_analysis import config
from palestre_analysis.audit import attack
from palestre_analysis.batch.runner import run_batch

pytestmark = pytest.mark.slow

MIN_CELL = 10


@pytest.fixture(scope="module")
def batch(tmp_path_factory):
    """The demo with ``min_cell = 10`` in its processo.toml, the region's reports only."""
    root = tmp_path_factory.mktemp("process_file")
    raw = root / "raw"
    shutil.copytree(config.RAW_DIR, raw)
    (raw / "processo.toml").write_text(f'titolo = "Palestre di capacità"\nmin_cell = {MIN_CELL}\n', encoding="utf-8")
    result = run_batch(territories=["Lombardia"], raw_dir=raw, out_dir=root / "out", jobs=2)
    assert result.exit_code == 0, result.messages
    return root / "out"


def test_every_report_ran_with_the_process_threshold(batch):
    manifest = json.loads((batch / "reports" / "manifest.json").read_text(encoding="utf-8"))
    thresholds = {key: entry["parameters"]["min_cell"] for key, entry in manifest["reports"].items()}
    assert thresholds and set(thresholds.values()) == {MIN_CELL}, thresholds
    report = json.loads((batch / "processed" / "cleaning_report.json").read_text(encoding="utf-8"))
    assert report["process"]["min_cell"] == MIN_CELL and report["process"]["source"] == "processo.toml"


def test_no_published_count_lies_below_the_process_threshold(batch):
    """Counts of 5 to 9, allowed by the default threshold, are hidden too; the attacker uses 10."""
    cells = pd.read_csv(batch / "reports" / "lombardia" / "tables" / "cells.csv")
    shown = cells["n"].dropna()
    assert not shown.empty and ((shown == 0) | (shown >= MIN_CELL)).all()
    audit = attack(batch / "reports")
    assert audit.min_cell == MIN_CELL
    assert not audit.disclosures, audit.disclosures[:5]
