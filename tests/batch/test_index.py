"""The index page: the process in figures, one row per territory grouped by region, and its markup.

The small tests write a reports folder by hand (a manifest and the few CSV tables the index
reads); the slow ones read the demo batch that every end-to-end test shares.
"""

from __future__ import annotations

import csv
import json
import re
from pathlib import Path
from urllib.parse import unquote

import pytest
from bs4 import BeautifulSoup

from palestre_analysis.batch.index import NOT_PUBLISHED, render_index, write_index
from palestre_analysis.report.formatting import SUPPRESSED_MARK

STEMS = {"01": "Fase 1 · Rete e partecipazione", "02": "Fase 2 · Risorse ed esigenze", "03": "Relazione finale"}


def write_csv(path: Path, rows: list[dict]) -> str:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return path.name


def territory_tables(
    reports: Path, slug: str, *, entities="15.0", voters="", meetings=("2018-09-20", "2019-06-13"), cells=None
):
    """The four tables a territory's reports publish that the index reads; returns their paths."""
    folder = reports / slug / "tables"
    write_csv(
        folder / "participation.csv",
        [{"category": "all", "n_entities": entities, "n_attending": entities, "suppressed": "True"}],
    )
    write_csv(
        folder / "meetings.csv",
        [{"meeting_id": f"I{i:02}", "date": day, "phase": 1, "suppressed": "False"} for i, day in enumerate(meetings)],
    )
    write_csv(
        folder / "voters.csv",
        [
            {"group": "all", "n_delegates": voters, "suppressed": str(voters == "")},
            {"group": "aps_odv", "n_delegates": "", "suppressed": "True"},
        ],
    )
    cells = cells or [("7.0", "False"), ("", "True")]
    write_csv(
        folder / "cells.csv",
        [{"field": f"c{i}", "group": "all", "n": n, "suppressed": hidden} for i, (n, hidden) in enumerate(cells)],
    )
    names = ["participation.csv", "meetings.csv", "voters.csv", "cells.csv"]
    return [f"{slug}/tables/{name}" for name in names]


def entry(territory: str, slug: str, stem: str, *, tables=(), status="ok", error=None, **extra) -> dict:
    outputs = {
        "html": f"{slug}/{stem}.html",
        "notebook": f"{slug}/{stem}.ipynb",
        "tables": list(tables),
        **extra.pop("outputs", {}),
    }
    return {
        "territory": territory,
        "slug": slug,
        "notebook": f"{stem}.ipynb",
        "title": STEMS[stem[:2]],
        "status": status,
        "error": error,
        "started": "2026-07-01T10:00:00+00:00",
        "duration_s": 3.25,
        "parameters": {"min_cell": 5},
        "outputs": outputs,
        **extra,
    }


def regional(reports: Path) -> dict:
    """Lombardia (with its final report's summary), Brescia (numbers partly hidden), Sondrio (a notice only)."""
    lombardia = territory_tables(reports, "lombardia", entities="95.0", voters="83.0", cells=[("9000.0", "False")])
    summary = write_csv(
        reports / "lombardia" / "tables" / "summary.csv",
        [
            {"item": "Enti nella rete (un delegato ciascuno)", "value": "95"},
            {"item": "Incontri", "value": "18 (10 di fase 1, 8 di fase 2)"},
            {"item": "Focus group", "value": "6"},
            {"item": "Delegati che hanno votato nella fase 2", "value": "83"},
            {"item": "… Delegati APS e ODV", "value": "non mostrato"},
            {"item": "Voti validi (da 1 a 10)", "value": "9.000"},
        ],
    )
    brescia = territory_tables(reports, "brescia", entities="15.0", voters="", meetings=("2018-10-04",))
    places = {
        "Lombardia": {"level": "regione", "region": "Lombardia"},
        "Brescia": {"level": "provincia", "region": "Lombardia"},
        "Sondrio": {"level": "provincia", "region": "Lombardia"},
        "Bergamo": {"level": "provincia", "region": "Lombardia"},
    }
    reports_ = {
        "lombardia/01": entry("Lombardia", "lombardia", "01_rete", tables=lombardia[:2]),
        "lombardia/02": entry("Lombardia", "lombardia", "02_voti", tables=lombardia[2:]),
        "lombardia/03": entry("Lombardia", "lombardia", "03_finale", tables=[f"lombardia/tables/{summary}"]),
        "sondrio/01": entry("Sondrio", "sondrio", "01_rete"),
        "sondrio/02": entry("Sondrio", "sondrio", "02_voti"),
        "brescia/01": entry("Brescia", "brescia", "01_rete", tables=brescia[:2]),
        "brescia/02": entry("Brescia", "brescia", "02_voti", tables=brescia[2:]),
    }
    return {
        "process": {"title": "Palestre di capacità", "area": "Lombardia", "national": False, "places": places},
        "territories": {"names": ["Lombardia", "Bergamo", "Brescia", "Sondrio"]},
        "cleaning": {"n_rejected": 0, "rejected_csv_rows": 0},
        "reports": reports_,
    }


