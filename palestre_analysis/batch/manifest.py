"""``manifest.json``: for every report, what it was made from and how its run went.

The manifest is also the batch's memory: a report whose key (the SHA-256 of its
notebook, parameters, processed inputs, library source and package versions) is the one
recorded, whose run succeeded and whose files are still there, is up to date and is not
run again.

It names files relative to the reports folder that holds it (its ``paths`` says so), so
that it holds no absolute path of the machine that ran the batch.
"""

from __future__ import annotations

import json
from pathlib import Path

from palestre_analysis import config
from palestre_analysis.core.files import atomic_write_text
from palestre_analysis.core.fingerprint import sha256_file, sha256_json

__all__ = [
    "MANIFEST_NAME",
    "SCHEMA_VERSION",
    "PATHS",
    "empty_manifest",
    "load_manifest",
    "save_manifest",
    "notebook_label",
    "report_inputs",
    "input_key",
    "is_up_to_date",
]

MANIFEST_NAME = "manifest.json"
#: 2: paths relative to the reports folder (1 recorded absolute paths).
SCHEMA_VERSION = 2
#: What the manifest's ``paths`` says: how to read every path it holds.
PATHS = {
    "relative_to": "reports",
    "note": (
        "Every file path in this manifest, and in the parameters and papermill metadata of the executed "
        "notebooks, is relative to the reports folder (the folder of this manifest: OUT/reports), "
        "written with '/'. inputs.notebook.path is the source notebook's path in the project "
        "repository (at git_commit)."
    ),
}


def empty_manifest() -> dict:
    """A manifest with no report.

    Returns
    -------
    dict
        ``{"schema": SCHEMA_VERSION, "paths": PATHS, "territories": {}, "cleaning": {}, "reports": {}}``,
        a new dictionary at every call.

    Examples
    --------
    >>> empty_manifest()["reports"]
    {}
    """
    return {"schema": SCHEMA_VERSION, "paths": dict(PATHS), "territories": {}, "cleaning": {}, "reports": {}}


def load_manifest(reports_dir: Path | str) -> dict:
    """Read ``reports_dir/manifest.json``; an absent, unreadable or older one counts as empty.

    An unreadable manifest only costs a full re-run, never a wrong skip.

    Parameters
    ----------
    reports_dir : Path or str
        The batch's ``reports`` folder.

    Returns
    -------
    dict
        The manifest, or :func:`empty_manifest` when the file is missing, is not JSON, is
        not an object, has another ``schema`` than :data:`SCHEMA_VERSION` or no ``reports``
        object.

    Examples
    --------
    >>> import tempfile
    >>> folder = Path(tempfile.mkdtemp())
    >>> load_manifest(folder) == empty_manifest()
    True
    >>> _ = (folder / MANIFEST_NAME).write_text('{"schema": 0, "reports": {"a/b": {}}}', encoding="utf-8")
    >>> load_manifest(folder)["reports"]
    {}
    """
    path = Path(reports_dir) / MANIFEST_NAME
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return empty_manifest()
    if (
        not isinstance(manifest, dict)
        or manifest.get("schema") != SCHEMA_VERSION
        or not isinstance(manifest.get("reports"), dict)
    ):
        return empty_manifest()
    return manifest


def save_manifest(reports_dir: Path | str, manifest: dict) -> Path:
    """Write the manifest atomically (UTF-8, indented, sorted keys), only when it changed.

    Parameters
    ----------
    reports_dir : Path or str
        The batch's ``reports`` folder (it must exist).
    manifest : dict
        The manifest; values JSON cannot hold (a ``Path``) are written as ``str``.

    Returns
    -------
    Path
        ``reports_dir/manifest.json``, whether it was rewritten or already held this text.

    Examples
    --------
    >>> import tempfile
    >>> folder = Path(tempfile.mkdtemp())
    >>> manifest = empty_manifest()
    >>> manifest["reports"]["brescia/01"] = {"status": "ok", "html": Path("brescia/01.html")}
    >>> save_manifest(folder, manifest).name
    'manifest.json'
    >>> load_manifest(folder)["reports"]
    {'brescia/01': {'html': 'brescia/01.html', 'status': 'ok'}}
    """
    path = Path(reports_dir) / MANIFEST_NAME
    text = json.dumps(manifest, ensure_ascii=False, indent=2, sort_keys=True, default=str) + "\n"
    try:
        if path.read_text(encoding="utf-8") == text:
            return path
    except OSError:
        pass
    return atomic_write_text(path, text)


