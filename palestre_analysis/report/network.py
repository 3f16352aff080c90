"""Phase 1 sections: the network, the calendar of meetings, participation, contributions.

Every section function takes the processed tables of one territory
(:func:`~palestre_analysis.ingest.processed.for_territory`) and the checked notebook
parameters, and returns a :class:`~palestre_analysis.report.section.Section`; a territory
with fewer entities than ``min_cell`` gets an empty one (only :func:`overview` speaks, to
say why nothing is shown).
"""

from __future__ import annotations

from types import SimpleNamespace

import pandas as pd

from palestre_analysis import config, stats
from palestre_analysis.core.vocabulary import CATEGORY_LABELS, CATEGORY_OF_PHRASE, NODES
from palestre_analysis.ingest.processed import Processed
from palestre_analysis.report import claims, places, plots
from palestre_analysis.report import formatting as fmt
from palestre_analysis.report.display import bullets, paragraph, sentence, table_html
from palestre_analysis.report.parameters import Parameters
from palestre_analysis.report.protection import guard
from palestre_analysis.report.section import Section, too_small, unless_small
from palestre_analysis.stats.disclosure import blank_where

__all__ = ["overview", "composition", "reference_origin", "meetings", "participation", "network", "contributions"]

_CATEGORY_NAMES = {"all": "Tutte le categorie", **CATEGORY_LABELS}
#: Where its table has hidden cells, ``stats.contribution_test`` publishes p rounded to 2 decimals and
#: Cramér's V rounded to 1 (and withholds the statistic): they are printed with those decimals.
_ROUNDED_P_DECIMALS, _ROUNDED_V_DECIMALS = 2, 1


def _where(data: Processed) -> str:
    return places.where(SimpleNamespace(geography=data.geography), data.territory)


def _of(data: Processed) -> str:
    return places.network_of(SimpleNamespace(geography=data.geography), data.territory)


def overview(data: Processed, params: Parameters) -> Section:
    """Key numbers of the network in this territory, or the notice that it is too small to show.

    Parameters
    ----------
    data : Processed
        The processed tables of one territory.
    params : Parameters
        The checked notebook parameters.

    Returns
    -------
    Section
        One paragraph: entities, meetings attended and their period; for a territory
        with fewer than ``params.min_cell`` entities, the notice that no statistic is shown.
    """
    if too_small(data, params):
        return Section(
            [
                paragraph(
                    sentence(
                        "Il territorio di {t} ha meno di {k} enti nella rete: per tutelare la riservatezza dei delegati, "
                        "questo rapporto non mostra alcuna statistica. I suoi dati contano nei risultati {up}.",
                        up=places.enclosing(params, data.territory),
                        t=data.territory,
                        k=params.min_cell,
                    )
                )
            ]
        )
    attended = data.meetings
    lines = [
        sentence(
            "La rete {where} conta {n}, ciascuno rappresentato da un delegato.",
            where=_where(data),
            n=fmt.plural(len(data.entities), "ente", "enti"),
        )
    ]
    if len(attended):
        total = data.report.get("tables", {}).get("meetings", len(attended))
        lines.append(
            sentence(
                "Insieme hanno partecipato {m} del percorso, {period}.",
                m=_how_many_meetings(len(attended), total),
                period=fmt.period_it(attended["date"].min(), attended["date"].max()),
            )
        )
    return Section([paragraph(*lines)])


def _how_many_meetings(attended: int, total: int) -> str:
    """``a tutti i 18 incontri``, ``a entrambi gli incontri``, ``all'unico incontro``, ``a uno solo dei 18 incontri``.

    >>> _how_many_meetings(18, 18), _how_many_meetings(2, 2), _how_many_meetings(1, 1), _how_many_meetings(1, 18)
    ('a tutti i 18 incontri', 'a entrambi gli incontri', "all'unico incontro", 'a uno solo dei 18 incontri')
    """
    if attended >= total:
        everything = {1: "all'unico incontro", 2: "a entrambi gli incontri"}
        return everything.get(total, f"a tutti i {fmt.integer(total)} incontri")
    if attended == 1:
        return f"a uno solo dei {fmt.integer(total)} incontri"
    return f"a {fmt.integer(attended)} dei {fmt.integer(total)} incontri"


