"""End to end: the notebooks in a real JupyterLab, opened in Chromium as a researcher opens them.

One test starts ``jupyter lab`` (token, localhost, a free port, every Jupyter folder in a
temporary directory), opens each notebook of ``notebooks/`` and, through papermill's
parameters, the report of one province, runs all cells from the Run menu and checks what the
researcher sees: every code cell ran, no error output, the first heading and a figure. It
then stops the server and checks that no kernel was left behind.

The notebooks are the committed ones with their data parameters injected by papermill
(``prepare_only``: nothing is executed), so that they read the demo data cleaned into a
temporary folder and write their tables there, never into the project.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

import nbformat
import papermill
import psutil
import pytest

from palestre_analysis import config
from palestre_analysis.ingest.build import ensure_clean

pytestmark = pytest.mark.slow

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
KERNEL = "palestre"
KERNEL_DISPLAY_NAME = "Python (palestre)"
NOTEBOOKS = sorted(path.name for path in config.NOTEBOOKS_DIR.glob("*.ipynb"))
TERRITORY = "Brescia"  # a province of the demo with enough delegates to show statistics
TERRITORY_REPORT = "02_risorse_esigenze.ipynb"  # the notebook a researcher re-runs for one territory
TERRITORY_NOTEBOOK = "02_risorse_esigenze_brescia.ipynb"

# Generous but bounded: a notebook runs in 10-40 s on an idle 2-core machine.
SERVER_START_S = 180
LAB_LOAD_MS = 180_000
KERNEL_READY_S = 180
RUN_ALL_MS = 420_000
SERVER_STOP_S = 90

# The notebook as JupyterLab 4 draws it: one .jp-Cell per cell, its prompt ("[ ]:", "[*]:" while
# queued or running, "[3]:" once run), its outputs; tracebacks and stderr streams are both
# outputs of MIME type application/vnd.jupyter.stderr (shown in red).
NOTEBOOK_STATE_JS = """() => {
  const panel = document.querySelector('.jp-NotebookPanel');
  if (!panel) return null;
  const cells = Array.from(panel.querySelectorAll('.jp-Notebook .jp-Cell')).map(cell => ({
    type: cell.classList.contains('jp-CodeCell') ? 'code'
        : cell.classList.contains('jp-MarkdownCell') ? 'markdown' : 'raw',
    prompt: (cell.querySelector('.jp-InputArea .jp-InputPrompt') || {textContent: ''}).textContent.trim(),
    errors: Array.from(cell.querySelectorAll('.jp-OutputArea-output[data-mime-type="application/vnd.jupyter.stderr"]'))
      .map(output => output.textContent.slice(-1500)),
    outputs: Array.from(cell.querySelectorAll('.jp-OutputArea-output')).map(output => output.textContent),
    headings: Array.from(cell.querySelectorAll('.jp-RenderedMarkdown h1'))
      .map(h => h.textContent.replace('\u00b6', '').trim()),
  }));
  const indicator = panel.querySelector('.jp-Notebook-ExecutionIndicator');
  return {cells, status: indicator ? indicator.dataset.status : null};
}"""
# Run All has finished when the kernel is idle and no cell waits ([*]): either every code cell
# has its execution count, or an error stopped the run (JupyterLab clears the queue then).
RUN_FINISHED_JS = (
    """() => {
  const state = ("""
    + NOTEBOOK_STATE_JS
    + """)();
  if (!state || state.status !== 'idle') return false;
  const code = state.cells.filter(c => c.type === 'code');
  if (code.some(c => c.prompt === '[*]:')) return false;
  return code.every(c => /^\\[\\d+\\]:$/.test(c.prompt)) || code.some(c => c.errors.length > 0);
}"""
)


@dataclass
class LabServer:
    """A ``jupyter lab`` process of this test, its folders and the token to talk to it."""

    home: Path
    root: Path
    token: str = field(default_factory=lambda: secrets.token_hex(24))
    process: subprocess.Popen | None = None
    url: str = ""

    @property
    def runtime_dir(self) -> Path:
        """Where the server writes its info file and the kernels' connection files."""
        return self.home / "runtime"

    def start(self) -> None:
        """Start the server on a port the system picks, and wait until its API answers."""
        folders = {name: self.home / name for name in ("config", "runtime", "data", "ipython", "workspaces")}
        for folder in folders.values():
            folder.mkdir(parents=True, exist_ok=True)
        _quiet_lab_settings(folders["config"] / "lab" / "user-settings")
        env = {
            **_environment_without_jupyter_settings(),
            "JUPYTER_CONFIG_DIR": str(folders["config"]),
            "JUPYTER_RUNTIME_DIR": str(folders["runtime"]),
            # The user data folder only: the venv's share/jupyter, where `make setup`
            # registers the project kernel (--sys-prefix), stays on the data path.
            "JUPYTER_DATA_DIR": str(folders["data"]),
            "IPYTHONDIR": str(folders["ipython"]),
        }
        command = [
            sys.executable,
            "-m",
            "jupyterlab",
            "--no-browser",
            "--allow-root",  # CI containers often run as root; harmless otherwise
            "--ip=127.0.0.1",
            "--port=0",  # the system picks a free port; the server's info file tells which
            "--ServerApp.port_retries=0",
            f"--IdentityProvider.token={self.token}",
            f"--ServerApp.root_dir={self.root}",
            f"--LabApp.workspaces_dir={folders['workspaces']}",
            f"--LabApp.user_settings_dir={folders['config'] / 'lab' / 'user-settings'}",
            # No network: no news feed, no update check, no extension listing from PyPI.
            "--LabApp.news_url=None",
            "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
            "--LabApp.extension_manager=readonly",
        ]
        with open(self.home / "server.log", "wb") as log:  # the server keeps its own copy of the file
            self.process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, env=env, cwd=self.root)
        info = self.runtime_dir / f"jpserver-{self.process.pid}.json"
        deadline = time.monotonic() + SERVER_START_S
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise AssertionError(f"jupyter lab exited with {self.process.returncode}:\n{self.log_tail()}")
            if info.is_file() and not self.url:
                try:
                    self.url = json.loads(info.read_text(encoding="utf-8"))["url"].rstrip("/")
                except (ValueError, KeyError):
                    pass  # the server is still writing the file
            if self.url and self._answers():
                return
            time.sleep(0.5)
        raise AssertionError(f"jupyter lab did not answer within {SERVER_START_S} s:\n{self.log_tail()}")

    def _answers(self) -> bool:
        try:
            return "started" in self.api("GET", "/api/status")
        except OSError:
            return False

    def api(self, method: str, path: str):
        """Call the server's REST API with the token; the decoded JSON answer (``None`` if empty)."""
        request = urllib.request.Request(
            self.url + path, method=method, headers={"Authorization": f"token {self.token}"}
        )
        with urllib.request.urlopen(request, timeout=30) as response:
            body = response.read()
        return json.loads(body) if body else None

    def lab_url(self, notebook: str) -> str:
        """The address a researcher opens: the notebook in a fresh workspace, with the token."""
        return f"{self.url}/lab/tree/{notebook}?reset&token={self.token}"

    def kernel_processes(self) -> list[psutil.Process]:
        """The kernels the server started (its children running ``ipykernel_launcher``)."""
        children = psutil.Process(self.process.pid).children(recursive=True)
        return [p for p in children if _runs_a_kernel(p)]

    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def shutdown(self) -> int:
        """Ask the server to stop (as Lab's File › Shut Down does) and wait; its exit code."""
        self.api("POST", "/api/shutdown")
        return self.process.wait(timeout=SERVER_STOP_S)

    def stop(self) -> None:
        """Stop the server whatever state it is in (the fixture's finalizer)."""
        if not self.running():
            return
        try:
            self.shutdown()
        except (OSError, subprocess.TimeoutExpired):
            self.process.terminate()
            try:
                self.process.wait(timeout=SERVER_STOP_S)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=SERVER_STOP_S)

    def log_tail(self) -> str:
        return (self.home / "server.log").read_text(encoding="utf-8", errors="replace")[-4000:]


