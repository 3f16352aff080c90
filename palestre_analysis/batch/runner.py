"""The batch: clean if needed, run every report that is out of date in parallel, write the index.

``palestre run`` calls :func:`run_batch` and prints :func:`format_summary`. A batch with
nothing to do hashes a few files, compares JSON and returns: it imports neither pandas nor
papermill nor nbconvert. A batch with work starts, side by side,

- a kernel fork server (:mod:`~palestre_analysis.batch.kernels.manager`) that imports pandas,
  scipy, matplotlib, seaborn and the library once and forks a fresh kernel per notebook;
- ``jobs`` worker processes, forked from a multiprocessing fork server that imported
  papermill and nbconvert once, that run papermill and the HTML export in-process, and
  print each page to PDF with one Chromium per worker (:mod:`~palestre_analysis.batch.pdf`).

A failing report does not stop the others; the command ends non-zero and names it.
"""

from __future__ import annotations

import fcntl
import os
import sys
import time
from dataclasses import asdict, dataclass, field
from datetime import UTC
from pathlib import Path

from palestre_analysis import config
from palestre_analysis.batch.execute import JobOutcome, ReportJob
from palestre_analysis.batch.index import write_index
from palestre_analysis.batch.layout import relative_path, remove_leftovers, report_paths
from palestre_analysis.batch.manifest import (
    MANIFEST_NAME,
    PATHS,
    input_key,
    is_up_to_date,
    load_manifest,
    report_inputs,
    save_manifest,
)
from palestre_analysis.batch.navigation import navigation_for
from palestre_analysis.batch.plan import (
    NOTEBOOKS,
    NotebookSpec,
    PlanError,
    ReportSpec,
    assign_slugs,
    build_plan,
    geography_of,
    select_territories,
)
from palestre_analysis.core.fingerprint import git_commit, library_hash, package_versions, processed_hashes, sha256_json
from palestre_analysis.core.process import Process
from palestre_analysis.ingest.processed import REPORT_NAME, table_file
from palestre_analysis.report.formatting import integer, num, plural

__all__ = ["ReportResult", "BatchResult", "run_batch", "format_summary", "report_parameters", "NO_BROWSER_MESSAGE"]

#: The summary's sentence when no browser printed the PDFs (one sentence: what happened, what to do).
NO_BROWSER_MESSAGE = (
    "PDF non prodotti: Chromium non è installato; installarlo con «make browser» (oppure «apt-get install "
    "chromium») e rilanciare «palestre run», che stamperà i PDF mancanti."
)

_STATUS_LABELS = {"ran": "eseguito", "skipped": "invariato", "failed": "errore"}


@dataclass
class ReportResult:
    """One line of the summary.

    ``status`` is ``"ran"``, ``"skipped"`` (up to date) or ``"failed"``.

    Parameters
    ----------
    key : str
        ``"<slug>/<notebook stem>"``, the report's name in the manifest.
    territory : str
        Territory name.
    notebook : str
        Notebook file name.
    status : str
        ``"ran"``, ``"skipped"`` or ``"failed"``.
    duration : float or None
        Seconds the run took (for a skipped report, the last run's).
    error : str or None
        One-line error of a failed report.
    html : Path or None
        The report's HTML page.
    warnings : list of str
        papermill's warnings during the run.
    """

    key: str
    territory: str
    notebook: str
    status: str
    duration: float | None = None
    error: str | None = None
    html: Path | None = None
    warnings: list[str] = field(default_factory=list)


