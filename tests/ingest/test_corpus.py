"""The corpus of export variants: each case of ``corpus/cases.toml`` cleaned for real.

Every case starts from a copy of the demo raw folder, replaces some files with a variant
that imitates a real export (``corpus/build.py`` writes them into ``corpus/files/``), runs
:func:`~palestre_analysis.ingest.build.read_and_clean` and checks what the case expects:
the same processed tables as the demo, or a blocking error, or given sentences, counts,
and personal values that must appear nowhere. Every case that does not block must also
account for every row and every physical line of its files, and list every file of the
raw folder in the report. A case reports all its unmet expectations at once.
"""

from __future__ import annotations

import hashlib
import json
import re
import shutil
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
import pytest

from palestre_analysis import config
from palestre_analysis.core.problems import ERROR, WARNING, DataError
from palestre_analysis.ingest.build import read_and_clean

CORPUS = Path(__file__).parent / "corpus"
FILES = CORPUS / "files"
CASES: dict[str, dict] = tomllib.loads((CORPUS / "cases.toml").read_text(encoding="utf-8"))

TABLES = ("entities", "meetings", "attendance", "contributions", "votes")
#: Sort keys of the processed tables (contributions have none: every column).
KEYS = {
    "entities": ["entity_id"],
    "meetings": ["meeting_id"],
    "attendance": ["meeting_id", "entity_id"],
    "contributions": ["meeting_id", "entity_id", "node", "text"],
}
VOTE_COLUMNS = ["entity_id", "field", "resource", "need", "score"]
EXPECTATIONS = {
    "files",
    "removes",
    "same_as_demo",
    "compare_columns",
    "blocking",
    "errors_contain",
    "warnings_contain",
    "errors_match",
    "parent_contains",
    "no_new_errors",
    "never_contain",
    "not_read",
    "kept",
    "texts_present",
    "dont_know",
    "personal_data_removed",
}


@dataclass
class Outcome:
    """What one cleaning run gave: tables and report, or the DataError that stopped it."""

    frames: dict | None
    report: dict | None
    problems: list = field(default_factory=list)
    rejected_rows: list = field(default_factory=list)
    error: DataError | None = None

    @property
    def blocked(self) -> bool:
        return self.error is not None

    def sentences(self, severity) -> list[str]:
        return [p.sentence() for p in self.problems if p.severity == severity]


def clean(raw: Path) -> Outcome:
    try:
        frames, ledger, report = read_and_clean(raw, pseudonymise=False)
    except DataError as exc:
        rows = [p.as_row() for p in exc.problems if p.severity == ERROR]
        return Outcome(None, None, list(exc.problems), rows, exc)
    return Outcome(frames, report, list(ledger.problems), [p.as_row() for p in ledger.rejected_problems()])


def copy_demo(target: Path) -> Path:
    shutil.copytree(config.RAW_DIR, target)
    return target


@pytest.fixture(scope="module")
def demo(tmp_path_factory) -> Outcome:
    """The demo cleaned once: the reference of every ``same_as_demo``."""
    outcome = clean(copy_demo(tmp_path_factory.mktemp("corpus_demo") / "raw"))
    assert not outcome.blocked, f"the demo itself does not clean: {outcome.error}"
    return outcome


def test_corpus_is_current():
    """The corpus was built from the demo files now in data/raw (else: run corpus/build.py)."""
    recorded = json.loads((CORPUS / "demo_inputs.json").read_text(encoding="utf-8"))
    now = {name: hashlib.sha256((config.RAW_DIR / name).read_bytes()).hexdigest() for name in recorded}
    assert now == recorded, "the demo raw files changed: rebuild with .venv/bin/python tests/ingest/corpus/build.py"


def test_every_case_has_its_files():
    folders = {p.name for p in FILES.iterdir() if p.is_dir()}
    assert folders == set(CASES), (
        f"folders without case: {folders - set(CASES)}; cases without folder: {set(CASES) - folders}"
    )
    for name, spec in CASES.items():
        assert not set(spec) - EXPECTATIONS, f"{name}: unknown keys {set(spec) - EXPECTATIONS}"
        assert sorted(spec["files"]) == sorted(p.name for p in (FILES / name).iterdir()), name


