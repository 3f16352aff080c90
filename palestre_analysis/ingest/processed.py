"""The processed tables' contract: their files, their columns, and reading them back.

``palestre clean`` writes what this module names (:mod:`.build`), the notebooks read it
here, and ``docs/processed_tables.md`` describes it. A territory report covers the
entities of that territory (their attendance, contributions and votes);
the area (``"Lombardia"``, ``"Italia"``) covers every entity, and a region in a national
process its provinces and its region-wide bodies (:mod:`palestre_analysis.core.geography`).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING

from palestre_analysis import config
from palestre_analysis.core.geography import Geography, geography
from palestre_analysis.core.process import DEFAULT_REFERENCE_DATE, Process

if TYPE_CHECKING:
    import pandas as pd

__all__ = [
    "COLUMNS",
    "TABLES",
    "REPORT_NAME",
    "REJECTED_NAME",
    "table_file",
    "table_path",
    "missing_tables",
    "read_report",
    "Processed",
    "load_processed",
    "for_territory",
    "resolve_territory",
]

#: Every processed table and its columns, in order (the pandera checks are in :mod:`.schemas`).
COLUMNS = {
    "entities": [
        "entity_id",
        "entity_name",
        "entity_type",
        "category",
        "group",
        "territory_code",
        "territory",
        "delegate_id",
    ],
    "meetings": ["meeting_id", "date", "phase", "level", "territory_code", "territory", "focus_group"],
    "attendance": ["meeting_id", "entity_id"],
    "contributions": ["meeting_id", "entity_id", "node", "text"],
    "votes": ["entity_id", "field", "resource", "need", "score"],
}

#: The processed tables, in the order they are written and read.
TABLES = tuple(COLUMNS)

#: The cleaning report: what was read, kept and rejected, and the key of the cleaning cache.
REPORT_NAME = "cleaning_report.json"

#: One row per rejected input line, with file, line, column and reason.
REJECTED_NAME = "rejected.csv"


def table_file(name: str) -> str:
    """The file name of the processed table ``name``.

    Parameters
    ----------
    name : str
        One of :data:`TABLES`.

    Returns
    -------
    str

    Examples
    --------
    >>> table_file("entities")
    'entities.parquet'
    """
    return f"{name}.parquet"


def table_path(folder: Path | str, name: str) -> Path:
    """Where the processed table ``name`` is stored.

    Parameters
    ----------
    folder : path
        The processed folder.
    name : str
        One of :data:`TABLES`.

    Returns
    -------
    Path
        ``folder / "<name>.parquet"`` (whether or not it exists; ``name`` is not checked).

    Examples
    --------
    >>> table_path("data/processed", "votes").as_posix()
    'data/processed/votes.parquet'
    """
    return Path(folder) / table_file(name)


def missing_tables(folder: Path | str) -> list[str]:
    """The processed tables missing from ``folder`` (an empty list: all are there).

    Parameters
    ----------
    folder : path
        The processed folder.

    Returns
    -------
    list of str
        Names of :data:`TABLES` without their file, in contract order.

    Examples
    --------
    >>> import tempfile
    >>> folder = Path(tempfile.mkdtemp())
    >>> _ = table_path(folder, "entities").write_bytes(b"")
    >>> missing_tables(folder)
    ['meetings', 'attendance', 'contributions', 'votes']
    """
    return [name for name in TABLES if not table_path(folder, name).is_file()]


def read_report(folder: Path | str) -> dict:
    """The cleaning report of ``folder``; an empty dict when it is missing or unreadable.

    Parameters
    ----------
    folder : path
        The processed folder.

    Returns
    -------
    dict
        The parsed ``cleaning_report.json`` (see
        :func:`~palestre_analysis.ingest.pipeline.run_pipeline` for its keys).

    Examples
    --------
    >>> import tempfile
    >>> folder = Path(tempfile.mkdtemp())
    >>> read_report(folder)
    {}
    >>> _ = (folder / REPORT_NAME).write_text('{"totals": {"read": 3}}', encoding="utf-8")
    >>> read_report(folder)
    {'totals': {'read': 3}}
    """
    try:
        return json.loads((Path(folder) / REPORT_NAME).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


@dataclass(frozen=True)
class Processed:
    """The five processed tables and the cleaning report.

    Parameters
    ----------
    entities, meetings, attendance, contributions, votes : DataFrame
        The processed tables, with the columns of :data:`COLUMNS`.
    report : dict
        The cleaning report (empty when it could not be read).
    territory : str, default config.REGION
        The territory the tables cover, by its Italian name (see :func:`for_territory`);
        :func:`load_processed` sets the process's area.
    whole : Processed or None, default None
        The tables of the whole area these were cut from (``None``: these are they).
        Disclosure control decides what each territory may show from all of them.
    """

    entities: pd.DataFrame
    meetings: pd.DataFrame
    attendance: pd.DataFrame
    contributions: pd.DataFrame
    votes: pd.DataFrame
    report: dict
    territory: str = config.REGION
    whole: Processed | None = field(default=None, repr=False, compare=False)

    @property
    def process(self) -> Process:
        """The process the tables describe, as the cleaning recorded it (the seed's by default)."""
        return Process.from_json(self.report.get("process"))

    @property
    def geography(self) -> Geography:
        """The places of the process on its reference date (:mod:`palestre_analysis.core.geography`).

        The date is the one the cleaning recorded in the process; for tables built by hand
        without one, the last meeting's, or the seed's default date when there is none.
        """
        process = self.process
        on = process.reference_date
        meetings = self.region.meetings
        if on is None and "date" in meetings and meetings["date"].notna().any():
            import pandas as pd

            on = pd.Timestamp(meetings["date"].max()).date()
        return geography(process.area, on or DEFAULT_REFERENCE_DATE)

    @staticmethod
    def default_geography() -> Geography:
        """The places of the seed's process (:data:`DEFAULT_REFERENCE_DATE`)."""
        return geography(Process().area, DEFAULT_REFERENCE_DATE)

    @property
    def region(self) -> Processed:
        """The tables of the whole region (:attr:`whole`, or these tables themselves)."""
        return self.whole if self.whole is not None else self


def load_processed(folder: Path | str | None = None) -> Processed:
    """Read the processed tables written by ``palestre clean``.

    Parameters
    ----------
    folder : Path or str, optional
        The processed folder (default: the project's ``data/processed``).

    Returns
    -------
    Processed
        Every table and the cleaning report, for the whole region.

    Raises
    ------
    FileNotFoundError
        With a sentence saying how to produce them, when any table is missing.

    Examples
    --------
    >>> import tempfile
    >>> load_processed(tempfile.mkdtemp())  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    FileNotFoundError: Mancano le tabelle elaborate entities, meetings, attendance, contributions, votes in ...
    """
    import pandas as pd

    folder = Path(folder or config.PROCESSED_DIR)
    missing = missing_tables(folder)
    if missing:
        raise FileNotFoundError(
            f"Mancano le tabelle elaborate {', '.join(missing)} in {folder}: eseguire prima «palestre clean» "
            "(oppure «make reports»)."
        )
    tables = {name: pd.read_parquet(table_path(folder, name)) for name in TABLES}
    report = read_report(folder)
    return Processed(**tables, report=report, territory=Process.from_json(report.get("process")).area)


def resolve_territory(text: str, geography: Geography | None = None) -> str:
    """The name of a territory parameter (name, sigla or variant) in the process's geography.

    Parameters
    ----------
    text : str
        A province, a region of the area, or the area itself (``Lombardia``, ``Italia``),
        as :meth:`~palestre_analysis.core.geography.Geography.read` reads it.
    geography : Geography, optional
        The process's places (:attr:`Processed.geography`); by default those of the
        seed's process.

    Returns
    -------
    str
        The place's name, as the tables write it.

    Raises
    ------
    ValueError
        When the territory is not a place of the process; the message says why and what is
        accepted.

    Examples
    --------
    >>> resolve_territory("monza e brianza"), resolve_territory("BS"), resolve_territory("Lombardia")
    ('Monza e della Brianza', 'Brescia', 'Lombardia')
    >>> resolve_territory("Torino")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    ValueError: Territorio «Torino»: la città metropolitana di Torino (TO) non è in Lombardia, ...
    """
    geography = geography or Processed.default_geography()
    place = geography.read(text)
    if place is None:
        reason = geography.why_not(text)
        raise ValueError(f"Territorio «{text}»: {reason[0].lower()}{reason[1:]}")
    return place.name


def for_territory(data: Processed, territorio: str) -> Processed:
    """The tables restricted to one territory's entities (the whole area: all of them).

    The entities are those whose ``territory`` is the one asked for or a place below it
    (a region's provinces); attendance, contributions and votes are theirs, and meetings
    are those at least one of them attended. The cleaning report is kept as it is.

    Parameters
    ----------
    data : Processed
        The tables of the whole area (:func:`load_processed`).
    territorio : str
        The territory, by name or sigla (see :func:`resolve_territory`).

    Returns
    -------
    Processed
        A new object, with ``territory`` set to the canonical name; for the whole area the
        same tables, not copies.

    Raises
    ------
    ValueError
        When the territory is not recognised.

    Examples
    --------
    >>> import pandas as pd
    >>> entities = pd.DataFrame({"entity_id": ["E1", "E2"], "territory": ["Brescia", "Milano"]})
    >>> meetings = pd.DataFrame({"meeting_id": ["M1", "M2"]})
    >>> attendance = pd.DataFrame({"meeting_id": ["M1", "M2"], "entity_id": ["E1", "E2"]})
    >>> votes = contributions = pd.DataFrame({"entity_id": ["E2"]})
    >>> data = Processed(entities, meetings, attendance, contributions, votes, report={})
    >>> brescia = for_territory(data, "BS")
    >>> brescia.territory, list(brescia.entities["entity_id"]), list(brescia.meetings["meeting_id"]), len(brescia.votes)
    ('Brescia', ['E1'], ['M1'], 0)
    >>> for_territory(data, "Lombardia").votes is votes
    True
    """
    geography = data.geography
    name = resolve_territory(territorio, geography)
    if name == geography.area.name:
        return replace(data, territory=name)
    entities = data.entities[data.entities["territory"].isin(geography.covers(name))]
    ids = set(entities["entity_id"])
    attendance = data.attendance[data.attendance["entity_id"].isin(ids)]
    meetings = data.meetings[data.meetings["meeting_id"].isin(set(attendance["meeting_id"]))]
    return replace(
        data,
        entities=entities.reset_index(drop=True),
        meetings=meetings.reset_index(drop=True),
        attendance=attendance.reset_index(drop=True),
        contributions=data.contributions[data.contributions["entity_id"].isin(ids)].reset_index(drop=True),
        votes=data.votes[data.votes["entity_id"].isin(ids)].reset_index(drop=True),
        territory=name,
        whole=data.region,
    )