@dataclass
class BatchResult:
    """What :func:`run_batch` did; ``exit_code`` is the command's exit status.

    ``exit_code`` is 0 when every selected report is complete, 1 when at least one failed,
    2 when the request itself was wrong (a territory not in the data).

    Parameters
    ----------
    exit_code : int
        The command's exit status (see above).
    reports : list of ReportResult
        One per selected report: first the skipped ones, in plan order, then the others in
        the order they finished.
    reports_dir : Path or None
        The ``reports`` folder, resolved.
    index_path : Path or None
        ``index.html`` (``None`` when the request was wrong).
    manifest_path : Path or None
        ``manifest.json`` (``None`` when the request was wrong).
    n_rejected : int
        Raw rows the cleaning rejected.
    rejected_lines : int or None
        Lines of ``rejected.csv``, one per error found (``None``: not counted).
    rejected_path : Path or None
        The file that says why (``rejected.csv``).
    messages : list of str
        Lines printed before the table (the error of a wrong request).
    elapsed : float
        Seconds the batch took.
    kernels : str or None
        How the kernels started (``"fork"``, ``"fresh"``, ``"fork/fresh"``, with the reason
        when some were fresh); ``None`` when nothing ran.
    pdf_missing : bool
        PDFs were asked for, no browser was found, and some selected report has none: the
        summary says how to get them (:data:`NO_BROWSER_MESSAGE`).
    """

    exit_code: int
    reports: list[ReportResult] = field(default_factory=list)
    reports_dir: Path | None = None
    index_path: Path | None = None
    manifest_path: Path | None = None
    n_rejected: int = 0
    rejected_path: Path | None = None
    rejected_lines: int | None = None
    messages: list[str] = field(default_factory=list)
    elapsed: float = 0.0
    kernels: str | None = None
    pdf_missing: bool = False

    @property
    def failures(self) -> list[ReportResult]:
        """The reports that failed in this run."""
        return [r for r in self.reports if r.status == "failed"]


def report_parameters(
    spec: ReportSpec,
    processed_dir: Path,
    tables_dir: Path,
    *,
    min_cell: int = config.MIN_CELL,
    seed: int = config.SEED,
    reference_shares: dict | None = None,
) -> dict:
    """The papermill parameters of one report, in the order of the notebooks' parameters cell.

    Parameters
    ----------
    spec : ReportSpec
        The report (its ``territory`` becomes ``territorio``).
    processed_dir : Path or str
        The processed folder.
    tables_dir : Path or str
        Where the notebook writes its tables: the report's staging ``tables`` folder (to run
        it), or the published one (as the manifest and the published notebook record it).
    min_cell : int
        Disclosure threshold in delegates.
    seed : int
        Random seed.
    reference_shares : dict, optional
        Reference composition; ``None`` for the process's (the notebooks read it from the
        cleaning report: none when the process file has no ``quote_riferimento``).

    Returns
    -------
    dict
        ``territorio``, ``min_cell``, ``seed``, ``processed_dir``, ``tables_dir`` and
        ``reference_shares``, with paths as ``str`` and numbers as ``int``: plain JSON, as
        papermill and the manifest want it.

    Examples
    --------
    >>> from palestre_analysis.batch.plan import build_plan
    >>> spec = build_plan(["Brescia"])[0]
    >>> list(report_parameters(spec, Path("/p"), Path("/t")))
    ['territorio', 'min_cell', 'seed', 'processed_dir', 'tables_dir', 'reference_shares']
    >>> params = report_parameters(spec, Path("/p"), Path("/t"), min_cell=3, seed=7)
    >>> params["territorio"], params["min_cell"], params["seed"], params["tables_dir"]
    ('Brescia', 3, 7, '/t')
    """
    return {
        "territorio": spec.territory,
        "min_cell": int(min_cell),
        "seed": int(seed),
        "processed_dir": str(processed_dir),
        "tables_dir": str(tables_dir),
        "reference_shares": dict(reference_shares) if reference_shares is not None else None,
    }


