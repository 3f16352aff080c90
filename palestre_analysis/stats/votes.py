"""The phase-2 vote table that the scoring statistics read, and its validation.

The scoring functions (:mod:`~palestre_analysis.stats.cells`,
:mod:`~palestre_analysis.stats.groups`, :mod:`~palestre_analysis.stats.agreement`)
take a tidy ``votes`` table with one row per vote:

========== ==================================================================
column     meaning
========== ==================================================================
rater      the delegate (one per entity): any hashable label, never null
field      field of activity, free label
resource   source of resources, free label
need       need, free label
score      whole number on the process's scale (1 .. 10 by default)
group      one of the process's two group keys (the seed's ``aps_odv`` or
           ``fondazioni_csv_altri``)
(by)       any column named in ``by`` (e.g. ``territory``), never null
========== ==================================================================

A rater scores each cell (field, resource, need) at most once and belongs to one
group. The scale is the keyword-only ``scale=(low, high)`` of every scoring
function (see :mod:`.scales`), 1 .. 10 unless said otherwise; the groups are its
keyword-only ``groups`` (the keys of ``Processed.process.groups``, or the groups
themselves), the seed's two unless said otherwise (:func:`group_keys`).
:func:`prepare_votes` builds this table from the processed ``votes.parquet`` and
``entities.parquet``.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from palestre_analysis.core.vocabulary import GROUPS

from ._checks import require_columns
from .scales import DEFAULT_SCALE, check_scale

__all__ = ["VOTE_COLUMNS", "CELL_COLUMNS", "SCORE_MIN", "SCORE_MAX", "group_keys", "prepare_votes", "validate_votes"]

#: Columns every vote table must have.
VOTE_COLUMNS = ("rater", "field", "resource", "need", "score", "group")
#: The three labels that name a cell.
CELL_COLUMNS = ("field", "resource", "need")
#: The default score scale (the Lombard process's 1 .. 10).
SCORE_MIN, SCORE_MAX = DEFAULT_SCALE


def group_keys(groups: Sequence) -> tuple[str, str]:
    """The two group keys of a process, in its order, from keys or from its groups.

    Parameters
    ----------
    groups : sequence of str or of Group
        Two distinct keys, or two objects with a ``key`` (``Processed.process.groups``).

    Returns
    -------
    tuple of (str, str)

    Raises
    ------
    ValueError
        When there are not exactly two distinct keys.

    Examples
    --------
    >>> from palestre_analysis.core.process import Process
    >>> group_keys(Process().groups), group_keys(["giovani", "adulti"])
    (('aps_odv', 'fondazioni_csv_altri'), ('giovani', 'adulti'))
    """
    keys = tuple(str(getattr(g, "key", g)) for g in groups)
    if len(keys) != 2 or keys[0] == keys[1]:
        raise ValueError(f"groups must be two distinct group keys, got {list(keys)}.")
    return keys


def prepare_votes(votes: pd.DataFrame, entities: pd.DataFrame, by: Sequence[str] = ("territory",)) -> pd.DataFrame:
    """Join the processed votes to their entities: add ``rater``, ``group`` and ``by``.

    Parameters
    ----------
    votes : DataFrame
        ``votes.parquet``: ``entity_id``, ``field``, ``resource``, ``need``, ``score``.
    entities : DataFrame
        ``entities.parquet``: ``entity_id``, ``group`` and the ``by`` columns.
    by : sequence of str, default ("territory",)
        Entity columns to carry over, so that the statistics can be split by them.

    Returns
    -------
    DataFrame
        ``rater`` (the entity's id: one delegate per entity), ``field``,
        ``resource``, ``need``, ``score``, ``group`` and the ``by`` columns.

    Raises
    ------
    ValueError
        When a column is missing or a vote refers to an unknown entity.

    Notes
    -----
    The processed tables hold one delegate per entity, so the entity's id is
    the rater's key (``delegate_id`` may be null and is not needed). The
    ``group`` comes from the entity type (``vocabulary.GROUP_OF_TYPE``).

    References
    ----------
    .. [1] ``docs/processed_tables.md``, the contract of the processed tables.

    Examples
    --------
    >>> v = pd.DataFrame({"entity_id": ["e1", "e2"], "field": ["Cultura"] * 2,
    ...                   "resource": ["Bandi"] * 2, "need": ["Spazi"] * 2, "score": [7, 9]})
    >>> e = pd.DataFrame({"entity_id": ["e1", "e2"], "group": ["aps_odv", "fondazioni_csv_altri"],
    ...                   "territory": ["Bergamo", "Brescia"]})
    >>> prepare_votes(v, e)[["rater", "score", "group", "territory"]]
      rater  score                 group territory
    0    e1      7               aps_odv   Bergamo
    1    e2      9  fondazioni_csv_altri   Brescia
    """
    by = list(by)
    require_columns(votes, ["entity_id", *CELL_COLUMNS, "score"], "votes")
    require_columns(entities, ["entity_id", "group", *by], "entities")
    attributes = entities[["entity_id", "group", *by]].drop_duplicates("entity_id")
    merged = votes.merge(attributes, on="entity_id", how="left", validate="many_to_one")
    unknown = merged["group"].isna()
    if unknown.any():
        first = merged.loc[unknown, "entity_id"].iloc[0]
        raise ValueError(
            f"{int(unknown.sum())} votes refer to entities missing from the entities table "
            f"(the first is entity_id {first!r})."
        )
    merged = merged.rename(columns={"entity_id": "rater"})
    return merged[["rater", *CELL_COLUMNS, "score", "group", *by]]


def validate_votes(
    votes: pd.DataFrame,
    by: Sequence[str] = (),
    *,
    scale: tuple[int, int] = DEFAULT_SCALE,
    groups: Sequence | None = GROUPS,
) -> None:
    """Check a vote table; raise ``ValueError`` with a sentence on the first problem.

    Parameters
    ----------
    votes : DataFrame
        See the module docstring for the columns.
    by : sequence of str
        Extra columns that must be present and complete.
    scale : tuple of (int, int), default (1, 10)
        The lowest and highest score of the process (see :mod:`.scales`).
    groups : two group keys (or groups), or None, default the seed's two
        The process's groups (:func:`group_keys`); every vote's ``group`` must be one
        of them. ``None`` accepts any labels, at most two.

    Returns
    -------
    None
        The table is valid when nothing is raised.

    Raises
    ------
    ValueError
        Missing columns, an empty table, null labels, a score that is not a whole
        number on the scale (from 1 to 10 by default), an unknown group, a rater
        in two groups, or a rater who scored the same cell twice; a ``scale`` that
        :func:`.scales.check_scale` refuses.

    Notes
    -----
    The duplicate and group checks run inside the scoring functions, where the
    codes they need are already built (see ``_histograms``); this function runs
    the column-level checks only, and is cheap.

    References
    ----------
    .. [1] Wilson, G. et al. (2017). Good enough practices in scientific
       computing. *PLOS Comput Biol* 13(6), e1005510 ("fail early, with a
       message a researcher can act on").

    Examples
    --------
    >>> v = pd.DataFrame({"rater": ["a"], "field": ["f"], "resource": ["r"], "need": ["n"],
    ...                   "score": [11], "group": ["aps_odv"]})
    >>> validate_votes(v)
    Traceback (most recent call last):
    ...
    ValueError: votes: score must be a whole number from 1 to 10; row 0 has 11.
    >>> validate_votes(v.assign(score=0), scale=(0, 10))
    >>> validate_votes(v.assign(score=6), scale=(1, 5))
    Traceback (most recent call last):
    ...
    ValueError: votes: score must be a whole number from 1 to 5; row 0 has 6.
    >>> validate_votes(v.assign(score=6, group="giovani"), groups=["giovani", "adulti"])
    """
    scale = check_scale(scale)
    by = list(by)
    if not isinstance(votes, pd.DataFrame):
        raise ValueError(f"votes must be a pandas DataFrame, got {type(votes).__name__}.")
    overlap = sorted(set(by) & set(VOTE_COLUMNS))
    if overlap:
        raise ValueError(f"by cannot name the vote columns {overlap}; pass entity attributes such as territory.")
    if len(set(by)) != len(by):
        raise ValueError(f"by names a column twice: {by}.")
    require_columns(votes, [*VOTE_COLUMNS, *by], "votes")
    if len(votes) == 0:
        raise ValueError("votes is empty: there is nothing to score.")
    for column in ["rater", *CELL_COLUMNS, "group", *by]:
        missing = votes[column].isna().to_numpy()
        if missing.any():
            row = votes.index[int(np.argmax(missing))]
            raise ValueError(
                f"votes: column {column!r} has {int(missing.sum())} missing values (the first in row {row!r})."
            )
    _check_scores(votes["score"], scale)
    if groups is None:
        found = pd.unique(votes["group"])
        if len(found) > 2:
            raise ValueError(f"votes: at most two groups are compared, found {sorted(map(str, found))}.")
        return
    keys = list(group_keys(groups))
    bad_group = ~votes["group"].isin(keys).to_numpy()
    if bad_group.any():
        row = votes.index[int(np.argmax(bad_group))]
        raise ValueError(f"votes: group must be one of {keys}; row {row!r} has {votes['group'].loc[row]!r}.")


def _check_scores(score: pd.Series, scale: tuple[int, int]) -> None:
    """Scores: numeric, whole, on the scale ``low .. high``, no nulls."""
    low, high = scale
    if not (pd.api.types.is_numeric_dtype(score) and not pd.api.types.is_bool_dtype(score)):
        raise ValueError(f"votes: score must be numeric (whole numbers {low} to {high}), got dtype {score.dtype}.")
    values = score.to_numpy(dtype=float, na_value=np.nan)
    bad = ~np.isfinite(values) | (values != np.round(values)) | (values < low) | (values > high)
    if bad.any():
        i = int(np.argmax(bad))
        shown = score.iloc[i]
        raise ValueError(
            f"votes: score must be a whole number from {low} to {high}; row {score.index[i]!r} has {shown}."
        )
