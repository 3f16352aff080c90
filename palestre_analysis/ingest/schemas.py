"""The processed tables' contract, checked with pandera before anything is written.

Raw rows are checked one by one by the cleaners, with sentences for people; these
schemas are the second guard: they prove that what the cleaner writes matches
``docs/processed_tables.md`` (types, allowed labels, unique ids, scores on the scale),
so a cleaner bug can never reach a report. The labels are the process's: its places on
its reference date (:class:`~palestre_analysis.core.geography.Geography`), its groups,
its nodes and its scale; :data:`SCHEMAS` are the seed's.
"""

from __future__ import annotations

import pandera.pandas as pa

from palestre_analysis.core.geography import Geography, geography
from palestre_analysis.core.process import DEFAULT_REFERENCE_DATE, Process
from palestre_analysis.core.vocabulary import CATEGORIES, ENTITY_TYPES, LEVELS

__all__ = ["SCHEMAS", "processed_schemas", "check_processed"]

_text = dict(nullable=False, coerce=True)


def processed_schemas(
    process: Process | None = None, geography: Geography | None = None
) -> dict[str, pa.DataFrameSchema]:
    """The pandera schema of each processed table, for one process.

    Parameters
    ----------
    process : Process, optional
        The process: its groups, nodes and scale (the seed's by default).
    geography : Geography, optional
        Its places: an entity's ``territory`` is one of them and ``territory_code`` that
        place's code; a meeting's is a place below the area, or none for a regional
        meeting. By default the process's area on its reference date (or on
        :data:`~palestre_analysis.core.process.DEFAULT_REFERENCE_DATE`).

    Returns
    -------
    dict of str to pandera.DataFrameSchema
        By table name: ``entities``, ``meetings``, ``attendance``, ``contributions``,
        ``votes``; strict (no other column is allowed).

    Examples
    --------
    >>> schemas = processed_schemas()
    >>> sorted(schemas), schemas["entities"].columns["group"].checks[0].statistics["allowed_values"]
    (['attendance', 'contributions', 'entities', 'meetings', 'votes'], ['aps_odv', 'fondazioni_csv_altri'])
    """
    process = process or Process()
    places = geography or _geography_of(process)
    codes = {name: places.place(name).code for name in places.names()}
    below = [name for name in codes if name != places.area.name]
    return {
        "entities": pa.DataFrameSchema(
            {
                "entity_id": pa.Column(str, pa.Check.str_length(min_value=1), unique=True, **_text),
                "entity_name": pa.Column(str, **_text),
                "entity_type": pa.Column(str, pa.Check.isin(ENTITY_TYPES), **_text),
                "category": pa.Column(str, pa.Check.isin(CATEGORIES), **_text),
                "group": pa.Column(str, pa.Check.isin([g.key for g in process.groups]), **_text),
                "territory_code": pa.Column(str, pa.Check.isin(sorted(set(codes.values()))), **_text),
                "territory": pa.Column(str, pa.Check.isin(list(codes)), **_text),
                "delegate_id": pa.Column(str, pa.Check.str_matches(r"^[0-9a-f]{16}$"), nullable=True),
            },
            checks=pa.Check(
                lambda df: df["territory_code"] == df["territory"].map(codes),
                error="territory_code is the code of the territory",
            ),
            strict=True,
        ),
        "meetings": pa.DataFrameSchema(
            {
                "meeting_id": pa.Column(str, pa.Check.str_length(min_value=1), unique=True, **_text),
                "date": pa.Column("datetime64[ns]", coerce=True),
                "phase": pa.Column("int8", pa.Check.isin([1, 2]), coerce=True),
                "level": pa.Column(str, pa.Check.isin(LEVELS), **_text),
                "territory_code": pa.Column(str, nullable=True),
                "territory": pa.Column(str, pa.Check.isin(below), nullable=True),
                "focus_group": pa.Column(str, nullable=True),
            },
            checks=[
                pa.Check(
                    lambda df: (df["level"] == "regionale") | df["territory_code"].notna(),
                    error="a territorial meeting has a territory",
                ),
                pa.Check(
                    lambda df: (df["level"] == "territoriale") | df["territory_code"].isna(),
                    error="a regional meeting has no territory",
                ),
                pa.Check(
                    lambda df: (
                        (df["territory"].isna() & df["territory_code"].isna())
                        | (df["territory_code"] == df["territory"].map(codes))
                    ),
                    error="territory_code is the code of the territory",
                ),
            ],
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
                "node": pa.Column(str, pa.Check.isin(list(process.nodes)), **_text),
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
                "score": pa.Column("int8", pa.Check.in_range(*process.scale), coerce=True),
            },
            unique=["entity_id", "field", "resource", "need"],
            strict=True,
        ),
    }


def _geography_of(process: Process) -> Geography:
    return geography(process.area, process.reference_date or DEFAULT_REFERENCE_DATE)


#: The schemas of the seed's process (Lombardy's provinces, the seed's groups and nodes, votes 1-10).
SCHEMAS = processed_schemas()


def check_processed(
    name: str,
    frame,
    *,
    scale: tuple[int, int] | None = None,
    process: Process | None = None,
    geography: Geography | None = None,
):
    """Validate (and coerce) one processed table; a failure is a bug of the cleaner.

    Parameters
    ----------
    name : str
        The table, a key of :data:`SCHEMAS` (``entities``, ``meetings``, ``attendance``,
        ``contributions``, ``votes``).
    frame : DataFrame
        The table, with exactly the schema's columns (the schemas are strict).
    scale : tuple of (int, int), optional
        The lowest and highest vote: the ``score`` of ``votes`` must lie in it (default:
        the process's scale, 1-10 for the seed).
    process : Process, optional
        The process whose groups, nodes and scale the labels follow (the seed's by default).
    geography : Geography, optional
        Its places (see :func:`processed_schemas`).

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
    if process is None and geography is None:
        schema = SCHEMAS[name]
    else:
        schema = processed_schemas(process, geography)[name]
    low, high = (process or Process()).scale
    if name == "votes" and scale is not None and tuple(scale) != (low, high):
        schema = schema.update_column("score", checks=[pa.Check.in_range(*scale)])
    return schema.validate(frame, lazy=True)
