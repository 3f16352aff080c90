"""Executed notebook to HTML: Italian, without code, self-contained, with no network request.

nbconvert's ``lab`` template loads require.js, MathJax and mermaid from CDNs; the
``palestre`` template (``templates/palestre``) removes them and adds a
Content-Security-Policy that forbids any request and any script, so a report opens
offline exactly as it opens online. Figures are embedded as ``data:`` URIs; outputs that
would need JavaScript (widgets, ``application/javascript``, mermaid) fall back to their
text form.

A heading (a Markdown cell) whose section showed nothing is left out of the page: a
territory too small to publish any statistic gets a short page with its notice, not a list
of empty headings.

A report of a batch also gets, around the notebook's own cells, its header of links
(:mod:`~palestre_analysis.batch.navigation`), a table of contents of the sections it shows
(before its first section) and, at the end, the list of its CSV tables.
"""

from __future__ import annotations

import copy
import html
import logging
import re
from functools import lru_cache
from pathlib import Path

from palestre_analysis.core.files import atomic_write_text

__all__ = [
    "TEMPLATE_DIR",
    "TEMPLATE_NAME",
    "CONTENT_SECURITY_POLICY",
    "DISPLAY_PRIORITY",
    "notebook_to_html",
    "without_empty_sections",
    "export_html",
    "external_resources",
]

TEMPLATE_DIR = Path(__file__).resolve().parent / "templates"
TEMPLATE_NAME = "palestre"
#: Nothing from the network, no script; inline styles and ``data:`` images and fonts only.
CONTENT_SECURITY_POLICY = (
    "default-src 'none'; img-src data:; style-src 'unsafe-inline'; font-src data:; base-uri 'none'; form-action 'none'"
)
#: Output types shown, best first; JavaScript-only types are left out on purpose.
DISPLAY_PRIORITY = [
    "text/html",
    "text/markdown",
    "image/svg+xml",
    "text/latex",
    "image/png",
    "image/jpeg",
    "text/plain",
]

#: Where the table of contents goes: a Markdown cell before the first section, filled once the
#: page is rendered (the headings' ids are nbconvert's).
_TOC_MARK = '<div id="palestre-indice-segnaposto"></div>'
_H2 = re.compile(r'<h2 id="([^"]+)"[^>]*>(.*?)</h2>', re.S)
_TAG = re.compile(r"<[^>]+>")
_ANCHOR = re.compile(r'<a class="anchor-link"[^>]*>.*?</a>', re.S)

_NBCONVERT_ALT = 'alt="No description has been provided for this image"'
_ITALIAN_ALT = 'alt="Figura"'
_ERROR_TAG = "papermill-error-cell-tag"


@lru_cache(maxsize=1)
def _exporter():
    """One exporter per process: its Jinja templates compile once."""
    from nbconvert import HTMLExporter
    from traitlets.config import Config

    logging.getLogger("traitlets").setLevel(logging.ERROR)  # nbconvert's "missing alt" warning
    config = Config({"NbConvertBase": {"display_data_priority": DISPLAY_PRIORITY}})
    return HTMLExporter(
        config=config,
        template_name=TEMPLATE_NAME,
        extra_template_basedirs=[str(TEMPLATE_DIR)],
        exclude_input=True,
        exclude_input_prompt=True,
        exclude_output_prompt=True,
        embed_images=True,
        language_code="it",
    )


def notebook_to_html(
    nb,
    *,
    title: str,
    failure: str | None = None,
    resources_path: str = "",
    header: str = "",
    tables: list[str] | tuple[str, ...] = (),
) -> str:
    """Render an executed notebook as the HTML page of a report.

    Parameters
    ----------
    nb : nbformat.NotebookNode
        The executed notebook (not modified).
    title : str
        Page title (Italian), e.g. ``"Fase 1 · Rete e partecipazione — Brescia"``.
    failure : str, optional
        When the run failed: a one-line description of the error, shown at the top of the
        page in an Italian notice. papermill's English error markers are replaced.
    resources_path : str
        Folder used to resolve images referenced by Markdown cells (embedded as base64).
    header : str
        The page's header of links, before ``<main>``
        (:func:`~palestre_analysis.batch.navigation.navigation_html`); empty: none.
    tables : list of str
        File names of the CSV tables the report wrote, listed (and linked) at the end.

    Returns
    -------
    str
        A complete ``<html lang="it">`` document. A complete run leaves out the headings
        whose section showed nothing (:func:`without_empty_sections`); a failed one keeps
        them, so that the reader sees which sections the error stopped. Before the first
        section (``##``), a table of contents lists the sections shown, when there are two
        or more.
    """
    import nbformat

    from palestre_analysis.batch.navigation import tables_html

    nb = copy.deepcopy(nb)
    nb.metadata["title"] = title
    if failure is not None:
        _mark_failure(nb, failure)
    else:
        nb = without_empty_sections(nb)
    if tables:
        nb.cells.append(nbformat.v4.new_markdown_cell(tables_html(list(tables))))
    _mark_contents(nb)
    resources = {
        "metadata": {"name": title, "path": resources_path},
        "palestre_csp": CONTENT_SECURITY_POLICY,
        "palestre_nav": header,
    }
    body, _ = _exporter().from_notebook_node(nb, resources=resources)
    return _with_contents(body.replace(_NBCONVERT_ALT, _ITALIAN_ALT))


