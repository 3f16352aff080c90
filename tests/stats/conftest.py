"""Fixtures for the scoring-statistics tests: small synthetic vote tables with structure."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest


def _make_votes(
    seed: int = 0,
    n_raters: int = 60,
    fields: int = 2,
    resources: int = 3,
    needs: int = 2,
    territories: int = 3,
    p_missing: float = 0.15,
    p_fondazioni: float = 0.4,
) -> pd.DataFrame:
    """A vote table: raters with leniency, cells with an effect, a group gap, some skipped cells."""
    rng = np.random.default_rng(seed)
    rows = []
    cell_effect = rng.normal(0, 1.2, (fields, resources, needs))
    gap = rng.normal(0, 0.8, resources)
    for r in range(n_raters):
        group = "fondazioni_csv_altri" if rng.random() < p_fondazioni else "aps_odv"
        territory = f"T{rng.integers(territories)}"
        lenient = rng.normal(0, 1.0)
        for f in range(fields):
            if rng.random() < 0.25:  # this rater does not work in this field
                continue
            for a in range(resources):
                for b in range(needs):
                    if rng.random() < p_missing:
                        continue
                    latent = 6 + cell_effect[f, a, b] + lenient + (gap[a] if group != "aps_odv" else 0)
                    score = int(np.clip(np.rint(latent + rng.normal(0, 1.3)), 1, 10))
                    rows.append((f"r{r:03d}", f"F{f}", f"R{a}", f"N{b}", score, group, territory))
    return pd.DataFrame(rows, columns=["rater", "field", "resource", "need", "score", "group", "territory"])


@pytest.fixture(scope="session")
def make_votes():
    """The vote-table factory: ``make_votes(seed=..., n_raters=..., ...)``."""
    return _make_votes


@pytest.fixture
def votes() -> pd.DataFrame:
    """60 raters, 2 fields x 3 resources x 2 needs, 3 territories, some cells skipped."""
    return _make_votes()
