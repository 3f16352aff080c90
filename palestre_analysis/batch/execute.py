"""One report, in a worker process: run the notebook with papermill, publish it, export HTML and PDF.

Everything the report writes first goes to ``<territory>/.staging/<notebook>/`` (the
notebook's ``tables_dir`` points there, and so does the kernel's working folder); only
complete files then move to their final place with :func:`os.replace`. An interrupted
run leaves at most a staging folder, which the next run removes.

papermill and nbconvert are imported when a report runs, never when this module is
imported, so the batch runner can import it at no cost.
"""

from __future__ import annotations

import logging
import os
import re
import shutil
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from palestre_analysis.batch.layout import PathScrubber, ReportPaths, relative_path, report_paths
from palestre_analysis.core.files import atomic_write_text, unlink_quietly

__all__ = [
    "ReportJob",
    "JobOutcome",
    "execute_report",
    "one_line",
    "stop_requested",
    "watch_for_stop",
]

_MAX_ERROR = 400


@dataclass(frozen=True)
class ReportJob:
    """Everything a worker needs to produce one report (picklable).

    Parameters
    ----------
    key : str
        ``"<slug>/<notebook stem>"``, the report's name in the manifest.
    territory, slug, title : str
        Territory name, its folder, and the Italian page title.
    notebook_path : str
        Source notebook.
    reports_dir : str
        The batch's ``reports`` folder; nothing is written outside it.
    parameters : dict
        papermill parameters; ``tables_dir`` must be :attr:`ReportPaths.staging_tables`.
    kernel_name : str
        Kernelspec to run.
    fork_address : str or None
        Socket of a :class:`~palestre_analysis.batch.kernels.manager.KernelForkServer`, or
        ``None`` for an ordinary kernel.
    previous_tables : tuple of str
        Table files this report wrote last time: removed if it does not write them again.
    cell_timeout : float or None
        Seconds a cell may run (``None``: no limit).
    start_timeout : float
        Seconds a kernel may take to start.
    published_parameters : dict or None
        The parameters as the published notebook records them (in its injected cell and
        its metadata): paths relative to the reports folder, ``tables_dir`` the published
        ``tables`` folder. ``None``: ``parameters``, with this machine's folders rewritten
        (:class:`~palestre_analysis.batch.layout.PathScrubber`).
    notebook_label : str or None
        How the published notebook names its source (papermill's ``input_path``): its path
        in the project; ``None``: the file name.
    navigation : Navigation or None
        The page's header of links (:mod:`~palestre_analysis.batch.navigation`); ``None``:
        a page without header (a report exported alone).
    browser : str or None
        The Chromium that prints the page to PDF (:func:`~palestre_analysis.batch.pdf.find_browser`);
        ``None``: no PDF, and the last run's PDF, which would not match the new page, is removed.
    """

    key: str
    territory: str
    slug: str
    title: str
    notebook_path: str
    reports_dir: str
    parameters: dict
    kernel_name: str
    fork_address: str | None = None
    previous_tables: tuple[str, ...] = ()
    cell_timeout: float | None = 1800
    start_timeout: float = 120
    published_parameters: dict | None = None
    notebook_label: str | None = None
    navigation: object | None = None
    browser: str | None = None


@dataclass
class JobOutcome:
    """What a worker reports back for one report.

    Parameters
    ----------
    key : str
        The report's :attr:`ReportJob.key`.
    status : str
        ``"ok"`` or ``"failed"``.
    started : str
        When the run began: ISO 8601 in UTC, to the second.
    duration : float
        Seconds the run took (three decimals).
    error : str or None
        One line per problem, joined with ``"; "`` (the notebook's error, the export's).
    kernel : str
        ``"fork"`` when the kernel was forked from the fork server, ``"fresh"`` otherwise.
    kernel_note : str or None
        Why a forked kernel was replaced or not used.
    tables : list of str
        File names of the tables the report wrote (now in the territory's ``tables/``).
    warnings : list of str
        papermill's warnings, each on one line, without repetitions.
    pdf : bool
        Whether this run printed the report's PDF.
    """

    key: str
    status: str  # "ok" or "failed"
    started: str
    duration: float
    error: str | None = None
    kernel: str = "fresh"
    kernel_note: str | None = None
    tables: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    pdf: bool = False


