"""Phase 1 sections: the network, the year of meetings, participation, contributions."""

from __future__ import annotations

import pandas as pd

from .. import formatting as fmt
from .. import plots, stats
from ..display import bullets, paragraph, sentence, table_html
from ..processed import Parameters, Processed
from ..vocabulary import CATEGORY_LABELS, NODES
from . import Section

__all__ = ["overview", "composition", "meetings", "participation", "network", "contributions"]

_CATEGORY_NAMES = {"all": "Tutte le categorie", **CATEGORY_LABELS}


def _where(data: Processed) -> str:
    return "in Lombardia" if data.territory == "Lombardia" else f"nel territorio di {data.territory}"


def overview(data: Processed, params: Parameters) -> Section:
    """Key numbers of the network in this territory, in two sentences."""
    n_entities = len(data.entities)
    attended = data.meetings
    lines = [sentence("La rete {where} conta {n} enti, ciascuno rappresentato da un delegato.",
                      where=_where(data), n=fmt.integer(n_entities))]
    if len(attended):
        total = data.report.get("tables", {}).get("meetings", len(attended))
        lines.append(sentence(
            "I loro delegati hanno partecipato a {m} dei {t} incontri del percorso, tra {start} e {end}.",
            m=fmt.integer(len(attended)), t=fmt.integer(total), start=fmt.month_it(attended["date"].min()),
            end=fmt.month_it(attended["date"].max()),
        ))
    if n_entities < params.min_cell:
        lines.append(sentence("Con meno di {k} enti, quasi tutte le statistiche di questo territorio non sono "
                              "mostrate, per tutelare la riservatezza dei delegati.", k=params.min_cell))
    return Section([paragraph(*lines)])


def composition(data: Processed, params: Parameters) -> Section:
    """Composition by category against the reference shares, with Wilson intervals and a Monte Carlo test."""
    table = stats.composition(data.entities, params.reference_shares, min_cell=params.min_cell)
    test = stats.composition_test(data.entities, params.reference_shares, seed=params.seed, min_cell=params.min_cell)
    section = Section(tables={"composition": table, "composition_test": test})
    section.add(plots.composition_chart(table, f"Composizione della rete – {data.territory}"))
    section.add(table_html(
        table, {"category": "Categoria", "n": "Enti", "share": "Quota", "ci_low": "IC 95% da",
                "ci_high": "IC 95% a", "reference_share": "Quota di riferimento"},
        f"Enti per categoria – {data.territory} (n = {fmt.integer(len(data.entities))})",
        formats={"category": lambda c: _CATEGORY_NAMES.get(c, c), "share": fmt.pct, "ci_low": fmt.pct,
                 "ci_high": fmt.pct, "reference_share": fmt.pct},
        min_cell=params.min_cell,
        note="Intervallo di confidenza al 95% di Wilson. Quote di riferimento: documento «Palestre di capacità».",
    ))
    section.add(paragraph(*_composition_sentences(table, test.iloc[0])))
    return section


def _composition_sentences(table: pd.DataFrame, test: pd.Series) -> list[str]:
    lines = []
    shown = table[table["share"].notna()].sort_values("share", ascending=False)
    if len(shown):
        top = shown.iloc[0]
        lines.append(sentence("La categoria più rappresentata è {c}, con il {s} degli enti "
                              "(intervallo al 95% {lo}–{hi}; riferimento {ref}).",
                              c=_CATEGORY_NAMES[top["category"]], s=fmt.pct(top["share"]),
                              lo=fmt.pct(top["ci_low"]), hi=fmt.pct(top["ci_high"]),
                              ref=fmt.pct(top["reference_share"])))
    if pd.notna(test["p_value"]):
        verdict = ("si discosta in modo netto" if test["p_value"] < 0.05 else "è compatibile")
        lines.append(sentence("La composizione osservata {v} con le quote di riferimento "
                              "(test Monte Carlo sul chi quadrato di Pearson, p = {p}).",
                              v=verdict, p=fmt.pvalue(test["p_value"])))
    else:
        lines.append("Il confronto con le quote di riferimento non è mostrato: gli enti sono troppo pochi.")
    return lines


