"""A forked kernel cannot hang: the server forks single-threaded, failed kernels exit, silent ones are replaced.

The hang seen in CI ("Kernel didn't respond in 120 seconds") had this cause: with TCP,
jupyter_client picks five free ports and frees them for the kernel to bind; another process
can take one meanwhile, and a kernel that fails to bind its IOPub port waits forever in
``zmq.Context.term()`` from ipykernel's exit handler (a fresh ``ipykernel_launcher`` does the
same). Reproduction under load: ``benchmarks/stress_forks.py``.
"""

from __future__ import annotations

import asyncio
import os
import socket
import time

import nbformat
import pytest
from jupyter_client.connect import write_connection_file

from palestre_analysis import config
from palestre_analysis.batch.kernels import manager as kernels

pytestmark = pytest.mark.slow

PRELOAD_FIXTURES = os.path.join(os.path.dirname(__file__), "fixtures", "preload")


def one_cell_notebook(path, source="print(6 * 7)"):
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": config.KERNEL_NAME, "language": "python", "display_name": "Python"}
    nb.cells = [nbformat.v4.new_code_cell(source)]
    nbformat.write(nb, path)
    return path


def run(source, dest, manager_class):
    import papermill

    papermill.execute_notebook(
        str(source),
        str(dest),
        kernel_name=config.KERNEL_NAME,
        progress_bar=False,
        cwd=str(os.path.dirname(dest)),
        kernel_manager_class=manager_class,
        shutdown_kernel="immediate",
    )
    return nbformat.read(dest, as_version=4)


def threads_of(pid: int) -> list[str]:
    names = []
    for task in os.listdir(f"/proc/{pid}/task"):
        with open(f"/proc/{pid}/task/{task}/comm", encoding="utf-8") as comm:
            names.append(comm.read().strip())
    return names


def test_the_server_forks_as_its_only_thread(tmp_path):
    """numpy and scipy start OpenBLAS pools and pyarrow a jemalloc thread: none is alive at a fork."""
    with kernels.KernelForkServer() as server:
        del kernels.launch_log[:]
        nb = run(
            one_cell_notebook(tmp_path / "a.ipynb"),
            tmp_path / "out.ipynb",
            kernels.fork_kernel_manager_class(server.address),
        )
        assert [entry["mode"] for entry in kernels.launch_log] == ["fork"], server.log_text()
        assert nb.cells[0].outputs[0].text == "42\n"
        assert threads_of(server._process.pid) == ["python"]
        assert "threads" not in server.log_text()


def test_forked_kernels_talk_over_private_unix_sockets(tmp_path):
    with kernels.KernelForkServer(preload=["IPython", "ipykernel.kernelapp"]) as server:
        manager_class = kernels.fork_kernel_manager_class(server.address)

        async def start_and_look():
            manager = manager_class(kernel_name=config.KERNEL_NAME)
            await manager.start_kernel(cwd=str(tmp_path))
            try:
                info = manager.get_connection_info()
                sockets = sorted(name for name in os.listdir(os.path.dirname(server.address)) if name.startswith("k-"))
                return info, sockets
            finally:
                await manager.shutdown_kernel(now=True)

        info, sockets = asyncio.run(start_and_look())
    assert info["transport"] == "ipc"
    assert os.path.dirname(info["ip"]) == os.path.dirname(server.address)
    assert len(sockets) == 5  # shell, iopub, stdin, control, heartbeat: paths, not ports to race for


def test_a_kernel_that_cannot_bind_its_socket_exits_at_once(tmp_path):
    """Before the fix this child lived on in ``Context.term()``, alive and silent."""
    taken = socket.socket()
    taken.bind(("127.0.0.1", 0))
    taken.listen()
    connection_file = str(tmp_path / "kernel.json")
    write_connection_file(connection_file, iopub_port=taken.getsockname()[1])
    with kernels.KernelForkServer(preload=["IPython", "ipykernel.kernelapp"]) as server:
        argv = [*kernels.kernel_command_prefix(), "-m", "ipykernel_launcher", "-f", connection_file]
        pid = asyncio.run(kernels.request_fork(server.address, argv, dict(os.environ), str(tmp_path)))
        deadline = time.monotonic() + 30  # generous under load; a hung child never goes
        while time.monotonic() < deadline:
            try:
                os.kill(pid, 0)
            except ProcessLookupError:
                break
            time.sleep(0.05)
        else:
            pytest.fail(f"the kernel that could not bind is still alive: {server.log_text()[-800:]}")
        assert "Address already in use" in server.log_text()
    taken.close()


