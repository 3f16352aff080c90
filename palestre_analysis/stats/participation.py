"""Participation in the meetings: "Mai da soli, sempre con i soliti".

Who came, how often, whether new faces arrived, how concentrated attendance was
among entities (Gini), and how the entities were tied to one another by the
meetings they shared (the co-attendance network, with networkx).

Every table is split by category (``all`` plus each category found in the data)
and by the ``by`` columns, which are *entity* attributes (an entity of Bergamo
counts in Bergamo's rows whichever meeting it attended).
"""

from __future__ import annotations

from collections.abc import Sequence

import networkx as nx
import numpy as np
import pandas as pd
from scipy import sparse, stats
from scipy.sparse import csgraph

from palestre_analysis import config
from palestre_analysis.core.vocabulary import CATEGORIES

from ._checks import require_columns
from ._histograms import ALL, factorize_rows
from .disclosure import check_min_cell, suppress, suppress_counts, suppression_mask

__all__ = [
    "REGULAR_MIN_MEETINGS",
    "gini",
    "attendance_by_meeting",
    "attendance_distribution",
    "band_labels",
    "participation_summary",
    "coattendance_graph",
    "cross_category_test",
    "MONTE_CARLO_BUDGET",
    "network_summary",
]

#: An entity is a "regular" when it attended at least this many meetings.
REGULAR_MIN_MEETINGS = 3


def gini(x: Sequence[float]) -> float:
    """Gini coefficient of non-negative values (hand-written: no library is needed for it).

    Parameters
    ----------
    x : sequence of float
        Non-negative values, e.g. meetings attended by each entity (zeros included).

    Returns
    -------
    float
        0 when every value is equal, approaching 1 when one entity holds
        everything; NaN for an empty input or an all-zero one.

    Notes
    -----
    With ``x`` sorted ascending and ``i = 1 .. n``:
    ``G = 2 sum_i i x_(i) / (n sum x) - (n + 1) / n``.

    References
    ----------
    .. [1] Gini, C. (1912). *Variabilità e mutabilità*. Bologna: Cuppini.
    .. [2] Damgaard, C. & Weiner, J. (2000). Describing inequality in plant
       size or fecundity. *Ecology* 81(4), 1139-1142 (the formula used here).

    Examples
    --------
    >>> round(gini([1, 3, 2, 1, 1, 1, 4]), 4)
    0.3077
    """
    values = np.sort(np.asarray(x, dtype=float))
    if values.ndim != 1:
        raise ValueError("gini expects a one-dimensional sequence of values.")
    if np.isnan(values).any() or (values < 0).any():
        raise ValueError("gini expects non-negative values without NaN.")
    n = len(values)
    total = values.sum()
    if n == 0 or total == 0:
        return float("nan")
    i = np.arange(1, n + 1)
    return float(2.0 * (i * values).sum() / (n * total) - (n + 1) / n)


