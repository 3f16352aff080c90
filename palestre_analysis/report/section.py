"""The building blocks of the reports: each function returns one section, ready to show.

A :class:`Section` holds what a reader sees (figures, escaped HTML tables and
sentences) and the tidy tables behind them, which :func:`show` writes as CSV next to the
report. Notebooks stay thin: they check their parameters, load the data, and call
these functions between their own headings.

A notebook names its tables folder once, in the cell that checks its parameters, and
every later cell only says which section to show::

    params = check_parameters(territorio, min_cell, seed, processed_dir, tables_dir, reference_shares)
    show = Shower(params.tables_dir)
    ...
    show(network.composition(data, params))
"""

from __future__ import annotations

import base64
import functools
import io
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from palestre_analysis.report.protection import guard
from palestre_analysis.report.tables import save_table

__all__ = [
    "Section",
    "Shower",
    "show",
    "title",
    "privacy_note",
    "figure_bundle",
    "figure_title",
    "too_small",
    "publishes_nothing",
    "unless_small",
]


@dataclass
class Section:
    """What one part of a report shows, and the tables behind it.

    Parameters
    ----------
    items : list
        What the reader sees, in order: matplotlib figures and rich-display objects
        (escaped HTML from :mod:`palestre_analysis.report.display`).
    tables : dict of str to DataFrame
        The tidy tables behind the items, by file name without ``.csv``; :func:`show`
        writes them next to the report.
    notice_only : bool
        Set by :func:`title` when the report publishes only a notice (:func:`publishes_nothing`):
        the :class:`Shower` then leaves out the sections that need statistics.
    needs_statistics : bool
        A section that makes sense only next to statistics (:func:`privacy_note`, which
        explains the ``‡`` marks): a :class:`Shower` does not show it in a report that
        publishes only a notice.

    Examples
    --------
    >>> from palestre_analysis.report.display import paragraph
    >>> section = Section().add(paragraph("Prima frase."), None, paragraph("Seconda frase."))
    >>> len(section.items), section.tables
    (2, {})
    """

    items: list = field(default_factory=list)
    tables: dict[str, pd.DataFrame] = field(default_factory=dict)
    notice_only: bool = False
    needs_statistics: bool = False

    def add(self, *items) -> Section:
        """Append items to show and return the section itself, so that calls chain.

        Parameters
        ----------
        *items
            Figures or rich-display objects, in the order the reader sees them. ``None``
            is left out: a figure function with nothing to draw returns ``None`` (see
            :func:`~palestre_analysis.report.plots.attendance_histogram`).

        Returns
        -------
        Section
            This section.
        """
        self.items.extend(item for item in items if item is not None)
        return self


def too_small(data, params) -> bool:
    """A territory with fewer entities than the threshold publishes no statistic at all.

    Even "n = 1" and the list of its meetings would describe one identifiable organisation.
    So does a territory whose number of entities the batch-wide disclosure control hides
    (:meth:`~palestre_analysis.report.protection.Guard.entities_hidden`).

    Parameters
    ----------
    data : Processed
        The processed tables of one territory (:func:`~palestre_analysis.ingest.processed.for_territory`).
    params : Parameters
        The checked notebook parameters; ``params.min_cell`` is the threshold.

    Returns
    -------
    bool
        True when the territory has fewer than ``params.min_cell`` entities.

    Examples
    --------
    >>> from types import SimpleNamespace
    >>> too_small(SimpleNamespace(entities=[1, 2]), SimpleNamespace(min_cell=5))
    True
    """
    if len(data.entities) < params.min_cell:
        return True
    # the batch-wide disclosure control may hide a larger count too (the region minus the other
    # territories would give a small one): then the territory publishes nothing either
    return hasattr(data, "region") and guard(data, params).entities_hidden()


def publishes_nothing(data, params) -> bool:
    """Whether a report publishes only a notice: every section guarded by :func:`unless_small` is empty.

    Parameters
    ----------
    data : Processed or Scores
        The processed tables of one territory (:func:`too_small` decides), or the phase-2
        :class:`~palestre_analysis.report.scores.Scores` (its ``small`` decides).
    params : Parameters
        The checked notebook parameters.

    Returns
    -------
    bool
        True when the territory is too small to publish anything.

    Examples
    --------
    >>> from types import SimpleNamespace
    >>> params = SimpleNamespace(min_cell=5)
    >>> publishes_nothing(SimpleNamespace(entities=[1, 2]), params), publishes_nothing(SimpleNamespace(small=True), params)
    (True, True)
    >>> publishes_nothing(SimpleNamespace(entities=list(range(5))), params)
    False
    """
    return bool(getattr(data, "small", None) or (hasattr(data, "entities") and too_small(data, params)))


