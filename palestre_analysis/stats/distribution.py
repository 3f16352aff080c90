"""How scores spread over the scale, per resource (pooled over fields and needs).

The diverging bars of the reports and the territories side by side read this table.
Pooling cells is descriptive: the same delegate contributes several votes to one
resource, so ``n_raters`` (distinct delegates) is the disclosure base, not the votes.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from palestre_analysis import config

from .disclosure import blank_small_counts, check_min_cell, suppress
from .votes import validate_votes

__all__ = ["resource_summary", "LOW_MAX", "MID_MAX"]

#: Bands of the 1-10 scale: low 1-4, middle 5-6, high 7-10 (as in the consensus rule).
LOW_MAX, MID_MAX = 10 - config.HIGH_SCORE + 1, config.HIGH_SCORE - 1


def resource_summary(votes: pd.DataFrame, by: Sequence[str] = (), min_cell: int = config.MIN_CELL) -> pd.DataFrame:
    """Mean score and the shares of low, middle and high votes, per resource.

    Parameters
    ----------
    votes : DataFrame
        The vote table (``rater``, ``field``, ``resource``, ``need``, ``score``, ``group``
        and the ``by`` columns); see :mod:`.votes`.
    by : sequence of str, default ()
        Columns that split the votes into subsets (e.g. ``("territory",)``).
    min_cell : int, default ``config.MIN_CELL``
        Resources scored by fewer delegates are blanked and flagged.

    Returns
    -------
    DataFrame
        The ``by`` columns, ``resource``, ``n_raters``, ``n_votes``, ``mean``,
        ``share_low`` (1-4), ``share_mid`` (5-6), ``share_high`` (7-10), ``suppressed``.

    Notes
    -----
    Plain counting with pandas (no library computes it): ``share_low = #{score <= 4} / n_votes``.
    Each row is blanked whole, its count of delegates included, when fewer than
    ``min_cell`` delegates scored the resource, so no share can be recovered from the
    others of its row.

    References
    ----------
    .. [1] Robbins, N. B. & Heiberger, R. M. (2011). Plotting Likert and other rating scales.
       *Proceedings of the Joint Statistical Meetings*, 1058-1066 (the diverging bars drawn from it).

    Examples
    --------
    >>> v = pd.DataFrame({"rater": list("abcde"), "field": "F", "resource": "R", "need": "N",
    ...                   "score": [2, 5, 7, 8, 10], "group": "aps_odv"})
    >>> resource_summary(v).round(2).to_dict("records")
    [{'resource': 'R', 'n_raters': 5, 'n_votes': 5, 'mean': 6.4, 'share_low': 0.2, 'share_mid': 0.2, 'share_high': 0.6, 'suppressed': False}]
    """
    min_cell = check_min_cell(min_cell)
    by = list(by)
    validate_votes(votes, by)
    keys = [*by, "resource"]
    frame = votes.assign(
        _low=votes["score"] <= LOW_MAX,
        _mid=votes["score"].between(LOW_MAX + 1, MID_MAX),
        _high=votes["score"] > MID_MAX,
    )
    grouped = frame.groupby(keys, sort=True, observed=True)
    table = grouped.agg(
        n_raters=("rater", "nunique"),
        n_votes=("score", "size"),
        mean=("score", "mean"),
        share_low=("_low", "mean"),
        share_mid=("_mid", "mean"),
        share_high=("_high", "mean"),
    ).reset_index()
    table["n_raters"] = table["n_raters"].astype("int64")
    table["n_votes"] = table["n_votes"].astype("int64")
    stats_columns = ["n_votes", "mean", "share_low", "share_mid", "share_high"]
    suppress(table, table["n_raters"].to_numpy(dtype=np.int64), stats_columns, min_cell)
    return blank_small_counts(table, ["n_raters"], min_cell)