def _environment_without_jupyter_settings() -> dict[str, str]:
    """This process's environment, without the variables that would point Jupyter elsewhere."""
    return {k: v for k, v in os.environ.items() if not k.startswith(("JUPYTER_", "JPY_"))}


def _quiet_lab_settings(user_settings: Path) -> None:
    """User settings of the test's own Lab: no "news?" toast over the notebook, no update check."""
    target = user_settings / "@jupyterlab" / "apputils-extension" / "notification.jupyterlab-settings"
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(json.dumps({"fetchNews": "false", "checkForUpdates": False}), encoding="utf-8")


def _runs_a_kernel(process: psutil.Process) -> bool:
    try:
        return "ipykernel_launcher" in " ".join(process.cmdline())
    except (psutil.NoSuchProcess, psutil.AccessDenied, psutil.ZombieProcess):
        return False


def _alive(process: psutil.Process) -> bool:
    """Running and not a zombie (an exited child its parent has not reaped yet)."""
    try:
        return process.is_running() and process.status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False


def _processes_naming(folder: Path) -> list[psutil.Process]:
    """Live processes whose command line names ``folder`` (a kernel's connection file lives there)."""
    found = []
    for process in psutil.process_iter(["cmdline", "status"]):
        cmdline = " ".join(process.info["cmdline"] or [])
        if str(folder) in cmdline and process.info["status"] != psutil.STATUS_ZOMBIE:
            found.append(process)
    return found


