"""Tables and sentences for the notebooks, as escaped HTML.

Labels of fields, resources and needs, and contribution texts, come from raw files and
may contain anything, ``<script>`` included: every value is escaped here, and prose is
built from a trusted template whose slots are escaped (:func:`sentence`). Markdown is
never used for data, because Markdown lets raw HTML through.
"""

from __future__ import annotations

import html
import re
import string
from collections.abc import Callable, Mapping

import numpy as np
import pandas as pd

from palestre_analysis.report import formatting as fmt

__all__ = [
    "table_html",
    "sentence",
    "Safe",
    "NO_TEXT",
    "paragraph",
    "bullets",
    "suppression_note",
    "HTML",
    "Table",
    "plain",
]


class HTML:
    """Minimal rich-display object (what IPython's ``HTML`` does), without importing IPython.

    A notebook shows :attr:`data` as HTML through ``_repr_html_``; the plain-text fallback
    is a fixed Italian placeholder, so raw markup never reaches a text output.

    Parameters
    ----------
    data : str
        The HTML, already escaped where it holds data (it is shown as is).

    Examples
    --------
    >>> block = HTML("<p>Ciao</p>")
    >>> block._repr_html_(), repr(block)
    ('<p>Ciao</p>', '<tabella o testo HTML>')
    """

    def __init__(self, data: str):
        self.data = data

    def _repr_html_(self) -> str:
        return self.data

    def __repr__(self) -> str:  # the text/plain fallback
        return "<tabella o testo HTML>"


class Table(HTML):
    """A table of :func:`table_html`: a report numbers its caption («Tabella 2. …») when it shows it.

    Parameters
    ----------
    caption : str
        The caption, already escaped.
    body : str
        The ``<table>`` and its notes, already escaped.

    Examples
    --------
    >>> table = Table("Enti", "<table></table>")
    >>> table.data
    '<figure class="palestre-table"><figcaption><strong>Enti</strong></figcaption><table></table></figure>'
    >>> "<strong>Tabella 2. Enti</strong>" in table.numbered(2)
    True
    """

    def __init__(self, caption: str, body: str):
        self.caption = caption
        self.body = body
        super().__init__(self.numbered(None))

    def numbered(self, number: int | None) -> str:
        """The table's HTML, its caption opening with «Tabella ``number``.».

        Parameters
        ----------
        number : int or None
            Its number in the report; ``None``: the caption alone.

        Returns
        -------
        str
        """
        label = "" if number is None else f"Tabella {number}. "
        return (
            f'<figure class="palestre-table"><figcaption><strong>{label}{self.caption}</strong></figcaption>'
            f"{self.body}</figure>"
        )


class Safe(str):
    """Text that is already escaped HTML, such as what :func:`sentence` returns.

    :func:`sentence` puts a ``Safe`` value into its template as it is (not escaped again,
    not wrapped in bold), so that a clause built by one function can fill the slot of
    another sentence.

    Parameters
    ----------
    text : str
        HTML whose data are already escaped.

    Examples
    --------
    >>> clause = sentence("il {n}% degli enti", n=60)
    >>> isinstance(clause, Safe), sentence("Sono {c}.", c=clause)
    (True, 'Sono il <strong>60</strong>% degli enti.')
    """

    __slots__ = ()


#: An empty clause, for a slot that says nothing (an optional reference to a figure left out).
NO_TEXT = Safe("")


def sentence(template: str, **values) -> Safe:
    """Fill a trusted template; each value is escaped and shown in bold.

    Parameters
    ----------
    template : str
        Trusted text (written in the code, never from data) with named ``{slots}``; it may
        hold HTML, which is kept as is.
    **values
        One value per slot, turned to text with ``str``, escaped and wrapped in
        ``<strong>``; a :class:`Safe` value is inserted as it is. Extra values are ignored.

    Returns
    -------
    Safe
        The filled template, safe to join into a :func:`paragraph` or :func:`bullets`, or to
        fill a slot of another sentence.

    Raises
    ------
    KeyError
        When a slot of ``template`` has no value.

    Examples
    --------
    >>> sentence("Il miglior incrocio è {r}.", r="<b>Bandi</b>")
    'Il miglior incrocio è <strong>&lt;b&gt;Bandi&lt;/b&gt;</strong>.'
    >>> sentence("{n} enti su {t}.", n=3, t=10, unused="x")
    '<strong>3</strong> enti su <strong>10</strong>.'
    >>> sentence("Manca {x}.")
    Traceback (most recent call last):
    ...
    KeyError: "sentence() lacks values for ['x']"
    """
    fields = {name for _, name, _, _ in string.Formatter().parse(template) if name}
    missing = fields - set(values)
    if missing:
        raise KeyError(f"sentence() lacks values for {sorted(missing)}")
    return Safe(template.format(**{k: v if isinstance(v, Safe) else _bold(v) for k, v in values.items()}))


