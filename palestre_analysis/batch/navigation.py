"""Where a report sits among the others: its header of links, built from the batch's plan.

Every page of a batch starts with the same kind of header: the process title, the
territory's place in the hierarchy (``Italia › Veneto › Verona``, ``Lombardia › Brescia``),
the other reports of the same territory, the territory above and those below, the index,
and the report's own PDF and tables. The plan knows all of it before any notebook runs, so
the header is decided here, once per report, and the export only renders it.

Every link is relative (``../brescia/02_risorse_esigenze.html``): the reports folder works
the same on a disk, a USB stick or a web server.
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from urllib.parse import quote

__all__ = ["Link", "Navigation", "navigation_for", "navigation_html", "tables_html", "TABLES_ANCHOR"]

#: The id of the section listing a report's CSV tables, at the end of the page.
TABLES_ANCHOR = "dati"


@dataclass(frozen=True)
class Link:
    """One link of the header.

    Parameters
    ----------
    label : str
        What the reader sees (Italian).
    href : str or None
        Relative address; ``None`` for the page itself (shown, not linked).
    """

    label: str
    href: str | None = None


@dataclass(frozen=True)
class Navigation:
    """The header of one report (picklable: it travels to the worker with the job).

    Parameters
    ----------
    process : str
        The process title (``"Palestre di capacità"``).
    territory : str
        The report's territory.
    report : str
        The report's title (``"Fase 2 · Risorse ed esigenze"``).
    trail : tuple of Link
        The territories from the area down to this one; the last is the territory itself
        (no address).
    reports : tuple of Link
        Every report of the same territory in the batch's order; this one has no address.
    parent : Link or None
        The territory one level up (``None`` for the area).
    children : tuple of Link
        The territories one level down that have reports.
    index : str
        The index page.
    pdf : str
        The report's own PDF, beside its HTML.
    final : bool
        The report is a final report (the area's or a region's): its PDF is "la relazione completa".
    """

    process: str
    territory: str
    report: str
    trail: tuple[Link, ...]
    reports: tuple[Link, ...]
    parent: Link | None
    children: tuple[Link, ...]
    index: str
    pdf: str
    final: bool = False


def navigation_for(spec, plan: list, places, process_title: str) -> Navigation:
    """The header of report ``spec`` in a batch whose whole plan is ``plan``.

    A link to another territory goes to its report of the same kind (phase 2 to phase 2),
    else to its first report, so that a reader moving up or down keeps reading the same thing.

    Parameters
    ----------
    spec : ReportSpec
        The report (see :mod:`~palestre_analysis.batch.plan`).
    plan : list of ReportSpec
        Every report of the batch, every territory included (not only those running now):
        the links must not depend on which territories were asked for.
    places : Geography
        The process's places: who is above and below whom.
    process_title : str
        The process title.

    Returns
    -------
    Navigation

    Examples
    --------
    >>> from pathlib import Path
    >>> from palestre_analysis.batch.plan import NOTEBOOKS, build_plan
    >>> plan = build_plan(["Lombardia", "Brescia", "Milano"])
    >>> nav = navigation_for(plan[3], plan, None, "Palestre di capacità")
    >>> [(link.label, link.href) for link in nav.trail]
    [('Lombardia', '../lombardia/01_rete_partecipazione.html'), ('Brescia', None)]
    >>> [(link.label, link.href) for link in nav.reports]
    [('Fase 1 · Rete e partecipazione', None), ('Fase 2 · Risorse ed esigenze', '02_risorse_esigenze.html')]
    >>> nav.parent.label, nav.children, nav.pdf, nav.index
    ('Lombardia', (), '01_rete_partecipazione.pdf', '../index.html')
    >>> [link.label for link in navigation_for(plan[0], plan, None, "P").children]
    ['Brescia', 'Milano']
    """
    from palestre_analysis.batch.plan import geography_of

    places = places or geography_of(None)
    by_territory: dict[str, list] = {}
    for other in plan:
        by_territory.setdefault(other.territory, []).append(other)

    def link_to(territory: str) -> Link | None:
        specs = by_territory.get(territory)
        if not specs:
            return None
        target = next((s for s in specs if s.notebook.stem == spec.notebook.stem), specs[0])
        return Link(territory, _href(f"../{target.slug}/{target.notebook.stem}.html"))

    chain = _chain(places, spec.territory)
    trail = [link_to(name) or Link(name) for name in chain[:-1]] + [Link(spec.territory)]
    parent = link_to(chain[-2]) if len(chain) > 1 else None
    children = [
        link_to(name) for name in by_territory if name != spec.territory and _parent(places, name) == spec.territory
    ]
    own = sorted(by_territory[spec.territory], key=lambda s: s.notebook.stem)
    reports = [Link(s.notebook.title, None if s == spec else _href(f"{s.notebook.stem}.html")) for s in own]
    return Navigation(
        process=process_title,
        territory=spec.territory,
        report=spec.notebook.title,
        trail=tuple(trail),
        reports=tuple(reports),
        parent=parent,
        children=tuple(c for c in children if c is not None),
        index="../index.html",
        pdf=_href(f"{spec.notebook.stem}.pdf"),
        final=spec.notebook.scope == "region",
    )


def _chain(places, name: str) -> list[str]:
    """``["Italia", "Veneto", "Verona"]``; a name the geography does not know sits under the area."""
    try:
        return [place.name for place in places.chain(name)]
    except (KeyError, ValueError):
        return [places.area.name, name]


def _parent(places, name: str) -> str | None:
    chain = _chain(places, name)
    return chain[-2] if len(chain) > 1 else None


def navigation_html(nav: Navigation, *, pdf: bool = True, tables: bool = True) -> str:
    """The header as HTML: a ``<header>`` of labelled ``<nav>`` landmarks, hidden in print.

    Parameters
    ----------
    nav : Navigation
        What to link.
    pdf : bool
        Link the report's PDF (only when the batch writes it: no dead link).
    tables : bool
        Link the list of the report's tables at the end of the page.

    Returns
    -------
    str
        HTML; every text is escaped. The page itself is marked ``aria-current="page"``.

    Examples
    --------
    >>> nav = Navigation("P", "Brescia", "Fase 1", (Link("Lombardia", "../l/01.html"), Link("Brescia")),
    ...                  (Link("Fase 1"), Link("Fase 2", "02.html")), Link("Lombardia", "../l/01.html"), (),
    ...                  "../index.html", "01.pdf")
    >>> page = navigation_html(nav, pdf=False)
    >>> 'aria-current="page">Brescia<' in page, "01.pdf" in page, 'href="#dati"' in page
    (True, False, True)
    """
    trail = [f'<li><a href="{nav.index}">Tutti i rapporti</a></li>'] + [_item(link) for link in nav.trail]
    parts = [
        '<header class="palestre-nav">',
        f'<p class="palestre-nav-processo">{html.escape(nav.process)}</p>',
        f'<nav aria-label="Posizione del territorio"><ol class="palestre-briciole">{"".join(trail)}</ol></nav>',
        _list(f"Rapporti di {nav.territory}", "Rapporti", nav.reports),
    ]
    if nav.parent is not None:
        parts.append(_list("Territorio superiore", "Territorio superiore", (nav.parent,)))
    if nav.children:
        parts.append(_list("Territori compresi", "Territori compresi", nav.children))
    files = []
    if pdf:
        files.append(
            f'<li><a href="{nav.pdf}">{"Scarica la relazione completa (PDF)" if nav.final else "Questo rapporto in PDF"}</a></li>'
        )
    if tables:
        files.append(f'<li><a href="#{TABLES_ANCHOR}">Tabelle dei dati (CSV)</a></li>')
    if files:
        parts.append(f'<nav aria-label="File del rapporto"><ul class="palestre-nav-file">{"".join(files)}</ul></nav>')
    parts.append("</header>")
    return "\n".join(parts)


def _list(aria: str, label: str, links) -> str:
    items = "".join(_item(link) for link in links)
    return (
        f'<nav aria-label="{html.escape(aria)}"><span class="palestre-nav-etichetta">{html.escape(label)}:</span> '
        f'<ul class="palestre-nav-elenco">{items}</ul></nav>'
    )


def _item(link: Link) -> str:
    label = html.escape(link.label)
    if link.href is None:
        return f'<li><span aria-current="page">{label}</span></li>'
    return f'<li><a href="{html.escape(link.href)}">{label}</a></li>'


def tables_html(names: list[str], folder: str = "tables") -> str:
    """The last section of a report: the CSV files behind its figures and tables, linked.

    Parameters
    ----------
    names : list of str
        File names of the tables the report wrote.
    folder : str
        Their folder, relative to the report.

    Returns
    -------
    str
        A ``<section id="dati">`` with a heading and one link per file (empty: ``""``).

    Examples
    --------
    >>> print(tables_html(["cells.csv"]))  # doctest: +NORMALIZE_WHITESPACE
    <section class="palestre-dati"><h2 id="dati">Tabelle dei dati</h2><p>I numeri delle figure e delle tabelle
    di questo rapporto, in file CSV (codifica UTF-8, separatore virgola, punto decimale), nella cartella
    <a href="tables/">tables</a>:</p><ul><li><a href="tables/cells.csv">cells.csv</a></li></ul></section>
    """
    if not names:
        return ""
    items = "".join(f'<li><a href="{_href(f"{folder}/{n}")}">{html.escape(n)}</a></li>' for n in sorted(names))
    return (
        f'<section class="palestre-dati"><h2 id="{TABLES_ANCHOR}">Tabelle dei dati</h2><p>I numeri delle figure e '
        "delle tabelle di questo rapporto, in file CSV (codifica UTF-8, separatore virgola, punto decimale), "
        f'nella cartella <a href="{_href(folder)}/">{html.escape(folder)}</a>:</p><ul>{items}</ul></section>'
    )


def _href(relative: str) -> str:
    return quote(relative)
