"""The PDF printer (batch/pdf.py) on a small page, and a small batch with and without a browser.

The PDFs are read back with pypdf: A4 pages, the running header and the page numbers in the
text, every font embedded, the figure as an image, the links kept (and none to this
machine's folders). Without Chromium these tests fail, as they must on CI (``make browser``).
"""

from __future__ import annotations

import base64
import json
import multiprocessing
import struct
import zlib
from pathlib import Path

import pytest

from palestre_analysis.batch import pdf
from palestre_analysis.batch.runner import NO_BROWSER_MESSAGE, format_summary

A4_POINTS = (595.28, 841.89)
TITLE = "Prova di stampa · Brescia"


def tiny_png(width: int = 48, height: int = 32) -> bytes:
    """A small RGB gradient as PNG, written by hand (no imaging library needed)."""
    rows = b"".join(
        b"\x00" + b"".join(bytes((x * 255 // width, y * 255 // height, 128)) for x in range(width))
        for y in range(height)
    )

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b"")


def write_page(folder: Path) -> Path:
    """A report-like page: headings, a figure, a table, long text, and every kind of link."""
    image = base64.b64encode(tiny_png()).decode("ascii")
    filler = "".join(f"<p>Paragrafo {i}: il testo del rapporto continua su più pagine.</p>" for i in range(90))
    page = folder / "brescia" / "01_prova.html"
    page.parent.mkdir(parents=True)
    page.write_text(
        f"""<!DOCTYPE html><html lang="it"><head><meta charset="utf-8"><title>{TITLE}</title></head>
<body><main>
<h1 id="inizio">La rete e la partecipazione</h1>
<p><a href="#metodi">Vai ai metodi</a> · <a href="https://example.org/palestre">il progetto</a> ·
<a href="02_altro.html">l'altro rapporto</a> · <a href="tables/cells.csv">la tabella</a> ·
<a href="../index.html">l'indice</a> · <a href="01_prova.html#metodi">i metodi, per file</a></p>
<figure><img src="data:image/png;base64,{image}" alt="Figura: una sfumatura" style="width: 12cm">
<figcaption>Figura 1. Una sfumatura.</figcaption></figure>
<table><caption>Tabella 1. Enti</caption><tr><th scope="col">Gruppo</th><th scope="col">Enti</th></tr>
<tr><td>APS e ODV</td><td>12</td></tr></table>
{filler}
<h2 id="metodi">Nota sui metodi</h2><p>Il testo si può selezionare.</p>
</main></body></html>""",
        encoding="utf-8",
    )
    return page


def annotations(reader) -> list[dict]:
    """Every link annotation of the PDF, as a plain dict."""
    return [
        annotation.get_object()
        for page in reader.pages
        for annotation in page.get("/Annots") or []
        if annotation.get_object().get("/Subtype") == "/Link"
    ]


def font_descriptor(font):
    font = font.get_object()
    if "/DescendantFonts" in font:
        font = font["/DescendantFonts"][0].get_object()
    descriptor = font.get("/FontDescriptor")
    return descriptor.get_object() if descriptor is not None else {}


@pytest.fixture(scope="module")
def browser() -> str:
    found = pdf.find_browser()
    assert found, "Chromium is missing: install it with `make browser` (CI does)"
    return found


@pytest.fixture(scope="module")
def printed(tmp_path_factory, browser):
    """The small page printed once: ``(page, pdf path, reader)``."""
    from pypdf import PdfReader

    folder = tmp_path_factory.mktemp("pdf")
    page = write_page(folder)
    target = page.with_suffix(".pdf")
    printer = pdf.PdfPrinter(browser)
    try:
        printer.print(page, target, header=pdf.running_header(TITLE, "Brescia", "Palestre di capacità"))
    finally:
        printer.close()
    return page, target, PdfReader(target)


# --- without a browser ----------------------------------------------------------------------


def test_find_browser_prefers_path_then_the_debian_location_then_none(tmp_path, monkeypatch):
    fake = tmp_path / "bin" / "chromium"
    fake.parent.mkdir()
    fake.write_text("#!/bin/sh\n")
    fake.chmod(0o755)
    monkeypatch.setenv("PATH", str(fake.parent))
    assert pdf.find_browser() == str(fake)
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    monkeypatch.setattr(pdf, "BROWSER_PATH", str(fake))
    assert pdf.find_browser() == str(fake)
    monkeypatch.setattr(pdf, "BROWSER_PATH", str(tmp_path / "missing" / "chromium"))
    assert pdf.find_browser() is None


def test_a_browser_that_does_not_start_is_one_italian_line_and_writes_nothing(tmp_path):
    page = write_page(tmp_path)
    printer = pdf.PdfPrinter("/bin/false")
    try:
        with pytest.raises(pdf.PdfExportError) as raised:
            printer.print(page, page.with_suffix(".pdf"), header=pdf.running_header(TITLE, "Brescia"))
    finally:
        printer.close()
    message = str(raised.value)
    assert message.startswith("Chromium (/bin/false) non si avvia: ") and "\n" not in message
    assert not page.with_suffix(".pdf").exists()
    assert [p.name for p in page.parent.iterdir()] == [page.name], "no temporary file left behind"


def test_the_running_header_names_process_report_and_territory_once():
    header = pdf.running_header("Relazione finale", "Lombardia", "Palestre di capacità")
    assert ">Palestre di capacità<" in header and ">Relazione finale · Lombardia<" in header
    assert ">Fase 1 · Brescia<" in pdf.running_header("Fase 1 · Brescia", "Brescia")
    assert "<script>" not in pdf.running_header("<script>", "X")


# --- the printed page -----------------------------------------------------------------------


@pytest.mark.slow
def test_pages_are_a4_and_numbered_with_the_running_header(printed):
    _, _, reader = printed
    assert len(reader.pages) >= 2, "the filler makes the page longer than one sheet"
    for page in reader.pages:
        width, height = float(page.mediabox.width), float(page.mediabox.height)
        assert width == pytest.approx(A4_POINTS[0], abs=1) and height == pytest.approx(A4_POINTS[1], abs=1)
    first, last = reader.pages[0].extract_text(), reader.pages[-1].extract_text()
    total = len(reader.pages)
    assert "Pagina 1 di" in first and f"Pagina 1 di {total}" in first
    assert f"Pagina {total} di {total}" in last
    assert "Palestre di capacità" in first and TITLE in first
    assert "Il testo si può selezionare." in last, "the text is text, not a picture of it"


@pytest.mark.slow
def test_every_font_is_embedded(printed):
    _, _, reader = printed
    fonts = [font for page in reader.pages for font in (page["/Resources"].get("/Font") or {}).values()]
    assert fonts
    for font in fonts:
        descriptor = font_descriptor(font)
        assert any(k in descriptor for k in ("/FontFile", "/FontFile2", "/FontFile3")), font.get_object()


@pytest.mark.slow
def test_the_figure_is_an_image_and_the_metadata_title_is_the_page_title(printed):
    _, _, reader = printed
    images = [image for page in reader.pages for image in page.images]
    assert images, "the PNG figure is drawn as an image XObject"
    assert reader.metadata.title == TITLE
    outline = [item.title for item in reader.outline if not isinstance(item, list)]
    assert "La rete e la partecipazione" in outline, "the headings are the PDF's bookmarks"
    assert reader.trailer["/Root"]["/MarkInfo"]["/Marked"], "a tagged PDF, for screen readers"


@pytest.mark.slow
def test_links_are_kept_and_none_points_into_this_machine(printed):
    page, target, reader = printed
    links = annotations(reader)
    uris = [link["/A"]["/URI"] for link in links if "/A" in link and "/URI" in link["/A"]]
    internal = [link for link in links if "/Dest" in link or link.get("/A", {}).get("/S") == "/GoTo"]
    assert uris == ["https://example.org/palestre"], "web links stay, links to local files go"
    assert len(internal) == 2, "both links to the methods stay jumps inside the PDF"
    raw = target.read_bytes()
    assert b"file:" not in raw and str(page.parent.parent).encode() not in raw
    text = "".join(p.extract_text() for p in reader.pages)
    assert "l'altro rapporto" in text and "la tabella" in text, "a dropped link keeps its text"


@pytest.mark.slow
def test_one_browser_serves_many_pages_and_a_forked_child_starts_its_own(tmp_path, browser):
    from pypdf import PdfReader

    page = write_page(tmp_path)
    header = pdf.running_header(TITLE, "Brescia")
    try:
        pdf.print_pdf(page, tmp_path / "a.pdf", header=header, browser=browser)
        printer = pdf._printer(browser)
        assert printer.started
        pdf.print_pdf(page, tmp_path / "b.pdf", header=header, browser=browser)
        assert pdf._printer(browser) is printer, "the same browser, not a new one per page"
        child = multiprocessing.get_context("fork").Process(target=_print_in_child, args=(page, tmp_path, browser))
        child.start()
        child.join(120)
        assert child.exitcode == 0, "a forked child prints with a browser of its own"
        pdf.print_pdf(page, tmp_path / "d.pdf", header=header, browser=browser)
        assert pdf._printer(browser) is printer, "the parent's browser survives its child"
    finally:
        pdf.close_printer()
    for name in ("a.pdf", "b.pdf", "c.pdf", "d.pdf"):
        assert len(PdfReader(tmp_path / name).pages) >= 2, name


def _print_in_child(page: Path, folder: Path, browser: str) -> None:
    inherited = pdf._PRINTER
    pdf.print_pdf(page, folder / "c.pdf", header=pdf.running_header(TITLE, "Brescia"), browser=browser)
    assert pdf._PRINTER is not inherited


# --- a small batch ----------------------------------------------------------------------------


def pdfs_in(out: Path) -> list[str]:
    return sorted(p.relative_to(out / "reports").as_posix() for p in (out / "reports").rglob("*.pdf"))


@pytest.mark.slow
def test_without_a_browser_the_batch_writes_html_says_how_and_the_next_run_prints(
    make_out, run, monkeypatch, package_copy
):
    """``package_copy``: the library's hash stays the same while others edit the checkout."""
    from palestre_analysis.batch.manifest import load_manifest

    out = make_out()
    real = pdf.find_browser
    assert real(), "Chromium is missing: install it with `make browser` (CI does)"
    monkeypatch.setattr(pdf, "find_browser", lambda: None)
    first = run(out, territories=["Brescia"])
    summary = format_summary(first)
    assert first.exit_code == 0 and [r.status for r in first.reports] == ["ran", "ran"]
    assert sorted(p.name for p in (out / "reports" / "brescia").glob("*.html")) == [
        "fx_01_profilo.html",
        "fx_02_distribuzioni.html",
    ]
    assert pdfs_in(out) == [] and first.pdf_missing
    assert [line for line in summary.splitlines() if "PDF" in line] == [NO_BROWSER_MESSAGE], "one sentence"

    monkeypatch.setattr(pdf, "find_browser", real)
    second = run(out, territories=["Brescia"])
    assert second.exit_code == 0 and sorted(r.status for r in second.reports) == ["ran", "ran"], (
        "up to date but without a PDF: run again"
    )
    assert pdfs_in(out) == ["brescia/fx_01_profilo.pdf", "brescia/fx_02_distribuzioni.pdf"]
    assert "PDF non prodotti" not in format_summary(second)
    outputs = load_manifest(out / "reports")["reports"]["brescia/fx_01_profilo"]["outputs"]
    assert outputs["pdf"] == "brescia/fx_01_profilo.pdf"

    third = run(out, territories=["Brescia"])
    assert [r.status for r in third.reports] == ["skipped", "skipped"]

    monkeypatch.setattr(pdf, "find_browser", lambda: None)
    fourth = run(out, territories=["Brescia"], force=True)
    assert pdfs_in(out) == [], "a re-run without a browser leaves no PDF that disagrees with its page"
    assert NO_BROWSER_MESSAGE in format_summary(fourth)
    manifest = json.loads((out / "reports" / "manifest.json").read_text(encoding="utf-8"))
    assert all("pdf" not in entry["outputs"] for entry in manifest["reports"].values())


@pytest.mark.slow
def test_html_only_batch_is_not_told_to_install_a_browser(make_out, run):
    out = make_out()
    result = run(out, territories=["Brescia"], pdf=False)
    assert result.exit_code == 0 and pdfs_in(out) == [] and not result.pdf_missing
    assert "PDF" not in format_summary(result)


@pytest.mark.slow
def test_a_browser_that_fails_fails_its_reports_in_italian_and_keeps_the_html(make_out, run, monkeypatch):
    out = make_out()
    monkeypatch.setattr(pdf, "find_browser", lambda: "/bin/false")
    result = run(out, territories=["Brescia"])
    assert result.exit_code == 1 and [r.status for r in result.failures] == ["failed", "failed"]
    for report in result.failures:
        assert report.error.startswith("esportazione PDF: Chromium (/bin/false) non si avvia: "), report.error
        assert "\n" not in report.error
        assert report.html.is_file()
    assert pdfs_in(out) == []
