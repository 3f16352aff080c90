"""Row-by-row cleaning of each raw table into tidy records.

Each ``clean_*`` function reads the rows of one table's files, parses every value,
rejects what does not fit with a reason (file, line, column) and returns plain records.
Cross-table checks (an unknown ``ente_id``) use the ids kept by earlier tables, so the
order is: entities, meetings, then attendance, contributions and votes.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from palestre_analysis.ingest.raw_contract import ColumnMap
from palestre_analysis.ingest.forms import WideLayout
from palestre_analysis.ingest.ledger import KEPT, MERGED, NOT_SCORED, REJECTED, Ledger
from palestre_analysis.ingest.reading import RawTable
from palestre_analysis.core.problems import Problem
from palestre_analysis.ingest.parsing import label_key, parse_date, parse_phase, parse_timestamp, parse_vote, tidy_label
from palestre_analysis.core.vocabulary import CATEGORY_OF_TYPE, GROUP_OF_TYPE, REGION_CODE, TERRITORY_NAMES, parse_entity_type, parse_level, parse_node, parse_territory

__all__ = ["Known", "clean_entities", "clean_meetings", "clean_attendance", "clean_contributions",
           "clean_votes_long", "clean_votes_wide", "merge_votes"]

_TYPE_CHOICES = "ODV, APS, altra associazione, fondazione di comunità, altra fondazione, CSV, " \
                "cooperativa o impresa sociale, pubblica amministrazione, altro"
_TERRITORY_CHOICES = "una provincia lombarda (BG BS CO CR LC LO MN MI MB PV SO VA, anche per nome) o «Lombardia»"


@dataclass
class Known:
    """Ids kept so far, and ids rejected (for a more helpful reason downstream)."""

    entities: dict[str, int] = field(default_factory=dict)
    rejected_entities: set[str] = field(default_factory=set)
    meetings: dict[str, int] = field(default_factory=dict)
    rejected_meetings: set[str] = field(default_factory=set)

    def entity_problem(self, entity_id: str) -> str | None:
        if not entity_id:
            return "ente_id mancante"
        if entity_id in self.entities:
            return None
        if entity_id in self.rejected_entities:
            return f"ente_id «{entity_id}» riferito a un ente scartato nel file enti (vedi le sue righe)"
        return f"ente_id «{entity_id}» sconosciuto: non compare nel file enti"

    def meeting_problem(self, meeting_id: str) -> str | None:
        if not meeting_id:
            return "incontro_id mancante"
        if meeting_id in self.meetings:
            return None
        if meeting_id in self.rejected_meetings:
            return f"incontro_id «{meeting_id}» riferito a un incontro scartato nel file incontri"
        return f"incontro_id «{meeting_id}» sconosciuto: non compare nel file incontri"


def _rows(table: RawTable, columns: ColumnMap):
    """``(line, {canonical column: text})`` for every well-formed row."""
    for cells, line in zip(table.rows, table.lines):
        yield line, {name: cells[position] for name, position in columns.index.items()}


# --- enti -----------------------------------------------------------------------------------

def clean_entities(files: list[tuple[RawTable, ColumnMap]], ledger: Ledger, known: Known) -> list[dict]:
    """Entities with type, category, group and territory; personal columns kept raw for pseudonyms."""
    return _clean_with_ids(files, ledger, known, _entity_record, "ente_id", known.entities, known.rejected_entities)


def _clean_with_ids(files, ledger, known, make_record, id_column, kept: dict, rejected: set) -> list[dict]:
    """Rows that define ids (entities, meetings): remember which ids were kept, which rejected."""
    records = []
    for table, columns in files:
        where = columns.header[id_column]
        for line, row in _rows(table, columns):
            identifier = row[id_column]
            if identifier in kept:  # the first row keeps the id: a duplicate must not mark it rejected
                ledger.reject(table.name, line, where,
                              f"{id_column} «{identifier}» ripetuto: già usato alla riga {kept[identifier]}")
                continue
            record = make_record(table.name, line, row, columns, ledger, known)
            if not identifier:
                ledger.reject(table.name, line, where, f"{id_column} mancante: ogni riga ha un codice univoco")
                record = None
            if record is None:
                rejected.add(row[id_column])
                continue
            kept[row[id_column]] = line
            records.append(record)
            ledger.settle(table.name, line, KEPT)
    return records


def _entity_record(file, line, row, columns, ledger, known) -> dict | None:
    header = columns.header
    ok = True
    entity_type = parse_entity_type(row["tipologia"])
    if entity_type is None:
        shown = f"«{row['tipologia'][:40]}»" if row["tipologia"] else "vuota"
        ledger.reject(file, line, header["tipologia"], f"tipologia {shown} non riconosciuta; attesa una tra: {_TYPE_CHOICES}")
        ok = False
    territory = parse_territory(row["territorio"])
    if territory is None:
        shown = f"«{row['territorio'][:40]}»" if row["territorio"] else "vuoto"
        ledger.reject(file, line, header["territorio"], f"territorio {shown} non riconosciuto; atteso {_TERRITORY_CHOICES}")
        ok = False
    if not row["denominazione"]:
        ledger.warn(file, line, header["denominazione"], "denominazione vuota")
    email = row.get("email", "")
    if email and "@" not in email:
        ledger.warn(file, line, header.get("email"), "indirizzo email non valido (valore non mostrato: è un dato personale)")
    if not ok:
        return None
    return {
        "entity_id": row["ente_id"],
        "entity_name": row["denominazione"],
        "entity_type": entity_type,
        "category": CATEGORY_OF_TYPE[entity_type],
        "group": GROUP_OF_TYPE[entity_type],
        "territory_code": territory,
        "territory": TERRITORY_NAMES[territory],
        "_delegate": row.get("delegato", ""),
        "_email": email,
    }


# --- incontri -------------------------------------------------------------------------------

def clean_meetings(files: list[tuple[RawTable, ColumnMap]], ledger: Ledger, known: Known) -> list[dict]:
    """Meetings with a real date, phase 1 or 2, level, and territory when territorial."""
    return _clean_with_ids(files, ledger, known, _meeting_record, "incontro_id", known.meetings,
                           known.rejected_meetings)


def _meeting_record(file, line, row, columns, ledger, known) -> dict | None:
    header = columns.header
    ok = True
    values = {}
    for column, parser, key in (("data", parse_date, "date"), ("fase", parse_phase, "phase")):
        try:
            values[key] = parser(row[column])
        except ValueError as exc:
            ledger.reject(file, line, header[column], str(exc))
            ok = False
    level = parse_level(row["livello"])
    if level is None:
        ledger.reject(file, line, header["livello"],
                      f"livello «{row['livello'][:30]}» non valido: atteso «regionale» o «territoriale»")
        ok = False
    territory = parse_territory(row.get("territorio", "")) if row.get("territorio") else None
    where = header.get("territorio", "territorio")
    if level == "territoriale" and (territory is None or territory == REGION_CODE):
        shown = f"«{row.get('territorio', '')[:30]}»" if row.get("territorio") else "mancante"
        ledger.reject(file, line, where, f"territorio {shown}: un incontro territoriale richiede una provincia lombarda")
        ok = False
    elif level == "regionale":
        if row.get("territorio") and territory not in (None, REGION_CODE):
            ledger.warn(file, line, where, "incontro regionale: il territorio indicato è ignorato")
        territory = None
    if not ok:
        return None
    return {
        "meeting_id": row["incontro_id"],
        "date": values["date"],
        "phase": values["phase"],
        "level": level,
        "territory_code": territory,
        "territory": TERRITORY_NAMES[territory] if territory else None,
        "focus_group": tidy_label(row.get("focus_group", "")) or None,
    }


# --- presenze -------------------------------------------------------------------------------

def clean_attendance(files: list[tuple[RawTable, ColumnMap]], ledger: Ledger, known: Known) -> list[dict]:
    """One row per entity present at a meeting; repeated rows are merged."""
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
    problems = []
    if meeting:
        problems.append(("incontro_id", known.meeting_problem(row["incontro_id"])))
    problems.append(("ente_id", known.entity_problem(row["ente_id"])))
    for column, problem in problems:
        if problem:
            ledger.reject(file, line, columns.header[column], problem)
    return not any(problem for _, problem in problems)


# --- contributi -----------------------------------------------------------------------------

def clean_contributions(files: list[tuple[RawTable, ColumnMap]], ledger: Ledger, known: Known,
                        meeting_phase: dict[str, int]) -> list[dict]:
    """Phase-1 contributions coded to one of the four strategic nodes."""
    records = []
    for table, columns in files:
        for line, row in _rows(table, columns):
            ok = _check_references(table.name, line, row, columns, ledger, known, meeting=True)
            node = parse_node(row["nodo"])
            if node is None:
                ledger.reject(table.name, line, columns.header["nodo"],
                              f"nodo «{row['nodo'][:40]}» non riconosciuto; atteso uno tra: Energie per il "
                              "dibattito, Reti comunitarie, Strumentazione, Catene di valore")
                ok = False
            if not ok:
                continue
            if meeting_phase.get(row["incontro_id"]) == 2:
                ledger.warn(table.name, line, columns.header["incontro_id"],
                            "contributo registrato in un incontro di fase 2")
            records.append({"meeting_id": row["incontro_id"], "entity_id": row["ente_id"], "node": node,
                            "text": row.get("testo", "") or None})
            ledger.settle(table.name, line, KEPT)
    return records


# --- valutazioni ----------------------------------------------------------------------------

def clean_votes_long(table: RawTable, columns: ColumnMap, ledger: Ledger, known: Known) -> list[dict]:
    """Votes in the long layout: one row per entity and cell."""
    records = []
    header = columns.header
    for line, row in _rows(table, columns):
        ok = _check_references(table.name, line, row, columns, ledger, known, meeting=False)
        for column in ("campo", "risorsa", "esigenza"):
            if not row[column]:
                ledger.reject(table.name, line, header[column], f"{column} mancante")
                ok = False
        try:
            score = parse_vote(row["voto"])
        except ValueError as exc:
            ledger.reject(table.name, line, header["voto"], str(exc))
            continue
        if not ok:
            continue
        if score is None:
            ledger.settle(table.name, line, NOT_SCORED)
            continue
        records.append(_vote(table.name, line, None, row["ente_id"], row["campo"], row["risorsa"],
                             row["esigenza"], score))
    return records


def _vote(file, line, column, entity_id, field_, resource, need, score) -> dict:
    return {"_file": file, "_line": line, "_column": column, "entity_id": entity_id,
            "field": tidy_label(field_), "resource": tidy_label(resource), "need": tidy_label(need),
            "score": score}


def clean_votes_wide(table: RawTable, layout: WideLayout, ledger: Ledger, known: Known) -> list[dict]:
    """Votes of a Google Forms grid export; the latest submission of an entity wins."""
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
            try:
                score = parse_vote(text)
            except ValueError as exc:
                ledger.problems.append(_vote_problem(file, line, column.header, str(exc)))
                ledger.count_votes(file, REJECTED)
                continue
            if score is None:
                ledger.count_votes(file, NOT_SCORED)
                continue
            records.append(_vote(file, line, column.header, entity_id, column.field, column.resource,
                                 column.need, score))
        ledger.settle(file, line, KEPT)
    return records


def _vote_problem(file, line, column, reason):
    return Problem(file, line, column, reason + " (solo questo voto è scartato)")


def _latest_submissions(table: RawTable, layout: WideLayout, ledger: Ledger, known: Known) -> set[int]:
    """Lines of the latest valid submission of each entity (by timestamp, then by line)."""
    file = table.name
    id_header = table.header[layout.id_position]
    stamp_header = table.header[layout.stamp_position] if layout.stamp_position is not None else None
    best: dict[str, tuple] = {}
    for cells, line in zip(table.rows, table.lines):
        entity_id = cells[layout.id_position]
        problem = known.entity_problem(entity_id)
        if problem:
            ledger.reject(file, line, id_header, problem)
            continue
        stamp = None
        if stamp_header is not None:
            stamp = parse_timestamp(cells[layout.stamp_position])
            if stamp is None and cells[layout.stamp_position]:
                ledger.warn(file, line, stamp_header, "data e ora illeggibili: per ordinare gli invii uso l'ordine delle righe")
        order = (stamp is not None, stamp or 0, line)
        if entity_id not in best or order > best[entity_id]:
            best[entity_id] = order
    return {order[2] for order in best.values()}


def merge_votes(records: list[dict], ledger: Ledger) -> list[dict]:
    """One vote per entity and cell: the later one wins (files in name order, then lines).

    Free labels are compared case- and space-insensitively and shown with their most
    frequent spelling.
    """
    display = _display_labels(records)
    winners: dict[tuple, dict] = {}
    for record in records:
        for column in ("field", "resource", "need"):
            record[column] = display[column][label_key(record[column])]
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
        ledger.warn(record["_file"], record["_line"], record["_column"],
                    "voto sostituito da un voto successivo dello stesso ente per la stessa cella")


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
        display[column] = {key: value[2] for key, value in chosen.items()}
    return display

