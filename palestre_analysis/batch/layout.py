"""The published folder's layout: one folder per territory, each report's files, the staging area.

``reports/<territory>/<notebook>.html`` and ``.ipynb``, the CSV tables behind its figures in
``reports/<territory>/tables/``, and ``reports/<territory>/.staging/<notebook>/`` where a
running report writes before its files move in place. The batch, the manifest and the
clean-up after an interruption all take these paths from here.
"""

from __future__ import annotations

import os
import re
import shutil
from dataclasses import dataclass
from pathlib import Path

from palestre_analysis.core.files import TEMP_SUFFIX, ensure_inside, unlink_quietly

__all__ = [
    "STAGING_DIRNAME",
    "TABLES_DIRNAME",
    "ReportPaths",
    "report_paths",
    "remove_leftovers",
    "relative_path",
    "PathScrubber",
]

#: Folder, inside a territory's folder, where a running report writes before its files move in place.
STAGING_DIRNAME = ".staging"
#: Folder, inside a territory's folder, of the CSV tables behind the figures.
TABLES_DIRNAME = "tables"


@dataclass(frozen=True)
class ReportPaths:
    """Where one report's files go (all inside ``reports_dir``); built by :func:`report_paths`.

    Parameters
    ----------
    folder : Path
        The territory's folder, ``<reports_dir>/<slug>``.
    html : Path
        The published page, ``<folder>/<stem>.html``.
    notebook : Path
        The published executed notebook, ``<folder>/<stem>.ipynb``.
    pdf : Path
        The page printed as PDF, ``<folder>/<stem>.pdf`` (written when a browser is available).
    tables : Path
        The territory's CSV tables, ``<folder>/tables`` (shared by its reports).
    staging : Path
        Where the running report writes, ``<folder>/.staging/<stem>``.
    staging_tables : Path
        The tables being written, ``<staging>/tables`` (the notebook's ``tables_dir``).
    staging_notebook : Path
        The notebook papermill is executing, ``<staging>/<stem>.ipynb``.
    """

    folder: Path
    html: Path
    notebook: Path
    pdf: Path
    tables: Path
    staging: Path
    staging_tables: Path
    staging_notebook: Path


def report_paths(reports_dir: Path | str, slug: str, stem: str) -> ReportPaths:
    """The paths of report ``stem`` for territory folder ``slug``.

    Nothing is created; the paths are built from ``reports_dir`` as given (not resolved).

    Parameters
    ----------
    reports_dir : Path or str
        The batch's ``reports`` folder.
    slug : str
        The territory's folder name (see :func:`~palestre_analysis.batch.plan.assign_slugs`).
    stem : str
        The notebook's file name without ``.ipynb``.

    Returns
    -------
    ReportPaths
        Every path of the report.

    Raises
    ------
    ValueError
        If any of them would fall outside ``reports_dir`` (a slug with ``..``, a symbolic
        link to elsewhere).

    Examples
    --------
    >>> paths = report_paths("/tmp/out/reports", "brescia", "01_rete_partecipazione")
    >>> paths.html.as_posix()
    '/tmp/out/reports/brescia/01_rete_partecipazione.html'
    >>> paths.staging_tables.as_posix()
    '/tmp/out/reports/brescia/.staging/01_rete_partecipazione/tables'
    >>> report_paths("/tmp/out/reports", "..", "01_rete_partecipazione")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    ValueError: ...out is outside the output folder ...out/reports.
    """
    root = Path(reports_dir)
    folder = root / slug
    staging = folder / STAGING_DIRNAME / stem
    paths = ReportPaths(
        folder=folder,
        html=folder / f"{stem}.html",
        notebook=folder / f"{stem}.ipynb",
        pdf=folder / f"{stem}.pdf",
        tables=folder / TABLES_DIRNAME,
        staging=staging,
        staging_tables=staging / TABLES_DIRNAME,
        staging_notebook=staging / f"{stem}.ipynb",
    )
    for path in vars(paths).values():
        ensure_inside(root, path)
    return paths


def remove_leftovers(reports_dir: Path | str) -> list[Path]:
    """Delete what an interrupted run may have left: staging folders and temporary files.

    Only hidden names the batch creates are touched: ``<territory>/.staging/`` and
    ``.*.tmp`` files in ``reports_dir`` and its territory folders (and their ``tables/``).
    Symbolic links to folders are not followed.

    Parameters
    ----------
    reports_dir : Path or str
        The batch's ``reports`` folder; a missing one is not an error.

    Returns
    -------
    list of Path
        What was removed (a staging folder is listed even if part of it could not be).

    Examples
    --------
    >>> import tempfile
    >>> reports = Path(tempfile.mkdtemp())
    >>> (reports / "brescia" / ".staging" / "01" / "tables").mkdir(parents=True)
    >>> (reports / "brescia" / "tables").mkdir()
    >>> _ = (reports / "brescia" / "tables" / ".a.csv.x1.tmp").write_text("")
    >>> _ = (reports / "brescia" / "01.html").write_text("")
    >>> sorted(p.relative_to(reports).as_posix() for p in remove_leftovers(reports))
    ['brescia/.staging', 'brescia/tables/.a.csv.x1.tmp']
    >>> sorted(p.relative_to(reports).as_posix() for p in reports.rglob("*"))
    ['brescia', 'brescia/01.html', 'brescia/tables']
    >>> remove_leftovers(reports / "missing")
    []
    """
    reports_dir = Path(reports_dir)
    removed: list[Path] = []
    if not reports_dir.is_dir():
        return removed
    folders = [reports_dir, *(p for p in reports_dir.iterdir() if p.is_dir() and not p.is_symlink())]
    for folder in folders:
        staging = folder / STAGING_DIRNAME
        if staging.is_dir() and not staging.is_symlink():
            shutil.rmtree(staging, ignore_errors=True)
            removed.append(staging)
        for sub in (folder, folder / TABLES_DIRNAME):
            if sub.is_dir():
                for temp in sub.glob(f".*{TEMP_SUFFIX}"):
                    unlink_quietly(temp)
                    removed.append(temp)
    return removed


