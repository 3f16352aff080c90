"""The kernel fork server: import the heavy modules once, then fork one fresh kernel per notebook.

Started by :class:`palestre_analysis.batch.kernels.manager.KernelForkServer` as::

    <kernel python> <kernel flags> -m palestre_analysis.batch.kernels.server CONFIG_JSON

with the interpreter and flags of the kernelspec, so that a forked kernel runs the same
interpreter a fresh one would. It binds a Unix socket, imports the modules to preload,
checks that importing them left nothing behind that a fresh kernel would not have
(no zmq context, no matplotlib backend, no warning shown, unchanged rcParams), then serves
one JSON request per connection::

    {"argv": [...kernel command...], "env": {...}, "cwd": "..."}

For each request it forks a child that becomes exactly what ``python -m ipykernel_launcher
-f CONNECTION_FILE`` would be (argv, environment, working folder, session, signals, stdin),
starts an ``IPKernelApp`` on the connection file jupyter_client prepared, and answers
``{"pid": PID}``. When the preload is not safe it answers ``{"error": "..."}`` and the
client starts an ordinary kernel instead.

The server ends when its standard input closes (the batch ended or died) and kills its
kernels; kernels also die with the server (``PR_SET_PDEATHSIG``).

Fork safety. The server forks only while it is the single thread of its process (checked
in ``/proc/self/task`` before every fork, native threads included): pyarrow's jemalloc is
told not to start its background thread, and the OpenBLAS pools that numpy and scipy start
on import are shut down after preloading (they restart lazily in a kernel, as after any
fork). A kernel whose start fails exits at once instead of waiting in ipykernel's exit
handler, and the client kills a fork that does not answer ``kernel_info`` within seconds
(see :mod:`palestre_analysis.batch.kernels.manager`).
"""

from __future__ import annotations

import importlib
import importlib.util
import json
import os
import select
import shutil
import signal
import socket
import sys
import threading
import traceback

__all__ = ["main", "process_running"]

#: Environment variables read when the interpreter or a preloaded module starts: a request
#: whose environment differs from the server's on one of them cannot reuse the preload.
_STARTUP_PREFIXES = (
    "PYTHON",
    "LD_",
    "OMP_",
    "OPENBLAS_",
    "MKL_",
    "NUMEXPR_",
    "MPL",
    "LANG",
    "LC_",
    "HOME",
    "XDG_",
    "TZ",
    "JUPYTER_",
    "IPYTHON",
)
#: Set by jupyter_client for every kernel; they may differ between requests.
_PER_KERNEL = ("JPY_PARENT_PID", "JPY_SESSION_NAME", "JPY_INTERRUPT_EVENT")
_INLINE_BACKEND = "module://matplotlib_inline.backend_inline"
#: Seconds a kernel's exit handlers may take before the process ends anyway.
_EXIT_GRACE_S = 10
#: Set in the server only, before preloading: no allocator starts a background thread.
_NO_NATIVE_THREADS_ENV = {"JE_ARROW_MALLOC_CONF": "background_thread:false"}


def main(argv: list[str] | None = None) -> int:
    """Run the server; ``argv`` holds one JSON object (socket, prefix, preload, folder)."""
    config = json.loads((argv if argv is not None else sys.argv[1:])[0])
    _drop_cwd_from_path()
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    # The client waits for the socket's file: it must appear only once connections are
    # accepted. Bound under its final name, it would exist before listen(), and a client
    # connecting in between (seen under load) was refused and got an ordinary kernel.
    pending = config["socket"] + ".new"
    listener.bind(pending)
    listener.listen(128)
    os.rename(pending, config["socket"])
    startup_env = dict(os.environ)
    # Read by pyarrow's bundled jemalloc when libarrow loads (``import pandas`` loads it): its
    # background purging thread would otherwise live in the server and be forked mid-lock.
    # Kernels get the request's own environment; jemalloc only serves pyarrow's jemalloc pool.
    os.environ.update(_NO_NATIVE_THREADS_ENV)
    unsafe = _preload(config["preload"])
    _stop_native_pools()
    unsafe = unsafe or _threads_problem()
    launcher = _launcher_path()
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)  # children are reaped by the kernel
    children: set[int] = set()
    try:
        _serve(listener, config["prefix"], launcher, startup_env, unsafe, children)
    finally:
        for pid in children:
            try:
                os.killpg(pid, signal.SIGKILL)
            except OSError:
                pass
        listener.close()
        if config.get("folder"):  # socket and log: the batch may have died without removing them
            shutil.rmtree(config["folder"], ignore_errors=True)
    return 0