#: Set by the batch runner when it is interrupted (see :func:`watch_for_stop`).
_STOP = None


def watch_for_stop(event) -> None:
    """Worker initializer: remember the event the batch sets when it is interrupted.

    On Ctrl-C the whole process group gets SIGINT. nbclient answers it in a worker by
    shutting the kernel down, so the report then fails, and would publish that failure
    over the last good report if nothing stopped it: :func:`execute_report` publishes
    nothing once the event is set.

    Parameters
    ----------
    event : multiprocessing.Event
        Shared with the batch's main process.
    """
    global _STOP
    _STOP = event


def stop_requested() -> bool:
    """Whether the batch asked its workers to stop (always False outside a batch worker).

    Returns
    -------
    bool

    Examples
    --------
    >>> stop_requested()
    False
    """
    return _STOP is not None and _STOP.is_set()


def execute_report(job: ReportJob) -> JobOutcome:
    """Run one report end to end; never raises for a failing notebook.

    The executed notebook (with papermill's error marks when a cell failed), the HTML
    page, its PDF (when ``job.browser`` is set) and the tables are published even when the
    notebook fails, so the reader sees where it stopped; the outcome's ``status`` is then
    ``"failed"`` and ``error`` holds one line: exception, message and cell. A page that
    Chromium cannot print fails the report too (``esportazione PDF: …``).

    Parameters
    ----------
    job : ReportJob
        The report to produce.

    Returns
    -------
    JobOutcome
        Status, timing, error, kernel mode and tables of the run.

    Raises
    ------
    ValueError
        If the report's paths would fall outside ``job.reports_dir``
        (:func:`~palestre_analysis.batch.layout.report_paths`), before anything is run.

    Notes
    -----
    Tables the report wrote last time (``job.previous_tables``) and did not write again are
    deleted; the staging folder is removed at the end. Nothing published names a folder of
    this machine: the notebook's parameters and papermill's paths are recorded relative to
    the reports folder, and outputs, errors and warnings go through
    :class:`~palestre_analysis.batch.layout.PathScrubber`. The batch runner calls this in a
    worker through a wrapper that turns any other unexpected exception into a failed
    outcome.
    """
    started = datetime.now(UTC).isoformat(timespec="seconds")
    clock = time.monotonic()
    stem = Path(job.notebook_path).stem
    paths = report_paths(job.reports_dir, job.slug, stem)
    _reset_staging(paths)
    if job.browser:  # the worker's browser starts while the notebook runs
        from palestre_analysis.batch.pdf import warm_up

        warm_up(job.browser)
    with _CollectWarnings("papermill") as collected:
        # a forked kernel that does not answer within seconds is replaced by the kernel manager
        # itself (kernels.FORK_READY_TIMEOUT), before the first cell: no report is run twice
        nb, failure, kernel, note = _run_notebook(job, paths, job.fork_address)
    scrub = PathScrubber(job.reports_dir)
    note = scrub(note) if note else note
    if stop_requested():  # the batch was interrupted: a report cut short must not replace the last good one
        shutil.rmtree(paths.staging, ignore_errors=True)
        return JobOutcome(
            key=job.key,
            status="failed",
            started=started,
            duration=time.monotonic() - clock,
            error="interrotto",
            kernel=kernel,
            kernel_note=note,
        )
    failure = scrub(failure) if failure else failure
    errors = [failure] if failure else []
    nb = _portable_notebook(nb, job, paths, scrub)
    _publish_notebook(nb, paths)
    try:
        from palestre_analysis.batch.export import export_html

        export_html(nb, paths.html, title=job.title, failure=failure, **_page_parts(job, paths))
    except Exception as exc:  # a report that cannot be exported is a failed report
        errors.append(f"esportazione HTML: {scrub(one_line(exc))}")
        printed = False
    else:  # the PDF is printed from the page just published, the error page of a failed run included
        pdf_error = _publish_pdf(job, paths)
        printed = pdf_error is None and job.browser is not None
        if pdf_error:
            errors.append(f"esportazione PDF: {scrub(pdf_error)}")
    tables = _publish_tables(paths, job.previous_tables)
    shutil.rmtree(paths.staging, ignore_errors=True)
    return JobOutcome(
        key=job.key,
        status="failed" if errors else "ok",
        started=started,
        duration=round(time.monotonic() - clock, 3),
        error="; ".join(errors) or None,
        kernel=kernel,
        kernel_note=note,
        tables=tables,
        warnings=[scrub(w) for w in collected.messages],
        pdf=printed,
    )


