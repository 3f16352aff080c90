"""End to end: the real pipeline (`palestre run`) on the demo data, in a temporary folder,
then every report opened in a real browser (Debian's Chromium, driven by Playwright, offline).
"""

from __future__ import annotations

import csv
import json
import re
import shutil
import subprocess
import sys

import pandas as pd
import pytest

from palestre_analysis import config
from palestre_analysis.core.vocabulary import slugify
from palestre_analysis.report.tables import CONTRACT, GROUP_COUNTS

pytestmark = pytest.mark.slow
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
PROVINCES = [
    "bergamo",
    "brescia",
    "como",
    "cremona",
    "lecco",
    "lodi",
    "mantova",
    "milano",
    "monza-e-della-brianza",
    "pavia",
    "sondrio",
    "varese",
]


def palestre(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "palestre_analysis", *args], capture_output=True, text=True, timeout=1200
    )


@pytest.fixture
def batch(demo_batch):
    return demo_batch


def test_every_territory_gets_its_reports(batch):
    out, result = batch
    reports = out / "reports"
    assert (reports / "index.html").is_file() and (reports / "manifest.json").is_file()
    for slug in ["lombardia", *PROVINCES]:
        for stem in ("01_rete_partecipazione", "02_risorse_esigenze"):
            assert (reports / slug / f"{stem}.html").is_file(), (slug, stem)
            assert (reports / slug / f"{stem}.ipynb").is_file(), (slug, stem)
    assert (reports / "lombardia" / "03_relazione_finale.html").is_file()
    manifest = json.loads((reports / "manifest.json").read_text(encoding="utf-8"))
    assert len(manifest["reports"]) == 27
    assert "scartat" in result.stdout, "the summary says rows were rejected, and where"


@pytest.mark.parametrize("slug", ["lombardia", "brescia"])
def test_contract_tables_are_written(batch, slug):
    out, _ = batch
    tables = out / "reports" / slug / "tables"
    groups = ["n_aps_odv", "n_fondazioni_csv_altri"]  # the n_<group> columns of the seed's process
    for name, columns in CONTRACT.items():
        frame = pd.read_csv(tables / f"{name}.csv")
        assert list(frame.columns) == [
            c for column in columns for c in (groups if column == GROUP_COUNTS else [column])
        ]
    cells = pd.read_csv(tables / "cells.csv")
    assert set(cells["group"]) == {"all", "aps_odv", "fondazioni_csv_altri"}
    small = cells["n"] < config.MIN_CELL
    assert cells.loc[small, ["mean", "median", "iqr", "ci_low", "ci_high"]].isna().all().all()


def test_no_name_or_email_anywhere_in_the_outputs(batch, read_published):
    out, _ = batch
    secrets = set()
    with open(config.RAW_DIR / "enti.csv", encoding="utf-8-sig", newline="") as handle:
        for row in csv.DictReader(handle):
            secrets.update({row["delegato"], row["email"]})
    files = [p for p in out.rglob("*") if p.is_file()]
    assert len(files) > 100
    for path in files:
        text = read_published(path)  # a PDF's text and links too
        if path.suffix == ".parquet":
            text = pd.read_parquet(path).to_csv()
        leaked = [s for s in secrets if s in text]
        assert not leaked, f"{path.relative_to(out)} contains {len(leaked)} personal values"


def test_free_text_is_escaped_in_the_reports(batch):
    out, _ = batch
    page = (out / "reports" / "lombardia" / "01_rete_partecipazione.html").read_text(encoding="utf-8")
    assert "&lt;img src=x onerror=alert(1)&gt;" in page
    assert "<img src=x" not in page and "onerror=alert" not in page.replace("onerror=alert(1)&gt;", "")


def test_a_second_run_does_nothing(batch):
    out, _ = batch
    again = palestre("run", "--out", str(out))
    assert again.returncode == 0, again.stderr
    manifest = json.loads((out / "reports" / "manifest.json").read_text(encoding="utf-8"))
    assert "eseguito" not in again.stdout and "invariato" in again.stdout
    assert all(entry["status"] == "ok" for entry in manifest["reports"].values())


