"""One territory's share of the batch-wide disclosure decisions, applied to its tables.

Every section of every report asks :func:`guard` for the territory's :class:`Guard`
and passes each table through it before drawing, printing or saving anything: a count
that the batch's cubes hide (:mod:`palestre_analysis.stats.linked`) is blank in every
table, figure and sentence of every report, and so is every statistic that would give
it back (a share of it, an interval around it, a mean over it).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from palestre_analysis import config, stats
from palestre_analysis.core.geography import bodies_label
from palestre_analysis.core.process import Process
from palestre_analysis.report.scale import bands_of
from palestre_analysis.stats import linked
from palestre_analysis.stats.concentration import concentration_is_protected, total_is_protected
from palestre_analysis.stats.disclosure import blank_where as _blank

__all__ = ["Guard", "guard", "places"]

_CELL = {"field": "field", "resource": "resource", "need": "need"}


def guard(data, params) -> Guard:
    """The disclosure decisions for ``data.territory``, taken over the whole batch.

    Parameters
    ----------
    data : Processed
        The processed tables of one territory (their ``region`` is the whole region).
    params : Parameters
        The checked notebook parameters (``min_cell``).

    Returns
    -------
    Guard
    """
    protection = linked.batch_protection(
        data.region, params.min_cell, config.ATTENDANCE_BANDS, cache_dir=params.processed_dir
    )
    return Guard(protection, data.territory, params.min_cell, data)


def places(data, params):
    """A :class:`Guard` for every place one level below the report's territory, in order.

    The places are those that add up to the territory
    (:meth:`~palestre_analysis.core.geography.Geography.sums`): a region's provinces and
    its region-wide bodies, Italy's regions and its national bodies; those without any
    entity are left out.

    Parameters
    ----------
    data : Processed
        The processed tables of the territory (the whole area's are in ``data.region``).
    params : Parameters

    Yields
    ------
    tuple of (str, Guard)
        The place's name (a province, a region, or a bodies pseudo-place of
        :func:`~palestre_analysis.core.geography.bodies_label`); its guard, whose ``data``
        holds only that place's tables.
    """
    from dataclasses import replace

    region = data.region
    geography = region.geography
    protection = linked.batch_protection(region, params.min_cell, config.ATTENDANCE_BANDS, params.processed_dir)
    present = set(region.entities["territory"])
    for name in geography.sums()[data.territory]:
        if name == bodies_label(data.territory):
            covered = {data.territory}
        else:
            covered = geography.covers(name)
        ids = set(region.entities.loc[region.entities["territory"].isin(covered), "entity_id"])
        if not covered & present:
            continue
        part = replace(
            region,
            entities=region.entities[region.entities["entity_id"].isin(ids)].reset_index(drop=True),
            attendance=region.attendance[region.attendance["entity_id"].isin(ids)].reset_index(drop=True),
            contributions=region.contributions[region.contributions["entity_id"].isin(ids)].reset_index(drop=True),
            votes=region.votes[region.votes["entity_id"].isin(ids)].reset_index(drop=True),
            territory=data.territory if name == bodies_label(data.territory) else name,
            whole=region,
        )
        yield name, Guard(protection, name, params.min_cell, part)


@dataclass(frozen=True)
class Guard:
    """Blank, in one territory's tables, what the batch's cubes hide.

    Parameters
    ----------
    protection : BatchProtection
    territory : str
    min_cell : int
    data : Processed
        The territory's processed tables (for checks that need the raw counts).
    """

    protection: linked.BatchProtection
    territory: str
    min_cell: int
    data: object = None

    def process(self) -> Process:
        """The process of the territory's tables (the seed's when the guard has no tables)."""
        return self.data.process if self.data is not None else Process()

    def _hidden(self, table: pd.DataFrame, cube: str, on: dict) -> np.ndarray:
        return linked.lookup(table, self.protection, cube, self.territory, on)[1]

    def _counts(self, table: pd.DataFrame, column: str, cube: str, on: dict, also=(), rows=None) -> pd.DataFrame:
        """Write ``column`` from the cube (the one source of every published count), blank where hidden.

        ``also`` are the statistics of the same rows that go blank with the count; ``rows``
        limits the change to some rows.
        """
        counts, hidden = linked.lookup(table, self.protection, cube, self.territory, on)
        rows = np.ones(len(table), dtype=bool) if rows is None else np.asarray(rows, dtype=bool)
        table = table.copy()
        old = table[column].to_numpy(dtype=float)
        table[column] = np.where(rows, counts, old)
        return _blank(table, rows & hidden, [column, *also])

    def _cell(self, cube: str, **keys) -> tuple[float, bool]:
        cells = self.protection.hidden(cube, self.territory)
        for column, value in keys.items():
            cells = cells[cells[column].astype(str) == str(value)]
        if len(cells) != 1:
            return float("nan"), True
        return float(cells["count"].iloc[0]), bool(cells["hidden"].iloc[0])

    def entities_hidden(self) -> bool:
        """True when the territory's number of entities is hidden (then it publishes nothing)."""
        return self._cell("entities", category="all")[1]

    def categories_shown(self) -> bool:
        """True when every category count of the territory is shown (so breakdowns by category may be)."""
        return self.protection.fully_shown("entities", self.territory)

    def composition(self, table: pd.DataFrame) -> pd.DataFrame:
        """Blank the hidden categories of a :func:`~palestre_analysis.stats.composition` table."""
        return self._counts(table, "n", "entities", {"category": "category"}, also=["share", "ci_low", "ci_high"])

    def participation(self, summary: pd.DataFrame) -> pd.DataFrame:
        """The ``all`` row (and category rows only where categories are shown), protected.

        Counts of attending entities and of regulars are sums of attendance bands: they
        are blank when a band they add up is. The share of attendances made by regulars
        and the Gini are shown only when no band is hidden and they do not let a reader
        rebuild how many entities attended each number of meetings
        (:func:`~palestre_analysis.stats.concentration.concentration_is_protected`).
        """
        table = summary if self.categories_shown() else summary[summary["category"] == "all"]
        table = table.reset_index(drop=True).copy()
        is_all = table["category"].to_numpy() == "all"
        _, entities_hidden = self._cell("entities", category="all")
        bands = self.protection.hidden("attendance", self.territory)
        bands = bands[bands["band"] != "all"]
        band_hidden = dict(zip(bands["band"], bands["hidden"], strict=True))
        lower = dict(zip(stats.band_labels(config.ATTENDANCE_BANDS), config.ATTENDANCE_BANDS, strict=True))
        regular_bands = [b for b in bands["band"] if lower[b] >= stats.REGULAR_MIN_MEETINGS]
        counts = dict(zip(bands["band"], bands["count"], strict=True))
        entities, _ = self._cell("entities", category="all")
        table.loc[is_all, "n_entities"] = entities
        table.loc[is_all, "n_attending"] = entities - counts.get("0", 0)
        table.loc[is_all, "n_regulars"] = sum(counts[b] for b in regular_bands)
        non_regular = [b for b in bands["band"] if b not in regular_bands]
        any_band_hidden = any(band_hidden.values())
        blank = {
            "n_entities": entities_hidden,
            "n_attending": entities_hidden or band_hidden.get("0", False),
            # the total of attendances bounds every band (each lies between its edges): with a band
            # hidden, it would narrow the hidden ones down
            "n_attendances": entities_hidden or (any_band_hidden and not self._total_protected(bands)),
            "mean_meetings": entities_hidden or (any_band_hidden and not self._total_protected(bands)),
            # regulars are the sum of the upper bands: shown where the shown bands give it anyway
            "n_regulars": any(band_hidden[b] for b in regular_bands)
            and (entities_hidden or any(band_hidden[b] for b in non_regular)),
        }
        concentration = entities_hidden or any_band_hidden or not self._concentration_protected()
        blank["share_by_regulars"] = blank["gini"] = concentration
        if entities_hidden:  # even a zero would describe the whole small group
            blank = dict.fromkeys([c for c in table.columns if c not in ("category", "suppressed")], True)
        for column, hide in blank.items():
            if hide:
                table = _blank(table, is_all, [column])
        if not is_all.all():  # categories: counts only; concentration needs bands nobody publishes by category
            table = _blank(table, ~is_all, ["n_regulars", "share_by_regulars", "gini"])
        return table

    def _total_protected(self, bands: pd.DataFrame) -> bool:
        if self.data is None:
            return False
        n_meetings = len(self.data.region.meetings)
        edges = [*config.ATTENDANCE_BANDS, n_meetings + 1]
        rows = bands.set_index("band")
        described = [
            (low, min(high, n_meetings + 1) - 1, int(rows.loc[label, "count"]), bool(rows.loc[label, "hidden"]))
            for label, low, high in zip(rows.index, edges[:-1], edges[1:], strict=True)
        ]
        total = int(self.data.attendance.drop_duplicates(["meeting_id", "entity_id"]).shape[0])
        return total_is_protected(described, total, self.min_cell, stats.REGULAR_MIN_MEETINGS)

    def _concentration_protected(self) -> bool:
        if self.data is None:
            return False
        n_meetings = len(self.data.region.meetings)
        return concentration_is_protected(
            self.data.attendance, self.data.entities, config.ATTENDANCE_BANDS, self.min_cell, n_meetings
        )

    def bands(self, distribution: pd.DataFrame) -> pd.DataFrame:
        """Blank the hidden bands of an attendance distribution (``all`` rows)."""
        return self._counts(distribution, "n_entities", "attendance", {"n_meetings": "band"}, also=["share"])

    def meetings(self, everyone: pd.DataFrame) -> pd.DataFrame:
        """Presences and newcomers of the meetings the territory's entities attended.

        Only attended meetings are listed, so a reader knows that a blank presence is at
        least one: the ``present`` cube is protected with that in mind.
        """
        table = self._counts(everyone, "n_present", "present", {"meeting_id": "meeting_id"}, also=["n_newcomers"])
        return self._counts(table, "n_newcomers", "newcomers", {"meeting_id": "meeting_id"}).pipe(
            _blank, table["n_present"].isna().to_numpy(), ["n_newcomers"]
        )

    def network(self, summary: pd.DataFrame) -> pd.DataFrame:
        """Blank network measures that would give back hidden counts.

        The number of entities is the number of attending entities; the share in the
        largest component gives how many are outside it (shown only when that is 0 or
        at least ``min_cell``); ties across categories, observed and expected, depend on
        the category counts and are shown only where every category is.
        """
        table = summary.reset_index(drop=True).copy()
        everyone = np.ones(len(table), dtype=bool)
        _, entities_hidden = self._cell("entities", category="all")
        _, none_hidden = self._cell("attendance", band="0")
        if entities_hidden or none_hidden:
            table = _blank(table, everyone, ["n_nodes", "density", "largest_component_share"])
        nodes, share = table["n_nodes"].iloc[0], table["largest_component_share"].iloc[0]
        if pd.notna(nodes) and pd.notna(share):
            outside = round(nodes * (1 - share))
            if 0 < outside < self.min_cell:
                table = _blank(table, everyone, ["largest_component_share", "n_components"])
        if not self.categories_shown():
            table = _blank(table, everyone, ["cross_category_share", "cross_category_expected"])
        return table

    def contributions(self, counts: pd.DataFrame, test: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
        """Contributions by node: counts the cubes hide are blank, categories only where shown."""
        table = counts if self.categories_shown() else counts[counts["category"] == "all"]
        table = table.reset_index(drop=True).copy()
        is_all = table["category"].to_numpy() == "all"
        contributors = self._hidden(table, "contributors", {"node": "node"}) & is_all
        contributions = self._hidden(table, "contributions", {"node": "node"}) & is_all
        table = self._counts(table, "n_entities", "contributors", {"node": "node"}, rows=is_all)
        table = self._counts(table, "n_contributions", "contributions", {"node": "node"}, rows=is_all)
        table = _blank(table, contributors, ["n_entities", "n_contributions", "share"])
        table = _blank(table, contributions, ["n_contributions", "share"])
        if self._cell("contributing")[1]:  # few contributors: even a node's zero would describe them all
            table = _blank(table, is_all, ["n_entities", "n_contributions", "share"])
        test = test.reset_index(drop=True).copy()
        _, total_hidden = self._cell("contributions", node="all")
        _, contributing_hidden = self._cell("contributing")
        one = np.ones(len(test), dtype=bool)
        if total_hidden:
            test = _blank(test, one, ["n_contributions"])
        if contributing_hidden:
            test = _blank(test, one, ["n_entities"])
        if contributors.any() or contributions.any():
            test = _blank(test, one, ["statistic", "p_value", "cramers_v"])
        return table, test

    def quotes_allowed(self) -> bool:
        """Quotes of free text appear in the region's report only, so one quote is tied to one report.

        A quote printed in a province's report and in the region's would tie it to the
        entities both describe; with one report per quote, it stays among the node's
        contributors of the region (shown only with at least ``min_cell`` of them).
        """
        return self.data is not None and self.territory == self.data.region.geography.area.name

    def cells(self, cells: pd.DataFrame) -> pd.DataFrame:
        """Blank the cells (by group, ``all`` included) that the cells cube hides."""
        statistics = [c for c in cells.columns if c not in ("field", "resource", "need", "group", "suppressed", "n")]
        # a small group's zero in a cell stays: it is the cell's total minus the other group, both shown
        return self._counts(cells, "n", "cells", {**_CELL, "group": "group"}, also=statistics)

    def hidden_cells(self) -> pd.DataFrame:
        """The territory's ``all`` cells that the cube hides (field, resource, need)."""
        cells = self.protection.hidden("cells", self.territory)
        cells = cells[(cells["group"] == "all") & cells["hidden"]]
        return cells[["field", "resource", "need"]].reset_index(drop=True)

    def group_comparison(
        self,
        votes: pd.DataFrame,
        *,
        seed: int = config.SEED,
        n_boot: int = config.BEST_CROSSING_DRAWS,
        per_cell: bool = True,
    ) -> tuple[pd.DataFrame, pd.DataFrame]:
        """The two groups compared per resource (and per cell), on what the territory shows of both.

        The model (:func:`~palestre_analysis.stats.groups.group_gaps`) is fitted on the votes
        of the cells whose cells of *both* groups the cells cube shows, so that no hidden
        group cell enters a published number. Nothing about a group is shown unless the
        voters cube shows its count and the count is at least ``min_cell``; ``n_<group>``
        is that count (blank where hidden).

        Parameters
        ----------
        votes : DataFrame
            The territory's votes (:func:`~palestre_analysis.stats.prepare_votes`).
        seed : int
            Seed of the delegate bootstrap behind Cliff's delta's intervals.
        n_boot : int
            Its replicates (0: no interval, for a place that only lends its gaps to pooling).
        per_cell : bool
            Also run the per-cell tests (:func:`~palestre_analysis.stats.group_comparison`).

        Returns
        -------
        resources : DataFrame
            One row per resource and one ``all`` row (the overall shift), blank and
            ``suppressed`` where a group is not shown: the statistics of
            :func:`~palestre_analysis.stats.groups.group_gaps` but ``df`` (the delegates in
            the fit, which no cube decides).
        cells : DataFrame
            One row per compared cell, with the cells cube's counts; no row (but its columns)
            when a group is not shown or ``per_cell`` is false.
        """
        process = self.process()
        keys = [g.key for g in process.groups]
        cube = self.protection.hidden("cells", self.territory)
        columns = list(_CELL)
        shown = None
        for group in [*keys, "all"]:
            part = cube[(cube["group"] == group) & ~cube["hidden"].astype(bool)][columns].astype(str)
            index = pd.MultiIndex.from_frame(part)
            shown = index if shown is None else shown.intersection(index)
        within = pd.MultiIndex.from_frame(votes[columns].astype(str)).isin(shown)
        compared = votes[within].reset_index(drop=True)
        counts = {g: self._cell("voters", group=g) for g in keys}
        visible = all(not hidden and count >= self.min_cell for count, hidden in counts.values())
        if visible and len(compared):
            table = stats.groups.group_gaps(
                compared, self.min_cell, scale=process.scale, groups=keys, n_boot=n_boot, seed=seed
            )
        else:
            resources = sorted(pd.unique(votes["resource"]), key=str)
            table = pd.DataFrame({"resource": [*resources, stats.groups.ALL_RESOURCES]})
            for column in stats.groups.GAP_COLUMNS:
                table[column] = np.nan
            table["suppressed"] = True
        for group, (count, hidden) in counts.items():
            table[f"n_{group}"] = np.nan if hidden else count
        # the degrees of freedom would count the delegates behind the fit: not a cube's count
        table = table.drop(columns="df")
        statistics = [c for c in table.columns if c not in ("resource", "suppressed", *(f"n_{g}" for g in keys))]
        if not visible:
            table = _blank(table, np.ones(len(table), dtype=bool), statistics)
        table = table[["resource", *statistics, *(f"n_{g}" for g in keys), "suppressed"]]
        numbers = ["u", "p", "p_bh", "cliffs_delta"]
        cells = pd.DataFrame(columns=[*columns, *(f"n_{g}" for g in keys), *numbers, "tested", "suppressed"])
        if per_cell and visible and len(compared):
            cells = stats.group_comparison(compared, min_cell=self.min_cell, scale=process.scale, groups=keys)
            for group in keys:
                found, hidden = linked.lookup(
                    cells.assign(group=group), self.protection, "cells", self.territory, {**_CELL, "group": "group"}
                )
                cells[f"n_{group}"] = found
                cells = _blank(cells, hidden, [f"n_{group}", *numbers])
        return table.reset_index(drop=True), cells

    def agreement(self, agreement: pd.DataFrame | None, fields=None) -> pd.DataFrame:
        """Krippendorff's alpha per field, with the raters cube's count of delegates (blank where it hides it).

        ``agreement`` is :func:`~palestre_analysis.stats.agreement` computed on :meth:`shown_votes`
        (a field's alpha over every cell, next to its shown cells, would give back the hidden
        ones); ``fields``, when given, are every field of the territory, each with a row
        (blank when none of its cells is shown, or ``agreement`` is None).
        """
        return self._per_field(agreement, fields)

    def reliability(self, reliability: pd.DataFrame | None, fields=None) -> pd.DataFrame:
        """Variance components, ICC(A,1), ICC(A,k) and the D study per field, protected as :meth:`agreement`.

        ``reliability`` is :func:`~palestre_analysis.stats.reliability` computed on
        :meth:`shown_votes`: a field's statistics stand on at least ``min_cell`` delegates
        (the raters cube's count), and its count is blank where the cube hides it.
        """
        return self._per_field(reliability, fields)

    def _per_field(self, table: pd.DataFrame | None, fields) -> pd.DataFrame:
        """A per-field statistic: every field a row, statistics only on ``min_cell`` delegates, the cube's count."""
        if fields is not None:
            rows = pd.DataFrame({"field": list(fields)})
            if table is None:
                table = rows.assign(suppressed=True)
            else:
                table = rows.merge(table, on="field", how="left")
                flags = table["suppressed"] if "suppressed" in table else pd.Series(pd.NA, index=table.index)
                table["suppressed"] = flags.astype("boolean").fillna(True).astype(bool)
        statistics = [c for c in table.columns if c not in ("field", "suppressed", "n_raters")]
        counts, hidden = linked.lookup(table, self.protection, "raters", self.territory, {"field": "field"})
        table = table.copy()
        table["n_raters"] = counts
        # a field's statistics need min_cell delegates; its count is hidden more often (next to a cell
        # that some of them skipped, it would count those)
        table = _blank(table, counts < self.min_cell, statistics)
        # the count alone goes (not the row: its statistics stand on enough delegates)
        table.loc[hidden, "n_raters"] = np.nan
        return table

    def voters(self) -> pd.DataFrame:
        """Delegates who voted, in all and per group, blank where the voters cube hides them."""
        cells = self.protection.hidden("voters", self.territory)
        table = cells.rename(columns={"count": "n_delegates"})
        table["n_delegates"] = table["n_delegates"].where(~table["hidden"]).astype(float)
        order = {"all": 0, "aps_odv": 1, "fondazioni_csv_altri": 2}
        table = table.sort_values("group", key=lambda g: g.map(order)).reset_index(drop=True)
        return table.rename(columns={"hidden": "suppressed"})[["group", "n_delegates", "suppressed"]]

    def shown_votes(self, votes: pd.DataFrame) -> pd.DataFrame:
        """The votes of the cells the territory shows (``all`` group): aggregates are taken over them only.

        A mean over all cells, next to the shown cells, would give back the hidden ones.
        """
        hidden = self.hidden_cells()
        if hidden.empty:
            return votes
        keys = pd.MultiIndex.from_frame(votes[["field", "resource", "need"]].astype(str))
        out = keys.isin(pd.MultiIndex.from_frame(hidden.astype(str)))
        return votes[~out].reset_index(drop=True)

    def resources(self, votes: pd.DataFrame) -> pd.DataFrame:
        """How votes spread over the scale per resource, over the shown cells.

        The scale and the bands are the process's (:meth:`process`). The number of
        delegates of a resource is shown only where every cell of the resource is (then
        it is the cube's count, protected with the others).
        """
        process = self.process()
        on_scale = {"scale": process.scale, "high_score": process.high_score, "bands": bands_of(process)}
        shown = self.shown_votes(votes)
        if shown.empty:  # nothing shown: one blank row per resource
            table = stats.resource_summary(votes, min_cell=self.min_cell, **on_scale)
            statistics = [c for c in table.columns if c not in ("resource", "suppressed")]
            return _blank(table, np.ones(len(table), dtype=bool), statistics)
        table = stats.resource_summary(shown, min_cell=self.min_cell, **on_scale)
        partial = set(self.hidden_cells()["resource"])
        counts, hidden = linked.lookup(
            table, self.protection, "resource_raters", self.territory, {"resource": "resource"}
        )
        # a resource with hidden cells keeps its statistics over the shown ones; only its count of
        # delegates (over every cell) goes, and so does a count the cube hides
        table = table.copy()
        table["n_raters"] = np.where(hidden | table["resource"].isin(partial).to_numpy(), np.nan, counts)
        return table

    def best(self, votes: pd.DataFrame, ranked_shown: pd.DataFrame | None) -> pd.DataFrame:
        """Best crossings ranked among the shown cells; hidden competitors stay as blank rows.

        ``ranked_shown`` is :func:`~palestre_analysis.stats.best_crossing` computed on
        :meth:`shown_votes` only, so that its bootstrap, ranks and confidence sets never
        include a hidden cell; every crossing of ``votes`` gets a row, so a sentence
        knows when a competitor is hidden. A hidden crossing's row is blank in every
        statistic (its ``n`` too) and flagged ``suppressed``; ranks and set sizes stay
        nullable integers.
        """
        keys = ["field", "need", "resource"]
        statistics = ["n", "mean", "p_best", "rank", "rank_low", "rank_high", "in_best_set", "best_set_size"]
        if ranked_shown is None:  # no cell shown
            ranked_shown = pd.DataFrame(columns=[*keys, *statistics, "suppressed"])
        table = votes[keys].drop_duplicates().merge(ranked_shown, on=keys, how="left")
        table["suppressed"] = table["suppressed"].astype("boolean").fillna(True).astype(bool)
        table = table.sort_values(["field", "need", "rank"], na_position="last", kind="stable")
        return table.reset_index(drop=True)
