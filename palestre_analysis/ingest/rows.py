"""Row-by-row cleaning of each raw table into tidy records.

Each ``clean_*`` function reads the rows of one table's files, parses every value,
rejects what does not fit with a reason (file, line, column) and returns plain records.
Cross-table checks (an unknown ``ente_id``) use the ids kept by earlier tables, so the
order is: entities, meetings, then attendance, contributions and votes.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field
from functools import partial
from operator import itemgetter

from palestre_analysis.core.geography import Geography, Place, geography
from palestre_analysis.core.personal import EMAIL, PHONE, NameIndex, scrub_free_text
from palestre_analysis.core.problems import ONLY_THIS_VOTE, Problem
from palestre_analysis.core.process import DEFAULT_REFERENCE_DATE, Process
from palestre_analysis.core.vocabulary import (
    CATEGORY_OF_TYPE,
    ENTITY_TYPE_LABELS,
    normalize_label,
    parse_entity_type,
    parse_level,
)
from palestre_analysis.ingest.forms import WideLayout
from palestre_analysis.ingest.ledger import KEPT, MERGED, NOT_SCORED, REJECTED, Ledger
from palestre_analysis.ingest.parsing import (
    decide_day_month,
    is_dont_know,
    label_key,
    parse_date,
    parse_phase,
    parse_timestamp,
    parse_vote,
    suggest_code,
    tidy_label,
)
from palestre_analysis.ingest.raw_contract import ColumnMap
from palestre_analysis.ingest.reading import RawTable

__all__ = [
    "Known",
    "read_date",
    "places_of",
    "last_meeting_date",
    "clean_entities",
    "clean_meetings",
    "clean_attendance",
    "clean_contributions",
    "clean_votes_long",
    "clean_votes_wide",
    "merge_votes",
]

#: The accepted types, as the rejection sentence lists them: the vocabulary's labels, in its order.
_TYPE_CHOICES = ", ".join(ENTITY_TYPE_LABELS.values())


def places_of(process: Process | None = None) -> Geography:
    """The places a process's territories are read with, when no geography is given.

    Parameters
    ----------
    process : Process, optional
        The process (the seed's by default).

    Returns
    -------
    Geography
        Its area on its reference date, or on
        :data:`~palestre_analysis.core.process.DEFAULT_REFERENCE_DATE` when it has none.
        The cleaning resolves the date first (:func:`last_meeting_date`) and passes
        its own geography; this is the fallback of the cleaners' defaults.

    Examples
    --------
    >>> places_of().area.name, places_of().on.isoformat()
    ('Lombardia', '2019-06-30')
    """
    process = process or Process()
    return geography(process.area, process.reference_date or DEFAULT_REFERENCE_DATE)


class _Reader:
    """``Geography.read`` remembered per distinct text: a column repeats a few spellings."""

    def __init__(self, places: Geography):
        self.places, self.seen = places, {}

    def __call__(self, text: str) -> Place | None:
        if text not in self.seen:
            self.seen[text] = self.places.read(text) if text.strip() else None
        return self.seen[text]


@dataclass
class Known:
    """Ids kept so far, and ids rejected (for a more helpful reason downstream).

    Parameters
    ----------
    entities : dict of str to int, default {}
        Entity id → source line of the row that defined it.
    rejected_entities : dict of str to str, default {}
        Entity ids whose every row so far was rejected → where the first one is
        (``enti.csv, riga 3``).
    meetings : dict of str to int, default {}
        Meeting id → source line of the row that defined it.
    rejected_meetings : dict of str to str, default {}
        Meeting ids whose every row so far was rejected → where the first one is.

    Examples
    --------
    >>> known = Known(entities={"E001": 2}, rejected_entities={"E2": "enti.csv, riga 3"})
    >>> known.entity_problem("E001") is None
    True
    >>> known.entity_problem("E2"), known.entity_parent("E2")
    ('ente_id «E2» riferito a un ente scartato', 'ente «E2» scartato (enti.csv, riga 3)')
    >>> known.entity_problem("E9")
    'ente_id «E9» sconosciuto: non compare nel file enti'
    >>> known.entity_problem("e 1")
    'ente_id «e 1» sconosciuto: non compare nel file enti (forse «E001»? correggere il codice)'
    """

    entities: dict[str, int] = field(default_factory=dict)
    rejected_entities: dict[str, str] = field(default_factory=dict)
    meetings: dict[str, int] = field(default_factory=dict)
    rejected_meetings: dict[str, str] = field(default_factory=dict)

    def entity_problem(self, entity_id: str) -> str | None:
        """Why ``entity_id`` cannot be referred to, or ``None`` when it is a kept entity.

        Parameters
        ----------
        entity_id : str
            The ``ente_id`` cell of a row.

        Returns
        -------
        str or None
            The reason, in Italian (missing, rejected in ``enti``, or unknown, with the
            kept code it differs from only by case, spaces or leading zeros, if any).
        """
        return _reference_problem(entity_id, "ente_id", "ente", "enti", self.entities, self.rejected_entities)

    def entity_parent(self, entity_id: str) -> str | None:
        """The rejected entity row a row depends on, as messages group it; ``None`` otherwise.

        Parameters
        ----------
        entity_id : str
            The ``ente_id`` cell of a row.

        Returns
        -------
        str or None
            ``ente «E2» scartato (enti.csv, riga 3)`` when the entity was rejected.
        """
        where = self.rejected_entities.get(entity_id) if entity_id not in self.entities else None
        return f"ente «{entity_id}» scartato ({where})" if where else None

    def meeting_problem(self, meeting_id: str) -> str | None:
        """Why ``meeting_id`` cannot be referred to, or ``None`` when it is a kept meeting.

        Parameters
        ----------
        meeting_id : str
            The ``incontro_id`` cell of a row.

        Returns
        -------
        str or None
            The reason, in Italian (missing, rejected in ``incontri`` or unknown).

        Examples
        --------
        >>> Known().meeting_problem("")
        'incontro_id mancante'
        """
        return _reference_problem(
            meeting_id, "incontro_id", "incontro", "incontri", self.meetings, self.rejected_meetings
        )

    def meeting_parent(self, meeting_id: str) -> str | None:
        """The rejected meeting row a row depends on; ``None`` otherwise.

        Parameters
        ----------
        meeting_id : str
            The ``incontro_id`` cell of a row.

        Returns
        -------
        str or None
            ``incontro «I03» scartato (incontri.csv, riga 4)`` when the meeting was rejected.
        """
        where = self.rejected_meetings.get(meeting_id) if meeting_id not in self.meetings else None
        return f"incontro «{meeting_id}» scartato ({where})" if where else None


def _reference_problem(identifier, column, noun, table, kept, rejected) -> str | None:
    if not identifier:
        return f"{column} mancante"
    if identifier in kept:
        return None
    if identifier in rejected:
        return f"{column} «{identifier}» riferito a un {noun} scartato"
    reason = f"{column} «{identifier}» sconosciuto: non compare nel file {table}"
    proposal = suggest_code(identifier, kept)
    return f"{reason} (forse «{proposal}»? correggere il codice)" if proposal else reason


def _rows(table: RawTable, columns: ColumnMap):
    """``(line, {canonical column: text})`` for every well-formed row."""
    names, positions = list(columns.index), list(columns.index.values())
    if len(positions) == 1:
        (name,), (position,) = names, positions
        for cells, line in zip(table.rows, table.lines):
            yield line, {name: cells[position]}
        return
    pick = itemgetter(*positions)  # hundreds of thousands of rows: the C-level picker
    for cells, line in zip(table.rows, table.lines):
        yield line, dict(zip(names, pick(cells)))


# --- enti -----------------------------------------------------------------------------------


def clean_entities(
    files: list[tuple[RawTable, ColumnMap]],
    ledger: Ledger,
    known: Known,
    *,
    process: Process | None = None,
    geography: Geography | None = None,
) -> list[dict]:
    """Entities with type, category, group and territory; personal columns kept raw for pseudonyms.

    A row is rejected when its type is not recognised, its territory is not a place of
    the process (:meth:`~palestre_analysis.core.geography.Geography.read`: a province
    of the area, a region of the area, ``Italia`` in a national process; the sentence is
    :meth:`~palestre_analysis.core.geography.Geography.why_not`'s), its ``ente_id`` is
    blank, or the id was already kept (the first row keeps it). The group is the
    process's (:meth:`~palestre_analysis.core.process.Process.group_of_type`). A blank
    name or an email without ``@`` is only a warning. Kept ids go to
    ``known.entities``, rejected ones to ``known.rejected_entities``.

    Parameters
    ----------
    files : list of tuple of (RawTable, ColumnMap)
        The ``enti`` files, each with its column map, in reading order.
    ledger : Ledger
        Receives problems and row states; the rows must be registered with
        :meth:`~palestre_analysis.ingest.ledger.Ledger.open_file`.
    known : Known
        Updated with the ids kept and rejected.
    process : Process, optional
        The process, for the groups (the seed's by default).
    geography : Geography, optional
        The places territories are read with (default: :func:`places_of` the process).

    Returns
    -------
    list of dict
        One record per kept row, with the columns of the ``entities`` table except
        ``delegate_id``, plus the raw ``_delegate`` and ``_email`` (to be pseudonymised and
        dropped).

    Examples
    --------
    >>> from pathlib import Path
    >>> from palestre_analysis.ingest.ledger import FileAccount
    >>> from palestre_analysis.ingest.raw_contract import SPECS, map_columns
    >>> table = RawTable(Path("enti.csv"), ["ente_id", "denominazione", "tipologia", "territorio"],
    ...                  [["E1", "Alfa", "APS", "BS"], ["E2", "Beta", "Banca", "MI"], ["E1", "Gamma", "ODV", "MI"],
    ...                   ["E3", "Delta", "CSV", "Verona"]],
    ...                  [2, 3, 4, 5])
    >>> columns, _ = map_columns(table, SPECS["enti"])
    >>> ledger, known = Ledger(), Known()
    >>> ledger.open_file(FileAccount("enti.csv", "enti", "table", "", ""), table.lines)
    >>> kept = clean_entities([(table, columns)], ledger, known)
    >>> [(e["entity_id"], e["category"], e["group"], e["territory"], e["territory_code"]) for e in kept]
    [('E1', 'associazioni', 'aps_odv', 'Brescia', 'BS')]
    >>> for problem in ledger.problems:
    ...     print(problem.sentence())  # doctest: +ELLIPSIS
    enti.csv, riga 3, colonna «tipologia»: tipologia «Banca» non riconosciuta; attesa una tra: Organizzazione di volontariato (ODV), ...
    enti.csv, riga 4, colonna «ente_id»: ente_id «E1» ripetuto: già usato alla riga 2.
    enti.csv, riga 5, colonna «territorio»: La provincia di Verona (VR) non è in Lombardia, l'area del processo...
    >>> known.entities, known.rejected_entities
    ({'E1': 2}, {'E2': 'enti.csv, riga 3', 'E3': 'enti.csv, riga 5'})
    """
    process = process or Process()
    make_record = partial(_entity_record, process=process, read=_Reader(geography or places_of(process)))
    return _clean_with_ids(files, ledger, known, make_record, "ente_id", known.entities, known.rejected_entities)


def _clean_with_ids(files, ledger, known, make_record, id_column, kept: dict, rejected: set) -> list[dict]:
    """Rows that define ids (entities, meetings): remember which ids were kept, which rejected."""
    records = []
    for table, columns in files:
        where = columns.header[id_column]
        for line, row in _rows(table, columns):
            identifier = row[id_column]
            if identifier in kept:  # the first row keeps the id: a duplicate must not mark it rejected
                ledger.reject(
                    table.name,
                    line,
                    where,
                    f"{id_column} «{identifier}» ripetuto: già usato alla riga {kept[identifier]}",
                )
                continue
            record = make_record(table.name, line, row, columns, ledger, known)
            if not identifier:
                ledger.reject(table.name, line, where, f"{id_column} mancante: ogni riga ha un codice univoco")
                record = None
            if record is None:
                rejected.setdefault(row[id_column], f"{table.name}, riga {line}")
                continue
            kept[row[id_column]] = line
            records.append(record)
            ledger.settle(table.name, line, KEPT)
    return records


def _entity_record(file, line, row, columns, ledger, known, *, process: Process, read: _Reader) -> dict | None:
    header = columns.header
    ok = True
    if EMAIL.search(row["ente_id"]) or PHONE.search(row["ente_id"]):
        ledger.reject(
            file,
            line,
            header["ente_id"],
            "il codice ente ha la forma di un indirizzo email o di un numero di telefono: "
            "usare un codice che non sia un dato personale",
        )
        ok = False
    entity_type = parse_entity_type(row["tipologia"])
    if entity_type is None:
        shown = f"«{row['tipologia'][:40]}»" if row["tipologia"] else "vuota"
        ledger.reject(
            file, line, header["tipologia"], f"tipologia {shown} non riconosciuta; attesa una tra: {_TYPE_CHOICES}"
        )
        ok = False
    place = read(row["territorio"])
    if place is None:
        ledger.reject(file, line, header["territorio"], _territory_problem(read.places, row["territorio"]))
        ok = False
    if not row["denominazione"]:
        ledger.warn(file, line, header["denominazione"], "denominazione vuota")
    email = row.get("email", "")
    if email and "@" not in email:
        ledger.warn(
            file, line, header.get("email"), "indirizzo email non valido (valore non mostrato: è un dato personale)"
        )
    if not ok:
        return None
    return {
        "entity_id": row["ente_id"],
        "entity_name": row["denominazione"],
        "entity_type": entity_type,
        "category": CATEGORY_OF_TYPE[entity_type],
        "group": process.group_of_type(entity_type),
        "territory_code": place.code,
        "territory": place.name,
        "_delegate": row.get("delegato", ""),
        "_email": email,
    }


def _territory_problem(places: Geography, text: str) -> str:
    """Why an entity's territory is refused: :meth:`Geography.why_not`, or what is expected when blank."""
    if not text.strip():
        return f"territorio mancante: {places.choices()}"
    return places.why_not(text)


# --- incontri -------------------------------------------------------------------------------


def clean_meetings(
    files: list[tuple[RawTable, ColumnMap]], ledger: Ledger, known: Known, *, geography: Geography | None = None
) -> list[dict]:
    """Meetings with a real date, phase 1 or 2, level, and territory when territorial.

    A territorial meeting needs a place of the process below its area: a province of
    the area (in a national process, a province or a region); a regional meeting's
    territory is dropped (with a warning when it names such a place). Ids are handled
    as in :func:`clean_entities`, into ``known.meetings`` and ``known.rejected_meetings``.

    Parameters
    ----------
    files : list of tuple of (RawTable, ColumnMap)
        The ``incontri`` files, each with its column map, in reading order.
    ledger : Ledger
        Receives problems and row states (rows registered beforehand).
    known : Known
        Updated with the ids kept and rejected.
    geography : Geography, optional
        The places territories are read with (default: the seed's, :func:`places_of`).

    Returns
    -------
    list of dict
        One record per kept row, with the columns of the ``meetings`` table (``date`` a
        :class:`datetime.date`; territory and focus group ``None`` when absent).

    Examples
    --------
    >>> from pathlib import Path
    >>> from palestre_analysis.ingest.ledger import FileAccount
    >>> from palestre_analysis.ingest.raw_contract import SPECS, map_columns
    >>> table = RawTable(Path("incontri.csv"), ["incontro_id", "data", "fase", "livello", "territorio"],
    ...                  [["M1", "14/03/2019", "1", "territoriale", "BS"],
    ...                   ["M2", "2019-04-01", "Fase 2", "regionale", ""],
    ...                   ["M3", "31/02/2019", "1", "territoriale", ""],
    ...                   ["M4", "2019-04-02", "1", "territoriale", "Lombardia"]], [2, 3, 4, 5])
    >>> columns, _ = map_columns(table, SPECS["incontri"])
    >>> ledger, known = Ledger(), Known()
    >>> ledger.open_file(FileAccount("incontri.csv", "incontri", "table", "", ""), table.lines)
    >>> [(m["meeting_id"], m["phase"], m["territory"]) for m in clean_meetings([(table, columns)], ledger, known)]
    [('M1', 1, 'Brescia'), ('M2', 2, None)]
    >>> for problem in ledger.problems:
    ...     print(problem.sentence())  # doctest: +ELLIPSIS
    incontri.csv, riga 4, colonna «data»: data impossibile «31/02/2019»: il giorno non esiste nel calendario.
    incontri.csv, riga 4, colonna «territorio»: territorio mancante: un incontro territoriale richiede una provincia della Lombardia.
    incontri.csv, riga 5, colonna «territorio»: territorio «Lombardia»: un incontro territoriale richiede una provincia della Lombardia, non l'intera area del processo.
    """
    read = _Reader(geography or places_of())
    records = []
    for table, columns in files:  # day and month order: one decision per file's column
        dates = decide_day_month(row["data"] for _, row in _rows(table, columns))
        make_record = partial(_meeting_record, dates=dates, read=read)
        records += _clean_with_ids(
            [(table, columns)], ledger, known, make_record, "incontro_id", known.meetings, known.rejected_meetings
        )
    return records


def read_date(text: str, dates) -> dt.date:
    """A date of a column whose day/month order was decided as ``dates``; never a guess.

    Parameters
    ----------
    text : str
        The raw cell.
    dates : DayMonthOrder
        The decision for the whole column (:func:`~palestre_analysis.ingest.parsing.decide_day_month`).

    Returns
    -------
    datetime.date
        The date, read in the column's order; a value that reads the same either way
        (ISO, serial, day equal to month) needs no order.

    Raises
    ------
    ValueError
        When the value cannot be read, or reads two ways in a column that does not settle
        the order (the sentence says how to settle it).

    Examples
    --------
    >>> read_date("03/04/2019", decide_day_month(["03/04/2019", "25/04/2019"]))
    datetime.date(2019, 4, 3)
    >>> read_date("2019-04-03", decide_day_month(["03/04/2019"]))
    datetime.date(2019, 4, 3)
    >>> read_date("03/04/2019", decide_day_month(["03/04/2019"]))  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    ValueError: le date della colonna si possono leggere ...
    """
    if dates.reading_order:
        return parse_date(text, order=dates.reading_order)
    readings = []
    for order in ("dmy", "mdy"):
        try:
            readings.append(parse_date(text, order=order))
        except ValueError as exc:
            error = exc
            readings.append(None)
    if readings[0] == readings[1]:
        if readings[0] is None:
            raise error
        return readings[0]
    raise ValueError(dates.sentence())


def _meeting_record(file, line, row, columns, ledger, known, *, dates, read: _Reader) -> dict | None:
    header = columns.header
    ok = True
    values = {}
    readers = (("data", partial(read_date, dates=dates), "date"), ("fase", parse_phase, "phase"))
    for column, parser, key in readers:
        try:
            values[key] = parser(row[column])
        except ValueError as exc:
            ledger.reject(file, line, header[column], str(exc))
            ok = False
    level = parse_level(row["livello"])
    if level is None:
        ledger.reject(
            file,
            line,
            header["livello"],
            f"livello «{row['livello'][:30]}» non valido: atteso «regionale» o «territoriale»",
        )
        ok = False
    text = row.get("territorio", "")
    place = read(text)
    where = header.get("territorio", "territorio")
    area = read.places.area
    if level == "territoriale" and (place is None or place.name == area.name):
        ledger.reject(file, line, where, _meeting_territory_problem(read.places, text, place))
        ok = False
    elif level == "regionale":
        if place is not None and place.name != area.name:
            ledger.warn(file, line, where, "incontro regionale: il territorio indicato è ignorato")
        place = None
    if not ok:
        return None
    return {
        "meeting_id": row["incontro_id"],
        "date": values["date"],
        "phase": values["phase"],
        "level": level,
        "territory_code": place.code if place else None,
        "territory": place.name if place else None,
        "focus_group": tidy_label(row.get("focus_group", "")) or None,
    }


def _meeting_territory_problem(places: Geography, text: str, place: Place | None) -> str:
    """Why a territorial meeting's territory is refused: blank, the whole area, or not a place."""
    if places.national:
        below = "una provincia o una regione italiana"
    else:
        below = f"una provincia {places.area.with_preposition('di')}"
    if not text.strip():
        return f"territorio mancante: un incontro territoriale richiede {below}"
    if place is not None:
        shown = text.strip()[:40]
        return f"territorio «{shown}»: un incontro territoriale richiede {below}, non l'intera area del processo"
    return places.why_not(text)


def last_meeting_date(files: list[tuple[RawTable, ColumnMap]]) -> tuple[dt.date, str, int, str] | None:
    """The date of the last meeting, read before the cleaning: it chooses the territorial units.

    A meeting counts when its id is not blank nor repeated (the first row keeps it) and
    its date, phase and level are read as :func:`clean_meetings` reads them; its
    territory is not looked at, since which units exist depends on this date.

    Parameters
    ----------
    files : list of tuple of (RawTable, ColumnMap)
        The ``incontri`` files, each with its column map.

    Returns
    -------
    tuple of (datetime.date, str, int, str) or None
        The latest date, with the file, line and date column header of its row (the
        first one, for a tie); ``None`` when no meeting counts.

    Examples
    --------
    >>> from pathlib import Path
    >>> from palestre_analysis.ingest.raw_contract import SPECS, map_columns
    >>> table = RawTable(Path("incontri.csv"), ["incontro_id", "data", "fase", "livello"],
    ...                  [["M1", "14/03/2019", "1", "regionale"], ["M2", "30/02/2020", "2", "regionale"],
    ...                   ["M3", "01/06/2019", "9", "regionale"], ["M4", "20/05/2019", "2", "regionale"]],
    ...                  [2, 3, 4, 5])
    >>> columns, _ = map_columns(table, SPECS["incontri"])
    >>> last_meeting_date([(table, columns)])
    (datetime.date(2019, 5, 20), 'incontri.csv', 5, 'data')
    >>> last_meeting_date([]) is None
    True
    """
    best = None
    seen: set[str] = set()
    for table, columns in files:
        dates = decide_day_month(row["data"] for _, row in _rows(table, columns))
        for line, row in _rows(table, columns):
            identifier = row["incontro_id"]
            if not identifier or identifier in seen:
                continue
            try:
                day = read_date(row["data"], dates)
                parse_phase(row["fase"])
            except ValueError:
                continue
            if parse_level(row["livello"]) is None:
                continue
            seen.add(identifier)
            if best is None or day > best[0]:
                best = (day, table.name, line, columns.header["data"])
    return best


# --- presenze -------------------------------------------------------------------------------


def clean_attendance(files: list[tuple[RawTable, ColumnMap]], ledger: Ledger, known: Known) -> list[dict]:
    """One row per entity present at a meeting; repeated rows are merged.

    A row is rejected when its meeting or entity is not a kept one (see :class:`Known`);
    a repeated ``(meeting, entity)`` pair is settled as merged.

    Parameters
    ----------
    files : list of tuple of (RawTable, ColumnMap)
        The ``presenze`` files, each with its column map, in reading order.
    ledger : Ledger
        Receives problems and row states (rows registered beforehand).
    known : Known
        The entities and meetings kept so far (read only).

    Returns
    -------
    list of dict
        ``meeting_id`` and ``entity_id`` of each distinct attendance, in first-seen order.

    Examples
    --------
    >>> from pathlib import Path
    >>> from palestre_analysis.ingest.ledger import FileAccount
    >>> from palestre_analysis.ingest.raw_contract import SPECS, map_columns
    >>> table = RawTable(Path("presenze.csv"), ["incontro_id", "ente_id"], [["M1", "E1"], ["M1", "E1"], ["M1", "E9"]],
    ...                  [2, 3, 4])
    >>> columns, _ = map_columns(table, SPECS["presenze"])
    >>> ledger, known = Ledger(), Known(entities={"E1": 2}, meetings={"M1": 2})
    >>> ledger.open_file(FileAccount("presenze.csv", "presenze", "table", "", ""), table.lines)
    >>> clean_attendance([(table, columns)], ledger, known)
    [{'meeting_id': 'M1', 'entity_id': 'E1'}]
    >>> [ledger.state("presenze.csv", line) for line in table.lines]
    ['kept', 'merged_duplicates', 'rejected']
    """
    seen: set[tuple[str, str]] = set()
    records = []
    for table, columns in files:
        for line, row in _rows(table, columns):
            if not _check_references(table.name, line, row, columns, ledger, known, meeting=True):
                continue
            key = (row["incontro_id"], row["ente_id"])
            if key in seen:
                ledger.settle(table.name, line, MERGED)
                continue
            seen.add(key)
            records.append({"meeting_id": key[0], "entity_id": key[1]})
            ledger.settle(table.name, line, KEPT)
    return records


def _check_references(file, line, row, columns, ledger, known, *, meeting: bool) -> bool:
    """Reject a row whose meeting or entity is not kept; a rejected one becomes the row's parent."""
    if row["ente_id"] in known.entities and (not meeting or row["incontro_id"] in known.meetings):
        return True  # the common case, hundreds of thousands of times: no reason to build
    problems = []
    if meeting:
        meeting_id = row["incontro_id"]
        problems.append(("incontro_id", known.meeting_problem(meeting_id), known.meeting_parent(meeting_id)))
    entity_id = row["ente_id"]
    problems.append(("ente_id", known.entity_problem(entity_id), known.entity_parent(entity_id)))
    for column, problem, parent in problems:
        if problem:
            ledger.reject(file, line, columns.header[column], problem, parent=parent)
    return not any(problem for _, problem, _ in problems)


# --- contributi -----------------------------------------------------------------------------


def clean_contributions(
    files: list[tuple[RawTable, ColumnMap]],
    ledger: Ledger,
    known: Known,
    meeting_phase: dict[str, int],
    names: NameIndex | None = None,
    *,
    nodes: tuple[str, ...] | None = None,
) -> list[dict]:
    """Phase-1 contributions coded to one of the process's strategic nodes.

    A row is rejected when its meeting or entity is not a kept one or its node is not
    one of the process's nodes (compared after
    :func:`~palestre_analysis.core.vocabulary.normalize_label`; no other spelling is
    accepted). A contribution at a phase-2
    meeting is kept, with a warning. Repeated rows are all kept: there is no duplicate
    check here. E-mail addresses, phone numbers and the delegates' names are removed
    from the text (:func:`~palestre_analysis.core.personal.scrub_free_text`) and counted
    in ``ledger.personal_removed``.

    Parameters
    ----------
    files : list of tuple of (RawTable, ColumnMap)
        The ``contributi`` files, each with its column map, in reading order.
    ledger : Ledger
        Receives problems and row states (rows registered beforehand).
    known : Known
        The entities and meetings kept so far (read only).
    meeting_phase : dict of str to int
        Meeting id → phase, of the kept meetings.
    names : NameIndex, optional
        The delegates' names, to be removed from the texts.
    nodes : tuple of str, optional
        The process's nodes (:attr:`~palestre_analysis.core.process.Process.nodes`; the
        seed's four by default).

    Returns
    -------
    list of dict
        ``meeting_id``, ``entity_id``, ``node`` (canonical) and ``text`` (``None`` when
        blank) of each kept row.

    Examples
    --------
    >>> from pathlib import Path
    >>> from palestre_analysis.ingest.ledger import FileAccount
    >>> from palestre_analysis.ingest.raw_contract import SPECS, map_columns
    >>> table = RawTable(Path("contributi.csv"), ["incontro_id", "ente_id", "nodo"],
    ...                  [["M1", "E1", "reti  comunitarie"], ["M1", "E1", "Altro"]], [2, 3])
    >>> columns, _ = map_columns(table, SPECS["contributi"])
    >>> ledger, known = Ledger(), Known(entities={"E1": 2}, meetings={"M1": 2})
    >>> ledger.open_file(FileAccount("contributi.csv", "contributi", "table", "", ""), table.lines)
    >>> clean_contributions([(table, columns)], ledger, known, {"M1": 1})
    [{'meeting_id': 'M1', 'entity_id': 'E1', 'node': 'Reti comunitarie', 'text': None}]
    >>> ledger.state("contributi.csv", 3)
    'rejected'
    >>> ledger = Ledger()
    >>> ledger.open_file(FileAccount("contributi.csv", "contributi", "table", "", ""), table.lines)
    >>> clean_contributions([(table, columns)], ledger, known, {"M1": 1}, nodes=("Altro", "Reti"))
    [{'meeting_id': 'M1', 'entity_id': 'E1', 'node': 'Altro', 'text': None}]
    >>> print(ledger.problems[0].sentence())
    contributi.csv, riga 2, colonna «nodo»: nodo «reti  comunitarie» non riconosciuto; atteso uno tra: Altro, Reti.
    """
    nodes = tuple(Process().nodes if nodes is None else nodes)
    lookup = {normalize_label(n): n for n in nodes}
    choices = ", ".join(nodes)
    records = []
    for table, columns in files:
        for line, row in _rows(table, columns):
            ok = _check_references(table.name, line, row, columns, ledger, known, meeting=True)
            node = lookup.get(normalize_label(row["nodo"]))
            if node is None:
                ledger.reject(
                    table.name,
                    line,
                    columns.header["nodo"],
                    f"nodo «{row['nodo'][:40]}» non riconosciuto; atteso uno tra: {choices}",
                )
                ok = False
            if not ok:
                continue
            if meeting_phase.get(row["incontro_id"]) == 2:
                ledger.warn(
                    table.name, line, columns.header["incontro_id"], "contributo registrato in un incontro di fase 2"
                )
            text, removed = scrub_free_text(row.get("testo", ""), names)
            ledger.personal_removed.update(removed)
            records.append(
                {"meeting_id": row["incontro_id"], "entity_id": row["ente_id"], "node": node, "text": text or None}
            )
            ledger.settle(table.name, line, KEPT)
    return records


# --- valutazioni ----------------------------------------------------------------------------


def clean_votes_long(
    table: RawTable, columns: ColumnMap, ledger: Ledger, known: Known, *, scale: tuple[int, int] = (1, 10)
) -> list[dict]:
    """Votes in the long layout: one row per entity and cell.

    A row is rejected when its entity is not a kept one, its field, resource or need
    is blank, or its vote is invalid (see
    :func:`~palestre_analysis.ingest.parsing.parse_vote`); a blank vote is settled as
    not scored. Rows with a vote are left pending: :func:`merge_votes` settles them.

    Parameters
    ----------
    table : RawTable
        One ``valutazioni`` file in the long layout.
    columns : ColumnMap
        Its column map.
    ledger : Ledger
        Receives problems and row states (rows registered beforehand).
    known : Known
        The entities kept (read only).
    scale : tuple of (int, int), default (1, 10)
        The process's lowest and highest vote; a vote outside is rejected.

    Returns
    -------
    list of dict
        One vote record per row with a valid score: ``entity_id``, ``field``,
        ``resource``, ``need`` (spaces tidied) and ``score``, plus ``_file``, ``_line`` and
        ``_column`` (``None``) for :func:`merge_votes`.

    Examples
    --------
    >>> from pathlib import Path
    >>> from palestre_analysis.ingest.ledger import FileAccount
    >>> from palestre_analysis.ingest.raw_contract import SPECS, map_columns
    >>> table = RawTable(Path("valutazioni.csv"), ["ente_id", "campo", "risorsa", "esigenza", "voto"],
    ...                  [["E1", "Cultura", "5 per mille", "Sedi", "7"], ["E1", "Cultura", "Bandi", "Sedi", ""],
    ...                   ["E1", "Cultura", "Bandi", "Sedi", "0"]], [2, 3, 4])
    >>> columns, _ = map_columns(table, SPECS["valutazioni"])
    >>> ledger, known = Ledger(), Known(entities={"E1": 2})
    >>> ledger.open_file(FileAccount("valutazioni.csv", "valutazioni", "long", "", ""), table.lines)
    >>> [(v["resource"], v["score"]) for v in clean_votes_long(table, columns, ledger, known)]
    [('5 per mille', 7)]
    >>> [ledger.state("valutazioni.csv", line) for line in table.lines]
    ['pending', 'not_scored', 'rejected']
    """
    records = []
    header = columns.header
    for line, row in _rows(table, columns):
        ok = _check_references(table.name, line, row, columns, ledger, known, meeting=False)
        for column in ("campo", "risorsa", "esigenza"):
            if not row[column]:
                ledger.reject(table.name, line, header[column], f"{column} mancante")
                ok = False
        if is_dont_know(row["voto"]):
            if ok:
                ledger.settle(table.name, line, NOT_SCORED)
                ledger.count_dont_know(table.name)
            continue
        try:
            score = parse_vote(row["voto"], low=scale[0], high=scale[1])
        except ValueError as exc:
            ledger.reject(table.name, line, header["voto"], str(exc))
            continue
        if not ok:
            continue
        if score is None:
            ledger.settle(table.name, line, NOT_SCORED)
            continue
        records.append(
            _vote(table.name, line, None, row["ente_id"], row["campo"], row["risorsa"], row["esigenza"], score)
        )
    return records


def _vote(file, line, column, entity_id, field_, resource, need, score) -> dict:
    return {
        "_file": file,
        "_line": line,
        "_column": column,
        "entity_id": entity_id,
        "field": tidy_label(field_),
        "resource": tidy_label(resource),
        "need": tidy_label(need),
        "score": score,
    }


def clean_votes_wide(
    table: RawTable, layout: WideLayout, ledger: Ledger, known: Known, *, scale: tuple[int, int] = (1, 10)
) -> list[dict]:
    """Votes of a Google Forms grid export; the latest submission of an entity wins.

    The latest submission is the one with the latest readable timestamp (a submission
    with a timestamp beats one without), then the later line; earlier submissions are
    settled as merged, whole. A submission of an entity that is not a kept one is
    rejected. Inside the kept submission an invalid vote is an error of that vote only
    (the row stays kept) and a blank one is not scored; vote-level counts go to
    :meth:`~palestre_analysis.ingest.ledger.Ledger.count_votes`.

    Parameters
    ----------
    table : RawTable
        One form export (see :func:`~palestre_analysis.ingest.forms.is_wide_layout`).
    layout : WideLayout
        Its layout (:func:`~palestre_analysis.ingest.forms.wide_layout`), with an id column.
    ledger : Ledger
        Receives problems, row states and vote counts (rows registered beforehand).
    known : Known
        The entities kept (read only).
    scale : tuple of (int, int), default (1, 10)
        The process's lowest and highest vote; a vote outside is rejected.

    Returns
    -------
    list of dict
        One vote record per valid vote of the kept submissions, as in
        :func:`clean_votes_long` but with ``_column`` set to the grid header.

    Examples
    --------
    >>> from pathlib import Path
    >>> from palestre_analysis.ingest.forms import wide_layout
    >>> from palestre_analysis.ingest.ledger import FileAccount
    >>> header = ["Informazioni cronologiche", "Codice ente", "Cultura - Sedi [5 per mille]", "Cultura - Sedi [Bandi]"]
    >>> rows = [["15/03/2019 10.00.00", "E1", "8", "11"], ["14/03/2019 09.00.00", "E1", "3", "3"],
    ...         ["14/03/2019 09.00.00", "E9", "5", "5"]]
    >>> table = RawTable(Path("modulo.csv"), header, rows, [2, 3, 4])
    >>> ledger, known = Ledger(), Known(entities={"E1": 2})
    >>> ledger.open_file(FileAccount("modulo.csv", "valutazioni", "wide", "", ""), table.lines)
    >>> [(v["_line"], v["resource"], v["score"]) for v in clean_votes_wide(table, wide_layout(table), ledger, known)]
    [(2, '5 per mille', 8)]
    >>> [ledger.state("modulo.csv", line) for line in table.lines]
    ['kept', 'merged_duplicates', 'rejected']
    >>> print(ledger.problems[-1].sentence())  # doctest: +NORMALIZE_WHITESPACE
    modulo.csv, riga 2, colonna «Cultura - Sedi [Bandi]»: voto fuori scala «11»: atteso un numero intero
    da 1 a 10 (solo questo voto è scartato).
    """
    file = table.name
    latest = _latest_submissions(table, layout, ledger, known)
    records = []
    for cells, line in zip(table.rows, table.lines):
        ledger.count_votes(file, "read", len(layout.grid))
        state = ledger.state(file, line)
        if state == REJECTED or line not in latest:
            ledger.count_votes(file, state if state == REJECTED else MERGED, len(layout.grid))
            if state != REJECTED:
                ledger.settle(file, line, MERGED)
            continue
        entity_id = cells[layout.id_position]
        for column in layout.grid:
            text = cells[column.position]
            if is_dont_know(text):
                ledger.count_votes(file, NOT_SCORED)
                ledger.count_dont_know(file)
                continue
            try:
                score = parse_vote(text, low=scale[0], high=scale[1])
            except ValueError as exc:
                ledger.problems.append(_vote_problem(file, line, column.header, str(exc)))
                ledger.count_votes(file, REJECTED)
                continue
            if score is None:
                ledger.count_votes(file, NOT_SCORED)
                continue
            records.append(
                _vote(file, line, column.header, entity_id, column.field, column.resource, column.need, score)
            )
        ledger.settle(file, line, KEPT)
    return records


def _vote_problem(file, line, column, reason):
    return Problem(file, line, column, f"{reason} {ONLY_THIS_VOTE}")


def _latest_submissions(table: RawTable, layout: WideLayout, ledger: Ledger, known: Known) -> set[int]:
    """Lines of the latest valid submission of each entity (by timestamp, then by line).

    The timestamps' day/month order is decided on the whole column. When the column
    does not settle it, both readings are tried: an entity whose latest submission
    depends on the reading has all its submissions rejected, since we do not guess.
    """
    file = table.name
    id_header = table.header[layout.id_position]
    valid = []
    for cells, line in zip(table.rows, table.lines):
        entity_id = cells[layout.id_position]
        problem = known.entity_problem(entity_id)
        if problem:
            ledger.reject(file, line, id_header, problem, parent=known.entity_parent(entity_id))
            continue
        stamp = cells[layout.stamp_position] if layout.stamp_position is not None else ""
        valid.append((entity_id, line, stamp))
    dates = decide_day_month(stamp for _, _, stamp in valid)
    readings = [_latest_by_time(valid, order) for order in ((dates.order,) if dates.order else ("dmy", "mdy"))]
    _warn_unreadable_stamps(table, layout, ledger, valid, dates.order or "dmy")
    latest = readings[0]
    for entity_id in [e for e in latest if any(r[e] != latest[e] for r in readings[1:])]:
        for other, line, _ in valid:
            if other == entity_id:
                ledger.reject(
                    file,
                    line,
                    table.header[layout.stamp_position],
                    f"l'invio più recente dell'ente «{entity_id}» cambia secondo che le date si leggano "
                    f"giorno/mese o mese/giorno: {dates.sentence()}",
                )
        del latest[entity_id]
    return set(latest.values())


def _latest_by_time(valid: list[tuple[str, int, str]], order: str) -> dict[str, int]:
    """Entity → line of its latest submission, timestamps read in ``order``."""
    best: dict[str, tuple] = {}
    for entity_id, line, text in valid:
        stamp = parse_timestamp(text, order=order) if text else None
        key = (stamp is not None, stamp or 0, line)
        if entity_id not in best or key > best[entity_id]:
            best[entity_id] = key
    return {entity_id: key[2] for entity_id, key in best.items()}


def _warn_unreadable_stamps(table, layout, ledger, valid, order) -> None:
    if layout.stamp_position is None:
        return
    header = table.header[layout.stamp_position]
    for _, line, text in valid:
        if text and parse_timestamp(text, order=order) is None:
            ledger.warn(
                table.name, line, header, "data e ora illeggibili: per ordinare gli invii uso l'ordine delle righe"
            )


def merge_votes(records: list[dict], ledger: Ledger) -> list[dict]:
    """One vote per entity and cell: the later one wins (files in name order, then lines).

    Free labels are compared case- and space-insensitively and shown with their most
    frequent spelling.

    A replaced vote of the long layout settles its row as merged; one of a form export
    counts as a merged vote, with a warning. Winning long rows are settled as kept.

    Parameters
    ----------
    records : list of dict
        Vote records of every ``valutazioni`` file (:func:`clean_votes_long`,
        :func:`clean_votes_wide`), in reading order; their labels are rewritten in place.
    ledger : Ledger
        Receives row states, vote counts and warnings.

    Returns
    -------
    list of dict
        The winning records, in the order their cell was first seen; equally frequent
        spellings of a label are shown as first seen.

    Examples
    --------
    >>> from pathlib import Path
    >>> from palestre_analysis.ingest.ledger import FileAccount
    >>> ledger = Ledger()
    >>> ledger.open_file(FileAccount("valutazioni.csv", "valutazioni", "long", "", ""), [2, 3])
    >>> records = [{"_file": "valutazioni.csv", "_line": line, "_column": None, "entity_id": "E1",
    ...             "field": field, "resource": "Bandi", "need": "Sedi", "score": score}
    ...            for line, field, score in [(2, "Cultura", 7), (3, "CULTURA", 9)]]
    >>> [(r["field"], r["score"]) for r in merge_votes(records, ledger)]
    [('Cultura', 9)]
    >>> ledger.state("valutazioni.csv", 2), ledger.state("valutazioni.csv", 3)
    ('merged_duplicates', 'kept')
    """
    display = _display_labels(records)
    winners: dict[tuple, dict] = {}
    for record in records:
        for column in ("field", "resource", "need"):
            record[column] = display[column][record[column]]
        key = (record["entity_id"], record["field"], record["resource"], record["need"])
        earlier = winners.get(key)
        if earlier is not None:
            _mark_merged(earlier, ledger)
        winners[key] = record
    for record in winners.values():
        if record["_column"] is None:
            ledger.settle(record["_file"], record["_line"], KEPT)
        else:
            ledger.count_votes(record["_file"], KEPT)
    return list(winners.values())


def _mark_merged(record: dict, ledger: Ledger) -> None:
    if record["_column"] is None:  # a long row is one vote: the row is merged
        ledger.settle(record["_file"], record["_line"], MERGED)
    else:  # a form row holds many votes: only this vote is merged
        ledger.count_votes(record["_file"], MERGED)
        ledger.warn(
            record["_file"],
            record["_line"],
            record["_column"],
            "voto sostituito da un voto successivo dello stesso ente per la stessa cella",
        )


def _display_labels(records: list[dict]) -> dict[str, dict[str, str]]:
    display = {}
    for column in ("field", "resource", "need"):
        spellings = Counter(r[column] for r in records)
        chosen: dict[str, tuple[int, int, str]] = {}
        for rank, (text, count) in enumerate(spellings.items()):
            key = label_key(text)
            candidate = (count, -rank, text)
            if key not in chosen or candidate > chosen[key]:
                chosen[key] = candidate
        display[column] = {text: chosen[label_key(text)][2] for text in spellings}  # as written -> as shown
    return display