def test_every_report_opens_in_chromium_offline_without_errors(batch):
    from playwright.sync_api import sync_playwright

    out, _ = batch
    pages = sorted((out / "reports").rglob("*.html"))
    assert len(pages) == 28
    entities = pd.read_parquet(out / "processed" / "entities.parquet")
    small = {slugify(t) for t, n in entities["territory"].value_counts().items() if n < config.MIN_CELL}
    assert small == {"lecco", "lodi", "mantova", "sondrio"}, "territories that publish only a notice"
    problems: list[str] = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
            ],
        )
        context = browser.new_context(offline=True)
        context.route(
            "**/*",
            lambda route: (
                route.continue_()
                if route.request.url.startswith(("file:", "data:"))
                else (problems.append(f"network request: {route.request.url}"), route.abort())
            ),
        )
        for path in pages:
            page = context.new_page()
            page.on(
                "console",
                lambda m, p=path: (
                    m.type in ("error", "warning") and problems.append(f"{p.name}: console {m.type}: {m.text}")
                ),
            )
            page.on("pageerror", lambda e, p=path: problems.append(f"{p.name}: page error {e}"))
            page.goto(path.as_uri(), wait_until="load")
            images = page.eval_on_selector_all(
                "img",
                "imgs => imgs.map(i => [i.complete && i.naturalWidth > 0, i.getAttribute('src').slice(0, 22), "
                "i.getAttribute('alt') || ''])",
            )
            assert all(ok for ok, _, _ in images), f"{path.name}: an image did not load"
            assert all(src.startswith("data:image/") for _, src, _ in images), f"{path.name}: image not embedded"
            assert all(re.match(r"Figura \d+: ", alt) for _, _, alt in images), f"{path.name}: a figure has no title"
            if path.name != "index.html":
                notice = "non mostra alcuna statistica" in page.inner_text("body")
                assert notice == (path.parent.name in small), f"{path.relative_to(out)}: notice {notice}"
                text = page.inner_text("body")
                if notice:
                    assert not images, f"{path.relative_to(out)}: a notice-only report draws a figure"
                elif len(images) < 2:  # statistics hidden across the batch: the report says why, never a blank chart
                    assert "non è mostrat" in text or "non sono mostrat" in text, f"{path.relative_to(out)}: no figure"
                assert page.eval_on_selector("html", "h => h.lang") == "it"
                assert page.locator("h1").count() >= 1
            page.close()
        browser.close()
    assert not problems, "\n".join(problems)


SMALL = ["lecco", "lodi", "mantova", "sondrio"]  # fewer than MIN_CELL entities in the demo


def page_text(path) -> str:
    """The text a reader sees on a page: no style, no tags, entities decoded, spaces collapsed."""
    import html
    import re

    page = path.read_text(encoding="utf-8")
    body = re.sub(r"<style.*?</style>", " ", page[page.index("<body") :], flags=re.S)
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", body)).replace("¶", " ").split())


