"""Figures and tables numbered per report, referred to by number, described by their main finding.

A :class:`~palestre_analysis.report.section.Shower` numbers what it shows («Figura 3»,
«Tabella 2»); the text of a section points at its own figures and tables through
placeholders filled in when it is shown. Every figure's alternative text says its main
finding; every table has a caption and header scopes; images are at print resolution.
"""

from __future__ import annotations

import base64
import html
import io
import re
from types import SimpleNamespace

import pandas as pd
import pytest
from matplotlib.figure import Figure
from matplotlib.text import Text
from PIL import Image

from palestre_analysis import config
from palestre_analysis.ingest.build import clean
from palestre_analysis.ingest.processed import for_territory, load_processed
from palestre_analysis.report import final, network, scores
from palestre_analysis.report.display import paragraph, plain, table_html
from palestre_analysis.report.parameters import check_parameters
from palestre_analysis.report.section import (
    MAX_IMAGE_WIDTH,
    PRINT_SCALE,
    Section,
    Shower,
    figure_bundle,
    figure_ref,
    privacy_note,
    shown_html,
    table_ref,
    title,
)

PARAMS = SimpleNamespace(territorio="Brescia", min_cell=5)
FIGURE_CAPTION = re.compile(r"<figcaption><strong>Figura (\d+)\. ")
TABLE_CAPTION = re.compile(r"<figcaption><strong>Tabella (\d+)\. ")


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    out = tmp_path_factory.mktemp("processed")
    clean(config.RAW_DIR, out)
    return load_processed(out)


@pytest.fixture
def displayed(monkeypatch):
    """What the :class:`Shower` displays: the HTML of each output."""
    seen: list[str] = []

    def display(item, raw=False, **_):
        seen.append(item["text/html"] if raw else item.data)

    monkeypatch.setattr("IPython.display.display", display)
    return seen


def small_figure(name: str) -> Figure:
    figure = Figure(figsize=(2, 1), dpi=100)
    figure.add_subplot().set_title(name)
    return figure


def small_table(caption: str):
    return table_html(pd.DataFrame({"x": ["a"], "n": [7]}), {"x": "Voce", "n": "Enti"}, caption)


def numbers(pages: list[str], pattern: re.Pattern) -> list[int]:
    return [int(n) for page in pages for n in pattern.findall(page)]


def test_numbers_follow_the_order_shown_skip_nothing_and_restart_with_each_report(displayed):
    show = Shower(None)
    show(Section().add_figure(small_figure("A"), "Uno.").add(small_table("Prima")))
    show(Section())  # a section that shows nothing takes no number
    show(
        Section()
        .add(small_table("Seconda"))
        .add_figure(small_figure("B"), "Due.")
        .add_figure(small_figure("C"), "Tre.")
    )
    assert numbers(displayed, FIGURE_CAPTION) == [1, 2, 3]
    assert numbers(displayed, TABLE_CAPTION) == [1, 2]
    assert "<strong>Figura 3. C</strong>" in displayed[-1] and "<strong>Tabella 2. Seconda</strong>" in displayed[2]
    displayed.clear()
    Shower(None)(Section().add_figure(small_figure("D"), "Quattro.").add(small_table("Terza")))
    assert numbers(displayed, FIGURE_CAPTION) == [1] and numbers(displayed, TABLE_CAPTION) == [1]


def test_a_section_left_out_of_a_notice_only_report_takes_no_number(displayed):
    show = Shower(None)
    show(title("Risorse ed esigenze", PARAMS, SimpleNamespace(small=True)))
    left_out = privacy_note(PARAMS).add_figure(small_figure("Mai"), "Mai mostrata.")
    show(left_out)
    show(Section().add_figure(small_figure("Dopo"), "Mostrata."))
    assert numbers(displayed, FIGURE_CAPTION) == [1] and "Mai" not in "".join(displayed)


def test_references_get_the_numbers_of_the_section_s_own_figures_and_tables(displayed):
    show = Shower(None)
    show(Section().add_figure(small_figure("Prima"), "Uno.").add(small_table("Prima"), small_table("Seconda")))
    section = Section().add_figure(small_figure("A"), "Due.").add_figure(small_figure("B"), "Tre.")
    section.add(small_table("Terza"))
    section.add(paragraph("Come mostrano la " + figure_ref(2) + " e la " + table_ref() + "."))
    section.add(paragraph(figure_ref(capital=True) + " viene prima."))
    show(section)
    assert displayed[-2] == "<p>Come mostrano la figura 3 e la tabella 3.</p>"
    assert displayed[-1] == "<p>Figura 2 viene prima.</p>"
    assert "\ue000" not in "".join(displayed), "no placeholder reaches the reader"