@unless_small
def composition(data: Processed, params: Parameters) -> Section:
    """Composition by category against the reference shares, with Wilson intervals and a Monte Carlo test.

    Parameters
    ----------
    data : Processed
        The processed tables of one territory.
    params : Parameters
        The checked notebook parameters (``reference_shares``, ``seed``, ``min_cell``).

    Returns
    -------
    Section
        Chart, table and sentences; tables ``composition`` and ``composition_test``.
    """
    shares = params.reference_shares
    table = guard(data, params).composition(stats.composition(data.entities, shares, min_cell=params.min_cell))
    tables = {"composition": table if shares else table.drop(columns="reference_share")}
    if shares:
        test = stats.composition_test(data.entities, shares, seed=params.seed, min_cell=params.min_cell)
        if table["suppressed"].any():  # a test on a table with hidden cells could give them back
            test = blank_where(test, [True] * len(test), ["statistic", "p_value"])
        tables["composition_test"] = test
    section = Section(tables=tables)
    if table["share"].notna().any():
        section.add(plots.composition_chart(tables["composition"], f"Composizione della rete – {data.territory}"))
    section.add(
        table_html(
            tables["composition"],
            {
                "category": "Categoria",
                "n": "Enti",
                "share": "Quota",
                "ci_low": "IC 95% da",
                "ci_high": "IC 95% a",
                **({"reference_share": "Quota di riferimento"} if shares else {}),
            },
            f"Enti per categoria – {data.territory} (n = {fmt.integer(len(data.entities))})",
            formats={
                "category": lambda c: _CATEGORY_NAMES.get(c, c),
                "share": fmt.pct,
                "ci_low": fmt.pct,
                "ci_high": fmt.pct,
                "reference_share": fmt.pct,
            },
            min_cell=params.min_cell,
            note="IC 95%: intervallo di confidenza di Wilson, che legge la rete come uno dei gruppi di enti che "
            f"avrebbero potuto partecipare. {_reference_source(params)}",
        )
    )
    section.add(paragraph(*_composition_sentences(table, tables["composition_test"].iloc[0] if shares else None)))
    return section


def _reference_source(params: Parameters) -> str:
    """Where the reference shares come from: the seed's document, the process file, or this report's parameter."""
    return f"Quote di riferimento: {reference_origin(params)}." if params.reference_shares else ""


def reference_origin(params: Parameters) -> str:
    """Where the reference shares come from, as a phrase ("documento «Palestre di capacità»").

    Parameters
    ----------
    params : Parameters
        The checked notebook parameters.

    Returns
    -------
    str
        The seed's document, the process file, or the report's parameter.
    """
    process = params.process
    if params.reference_shares == process.reference_shares:
        if process.source:
            return f"indicate nel file del processo ({process.source}, quote_riferimento)"
        if params.reference_shares == config.REFERENCE_SHARES:
            return "documento «Palestre di capacità»"
    return "scelte per questo rapporto (parametro reference_shares), diverse da quelle del processo"


def _composition_sentences(table: pd.DataFrame, test: pd.Series | None) -> list[str]:
    rows = table.set_index("category")
    shares = rows["share"]
    reference = "; riferimento {ref}" if test is not None else ""
    largest = claims.best(
        shares,
        fmt.pct,
        "La categoria più rappresentata{scope} è {name}, con {value} degli enti (intervallo al 95% da {lo} a {hi}"
        + reference
        + ").",
        "Le categorie più rappresentate{scope} sono {names}, con {value} degli enti ciascuna.",
        scope=" tra quelle mostrate",
        say=fmt.pct_article,
        name=lambda c: sentence("quella {c}", c=CATEGORY_OF_PHRASE.get(c, c)),
        extra=lambda c: {
            "lo": fmt.pct(rows.loc[c, "ci_low"]),
            "hi": fmt.pct(rows.loc[c, "ci_high"]),
            "ref": fmt.pct(rows.loc[c, "reference_share"]),
        },
        hidden_below=1 - shares.sum(),
    )
    lines = [largest] if largest else []
    if test is None:
        return [*lines, "Il processo non indica quote di riferimento: la composizione non è confrontata con altre."]
    tested = claims.verdict(
        test["p_value"],
        significant="La composizione si discosta dalle quote di riferimento (test Monte Carlo sul chi quadrato di "
        "Pearson, {p}).",
        not_significant="Il test non rileva differenze tra la composizione e le quote di riferimento (test Monte "
        "Carlo sul chi quadrato di Pearson, {p}); questo non prova che coincidano.",
    )
    lines.append(
        tested or "Il confronto con le quote di riferimento non è mostrato: alcune categorie hanno troppo pochi enti."
    )
    return lines


