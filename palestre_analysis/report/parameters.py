"""The notebooks' parameters, checked: a bad value gets one Italian sentence, never a traceback."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from functools import cached_property
from pathlib import Path

from palestre_analysis import config
from palestre_analysis.core.geography import Geography, geography
from palestre_analysis.core.process import DEFAULT_REFERENCE_DATE, Process, parse_process
from palestre_analysis.core.vocabulary import CATEGORIES
from palestre_analysis.ingest.processed import read_report, resolve_territory
from palestre_analysis.report.formatting import num

__all__ = ["Parameters", "check_parameters"]


@dataclass(frozen=True)
class Parameters:
    """Checked notebook parameters, as :func:`check_parameters` returns them.

    Parameters
    ----------
    territorio : str
        Canonical Italian name of the territory (``"Brescia"``, ``"Lombardia"`` for the region).
    min_cell : int
        Smallest number of delegates a statistic may be shown for (at least
        ``config.MIN_CELL_FLOOR``).
    seed : int
        Non-negative seed of the permutation tests and bootstraps.
    processed_dir : Path
        Folder of the processed tables (``config.PROCESSED_DIR`` when none was given).
    tables_dir : Path or None
        Folder where the report writes its CSV tables; ``None``: no table is written.
    reference_shares : dict or None
        Category -> reference share of the network's composition (they sum to 1);
        ``None``: the process has none, and no comparison is made.
    process : Process
        The process the processed tables were cleaned with (or the one the ``processo``
        parameter names, checked to be the same).
    """

    territorio: str
    min_cell: int
    seed: int
    processed_dir: Path
    tables_dir: Path | None
    reference_shares: dict | None
    process: Process = field(default_factory=Process)

    @cached_property
    def geography(self) -> Geography:
        """The places of the process (:mod:`palestre_analysis.core.geography`)."""
        return geography(self.process.area, self.process.reference_date or DEFAULT_REFERENCE_DATE)

    @property
    def is_area(self) -> bool:
        """True when the report covers the whole area of the process (``Lombardia``, ``Italia``)."""
        return self.territorio == self.geography.area.name


def check_parameters(
    territorio, min_cell, seed, processed_dir="", tables_dir="", reference_shares=None, processo=""
) -> Parameters:
    """Check the notebook parameters; a bad value raises ``ValueError`` with a sentence.

    Parameters
    ----------
    territorio : str
        Territory name or sigla (``"MI"``, ``"monza e brianza"``), a region of the process's
        area, or the area (``"Lombardia"``, ``"Italia"``); empty for the area. Matched as
        :func:`~palestre_analysis.ingest.processed.resolve_territory` does.
    min_cell : int or None
        Disclosure threshold in delegates: a whole number (not a bool) of at least
        ``config.MIN_CELL_FLOOR``; ``None`` for the process's (``min_cell`` of
        ``processo.toml``, 5 without one).
    seed : int
        Random seed: a non-negative whole number (not a bool).
    processed_dir : str or Path
        Folder of the processed tables; empty or blank for ``config.PROCESSED_DIR``.
    tables_dir : str, Path or None
        Folder for the report's CSV tables; empty, blank or ``None`` to write none.
    reference_shares : dict, optional
        Category -> share of the reference composition; ``None`` for the process's
        (``quote_riferimento``; the seed's without a process file), ``{}`` for no
        comparison. Categories must be known, shares numbers of at least 0 that sum to 1
        (within 0,011).
    processo : str or Path, default ""
        A ``processo.toml`` to run the report with; empty for the process the cleaning
        recorded. The file must describe the process the tables were cleaned with (they
        were read on its scale, territories and groups): otherwise a sentence says to
        clean again.

    Returns
    -------
    Parameters
        The checked values, with the territory's canonical name and paths as ``Path``.

    Raises
    ------
    ValueError
        With one Italian sentence, for an unknown territory, a ``min_cell`` that is not a
        whole number or is below the floor, a negative or non-integer ``seed``, invalid
        ``reference_shares``, or a ``processo`` that is unreadable or not the cleaning's.

    Examples
    --------
    >>> check_parameters("MI", 5, 1).territorio
    'Milano'
    >>> check_parameters("Lombardia", 2, 1)
    Traceback (most recent call last):
    ...
    ValueError: min_cell = 2 non è ammesso: la soglia minima è 3 delegati (codice di deontologia Sistan).
    >>> checked = check_parameters("BS", 5, 1, processed_dir="/data/processed", tables_dir="")
    >>> checked.processed_dir.as_posix(), checked.tables_dir
    ('/data/processed', None)
    >>> check_parameters("Lombardia", 5, 1, reference_shares={"associazioni": 0.5, "csv": 0.4})
    Traceback (most recent call last):
    ...
    ValueError: reference_shares: le quote sommano a 0,90, non a 1.
    """
    folder = Path(processed_dir) if str(processed_dir or "").strip() else config.PROCESSED_DIR
    process = _process(folder, processo)
    places = geography(process.area, process.reference_date or DEFAULT_REFERENCE_DATE)
    blank = territorio is None or not str(territorio).strip()
    territory = places.area.name if blank else resolve_territory(str(territorio), places)
    min_cell = process.min_cell if min_cell is None else min_cell
    if isinstance(min_cell, bool) or not isinstance(min_cell, int):
        raise ValueError(f"min_cell deve essere un numero intero di delegati, non «{min_cell}».")
    if min_cell < config.MIN_CELL_FLOOR:
        raise ValueError(
            f"min_cell = {min_cell} non è ammesso: la soglia minima è {config.MIN_CELL_FLOOR} "
            "delegati (codice di deontologia Sistan)."
        )
    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        raise ValueError(f"seed deve essere un intero non negativo, non «{seed}».")
    shares = process.reference_shares if reference_shares is None else reference_shares
    shares = dict(shares) if shares else None
    if shares is not None:
        _check_shares(shares)
    tables = Path(tables_dir) if str(tables_dir or "").strip() else None
    return Parameters(territory, int(min_cell), int(seed), folder, tables, shares, process)


def _process(folder: Path, processo) -> Process:
    """The process of the cleaning report, or the ``processo`` file, checked to be the same."""
    recorded = Process.from_json(read_report(folder).get("process"))
    if not str(processo or "").strip():
        return recorded
    path = Path(processo)
    try:
        text = path.read_bytes().decode("utf-8", errors="replace")
    except OSError:
        raise ValueError(f"processo: il file «{path}» non si può leggere.") from None
    given, problems = parse_process(text, path.name)
    if problems:
        raise ValueError("processo: " + " ".join(p.sentence() for p in problems))
    if given.reference_date is None:
        given = replace(given, reference_date=recorded.reference_date)
    if replace(given, source="") != replace(recorded, source=""):
        raise ValueError(
            f"processo: «{path.name}» non descrive il processo con cui sono state pulite le tabelle di {folder}; "
            "rieseguire «palestre clean» con questo file nella cartella dei dati grezzi."
        )
    return given


def _check_shares(shares: dict) -> None:
    unknown = sorted(set(shares) - set(CATEGORIES))
    if unknown:
        raise ValueError(
            f"reference_shares: categorie sconosciute {unknown}; quelle ammesse sono {', '.join(CATEGORIES)}."
        )
    if any(not isinstance(v, (int, float)) or isinstance(v, bool) or v < 0 for v in shares.values()):
        raise ValueError("reference_shares: ogni quota deve essere un numero tra 0 e 1.")
    total = sum(shares.values())
    if abs(total - 1) > 0.011:
        raise ValueError(f"reference_shares: le quote sommano a {num(total, 2)}, non a 1.")
