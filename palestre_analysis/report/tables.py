"""The CSV tables behind every figure and table of a report, in a contract others can reuse.

UTF-8, ``.`` as decimal mark, English column names, blank cells where a value is
suppressed. Five tables have a fixed set of columns (``CONTRACT``); the others keep the
columns of the statistic that produced them.
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd

from palestre_analysis.core.files import atomic_write_with

__all__ = ["CONTRACT", "GROUP_COUNTS", "save_table", "contract_view"]

#: Stands, in a contract, for the ``n_<group>`` columns of the process's two groups, in the table's order.
GROUP_COUNTS = "n_<gruppo>"

CONTRACT = {
    "composition": ["category", "n", "share", "ci_low", "ci_high"],
    "cells": [
        "field",
        "resource",
        "need",
        "group",
        "n",
        "mean",
        "median",
        "iqr",
        "share_high",
        "ci_low",
        "ci_high",
        "consensus",
        "mean_adjusted",
        "mean_poststratified",
        "suppressed",
    ],
    "group_comparison": [
        "resource",
        "gap",
        "ci_low",
        "ci_high",
        "interaction",
        "interaction_ci_low",
        "interaction_ci_high",
        "cliffs_delta",
        "delta_ci_low",
        "delta_ci_high",
        "pooled_gap",
        "pooled_ci_low",
        "pooled_ci_high",
        "own_weight",
        GROUP_COUNTS,
        "suppressed",
    ],
    "agreement": [
        "field",
        "alpha_interval",
        "ci_low",
        "ci_high",
        "alpha_ordinal",
        "n_raters",
        "n_units",
        "var_cell",
        "var_delegate",
        "var_residual",
        "icc_a1",
        "icc_a1_low",
        "icc_a1_high",
        "icc_ak",
        "icc_ak_low",
        "icc_ak_high",
        "k",
        "k_target",
        "leniency_share",
        "suppressed",
    ],
    "best_crossing": [
        "field",
        "need",
        "resource",
        "n",
        "mean",
        "p_best",
        "rank",
        "rank_low",
        "rank_high",
        "in_best_set",
        "best_set_size",
    ],
}
_SAFE_NAME = re.compile(r"^[a-z0-9_]+$")


def contract_view(frame: pd.DataFrame, name: str) -> pd.DataFrame:
    """The columns of a contract table, in order (an error names any that is missing).

    Parameters
    ----------
    frame : DataFrame
        The table to publish.
    name : str
        Its name; a key of :data:`CONTRACT` fixes its columns, any other name keeps them all.

    Returns
    -------
    DataFrame
        ``frame`` itself for a name outside the contract, otherwise its contract columns
        in the contract's order (extra columns are dropped).

    Raises
    ------
    ValueError
        When ``frame`` lacks a column of its contract.

    Examples
    --------
    >>> frame = pd.DataFrame({"extra": [1], "share": [0.5], "n": [4], "category": ["csv"],
    ...                       "ci_low": [0.2], "ci_high": [0.8]})
    >>> list(contract_view(frame, "composition"))
    ['category', 'n', 'share', 'ci_low', 'ci_high']
    >>> list(contract_view(frame, "other_table"))
    ['extra', 'share', 'n', 'category', 'ci_low', 'ci_high']
    >>> contract_view(frame.drop(columns="n"), "composition")
    Traceback (most recent call last):
    ...
    ValueError: The table 'composition' lacks the contract column(s) ['n'].
    """
    if name not in CONTRACT:
        return frame
    columns = []
    for column in CONTRACT[name]:
        if column == GROUP_COUNTS:
            groups = [c for c in frame.columns if str(c).startswith("n_") and c not in CONTRACT[name]]
            columns += groups if len(groups) == 2 else [f"{GROUP_COUNTS} (2)"]
        else:
            columns.append(column)
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise ValueError(f"The table {name!r} lacks the contract column(s) {missing}.")
    return frame[columns]


def save_table(frame: pd.DataFrame, name: str, tables_dir: Path | str | None) -> Path | None:
    """Write ``<tables_dir>/<name>.csv`` atomically; do nothing when ``tables_dir`` is empty.

    The folder is created if needed; the file is UTF-8 with ``.`` as decimal mark, no
    index, blank cells for missing values and ``\\n`` line ends. Contract tables are written
    through :func:`contract_view`.

    Parameters
    ----------
    frame : DataFrame
        The table.
    name : str
        File name without ``.csv``: lower-case letters, digits and underscores only.
    tables_dir : Path, str or None
        Destination folder; ``None``, empty or blank: nothing is written.

    Returns
    -------
    Path or None
        The path of the CSV file, or ``None`` when nothing was written.

    Raises
    ------
    ValueError
        For a ``name`` with other characters (it could leave the folder), or a contract
        table that lacks a contract column.

    Examples
    --------
    >>> import tempfile
    >>> folder = tempfile.mkdtemp()
    >>> path = save_table(pd.DataFrame({"mean": [7.25, None], "field": ["A", "B"]}), "example", folder)
    >>> path.read_text(encoding="utf-8")
    'mean,field\\n7.25,A\\n,B\\n'
    >>> save_table(pd.DataFrame({"n": [1]}), "example", "") is None
    True
    >>> save_table(pd.DataFrame({"n": [1]}), "../escape", folder)
    Traceback (most recent call last):
    ...
    ValueError: Table names are lower-case letters, digits and underscores, not '../escape'.
    """
    if tables_dir is None or not str(tables_dir).strip():
        return None
    if not _SAFE_NAME.match(name):
        raise ValueError(f"Table names are lower-case letters, digits and underscores, not {name!r}.")
    folder = Path(tables_dir)
    folder.mkdir(parents=True, exist_ok=True)
    view = contract_view(frame, name)
    return atomic_write_with(
        folder / f"{name}.csv",
        lambda path: view.to_csv(path, index=False, encoding="utf-8", na_rep="", lineterminator="\n"),
    )
