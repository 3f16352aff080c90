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

The :class:`Shower` numbers the figures and tables of one report in the order it shows
them («Figura 3», «Tabella 2»). A section does not know its figures' numbers when it is
built, since they depend on what the earlier sections showed: its sentences refer to
"my first figure" with :func:`figure_ref` (and to its tables with :func:`table_ref`), and
the :class:`Shower` writes the number in when it shows the section.
"""

from __future__ import annotations

import base64
import functools
import html
import io
import re
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from palestre_analysis.report.display import HTML, Safe, Table
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
    "figure_ref",
    "table_ref",
    "resolve_references",
    "shown_html",
    "PRINT_SCALE",
    "MAX_IMAGE_WIDTH",
    "image_dpi",
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
        What the reader sees, in order: matplotlib figures (added with
        :meth:`add_figure`) and rich-display objects (escaped HTML from
        :mod:`palestre_analysis.report.display`).
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
    findings : dict of Figure to str
        Each figure's main finding, one plain Italian sentence (:meth:`add_figure`): with
        the figure's number and title it is the text a reader without images gets.

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
    findings: dict = field(default_factory=dict)

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

        Raises
        ------
        TypeError
            For a figure: it needs its finding, so it goes through :meth:`add_figure`.
        """
        from matplotlib.figure import Figure

        if any(isinstance(item, Figure) for item in items):
            raise TypeError("a figure needs its main finding: add it with Section.add_figure(figure, finding)")
        self.items.extend(item for item in items if item is not None)
        return self

    def add_figure(self, figure, finding: str) -> Section:
        """Append a figure with its main finding, and return the section itself.

        Parameters
        ----------
        figure : matplotlib.figure.Figure or None
            The figure; ``None`` (a figure function with nothing to draw) is left out.
        finding : str
            What the figure shows, in one plain Italian sentence built from the data it was
            drawn from and true at the precision it shows («La categoria più rappresentata
            è quella delle associazioni, con il 40% degli enti.»). Plain text: it becomes
            the image's alternative text.

        Returns
        -------
        Section
            This section.

        Examples
        --------
        >>> from matplotlib.figure import Figure
        >>> figure = Figure()
        >>> section = Section().add_figure(figure, "Un solo valore.").add_figure(None, "Mai mostrato.")
        >>> section.items == [figure], section.findings[figure]
        (True, 'Un solo valore.')
        """
        if figure is not None:
            self.items.append(figure)
            self.findings[figure] = " ".join(finding.split())
        return self

    def count(self, kind: str) -> int:
        """How many figures (``"figura"``) or tables (``"tabella"``) the section shows so far.

        Parameters
        ----------
        kind : {"figura", "tabella"}
            What to count.

        Returns
        -------
        int

        Examples
        --------
        >>> from palestre_analysis.report.display import paragraph
        >>> Section().add(paragraph("Testo.")).count("figura")
        0
        """
        from matplotlib.figure import Figure

        kinds = {"figura": Figure, "tabella": Table}
        return sum(isinstance(item, kinds[kind]) for item in self.items)


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


@dataclass
class _Numbering:
    """How many figures and tables a report has shown so far."""

    figures: int = 0
    tables: int = 0


def show(section: Section, tables_dir: Path | str | None = None, numbering: _Numbering | None = None) -> None:
    """Display every item of a section, numbered, and write its tables to ``tables_dir``.

    Notebooks do not call it directly: they create a :class:`Shower` once, which calls
    this function with their tables folder and the report's numbering.

    Parameters
    ----------
    section : Section
        What to show. Its figures are shown with their number, caption and finding
        (:func:`figure_bundle`), its tables with their number; the references of its text
        (:func:`figure_ref`, :func:`table_ref`) get the numbers of its own figures and tables.
    tables_dir : path, optional
        Folder of the CSV files behind the report; ``None`` or empty: write nothing.
    numbering : optional
        The figures and tables the report has shown before (a :class:`Shower`'s); by
        default the section is numbered from 1, as if it were the whole report.

    Raises
    ------
    ValueError
        When the text refers to a figure or table the section does not show.
    """
    from IPython.display import display
    from matplotlib.figure import Figure

    for item, number, text in _numbered(section, numbering if numbering is not None else _Numbering()):
        if isinstance(item, Figure):
            display(figure_bundle(item, number, section.findings.get(item, "")), raw=True)
        elif text is not None:
            display(HTML(text))
        else:
            display(item)
    for name, table in section.tables.items():
        save_table(table, name, tables_dir)


