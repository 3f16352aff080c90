"""Phase 2: the means freed of the delegates' leniency, and how the results move when a choice changes.

:func:`with_adjusted_means` adds the leniency-adjusted and the post-stratified means to the
``all`` rows of the cells table (:func:`~palestre_analysis.report.scores.compute` calls it);
:func:`table` computes the sensitivity table; :func:`section` shows it, with a few
sentences; :func:`adjusted_sentence` is the sentence of the means section on how far the
adjusted means are from the raw ones.

Disclosure: everything here is computed from the votes of the cells the report shows
(:meth:`~palestre_analysis.report.protection.Guard.shown_votes`) and from the published
group means and group counts, so that nothing can be added or subtracted to give back a
hidden cell or a small group.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from palestre_analysis import config
from palestre_analysis.core.process import Process
from palestre_analysis.report import claims
from palestre_analysis.report import formatting as fmt
from palestre_analysis.report.display import Safe, paragraph, sentence, table_html
from palestre_analysis.report.parameters import Parameters
from palestre_analysis.report.scale import bands_of, bands_text
from palestre_analysis.report.section import Section, unless_small
from palestre_analysis.stats.adjusted import leniency_adjusted, poststratified
from palestre_analysis.stats.sensitivity import SENSITIVITY_COLUMNS, rule_on_scale, sensitivity

__all__ = ["ADJUSTED_COLUMNS", "group_mix", "with_adjusted_means", "table", "adjusted_sentence", "section"]

#: The columns :func:`with_adjusted_means` adds to the cells table.
ADJUSTED_COLUMNS = ["mean_adjusted", "mean_poststratified"]
_CELL = ["field", "resource", "need"]
#: Means are printed with one decimal (as in :mod:`~palestre_analysis.report.scores`).
_DECIMALS = 1
#: The sensitivity table prints its largest differences with two decimals: the sentences say them alike.
_GAP_DECIMALS = 2
#: Cells named one by one in a sentence, at most; more tied cells are counted.
_NAMED_AT_MOST = 3


def group_mix(voters: pd.DataFrame, process: Process, min_cell: int) -> dict[str, float] | None:
    """The two groups' shares of the territory's voting delegates, as the report publishes them.

    Parameters
    ----------
    voters : DataFrame
        The protected voters table (``group``, ``n_delegates``, NaN where hidden), as
        :meth:`~palestre_analysis.report.protection.Guard.voters` gives it.
    process : Process
        The process (its two groups).
    min_cell : int
        The disclosure threshold.

    Returns
    -------
    dict of str to float or None
        Group key → share of the delegates; ``None`` when a group's count is hidden or
        below ``min_cell`` (no statistic of that group is shown).

    Examples
    --------
    >>> voters = pd.DataFrame({"group": ["all", "aps_odv", "fondazioni_csv_altri"], "n_delegates": [80, 60, 20]})
    >>> group_mix(voters, Process(), 5)
    {'aps_odv': 0.75, 'fondazioni_csv_altri': 0.25}
    >>> group_mix(voters.assign(n_delegates=[80, 60, float("nan")]), Process(), 5) is None
    True
    """
    counts = voters.set_index("group")["n_delegates"]
    keys = [g.key for g in process.groups]
    values = [counts.get(key) for key in keys]
    if any(v is None or pd.isna(v) or v < min_cell for v in values):
        return None
    total = float(sum(values))
    return {key: float(v) / total for key, v in zip(keys, values, strict=True)}


def with_adjusted_means(
    cells: pd.DataFrame, shown: pd.DataFrame, voters: pd.DataFrame, process: Process, min_cell: int
) -> pd.DataFrame:
    """The cells table with ``mean_adjusted`` and ``mean_poststratified`` on its ``all`` rows.

    Parameters
    ----------
    cells : DataFrame
        The protected cells table (:meth:`~palestre_analysis.report.protection.Guard.cells`),
        one row per cell and group (``all`` and the process's two groups).
    shown : DataFrame
        The votes of the shown cells (:meth:`~palestre_analysis.report.protection.Guard.shown_votes`).
    voters : DataFrame
        The protected voters table (:func:`group_mix`).
    process : Process
        The process (its groups).
    min_cell : int
        The disclosure threshold.

    Returns
    -------
    DataFrame
        ``cells`` with two more columns before ``suppressed``: ``mean_adjusted``
        (:func:`~palestre_analysis.stats.adjusted.leniency_adjusted`) and
        ``mean_poststratified`` (:func:`~palestre_analysis.stats.adjusted.poststratified`,
        to the groups' shares of the territory's delegates, :func:`group_mix`), on the
        ``all`` rows of shown cells; NaN on the group rows, on hidden cells and, for the
        post-stratified mean, wherever a group's mean or count is not shown.
    """
    table = cells.drop(columns=[c for c in ADJUSTED_COLUMNS if c in cells.columns])
    everyone = (table["group"] == "all").to_numpy()
    shown_row = everyone & table["mean"].notna().to_numpy() & ~table["suppressed"].astype(bool).to_numpy()
    keys = pd.MultiIndex.from_frame(table[_CELL].astype(str))
    # DISCLOSURE: the model is fitted on the votes of the shown cells only. Fitted on every vote, each
    # delegate's effect would carry their votes in the hidden cells, and an adjusted mean is the raw mean
    # minus the mean effect of the cell's voters: the published adjusted and raw means would give those
    # mean effects, cell by cell, and from them (and the centring) the sum of the votes of a hidden cell.
    adjusted = leniency_adjusted(shown) if len(shown) else pd.DataFrame(columns=[*_CELL, "mean_adjusted"])
    by_cell = pd.Series(
        adjusted["mean_adjusted"].to_numpy(dtype=float),
        index=pd.MultiIndex.from_frame(adjusted[_CELL].astype(str)),
    )
    table["mean_adjusted"] = np.where(shown_row, by_cell.reindex(keys).to_numpy(dtype=float), np.nan)
    # DISCLOSURE: the groups' weights are the delegates' counts the report publishes (a mix of the
    # entities would give back, with the group means, each group's number of entities, which no cube
    # protects: "3 entities of this group did not vote"). The mean is shown only where both groups'
    # means are (with one of them hidden, the mean of all and the weighted mean would give both).
    mix = group_mix(voters, process, min_cell)
    mean_poststratified = np.full(len(table), np.nan)
    if mix is not None:
        groups = table[table["group"].isin(list(mix))]
        weighted = poststratified(groups, mix)
        by_cell = pd.Series(
            weighted["mean_poststratified"].to_numpy(dtype=float),
            index=pd.MultiIndex.from_frame(weighted[_CELL].astype(str)),
        )
        mean_poststratified = np.where(shown_row, by_cell.reindex(keys).to_numpy(dtype=float), np.nan)
    table["mean_poststratified"] = mean_poststratified
    order = [c for c in table.columns if c != "suppressed"] + ["suppressed"]
    return table[order]


def table(cells: pd.DataFrame, shown: pd.DataFrame, process: Process, min_cell: int) -> pd.DataFrame:
    """The sensitivity table of one report (:func:`~palestre_analysis.stats.sensitivity.sensitivity`).

    Parameters
    ----------
    cells : DataFrame
        The cells table with the adjusted means (:func:`with_adjusted_means`).
    shown : DataFrame
        The votes of the shown cells.
    process : Process
        The process (scale, bands, high score).
    min_cell : int
        The report's disclosure threshold (the larger ones are twice and four times it).

    Returns
    -------
    DataFrame
        Columns :data:`~palestre_analysis.stats.sensitivity.SENSITIVITY_COLUMNS`; empty
        when no cell is shown.
    """
    if len(shown) == 0:
        return pd.DataFrame(columns=SENSITIVITY_COLUMNS)
    everyone = cells[cells["group"] == "all"]
    columns = [c for c in ADJUSTED_COLUMNS if c in everyone.columns]
    return sensitivity(
        shown,
        min_cell=min_cell,
        consensus_rule=config.CONSENSUS_RULE,
        means=everyone[[*_CELL, *columns]],
        scale=process.scale,
        high_score=process.high_score,
        bands=bands_of(process),
        decimals=_DECIMALS,
    )


def adjusted_sentence(cells: pd.DataFrame, sensitivity_table: pd.DataFrame) -> Safe | None:
    """How far the leniency-adjusted means are from the raw ones, and in how many contests the first resource changes.

    Parameters
    ----------
    cells : DataFrame
        The cells table (``all`` rows are read): ``mean`` and ``mean_adjusted``.
    sensitivity_table : DataFrame
        The sensitivity table (:func:`table`); its ``mean_adjusted`` row gives the contests.

    Returns
    -------
    Safe or None
        One sentence; ``None`` when no adjusted mean is shown.

    Examples
    --------
    >>> cells = pd.DataFrame({"field": "F", "resource": ["A", "B"], "need": "N", "group": "all",
    ...                       "mean": [7.04, 6.0], "mean_adjusted": [7.26, 6.01]})
    >>> adjusted_sentence(cells, pd.DataFrame()).split(". ")[0]
    "Tenendo conto della generosità di ciascun delegato, il voto medio di una casella cambia al massimo di <strong>0,22</strong> punti (per <strong>A</strong> per l'esigenza <strong>N</strong> nel campo <strong>F</strong>)"
    """
    everyone = cells[(cells["group"] == "all") & cells["mean"].notna()]
    if "mean_adjusted" not in everyone or everyone["mean_adjusted"].isna().all():
        return None
    everyone = everyone.dropna(subset=["mean_adjusted"])
    gaps = pd.Series(
        (everyone["mean_adjusted"] - everyone["mean"]).abs().to_numpy(),
        index=pd.MultiIndex.from_frame(everyone[_CELL]),
    )
    head = "Tenendo conto della generosità di ciascun delegato, il voto medio "
    clause = _contests_clause(sensitivity_table, "mean", "mean_adjusted")
    if _print_alike(everyone["mean_adjusted"], everyone["mean"]):
        text = sentence(head + "di ogni casella mostrata resta lo stesso al decimale mostrato")
    else:
        decimals = _gap_decimals(gaps.max())
        top = gaps[claims.leaders(gaps, decimals).to_numpy()]
        if len(top) > _NAMED_AT_MOST:
            where = sentence("di tanto cambiano {k} caselle", k=fmt.integer(len(top)))
        else:
            names = [sentence("{r} per l'esigenza {n} nel campo {f}", f=f, r=r, n=n) for f, r, n in top.index]
            where = Safe("per " + (names[0] if len(names) == 1 else ", ".join(names[:-1]) + " e " + names[-1]))
        text = sentence(
            head + "di una casella cambia al massimo di {d} punti ({w})", d=fmt.num(gaps.max(), decimals), w=where
        )
    text = Safe(text + (", e " + clause if clause else "") + ".")
    return Safe(
        text + " La stima viene da un modello additivo (effetto della casella più effetto del delegato) adattato "
        "ai voti delle sole caselle mostrate: la colonna mean_adjusted della tabella cells.csv."
    )


def _print_alike(a: pd.Series, b: pd.Series) -> bool:
    """True when every value of ``a`` prints like the matching value of ``b`` (one decimal)."""
    return all(fmt.num(x, _DECIMALS) == fmt.num(y, _DECIMALS) for x, y in zip(a, b, strict=True))


def _gap_decimals(gap: float) -> int:
    """The decimals that show a largest gap as the sensitivity table does (two), or more for a gap below 0,005.

    >>> _gap_decimals(0.3), _gap_decimals(0.027), _gap_decimals(0.0004)
    (2, 2, 4)
    """
    for decimals in (_GAP_DECIMALS, _GAP_DECIMALS + 1):
        if fmt.num(gap, decimals) != fmt.num(0.0, decimals):
            return decimals
    return _GAP_DECIMALS + 2


def _contests_clause(sensitivity_table: pd.DataFrame, aspect: str, setting: str) -> str:
    """«la fonte prima … cambia in 2 dei 30 confronti …» from a row of the table; empty without the row or contests."""
    row = _row(sensitivity_table, aspect, setting)
    if row is None or pd.isna(row["contests"]) or int(row["contests"]) == 0:
        return ""
    return Safe(
        "la fonte prima (o le prime a pari merito) "
        + _changes(int(row["leaders_changed"]), int(row["contests"]))
        + " tra le fonti di un campo per un'esigenza"
    )


def _row(sensitivity_table: pd.DataFrame, aspect: str, setting: str):
    if sensitivity_table is None or sensitivity_table.empty:
        return None
    rows = sensitivity_table[
        (sensitivity_table["aspect"] == aspect) & (sensitivity_table["setting"].astype(str) == str(setting))
    ]
    return None if rows.empty else rows.iloc[0]


def _changes(k: int, total: int, verb: str = "cambia") -> Safe:
    """In how many of the contests something changes: «cambia in 2 dei 30 confronti», «non cambia in nessuno …».

    >>> _changes(2, 30), _changes(0, 30)
    ('cambia in <strong>2</strong> dei <strong>30</strong> confronti', 'non cambia in nessuno dei <strong>30</strong> confronti')
    >>> _changes(1, 1), _changes(0, 1, "cambierebbe"), _changes(3, 3), _changes(2, 2)
    ("cambia nell'unico confronto", "non cambierebbe nell'unico confronto", 'cambia in tutti i <strong>3</strong> confronti', 'cambia in entrambi i confronti')
    """
    if total == 1:
        return Safe(f"{verb} nell'unico confronto" if k == 1 else f"non {verb} nell'unico confronto")
    if k == total:
        if total == 2:
            return Safe(f"{verb} in entrambi i confronti")
        return sentence(verb + " in tutti i {t} confronti", t=fmt.integer(total))
    if k == 0:
        return sentence("non " + verb + " in nessuno dei {t} confronti", t=fmt.integer(total))
    return sentence(verb + " in {k} dei {t} confronti", k=fmt.integer(k), t=fmt.integer(total))


def _setting_label(row, process: Process) -> str:
    """The Italian name of a row of the sensitivity table."""
    aspect, setting = row["aspect"], str(row["setting"])
    mine = " (quella del rapporto)" if row["baseline"] else ""
    if aspect == "min_cell":
        return f"Soglia di riservatezza: almeno {fmt.integer(int(setting))} delegati per casella{mine}"
    if aspect == "consensus_rule":
        rule = rule_on_scale(setting, process.scale)
        if rule.kind == "percent":
            return (
                f"Consenso: almeno il {fmt.pct(rule.threshold)} dei voti nella stessa fascia "
                f"({bands_text(bands_of(process))}){mine}"
            )
        points = fmt.num(rule.threshold, 0 if float(rule.threshold).is_integer() else 1)
        unit = "punto" if rule.threshold == 1 else "punti"
        return f"Consenso: scarto interquartile non superiore a {points} {unit}{mine}"
    if aspect == "treatment":
        if setting == "interval":
            return f"Voti come misura a intervalli: fonte prima per voto medio{mine}"
        return "Voti come misura ordinale: fonte prima per voto mediano"
    return {
        "mean": f"Voto medio grezzo{mine}",
        "mean_adjusted": "Voto medio corretto per la generosità dei delegati",
        "mean_poststratified": "Voto medio con i due gruppi pesati come tra tutti i delegati",
    }.get(setting, setting)


@unless_small
def section(scores, params: Parameters) -> Section:
    """How the headline results change with the disclosure threshold, the consensus rule, the treatment of votes and the mean.

    Parameters
    ----------
    scores : Scores
        The phase-2 statistics of one territory
        (:func:`~palestre_analysis.report.scores.compute`; its ``sensitivity`` table).
    params : Parameters
        The checked notebook parameters.

    Returns
    -------
    Section
        A table and a few sentences; table ``sensitivity``.
    """
    frame = scores.sensitivity
    section = Section(tables={"sensitivity": frame})
    if frame is None or frame.empty:
        return section.add(
            paragraph(
                "L'analisi di sensibilità non è mostrata: nessuna casella è mostrata, per tutelare la riservatezza."
            )
        )
    shown = frame.assign(label=[_setting_label(row, scores.process) for _, row in frame.iterrows()])
    section.add(
        table_html(
            shown,
            {
                "label": "Scelta",
                "cells": "Caselle",
                "cells_consensus": "Caselle con consenso",
                "contests": "Confronti tra fonti",
                "leaders_changed": "Confronti in cui cambia la fonte prima",
                "largest_difference": "Differenza più ampia dal voto medio",
            },
            f"Quanto i risultati dipendono dalle scelte di metodo – {scores.territory}",
            formats={
                "cells": fmt.integer,
                "cells_consensus": fmt.integer,
                "contests": fmt.integer,
                "leaders_changed": fmt.integer,
                "largest_difference": lambda d: fmt.num(d, 2),
            },
            note="Tutto è calcolato sulle caselle mostrate. Un confronto mette a paragone le fonti di un campo per "
            "un'esigenza, quando almeno due sono mostrate; la fonte prima è quella con il valore più alto al "
            "decimale mostrato (più fonti a pari merito contano come un solo primato). Una soglia più alta tiene le "
            "caselle con almeno quel numero di voti (un rapporto con quella soglia potrebbe nasconderne qualcuna in "
            "più) e confronta i primati con quelli di tutte le caselle mostrate; le altre righe confrontano i "
            "primati sulle stesse fonti. Voto medio corretto per la generosità: un modello additivo (effetto della "
            "casella più effetto del delegato) toglie a ogni voto quanto il delegato vota sopra o sotto gli altri "
            "sulle stesse caselle. Voto medio con i gruppi pesati: la media dei due gruppi di ogni casella, pesati "
            "come tra tutti i delegati del territorio, dove entrambi sono mostrati. Una soglia più bassa di quella "
            "del rapporto non è provata: mostrerebbe ciò che la regola di riservatezza nasconde.",
        )
    )
    section.add(paragraph(*_sentences(frame, scores, params)))
    return section


def _sentences(frame: pd.DataFrame, scores, params: Parameters) -> list[str]:
    """What the table says, one sentence per aspect, from its rows only."""
    lines = [_threshold_sentence(frame, params.min_cell), _rule_sentence(frame)]
    ordinal = _contests_clause(frame, "treatment", "ordinal")
    if ordinal:
        lines.append(
            Safe("Leggendo i voti come misura ordinale (il voto mediano al posto del voto medio), " + ordinal + ".")
        )
    adjusted = _contests_clause(frame, "mean", "mean_adjusted")
    if adjusted:
        lines.append(Safe("Con il voto medio corretto per la generosità dei delegati, " + adjusted + "."))
    weighted = _row(frame, "mean", "mean_poststratified")
    if weighted is not None and int(weighted["cells"]) > 0:
        clause = _contests_clause(frame, "mean", "mean_poststratified")
        everyone = scores.cells[scores.cells["group"] == "all"].dropna(subset=["mean_poststratified"])
        head = "Pesando i due gruppi come tra tutti i delegati del territorio, il voto medio "
        if len(everyone) and _print_alike(everyone["mean_poststratified"], everyone["mean"]):
            text = sentence(head + "di ogni casella in cui è calcolato resta lo stesso al decimale mostrato")
        else:
            gap = float(weighted["largest_difference"])
            text = sentence(head + "di una casella cambia al massimo di {d} punti", d=fmt.num(gap, _gap_decimals(gap)))
        lines.append(Safe(text + (", e " + clause if clause else "") + "."))
    elif weighted is not None:
        lines.append(
            "Il voto medio con i due gruppi pesati non è mostrato: servono il numero dei delegati e i voti medi di "
            "entrambi i gruppi, mostrati solo dove ciascun gruppo ha abbastanza delegati."
        )
    return [line for line in lines if line]


def _threshold_sentence(frame: pd.DataFrame, min_cell: int) -> Safe | None:
    """How many shown cells a higher threshold would keep, and whether the first resources would change."""
    base = _row(frame, "min_cell", min_cell)
    higher = frame[(frame["aspect"] == "min_cell") & ~frame["baseline"].astype(bool)]
    if base is None or higher.empty:
        return None
    parts = []
    for _, row in higher.iterrows():
        kept = int(row["cells"])
        part = sentence(
            "con almeno {k} delegati per casella "
            + ("non ne resterebbe nessuna" if kept == 0 else "ne resterebbero {c}"),
            k=fmt.integer(int(row["setting"])),
            c=fmt.integer(kept),
        )
        if kept == 1:
            part = sentence("con almeno {k} delegati per casella ne resterebbe una", k=fmt.integer(int(row["setting"])))
        if int(row["contests"]) > 0:
            part = Safe(
                part
                + " (la fonte prima "
                + _changes(int(row["leaders_changed"]), int(row["contests"]), "cambierebbe")
                + ")"
            )
        parts.append(part)
    shown = int(base["cells"])
    head = sentence(
        "Il rapporto mostra {c} "
        + ("casella" if shown == 1 else "caselle")
        + ", ciascuna votata da almeno {k} delegati: ",
        c=fmt.integer(shown),
        k=fmt.integer(min_cell),
    )
    return Safe(head + "; ".join(parts) + ".")


def _rule_sentence(frame: pd.DataFrame) -> Safe | None:
    """How many shown cells each consensus rule calls a consensus."""
    names = {
        "percent": "la regola della quota di voti nella stessa fascia",
        "iqr": "la regola dello scarto interquartile",
    }
    rules = frame[frame["aspect"] == "consensus_rule"]
    mine = rules[rules["baseline"].astype(bool)]
    others = rules[~rules["baseline"].astype(bool) & rules["setting"].isin(list(names))]
    if mine.empty or others.empty or mine.iloc[0]["setting"] not in names:
        return None
    head = sentence(
        "Le caselle con consenso sono {a} con {rule}, quella del rapporto",
        a=fmt.integer(int(mine.iloc[0]["cells_consensus"])),
        rule=Safe(names[mine.iloc[0]["setting"]]),
    )
    rest = [
        sentence("{b} con {rule}", b=fmt.integer(int(row["cells_consensus"])), rule=Safe(names[row["setting"]]))
        for _, row in others.iterrows()
    ]
    return Safe(head + ", e " + ", ".join(rest) + ".")