def attendance_by_meeting(
    attendance: pd.DataFrame,
    meetings: pd.DataFrame,
    entities: pd.DataFrame,
    by: Sequence[str] = (),
    min_cell: int = config.MIN_CELL,
) -> pd.DataFrame:
    """Entities present at each meeting, and how many of them came for the first time.

    Parameters
    ----------
    attendance : DataFrame
        ``meeting_id``, ``entity_id``: one row per entity present.
    meetings : DataFrame
        ``meeting_id``, ``date`` (and, carried over when present, ``phase``,
        ``level``, ``focus_group``).
    entities : DataFrame
        ``entity_id``, ``category`` and the ``by`` columns.
    by : sequence of str, default ()
        Entity columns that split the counts.
    min_cell : int, default ``config.MIN_CELL``

    Returns
    -------
    DataFrame
        One row per subset x meeting (meetings with at least one entity of the
        subset) x category (``all`` first): the ``by`` columns, ``meeting_id``,
        ``date``, the carried meeting columns, ``category``, ``n_present``,
        ``n_newcomers``, ``suppressed``. Sorted by date.

    Notes
    -----
    A newcomer is an entity at its first meeting of the whole process, meetings
    ordered by ``date`` then ``meeting_id`` (so two meetings on one day are not
    both "first"). Disclosure: counts from 1 to ``min_cell - 1`` are blanked;
    when one category of a meeting is blanked, the next smallest is blanked too
    (the ``all`` row would give it away).

    References
    ----------
    .. [1] Hundepool, A. et al. (2012). *Statistical Disclosure Control*, ch. 5.

    Examples
    --------
    >>> meetings = pd.DataFrame({"meeting_id": ["m1", "m2"], "date": pd.to_datetime(["2018-09-20", "2018-10-18"])})
    >>> entities = pd.DataFrame({"entity_id": list("abcdefg"), "category": ["associazioni"] * 7})
    >>> attendance = pd.DataFrame({"meeting_id": ["m1"] * 5 + ["m2"] * 6,
    ...                            "entity_id": list("abcde") + list("abcdfg")})
    >>> attendance_by_meeting(attendance, meetings, entities, min_cell=3)[
    ...     ["meeting_id", "category", "n_present", "n_newcomers"]]
      meeting_id      category  n_present  n_newcomers
    0         m1           all          5          5.0
    1         m1  associazioni          5          5.0
    2         m2           all          6          NaN
    3         m2  associazioni          6          NaN

    At m2 the two newcomers (f, g) are fewer than 3, so their count is blanked.
    """
    min_cell = check_min_cell(min_cell)
    ents, att, categories, keys = _prepare(attendance, entities, by)
    meet = _meetings(meetings, att)
    rank = meet["_rank"].to_numpy()
    m_idx = pd.Index(meet["meeting_id"]).get_indexer(att["meeting_id"])
    e_idx = att["_entity"].to_numpy()
    first = np.full(len(ents), np.iinfo(np.int64).max)
    np.minimum.at(first, e_idx, rank[m_idx])
    newcomer = rank[m_idx] == first[e_idx]
    n_sub, n_meet, n_cat = len(keys), len(meet), len(categories)
    sub = ents["_subset"].to_numpy()[e_idx]
    cat = ents["_category"].to_numpy()[e_idx]
    index = (sub * n_meet + m_idx) * n_cat + cat
    present = np.bincount(index, minlength=n_sub * n_meet * n_cat).reshape(n_sub, n_meet, n_cat)
    new = np.bincount(index, weights=newcomer, minlength=n_sub * n_meet * n_cat).reshape(n_sub, n_meet, n_cat)
    present = np.concatenate([present.sum(-1, keepdims=True), present], axis=-1)
    new = np.concatenate([new.sum(-1, keepdims=True), new], axis=-1)
    s_i, m_i = np.nonzero(present[..., 0] > 0)
    order = np.lexsort((m_i, rank[m_i], s_i))  # by subset, then date
    s_i, m_i = s_i[order], m_i[order]
    reps = n_cat + 1
    carried = [c for c in ("date", "phase", "level", "focus_group") if c in meet.columns]
    table = keys.iloc[np.repeat(s_i, reps)].reset_index(drop=True)
    for column in ["meeting_id", *carried]:
        table[column] = meet[column].to_numpy()[np.repeat(m_i, reps)]
    table["category"] = np.tile([ALL, *categories], len(s_i))
    table["n_present"] = present[s_i, m_i].ravel()
    table["n_newcomers"] = new[s_i, m_i].ravel().astype(np.int64)
    table["suppressed"] = False
    within = np.where(table["category"].to_numpy() == ALL, -1, np.repeat(np.arange(len(s_i)), reps))
    return suppress_counts(table, ["n_present", "n_newcomers"], min_cell, within=within)


def attendance_distribution(
    attendance: pd.DataFrame,
    entities: pd.DataFrame,
    by: Sequence[str] = (),
    min_cell: int = config.MIN_CELL,
    bands: Sequence[int] | None = None,
) -> pd.DataFrame:
    """How many entities attended 0, 1, 2, ... meetings: a distribution, never per-entity rows.

    Parameters
    ----------
    attendance : DataFrame
        ``meeting_id``, ``entity_id``.
    entities : DataFrame
        ``entity_id``, ``category`` and the ``by`` columns. Entities that never
        attended count in ``n_meetings = 0``.
    by : sequence of str, default ()
    min_cell : int, default ``config.MIN_CELL``
    bands : sequence of int, optional
        Lower edges of bands of meetings attended, e.g. ``(0, 1, 2, 3, 6)`` for
        0, 1, 2, 3-5 and 6 or more. Published tables use bands: exact counts at
        the top of the scale single out the few most assiduous entities, and,
        with the totals and the Gini of :func:`participation_summary`, let a
        reader rebuild blanked counts.

    Returns
    -------
    DataFrame
        One row per subset x category (``all`` first) x number of meetings
        ``0 .. max`` (the subset's maximum), or x band: the ``by`` columns,
        ``category``, ``n_meetings`` (an integer, or the band's label such as
        ``"3–5"`` and ``"6+"``), ``n_entities``, ``share`` (of the category's
        entities), ``suppressed``.

    Notes
    -----
    Disclosure: counts from 1 to ``min_cell - 1`` are blanked with their share.
    Totals are known both ways (a category's entities; the ``all`` rows sum
    the categories), so more counts are blanked, smallest first, until the
    blanked counts of every category and of every number of meetings hold at
    least ``min_cell`` entities (:func:`.disclosure.suppression_mask`). A
    category with fewer than ``min_cell`` entities is blanked entirely.

    References
    ----------
    .. [1] Hundepool, A. et al. (2012). *Statistical Disclosure Control*, ch. 5.

    Examples
    --------
    >>> entities = pd.DataFrame({"entity_id": list("abcdefgh"), "category": ["csv"] * 8})
    >>> attendance = pd.DataFrame({"meeting_id": ["m1"] * 6 + ["m2"] * 3,
    ...                            "entity_id": list("abcdef") + list("abc")})
    >>> attendance_distribution(attendance, entities, min_cell=3)[["category", "n_meetings", "n_entities", "share"]]
      category  n_meetings  n_entities  share
    0      all           0         NaN    NaN
    1      all           1         NaN    NaN
    2      all           2         3.0  0.375
    3      csv           0         NaN    NaN
    4      csv           1         NaN    NaN
    5      csv           2         3.0  0.375

    Two entities never came (blanked: below 3); since the 8 entities are known,
    the next smallest count (3 at one meeting) is blanked with them.
    """
    min_cell = check_min_cell(min_cell)
    ents, att, categories, keys = _prepare(attendance, entities, by)
    k = np.bincount(att["_entity"].to_numpy(), minlength=len(ents))
    sub, cat = ents["_subset"].to_numpy(), ents["_category"].to_numpy()
    n_sub, n_cat = len(keys), len(categories)
    labels = None
    if bands is not None:
        edges = _check_bands(bands)
        k = np.searchsorted(edges, k, side="right") - 1
        labels = band_labels(edges)
    k_max = np.zeros(n_sub, dtype=np.int64)
    np.maximum.at(k_max, sub, k)
    if labels is not None:
        k_max[:] = len(labels) - 1
    width = int(k_max.max()) + 1
    dist = np.bincount((sub * n_cat + cat) * width + k, minlength=n_sub * n_cat * width).reshape(n_sub, n_cat, width)
    dist = np.concatenate([dist.sum(axis=1, keepdims=True), dist], axis=1)  # all first
    rows = []
    for s in range(n_sub):
        for c, label in enumerate([ALL, *categories]):
            for j in range(k_max[s] + 1):
                across_categories = -1 if c == 0 else s * width + j
                rows.append((s, label, j, dist[s, c, j], dist[s, c].sum(), s * (n_cat + 1) + c, across_categories))
    frame = pd.DataFrame(rows, columns=["_s", "category", "n_meetings", "n_entities", "_total", "_set", "_cross"])
    table = keys.iloc[frame["_s"].to_numpy()].reset_index(drop=True)
    table["category"] = frame["category"].to_numpy()
    table["n_meetings"] = (
        frame["n_meetings"].to_numpy()
        if labels is None
        else np.array(labels, dtype=object)[frame["n_meetings"].to_numpy()]
    )
    table["n_entities"] = frame["n_entities"].to_numpy()
    with np.errstate(invalid="ignore", divide="ignore"):
        table["share"] = frame["n_entities"].to_numpy() / frame["_total"].to_numpy()
    table["suppressed"] = False
    sets = [frame["_set"].to_numpy(), frame["_cross"].to_numpy()]  # within a category; across categories
    suppress_counts(table, ["n_entities"], min_cell, within=sets)
    suppress(table, np.where(table["n_entities"].isna(), 0, min_cell), ["share"], min_cell)
    suppress(table, frame["_total"].to_numpy(), ["n_entities", "share"], min_cell)
    return table


