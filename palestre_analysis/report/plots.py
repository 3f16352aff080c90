"""Figures of the reports: Italian titles and labels, colour-blind-safe palettes.

Every function takes a tidy table from :mod:`palestre_analysis.stats` and returns a
:class:`matplotlib.figure.Figure` built without pyplot (no global state: a notebook shows
it with ``display(fig)``, exactly once). Suppressed values are drawn as empty grey cells
marked ``‡``, never as numbers. A bar chart with no bar to draw (every value hidden or
zero) is not drawn: its function returns ``None``, which
:meth:`~palestre_analysis.report.section.Section.add` leaves out.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import pandas as pd
import seaborn as sns
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from palestre_analysis.core.vocabulary import CATEGORY_LABELS, NODES
from palestre_analysis.report import formatting as fmt
from palestre_analysis.report.scale import score_range
from palestre_analysis.stats.scales import DEFAULT_BANDS, Bands

__all__ = [
    "use_report_style",
    "composition_chart",
    "meetings_timeline",
    "attendance_chart",
    "attendance_histogram",
    "has_bars",
    "contributions_chart",
    "heatmaps",
    "agreement_chart",
    "diverging_bars",
    "territory_multiples",
    "group_gaps_chart",
    "CATEGORY_COLORS",
]

_PALETTE = sns.color_palette("colorblind")
CATEGORY_COLORS = {c: _PALETTE[i] for i, c in enumerate(CATEGORY_LABELS)}
_GREY = "#d9d9d9"
#: Pixels per inch of a figure on the page: its CSS size. The reports' images are rendered at twice
#: this (:data:`~palestre_analysis.report.section.PRINT_SCALE`), sharp in print and at 200% zoom.
_DPI = 100


def use_report_style() -> None:
    """Seaborn's white grid with readable sizes; call once at the top of a notebook.

    It changes matplotlib's global ``rcParams`` (through :func:`seaborn.set_theme`): style
    ``whitegrid``, context ``notebook``, font scale 0,95, 100 dpi for figures and saved
    images, bold titles. The reports' images do not use the saved-image dpi: they are
    rendered at print resolution by :func:`~palestre_analysis.report.section.figure_bundle`.
    """
    sns.set_theme(
        style="whitegrid",
        context="notebook",
        font_scale=0.95,
        rc={
            "figure.dpi": _DPI,
            "savefig.dpi": _DPI,
            "axes.titleweight": "bold",
            "axes.titlesize": 12,
            "figure.titlesize": 13,
            "figure.titleweight": "bold",
        },
    )


def _figure(width: float, height: float) -> Figure:
    return Figure(figsize=(width, height), dpi=_DPI, layout="constrained")


# --- Phase 1 -----------------------------------------------------------------------------------


def composition_chart(table: pd.DataFrame, title: str) -> Figure:
    """Share of each category with its Wilson 95% interval, and the reference share as a diamond.

    Parameters
    ----------
    table : DataFrame
        One row per category, as :func:`palestre_analysis.stats.composition` returns it:
        ``category``, ``share``, ``ci_low``, ``ci_high``, ``suppressed`` and, optionally,
        ``reference_share``. Rows are drawn top to bottom in the table's order.
    title : str
        Title of the figure (Italian).

    Returns
    -------
    matplotlib.figure.Figure
        Horizontal bars with their intervals; each bar is labelled with its percentage,
        or ``‡`` when it is suppressed or missing.

    Examples
    --------
    >>> table = pd.DataFrame({"category": ["associazioni", "csv"], "share": [0.6, None],
    ...                       "ci_low": [0.31, None], "ci_high": [0.83, None], "suppressed": [False, True],
    ...                       "reference_share": [0.6, 0.11]})
    >>> ax = composition_chart(table, "Composizione").axes[0]
    >>> [t.get_text() for t in ax.get_yticklabels()], [t.get_text() for t in ax.texts]
    (['Associazioni', 'CSV'], [' 60%', ' ‡'])
    """
    data = table.reset_index(drop=True)
    fig = _figure(7.5, 0.55 * len(data) + 1.6)
    ax = fig.subplots()
    y = np.arange(len(data))
    colors = [CATEGORY_COLORS.get(c, _GREY) for c in data["category"]]
    ax.barh(y, data["share"].fillna(0), color=colors, height=0.6)
    has_ci = data["share"].notna()
    ax.errorbar(
        data.loc[has_ci, "share"],
        y[has_ci],
        xerr=[
            data.loc[has_ci, "share"] - data.loc[has_ci, "ci_low"],
            data.loc[has_ci, "ci_high"] - data.loc[has_ci, "share"],
        ],
        fmt="none",
        ecolor="black",
        capsize=3,
        lw=1,
    )
    if "reference_share" in data:
        ax.scatter(data["reference_share"], y, marker="D", color="black", zorder=3, s=28)
    for yi, (share, high, suppressed) in enumerate(zip(data["share"], data["ci_high"], data["suppressed"])):
        label = fmt.SUPPRESSED_MARK if suppressed or pd.isna(share) else fmt.pct(share)
        ax.text(0.005 if pd.isna(high) else high + 0.01, yi, f" {label}", va="center", ha="left", fontsize=9)
    ax.set_yticks(y, [CATEGORY_LABELS.get(c, c) for c in data["category"]])
    ax.invert_yaxis()
    ax.xaxis.set_major_formatter(fmt.axis_formatter(0, percent=True))
    top = data[["ci_high", "reference_share"]].max().max() if "reference_share" in data else data["ci_high"].max()
    ax.set_xlim(0, min(1.0, float(top) + 0.12) if pd.notna(top) else 1.0)
    ax.set_xlabel("Quota degli enti (linee nere: intervallo di Wilson al 95%)")
    ax.set_ylabel("Categoria")
    if "reference_share" in data:
        ax.legend(
            handles=[Line2D([], [], marker="D", color="black", ls="", label="Quota di riferimento")],
            loc="lower right",
            frameon=True,
        )
    ax.set_title(title)
    return fig


def meetings_timeline(table: pd.DataFrame, title: str) -> Figure:
    """One marker per meeting: date, focus group, level, and (when shown) how many were present.

    Parameters
    ----------
    table : DataFrame
        One row per meeting (as :func:`palestre_analysis.stats.attendance_by_meeting`
        returns it, for ``category == "all"``): ``date``, ``focus_group`` (missing: a row
        ``(senza focus group)``), ``level`` (``regionale`` or ``territoriale``) and
        ``n_present``, which sizes the marker; a missing ``n_present`` draws an empty circle.
    title : str
        Title of the figure (Italian).

    Returns
    -------
    matplotlib.figure.Figure
        One row per focus group, in alphabetical order, with an Italian month axis.

    Examples
    --------
    >>> meetings = pd.DataFrame({"date": pd.to_datetime(["2018-10-05", "2018-11-09", "2019-03-14"]),
    ...                          "focus_group": ["Bandi", None, "Bandi"],
    ...                          "level": ["regionale", "territoriale", "territoriale"],
    ...                          "n_present": [12.0, None, 7.0]})
    >>> ax = meetings_timeline(meetings, "Incontri").axes[0]
    >>> [t.get_text() for t in ax.get_yticklabels()]
    ['(senza focus group)', 'Bandi']
    """
    data = table.copy()
    groups = sorted(data["focus_group"].fillna("(senza focus group)").unique())
    data["row"] = data["focus_group"].fillna("(senza focus group)").map({g: i for i, g in enumerate(groups)})
    fig = _figure(9.5, 0.45 * len(groups) + 2.6)
    ax = fig.subplots()
    colors = {"regionale": _PALETTE[0], "territoriale": _PALETTE[1]}
    for level, part in data.groupby("level"):
        sizes = 25 + 6 * part["n_present"].fillna(0)
        shown = part["n_present"].notna()
        ax.scatter(
            part.loc[shown, "date"],
            part.loc[shown, "row"],
            s=sizes[shown],
            color=colors.get(level),
            alpha=0.85,
            edgecolor="black",
            linewidth=0.5,
        )
        ax.scatter(
            part.loc[~shown, "date"],
            part.loc[~shown, "row"],
            s=40,
            facecolor="white",
            edgecolor=colors.get(level),
            linewidth=1.5,
        )
    ax.set_yticks(range(len(groups)), groups)
    ax.invert_yaxis()
    _month_axis(ax.xaxis)
    ax.set_xlabel("Data dell'incontro")
    ax.set_ylabel("Focus group")
    handles = [Patch(color=c, label=f"Incontro {lvl}") for lvl, c in colors.items() if lvl in set(data["level"])]
    handles.append(
        Line2D(
            [],
            [],
            marker="o",
            ls="",
            markerfacecolor="white",
            markeredgecolor="grey",
            label="Presenze non mostrate (pochi enti)",
        )
    )
    fig.legend(handles=handles, loc="outside lower center", ncols=3, frameon=False, fontsize=9)
    ax.set_title(title)
    return fig


def _month_axis(axis) -> None:
    """Ticks at the start of every other month, labelled ``ott`` / ``2018`` in Italian."""
    from matplotlib.dates import MonthLocator, num2date
    from matplotlib.ticker import FuncFormatter

    axis.set_major_locator(MonthLocator(bymonth=range(1, 13, 2)))
    axis.set_major_formatter(FuncFormatter(lambda x, _: f"{fmt.MONTHS[num2date(x).month - 1][:3]}\n{num2date(x).year}"))


def attendance_chart(table: pd.DataFrame, title: str) -> Figure | None:
    """Present at each meeting, split into newcomers and returning entities.

    Where the newcomers are hidden, the whole bar is hatched grey: drawing it as "returning"
    would read as zero newcomers. When no meeting has a shown, positive number of entities
    present there is no bar to draw, only ``‡`` marks: the function returns ``None`` and the
    caller says so in a sentence instead of showing an empty chart.

    Parameters
    ----------
    table : DataFrame
        One row per meeting, as for :func:`meetings_timeline`, with ``meeting_id``,
        ``date``, ``n_present`` and ``n_newcomers``; meetings are drawn in date order. A
        meeting whose ``n_present`` is missing gets no bar and a ``‡``.
    title : str
        Title of the figure (Italian).

    Returns
    -------
    matplotlib.figure.Figure or None
        Stacked bars, labelled with the meeting ids (turned vertical beyond 12 meetings);
        ``None`` when every ``n_present`` is hidden, missing or zero.

    Examples
    --------
    >>> table = pd.DataFrame({"meeting_id": ["M2", "M1", "M3"],
    ...                       "date": pd.to_datetime(["2018-11-09", "2018-10-05", "2019-01-10"]),
    ...                       "n_present": [9.0, 12.0, None], "n_newcomers": [None, 12.0, None]})
    >>> ax = attendance_chart(table, "Presenze").axes[0]
    >>> [t.get_text() for t in ax.get_xticklabels()], [t.get_text() for t in ax.texts]
    (['M1', 'M2', 'M3'], ['‡'])
    >>> print(attendance_chart(table.assign(n_present=None), "Presenze"))
    None
    """
    if not has_bars(table["n_present"]):
        return None
    data = table.sort_values("date").reset_index(drop=True)
    fig = _figure(9, 4.4)
    ax = fig.subplots()
    x = np.arange(len(data))
    split = data["n_newcomers"].notna() & data["n_present"].notna()
    returning = (data["n_present"] - data["n_newcomers"]).where(split, 0)
    ax.bar(x, returning, color=_PALETTE[0], label="Enti già presenti in precedenza")
    ax.bar(
        x, data["n_newcomers"].where(split, 0), bottom=returning, color=_PALETTE[1], label="Enti alla prima presenza"
    )
    unsplit = ~split & data["n_present"].notna()
    ax.bar(
        x[unsplit],
        data.loc[unsplit, "n_present"],
        color=_GREY,
        hatch="//",
        edgecolor="white",
        label="Nuovi arrivi non mostrati (pochi enti)",
    )
    for xi in x[data["n_present"].isna().to_numpy()]:
        ax.text(xi, 0.2, fmt.SUPPRESSED_MARK, ha="center", va="bottom")
    ax.set_xticks(x, data["meeting_id"], fontsize=8, rotation=90 if len(data) > 12 else 0)
    ax.set_xlabel("Incontro, in ordine di data (le date sono nella tabella degli incontri)")
    ax.set_ylabel("Enti presenti")
    ax.yaxis.set_major_formatter(fmt.axis_formatter(0))
    ax.legend(loc="upper left", fontsize=8)
    ax.set_title(title)
    return fig


def attendance_histogram(table: pd.DataFrame, title: str) -> Figure | None:
    """How many entities attended 0, 1, 2 ... meetings (or bands of meetings), in the table's order.

    When every count is hidden or zero (a small territory: the bands with entities are
    hidden, the others are 0) there is no bar to draw, only ``‡`` marks over a flat axis: the
    function returns ``None`` and the caller says so in a sentence instead of showing an
    empty chart.

    Parameters
    ----------
    table : DataFrame
        As :func:`palestre_analysis.stats.attendance_distribution` returns it for one
        category: ``n_meetings`` (a number or a band label), ``n_entities`` and
        ``suppressed``; a suppressed, missing count is drawn as ``‡``.
    title : str
        Title of the figure (Italian).

    Returns
    -------
    matplotlib.figure.Figure or None
        One bar per row, with whole-number ticks; ``None`` when no count is shown and
        positive.

    Examples
    --------
    >>> table = pd.DataFrame({"n_meetings": ["1", "2-3", "4 o più"], "n_entities": [14.0, 6.0, None],
    ...                       "suppressed": [False, False, True]})
    >>> ax = attendance_histogram(table, "Frequenza").axes[0]
    >>> [t.get_text() for t in ax.get_xticklabels()], [t.get_text() for t in ax.texts]
    (['1', '2-3', '4 o più'], ['‡'])
    >>> print(attendance_histogram(table.assign(n_entities=[0.0, None, None]), "Frequenza"))
    None
    """
    if not has_bars(table["n_entities"]):
        return None
    data = table.reset_index(drop=True)
    fig = _figure(7.5, 3.8)
    ax = fig.subplots()
    x = np.arange(len(data))
    ax.bar(x, data["n_entities"].fillna(0), color=_PALETTE[2])
    for xi, suppressed, n in zip(x, data["suppressed"], data["n_entities"]):
        if suppressed and pd.isna(n):
            ax.text(xi, 0.1, fmt.SUPPRESSED_MARK, ha="center", va="bottom")
    ax.set_xticks(x, [str(k) for k in data["n_meetings"]])
    ax.set_xlabel("Numero di incontri frequentati")
    ax.set_ylabel("Numero di enti")
    ax.yaxis.set_major_locator(_integer_locator())
    ax.yaxis.set_major_formatter(fmt.axis_formatter(0))
    ax.set_title(title)
    return fig


def has_bars(values) -> bool:
    """Whether a bar chart of ``values`` would draw any bar: some value is shown and positive.

    Hidden values (missing, drawn as ``‡``) and zeros draw nothing.

    Parameters
    ----------
    values : array-like
        The heights, with missing values where they are hidden.

    Returns
    -------
    bool

    Examples
    --------
    >>> has_bars([0.0, None, 3.0]), has_bars([0.0, None, float("nan")]), has_bars([])
    (True, False, False)
    """
    heights = pd.to_numeric(pd.Series(values, dtype="object"), errors="coerce")
    return bool((heights.fillna(0) > 0).any())


def _integer_locator():
    from matplotlib.ticker import MaxNLocator

    return MaxNLocator(integer=True)


def contributions_chart(table: pd.DataFrame, title: str, nodes: Sequence[str] = NODES) -> Figure:
    """Share of each strategic node in the contributions of each category (stacked bars).

    Parameters
    ----------
    table : DataFrame
        As :func:`palestre_analysis.stats.contribution_counts` returns it: ``category``
        (``"all"`` for every category together), ``node`` and ``share``. Categories are
        drawn in the order ``all`` then the vocabulary's; nodes in the order of
        ``nodes``, unknown ones after. What the shown shares leave to 100% (suppressed
        nodes) is a hatched grey bar.
    title : str
        Title of the figure (Italian).
    nodes : sequence of str, default the seed's four nodes
        The process's nodes, in the order of its file.

    Returns
    -------
    matplotlib.figure.Figure
        One bar per category; shares of at least 6% are written on the bar.

    Examples
    --------
    >>> table = pd.DataFrame({"category": ["all", "all", "csv"],
    ...                       "node": ["Reti comunitarie", "Strumentazione", "Reti comunitarie"],
    ...                       "share": [0.7, 0.3, None]})
    >>> ax = contributions_chart(table, "Contributi").axes[0]
    >>> [t.get_text() for t in ax.get_yticklabels()], [t.get_text() for t in ax.texts]
    (['Tutte le categorie', 'CSV'], ['70%', '30%'])
    """
    data = table.copy()
    categories = [c for c in ["all", *CATEGORY_LABELS] if c in set(data["category"])]
    nodes = [n for n in nodes if n in set(data["node"])] + sorted(set(data["node"]) - set(nodes))
    fig = _figure(9, 0.55 * len(categories) + 2.8)
    ax = fig.subplots()
    colors = sns.color_palette("colorblind", len(nodes))
    for yi, category in enumerate(categories):
        part = data[data["category"] == category].set_index("node")
        left = 0.0
        for node, color in zip(nodes, colors):
            share = part["share"].get(node, np.nan)
            if pd.notna(share):
                ax.barh(yi, share, left=left, color=color, height=0.6)
                if share >= 0.06:
                    ax.text(left + share / 2, yi, fmt.pct(share), ha="center", va="center", fontsize=8)
                left += share
        if left < 0.999:
            ax.barh(yi, 1 - left, left=left, color=_GREY, height=0.6, hatch="//", edgecolor="white")
    labels = {"all": "Tutte le categorie", **CATEGORY_LABELS}
    ax.set_yticks(range(len(categories)), [labels.get(c, c) for c in categories])
    ax.invert_yaxis()
    ax.set_xlim(0, 1)
    ax.xaxis.set_major_formatter(fmt.axis_formatter(0, percent=True))
    ax.set_xlabel("Quota dei contributi della categoria")
    ax.set_ylabel("Categoria di ente")
    handles = [Patch(color=c, label=n) for n, c in zip(nodes, colors)]
    handles.append(Patch(facecolor=_GREY, hatch="//", edgecolor="white", label="Non mostrato (pochi delegati)"))
    fig.legend(handles=handles, loc="outside lower center", ncols=3, frameon=False, fontsize=9)
    ax.set_title(title)
    return fig


# --- Phase 2 -----------------------------------------------------------------------------------


def heatmaps(
    table: pd.DataFrame,
    value: str,
    title: str,
    *,
    cmap: str = "cividis",
    center: float | None = None,
    vmin: float | None = None,
    vmax: float | None = None,
    decimals: int = 1,
    percent: bool = False,
    annotate: bool = True,
    marks: str | None = None,
    n_column: str | None = "n",
    colorbar: str = "",
) -> Figure:
    """Small multiples: one resource x need heatmap per field, sharing axes and colour scale.

    ``value`` is the column drawn (written in each cell when ``annotate``); ``marks`` an
    optional boolean column marked with ``*``; ``n_column`` the count whose range each
    panel's title gives. NaN cells are grey, marked ``‡`` when ``suppressed`` is true.
    Resources label only the left column and needs only the bottom row: fewer texts
    keep the figure readable and quick to draw.

    Parameters
    ----------
    table : DataFrame
        One row per field, resource and need (e.g. :func:`palestre_analysis.stats.cell_stats`
        for one group): ``field``, ``resource``, ``need``, the ``value`` column and,
        optionally, ``suppressed``, ``marks`` and ``n_column``. Fields are drawn in order
        of appearance, two panels a row; resources and needs sorted.
    value : str
        Column drawn as colour.
    title : str
        Title of the figure (Italian).
    cmap : str
        Matplotlib colour map.
    center : float, optional
        Value at the middle of the colour scale (a diverging map), which is then made
        symmetric around it.
    vmin, vmax : float, optional
        Ends of the colour scale; by default the smallest and largest value shown.
    decimals : int
        Decimals of the cell texts and of the colour bar.
    percent : bool
        Write values (and the colour bar) as percentages.
    annotate : bool
        Write the value in each cell; without it, only marks are written (larger, bold).
    marks : str, optional
        Boolean column: ``*`` in the cells where it is true.
    n_column : str or None
        Count column whose range over the shown cells each panel's title gives
        (``"n = 6–9 delegati"``); ``None`` or a missing column: the field alone.
    colorbar : str
        Label of the colour bar.

    Returns
    -------
    matplotlib.figure.Figure
        The panels (unused ones hidden) and a shared colour bar.

    Examples
    --------
    >>> cells = pd.DataFrame({"field": ["Sport"] * 4 + ["Cultura"] * 4,
    ...                       "resource": ["Bandi", "Bandi", "Donazioni", "Donazioni"] * 2,
    ...                       "need": ["Spazi", "Persone"] * 4,
    ...                       "mean": [7.2, 6.1, None, 8.0, 5.5, None, 6.6, 7.7],
    ...                       "n": [9, 8, 2, 6, 7, 1, 5, 6],
    ...                       "suppressed": [False, False, True, False, False, True, False, False]})
    >>> fig = heatmaps(cells, "mean", "Voto medio", vmin=1, vmax=10, colorbar="Voto medio (1-10)")
    >>> [ax.get_title() for ax in fig.axes[:2]]
    ['Sport\\n(n = 6–9 delegati)', 'Cultura\\n(n = 5–7 delegati)']
    >>> [t.get_text() for t in fig.axes[0].texts]
    ['7,2', '6,1', '‡', '8,0']
    """
    fields = list(dict.fromkeys(table["field"]))
    resources = sorted(table["resource"].unique())
    needs = sorted(table["need"].unique())
    columns = 2 if len(fields) > 1 else 1
    rows = math.ceil(len(fields) / columns)
    panel_w, panel_h = 0.95 * len(needs), 0.34 * len(resources) + 0.5
    left, right, bottom, top = 2.3, 1.2, 1.0, 0.7
    width, height = left + columns * panel_w + (columns - 1) * 0.3 + right, bottom + rows * panel_h + top
    fig = Figure(figsize=(width, height), dpi=_DPI)
    fig.subplots_adjust(
        left=left / width,
        right=1 - right / width,
        bottom=bottom / height,
        top=1 - top / height,
        wspace=0.3 / panel_w,
        hspace=0.5 / panel_h,
    )
    axes = np.atleast_1d(fig.subplots(rows, columns, squeeze=False, sharex=True, sharey=True)).ravel()
    lo, hi = _color_limits(table[value].astype(float), vmin, vmax, center)
    mesh = None
    for ax, field in zip(axes, fields):
        part = table[table["field"] == field]
        grid = part.pivot_table(index="resource", columns="need", values=value, aggfunc="first", dropna=False)
        grid = grid.reindex(index=resources, columns=needs).astype(float)
        ax.set_facecolor(_GREY)
        mesh = ax.pcolormesh(
            np.ma.masked_invalid(grid.to_numpy()), cmap=cmap, vmin=lo, vmax=hi, edgecolors="white", linewidth=1
        )
        _annotate(ax, part, resources, needs, value, decimals, percent, annotate, marks, mesh)
        ax.set_title(_panel_title(field, part, value, n_column), fontsize=9)
        ax.grid(False)
    last_row = {ax for ax in axes[: len(fields)] if ax.get_subplotspec().is_last_row()}
    for ax in axes[: len(fields)]:
        ax.tick_params(labelbottom=ax in last_row or ax is axes[len(fields) - 1], labelsize=8)
    axes[0].set_yticks(np.arange(len(resources)) + 0.5, resources)
    axes[0].set_xticks(np.arange(len(needs)) + 0.5, [_wrap(n) for n in needs])
    axes[0].invert_yaxis()
    for ax in axes[len(fields) :]:
        ax.set_visible(False)
    if mesh is not None:
        bar_axes = fig.add_axes((1 - (right - 0.25) / width, bottom / height, 0.18 / width, rows * panel_h / height))
        bar = fig.colorbar(mesh, cax=bar_axes)
        bar.set_label(colorbar)
        bar.formatter = fmt.axis_formatter(decimals if not percent else 0, percent=percent)
        bar.update_ticks()
    fig.supxlabel("Esigenza", y=0.1 / height, fontsize=10)
    fig.supylabel("Fonte di risorse", x=0.1 / width, fontsize=10)
    fig.suptitle(title, y=1 - 0.15 / height)
    return fig


def _color_limits(values: pd.Series, vmin, vmax, center) -> tuple[float, float]:
    lo = vmin if vmin is not None else float(np.nanmin(values)) if values.notna().any() else 0.0
    hi = vmax if vmax is not None else float(np.nanmax(values)) if values.notna().any() else 1.0
    if center is not None:
        span = max(abs(lo - center), abs(hi - center)) or 1.0
        lo, hi = center - span, center + span
    return lo, hi


def _panel_title(field: str, part: pd.DataFrame, value: str, n_column: str | None) -> str:
    """The field, and the range of delegates behind the cells shown."""
    if not n_column or n_column not in part:
        return field
    shown = part.loc[part[value].notna(), n_column]
    if shown.empty:
        return field
    lo, hi = int(shown.min()), int(shown.max())
    return f"{field}\n(n = {lo} delegati)" if lo == hi else f"{field}\n(n = {lo}–{hi} delegati)"


def _annotate(ax, part, resources, needs, value, decimals, percent, annotate, marks, mesh) -> None:
    rows = {r: i for i, r in enumerate(resources)}
    columns = {n: j for j, n in enumerate(needs)}
    suppressed = part["suppressed"] if "suppressed" in part else pd.Series(False, index=part.index)
    flagged = part[marks] if marks else pd.Series(False, index=part.index)
    for resource, need, cell, hidden, mark in zip(part["resource"], part["need"], part[value], suppressed, flagged):
        i, j = rows[resource], columns[need]
        if pd.isna(cell):
            if bool(hidden):
                ax.text(j + 0.5, i + 0.5, fmt.SUPPRESSED_MARK, ha="center", va="center", fontsize=7)
            continue
        text = (fmt.pct(cell, decimals) if percent else fmt.num(cell, decimals)) if annotate else ""
        if marks and not pd.isna(mark) and bool(mark):
            text += "*"
        if text:
            rgba = mesh.cmap(mesh.norm(cell))
            color = "white" if (0.299 * rgba[0] + 0.587 * rgba[1] + 0.114 * rgba[2]) < 0.5 else "black"
            size, weight = (7, "normal") if annotate else (13, "bold")
            ax.text(j + 0.5, i + 0.5, text, ha="center", va="center", fontsize=size, weight=weight, color=color)


def _wrap(text: str, width: int = 14) -> str:
    words, lines, line = text.split(), [], ""
    for word in words:
        if line and len(line) + len(word) + 1 > width:
            lines.append(line)
            line = word
        else:
            line = f"{line} {word}".strip()
    return "\n".join(lines + [line])


def agreement_chart(table: pd.DataFrame, title: str) -> Figure:
    """Per field: ICC(A,k) of the cell means, ICC(A,1) and Krippendorff's alpha of single delegates, with intervals.

    Parameters
    ----------
    table : DataFrame
        One row per field: ``field``, ``alpha_interval``, ``ci_low`` and ``ci_high``
        (:func:`palestre_analysis.stats.agreement`) and, when present, ``icc_a1``,
        ``icc_ak`` and their ``_low`` and ``_high`` ends
        (:func:`palestre_analysis.stats.reliability`); a field with nothing shown reads
        ``‡ non mostrato``.
    title : str
        Title of the figure (Italian).

    Returns
    -------
    matplotlib.figure.Figure
        One row per field, a point with its 95% interval for each coefficient shown (the
        mean's reliability on top), from -0,1 (or the lowest interval end) to 1, with the
        guides 0,667 (Krippendorff's minimum for tentative conclusions) and 0,8.

    Examples
    --------
    >>> table = pd.DataFrame({"field": ["Sport", "Cultura"], "alpha_interval": [0.72, None],
    ...                       "ci_low": [0.55, None], "ci_high": [0.85, None]})
    >>> ax = agreement_chart(table, "Accordo").axes[0]
    >>> [t.get_text() for t in ax.get_yticklabels()], [t.get_text() for t in ax.texts]
    (['Sport', 'Cultura'], ['‡ non mostrato'])
    >>> table = table.assign(icc_a1=[0.4, None], icc_a1_low=[0.35, None], icc_a1_high=[0.45, None],
    ...                      icc_ak=[0.95, None], icc_ak_low=[0.93, None], icc_ak_high=[0.97, None])
    >>> fig = agreement_chart(table, "Affidabilità")
    >>> [t.get_text() for t in fig.legends[0].get_texts()][:3]
    ['ICC(A,k): media della casella', 'ICC(A,1): un delegato', 'Alfa di Krippendorff: un delegato']
    """
    data = table.reset_index(drop=True)
    series = [
        ("icc_ak", "icc_ak_low", "icc_ak_high", "ICC(A,k): media della casella", "o", _PALETTE[2]),
        ("icc_a1", "icc_a1_low", "icc_a1_high", "ICC(A,1): un delegato", "s", _PALETTE[0]),
        ("alpha_interval", "ci_low", "ci_high", "Alfa di Krippendorff: un delegato", "D", _PALETTE[1]),
    ]
    series = [s for s in series if s[0] in data and data[s[0]].notna().any()]
    fig = _figure(8.5, (0.3 + 0.22 * max(len(series), 1)) * len(data) + 2.6)
    ax = fig.subplots()
    y = np.arange(len(data), dtype=float)
    offsets = np.linspace(-0.22, 0.22, len(series)) if len(series) > 1 else np.zeros(1)
    handles, lows = [], []
    for (value, low, high, label, marker, colour), offset in zip(series, offsets, strict=False):
        shown = data[value].notna().to_numpy()
        points = data.loc[shown, value].astype(float)
        ends = [points - data.loc[shown, low].astype(float), data.loc[shown, high].astype(float) - points]
        ax.errorbar(points, y[shown] + offset, xerr=ends, fmt=marker, color=colour, ecolor=colour, capsize=3)
        handles.append(Line2D([], [], color=colour, marker=marker, ls="-", label=label))
        lows.append(float(data.loc[shown, low].astype(float).min()))
    nothing = ~np.any([data[s[0]].notna().to_numpy() for s in series], axis=0) if series else np.ones(len(data), bool)
    for yi in y[nothing]:
        ax.text(0.02, yi, f"{fmt.SUPPRESSED_MARK} non mostrato", va="center", fontsize=8)
    guides = [
        Line2D([], [], color="grey", ls=":", label="0,667: minimo di Krippendorff per conclusioni provvisorie"),
        Line2D([], [], color="grey", ls="--", label="0,8: affidabilità per conclusioni solide"),
    ]
    for x, guide in zip((0.667, 0.8), guides):
        ax.axvline(x, color="grey", ls=guide.get_linestyle(), lw=1)
    fig.legend(handles=[*handles, *guides], loc="outside lower center", ncols=2, frameon=False, fontsize=8)
    ax.set_yticks(y, data["field"])
    ax.invert_yaxis()
    finite = [v for v in lows if np.isfinite(v)]
    ax.set_xlim(min(-0.1, *finite) if finite else -0.1, 1)
    ax.xaxis.set_major_formatter(fmt.axis_formatter(1))
    ax.set_xlabel("Coefficiente (0 = accordo pari al caso, 1 = perfetto) e intervallo al 95%")
    ax.set_ylabel("Campo di attività")
    ax.set_title(title)
    return fig


def diverging_bars(table: pd.DataFrame, title: str, *, bands: Bands = DEFAULT_BANDS) -> Figure:
    """Score distributions per resource: low votes (1-4 by default) to the left, high (7-10) to the right.

    The middle votes (5-6 by default) are drawn as two grey halves, one on each side of zero.

    Parameters
    ----------
    table : DataFrame
        As :func:`palestre_analysis.stats.resource_summary` returns it: ``resource``,
        ``share_low``, ``share_mid``, ``share_high`` and ``suppressed``; rows are drawn top
        to bottom in the table's order, and a suppressed row shows only ``‡``.
    title : str
        Title of the figure (Italian).
    bands : three (first, last) pairs, default 1-4, 5-6, 7-10
        The low, middle and high bands the shares were taken over, named in the legend.

    Returns
    -------
    matplotlib.figure.Figure
        Horizontal bars, the shares of low and high votes written at their ends.

    Examples
    --------
    >>> table = pd.DataFrame({"resource": ["Bandi", "Donazioni"], "share_low": [0.2, None],
    ...                       "share_mid": [0.3, None], "share_high": [0.5, None], "suppressed": [False, True]})
    >>> [t.get_text() for t in diverging_bars(table, "Voti").axes[0].texts]
    ['20%', '50%', '‡']
    >>> figure = diverging_bars(table, "Voti", bands=((1, 2), (3, 3), (4, 5)))
    >>> [t.get_text() for t in figure.legends[0].get_texts()]
    ['Voti bassi (1-2)', 'Voti intermedi (3)', 'Voti alti (4-5)']
    """
    data = table.reset_index(drop=True)
    fig = _figure(8.5, 0.45 * len(data) + 2.0)
    ax = fig.subplots()
    y = np.arange(len(data))
    colors = sns.color_palette("PuOr", 7)
    low, mid, high = data["share_low"], data["share_mid"], data["share_high"]
    # from zero outwards: half the middle votes, then the low (left) or the high ones (right)
    named = [score_range(first, last) for first, last in bands]
    ax.barh(y, -low, left=-mid / 2, color=colors[1], label=f"Voti bassi ({named[0]})")
    ax.barh(y, -mid / 2, color=_GREY, label=f"Voti intermedi ({named[1]})")
    ax.barh(y, mid / 2, color=_GREY)
    ax.barh(y, high, left=mid / 2, color=colors[5], label=f"Voti alti ({named[2]})")
    for yi, (lo, md, hi, suppressed) in enumerate(zip(low, mid, high, data["suppressed"])):
        if suppressed:
            ax.text(0, yi, fmt.SUPPRESSED_MARK, ha="center", va="center")
            continue
        ax.text(-(lo + md / 2) - 0.01, yi, fmt.pct(lo), ha="right", va="center", fontsize=8)
        ax.text(hi + md / 2 + 0.01, yi, fmt.pct(hi), ha="left", va="center", fontsize=8)
    ax.axvline(0, color="black", lw=0.8)
    ax.set_yticks(y, data["resource"])
    ax.invert_yaxis()
    ax.set_xlim(-1.05, 1.05)
    ax.xaxis.set_major_formatter(_abs_percent_formatter())
    ax.set_xlabel("Quota dei voti (a sinistra i bassi, a destra gli alti)")
    ax.set_ylabel("Fonte di risorse")
    fig.legend(loc="outside lower center", ncols=3, frameon=False, fontsize=9)
    ax.set_title(title)
    return fig


def _abs_percent_formatter():
    from matplotlib.ticker import FuncFormatter

    return FuncFormatter(lambda x, _: fmt.pct(abs(x)))


def territory_multiples(
    table: pd.DataFrame,
    value: str,
    title: str,
    xlabel: str,
    *,
    decimals: int = 1,
    xlim: tuple[float, float] | None = None,
    low: str | None = None,
    high: str | None = None,
    reference: float | None = None,
    order: Sequence[str] | None = None,
) -> Figure:
    """Small multiples, one panel per territory: ``value`` per resource (blank where suppressed), with its interval.

    Parameters
    ----------
    table : DataFrame
        One row per territory and resource: ``territory``, ``resource`` and ``value``
        (and ``low``, ``high``). Territories are drawn in order of appearance, four panels
        a row; a missing value is marked ``‡``.
    value : str
        Column drawn: a bar's length, or a point when the interval columns are given.
    title : str
        Title of the figure (Italian).
    xlabel : str
        Label of the shared horizontal axis.
    decimals : int
        Decimals of the tick labels.
    xlim : tuple of float, optional
        Range of the horizontal axis, shared by all panels.
    low, high : str, optional
        Columns of the interval's ends: each value is a point with its interval (the
        uncertainty is drawn, not only the estimate).
    reference : float, optional
        A vertical line (the area's level, 0 for deviations from it).
    order : sequence of str, optional
        The resources, top to bottom; by default sorted.

    Returns
    -------
    matplotlib.figure.Figure
        The panels (unused ones hidden), sharing both axes.

    Examples
    --------
    >>> table = pd.DataFrame({"territory": ["Brescia", "Brescia", "Milano", "Milano"],
    ...                       "resource": ["Bandi", "Donazioni"] * 2, "mean": [7.1, None, 6.4, 8.2]})
    >>> fig = territory_multiples(table, "mean", "Voto medio", "Voto medio (1-10)", xlim=(1, 10))
    >>> [ax.get_title() for ax in fig.axes if ax.get_visible()], [t.get_text() for t in fig.axes[0].texts]
    (['Brescia', 'Milano'], ['‡'])
    >>> table = table.assign(low=table["mean"] - 0.5, high=table["mean"] + 0.5)
    >>> fig = territory_multiples(table, "mean", "Livello", "Scarto", low="low", high="high", reference=0)
    >>> len(fig.axes[1].lines) > 0, [t.get_text() for t in fig.axes[0].texts]
    (True, ['‡'])
    """
    territories = list(dict.fromkeys(table["territory"]))
    resources = list(order) if order is not None else sorted(table["resource"].unique())
    columns = 4
    rows = math.ceil(len(territories) / columns)
    fig = _figure(15, 0.28 * len(resources) * rows + 1.0 * rows + 0.8)
    axes = np.atleast_1d(fig.subplots(rows, columns, squeeze=False, sharex=True, sharey=True)).ravel()
    intervals = low is not None and high is not None
    for ax, territory in zip(axes, territories):
        part = table[table["territory"] == territory].set_index("resource").reindex(resources)
        y = np.arange(len(resources))
        if intervals:
            shown = part[value].notna().to_numpy()
            ax.errorbar(
                part[value][shown],
                y[shown],
                xerr=[(part[value] - part[low])[shown], (part[high] - part[value])[shown]],
                fmt="o",
                markersize=4,
                color=_PALETTE[0],
                ecolor="black",
                elinewidth=0.8,
                capsize=2,
            )
        else:
            ax.barh(y, part[value].fillna(0), color=_PALETTE[0])
        if reference is not None:
            ax.axvline(reference, color="grey", lw=0.8, ls="--")
        for yi, v in zip(y, part[value]):
            if pd.isna(v):
                where = (xlim[0] if xlim else 0.1) if not intervals else (xlim[0] if xlim else reference or 0)
                ax.text(where, yi, fmt.SUPPRESSED_MARK, va="center", fontsize=8)
        ax.set_yticks(y, resources, fontsize=8)
        ax.set_title(territory, fontsize=10)
        if xlim:
            ax.set_xlim(*xlim)
        ax.xaxis.set_major_formatter(fmt.axis_formatter(_distinct_decimals(ax.get_xticks(), decimals)))
    axes[0].invert_yaxis()
    for ax in axes[len(territories) :]:
        ax.set_visible(False)
    fig.supxlabel(xlabel)
    fig.supylabel("Fonte di risorse")
    fig.suptitle(title)
    return fig


# --- The two groups and the territories, with their uncertainty -----------------------------------


def group_gaps_chart(table: pd.DataFrame, title: str, *, all_label: str = "Tutte le fonti") -> Figure:
    """The gap between the groups per resource with its 95% interval; the overall shift apart, at the bottom.

    Parameters
    ----------
    table : DataFrame
        :meth:`~palestre_analysis.report.protection.Guard.group_comparison`: ``resource``
        (one row ``all``: the overall shift), ``gap``, ``ci_low``, ``ci_high`` and, in a
        province, ``pooled_gap``, ``pooled_ci_low``, ``pooled_ci_high`` (drawn beside the
        province's own estimate). A missing gap reads ``‡ non mostrato``.
    title : str
        Title of the figure (Italian).
    all_label : str
        How the overall shift's row is named.

    Returns
    -------
    matplotlib.figure.Figure
        One row per resource, a point with its interval, and a line at zero: to the right,
        the first group votes higher.

    Examples
    --------
    >>> table = pd.DataFrame({"resource": ["Bandi", "Quote", "all"], "gap": [1.2, None, 0.4],
    ...                       "ci_low": [0.6, None, 0.1], "ci_high": [1.8, None, 0.7]})
    >>> ax = group_gaps_chart(table, "Differenza").axes[0]
    >>> [t.get_text() for t in ax.get_yticklabels()], [t.get_text() for t in ax.texts]
    (['Bandi', 'Quote', 'Tutte le fonti'], ['‡ non mostrato'])
    """
    data = table.reset_index(drop=True)
    is_all = (data["resource"] == "all").to_numpy()
    data = pd.concat([data[~is_all], data[is_all]], ignore_index=True)
    labels = [all_label if r == "all" else str(r) for r in data["resource"]]
    pooled = "pooled_gap" in data and data["pooled_gap"].notna().any()
    fig = _figure(8.5, 0.45 * len(data) + 2.2)
    ax = fig.subplots()
    y = np.arange(len(data), dtype=float)
    handles = []
    series = [("gap", "ci_low", "ci_high", "Stima del territorio", _PALETTE[0], 0.0)]
    if pooled:
        series[0] = ("gap", "ci_low", "ci_high", "Solo i delegati del territorio", _PALETTE[7], -0.15)
        series.append(("pooled_gap", "pooled_ci_low", "pooled_ci_high", "Con le altre province", _PALETTE[0], 0.15))
    for column, lo, hi, label, color, offset in series:
        shown = data[column].notna().to_numpy()
        ax.errorbar(
            data.loc[shown, column],
            y[shown] + offset,
            xerr=[(data[column] - data[lo])[shown], (data[hi] - data[column])[shown]],
            fmt="o",
            color=color,
            ecolor=color,
            capsize=3,
        )
        handles.append(Line2D([], [], color=color, marker="o", label=label))
    for yi in y[data["gap"].isna().to_numpy()]:
        ax.text(
            0.02, yi, f"{fmt.SUPPRESSED_MARK} non mostrato", va="center", fontsize=8, transform=ax.get_yaxis_transform()
        )
    ax.axvline(0, color="black", lw=0.8)
    if is_all.any() and len(data) > 1:
        ax.axhline(len(data) - 1.5, color="grey", lw=0.6, ls=":")
    ax.set_yticks(y, labels)
    ax.invert_yaxis()
    ax.xaxis.set_major_formatter(fmt.axis_formatter(_distinct_decimals(ax.get_xticks(), 1)))
    ax.set_xlabel(
        _wrap(
            "Differenza dei voti (punti della scala) con intervallo al 95%: a destra, più alti per il primo gruppo", 70
        )
    )
    ax.set_ylabel("Fonte di risorse")
    if pooled:
        fig.legend(handles=handles, loc="outside lower center", ncols=2, frameon=False, fontsize=9)
    ax.set_title(_wrap(title, 70))
    return fig


def _distinct_decimals(ticks, decimals: int, most: int = 3) -> int:
    """At least ``decimals``, and as many more (up to ``most``) as the ticks need to print apart.

    >>> _distinct_decimals([-0.1, -0.05, 0.0, 0.05, 0.1], 1)
    2
    >>> _distinct_decimals([0, 2, 4], 1)
    1
    """
    ticks = [float(t) for t in ticks]
    while decimals < most and len({round(t, decimals) for t in ticks}) < len(ticks):
        decimals += 1
    return decimals