@pytest.fixture
def lab_root(tmp_path: Path) -> Path:
    """A copy of the notebooks folder, each notebook reading the demo data and writing to tmp.

    The demo raw data are cleaned into a temporary processed folder (a clean CI checkout has
    no ``data/processed``); papermill injects ``processed_dir`` and ``tables_dir`` without
    running anything, and writes one more notebook: the report of one province.
    """
    processed = tmp_path / "processed"
    ensure_clean(config.RAW_DIR, processed)
    root = tmp_path / "notebooks"
    shutil.copytree(config.NOTEBOOKS_DIR, root, ignore=shutil.ignore_patterns(".ipynb_checkpoints"))
    prepared = {name: (name, {}) for name in NOTEBOOKS}
    prepared[TERRITORY_NOTEBOOK] = (TERRITORY_REPORT, {"territorio": TERRITORY})
    for name, (source, extra) in prepared.items():
        parameters = {"processed_dir": str(processed), "tables_dir": str(tmp_path / "tables" / Path(name).stem)}
        papermill.execute_notebook(
            str(config.NOTEBOOKS_DIR / source),
            str(root / name),
            parameters={**parameters, **extra},
            prepare_only=True,
            progress_bar=False,
        )
    return root


@pytest.fixture
def lab_server(tmp_path: Path, lab_root: Path):
    """A running JupyterLab serving ``lab_root``; stopped, and its kernels gone, even if the test fails."""
    server = LabServer(home=tmp_path / "jupyter", root=lab_root)
    kernels: list[psutil.Process] = []
    try:
        server.start()
        yield server
    finally:
        if server.running():
            kernels = server.kernel_processes()
        server.stop()
        for kernel in kernels:  # only if the server could not shut them down itself
            if _alive(kernel):
                kernel.kill()


@pytest.fixture
def browser():
    """Debian's Chromium, headless, driven by Playwright (no browser download)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run"],
        )
        yield chromium
        chromium.close()


@dataclass
class Ran:
    """What a notebook showed after Run All Cells: its cells, as :func:`notebook_state` reads them."""

    cells: list[dict]

    def first_output(self) -> str:
        """The text of the first output: a report's title line."""
        return next(text for cell in self.cells for text in cell["outputs"])