def run_batch(
    territories: list[str] | str | None = None,
    jobs: int | None = None,
    raw_dir: Path | str | None = None,
    out_dir: Path | str | None = None,
    force: bool = False,
    *,
    clean=None,
    notebooks: tuple[NotebookSpec, ...] = NOTEBOOKS,
    notebooks_dir: Path | str | None = None,
    kernel_name: str = config.KERNEL_NAME,
    fast: bool = True,
    progress: bool | None = None,
    cell_timeout: float | None = 1800,
    min_cell: int | None = None,
    seed: int = config.SEED,
    reference_shares: dict | None = None,
    pdf: bool = True,
) -> BatchResult:
    """Produce the reports: ``palestre run [--territory T ... | all] [--jobs N] [--raw DIR] [--out DIR] [--force]``.

    Parameters
    ----------
    territories : list of str, str or None
        Names or siglas, or ``"all"`` / ``None`` for every territory in the data plus the
        region.
    jobs : int, optional
        Reports run at the same time; the number of usable cores by default.
    raw_dir : Path, optional
        Raw data folder (``config.RAW_DIR`` by default).
    out_dir : Path, optional
        Writes ``OUT/processed`` and ``OUT/reports``; the project's folders by default.
    force : bool
        Run every report, even those that are up to date.
    clean : callable, optional
        ``clean(raw_dir, processed_dir)`` returning an object with ``n_rejected``,
        ``rejected_path`` and ``input_hashes``; :func:`palestre_analysis.ingest.build.ensure_clean`
        by default (it re-cleans only when the raw files changed).
    notebooks, notebooks_dir : optional
        The batch's notebooks (:data:`~palestre_analysis.batch.plan.NOTEBOOKS`) and their folder.
    kernel_name : str
        Kernelspec the notebooks run in.
    fast : bool
        Fork kernels from a pre-loaded process (same outputs, much faster); ``False``
        starts an ordinary kernel per notebook.
    progress : bool, optional
        Show a progress bar; by default when standard error is a terminal.
    cell_timeout : float or None
        Seconds a cell may run before its report fails.
    min_cell, seed, reference_shares : optional
        Values of the notebooks' parameters of the same name. ``min_cell`` and
        ``reference_shares`` default to the process file's (``processo.toml``, as the
        cleaning report records it), else to ``config``'s; ``seed`` to ``config``'s.
    pdf : bool
        Also print every report as PDF, beside its HTML, with Chromium
        (:mod:`~palestre_analysis.batch.pdf`); ``False``: HTML only (the batch benchmark
        measures what the PDFs cost this way). Without a browser the batch writes the HTML,
        does not fail, and its summary says how to get the PDFs; the next run with a browser
        then re-runs the reports that lack one, even if they are otherwise up to date.

    Returns
    -------
    BatchResult
        What happened to every selected report, the index and manifest paths and the exit
        code; a request naming a territory not in the data returns at once with
        ``exit_code`` 2 and its message (nothing is run, the index is not rewritten).

    Raises
    ------
    palestre_analysis.core.problems.DataError
        When the raw data cannot be read at all; rejected rows do not raise.
    """
    clock = time.monotonic()
    raw_dir = Path(raw_dir or config.RAW_DIR)
    processed_dir = config.processed_dir_for(out_dir).resolve()
    reports_dir = config.reports_dir_for(out_dir)
    notebooks_dir = Path(notebooks_dir or config.NOTEBOOKS_DIR)
    cleaning = (clean or _ensure_clean)(raw_dir, processed_dir)
    reports_dir.mkdir(parents=True, exist_ok=True)
    reports_dir = reports_dir.resolve()
    result = BatchResult(
        exit_code=0,
        reports_dir=reports_dir,
        n_rejected=int(getattr(cleaning, "n_rejected", 0)),
        rejected_path=getattr(cleaning, "rejected_path", None),
    )
    with _locked(reports_dir):
        remove_leftovers(reports_dir)
        manifest = load_manifest(reports_dir)
        processed = processed_hashes(processed_dir)
        available = _territories(manifest, processed_dir, processed)
        places = geography_of(processed_dir)
        try:
            selected = select_territories(available, territories, places)
        except PlanError as exc:
            result.exit_code, result.messages = 2, [str(exc)]
            return result
        everyone = select_territories(available, "all", places)
        full_plan = build_plan(everyone, notebooks, notebooks_dir, slugs=assign_slugs(everyone), places=places)
        manifest["process"] = _process_summary(cleaning, places, everyone)
        plan = [spec for spec in full_plan if spec.territory in selected]
        process = Process.from_json((getattr(cleaning, "report", None) or {}).get("process"))
        options = dict(
            min_cell=process.min_cell if min_cell is None else min_cell,
            seed=seed,
            reference_shares=process.reference_shares if reference_shares is None else reference_shares,
        )
        navigation = {spec.key: navigation_for(spec, full_plan, places, process.title) for spec in full_plan}
        context = _Context(reports_dir, processed_dir, processed, kernel_name, cell_timeout, options, navigation)
        browser = _browser(pdf)
        todo = _decide(plan, manifest, context, force, result, pdf=browser is not None)
        manifest["paths"] = dict(PATHS)
        manifest["cleaning"] = _cleaning_summary(cleaning, reports_dir)
        result.rejected_lines = manifest["cleaning"]["rejected_csv_rows"]
        manifest["reports"] = {k: v for k, v in manifest["reports"].items() if k in {s.key for s in full_plan}}
        if todo:
            _run_jobs(todo, jobs, manifest, context, fast, progress, result, browser=browser)
            remove_leftovers(reports_dir)  # the empty staging folders of the territories
        lacking = _record_pdfs(manifest, reports_dir)
        result.pdf_missing = pdf and browser is None and any(spec.key in lacking for spec in plan)
        save_manifest(reports_dir, manifest)
        result.index_path = write_index(reports_dir, manifest)
        result.manifest_path = reports_dir / MANIFEST_NAME
    result.exit_code = 1 if result.failures else 0
    result.elapsed = time.monotonic() - clock
    return result


