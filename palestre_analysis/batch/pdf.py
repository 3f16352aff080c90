"""Every report also as PDF: its HTML page printed by Debian's Chromium, driven by Playwright.

Chromium prints the page a reader sees, in the print media the template styles: A4,
numbered pages ("Pagina N di M"), a running header with the process and the report's title
and territory, fonts embedded as subsets (the text stays selectable), figures as images.
nbconvert's own WebPDF exporter is not used because it wants to download a browser of its
own, and these machines refuse the download; the distribution's Chromium is already there
(``make browser`` installs it).

One browser per process, with one tab: :func:`print_pdf` starts it the first time a process
prints and loads every later report into the same tab (a new tab per report would cost more
than printing a short one), and the process closes it when it ends. Playwright's sync
API marks its thread as running an event loop between two calls, which would confuse
papermill's own loop in the same thread, so the browser lives in a thread of its own.
Nothing is started at import time, and a process that forks (the batch's multiprocessing
fork server) never holds a browser: a forked child notices it is another process and starts
its own.
"""

from __future__ import annotations

import html
import os
import queue
import shutil
import threading
from concurrent.futures import Future
from pathlib import Path

from palestre_analysis.core.files import atomic_write_bytes

__all__ = [
    "BROWSER_PATH",
    "PDF_MARGINS",
    "PdfExportError",
    "find_browser",
    "running_header",
    "PdfPrinter",
    "print_pdf",
    "warm_up",
    "close_printer",
]

#: Where Debian's ``chromium`` package installs the browser, when ``chromium`` is not on ``PATH``.
BROWSER_PATH = "/usr/bin/chromium"
#: Page margins: room for the running header and footer, which Chromium draws inside them.
PDF_MARGINS = {"top": "18mm", "bottom": "16mm", "left": "15mm", "right": "15mm"}
#: Command-line flags: headless in a container (no sandbox, no GPU), never on the network.
_LAUNCH_ARGS = (
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
)
#: Milliseconds a page may take to load or print (a long report on a busy machine).
_TIMEOUT_MS = 180_000

#: Chromium draws the header and footer from these templates, in a page of their own: every
#: style must be inline, and the font size explicit (its default is tiny).
_BAND_STYLE = (
    "font-family: 'DejaVu Sans', sans-serif; font-size: 7.5pt; color: #333333; width: 100%; "
    "margin: 0 15mm; -webkit-print-color-adjust: exact; font-variant-ligatures: none;"
)
_CELL_STYLE = "white-space: nowrap; overflow: hidden; text-overflow: ellipsis;"
_FOOTER = (
    f'<div style="{_BAND_STYLE} text-align: center;">'
    'Pagina <span class="pageNumber"></span> di <span class="totalPages"></span></div>'
)

#: Run in the page before printing. A relative link (``02_risorse_esigenze.html``,
#: ``tables/cells.csv``, ``../index.html``) would reach the PDF as an absolute ``file://``
#: address of this machine: a private path, and a link broken on any other computer.
#: Chromium cannot write a relative address, so such links lose their address (their text
#: stays); a link to a section of the page itself stays a jump inside the PDF, and web and
#: mail links are kept as they are.
_LOCAL_LINKS_SCRIPT = """() => {
  const XLINK = "http://www.w3.org/1999/xlink";
  const page = location.href.split("#")[0];
  let dropped = 0;
  for (const link of document.querySelectorAll("a, area")) {
    const raw = link.getAttribute("href") ?? link.getAttributeNS(XLINK, "href");
    if (raw === null) continue;
    let target;
    try { target = new URL(raw, document.baseURI); } catch (error) { target = null; }
    if (target !== null && target.protocol !== "file:") continue;
    link.removeAttribute("href");
    link.removeAttributeNS(XLINK, "href");
    if (target !== null && target.href.split("#")[0] === page && target.hash) {
      link.setAttribute("href", target.hash);
    } else {
      dropped += 1;
    }
  }
  return dropped;
}"""


class PdfExportError(RuntimeError):
    """Chromium could not print a report; the message is one Italian line."""


def find_browser() -> str | None:
    """The Chromium the PDFs are printed with, or ``None`` when there is none.

    Returns
    -------
    str or None
        ``chromium`` found on ``PATH``, else :data:`BROWSER_PATH` when it is an executable
        file, else ``None`` (the batch then writes the HTML only, and says how to get the PDFs).

    Examples
    --------
    >>> found = find_browser()
    >>> found is None or os.access(found, os.X_OK)
    True
    """
    found = shutil.which("chromium")
    if found:
        return found
    return BROWSER_PATH if os.path.isfile(BROWSER_PATH) and os.access(BROWSER_PATH, os.X_OK) else None


