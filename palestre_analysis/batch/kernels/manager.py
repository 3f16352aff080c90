"""Fresh kernels in milliseconds: fork them from a process that already imported the libraries.

Starting a kernel and importing pandas, scipy and seaborn in it takes seconds on a slow
machine, for every notebook. :class:`KernelForkServer` starts one process (the kernel's
own interpreter and flags) that imports those modules once; each notebook then gets a
child of it, forked before any zmq context or thread exists, that starts an
``IPKernelApp`` on the connection file jupyter_client wrote. Nothing of the user's
namespace exists before the fork, so the kernel is the one ``python -m ipykernel_launcher``
would start, only with its imports already cached (see ``_forkserver`` for what is reset
and what is checked).

papermill accepts a ``kernel_manager_class`` (it goes to nbclient): the class that
:func:`fork_kernel_manager_class` builds starts its kernel through :class:`ForkProvisioner`,
which asks the server for a fork and falls back to an ordinary ``Popen`` kernel whenever the
server cannot give an exact one (see papermill issues #326 and #583 on kernel reuse).
"""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import signal
import subprocess
import tempfile
import time
from pathlib import Path

from palestre_analysis import config
from palestre_analysis.batch.kernels.server import process_running

__all__ = [
    "THIRD_PARTY_PRELOAD",
    "library_modules",
    "notebook_imports",
    "default_preload",
    "kernel_command_prefix",
    "KernelForkServer",
    "ForkUnavailable",
    "request_fork",
    "fork_kernel_manager_class",
    "launch_log",
    "FORK_READY_TIMEOUT",
    "FORK_ATTEMPTS",
    "SERVER_START_TIMEOUT",
]

#: Imported once by the fork server, in this order (a missing one is skipped).
THIRD_PARTY_PRELOAD = (
    "IPython",
    "ipykernel.kernelapp",
    "ipykernel.ipkernel",
    "ipykernel.zmqshell",
    "ipykernel.debugger",
    "IPython.core.debugger",
    "IPython.core.completerlib",
    "IPython.core.oinspect",
    "IPython.extensions.storemagic",
    "tornado.platform.asyncio",
    "sqlite3",
    "psutil",
    "numpy",
    "pandas",
    "pyarrow.parquet",
    "scipy.stats",
    "matplotlib",
    "matplotlib.pyplot",
    "seaborn",
    "networkx",
    "krippendorff",
)
#: Library modules never preloaded: the batch machinery and the command line.
_NOT_PRELOADED = ("palestre_analysis.batch", "palestre_analysis.cli", "palestre_analysis.__main__")

#: One entry per kernel start in this process:
#: ``{"mode": "fork"|"fresh", "reason": ... or None, "pid": ..., "ready_s": ...}``.
launch_log: list[dict] = []

#: Seconds a forked kernel has to answer its first ``kernel_info``. Unloaded it answers in
#: about 0.4 s; a fork that is still silent after this is killed and replaced at once.
FORK_READY_TIMEOUT = 10.0
#: Forks tried for one kernel before an ordinary kernel is started instead.
FORK_ATTEMPTS = 2
#: Seconds the fork server may take to open its socket (it does so before preloading).
SERVER_START_TIMEOUT = 30.0
#: Seconds to wait for a killed kernel to be gone (as jupyter_client's own kill waits 5 s).
_KILL_WAIT_S = 5.0


class ForkUnavailable(RuntimeError):
    """The fork server cannot give this kernel; an ordinary one is started instead."""


def library_modules(package_dir: Path | None = None) -> list[str]:
    """Dotted names of the library's modules, found on disk without importing them.

    Parameters
    ----------
    package_dir : Path, optional
        The package's folder; ``config.PACKAGE_DIR`` by default. Names start with its
        folder name.

    Returns
    -------
    list of str
        Every ``.py`` file as a module name (a package's ``__init__`` as the package), sorted
        by path, without the batch machinery and the command line (never preloaded).

    Examples
    --------
    >>> mods = library_modules()
    >>> "palestre_analysis.config" in mods, any(m.startswith("palestre_analysis.batch") for m in mods)
    (True, False)
    """
    package_dir = Path(package_dir or config.PACKAGE_DIR)
    names = []
    for path in sorted(package_dir.rglob("*.py")):
        parts = path.relative_to(package_dir.parent).with_suffix("").parts
        if "__pycache__" in parts:
            continue
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        if not name.startswith(_NOT_PRELOADED):
            names.append(name)
    return names