def format_summary(result: BatchResult) -> str:
    """The table printed at the end of ``palestre run`` (plain text, Italian).

    Parameters
    ----------
    result : BatchResult
        What :func:`run_batch` returned.

    Returns
    -------
    str
        The messages, a table of the reports (territory, notebook, status, duration) with
        the counts, then the rejected rows (and the errors in ``rejected.csv`` when they are
        not one per rejected row), the index path, papermill's warnings and the errors, each
        only when there is one; lines are separated by ``\\n``.

    Examples
    --------
    >>> result = BatchResult(exit_code=1, reports=[
    ...     ReportResult("brescia/01", "Brescia", "01.ipynb", "ran", 2.5),
    ...     ReportResult("brescia/02", "Brescia", "02.ipynb", "failed", 1.0, "KeyError: 'x' (cella [3])")],
    ...     elapsed=3.5)
    >>> print(format_summary(result))  # doctest: +NORMALIZE_WHITESPACE
    Territorio  Notebook  Stato     Durata
    Brescia     01.ipynb  eseguito  2,5 s
    Brescia     02.ipynb  errore    1,0 s
    2 rapporti: 1 eseguito, 0 invariati, 1 con errore, in 3,5 s.
    Errori:
      - Brescia, 02.ipynb: KeyError: 'x' (cella [3])
    """
    lines = list(result.messages)
    if result.reports:
        rows = [("Territorio", "Notebook", "Stato", "Durata")]
        rows += [
            (
                r.territory,
                r.notebook,
                _STATUS_LABELS[r.status],
                f"{num(r.duration)} s" if r.duration is not None else "",
            )
            for r in result.reports
        ]
        widths = [max(len(_printable(row[i])) for row in rows) for i in range(3)]
        lines += ["  ".join(_printable(v).ljust(w) for v, w in zip(row[:3], widths)) + "  " + row[3] for row in rows]
        counts = {s: sum(1 for r in result.reports if r.status == s) for s in _STATUS_LABELS}
        lines.append(
            f"{plural(len(result.reports), 'rapporto', 'rapporti')}: {plural(counts['ran'], 'eseguito', 'eseguiti')}, "
            f"{plural(counts['skipped'], 'invariato', 'invariati')}, {integer(counts['failed'])} con errore, "
            f"in {num(result.elapsed)} s."
        )
    errors = result.rejected_lines
    if result.n_rejected and errors in (None, result.n_rejected):
        lines.append(f"Righe scartate dalla pulizia: {integer(result.n_rejected)} (motivi in {result.rejected_path}).")
    elif errors:
        lines.append(
            f"Righe scartate dalla pulizia: {integer(result.n_rejected)}; errori trovati: {integer(errors)}, "
            f"uno per riga in {result.rejected_path} (una riga scartata può averne più di uno, e un voto non valido "
            "in un modulo scarta solo quel voto)."
        )
    if result.index_path:
        lines.append(f"Indice dei rapporti: {result.index_path}")
    if result.pdf_missing:
        lines.append(NO_BROWSER_MESSAGE)
    warned = [r for r in result.reports if r.warnings]
    if warned:
        lines.append("Avvisi di papermill:")
        lines += [f"  - {_printable(r.territory)}, {r.notebook}: {w}" for r in warned for w in r.warnings]
    if result.failures:
        lines.append("Errori:")
        lines += [f"  - {_printable(r.territory)}, {r.notebook}: {r.error}" for r in result.failures]
    return "\n".join(lines)


# --- internals ------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Context:
    reports_dir: Path
    processed_dir: Path
    processed: dict
    kernel_name: str
    cell_timeout: float | None
    options: dict
    navigation: dict = field(default_factory=dict)  # report key -> its header of links


def _ensure_clean(raw_dir: Path, processed_dir: Path):
    from palestre_analysis.ingest.build import ensure_clean

    return ensure_clean(raw_dir, processed_dir)


