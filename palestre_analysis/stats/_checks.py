"""Input checks shared by the statistics: a missing column is a programming error, said plainly."""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

__all__ = ["require_columns"]


def require_columns(frame: pd.DataFrame, columns: Sequence[str], name: str) -> None:
    """Raise ``ValueError`` when ``frame`` lacks any of ``columns``.

    Parameters
    ----------
    frame : DataFrame
        The input table.
    columns : sequence of str
        The columns it must have.
    name : str
        The table's name in the message.

    Examples
    --------
    >>> require_columns(pd.DataFrame({"a": [1]}), ["a", "b"], "votes")
    Traceback (most recent call last):
    ...
    ValueError: votes lacks the column(s) ['b']; it has ['a'].
    """
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise ValueError(f"{name} lacks the column(s) {missing}; it has {list(map(str, frame.columns))}.")
