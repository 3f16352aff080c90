"""The cleaning pipeline in memory: raw folder -> processed frames, ledger and report."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import NamedTuple

import pandas as pd

from palestre_analysis import __version__, config
from palestre_analysis.core.fingerprint import ingest_hash, sha256_file
from palestre_analysis.core.geography import Geography, geography
from palestre_analysis.core.personal import NameIndex
from palestre_analysis.core.problems import ERROR, DataError, Problem, count_by_severity
from palestre_analysis.core.process import (
    DEFAULT_REFERENCE_DATE,
    PROCESS_FILE,
    Process,
    not_yet_applied,
    read_process,
)
from palestre_analysis.core.territories import COVERED_FROM
from palestre_analysis.ingest.decoding import looks_double_encoded
from palestre_analysis.ingest.forms import WideLayout, is_wide_layout, wide_layout
from palestre_analysis.ingest.inventory import Inventory, Source, raw_input_hashes, survey
from palestre_analysis.ingest.ledger import FileAccount, Ledger
from palestre_analysis.ingest.processed import COLUMNS
from palestre_analysis.ingest.pseudonyms import load_key, pseudonym
from palestre_analysis.ingest.raw_contract import SPECS, TABLE_NAMES, ColumnMap, map_columns
from palestre_analysis.ingest.reading import Grid, RawTable, collector_paused, raw_table
from palestre_analysis.ingest.rows import (
    Known,
    clean_attendance,
    clean_contributions,
    clean_entities,
    clean_meetings,
    clean_votes_long,
    clean_votes_wide,
    last_meeting_date,
    merge_votes,
)
from palestre_analysis.ingest.schemas import check_processed

__all__ = ["run_pipeline", "MOST_ROWS"]


def run_pipeline(raw_dir: Path, *, pseudonymise: bool):
    """Read every raw table, clean it, and return ``(frames, ledger, report)``.

    Raises :class:`DataError` with every blocking problem at once.

    Tables are cleaned in dependency order (entities, meetings, attendance,
    contributions, votes), each checked against its pandera schema. A missing
    ``enti`` file is blocking; another missing table is a warning and gives an empty
    table.

    Territories are read with the places of the process's area on its reference date
    (:class:`~palestre_analysis.core.geography.Geography`): ``data_riferimento`` of
    ``processo.toml``, else the date of the last meeting
    (:func:`~palestre_analysis.ingest.rows.last_meeting_date`), else
    :data:`~palestre_analysis.core.process.DEFAULT_REFERENCE_DATE`. The date used is
    recorded in the report's process. Nodes and groups are the process's.

    Parameters
    ----------
    raw_dir : Path
        The raw folder.
    pseudonymise : bool
        Whether to compute delegate pseudonyms. With False no key is read and
        ``delegate_id`` stays empty; names and emails are dropped either way.

    Returns
    -------
    frames : dict of str to DataFrame
        The five processed tables, by name (see
        :data:`~palestre_analysis.ingest.processed.COLUMNS`).
    ledger : Ledger
        The state of every raw row and every problem found.
    report : dict
        The cleaning report: package version, ingest code hash, whether the data are the
        demo set and hold personal values, input hashes, every raw file and what it was
        read as, the process (``processo.toml`` or the defaults, with the reference date
        used), per-file accounts, table sizes, totals, personal data removed from free
        text and problem counts.

    Raises
    ------
    DataError
        When ``raw_dir`` does not exist, a file cannot be read, a required column is
        missing or doubled, ``enti`` is missing, the last meeting comes before the
        territorial table (``COVERED_FROM``), or (with ``pseudonymise``) personal data
        have no key (:class:`~palestre_analysis.ingest.pseudonyms.KeyMissing`).

    Examples
    --------
    >>> import tempfile
    >>> raw = Path(tempfile.mkdtemp())
    >>> _ = (raw / "enti.csv").write_text("ente_id,denominazione,tipologia,territorio\\n"
    ...                                   "E1,Alfa,APS,BS\\nE2,Beta,Banca,MI\\n")
    >>> frames, ledger, report = run_pipeline(raw, pseudonymise=False)
    >>> frames["entities"][["entity_id", "entity_type", "group", "territory"]].to_dict("records")
    [{'entity_id': 'E1', 'entity_type': 'aps', 'group': 'aps_odv', 'territory': 'Brescia'}]
    >>> report["totals"], report["problems"]
    ({'read': 2, 'kept': 1, 'rejected': 1, 'merged_duplicates': 0, 'not_scored': 0, 'dont_know': 0}, {'errors': 1, 'warnings': 4})
    >>> run_pipeline(raw / "missing", pseudonymise=False)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    palestre_analysis.core.problems.DataError: ...missing: la cartella dei dati grezzi non esiste.
    """
    if not raw_dir.is_dir():
        raise DataError([Problem(str(raw_dir), None, None, "la cartella dei dati grezzi non esiste")])
    with collector_paused():
        return _run(raw_dir, pseudonymise)


def _run(raw_dir: Path, pseudonymise: bool):
    ledger = Ledger()
    inputs, inventory, process = _read_inputs(raw_dir, ledger)
    process, places = _process_places(process, inputs)
    known = Known()
    entities = clean_entities(_pairs(inputs["enti"]), ledger, known, process=process, geography=places)
    meetings = clean_meetings(_pairs(inputs["incontri"]), ledger, known, geography=places)
    attendance = clean_attendance(_pairs(inputs["presenze"]), ledger, known)
    phases = {m["meeting_id"]: m["phase"] for m in meetings}
    names = NameIndex.from_names(_delegate_names(inputs["enti"]))
    contributions = clean_contributions(_pairs(inputs["contributi"]), ledger, known, phases, names, nodes=process.nodes)
    votes = _clean_votes(inputs["valutazioni"], ledger, known, process.scale)
    demo = (raw_dir / config.DEMO_MARKER).is_file()
    personal = _add_pseudonyms(entities, demo=demo, enabled=pseudonymise, source=_entity_file_name(inputs))
    frames = _frames(entities, meetings, attendance, contributions, votes, process, places)
    accounts = ledger.accounts()
    losses = _losses(accounts)
    if losses:
        raise DataError(ledger.problems + losses)
    report = {
        "package_version": __version__,
        "ingest_code_hash": ingest_hash(),
        "demo_data": demo,
        "personal_data": personal,
        "inputs": raw_input_hashes(raw_dir),
        "raw_files": [vars(e) for e in inventory.entries],
        "process": process.as_json(),
        "files": [vars(a) for a in accounts],
        "tables": {name: int(len(frame)) for name, frame in frames.items()},
        "totals": {
            key: sum(getattr(a, key) for a in accounts)
            for key in ("read", "kept", "rejected", "merged_duplicates", "not_scored", "dont_know")
        },
        "personal_data_removed": {kind: ledger.personal_removed[kind] for kind in ("email", "telefono", "nome")},
        "problems": count_by_severity(ledger.problems),
        "identity": "read = kept + rejected + merged_duplicates + not_scored",
    }
    return frames, ledger, report


def _read_inputs(raw_dir: Path, ledger: Ledger) -> tuple[dict[str, list], Inventory, Process]:
    """Every table of every file and sheet, read and mapped; blocking problems are raised together."""
    inventory = survey(raw_dir)
    blocking = [p for p in inventory.problems if p.severity == ERROR]
    process, process_problems = read_process(raw_dir)
    blocking += process_problems or not_yet_applied(process, _process_text(raw_dir))
    ledger.problems.extend(p for p in inventory.problems if p.severity != ERROR)
    inputs: dict[str, list] = {name: [] for name in TABLE_NAMES}
    for source in inventory.sources:
        recognition = source.recognition
        header_errors = [p for p in recognition.problems if p.severity == ERROR]
        if header_errors:
            blocking.extend(header_errors)
            continue
        ledger.problems.extend(recognition.problems)
        table = raw_table(source.grid, recognition.header_index)
        mapped = _map_table(source.table, table, ledger, blocking)
        if mapped is not None:
            _open(ledger, mapped, source)
            inputs[source.table].append(mapped)
    for table_name in TABLE_NAMES:
        if inventory.of_table(table_name) or table_name in inventory.unreadable:
            continue
        if table_name == "enti":
            blocking.append(
                Problem(
                    f"{raw_dir.name}/enti.csv",
                    None,
                    None,
                    "manca il file degli enti (enti.csv o enti.xlsx): senza enti nessuna analisi è possibile",
                )
            )
        else:
            ledger.warn(
                f"{table_name}.csv",
                None,
                None,
                f"nessun file «{table_name}» (.csv o .xlsx): le analisi che ne dipendono resteranno vuote",
            )
    if blocking:
        raise DataError(blocking)
    return inputs, inventory, process


def _process_places(process: Process, inputs: dict[str, list]) -> tuple[Process, Geography]:
    """The process with its reference date resolved, and its places on that date.

    ``data_riferimento``, else the last meeting's date, else the default date; a date
    the territorial table does not cover stops the cleaning with a sentence.
    """
    on = process.reference_date
    if on is None:
        last = last_meeting_date(_pairs(inputs["incontri"]))
        if last is not None and last[0] < COVERED_FROM:
            day, file, line, column = last
            raise DataError(
                [
                    Problem(
                        file,
                        line,
                        column,
                        f"l'ultimo incontro è del {day.isoformat()}, ma l'elenco dei territori parte dal "
                        f"{COVERED_FROM.isoformat()}: indicare in {PROCESS_FILE} una data_riferimento dal "
                        f"{COVERED_FROM.isoformat()} in poi, la data delle unità territoriali del processo",
                    )
                ]
            )
        on = last[0] if last is not None else DEFAULT_REFERENCE_DATE
    try:
        places = geography(process.area, on)
    except ValueError as exc:  # an area that names no region on that date, or a date before the table
        raise DataError([Problem(process.source or PROCESS_FILE, None, "area", str(exc))]) from None
    return replace(process, reference_date=on), places


class _MappedFile(NamedTuple):
    """One raw file and how its columns are read: ``layout`` is ``"table"``, ``"long"`` or ``"wide"``.

    ``columns`` is a :class:`~palestre_analysis.ingest.raw_contract.ColumnMap`, or for a
    ``"wide"`` Forms export a :class:`~palestre_analysis.ingest.forms.WideLayout`.
    """

    table: RawTable
    layout: str
    columns: ColumnMap | WideLayout


def _pairs(files: list[_MappedFile]) -> list[tuple[RawTable, ColumnMap]]:
    return [(mapped.table, mapped.columns) for mapped in files]


def _map_table(table_name: str, table: RawTable, ledger: Ledger, blocking: list[Problem]) -> _MappedFile | None:
    """Column map (or form layout) of one file; registers its rows in the ledger (``None``: blocked)."""
    if table_name == "valutazioni" and is_wide_layout(table):
        layout = wide_layout(table)
        if layout.id_position is None:
            blocking.append(
                Problem(
                    table.name,
                    table.header_line,
                    None,
                    "export del modulo senza la colonna «ente_id» (o «Codice ente»): non si sa chi ha votato",
                )
            )
            return None
        for position in layout.personal:
            ledger.warn(
                table.name,
                table.header_line,
                table.header[position],
                "colonna con dati personali: ignorata, non entra nei dati puliti",
            )
        if layout.microsoft and not layout.grid:
            blocking.append(_microsoft_without_grid(table, layout))
            return None
        for position in layout.ignored:
            ledger.warn(
                table.name,
                table.header_line,
                table.header[position],
                "colonna non riconosciuta come cella della griglia «campo - esigenza [risorsa]»: ignorata"
                + (" (per leggerla, rinominarla così)" if layout.microsoft else ""),
            )
        return _MappedFile(table, "wide", layout)
    columns, problems = map_columns(table, SPECS[table_name])
    blockers = [p for p in problems if p.severity == ERROR]
    if blockers:
        blocking.extend(blockers)
        return None
    ledger.problems.extend(problems)
    return _MappedFile(table, "long" if table_name == "valutazioni" else "table", columns)


def _process_text(raw_dir: Path) -> str:
    path = raw_dir / PROCESS_FILE
    return path.read_bytes().decode("utf-8", errors="replace") if path.is_file() else ""


def _microsoft_without_grid(table: RawTable, layout: WideLayout) -> Problem:
    questions = ", ".join(f"«{table.header[p][:40]}»" for p in layout.ignored[:3]) or "nessuna"
    return Problem(
        table.name,
        table.header_line,
        None,
        "export di Microsoft Forms senza celle della griglia: rinominare ogni colonna di voto come "
        f"«campo - esigenza [risorsa]» (ad esempio «Cultura - Sedi [5 per mille]»); colonne trovate: {questions}",
    )


def _line_account(grid: Grid, header_index: int) -> dict[str, int]:
    """Every physical line of a file or sheet, by what it is; a bug if they do not add up."""
    spans = [record.end - record.start + 1 for record in grid.records]
    account = {
        "in_file": grid.n_lines,
        "header": spans[header_index],
        "before_header": sum(spans[:header_index]),
        "blank": len(grid.blank_lines),
        "directives": len(grid.skipped),
        "rows": sum(spans[header_index + 1 :]),
        "rejected_at_reading": len(grid.rejected),
    }
    if sum(account.values()) - account["in_file"] != account["in_file"]:
        raise RuntimeError(f"lines of {grid.label} not accounted for: {account}")
    return account


def _open(ledger: Ledger, mapped: _MappedFile, source: Source) -> None:
    """Register a file's rows, its lines rejected at reading, and its reading notes."""
    table, grid = mapped.table, source.grid
    account = FileAccount(
        file=table.name,
        table=source.table,
        layout=mapped.layout,
        sha256=sha256_file(table.path),
        encoding=table.encoding,
        read=table.n_read + len(grid.rejected),
        blank_lines=table.blank_lines,
        how=source.recognition.how,
        lines=_line_account(grid, source.recognition.header_index),
    )
    ledger.open_file(account, table.lines + [line for line, _ in table.ragged] + list(grid.rejected))
    for note in grid.notes:
        if note.severity != ERROR or note.line not in grid.rejected:
            ledger.problems.append(_without_personal_text(note, mapped, source.table))
    for line, reason in grid.rejected.items():
        ledger.reject(table.name, line, None, reason)
    for line, width in table.ragged:
        ledger.reject(
            table.name,
            line,
            None,
            f"riga con {width} campi invece dei {len(table.header)} dell'intestazione: "
            "controllare delimitatori e virgolette",
        )