def _bold(value) -> str:
    return f"<strong>{html.escape(str(value))}</strong>"


def paragraph(*sentences: str) -> HTML:
    """Sentences (already escaped by :func:`sentence`) as one paragraph.

    Parameters
    ----------
    *sentences : str
        Trusted or already escaped HTML fragments; they are joined with a space and not
        escaped again.

    Returns
    -------
    HTML
        One ``<p>`` element.

    Examples
    --------
    >>> paragraph(sentence("Sono {n}.", n=2), "Fine.").data
    '<p>Sono <strong>2</strong>. Fine.</p>'
    """
    return HTML(f"<p>{' '.join(sentences)}</p>")


def bullets(items: list[str]) -> HTML:
    """A bulleted list of sentences built with :func:`sentence`.

    Parameters
    ----------
    items : list of str
        Trusted or already escaped HTML fragments, one per bullet (not escaped again).

    Returns
    -------
    HTML
        One ``<ul>`` element (empty when ``items`` is).

    Examples
    --------
    >>> bullets(["Uno.", sentence("Due: {x}.", x="<b>")]).data
    '<ul><li>Uno.</li><li>Due: <strong>&lt;b&gt;</strong>.</li></ul>'
    """
    return HTML("<ul>" + "".join(f"<li>{item}</li>" for item in items) + "</ul>")


def plain(text: str) -> str:
    """What a reader reads of HTML built here: the text without tags, entities decoded, spaces collapsed.

    Meant for this module's own markup (:func:`sentence`, :func:`paragraph`), where every
    ``<`` of the data is escaped: a tag can only be ours.

    Parameters
    ----------
    text : str
        Escaped HTML from :func:`sentence`.

    Returns
    -------
    str
        Plain text, as an image's alternative text needs it.

    Examples
    --------
    >>> plain(sentence("La più alta è {n}, a {w}.", n=31, w="<Bandi>"))
    'La più alta è 31, a <Bandi>.'
    """
    return " ".join(html.unescape(re.sub(r"<[^>]+>", "", text)).split())


def suppression_note(min_cell: int) -> str:
    """The Italian note that explains the ``‡`` mark of suppressed values.

    Parameters
    ----------
    min_cell : int
        The disclosure threshold, in delegates.

    Returns
    -------
    str
        Plain text (escape it before putting it into HTML, as :func:`table_html` does).

    Examples
    --------
    >>> suppression_note(5)
    '‡ dato non mostrato perché calcolato su meno di 5 delegati (o perché permetterebbe di ricavarne uno).'
    """
    return (
        f"{fmt.SUPPRESSED_MARK} dato non mostrato perché calcolato su meno di {min_cell} delegati "
        "(o perché permetterebbe di ricavarne uno)."
    )