def _check_bands(bands: Sequence[int]) -> np.ndarray:
    edges = np.asarray(list(bands))
    if len(edges) < 2 or edges[0] != 0 or (np.diff(edges) <= 0).any() or edges.dtype.kind not in "iu":
        raise ValueError(f"bands must be increasing whole numbers starting at 0, got {list(bands)!r}.")
    return edges


def band_labels(edges: Sequence[int]) -> list[str]:
    """``0``, ``1``, ``3–5``, ``6+``: how a reader names a band of meetings.

    Parameters
    ----------
    edges : sequence of int
        Lower edges of the bands, increasing from 0.

    Returns
    -------
    list of str

    Examples
    --------
    >>> band_labels(np.array([0, 1, 3, 6]))
    ['0', '1–2', '3–5', '6+']
    """
    edges = np.asarray(list(edges))
    labels = [str(lo) if hi - lo == 1 else f"{lo}–{hi - 1}" for lo, hi in zip(edges[:-1], edges[1:])]
    return labels + [f"{edges[-1]}+"]


def participation_summary(
    attendance: pd.DataFrame,
    entities: pd.DataFrame,
    by: Sequence[str] = (),
    regular_min: int = REGULAR_MIN_MEETINGS,
    min_cell: int = config.MIN_CELL,
) -> pd.DataFrame:
    """Entities, attendances, regulars and the Gini of attendance, per subset and category.

    Parameters
    ----------
    attendance : DataFrame
        ``meeting_id``, ``entity_id``.
    entities : DataFrame
        ``entity_id``, ``category`` and the ``by`` columns.
    by : sequence of str, default ()
    regular_min : int, default :data:`REGULAR_MIN_MEETINGS` (3)
        An entity is a regular when it attended at least this many meetings.
        Three is more than the one territorial meeting plus one regional
        meeting that an entity would attend by taking part only once at each
        level, so a regular chose to come back.
    min_cell : int, default ``config.MIN_CELL``

    Returns
    -------
    DataFrame
        One row per subset x category (``all`` first): the ``by`` columns,
        ``category``, ``n_entities``, ``n_attending`` (at least one meeting),
        ``n_attendances``, ``mean_meetings`` (per entity, zeros included),
        ``n_regulars``, ``share_by_regulars`` (share of all attendances made by
        regulars), ``gini`` (of meetings attended, zeros included; written by
        hand with the formula of :func:`gini`), ``suppressed``.

    Notes
    -----
    ``share_by_regulars = sum_{k_i >= r} k_i / sum_i k_i``. A Gini near 0 means
    attendance spread evenly; near 1, a few entities made almost all of it.

    Disclosure: a category of 1 to ``min_cell - 1`` entities is blanked whole,
    and since the ``all`` row sums the categories, further categories are
    blanked whole, smallest first, until the blanked ones hold at least
    ``min_cell`` entities. The counts of regulars and of attending entities get
    the same treatment column by column, and the share made by regulars is
    blanked wherever the regulars or the other attending entities are.
    A category with no entity shows 0 and undefined (NaN) statistics.

    References
    ----------
    .. [1] Damgaard, C. & Weiner, J. (2000). *Ecology* 81(4), 1139-1142.

    Examples
    --------
    >>> entities = pd.DataFrame({"entity_id": list("abcdefgh"), "category": ["csv"] * 8})
    >>> attendance = pd.DataFrame({"meeting_id": [f"m{i}" for i in (1, 2, 3, 1, 2, 3, 1, 2, 3, 1, 1, 1)],
    ...                            "entity_id": list("aaabbbccc") + list("def")})
    >>> t = participation_summary(attendance, entities, min_cell=3)
    >>> t[["category", "n_entities", "n_regulars", "share_by_regulars", "gini"]].round(3)
      category  n_entities  n_regulars  share_by_regulars   gini
    0      all           8           3               0.75  0.438
    1      csv           8           3               0.75  0.438

    Meetings per entity are ``3 3 3 1 1 1 0 0``: regulars made 9 of the 12
    attendances, and the Gini is ``2 x 75 / (8 x 12) - 9 / 8 = 0.4375``.
    """
    min_cell = check_min_cell(min_cell)
    if isinstance(regular_min, bool) or int(regular_min) != regular_min or regular_min < 1:
        raise ValueError(f"regular_min must be a positive whole number of meetings, got {regular_min!r}.")
    ents, att, categories, keys = _prepare(attendance, entities, by)
    k = np.bincount(att["_entity"].to_numpy(), minlength=len(ents)).astype(float)
    labels = [ALL, *categories]
    rows = []
    for s in range(len(keys)):
        in_subset = ents["_subset"].to_numpy() == s
        for c, label in enumerate(labels):
            mask = in_subset if c == 0 else in_subset & (ents["_category"].to_numpy() == c - 1)
            x = k[mask]
            regular = x >= regular_min
            total = x.sum()
            rows.append(
                {
                    "_s": s,
                    "category": label,
                    "n_entities": int(mask.sum()),
                    "n_attending": int((x > 0).sum()),
                    "n_attendances": int(total),
                    "mean_meetings": total / len(x) if len(x) else np.nan,
                    "n_regulars": int(regular.sum()),
                    "share_by_regulars": x[regular].sum() / total if total else np.nan,
                    "gini": gini(x),
                    "_others": int(((x > 0) & ~regular).sum()),
                }
            )
    frame = pd.DataFrame(rows)
    table = keys.iloc[frame["_s"].to_numpy()].reset_index(drop=True)
    for column in frame.columns:
        if not column.startswith("_"):
            table[column] = frame[column].to_numpy()
    table["suppressed"] = False
    within = np.where(table["category"].to_numpy() == ALL, -1, frame["_s"].to_numpy())
    stats_columns = [
        "n_entities",
        "n_attending",
        "n_attendances",
        "mean_meetings",
        "n_regulars",
        "share_by_regulars",
        "gini",
    ]
    # whole rows: categories of fewer than min_cell entities, and enough others that "all" cannot give them away
    hidden_rows = suppression_mask(frame["n_entities"].to_numpy(), min_cell, within)
    suppress(table, np.where(hidden_rows, 0, min_cell), stats_columns, min_cell)
    # counts of sub-groups, each a table of its own across categories
    for column in ("n_attending", "n_regulars"):
        hidden = suppression_mask(frame[column].to_numpy(), min_cell, within, hidden=hidden_rows)
        suppress(table, np.where(hidden, 0, min_cell), [column], min_cell)
    regulars_hidden = suppression_mask(frame["n_regulars"].to_numpy(), min_cell, within, hidden=hidden_rows)
    others_hidden = suppression_mask(frame["_others"].to_numpy(), min_cell, within, hidden=hidden_rows)
    suppress(table, np.where(regulars_hidden | others_hidden, 0, min_cell), ["share_by_regulars"], min_cell)
    return table


