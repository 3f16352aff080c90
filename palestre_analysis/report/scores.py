"""Phase 2 sections: how well each source of resources fits each need, per field of activity.

:func:`compute` computes every statistic once; each section function then takes the
resulting :class:`Scores` and the checked notebook parameters and returns a
:class:`~palestre_analysis.report.section.Section`, empty when fewer than ``min_cell``
entities or delegates would be behind it (only :func:`overview` speaks, to say why).
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from palestre_analysis import config, stats
from palestre_analysis.ingest.processed import Processed
from palestre_analysis.report import formatting as fmt
from palestre_analysis.report import plots
from palestre_analysis.report.display import bullets, paragraph, sentence, table_html
from palestre_analysis.report.parameters import Parameters
from palestre_analysis.report.section import Section, too_small, unless_small
from palestre_analysis.stats.consensus import resolve_consensus_rule
from palestre_analysis.stats.distribution import resource_summary

__all__ = [
    "Scores",
    "compute",
    "agreement_sentence",
    "overview",
    "means",
    "best",
    "consensus",
    "agreement",
    "groups",
    "distributions",
]

_SIGNIFICANT = 0.05


@dataclass(frozen=True)
class Scores:
    """Every phase-2 statistic of one report, computed once (see :func:`compute`).

    Parameters
    ----------
    votes : DataFrame
        The territory's valid votes, one row per delegate, field, resource and need.
    cells : DataFrame
        Per cell and group: n, mean, median, spread, share of high votes, consensus.
    best : DataFrame
        Resources ranked per field and need, with the bootstrap probability of being the best.
    agreement : DataFrame
        Krippendorff's alpha per field.
    comparison : DataFrame
        The two groups compared cell by cell (Mann-Whitney, Benjamini-Hochberg, Cliff's delta).
    resources : DataFrame
        How votes spread over the scale, per resource.
    territory : str
        The report's territory.
    small : bool
        True when too few entities or delegates: every table but ``votes`` is empty.
    """

    votes: pd.DataFrame
    cells: pd.DataFrame
    best: pd.DataFrame
    agreement: pd.DataFrame
    comparison: pd.DataFrame
    resources: pd.DataFrame
    territory: str
    small: bool = False


def compute(data: Processed, params: Parameters) -> Scores:
    """All phase-2 statistics for the territory of ``data``.

    Parameters
    ----------
    data : Processed
        The processed tables of one territory.
    params : Parameters
        The checked notebook parameters (``seed`` drives the bootstraps).

    Returns
    -------
    Scores
        The statistics; ``small`` (and empty tables) when the territory has fewer than
        ``params.min_cell`` entities or voting delegates.
    """
    votes = stats.prepare_votes(data.votes, data.entities, by=())
    if too_small(data, params) or votes["rater"].nunique() < params.min_cell:
        empty = pd.DataFrame()
        return Scores(votes, empty, empty, empty, empty, empty, data.territory, small=True)
    return Scores(
        votes=votes,
        cells=stats.cell_stats(votes, min_cell=params.min_cell),
        best=stats.best_crossing(votes, n_boot=config.BEST_CROSSING_DRAWS, seed=params.seed, min_cell=params.min_cell),
        agreement=stats.agreement(votes, seed=params.seed, min_cell=params.min_cell),
        comparison=stats.group_comparison(votes, min_cell=params.min_cell),
        resources=resource_summary(votes, min_cell=params.min_cell),
        territory=data.territory,
    )


def overview(scores: Scores, params: Parameters) -> Section:
    """Who voted, and on what grid; or why nothing is shown.

    Parameters
    ----------
    scores : Scores
        The phase-2 statistics of one territory (:func:`compute`).
    params : Parameters
        The checked notebook parameters.

    Returns
    -------
    Section
        One paragraph: delegates per group, grid and number of votes; or the notice that
        no statistic is shown.
    """
    votes = scores.votes
    where = "in Lombardia" if scores.territory == config.REGION else f"nel territorio di {scores.territory}"
    if scores.small:
        return Section(
            [
                paragraph(
                    sentence(
                        "Meno di {k} delegati hanno votato {where}: per tutelare la loro riservatezza, questo rapporto non "
                        "mostra alcuna statistica. I loro voti contano nei risultati dell'intera regione (rapporto "
                        "«Lombardia»).",
                        k=params.min_cell,
                        where=where,
                    )
                )
            ]
        )
    raters = votes.groupby("group")["rater"].nunique()
    lines = [
        sentence(
            "{where} hanno votato {n}: {a} e {f}. Ciascuno ha dato un voto da 1 a 10 a ogni incrocio tra {r} "
            "e {e}, per i campi di attività in cui lavora il suo ente ({c} in tutto): {v} in totale.",
            where=where[0].upper() + where[1:],
            n=fmt.plural(votes["rater"].nunique(), "delegato", "delegati"),
            a=_group_count(raters.get("aps_odv", 0), "di APS e ODV", params.min_cell),
            f=_group_count(raters.get("fondazioni_csv_altri", 0), "di fondazioni, CSV e altri enti", params.min_cell),
            r=fmt.plural(votes["resource"].nunique(), "fonte di risorse", "fonti di risorse"),
            e=fmt.plural(votes["need"].nunique(), "esigenza", "esigenze"),
            c=fmt.plural(votes["field"].nunique(), "campo", "campi"),
            v=fmt.plural(len(votes), "voto", "voti"),
        )
    ]
    if raters.reindex(["aps_odv", "fondazioni_csv_altri"], fill_value=0).min() < params.min_cell:
        lines.append(
            sentence(
                "Un gruppo ha meno di {k} delegati: il confronto tra i due gruppi non è mostrato.", k=params.min_cell
            )
        )
    return Section([paragraph(*lines)])


def _group_count(n: int, who: str, min_cell: int) -> str:
    """A group's delegates, or "fewer than k" when the count itself would single them out."""
    if n == 0:
        return f"nessun delegato {who}"
    if 0 < n < min_cell:
        return f"meno di {min_cell} delegati {who}"
    return fmt.plural(n, f"delegato {who}", f"delegati {who}")


@unless_small
def means(scores: Scores, params: Parameters) -> Section:
    """Per field, the resource x need heatmap of mean scores, with n.

    Parameters
    ----------
    scores : Scores
        The phase-2 statistics of one territory (:func:`compute`).
    params : Parameters
        The checked notebook parameters.

    Returns
    -------
    Section
        Heatmaps and one sentence; table ``cells``.
    """
    section = Section(tables={"cells": scores.cells})
    if scores.cells.empty:
        return section
    everyone = scores.cells[scores.cells["group"] == "all"]
    section.add(
        plots.heatmaps(
            everyone,
            "mean",
            f"Voto medio per fonte di risorse ed esigenza – {scores.territory}",
            vmin=1,
            vmax=10,
            colorbar="Voto medio (1-10)",
        )
    )
    shown = everyone["mean"].notna().sum()
    section.add(
        paragraph(
            sentence(
                "Ogni casella riporta il voto medio; il titolo di ogni riquadro dice quanti delegati hanno votato in quel "
                "campo. {s} su {t} "
                + ("ha almeno {k} voti ed è mostrata." if shown == 1 else "hanno almeno {k} voti e sono mostrate."),
                s=fmt.plural(shown, "casella", "caselle"),
                t=fmt.integer(len(everyone)),
                k=params.min_cell,
            )
        )
    )
    return section


@unless_small
def best(scores: Scores, params: Parameters) -> Section:
    """Best crossings: per field and need the resources ranked, with their probability of being the best.

    Parameters
    ----------
    scores : Scores
        The phase-2 statistics of one territory (:func:`compute`).
    params : Parameters
        The checked notebook parameters.

    Returns
    -------
    Section
        Heatmaps, table and one sentence per field; table ``best_crossing``.
    """
    section = Section(tables={"best_crossing": scores.best})
    if scores.best.empty or scores.best["p_best"].notna().sum() == 0:
        return section.add(paragraph("I migliori incroci non sono mostrati: troppo pochi voti per campo."))
    marked = scores.best.assign(is_best=scores.best["rank"].eq(1).fillna(False) & scores.best["p_best"].notna())
    section.add(
        plots.heatmaps(
            marked,
            "p_best",
            f"Quanto spesso ogni fonte risulta la migliore – {scores.territory}",
            cmap="Blues",
            vmin=0,
            vmax=1,
            percent=True,
            annotate=False,
            marks="is_best",
            colorbar="Quota delle repliche bootstrap",
        )
    )
    top = scores.best[scores.best["rank"] == 1].dropna(subset=["mean"])
    section.add(
        table_html(
            top,
            {
                "field": "Campo",
                "need": "Esigenza",
                "resource": "Fonte migliore",
                "mean": "Voto medio",
                "p_best": "Repliche in cui è la migliore",
                "n": "Delegati",
            },
            f"Il miglior incrocio per ogni campo ed esigenza – {scores.territory}",
            formats={"p_best": fmt.share_of_draws},
            min_cell=params.min_cell,
            note=f"In {fmt.integer(config.BEST_CROSSING_DRAWS)} repliche bootstrap la media di ogni casella è ricalcolata su voti ricampionati; la colonna dice "
            "in quale quota di repliche la fonte resta la prima. Le caselle sono ricampionate una per una: poiché "
            "gli stessi delegati votano tutte le fonti, la stima è prudente (sottostima la sicurezza del primato). "
            "Due righe per la stessa casella: primato a pari merito.",
        )
    )
    section.add(bullets(_best_sentences(top)))
    return section


def _best_sentences(top: pd.DataFrame) -> list[str]:
    lines = []
    for field, part in top.groupby("field", sort=False):
        row = part.sort_values(["mean", "p_best"], ascending=False).iloc[0]
        certainty = (
            "un primato netto"
            if row["p_best"] >= 0.9
            else "un primato incerto"
            if row["p_best"] < 0.6
            else "un primato probabile"
        )
        lines.append(
            sentence(
                "Per il campo {field} il miglior incrocio è {resource} per l'esigenza {need} (voto medio {m}): "
                f"{certainty}, la fonte resta la prima {{p}} delle repliche bootstrap.",
                field=field,
                resource=row["resource"],
                need=row["need"],
                m=fmt.num(row["mean"]),
                p=fmt.in_share_of_draws(row["p_best"]),
            )
        )
    return lines


@unless_small
def consensus(scores: Scores, params: Parameters) -> Section:
    """Where delegates agree: the consensus rule applied cell by cell.

    Parameters
    ----------
    scores : Scores
        The phase-2 statistics of one territory (:func:`compute`).
    params : Parameters
        The checked notebook parameters.

    Returns
    -------
    Section
        Heatmaps and one sentence stating the rule (the consensus marks are in ``cells``).
    """
    section = Section()
    if scores.cells.empty:
        return section
    everyone = scores.cells[scores.cells["group"] == "all"]
    rule = resolve_consensus_rule(config.CONSENSUS_RULE)
    section.add(
        plots.heatmaps(
            everyone,
            "share_high",
            f"Quota di voti alti (7-10) e consenso – {scores.territory}",
            cmap="Greens",
            vmin=0,
            vmax=1,
            percent=True,
            annotate=False,
            marks="consensus",
            colorbar="Quota di voti da 7 a 10",
        )
    )
    judged = everyone.dropna(subset=["consensus"])
    agreed = judged["consensus"].astype(bool)
    rule_text = (
        f"almeno il {fmt.pct(rule.threshold)} dei voti nella stessa fascia (1-4, 5-6, 7-10)"
        if rule.kind == "percent"
        else f"scarto interquartile non superiore a {fmt.num(rule.threshold)}"
    )
    if len(judged):
        section.add(
            paragraph(
                sentence(
                    "C'è consenso (caselle con l'asterisco) in {a} su {t}: la regola chiede {r}. Un asterisco su "
                    "una casella chiara indica consenso su voti bassi o intermedi.",
                    a=fmt.plural(agreed.sum(), "casella", "caselle"),
                    t=fmt.integer(len(judged)),
                    r=rule_text,
                )
            )
        )
    return section


@unless_small
def agreement(scores: Scores, params: Parameters) -> Section:
    """Krippendorff's alpha per field, with Krippendorff's bootstrap interval.

    Parameters
    ----------
    scores : Scores
        The phase-2 statistics of one territory (:func:`compute`).
    params : Parameters
        The checked notebook parameters.

    Returns
    -------
    Section
        Chart, table and one sentence; table ``agreement``.
    """
    section = Section(tables={"agreement": scores.agreement})
    if scores.agreement.empty:
        return section
    section.add(plots.agreement_chart(scores.agreement, f"Accordo tra i delegati per campo – {scores.territory}"))
    section.add(
        table_html(
            scores.agreement,
            {
                "field": "Campo",
                "alpha_interval": "Alfa (intervallare)",
                "ci_low": "IC 95% da",
                "ci_high": "IC 95% a",
                "alpha_ordinal": "Alfa (ordinale)",
                "n_raters": "Delegati",
                "n_units": "Caselle",
            },
            f"Alfa di Krippendorff per campo – {scores.territory}",
            formats={c: (lambda x: fmt.num(x, 2)) for c in ("alpha_interval", "ci_low", "ci_high", "alpha_ordinal")},
            min_cell=params.min_cell,
            note="Alfa = 1: accordo perfetto; 0: accordo pari al caso. Krippendorff indica 0,8 per conclusioni solide "
            "e 0,667 come minimo per conclusioni provvisorie.",
        )
    )
    shown = scores.agreement.dropna(subset=["alpha_interval"])
    if len(shown):
        section.add(paragraph(agreement_sentence(shown)))
    return section


def agreement_sentence(shown: pd.DataFrame) -> str:
    """One sentence reading Krippendorff's alpha against his thresholds (0,667 and 0,8).

    Parameters
    ----------
    shown : DataFrame
        Agreement rows that are shown (``alpha_interval`` not missing).

    Returns
    -------
    str
        Escaped HTML text, built with :func:`~palestre_analysis.report.display.sentence`.

    Examples
    --------
    >>> agreement_sentence(pd.DataFrame({"alpha_interval": [0.81, 0.9]}))
    "L'accordo tra i delegati è alto in tutti i campi (alfa tra <strong>0,81</strong> e <strong>0,90</strong>)."
    """
    lo, hi = shown["alpha_interval"].min(), shown["alpha_interval"].max()
    values = {"lo": fmt.num(lo, 2), "hi": fmt.num(hi, 2)}
    if hi < 0.667:
        return sentence(
            "L'accordo tra i delegati è basso in tutti i campi (alfa tra {lo} e {hi}, sotto il minimo di "
            "0,667 indicato da Krippendorff): i voti medi sintetizzano opinioni diverse, non un giudizio "
            "condiviso.",
            **values,
        )
    if lo >= 0.8:
        return sentence("L'accordo tra i delegati è alto in tutti i campi (alfa tra {lo} e {hi}).", **values)
    return sentence(
        "L'accordo tra i delegati varia da campo a campo (alfa tra {lo} e {hi}): dove è sotto 0,667, "
        "i voti medi sintetizzano opinioni diverse.",
        **values,
    )


@unless_small
def groups(scores: Scores, params: Parameters) -> Section:
    """The gap between APS/ODV delegates and foundations, CSV and other bodies.

    Parameters
    ----------
    scores : Scores
        The phase-2 statistics of one territory (:func:`compute`).
    params : Parameters
        The checked notebook parameters.

    Returns
    -------
    Section
        Heatmaps of the difference, sentences and the ten widest gaps; table
        ``group_comparison``.
    """
    section = Section(tables={"group_comparison": scores.comparison})
    if scores.comparison.empty:
        return section
    difference = _difference(scores)
    if difference["difference"].notna().any():
        section.add(
            plots.heatmaps(
                difference,
                "difference",
                f"Differenza tra i gruppi (APS e ODV meno gli altri enti) – {scores.territory}",
                cmap="PuOr",
                center=0,
                annotate=False,
                n_column=None,
                marks="significant",
                colorbar="Differenza dei voti medi",
            )
        )
    ranked = scores.comparison.dropna(subset=["cliffs_delta"])
    ranked = ranked.reindex(ranked["cliffs_delta"].abs().sort_values(ascending=False).index).head(10)
    section.add(paragraph(*_group_sentences(ranked, scores.comparison, params)))
    if ranked.empty:
        return section
    section.add(
        table_html(
            ranked,
            {
                "field": "Campo",
                "resource": "Fonte",
                "need": "Esigenza",
                "n_aps_odv": "Delegati APS e ODV",
                "n_fondazioni_csv_altri": "Delegati di fondazioni, CSV e altri enti",
                "cliffs_delta": "Delta di Cliff",
                "p": "p",
                "p_bh": "p corretto (BH)",
            },
            f"{_widest_caption(len(ranked))} – {scores.territory}",
            formats={"cliffs_delta": lambda d: fmt.num(d, 2), "p": fmt.pvalue, "p_bh": fmt.pvalue},
            min_cell=params.min_cell,
            note="Delta di Cliff: quanto è più probabile che un voto di APS e ODV superi un voto degli altri enti che "
            "il contrario (da -1 a 1; positivo: APS e ODV danno voti più alti). Test di Mann-Whitney a due code; il "
            "p è corretto (procedura di Benjamini-Hochberg, BH) per i molti confronti fatti su tutte le caselle del "
            f"rapporto. Asterisco nella mappa: p corretto < {fmt.num(_SIGNIFICANT, 2)}.",
        )
    )
    return section


def _widest_caption(n: int) -> str:
    """Caption of the table of widest gaps: the ten widest, or every compared cell when there are fewer.

    >>> _widest_caption(3)
    'Le 3 caselle confrontate tra i gruppi, dalla differenza più ampia'
    >>> _widest_caption(10), _widest_caption(1)
    ('Le dieci caselle con la differenza più ampia tra i gruppi', "L'unica casella confrontata tra i gruppi")
    """
    if n == 1:
        return "L'unica casella confrontata tra i gruppi"
    if n < 10:
        return f"Le {fmt.integer(n)} caselle confrontate tra i gruppi, dalla differenza più ampia"
    return "Le dieci caselle con la differenza più ampia tra i gruppi"


def _difference(scores: Scores) -> pd.DataFrame:
    cells = scores.cells.pivot_table(
        index=["field", "resource", "need"], columns="group", values="mean", aggfunc="first", dropna=False
    )
    comparison = scores.comparison.set_index(["field", "resource", "need"])
    table = pd.DataFrame(
        {
            "difference": cells.get("aps_odv") - cells.get("fondazioni_csv_altri"),
            "significant": comparison["p_bh"] < _SIGNIFICANT,
            "suppressed": comparison["suppressed"],
        }
    ).reset_index()
    return table


def _group_sentences(ranked: pd.DataFrame, comparison: pd.DataFrame, params: Parameters) -> list[str]:
    tested = comparison.dropna(subset=["p_bh"])
    if tested.empty:
        return [
            sentence(
                "Il confronto tra i gruppi non è mostrato: in nessuna casella entrambi i gruppi hanno almeno "
                "{k} delegati che l'hanno votata.",
                k=params.min_cell,
            )
        ]
    significant = tested[tested["p_bh"] < _SIGNIFICANT]
    lines = [
        sentence(
            "Dopo la correzione per i confronti multipli, i due gruppi differiscono in {s} su {t}.",
            s=fmt.plural(len(significant), "casella", "caselle"),
            t=fmt.integer(len(tested)),
        )
    ]
    if len(ranked):
        top = ranked.iloc[0]
        who = "di APS e ODV" if top["cliffs_delta"] > 0 else "di fondazioni, CSV e altri enti"
        lines.append(
            sentence(
                "La distanza più ampia riguarda {r} per l'esigenza {n} nel campo {f}: i voti più alti "
                "vengono dai delegati {w} (delta di Cliff {d}).",
                r=top["resource"],
                n=top["need"],
                f=top["field"],
                w=who,
                d=fmt.num(top["cliffs_delta"], 2),
            )
        )
    return lines


@unless_small
def distributions(scores: Scores, params: Parameters) -> Section:
    """How votes spread over the scale, per resource (diverging bars).

    Parameters
    ----------
    scores : Scores
        The phase-2 statistics of one territory (:func:`compute`).
    params : Parameters
        The checked notebook parameters.

    Returns
    -------
    Section
        Diverging bars and one sentence; table ``resource_distribution``.
    """
    section = Section(tables={"resource_distribution": scores.resources})
    if scores.resources.empty:
        return section
    ordered = scores.resources.sort_values("share_high", ascending=False, na_position="last")
    section.add(
        plots.diverging_bars(ordered, f"Come si distribuiscono i voti per fonte di risorse – {scores.territory}")
    )
    shown = ordered.dropna(subset=["share_high"])
    if len(shown):
        first, last = shown.iloc[0], shown.iloc[-1]
        section.add(
            paragraph(
                sentence(
                    "Su tutti i campi e le esigenze, la fonte con più voti alti è {a} ({pa} di voti da 7 a 10); quella "
                    "con meno è {b} ({pb}).",
                    a=first["resource"],
                    pa=fmt.pct(first["share_high"]),
                    b=last["resource"],
                    pb=fmt.pct(last["share_high"]),
                )
            )
        )
    return section