def unless_small(section_function):
    """Make a section empty for a territory that is :func:`too_small`.

    The guarded function also returns an empty section when its first argument says it
    is ``small`` (the phase-2 :class:`~palestre_analysis.report.scores.Scores`).

    Parameters
    ----------
    section_function : callable
        A section function ``f(data, params, ...)`` returning a :class:`Section`.

    Returns
    -------
    callable
        The same function, returning an empty :class:`Section` for a small territory.

    Examples
    --------
    >>> from types import SimpleNamespace
    >>> @unless_small
    ... def count(data, params):
    ...     return Section(tables={"n": len(data.entities)})
    >>> count(SimpleNamespace(entities=[1, 2]), SimpleNamespace(min_cell=5)).tables
    {}
    """

    @functools.wraps(section_function)
    def guarded(data, params, *args, **kwargs):
        if publishes_nothing(data, params):
            return Section()
        return section_function(data, params, *args, **kwargs)

    return guarded


def show(section: Section, tables_dir: Path | str | None = None) -> None:
    """Display every item of a section and write its tables to ``tables_dir``.

    Notebooks do not call it directly: they create a :class:`Shower` once, which calls
    this function with their tables folder.

    Parameters
    ----------
    section : Section
        What to show.
    tables_dir : path, optional
        Folder of the CSV files behind the report; ``None`` or empty: write nothing.
    """
    from IPython.display import display
    from matplotlib.figure import Figure

    for item in section.items:
        if isinstance(item, Figure):
            display(figure_bundle(item), raw=True)
        else:
            display(item)
    for name, table in section.tables.items():
        save_table(table, name, tables_dir)


@dataclass(frozen=True)
class Shower:
    """The ``show`` of one report: displays sections and writes their tables to one folder.

    A notebook creates it once, in the cell that checks its parameters
    (``show = Shower(params.tables_dir)``); every section cell is then
    ``show(network.composition(data, params))``, and the tables folder cannot differ
    from one cell to the next.

    It also remembers whether the report publishes only a notice (its :func:`title`
    said so): from then on the sections that need statistics (:func:`privacy_note`) are
    not shown, so that a notice-only report gives one explanation, the notice.

    Parameters
    ----------
    tables_dir : path, optional
        Folder of the CSV files behind the report's figures and tables; ``None`` (what
        an empty ``tables_dir`` parameter becomes) writes nothing.

    Examples
    --------
    >>> show = Shower(None)
    >>> show(Section())  # nothing to display, no folder to write to
    >>> show.tables_dir is None, show.notice_only
    (True, False)
    >>> show(Section(notice_only=True))
    >>> show.notice_only
    True
    """

    tables_dir: Path | str | None = None
    _state: dict = field(default_factory=dict, init=False, repr=False, compare=False)

    @property
    def notice_only(self) -> bool:
        """Whether a section shown so far said that the report publishes only a notice."""
        return self._state.get("notice_only", False)

    def __call__(self, section: Section) -> None:
        """Display ``section`` and write its tables to :attr:`tables_dir` (see :func:`show`).

        Parameters
        ----------
        section : Section
            What to show; nothing is shown of a section that ``needs_statistics`` once a
            section ``notice_only`` was shown.
        """
        if section.notice_only:
            self._state["notice_only"] = True
        if section.needs_statistics and self.notice_only:
            return
        show(section, self.tables_dir)