def _drop_cwd_from_path() -> None:
    """Remove the start folder from ``sys.path``, as ``ipykernel_launcher`` does."""
    if sys.path and (sys.path[0] in ("", os.getcwd())):
        del sys.path[0]


def _launcher_path() -> str:
    spec = importlib.util.find_spec("ipykernel_launcher")
    return spec.origin if spec and spec.origin else "ipykernel_launcher.py"


#: Imported by ``ipykernel_launcher`` itself, before any user code, in a fresh kernel too.
_KERNEL_MACHINERY = (
    "IPython",
    "ipykernel",
    "tornado",
    "zmq",
    "jupyter_client",
    "jupyter_core",
    "traitlets",
    "comm",
    "debugpy",
    "sqlite3",
    "psutil",
    "faulthandler",
)
#: Warnings filters added by importing the libraries (not the kernel machinery): a fresh
#: kernel adds them when the notebook imports the libraries, i.e. after the kernel's own.
_LIBRARY_FILTERS: set[int] = set()


def _preload(modules: list[str]) -> str | None:
    """Import ``modules``; return why forking would not equal a fresh kernel, or ``None``."""
    import warnings

    if not os.environ.get("MPLBACKEND"):
        os.environ["MPLBACKEND"] = _INLINE_BACKEND  # what IPKernelApp sets before any user code
    shown: list[str] = []
    original_show = warnings.showwarning

    def record(message, category, filename, lineno, file=None, line=None):
        shown.append(f"{category.__name__}: {message} ({filename}:{lineno})")

    warnings.showwarning = record
    try:
        rc_before = None
        for name in modules:
            before = list(warnings.filters)
            try:
                importlib.import_module(name)
            except Exception as exc:  # a module that cannot be imported is simply not preloaded
                print(f"fork server: not preloading {name}: {exc!r}", file=sys.stderr)
            if not name.startswith(_KERNEL_MACHINERY):
                _LIBRARY_FILTERS.update(id(f) for f in warnings.filters if not any(f is b for b in before))
            if name == "matplotlib" and "matplotlib" in sys.modules:
                rc_before = sys.modules["matplotlib"].rcParams.copy()
    finally:
        warnings.showwarning = original_show
    problems = _preload_problems(rc_before)
    problems += [f"a warning was shown while preloading: {text}" for text in shown]
    for problem in problems:
        print(f"fork server: {problem}", file=sys.stderr)
    return "; ".join(problems) or None


def _reorder_warning_filters() -> None:
    """Put the libraries' warnings filters before the kernel's, where a fresh kernel has them.

    In a fresh kernel the kernel adds its filters first and the notebook's imports add
    theirs later, in front; here the libraries came first. Same filters, same order.
    """
    import warnings

    library = [f for f in warnings.filters if id(f) in _LIBRARY_FILTERS]
    if library:
        warnings.filters[:] = library + [f for f in warnings.filters if id(f) not in _LIBRARY_FILTERS]
        warnings._filters_mutated()


def _preload_problems(rc_before: dict | None) -> list[str]:
    problems = []
    if threading.active_count() != 1:
        problems.append(f"{threading.active_count()} Python threads exist after preloading")
    zmq = sys.modules.get("zmq")
    if zmq is not None and getattr(zmq.Context, "_instance", None) is not None:
        problems.append("a zmq context exists after preloading")
    if "matplotlib_inline.backend_inline" in sys.modules:
        problems.append("the inline matplotlib backend was imported while preloading")
    pyplot = sys.modules.get("matplotlib.pyplot")
    if pyplot is not None and getattr(pyplot, "_backend_mod", None) is not None:
        problems.append("a matplotlib backend was loaded while preloading")
    if rc_before is not None and not dict.__eq__(rc_before, sys.modules["matplotlib"].rcParams):
        problems.append("preloading changed matplotlib.rcParams")
    return problems


