"""Benchmark of ``validate`` and ``clean`` on a 50× demo data set, as CSV and as ``.xlsx``.

Builds the data set by copying the demo tables 50 times with prefixed codes (50 times the
entities, meetings, attendances, contributions and votes: about 340,000 vote rows), once
as CSV files and once as Excel workbooks, then times the whole ``palestre validate``
and ``palestre clean`` functions on each (median of ``--repeats``). Beside them, in the
same run, the baseline: the same workbooks read cell by cell with openpyxl's read-only
mode, which is how the toolkit read Excel files before it used python-calamine (the 26 s
the exports issue measured).

Usage::

    python benchmarks/bench_ingest.py             # 50× the demo
    python benchmarks/bench_ingest.py --copies 5  # a smoke run
    python benchmarks/bench_ingest.py --json results.json

This is a script, not a test: the numbers depend on the machine.
"""

from __future__ import annotations

import argparse
import csv
import json
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

from palestre_analysis import config
from palestre_analysis.ingest.build import clean
from palestre_analysis.ingest.reading import read_grids
from palestre_analysis.ingest.validate import validate

#: Which column of each demo table holds a code to prefix per copy.
CODES = {
    "enti": ("ente_id",),
    "incontri": ("incontro id", "incontro_id"),
    "presenze": ("incontro_id", "ente_id"),
    "contributi": ("incontro_id", "ente_id"),
    "valutazioni": ("ente_id",),
    "valutazioni_modulo_google": ("codice ente",),
}


def demo_tables() -> dict[str, list[list[str]]]:
    """Every demo table as rows of text (header first), read by the toolkit's own reader."""
    tables = {}
    for path in sorted(config.RAW_DIR.iterdir()):
        if path.suffix in (".csv", ".xlsx"):
            tables[path.stem] = [record.cells for record in read_grids(path)[0].records]
    return tables


def multiplied(tables: dict[str, list[list[str]]], copies: int) -> dict[str, list[list[str]]]:
    """``copies`` copies of every table, codes prefixed with the copy number (``K07E012``)."""
    out = {}
    for name, (header, *rows) in tables.items():
        folded = [h.strip().lower().replace("_", " ") for h in header]
        positions = [i for i, h in enumerate(folded) if h in {c.replace("_", " ") for c in CODES[name]}]
        grown = [header]
        for copy in range(copies):
            for row in rows:
                new = list(row)
                for i in positions:
                    new[i] = f"K{copy:02d}{new[i]}"
                grown.append(new)
        out[name] = grown
    return out


def write_csv(folder: Path, tables: dict) -> None:
    for name, rows in tables.items():
        with open(folder / f"{name}.csv", "w", encoding="utf-8", newline="") as handle:
            csv.writer(handle).writerows(rows)


def write_xlsx(folder: Path, tables: dict) -> None:
    import openpyxl

    for name, rows in tables.items():
        book = openpyxl.Workbook(write_only=True)
        sheet = book.create_sheet(name[:31])
        for row in rows:
            sheet.append(row)
        book.save(folder / f"{name}.xlsx")


def openpyxl_read(folder: Path) -> int:
    """The baseline: every workbook read cell by cell in openpyxl's read-only mode."""
    import openpyxl

    cells = 0
    for path in sorted(folder.glob("*.xlsx")):
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
        for row in book.worksheets[0].iter_rows(values_only=True):
            cells += len(row)
        book.close()
    return cells


def timed(function, repeats: int) -> list[float]:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return times


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--copies", type=int, default=50)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args(argv)
    work = Path(tempfile.mkdtemp(prefix="bench-ingest-"))
    try:
        tables = multiplied(demo_tables(), args.copies)
        results = {"copies": args.copies, "vote_rows": len(tables["valutazioni"]) - 1}
        for kind, writer in (("csv", write_csv), ("xlsx", write_xlsx)):
            raw = work / kind / "raw"
            raw.mkdir(parents=True)
            writer(raw, tables)
            (raw / config.DEMO_MARKER).write_text("dati sintetici\n", encoding="utf-8")
            check = validate(raw)
            if not check.report:
                raise SystemExit(f"the {kind} data set does not clean: {check.problems[:3]}")
            results[f"validate_{kind}"] = timed(lambda r=raw: validate(r), args.repeats)
            results[f"clean_{kind}"] = timed(lambda r=raw: clean(r, r.parent / "processed"), args.repeats)
            if kind == "xlsx":
                results["baseline_openpyxl_read_xlsx"] = timed(lambda r=raw: openpyxl_read(r), 1)
        _print(results)
        if args.json:
            args.json.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return 0


def _print(results: dict) -> None:
    print(f"{results['copies']}× demo: {results['vote_rows']:,} vote rows")
    for key, times in results.items():
        if isinstance(times, list):
            print(
                f"  {key:32s} median {statistics.median(times):6.2f} s  (runs: {', '.join(f'{t:.2f}' for t in times)})"
            )
    ours = statistics.median(results["validate_xlsx"])
    baseline = statistics.median(results["baseline_openpyxl_read_xlsx"])
    print(f"  openpyxl reading alone / our whole validate (xlsx): {baseline / ours:.1f}×")


if __name__ == "__main__":
    sys.exit(main())