class _locked:
    """Hold an exclusive lock on the reports folder, so two batches never write it at once."""

    def __init__(self, folder: Path):
        self.folder = folder
        self.fd: int | None = None

    def __enter__(self):
        self.fd = os.open(self.folder, os.O_RDONLY)
        try:
            fcntl.flock(self.fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            print(f"Un'altra esecuzione sta scrivendo in {self.folder}: attendo che finisca.", file=sys.stderr)
            fcntl.flock(self.fd, fcntl.LOCK_EX)
        return self

    def __exit__(self, *exc_info):
        os.close(self.fd)  # closing releases the lock


def _process_summary(cleaning, places, everyone: list[str]) -> dict:
    """The process as the cleaning recorded it, and where each territory sits (the index and the attacker read it)."""
    process = Process.from_json((getattr(cleaning, "report", None) or {}).get("process"))
    return {
        **process.as_json(),
        "area": places.area.name,
        "national": places.national,
        "places": {name: _where_in(places, name) for name in everyone},
    }


def _where_in(places, name: str) -> dict:
    """A territory's level and region, for the index (none for a name the geography does not know)."""
    if name not in places.names():
        return {"level": None, "region": None}
    place = places.place(name)
    return {"level": place.level, "region": place.region}


def _territories(manifest: dict, processed_dir: Path, processed: dict) -> list[str]:
    """Territories in the data; read with pyarrow only when ``entities.parquet`` changed."""
    cached = manifest.get("territories") or {}
    digest = processed.get(table_file("entities"))
    report = processed.get(REPORT_NAME)
    fresh = cached.get("entities_sha256") == digest and cached.get("report_sha256") == report
    if digest and fresh and isinstance(cached.get("names"), list):
        return cached["names"]
    from palestre_analysis.batch.plan import territories_in

    names = territories_in(processed_dir)
    manifest["territories"] = {"entities_sha256": digest, "report_sha256": report, "names": names}
    return names


def _cleaning_summary(cleaning, reports_dir: Path) -> dict:
    """What the manifest and the index say about the cleaning.

    ``n_rejected`` counts raw rows rejected (the cleaning report's ``totals``);
    ``rejected_csv_rows`` counts the lines of ``rejected.csv``, one per error found: a
    rejected row may have several, and an invalid vote in a form row rejects only that vote.
    """
    rejected_path = getattr(cleaning, "rejected_path", None)
    return {
        "n_rejected": int(getattr(cleaning, "n_rejected", 0)),
        "rejected_csv_rows": _csv_rows(rejected_path) if rejected_path else None,
        "rejected_path": relative_path(rejected_path, reports_dir) if rejected_path else None,
        "raw_sha256": dict(getattr(cleaning, "input_hashes", {}) or {}),
    }


def _csv_rows(path: Path | str) -> int | None:
    """Data rows of a CSV file (its header and blank lines left out); ``None`` if it cannot be read."""
    import csv

    try:
        with open(path, encoding="utf-8", newline="") as handle:
            rows = sum(1 for row in csv.reader(handle) if row)
    except (OSError, UnicodeDecodeError, csv.Error):
        return None
    return max(rows - 1, 0)


def _decide(
    plan: list[ReportSpec], manifest: dict, context: _Context, force: bool, result: BatchResult, pdf: bool = False
):
    """Split the plan into up-to-date reports (recorded as skipped) and jobs to run.

    With ``pdf`` (a browser is there), a report without its PDF is not up to date.
    """
    library = library_hash()
    packages = package_versions()
    commit = git_commit(config.PROJECT_ROOT)
    todo = []
    for spec in plan:
        paths = report_paths(context.reports_dir, spec.slug, spec.notebook.stem)
        # what is recorded (and keyed) names folders relative to the reports folder: the
        # published files hold no path of this machine, and moving the output folder changes nothing
        parameters = report_parameters(
            spec,
            relative_path(context.processed_dir, context.reports_dir),
            relative_path(paths.tables, context.reports_dir),
            **context.options,
        )
        inputs = report_inputs(spec.notebook_path, parameters, context.processed, library, packages)
        # the header links the other reports: a new territory or report changes this page too
        inputs["navigation_sha256"] = sha256_json(asdict(context.navigation[spec.key]))
        key = input_key(inputs)
        entry = manifest["reports"].get(spec.key)
        if not force and is_up_to_date(entry, key, context.reports_dir) and (not pdf or paths.pdf.is_file()):
            result.reports.append(
                ReportResult(
                    spec.key,
                    spec.territory,
                    spec.notebook.filename,
                    "skipped",
                    entry.get("duration_s"),
                    html=context.reports_dir / entry["outputs"]["html"],
                )
            )
            continue
        record = {
            "territory": spec.territory,
            "slug": spec.slug,
            "notebook": spec.notebook.filename,
            "title": spec.notebook.title,
            "parameters": parameters,
            "inputs": inputs,
            "key": key,
            "packages": packages,
            "git_commit": commit,
        }
        previous = tuple(Path(t).name for t in ((entry or {}).get("outputs") or {}).get("tables", []))
        todo.append((spec, record, previous))
    return todo


def _job(spec: ReportSpec, record: dict, previous: tuple, context: _Context, fork_address: str | None) -> ReportJob:
    title = f"{spec.notebook.title} · {spec.territory}"  # the area's too: a PDF's title names its territory
    paths = report_paths(context.reports_dir, spec.slug, spec.notebook.stem)
    return ReportJob(
        key=spec.key,
        territory=spec.territory,
        slug=spec.slug,
        title=title,
        notebook_path=str(spec.notebook_path),
        reports_dir=str(context.reports_dir),
        parameters=report_parameters(spec, context.processed_dir, paths.staging_tables, **context.options),
        kernel_name=context.kernel_name,
        fork_address=fork_address,
        previous_tables=previous,
        cell_timeout=context.cell_timeout,
        published_parameters=record["parameters"],
        notebook_label=record["inputs"]["notebook"]["path"],
        navigation=context.navigation.get(spec.key),
    )


def _run_jobs(
    todo, jobs, manifest, context: _Context, fast: bool, progress, result: BatchResult, browser: str | None = None
) -> None:
    """Run the jobs in worker processes; record each outcome in the manifest as it arrives.

    ``browser`` prints each report's PDF in its worker (``None``: no PDF).
    """
    from concurrent.futures import as_completed
    from dataclasses import replace

    workers = max(1, min(jobs or _cores(), len(todo)))
    notebook_paths = sorted({str(spec.notebook_path) for spec, _, _ in todo})
    server, note = _start_fork_server(context.kernel_name, notebook_paths) if fast else (None, None)
    modes = set()
    bar = _progress_bar(len(result.reports) + len(todo), len(result.reports), progress)
    pool, stop = _pool(workers)
    try:
        futures = {
            pool.submit(
                _safe_execute,
                replace(_job(spec, record, previous, context, server and server.address), browser=browser),
            ): (spec, record)
            for spec, record, previous in todo
        }
        for future in as_completed(futures):
            spec, record = futures[future]
            outcome = future.result()
            modes.add(outcome.kernel)
            if outcome.kernel == "fresh":  # why these reports did not run on a fork
                note = note or outcome.kernel_note
            manifest["reports"][spec.key] = _entry(record, outcome, spec)
            save_manifest(context.reports_dir, manifest)
            result.reports.append(_report_result(spec, outcome, context.reports_dir))
            bar.update(1)
    except BaseException:
        stop.set()  # first: a report cut short by the interruption publishes nothing
        _stop_pool(pool)
        remove_leftovers(context.reports_dir)  # what a killed worker was writing
        raise
    finally:
        bar.close()
        pool.shutdown(wait=True, cancel_futures=True)
        if server is not None:
            server.close()
    result.kernels = "/".join(sorted(modes)) + (f" ({note})" if note and "fresh" in modes else "")


def _safe_execute(job: ReportJob) -> JobOutcome:
    """:func:`execute_report`, turning an unexpected exception into a failed outcome."""
    from datetime import datetime

    from palestre_analysis.batch.execute import execute_report, one_line

    try:
        return execute_report(job)
    except Exception as exc:
        return JobOutcome(
            key=job.key,
            status="failed",
            started=datetime.now(UTC).isoformat(timespec="seconds"),
            duration=0.0,
            error=one_line(exc),
        )


def _entry(record: dict, outcome: JobOutcome, spec: ReportSpec) -> dict:
    paths = report_paths(".", spec.slug, spec.notebook.stem)
    return {
        **record,
        "status": outcome.status,
        "error": outcome.error,
        "started": outcome.started,
        "duration_s": outcome.duration,
        "kernel": outcome.kernel,
        "kernel_note": outcome.kernel_note,
        "warnings": outcome.warnings,
        "outputs": {
            "html": paths.html.as_posix(),
            "notebook": paths.notebook.as_posix(),
            "tables": [(paths.tables / name).as_posix() for name in outcome.tables],
            **({"pdf": paths.pdf.as_posix()} if outcome.pdf else {}),
        },
    }


def _browser(pdf: bool) -> str | None:
    """The Chromium that prints the PDFs, found once per batch; ``None`` without PDFs or without a browser."""
    if not pdf:
        return None
    from palestre_analysis.batch import pdf as printing

    return printing.find_browser()


def _record_pdfs(manifest: dict, reports_dir: Path) -> set[str]:
    """Keep each report's ``outputs["pdf"]`` true to the disk; return the keys of the reports without a PDF.

    A report skipped as up to date keeps its last entry: its PDF may have been removed since
    (a run without a browser removes the PDFs of the reports it re-runs).
    """
    lacking = set()
    for key, entry in manifest["reports"].items():
        outputs = entry.get("outputs")
        if not isinstance(outputs, dict) or not outputs.get("html"):
            continue
        pdf = Path(outputs["html"]).with_suffix(".pdf").as_posix()
        if (reports_dir / pdf).is_file():
            outputs["pdf"] = pdf
        else:
            outputs.pop("pdf", None)
            lacking.add(key)
    return lacking


def _report_result(spec: ReportSpec, outcome: JobOutcome, reports_dir: Path) -> ReportResult:
    status = "ran" if outcome.status == "ok" else "failed"
    html = report_paths(reports_dir, spec.slug, spec.notebook.stem).html
    return ReportResult(
        spec.key,
        spec.territory,
        spec.notebook.filename,
        status,
        outcome.duration,
        outcome.error,
        html,
        list(outcome.warnings),
    )


def _cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:
        return os.cpu_count() or 1


def _start_fork_server(kernel_name: str, notebook_paths: list[str]):
    """Start the kernel fork server, or explain why ordinary kernels will be used."""
    if not sys.platform.startswith("linux"):
        return None, "fork server only on Linux"
    from palestre_analysis.batch.kernels.manager import KernelForkServer, default_preload

    try:
        server = KernelForkServer(kernel_name, preload=default_preload(notebook_paths))
        return server.start(), None
    except Exception as exc:  # no such kernelspec, an unusual kernel command
        return None, f"fork server unavailable: {exc}"


def _pool(workers: int):
    """Worker processes forked from a process that already imported papermill and nbconvert.

    Returns the pool and the event that tells its workers to publish nothing more.
    """
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    from palestre_analysis.batch.execute import watch_for_stop

    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(["palestre_analysis.batch._worker_preload"])
    stop = context.Event()
    pool = ProcessPoolExecutor(max_workers=workers, mp_context=context, initializer=watch_for_stop, initargs=(stop,))
    return pool, stop


#: Seconds interrupted workers get to end on SIGTERM before they are killed.
_STOP_GRACE_S = 5.0


def _stop_pool(pool) -> None:
    """On interruption: end the workers instead of waiting for their reports.

    SIGTERM alone is not enough: nbclient handles SIGTERM (and SIGINT) in a worker by only
    scheduling its kernel's shutdown, and the worker then waits for the running cell. What
    is still running after the grace period is killed; every published file is written
    atomically, so a killed worker leaves no half-written one.
    """
    processes = list(getattr(pool, "_processes", {}).values())
    for process in processes:
        try:
            process.terminate()
        except (OSError, AttributeError):
            pass
    deadline = time.monotonic() + _STOP_GRACE_S
    for process in processes:
        try:
            process.join(max(0.0, deadline - time.monotonic()))
            if process.is_alive():
                process.kill()
        except (OSError, AttributeError, ValueError):
            pass


def _progress_bar(total: int, done: int, progress: bool | None):
    from tqdm import tqdm

    show = sys.stderr.isatty() if progress is None else progress
    return tqdm(
        total=total,
        initial=done,
        desc="Rapporti",
        unit="rapporto",
        disable=not show,
        file=sys.stderr,
        dynamic_ncols=True,
    )


def _printable(text: str) -> str:
    """A territory name on one line (a name from the data may hold control characters)."""
    return "".join(ch if ch.isprintable() else "?" for ch in str(text))
