"""``index.html``: the Italian entry page of the reports, an overview of the process.

It opens with the process in figures (entities, meetings, delegates who voted, votes, the
period of the meetings), then one table per region with one row per territory: its key
numbers, its reports (page, PDF, executed notebook) with the status of each, and its
tables. A report that only shows the privacy notice, and a failed one, say why. The
cleaning note and the run's timings close the page.

Every number comes from a table the batch published (``<territory>/tables/*.csv``, as the
manifest lists them), never from the raw or processed data: a count the disclosure control
hid in a territory's tables stays hidden here, with the reports' mark ``‡``. The page is
plain HTML and CSS, with the reports' Content-Security-Policy: no script, nothing fetched.
"""

from __future__ import annotations

import csv
import html
import posixpath
from dataclasses import dataclass, field
from datetime import date
from functools import cached_property
from pathlib import Path
from urllib.parse import quote

from palestre_analysis import config
from palestre_analysis.batch.export import CONTENT_SECURITY_POLICY
from palestre_analysis.batch.plan import NOTEBOOKS
from palestre_analysis.core.files import atomic_write_text
from palestre_analysis.core.vocabulary import normalize_label
from palestre_analysis.report.formatting import SUPPRESSED_MARK, date_it, integer, num, plural

__all__ = ["INDEX_NAME", "NOT_PUBLISHED", "render_index", "write_index"]

INDEX_NAME = "index.html"
#: A number the territory's tables do not hold (its reports show only a notice, or failed).
NOT_PUBLISHED = "–"

_STATUS = {"ok": ("completato", "ok"), "failed": ("errore", "errore")}
#: The rows of the final report's ``summary.csv`` that the index shows, by the start of their ``item``.
_SUMMARY_ITEMS = ("Enti nella rete", "Incontri", "Delegati che hanno votato", "Voti validi")
_COLUMNS = ("Enti nella rete", "Incontri frequentati", "Delegati votanti", "Voti")

_CSS = """
body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; margin: 2em auto;
       max-width: 66em; padding: 0 1em; color: #1a1a1a; background: #fff; line-height: 1.45; }
h1 { font-size: 1.6em; margin-bottom: 0.3em; } h2 { font-size: 1.25em; margin-top: 1.8em; }
a { color: #0b4f8a; } a:focus-visible { outline: 3px solid #1a1a1a; outline-offset: 2px; }
.cifre { display: flex; flex-wrap: wrap; gap: 0.8em; margin: 0.6em 0; padding: 0; }
.cifre div { border: 1px solid #c6c6c6; border-radius: 4px; padding: 0.5em 0.9em; min-width: 10em; flex: 1 1 10em; }
.cifre dt { font-size: 0.9em; color: #404040; } .cifre dd { margin: 0.1em 0 0; font-size: 1.15em; font-weight: bold; }
.fonte { font-size: 0.9em; color: #404040; }
table { border-collapse: collapse; width: 100%; margin-top: 0.4em; }
caption { text-align: left; font-weight: bold; padding: 0.3em 0; }
th, td { text-align: left; padding: 0.4em 0.6em; border-bottom: 1px solid #c6c6c6; vertical-align: top; }
thead th { background: #f2f2f2; font-size: 0.92em; }
tbody th { font-weight: bold; }
.num { text-align: right; font-variant-numeric: tabular-nums; width: 5.5em; }
td.num { white-space: nowrap; } td.elenco { width: 56%; }
.rapporti { margin: 0; padding-left: 1.1em; } .rapporti li { margin-bottom: 0.3em; }
.stato { font-weight: bold; white-space: nowrap; }
.stato-ok { color: #1b6b32; } .stato-errore { color: #a3142a; }
.avviso { color: #7a4505; font-weight: bold; }
.errore { color: #a3142a; font-size: 0.9em; overflow-wrap: anywhere; }
.motivo { font-size: 0.9em; margin: 0.3em 0 0; }
.file { white-space: nowrap; } p.file { margin: 0.2em 0 0; }
.nota { background: #f7f7f7; border-left: 4px solid #2166ac; padding: 0.6em 1em; }
.legenda { font-size: 0.9em; }
.completa { font-size: 1.1em; font-weight: bold; margin: 0.8em 0; }
@media (max-width: 48em) {  /* a phone, or the page zoomed to 200%: no sideways scrolling */
  body { padding: 0 0.5em; } th, td { padding: 0.3em; } .num { width: auto; } .file { white-space: normal; }
  thead th { font-size: 0.85em; } .errore { word-break: break-word; }
}
@media print {
  body { margin: 0; max-width: none; font-size: 10pt; color: #000; }
  a { color: #000; }
  h2 { break-after: avoid; }
  tr, .cifre div { break-inside: avoid; }
  thead { display: table-header-group; }
  .esecuzione, .palestre-nav { display: none; }
  .nota { border-left-color: #000; background: none; }
}
"""