def title(report: str, params, data=None) -> Section:
    """The line under a report's heading: territory and privacy threshold, as the reader needs them.

    Parameters
    ----------
    report : str
        The report's name, in Italian (``"Risorse ed esigenze"``).
    params : Parameters
        The checked notebook parameters (territory and ``min_cell``).
    data : Processed or Scores, optional
        What the report shows (see :func:`publishes_nothing`). When the territory is too
        small to publish anything, the line names only the territory (the report's notice
        says why nothing is shown, and the threshold would promise statistics) and the
        section is ``notice_only``.

    Returns
    -------
    Section
        One paragraph.

    Examples
    --------
    >>> from types import SimpleNamespace
    >>> params = SimpleNamespace(territorio="Brescia", min_cell=4)
    >>> text = title("Risorse ed esigenze", params).items[0].data
    >>> text[:80]
    '<p><strong>Risorse ed esigenze</strong> – territorio: <strong>Brescia</strong>. '
    >>> text[80:]
    'Sono mostrate solo le statistiche calcolate su almeno <strong>4</strong> delegati.</p>'
    >>> small = title("Risorse ed esigenze", params, SimpleNamespace(small=True))
    >>> small.items[0].data.endswith("<strong>Brescia</strong>.</p>"), small.notice_only
    (True, True)
    """
    from palestre_analysis.report.display import paragraph, sentence

    process = getattr(params, "process", None)
    where = params.territorio
    if process is not None and params.is_area:
        where += " (l'intera area del processo)"
    text = "{report} – territorio: {where}."
    if process is not None:
        text = "{process} · " + text
    notice_only = data is not None and publishes_nothing(data, params)
    if not notice_only:
        text += " Sono mostrate solo le statistiche calcolate su almeno {k} delegati."
    return Section(
        [
            paragraph(
                sentence(text, report=report, where=where, k=params.min_cell, process=getattr(process, "title", ""))
            )
        ],
        notice_only=notice_only,
    )


def privacy_note(params) -> Section:
    """The closing note of a territory report: the privacy threshold actually used, and where the methods are.

    Parameters
    ----------
    params : Parameters
        The checked notebook parameters; the note prints ``params.min_cell``.

    Returns
    -------
    Section
        One paragraph; it ``needs_statistics`` (it explains the ``‡`` marks), so a
        :class:`Shower` leaves it out of a report that publishes only a notice. The rule
        above it is the notebook's.

    Examples
    --------
    >>> from types import SimpleNamespace
    >>> note = privacy_note(SimpleNamespace(min_cell=7))
    >>> "meno di <strong>7</strong> delegati" in note.items[0].data, note.needs_statistics
    (True, True)
    """
    from palestre_analysis.report.display import HTML, sentence
    from palestre_analysis.report.formatting import SUPPRESSED_MARK, integer

    text = sentence(
        "Nessuna statistica calcolata su meno di {k} delegati è mostrata: al suo posto compare il segno {mark}.",
        k=integer(params.min_cell),
        mark=SUPPRESSED_MARK,
    )
    return Section(
        [
            HTML(
                f"<p><em>Nota sulla riservatezza.</em> {text} Nomi ed email dei delegati non entrano "
                "mai nelle analisi. I metodi e i loro riferimenti sono descritti nella relazione "
                "finale.</p>"
            )
        ],
        needs_statistics=True,
    )


def figure_bundle(figure) -> dict:
    """A figure as a PNG output, with its title as the text a reader without images gets.

    Rendered here (not by the inline backend) so that the bytes depend only on the
    figure: the same data gives the same image.

    Parameters
    ----------
    figure : matplotlib.figure.Figure
        The figure to render.

    Returns
    -------
    dict
        A display bundle: ``image/png`` (base64) and ``text/plain`` (``"Figura: <title>"``).
    """
    buffer = io.BytesIO()
    with warnings.catch_warnings():  # layout advice is for us, not for the report's reader
        warnings.simplefilter("ignore", UserWarning)
        figure.savefig(buffer, format="png", metadata={"Software": None})
    title = figure_title(figure)
    return {"image/png": base64.b64encode(buffer.getvalue()).decode("ascii"), "text/plain": f"Figura: {title}"}


def figure_title(figure) -> str:
    """The figure's overall title, or its first panel's.

    Parameters
    ----------
    figure : matplotlib.figure.Figure
        The figure.

    Returns
    -------
    str
        The title, or ``"grafico"`` when the figure has none.

    Examples
    --------
    >>> from matplotlib.figure import Figure
    >>> figure = Figure()
    >>> figure.add_subplot().set_title("Presenze per incontro")  # doctest: +ELLIPSIS
    Text(...)
    >>> figure_title(figure)
    'Presenze per incontro'
    """
    suptitle = getattr(figure, "_suptitle", None)
    if suptitle is not None and suptitle.get_text():
        return " ".join(suptitle.get_text().split())  # a title wrapped to fit reads as one line
    titles = [" ".join(ax.get_title().split()) for ax in figure.axes if ax.get_title()]
    return titles[0] if titles else "grafico"
