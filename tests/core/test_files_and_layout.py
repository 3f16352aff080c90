"""Atomic writes survive an interruption; nothing is written outside the output folder."""

from __future__ import annotations

import os

import pytest

from palestre_analysis.batch import layout
from palestre_analysis.batch.layout import report_paths
from palestre_analysis.core import files as fsutil


def test_an_interrupted_write_leaves_the_old_file_whole_and_no_temporary(tmp_path, monkeypatch):
    target = tmp_path / "manifest.json"
    fsutil.atomic_write_text(target, '{"old": true}')

    def interrupted(fd):
        raise KeyboardInterrupt  # the user pressed Ctrl-C while the new content was being written

    monkeypatch.setattr(fsutil.os, "fsync", interrupted)
    with pytest.raises(KeyboardInterrupt):
        fsutil.atomic_write_text(target, '{"new": true, "padding": "' + "x" * 100000 + '"}')
    assert target.read_text() == '{"old": true}'
    assert sorted(p.name for p in tmp_path.iterdir()) == ["manifest.json"]


def test_an_interrupted_first_write_leaves_no_file_at_all(tmp_path, monkeypatch):
    def interrupted(src, dst):
        raise KeyboardInterrupt

    monkeypatch.setattr(fsutil.os, "replace", interrupted)
    with pytest.raises(KeyboardInterrupt):
        fsutil.atomic_write_bytes(tmp_path / "report.html", b"<html>")
    assert list(tmp_path.iterdir()) == []


def test_paths_outside_the_output_folder_are_refused(tmp_path):
    root = tmp_path / "reports"
    root.mkdir()
    with pytest.raises(ValueError, match="outside"):
        fsutil.ensure_inside(root, root / ".." / "elsewhere")
    outside = tmp_path / "outside"
    outside.mkdir()
    (root / "brescia").symlink_to(outside)  # a territory folder that points elsewhere
    with pytest.raises(ValueError, match="outside"):
        report_paths(root, "brescia", "01_rete_partecipazione")
    with pytest.raises(ValueError, match="outside"):
        report_paths(root, "..", "01_rete_partecipazione")


def test_leftovers_of_an_interrupted_run_are_removed_and_nothing_else(tmp_path):
    territory = tmp_path / "brescia"
    (territory / ".staging" / "01" / "tables").mkdir(parents=True)
    (territory / ".staging" / "01" / "tables" / "half.csv").write_text("a,b\n1,")
    (territory / "tables").mkdir()
    (territory / "tables" / ".cells.csv.abc.tmp").write_text("half")
    (territory / "tables" / "cells.csv").write_text("whole")
    (tmp_path / ".manifest.json.x.tmp").write_text("{")
    (territory / "01.html").write_text("<html></html>")
    layout.remove_leftovers(tmp_path)
    remaining = sorted(str(p.relative_to(tmp_path)) for p in tmp_path.rglob("*"))
    assert remaining == ["brescia", "brescia/01.html", "brescia/tables", "brescia/tables/cells.csv"]


def test_written_files_are_readable_by_others(tmp_path):
    path = fsutil.atomic_write_text(tmp_path / "index.html", "<html></html>")
    assert oct(os.stat(path).st_mode & 0o777) == oct(0o644)
