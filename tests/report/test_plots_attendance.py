"""Attendance charts with nothing to draw: no empty figure, ``None`` for the caller to say so.

In a small province every band of the attendance histogram is either hidden (``‡``, a
missing count) or zero, and every meeting's attendance may be hidden: the chart would be a
flat axis with zero ticks (Bergamo, Como, Pavia in the demo, ``min_cell`` 5).
"""

from __future__ import annotations

import pandas as pd
import pytest
from matplotlib.figure import Figure

from palestre_analysis.report import plots
from palestre_analysis.report.section import Section

BANDS = ["0", "1", "2", "3–5", "6–9", "10+"]


def distribution(counts):
    """An ``attendance_distribution`` table for one category; ``None`` is a hidden count."""
    return pd.DataFrame(
        {
            "category": "all",
            "n_meetings": BANDS,
            "n_entities": [float("nan") if c is None else float(c) for c in counts],
            "suppressed": [c is None for c in counts],
        }
    )


def meetings(present, newcomers):
    return pd.DataFrame(
        {
            "meeting_id": [f"I{i:02d}" for i in range(1, len(present) + 1)],
            "date": pd.date_range("2018-09-20", periods=len(present), freq="MS"),
            "n_present": [float("nan") if p is None else float(p) for p in present],
            "n_newcomers": [float("nan") if n is None else float(n) for n in newcomers],
        }
    )


@pytest.mark.parametrize(
    "counts",
    [
        [0, None, None, 0, None, 0],  # Bergamo's table in the demo
        [0, None, 0, 0, None, 0],  # Como's
        [0, None, None, None, 0, 0],  # Pavia's
        [None] * 6,
        [0] * 6,
    ],
    ids=["bergamo", "como", "pavia", "all hidden", "all zero"],
)
def test_a_histogram_of_zeros_and_hidden_bands_is_not_drawn(counts):
    assert plots.attendance_histogram(distribution(counts), "Frequenza") is None


def test_a_histogram_with_one_bar_is_drawn_with_its_hidden_marks():
    figure = plots.attendance_histogram(distribution([0, None, None, 0, 7, 0]), "Frequenza")  # Brescia's
    assert isinstance(figure, Figure)
    ax = figure.axes[0]
    assert [round(p.get_height()) for p in ax.patches] == [0, 0, 0, 0, 7, 0]
    assert [t.get_text() for t in ax.texts] == ["‡", "‡"]


def test_an_attendance_chart_with_every_meeting_hidden_is_not_drawn():
    """Como in the demo: nine meetings, every count of entities present hidden."""
    assert plots.attendance_chart(meetings([None] * 9, [0] * 9), "Presenze") is None
    assert plots.attendance_chart(meetings([None, 0], [None, 0]), "Presenze") is None


def test_an_attendance_chart_with_one_shown_meeting_is_drawn():
    figure = plots.attendance_chart(meetings([None, 6, None], [0, None, 0]), "Presenze")
    assert isinstance(figure, Figure)
    assert [t.get_text() for t in figure.axes[0].texts] == ["‡", "‡"]


def test_a_section_leaves_out_a_figure_that_was_not_drawn():
    """What the caller gets back goes straight into its section: nothing is added for ``None``."""
    figure = plots.attendance_histogram(distribution([0, None, 0, 0, None, 0]), "Frequenza")
    section = Section().add(figure)
    assert section.items == []


@pytest.mark.parametrize(
    ("values", "expected"),
    [([0, None, 3], True), ([0.0, float("nan")], False), ([], False), ([None], False), (pd.Series([0, 1]), True)],
)
def test_has_bars_counts_only_shown_positive_values(values, expected):
    assert plots.has_bars(values) is expected