def _without_personal_text(note: Problem, mapped: _MappedFile, table_name: str) -> Problem:
    """A reading note that would quote a personal cell (a garbled name) names its column instead."""
    if mapped.layout == "wide":
        personal = mapped.columns.personal
    else:
        personal = [mapped.columns.index[c] for c in SPECS[table_name].personal if c in mapped.columns.index]
    table = mapped.table
    row = table.rows[table.lines.index(note.line)] if personal and note.line in table.lines else None
    garbled = [p for p in personal if row is not None and looks_double_encoded(row[p])]
    if not garbled:
        return note
    return Problem(
        note.file,
        note.line,
        table.header[garbled[0]],
        "testo che sembra convertito due volte tra codifiche (valore non mostrato: è un dato personale): "
        "controllare la codifica con cui il file è stato salvato",
        note.severity,
    )


def _clean_votes(files: list[_MappedFile], ledger: Ledger, known: Known, scale: tuple[int, int]) -> list[dict]:
    records = []
    for mapped in files:
        clean = clean_votes_wide if mapped.layout == "wide" else clean_votes_long
        records.extend(clean(mapped.table, mapped.columns, ledger, known, scale=scale))
    return merge_votes(records, ledger)


def _delegate_names(files: list[_MappedFile]) -> list[str]:
    """Every delegate's name in the entity files, kept rows or not: they leave the free text."""
    return [mapped.columns.value(row, "delegato") for mapped in files for row in mapped.table.rows]


