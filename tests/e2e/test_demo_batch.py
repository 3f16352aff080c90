"""End to end: the real pipeline (`palestre run`) on the demo data, in a temporary folder,
then every report opened in a real browser (Debian's Chromium, driven by Playwright, offline).
"""

from __future__ import annotations

import csv
import json
import shutil
import subprocess
import sys

import pandas as pd
import pytest

from palestre_analysis import config
from palestre_analysis.core.vocabulary import slugify
from palestre_analysis.report.tables import CONTRACT

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


@pytest.fixture(scope="module")
def batch(tmp_path_factory):
    out = tmp_path_factory.mktemp("demo_batch")
    result = palestre("run", "--out", str(out))
    assert result.returncode == 0, result.stdout + result.stderr
    return out, result


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
    for name, columns in CONTRACT.items():
        frame = pd.read_csv(tables / f"{name}.csv")
        assert list(frame.columns) == columns, name
    cells = pd.read_csv(tables / "cells.csv")
    assert set(cells["group"]) == {"all", "aps_odv", "fondazioni_csv_altri"}
    small = cells["n"] < config.MIN_CELL
    assert cells.loc[small, ["mean", "median", "iqr", "ci_low", "ci_high"]].isna().all().all()


def test_no_name_or_email_anywhere_in_the_outputs(batch):
    out, _ = batch
    secrets = set()
    with open(config.RAW_DIR / "enti.csv", encoding="utf-8-sig", newline="") as handle:
        for row in csv.DictReader(handle):
            secrets.update({row["delegato"], row["email"]})
    files = [p for p in out.rglob("*") if p.is_file()]
    assert len(files) > 100
    for path in files:
        text = path.read_bytes().decode("utf-8", errors="replace")
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
            assert all(alt.startswith("Figura: ") for _, _, alt in images), f"{path.name}: a figure has no title"
            if path.name != "index.html":
                notice = "non mostra alcuna statistica" in page.inner_text("body")
                assert notice == (path.parent.name in small), f"{path.relative_to(out)}: notice {notice}"
                assert len(images) >= (0 if notice else 2), f"{path.relative_to(out)} shows {len(images)} figures"
                assert page.eval_on_selector("html", "h => h.lang") == "it"
                assert page.locator("h1").count() >= 1
            page.close()
        browser.close()
    assert not problems, "\n".join(problems)