def _mark_contents(nb) -> None:
    """Put the table of contents' mark before the first section heading (after the title and overview)."""
    import nbformat

    for index, cell in enumerate(nb.cells):
        if index and cell.cell_type == "markdown" and cell.source.lstrip().startswith("## "):
            nb.cells.insert(index, nbformat.v4.new_markdown_cell(_TOC_MARK))
            return


def _with_contents(page: str) -> str:
    """The page with its table of contents: one link per section heading (``<h2>``) after the mark.

    >>> page = _TOC_MARK + '<h2 id="A">Uno<a class="anchor-link" href="#A">¶</a></h2><h2 id="dati">Due &amp; tre</h2>'
    >>> print(_with_contents(page).split("<h2")[0])  # doctest: +NORMALIZE_WHITESPACE
    <nav class="palestre-toc" aria-label="Indice del rapporto"><p class="palestre-toc-titolo">In questo
    rapporto</p><ol><li><a href="#A">Uno</a></li><li><a href="#dati">Due &amp; tre</a></li></ol></nav>
    """
    at = page.find(_TOC_MARK)
    if at < 0:
        return page
    sections = [
        (anchor, html.escape(html.unescape(_TAG.sub("", _ANCHOR.sub("", text))).strip()))
        for anchor, text in _H2.findall(page, at)
    ]
    if len(sections) < 2:
        return page.replace(_TOC_MARK, "")
    items = "".join(f'<li><a href="#{anchor}">{text}</a></li>' for anchor, text in sections)
    contents = (
        '<nav class="palestre-toc" aria-label="Indice del rapporto"><p class="palestre-toc-titolo">In questo '
        f"rapporto</p><ol>{items}</ol></nav>"
    )
    return page.replace(_TOC_MARK, contents)


def without_empty_sections(nb):
    """The notebook without the Markdown cells whose section showed nothing.

    A Markdown cell (a heading and its caption) opens a section: the code cells after it,
    up to the next Markdown cell. When there is at least one such code cell and none of
    them has an output, the Markdown cell is left out; a Markdown cell followed directly by
    another one is kept. The notebook's headings are written once for every territory,
    while what a section shows depends on the data: this keeps a heading only where
    something is under it.

    Parameters
    ----------
    nb : nbformat.NotebookNode
        An executed notebook; it is modified in place (its ``cells``).

    Returns
    -------
    nbformat.NotebookNode
        ``nb``.

    Examples
    --------
    >>> import nbformat
    >>> v4 = nbformat.v4
    >>> shown = v4.new_code_cell("show(a)", outputs=[v4.new_output("stream", text="a")])
    >>> nb = v4.new_notebook(cells=[v4.new_markdown_cell("# Titolo"), v4.new_markdown_cell("## A"), shown,
    ...                             v4.new_markdown_cell("## B"), v4.new_code_cell("show(b)"),
    ...                             v4.new_markdown_cell("## C")])
    >>> [c.source for c in without_empty_sections(nb).cells if c.cell_type == "markdown"]
    ['# Titolo', '## A', '## C']
    """
    keep = []
    cells = list(nb.cells)
    for index, cell in enumerate(cells):
        if cell.cell_type == "markdown":
            section = []
            for following in cells[index + 1 :]:
                if following.cell_type == "markdown":
                    break
                if following.cell_type == "code":
                    section.append(following)
            if section and not any(c.get("outputs") for c in section):
                continue
        keep.append(cell)
    nb.cells = keep
    return nb


def export_html(
    nb,
    dest: Path | str,
    *,
    title: str,
    failure: str | None = None,
    header: str = "",
    tables: list[str] | tuple[str, ...] = (),
) -> Path:
    """Write :func:`notebook_to_html` to ``dest`` atomically and return ``dest``.

    Images referenced by Markdown cells are resolved from ``dest``'s folder.

    Parameters
    ----------
    nb : nbformat.NotebookNode
        The executed notebook (not modified).
    dest : Path or str
        The HTML file to write; its folder must exist.
    title : str
        Page title (Italian).
    failure : str, optional
        One-line description of the error when the run failed (see :func:`notebook_to_html`).
    header, tables : optional
        The header of links and the report's CSV tables (see :func:`notebook_to_html`).

    Returns
    -------
    Path
        ``dest``.

    Raises
    ------
    ValueError
        If the page would load anything from outside (see :func:`external_resources`):
        a report must read the same offline. Nothing is written then.
    """
    dest = Path(dest)
    page = notebook_to_html(
        nb, title=title, failure=failure, resources_path=str(dest.parent), header=header, tables=tables
    )
    external = external_resources(page)
    if external:
        raise ValueError(f"The report would load external resources: {', '.join(external[:5])}.")
    atomic_write_text(dest, page)
    return dest