def _numbered(section: Section, numbering: _Numbering) -> list[tuple]:
    """Each item with its number (figures and tables) and its HTML as shown (references resolved), counted.

    The numbers are checked before anything is shown: a wrong reference raises, and the
    report's numbering moves on only past a section that shows.
    """
    from matplotlib.figure import Figure

    figures = list(range(numbering.figures + 1, numbering.figures + 1 + section.count("figura")))
    tables = list(range(numbering.tables + 1, numbering.tables + 1 + section.count("tabella")))
    numbers = {Figure: iter(figures), Table: iter(tables)}
    out = []
    for item in section.items:
        kind = next((k for k in numbers if isinstance(item, k)), None)
        number = next(numbers[kind]) if kind else None
        text = item.numbered(number) if isinstance(item, Table) else getattr(item, "data", None)
        if isinstance(item, HTML):
            text = resolve_references(text, figures, tables)
        out.append((item, number, text if isinstance(item, HTML) else None))
    numbering.figures += len(figures)
    numbering.tables += len(tables)
    return out


def shown_html(section: Section) -> str:
    """The section's text and tables as a report shows them when they open it: numbered from 1, references resolved.

    What a reader of the section reads, without its figures (:func:`figure_bundle` renders
    them); for tests and for a look at a section outside a notebook.

    Parameters
    ----------
    section : Section
        The section.

    Returns
    -------
    str
        The HTML of its rich-display items, one per line.

    Examples
    --------
    >>> from palestre_analysis.report.display import paragraph
    >>> from matplotlib.figure import Figure
    >>> section = Section().add_figure(Figure(), "Nulla.").add(paragraph("Lo dice la " + figure_ref() + "."))
    >>> shown_html(section)
    '<p>Lo dice la figura 1.</p>'
    """
    return "\n".join(text for _, _, text in _numbered(section, _Numbering()) if text is not None)


#: Brackets of a reference to be numbered: private-use characters, which no escaping touches.
_OPEN, _CLOSE = "\ue000", "\ue001"
_REFERENCE = re.compile(f"{_OPEN}([fFtT])(\\d+){_CLOSE}")
_KINDS = {"f": "figura", "t": "tabella"}


def figure_ref(index: int = 1, *, capital: bool = False) -> Safe:
    """«figura 3»: a reference to the section's ``index``-th figure, numbered when the section is shown.

    Parameters
    ----------
    index : int
        Which of the section's own figures, from 1 in the order they are shown.
    capital : bool
        «Figura 3», to open a sentence.

    Returns
    -------
    Safe
        A placeholder that fills a :func:`~palestre_analysis.report.display.sentence` slot
        or joins a sentence as it is; :func:`show` turns it into the number.

    Examples
    --------
    >>> resolve_references("Lo mostra la " + figure_ref() + ".", figures=[3], tables=[])
    'Lo mostra la figura 3.'
    """
    return Safe(f"{_OPEN}{'F' if capital else 'f'}{int(index)}{_CLOSE}")


def table_ref(index: int = 1, *, capital: bool = False) -> Safe:
    """«tabella 2»: a reference to the section's ``index``-th table, numbered when the section is shown.

    Parameters
    ----------
    index : int
        Which of the section's own tables (from :func:`~palestre_analysis.report.display.table_html`),
        from 1 in the order they are shown.
    capital : bool
        «Tabella 2», to open a sentence.

    Returns
    -------
    Safe
        A placeholder, as :func:`figure_ref`'s.

    Examples
    --------
    >>> resolve_references(table_ref(capital=True) + " ha celle nascoste.", figures=[], tables=[2])
    'Tabella 2 ha celle nascoste.'
    """
    return Safe(f"{_OPEN}{'T' if capital else 't'}{int(index)}{_CLOSE}")


def resolve_references(text: str, figures: list[int], tables: list[int]) -> str:
    """``text`` with each reference of :func:`figure_ref` and :func:`table_ref` replaced by its number.

    Parameters
    ----------
    text : str
        HTML or plain text of one section.
    figures, tables : list of int
        The report's numbers of the section's figures and tables, in the order shown.

    Returns
    -------
    str
        The text with «figura 3», «tabella 2».

    Raises
    ------
    ValueError
        When a reference points past the section's figures or tables.

    Examples
    --------
    >>> resolve_references(figure_ref(2), figures=[4], tables=[])
    Traceback (most recent call last):
    ...
    ValueError: the text refers to figura 2 of its section, which shows 1
    """

    def number(match: re.Match) -> str:
        kind = _KINDS[match.group(1).lower()]
        index = int(match.group(2))
        shown = figures if kind == "figura" else tables
        if not 1 <= index <= len(shown):
            raise ValueError(f"the text refers to {kind} {index} of its section, which shows {len(shown)}")
        word = kind.capitalize() if match.group(1).isupper() else kind
        return f"{word} {shown[index - 1]}"

    return _REFERENCE.sub(number, text)