def table_html(
    frame: pd.DataFrame,
    columns: Mapping[str, str],
    caption: str,
    *,
    formats: Mapping[str, Callable[[object], str]] | None = None,
    min_cell: int | None = None,
    note: str = "",
) -> HTML:
    """An escaped HTML table with Italian headers and numbers, its caption and notes.

    Parameters
    ----------
    frame : DataFrame
        Data; a boolean ``suppressed`` column, if present, marks rows whose blank values
        are suppressions.
    columns : mapping
        Column -> Italian header, in display order.
    caption : str
        Title of the table (plain text; escaped).
    formats : mapping, optional
        Column -> function turning a non-missing value into text; numbers default to one
        decimal with the decimal comma.
    min_cell : int, optional
        When given, the suppression note (:func:`suppression_note`) is added, but only if
        some row is suppressed.
    note : str
        Plain-text note shown under the table, before the suppression note (escaped).

    Returns
    -------
    Table
        A ``<figure class="palestre-table">`` with the caption (a report numbers it: see
        :class:`Table`), the table and its notes. Headers have ``scope="col"``; when the
        first column holds text (a category, a field...), its cells are row headers
        (``<th scope="row">``). Without ``formats``, counts (``n`` and ``n_*`` columns) are whole numbers, other
        integers have ``.`` for thousands, floats one decimal, booleans ``sì``/``no``;
        a missing value is ``‡`` in a suppressed row and ``–`` elsewhere. An empty
        ``frame`` gives one row that reads ``Nessun dato.``.

    Examples
    --------
    >>> t = pd.DataFrame({"x": ["<i>a</i>"], "m": [7.25], "suppressed": [False]})
    >>> page = table_html(t, {"x": "Voce", "m": "Media"}, "Prova").data
    >>> "&lt;i&gt;a&lt;/i&gt;" in page, '<th scope="col">Media</th>' in page, '<th scope="row">&lt;i&gt;' in page
    (True, True, True)
    >>> s = pd.DataFrame({"x": ["a", "b"], "n": [12.0, None], "suppressed": [False, True]})
    >>> page = table_html(s, {"x": "Voce", "n": "Enti"}, "Prova", min_cell=5).data
    >>> '<td class="num">12</td>' in page, '<td class="num">‡</td>' in page, "meno di 5 delegati" in page
    (True, True, True)
    >>> "Nessun dato." in table_html(s.iloc[:0], {"x": "Voce"}, "Vuota").data
    True
    """
    formats = dict(formats or {})
    suppressed = (
        frame["suppressed"].fillna(False).astype(bool) if "suppressed" in frame else pd.Series(False, index=frame.index)
    )
    columns, dropped = _without_hidden_columns(frame, columns, suppressed)
    labelled = bool(columns) and _holds_text(frame[next(iter(columns))])
    rows = []
    for index, record in frame.iterrows():
        cells = []
        for position, column in enumerate(columns):
            value = record[column]
            formatter = formats.get(column) or (fmt.integer if _is_count(column) else None)
            text = html.escape(_cell_text(value, formatter, bool(suppressed.loc[index])))
            numeric = not isinstance(value, str) and not isinstance(value, (bool, np.bool_))
            if position == 0 and labelled:
                cells.append(f'<th scope="row">{text}</th>')
            else:
                cells.append(f'<td class="num">{text}</td>' if numeric else f"<td>{text}</td>")
        rows.append("<tr>" + "".join(cells) + "</tr>")
    head = "".join(f'<th scope="col">{html.escape(label)}</th>' for label in columns.values())
    notes = [note] if note else []
    if dropped:
        notes.append(
            "Non mostrate in nessuna riga, per tutelare la riservatezza: " + ", ".join(f"«{d}»" for d in dropped) + "."
        )
    if min_cell is not None and suppressed.any():
        notes.append(suppression_note(min_cell))
    notes_html = "".join(f'<p class="palestre-note">{html.escape(n)}</p>' for n in notes)
    empty = "" if rows else f'<tr><td colspan="{len(columns)}">Nessun dato.</td></tr>'
    return Table(
        html.escape(caption),
        f'<table class="dataframe"><thead><tr>{head}</tr></thead><tbody>{"".join(rows)}{empty}</tbody></table>'
        f"{notes_html}",
    )


def _holds_text(values: pd.Series) -> bool:
    """Whether a column names its rows (every shown value a text), so that its cells are row headers."""
    shown = values.dropna()
    return len(shown) > 0 and all(isinstance(v, str) for v in shown)


def _without_hidden_columns(frame: pd.DataFrame, columns: Mapping[str, str], suppressed: pd.Series):
    """Drop the value columns that are blank in every row (a column of ‡ says nothing); a note names them.

    The first column (the row's label) always stays.
    """
    if frame.empty:
        return dict(columns), []
    keep, dropped = {}, []
    for position, (column, label) in enumerate(columns.items()):
        if position > 0 and frame[column].isna().all():
            dropped.append(label)
        else:
            keep[column] = label
    return keep, dropped


def _is_count(column: str) -> bool:
    """Counts (``n``, ``n_present``...) are whole numbers even when a blank made them float."""
    return column == "n" or column.startswith("n_")


def _cell_text(value, formatter, suppressed: bool) -> str:
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return fmt.SUPPRESSED_MARK if suppressed else "–"
    if formatter is not None:
        return formatter(value)
    if isinstance(value, (bool, np.bool_)):
        return "sì" if value else "no"
    if isinstance(value, (int,)) or (hasattr(value, "dtype") and getattr(value.dtype, "kind", "") in "iu"):
        return fmt.integer(value)
    if isinstance(value, float):
        return fmt.num(value, 1)
    return str(value)