def meetings(data: Processed, params: Parameters) -> Section:
    """The year of meetings: timeline by level and focus group, with attendance."""
    by_meeting = stats.attendance_by_meeting(data.attendance, data.meetings, data.entities, min_cell=params.min_cell)
    everyone = by_meeting[by_meeting["category"] == "all"].reset_index(drop=True)
    section = Section(tables={"meetings": everyone})
    if everyone.empty:
        return section.add(paragraph("Nessun incontro registrato per gli enti di questo territorio."))
    section.add(plots.meetings_timeline(everyone, f"L'anno degli incontri – {data.territory}"))
    section.add(table_html(
        everyone, {"meeting_id": "Incontro", "date": "Data", "level": "Livello", "focus_group": "Focus group",
                   "phase": "Fase", "n_present": "Enti presenti", "n_newcomers": "Di cui al primo incontro"},
        f"Incontri frequentati dagli enti – {data.territory}",
        formats={"date": fmt.date_it}, min_cell=params.min_cell,
    ))
    levels = everyone["level"].value_counts()
    section.add(paragraph(sentence(
        "Gli incontri sono stati {r} regionali e {t} territoriali, in {g} focus group.",
        r=fmt.integer(levels.get("regionale", 0)), t=fmt.integer(levels.get("territoriale", 0)),
        g=fmt.integer(everyone["focus_group"].nunique()))))
    return section


def participation(data: Processed, params: Parameters) -> Section:
    """'Sempre con i soliti': regulars, newcomers, concentration of attendance."""
    summary = stats.participation_summary(data.attendance, data.entities, min_cell=params.min_cell)
    distribution = stats.attendance_distribution(data.attendance, data.entities, min_cell=params.min_cell)
    by_meeting = stats.attendance_by_meeting(data.attendance, data.meetings, data.entities, min_cell=params.min_cell)
    everyone = by_meeting[by_meeting["category"] == "all"]
    section = Section(tables={"participation": summary, "attendance_distribution": distribution})
    if not everyone.empty:
        section.add(plots.attendance_chart(everyone, f"Presenze e nuovi arrivi per incontro – {data.territory}"))
    overall = distribution[distribution["category"] == "all"]
    if not overall.empty:
        section.add(plots.attendance_histogram(overall, f"Quanti incontri ha frequentato ogni ente – {data.territory}"))
    section.add(table_html(
        summary, {"category": "Categoria", "n_entities": "Enti", "n_attending": "Presenti almeno una volta",
                  "mean_meetings": "Incontri per ente (media)", "n_regulars": "Enti abituali",
                  "share_by_regulars": "Presenze degli abituali", "gini": "Gini delle presenze"},
        f"Partecipazione per categoria – {data.territory}",
        formats={"category": lambda c: _CATEGORY_NAMES.get(c, c), "share_by_regulars": fmt.pct,
                 "gini": lambda g: fmt.num(g, 2)},
        min_cell=params.min_cell,
        note=f"Abituale: un ente presente ad almeno {stats.REGULAR_MIN_MEETINGS} incontri. Gini: 0 = presenze "
             "distribuite in modo uguale tra gli enti, 1 = concentrate in un solo ente.",
    ))
    section.add(paragraph(*_participation_sentences(summary, everyone)))
    return section


def _participation_sentences(summary: pd.DataFrame, everyone: pd.DataFrame) -> list[str]:
    row = summary[summary["category"] == "all"].iloc[0]
    if pd.isna(row["share_by_regulars"]):
        return ["Le misure di concentrazione non sono mostrate: gli enti sono troppo pochi."]
    lines = [sentence("«Sempre con i soliti»? {k} enti abituali (presenti ad almeno {r} incontri) hanno fatto il "
                      "{s} di tutte le presenze; l'indice di Gini delle presenze è {g}.",
                      k=fmt.integer(row["n_regulars"]), r=stats.REGULAR_MIN_MEETINGS,
                      s=fmt.pct(row["share_by_regulars"]), g=fmt.num(row["gini"], 2))]
    newcomers = everyone["n_newcomers"].dropna()
    later = everyone.sort_values("date").iloc[1:]["n_newcomers"].dropna()
    if len(newcomers) and len(later):
        lines.append(sentence("Dopo il primo incontro sono arrivati {n} enti nuovi, in {m} incontri diversi: "
                              "la rete non è rimasta chiusa.", n=fmt.integer(later.sum()),
                              m=fmt.integer((later > 0).sum())))
    return lines