@unless_small
def meetings(data: Processed, params: Parameters) -> Section:
    """The calendar of meetings: timeline by level and focus group, with attendance.

    Parameters
    ----------
    data : Processed
        The processed tables of one territory.
    params : Parameters
        The checked notebook parameters.

    Returns
    -------
    Section
        Timeline, table and one sentence counting the meetings by level and focus
        group; table ``meetings``.
    """
    by_meeting = stats.attendance_by_meeting(data.attendance, data.meetings, data.entities, min_cell=params.min_cell)
    everyone = guard(data, params).meetings(by_meeting[by_meeting["category"] == "all"].reset_index(drop=True))
    section = Section(tables={"meetings": everyone})
    if everyone.empty:
        return section.add(paragraph("Nessun incontro registrato per gli enti di questo territorio."))
    section.add(plots.meetings_timeline(everyone, f"Il calendario degli incontri – {data.territory}"))
    section.add(
        table_html(
            everyone,
            {
                "meeting_id": "Incontro",
                "date": "Data",
                "level": "Livello",
                "focus_group": "Focus group",
                "phase": "Fase",
                "n_present": "Enti presenti",
                "n_newcomers": "Di cui alla prima presenza",
            },
            f"Incontri frequentati dagli enti – {data.territory}",
            formats={"date": fmt.date_it},
            min_cell=params.min_cell,
        )
    )
    section.add(paragraph(_meetings_sentence(everyone, data)))
    return section


def _meetings_sentence(everyone: pd.DataFrame, data: Processed) -> str:
    """How many meetings, of which level, in how many focus groups: right for one meeting, one group, one level."""
    levels = everyone["level"].value_counts()
    regional, territorial = int(levels.get("regionale", 0)), int(levels.get("territoriale", 0))
    groups = everyone["focus_group"].dropna().unique()
    values = {"where": _of(data)}
    in_groups = ""
    if len(groups) == 1:
        in_groups, values["g"] = ", nel focus group {g}", groups[0]
    elif len(groups) > 1:
        in_groups, values["g"] = ", in {g}", f"{fmt.integer(len(groups))} focus group"
    if len(everyone) == 1:
        values["l"] = everyone["level"].iloc[0]
        return sentence(
            "Gli enti {where} hanno partecipato a un solo incontro, di livello {l}" + in_groups + ".", **values
        )
    values["n"] = fmt.integer(len(everyone))
    split = ""
    if regional and territorial:
        split = ": {r} e {t}"
        values.update(
            r=fmt.plural(regional, "regionale", "regionali"), t=fmt.plural(territorial, "territoriale", "territoriali")
        )
    elif regional == len(everyone):
        split = ", tutti regionali"
    elif territorial == len(everyone):
        split = ", tutti territoriali"
    if data.territory == data.geography.area.name:
        return sentence("Gli incontri del percorso sono {n}" + split + in_groups + ".", **values)
    return sentence("Gli incontri con enti {where} sono {n}" + split + in_groups + ".", **values)