@dataclass
class _Territory:
    """A territory of the index: its reports in order and the tables they published."""

    name: str
    entries: list[dict] = field(default_factory=list)
    #: Entities, meetings attended, delegates who voted, votes, as :func:`_key_numbers` reads them.
    numbers: tuple[str, ...] = ()

    @cached_property
    def tables(self) -> dict[str, str]:
        """File name to path (relative to the reports folder) of every table its reports published."""
        found: dict[str, str] = {}
        for entry in self.entries:
            for path in (entry.get("outputs") or {}).get("tables") or []:
                found.setdefault(posixpath.basename(path), path)
        return found


def render_index(manifest: dict, reports_dir: Path | str) -> str:
    """The index page for ``manifest`` (see :mod:`~palestre_analysis.batch.manifest`).

    Every text that comes from the data (territory names, error messages, the values of
    ``summary.csv``) is escaped.

    Parameters
    ----------
    manifest : dict
        The batch's manifest: its ``reports`` (each with ``territory``, ``notebook``,
        ``title``, ``status``, ``error``, ``started``, ``duration_s``, ``outputs`` and,
        when the batch records it, ``notice``), its ``process`` (``title``, ``area``,
        ``national``, ``min_cell``, ``places``), ``territories.names`` (their order) and
        the ``cleaning`` summary (``n_rejected``, ``rejected_csv_rows``).
    reports_dir : Path or str
        The ``reports`` folder; the paths of ``outputs`` are relative to it, and the
        published tables the page quotes are read from it.

    Returns
    -------
    str
        A complete ``<html lang="it">`` page with the same Content-Security-Policy as the
        reports: a summary line, the process in figures, one table per region (the area
        first; in a national process, each region with its provinces), the notes on the
        cleaning and the run.

    Examples
    --------
    >>> page = render_index({"reports": {}, "cleaning": {}}, "/tmp/reports")
    >>> '<html lang="it">' in page, "Nessun rapporto" in page
    (True, True)
    >>> entry = {"territory": "<Brescia>", "notebook": "01.ipynb", "title": "Fase 1", "status": "failed",
    ...          "error": "KeyError: 'x'", "outputs": {"html": "brescia/01.html"}}
    >>> page = render_index({"reports": {"brescia/01": entry}, "cleaning": {"n_rejected": 1}}, "/tmp/reports")
    >>> "&lt;Brescia&gt;" in page, "1 con errore" in page, "è stata scartata 1 riga" in page
    (True, True, True)
    >>> '<th scope="row">&lt;Brescia&gt;</th>' in page, '<div class="errore">KeyError: &#x27;x&#x27;</div>' in page
    (True, True)
    """
    reports = manifest.get("reports", {})
    process = manifest.get("process") or {}
    territories = _territories(manifest)
    title = html.escape(process.get("title") or "Palestre di capacità")
    for territory in territories:
        territory.numbers = _key_numbers(territory, reports_dir)
    if territories:
        min_cell = _min_cell(manifest)
        area = _area_of(process, territories)
        content = [
            _summary(reports),
            _notice_summary(territories),
            _figures(area, reports_dir),
            *(
                _group(heading, members, process, reports_dir, min_cell)
                for heading, members in _groups(territories, process)
            ),
            _legend(territories, min_cell),
        ]
    else:
        content = [_summary(reports), "<p>Nessun rapporto è stato ancora prodotto.</p>"]
    notes = _notes(manifest.get("cleaning", {}), reports_dir, territories)
    body = "\n".join(part for part in [*content, notes] if part)
    return (
        '<!DOCTYPE html>\n<html lang="it">\n<head>\n<meta charset="utf-8">\n'
        f'<meta http-equiv="Content-Security-Policy" content="{CONTENT_SECURITY_POLICY}">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        '<link rel="icon" href="data:,">\n'
        f"<title>{title} · Rapporti per territorio</title>\n"
        f"<style>{_CSS}</style>\n</head>\n<body>\n<main>\n"
        f"<h1>{title} · Rapporti per territorio</h1>\n{body}\n</main>\n</body>\n</html>\n"
    )