def _os_threads() -> list[str]:
    """Names of this process's threads as the kernel sees them (native ones included)."""
    names = []
    for task in sorted(os.listdir("/proc/self/task")):
        try:
            with open(f"/proc/self/task/{task}/comm", encoding="utf-8") as comm:
                names.append(comm.read().strip())
        except OSError:  # the thread ended while we looked
            continue
    return names


def _threads_problem() -> str | None:
    """Why forking now is unsafe: any thread besides this one could hold a lock the child inherits.

    A forked child has only the forking thread; a lock another thread held at that moment
    (an allocator's, a thread pool's) stays held in the child forever. So the server forks
    only while it is the one thread of its process, as gunicorn's preload and
    ``multiprocessing``'s forkserver require.
    """
    if not os.path.isdir("/proc/self/task"):
        return None
    names = _os_threads()
    if len(names) <= 1:
        return None
    return f"the fork server has {len(names)} threads ({', '.join(names[1:])} besides the main one)"


def _stop_native_pools() -> None:
    """Shut down the OpenBLAS thread pools that importing numpy and scipy started.

    OpenBLAS registers ``blas_thread_shutdown_`` as its own ``pthread_atfork`` prepare handler,
    so every fork already stopped them: calling it once here makes the server single-threaded
    between forks (checkable) and leaves each child exactly as before. The pools start again,
    lazily and with the same number of threads, at a child's first BLAS call.
    """
    import ctypes

    for path in _loaded_libraries("openblas"):
        try:
            shutdown = ctypes.CDLL(path).blas_thread_shutdown_
        except (OSError, AttributeError):
            continue
        shutdown.restype = ctypes.c_int
        shutdown()


def _loaded_libraries(fragment: str) -> list[str]:
    """Shared libraries mapped into this process whose file name contains ``fragment``."""
    try:
        with open("/proc/self/maps", encoding="utf-8") as maps:
            paths = {line.split(maxsplit=5)[-1].strip() for line in maps if ".so" in line}
    except OSError:
        return []
    return sorted(p for p in paths if fragment in os.path.basename(p).lower() and os.path.isfile(p))


def _serve(listener, prefix, launcher, startup_env, unsafe, children) -> None:
    stdin = sys.stdin.fileno()
    while True:
        ready, _, _ = select.select([listener, stdin], [], [])
        if stdin in ready and not os.read(stdin, 4096):
            return  # the batch closed our stdin: it ended or died
        if listener in ready:
            conn, _ = listener.accept()
            with conn:
                _handle(conn, listener, prefix, launcher, startup_env, unsafe, children)
        children.intersection_update(pid for pid in list(children) if process_running(pid))


def _handle(conn, listener, prefix, launcher, startup_env, unsafe, children) -> None:
    conn.settimeout(30)
    if not _same_user(conn):
        _reply(conn, {"error": "the client is another user"})
        return
    try:
        request = json.loads(_read_line(conn))
        reason = unsafe or _request_problem(request, prefix, startup_env)
    except (OSError, ValueError) as exc:
        reason = f"bad request: {exc}"
    reason = reason or _threads_problem()  # checked before every fork, not only after preloading
    if reason:
        _reply(conn, {"error": reason})
        return
    try:
        pid = os.fork()
    except OSError as exc:  # out of memory or processes: this request gets an ordinary kernel
        _reply(conn, {"error": f"fork failed: {exc}"})
        return
    if pid == 0:
        listener.close()
        conn.close()
        _become_kernel(request, prefix, launcher)  # never returns
    children.add(pid)
    _reply(conn, {"pid": pid})


