"""The batch end to end, with real kernels, papermill and nbconvert on the fixture notebooks."""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import nbformat
import pytest

from palestre_analysis import config
from palestre_analysis.batch.export import external_resources
from palestre_analysis.batch.runner import format_summary, run_batch
from palestre_analysis.core import fingerprint

TWO_TERRITORIES = [("Lombardia", "csv", 2), ("Brescia", "associazioni", 6), ("Brescia", "csv", 2)]


def files_under(folder: Path) -> list[str]:
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file())


# --- one full batch, inspected by several tests ------------------------------------------------


@pytest.fixture(scope="module")
def batch(tmp_path_factory, kit):
    root = tmp_path_factory.mktemp("batch")
    out = root / "out"
    kit.write_processed(out / "processed")
    result = run_batch(
        out_dir=out,
        raw_dir=root / "raw",
        clean=kit.FakeCleaning(),
        notebooks=kit.FIXTURE_PLAN,
        notebooks_dir=kit.FIXTURES,
        progress=False,
        jobs=2,
    )
    return root, out, result


@pytest.mark.slow
def test_every_report_is_produced_in_its_territory_folder(batch):
    root, out, result = batch
    assert result.exit_code == 0, format_summary(result)
    assert [r.status for r in result.reports] == ["ran"] * 9
    reports = out / "reports"
    expected = {"index.html", "manifest.json"}
    for slug in ("lombardia", "brescia", "cremona", "monza-e-della-brianza"):
        for stem in ("fx_01_profilo", "fx_02_distribuzioni"):
            expected |= {f"{slug}/{stem}.html", f"{slug}/{stem}.ipynb", f"{slug}/{stem}.pdf"}
        expected |= {f"{slug}/tables/composition.csv", f"{slug}/tables/scores.csv"}
    expected |= {"lombardia/fx_03_regione.html", "lombardia/fx_03_regione.ipynb", "lombardia/fx_03_regione.pdf"}
    expected |= {"lombardia/tables/territories.csv"}
    assert set(files_under(reports)) == expected
    assert files_under(root) == sorted(
        [f"out/reports/{f}" for f in expected]
        + ["out/processed/cleaning_report.json", "out/processed/entities.parquet", "out/processed/rejected.csv"]
    )
    assert result.kernels == "fork"


@pytest.mark.slow
def test_tables_hold_the_data_behind_the_figures(batch):
    _, out, _ = batch
    import pandas as pd

    composition = pd.read_csv(out / "reports" / "brescia" / "tables" / "composition.csv")
    assert composition.to_dict("list") == {"category": ["associazioni", "csv"], "n": [6, 2], "share": [0.75, 0.25]}
    regional = pd.read_csv(out / "reports" / "lombardia" / "tables" / "territories.csv")
    assert regional["n"].sum() == 22


@pytest.mark.slow
def test_manifest_records_parameters_status_inputs_versions_and_commit(batch):
    _, out, _ = batch
    manifest = json.loads((out / "reports" / "manifest.json").read_text(encoding="utf-8"))
    processed = fingerprint.processed_hashes(out / "processed")
    assert set(manifest["reports"]) == {
        f"{s}/{n}"
        for s in ("lombardia", "brescia", "cremona", "monza-e-della-brianza")
        for n in ("fx_01_profilo", "fx_02_distribuzioni")
    } | {"lombardia/fx_03_regione"}
    entry = manifest["reports"]["monza-e-della-brianza/fx_01_profilo"]
    assert entry["territory"] == "Monza e della Brianza" and entry["status"] == "ok" and entry["error"] is None
    assert entry["parameters"]["territorio"] == "Monza e della Brianza"
    # paths relative to the reports folder, as the manifest says
    assert manifest["paths"]["relative_to"] == "reports"
    assert "relative to the reports folder" in manifest["paths"]["note"]
    assert entry["parameters"]["processed_dir"] == "../processed"
    assert entry["parameters"]["tables_dir"] == "monza-e-della-brianza/tables"
    assert entry["parameters"]["reference_shares"] == config.REFERENCE_SHARES
    assert entry["parameters"]["min_cell"] == config.MIN_CELL and entry["parameters"]["seed"] == config.SEED
    assert 0 < entry["duration_s"] < 600
    notebook = entry["inputs"]["notebook"]["path"]
    assert notebook == "tests/batch/fixtures/fx_01_profilo.ipynb", "the notebook's path in the project"
    assert entry["inputs"]["notebook"]["sha256"] == fingerprint.sha256_file(config.PROJECT_ROOT / notebook)
    assert entry["inputs"]["processed"] == processed and "entities.parquet" in processed
    assert re.fullmatch(r"[0-9a-f]{64}", entry["inputs"]["library_sha256"])  # see test_fingerprint
    assert entry["packages"]["pandas"] == fingerprint.package_versions()["pandas"]
    assert entry["git_commit"] == fingerprint.git_commit(config.PROJECT_ROOT)
    assert entry["git_commit"] is None or re.fullmatch(r"[0-9a-f]{40}", entry["git_commit"])
    assert entry["outputs"]["tables"] == ["monza-e-della-brianza/tables/composition.csv"]
    assert manifest["cleaning"]["n_rejected"] == 2 and manifest["cleaning"]["rejected_csv_rows"] == 2
    assert manifest["cleaning"]["rejected_path"] == "../processed/rejected.csv"
    assert manifest["territories"]["names"] == ["Lombardia", "Brescia", "Cremona", "Monza e della Brianza"]