def write_index(reports_dir: Path | str, manifest: dict) -> Path:
    """Write ``index.html`` atomically, only when its content changed; return its path.

    Parameters
    ----------
    reports_dir : Path or str
        The ``reports`` folder (it must exist).
    manifest : dict
        The batch's manifest (see :func:`render_index`).

    Returns
    -------
    Path
        ``reports_dir/index.html``.

    Examples
    --------
    >>> import tempfile
    >>> folder = Path(tempfile.mkdtemp())
    >>> path = write_index(folder, {"reports": {}, "cleaning": {}})
    >>> path.name, path.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    ('index.html', True)
    """
    path = Path(reports_dir) / INDEX_NAME
    page = render_index(manifest, reports_dir)
    try:
        if path.read_text(encoding="utf-8") == page:
            return path
    except OSError:
        pass
    return atomic_write_text(path, page)


# --- the territories and their order ------------------------------------------------------------


def _territories(manifest: dict) -> list[_Territory]:
    """The territories with reports, in the order of the hierarchy; each one's reports by notebook."""
    reports = manifest.get("reports", {})
    by_name: dict[str, _Territory] = {}
    for key in sorted(reports, key=lambda k: (reports[k].get("notebook", ""), k)):
        entry = reports[key]
        by_name.setdefault(entry.get("territory", ""), _Territory(entry.get("territory", ""))).entries.append(entry)
    rank = _rank(manifest)
    return sorted(by_name.values(), key=lambda t: (rank.get(t.name, len(rank)), normalize_label(t.name), t.name))


def _rank(manifest: dict) -> dict[str, int]:
    """Each territory's place in the hierarchy: the batch's list of territories (the area first, then region by region).

    A manifest without that list (an older one) falls back on the process's places, then
    on the seed's region first.
    """
    names = (manifest.get("territories") or {}).get("names")
    if not isinstance(names, list):
        places = (manifest.get("process") or {}).get("places") or {}
        names = list(places) if places else [config.REGION]
    return {name: i for i, name in enumerate(names)}


def _area_of(process: dict, territories: list[_Territory]) -> _Territory | None:
    area = process.get("area") or config.REGION
    return next((t for t in territories if t.name == area), None)


def _groups(territories: list[_Territory], process: dict) -> list[tuple[str, list[_Territory]]]:
    """The tables of the page: the area's region with its provinces (a national process: the country, then each region).

    Territories the geography does not place (a name the cleaning did not write) come last,
    under «Altri territori». Within a group the region comes first, then its provinces
    alphabetically.
    """
    places = process.get("places") or {}
    area = process.get("area") or config.REGION
    groups: dict[str, list[_Territory]] = {}
    for territory in territories:
        where = places.get(territory.name) or {}
        if territory.name == area:
            heading = "Tutto il paese" if process.get("national") else area
        elif process.get("national"):
            heading = where.get("region") or "Altri territori"
        else:
            heading = area if where.get("region") == area or not places else "Altri territori"
        groups.setdefault(heading, []).append(territory)
    if "Altri territori" in groups:
        groups["Altri territori"] = groups.pop("Altri territori")
    for members in groups.values():
        members.sort(key=lambda t: (t.name not in (area, *_regions(places)), normalize_label(t.name), t.name))
    return list(groups.items())


