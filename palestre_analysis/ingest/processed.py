"""The processed tables' contract: their files, their columns, and reading them back.

``palestre clean`` writes what this module names (:mod:`.build`), the notebooks read it
here, and ``docs/processed_tables.md`` describes it. A territory report covers the
entities of that territory (their attendance, contributions and votes);
``"Lombardia"`` covers every entity, region-wide bodies included.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

from palestre_analysis import config
from palestre_analysis.core.vocabulary import TERRITORY_NAMES, parse_territory

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["COLUMNS", "TABLES", "REPORT_NAME", "REJECTED_NAME", "table_path", "missing_tables",
           "read_report", "Processed", "load_processed", "for_territory", "resolve_territory"]

#: Every processed table and its columns, in order (the pandera checks are in :mod:`.schemas`).
COLUMNS = {
    "entities": ["entity_id", "entity_name", "entity_type", "category", "group", "territory_code",
                 "territory", "delegate_id"],
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

    Examples
    --------
    >>> table_path("data/processed", "votes").as_posix()
    'data/processed/votes.parquet'
    """
    return Path(folder) / f"{name}.parquet"


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
    """
    try:
        return json.loads((Path(folder) / REPORT_NAME).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


@dataclass(frozen=True)
class Processed:
    """The five processed tables and the cleaning report."""

    entities: pd.DataFrame
    meetings: pd.DataFrame
    attendance: pd.DataFrame
    contributions: pd.DataFrame
    votes: pd.DataFrame
    report: dict
    territory: str = config.REGION


def load_processed(folder: Path | str | None = None) -> Processed:
    """Read the processed tables written by ``palestre clean``.

    Raises
    ------
    FileNotFoundError
        With a sentence saying how to produce them.
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
    return Processed(**tables, report=read_report(folder))


def resolve_territory(text: str) -> str:
    """The canonical Italian name of a territory parameter (name or sigla).

    >>> resolve_territory("monza e brianza"), resolve_territory("BS"), resolve_territory("Lombardia")
    ('Monza e della Brianza', 'Brescia', 'Lombardia')
    """
    code = parse_territory(text)
    if code is None:
        names = ", ".join(TERRITORY_NAMES.values())
        raise ValueError(f"Territorio «{text}» non riconosciuto: usare una provincia lombarda ({names}) "
                         "oppure «Lombardia» per l'intera regione.")
    return TERRITORY_NAMES[code]


def for_territory(data: Processed, territorio: str) -> Processed:
    """The tables restricted to one territory's entities (``Lombardia``: all of them)."""
    name = resolve_territory(territorio)
    if name == config.REGION:
        return replace(data, territory=name)
    entities = data.entities[data.entities["territory"] == name]
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
    )