def notebook_imports(paths) -> list[str]:
    """Modules the code cells of the notebooks at ``paths`` import, in order of appearance.

    ``from a import b`` yields ``a`` and ``a.b`` (``b`` may be a submodule). IPython magics
    and shell lines are ignored; a cell that is not valid Python is skipped; a missing or
    unreadable notebook imports nothing. Relative imports (``from . import x``) are ignored.

    Parameters
    ----------
    paths : iterable of Path or str
        Notebook files (read as JSON, without nbformat).

    Returns
    -------
    list of str
        Dotted names without repetitions, imports anywhere in a cell included (inside a
        function too).

    Examples
    --------
    >>> import json, tempfile
    >>> notebook = Path(tempfile.mkdtemp()) / "n.ipynb"
    >>> cells = [{"cell_type": "code", "source": ["%matplotlib inline\\n", "import pandas as pd\\n",
    ...                                            "from palestre_analysis.report import plots"]},
    ...          {"cell_type": "markdown", "source": "import os"},
    ...          {"cell_type": "code", "source": "import numpy, pandas"}]
    >>> _ = notebook.write_text(json.dumps({"cells": cells}), encoding="utf-8")
    >>> notebook_imports([notebook, notebook.with_name("missing.ipynb")])
    ['pandas', 'palestre_analysis.report', 'palestre_analysis.report.plots', 'numpy']
    """
    import ast

    found: dict[str, None] = {}
    for path in paths:
        try:
            cells = json.loads(Path(path).read_text(encoding="utf-8")).get("cells", [])
        except (OSError, ValueError):
            continue
        for cell in cells:
            if cell.get("cell_type") != "code":
                continue
            source = cell.get("source", "")
            source = "".join(source) if isinstance(source, list) else source
            lines = [line for line in source.splitlines() if not line.lstrip().startswith(("%", "!"))]
            try:
                tree = ast.parse("\n".join(lines))
            except SyntaxError:
                continue
            for node in ast.walk(tree):
                if isinstance(node, ast.Import):
                    found.update((alias.name, None) for alias in node.names)
                elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                    found[node.module] = None
                    found.update((f"{node.module}.{alias.name}", None) for alias in node.names)
    return list(found)


def default_preload(notebook_paths=()) -> list[str]:
    """What the fork server imports: :data:`THIRD_PARTY_PRELOAD`, then the library.

    Library modules are those the notebooks import (all of them when no notebook is
    given); the batch machinery is never preloaded. Other modules the notebooks import are
    left to the kernel: only modules whose import was checked to leave a fresh kernel
    unchanged are preloaded.

    Parameters
    ----------
    notebook_paths : sequence of Path or str
        The batch's notebooks; empty: every library module.

    Returns
    -------
    list of str
        Module names in import order: :data:`THIRD_PARTY_PRELOAD`, then the library's
        (in the notebooks' order of import, or sorted when no notebook is given).

    Examples
    --------
    >>> default_preload()[:2]
    ['IPython', 'ipykernel.kernelapp']
    """
    library = set(library_modules())
    if notebook_paths:
        wanted = [m for m in notebook_imports(notebook_paths) if m in library]
    else:
        wanted = sorted(library)
    return [*THIRD_PARTY_PRELOAD, *wanted]


def kernel_command_prefix(kernel_name: str = config.KERNEL_NAME) -> list[str]:
    """Interpreter and flags of a kernelspec: its ``argv`` before ``-m ipykernel_launcher``.

    Parameters
    ----------
    kernel_name : str
        Name of an installed kernelspec (``config.KERNEL_NAME`` by default).

    Returns
    -------
    list of str
        E.g. ``["/path/to/python"]``, or the interpreter followed by its flags.

    Raises
    ------
    ForkUnavailable
        When the kernelspec does not start ``ipykernel_launcher`` with ``-m``. An unknown
        kernelspec raises jupyter_client's ``NoSuchKernel``.
    """
    from jupyter_client.kernelspec import KernelSpecManager

    argv = KernelSpecManager().get_kernel_spec(kernel_name).argv
    for index in range(len(argv) - 1):
        if argv[index] == "-m" and argv[index + 1] == "ipykernel_launcher":
            return list(argv[:index])
    raise ForkUnavailable(f"the kernelspec {kernel_name!r} does not run `-m ipykernel_launcher`: {argv!r}")