def relative_path(path: Path | str, reports_dir: Path | str) -> str:
    """``path`` relative to the reports folder, with ``/``: how every published file names a path.

    The manifest, the executed notebooks' parameters and metadata name files this way, so
    that nothing published holds the absolute paths of the machine that ran the batch.

    Parameters
    ----------
    path : Path or str
        An absolute path, or one relative to the current folder like ``reports_dir``.
    reports_dir : Path or str
        The batch's ``reports`` folder.

    Returns
    -------
    str
        The relative path (``..`` when ``path`` is outside ``reports_dir``); ``"."`` for the
        folder itself.

    Examples
    --------
    >>> relative_path("/tmp/out/processed", "/tmp/out/reports")
    '../processed'
    >>> relative_path("/tmp/out/reports/brescia/tables", "/tmp/out/reports")
    'brescia/tables'
    """
    return Path(os.path.relpath(os.path.abspath(path), os.path.abspath(reports_dir))).as_posix()


class PathScrubber:
    """Rewrite the absolute paths of this machine found in text into paths relative to the reports folder.

    What a notebook prints (a warning, a traceback, an error message) may name files by
    their absolute path. Before a report is published its text goes through this
    object: the reports folder becomes relative (``brescia/…``), the output folder above it
    ``../``, the project folder a path inside the project (``palestre_analysis/…``) and the
    home folder ``~/``. Longer folders are replaced first, each in its resolved form too.

    Parameters
    ----------
    reports_dir : Path or str
        The batch's ``reports`` folder.
    project_root : Path or str, optional
        The project's folder; ``config.PROJECT_ROOT`` by default.

    Examples
    --------
    >>> scrub = PathScrubber("/srv/out/reports", project_root="/srv/code")
    >>> scrub("File /srv/code/palestre_analysis/x.py, read /srv/out/processed/a.parquet")
    'File palestre_analysis/x.py, read ../processed/a.parquet'
    >>> scrub("File \\x1b[0;32m/srv/code/x.py:3\\x1b[0m") == "File \\x1b[0;32mx.py:3\\x1b[0m"
    True
    >>> scrub("/srv/out/reports/brescia/01.ipynb and /srv/out/reports, not /var/srv/out/x or /srv/outer")
    'brescia/01.ipynb and ., not /var/srv/out/x or /srv/outer'
    """

    def __init__(self, reports_dir: Path | str, project_root: Path | str | None = None):
        from palestre_analysis import config

        reports = Path(os.path.abspath(reports_dir))
        project = Path(os.path.abspath(project_root if project_root is not None else config.PROJECT_ROOT))
        roots = [(reports, ""), (reports.parent, "../"), (project, "")]
        try:
            roots.append((Path.home(), "~/"))
        except RuntimeError:  # no home folder
            pass
        replacements: dict[str, str] = {}
        for folder, replacement in roots:
            for form in (folder, folder.resolve()):
                text = str(form)
                if form.parent != form and text not in replacements:  # never the file system's root
                    replacements[text] = replacement
        #: ``(folder, replacement)``, the longest folder first.
        self.replacements = sorted(replacements.items(), key=lambda item: -len(item[0]))

    def __call__(self, text: str) -> str:
        """``text`` with every absolute folder of :attr:`replacements` rewritten.

        Parameters
        ----------
        text : str
            Any text.

        Returns
        -------
        str
            The text; a folder named alone (not followed by ``/``) becomes its replacement
            without the final ``/`` (``"."`` for the reports folder). A folder inside a
            longer name (``/var/srv/out``) is left alone.
        """
        for folder, replacement in self.replacements:
            if folder in text:
                alone = replacement.rstrip("/") or "."
                # at the start, after a character that cannot be in a path, or after a colour code
                pattern = r"((?:^|(?<=[^\w./-]))(?:\x1b\[[0-9;]*m)*)" + re.escape(folder) + r"(?:(/)|(?![\w.-]))"
                text = re.sub(pattern, lambda m, r=replacement, a=alone: m.group(1) + (r if m.group(2) else a), text)
        return text
