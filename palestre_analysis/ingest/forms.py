"""Google Forms grid exports of phase-2 votes (the "wide" layout).

One row per submission; a column ``ente_id`` (or "Codice ente"), an optional timestamp
("Informazioni cronologiche" in Italian exports, "Timestamp" in English ones), and one
column per grid cell headed ``<campo> - <esigenza> [<risorsa>]`` (an en dash also
separates). The field may not itself contain `` - ``: the first separator splits.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from palestre_analysis.core.vocabulary import normalize_label
from palestre_analysis.ingest.reading import RawTable

__all__ = ["GridColumn", "parse_grid_header", "is_wide_layout", "WideLayout", "wide_layout"]

_GRID = re.compile(r"^(?P<field>.+?)\s+[-–—]\s+(?P<need>.+?)\s*\[(?P<resource>[^\]]+)\]\s*$")
_ID_HEADERS = {normalize_label(h) for h in ("ente_id", "codice ente", "id ente", "ente")}
_STAMP_HEADERS = {
    normalize_label(h)
    for h in ("informazioni cronologiche", "timestamp", "data e ora", "marca temporale", "informazione cronologica")
}
_EMAIL_HEADERS = {
    normalize_label(h) for h in ("indirizzo email", "email", "e mail", "indirizzo e mail", "nome utente", "username")
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
    return any(parse_grid_header(h) for h in table.header)


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
    """

    id_position: int | None
    stamp_position: int | None
    grid: list[GridColumn]
    personal: list[int]
    ignored: list[int]


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
        elif raw:
            ignored.append(position)
    return WideLayout(id_position, stamp_position, grid, personal, ignored)