def open_and_run_all(context, server: LabServer, name: str, screenshots: Path) -> Ran:
    """Open ``name`` in Lab, select the project kernel, Run All Cells, check what is shown.

    Raises
    ------
    AssertionError
        Naming the notebook and the cell, with the path of a screenshot of the page.
    """
    from playwright.sync_api import Error as PlaywrightError

    page = context.new_page()
    page.set_default_timeout(LAB_LOAD_MS)
    try:
        page.goto(server.lab_url(name), wait_until="domcontentloaded")
        page.locator(".jp-NotebookPanel .jp-Notebook-ExecutionIndicator").wait_for()
        wait_for_project_kernel(page, server, name)
        cells = notebook_state(page)["cells"]
        ran_before = [c["prompt"] for c in cells if c["type"] == "code" and c["prompt"] != "[ ]:"]
        assert not ran_before, f"cells look already run before Run All: {ran_before}"
        page.get_by_role("menuitem", name="Run", exact=True).click()
        page.get_by_role("menuitem", name="Run All Cells", exact=True).click()
        page.wait_for_function(RUN_FINISHED_JS, timeout=RUN_ALL_MS, polling=500)
        ran = Ran(notebook_state(page)["cells"])
        check_every_cell_ran(ran, nbformat.read(server.root / name, as_version=4))
        check_figure_is_drawn(page)
        return ran
    except (AssertionError, PlaywrightError) as error:
        shot = screenshots / f"{Path(name).stem}.png"
        try:
            scroll_to_first_problem(page)
            page.screenshot(path=str(shot))
        except PlaywrightError:
            shot = "(no screenshot: the page did not answer)"
        raise AssertionError(f"{name}: {error}\nscreenshot: {shot}") from error
    finally:
        page.close()


def wait_for_project_kernel(page, server: LabServer, name: str) -> dict:
    """Wait until the notebook's session has an idle kernel, choosing the project's if Lab asks.

    The committed notebooks name the kernel in their metadata, so Lab starts it directly;
    a notebook without that metadata makes Lab ask in its "Select Kernel" dialog.
    """
    deadline = time.monotonic() + KERNEL_READY_S
    while time.monotonic() < deadline:
        dialog = page.locator(".jp-Dialog")
        if dialog.count() and dialog.locator("select").count():
            dialog.locator("select").select_option(label=KERNEL_DISPLAY_NAME)
            dialog.locator(".jp-Dialog-button.jp-mod-accept").click()  # "Select"
        session = next((s for s in server.api("GET", "/api/sessions") if s["path"] == name), None)
        state = notebook_state(page)
        if session and session["kernel"]["execution_state"] == "idle" and state and state["status"] == "idle":
            assert session["kernel"]["name"] == KERNEL, f"kernel {session['kernel']['name']!r}, not {KERNEL!r}"
            label = page.locator(".jp-NotebookPanel .jp-Toolbar-kernelName").inner_text()
            assert label.strip() == KERNEL_DISPLAY_NAME, f"the toolbar shows the kernel {label!r}"
            return session
        time.sleep(0.5)
    raise AssertionError(f"no idle kernel for the notebook within {KERNEL_READY_S} s")


def notebook_state(page) -> dict | None:
    """Every cell as the page shows it (type, prompt, error and other outputs, h1, figures)."""
    return page.evaluate(NOTEBOOK_STATE_JS)


def check_every_cell_ran(ran: Ran, notebook) -> None:
    """Every code cell has its execution count, in order, and no cell shows an error."""
    assert len(ran.cells) == len(notebook.cells), (
        f"Lab shows {len(ran.cells)} cells, the file has {len(notebook.cells)}"
    )
    count = 0
    for index, (shown, cell) in enumerate(zip(ran.cells, notebook.cells, strict=True), start=1):
        where = f"cell {index} ({cell.source.splitlines()[0] if cell.source else 'empty'!r})"
        assert not shown["errors"], f"{where} shows an error (stderr output):\n{shown['errors'][0]}"
        if cell.cell_type == "code":
            count += 1
            assert shown["prompt"] == f"[{count}]:", f"{where} did not run: prompt {shown['prompt']!r}"
    title = next(c for c in notebook.cells if c.cell_type == "markdown").source.splitlines()[0]
    first_markdown = next(c for c in ran.cells if c["type"] == "markdown")
    assert first_markdown["headings"] == [title.lstrip("# ").strip()], (
        f"first heading: {first_markdown['headings']}, expected {title!r}"
    )