@unless_small
def participation(data: Processed, params: Parameters) -> Section:
    """'Sempre con i soliti': regulars, newcomers, concentration of attendance.

    Parameters
    ----------
    data : Processed
        The processed tables of one territory.
    params : Parameters
        The checked notebook parameters.

    Returns
    -------
    Section
        Attendance charts, table and sentences; tables ``participation`` (published
        precision) and ``attendance_distribution``.
    """
    protect = guard(data, params)
    summary = protect.participation(
        stats.participation_summary(data.attendance, data.entities, min_cell=params.min_cell)
    )
    distribution = stats.attendance_distribution(
        data.attendance, data.entities, min_cell=params.min_cell, bands=config.ATTENDANCE_BANDS
    )
    distribution = protect.bands(distribution[distribution["category"] == "all"].reset_index(drop=True))
    by_meeting = stats.attendance_by_meeting(data.attendance, data.meetings, data.entities, min_cell=params.min_cell)
    everyone = protect.meetings(by_meeting[by_meeting["category"] == "all"].reset_index(drop=True))
    section = Section(tables={"participation": _rounded(summary), "attendance_distribution": distribution})
    chart = (
        plots.attendance_chart(everyone, f"Presenze e nuovi arrivi per incontro – {data.territory}")
        if not everyone.empty
        else None
    )
    histogram = plots.attendance_histogram(distribution, f"Quanti incontri ha frequentato ogni ente – {data.territory}")
    section.add(chart, histogram)
    if chart is None and not everyone.empty:
        section.add(
            paragraph(
                "Il grafico delle presenze per incontro non è mostrato: per tutelare la riservatezza, il numero di "
                "enti presenti è nascosto a ogni incontro."
            )
        )
    if histogram is None:
        section.add(
            paragraph(
                "Il grafico di quanti incontri ha frequentato ogni ente non è mostrato: tutte le classi che "
                "contano qualche ente sono nascoste, per tutelare la riservatezza."
            )
        )
    section.add(
        table_html(
            summary,
            {
                "category": "Categoria",
                "n_entities": "Enti",
                "n_attending": "Presenti almeno una volta",
                "mean_meetings": "Incontri per ente (media)",
                "n_regulars": "Enti abituali",
                "share_by_regulars": "Presenze degli abituali",
                "gini": "Gini delle presenze",
            },
            f"Partecipazione per categoria – {data.territory}",
            formats={
                "category": lambda c: _CATEGORY_NAMES.get(c, c),
                "share_by_regulars": fmt.pct,
                "gini": lambda g: fmt.num(g, 2),
            },
            min_cell=params.min_cell,
            note=f"Abituale: un ente presente ad almeno {stats.REGULAR_MIN_MEETINGS} incontri. Gini: 0 = presenze "
            "distribuite in modo uguale tra gli enti, 1 = concentrate in un solo ente.",
        )
    )
    section.add(paragraph(*_participation_sentences(summary, everyone, params.min_cell)))
    return section


def _rounded(summary: pd.DataFrame) -> pd.DataFrame:
    """Published precision: with exact Gini and means, a reader could rebuild hidden counts."""
    return summary.round({"mean_meetings": 1, "share_by_regulars": 2, "gini": 2})


def _participation_sentences(summary: pd.DataFrame, everyone: pd.DataFrame, min_cell: int) -> list[str]:
    row = summary[summary["category"] == "all"].iloc[0]
    lines = [_concentration(row)]
    ordered = everyone.sort_values("date")
    first = ordered["n_present"].iloc[0] if len(ordered) else float("nan")
    if len(ordered) > 1 and pd.notna(first) and pd.notna(row["n_attending"]):
        later = int(row["n_attending"] - first)
        if 0 < later < min_cell:  # a difference of two shown counts is a count too: not printed when small
            lines.append(
                "Dopo il primo incontro si sono aggiunti altri enti: la rete non è rimasta quella di partenza."
            )
        elif later > 0:
            lines.append(
                sentence(
                    "Dopo il primo incontro "
                    + ("si è aggiunto" if later == 1 else "si sono aggiunti")
                    + " {n}: la rete non è rimasta quella di partenza.",
                    n=fmt.plural(later, "ente nuovo", "enti nuovi"),
                )
            )
        else:
            lines.append("Dopo il primo incontro non si è aggiunto nessun ente nuovo.")
    return lines


def _concentration(row: pd.Series) -> str:
    """Regulars' share of attendance and the Gini index: what the table shows, and only that."""
    gini = fmt.num(row["gini"], 2)
    if pd.isna(row["share_by_regulars"]) or pd.isna(row["n_regulars"]):
        if pd.isna(row["gini"]):
            return "Le misure di concentrazione delle presenze non sono mostrate, per tutelare la riservatezza."
        return sentence(
            "L'indice di Gini delle presenze è {g}; il numero degli enti abituali (presenti ad almeno {r} incontri) e "
            "la loro quota di presenze non sono mostrati, per tutelare la riservatezza.",
            g=gini,
            r=stats.REGULAR_MIN_MEETINGS,
        )
    regulars = int(row["n_regulars"])
    if regulars == 0:
        return sentence(
            "«Sempre con i soliti»? Nessun ente è stato presente ad almeno {r} incontri; l'indice di "
            "Gini delle presenze è {g}.",
            r=stats.REGULAR_MIN_MEETINGS,
            g=gini,
        )
    one = regulars == 1
    return sentence(
        "«Sempre con i soliti»? {k} (" + ("presente" if one else "presenti") + " ad almeno {r} "
        "incontri) " + ("ha" if one else "hanno") + " fatto {s} di tutte le presenze; l'indice di "
        "Gini delle presenze è {g}.",
        k=fmt.plural(regulars, "ente abituale", "enti abituali"),
        r=stats.REGULAR_MIN_MEETINGS,
        s=fmt.pct_article(row["share_by_regulars"]),
        g=gini,
    )