#: Above this share of rejected rows a table is lost rather than cleaned: the run stops.
MOST_ROWS = 0.5


def _losses(accounts: list[FileAccount]) -> list[Problem]:
    """A blocking sentence for each table left empty, or that lost most of its rows."""
    problems = []
    for table in TABLE_NAMES:
        mine = [a for a in accounts if a.table == table]
        read = sum(_units(a, "read") for a in mine)
        rejected = sum(_units(a, "rejected") for a in mine)
        kept = sum(_units(a, "kept") + _units(a, "merged_duplicates") + _units(a, "not_scored") for a in mine)
        unit = "voti" if any(a.layout == "wide" for a in mine) else "righe"
        files = ", ".join(a.file for a in mine)
        if read and not kept:
            reason = f"la tabella «{table}» resterebbe vuota: scartate tutte le {read} {unit} lette"
        elif read and rejected > MOST_ROWS * read:
            reason = f"la tabella «{table}» perderebbe la maggior parte dei dati: scartate {rejected} {unit} su {read}"
        else:
            continue
        problems.append(Problem(files, None, None, reason + ": correggere i motivi indicati sopra e ripetere"))
    return problems


def _units(account: FileAccount, state: str) -> int:
    """Rows, or votes for a form export (whose rows hold many votes)."""
    return account.votes.get(state, 0) if account.layout == "wide" else getattr(account, state)