def soup(page: str) -> BeautifulSoup:
    return BeautifulSoup(page, "html.parser")


def rows(page: str) -> dict[str, list[str]]:
    """Each territory row of the index: its header's text to its cells' texts."""
    return {
        row.th.get_text(" ", strip=True): [td.get_text(" ", strip=True) for td in row.find_all("td")]
        for row in soup(page).select("main > section > table > tbody > tr")
    }


def figures(page: str) -> dict[str, str]:
    return {div.dt.get_text(strip=True): div.dd.get_text(strip=True) for div in soup(page).select("dl.cifre > div")}


# --- the process in figures -----------------------------------------------------------------------


def test_the_figures_are_the_final_reports_summary_as_published_and_the_period_of_the_meetings(tmp_path):
    page = render_index(regional(tmp_path), tmp_path)
    assert figures(page) == {
        "Enti nella rete (un delegato ciascuno)": "95",
        "Incontri": "18 (10 di fase 1, 8 di fase 2)",
        "Delegati che hanno votato nella fase 2": "83",
        "Voti validi (da 1 a 10)": "9.000",
        "Periodo degli incontri": "20 settembre 2018 – 13 giugno 2019",
    }
    source = soup(page).select_one("p.fonte")
    assert [a["href"] for a in source.find_all("a")] == [
        "lombardia/tables/summary.csv",
        "lombardia/tables/meetings.csv",
    ]
    assert "Cifre dell'intera area (Lombardia), dalla tabella summary.csv della relazione finale" in source.text


def test_a_count_the_summary_hides_stays_hidden(tmp_path):
    manifest = regional(tmp_path)
    summary = tmp_path / "lombardia" / "tables" / "summary.csv"
    write_csv(
        summary,
        [
            {"item": "Delegati che hanno votato nella fase 2", "value": "non mostrato"},
            {"item": "Incontri", "value": "3"},
        ],
    )
    assert figures(render_index(manifest, tmp_path)) == {
        "Delegati che hanno votato nella fase 2": "non mostrato",
        "Incontri": "3",
        "Periodo degli incontri": "20 settembre 2018 – 13 giugno 2019",
    }


def test_without_a_final_report_the_figures_come_from_the_areas_own_tables(tmp_path):
    manifest = regional(tmp_path)
    del manifest["reports"]["lombardia/03"]
    page = render_index(manifest, tmp_path)
    assert figures(page) == {
        "Enti nella rete": "95",
        "Incontri frequentati": "2",
        "Delegati votanti": "83",
        "Voti": "9.000",
        "Periodo degli incontri": "20 settembre 2018 – 13 giugno 2019",
    }
    assert "dalle tabelle dei suoi rapporti" in page


def test_without_the_areas_reports_the_page_says_its_figures_are_missing(tmp_path):
    manifest = regional(tmp_path)
    manifest["reports"] = {k: v for k, v in manifest["reports"].items() if not k.startswith("lombardia/")}
    page = render_index(manifest, tmp_path)
    assert figures(page) == {}
    assert "Il rapporto dell'intera area non è stato prodotto" in page


# --- one row per territory -------------------------------------------------------------------------


def test_each_territory_shows_its_own_published_numbers_and_keeps_hidden_ones_hidden(tmp_path):
    table = rows(render_index(regional(tmp_path), tmp_path))
    assert list(table) == ["Lombardia (tutta la regione)", "Brescia", "Sondrio"], "the region, then alphabetically"
    numbers = {name: cells[:4] for name, cells in table.items()}
    assert numbers == {
        "Lombardia (tutta la regione)": ["95", "2", "83", "9.000"],
        "Brescia": ["15", "1", SUPPRESSED_MARK, SUPPRESSED_MARK],  # voters hidden; a hidden cell hides the total
        "Sondrio": [NOT_PUBLISHED] * 4,  # a notice only: no table at all
    }