class KernelForkServer:
    """A process that imports the heavy modules once and forks a fresh kernel per notebook.

    Use it as a context manager around a batch; pass :attr:`address` to the workers, which
    build their kernel manager with :func:`fork_kernel_manager_class`.

    Parameters
    ----------
    kernel_name : str
        Kernelspec whose interpreter and flags the server (hence every kernel) uses.
    preload : sequence of str, optional
        Modules to import once; :func:`default_preload` by default.
    start_timeout : float
        Seconds :meth:`start` waits for the server's socket (:data:`SERVER_START_TIMEOUT`).

    Examples
    --------
    A batch holds one server; each notebook gets its own forked kernel::

        with KernelForkServer() as server:
            manager = fork_kernel_manager_class(server.address)
            papermill.execute_notebook(src, dest, kernel_manager_class=manager)
    """

    def __init__(
        self,
        kernel_name: str = config.KERNEL_NAME,
        preload: list[str] | None = None,
        start_timeout: float = SERVER_START_TIMEOUT,
    ):
        self.kernel_name = kernel_name
        self.preload = list(preload) if preload is not None else default_preload()
        self.start_timeout = start_timeout
        self.address: str | None = None
        self._process: subprocess.Popen | None = None
        self._folder: str | None = None

    def start(self) -> KernelForkServer:
        """Start the server (it preloads in the background) and return ``self``.

        The server opens its socket before it preloads, in about a second; ``start`` waits
        for it at most :attr:`start_timeout` seconds. A server that exits first, or is
        still without a socket then, is stopped and its folder removed: the batch then runs
        ordinary kernels, instead of competing for the cores with a server that may never
        serve.

        Returns
        -------
        KernelForkServer
            ``self``, with :attr:`address` set, its socket accepting connections.

        Raises
        ------
        ForkUnavailable
            When the kernelspec does not run ``-m ipykernel_launcher``
            (:func:`kernel_command_prefix`), when the server exited before opening its
            socket (the message ends with its last log line), or when it had not opened it
            within :attr:`start_timeout` seconds.
        """
        prefix = kernel_command_prefix(self.kernel_name)
        # a Unix socket path has at most 107 bytes: a long TMPDIR falls back to /tmp
        base = None if len(tempfile.gettempdir()) <= 50 else "/tmp"
        self._folder = tempfile.mkdtemp(prefix="palestre-fork-", dir=base)
        self.address = os.path.join(self._folder, "fork.sock")
        payload = json.dumps(
            {"socket": self.address, "prefix": prefix, "preload": self.preload, "folder": self._folder}
        )
        with open(os.path.join(self._folder, "server.log"), "wb") as log:
            self._process = subprocess.Popen(
                [*prefix, "-m", "palestre_analysis.batch.kernels.server", payload],
                stdin=subprocess.PIPE,
                stdout=subprocess.DEVNULL,
                stderr=log,
                cwd=self._folder,
            )
        process = self._process
        ready = _wait_for(lambda: os.path.exists(self.address) or process.poll() is not None, self.start_timeout)
        if ready and os.path.exists(self.address):
            return self
        if ready:  # it exited before opening its socket
            lines = self.log_text().strip().splitlines()
            reason = f"fork server exited with code {process.returncode}" + (f": {lines[-1]}" if lines else "")
        else:
            reason = f"fork server did not open its socket within {self.start_timeout:g} s"
            process.kill()  # it forked no kernel yet: nothing to wait for
            process.wait()
        self.close()
        self.address = None
        raise ForkUnavailable(reason)

    def log_text(self) -> str:
        """What the server wrote on its standard error (preload problems, kernel crashes).

        Returns
        -------
        str
            The log's text, or ``""`` before :meth:`start`, after :meth:`close` or when it
            cannot be read.
        """
        if not self._folder:
            return ""
        try:
            return Path(self._folder, "server.log").read_text(encoding="utf-8", errors="replace")
        except OSError:
            return ""

    def close(self) -> None:
        """Stop the server; it kills the kernels it forked. Safe to call twice."""
        process, self._process = self._process, None
        if process is not None:
            try:
                process.stdin.close()
                process.wait(timeout=10)
            except (OSError, subprocess.TimeoutExpired):
                process.kill()
                process.wait()
        if self._folder:
            shutil.rmtree(self._folder, ignore_errors=True)
            self._folder = None

    def __enter__(self) -> KernelForkServer:
        return self.start()

    def __exit__(self, *exc_info) -> None:
        self.close()


def _wait_for(condition, timeout: float, step: float = 0.01) -> bool:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(step)
    return True


