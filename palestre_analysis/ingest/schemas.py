"""The processed tables' contract, checked with pandera before anything is written.

Raw rows are checked one by one by the cleaners, with sentences for people; these
schemas are the second guard: they prove that what the cleaner writes matches
``docs/processed_tables.md`` (types, allowed labels, unique ids, scores 1..10), so a
cleaner bug can never reach a report.
"""

from __future__ import annotations

import pandera.pandas as pa

from palestre_analysis.core.vocabulary import CATEGORIES, ENTITY_TYPES, GROUPS, LEVELS, NODES, TERRITORY_NAMES

__all__ = ["SCHEMAS", "check_processed"]

_text = dict(nullable=False, coerce=True)

SCHEMAS = {
    "entities": pa.DataFrameSchema(
        {
            "entity_id": pa.Column(str, pa.Check.str_length(min_value=1), unique=True, **_text),
            "entity_name": pa.Column(str, **_text),
            "entity_type": pa.Column(str, pa.Check.isin(ENTITY_TYPES), **_text),
            "category": pa.Column(str, pa.Check.isin(CATEGORIES), **_text),
            "group": pa.Column(str, pa.Check.isin(GROUPS), **_text),
            "territory_code": pa.Column(str, pa.Check.isin(list(TERRITORY_NAMES)), **_text),
            "territory": pa.Column(str, pa.Check.isin(list(TERRITORY_NAMES.values())), **_text),
            "delegate_id": pa.Column(str, pa.Check.str_matches(r"^[0-9a-f]{16}$"), nullable=True),
        },
        strict=True,
    ),
    "meetings": pa.DataFrameSchema(
        {
            "meeting_id": pa.Column(str, pa.Check.str_length(min_value=1), unique=True, **_text),
            "date": pa.Column("datetime64[ns]", coerce=True),
            "phase": pa.Column("int8", pa.Check.isin([1, 2]), coerce=True),
            "level": pa.Column(str, pa.Check.isin(LEVELS), **_text),
            "territory_code": pa.Column(str, nullable=True),
            "territory": pa.Column(str, nullable=True),
            "focus_group": pa.Column(str, nullable=True),
        },
        checks=pa.Check(
            lambda df: (df["level"] == "regionale") | df["territory_code"].notna(),
            error="a territorial meeting has a territory",
        ),
        strict=True,
    ),
    "attendance": pa.DataFrameSchema(
        {"meeting_id": pa.Column(str, **_text), "entity_id": pa.Column(str, **_text)},
        unique=["meeting_id", "entity_id"],
        strict=True,
    ),
    "contributions": pa.DataFrameSchema(
        {
            "meeting_id": pa.Column(str, **_text),
            "entity_id": pa.Column(str, **_text),
            "node": pa.Column(str, pa.Check.isin(NODES), **_text),
            "text": pa.Column(str, nullable=True),
        },
        strict=True,
    ),
    "votes": pa.DataFrameSchema(
        {
            "entity_id": pa.Column(str, **_text),
            "field": pa.Column(str, pa.Check.str_length(min_value=1), **_text),
            "resource": pa.Column(str, pa.Check.str_length(min_value=1), **_text),
            "need": pa.Column(str, pa.Check.str_length(min_value=1), **_text),
            "score": pa.Column("int8", pa.Check.in_range(1, 10), coerce=True),
        },
        unique=["entity_id", "field", "resource", "need"],
        strict=True,
    ),
}


def check_processed(name: str, frame, *, scale: tuple[int, int] = (1, 10)):
    """Validate (and coerce) one processed table; a failure is a bug of the cleaner.

    Parameters
    ----------
    name : str
        The table, a key of :data:`SCHEMAS` (``entities``, ``meetings``, ``attendance``,
        ``contributions``, ``votes``).
    frame : DataFrame
        The table, with exactly the schema's columns (the schemas are strict).
    scale : tuple of (int, int), default (1, 10)
        The process's lowest and highest vote: the ``score`` of ``votes`` must lie in it.

    Returns
    -------
    DataFrame
        The table with its columns coerced to the schema's types (text as strings,
        ``phase`` and ``score`` as ``int8``, ``date`` as ``datetime64[ns]``).

    Raises
    ------
    pandera.errors.SchemaErrors
        Listing every failed check at once (the validation is lazy).
    KeyError
        When ``name`` is not a processed table.

    Examples
    --------
    >>> import pandas as pd
    >>> import pandera.errors
    >>> votes = pd.DataFrame({"entity_id": ["E1"], "field": ["Cultura"], "resource": ["Bandi"], "need": ["Sedi"],
    ...                       "score": [7]})
    >>> str(check_processed("votes", votes)["score"].dtype)
    'int8'
    >>> twice = pd.DataFrame({"meeting_id": ["M1", "M1"], "entity_id": ["E1", "E1"]})
    >>> try:
    ...     check_processed("attendance", twice)
    ... except pandera.errors.SchemaErrors as exc:
    ...     print(type(exc).__name__)
    SchemaErrors
    """
    schema = SCHEMAS[name]
    if name == "votes" and tuple(scale) != (1, 10):
        schema = schema.update_column("score", checks=[pa.Check.in_range(*scale)])
    return schema.validate(frame, lazy=True)