def _regions(places: dict) -> list[str]:
    return [name for name, where in places.items() if (where or {}).get("level") == "regione"]


def _label(name: str, process: dict) -> str:
    """The row header of a territory: "Lombardia (tutta la regione)", "Italia (tutto il paese)", "Verona"."""
    places = process.get("places") or {}
    area = process.get("area") or config.REGION
    level = (places.get(name) or {}).get("level")
    if name == area and level == "nazione":
        return f"{name} (tutto il paese)"
    if name == area or level == "regione":
        return f"{name} (tutta la regione)"
    return name


def _enclosing(name: str, process: dict) -> str:
    """The territory whose report counts this one's data: its region, or the area."""
    area = process.get("area") or config.REGION
    region = ((process.get("places") or {}).get(name) or {}).get("region")
    return region if region and region != name else area


def _min_cell(manifest: dict) -> int:
    """The disclosure threshold of the reports (their parameters), else the process's, else the default."""
    for entry in manifest.get("reports", {}).values():
        value = (entry.get("parameters") or {}).get("min_cell")
        if isinstance(value, int):
            return value
    value = (manifest.get("process") or {}).get("min_cell")
    return value if isinstance(value, int) else config.MIN_CELL


# --- the published tables ----------------------------------------------------------------------


def _read(reports_dir: Path | str, territory: _Territory | None, name: str) -> list[dict] | None:
    """The rows of table ``name`` that ``territory``'s reports published; ``None`` when there is none."""
    relative = territory.tables.get(name) if territory else None
    if not relative:
        return None
    try:
        with open(Path(reports_dir) / relative, encoding="utf-8", newline="") as handle:
            return list(csv.DictReader(handle))
    except (OSError, UnicodeDecodeError, csv.Error):
        return None


def _number(text: str | None) -> float | None:
    try:
        return float(text) if text not in (None, "") else None
    except ValueError:
        return None


def _hidden(row: dict) -> bool:
    return str(row.get("suppressed", "")).strip().lower() == "true"


def _count(rows: list[dict] | None, key: str, column: str) -> str:
    """The ``all`` row's ``column`` as the reports show it: the count, ``‡`` where it is hidden, ``–`` if absent.

    >>> _count([{"group": "all", "n_delegates": "83.0", "suppressed": "False"}], "group", "n_delegates")
    '83'
    >>> _count([{"group": "all", "n_delegates": "", "suppressed": "True"}], "group", "n_delegates")
    '‡'
    >>> _count(None, "group", "n_delegates")
    '–'
    """
    row = next((r for r in rows or [] if r.get(key) == "all"), None)
    if row is None:
        return NOT_PUBLISHED
    value = _number(row.get(column))
    if value is not None:
        return integer(value)
    return SUPPRESSED_MARK if _hidden(row) else NOT_PUBLISHED


def _meetings(rows: list[dict] | None) -> str:
    """The meetings the territory's entities attended: ``meetings.csv`` lists each one, even where counts are hidden."""
    if rows is None:
        return NOT_PUBLISHED
    return integer(len({r.get("meeting_id") for r in rows}))


def _votes(rows: list[dict] | None) -> str:
    """All the territory's votes: the sum of its cells, published only where every cell is shown.

    As in the report's own sentence: where a cell is hidden, the total minus the shown cells
    would give the hidden cell's votes, so the total is hidden too.

    >>> shown = {"group": "all", "n": "7.0", "suppressed": "False"}
    >>> _votes([shown, {"group": "aps_odv", "n": "", "suppressed": "True"}, {**shown, "n": "1200.0"}])
    '1.207'
    >>> _votes([shown, {"group": "all", "n": "", "suppressed": "True"}])
    '‡'
    """
    if rows is None:
        return NOT_PUBLISHED
    cells = [r for r in rows if r.get("group") == "all"]
    counts = [_number(r.get("n")) for r in cells]
    if not cells:
        return NOT_PUBLISHED
    if any(n is None or _hidden(r) for n, r in zip(counts, cells, strict=True)):
        return SUPPRESSED_MARK
    return integer(sum(counts))


