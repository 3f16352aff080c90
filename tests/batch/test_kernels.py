"""A forked kernel produces exactly what a fresh kernel produces.

The reference implementation is papermill's default: a new ``python -m ipykernel_launcher``
process per notebook. Every cell's outputs (text, HTML, PNG bytes, errors) and execution
counts must be equal; only papermill's timestamps and durations, which live in metadata,
are left out of the comparison.
"""

from __future__ import annotations

import json
import os

import nbformat
import papermill
import pytest
from papermill.exceptions import PapermillExecutionError

from palestre_analysis import config
from palestre_analysis.batch.kernels import manager as kernels

pytestmark = pytest.mark.slow

FIXTURES = os.path.join(os.path.dirname(__file__), "fixtures")


@pytest.fixture(scope="module")
def server():
    with kernels.KernelForkServer(preload=kernels.default_preload()) as running:
        yield running


@pytest.fixture(scope="module")
def processed(tmp_path_factory, processed_writer):
    return processed_writer(tmp_path_factory.mktemp("processed"))


def execute(source, dest, parameters, *, fork_address=None, cwd=None):
    """Run with papermill; return the executed notebook even when a cell failed."""
    options = {"coalesce_streams": True}  # as the runner does: stream splits depend on flush timing
    if fork_address:
        options.update(
            kernel_manager_class=kernels.fork_kernel_manager_class(fork_address), shutdown_kernel="immediate"
        )
    try:
        papermill.execute_notebook(
            str(source),
            str(dest),
            parameters=parameters,
            kernel_name=config.KERNEL_NAME,
            progress_bar=False,
            cwd=str(cwd or os.path.dirname(dest)),
            **options,
        )
    except PapermillExecutionError:
        pass
    return nbformat.read(dest, as_version=4)


def comparable(nb):
    """Every code cell's execution count and outputs, as canonical JSON."""
    return [
        json.dumps({"count": cell.get("execution_count"), "outputs": cell.get("outputs")}, sort_keys=True)
        for cell in nb.cells
        if cell.cell_type == "code"
    ]


@pytest.mark.parametrize(
    "name, territory",
    [
        ("fx_01_profilo.ipynb", "Brescia"),
        ("fx_02_distribuzioni.ipynb", "Lombardia"),
        ("fx_03_regione.ipynb", "Lombardia"),
        ("fx_errore.ipynb", "Cremona"),
    ],
)
def test_forked_kernel_outputs_equal_fresh_kernel_outputs(tmp_path, server, processed, name, territory):
    parameters = {"territorio": territory, "processed_dir": str(processed)}
    (tmp_path / "fresh").mkdir()
    (tmp_path / "fork").mkdir()
    fresh = execute(
        os.path.join(FIXTURES, name), tmp_path / "fresh" / name, dict(parameters, tables_dir=str(tmp_path / "fresh"))
    )
    del kernels.launch_log[:]
    forked = execute(
        os.path.join(FIXTURES, name),
        tmp_path / "fork" / name,
        dict(parameters, tables_dir=str(tmp_path / "fork")),
        fork_address=server.address,
    )
    assert [entry["mode"] for entry in kernels.launch_log] == ["fork"], server.log_text()
    fresh_cells, forked_cells = comparable(fresh), comparable(forked)
    # tables_dir differs on purpose between the two runs: it only appears in the injected parameters cell
    assert len(fresh_cells) == len(forked_cells)
    for index, (a, b) in enumerate(zip(fresh_cells, forked_cells)):
        assert a == b, f"cell {index} differs"
    assert any('"image/png"' in cell for cell in forked_cells) or name == "fx_errore.ipynb"
    assert fresh.metadata.language_info == forked.metadata.language_info
    for table in os.listdir(tmp_path / "fresh"):
        if table.endswith(".csv"):
            assert (tmp_path / "fresh" / table).read_bytes() == (tmp_path / "fork" / table).read_bytes()


#: The user namespace of a new IPython kernel, before any cell (the reference: a fresh kernel).
BASELINE_NAMES = str(["In", "Out", "exit", "get_ipython", "open", "quit"])


