"""Reproduce (or rule out) forked kernels that never answer: many batches in a row, cores loaded.

Each round runs the quick fixture batch (the region and one territory, five reports, two
workers) with ``run_batch`` exactly as ``palestre run`` does, while ``--load`` busy processes
keep both cores saturated. Every round starts a new fork server, as every batch and test
does. A forked kernel that did not answer ``kernel_info`` within seconds is replaced by the
kernel manager and leaves its reason in the manifest's ``kernel_note``: the script counts
those, and reports that did not run on a fork at all.

    python benchmarks/stress_forks.py --rounds 100 --load 3

Exit status 1 when any forked kernel failed to start.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import sys
import tempfile
import time
from pathlib import Path
from types import SimpleNamespace

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_batch import FIXTURE_PLAN, FIXTURES, no_cleaning, prepare_processed, selected_territories  # noqa: E402

from palestre_analysis.batch.runner import run_batch  # noqa: E402


def _spin() -> None:
    while True:
        pass


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=100, help="batches to run (default 100)")
    parser.add_argument("--load", type=int, default=3, help="busy processes beside the batch (default 3)")
    parser.add_argument("--jobs", type=int, default=2, help="workers of each batch (default 2)")
    parser.add_argument("--json", type=Path, default=None, help="also write the counts to this JSON file")
    return parser.parse_args(argv)


def run_round(work: Path, territories: list[str], jobs: int) -> list[dict]:
    """One batch; the manifest entries of its reports."""
    result = run_batch(
        territories=territories,
        jobs=jobs,
        raw_dir=work / "raw",
        out_dir=work,
        force=True,
        clean=no_cleaning,
        notebooks=FIXTURE_PLAN,
        notebooks_dir=FIXTURES,
        progress=False,
    )
    manifest = json.loads((work / "reports" / "manifest.json").read_text(encoding="utf-8"))
    if result.exit_code != 0:
        raise SystemExit(f"the batch failed: {result.kernels}")
    return list(manifest["reports"].values())


def main(argv=None) -> int:
    args = parse_args(argv)
    work = Path(tempfile.mkdtemp(prefix="palestre-stress-"))
    prepare_processed(SimpleNamespace(processed=None), work / "processed")
    territories = selected_territories(work / "processed", quick=True)
    loaders = [multiprocessing.Process(target=_spin, daemon=True) for _ in range(args.load)]
    for loader in loaders:
        loader.start()
    forks, failed, notes, clock = 0, 0, [], time.monotonic()
    try:
        for round_number in range(1, args.rounds + 1):
            for entry in run_round(work, territories, args.jobs):
                forks += 1
                if entry.get("kernel") != "fork" or entry.get("kernel_note"):
                    failed += 1
                    notes.append(f"round {round_number}, {entry.get('key')}: {entry.get('kernel_note')}")
            print(
                f"round {round_number}: {forks} forks, {failed} replaced, {time.monotonic() - clock:.0f} s", flush=True
            )
    finally:
        for loader in loaders:
            loader.terminate()
    print(f"\n{forks} forked kernels under load ({args.load} busy processes), {failed} replaced or not forked.")
    for note in notes:
        print("  " + note)
    if args.json:
        args.json.write_text(
            json.dumps(
                {
                    "forks": forks,
                    "not_started": failed,
                    "notes": notes,
                    "load": args.load,
                    "seconds": round(time.monotonic() - clock, 1),
                }
            )
            + "\n"
        )
    return 1 if failed else 0


if __name__ == "__main__":  # required: the batch's workers start through multiprocessing
    sys.exit(main())
