"""The manifest decides what is up to date: any changed input makes a report stale."""

from __future__ import annotations

import json

import pytest

from palestre_analysis.batch.manifest import (
    empty_manifest,
    input_key,
    is_up_to_date,
    load_manifest,
    report_inputs,
    save_manifest,
)


@pytest.fixture
def inputs(tmp_path):
    notebook = tmp_path / "01.ipynb"
    notebook.write_text('{"cells": []}')
    base = dict(
        notebook_path=notebook,
        parameters={"territorio": "Brescia", "min_cell": 5},
        processed={"entities.parquet": "1" * 64},
        library="2" * 64,
        packages={"pandas": "3.0"},
    )
    return base


def test_each_input_changes_the_key(inputs):
    reference = input_key(report_inputs(**inputs))
    assert input_key(report_inputs(**inputs)) == reference
    changes = {
        "parameters": {"territorio": "Brescia", "min_cell": 6},
        "processed": {"entities.parquet": "9" * 64},
        "library": "8" * 64,
        "packages": {"pandas": "3.1"},
    }
    for name, value in changes.items():
        assert input_key(report_inputs(**{**inputs, name: value})) != reference, name
    inputs["notebook_path"].write_text('{"cells": [1]}')
    assert input_key(report_inputs(**inputs)) != reference


def test_up_to_date_needs_same_key_success_and_files(tmp_path):
    (tmp_path / "brescia" / "tables").mkdir(parents=True)
    for name in ("brescia/01.html", "brescia/01.ipynb", "brescia/tables/cells.csv"):
        (tmp_path / name).write_text("x")
    entry = {
        "key": "k",
        "status": "ok",
        "outputs": {"html": "brescia/01.html", "notebook": "brescia/01.ipynb", "tables": ["brescia/tables/cells.csv"]},
    }
    assert is_up_to_date(entry, "k", tmp_path)
    assert not is_up_to_date(entry, "other", tmp_path)
    assert not is_up_to_date({**entry, "status": "failed"}, "k", tmp_path)
    (tmp_path / "brescia/tables/cells.csv").unlink()
    assert not is_up_to_date(entry, "k", tmp_path)


def test_a_damaged_manifest_counts_as_empty(tmp_path):
    (tmp_path / "manifest.json").write_text('{"schema": 1, "reports": {"a": ')
    assert load_manifest(tmp_path) == empty_manifest()
    (tmp_path / "manifest.json").write_text('{"schema": 0, "reports": {}}')
    assert load_manifest(tmp_path) == empty_manifest()


def test_the_manifest_round_trips_in_utf8(tmp_path):
    manifest = {**empty_manifest(), "reports": {"forli/01": {"territory": "Forlì", "status": "ok"}}}
    save_manifest(tmp_path, manifest)
    assert "Forlì" in (tmp_path / "manifest.json").read_text(encoding="utf-8")
    assert load_manifest(tmp_path) == json.loads(json.dumps(manifest))