@pytest.mark.slow
def test_index_links_every_report_with_its_status_and_the_rejected_rows(batch):
    _, out, result = batch
    page = (out / "reports" / "index.html").read_text(encoding="utf-8")
    assert '<html lang="it">' in page and external_resources(page) == []
    links = re.findall(r'<a href="([^"]+\.html)">', page)
    assert sorted(links) == sorted(str(r.html.relative_to(out / "reports")) for r in result.reports)
    assert page.count("completato") == 9
    assert "sono state scartate 2 righe" in page and "rejected.csv" in page
    assert "ha 2 righe oltre all'intestazione, una per ogni riga scartata" in page
    assert 'href="../processed' not in page and str(out) not in page, "nothing outside the published folder"
    summary = format_summary(result)
    assert "9 rapporti: 9 eseguiti, 0 invariati, 0 con errore" in summary
    assert f"Righe scartate dalla pulizia: 2 (motivi in {out / 'processed' / 'rejected.csv'})" in summary


@pytest.mark.slow
def test_html_reports_are_italian_self_contained_and_without_code(batch):
    _, out, _ = batch
    for path in (out / "reports").rglob("*.html"):
        if path.name == "index.html":
            continue
        page = path.read_text(encoding="utf-8")
        assert '<html lang="it">' in page, path
        assert not re.search(r"""(?:src|href)\s*=\s*["']?\s*(?:https?:)?//""", page), path
        assert external_resources(page) == [], path
        assert "<script" not in page, path
        assert "read_parquet" not in page, path  # code inputs are excluded
        assert len(re.findall(r'<img [^>]*src="data:image/png;base64,', page)) >= 1, path


@pytest.mark.slow
def test_executed_notebooks_keep_parameters_and_outputs(batch):
    _, out, _ = batch
    nb = nbformat.read(out / "reports" / "cremona" / "fx_01_profilo.ipynb", as_version=4)
    injected = [c for c in nb.cells if "injected-parameters" in c.metadata.get("tags", [])]
    assert len(injected) == 1 and 'territorio = "Cremona"' in injected[0].source
    # recorded as published, relative to the reports folder: where the tables are, not the staging folder
    assert 'processed_dir = "../processed"' in injected[0].source
    assert 'tables_dir = "cremona/tables"' in injected[0].source
    assert nb.metadata.papermill.parameters["tables_dir"] == "cremona/tables"
    assert nb.metadata.papermill.output_path == "cremona/fx_01_profilo.ipynb"
    assert nb.metadata.papermill.input_path == "tests/batch/fixtures/fx_01_profilo.ipynb"
    assert any(o.get("output_type") == "display_data" for c in nb.cells for o in c.get("outputs", []))


def machine_paths(*folders: Path) -> set[str]:
    """The absolute forms of ``folders`` (as given and resolved) and of the project folder."""
    paths = {str(config.PROJECT_ROOT), str(config.PROJECT_ROOT.resolve())}
    for folder in folders:
        paths |= {str(folder), str(folder.resolve())}
    return paths


