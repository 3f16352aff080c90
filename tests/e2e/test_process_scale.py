"""A process scored from 1 to 5: the votes, the statistics, the text and the attacker all follow the scale."""

from __future__ import annotations

import csv
import math
import re
import shutil

import pandas as pd
import pytest

from palestre_analysis import config
from palestre_analysis.audit import attack
from palestre_analysis.batch.runner import run_batch
from palestre_analysis.ingest.reading import read_grids

pytestmark = pytest.mark.slow


def _to_five(text: str) -> str:
    """A 1-10 vote written as the 1-5 vote it would be (ceil of half); other texts as they are."""
    return str(math.ceil(int(text) / 2)) if text.isdigit() else text


def _rewrite_votes(path, columns) -> None:
    [grid] = read_grids(path)
    rows = [record.cells for record in grid.records]
    header = rows[0]
    positions = [i for i, h in enumerate(header) if columns(h)]
    with open(path, "w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        for row in rows[1:]:
            writer.writerow([_to_five(c) if i in positions else c for i, c in enumerate(row)])


@pytest.fixture(scope="module")
def batch(tmp_path_factory):
    """The demo's votes on 1-5, with ``scala = [1, 5]`` in processo.toml; the region's reports."""
    root = tmp_path_factory.mktemp("process_scale")
    raw = root / "raw"
    shutil.copytree(config.RAW_DIR, raw)
    _rewrite_votes(raw / "valutazioni.csv", lambda h: h.strip().lower() == "voto")
    _rewrite_votes(raw / "valutazioni_modulo_google.csv", lambda h: "[" in h)
    (raw / "processo.toml").write_text('titolo = "Palestre di capacità"\nscala = [1, 5]\n', encoding="utf-8")
    result = run_batch(territories=["Lombardia"], raw_dir=raw, out_dir=root / "out", jobs=2)
    assert result.exit_code == 0, result.messages
    return root / "out" / "reports"


def test_the_statistics_lie_on_the_scale(batch):
    cells = pd.read_csv(batch / "lombardia" / "tables" / "cells.csv")
    means = cells["mean"].dropna()
    assert not means.empty and means.between(1, 5).all()


def test_no_text_speaks_of_a_ten_point_scale(batch):
    for name in ("02_risorse_esigenze.html", "03_relazione_finale.html"):
        text = re.sub(r"<[^>]+>", " ", (batch / "lombardia" / name).read_text(encoding="utf-8"))
        assert not re.search(r"\b1\s*[-–]\s*10\b|\b7\s*[-–]\s*10\b|da 7 a 10|da 1 a 10", text), name
        assert re.search(r"\b4\s*[-–]\s*5\b", text), f"{name} names the high band 4-5"


def test_the_attacker_finds_nothing(batch):
    assert not attack(batch).disclosures