class _CollectWarnings(logging.Handler):
    """Keep a logger's warnings for the summary instead of printing them over the progress bar."""

    def __init__(self, name: str):
        super().__init__(logging.WARNING)
        self.logger = logging.getLogger(name)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        message = one_line(record.getMessage())
        if message not in self.messages:
            self.messages.append(message)

    def __enter__(self):
        self._saved = self.logger.propagate
        self.logger.addHandler(self)
        self.logger.propagate = False
        return self

    def __exit__(self, *exc_info):
        self.logger.removeHandler(self)
        self.logger.propagate = self._saved


def _page_parts(job: ReportJob, paths: ReportPaths) -> dict:
    """The header of links and the tables list of the page (none for a job without navigation)."""
    if job.navigation is None:
        return {}
    from palestre_analysis.batch.navigation import navigation_html

    tables = sorted(p.name for p in paths.staging_tables.glob("*.csv")) if paths.staging_tables.is_dir() else []
    header = navigation_html(job.navigation, pdf=job.browser is not None, tables=bool(tables))
    return {"header": header, "tables": tables}


def _publish_pdf(job: ReportJob, paths: ReportPaths) -> str | None:
    """Print the published page to its PDF; the error, in one Italian line, when that failed.

    Without a browser, or when printing fails, the last run's PDF is removed: a PDF beside
    the page is always the page's (the next run with a browser prints it).
    """
    if job.browser is None:
        unlink_quietly(paths.pdf)
        return None
    from palestre_analysis.batch import pdf

    header = pdf.running_header(job.title, job.territory, getattr(job.navigation, "process", None))
    try:
        pdf.print_pdf(paths.html, paths.pdf, header=header, browser=job.browser)
    except Exception as exc:  # Chromium crashed or hung, the disk is full: this report failed
        unlink_quietly(paths.pdf)
        return one_line(str(exc) if isinstance(exc, pdf.PdfExportError) else exc)
    return None


def _reset_staging(paths: ReportPaths) -> None:
    shutil.rmtree(paths.staging, ignore_errors=True)
    paths.staging_tables.mkdir(parents=True)
    paths.tables.mkdir(exist_ok=True)


def _run_notebook(job: ReportJob, paths: ReportPaths, fork_address: str | None):
    """Execute with papermill into the staging folder: ``(nb, failure, kernel, note)``.

    ``kernel`` is ``"fork"`` or ``"fresh"``; ``note`` says why a fork was replaced or not used.
    """
    import nbformat
    import papermill
    from papermill.exceptions import PapermillExecutionError

    from palestre_analysis.batch.kernels import manager as kernels

    options = dict(
        parameters=job.parameters,
        kernel_name=job.kernel_name,
        progress_bar=False,
        log_output=False,
        cwd=str(paths.staging),
        start_timeout=job.start_timeout,
        execution_timeout=job.cell_timeout,
        # a print may reach the notebook as one stream output or as two, depending on when
        # the kernel flushed: merged, the same inputs always give the same report
        coalesce_streams=True,
    )
    if fork_address:
        options.update(
            kernel_manager_class=kernels.fork_kernel_manager_class(fork_address), shutdown_kernel="immediate"
        )
    del kernels.launch_log[:]
    failure = None
    try:
        nb = papermill.execute_notebook(
            _literal_path(job.notebook_path), _literal_path(paths.staging_notebook), **options
        )
    except PapermillExecutionError as exc:
        nb = nbformat.read(paths.staging_notebook, as_version=4)
        where = exc.exec_count if exc.exec_count is not None else exc.cell_index
        failure = one_line(f"{exc.ename}: {exc.evalue}") + f" (cella [{where}])"
    except Exception as exc:  # dead kernel, timeout, unreadable or missing notebook
        nb = _partial_notebook(paths.staging_notebook, job.notebook_path)
        failure = one_line(exc)
    launch = kernels.launch_log[-1] if kernels.launch_log else {"mode": "fresh", "reason": None}
    mode = launch["mode"] if fork_address else "fresh"
    note = launch["reason"] if fork_address else None
    return nb, failure, mode, note