def files_naming(folder: Path, paths: set[str]) -> dict[str, list[str]]:
    """Published files under ``folder`` whose bytes (a PDF: also its text and links) hold one of ``paths``."""
    from pypdf import PdfReader

    found = {}
    for path in sorted(folder.rglob("*")):
        if path.is_file():
            text = path.read_bytes().decode("utf-8", errors="replace")
            if path.suffix == ".pdf":
                reader = PdfReader(path)
                links = [
                    str(a.get_object().get("/A", {}).get("/URI", ""))
                    for p in reader.pages
                    for a in p.get("/Annots") or []
                ]
                text += "\n".join([*(p.extract_text() for p in reader.pages), *links])
            named = sorted(p for p in paths if p in text)
            if named:
                found[str(path.relative_to(folder))] = named
    return found


@pytest.mark.slow
def test_no_published_file_names_a_folder_of_the_machine(batch):
    """Manifest, index, HTML pages, executed notebooks (parameters, papermill metadata) and tables."""
    root, out, _ = batch
    reports = out / "reports"
    published = [p for p in reports.rglob("*") if p.is_file()]
    assert {p.suffix for p in published} == {".html", ".ipynb", ".pdf", ".csv", ".json"} and len(published) > 20
    assert files_naming(reports, machine_paths(root, out, reports)) == {}


@pytest.mark.slow
def test_a_second_run_with_nothing_changed_is_quick_and_imports_nothing_heavy(batch, batch_script):
    _, out, _ = batch
    reports = out / "reports"
    before = {p: p.stat().st_mtime_ns for p in reports.rglob("*") if p.is_file()}
    script = batch_script(out)
    clock = time.perf_counter()
    completed = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=120)
    wall = time.perf_counter() - clock
    assert completed.returncode == 0, completed.stderr
    report = json.loads(completed.stdout.strip().splitlines()[-1])
    assert report["statuses"] == ["skipped"] * 9 and report["exit_code"] == 0
    assert report["heavy"] == [], "the no-op path must not import these"
    assert report["elapsed"] < 1.0 and wall < 2.0, (report, wall)
    assert {p: p.stat().st_mtime_ns for p in reports.rglob("*") if p.is_file()} == before


def test_a_territory_not_in_the_data_ends_with_code_2(make_out, run):
    result = run(make_out(), territories=["Pavia"])
    assert result.exit_code == 2
    assert "Pavia" in format_summary(result) and "Territori disponibili: Lombardia, Brescia" in format_summary(result)


# --- incremental runs --------------------------------------------------------------------------


@pytest.mark.slow
def test_only_stale_reports_run_again_and_force_runs_everything(tmp_path, make_out, run, kit):
    out = make_out(rows=TWO_TERRITORIES)
    notebooks = tmp_path / "notebooks"
    shutil.copytree(kit.FIXTURES, notebooks)

    first = run(out, notebooks_dir=notebooks)
    assert sorted(r.status for r in first.reports) == ["ran"] * 5

    changed = nbformat.read(notebooks / "fx_02_distribuzioni.ipynb", as_version=4)
    changed.cells[0].source += "\n\nUna frase in più."
    nbformat.write(changed, notebooks / "fx_02_distribuzioni.ipynb")
    second = run(out, notebooks_dir=notebooks)
    assert {r.key: r.status for r in second.reports} == {
        "lombardia/fx_03_regione": "skipped",
        "lombardia/fx_01_profilo": "skipped",
        "lombardia/fx_02_distribuzioni": "ran",
        "brescia/fx_01_profilo": "skipped",
        "brescia/fx_02_distribuzioni": "ran",
    }
    assert "Una frase in più" in (out / "reports" / "brescia" / "fx_02_distribuzioni.html").read_text(encoding="utf-8")

    forced = run(out, notebooks_dir=notebooks, force=True)
    assert sorted(r.status for r in forced.reports) == ["ran"] * 5

    (out / "processed" / "rejected.csv").write_text("file,line,column,reason\n", encoding="utf-8")
    only_brescia = run(out, notebooks_dir=notebooks, territories=["BS"])
    assert {r.key: r.status for r in only_brescia.reports} == {
        "brescia/fx_01_profilo": "ran",
        "brescia/fx_02_distribuzioni": "ran",
    }
    manifest = json.loads((out / "reports" / "manifest.json").read_text(encoding="utf-8"))
    assert len(manifest["reports"]) == 5  # the region's entries are kept