def coattendance_graph(attendance: pd.DataFrame, entities: pd.DataFrame) -> nx.Graph:
    """The co-attendance network: entities tied when they attended the same meeting.

    Parameters
    ----------
    attendance : DataFrame
        ``meeting_id``, ``entity_id``.
    entities : DataFrame
        ``entity_id`` and ``category``; every other column except
        ``entity_name`` and ``delegate_id`` becomes a node attribute.

    Returns
    -------
    networkx.Graph
        Nodes: entities that attended at least one meeting (attribute
        ``n_meetings``). Edges: pairs that shared at least one meeting, with
        ``weight`` = number of meetings shared.

    Notes
    -----
    With ``B`` the entities x meetings incidence matrix, the weights are the
    off-diagonal entries of ``B B^T`` (a sparse product). :func:`network_summary`
    works on the same edges as arrays, without building this graph.

    References
    ----------
    .. [1] Borgatti, S. P. & Halgin, D. S. (2011). Analyzing affiliation
       networks. In *The SAGE Handbook of Social Network Analysis*, 417-433.

    Examples
    --------
    >>> entities = pd.DataFrame({"entity_id": list("abc"), "category": ["csv", "csv", "altri"]})
    >>> attendance = pd.DataFrame({"meeting_id": ["m1", "m1", "m2", "m2", "m2"],
    ...                            "entity_id": ["a", "b", "a", "b", "c"]})
    >>> g = coattendance_graph(attendance, entities)
    >>> sorted(g.edges(data="weight"))
    [('a', 'b', 2), ('a', 'c', 1), ('b', 'c', 1)]
    """
    ents, att, _, _ = _prepare(attendance, entities, ())
    row, col, weight, n_meetings = _edges(ents, att)
    ids = ents["entity_id"].to_numpy()
    graph = nx.Graph()
    hidden = {"entity_name", "delegate_id", "entity_id"}
    attributes = [c for c in ents.columns if not c.startswith("_") and c not in hidden]
    for i in np.flatnonzero(n_meetings > 0):
        graph.add_node(ids[i], **{c: ents[c].iloc[i] for c in attributes}, n_meetings=int(n_meetings[i]))
    graph.add_weighted_edges_from(zip(ids[row], ids[col], weight.tolist()))
    return graph