def notebook_label(notebook_path: Path | str) -> str:
    """How the manifest names a source notebook: its path in the project, else its file name.

    Parameters
    ----------
    notebook_path : Path or str
        The notebook file.

    Returns
    -------
    str
        The path relative to ``config.PROJECT_ROOT`` with ``/`` when the notebook is in
        the project, otherwise only its file name: never an absolute path.

    Examples
    --------
    >>> notebook_label(config.NOTEBOOKS_DIR / "01_rete_partecipazione.ipynb")
    'notebooks/01_rete_partecipazione.ipynb'
    >>> notebook_label("/elsewhere/02.ipynb")
    '02.ipynb'
    """
    path = Path(notebook_path).absolute()
    root = config.PROJECT_ROOT.absolute()
    return path.relative_to(root).as_posix() if path.is_relative_to(root) else path.name


def report_inputs(
    notebook_path: Path | str, parameters: dict, processed: dict[str, str], library: str, packages: dict
) -> dict:
    """The inputs of one report, each as a SHA-256 (the notebook's is ``None`` if it is missing).

    Parameters
    ----------
    notebook_path : Path or str
        Source notebook.
    parameters : dict
        papermill parameters.
    processed : dict
        File name to SHA-256 of the processed folder (see
        :func:`~palestre_analysis.core.fingerprint.processed_hashes`).
    library : str
        Hash of the library's source files.
    packages : dict
        Package versions.

    Returns
    -------
    dict
        ``notebook`` (its ``path`` as :func:`notebook_label` writes it, and its ``sha256``),
        ``parameters_sha256``, ``processed`` (a copy), ``library_sha256`` and
        ``packages_sha256``: what :func:`input_key` hashes.

    Examples
    --------
    >>> import tempfile
    >>> missing = Path(tempfile.mkdtemp()) / "01.ipynb"
    >>> inputs = report_inputs(missing, {"seed": 1}, {"entities.parquet": "ab"}, "cd", {"pandas": "2.2.2"})
    >>> sorted(inputs), inputs["notebook"]["sha256"]
    (['library_sha256', 'notebook', 'packages_sha256', 'parameters_sha256', 'processed'], None)
    """
    try:
        notebook_hash = sha256_file(notebook_path)
    except OSError:
        notebook_hash = None
    return {
        "notebook": {"path": notebook_label(notebook_path), "sha256": notebook_hash},
        "parameters_sha256": sha256_json(parameters),
        "processed": dict(processed),
        "library_sha256": library,
        "packages_sha256": sha256_json(packages),
    }


def input_key(inputs: dict) -> str:
    """One SHA-256 for all of a report's inputs.

    Parameters
    ----------
    inputs : dict
        What :func:`report_inputs` returns (any JSON-like value works).

    Returns
    -------
    str
        64 hexadecimal digits; the order of keys does not matter.

    Examples
    --------
    >>> a = {"notebook": {"sha256": "1"}, "processed": {"x": "2"}}
    >>> input_key(a) == input_key(dict(reversed(list(a.items()))))
    True
    """
    return sha256_json(inputs)


def is_up_to_date(entry: dict | None, key: str, reports_dir: Path | str) -> bool:
    """Whether a report can be skipped: same key, last run succeeded, its files are there.

    Parameters
    ----------
    entry : dict or None
        The report's entry in the manifest's ``reports`` (``None``: never run).
    key : str
        The :func:`input_key` of the report's current inputs.
    reports_dir : Path or str
        The folder the entry's ``outputs`` (``html``, ``notebook``, ``tables``) are relative to.

    Returns
    -------
    bool
        ``True`` only when the entry has this ``key``, status ``"ok"``, and its HTML page,
        notebook and every table are files.

    Examples
    --------
    >>> is_up_to_date(None, "k", "/tmp")
    False
    >>> is_up_to_date({"key": "k", "status": "failed", "outputs": {}}, "k", "/tmp")
    False
    >>> import tempfile
    >>> folder = Path(tempfile.mkdtemp())
    >>> for name in ("01.html", "01.ipynb", "t.csv"):
    ...     _ = (folder / name).write_text("")
    >>> entry = {"key": "k", "status": "ok", "outputs": {"html": "01.html", "notebook": "01.ipynb",
    ...                                                  "tables": ["t.csv"]}}
    >>> is_up_to_date(entry, "k", folder), is_up_to_date(entry, "other key", folder)
    (True, False)
    >>> (folder / "t.csv").unlink()
    >>> is_up_to_date(entry, "k", folder)
    False
    """
    if not entry or entry.get("key") != key or entry.get("status") != "ok":
        return False
    outputs = entry.get("outputs") or {}
    files = [outputs.get("html"), outputs.get("notebook"), *(outputs.get("tables") or [])]
    return all(f and (Path(reports_dir) / f).is_file() for f in files)