@dataclass(frozen=True)
class Shower:
    """The ``show`` of one report: displays sections and writes their tables to one folder.

    A notebook creates it once, in the cell that checks its parameters
    (``show = Shower(params.tables_dir)``); every section cell is then
    ``show(network.composition(data, params))``, and the tables folder cannot differ
    from one cell to the next.

    It numbers the report's figures and tables in the order it shows them, from 1: a
    section that shows nothing takes no number (a notebook's "run all" gives the same
    numbers as the batch; a cell run again by hand takes the next ones).

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
        show(section, self.tables_dir, self._state.setdefault("numbering", _Numbering()))


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


#: Pixels of a figure's image per pixel it takes on the page: print resolution, sharp at 200% zoom.
PRINT_SCALE = 2
#: The widest image, in pixels. A4 prints 180 mm (7.1 inches) between its margins, so a figure
#: scaled to that width still prints at 225 dpi; at 200% zoom a window of 1,200 pixels lays a
#: page out 600 CSS pixels wide, where the widest figure takes under 600 and stays sharp. A
#: wider image only makes the page and its PDF heavier (Chromium re-encodes every pixel).
MAX_IMAGE_WIDTH = 1600


def image_dpi(figure) -> float:
    """The resolution a figure's image is drawn at: :data:`PRINT_SCALE` times its own, within :data:`MAX_IMAGE_WIDTH`.

    Parameters
    ----------
    figure : matplotlib.figure.Figure
        The figure to render.

    Returns
    -------
    float
        Dots per inch for :meth:`~matplotlib.figure.Figure.savefig`.

    Examples
    --------
    >>> from matplotlib.figure import Figure
    >>> image_dpi(Figure(figsize=(6, 3), dpi=100))  # 1,200 pixels wide: twice the figure
    200
    >>> image_dpi(Figure(figsize=(16, 12), dpi=100))  # 3,200 would be too wide: 1,600
    100.0
    """
    return min(PRINT_SCALE * figure.dpi, MAX_IMAGE_WIDTH / float(figure.get_figwidth()))


def figure_bundle(figure, number: int | None = None, finding: str = "") -> dict:
    """A figure as an output: the image with its number, caption and main finding.

    Rendered here (not by the inline backend) so that the bytes depend only on the
    figure: the same data gives the same image. The image has :data:`PRINT_SCALE` times the
    figure's pixels (200 dpi for the reports' 100), at most :data:`MAX_IMAGE_WIDTH` wide, and
    is shown at the figure's size, so a page lays out as at 100 dpi and prints, or zooms to
    200%, sharp.

    Parameters
    ----------
    figure : matplotlib.figure.Figure
        The figure to render.
    number : int, optional
        Its number in the report («Figura 3»).
    finding : str
        Its main finding, one plain Italian sentence (:meth:`Section.add_figure`).

    Returns
    -------
    dict
        A display bundle. ``text/html``: a ``<figure>`` with the image as a ``data:`` URI,
        its size in CSS pixels (``width``, ``height``), its alternative text «Figura 3:
        <titolo>. <finding>» and the caption «Figura 3. <titolo>» under it; the exported
        reports and JupyterLab show this. ``text/plain``: the alternative text, for a
        front end that does not show HTML. No separate ``image/png``: it would carry every
        image twice in the published notebooks.

    Examples
    --------
    >>> from matplotlib.figure import Figure
    >>> figure = Figure(figsize=(2, 1), dpi=100)
    >>> figure.add_subplot().set_title("Presenze")  # doctest: +ELLIPSIS
    Text(...)
    >>> bundle = figure_bundle(figure, 3, "La più alta è 31.")
    >>> bundle["text/plain"]
    'Figura 3: Presenze. La più alta è 31.'
    >>> 'width="200" height="100"' in bundle["text/html"], bundle["text/html"].endswith(
    ...     "<figcaption><strong>Figura 3. Presenze</strong></figcaption></figure>")
    (True, True)
    """
    from PIL import Image

    buffer = io.BytesIO()
    with warnings.catch_warnings():  # layout advice is for us, not for the report's reader
        warnings.simplefilter("ignore", UserWarning)
        dpi = image_dpi(figure)
        figure.savefig(buffer, format="png", dpi=dpi, metadata={"Software": None})
    png = buffer.getvalue()
    # shown at the figure's own size in CSS pixels (its dpi), whatever the image's resolution
    width, height = (round(pixels * figure.dpi / dpi) for pixels in Image.open(io.BytesIO(png)).size)
    title = figure_title(figure)
    name = f"Figura {number}" if number is not None else "Figura"
    alt = f"{name}: {title}." if not title.endswith((".", "?", "!")) else f"{name}: {title}"
    alt = f"{alt} {finding}".strip()
    encoded = base64.b64encode(png).decode("ascii")
    caption = f"{name}. {title}" if number is not None else title
    page = (
        f'<figure class="palestre-figure"><img src="data:image/png;base64,{encoded}" '
        f'width="{width}" height="{height}" alt="{html.escape(alt)}">'
        f"<figcaption><strong>{html.escape(caption)}</strong></figcaption></figure>"
    )
    return {"text/html": page, "text/plain": alt}


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
