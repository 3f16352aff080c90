"""Property: random corruption of raw files never crashes the cleaning and never loses a row.

Either the cleaning stops with sentences (a :class:`DataError`), or every row of every
file is accounted for (read = kept + rejected + merged + not scored), every kept row is
in a processed table, and every rejected row has a reason in ``rejected.csv``.
"""

from __future__ import annotations

import shutil

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from palestre_analysis import config
from palestre_analysis.core.problems import DataError
from palestre_analysis.ingest.build import read_and_clean
from palestre_analysis.ingest.validate import validate

FILES = (
    "enti.csv",
    "presenze.csv",
    "contributi.csv",
    "valutazioni.csv",
    "valutazioni_modulo_google.csv",
    "incontri.xlsx",
)


@pytest.fixture(scope="module")
def small_demo(tmp_path_factory):
    """The demo, cut to its first lines so each example runs quickly."""
    folder = tmp_path_factory.mktemp("small_demo")
    for path in config.RAW_DIR.iterdir():
        data = path.read_bytes()
        if path.suffix == ".csv":
            data = b"\r\n".join(data.split(b"\r\n")[:60]) + b"\r\n"
        (folder / path.name).write_bytes(data)
    return folder


def corrupt(data: bytes, operation: str, position: float, payload: bytes) -> bytes:
    at = int(position * len(data))
    lines = data.split(b"\n")
    line_at = int(position * len(lines))
    if operation == "insert":
        return data[:at] + payload + data[at:]
    if operation == "delete":
        return data[:at] + data[at + max(1, len(payload)) :]
    if operation == "replace":
        return data[:at] + payload + data[at + len(payload) :]
    if operation == "truncate":
        return data[:at]
    if operation == "duplicate-line":
        return b"\n".join(lines[: line_at + 1] + lines[line_at:])
    if operation == "drop-line":
        return b"\n".join(lines[:line_at] + lines[line_at + 1 :])
    if operation == "swap-delimiter":
        return data.replace(b",", b";", 3) if b"," in data else data.replace(b";", b",", 3)
    raise AssertionError(operation)


OPERATIONS = ("insert", "delete", "replace", "truncate", "duplicate-line", "drop-line", "swap-delimiter")
PAYLOADS = st.one_of(
    st.binary(min_size=1, max_size=12),
    st.sampled_from([b",", b";", b'"', b"\n", b"\r\n", b"\x00", b"\xff\xfe", b"11", b"E999", b",,,,", b"\xe0"]),
    st.text(max_size=10).map(lambda t: t.encode("utf-8")),
)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    name=st.sampled_from(FILES),
    operation=st.sampled_from(OPERATIONS),
    position=st.floats(0, 1),
    payload=PAYLOADS,
)
def test_corruption_never_crashes_and_never_loses_a_row(
    small_demo, tmp_path_factory, name, operation, position, payload
):
    folder = tmp_path_factory.mktemp("corrupted")
    shutil.copytree(small_demo, folder, dirs_exist_ok=True)
    target = folder / name
    target.write_bytes(corrupt(target.read_bytes(), operation, position, payload))

    validation = validate(folder)  # never raises for bad data
    try:
        frames, ledger, report = read_and_clean(folder, pseudonymise=True)
    except DataError as exc:
        assert exc.messages and all(m.strip() for m in exc.messages)
        assert validation.errors, "validate and clean agree that the data cannot be read"
        return
    kept = {"enti": 0, "incontri": 0, "presenze": 0, "contributi": 0, "valutazioni": 0}
    for account in report["files"]:
        assert (
            account["read"]
            == account["kept"] + account["rejected"] + account["merged_duplicates"] + account["not_scored"]
        ), account
        kept[account["table"]] += account["votes"]["kept"] if account["layout"] == "wide" else account["kept"]
        lines = account["lines"]  # every physical line is a header, a row, blank, skipped or rejected
        assert sum(n for part, n in lines.items() if part != "in_file") == lines["in_file"], account
        if account["file"].endswith(".csv"):  # counted independently of the reader: line ends in the bytes
            assert lines["in_file"] == len((folder / account["file"]).read_bytes().splitlines()), account
    assert kept == {
        "enti": len(frames["entities"]),
        "incontri": len(frames["meetings"]),
        "presenze": len(frames["attendance"]),
        "contributi": len(frames["contributions"]),
        "valutazioni": len(frames["votes"]),
    }
    explained = {(p.file, p.line) for p in ledger.rejected_problems()}
    n_rejected = sum(a["rejected"] for a in report["files"])
    assert len({key for key in explained if key[1] is not None}) >= n_rejected