@unless_small
def network(data: Processed, params: Parameters) -> Section:
    """The co-attendance network: density, components, ties across categories.

    Parameters
    ----------
    data : Processed
        The processed tables of one territory.
    params : Parameters
        The checked notebook parameters.

    Returns
    -------
    Section
        Table and sentences: density, and ties across categories set against random mixing (a
        description: no test says whether the gap goes beyond chance); table ``network``.
    """
    summary = guard(data, params).network(
        stats.network_summary(data.attendance, data.entities, min_cell=params.min_cell)
    )
    section = Section(tables={"network": summary})
    section.add(
        table_html(
            summary,
            {
                "n_nodes": "Enti",
                "n_edges": "Legami",
                "density": "Densità",
                "n_components": "Componenti",
                "largest_component_share": "Enti nella componente maggiore",
                "cross_category_share": "Legami tra categorie diverse",
                "cross_category_expected": "… attesi se i legami fossero casuali",
            },
            f"La rete delle co-presenze – {data.territory}",
            formats={
                "density": lambda d: fmt.num(d, 2),
                "largest_component_share": fmt.pct,
                "cross_category_share": fmt.pct,
                "cross_category_expected": fmt.pct,
            },
            min_cell=params.min_cell,
            note="Due enti sono legati se i loro delegati hanno partecipato ad almeno un incontro insieme.",
        )
    )
    row = summary.iloc[0]
    if pd.notna(row["density"]):
        lines = [
            sentence(
                "Partecipando agli stessi incontri, gli enti hanno intrecciato {e}: la densità della rete è {d}.",
                e=fmt.plural(row["n_edges"], "legame", "legami"),
                d=fmt.num(row["density"], 2),
            ),
            _mixing(row),
        ]
        section.add(paragraph(*[line for line in lines if line]))
    return section


#: Said after a gap between observed and random mixing: no statistic of the report tests it.
_NO_TEST = " Lo scarto descrive questa rete: nessun test dice se vada oltre quanto potrebbe dare il caso."


def _mixing(row: pd.Series) -> str | None:
    """Ties across categories against random mixing, as a description: no test says whether the gap is chance."""
    return claims.difference(
        row["cross_category_share"],
        row["cross_category_expected"],
        0,
        scale=100,
        say=fmt.pct_article,
        unit=("punto percentuale", "punti percentuali"),
        more="Tra i legami, {a} unisce enti di categorie diverse, contro {b} che ci si aspetterebbe se i legami "
        "nascessero a caso: {gap} in più." + _NO_TEST,
        less="Tra i legami, {a} unisce enti di categorie diverse, contro {b} che ci si aspetterebbe se i legami "
        "nascessero a caso: {gap} in meno." + _NO_TEST,
        same="Tra i legami, {a} unisce enti di categorie diverse: quanto ci si aspetterebbe se i legami nascessero "
        "a caso.",
    )