def _edges(ents: pd.DataFrame, att: pd.DataFrame) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Co-attendance ties as arrays: entity rows ``i < j``, meetings shared, and meetings per entity."""
    e_idx = att["_entity"].to_numpy()
    m_idx, _ = pd.factorize(att["meeting_id"])
    n_meetings = np.bincount(e_idx, minlength=len(ents))
    if len(att) == 0:
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty, empty, n_meetings
    incidence = sparse.csr_matrix(
        (np.ones(len(att), dtype=np.int64), (e_idx, m_idx)), shape=(len(ents), int(m_idx.max()) + 1)
    )
    shared = sparse.triu(incidence @ incidence.T, k=1).tocoo()
    return shared.row.astype(np.int64), shared.col.astype(np.int64), shared.data.astype(np.int64), n_meetings


#: Label comparisons a Monte Carlo permutation null may cost (edges x resamples); larger networks use the
#: permutation distribution's exact mean and variance instead (``cross_category_test``).
MONTE_CARLO_BUDGET = 50_000_000
#: Label comparisons per chunk of permutations (bounds the memory of one chunk to a few megabytes).
_CHUNK = 2_000_000


def cross_category_test(
    u: Sequence[int],
    v: Sequence[int],
    categories: Sequence,
    n_resamples: int = 9999,
    seed: int = config.SEED,
    confidence: float = 0.95,
) -> dict:
    """Ties across categories against a permutation null: categories shuffled over the nodes, the ties kept.

    Parameters
    ----------
    u, v : sequence of int
        The two ends of every tie (node positions in ``categories``; no self-ties,
        each tie once).
    categories : sequence
        The category of every node (any labels).
    n_resamples : int, default 9999
        Random permutations, for networks whose ties times ``n_resamples`` are
        at most :data:`MONTE_CARLO_BUDGET`.
    seed : int, default ``config.SEED``
    confidence : float, default 0.95
        Coverage of the null range (``low``, ``high``).

    Returns
    -------
    dict
        ``share`` (ties joining different categories, a fraction), ``expected``
        (its exact mean under the null), ``low`` and ``high`` (the central
        ``confidence`` range of the share under the null), ``p_value``
        (two-sided), ``method``; NaN values and an empty method without ties.

    Notes
    -----
    The null hypothesis is that categories have nothing to do with who is tied to
    whom: the graph is kept as it is (its degrees, its meetings) and the
    categories are assigned to its nodes by a random permutation, as in the
    quadratic assignment procedure (QAP; Krackhardt 1988) and Mantel's test of
    two matrices (the adjacency matrix and "same category"). The statistic is the
    number ``S`` of ties within a category (the share across is ``1 - S / E``).

    With ``N_c`` nodes per category, ``(x)_k`` the falling factorial, ``d_i`` the
    degrees, ``P_2 = sum_i d_i (d_i - 1)`` (ordered pairs of ties sharing a
    node), the null moments are exact (join counts under sampling without
    replacement; Cliff & Ord 1981, ch. 1):

    ``q = sum_c (N_c)_2 / (N)_2``, ``t = sum_c (N_c)_3 / (N)_3``,
    ``w = [sum_c (N_c)_4 + (sum_c (N_c)_2)^2 - sum_c (N_c)_2^2] / (N)_4``,
    ``E[S] = E q``, ``E[S^2] = E q + P_2 t + (E^2 - E - P_2) w``.

    So ``expected = 1 - q`` for any network. When ``E x n_resamples`` is within
    :data:`MONTE_CARLO_BUDGET` (every province, the seed's region), the null
    distribution is simulated: ``p = min(1, 2 min(p_<=, p_>=))`` with
    ``p_>= = (1 + #{S_b >= S}) / (1 + B)`` (the two-sided rule of
    ``scipy.stats.permutation_test``), and the range is the central quantiles of
    the simulated shares. Above it (a national network has a million ties), the
    share is a sum of very many weakly dependent terms and the normal
    distribution with the exact mean and variance is used instead. A null that
    cannot vary (one category, or every node tied to every other) gives ``p = 1``
    and a range of one value.

    References
    ----------
    .. [1] Krackhardt, D. (1988). Predicting with networks: nonparametric multiple
       regression analysis of dyadic data. *Social Networks* 10(4), 359-381.
    .. [2] Mantel, N. (1967). The detection of disease clustering and a generalized
       regression approach. *Cancer Research* 27(2), 209-220.
    .. [3] Cliff, A. D. & Ord, J. K. (1981). *Spatial Processes: Models and
       Applications*. London: Pion (join-count statistics).
    .. [4] Newman, M. E. J. (2003). Mixing patterns in networks. *Physical Review E*
       67, 026126 (the mixing matrix: the same ties within and across categories).

    Examples
    --------
    A ring of 20 nodes, ten of each category in two blocks: only 2 of its 20 ties
    join the two categories, against 53% expected if the categories were shuffled.

    >>> u, v = list(range(20)), [*range(1, 20), 0]
    >>> test = cross_category_test(u, v, ["a"] * 10 + ["b"] * 10, n_resamples=9999, seed=1)
    >>> test["share"], round(test["expected"], 4), test["method"][:11]
    (0.1, 0.5263, 'Monte Carlo')
    >>> test["p_value"] < 0.001, test["low"] <= test["expected"] <= test["high"]
    (True, True)
    """
    u, v = np.asarray(u, dtype=np.int64), np.asarray(v, dtype=np.int64)
    codes, labels = pd.factorize(pd.Series(list(categories), dtype=object))
    n_nodes, n_edges = len(codes), len(u)
    if len(v) != n_edges:
        raise ValueError(f"u and v must have the same length, got {n_edges} and {len(v)}.")
    if n_edges and (min(u.min(), v.min()) < 0 or max(u.max(), v.max()) >= n_nodes):
        raise ValueError(f"u and v must be node positions from 0 to {n_nodes - 1}.")
    if (u == v).any():
        raise ValueError("u and v must not tie a node to itself.")
    if not 0 < confidence < 1:
        raise ValueError(f"confidence must lie strictly between 0 and 1, got {confidence!r}.")
    if isinstance(n_resamples, bool) or int(n_resamples) != n_resamples or n_resamples < 1:
        raise ValueError(f"n_resamples must be a positive whole number, got {n_resamples!r}.")
    n_resamples = int(n_resamples)
    if n_edges == 0:
        return dict.fromkeys(["share", "expected", "low", "high", "p_value"], float("nan")) | {"method": ""}
    codes = codes.astype(np.int16 if len(labels) > 127 else np.int8)
    within = int(np.count_nonzero(codes[u] == codes[v]))
    sizes = np.bincount(codes, minlength=len(labels)).astype(float)
    mean, var = _within_moments(sizes, u, v, n_nodes)
    alpha = 1 - confidence
    result = {"share": (n_edges - within) / n_edges, "expected": float(1 - mean / n_edges)}
    if n_edges * n_resamples <= MONTE_CARLO_BUDGET:
        null = _permuted_within(codes, u, v, n_resamples, seed)
        p_high = (1 + np.count_nonzero(null >= within)) / (n_resamples + 1)
        p_low = (1 + np.count_nonzero(null <= within)) / (n_resamples + 1)
        low, high = np.quantile(1 - null / n_edges, [alpha / 2, 1 - alpha / 2])
        method = f"Monte Carlo permutation of the categories over the entities, {n_resamples} resamples"
        p_value = float(min(1.0, 2 * min(p_high, p_low)))
        return result | {"low": float(low), "high": float(high), "p_value": p_value, "method": method}
    sd = np.sqrt(max(var, 0.0))
    method = "permutation of the categories over the entities: exact mean and variance, normal approximation"
    if sd < 1e-9:
        p_value = 1.0 if abs(within - mean) < 0.5 else 0.0
        return result | {"low": result["expected"], "high": result["expected"], "p_value": p_value, "method": method}
    z = stats.norm.ppf(1 - alpha / 2)
    spread = z * sd / n_edges
    p_value = float(min(1.0, 2 * stats.norm.sf(abs(within - mean) / sd)))
    low, high = float(max(0.0, result["expected"] - spread)), float(min(1.0, result["expected"] + spread))
    return result | {"low": low, "high": high, "p_value": p_value, "method": method}


def _within_moments(sizes: np.ndarray, u: np.ndarray, v: np.ndarray, n_nodes: int) -> tuple[float, float]:
    """Exact mean and variance of the ties within a category when categories are permuted over the nodes."""
    n, n_edges = float(n_nodes), float(len(u))

    def falling(x, k):
        out = np.ones_like(x, dtype=float) if isinstance(x, np.ndarray) else 1.0
        for j in range(k):
            out = out * (x - j)
        return out

    pairs = falling(sizes, 2)
    q = pairs.sum() / falling(n, 2) if n_nodes >= 2 else 0.0
    t = falling(sizes, 3).sum() / falling(n, 3) if n_nodes >= 3 else 0.0
    w = (falling(sizes, 4).sum() + pairs.sum() ** 2 - (pairs**2).sum()) / falling(n, 4) if n_nodes >= 4 else 0.0
    degree = np.bincount(u, minlength=n_nodes) + np.bincount(v, minlength=n_nodes)
    sharing = float((degree * (degree - 1.0)).sum())
    mean = n_edges * q
    second = n_edges * q + sharing * t + (n_edges**2 - n_edges - sharing) * w
    return mean, second - mean**2


def _permuted_within(codes: np.ndarray, u: np.ndarray, v: np.ndarray, n_resamples: int, seed: int) -> np.ndarray:
    """Ties within a category for ``n_resamples`` random permutations of the categories, in chunks."""
    rng = np.random.default_rng(seed)
    null = np.empty(n_resamples, dtype=np.int64)
    chunk = max(1, _CHUNK // len(u))
    for start in range(0, n_resamples, chunk):
        size = min(chunk, n_resamples - start)
        shuffled = rng.permuted(np.broadcast_to(codes, (size, len(codes))), axis=1)
        null[start : start + size] = np.count_nonzero(
            np.take(shuffled, u, axis=1) == np.take(shuffled, v, axis=1), axis=1
        )
    return null


def network_summary(
    attendance: pd.DataFrame,
    entities: pd.DataFrame,
    by: Sequence[str] = (),
    min_cell: int = config.MIN_CELL,
    n_resamples: int = 9999,
    seed: int = config.SEED,
    confidence: float = 0.95,
) -> pd.DataFrame:
    """Density, components and cross-category ties of the co-attendance network, with a permutation null.

    Parameters
    ----------
    attendance : DataFrame
        ``meeting_id``, ``entity_id``.
    entities : DataFrame
        ``entity_id``, ``category`` and the ``by`` columns.
    by : sequence of str, default ()
        Each subset is the network induced on its entities (ties formed at any
        meeting, regional ones included).
    min_cell : int, default ``config.MIN_CELL``
        Networks of fewer entities are blanked.
    n_resamples : int, default 9999
        Permutations of the null of :func:`cross_category_test`.
    seed : int, default ``config.SEED``
        Seed of the permutations (subsets draw one after the other from it).
    confidence : float, default 0.95
        Coverage of the null range.

    Returns
    -------
    DataFrame
        The ``by`` columns, ``n_nodes``, ``n_edges``, ``density``,
        ``n_components``, ``largest_component_share`` (share of nodes in the
        largest connected component), ``cross_category_share`` (share of ties
        joining entities of different categories), ``cross_category_expected``
        (its mean if categories were assigned to the same entities at random, the
        ties kept: the baseline against which "mai da soli" is read),
        ``cross_category_low`` and ``cross_category_high`` (the central
        ``confidence`` range of the share under that null),
        ``cross_category_p`` (two-sided p-value), ``cross_category_method``,
        ``suppressed``.

    Notes
    -----
    ``density = 2 E / (N (N - 1))``; components from
    ``scipy.sparse.csgraph.connected_components`` (the same as
    ``networkx.connected_components``, which the tests check). The ties are the
    arrays of :func:`coattendance_graph`'s edges, built without the graph, so a
    national network of a million ties takes well under a second.
    ``cross_category_expected = 1 - sum_c N_c (N_c - 1) / (N (N - 1))``: the
    chance that two entities drawn at random without replacement differ in
    category, which is also the exact mean of the share under the permutation
    null of :func:`cross_category_test`. Isolated entities (that attended only
    meetings no other entity of the subset attended) count as components of one,
    and as nodes of the permutation.

    References
    ----------
    .. [1] Wasserman, S. & Faust, K. (1994). *Social Network Analysis*.
       Cambridge University Press, ch. 4.
    .. [2] Krackhardt, D. (1988). Predicting with networks. *Social Networks* 10(4),
       359-381.
    .. [3] Hagberg, A., Schult, D. & Swart, P. (2008). Exploring network
       structure, dynamics, and function using NetworkX. *Proc. SciPy 2008*.

    Examples
    --------
    >>> entities = pd.DataFrame({"entity_id": list("abcde"), "category": ["csv"] * 3 + ["altri"] * 2})
    >>> attendance = pd.DataFrame({"meeting_id": ["m1"] * 3 + ["m2"] * 2, "entity_id": list("abcde")})
    >>> t = network_summary(attendance, entities, min_cell=3)
    >>> t[["n_nodes", "n_edges", "density", "n_components", "largest_component_share"]]
       n_nodes  n_edges  density  n_components  largest_component_share
    0        5        4      0.4             2                      0.6
    >>> float(t["cross_category_share"].iloc[0]), float(t["cross_category_expected"].iloc[0])
    (0.0, 0.6)
    """
    min_cell = check_min_cell(min_cell)
    ents, att, _, keys = _prepare(attendance, entities, by)
    row, col, _, n_meetings = _edges(ents, att)
    subset = ents["_subset"].to_numpy()
    category = ents["_category"].to_numpy()
    attending = n_meetings > 0
    inside = subset[row] == subset[col]
    row, col = row[inside], col[inside]
    order = np.argsort(subset[row], kind="stable")
    row, col = row[order], col[order]
    bounds = np.searchsorted(subset[row], np.arange(len(keys) + 1))
    rng = np.random.default_rng(seed)
    rows = []
    for s in range(len(keys)):
        nodes = np.flatnonzero((subset == s) & attending)
        local = np.full(len(ents), -1, dtype=np.int64)
        local[nodes] = np.arange(len(nodes))
        u, v = local[row[bounds[s] : bounds[s + 1]]], local[col[bounds[s] : bounds[s + 1]]]
        n_nodes, n_edges = len(nodes), len(u)
        if n_nodes:
            adjacency = sparse.coo_matrix((np.ones(n_edges), (u, v)), shape=(n_nodes, n_nodes))
            n_components, labels = csgraph.connected_components(adjacency, directed=False)
            largest = np.bincount(labels).max() / n_nodes
        else:
            n_components, largest = 0, np.nan
        sub_seed = int(rng.integers(2**63 - 1))
        mixing = cross_category_test(u, v, category[nodes], n_resamples, sub_seed, confidence)
        rows.append(
            {
                "n_nodes": n_nodes,
                "n_edges": n_edges,
                "density": 2 * n_edges / (n_nodes * (n_nodes - 1)) if n_nodes > 1 else np.nan,
                "n_components": n_components,
                "largest_component_share": largest,
                "cross_category_share": mixing["share"],
                "cross_category_expected": _expected_cross(category[nodes]) if n_nodes > 1 else np.nan,
                "cross_category_low": mixing["low"],
                "cross_category_high": mixing["high"],
                "cross_category_p": mixing["p_value"],
                "cross_category_method": mixing["method"],
            }
        )
    table = pd.concat([keys.reset_index(drop=True), pd.DataFrame(rows)], axis=1)
    table["suppressed"] = False
    stats_columns = [
        "n_edges",
        "density",
        "n_components",
        "largest_component_share",
        "cross_category_share",
        "cross_category_expected",
        "cross_category_low",
        "cross_category_high",
        "cross_category_p",
    ]
    return suppress(table, "n_nodes", stats_columns, min_cell)


def _expected_cross(categories: np.ndarray) -> float:
    """The chance that two distinct nodes drawn at random differ in category (for a network without ties too)."""
    sizes = np.bincount(categories).astype(float)
    n = sizes.sum()
    return float(1 - (sizes * (sizes - 1)).sum() / (n * (n - 1)))


def _prepare(
    attendance: pd.DataFrame, entities: pd.DataFrame, by: Sequence[str]
) -> tuple[pd.DataFrame, pd.DataFrame, list[str], pd.DataFrame]:
    """Validate; return entities (with _subset, _category), attendance (with _entity), categories, subset keys."""
    by = list(by)
    require_columns(attendance, ["meeting_id", "entity_id"], "attendance")
    require_columns(entities, ["entity_id", "category", *by], "entities")
    ents = entities.drop_duplicates("entity_id").reset_index(drop=True)
    if len(ents) == 0:
        raise ValueError("entities is empty: there is no participation to describe.")
    for column in ["entity_id", "category", *by]:
        if ents[column].isna().any():
            raise ValueError(f"entities: column {column!r} has {int(ents[column].isna().sum())} missing values.")
    att = attendance[["meeting_id", "entity_id"]].drop_duplicates().reset_index(drop=True)
    if att.isna().any().any():
        raise ValueError("attendance has missing meeting_id or entity_id values.")
    position = pd.Index(ents["entity_id"]).get_indexer(att["entity_id"])
    if (position < 0).any():
        unknown = att.loc[position < 0, "entity_id"].iloc[0]
        raise ValueError(
            f"attendance names {int((position < 0).sum())} entities missing from the entities table "
            f"(the first is {unknown!r})."
        )
    att["_entity"] = position
    found = set(ents["category"].astype(str))
    categories = [c for c in CATEGORIES if c in found] + sorted(found - set(CATEGORIES))
    ents["_category"] = pd.Categorical(ents["category"].astype(str), categories=categories).codes.astype(np.int64)
    ents["_subset"], keys = factorize_rows(ents, by)
    return ents, att, categories, keys


def _meetings(meetings: pd.DataFrame, att: pd.DataFrame) -> pd.DataFrame:
    """Meetings that appear in ``att``, with ``_rank`` = chronological position."""
    require_columns(meetings, ["meeting_id", "date"], "meetings")
    meet = meetings.drop_duplicates("meeting_id").reset_index(drop=True)
    unknown = ~att["meeting_id"].isin(meet["meeting_id"])
    if unknown.any():
        raise ValueError(
            f"attendance names {int(unknown.sum())} rows at meetings missing from the meetings table "
            f"(the first is {att.loc[unknown, 'meeting_id'].iloc[0]!r})."
        )
    if meet["date"].isna().any():
        raise ValueError("meetings: some meetings have no date, so newcomers cannot be told apart.")
    meet = meet.sort_values(["date", "meeting_id"], kind="stable").reset_index(drop=True)
    meet["_rank"] = np.arange(len(meet))
    return meet