def _literal_path(path: Path | str) -> str:
    """A path papermill will not ``str.format`` with the parameters (it does, for templates)."""
    return str(path).replace("{", "{{").replace("}", "}}")


def _partial_notebook(partial: Path, source: str):
    """What is left to publish when papermill stopped without marking an error."""
    import nbformat

    for candidate in (partial, Path(source)):
        try:
            return nbformat.read(candidate, as_version=4)
        except Exception:
            continue
    return nbformat.v4.new_notebook()


def _portable_notebook(nb, job: ReportJob, paths: ReportPaths, scrub: PathScrubber):
    """The executed notebook as it is published: no absolute path of this machine in it.

    papermill records the parameters twice (the injected cell and ``metadata.papermill``)
    and the input and output paths: they are replaced by their published form, relative to
    the reports folder; then every other text (outputs, tracebacks, metadata) goes through
    ``scrub``. Images are left as they are.
    """
    published = job.published_parameters
    if published is None:
        published = {k: scrub(v) if isinstance(v, str) else v for k, v in job.parameters.items()}
    papermill_meta = nb.metadata.get("papermill")
    if papermill_meta is not None:
        papermill_meta["input_path"] = job.notebook_label or Path(job.notebook_path).name
        papermill_meta["output_path"] = relative_path(paths.notebook, job.reports_dir)
        if "parameters" in papermill_meta:
            papermill_meta["parameters"] = published
    for cell in nb.cells:
        if "injected-parameters" in cell.metadata.get("tags", []):
            cell.source = _parameters_source(nb, job.kernel_name, published)
    return _scrubbed(nb, scrub)


def _parameters_source(nb, kernel_name: str, parameters: dict) -> str:
    """The injected cell papermill writes for ``parameters``."""
    from papermill.translators import translate_parameters

    kernelspec = nb.metadata.get("kernelspec", {})
    language = kernelspec.get("language") or nb.metadata.get("language_info", {}).get("name") or "python"
    return translate_parameters(kernel_name, language, parameters, "Parameters")


def _scrubbed(value, scrub: PathScrubber, key: str = ""):
    """``value`` (a notebook, or any part of one) with ``scrub`` applied to every text but images."""
    if isinstance(value, str):
        return value if key.startswith("image/") else scrub(value)
    if isinstance(value, dict):
        for name in list(value):
            value[name] = _scrubbed(value[name], scrub, name)
        return value
    if isinstance(value, list):
        return [_scrubbed(item, scrub, key) for item in value]
    return value


def _publish_notebook(nb, paths: ReportPaths) -> None:
    import nbformat

    atomic_write_text(paths.notebook, nbformat.writes(nb))


def _publish_tables(paths: ReportPaths, previous: tuple[str, ...]) -> list[str]:
    """Move the tables written in staging into ``tables/``; drop last run's that are gone."""
    produced = (
        sorted(p.name for p in paths.staging_tables.iterdir() if p.is_file()) if paths.staging_tables.is_dir() else []
    )
    for name in set(previous) - set(produced):
        stale = paths.tables / Path(name).name
        if stale.is_file():
            stale.unlink()
    for name in produced:
        os.replace(paths.staging_tables / name, paths.tables / name)
    return produced


def one_line(value: object) -> str:
    """An error as one short line: ``ExceptionName: message``, whitespace collapsed.

    Parameters
    ----------
    value : object
        An exception (its class name, then its message if any) or anything else (its ``str``).

    Returns
    -------
    str
        The text without ANSI colour codes, every run of whitespace (newlines included) as
        one space, cut to 400 characters with a final ``…``.

    Examples
    --------
    >>> one_line(KeyError("x")), one_line(RuntimeError())
    ("KeyError: 'x'", 'RuntimeError')
    >>> one_line("\\x1b[0;31mValueError\\x1b[0m:  bad\\n  value ")
    'ValueError: bad value'
    >>> len(one_line("a" * 1000)), one_line("a" * 1000)[-1]
    (400, '…')
    """
    if isinstance(value, BaseException):
        text = f"{type(value).__name__}: {value}" if str(value) else type(value).__name__
    else:
        text = str(value)
    text = re.sub(r"\x1b\[[0-9;]*m", "", text)  # ANSI colours of tracebacks
    text = " ".join(text.split())
    return text if len(text) <= _MAX_ERROR else text[: _MAX_ERROR - 1] + "…"