@pytest.mark.parametrize("name", sorted(CASES))
def test_case(name: str, demo: Outcome, tmp_path: Path):
    spec = CASES[name]
    raw = copy_demo(tmp_path / "raw")
    for removed in spec["removes"]:
        (raw / removed).unlink()
    for added in spec["files"]:
        shutil.copyfile(FILES / name / added, raw / added)
    outcome = clean(raw)
    failures = check(spec, outcome, demo, raw)
    assert not failures, f"{name}:\n- " + "\n- ".join(failures)


# --- the checks --------------------------------------------------------------------------------


def check(spec: dict, outcome: Outcome, demo: Outcome, raw: Path) -> list[str]:
    failures: list[str] = []
    blocking = spec.get("blocking", False)
    if blocking and not outcome.blocked:
        failures.append("expected the cleaning to stop (DataError), but it went through")
    if outcome.blocked and not blocking:
        shown = "; ".join(outcome.sentences(ERROR)[:4])
        return [f"the cleaning stopped (DataError), expected it to go through: {shown}"]
    failures += check_sentences(spec, outcome, demo)
    failures += check_never_contain(spec, outcome)
    if outcome.blocked:
        return failures
    failures += check_counts(spec, outcome)
    failures += check_same_as_demo(spec, outcome, demo)
    failures += check_accounting(outcome, raw)
    failures += check_not_read(spec, outcome)
    return failures


def _found(item, sentences: list[str]) -> bool:
    wanted = [item] if isinstance(item, str) else list(item)
    return any(all(w in s for w in wanted) for s in sentences)


def _show(sentences: list[str], limit: int = 4) -> str:
    if not sentences:
        return "none"
    more = f" (+{len(sentences) - limit} more)" if len(sentences) > limit else ""
    return " | ".join(s[:200] for s in sentences[:limit]) + more


def check_sentences(spec: dict, outcome: Outcome, demo: Outcome) -> list[str]:
    failures = []
    errors, warnings = outcome.sentences(ERROR), outcome.sentences(WARNING)
    for item in spec.get("errors_contain", []):
        if not _found(item, errors):
            failures.append(f"no error sentence contains {item!r}; errors: {_show(errors)}")
    for item in spec.get("warnings_contain", []):
        if not _found(item, warnings):
            failures.append(f"no warning sentence contains {item!r}; warnings: {_show(warnings)}")
    for pattern in spec.get("errors_match", []):
        if not any(re.search(pattern, s) for s in errors):
            failures.append(f"no error sentence matches /{pattern}/; errors: {_show(errors)}")
    if "parent_contains" in spec:
        wanted = spec["parent_contains"]
        parents = [getattr(p, "parent", None) or "" for p in outcome.problems if p.severity == ERROR]
        if not any(wanted in text for text in parents + errors):
            failures.append(f"no error has a parent (or sentence) with {wanted!r}; errors: {_show(errors)}")
    if spec.get("no_new_errors"):
        known = {_error_key(p) for p in demo.problems if p.severity == ERROR}
        new = [p.sentence() for p in outcome.problems if p.severity == ERROR and _error_key(p) not in known]
        if new:
            failures.append(f"{len(new)} error(s) the demo does not have: {_show(new)}")
    return failures


#: A header retyped with typographic characters still names the same column (case 31).
_TYPOGRAPHIC = str.maketrans({"’": "'", "‐": "-", "−": "-"})


def _error_key(problem) -> tuple:
    """An error without its file name: the same bad value at the same place, whatever the file is called."""
    column = problem.column.translate(_TYPOGRAPHIC) if problem.column else problem.column
    return problem.line, column, problem.reason.translate(_TYPOGRAPHIC)


def _table_texts(frames: dict) -> list[str]:
    texts = []
    for frame in frames.values():
        for column in frame.columns:
            texts += [str(v) for v in frame[column].dropna().unique()]
    return texts


def check_never_contain(spec: dict, outcome: Outcome) -> list[str]:
    places = {
        "messages": [p.sentence() for p in outcome.problems]
        + [str(getattr(p, "parent", "") or "") for p in outcome.problems],
        "rejected.csv rows": [json.dumps(row, ensure_ascii=False, default=str) for row in outcome.rejected_rows],
    }
    if not outcome.blocked:
        places["processed tables"] = _table_texts(outcome.frames)
        places["cleaning report"] = [json.dumps(outcome.report, ensure_ascii=False, default=str)]
    failures = []
    for secret in spec.get("never_contain", []):
        for place, texts in places.items():
            hits = [t for t in texts if secret.lower() in t.lower()]
            if hits:
                failures.append(f"{secret!r} found in the {place}: {hits[0][:200]!r}")
    return failures