def check_figure_is_drawn(page) -> None:
    """At least one output image, decoded and with a size, as the researcher sees it."""
    figure = page.locator('.jp-NotebookPanel .jp-OutputArea-output img[src^="data:image/"]').first
    assert figure.count(), "no figure in any output"
    figure.scroll_into_view_if_needed()
    drawn = figure.evaluate("img => img.decode().then(() => [img.naturalWidth, img.naturalHeight])")
    assert min(drawn) > 0, f"the first figure is not drawn: {drawn}"


def scroll_to_first_problem(page) -> None:
    """Bring the first cell with an error (or still waiting) into view for the screenshot."""
    state = notebook_state(page) or {"cells": []}
    for index, cell in enumerate(state["cells"]):
        if cell["errors"] or (cell["type"] == "code" and cell["prompt"] in ("[*]:", "[ ]:")):
            page.locator(".jp-NotebookPanel .jp-Cell").nth(index).scroll_into_view_if_needed()
            return


def test_notebooks_run_in_jupyterlab(lab_server, browser, tmp_path):
    """Each notebook and one province's report, run from the Run menu; then the server stops cleanly."""
    screenshots = tmp_path / "screenshots"
    screenshots.mkdir()
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    outside: list[str] = []
    local = lab_server.url + "/"
    context.route(
        "**/*",
        lambda route: (
            route.continue_()
            if route.request.url.startswith((local, "data:", "blob:"))
            else (outside.append(route.request.url), route.abort())
        ),
    )
    problems: list[str] = []
    runs: dict[str, Ran] = {}
    for name in [*NOTEBOOKS, TERRITORY_NOTEBOOK]:
        try:
            runs[name] = open_and_run_all(context, lab_server, name, screenshots)
        except AssertionError as error:
            problems.append(str(error))
    context.close()
    assert not problems, "\n\n".join(problems)
    assert not outside, f"JupyterLab asked the network: {outside}"

    title_line = runs[TERRITORY_NOTEBOOK].first_output()
    assert TERRITORY in title_line, f"the province's report does not name {TERRITORY}: {title_line!r}"
    area_title_line = runs[TERRITORY_REPORT].first_output()
    assert TERRITORY not in area_title_line, f"the committed notebook reports on the area: {area_title_line!r}"
    for name in runs:
        tables = tmp_path / "tables" / Path(name).stem  # the lab_root fixture's tables_dir
        assert any(tables.glob("*.csv")), f"{name}: no table written to its tables_dir in tmp"

    sessions = lab_server.api("GET", "/api/sessions")
    assert sorted(s["path"] for s in sessions) == sorted(runs)
    assert {s["kernel"]["name"] for s in sessions} == {KERNEL}
    kernels = lab_server.api("GET", "/api/kernels")
    assert len(kernels) == len(runs) and {k["name"] for k in kernels} == {KERNEL}
    processes = lab_server.kernel_processes()
    assert len(processes) == len(runs), f"{len(processes)} kernel processes for {len(runs)} notebooks"

    assert lab_server.shutdown() == 0, lab_server.log_tail()
    _, alive = psutil.wait_procs(processes, timeout=15)  # a kernel may take a moment to exit
    left = [p.pid for p in alive if _alive(p)]
    assert not left, f"kernels left running after the server stopped: {left}"
    assert not _processes_naming(lab_server.runtime_dir), "a process still uses the server's runtime folder"