def test_editing_a_plotting_function_runs_the_reports_again(make_out, run, package_copy):
    """A report's key covers the whole library: a change to a figure reaches every report."""
    from tests.conftest import append_line

    out = make_out(rows=TWO_TERRITORIES)
    assert sorted(r.status for r in run(out).reports) == ["ran"] * 5
    assert sorted(r.status for r in run(out).reports) == ["skipped"] * 5
    append_line(package_copy / "report" / "plots.py", "# an edit")
    assert sorted(r.status for r in run(out).reports) == ["ran"] * 5


# --- failure isolation ------------------------------------------------------------------------


@pytest.mark.slow
def test_a_failing_report_does_not_stop_the_others(make_out, run, kit):
    out = make_out()
    result = run(out, notebooks=kit.FAILING_PLAN)
    assert result.exit_code == 1
    statuses = {r.key: r.status for r in result.reports}
    assert statuses.pop("cremona/fx_errore") == "failed"
    assert set(statuses.values()) == {"ran"} and len(statuses) == 7
    summary = format_summary(result)
    assert "Errori:\n  - Cremona, fx_errore.ipynb: ValueError: errore voluto per Cremona (cella [" in summary

    folder = out / "reports" / "cremona"
    nb = nbformat.read(folder / "fx_errore.ipynb", as_version=4)
    assert any("papermill-error-cell-tag" in c.metadata.get("tags", []) for c in nb.cells)
    assert any(o.get("ename") == "ValueError" for c in nb.cells for o in c.get("outputs", []))
    page = (folder / "fx_errore.html").read_text(encoding="utf-8")
    assert "Rapporto incompleto" in page and "errore voluto per Cremona" in page
    assert (folder / "tables" / "before_error.csv").is_file()
    assert not (folder / "tables" / "after_error.csv").exists()

    index = (out / "reports" / "index.html").read_text(encoding="utf-8")
    assert index.count('class="stato stato-errore">errore<') == 1 and index.count(">completato<") == 7
    assert "ValueError: errore voluto per Cremona" in index
    manifest = json.loads((out / "reports" / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["reports"]["cremona/fx_errore"]["status"] == "failed"

    assert files_naming(out / "reports", machine_paths(out)) == {}, "not even in an error's traceback"

    again = run(out, notebooks=kit.FAILING_PLAN)
    assert {r.key: r.status for r in again.reports if r.status != "skipped"} == {"cremona/fx_errore": "failed"}


# --- hostile territory names --------------------------------------------------------------------


@pytest.mark.slow
def test_hostile_territory_names_stay_inside_the_output_folder(tmp_path, make_out, run, kit):
    marker = tmp_path / "pwned"
    hostile = [
        "../../../escaped",
        "/etc/passwd",
        "<script>alert('x')</script>",
        f'x"; open(r"{marker}", "w"); y = "',
        "{territorio}{{}}",
        "riga\nnuova\r\x00",
        "Brescia",
        "BRESCIA!",
    ]
    out = make_out(rows=[(name, "associazioni", 1) for name in hostile])
    result = run(out, notebooks=kit.FIXTURE_PLAN[:1])
    assert result.exit_code == 0, format_summary(result)
    assert len(result.reports) == len(hostile) + 1
    assert not marker.exists()
    root_files = files_under(tmp_path)
    assert all(f.startswith("out/") for f in root_files), root_files
    slugs = {p.name for p in (out / "reports").iterdir() if p.is_dir()}
    assert len(slugs) == len(hostile) + 1 and all(re.fullmatch(r"[a-z0-9-]+", s) for s in slugs)
    manifest = json.loads((out / "reports" / "manifest.json").read_text(encoding="utf-8"))
    assert {e["territory"] for e in manifest["reports"].values()} == set(hostile) | {"Lombardia"}
    index = (out / "reports" / "index.html").read_text(encoding="utf-8")
    assert "<script>" not in index and "&lt;script&gt;" in index
    for page in (out / "reports").rglob("fx_01_profilo.html"):
        assert "<script>alert" not in page.read_text(encoding="utf-8")
    executed = nbformat.read(
        out
        / "reports"
        / manifest["reports"][next(k for k, e in manifest["reports"].items() if e["territory"].startswith('x"'))][
            "outputs"
        ]["notebook"],
        4,
    )
    printed = "".join(o.get("text", "") for c in executed.cells for o in c.get("outputs", []))
    assert f'Territorio: x"; open(r"{marker}", "w"); y = "' in printed


# --- interruption --------------------------------------------------------------------------------


def _processes_with(marker: str) -> list[int]:
    """Processes whose environment holds ``marker`` (the batch's main process, workers, kernels)."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if marker.encode() in (entry / "environ").read_bytes():
                    found.append(int(entry.name))
            except OSError:
                continue
    return found


def _default_sigint() -> None:
    """Give the batch the SIGINT of a terminal whatever started pytest.

    A shell script's background job (``make test &``) starts with SIGINT ignored, an
    ignored signal stays ignored across exec, and Python then installs no
    KeyboardInterrupt handler: the batch would never see the test's SIGINT.
    """
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def _wait_until(condition, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.1)
    return False


@pytest.mark.slow
@pytest.mark.parametrize("how", ["SIGKILL to the process group", "SIGINT to the process group"])
def test_an_interrupted_run_leaves_no_half_written_file(tmp_path, make_out, batch_script, how):
    out = make_out(rows=[("Lombardia", "csv", 2)])
    plan = 'NotebookSpec("fx_lento.ipynb", "territory", "Lento"), NotebookSpec("fx_01_profilo.ipynb", "territory", "P")'
    script = batch_script(out, notebooks=f"({plan})", force=True)
    started = tmp_path / "started"
    (tmp_path / "t").mkdir()  # the batch's temporary files (the fork server's socket) stay in the test's folder
    env = dict(
        os.environ,
        FX_SLEEP="0",
        FX_STARTED=str(started),
        PALESTRE_TEST_MARKER=str(tmp_path),
        TMPDIR=str(tmp_path / "t"),
    )
    subprocess.run([sys.executable, str(script)], env=env, check=True, capture_output=True, timeout=300)
    reports = out / "reports"
    before = {f: (reports / f).read_bytes() for f in files_under(reports)}
    assert (reports / "lombardia" / "tables" / "slow.csv").read_text() == "a,b\n1,2\n3,4\n"
    started.unlink()

    process = subprocess.Popen(
        [sys.executable, str(script)],
        env=dict(env, FX_SLEEP="120"),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
        preexec_fn=_default_sigint,
    )
    try:
        assert _wait_until(started.exists, 120), "the slow notebook never started"
        time.sleep(0.5)  # the other report is being written meanwhile
        os.killpg(process.pid, signal.SIGKILL if how.startswith("SIGKILL") else signal.SIGINT)
        process.wait(timeout=60)
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
    assert _wait_until(lambda: not _processes_with(f"PALESTRE_TEST_MARKER={tmp_path}"), 30), "processes left behind"

    after = {f: (reports / f).read_bytes() for f in files_under(reports) if "/.staging/" not in f}
    leftovers = [f for f in after if Path(f).name.endswith(".tmp")]
    if how.startswith("SIGINT"):
        assert not leftovers  # the batch removes what its killed workers were writing
    else:  # nothing runs after SIGKILL: a write cut short leaves a hidden temporary file, never a final one
        assert all(Path(f).name.startswith(".") for f in leftovers), leftovers
    for name, data in after.items():  # every final file is a whole one: the old version or a new one
        if name.endswith(".ipynb"):
            nbformat.reads(data.decode("utf-8"), as_version=4)
        elif name.endswith(".html"):
            assert data.rstrip().endswith(b"</html>"), name
        elif name.endswith(".json"):
            json.loads(data)
    assert after["lombardia/tables/slow.csv"] == before["lombardia/tables/slow.csv"]
    assert after["lombardia/fx_lento.html"] == before["lombardia/fx_lento.html"]

    subprocess.run([sys.executable, str(script)], env=env, check=True, capture_output=True, timeout=300)
    assert not any(
        p.name == ".staging" or p.name.endswith(".tmp") for p in reports.rglob("*")
    )  # the next run cleans up


# --- unreadable input ----------------------------------------------------------------------------


def test_unreadable_raw_data_stops_the_batch_with_the_validation_sentences(tmp_path):
    """The real cleaning step (the default) meets a raw folder without the entities file."""
    from palestre_analysis.core.problems import DataError

    (tmp_path / "raw").mkdir()
    with pytest.raises(DataError) as raised:
        run_batch(raw_dir=tmp_path / "raw", out_dir=tmp_path / "out", progress=False)
    assert any("enti.csv" in message for message in raised.value.messages)
    assert not (tmp_path / "out" / "reports").exists()


# --- sentences of the summary and the index -------------------------------------------------------


def test_the_summary_and_the_index_agree_in_number_with_one_report(tmp_path):
    """«1 rapporto: 1 eseguito», never «1 rapporti: 1 eseguiti»; plural from two on."""
    from palestre_analysis.batch.index import render_index
    from palestre_analysis.batch.runner import BatchResult, ReportResult

    one = BatchResult(exit_code=0, reports=[ReportResult("bs/01", "Brescia", "01.ipynb", "ran", 2.5)], elapsed=2.5)
    assert "1 rapporto: 1 eseguito, 0 invariati, 0 con errore, in 2,5 s." in format_summary(one)
    two = BatchResult(exit_code=0, reports=[ReportResult("bs/01", "Brescia", "01.ipynb", "skipped", None)] * 2)
    assert "2 rapporti: 0 eseguiti, 2 invariati, 0 con errore" in format_summary(two)

    entry = {"territory": "Brescia", "notebook": "01.ipynb", "status": "ok", "outputs": {}}
    page = render_index({"reports": {"bs/01": entry}}, tmp_path)
    assert "<p>1 rapporto, completato.</p>" in page
    page = render_index({"reports": {"bs/01": entry, "bs/02": {**entry, "status": "failed"}}}, tmp_path)
    assert "2 rapporti, di cui <strong>1 con errore</strong>." in page


@pytest.mark.parametrize(
    ("rejected", "lines", "expected"),
    [
        (0, 0, "La pulizia dei dati grezzi non ha scartato alcuna riga."),
        (
            1,
            1,
            "è stata scartata 1 riga. Per chi cura i dati: il file <code>rejected.csv</code> della cartella dei "
            "dati elaborati (non pubblicato con i rapporti) ha 1 riga oltre all'intestazione, una per ogni riga scartata",
        ),
        (
            5,
            7,
            "sono state scartate 5 righe. Per chi cura i dati: il file <code>rejected.csv</code> della cartella dei "
            "dati elaborati (non pubblicato con i rapporti) ha 7 righe oltre all'intestazione, una per ogni errore "
            "trovato, con file, riga, colonna e motivo: una riga scartata può avere più di un errore, e in un modulo con "
            "molti voti per riga un voto non valido scarta solo quel voto, non la riga.",
        ),
        (
            0,
            2,
            "non ha scartato alcuna riga intera. Per chi cura i dati: il file <code>rejected.csv</code> della "
            "cartella dei dati elaborati (non pubblicato con i rapporti) ha 2 righe oltre all'intestazione, una per ogni "
            "errore trovato, con file, riga, colonna e motivo: in un modulo con molti voti per riga un voto non valido "
            "scarta solo quel voto, non la riga.",
        ),
        (
            3,
            None,
            "sono state scartate 3 righe. Per chi cura i dati: file, riga, colonna e motivo di ciascuna sono nel "
            "file <code>rejected.csv</code>",
        ),
    ],
)
def test_the_index_says_what_each_count_of_rejected_rows_counts(tmp_path, rejected, lines, expected):
    """Rows rejected (the cleaning's totals) and lines of rejected.csv (one per error) are different counts."""
    from palestre_analysis.batch.index import render_index

    page = render_index({"reports": {}, "cleaning": {"n_rejected": rejected, "rejected_csv_rows": lines}}, tmp_path)
    assert expected in page


@pytest.mark.slow
def test_the_index_and_the_summary_count_the_lines_of_rejected_csv(make_out, run, kit):
    """Three lines in rejected.csv, two rows rejected: the numbers a reader can check."""
    out = make_out(rows=TWO_TERRITORIES, n_rejected=3)
    result = run(out, clean=kit.FakeCleaning(n_rejected=2), notebooks=kit.FIXTURE_PLAN[:1])
    assert result.exit_code == 0 and result.rejected_lines == 3
    manifest = json.loads((out / "reports" / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["cleaning"] | {"raw_sha256": None} == {
        "n_rejected": 2,
        "rejected_csv_rows": 3,
        "rejected_path": "../processed/rejected.csv",
        "raw_sha256": None,
    }
    page = (out / "reports" / "index.html").read_text(encoding="utf-8")
    assert "sono state scartate 2 righe" in page and "ha 3 righe oltre all'intestazione, una per ogni errore" in page
    summary = format_summary(result)
    assert "Righe scartate dalla pulizia: 2; errori trovati: 3, uno per riga in " in summary