async def request_fork(address: str, argv: list[str], env: dict, cwd: str, timeout: float = 120) -> int:
    """Ask the fork server at ``address`` for a kernel; return its process id.

    The first requests of a batch wait while the server is still preloading (seconds, more
    on a loaded machine), hence the long ``timeout``; once it serves, it answers in
    milliseconds. Whether the kernel then answers is checked separately, in seconds.

    Parameters
    ----------
    address : str
        The server's Unix socket (:attr:`KernelForkServer.address`).
    argv : list of str
        The kernel's command line, as jupyter_client built it (connection file included).
    env : dict
        The kernel's environment variables.
    cwd : str
        The kernel's working folder.
    timeout : float
        Seconds to wait for the connection, and then for the answer.

    Returns
    -------
    int
        Process id of the forked kernel.

    Raises
    ------
    ForkUnavailable
        When the server is not there, refuses (its reason is the message), or is too slow.

    Examples
    --------
    >>> import asyncio
    >>> asyncio.run(request_fork("/nonexistent/fork.sock", ["python"], {}, "/"))  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    palestre_analysis.batch.kernels.manager.ForkUnavailable: fork server unreachable: FileNotFoundError(...)
    """
    message = json.dumps({"argv": argv, "env": env, "cwd": cwd}).encode("utf-8") + b"\n"
    try:
        reader, writer = await asyncio.wait_for(asyncio.open_unix_connection(address), timeout)
        try:
            writer.write(message)
            await writer.drain()
            answer = json.loads(await asyncio.wait_for(reader.readline(), timeout) or b"{}")
        finally:
            writer.close()
    except (TimeoutError, OSError, ValueError) as exc:
        raise ForkUnavailable(f"fork server unreachable: {exc!r}") from exc
    if "pid" not in answer:
        raise ForkUnavailable(answer.get("error", "the fork server gave no process id"))
    return int(answer["pid"])


def fork_kernel_manager_class(address: str, ready_timeout: float | None = None):
    """An ``AsyncKernelManager`` subclass whose kernels come from the server at ``address``.

    Pass it to ``papermill.execute_notebook(..., kernel_manager_class=...)``.

    Kernel and client talk over Unix sockets in the server's private folder (jupyter's
    ``ipc`` transport), not TCP: with TCP, jupyter_client picks five free ports and frees them
    for the kernel to bind, and another process can take one meanwhile (measured: about one
    kernel start in 400 with two workers); a kernel that then fails to bind its IOPub port
    never exits (ipykernel waits in ``zmq.Context.term``) and never answers. Socket paths are
    named after the kernel id, so no two kernels can meet.

    Parameters
    ----------
    address : str
        Socket of a running :class:`KernelForkServer`.
    ready_timeout : float, optional
        Seconds a forked kernel has to answer ``kernel_info`` (:data:`FORK_READY_TIMEOUT`).

    Returns
    -------
    type
        The kernel manager class (``ForkKernelManager``, a subclass of
        ``jupyter_client.manager.AsyncKernelManager``); its ``fork_address`` is ``address``.
        Building it starts nothing.

    Examples
    --------
    >>> manager_class = fork_kernel_manager_class("/tmp/palestre-fork-x/fork.sock")
    >>> manager_class.__name__, manager_class.fork_address
    ('ForkKernelManager', '/tmp/palestre-fork-x/fork.sock')
    """
    from jupyter_client.manager import AsyncKernelManager

    provisioner_class = _provisioner_class()
    folder = os.path.dirname(address)
    # a Unix socket path has at most 107 bytes; a server folder too deep keeps TCP
    transport = "ipc" if len(os.path.join(folder, "k-123456789012-10")) <= 100 else "tcp"

    class ForkKernelManager(AsyncKernelManager):
        fork_address = address

        def __init__(self, *args, **kwargs):
            kwargs.setdefault("transport", transport)
            super().__init__(*args, **kwargs)

        async def _async_pre_start_kernel(self, **kw):
            if self.provisioner is None:
                self.kernel_id = self.kernel_id or kw.pop("kernel_id", None) or _new_id()
                self.provisioner = provisioner_class(
                    kernel_id=self.kernel_id, kernel_spec=self.kernel_spec, parent=self
                )
                self.provisioner.fork_address = self.fork_address
                self.provisioner.ready_timeout = ready_timeout or FORK_READY_TIMEOUT
            if self.transport == "ipc":
                self.ip = os.path.join(folder, f"k-{self.kernel_id[:12]}")  # short: a socket path has 107 bytes
            return await super()._async_pre_start_kernel(**kw)

    return ForkKernelManager