def running_header(title: str, territory: str, process: str | None = None) -> str:
    """The header Chromium repeats on every page: the process on the left, report and territory on the right.

    Parameters
    ----------
    title : str
        The report's title (the batch adds the territory, except for the area's reports).
    territory : str
        The report's territory, added to ``title`` when it does not end with it.
    process : str, optional
        The process title (``"Palestre di capacità"``); ``None``: only the right-hand part.

    Returns
    -------
    str
        An HTML template for Playwright's ``header_template``, its texts escaped.

    Examples
    --------
    >>> header = running_header("Relazione finale", "Lombardia", "Palestre di capacità")
    >>> "Palestre di capacità" in header, "Relazione finale · Lombardia" in header
    (True, True)
    >>> "· Brescia · Brescia" in running_header("Fase 1 · Brescia", "Brescia")
    False
    >>> "&lt;b&gt;" in running_header("<b>", "X")
    True
    """
    right = title if not territory or title.endswith(territory) else f"{title} · {territory}"
    cells = [process, right] if process else [right]
    spans = "".join(f'<span style="{_CELL_STYLE}">{html.escape(text)}</span>' for text in cells)
    layout = "display: flex; justify-content: space-between; gap: 2em;" if process else "text-align: right;"
    return f'<div style="{_BAND_STYLE} {layout}">{spans}</div>'


class PdfPrinter:
    """A Chromium that prints pages to PDF, started on first use and kept for every later page.

    Every call to Playwright happens in one thread the printer owns, never in the caller's;
    :meth:`print` blocks until its PDF is written. A browser that crashed is started again
    for the next page.

    Parameters
    ----------
    browser : str
        The Chromium executable (see :func:`find_browser`).

    Examples
    --------
    >>> printer = PdfPrinter("/usr/bin/chromium")  # nothing is started yet
    >>> printer.started
    False
    >>> printer.close()
    """

    def __init__(self, browser: str):
        self.browser = browser
        #: The process that created the printer: a forked child must not use it.
        self.pid = os.getpid()
        self._tasks: queue.SimpleQueue = queue.SimpleQueue()
        self._thread: threading.Thread | None = None
        self._closed = False
        self._playwright = None
        self._chromium = None
        self._context = None
        self._page = None

    @property
    def started(self) -> bool:
        """Whether a browser is running now."""
        return self._chromium is not None

    def start_soon(self) -> Future:
        """Start the browser in the background (a report's notebook runs meanwhile).

        Returns
        -------
        concurrent.futures.Future
            Done when the browser is up; a failure to start is kept for the next :meth:`print`.
        """
        return self._submit(self._quietly_started)

    def print(self, page: Path | str, pdf: Path | str, *, header: str) -> Path:
        """Print the HTML file ``page`` to ``pdf`` (A4, numbered pages, ``header`` on each).

        Parameters
        ----------
        page : Path or str
            The exported HTML page.
        pdf : Path or str
            Where the PDF goes; written atomically (a temporary file, then :func:`os.replace`).
        header : str
            The running header's HTML template (:func:`running_header`).

        Returns
        -------
        Path
            ``pdf``.

        Raises
        ------
        PdfExportError
            When Chromium cannot be started or cannot print the page; ``pdf`` is left as it was.
        """
        data = self._submit(self._print, Path(page), header).result()
        return atomic_write_bytes(pdf, data)

    def close(self) -> None:
        """Close the browser (if any) and the printer's thread; the printer cannot be used again.

        A second call, or a call in a forked child (whose copy of the printer has no thread
        and no browser), does nothing.
        """
        if self._closed or self.pid != os.getpid():
            return
        if self._thread is not None:
            self._submit(self._stop).result()
            self._tasks.put(None)
            self._thread.join()
        self._closed = True

    def _submit(self, function, *args) -> Future:
        """Run ``function(*args)`` in the printer's thread (started on first use)."""
        if self._closed:
            raise PdfExportError("la stampa dei PDF è già stata chiusa")
        if self._thread is None:
            # a daemon thread: it still runs while the process's exit handlers close the browser
            self._thread = threading.Thread(target=self._serve, name="palestre-pdf", daemon=True)
            self._thread.start()
        future: Future = Future()
        self._tasks.put((future, function, args))
        return future

    # --- in the printer's thread --------------------------------------------------------

    def _serve(self) -> None:
        while (task := self._tasks.get()) is not None:
            future, function, args = task
            if future.set_running_or_notify_cancel():
                try:
                    future.set_result(function(*args))
                except BaseException as exc:  # handed to the caller, who raises it
                    future.set_exception(exc)

    def _quietly_started(self) -> None:
        try:
            self._ensure_started()
        except PdfExportError:
            pass  # print() starts it again and reports the error

    def _ensure_started(self) -> None:
        if self._chromium is not None and self._chromium.is_connected():
            return
        self._stop()
        try:
            from playwright.sync_api import sync_playwright

            self._playwright = sync_playwright().start()
            self._chromium = self._playwright.chromium.launch(
                executable_path=self.browser, headless=True, args=list(_LAUNCH_ARGS), timeout=_TIMEOUT_MS
            )
            # offline: a report needs nothing from the network, and its CSP forbids it anyway
            self._context = self._chromium.new_context(offline=True)
            self._context.set_default_timeout(_TIMEOUT_MS)
            # one tab for every report: a new tab per report would cost more than a small
            # report's printing; each report is a new document in it, laid out for print
            self._page = self._context.new_page()
            self._page.emulate_media(media="print")
        except Exception as exc:
            self._stop()
            raise PdfExportError(f"Chromium ({self.browser}) non si avvia: {_first_line(exc)}") from exc

    def _print(self, page_path: Path, header: str) -> bytes:
        self._ensure_started()
        page = self._page
        try:
            page.goto(page_path.resolve().as_uri(), wait_until="load")
            page.evaluate(_LOCAL_LINKS_SCRIPT)
            return page.pdf(
                # A4 in millimetres: Chromium's "A4" format is 8.27 x 11.7 inches, 1 pt taller than A4
                width="210mm",
                height="297mm",
                print_background=True,
                display_header_footer=True,
                header_template=header,
                footer_template=_FOOTER,
                margin=PDF_MARGINS,
                prefer_css_page_size=False,
                outline=True,  # the headings as the PDF's bookmarks
                tagged=True,  # headings, paragraphs and tables tagged for screen readers
            )
        except Exception as exc:
            self._stop()  # a crashed or stuck browser is replaced for the next report
            raise PdfExportError(f"Chromium non ha stampato la pagina: {_first_line(exc)}") from exc

    def _stop(self) -> None:
        for closing in (self._context, self._chromium):
            try:
                if closing is not None:
                    closing.close()
            except Exception:
                pass  # already gone with the browser
        try:
            if self._playwright is not None:
                self._playwright.stop()
        except Exception:
            pass
        self._playwright = self._chromium = self._context = self._page = None