def _key_numbers(territory: _Territory, reports_dir: Path | str) -> tuple[str, str, str, str]:
    """Entities, meetings attended, delegates who voted and votes of one territory, from its own tables."""
    return (
        _count(_read(reports_dir, territory, "participation.csv"), "category", "n_entities"),
        _meetings(_read(reports_dir, territory, "meetings.csv")),
        _count(_read(reports_dir, territory, "voters.csv"), "group", "n_delegates"),
        _votes(_read(reports_dir, territory, "cells.csv")),
    )


def _period(rows: list[dict] | None) -> str | None:
    """``20 settembre 2018 – 13 giugno 2019``: the first and the last date of ``meetings.csv``."""
    days = []
    for row in rows or []:
        try:
            days.append(date.fromisoformat(str(row.get("date", ""))[:10]))
        except ValueError:
            continue
    if not days:
        return None
    first, last = min(days), max(days)
    return date_it(first) if first == last else f"{date_it(first)} – {date_it(last)}"


# --- the page's parts ---------------------------------------------------------------------------


def _summary(reports: dict) -> str:
    failed = sum(1 for e in reports.values() if e.get("status") != "ok")
    text = f"<p>{plural(len(reports), 'rapporto', 'rapporti')}"
    if failed:
        return text + f", di cui <strong>{integer(failed)} con errore</strong>.</p>"
    return text + (", completato.</p>" if len(reports) == 1 else ", tutti completati.</p>")


def _notice_summary(territories: list[_Territory]) -> str:
    """One sentence naming the territories whose every report shows only the privacy notice."""
    names = [t.name for t in territories if t.entries and all(_notice_only(e) for e in t.entries)]
    if not names:
        return ""
    listed = html.escape(names[0] if len(names) == 1 else ", ".join(names[:-1]) + " e " + names[-1])
    if len(names) == 1:
        return (
            f"<p>Per {listed} i rapporti mostrano solo un avviso, senza statistiche, per tutelare la riservatezza "
            "dei delegati: il motivo è nella sua riga.</p>"
        )
    return (
        f"<p>Per {integer(len(names))} territori ({listed}) i rapporti mostrano solo un avviso, senza statistiche, "
        "per tutelare la riservatezza dei delegati: il motivo è nella loro riga.</p>"
    )


def _figures(area: _Territory | None, reports_dir: Path | str) -> str:
    """The process in figures: the area's ``summary.csv`` (its final report), else its own key numbers; the period.

    The values of ``summary.csv`` are shown as the final report wrote them (Italian
    numbers, and «non mostrato» where the disclosure control hid a count).
    """
    parts = ['<section aria-labelledby="cifre">', '<h2 id="cifre">Il processo in cifre</h2>']
    summary = _read(reports_dir, area, "summary.csv")
    meetings = _read(reports_dir, area, "meetings.csv")
    if summary:
        figures = [(r["item"], r["value"]) for r in summary if str(r.get("item", "")).startswith(_SUMMARY_ITEMS)]
        source = f"dalla tabella {_table_link(area, 'summary.csv')} della relazione finale"
    elif area is not None:
        figures = [
            (label, value) for label, value in zip(_COLUMNS, area.numbers, strict=True) if value != NOT_PUBLISHED
        ]
        source = "dalle tabelle dei suoi rapporti"
    else:
        figures = []
    period = _period(meetings)
    if period:
        figures.append(("Periodo degli incontri", period))
    if area is None:
        parts.append(
            "<p>Il rapporto dell'intera area non è stato prodotto: le cifre del processo non sono disponibili.</p>"
        )
    elif not figures:
        parts.append(f"<p>I rapporti dell'intera area ({html.escape(area.name)}) non pubblicano alcuna cifra.</p>")
    else:
        items = (f"<div><dt>{html.escape(label)}</dt><dd>{html.escape(value)}</dd></div>" for label, value in figures)
        where = f"Cifre dell'intera area ({html.escape(area.name)}), {source}"
        if period:
            where += f"; il periodo va dal primo all'ultimo incontro della tabella {_table_link(area, 'meetings.csv')}"
        parts += ['<dl class="cifre">', *items, "</dl>", f'<p class="fonte">{where}.</p>']
    if area is not None:
        parts.append(_complete_report(area, reports_dir))
    return "\n".join([*parts, "</section>"])