def test_no_number_of_a_territory_is_absent_from_its_tables(tmp_path):
    """Privacy: a row shows only values of that territory's own CSV files (or their count or sum, where shown)."""
    page = render_index(regional(tmp_path), tmp_path)
    slugs = {"Lombardia (tutta la regione)": "lombardia", "Brescia": "brescia", "Sondrio": "sondrio"}
    for name, cells in rows(page).items():
        published = set()
        for path in (tmp_path / slugs[name] / "tables").glob("*.csv"):
            with open(path, encoding="utf-8", newline="") as handle:
                published |= {float(v) for row in csv.DictReader(handle) for v in row.values() if is_number(v)}
        meetings = tmp_path / slugs[name] / "tables" / "meetings.csv"
        if meetings.exists():
            published.add(float(len(meetings.read_text(encoding="utf-8").splitlines()) - 1))
        for value in cells[:4]:
            assert value in (SUPPRESSED_MARK, NOT_PUBLISHED) or float(value.replace(".", "")) in published, (
                name,
                value,
            )


def is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def test_every_report_has_its_links_and_its_status(tmp_path):
    manifest = regional(tmp_path)
    page = render_index(manifest, tmp_path)
    links = re.findall(r'<a href="([^"]+\.html)">', page)
    assert sorted(links) == sorted(e["outputs"]["html"] for e in manifest["reports"].values()), "each page once"
    assert page.count(">completato<") == 7
    brescia = soup(page).find("th", string="Brescia").parent
    hrefs = [a["href"] for a in brescia.find_all("a")]
    assert hrefs == [
        "brescia/01_rete.html",
        "brescia/01_rete.ipynb",
        "brescia/02_voti.html",
        "brescia/02_voti.ipynb",
        "brescia/tables/",
    ]
    assert "notebook eseguito" in brescia.text and "Tabelle dei dati (CSV)" in brescia.text


def test_the_pdf_is_linked_only_when_the_manifest_names_it_and_the_file_is_there(tmp_path):
    manifest = regional(tmp_path)
    (tmp_path / "brescia" / "01.pdf").write_bytes(b"%PDF-1.7\n")
    manifest["reports"]["brescia/01"]["outputs"]["pdf"] = "brescia/01.pdf"
    manifest["reports"]["brescia/02"]["outputs"]["pdf"] = "brescia/02.pdf"  # not written
    page = render_index(manifest, tmp_path)
    pdfs = [a["href"] for a in soup(page).find_all("a") if a["href"].endswith(".pdf")]
    assert pdfs == ["brescia/01.pdf"]
    assert soup(page).find("a", href="brescia/01.pdf").text == "PDF"


def test_a_notice_only_territory_says_why_in_italian(tmp_path):
    page = render_index(regional(tmp_path), tmp_path)
    sondrio = soup(page).find("th", string="Sondrio").parent
    assert sondrio.text.count("solo un avviso") == 2
    reason = sondrio.select_one("p.motivo").get_text(" ", strip=True)
    assert reason == (
        "Motivo: troppo pochi enti o delegati per mostrare statistiche senza rischi per la riservatezza "
        "(ne servono almeno 5). I suoi dati contano nel rapporto «Lombardia»."
    )
    assert "Tabelle dei dati" not in sondrio.text, "no link to an empty folder"
    assert (
        "<p>Per Sondrio i rapporti mostrano solo un avviso, senza statistiche, per tutelare la riservatezza dei "
        "delegati: il motivo è nella sua riga.</p>" in page
    )
    legend = soup(page).select_one("p.legenda").get_text(" ", strip=True)
    assert "‡ dato non mostrato perché calcolato su meno di 5 delegati" in legend
    unpublished = "– dato non pubblicato: il rapporto del territorio mostra solo un avviso, o non è stato prodotto."
    assert unpublished in legend