def probe_notebook(path):
    """Cells that show the state a kernel starts with."""
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": config.KERNEL_NAME, "language": "python", "display_name": "Python"}
    nb.cells = [
        nbformat.v4.new_code_cell(source)
        for source in (
            'print(sorted(name for name in dir() if not name.startswith("_")))',
            "import os, sys, warnings, signal\n"
            "print(os.path.basename(sys.argv[0]), sys.argv[1], sys.argv[3:], sys.path.index(''))\n"
            "print(os.getcwd(), os.environ.get('MPLBACKEND'), 'JPY_PARENT_PID' in os.environ)\n"
            "print(signal.getsignal(signal.SIGCHLD), signal.getsignal(signal.SIGTERM), os.getpgid(0) == os.getpid())\n"
            "print(sys.stdin.read() == '')",
            "import numpy, pandas, scipy.stats, matplotlib.pyplot, seaborn\n"
            "print([(f[0], getattr(f[1], 'pattern', f[1]), f[2].__name__, getattr(f[3], 'pattern', f[3]))\n"
            "       for f in warnings.filters])",
            "get_ipython().execution_count",
            "import matplotlib\nprint(matplotlib.get_backend(), matplotlib.is_interactive())",
        )
    ]
    nbformat.write(nb, path)
    return path


def test_a_forked_kernel_starts_as_a_fresh_one(tmp_path, server):
    source = probe_notebook(tmp_path / "probe.ipynb")
    fresh = execute(source, tmp_path / "fresh.ipynb", {}, cwd=tmp_path)
    forked = execute(source, tmp_path / "fork.ipynb", {}, fork_address=server.address, cwd=tmp_path)
    assert comparable(fresh) == comparable(forked)
    assert forked.cells[0].outputs[0].text.strip() == BASELINE_NAMES  # nothing preloaded leaks


def test_forked_kernels_do_not_share_numpy_random_state(tmp_path, server):
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": config.KERNEL_NAME, "language": "python", "display_name": "Python"}
    nb.cells = [nbformat.v4.new_code_cell("import numpy as np\nprint(np.random.random())")]
    nbformat.write(nb, tmp_path / "random.ipynb")
    draws = {
        execute(tmp_path / "random.ipynb", tmp_path / f"r{i}.ipynb", {}, fork_address=server.address)
        .cells[0]
        .outputs[0]
        .text
        for i in range(2)
    }
    assert len(draws) == 2


def test_a_different_startup_environment_gets_an_ordinary_kernel(tmp_path, server, monkeypatch):
    source = probe_notebook(tmp_path / "probe.ipynb")
    monkeypatch.setenv("PYTHONHASHSEED", "123")  # read when the interpreter starts: a fork cannot honour it
    del kernels.launch_log[:]
    nb = execute(source, tmp_path / "out.ipynb", {}, fork_address=server.address, cwd=tmp_path)
    assert kernels.launch_log[0]["mode"] == "fresh"
    assert "PYTHONHASHSEED" in kernels.launch_log[0]["reason"]
    assert nb.cells[0].outputs[0].text.strip() == BASELINE_NAMES


def test_an_unreachable_server_gets_an_ordinary_kernel(tmp_path):
    source = probe_notebook(tmp_path / "probe.ipynb")
    del kernels.launch_log[:]
    nb = execute(source, tmp_path / "out.ipynb", {}, fork_address=str(tmp_path / "no.sock"), cwd=tmp_path)
    assert kernels.launch_log[0]["mode"] == "fresh" and "unreachable" in kernels.launch_log[0]["reason"]
    assert nb.cells[0].outputs[0].text.strip() == BASELINE_NAMES


def test_closing_the_server_ends_its_kernels(tmp_path):
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": config.KERNEL_NAME, "language": "python", "display_name": "Python"}
    nb.cells = [nbformat.v4.new_code_cell("import os\nprint(os.getpid())")]
    nbformat.write(nb, tmp_path / "pid.ipynb")
    with kernels.KernelForkServer(preload=["IPython", "ipykernel.kernelapp"]) as small:
        manager_class = kernels.fork_kernel_manager_class(small.address)
        # a kernel left running on purpose: papermill is not told to shut it down
        import asyncio

        async def start():
            manager = manager_class(kernel_name=config.KERNEL_NAME)
            await manager.start_kernel(cwd=str(tmp_path))
            return manager.provisioner.forked_pid

        pid = asyncio.run(start())
        os.kill(pid, 0)  # alive
    with pytest.raises(ProcessLookupError):
        for _ in range(100):
            os.kill(pid, 0)
            import time

            time.sleep(0.05)


@pytest.fixture(scope="module")
def demo_processed(tmp_path_factory):
    from palestre_analysis.ingest.build import clean

    out = tmp_path_factory.mktemp("demo_processed")
    clean(config.RAW_DIR, out)
    return out


