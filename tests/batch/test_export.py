"""HTML export: Italian, without code, self-contained, no network, data shown as text."""

from __future__ import annotations

import base64
import re

import nbformat
import pytest

from palestre_analysis.batch.export import export_html, external_resources, notebook_to_html

# A 1x1 PNG, as matplotlib's inline backend would send it (base64 in the notebook).
PIXEL = base64.b64encode(
    bytes.fromhex(
        "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
        "1f15c4890000000d49444154789c6360f8cf00000301010018dd8db00000000049454e44ae426082"
    )
).decode()
HOSTILE = '<script>alert("x")</script><img src=x onerror=alert(1)>'


def executed_notebook():
    nb = nbformat.v4.new_notebook()
    code = nbformat.v4.new_code_cell("import secret_code_line\nprint(territorio)")
    code.outputs = [
        nbformat.v4.new_output("stream", name="stdout", text=f"Contributo: {HOSTILE}\n"),
        nbformat.v4.new_output("display_data", data={"image/png": PIXEL, "text/plain": "<Figure>"}),
        nbformat.v4.new_output(
            "display_data", data={"application/javascript": "document.title='x'", "text/plain": "testo di riserva"}
        ),
    ]
    table = nbformat.v4.new_code_cell("df")
    escaped = HOSTILE.replace("<", "&lt;").replace(">", "&gt;")
    table.outputs = [
        nbformat.v4.new_output(
            "execute_result",
            execution_count=2,
            data={"text/html": f"<table class='dataframe'><tr><td>{escaped}</td></tr></table>", "text/plain": "df"},
        )
    ]
    nb.cells = [
        nbformat.v4.new_markdown_cell("# Titolo\n\nFormula $x^2$ e [un link](https://doi.org/10.1000/1)."),
        code,
        table,
    ]
    return nb


@pytest.fixture(scope="module")
def page():
    return notebook_to_html(executed_notebook(), title="Profilo · Brescia")


def test_page_is_italian_titled_and_without_code(page):
    assert '<html lang="it">' in page
    assert "<title>Profilo · Brescia</title>" in page
    assert "secret_code_line" not in page
    assert 'alt="Figura"' in page and "No description" not in page


def test_figures_are_embedded(page):
    assert f'src="data:image/png;base64,{PIXEL}"' in page


def test_nothing_is_loaded_from_the_network(page):
    assert external_resources(page) == []
    loads = re.findall(r"""(?:src|href)\s*=\s*["']?\s*((?:https?:)?//[^"'\s>]+)""", page)
    assert loads == ["https://doi.org/10.1000/1"]  # the only one is a link the reader may click
    assert "<script" not in page  # no require.js, MathJax, mermaid, widgets, nor the JavaScript output
    assert "testo di riserva" in page
    assert "Content-Security-Policy" in page and "default-src 'none'" in page


def test_free_text_shows_as_text(page):
    assert HOSTILE not in page
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in page or '&lt;script&gt;alert("x")' in page
    assert "onerror=alert(1)>" not in page


def test_a_failed_report_says_so_in_italian_and_escapes_the_error(tmp_path):
    nb = executed_notebook()
    marker = nbformat.v4.new_markdown_cell(
        '<span id="papermill-error-cell" style="color:red">Execution using papermill encountered an exception</span>'
    )
    marker.metadata["tags"] = ["papermill-error-cell-tag"]
    nb.cells.insert(1, marker)
    dest = export_html(nb, tmp_path / "r.html", title="T", failure='KeyError: "<b>x</b>" (cella [3])')
    page = dest.read_text(encoding="utf-8")
    assert "Rapporto incompleto" in page and "encountered an exception" not in page
    assert '&lt;b&gt;x&lt;/b&gt;" (cella [3])' in page and "<b>x</b>" not in page
    assert 'href="#papermill-error-cell"' in page and 'id="papermill-error-cell"' in page
    assert list(tmp_path.iterdir()) == [dest]


def test_export_refuses_a_page_that_would_load_something(tmp_path):
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_markdown_cell("![logo](https://example.org/logo.png)")]
    with pytest.raises(ValueError, match="external resources: https://example.org/logo.png"):
        export_html(nb, tmp_path / "r.html", title="T")
    assert not (tmp_path / "r.html").exists()


@pytest.mark.parametrize(
    "snippet, expected",
    [
        ('<link rel="stylesheet" href="https://cdn/x.css">', ["https://cdn/x.css"]),
        ("<iframe src='//evil/'></iframe>", ["//evil/"]),
        ('<img srcset="data:image/png;base64,AA 1x, http://x/a.png 2x">', ["http://x/a.png"]),
        ('<div style="background:url(&quot;http://x/b.png&quot;)">', ["http://x/b.png"]),
        ('<a href="https://doi.org/x">doi</a><img src="data:image/png;base64,AA">', []),
    ],
)
def test_external_resources_finds_what_a_browser_would_fetch(snippet, expected):
    assert external_resources(snippet) == expected


def sectioned_notebook(shown: set[str]):
    """A title, then three sections (heading, caption, one code cell); the ``shown`` ones have an output."""
    v4 = nbformat.v4
    cells = [v4.new_markdown_cell("# Rapporto\n\nIntroduzione."), v4.new_code_cell("show(title(params))")]
    cells[1].outputs = [v4.new_output("display_data", data={"text/html": "<p>Territorio: Lodi.</p>"})]
    for name in ("Chi c'è nella rete", "Il calendario degli incontri", "Di che cosa si è parlato"):
        code = v4.new_code_cell(f"show({name!r})")
        if name in shown:
            code.outputs = [v4.new_output("display_data", data={"text/html": f"<p>Sezione {name}.</p>"})]
        cells += [v4.new_markdown_cell(f"## {name}\n\nDidascalia di {name}."), code]
    return v4.new_notebook(cells=cells)


def test_headings_whose_section_showed_nothing_are_left_out_of_the_page():
    page = notebook_to_html(sectioned_notebook({"Il calendario degli incontri"}), title="T")
    assert '>Il calendario degli incontri<a class="anchor-link"' in page and "Didascalia di Il calendario" in page
    assert "Chi c'è nella rete" not in page and "Didascalia di Chi" not in page
    assert "Di che cosa si è parlato" not in page
    assert re.search(r"<h1[^>]*>Rapporto<", page) and "Introduzione." in page


def test_a_failed_report_keeps_its_headings_to_show_where_it_stopped():
    page = notebook_to_html(sectioned_notebook(set()), title="T", failure="ValueError: x (cella [3])")
    assert all(re.search(f"<h2[^>]*>{name}<", page) for name in ("Chi c'è nella rete", "Di che cosa si è parlato"))


def test_the_executed_notebook_keeps_every_cell():
    """Only the page leaves empty sections out: the notebook passed in is not changed."""
    nb = sectioned_notebook(set())
    notebook_to_html(nb, title="T")
    assert sum(c.cell_type == "markdown" for c in nb.cells) == 4
