"""Google and Microsoft Forms grid exports of phase-2 votes (the "wide" layout).

One row per submission; a column ``ente_id`` (or "Codice ente"), an optional timestamp
("Informazioni cronologiche" in Italian Google exports, "Timestamp" in English ones,
"Ora di completamento" in Microsoft Forms), and one column per grid cell headed
``<campo> - <esigenza> [<risorsa>]`` (an en dash also separates). The field may not
itself contain `` - ``: the first separator splits.

Microsoft Forms exports open with fixed columns (``ID``, ``Ora di inizio``, ``Ora di
completamento``, ``Posta elettronica``, ``Nome``; in English ``Start time``, ``Completion
time``, ``Email``, ``Name``): they are recognised by them, their e-mail and name are never
read, and question columns that are not grid cells are named with what to rename.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from palestre_analysis.core.vocabulary import normalize_label
from palestre_analysis.ingest.reading import RawTable

__all__ = [
    "GridColumn",
    "parse_grid_header",
    "is_forms_export",
    "is_microsoft_forms",
    "is_wide_layout",
    "WideLayout",
    "wide_layout",
]

_GRID = re.compile(r"^(?P<field>.+?)\s+[-–—]\s+(?P<need>.+?)\s*\[(?P<resource>[^\]]+)\]\s*$")
_ID_HEADERS = {normalize_label(h) for h in ("ente_id", "codice ente", "id ente", "ente")}
_STAMP_HEADERS = {
    normalize_label(h)
    for h in (
        "informazioni cronologiche",
        "timestamp",
        "data e ora",
        "marca temporale",
        "informazione cronologica",
        "ora di completamento",
        "completion time",
    )
}
_EMAIL_HEADERS = {
    normalize_label(h)
    for h in (
        "indirizzo email",
        "email",
        "e mail",
        "indirizzo e mail",
        "nome utente",
        "username",
        "posta elettronica",
        "nome",
        "name",
        "nome e cognome",
    )
}
#: The fixed columns Microsoft Forms writes first, in Italian and English exports.
_MICROSOFT_COLUMNS = {
    normalize_label(h)
    for h in (
        "id",
        "ora di inizio",
        "ora di completamento",
        "posta elettronica",
        "nome",
        "ora dell ultima modifica",
        "start time",
        "completion time",
        "email",
        "name",
        "last modified time",
    )
}
#: Fixed columns read by nobody, and not worth a warning (the submission number, the start time).
_SILENT_HEADERS = {normalize_label(h) for h in ("id", "ora di inizio", "start time", "ora dell ultima modifica")} | {
    normalize_label("last modified time")
}


@dataclass(frozen=True)
class GridColumn:
    """One grid cell of the form: field, need and resource as written.

    Parameters
    ----------
    position : int
        0-based position of the column in the table.
    header : str
        The column header as written in the file.
    field : str
        Field of activity (before the dash), inner spaces collapsed.
    need : str
        Need (between the dash and the brackets), inner spaces collapsed.
    resource : str
        Resource (inside the brackets), inner spaces collapsed.
    """

    position: int
    header: str
    field: str
    need: str
    resource: str


def parse_grid_header(header: str) -> tuple[str, str, str] | None:
    """``(field, need, resource)`` of a grid header, or ``None``.

    Parameters
    ----------
    header : str
        A column header, such as ``Cultura - Sedi [5 per mille]``; the dash (``-``,
        ``–`` or ``—``) needs a space on both sides.

    Returns
    -------
    tuple of (str, str, str) or None
        Field, need and resource with inner spaces collapsed; ``None`` when the header is
        not a grid cell.

    Examples
    --------
    >>> parse_grid_header("Cultura - Formazione dei volontari [Bandi di fondazioni]")
    ('Cultura', 'Formazione dei volontari', 'Bandi di fondazioni')
    >>> parse_grid_header("Cultura – Sedi [5 per mille]")
    ('Cultura', 'Sedi', '5 per mille')
    >>> parse_grid_header("Codice ente") is None
    True
    >>> parse_grid_header("Cultura - Sport - Sedi [5 per mille]")  # the first separator splits
    ('Cultura', 'Sport - Sedi', '5 per mille')
    """
    match = _GRID.match(header.strip())
    if not match:
        return None
    return tuple(" ".join(match.group(k).split()) for k in ("field", "need", "resource"))


def is_microsoft_forms(cells: list[str]) -> bool:
    """Whether a header row is a Microsoft Forms export: at least three of its fixed columns.

    Parameters
    ----------
    cells : list of str
        A row read as a header.

    Returns
    -------
    bool
        True when three or more cells are Microsoft Forms' fixed columns.

    Examples
    --------
    >>> is_microsoft_forms(["ID", "Ora di inizio", "Ora di completamento", "Posta elettronica", "Nome", "Q1"])
    True
    >>> is_microsoft_forms(["ente_id", "Nome"])
    False
    """
    return sum(normalize_label(c) in _MICROSOFT_COLUMNS for c in cells) >= 3


def is_forms_export(cells: list[str]) -> bool:
    """Whether a header row is a form export of votes: a grid cell next to an id, or Microsoft Forms.

    Parameters
    ----------
    cells : list of str
        A row read as a header.

    Returns
    -------
    bool
        True for a Google Forms grid (a grid header and an entity-id column) or a
        Microsoft Forms export (its fixed columns), with or without grid columns.

    Examples
    --------
    >>> is_forms_export(["Informazioni cronologiche", "Codice ente", "Cultura - Sedi [5 per mille]"])
    True
    >>> is_forms_export(["Cultura - Sedi [5 per mille]"]), is_forms_export(["ente_id", "campo"])
    (False, False)
    """
    folded = {normalize_label(c) for c in cells}
    grid = any(parse_grid_header(c) for c in cells) and bool(folded & _ID_HEADERS)
    return grid or is_microsoft_forms(cells)


def is_wide_layout(table: RawTable) -> bool:
    """A table is a form export when at least one header is a grid cell.

    Parameters
    ----------
    table : RawTable
        A raw ``valutazioni`` file.

    Returns
    -------
    bool
        True when :func:`parse_grid_header` recognises at least one header.

    Examples
    --------
    >>> from pathlib import Path
    >>> header = ["Codice ente", "Cultura - Sedi [5 per mille]"]
    >>> is_wide_layout(RawTable(Path("modulo.csv"), header, [], []))
    True
    >>> is_wide_layout(RawTable(Path("valutazioni.csv"), ["ente_id", "campo", "voto"], [], []))
    False
    """
    return any(parse_grid_header(h) for h in table.header) or is_microsoft_forms(table.header)


@dataclass
class WideLayout:
    """Where things are in a form export.

    Parameters
    ----------
    id_position : int or None
        Position of the entity-id column (the first one found), ``None`` when missing.
    stamp_position : int or None
        Position of the timestamp column (the first one found), ``None`` when missing.
    grid : list of GridColumn
        The grid cells, in column order.
    personal : list of int
        Positions of columns with personal data (email, user name): never read.
    ignored : list of int
        Positions of other non-empty headers: not read (headerless columns are not listed).
    microsoft : bool, default False
        Whether the export is Microsoft Forms' (its questions that are not grid cells
        are named with what to rename).
    """

    id_position: int | None
    stamp_position: int | None
    grid: list[GridColumn]
    personal: list[int]
    ignored: list[int]
    microsoft: bool = False


def wide_layout(table: RawTable) -> WideLayout:
    """Classify every column of a form export.

    Each column is, in this order of precedence, a grid cell, the entity id, the
    timestamp, personal data, or ignored. A second id or timestamp column is ignored.

    Parameters
    ----------
    table : RawTable
        A form export (see :func:`is_wide_layout`).

    Returns
    -------
    WideLayout
        Positions of the id, timestamp, grid, personal and ignored columns.

    Examples
    --------
    >>> from pathlib import Path
    >>> header = ["Informazioni cronologiche", "Indirizzo email", "Codice ente",
    ...           "Cultura - Sedi [5 per mille]", "Note"]
    >>> layout = wide_layout(RawTable(Path("modulo.csv"), header, [], []))
    >>> layout.id_position, layout.stamp_position, layout.personal, layout.ignored
    (2, 0, [1], [4])
    >>> [(c.position, c.field, c.need, c.resource) for c in layout.grid]
    [(3, 'Cultura', 'Sedi', '5 per mille')]
    """
    id_position = stamp_position = None
    grid, personal, ignored = [], [], []
    microsoft = is_microsoft_forms(table.header)
    for position, (raw, norm) in enumerate(zip(table.header, table.normalized_header())):
        parsed = parse_grid_header(raw)
        if parsed:
            grid.append(GridColumn(position, raw, *parsed))
        elif norm in _ID_HEADERS and id_position is None:
            id_position = position
        elif norm in _STAMP_HEADERS and stamp_position is None:
            stamp_position = position
        elif norm in _EMAIL_HEADERS:
            personal.append(position)
        elif raw and not (microsoft and norm in _SILENT_HEADERS):
            ignored.append(position)
    return WideLayout(id_position, stamp_position, grid, personal, ignored, microsoft)