def test_the_reason_recorded_in_the_manifest_replaces_the_general_one(tmp_path):
    manifest = regional(tmp_path)
    manifest["reports"]["sondrio/01"]["notice"] = "Il territorio ha meno di 5 enti nella rete."
    manifest["reports"]["sondrio/02"]["notice"] = "Hanno votato meno di 5 delegati."
    manifest["reports"]["brescia/01"]["notice"] = None
    page = render_index(manifest, tmp_path)
    sondrio = soup(page).find("th", string="Sondrio").parent
    assert [d.text for d in sondrio.select("div.motivo")] == [
        "Il territorio ha meno di 5 enti nella rete.",
        "Hanno votato meno di 5 delegati.",
    ]
    assert "Motivo: troppo pochi" not in page
    assert "solo un avviso" not in soup(page).find("th", string="Brescia").parent.text


def test_a_failed_report_shows_its_error_line(tmp_path):
    manifest = regional(tmp_path)
    manifest["reports"]["brescia/02"].update(status="failed", error="ValueError: <voluto> (cella [3])\nTraceback…")
    page = render_index(manifest, tmp_path)
    brescia = soup(page).find("th", string="Brescia").parent
    assert brescia.select_one("span.stato-errore").text == "errore"
    assert [d.text for d in brescia.select("div.errore")] == ["ValueError: <voluto> (cella [3])"]
    assert "&lt;voluto&gt;" in page and "Traceback" not in page
    assert "7 rapporti, di cui <strong>1 con errore</strong>." in page


def test_a_national_process_has_a_table_for_the_country_and_one_per_region(tmp_path):
    places = {
        "Italia": {"level": "nazione", "region": None},
        "Veneto": {"level": "regione", "region": "Veneto"},
        "Verona": {"level": "provincia", "region": "Veneto"},
        "Padova": {"level": "provincia", "region": "Veneto"},
        "Sardegna": {"level": "regione", "region": "Sardegna"},
        "Cagliari": {"level": "provincia", "region": "Sardegna"},
    }
    names = ["Italia", "Veneto", "Verona", "Padova", "Sardegna", "Cagliari"]
    manifest = {
        "process": {"title": "Cantieri", "area": "Italia", "national": True, "places": dict(sorted(places.items()))},
        "territories": {"names": names},
        "reports": {f"{n.lower()}/01": entry(n, n.lower(), "01_rete") for n in reversed(names)},
    }
    page = render_index(manifest, tmp_path)
    headings = [h.text for h in soup(page).find_all(["h1", "h2", "h3"])]
    assert headings == [
        "Cantieri · Rapporti per territorio",
        "Il processo in cifre",
        "Tutto il paese",
        "Veneto",
        "Sardegna",
        "Note sui dati e sull'esecuzione",
    ]
    groups = [[th.text for th in table.select("tbody th")] for table in soup(page).select("section > table")]
    assert groups == [
        ["Italia (tutto il paese)"],
        ["Veneto (tutta la regione)", "Padova", "Verona"],
        ["Sardegna (tutta la regione)", "Cagliari"],
    ]
    assert "«Veneto»" in soup(page).find("th", string="Padova").parent.text, "a province's data count in its region"
    assert "«Italia»" in soup(page).find("th", string="Veneto (tutta la regione)").parent.text


def test_names_the_geography_does_not_know_come_last_and_escaped(tmp_path):
    manifest = regional(tmp_path)
    manifest["process"]["places"]["<script>x</script>"] = {"level": None, "region": None}
    manifest["territories"]["names"].append("<script>x</script>")
    manifest["reports"]["x/01"] = entry("<script>x</script>", "x", "01_rete")
    page = render_index(manifest, tmp_path)
    assert "<script" not in page and "&lt;script&gt;x&lt;/script&gt;" in page
    assert [h.text for h in soup(page).find_all("h2")][-2:] == ["Altri territori", "Note sui dati e sull'esecuzione"]


# --- the page itself --------------------------------------------------------------------------------


