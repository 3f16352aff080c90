"""End to end: every report of the demo batch also as PDF, read back with pypdf.

Each PDF opens, has A4 pages, the headings of its HTML page in its text, its figures as
images, no link into this machine's folders and no personal string (a delegate's name or
email). The final report's PDF, "la relazione completa", carries its page title as metadata.
The batch is the session's (``demo_batch`` in tests/conftest.py), run once for every test
that reads the published reports.
"""

from __future__ import annotations

import csv
import html
import json
import re
import unicodedata
from functools import cache
from pathlib import Path

import pytest

from palestre_analysis import config
from palestre_analysis.batch.runner import NO_BROWSER_MESSAGE

pytestmark = pytest.mark.slow
A4_POINTS = (595.28, 841.89)
FINAL = "lombardia/03_relazione_finale"


@pytest.fixture(scope="module")
def reports(demo_batch) -> Path:
    out, _ = demo_batch
    return out / "reports"


@pytest.fixture(scope="module")
def pages(reports) -> list[Path]:
    found = sorted(p for p in reports.rglob("*.html") if p.name != "index.html")
    assert len(found) == 27
    return found


@cache
def pdf_of(page: Path):
    from pypdf import PdfReader

    return PdfReader(page.with_suffix(".pdf"))


@cache
def pdf_text(page: Path) -> str:
    return "\n".join(p.extract_text() for p in pdf_of(page).pages)


def squeezed(text: str) -> str:
    """Text without whitespace, ligatures as letters: a heading may wrap, and "fi" may be one glyph (ﬁ)."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text))


def main_part(page: Path) -> str:
    """The HTML between ``<main`` and ``</main>`` (the header of links is not printed)."""
    text = page.read_text(encoding="utf-8")
    start, end = text.find("<main"), text.rfind("</main>")
    return text[start:end] if start >= 0 and end > start else text


def headings(page: Path) -> list[str]:
    """The texts of the page's h1 and h2, without nbconvert's ¶ anchors."""
    found = re.findall(r"<h([12])\b[^>]*>(.*?)</h\1>", main_part(page), re.S)
    texts = [re.sub(r"<a class=\"anchor-link\".*?</a>", "", body, flags=re.S) for _, body in found]
    return [html.unescape(re.sub(r"<[^>]+>", "", t)).strip() for t in texts]


def test_the_batch_found_a_browser_and_every_report_has_its_pdf(demo_batch, reports, pages):
    _, completed = demo_batch
    assert NO_BROWSER_MESSAGE not in completed.stdout and "PDF non prodotti" not in completed.stdout
    manifest = json.loads((reports / "manifest.json").read_text(encoding="utf-8"))
    for page in pages:
        key = page.relative_to(reports).with_suffix("").as_posix()
        assert page.with_suffix(".pdf").is_file(), key
        assert manifest["reports"][key]["outputs"]["pdf"] == f"{key}.pdf"
    assert not list(reports.rglob(".*.tmp")), "no temporary file left behind"


def test_every_pdf_opens_with_a4_numbered_pages(pages):
    for page in pages:
        reader = pdf_of(page)
        assert len(reader.pages) >= 1, page
        for number, sheet in enumerate(reader.pages, start=1):
            width, height = float(sheet.mediabox.width), float(sheet.mediabox.height)
            assert abs(width - A4_POINTS[0]) <= 1 and abs(height - A4_POINTS[1]) <= 1, (page, number)
            assert f"Pagina {number} di {len(reader.pages)}" in sheet.extract_text(), (page, number)


def test_every_pdf_has_the_headings_of_its_page(pages):
    for page in pages:
        found = headings(page)
        assert found, f"{page}: no heading in the HTML"
        text = squeezed(pdf_text(page))
        missing = [h for h in found if squeezed(h) not in text]
        assert not missing, f"{page.with_suffix('.pdf')}: headings missing from the text: {missing}"


def test_every_pdf_has_its_figures_as_images(pages):
    with_figures = 0
    for page in pages:
        figures = len(re.findall(r"<img\b", main_part(page)))
        images = sum(len(sheet.images) for sheet in pdf_of(page).pages)
        assert images >= figures, f"{page.with_suffix('.pdf')}: {images} images for {figures} figures"
        with_figures += figures > 0
    assert with_figures >= 10, "most reports draw figures"


def test_every_font_is_embedded(pages):
    for page in pages:
        for number, sheet in enumerate(pdf_of(page).pages, start=1):
            for name, font in (sheet["/Resources"].get("/Font") or {}).items():
                font = font.get_object()
                if "/DescendantFonts" in font:
                    font = font["/DescendantFonts"][0].get_object()
                descriptor = font.get("/FontDescriptor")
                descriptor = descriptor.get_object() if descriptor is not None else {}
                assert any(k in descriptor for k in ("/FontFile", "/FontFile2", "/FontFile3")), (page, number, name)


def test_no_link_or_path_leads_into_this_machine(demo_batch, pages):
    out, _ = demo_batch
    for page in pages:
        target = page.with_suffix(".pdf")
        for sheet in pdf_of(page).pages:
            for annotation in sheet.get("/Annots") or []:
                action = annotation.get_object().get("/A") or {}
                uri = str(action.get("/URI", ""))
                assert not uri.startswith("file:") and str(out) not in uri, f"{target}: link {uri}"
        raw = target.read_bytes()  # annotations and metadata are not compressed
        assert b"file:" not in raw and str(out).encode() not in raw, target
        assert str(out) not in pdf_text(page), target


def test_no_personal_string_in_any_pdf(pages):
    with open(config.RAW_DIR / "enti.csv", encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    personal = {value.strip().lower() for row in rows for value in (row["delegato"], row["email"]) if value.strip()}
    assert len(personal) > 100
    for page in pages:
        # a name may wrap onto the next line, and its "fi" be one glyph
        text = " ".join(unicodedata.normalize("NFKC", pdf_text(page)).lower().split())
        leaked = sorted(s for s in personal if s in text)
        assert not leaked, f"{page.with_suffix('.pdf')}: {leaked[:5]}"
        metadata = " ".join(str(v) for v in (pdf_of(page).metadata or {}).values()).lower()
        assert not [s for s in personal if s in metadata], page


def test_the_final_report_is_la_relazione_completa(reports):
    page = reports / f"{FINAL}.html"
    reader = pdf_of(page)
    title = html.unescape(re.search(r"<title>(.*?)</title>", page.read_text(encoding="utf-8"), re.S).group(1)).strip()
    assert reader.metadata.title == title and title
    assert len(reader.pages) >= 3, "the complete report runs over several pages"
    first = reader.pages[0].extract_text()
    assert "Palestre di capacità" in first and "Lombardia" in first, "the running header names process and territory"
    outline = [item.title for item in reader.outline if not isinstance(item, list)]
    assert headings(page)[0] in outline, "its headings are the PDF's bookmarks"


def test_no_table_is_cut_at_the_right_margin(pages):
    """Every column header of every table is in the PDF's text: a wide table fits the page, it is not cut."""
    missing = {}
    for page in pages:
        text = squeezed(pdf_text(page))
        columns = re.findall(r'<th scope="col"[^>]*>(.*?)</th>', main_part(page), re.S)
        lost = [c for c in {html.unescape(re.sub(r"<[^>]+>", "", c)) for c in columns} if squeezed(c) not in text]
        if lost:
            missing[page.name if page.parent.name == "lombardia" else f"{page.parent.name}/{page.name}"] = lost
    assert missing == {}