def test_the_server_socket_appears_only_once_it_accepts_connections(tmp_path, monkeypatch):
    """A kernel asked for as soon as the server's socket exists is forked, not refused.

    Seen under load: the client connected between the server's bind and its listen, was
    refused, and the report ran on an ordinary kernel. The fixture makes that window 1 s long.
    """
    monkeypatch.setenv("PYTHONPATH", os.path.join(os.path.dirname(__file__), "fixtures", "slow_listen"))
    with kernels.KernelForkServer(preload=["IPython", "ipykernel.kernelapp"]) as server:
        argv = [*kernels.kernel_command_prefix(), "-m", "ipykernel_launcher", "--help"]
        pid = asyncio.run(kernels.request_fork(server.address, argv, dict(os.environ), str(tmp_path)))
        assert pid > 0


def test_a_silent_fork_is_killed_and_replaced_in_seconds(tmp_path, monkeypatch):
    """A fork that never answers ``kernel_info`` costs ``ready_timeout`` seconds, not 120."""
    monkeypatch.setenv("PYTHONPATH", PRELOAD_FIXTURES)  # the same for server and kernels: a fork is allowed
    with kernels.KernelForkServer(preload=[*kernels.default_preload(), "silent_kernel"]) as server:
        del kernels.launch_log[:]
        nb = run(
            one_cell_notebook(tmp_path / "a.ipynb"),
            tmp_path / "out.ipynb",
            kernels.fork_kernel_manager_class(server.address, ready_timeout=3),
        )
        log = server.log_text()
    assert nb.cells[0].outputs[0].text == "42\n"
    [launch] = kernels.launch_log
    assert launch["mode"] == "fresh", log
    assert (
        launch["reason"].count("non ha risposto a kernel_info entro 3 s: terminato e sostituito")
        == kernels.FORK_ATTEMPTS
    )


def _server_command(monkeypatch, script: str) -> None:
    """Make the fork server's interpreter a shell running ``script`` (its arguments are ignored)."""
    monkeypatch.setattr(kernels, "kernel_command_prefix", lambda name=None: ["sh", "-c", script, "sh"])


def test_a_server_without_a_socket_in_time_is_stopped_and_refused(monkeypatch):
    """``start`` honours its timeout: it does not leave a server preloading on the shared cores."""
    started = []
    popen = kernels.subprocess.Popen
    monkeypatch.setattr(kernels.subprocess, "Popen", lambda *a, **k: started.append(popen(*a, **k)) or started[-1])
    _server_command(monkeypatch, "exec sleep 30")
    server = kernels.KernelForkServer(preload=[], start_timeout=1)
    clock = time.monotonic()
    with pytest.raises(kernels.ForkUnavailable, match="did not open its socket within 1 s"):
        server.start()
    assert time.monotonic() - clock < 10
    assert server._process is None and server.address is None and server._folder is None
    [process] = started
    assert process.poll() is not None, "the server was stopped, not left running"


def test_a_server_that_exits_at_once_is_refused_with_its_last_words(monkeypatch):
    _server_command(monkeypatch, "echo 'ImportError: no module named boom' >&2; exit 3")
    with pytest.raises(kernels.ForkUnavailable, match="exited with code 3: ImportError: no module named boom"):
        with kernels.KernelForkServer(preload=[]):
            pytest.fail("the block must not run without a server")


def test_the_batch_runs_ordinary_kernels_when_the_server_does_not_start(monkeypatch):
    from palestre_analysis.batch import runner

    _server_command(monkeypatch, "exit 1")
    server, note = runner._start_fork_server(config.KERNEL_NAME, [])
    assert server is None and note == "fork server unavailable: fork server exited with code 1"
