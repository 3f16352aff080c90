"""The full report batch, our way against the tutorial way, on this machine, in one run.

Our way: ``run_batch`` (kernels forked from a pre-loaded process, papermill and nbconvert
in-process in ``--jobs`` workers, each report also printed as PDF by Chromium). The tutorial
way: for one report after another, the ``papermill`` command, then ``jupyter nbconvert --to
html`` on what it wrote. Both run the same notebooks with the same parameters on the same
processed data; the script prints both wall-clock times and their ratio.

What the PDFs cost is measured in the same run: our way as ``palestre run`` does it (with
PDFs) and with ``run_batch(pdf=False)`` (HTML only), each batch in a fresh Python process of
its own (as a user's command runs), ``--repeats`` times each in the order PDF, HTML, HTML,
PDF, ... so that neither side always runs first on a cold machine; each side's time is the
median of its runs, and every run's time is printed. (In one process, the first batch pays
for the imports and caches the second one reuses: measured that way, the PDFs' cost moved by
more than the cost itself.)

    python benchmarks/bench_batch.py                 # the real notebooks and data/processed
    python benchmarks/bench_batch.py --fixtures      # the test fixtures (see tests/batch)
    python benchmarks/bench_batch.py --quick         # the region and one territory only

When the real notebooks or processed tables are missing, the fixture notebooks and a small
synthetic processed folder are used instead (and the script says so).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from types import SimpleNamespace

from palestre_analysis import config
from palestre_analysis.batch.plan import NOTEBOOKS, NotebookSpec, assign_slugs, build_plan, geography_of, territories_in
from palestre_analysis.batch.runner import format_summary, report_parameters, run_batch
from palestre_analysis.core.process import Process
from palestre_analysis.ingest.processed import REJECTED_NAME, REPORT_NAME, read_report, table_path

FIXTURES = config.PROJECT_ROOT / "tests" / "batch" / "fixtures"
FIXTURE_PLAN = (
    NotebookSpec("fx_01_profilo.ipynb", "territory", "Profilo della rete"),
    NotebookSpec("fx_02_distribuzioni.ipynb", "territory", "Distribuzione dei punteggi"),
    NotebookSpec("fx_03_regione.ipynb", "region", "Relazione finale"),
)
#: Synthetic entities for the fixture notebooks: the territories of the demo data, a few rows each.
FIXTURE_TERRITORIES = ("Lombardia", "Bergamo", "Brescia", "Milano", "Monza e della Brianza", "Varese")


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--notebooks", type=Path, default=None, help="notebooks folder (default: notebooks/)")
    parser.add_argument("--processed", type=Path, default=None, help="processed tables (default: data/processed/)")
    parser.add_argument("--fixtures", action="store_true", help="use the test fixture notebooks and synthetic data")
    parser.add_argument("--quick", action="store_true", help="only the region and one territory")
    parser.add_argument("--jobs", type=int, default=None, help="workers of our way (default: the cores)")
    parser.add_argument("--workdir", type=Path, default=None, help="where to write both batches (default: a temp dir)")
    parser.add_argument("--json", type=Path, default=None, help="also write the timings to this JSON file")
    parser.add_argument("--repeats", type=int, default=2, help="batches of our way, each with and without PDFs")
    # internal: one batch of our way in this process (``pdf`` or ``html``), its result to --json
    parser.add_argument("--single-run", choices=("pdf", "html"), default=None, help=argparse.SUPPRESS)
    return parser.parse_args(argv)


def choose_inputs(args) -> SimpleNamespace:
    """The notebooks, their plan and the processed folder to benchmark (real ones if present)."""
    notebooks_dir = args.notebooks or config.NOTEBOOKS_DIR
    processed = args.processed or config.PROCESSED_DIR
    real_ready = (
        all((notebooks_dir / nb.filename).is_file() for nb in NOTEBOOKS) and (processed / "entities.parquet").is_file()
    )
    if args.fixtures or not real_ready:
        if not args.fixtures:
            print("Notebook reali o dati elaborati assenti: uso i notebook di prova (tests/batch/fixtures).")
        return SimpleNamespace(kind="fixtures", notebooks_dir=FIXTURES, plan=FIXTURE_PLAN, processed=None)
    return SimpleNamespace(kind="real", notebooks_dir=notebooks_dir, plan=NOTEBOOKS, processed=processed)


def prepare_processed(inputs, target: Path) -> None:
    """Copy (or, for fixtures, write) the processed folder the batch reads."""
    if inputs.processed is not None:
        shutil.copytree(inputs.processed, target)
        return
    import pandas as pd

    target.mkdir(parents=True)
    categories = ("associazioni", "fondazioni_comunita", "csv", "cooperazione_pa", "altri")
    rows = [
        {"entity_id": f"E{t}{i}", "territory": territory, "category": categories[(t + i) % len(categories)]}
        for t, territory in enumerate(FIXTURE_TERRITORIES)
        for i in range(12)
    ]
    pd.DataFrame(rows).to_parquet(table_path(target, "entities"), index=False)
    (target / REJECTED_NAME).write_text("file,line,column,reason\n", encoding="utf-8")


def no_cleaning(raw_dir, processed_dir):
    """The data is already processed: report what the cleaning report says, clean nothing."""
    try:
        report = json.loads((Path(processed_dir) / REPORT_NAME).read_text(encoding="utf-8"))
        rejected = int(report["totals"]["rejected"])
    except (OSError, ValueError, KeyError, TypeError):
        rejected = 0
    return SimpleNamespace(n_rejected=rejected, rejected_path=Path(processed_dir) / REJECTED_NAME, input_hashes={})


def selected_territories(processed: Path, quick: bool) -> list[str]:
    available = territories_in(processed)  # the area first, then the places below it
    return available[:2] if quick else available


def run_ours(inputs, work: Path, territories: list[str], jobs: int | None, pdf: bool = True) -> tuple[float, object]:
    """Our batch in ``work``: its wall-clock seconds and its result (``pdf=False``: HTML only)."""
    clock = time.perf_counter()
    result = run_batch(
        territories=territories,
        jobs=jobs,
        raw_dir=work / "raw",
        out_dir=work,
        force=True,
        clean=no_cleaning,
        notebooks=inputs.plan,
        notebooks_dir=inputs.notebooks_dir,
        progress=True,
        pdf=pdf,
    )
    return time.perf_counter() - clock, result


def run_single(args) -> int:
    """``--single-run``: one batch of our way in ``--workdir``, its time and result into ``--json``."""
    inputs = choose_inputs(args)
    territories = selected_territories(args.workdir / "processed", args.quick)
    seconds, result = run_ours(inputs, args.workdir, territories, args.jobs, pdf=args.single_run == "pdf")
    print(format_summary(result), flush=True)
    facts = {
        "seconds": seconds,
        "reports": len(result.reports),
        "pdfs": len(list((args.workdir / "reports").rglob("*.pdf"))),
        "kernels": result.kernels,
        "exit_code": result.exit_code,
    }
    args.json.write_text(json.dumps(facts) + "\n", encoding="utf-8")
    return 0


def run_ours_apart(args, work: Path, pdf: bool) -> dict:
    """One batch of our way in a fresh Python process: what :func:`run_single` wrote."""
    facts_file = work.with_name(work.name + ".json")
    command = [sys.executable, str(Path(__file__).resolve()), "--single-run", "pdf" if pdf else "html"]
    command += ["--workdir", str(work), "--json", str(facts_file)]
    for flag, value in (("--notebooks", args.notebooks), ("--processed", args.processed), ("--jobs", args.jobs)):
        if value is not None:
            command += [flag, str(value)]
    command += [flag for flag, on in (("--fixtures", args.fixtures), ("--quick", args.quick)) if on]
    completed = subprocess.run(command)
    if completed.returncode != 0 or not facts_file.is_file():
        return {
            "seconds": float("nan"),
            "reports": 0,
            "pdfs": 0,
            "kernels": None,
            "exit_code": completed.returncode or 1,
        }
    return json.loads(facts_file.read_text(encoding="utf-8"))


def alternating(repeats: int) -> list[bool]:
    """Whether each batch prints PDFs: PDF, HTML, HTML, PDF, PDF, HTML, ... (``repeats`` of each).

    >>> alternating(2)
    [True, False, False, True]
    """
    return [(i % 4) in (0, 3) for i in range(2 * repeats)]


def run_tutorial(inputs, work: Path, territories: list[str]) -> tuple[float, int, list[str]]:
    """``papermill`` then ``jupyter nbconvert --to html``, one report after another."""
    import yaml

    binaries = Path(sys.executable).parent
    everyone = territories_in(work / "processed")
    places = geography_of(work / "processed")
    plan = build_plan(territories, inputs.plan, inputs.notebooks_dir, slugs=assign_slugs(everyone), places=places)
    # the same parameters as our runner: the process's threshold and reference shares
    process = Process.from_json(read_report(work / "processed").get("process"))
    options = {"min_cell": process.min_cell, "reference_shares": process.reference_shares}
    failures = []
    clock = time.perf_counter()
    for spec in plan:
        folder = work / "reports" / spec.slug
        (folder / "tables").mkdir(parents=True, exist_ok=True)
        executed = folder / f"{spec.notebook.stem}.ipynb"
        parameters = report_parameters(spec, work / "processed", folder / "tables", **options)
        steps = (
            [
                str(binaries / "papermill"),
                str(spec.notebook_path),
                str(executed),
                "-k",
                config.KERNEL_NAME,
                "-y",
                yaml.safe_dump(parameters, allow_unicode=True),
                "--no-progress-bar",
            ],
            [str(binaries / "jupyter"), "nbconvert", "--to", "html", str(executed)],
        )
        for step in steps:
            completed = subprocess.run(step, capture_output=True, text=True)
            if completed.returncode != 0:
                failures.append(f"{spec.key}: {' '.join(step[:2])} -> {completed.stderr.strip().splitlines()[-1:]}")
                break
        print(f"  tutorial: {spec.key} ({time.perf_counter() - clock:.1f} s)", flush=True)
    return time.perf_counter() - clock, len(plan), failures


def run_folder(root: Path, pdf: bool, run: int) -> Path:
    """Where run ``run`` (from 1) of one side writes: ``ours``/``ours_html_only``, then ``_2``, ``_3``..."""
    name = "ours" if pdf else "ours_html_only"
    return root / (name if run == 1 else f"{name}_{run}")


def main(argv=None) -> int:
    args = parse_args(argv)
    if args.single_run:
        return run_single(args)
    inputs = choose_inputs(args)
    root = args.workdir or Path(tempfile.mkdtemp(prefix="palestre-bench-"))
    order = alternating(max(1, args.repeats))
    runs = [run_folder(root, pdf, order[: i + 1].count(pdf)) for i, pdf in enumerate(order)]
    tutorial_dir = root / "tutorial"
    for folder in (*runs, tutorial_dir):
        shutil.rmtree(folder, ignore_errors=True)
        prepare_processed(inputs, folder / "processed")
    territories = selected_territories(tutorial_dir / "processed", args.quick)
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    print(f"Notebook: {inputs.kind} ({inputs.notebooks_dir}); territori: {', '.join(territories)}; core: {cores}.")

    results = [(pdf, run_ours_apart(args, folder, pdf)) for pdf, folder in zip(order, runs, strict=True)]
    with_pdf = [facts for pdf, facts in results if pdf]
    html_only = [facts for pdf, facts in results if not pdf]
    ours_time = statistics.median(facts["seconds"] for facts in with_pdf)
    html_only_time = statistics.median(facts["seconds"] for facts in html_only)
    result = with_pdf[0]
    pdfs = result["pdfs"]
    pdf_cost = ours_time - html_only_time
    pdf_share = 100 * pdf_cost / html_only_time if html_only_time else float("inf")
    tutorial_time, n_tutorial, failures = run_tutorial(inputs, tutorial_dir, territories)

    ratio = tutorial_time / ours_time if ours_time else float("inf")
    seconds = {pdf: ", ".join(f"{facts['seconds']:.1f}" for p, facts in results if p == pdf) for pdf in (True, False)}
    print(f"\nRapporti: {result['reports']} (nostro), {n_tutorial} (tutorial)")
    print(
        f"Nostro modo:   {ours_time:7.1f} s  (kernel: {result['kernels']}; con {pdfs} PDF; mediana di {seconds[True]})"
    )
    print(f"Senza PDF:     {html_only_time:7.1f} s  (solo HTML, stessa esecuzione; mediana di {seconds[False]})")
    print(f"Costo dei PDF: {pdf_cost:+7.1f} s  ({pdf_share:+.1f} % sul batch senza PDF)")
    print(f"Tutorial:      {tutorial_time:7.1f} s  (papermill, poi jupyter nbconvert --to html, uno alla volta)")
    print(f"Rapporto:      {ratio:7.1f} x")
    if failures:
        print("Errori del modo tutorial:\n  " + "\n  ".join(failures))
    if args.json:
        args.json.write_text(
            json.dumps(
                {
                    "notebooks": inputs.kind,
                    "territories": territories,
                    "cores": cores,
                    "reports": result["reports"],
                    "ours_s": round(ours_time, 2),
                    "ours_html_only_s": round(html_only_time, 2),
                    "ours_runs_s": [round(facts["seconds"], 2) for facts in with_pdf],
                    "ours_html_only_runs_s": [round(facts["seconds"], 2) for facts in html_only],
                    "order": ["pdf" if pdf else "html" for pdf in order],
                    "pdfs": pdfs,
                    "pdf_cost_s": round(pdf_cost, 2),
                    "pdf_cost_percent": round(pdf_share, 1),
                    "html_only_exit_code": max(facts["exit_code"] for facts in html_only),
                    "tutorial_s": round(tutorial_time, 2),
                    "ratio": round(ratio, 2),
                    "kernels": result["kernels"],
                    "ours_exit_code": max(facts["exit_code"] for facts in with_pdf),
                    "tutorial_failures": failures,
                },
                indent=2,
            )
            + "\n",
            encoding="utf-8",
        )
    if args.workdir is None:
        shutil.rmtree(root, ignore_errors=True)
    exit_codes = [facts["exit_code"] for _, facts in results]
    return 0 if not any(exit_codes) and not failures else 1


if __name__ == "__main__":  # required: the batch's workers start through multiprocessing
    sys.exit(main())
