"""Input hashes, package versions and the git commit recorded for each report."""

from __future__ import annotations

import hashlib
import re
import subprocess

import pytest

from palestre_analysis import config
from palestre_analysis.core import fingerprint

COMMIT = "a" * 40
OTHER = "b" * 40


def test_sha256_matches_hashlib(tmp_path):
    path = tmp_path / "x.parquet"
    path.write_bytes(b"\x00\x01" * 5000)
    assert fingerprint.sha256_file(path) == hashlib.sha256(b"\x00\x01" * 5000).hexdigest()


def test_processed_hashes_cover_every_visible_file(tmp_path):
    (tmp_path / "entities.parquet").write_bytes(b"e")
    (tmp_path / "rejected.csv").write_text("file,line\n")
    (tmp_path / ".entities.parquet.tmp").write_bytes(b"half")
    assert sorted(fingerprint.processed_hashes(tmp_path)) == ["entities.parquet", "rejected.csv"]
    assert fingerprint.processed_hashes(tmp_path / "missing") == {}


def test_tree_hash_changes_with_content_and_names_but_not_caches(tmp_path):
    (tmp_path / "a.py").write_text("x = 1\n")
    before = fingerprint.tree_hash(tmp_path)
    (tmp_path / "__pycache__").mkdir()
    (tmp_path / "__pycache__" / "a.py").write_text("cached")
    assert fingerprint.tree_hash(tmp_path) == before
    (tmp_path / "a.py").write_text("x = 2\n")
    assert fingerprint.tree_hash(tmp_path) != before


@pytest.mark.parametrize("layout", ["loose", "packed", "detached"])
def test_git_commit_is_read_without_git(tmp_path, layout):
    git = tmp_path / ".git"
    (git / "refs" / "heads").mkdir(parents=True)
    if layout == "detached":
        (git / "HEAD").write_text(COMMIT + "\n")
    else:
        (git / "HEAD").write_text("ref: refs/heads/main\n")
    if layout == "loose":
        (git / "refs" / "heads" / "main").write_text(COMMIT + "\n")
    if layout == "packed":
        (git / "packed-refs").write_text(
            f"# pack-refs with: peeled\n{OTHER} refs/heads/other\n{COMMIT} refs/heads/main\n"
        )
    assert fingerprint.git_commit(tmp_path) == COMMIT


def test_git_commit_is_none_outside_a_checkout(tmp_path):
    assert fingerprint.git_commit(tmp_path) is None


def test_git_commit_of_this_checkout_is_what_git_says():
    """Checked against git itself (the other implementation)."""
    try:
        expected = subprocess.run(
            ["git", "rev-parse", "HEAD"], cwd=config.PROJECT_ROOT, capture_output=True, text=True, check=True
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        pytest.skip("git is not available or this is not a checkout")
    assert fingerprint.git_commit(config.PROJECT_ROOT) == expected


def test_package_versions_name_the_scientific_stack():
    versions = fingerprint.package_versions()
    for name in ("pandas", "numpy", "matplotlib", "seaborn", "papermill", "nbconvert", "python"):
        assert re.match(r"\d+\.\d+", versions[name]), name