def test_the_page_is_self_contained_with_proper_table_and_heading_markup(tmp_path):
    page = render_index(regional(tmp_path), tmp_path)
    tree = soup(page)
    assert tree.html["lang"] == "it"
    assert tree.find("meta", attrs={"http-equiv": "Content-Security-Policy"})["content"].startswith(
        "default-src 'none'"
    )
    assert not tree.find_all(["script", "link", "img", "iframe"], src=True) and "<script" not in page
    assert all(link["href"].startswith("data:") for link in tree.find_all("link"))
    assert len(tree.find_all("h1")) == 1
    levels = [int(h.name[1]) for h in tree.find_all(re.compile(r"^h[1-6]$"))]
    assert all(b <= a + 1 for a, b in zip(levels, levels[1:], strict=False)), levels
    for table in tree.find_all("table"):
        assert table.caption and table.caption.text.strip()
        assert all(th.get("scope") in ("col", "row") for th in table.find_all("th"))
        assert [th["scope"] for th in table.thead.find_all("th")] == ["col"] * len(table.thead.find_all("th"))
        assert all(tr.th and tr.th["scope"] == "row" for tr in table.tbody.find_all("tr"))


def test_the_print_stylesheet_hides_what_paper_cannot_use(tmp_path):
    page = render_index(regional(tmp_path), tmp_path)
    style = soup(page).style.text
    printed = style[style.index("@media print") :]
    assert re.search(r"\.esecuzione, \.palestre-nav \{ display: none; \}", printed)
    assert "break-inside: avoid" in printed and "thead { display: table-header-group; }" in printed


def test_the_run_details_keep_each_reports_duration_and_italian_time(tmp_path):
    page = render_index(regional(tmp_path), tmp_path)
    details = soup(page).select_one("details.esecuzione")
    assert details.summary.text == "Durata e ora di esecuzione di ogni rapporto"
    first = [c.get_text(strip=True) for c in details.tbody.tr.find_all(["th", "td"])]
    assert first == ["Lombardia", "Fase 1 · Rete e partecipazione", "3,3 s", "01/07/2026, 12:00"]
    assert "completato" not in details.text, "the status is counted once per report, in the territory's row"


def test_write_index_rewrites_only_a_changed_page(tmp_path):
    manifest = regional(tmp_path)
    path = write_index(tmp_path, manifest)
    stamp = path.stat().st_mtime_ns
    assert write_index(tmp_path, manifest).stat().st_mtime_ns == stamp
    manifest["reports"]["brescia/02"]["status"] = "failed"
    assert "1 con errore" in write_index(tmp_path, manifest).read_text(encoding="utf-8")


# --- the demo batch ----------------------------------------------------------------------------------


@pytest.mark.slow
def test_the_demo_index_matches_the_published_tables(demo_batch):
    out, _ = demo_batch
    reports = out / "reports"
    page = (reports / "index.html").read_text(encoding="utf-8")
    summary = {}
    with open(reports / "lombardia" / "tables" / "summary.csv", encoding="utf-8", newline="") as handle:
        summary = {row["item"]: row["value"] for row in csv.DictReader(handle)}
    shown = figures(page)
    assert shown["Enti nella rete (un delegato ciascuno)"] == summary["Enti nella rete (un delegato ciascuno)"]
    assert shown["Incontri"] == summary["Incontri"] and shown["Periodo degli incontri"].count("–") == 1
    table = rows(page)
    assert len(table) == 13 and next(iter(table)) == "Lombardia (tutta la regione)"
    for name in ("Lecco", "Lodi", "Mantova", "Sondrio"):
        assert table[name][:4] == [NOT_PUBLISHED] * 4 and "solo un avviso" in table[name][4], name
    manifest = json.loads((reports / "manifest.json").read_text(encoding="utf-8"))
    for name, cells in table.items():
        territory = name.split(" (")[0]
        own = [e for e in manifest["reports"].values() if e["territory"] == territory]
        folder = reports / own[0]["slug"] / "tables"
        if not any(e["outputs"]["tables"] for e in own):
            continue
        with open(folder / "participation.csv", encoding="utf-8", newline="") as handle:
            everyone = next(r for r in csv.DictReader(handle) if r["category"] == "all")
        assert cells[0] == (
            f"{float(everyone['n_entities']):,.0f}".replace(",", ".") if everyone["n_entities"] else "‡"
        )
        with open(folder / "voters.csv", encoding="utf-8", newline="") as handle:
            voters = next(r for r in csv.DictReader(handle) if r["group"] == "all")
        assert (cells[2] == SUPPRESSED_MARK) == (voters["n_delegates"] == ""), name
    for href in re.findall(r'href="([^"#]+)"', page):
        assert href.startswith("data:") or (reports / unquote(href)).exists(), href