def network(data: Processed, params: Parameters) -> Section:
    """The co-attendance network: density, components, ties across categories."""
    summary = stats.network_summary(data.attendance, data.entities, min_cell=params.min_cell)
    section = Section(tables={"network": summary})
    section.add(table_html(
        summary, {"n_nodes": "Enti", "n_edges": "Legami", "density": "Densità", "n_components": "Componenti",
                  "largest_component_share": "Enti nella componente maggiore",
                  "cross_category_share": "Legami tra categorie diverse"},
        f"La rete delle co-presenze – {data.territory}",
        formats={"density": lambda d: fmt.num(d, 2), "largest_component_share": fmt.pct,
                 "cross_category_share": fmt.pct},
        min_cell=params.min_cell,
        note="Due enti sono legati se i loro delegati hanno partecipato ad almeno un incontro insieme.",
    ))
    row = summary.iloc[0]
    if pd.notna(row["density"]):
        section.add(paragraph(sentence(
            "Partecipando agli stessi incontri, gli enti hanno intrecciato {e} legami: la densità della rete è {d} "
            "e il {x} dei legami unisce enti di categorie diverse («mai da soli»).",
            e=fmt.integer(row["n_edges"]), d=fmt.num(row["density"], 2), x=fmt.pct(row["cross_category_share"]))))
    return section


def contributions(data: Processed, params: Parameters) -> Section:
    """Phase 1 contributions by strategic node and category, with a test of independence."""
    phase1 = data.meetings.loc[data.meetings["phase"] == 1, "meeting_id"]
    contributions_1 = data.contributions[data.contributions["meeting_id"].isin(set(phase1))]
    counts = stats.contribution_counts(contributions_1, data.entities, min_cell=params.min_cell)
    test = stats.contribution_test(contributions_1, data.entities, seed=params.seed, min_cell=params.min_cell)
    section = Section(tables={"contributions": counts, "contributions_test": test})
    if contributions_1.empty:
        return section.add(paragraph("Nessun contributo di fase 1 registrato per gli enti di questo territorio."))
    section.add(plots.contributions_chart(counts, f"Contributi per nodo strategico – {data.territory}"))
    everyone = counts[counts["category"] == "all"]
    section.add(table_html(
        everyone, {"node": "Nodo strategico", "n_contributions": "Contributi", "n_entities": "Enti che hanno contribuito",
                   "share": "Quota"},
        f"Contributi della fase 1 per nodo – {data.territory}", formats={"share": fmt.pct}, min_cell=params.min_cell))
    section.add(paragraph(*_contribution_sentences(everyone, test.iloc[0])))
    section.add(_examples(contributions_1, everyone, params.min_cell))
    return section


def _contribution_sentences(everyone: pd.DataFrame, test: pd.Series) -> list[str]:
    lines = []
    shown = everyone[everyone["share"].notna()].sort_values("share", ascending=False)
    if len(shown):
        lines.append(sentence("Il nodo più discusso è stato {n}, con il {s} dei contributi.",
                              n=shown.iloc[0]["node"], s=fmt.pct(shown.iloc[0]["share"])))
    if pd.notna(test["p_value"]):
        strength = "debole" if test["cramers_v"] < 0.2 else "moderata" if test["cramers_v"] < 0.4 else "forte"
        verdict = "dipendono" if test["p_value"] < 0.05 else "non risultano dipendere in modo netto"
        lines.append(sentence("I temi scelti {v} dalla categoria dell'ente (test di permutazione, p = {p}; "
                              "V di Cramér = {cv}, associazione {a}).", v=verdict, p=fmt.pvalue(test["p_value"]),
                              cv=fmt.num(test["cramers_v"], 2), a=strength))
    return lines


def _examples(contributions_1: pd.DataFrame, everyone: pd.DataFrame, min_cell: int):
    """A few contributions per node, as plain escaped text, only where enough delegates spoke."""
    allowed = set(everyone.loc[everyone["n_entities"].notna(), "node"])
    items = []
    for node in NODES:
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