async def _first_kernel_info(manager, timeout: float) -> str | None:
    """Wait for the kernel's first ``kernel_info`` reply; ``None``, or why it did not come.

    The same handshake nbclient makes (reply on shell, then a message on IOPub), only with a
    deadline of seconds instead of its start-up timeout of minutes.
    """
    client = manager.client()
    try:
        client.start_channels()
        await client.wait_for_ready(timeout=timeout)
    except RuntimeError as exc:
        died = "died" in str(exc)
        return "è terminato prima di rispondere" if died else f"non ha risposto a kernel_info entro {timeout:g} s"
    except Exception as exc:  # zmq out of file descriptors, say: this fork is not usable either
        return f"non è raggiungibile ({type(exc).__name__}: {exc})"
    finally:
        client.stop_channels()
    return None


def _new_id() -> str:
    import uuid

    return str(uuid.uuid4())


_PROVISIONER = None


def _provisioner_class():
    """Build :class:`ForkProvisioner` on first use (it subclasses a jupyter_client class)."""
    global _PROVISIONER
    if _PROVISIONER is None:
        from jupyter_client.provisioning import LocalProvisioner

        class ForkProvisioner(LocalProvisioner):
            """A ``LocalProvisioner`` whose process is a fork of the server, not a ``Popen``."""

            fork_address: str | None = None
            forked_pid: int | None = None
            ready_timeout: float = FORK_READY_TIMEOUT

            @property
            def has_process(self) -> bool:
                return self.forked_pid is not None or super().has_process

            async def launch_kernel(self, cmd, **kwargs):
                env = dict(kwargs.get("env") or os.environ)
                env["JPY_PARENT_PID"] = str(os.getpid())  # as jupyter_client's launch_kernel does
                cwd = str(kwargs.get("cwd") or os.getcwd())
                reasons = []
                for _ in range(FORK_ATTEMPTS):
                    try:
                        pid = await request_fork(self.fork_address, list(cmd), env, cwd)
                    except ForkUnavailable as exc:
                        reasons.append(str(exc))
                        break
                    self.forked_pid = self.pid = self.pgid = pid
                    self.cwd = cwd
                    clock = time.monotonic()
                    try:
                        silence = await _first_kernel_info(self.parent, self.ready_timeout)
                    except BaseException:  # cancelled: no fork is left behind
                        await self.kill()
                        raise
                    if silence is None:
                        launch_log.append(
                            {
                                "mode": "fork",
                                "reason": "; ".join(reasons) or None,
                                "pid": pid,
                                "ready_s": round(time.monotonic() - clock, 3),
                            }
                        )
                        return self.connection_info
                    await self.kill()
                    await self.wait()
                    if getattr(self.parent, "shutting_down", False):
                        # nbclient shuts the kernel down on SIGINT/SIGTERM, maybe during the wait:
                        # an interrupted start gets no replacement, which nobody would wait for
                        raise RuntimeError(f"avvio del kernel interrotto (pid {pid} {silence})")
                    reasons.append(f"il kernel ottenuto per fork (pid {pid}) {silence}: terminato e sostituito")
                launch_log.append({"mode": "fresh", "reason": "; ".join(reasons)})
                if self.parent is not None and self.parent.transport == "ipc":
                    # the sockets live in the server's folder, gone if the server died
                    os.makedirs(os.path.dirname(self.parent.ip), mode=0o700, exist_ok=True)
                return await super().launch_kernel(cmd, **kwargs)

            async def poll(self):
                if self.forked_pid is None:
                    return await super().poll()
                return None if process_running(self.forked_pid) else 0

            async def wait(self):
                if self.forked_pid is None:
                    return await super().wait()
                deadline = time.monotonic() + _KILL_WAIT_S
                while await self.poll() is None and time.monotonic() < deadline:
                    await asyncio.sleep(0.02)
                self.forked_pid = None
                return 0

            async def send_signal(self, signum):
                if self.forked_pid is None:
                    return await super().send_signal(signum)
                try:
                    os.killpg(self.forked_pid, signum)  # a fork leads its own session
                    return
                except OSError:
                    pass
                try:
                    os.kill(self.forked_pid, signum)
                except ProcessLookupError:
                    pass

            async def kill(self, restart=False):
                if self.forked_pid is None:
                    return await super().kill(restart=restart)
                await self.send_signal(signal.SIGKILL)

            async def terminate(self, restart=False):
                if self.forked_pid is None:
                    return await super().terminate(restart=restart)
                await self.send_signal(signal.SIGTERM)

        _PROVISIONER = ForkProvisioner
    return _PROVISIONER