def check_counts(spec: dict, outcome: Outcome) -> list[str]:
    failures = []
    for table, expected in spec.get("kept", {}).items():
        got = len(outcome.frames[table])
        if got != expected:
            failures.append(f"{table}: {got} rows kept, expected {expected}")
    if "texts_present" in spec:
        texts = set(outcome.frames["contributions"]["text"].dropna())
        for text in spec["texts_present"]:
            if text not in texts:
                close = [t for t in texts if text.split("\n")[0][:20] in t]
                failures.append(f"text {text!r} not in the contributions (closest: {close[:1]!r})")
    if "dont_know" in spec:
        got = outcome.report.get("totals", {}).get("dont_know")
        if got != spec["dont_know"]:
            failures.append(f"totals.dont_know is {got}, expected {spec['dont_know']}")
    for kind, expected in spec.get("personal_data_removed", {}).items():
        got = outcome.report.get("personal_data_removed", {}).get(kind)
        if got != expected:
            failures.append(f"personal_data_removed.{kind} is {got}, expected {expected}")
    return failures


def _comparable(frame: pd.DataFrame, table: str, columns: list[str] | None) -> pd.DataFrame:
    frame = frame.drop(columns=["delegate_id"], errors="ignore")
    if columns:
        frame = frame[columns]
    keys = [k for k in KEYS[table] if k in frame.columns]
    order = keys + [c for c in frame.columns if c not in keys]
    return frame.sort_values(order, kind="stable").reset_index(drop=True)


def _vote_set(frame: pd.DataFrame) -> set[tuple]:
    return set(frame[VOTE_COLUMNS].itertuples(index=False, name=None))


def check_same_as_demo(spec: dict, outcome: Outcome, demo: Outcome) -> list[str]:
    failures = []
    for table in spec.get("same_as_demo", []):
        mine, theirs = outcome.frames[table], demo.frames[table]
        if table == "votes":
            a, b = _vote_set(mine), _vote_set(theirs)
            if a != b:
                extra, missing = sorted(a - b), sorted(b - a)
                failures.append(
                    f"votes differ from the demo: {len(a)} against {len(b)}; {len(extra)} not in the demo "
                    f"(e.g. {extra[:2]}), {len(missing)} missing (e.g. {missing[:2]})"
                )
            continue
        columns = spec.get("compare_columns", {}).get(table)
        try:
            pd.testing.assert_frame_equal(_comparable(mine, table, columns), _comparable(theirs, table, columns))
        except AssertionError as exc:
            detail = " ".join(str(exc).split())[:300]
            failures.append(f"{table} differ from the demo ({len(mine)} rows against {len(theirs)}): {detail}")
    return failures


def check_accounting(outcome: Outcome, raw: Path) -> list[str]:
    failures = []
    report = outcome.report
    for account in report.get("files", []):
        name = account["file"]
        parts = account["kept"] + account["rejected"] + account["merged_duplicates"] + account["not_scored"]
        if account["read"] != parts:
            failures.append(f"{name}: read {account['read']} ≠ kept + rejected + merged + not scored = {parts}")
        votes = account.get("votes") or {}
        if votes:
            vote_parts = sum(votes.get(k, 0) for k in ("kept", "rejected", "merged_duplicates", "not_scored"))
            if votes.get("read") != vote_parts:
                failures.append(f"{name}: votes read {votes.get('read')} ≠ their states {vote_parts}")
        lines = account.get("lines")
        if not lines or "in_file" not in lines:
            failures.append(f"{name}: no account of its physical lines (report 'lines')")
        elif sum(v for k, v in lines.items() if k != "in_file") != lines["in_file"]:
            failures.append(f"{name}: physical lines do not add up: {lines}")
    listed = [entry["file"] for entry in report.get("raw_files", [])]
    for path in sorted(raw.iterdir()):
        if not any(e == path.name or e.startswith(f"{path.name} (foglio «") for e in listed):
            failures.append(f"{path.name} is not listed in report['raw_files'] ({listed})")
    return failures


def check_not_read(spec: dict, outcome: Outcome) -> list[str]:
    entries = {entry["file"]: entry for entry in outcome.report.get("raw_files", [])}
    failures = []
    for name in spec.get("not_read", []):
        entry = entries.get(name)
        if entry is None:
            failures.append(f"{name!r} not in report['raw_files'] ({sorted(entries)})")
        elif entry.get("table"):
            failures.append(f"{name!r} listed as read as table {entry['table']!r}, expected not read")
    return failures
