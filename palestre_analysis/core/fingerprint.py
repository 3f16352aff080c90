"""What a report was made from: SHA-256 of its inputs, package versions, the git commit.

Everything here reads files and JSON only (no pandas, papermill or nbconvert), so that
deciding that nothing needs to run costs milliseconds.
"""

from __future__ import annotations

import hashlib
import json
import platform
from pathlib import Path

from palestre_analysis import config

__all__ = [
    "PACKAGES",
    "sha256_file",
    "sha256_json",
    "tree_hash",
    "code_hash",
    "ingest_hash",
    "INGEST_PARTS",
    "library_hash",
    "processed_hashes",
    "package_versions",
    "git_commit",
]

#: Packages whose version can change a report: recorded in the manifest (part of a report's
#: key) and listed in the final report's methods note.
PACKAGES = (
    "palestre-analysis",
    "numpy",
    "pandas",
    "pyarrow",
    "scipy",
    "matplotlib",
    "seaborn",
    "networkx",
    "krippendorff",
    "pandera",
    "papermill",
    "nbclient",
    "nbconvert",
    "nbformat",
    "ipykernel",
    "ipython",
    "jupyter_client",
)


def sha256_file(path: Path | str) -> str:
    """Hex SHA-256 of a file's bytes.

    Parameters
    ----------
    path : Path or str
        The file; it is read in blocks of 1 MiB, so its size does not matter.

    Returns
    -------
    str
        64 lower-case hex characters.

    Raises
    ------
    OSError
        When the file cannot be opened (``FileNotFoundError`` when it is missing).

    Examples
    --------
    >>> import tempfile, os
    >>> handle, name = tempfile.mkstemp()
    >>> _ = os.write(handle, b"abc"); os.close(handle)
    >>> sha256_file(name)[:16]
    'ba7816bf8f01cfea'
    """
    digest = hashlib.sha256()
    with open(path, "rb") as stream:
        for block in iter(lambda: stream.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def sha256_json(value: object) -> str:
    """Hex SHA-256 of canonical JSON (sorted keys, no spaces), so equal values hash equal.

    Parameters
    ----------
    value : object
        Anything :func:`json.dumps` accepts; other objects (paths, dates) are written as
        their ``str``. Non-ASCII text is hashed as UTF-8, not as ``\\u`` escapes.

    Returns
    -------
    str
        64 lower-case hex characters.

    Examples
    --------
    >>> sha256_json({"b": 1, "a": [1, 2]}) == sha256_json({"a": [1, 2], "b": 1})
    True
    >>> sha256_json([1, 2]) == sha256_json([2, 1])
    False
    """
    text = json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def tree_hash(folder: Path | str, patterns: tuple[str, ...] = ("*.py",)) -> str:
    """SHA-256 over the relative paths and bytes of the files matching ``patterns``.

    ``__pycache__`` and hidden files are ignored; files are taken in sorted order.

    Parameters
    ----------
    folder : Path or str
        The folder, searched recursively.
    patterns : tuple of str, default ("*.py",)
        Glob patterns of the file names to include (:meth:`pathlib.Path.rglob`).

    Returns
    -------
    str
        Hex digest that changes when a matching file is added, removed, renamed or edited
        (a missing or empty folder gives the digest of nothing).

    Examples
    --------
    >>> import tempfile
    >>> folder = Path(tempfile.mkdtemp())
    >>> _ = (folder / "a.py").write_text("x = 1")
    >>> before = tree_hash(folder)
    >>> _ = (folder / ".hidden.py").write_text("ignored"); _ = (folder / "b.txt").write_text("not *.py")
    >>> tree_hash(folder) == before, tree_hash(folder, ("*.py", "*.txt")) == before
    (True, False)
    """
    folder = Path(folder)
    digest = hashlib.sha256()
    files = {p for pattern in patterns for p in folder.rglob(pattern)}
    for path in sorted(files):
        relative = path.relative_to(folder)
        if "__pycache__" in relative.parts or any(part.startswith(".") for part in relative.parts):
            continue
        digest.update(relative.as_posix().encode("utf-8") + b"\0")
        digest.update(sha256_file(path).encode("ascii"))
    return digest.hexdigest()


#: What the cleaning step runs: the shared primitives, the ingest stage and the config.
INGEST_PARTS = ("__init__.py", "config.py", "core", "ingest")

_SOURCE_PATTERNS = ("*.py", "*.j2", "*.json", "*.css")


def code_hash(parts: tuple[str, ...]) -> str:
    """SHA-256 of the source files (code and templates) of some parts of the package.

    Parameters
    ----------
    parts : tuple of str
        Files or folders of the package, relative to it (``"ingest"``, ``"config.py"``).

    Returns
    -------
    str
        Hex digest that changes when any of those files changes, is added or removed.

    Examples
    --------
    >>> code_hash(INGEST_PARTS) == code_hash(INGEST_PARTS)
    True
    >>> code_hash(("ingest",)) != code_hash(("report",))
    True
    """
    digest = hashlib.sha256()
    for part in parts:
        path = config.PACKAGE_DIR / part
        if path.is_dir():
            digest.update(f"{part}/\0{tree_hash(path, _SOURCE_PATTERNS)}\0".encode())
        else:
            digest.update(f"{part}\0{sha256_file(path)}\0".encode())
    return digest.hexdigest()


def ingest_hash() -> str:
    """The key of the cleaning cache: the code that turns raw files into processed tables.

    Editing a figure, a report section or the batch does not change it, so it does not
    make the raw → processed step run again.

    Returns
    -------
    str
        :func:`code_hash` of :data:`INGEST_PARTS`.

    Examples
    --------
    >>> ingest_hash() == code_hash(INGEST_PARTS)
    True
    """
    return code_hash(INGEST_PARTS)


def library_hash() -> str:
    """The key of a report's code: every source file of the package (code and templates).

    Returns
    -------
    str
        :func:`tree_hash` of :data:`~palestre_analysis.config.PACKAGE_DIR` over ``*.py``,
        ``*.j2``, ``*.json`` and ``*.css`` files.

    Examples
    --------
    >>> len(library_hash())
    64
    """
    return tree_hash(config.PACKAGE_DIR, _SOURCE_PATTERNS)


def processed_hashes(processed_dir: Path | str) -> dict[str, str]:
    """SHA-256 of every file in the processed folder (tables, ``rejected.csv``, report).

    Hidden and temporary files are skipped.

    Parameters
    ----------
    processed_dir : Path or str
        The processed folder; only its top level is read (sub-folders are ignored).

    Returns
    -------
    dict of str to str
        File name → hex digest, in file-name order; empty when the folder does not exist.

    Examples
    --------
    >>> import tempfile
    >>> folder = Path(tempfile.mkdtemp())
    >>> _ = (folder / "votes.parquet").write_bytes(b"abc"); _ = (folder / ".votes.parquet.x.tmp").write_bytes(b"")
    >>> {name: digest[:8] for name, digest in processed_hashes(folder).items()}
    {'votes.parquet': 'ba7816bf'}
    >>> processed_hashes(folder / "missing")
    {}
    """
    processed_dir = Path(processed_dir)
    if not processed_dir.is_dir():
        return {}
    return {
        p.name: sha256_file(p) for p in sorted(processed_dir.iterdir()) if p.is_file() and not p.name.startswith(".")
    }


def package_versions(names: tuple[str, ...] = PACKAGES) -> dict[str, str | None]:
    """Installed version of each package (``None`` when absent), and Python's.

    Parameters
    ----------
    names : tuple of str, default PACKAGES
        Distribution names, as :func:`importlib.metadata.version` knows them.

    Returns
    -------
    dict of str to str or None
        ``"python"`` first (its version, such as ``"3.11.9"``), then each of ``names``.

    Examples
    --------
    >>> versions = package_versions(("papermill", "surely-not-installed"))
    >>> versions["surely-not-installed"] is None, "python" in versions
    (True, True)
    """
    from importlib.metadata import PackageNotFoundError, version

    versions: dict[str, str | None] = {"python": platform.python_version()}
    for name in names:
        try:
            versions[name] = version(name)
        except PackageNotFoundError:
            versions[name] = None
    return versions


def git_commit(root: Path | str) -> str | None:
    """The commit checked out in ``root``, read from ``.git`` without running git.

    Returns ``None`` outside a git checkout (a copy of the project, an archive).
    Handles a detached HEAD, loose and packed refs, and ``.git`` files of worktrees.

    Parameters
    ----------
    root : Path or str
        The folder that holds ``.git`` (the project root; a sub-folder is not searched
        upwards).

    Returns
    -------
    str or None
        The 40-character hex commit, or ``None`` when ``root`` is not a checkout or the
        branch has no commit yet.

    Examples
    --------
    >>> import tempfile
    >>> git_commit(tempfile.mkdtemp()) is None
    True
    >>> root = Path(tempfile.mkdtemp()); (root / ".git").mkdir()
    >>> _ = (root / ".git" / "HEAD").write_text("ref: refs/heads/main\\n")
    >>> _ = (root / ".git" / "packed-refs").write_text("# pack-refs\\n" + "ab" * 20 + " refs/heads/main\\n")
    >>> git_commit(root) == "ab" * 20
    True
    """
    git = Path(root) / ".git"
    try:
        if git.is_file():  # worktree or submodule: "gitdir: <path>"
            target = git.read_text(encoding="utf-8").strip().removeprefix("gitdir:").strip()
            git = (git.parent / target).resolve()
        head = (git / "HEAD").read_text(encoding="utf-8").strip()
    except OSError:
        return None
    if not head.startswith("ref:"):
        return head or None
    ref = head.removeprefix("ref:").strip()
    common = _common_dir(git)
    for base in (git, common):
        try:
            return (base / ref).read_text(encoding="utf-8").strip()
        except OSError:
            pass
    return _packed_ref(common / "packed-refs", ref)


def _common_dir(git: Path) -> Path:
    try:
        return (git / (git / "commondir").read_text(encoding="utf-8").strip()).resolve()
    except OSError:
        return git


def _packed_ref(path: Path, ref: str) -> str | None:
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError:
        return None
    for line in lines:
        parts = line.split()
        if len(parts) == 2 and parts[1] == ref:
            return parts[0]
    return None
