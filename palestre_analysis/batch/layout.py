"""The published folder's layout: one folder per territory, each report's files, the staging area.

``reports/<territory>/<notebook>.html`` and ``.ipynb``, the CSV tables behind its figures in
``reports/<territory>/tables/``, and ``reports/<territory>/.staging/<notebook>/`` where a
running report writes before its files move in place. The batch, the manifest and the
clean-up after an interruption all take these paths from here.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

from palestre_analysis.core.files import TEMP_SUFFIX, ensure_inside, unlink_quietly

__all__ = ["STAGING_DIRNAME", "TABLES_DIRNAME", "ReportPaths", "report_paths", "remove_leftovers"]

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