_ATTRIBUTE_PATTERNS = (
    re.compile(
        r"""<(?:img|script|iframe|frame|embed|audio|video|source|track|input)\b[^>]*?\ssrc\s*=\s*("[^"]*"|'[^']*'|[^\s>]+)""",
        re.I,
    ),
    re.compile(r"""<link\b[^>]*?\shref\s*=\s*("[^"]*"|'[^']*'|[^\s>]+)""", re.I),
    re.compile(r"""<object\b[^>]*?\sdata\s*=\s*("[^"]*"|'[^']*'|[^\s>]+)""", re.I),
    re.compile(r"""<[a-z][^>]*?\s(?:poster|background)\s*=\s*("[^"]*"|'[^']*'|[^\s>]+)""", re.I),
)
_SRCSET = re.compile(r"""<[a-z][^>]*?\ssrcset\s*=\s*("[^"]*"|'[^']*'|[^\s>]+)""", re.I)
_STYLE_BLOCK = re.compile(r"<style\b[^>]*>(.*?)</style>", re.I | re.S)
_STYLE_ATTRIBUTE = re.compile(r"""<[a-z][^>]*?\sstyle\s*=\s*("[^"]*"|'[^']*')""", re.I)
_CSS_PATTERNS = (
    re.compile(r"""url\(\s*["']?\s*([^"')\s]+)""", re.I),
    re.compile(r"""@import\s+["']([^"']+)""", re.I),
)


def external_resources(page: str) -> list[str]:
    """Addresses a browser would fetch when opening ``page``: anything but ``data:`` and ``#``.

    Looks at the markup only (``src``, ``<link href>``, ``srcset``, CSS ``url()`` and
    ``@import`` in ``<style>`` and ``style=""``), not at text: a contribution that *reads*
    ``<img src=http://...>`` is escaped text, not an image. Links a reader may click
    (``<a href>``) are not fetched and are not listed.

    Parameters
    ----------
    page : str
        A complete HTML document.

    Returns
    -------
    list of str
        The addresses, relative ones included (HTML entities decoded), grouped by kind
        (``src``, ``<link href>``, ``<object data>``, ``poster``/``background``, ``srcset``,
        then CSS) and in order of appearance within each kind; ``data:``, ``#...`` and
        ``about:blank`` addresses (any case) and empty ones are left out. An empty list:
        the page is self-contained.

    Examples
    --------
    >>> external_resources('<img src="data:image/png;base64,AAA"><a href="https://doi.org/x">x</a>')
    []
    >>> external_resources('<script src="https://cdn.example/require.js"></script>')
    ['https://cdn.example/require.js']
    >>> external_resources("<style>@import 'http://x/y.css'; b {background: url(//x/z.png)}</style>")
    ['//x/z.png', 'http://x/y.css']
    >>> external_resources("<p>&lt;img src=http://x/a.png&gt; url(http://x/b.png)</p>")
    []
    >>> external_resources('<img srcset="a.png 1x, https://x/b.png 2x"><link rel="icon" href="data:,">')
    ['a.png', 'https://x/b.png']
    """
    values = [html.unescape(v.strip("\"'")).strip() for p in _ATTRIBUTE_PATTERNS for v in p.findall(page)]
    for srcset in _SRCSET.findall(page):
        candidates = re.split(r",\s+", html.unescape(srcset.strip("\"'")))
        values += [c.split()[0] for c in candidates if c.strip()]
    styles = _STYLE_BLOCK.findall(page) + [html.unescape(v[1:-1]) for v in _STYLE_ATTRIBUTE.findall(page)]
    values += [address.strip() for css in styles for pattern in _CSS_PATTERNS for address in pattern.findall(css)]
    return [v for v in values if v and not v.lower().startswith(("data:", "#", "about:blank"))]


def _mark_failure(nb, failure: str) -> None:
    """Replace papermill's English error markers with an Italian notice and anchor."""
    import nbformat

    had_anchor = any(_ERROR_TAG in c.metadata.get("tags", []) and "id=" in c.source for c in nb.cells)
    cells = []
    for cell in nb.cells:
        if _ERROR_TAG not in cell.metadata.get("tags", []):
            cells.append(cell)
        elif 'id="papermill-error-cell"' in cell.source:
            cells.append(
                nbformat.v4.new_markdown_cell(
                    '<span id="papermill-error-cell">L\'esecuzione si è fermata qui per un errore:</span>'
                )
            )
    link = ' <a href="#papermill-error-cell">Vai al punto dell\'errore</a>.' if had_anchor else ""
    notice = nbformat.v4.new_markdown_cell(
        '<div class="palestre-avviso" role="alert"><strong>Rapporto incompleto.</strong> '
        f"L'esecuzione del notebook si è interrotta: <code>{html.escape(failure)}</code>.{link} "
        "Le sezioni che seguono l'errore non sono state prodotte.</div>"
    )
    nb.cells = [notice, *cells]