def _entity_file_name(inputs: dict) -> str:
    return inputs["enti"][0].table.name if inputs["enti"] else "enti.csv"


def _add_pseudonyms(entities: list[dict], *, demo: bool, enabled: bool, source: str) -> bool:
    """Replace delegate names and emails with keyed pseudonyms (and drop the raw values).

    Returns whether any personal value was present.
    """
    personal = any(e["_delegate"] or e["_email"] for e in entities)
    key = load_key(demo=demo, source=source) if (personal and enabled) else None
    for entity in entities:
        name, email = entity.pop("_delegate"), entity.pop("_email")
        entity["delegate_id"] = pseudonym(key, name, email) if key else None
    return personal


def _frames(entities, meetings, attendance, contributions, votes, process, places) -> dict[str, pd.DataFrame]:
    raw = {
        "entities": entities,
        "meetings": meetings,
        "attendance": attendance,
        "contributions": contributions,
        "votes": votes,
    }
    frames = {}
    for name, records in raw.items():
        frame = (
            pd.DataFrame.from_records(records, columns=COLUMNS[name])
            if records
            else pd.DataFrame({c: pd.Series(dtype=_empty_dtype(name, c)) for c in COLUMNS[name]})
        )
        if name == "meetings":
            frame["date"] = pd.to_datetime(frame["date"]).astype("datetime64[ns]")
        if name == "votes":
            frame = frame.sort_values(["entity_id", "field", "resource", "need"], kind="stable")
        frames[name] = check_processed(name, frame.reset_index(drop=True), process=process, geography=places)
    return frames


def _empty_dtype(table: str, column: str) -> str:
    if column == "date":
        return "datetime64[ns]"
    if column in ("phase", "score"):
        return "int8"
    return "str"