def _first_line(exc: BaseException) -> str:
    """Playwright's error without its call log: the exception and its first line.

    A ``file://`` address becomes a plain path, which the batch then writes relative to the
    reports folder (:class:`~palestre_analysis.batch.layout.PathScrubber`).
    """
    lines = [line.strip() for line in str(exc).replace("file://", "").splitlines() if line.strip()]
    name = type(exc).__name__
    return f"{name}: {lines[0]}" if lines else name


#: This process's printer (see :func:`print_pdf`).
_PRINTER: PdfPrinter | None = None
_PRINTER_LOCK = threading.Lock()


def _printer(browser: str) -> PdfPrinter:
    """This process's printer for ``browser``, created on first use and closed when the process ends.

    A printer inherited through a fork belongs to the parent: it is forgotten, never used.
    """
    global _PRINTER
    with _PRINTER_LOCK:
        if _PRINTER is None or _PRINTER.pid != os.getpid() or _PRINTER.browser != browser:
            if _PRINTER is not None and _PRINTER.pid == os.getpid():
                _PRINTER.close()
            _PRINTER = PdfPrinter(browser)
            _close_at_exit(_PRINTER)
        return _PRINTER


def _close_at_exit(printer: PdfPrinter) -> None:
    """Close ``printer`` when the process ends, a multiprocessing worker included.

    A worker ends through ``os._exit``, which skips :mod:`atexit`; multiprocessing's own
    finalizers run there, and in the main process at exit too.
    """
    from multiprocessing import util

    util.Finalize(printer, printer.close, exitpriority=10)


def print_pdf(page: Path | str, pdf: Path | str, *, header: str, browser: str) -> Path:
    """Print the HTML ``page`` to ``pdf`` with this process's browser (started on first use).

    Parameters
    ----------
    page : Path or str
        The exported HTML page.
    pdf : Path or str
        Where the PDF goes (atomically).
    header : str
        The running header (:func:`running_header`).
    browser : str
        The Chromium executable (:func:`find_browser`).

    Returns
    -------
    Path
        ``pdf``.

    Raises
    ------
    PdfExportError
        When Chromium cannot be started or cannot print the page.
    """
    return _printer(browser).print(page, pdf, header=header)


def warm_up(browser: str) -> None:
    """Start this process's browser in the background, so that it is ready when the first page is printed.

    Parameters
    ----------
    browser : str
        The Chromium executable (:func:`find_browser`); a failure to start shows at the first print.
    """
    _printer(browser).start_soon()


def close_printer() -> None:
    """Close this process's browser now (it is closed at exit anyway)."""
    global _PRINTER
    with _PRINTER_LOCK:
        if _PRINTER is not None and _PRINTER.pid == os.getpid():
            _PRINTER.close()
        _PRINTER = None