def _complete_report(area: _Territory, reports_dir: Path | str) -> str:
    """The link the process's readers look for: "la relazione completa", the area's final report as PDF.

    >>> entry = {"notebook": "03_relazione_finale.ipynb", "status": "ok", "outputs": {"html": "l/03.html"}}
    >>> print(_complete_report(_Territory("Lombardia", [entry]), "/nonexistent"))
    <p class="completa"><a href="l/03.html">Leggi la relazione completa</a></p>
    >>> _complete_report(_Territory("Lombardia", []), "/nonexistent")
    ''
    """
    finals = {spec.filename for spec in NOTEBOOKS if spec.scope == "region"}
    for entry in area.entries:
        outputs = entry.get("outputs") or {}
        if entry.get("notebook") not in finals or not outputs.get("html"):
            continue
        links = [f'<a href="{_href(outputs["html"])}">Leggi la relazione completa</a>']
        pdf = outputs.get("pdf")
        if pdf and (Path(reports_dir) / pdf).is_file():
            links.insert(0, f'<a href="{_href(pdf)}">Scarica la relazione completa (PDF)</a>')
        return f'<p class="completa">{" · ".join(links)}</p>'
    return ""


def _table_link(territory: _Territory, name: str) -> str:
    return f'<a href="{_href(territory.tables[name])}">{html.escape(name)}</a>'


def _group(heading: str, members: list[_Territory], process: dict, reports_dir: Path | str, min_cell: int) -> str:
    """One region's table: a row per territory with its key numbers, its reports and their status."""
    head = "".join(f'<th scope="col" class="num">{html.escape(c)}</th>' for c in _COLUMNS)
    rows = "\n".join(_row(t, process, reports_dir, min_cell) for t in members)
    return (
        f"<section>\n<h2>{html.escape(heading)}</h2>\n<table>\n"
        f"<caption>{html.escape(heading)}: numeri chiave e rapporti di ogni territorio</caption>\n"
        f'<thead><tr><th scope="col">Territorio</th>{head}<th scope="col">Rapporti</th></tr></thead>\n'
        f"<tbody>\n{rows}\n</tbody>\n</table>\n</section>"
    )


def _row(territory: _Territory, process: dict, reports_dir: Path | str, min_cell: int) -> str:
    numbers = "".join(f'<td class="num">{value}</td>' for value in territory.numbers)
    items = "\n".join(_report_item(entry, reports_dir) for entry in territory.entries)
    cell = f'<ul class="rapporti">\n{items}\n</ul>'
    if territory.tables:
        folder = posixpath.dirname(next(iter(territory.tables.values()))) + "/"
        cell += f'\n<p class="file"><a href="{_href(folder)}">Tabelle dei dati (CSV)</a></p>'
    notices = [e for e in territory.entries if _notice_only(e)]
    if notices and not any(isinstance(e.get("notice"), str) for e in notices):
        cell += f'\n<p class="motivo">{_generic_reason(territory.name, process, min_cell)}</p>'
    label = html.escape(_label(territory.name, process))
    return f'<tr><th scope="row">{label}</th>{numbers}<td class="elenco">{cell}</td></tr>'


def _report_item(entry: dict, reports_dir: Path | str) -> str:
    """One report: its page, status, PDF and notebook; the error of a failed one, the reason of a notice."""
    outputs = entry.get("outputs") or {}
    label, css = _STATUS.get(entry.get("status"), ("non eseguito", "errore"))
    title = html.escape(entry.get("title") or entry.get("notebook", ""))
    page = f'<a href="{_href(outputs["html"])}">{title}</a>' if outputs.get("html") else title
    item = f'{page}: <span class="stato stato-{css}">{label}</span>'
    if _notice_only(entry):
        item += ', <span class="avviso">solo un avviso</span>'
    files = []
    pdf = outputs.get("pdf")
    if pdf and (Path(reports_dir) / pdf).is_file():  # the PDF is optional: never a dead link
        files.append(f'<a class="file" href="{_href(pdf)}">PDF</a>')
    if outputs.get("notebook"):
        files.append(f'<a class="file" href="{_href(outputs["notebook"])}">notebook eseguito</a>')
    if files:
        item += " · " + " · ".join(files)
    error = entry.get("error")
    if error and entry.get("status") != "ok":
        item += f'<div class="errore">{html.escape(str(error).strip().splitlines()[0])}</div>'
    notice = entry.get("notice")
    if isinstance(notice, str) and notice.strip():
        item += f'<div class="motivo">{html.escape(notice.strip())}</div>'
    return f"<li>{item}</li>"