@unless_small
def contributions(data: Processed, params: Parameters) -> Section:
    """Phase 1 contributions by strategic node and category, with a test of independence.

    Parameters
    ----------
    data : Processed
        The processed tables of one territory.
    params : Parameters
        The checked notebook parameters (``seed`` drives the permutation test).

    Returns
    -------
    Section
        Chart, table, sentences and a few contributions as escaped text; tables
        ``contributions`` and ``contributions_test``.
    """
    phase1 = data.meetings.loc[data.meetings["phase"] == 1, "meeting_id"]
    contributions_1 = data.contributions[data.contributions["meeting_id"].isin(set(phase1))]
    protect = guard(data, params)
    counts, test = protect.contributions(
        stats.contribution_counts(contributions_1, data.entities, min_cell=params.min_cell, nodes=data.process.nodes),
        stats.contribution_test(
            contributions_1, data.entities, seed=params.seed, min_cell=params.min_cell, nodes=data.process.nodes
        ),
    )
    section = Section(tables={"contributions": counts, "contributions_test": test})
    if contributions_1.empty:
        return section.add(paragraph("Nessun contributo di fase 1 registrato per gli enti di questo territorio."))
    section.add(
        plots.contributions_chart(counts, f"Contributi per nodo strategico – {data.territory}", data.process.nodes)
    )
    everyone = counts[counts["category"] == "all"]
    section.add(
        table_html(
            everyone,
            {
                "node": "Nodo strategico",
                "n_contributions": "Contributi",
                "n_entities": "Enti che hanno contribuito",
                "share": "Quota",
            },
            f"Contributi della fase 1 per nodo – {data.territory}",
            formats={"share": fmt.pct},
            min_cell=params.min_cell,
        )
    )
    section.add(paragraph(*_contribution_sentences(everyone, test.iloc[0])))
    section.add(_examples(contributions_1, everyone, params.min_cell, protect.quotes_allowed(), data.process.nodes))
    return section


def _contribution_sentences(everyone: pd.DataFrame, test: pd.Series) -> list[str]:
    lines = []
    shares = everyone.set_index("node")["share"]
    if len(shares):
        top = claims.best(
            shares,
            fmt.pct,
            "Il nodo più discusso{scope} è stato {name}, con {value} dei contributi.",
            "I nodi più discussi{scope} sono stati {names}, con {value} dei contributi ciascuno.",
            scope=" tra quelli mostrati",
            say=fmt.pct_article,
            name=lambda node: sentence("«{n}»", n=node),
            hidden_below=1 - shares.sum(),
        )
        lines += [top] if top else []
    rounded = pd.isna(test["statistic"])
    tested = claims.verdict(
        test["p_value"],
        p_decimals=_ROUNDED_P_DECIMALS if rounded else None,
        effect=test["cramers_v"],
        effect_decimals=_ROUNDED_V_DECIMALS if rounded else 2,
        significant="I temi scelti sono associati alla categoria dell'ente (test di permutazione, {p}; V di Cramér "
        "{effect}, associazione {strength}).",
        not_significant="Il test non rileva un'associazione tra temi scelti e categoria dell'ente (test di "
        "permutazione, {p}; V di Cramér {effect}): secondo il test, una V come questa può nascere anche dal caso.",
        borderline="Il test è al limite della soglia del 5% (test di permutazione, {p}; V di Cramér {effect}): con "
        "il p arrotondato non si può dire se temi e categoria dell'ente siano associati.",
    )
    if tested is not None:
        lines.append(tested)
        if test["n_contributions"] < 100:
            lines.append("È una stima indicativa, su pochi contributi.")
        if rounded:
            lines.append(
                "La tabella ha celle nascoste: per questo la statistica del test non è mostrata e p e V sono arrotondati."
            )
    elif len(everyone) and bool(test["suppressed"]):
        lines.append("Il legame tra categoria e temi non è mostrato: alcune categorie hanno troppo pochi delegati.")
    elif len(everyone):
        lines.append(
            "Il legame tra categoria e temi non si può verificare: i contributi vengono da una sola categoria o riguardano un solo nodo."
        )
    return lines


def _examples(contributions_1: pd.DataFrame, everyone: pd.DataFrame, min_cell: int, allowed_here: bool, nodes=NODES):
    """A few contributions per node, as plain escaped text, only where enough delegates spoke.

    Quotes appear in one report only (the region's: see ``Guard.quotes_allowed``).
    """
    if not allowed_here:
        return paragraph(
            "Gli esempi di contributi sono riportati soltanto nel rapporto dell'intera area del processo, perché una frase "
            "citata in più rapporti si potrebbe ricondurre a pochi enti."
        )
    allowed = set(everyone.loc[everyone["n_entities"].notna(), "node"])
    items = []
    for node in nodes:
        if node not in allowed:
            continue
        texts = contributions_1.loc[contributions_1["node"] == node, "text"].dropna()
        for text in list(dict.fromkeys(texts))[:2]:
            items.append(sentence("{node}: ", node=node) + _escape(text))
    if not items:
        return paragraph(f"Esempi di contributi non mostrati: meno di {min_cell} delegati per nodo.")
    return bullets(items)


def _escape(text: str) -> str:
    import html

    return "«" + html.escape(str(text)) + "»"
