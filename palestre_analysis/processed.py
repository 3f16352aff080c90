"""Processed tables for the notebooks: load them, check the parameters, select a territory.

A territory report covers the entities of that territory (their attendance,
contributions and votes); ``"Lombardia"`` covers every entity, region-wide bodies
included.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from pathlib import Path

import pandas as pd

from . import config
from .vocabulary import CATEGORIES, TERRITORY_NAMES, parse_territory

__all__ = ["Processed", "load_processed", "for_territory", "resolve_territory",
           "check_parameters", "Parameters"]

_TABLES = ("entities", "meetings", "attendance", "contributions", "votes")


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
    folder = Path(folder or config.PROCESSED_DIR)
    missing = [name for name in _TABLES if not (folder / f"{name}.parquet").is_file()]
    if missing:
        raise FileNotFoundError(
            f"Mancano le tabelle elaborate {', '.join(missing)} in {folder}: eseguire prima «palestre clean» "
            "(oppure «make reports»)."
        )
    tables = {name: pd.read_parquet(folder / f"{name}.parquet") for name in _TABLES}
    report_path = folder / "cleaning_report.json"
    report = json.loads(report_path.read_text(encoding="utf-8")) if report_path.is_file() else {}
    return Processed(**tables, report=report)


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


@dataclass(frozen=True)
class Parameters:
    """Checked notebook parameters."""

    territorio: str
    min_cell: int
    seed: int
    processed_dir: Path
    tables_dir: Path | None
    reference_shares: dict


def check_parameters(territorio, min_cell, seed, processed_dir="", tables_dir="", reference_shares=None) -> Parameters:
    """Check the notebook parameters; a bad value raises ``ValueError`` with a sentence.

    >>> check_parameters("MI", 5, 1).territorio
    'Milano'
    >>> check_parameters("Lombardia", 2, 1)
    Traceback (most recent call last):
    ...
    ValueError: min_cell = 2 non è ammesso: la soglia minima è 3 delegati (codice di deontologia Sistan).
    """
    territory = resolve_territory(str(territorio))
    if isinstance(min_cell, bool) or not isinstance(min_cell, int):
        raise ValueError(f"min_cell deve essere un numero intero di delegati, non «{min_cell}».")
    if min_cell < config.MIN_CELL_FLOOR:
        raise ValueError(f"min_cell = {min_cell} non è ammesso: la soglia minima è {config.MIN_CELL_FLOOR} "
                         "delegati (codice di deontologia Sistan).")
    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        raise ValueError(f"seed deve essere un intero non negativo, non «{seed}».")
    shares = dict(config.REFERENCE_SHARES if reference_shares is None else reference_shares)
    _check_shares(shares)
    folder = Path(processed_dir) if str(processed_dir).strip() else config.PROCESSED_DIR
    tables = Path(tables_dir) if str(tables_dir or "").strip() else None
    return Parameters(territory, int(min_cell), int(seed), folder, tables, shares)


def _check_shares(shares: dict) -> None:
    unknown = sorted(set(shares) - set(CATEGORIES))
    if unknown:
        raise ValueError(f"reference_shares: categorie sconosciute {unknown}; quelle ammesse sono "
                         f"{', '.join(CATEGORIES)}.")
    if any(not isinstance(v, (int, float)) or isinstance(v, bool) or v < 0 for v in shares.values()):
        raise ValueError("reference_shares: ogni quota deve essere un numero tra 0 e 1.")
    total = sum(shares.values())
    if abs(total - 1) > 0.011:
        raise ValueError(f"reference_shares: le quote sommano a {total:.2f}, non a 1.")
