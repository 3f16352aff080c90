"""The building blocks of the reports: each function returns one section, ready to show.

A :class:`Section` holds what a reader sees (figures, escaped HTML tables and
sentences) and the tidy tables behind them, which :func:`show` writes as CSV next to the
report. Notebooks stay thin: they check their parameters, load the data, and call
these functions between their own headings.
"""

from __future__ import annotations

import base64
import functools
import io
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from palestre_analysis import config
from palestre_analysis.report.tables import save_table

__all__ = ["Section", "show", "title", "figure_bundle", "figure_title", "too_small", "unless_small"]


@dataclass
class Section:
    """What one part of a report shows, and the tables behind it."""

    items: list = field(default_factory=list)
    tables: dict[str, pd.DataFrame] = field(default_factory=dict)

    def add(self, *items) -> "Section":
        self.items.extend(items)
        return self


def too_small(data, params) -> bool:
    """A territory with fewer entities than the threshold publishes no statistic at all.

    Even "n = 1" and the list of its meetings would describe one identifiable organisation.
    """
    return len(data.entities) < params.min_cell


def unless_small(section_function):
    """Make a section empty for a territory that is :func:`too_small`."""

    @functools.wraps(section_function)
    def guarded(data, params, *args, **kwargs):
        if getattr(data, "small", None) or (hasattr(data, "entities") and too_small(data, params)):
            return Section()
        return section_function(data, params, *args, **kwargs)

    return guarded


def show(section: Section, tables_dir: Path | str | None = None) -> None:
    """Display every item of a section and write its tables to ``tables_dir``."""
    from IPython.display import display
    from matplotlib.figure import Figure

    for item in section.items:
        if isinstance(item, Figure):
            display(figure_bundle(item), raw=True)
        else:
            display(item)
    for name, table in section.tables.items():
        save_table(table, name, tables_dir)


def title(report: str, params) -> Section:
    """The line under a report's heading: territory and privacy threshold, as the reader needs them."""
    from palestre_analysis.report.display import paragraph, sentence

    where = "l'intera regione" if params.territorio == config.REGION else params.territorio
    return Section([paragraph(sentence(
        "{report} – territorio: {where}. Sono mostrate solo le statistiche calcolate su almeno {k} delegati.",
        report=report, where=where, k=params.min_cell))])


def figure_bundle(figure) -> dict:
    """A figure as a PNG output, with its title as the text a reader without images gets.

    Rendered here (not by the inline backend) so that the bytes depend only on the
    figure: the same data gives the same image.
    """
    buffer = io.BytesIO()
    with warnings.catch_warnings():  # layout advice is for us, not for the report's reader
        warnings.simplefilter("ignore", UserWarning)
        figure.savefig(buffer, format="png", metadata={"Software": None})
    title = figure_title(figure)
    return {"image/png": base64.b64encode(buffer.getvalue()).decode("ascii"), "text/plain": f"Figura: {title}"}


def figure_title(figure) -> str:
    """The figure's overall title, or its first panel's."""
    suptitle = getattr(figure, "_suptitle", None)
    if suptitle is not None and suptitle.get_text():
        return suptitle.get_text()
    titles = [ax.get_title() for ax in figure.axes if ax.get_title()]
    return titles[0] if titles else "grafico"
