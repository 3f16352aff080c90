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
from .scales import DEFAULT_SCALE, Bands, check_scale, resolve_bands
from .votes import validate_votes

__all__ = ["resource_summary", "LOW_MAX", "MID_MAX"]

#: Bands of the default 1-10 scale: low 1-4, middle 5-6, high 7-10 (as in the consensus rule).
LOW_MAX, MID_MAX = 10 - config.HIGH_SCORE + 1, config.HIGH_SCORE - 1


def resource_summary(
    votes: pd.DataFrame,
    by: Sequence[str] = (),
    min_cell: int = config.MIN_CELL,
    *,
    scale: tuple[int, int] = DEFAULT_SCALE,
    high_score: int = config.HIGH_SCORE,
    bands: Bands | None = None,
) -> pd.DataFrame:
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
    scale : tuple of (int, int), default (1, 10)
        The lowest and highest score of the process (see :mod:`.scales`); a
        vote off the scale is an error.
    high_score : int, default ``config.HIGH_SCORE``
        First score of the high band when ``bands`` is None: the bands are
        drawn from it as in the consensus rule (:func:`.scales.resolve_bands`).
    bands : three (first, last) pairs, optional
        Explicit low, middle and high bands covering the scale in order.

    Returns
    -------
    DataFrame
        The ``by`` columns, ``resource``, ``n_raters``, ``n_votes``, ``mean``,
        ``share_low``, ``share_mid``, ``share_high`` (the three bands: 1-4, 5-6
        and 7-10 by default), ``suppressed``.

    Notes
    -----
    Plain counting with pandas (no library computes it): ``share_low = #{score <= 4} / n_votes``
    on the default bands, ``#{score <= last score of the low band} / n_votes`` on any.
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

    On a 1-5 scale with the bands 1-2, 3 and 4-5:

    >>> v5 = v.assign(score=[1, 3, 4, 4, 5])
    >>> resource_summary(v5, scale=(1, 5), high_score=4)[["share_low", "share_mid", "share_high"]]
       share_low  share_mid  share_high
    0        0.2        0.2         0.6
    """
    min_cell = check_min_cell(min_cell)
    scale = check_scale(scale)
    (_, low_max), (_, mid_max), _ = resolve_bands(bands, scale, high_score)
    by = list(by)
    validate_votes(votes, by, scale=scale, groups=None)  # pooled over the groups: any labels
    keys = [*by, "resource"]
    frame = votes.assign(
        _low=votes["score"] <= low_max,
        _mid=votes["score"].between(low_max + 1, mid_max),
        _high=votes["score"] > mid_max,
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
