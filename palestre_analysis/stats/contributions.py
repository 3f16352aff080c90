"""Phase 1 contributions: how each category spread its contributions over the strategic nodes.

Counts and shares per node and category, and a test of independence between
category and node that stays valid for small tables: a permutation test that
shuffles categories among *entities* (a delegate's contributions move together,
so repeated contributions by one delegate do not inflate the evidence), with
Cramér's V as the effect size.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from scipy import stats
from scipy.stats import contingency

from palestre_analysis import config
from palestre_analysis.core.vocabulary import CATEGORIES, NODES

from ._histograms import ALL, factorize_rows
from .disclosure import any_hidden_per_subset, blank_small_counts, check_min_cell, protect_complement, suppress

__all__ = ["contribution_counts", "contribution_test"]


def contribution_counts(
    contributions: pd.DataFrame,
    entities: pd.DataFrame,
    by: Sequence[str] = (),
    min_cell: int = config.MIN_CELL,
    *,
    nodes: Sequence[str] = NODES,
) -> pd.DataFrame:
    """Contributions per strategic node and category, with the delegates behind them.

    Parameters
    ----------
    contributions : DataFrame
        ``entity_id``, ``node``: one row per contribution.
    entities : DataFrame
        ``entity_id``, ``category`` and the ``by`` columns.
    by : sequence of str, default ()
        Entity columns that split the table.
    min_cell : int, default ``config.MIN_CELL``
        Counts behind which fewer distinct delegates stand are blanked.
    nodes : sequence of str, default the seed's four strategic nodes
        The process's nodes (``Processed.process.nodes``), listed first and in this
        order, with zeros where nobody spoke of them.

    Returns
    -------
    DataFrame
        One row per subset x category (``all`` first) x node (the ``nodes`` of
        the process, plus any other found in the data): the ``by`` columns,
        ``category``, ``node``, ``n_contributions``, ``n_entities`` (distinct
        delegates), ``share`` (of the category's contributions), ``suppressed``.

    Notes
    -----
    The disclosure unit is the delegate, not the contribution: 12
    contributions from 2 delegates are blanked with ``min_cell = 5``. The table
    has margins (each category's total; the ``all`` rows sum the categories),
    so more cells are blanked, smallest first, until the blanked cells of every
    row and column hold at least ``min_cell`` delegates
    (:func:`.disclosure.protect_complement`). A category (or subset) whose
    contributions come from fewer than ``min_cell`` delegates is blanked whole,
    zeros included: "none of them spoke of X" describes those few delegates too.

    References
    ----------
    .. [1] Hundepool, A. et al. (2012). *Statistical Disclosure Control*, ch. 5.

    Examples
    --------
    >>> entities = pd.DataFrame({"entity_id": list("abcdef"), "category": ["csv"] * 6})
    >>> contributions = pd.DataFrame({"entity_id": list("abcdef") + list("abc"),
    ...                               "node": ["Reti comunitarie"] * 6 + ["Strumentazione"] * 3})
    >>> t = contribution_counts(contributions, entities, min_cell=3)
    >>> t[t["category"] == "all"][["node", "n_contributions", "n_entities", "share"]].round(3)
                           node  n_contributions  n_entities  share
    0  Energie per il dibattito                0           0  0.000
    1          Reti comunitarie                6           6  0.667
    2            Strumentazione                3           3  0.333
    3          Catene di valore                0           0  0.000
    """
    min_cell = check_min_cell(min_cell)
    frame, categories, nodes, keys = _prepare(contributions, entities, by, nodes)
    n_sub, n_cat, n_node = len(keys), len(categories), len(nodes)
    index = (frame["_subset"].to_numpy() * n_cat + frame["_category"].to_numpy()) * n_node + frame["_node"].to_numpy()
    counts = np.bincount(index, minlength=n_sub * n_cat * n_node).reshape(n_sub, n_cat, n_node)
    pairs = frame.drop_duplicates(["entity_id", "_node"])
    p_index = (pairs["_subset"].to_numpy() * n_cat + pairs["_category"].to_numpy()) * n_node + pairs["_node"].to_numpy()
    people = np.bincount(p_index, minlength=n_sub * n_cat * n_node).reshape(n_sub, n_cat, n_node)
    all_people = np.zeros((n_sub, 1, n_node), dtype=np.int64)
    p_sub = pairs["_subset"].to_numpy() * n_node + pairs["_node"].to_numpy()
    all_people[:, 0, :] = np.bincount(p_sub, minlength=n_sub * n_node).reshape(n_sub, n_node)
    counts = np.concatenate([counts.sum(axis=1, keepdims=True), counts], axis=1)
    people = np.concatenate([all_people, people], axis=1)
    totals = counts.sum(axis=2, keepdims=True)
    with np.errstate(invalid="ignore", divide="ignore"):
        share = counts / totals
    labels = [ALL, *categories]
    table = keys.iloc[np.repeat(np.arange(n_sub), (n_cat + 1) * n_node)].reset_index(drop=True)
    table["category"] = np.tile(np.repeat(labels, n_node), n_sub)
    table["node"] = np.tile(nodes, n_sub * (n_cat + 1))
    table["n_contributions"] = counts.ravel()
    table["n_entities"] = people.ravel()
    table["share"] = share.ravel()
    table["suppressed"] = False
    raw_people = people.ravel()
    small = (raw_people > 0) & (raw_people < min_cell)
    columns = ["n_contributions", "n_entities", "share"]
    suppress(table, np.where(small, 0, min_cell), columns, min_cell)
    # A category whose contributions come from fewer than min_cell delegates is blanked whole:
    # its shares, zeros included, describe those few delegates.
    contributors = frame.drop_duplicates("entity_id")
    c_index = contributors["_subset"].to_numpy() * n_cat + contributors["_category"].to_numpy()
    per_category = np.bincount(c_index, minlength=n_sub * n_cat).reshape(n_sub, n_cat)
    base = np.concatenate([per_category.sum(axis=1, keepdims=True), per_category], axis=1)
    suppress(table, np.repeat(base.ravel(), n_node), columns, min_cell)
    across_nodes = np.repeat(np.arange(n_sub * (n_cat + 1)), n_node)  # a category's row adds up to its total
    is_all = table["category"].to_numpy() == ALL
    node_code = np.tile(np.arange(n_node), n_sub * (n_cat + 1))
    subset_code = np.repeat(np.arange(n_sub), (n_cat + 1) * n_node)
    across_categories = np.where(is_all, -1, subset_code * n_node + node_code)  # categories add up to "all"
    protect_complement(table, [across_nodes, across_categories], raw_people, columns, min_cell)
    return table


def contribution_test(
    contributions: pd.DataFrame,
    entities: pd.DataFrame,
    by: Sequence[str] = (),
    n_resamples: int = 9999,
    seed: int = config.SEED,
    min_cell: int = config.MIN_CELL,
    *,
    nodes: Sequence[str] = NODES,
) -> pd.DataFrame:
    """Is the choice of node independent of the category? Permutation test and Cramér's V.

    Parameters
    ----------
    contributions : DataFrame
        ``entity_id``, ``node``.
    entities : DataFrame
        ``entity_id``, ``category`` and the ``by`` columns.
    by : sequence of str, default ()
    n_resamples : int, default 9999
    seed : int, default ``config.SEED``
    min_cell : int, default ``config.MIN_CELL``
        Subsets with fewer contributing delegates are blanked.
    nodes : sequence of str, default the seed's four strategic nodes
        The process's nodes, as in :func:`contribution_counts` (the test uses the nodes
        that occur; the order only fixes the columns).

    Returns
    -------
    DataFrame
        One row per subset: the ``by`` columns, ``n_contributions``,
        ``n_entities``, ``statistic`` (Pearson's X^2 of the category x node
        table of contributions), ``p_value``, ``cramers_v``, ``method``,
        ``suppressed``, ``note`` (why a statistic is NaN or rounded, if it is).

    Disclosure: where :func:`contribution_counts` hides cells, the exact X^2
    (one equation in the hidden counts) is withheld and only a rounded p-value
    (2 decimals) and Cramér's V (1 decimal) are published.

    Notes
    -----
    ``X^2 = sum (O - E)^2 / E``, ``E = row total x column total / n``, on the
    categories and nodes that occur. The null distribution comes from
    ``scipy.stats.permutation_test`` (``permutation_type="pairings"``):
    categories are shuffled among the contributing entities, each keeping its
    whole set of contributions, so the test holds for small and sparse tables
    and respects that contributions of one delegate are not independent.
    ``cramers_v = sqrt(X^2 / (n (min(r, c) - 1)))`` from
    ``scipy.stats.contingency.association``.

    References
    ----------
    .. [1] Good, P. (2005). *Permutation, Parametric, and Bootstrap Tests of
       Hypotheses*, 3rd ed. Springer, ch. 6 (contingency tables).
    .. [2] Cramér, H. (1946). *Mathematical Methods of Statistics*. Princeton, p. 282.

    Examples
    --------
    >>> entities = pd.DataFrame({"entity_id": list("abcdefgh"),
    ...                          "category": ["csv"] * 4 + ["associazioni"] * 4})
    >>> contributions = pd.DataFrame({"entity_id": list("abcdefgh"),
    ...                               "node": ["Reti comunitarie"] * 4 + ["Strumentazione"] * 4})
    >>> t = contribution_test(contributions, entities, n_resamples=40320, min_cell=3)
    >>> float(t["statistic"].iloc[0]), float(t["cramers_v"].iloc[0]), round(float(t["p_value"].iloc[0]), 4)
    (8.0, 1.0, 0.0286)

    With ``n_resamples >= 8!`` scipy enumerates every permutation: of the
    ``8! / (4! 4!) = 70`` ways to split the entities, 2 are as extreme, 2/70 = 0.0286.
    """
    min_cell = check_min_cell(min_cell)
    if isinstance(n_resamples, bool) or int(n_resamples) != n_resamples or n_resamples < 1:
        raise ValueError(f"n_resamples must be a positive whole number, got {n_resamples!r}.")
    frame, categories, nodes, keys = _prepare(contributions, entities, by, nodes)
    rng = np.random.default_rng(seed)
    rows = []
    for s in range(len(keys)):
        part = frame[frame["_subset"].to_numpy() == s]
        rows.append(_independence(part, len(categories), len(nodes), int(n_resamples), rng))
    table = pd.concat([keys.reset_index(drop=True), pd.DataFrame(rows)], axis=1)
    table["method"] = (
        f"permutation test of Pearson's X2, categories shuffled among entities, {int(n_resamples)} resamples"
    )
    table["suppressed"] = False
    few = table["n_entities"].to_numpy() < min_cell
    suppress(table, "n_entities", ["statistic", "p_value", "cramers_v", "n_contributions"], min_cell)
    blank_small_counts(table, ["n_entities"], min_cell)
    counts = contribution_counts(contributions, entities, by, min_cell, nodes=nodes)
    hidden = any_hidden_per_subset(table, counts, by) & ~few
    table.loc[hidden, "statistic"] = np.nan
    table.loc[hidden, "p_value"] = table.loc[hidden, "p_value"].round(2)
    table.loc[hidden, "cramers_v"] = table.loc[hidden, "cramers_v"].round(1)
    note = table.pop("note")
    table["note"] = np.where(
        few,
        f"fewer than {min_cell} contributing delegates",
        np.where(hidden, "hidden cells in the table: statistic withheld, p and V rounded", note),
    )
    return table


def _independence(part: pd.DataFrame, n_cat: int, n_node: int, n_resamples: int, rng: np.random.Generator) -> dict:
    """Pearson X^2, permutation p and Cramér's V for one subset's contributions."""
    entity, _ = pd.factorize(part["entity_id"])
    n_ent = int(entity.max()) + 1 if len(entity) else 0
    result = {
        "n_contributions": len(part),
        "n_entities": n_ent,
        "statistic": np.nan,
        "p_value": np.nan,
        "cramers_v": np.nan,
        "note": "",
    }
    if n_ent == 0:
        result["note"] = "no contributions"
        return result
    per_entity = np.zeros((n_ent, n_node))
    np.add.at(per_entity, (entity, part["_node"].to_numpy()), 1.0)
    category = np.zeros(n_ent, dtype=np.int64)
    category[entity] = part["_category"].to_numpy()
    used_nodes = per_entity.sum(axis=0) > 0
    used_cats = np.unique(category)
    if used_nodes.sum() < 2 or len(used_cats) < 2:
        result["note"] = "fewer than two categories or two nodes: nothing to test"
        return result
    per_entity = per_entity[:, used_nodes]
    category = np.searchsorted(used_cats, category)
    n_used = len(used_cats)

    def pearson(x: np.ndarray, axis: int = -1) -> np.ndarray:
        x = np.moveaxis(np.asarray(x), axis, -1).astype(np.int64)
        onehot = (x[..., :, None] == np.arange(n_used)).astype(float)  # (..., entities, categories)
        observed = np.einsum("...ec,en->...cn", onehot, per_entity)
        expected = (
            observed.sum(-1, keepdims=True) * observed.sum(-2, keepdims=True) / observed.sum((-2, -1), keepdims=True)
        )
        return ((observed - expected) ** 2 / expected).sum(axis=(-2, -1))

    test = stats.permutation_test(
        (category,),
        pearson,
        permutation_type="pairings",
        vectorized=True,
        n_resamples=n_resamples,
        alternative="greater",
        rng=rng,
    )
    observed = np.zeros((n_used, per_entity.shape[1]))
    np.add.at(observed, category, per_entity)
    result["statistic"] = float(test.statistic)
    result["p_value"] = float(test.pvalue)
    result["cramers_v"] = float(contingency.association(observed.astype(np.int64), method="cramer"))
    return result


def _prepare(
    contributions: pd.DataFrame, entities: pd.DataFrame, by: Sequence[str], nodes: Sequence[str] = NODES
) -> tuple[pd.DataFrame, list[str], list[str], pd.DataFrame]:
    """Join contributions to entities; codes for subset, category, node."""
    by = list(by)
    for frame, name, columns in (
        (contributions, "contributions", ["entity_id", "node"]),
        (entities, "entities", ["entity_id", "category", *by]),
    ):
        missing = [c for c in columns if c not in frame.columns]
        if missing:
            raise ValueError(f"{name} lacks the column(s) {missing}; it has {list(map(str, frame.columns))}.")
    ents = entities.drop_duplicates("entity_id")
    for column in ["category", *by]:
        if ents[column].isna().any():
            raise ValueError(f"entities: column {column!r} has {int(ents[column].isna().sum())} missing values.")
    if contributions["node"].isna().any() or contributions["entity_id"].isna().any():
        raise ValueError("contributions has rows without entity_id or node.")
    frame = contributions[["entity_id", "node"]].merge(ents[["entity_id", "category", *by]], on="entity_id", how="left")
    unknown = frame["category"].isna()
    if unknown.any():
        raise ValueError(
            f"contributions names {int(unknown.sum())} rows of entities missing from the entities table "
            f"(the first is {frame.loc[unknown, 'entity_id'].iloc[0]!r})."
        )
    found = set(ents["category"].astype(str))
    categories = [c for c in CATEGORIES if c in found] + sorted(found - set(CATEGORIES))
    present_nodes = set(frame["node"].astype(str))
    nodes = [str(node) for node in nodes]
    nodes += sorted(present_nodes - set(nodes))
    frame["_category"] = pd.Categorical(frame["category"].astype(str), categories=categories).codes.astype(np.int64)
    frame["_node"] = pd.Categorical(frame["node"].astype(str), categories=nodes).codes.astype(np.int64)
    _, keys = factorize_rows(ents, by)
    if by:
        position = pd.MultiIndex.from_frame(keys).get_indexer(pd.MultiIndex.from_frame(frame[by]))
    else:
        position = np.zeros(len(frame), dtype=np.int64)
    frame["_subset"] = position
    return frame, categories, nodes, keys
