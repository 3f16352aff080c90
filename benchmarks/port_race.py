"""How often two processes starting Jupyter kernels over TCP pick the same port.

jupyter_client chooses a kernel's five TCP ports by binding to port 0 and closing the socket
(``LocalPortCache`` remembers them within one process only); the kernel binds them later. Two
batch workers doing this at once can be handed a port the other's kernel has just bound. This
script runs that choice-then-bind cycle in ``--workers`` processes for ``--seconds`` and
counts the ports that were already taken at bind time. It is the measurement behind the
switch of batch kernels to the ``ipc`` transport (see ``README_batch.md``).

    python benchmarks/port_race.py --seconds 60
"""

from __future__ import annotations

import argparse
import multiprocessing
import random
import socket
import sys
import time

from jupyter_client.provisioning.local_provisioner import LocalPortCache

PORTS_PER_KERNEL = 5  # shell, iopub, stdin, control, heartbeat
KERNELS_ALIVE = 2  # a worker's kernel lives on while the next one starts


def start_kernels(seed: int, seconds: float, results) -> None:
    """Pick ports as jupyter_client does, wait as a starting kernel would, then bind them."""
    rng = random.Random(seed)
    cache = LocalPortCache.instance()
    starts = taken = 0
    alive = []
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        ports = [cache.find_available_port("127.0.0.1") for _ in range(PORTS_PER_KERNEL)]
        time.sleep(rng.uniform(0.05, 0.5))  # interpreter start-up, longer on a loaded machine
        bound = []
        for port in ports:
            sock = socket.socket()
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as libzmq does
            try:
                sock.bind(("127.0.0.1", port))
                sock.listen()
                bound.append(sock)
            except OSError:
                taken += 1
                sock.close()
        starts += 1
        alive.append((bound, ports))
        if len(alive) > KERNELS_ALIVE:
            sockets, old_ports = alive.pop(0)
            for sock in sockets:
                sock.close()
            for port in old_ports:
                cache.return_port(port)
    results.put((starts, taken))


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=60.0, help="how long each worker runs (default 60)")
    parser.add_argument("--workers", type=int, default=2, help="processes starting kernels (default 2)")
    args = parser.parse_args(argv)
    results = multiprocessing.Queue()
    workers = [
        multiprocessing.Process(target=start_kernels, args=(seed, args.seconds, results))
        for seed in range(args.workers)
    ]
    for worker in workers:
        worker.start()
    counts = [results.get() for _ in workers]
    for worker in workers:
        worker.join()
    starts, taken = sum(c[0] for c in counts), sum(c[1] for c in counts)
    print(f"{starts} kernel starts, {starts * PORTS_PER_KERNEL} ports chosen, {taken} already taken at bind time")
    return 0


if __name__ == "__main__":
    sys.exit(main())