def test_no_published_file_names_a_folder_of_this_machine(batch, read_published):
    """Manifest, index, pages, PDFs, executed notebooks (parameters, papermill's paths) and tables."""
    from pathlib import Path

    out, _ = batch
    machine = {str(out), str(out.resolve()), str(config.PROJECT_ROOT), str(Path.home()) + "/"}
    found = {}
    for path in (out / "reports").rglob("*"):
        if path.is_file():
            text = read_published(path)
            named = sorted(m for m in machine if m in text)
            if named:
                found[str(path.relative_to(out))] = named
    assert found == {}
    manifest = json.loads((out / "reports" / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["paths"]["relative_to"] == "reports"
    entry = manifest["reports"]["brescia/01_rete_partecipazione"]
    assert entry["parameters"]["processed_dir"] == "../processed"
    assert entry["inputs"]["notebook"]["path"] == "notebooks/01_rete_partecipazione.ipynb"


def test_the_index_says_what_each_rejected_count_counts(batch):
    """Rows rejected (the cleaning report's totals) and lines of rejected.csv (one per error) differ in the demo."""
    out, _ = batch
    report = json.loads((out / "processed" / "cleaning_report.json").read_text(encoding="utf-8"))
    with open(out / "processed" / "rejected.csv", encoding="utf-8", newline="") as handle:
        lines = len(list(csv.DictReader(handle)))
    rows = report["totals"]["rejected"]
    assert lines == report["problems"]["errors"] and lines > rows > 0, "the demo has both kinds"
    index = page_text(out / "reports" / "index.html")
    assert f"sono state scartate {rows} righe" in index
    assert f"rejected.csv della cartella dei dati elaborati (non pubblicato con i rapporti) ha {lines} righe" in index
    assert "una per ogni errore trovato" in index and "un voto non valido scarta solo quel voto" in index


@pytest.mark.parametrize("slug", SMALL)
@pytest.mark.parametrize("stem", ["01_rete_partecipazione", "02_risorse_esigenze"])
def test_a_notice_only_report_has_no_empty_heading_and_one_explanation(batch, slug, stem):
    out, _ = batch
    path = out / "reports" / slug / f"{stem}.html"
    page = path.read_text(encoding="utf-8")
    text = page_text(path)
    assert page.count("<h1") == 1 and "<h2" not in page, "no heading with nothing under it"
    assert text.count("non mostra alcuna statistica") == 1
    assert "Sono mostrate solo" not in text and "Nota sulla riservatezza" not in text and "‡" not in text
    assert "<img" not in page


@pytest.mark.parametrize("stem", ["01_rete_partecipazione", "02_risorse_esigenze"])
def test_a_report_with_statistics_keeps_its_headings_and_its_privacy_note(batch, stem):
    import nbformat

    out, _ = batch
    page = (out / "reports" / "brescia" / f"{stem}.html").read_text(encoding="utf-8")
    notebook = nbformat.read(config.NOTEBOOKS_DIR / f"{stem}.ipynb", as_version=4)
    headings = [c.source.split("\n")[0] for c in notebook.cells if c.source.startswith("## ")]
    assert page.count("<h2") == len(headings) + 1 > 4  # and the list of the report's tables, at the end
    text = page_text(out / "reports" / "brescia" / f"{stem}.html")
    assert "Sono mostrate solo le statistiche calcolate su almeno 5 delegati" in text
    assert "Nota sulla riservatezza" in text and "non mostra alcuna statistica" not in text


@pytest.mark.parametrize("slug", sorted(set(PROVINCES) - set(SMALL)))
def test_no_attendance_chart_without_a_bar(batch, slug):
    """Bergamo, Como, Pavia: hidden bands and zeros only; the chart is left out, not drawn empty."""
    out, _ = batch
    tables = out / "reports" / slug / "tables"
    page = (out / "reports" / slug / "01_rete_partecipazione.html").read_text(encoding="utf-8")
    for table, column, title in (
        ("attendance_distribution.csv", "n_entities", "Quanti incontri ha frequentato ogni ente"),
        ("meetings.csv", "n_present", "Presenze e nuovi arrivi per incontro"),
    ):
        frame = pd.read_csv(tables / table)
        if "category" in frame:
            frame = frame[frame["category"] == "all"]
        drawn = re.search(rf'alt="Figura \d+: {re.escape(title)}', page) is not None
        assert drawn == bool((frame[column].fillna(0) > 0).any()), (slug, title)


def test_the_attacker_rebuilds_nothing_from_the_demo_batch(batch, protection_reports):
    """Every hidden count bounded from all published tables together (``palestre audit``, exit 0)."""
    out, _ = batch
    result = palestre("audit", "--out", str(out))
    protection_reports.append(("batch dimostrativo", result.stdout))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "la protezione regge" in result.stdout
    assert "cells:" in result.stdout and "composition:" in result.stdout, "it attacked the linked tables"


def test_the_attacker_finds_what_an_unprotected_table_gives_away(batch, tmp_path):
    """The same attacker on a copy of the batch where one hidden count is printed again: it finds it."""
    from palestre_analysis.audit import attack

    out, _ = batch
    copy = tmp_path / "reports"
    shutil.copytree(out / "reports", copy)
    path = copy / "milano" / "tables" / "composition.csv"
    table = pd.read_csv(path)
    hidden = table["n"].isna()
    assert hidden.sum() >= 2, "the demo hides Milano's small categories"
    first = table.index[hidden][0]
    truth = pd.read_parquet(out / "processed" / "entities.parquet").query("territory == 'Milano'")
    table.loc[first, "n"] = int((truth["category"] == table.loc[first, "category"]).sum())
    table.to_csv(path, index=False)
    audit = attack(copy)
    assert not audit.safe, "one published small count must show up"


def test_every_link_of_every_page_leads_somewhere(batch):
    """The header, the table of contents and the tables list: each relative link names a file or an id that exists."""
    import re
    from urllib.parse import unquote, urlsplit

    out, _ = batch
    reports = out / "reports"
    pages = sorted(reports.rglob("*.html"))
    ids = {page: set(re.findall(r'\sid="([^"]+)"', page.read_text(encoding="utf-8"))) for page in pages}
    checked = 0
    for page in pages:
        text = page.read_text(encoding="utf-8")
        if page.name != "index.html":
            assert '<header class="palestre-nav">' in text, page
            # a notice-only page has one section or none: nothing to list
            assert ('class="palestre-toc"' in text) == (text.count("<h2") >= 2), page
        for href in re.findall(r'<a\b[^>]*\shref="([^"]+)"', text):
            parts = urlsplit(href)
            if parts.scheme or parts.netloc:
                continue  # a reference's DOI: not ours to check offline
            target = (page.parent / unquote(parts.path)).resolve() if parts.path else page
            assert target.exists(), f"{page.relative_to(reports)}: {href} leads nowhere"
            assert target.is_relative_to(reports.resolve()), f"{page.relative_to(reports)}: {href} leaves the reports"
            if parts.fragment and target.suffix == ".html":
                assert unquote(parts.fragment) in ids[target] or parts.fragment in ids[target], (page, href)
            checked += 1
    assert checked > 27 * 5