@pytest.mark.parametrize(
    "name, territory",
    [
        ("02_risorse_esigenze.ipynb", "Cremona"),
        ("01_rete_partecipazione.ipynb", "Pavia"),
    ],
)
def test_real_notebooks_give_fresh_kernel_outputs_when_forked(tmp_path, server, demo_processed, name, territory):
    """The project's own notebooks, on the demo data: figures, tables and prose byte for byte."""
    source = config.NOTEBOOKS_DIR / name
    results = {}
    for way, address in (("fresh", None), ("fork", server.address)):
        folder = tmp_path / way
        folder.mkdir()
        parameters = {"territorio": territory, "processed_dir": str(demo_processed), "tables_dir": str(folder / "t")}
        results[way] = execute(source, folder / name, parameters, fork_address=address)
        assert not any(o.get("output_type") == "error" for c in results[way].cells for o in c.get("outputs", []))
    fresh, fork = comparable(results["fresh"]), comparable(results["fork"])
    assert len(fresh) == len(fork) and fresh == fork
    fresh_tables = {p.name: p.read_bytes() for p in (tmp_path / "fresh" / "t").iterdir()}
    fork_tables = {p.name: p.read_bytes() for p in (tmp_path / "fork" / "t").iterdir()}
    assert fresh_tables and fresh_tables == fork_tables


def test_a_forked_kernel_that_never_answers_is_replaced_in_seconds(tmp_path, processed):
    """A stand-in fork server hands out the pid of a process that is no kernel at all: each such
    "fork" is killed after ``FORK_READY_TIMEOUT`` seconds, and the report is produced by an ordinary
    kernel that says why (seen in CI as a fork that hung for 120 s)."""
    import socket
    import subprocess
    import threading

    from palestre_analysis.batch.execute import ReportJob, execute_report
    from palestre_analysis.batch.layout import report_paths

    sleepers = []
    address = str(tmp_path / "fake.sock")
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(address)
    listener.listen()

    def serve():
        while True:
            try:
                conn, _ = listener.accept()
            except OSError:
                return
            with conn:
                conn.recv(1 << 20)
                sleepers.append(subprocess.Popen(["sleep", "600"], start_new_session=True))
                conn.sendall(json.dumps({"pid": sleepers[-1].pid}).encode() + b"\n")

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        reports = tmp_path / "reports"
        paths = report_paths(reports, "brescia", "fx_01_profilo")
        job = ReportJob(
            key="brescia/fx_01_profilo",
            territory="Brescia",
            slug="brescia",
            title="Profilo",
            notebook_path=os.path.join(FIXTURES, "fx_01_profilo.ipynb"),
            reports_dir=str(reports),
            parameters={
                "territorio": "Brescia",
                "processed_dir": str(processed),
                "tables_dir": str(paths.staging_tables),
            },
            kernel_name=config.KERNEL_NAME,
            fork_address=address,
        )
        outcome = execute_report(job)
    finally:
        listener.close()
        left_alive = [sleeper.pid for sleeper in sleepers if sleeper.poll() is None]
        for sleeper in sleepers:
            sleeper.kill()
            sleeper.wait()
    assert outcome.status == "ok", outcome.error
    assert outcome.kernel == "fresh"
    assert (
        outcome.kernel_note.count(
            f"non ha risposto a kernel_info entro {kernels.FORK_READY_TIMEOUT:g} s: terminato e sostituito"
        )
        == kernels.FORK_ATTEMPTS
    )
    assert len(sleepers) == kernels.FORK_ATTEMPTS
    assert left_alive == []  # the provisioner killed each silent "kernel"
    assert paths.html.is_file()


def test_a_report_that_ends_after_the_batch_was_interrupted_publishes_nothing(tmp_path, processed, monkeypatch):
    """On Ctrl-C nbclient shuts the kernel down and the report fails: that failure must not replace
    the last good report. The worker sees the batch's stop event and publishes nothing."""
    import multiprocessing

    from palestre_analysis.batch import execute
    from palestre_analysis.batch.execute import ReportJob, execute_report
    from palestre_analysis.batch.layout import report_paths

    stop = multiprocessing.get_context("forkserver").Event()
    monkeypatch.setattr(execute, "_STOP", None)
    execute.watch_for_stop(stop)
    reports = tmp_path / "reports"
    paths = report_paths(reports, "brescia", "fx_01_profilo")
    job = ReportJob(
        key="brescia/fx_01_profilo",
        territory="Brescia",
        slug="brescia",
        title="Profilo",
        notebook_path=os.path.join(FIXTURES, "fx_01_profilo.ipynb"),
        reports_dir=str(reports),
        parameters={"territorio": "Brescia", "processed_dir": str(processed), "tables_dir": str(paths.staging_tables)},
        kernel_name=config.KERNEL_NAME,
    )
    assert execute_report(job).status == "ok" and paths.html.is_file()
    published = {p: p.read_bytes() for p in reports.rglob("*") if p.is_file()}
    stop.set()
    outcome = execute_report(job)
    assert (outcome.status, outcome.error) == ("failed", "interrotto")
    assert {p: p.read_bytes() for p in reports.rglob("*") if p.is_file()} == published
    assert not paths.staging.exists()
