"""``index.html``: the Italian entry page of the reports, one section per territory.

It links every report with its status (and the error when it failed), the executed
notebook and the tables, and says how many raw rows the cleaning rejected and where to
read why. It is plain HTML and CSS: no script, nothing fetched from the network.
"""

from __future__ import annotations

import html
from pathlib import Path
from urllib.parse import quote

from palestre_analysis import config
from palestre_analysis.batch.export import CONTENT_SECURITY_POLICY
from palestre_analysis.core.files import atomic_write_text
from palestre_analysis.core.vocabulary import normalize_label
from palestre_analysis.report.formatting import integer, num, plural

__all__ = ["INDEX_NAME", "render_index", "write_index"]

INDEX_NAME = "index.html"

_STATUS = {"ok": ("completato", "ok"), "failed": ("errore", "errore")}

_CSS = """
body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; margin: 2em auto;
       max-width: 60em; padding: 0 1em; color: #1a1a1a; line-height: 1.45; }
h1 { font-size: 1.6em; } h2 { font-size: 1.25em; margin-top: 1.6em; }
table { border-collapse: collapse; width: 100%; }
th, td { text-align: left; padding: 0.35em 0.6em; border-bottom: 1px solid #d0d0d0; vertical-align: top; }
th { background: #f2f2f2; }
.stato { font-weight: bold; white-space: nowrap; }
.stato-ok { color: #1b7837; } .stato-errore { color: #b2182b; }
.errore { color: #b2182b; font-size: 0.9em; }
.nota { background: #f7f7f7; border-left: 4px solid #2166ac; padding: 0.6em 1em; }
"""


def render_index(manifest: dict, reports_dir: Path | str) -> str:
    """The index page for ``manifest`` (see :mod:`~palestre_analysis.batch.manifest`).

    Every text that comes from the data (territory names, error messages) is escaped.

    Parameters
    ----------
    manifest : dict
        The batch's manifest: its ``reports`` (each with ``territory``, ``notebook``,
        ``title``, ``status``, ``error``, ``started``, ``duration_s`` and ``outputs``) and
        its ``cleaning`` summary (``n_rejected``).
    reports_dir : Path or str
        The ``reports`` folder; the links of ``outputs`` are relative to it.

    Returns
    -------
    str
        A complete ``<html lang="it">`` page with the same Content-Security-Policy as the
        reports: a summary line, the cleaning note, then one section per territory (the
        region first, the others alphabetically), one row per report.

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
    """
    reports = manifest.get("reports", {})
    process = manifest.get("process") or {}
    places = process.get("places") or {}
    rank = {name: i for i, name in enumerate(places)}
    by_territory: dict[str, list[dict]] = {}
    for key in sorted(reports, key=lambda k: _order(reports[k], rank)):
        by_territory.setdefault(reports[key]["territory"], []).append(reports[key])
    body = _body(by_territory, process) or "<p>Nessun rapporto è stato ancora prodotto.</p>"
    title = html.escape(process.get("title") or "Palestre di capacità")
    return (
        '<!DOCTYPE html>\n<html lang="it">\n<head>\n<meta charset="utf-8">\n'
        f'<meta http-equiv="Content-Security-Policy" content="{CONTENT_SECURITY_POLICY}">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        '<link rel="icon" href="data:,">\n'
        f"<title>{title} · Rapporti per territorio</title>\n"
        f"<style>{_CSS}</style>\n</head>\n<body>\n<main>\n"
        f"<h1>{title} · Rapporti per territorio</h1>\n"
        f"{_summary(reports)}\n{_cleaning_note(manifest.get('cleaning', {}), reports_dir)}\n"
        f"{body}\n</main>\n</body>\n</html>\n"
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


def _order(entry: dict, rank: dict) -> tuple:
    """Territories in the order of the hierarchy (the area first), the others alphabetically; notebooks by name."""
    territory = entry.get("territory", "")
    known = rank.get(territory, len(rank))
    if not rank:  # a manifest without the process: the seed's region first
        known = 0 if territory == config.REGION else 1
    return (known, normalize_label(territory), territory, entry.get("notebook", ""))


def _body(by_territory: dict[str, list[dict]], process: dict) -> str:
    """One section per territory; in a national process, the territories of each region under its heading."""
    places = process.get("places") or {}
    area = process.get("area") or config.REGION
    if not process.get("national"):
        return "\n".join(_section(name, entries, _label(name, area, places)) for name, entries in by_territory.items())
    parts, current = [], None
    for name, entries in by_territory.items():
        region = (places.get(name) or {}).get("region")
        if name != area and region != current:
            if current is not None:
                parts.append("</section>")
            parts.append(f'<section class="regione">\n<h2>{html.escape(region or "Altri territori")}</h2>')
            current = region
        level = "h2" if name == area else "h3"
        parts.append(_section(name, entries, _label(name, area, places), level))
    if current is not None:
        parts.append("</section>")
    return "\n".join(parts)


def _label(name: str, area: str, places: dict) -> str:
    """The heading of a territory: "Lombardia (tutta la regione)", "Italia (tutto il paese)", "Verona"."""
    level = (places.get(name) or {}).get("level")
    if name == area and level == "nazione":
        return f"{name} (tutto il paese)"
    if name == area or level == "regione":
        return f"{name} (tutta la regione)"
    return name


def _summary(reports: dict) -> str:
    failed = sum(1 for e in reports.values() if e.get("status") != "ok")
    text = f"<p>{plural(len(reports), 'rapporto', 'rapporti')}"
    if failed:
        return text + f", di cui <strong>{integer(failed)} con errore</strong>.</p>"
    return text + (", completato.</p>" if len(reports) == 1 else ", tutti completati.</p>")


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


def _section(territory: str, entries: list[dict], label: str, level: str = "h2") -> str:
    rows = "\n".join(_row(entry) for entry in entries)
    return (
        f"<section>\n<{level}>{html.escape(label)}</{level}>\n<table>\n<thead><tr><th>Rapporto</th><th>Stato</th>"
        "<th>Durata</th><th>Eseguito il (ora italiana)</th><th>Altri file</th></tr></thead>\n"
        f"<tbody>\n{rows}\n</tbody>\n</table>\n</section>"
    )


def _row(entry: dict) -> str:
    outputs = entry.get("outputs", {})
    label, css = _STATUS.get(entry.get("status"), ("non eseguito", "errore"))
    error = entry.get("error")
    status = f'<span class="stato stato-{css}">{label}</span>'
    if error:
        status += f'<div class="errore">{html.escape(error)}</div>'
    title = html.escape(entry.get("title") or entry.get("notebook", ""))
    report = f'<a href="{_href(outputs.get("html"))}">{title}</a>' if outputs.get("html") else title
    others = []
    if outputs.get("notebook"):
        others.append(f'<a href="{_href(outputs["notebook"])}">notebook eseguito</a>')
    tables = outputs.get("tables") or []
    if tables:
        folder = str(Path(tables[0]).parent) + "/"
        others.append(f'<a href="{_href(folder)}">cartella delle tabelle (CSV)</a>')
    duration = f"{num(entry['duration_s'])} s" if entry.get("duration_s") is not None else ""
    started = html.escape(_italian_time(entry.get("started")))
    return (
        f"<tr><td>{report}</td><td>{status}</td><td>{duration}</td><td>{started}</td><td>{' · '.join(others)}</td></tr>"
    )


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