def _notice_only(entry: dict) -> bool:
    """A report that ran but shows only the privacy notice.

    The manifest's ``notice`` says so when the batch records it (the notice's reason, or
    ``None``); otherwise a report that succeeded and published no table is one: every
    report with statistics writes its tables.

    >>> _notice_only({"status": "ok", "outputs": {"tables": []}}), _notice_only({"status": "ok", "outputs": {}})
    (True, False)
    >>> _notice_only({"status": "ok", "notice": None, "outputs": {"tables": []}})
    False
    """
    if entry.get("status") != "ok":
        return False
    if "notice" in entry:
        return bool(entry["notice"])
    outputs = entry.get("outputs") or {}
    return "tables" in outputs and not outputs["tables"]


def _generic_reason(name: str, process: dict, min_cell: int) -> str:
    """Why a territory's reports show only a notice, when the manifest does not record each report's reason."""
    return html.escape(
        f"Motivo: troppo pochi enti o delegati per mostrare statistiche senza rischi per la riservatezza (ne servono "
        f"almeno {min_cell}). I suoi dati contano nel rapporto «{_enclosing(name, process)}»."
    )


def _legend(territories: list[_Territory], min_cell: int) -> str:
    """What ``‡`` and ``–`` mean, for the marks the tables above use."""
    shown = {value for t in territories for value in t.numbers}
    lines = []
    if SUPPRESSED_MARK in shown:
        from palestre_analysis.report.display import suppression_note

        lines.append(html.escape(suppression_note(min_cell)))
    if NOT_PUBLISHED in shown:
        lines.append(
            f"{NOT_PUBLISHED} dato non pubblicato: il rapporto del territorio mostra solo un avviso, "
            "o non è stato prodotto."
        )
    return f'<p class="legenda">{"<br>".join(lines)}</p>' if lines else ""


def _notes(cleaning: dict, reports_dir: Path | str, territories: list[_Territory]) -> str:
    """The closing section: the cleaning note and, folded, when each report ran and for how long."""
    note = _cleaning_note(cleaning, reports_dir)
    runs = _runs(territories)
    if not note and not runs:
        return ""
    heading = '<h2 id="note">Note sui dati e sull\'esecuzione</h2>'
    return "\n".join(part for part in ('<section aria-labelledby="note">', heading, note, runs, "</section>") if part)


def _runs(territories: list[_Territory]) -> str:
    """A folded table of the run: territory, report, duration, start time."""
    rows = []
    for territory in territories:
        for entry in territory.entries:
            duration = f"{num(entry['duration_s'])} s" if entry.get("duration_s") is not None else ""
            rows.append(
                f'<tr><th scope="row">{html.escape(territory.name)}</th>'
                f"<td>{html.escape(entry.get('title') or entry.get('notebook', ''))}</td>"
                f'<td class="num">{duration}</td><td>{html.escape(_italian_time(entry.get("started")))}</td></tr>'
            )
    if not rows:
        return ""
    body = "\n".join(rows)
    return (
        '<details class="esecuzione">\n<summary>Durata e ora di esecuzione di ogni rapporto</summary>\n<table>\n'
        "<caption>Esecuzione dei rapporti</caption>\n"
        '<thead><tr><th scope="col">Territorio</th><th scope="col">Rapporto</th><th scope="col" class="num">Durata</th>'
        '<th scope="col">Eseguito il (ora italiana)</th></tr></thead>\n'
        f"<tbody>\n{body}\n</tbody>\n</table>\n</details>"
    )