def test_a_reference_to_a_figure_the_section_does_not_show_stops_the_report(displayed):
    section = Section().add(paragraph("Lo mostra la " + figure_ref() + "."))
    with pytest.raises(ValueError, match="figura 1 of its section, which shows 0"):
        Shower(None)(section)
    assert not displayed, "nothing of a wrong section is shown"


def test_a_figure_cannot_be_added_without_its_finding():
    with pytest.raises(TypeError, match="add_figure"):
        Section().add(small_figure("Senza"))


def test_an_image_is_at_print_resolution_and_keeps_its_size_on_the_page():
    figure = Figure(figsize=(7.5, 3.8), dpi=100)
    figure.add_subplot().plot([0, 1], [1, 0])
    bundle = figure_bundle(figure, 4, "Scende.")
    embedded = re.search(r'src="data:image/png;base64,([^"]+)"', bundle["text/html"]).group(1)
    image = Image.open(io.BytesIO(base64.b64decode(embedded)))
    assert PRINT_SCALE == 2 and image.size == (1500, 760)
    assert round(image.info["dpi"][0]) == 200
    assert 'width="750" height="380"' in bundle["text/html"]
    assert set(bundle) == {"text/html", "text/plain"}, "the image once, inside the HTML"


def test_a_wide_figure_is_drawn_at_most_max_image_width_pixels_and_keeps_its_size():
    figure = Figure(figsize=(13.3, 11.36), dpi=100)  # the heatmaps' size
    figure.add_subplot().plot([0, 1], [1, 0])
    bundle = figure_bundle(figure, 1, "Scende.")
    embedded = re.search(r'src="data:image/png;base64,([^"]+)"', bundle["text/html"]).group(1)
    image = Image.open(io.BytesIO(base64.b64decode(embedded)))
    assert MAX_IMAGE_WIDTH == 1600 and image.size == (1600, 1366)
    assert 'width="1330" height="1135"' in bundle["text/html"]  # the image's shape, at the figure's width
    # on A4 (180 mm, 7.09 inches between the margins) it still prints at over 200 dpi
    assert image.size[0] / (180 / 25.4) > 200


def report_sections(data, params, report: str):
    """The sections of one notebook, in its order (see notebooks/*.ipynb)."""
    if report == "01":
        return [
            f(data, params)
            for f in (
                network.overview,
                network.composition,
                network.meetings,
                network.participation,
                network.network,
                network.contributions,
            )
        ]
    results = scores.compute(data, params)
    if report == "02":
        functions = (scores.means, scores.best, scores.consensus, scores.agreement, scores.groups, scores.distributions)
        return [scores.overview(results, params), *(f(results, params) for f in functions)]
    return [
        final.summary(data, results, params),
        final.key_findings(data, results, params),
        network.composition(data, params),
        network.contributions(data, params),
        scores.best(results, params),
        scores.groups(results, params),
        final.territories(data, results, params),
        final.methods(data, params),
    ]


@pytest.fixture(scope="module")
def reports(demo):
    """Lombardia's three reports and Brescia's two, each as its sections (in notebook order)."""
    out = {}
    for territory, names in (("Lombardia", ("01", "02", "03")), ("Brescia", ("01", "02"))):
        params = check_parameters(territory, 5, 1)
        data = demo if territory == config.REGION else for_territory(demo, territory)
        for name in names:
            out[territory, name] = params, report_sections(data, params, name)
    return out


def reader_text(sections) -> str:
    """Everything a reader of the report reads: its sentences and tables, and the texts drawn in its figures."""
    texts = [plain(shown_html(s)) for s in sections]
    for section in sections:
        for item in section.items:
            if isinstance(item, Figure):
                item.canvas.draw()  # tick labels are set when the figure is drawn
                texts.extend(t.get_text() for t in item.findobj(Text) if t.get_text())
    return " ".join(" ".join(texts).split())