def _same_user(conn) -> bool:
    """Only this user's processes get a kernel (the socket's folder is private too)."""
    if not hasattr(socket, "SO_PEERCRED"):
        return True
    import struct

    credentials = conn.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED, struct.calcsize("3i"))
    _, uid, _ = struct.unpack("3i", credentials)
    return uid == os.getuid()


def _read_line(conn) -> str:
    chunks = []
    while True:
        chunk = conn.recv(65536)
        if not chunk:
            break
        chunks.append(chunk)
        if chunk.endswith(b"\n"):
            break
    return b"".join(chunks).decode("utf-8")


def _reply(conn, message: dict) -> None:
    try:
        conn.sendall(json.dumps(message).encode("utf-8") + b"\n")
    except OSError:
        pass


def _request_problem(request: dict, prefix: list[str], startup_env: dict) -> str | None:
    """Why this request cannot be served by a fork of this process, or ``None``."""
    argv = request.get("argv") or []
    head = prefix + ["-m", "ipykernel_launcher"]
    if argv[: len(head)] != head:
        return f"the kernel command {argv!r} does not start with {head!r}"
    env = request.get("env") or {}
    keys = {k for k in set(env) | set(startup_env) if k.startswith(_STARTUP_PREFIXES) and k not in _PER_KERNEL}
    changed = sorted(k for k in keys if env.get(k) != startup_env.get(k))
    if changed:
        return "environment variables differ from the fork server's: " + ", ".join(changed)
    if not os.path.isdir(request.get("cwd") or ""):
        return f"the working folder {request.get('cwd')!r} does not exist"
    return None


def _become_kernel(request: dict, prefix: list[str], launcher: str) -> None:
    """In the forked child: turn into ``python -m ipykernel_launcher ...`` and run it."""
    code = 1
    try:
        _detach()
        os.chdir(request["cwd"])
        os.environ.clear()
        os.environ.update(request["env"])
        sys.argv = [launcher, *request["argv"][len(prefix) + 2 :]]
        _reseed()
        from ipykernel.kernelapp import IPKernelApp

        app = IPKernelApp.instance()
        try:
            app.initialize(sys.argv[1:])
        except SystemExit as exc:  # --help, a sub-application: as the launcher would
            sys.stdout.flush()
            os._exit(exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1))
        except BaseException:
            # ipykernel's exit handler would now wait in zmq's Context.term() for sockets that
            # were never closed (seen when a port was taken): the kernel would live on without
            # answering. A kernel that did not start has nothing to clean up: it exits at once.
            traceback.print_exc()
            sys.stderr.flush()
            os._exit(1)
        _reorder_warning_filters()
        app.start()
        code = 0
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    except BaseException:
        traceback.print_exc()
    finally:
        try:
            import atexit

            signal.signal(signal.SIGALRM, signal.SIG_DFL)
            signal.alarm(_EXIT_GRACE_S)  # exit handlers that block cannot keep a dead kernel alive
            atexit._run_exitfuncs()
            sys.stdout.flush()
            sys.stderr.flush()
        finally:
            os._exit(code)


def _detach() -> None:
    """New session (jupyter_client's ``start_new_session``), default signals, no stdin."""
    os.setsid()
    if sys.platform.startswith("linux"):
        try:
            import ctypes

            ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
        except (OSError, AttributeError):
            pass
    for signum in (signal.SIGCHLD, signal.SIGTERM, signal.SIGHUP):
        signal.signal(signum, signal.SIG_DFL)
    signal.signal(signal.SIGINT, signal.default_int_handler)
    devnull = os.open(os.devnull, os.O_RDONLY)
    os.dup2(devnull, 0)
    os.close(devnull)


def _reseed() -> None:
    """Give the child fresh entropy where a fresh interpreter would have it.

    ``random`` reseeds itself after ``fork``; numpy's legacy global generator does not.
    """
    numpy = sys.modules.get("numpy")
    if numpy is not None:
        numpy.random.seed()


def process_running(pid: int) -> bool:
    """Whether ``pid`` is a live process (a zombie, killed but not yet reaped, is not)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] != "Z"
    except (OSError, IndexError):
        return True


if __name__ == "__main__":
    sys.exit(main())