def _cleaning_note(cleaning: dict, reports_dir: Path | str) -> str:
    """The cleaning note: rows rejected, and what the lines of ``rejected.csv`` count.

    ``n_rejected`` counts raw rows rejected; ``rejected_csv_rows`` counts the lines of
    ``rejected.csv``, one per error found. Every error either rejects its row or, in a form
    export with many votes per row, only one vote: the two numbers are equal exactly when
    each rejected row has one error and no vote was rejected alone, and then one sentence
    says so.

    >>> import re
    >>> text = lambda html: re.sub("<[^>]+>", "", html)
    >>> print(text(_cleaning_note({"n_rejected": 5, "rejected_csv_rows": 7}, "")))  # doctest: +NORMALIZE_WHITESPACE
    Nella pulizia dei dati grezzi sono state scartate 5 righe. Per chi cura i dati: il file rejected.csv
    della cartella dei dati elaborati (non pubblicato con i rapporti) ha 7 righe oltre all'intestazione, una
    per ogni errore trovato, con file, riga, colonna e motivo: una riga scartata può avere più di un errore, e
    in un modulo con molti voti per riga un voto non valido scarta solo quel voto, non la riga.
    >>> print(text(_cleaning_note({"n_rejected": 1, "rejected_csv_rows": 1}, "")))  # doctest: +NORMALIZE_WHITESPACE
    Nella pulizia dei dati grezzi è stata scartata 1 riga. Per chi cura i dati: il file rejected.csv della
    cartella dei dati elaborati (non pubblicato con i rapporti) ha 1 riga oltre all'intestazione, una per ogni
    riga scartata, con file, riga, colonna e motivo.
    """
    rejected = cleaning.get("n_rejected")
    if rejected is None:
        return ""
    lines = cleaning.get("rejected_csv_rows")
    if not rejected and not lines:
        return '<p class="nota">La pulizia dei dati grezzi non ha scartato alcuna riga.</p>'
    if not rejected:
        rows = "La pulizia dei dati grezzi non ha scartato alcuna riga intera."
    elif rejected == 1:
        rows = "Nella pulizia dei dati grezzi è stata scartata 1 riga."
    else:
        rows = f"Nella pulizia dei dati grezzi sono state scartate {integer(rejected)} righe."
    where = "il file <code>rejected.csv</code> della cartella dei dati elaborati (non pubblicato con i rapporti)"
    if lines is None:  # not counted (an older manifest, an unreadable file)
        detail = f"file, riga, colonna e motivo di ciascuna sono nel{where[2:]}."
    elif lines == rejected:
        detail = f"{where} ha {plural(lines, 'riga', 'righe')} oltre all'intestazione, una per ogni riga scartata, "
        detail += "con file, riga, colonna e motivo."
    else:
        detail = f"{where} ha {plural(lines, 'riga', 'righe')} oltre all'intestazione, una per ogni errore trovato, "
        detail += "con file, riga, colonna e motivo"
        if lines > rejected:
            several = "una riga scartata può avere più di un errore, e " if rejected else ""
            detail += (
                f": {several}in un modulo con molti voti per riga un voto non valido scarta solo quel voto, non la riga"
            )
        detail += "."
    return f'<p class="nota">{rows} Per chi cura i dati: {detail}</p>'


def _italian_time(stamp: str | None) -> str:
    """``2026-11-25T10:12:03+00:00`` as ``25/11/2026, 11:12`` in Italian time.

    >>> _italian_time("2026-07-01T10:00:00+00:00"), _italian_time(None)
    ('01/07/2026, 12:00', '')
    """
    if not stamp:
        return ""
    from datetime import datetime
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    moment = datetime.fromisoformat(stamp)
    try:
        moment = moment.astimezone(ZoneInfo("Europe/Rome"))
    except ZoneInfoNotFoundError:  # no time-zone data on this machine: say it is UTC
        return moment.strftime("%d/%m/%Y, %H:%M") + " UTC"
    return moment.strftime("%d/%m/%Y, %H:%M")


def _href(relative: str | None) -> str:
    return html.escape(quote(relative or ""))