#: A statistic as a finding prints it: a number with decimals, a percentage, a count of entities.
STATISTIC = re.compile(r"[-+]?\d+,\d+|\d+%|\d+(?= enti\b)")


@pytest.mark.parametrize("report", [("Lombardia", "01"), ("Lombardia", "02"), ("Lombardia", "03"), ("Brescia", "02")])
def test_every_figure_says_its_finding_with_numbers_the_report_shows(reports, report):
    """A finding is a sentence with numbers, and each statistic in it is one the report prints elsewhere too:

    a value the report hides (‡) cannot be among them."""
    _, sections = reports[report]
    findings = [s.findings[figure] for s in sections for figure in s.items if isinstance(figure, Figure)]
    assert len(findings) >= 4
    shown = reader_text(sections).replace("+", "")
    for finding in findings:
        assert finding.endswith(".") and re.search(r"\d", finding), finding
        assert "‡" not in finding and "<" not in finding, finding
        for value in STATISTIC.findall(finding):
            assert value.lstrip("+") in shown, f"{finding!r}: {value} is shown nowhere else in the report"


def test_the_alternative_text_gives_number_title_and_finding_and_is_escaped():
    figure = small_figure('Voti <b>"alti"</b>')
    bundle = figure_bundle(figure, 2, "La più alta è 31 & oltre.")
    alt = re.search(r'alt="([^"]*)"', bundle["text/html"]).group(1)
    assert html.unescape(alt) == 'Figura 2: Voti <b>"alti"</b>. La più alta è 31 & oltre.'
    assert "<b>" not in bundle["text/html"]
    assert bundle["text/html"].endswith(
        "<figcaption><strong>Figura 2. Voti &lt;b&gt;&quot;alti&quot;&lt;/b&gt;</strong></figcaption></figure>"
    )


@pytest.mark.parametrize("report", [("Lombardia", "01"), ("Lombardia", "02"), ("Lombardia", "03"), ("Brescia", "01")])
def test_every_table_has_a_numbered_caption_and_every_header_its_scope(reports, report, displayed):
    _, sections = reports[report]
    show = Shower(None)
    for section in sections:
        show(section)
    page = "".join(displayed)
    tables = re.findall(r'<figure class="palestre-table"><figcaption><strong>(.*?)</strong>', page)
    assert len(tables) == page.count("<table") >= 2
    assert [int(t.split(".")[0].removeprefix("Tabella ")) for t in tables] == list(range(1, len(tables) + 1))
    assert all(len(t) > len("Tabella 10. ") for t in tables), "a caption says what the table is"
    headers = re.findall(r"<th\b[^>]*>", page)
    assert headers and all(h in ('<th scope="col">', '<th scope="row">') for h in headers), set(headers)
    assert '<th scope="row">' in page, "the first column names its rows"


def test_the_text_points_at_the_figures_and_tables_by_their_number(reports, displayed):
    """In Lombardia's report 01: numbered in display order, and every reference to a number that exists."""
    _, sections = reports["Lombardia", "01"]
    show = Shower(None)
    for section in sections:
        show(section)
    page = "".join(displayed)
    figures, tables = numbers(displayed, FIGURE_CAPTION), numbers(displayed, TABLE_CAPTION)
    assert figures == list(range(1, 6)) and tables == list(range(1, 6))
    text = plain(re.sub(r"<figure.*?</figure>", " ", page))
    assert "quota pubblicata 60%; figura 1 e tabella 1)" in text, "composition"
    assert "(figura 2 e tabella 2)" in text, "calendar of meetings"
    assert "(tabella 4)" in text, "the network's density"
    for kind, number in re.findall(r"\b(figura|tabella) (\d+)", text):
        assert int(number) in (figures if kind == "figura" else tables), (kind, number)


@pytest.mark.parametrize("territory", ["Bergamo", "Como", "Cremona", "Pavia"])
def test_a_province_with_hidden_presences_gets_no_figure_and_no_finding_for_them(demo, territory):
    """Where every presence per meeting is hidden there is no chart, hence nothing to describe."""
    params = check_parameters(territory, 5, 1)
    section = network.participation(for_territory(demo, territory), params)
    assert len(section.findings) == section.count("figura")
    assert all(re.search(r"\d", finding) for finding in section.findings.values())
