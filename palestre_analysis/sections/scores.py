"""Phase 2 sections: how well each source of resources fits each need, per field of activity."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from .. import config
from .. import formatting as fmt
from .. import plots, stats
from ..display import bullets, paragraph, sentence, table_html
from ..processed import Parameters, Processed
from ..stats.consensus import resolve_consensus_rule
from ..stats.distribution import resource_summary
from ..vocabulary import GROUP_LABELS
from . import Section

__all__ = ["Scores", "compute", "overview", "means", "best", "consensus", "agreement", "groups", "distributions"]

_SIGNIFICANT = 0.05


@dataclass(frozen=True)
class Scores:
    """Every phase-2 statistic of one report, computed once."""

    votes: pd.DataFrame
    cells: pd.DataFrame
    best: pd.DataFrame
    agreement: pd.DataFrame
    comparison: pd.DataFrame
    resources: pd.DataFrame
    territory: str


def compute(data: Processed, params: Parameters) -> Scores:
    """All phase-2 statistics for the territory of ``data``."""
    votes = stats.prepare_votes(data.votes, data.entities, by=())
    if votes.empty:
        empty = pd.DataFrame()
        return Scores(votes, empty, empty, empty, empty, empty, data.territory)
    return Scores(
        votes=votes,
        cells=stats.cell_stats(votes, min_cell=params.min_cell),
        best=stats.best_crossing(votes, seed=params.seed, min_cell=params.min_cell),
        agreement=stats.agreement(votes, seed=params.seed, min_cell=params.min_cell),
        comparison=stats.group_comparison(votes, min_cell=params.min_cell),
        resources=resource_summary(votes, min_cell=params.min_cell),
        territory=data.territory,
    )


def overview(scores: Scores, params: Parameters) -> Section:
    """Who voted, and on what grid."""
    votes = scores.votes
    if votes.empty:
        return Section([paragraph("Nessun delegato di questo territorio ha espresso valutazioni nella fase 2.")])
    raters = votes.groupby("group")["rater"].nunique()
    where = "in Lombardia" if scores.territory == config.REGION else f"nel territorio di {scores.territory}"
    lines = [sentence(
        "{where} hanno votato {n} delegati: {a} di APS e ODV e {f} di fondazioni, CSV e altri enti. Ciascuno ha "
        "dato un voto da 1 a 10 a ogni incrocio tra {r} fonti di risorse ed {e} esigenze, per i campi di "
        "attività in cui lavora il suo ente ({c} campi in tutto), per {v} voti.",
        where=where.capitalize(), n=fmt.integer(votes["rater"].nunique()),
        a=fmt.integer(raters.get("aps_odv", 0)), f=fmt.integer(raters.get("fondazioni_csv_altri", 0)),
        r=fmt.integer(votes["resource"].nunique()), e=fmt.integer(votes["need"].nunique()),
        c=fmt.integer(votes["field"].nunique()), v=fmt.integer(len(votes)))]
    if raters.min() < params.min_cell or len(raters) < 2:
        lines.append(sentence("Un gruppo ha meno di {k} delegati: i suoi risultati e il confronto tra i due "
                              "gruppi non sono mostrati.", k=params.min_cell))
    return Section([paragraph(*lines)])


def means(scores: Scores, params: Parameters) -> Section:
    """Per field, the resource x need heatmap of mean scores, with n."""
    section = Section(tables={"cells": scores.cells})
    if scores.cells.empty:
        return section
    everyone = scores.cells[scores.cells["group"] == "all"]
    section.add(plots.heatmaps(everyone, "mean", f"Voto medio per fonte di risorse ed esigenza – {scores.territory}",
                               vmin=1, vmax=10, colorbar="Voto medio (1-10)"))
    shown = everyone["mean"].notna().sum()
    section.add(paragraph(sentence(
        "Ogni casella riporta il voto medio e il numero di delegati che l'hanno votata; {s} caselle su {t} hanno "
        "almeno {k} voti e sono mostrate.", s=fmt.integer(shown), t=fmt.integer(len(everyone)), k=params.min_cell)))
    return section


def best(scores: Scores, params: Parameters) -> Section:
    """Best crossings: per field and need the resources ranked, with their probability of being the best."""
    section = Section(tables={"best_crossing": scores.best})
    if scores.best.empty or scores.best["p_best"].notna().sum() == 0:
        return section.add(paragraph("I migliori incroci non sono mostrati: troppo pochi voti per campo."))
    marked = scores.best.assign(is_best=scores.best["rank"].eq(1).fillna(False) & scores.best["p_best"].notna())
    section.add(plots.heatmaps(marked, "p_best", f"Probabilità di essere la fonte migliore – {scores.territory}",
                               cmap="Blues", vmin=0, vmax=1, percent=True, annotate=False, marks="is_best",
                               colorbar="Probabilità bootstrap"))
    top = scores.best[scores.best["rank"] == 1].dropna(subset=["mean"])
    section.add(table_html(
        top, {"field": "Campo", "need": "Esigenza", "resource": "Fonte migliore", "mean": "Voto medio",
              "p_best": "Probabilità di essere la migliore", "n": "Delegati"},
        f"Il miglior incrocio per ogni campo ed esigenza – {scores.territory}",
        formats={"p_best": fmt.pct}, min_cell=params.min_cell,
        note="Probabilità stimata con 2.000 repliche bootstrap della media di ogni casella."))
    section.add(bullets(_best_sentences(top)))
    return section


def _best_sentences(top: pd.DataFrame) -> list[str]:
    lines = []
    for field, part in top.groupby("field", sort=False):
        row = part.sort_values(["mean", "p_best"], ascending=False).iloc[0]
        certainty = ("con buona sicurezza" if row["p_best"] >= 0.8 else
                     "ma il primato è incerto" if row["p_best"] < 0.5 else "con discreta sicurezza")
        lines.append(sentence(
            "Per il campo {field} il miglior incrocio è {resource} per l'esigenza {need} (voto medio {m}; "
            f"probabilità di essere la fonte migliore {{p}}, {certainty}).",
            field=field, resource=row["resource"], need=row["need"], m=fmt.num(row["mean"]),
            p=fmt.pct(row["p_best"])))
    return lines


def consensus(scores: Scores, params: Parameters) -> Section:
    """Where delegates agree: the consensus rule applied cell by cell."""
    section = Section()
    if scores.cells.empty:
        return section
    everyone = scores.cells[scores.cells["group"] == "all"]
    rule = resolve_consensus_rule(config.CONSENSUS_RULE)
    section.add(plots.heatmaps(everyone, "share_high", f"Quota di voti alti (7-10) e consenso – {scores.territory}",
                               cmap="Greens", vmin=0, vmax=1, percent=True, annotate=False, marks="consensus",
                               colorbar="Quota di voti da 7 a 10"))
    judged = everyone.dropna(subset=["consensus"])
    agreed = judged["consensus"].astype(bool)
    rule_text = (f"almeno il {fmt.pct(rule.threshold)} dei voti nella stessa fascia (1-4, 5-6, 7-10)"
                 if rule.kind == "percent" else f"scarto interquartile non superiore a {fmt.num(rule.threshold)}")
    if len(judged):
        section.add(paragraph(sentence(
            "C'è consenso (caselle con l'asterisco) in {a} caselle su {t}: la regola chiede {r}.",
            a=fmt.integer(agreed.sum()), t=fmt.integer(len(judged)), r=rule_text)))
    return section


def agreement(scores: Scores, params: Parameters) -> Section:
    """Krippendorff's alpha per field, with Krippendorff's bootstrap interval."""
    section = Section(tables={"agreement": scores.agreement})
    if scores.agreement.empty:
        return section
    section.add(plots.agreement_chart(scores.agreement, f"Accordo tra i delegati per campo – {scores.territory}"))
    section.add(table_html(
        scores.agreement, {"field": "Campo", "alpha_interval": "Alfa (intervallare)", "ci_low": "IC 95% da",
                           "ci_high": "IC 95% a", "alpha_ordinal": "Alfa (ordinale)", "n_raters": "Delegati",
                           "n_units": "Caselle"},
        f"Alfa di Krippendorff per campo – {scores.territory}",
        formats={c: (lambda x: fmt.num(x, 2)) for c in ("alpha_interval", "ci_low", "ci_high", "alpha_ordinal")},
        min_cell=params.min_cell,
        note="Alfa = 1: accordo perfetto; 0: accordo pari al caso. Krippendorff indica 0,8 per conclusioni solide "
             "e 0,667 come minimo per conclusioni provvisorie."))
    shown = scores.agreement.dropna(subset=["alpha_interval"])
    if len(shown):
        low = shown.sort_values("alpha_interval").iloc[0]
        section.add(paragraph(sentence(
            "L'accordo tra i delegati è più basso nel campo {f} (alfa {a}): lì i voti medi vanno letti come "
            "sintesi di opinioni diverse, non come un giudizio condiviso.", f=low["field"],
            a=fmt.num(low["alpha_interval"], 2))))
    return section


def groups(scores: Scores, params: Parameters) -> Section:
    """The gap between APS/ODV delegates and foundations, CSV and other bodies."""
    section = Section(tables={"group_comparison": scores.comparison})
    if scores.comparison.empty:
        return section
    difference = _difference(scores)
    if difference["difference"].notna().any():
        section.add(plots.heatmaps(
            difference, "difference", f"Differenza tra i gruppi (APS e ODV meno gli altri enti) – {scores.territory}",
            cmap="PuOr", center=0, annotate=False, n_column=None, marks="significant",
            colorbar="Differenza dei voti medi"))
    ranked = scores.comparison.dropna(subset=["cliffs_delta"])
    ranked = ranked.reindex(ranked["cliffs_delta"].abs().sort_values(ascending=False).index).head(10)
    section.add(table_html(
        ranked, {"field": "Campo", "resource": "Fonte", "need": "Esigenza", "n_aps_odv": "Delegati APS e ODV",
                 "n_fondazioni_csv_altri": "Delegati altri enti", "cliffs_delta": "Delta di Cliff",
                 "p": "p", "p_bh": "p corretto (BH)"},
        f"Le dieci caselle con la differenza più ampia tra i gruppi – {scores.territory}",
        formats={"cliffs_delta": lambda d: fmt.num(d, 2), "p": fmt.pvalue, "p_bh": fmt.pvalue},
        min_cell=params.min_cell,
        note="Delta di Cliff positivo: i delegati di APS e ODV danno voti più alti. Test di Mann-Whitney a due code; "
             "p corretto con la procedura di Benjamini-Hochberg su tutte le caselle del rapporto. Asterisco nella "
             f"mappa: p corretto < {fmt.num(_SIGNIFICANT, 2)}."))
    section.add(paragraph(*_group_sentences(ranked, scores.comparison)))
    return section


def _difference(scores: Scores) -> pd.DataFrame:
    cells = scores.cells.pivot_table(index=["field", "resource", "need"], columns="group", values="mean",
                                     aggfunc="first", dropna=False)
    comparison = scores.comparison.set_index(["field", "resource", "need"])
    table = pd.DataFrame({
        "difference": cells.get("aps_odv") - cells.get("fondazioni_csv_altri"),
        "significant": comparison["p_bh"] < _SIGNIFICANT,
        "suppressed": comparison["suppressed"],
    }).reset_index()
    return table


def _group_sentences(ranked: pd.DataFrame, comparison: pd.DataFrame) -> list[str]:
    tested = comparison.dropna(subset=["p_bh"])
    if tested.empty:
        return ["Il confronto tra i gruppi non è mostrato: uno dei due ha meno delegati della soglia in ogni casella."]
    significant = tested[tested["p_bh"] < _SIGNIFICANT]
    lines = [sentence("Dopo la correzione per i confronti multipli, i due gruppi differiscono in {s} caselle su {t}.",
                      s=fmt.integer(len(significant)), t=fmt.integer(len(tested)))]
    if len(ranked):
        top = ranked.iloc[0]
        who = GROUP_LABELS["aps_odv"] if top["cliffs_delta"] > 0 else GROUP_LABELS["fondazioni_csv_altri"]
        lines.append(sentence("La distanza più ampia riguarda {r} per l'esigenza {n} nel campo {f}: i voti più alti "
                              "vengono dai {w} (delta di Cliff {d}).", r=top["resource"], n=top["need"],
                              f=top["field"], w=who.lower().replace("delegati ", ""),
                              d=fmt.num(top["cliffs_delta"], 2)))
    return lines


def distributions(scores: Scores, params: Parameters) -> Section:
    """How votes spread over the scale, per resource (diverging bars)."""
    section = Section(tables={"resource_distribution": scores.resources})
    if scores.resources.empty:
        return section
    ordered = scores.resources.sort_values("share_high", ascending=False, na_position="last")
    section.add(plots.diverging_bars(ordered, f"Come si distribuiscono i voti per fonte di risorse – {scores.territory}"))
    shown = ordered.dropna(subset=["share_high"])
    if len(shown):
        first, last = shown.iloc[0], shown.iloc[-1]
        section.add(paragraph(sentence(
            "Su tutti i campi e le esigenze, la fonte con più voti alti è {a} ({pa} di voti da 7 a 10); quella "
            "con meno è {b} ({pb}).", a=first["resource"], pa=fmt.pct(first["share_high"]), b=last["resource"],
            pb=fmt.pct(last["share_high"]))))
    return section
