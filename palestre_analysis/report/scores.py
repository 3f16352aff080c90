"""Phase 2 sections: how well each source of resources fits each need, per field of activity.

:func:`compute` computes every statistic once; each section function then takes the
resulting :class:`Scores` and the checked notebook parameters and returns a
:class:`~palestre_analysis.report.section.Section`, empty when fewer than ``min_cell``
entities or delegates would be behind it (only :func:`overview` speaks, to say why).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import pandas as pd

from palestre_analysis import config, stats
from palestre_analysis.core.process import Process
from palestre_analysis.ingest.processed import Processed
from palestre_analysis.report import claims, places, plots
from palestre_analysis.report import formatting as fmt
from palestre_analysis.report.display import Safe, bullets, paragraph, sentence, table_html
from palestre_analysis.report.groups import keys as group_keys
from palestre_analysis.report.groups import phrases as group_phrases
from palestre_analysis.report.parameters import Parameters
from palestre_analysis.report.protection import guard
from palestre_analysis.report.scale import bands_of, bands_text, scale_range, score_range, scores_phrase
from palestre_analysis.report.section import Section, too_small, unless_small
from palestre_analysis.stats.consensus import resolve_consensus_rule
from palestre_analysis.stats.scales import DEFAULT_BANDS, Bands

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
#: Means are printed with one decimal in every table and sentence: two are "tied" when they print alike.
_MEAN_DECIMALS = 1


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
        How votes spread over the scale, per resource (over the shown cells).
    voters : DataFrame
        Delegates who voted, in all and per group (``group``, ``n_delegates``,
        ``suppressed``), as the batch-wide disclosure control allows.
    all_cells_shown : bool
        True when no cell of the territory is hidden.
    territory : str
        The report's territory.
    small : bool
        True when too few entities or delegates: every table but ``votes`` is empty.
    process : Process, default the seed's
        The process of the processed tables: its scale and bands are the statistics' and
        the sections' text (:attr:`scale`, :attr:`bands`, :attr:`high_score`).
    """

    votes: pd.DataFrame
    cells: pd.DataFrame
    best: pd.DataFrame
    agreement: pd.DataFrame
    comparison: pd.DataFrame
    resources: pd.DataFrame
    territory: str
    voters: pd.DataFrame = None
    all_cells_shown: bool = True
    small: bool = False
    process: Process = dataclasses.field(default_factory=Process)

    @property
    def scale(self) -> tuple[int, int]:
        """The lowest and the highest vote of the process: ``(1, 10)`` for the seed's."""
        low, high = self.process.scale
        return int(low), int(high)

    @property
    def bands(self) -> Bands:
        """The process's low, middle and high bands, as three ``(first, last)`` pairs."""
        return bands_of(self.process)

    @property
    def high_score(self) -> int:
        """The first vote of the high band (7 for the seed's process)."""
        return int(self.process.high_score)


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
    process = data.process
    scale, bands = process.scale, bands_of(process)
    votes = stats.prepare_votes(data.votes, data.entities, by=())
    protect = guard(data, params)
    voters = protect.voters()
    if too_small(data, params) or votes["rater"].nunique() < params.min_cell:
        empty = pd.DataFrame()
        return Scores(
            votes, empty, empty, empty, empty, empty, data.territory, voters=voters, small=True, process=process
        )
    shown = protect.shown_votes(votes)

    best = (
        stats.best_crossing(
            shown, n_boot=config.BEST_CROSSING_DRAWS, seed=params.seed, min_cell=params.min_cell, scale=scale
        )
        if len(shown)
        else None
    )
    cells = stats.cell_stats(
        votes, min_cell=params.min_cell, high_score=process.high_score, scale=scale, bands=bands, groups=process.groups
    )
    return Scores(
        votes=votes,
        cells=protect.cells(cells),
        best=protect.best(votes, best),
        agreement=protect.agreement(stats.agreement(votes, seed=params.seed, min_cell=params.min_cell, scale=scale)),
        comparison=protect.group_comparison(
            stats.group_comparison(votes, min_cell=params.min_cell, scale=scale, groups=process.groups)
        ),
        resources=protect.resources(votes),
        territory=data.territory,
        voters=voters,
        all_cells_shown=protect.hidden_cells().empty,
        process=process,
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
    where = places.where(params, scores.territory)
    named = group_phrases(params.process)
    first, second = group_keys(params.process)
    if scores.small:
        return Section(
            [
                paragraph(
                    sentence(
                        "Per tutelare la riservatezza dei delegati che hanno votato {where} (ogni statistica deve "
                        "poggiare su almeno {k} delegati, e nessun conteggio deve poterne ricostruire uno più "
                        "piccolo), questo rapporto non mostra alcuna statistica. I loro voti contano nei risultati "
                        "{up}.",
                        up=places.enclosing(params, scores.territory),
                        k=params.min_cell,
                        where=where,
                    )
                )
            ]
        )
    counts = scores.voters.set_index("group")["n_delegates"]
    if pd.isna(counts["all"]):
        who = sentence(
            "{where} hanno votato almeno {k} delegati; il loro numero non è mostrato, perché con quello degli enti "
            "o dei voti di una casella direbbe quanti non hanno votato.",
            where=Safe(where[0].upper() + where[1:]),
            k=params.min_cell,
        )
    else:
        who = sentence(
            "{where} hanno votato {n}: {a} e {f}.",
            where=Safe(where[0].upper() + where[1:]),
            n=fmt.plural(counts["all"], "delegato", "delegati"),
            a=_group_count(counts.get(first), named[first], params.min_cell),
            f=_group_count(counts.get(second), named[second], params.min_cell),
        )
    lines = [
        who,
        _what_was_voted(votes, with_total=scores.all_cells_shown, scale=scores.scale),
    ]
    hidden = [g for g in named if pd.isna(counts.get(g))]
    if len(hidden) == 2:
        lines.append(
            "I due gruppi non sono contati separatamente, per tutelare la riservatezza dei loro delegati: "
            "il confronto tra i due gruppi non è mostrato."
        )
    elif hidden:
        lines.append(
            sentence(
                "Il numero dei delegati {g} non è mostrato: il confronto tra i gruppi nemmeno.", g=named[hidden[0]]
            )
        )
    elif (counts[list(named)] == 0).any():
        empty = next(g for g in named if counts[g] == 0)
        lines.append(sentence("Senza delegati {g}, il confronto tra i due gruppi non è possibile.", g=named[empty]))
    return Section([paragraph(*lines)], tables={"voters": scores.voters})


def _what_was_voted(votes: pd.DataFrame, *, with_total: bool = True, scale: tuple[int, int] = (1, 10)) -> str:
    """What each delegate voted, on the process's scale: every crossing of their fields only if that is what the votes show.

    The total of votes is given only where every cell is shown: elsewhere, minus the shown
    cells, it would give the votes of the hidden ones.
    """
    grid = votes["resource"].nunique() * votes["need"].nunique()
    every = bool(votes.groupby(["rater", "field"]).size().eq(grid).all())
    uneven = votes.groupby(["field", "resource", "need"]).size().nunique() > 1
    values = {
        "r": fmt.plural(votes["resource"].nunique(), "fonte di risorse", "fonti di risorse"),
        "e": fmt.plural(votes["need"].nunique(), "esigenza", "esigenze"),
        "c": fmt.plural(votes["field"].nunique(), "campo", "campi"),
        "v": fmt.plural(len(votes), "voto", "voti"),
    }
    total = ": {v} in totale" if with_total else ""
    low, high = scale
    if every:
        text = (
            f"Ciascuno ha dato un voto da {low} a {high} a ogni incrocio tra {{r}} e {{e}}, nei campi di attività in "
            "cui lavora il suo ente ({c} in tutto)" + total + "."
        )
        if uneven:
            text += " Ogni campo ha i suoi delegati: le caselle non hanno tutte lo stesso numero di voti."
    else:
        text = (
            f"Ciascuno ha votato da {low} a {high} gli incroci tra {{r}} e {{e}} nei campi di attività in cui lavora il "
            "suo ente ({c} in tutto), ma non tutti hanno votato ogni incrocio"
            + total
            + (", e le caselle non hanno tutte lo stesso numero di voti." if uneven else ".")
        )
    return sentence(text, **values)


def _group_count(n, who: str, min_cell: int) -> str:
    """A group's delegates, or a plain "not shown" when disclosure control hides the count.

    A hidden count is not always small (a larger one is hidden with a small one, or the
    total would give the small one away), so the sentence does not say "fewer than".
    """
    if n is None or pd.isna(n):
        return f"un numero non mostrato di delegati {who}"
    if n == 0:
        return f"nessun delegato {who}"
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
    if everyone["mean"].notna().any():  # a map of hidden cells only would draw nothing
        section.add(
            plots.heatmaps(
                everyone,
                "mean",
                f"Voto medio per fonte di risorse ed esigenza – {scores.territory}",
                vmin=scores.scale[0],
                vmax=scores.scale[1],
                colorbar=f"Voto medio ({scale_range(scores.scale)})",
            )
        )
    section.add(paragraph(_shown_cells(int(everyone["mean"].notna().sum()), len(everyone), params.min_cell)))
    return section


def _shown_cells(shown: int, total: int, min_cell: int) -> str:
    """How many cells of the heatmaps show their mean, and why the others do not.

    >>> _shown_cells(0, 240, 5)
    "Nessuna delle <strong>240</strong> caselle è mostrata: per tutelare la riservatezza dei delegati, il voto medio di una casella compare solo se l'hanno votata almeno <strong>5</strong> delegati e se i conteggi nascosti non si possono ricavare dagli altri."
    >>> _shown_cells(240, 240, 5)[:66]
    'Ogni casella mostrata riporta il voto medio; il titolo di ogni riq'
    """
    if shown == 0:
        return sentence(
            "Nessuna delle {t} caselle è mostrata: per tutelare la riservatezza dei delegati, il voto medio di una "
            "casella compare solo se l'hanno votata almeno {k} delegati e se i conteggi nascosti non si possono "
            "ricavare dagli altri.",
            t=fmt.integer(total),
            k=min_cell,
        )
    head = (
        "Ogni casella mostrata riporta il voto medio; il titolo di ogni riquadro dice quanti delegati hanno votato "
        "le sue caselle (il più piccolo e il più grande di quei numeri). "
    )
    if shown == total:
        return sentence(head + "Tutte le {t} caselle sono mostrate.", t=fmt.integer(total))
    return sentence(
        head
        + "{s} su {t} "
        + ("è mostrata" if shown == 1 else "sono mostrate")
        + "; le altre sono nascoste ({mark}): hanno meno di {k} voti, o permetterebbero di ricavare una casella "
        "che ne ha meno.",
        s=fmt.plural(shown, "casella", "caselle"),
        t=fmt.integer(total),
        k=min_cell,
        mark=fmt.SUPPRESSED_MARK,
    )


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
    if scores.best.empty or scores.best["mean"].notna().sum() == 0:
        return section.add(
            paragraph(
                sentence(
                    "I migliori incroci non sono mostrati: nessuna casella è mostrata (ciascuna ha meno di {k} voti, "
                    "o permetterebbe di ricavarne una che ne ha meno).",
                    k=params.min_cell,
                )
            )
        )
    contenders = scores.best.groupby(["field", "need"], sort=False)["mean"].transform("count")
    lead = _leaders_by_contest(scores.best) & (contenders > 1)  # one shown resource is no contest
    marked = scores.best.assign(is_best=lead)
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
    top = scores.best[lead]
    section.add(
        table_html(
            top,
            {
                "field": "Campo",
                "need": "Esigenza",
                "resource": "Fonte con il voto medio più alto tra quelle mostrate",
                "mean": "Voto medio",
                "p_best": "Repliche in cui è la migliore",
                "n": "Delegati",
            },
            f"Il miglior incrocio per ogni campo ed esigenza – {scores.territory}",
            formats={"mean": lambda m: fmt.num(m, _MEAN_DECIMALS), "p_best": fmt.share_of_draws},
            min_cell=params.min_cell,
            note=f"In {fmt.integer(config.BEST_CROSSING_DRAWS)} repliche bootstrap la media di ogni casella è ricalcolata "
            "su voti ricampionati; la colonna dice in quale quota di repliche la fonte resta la prima. Le caselle sono "
            "ricampionate una per una: poiché gli stessi delegati votano tutte le fonti, la stima è prudente "
            "(sottostima la sicurezza del primato). Due righe per la stessa casella: primato a pari merito, al "
            f"decimale mostrato. Una fonte votata da meno di {params.min_cell} delegati ha la media nascosta e non entra "
            "nel confronto: il primato vale tra le fonti mostrate, e una casella con una sola fonte mostrata non è "
            "in tabella.",
        )
    )
    section.add(bullets(_best_sentences(scores.best, params.min_cell)))
    return section


def _leaders_by_contest(table: pd.DataFrame) -> pd.Series:
    """Per field and need, the resources whose mean prints like the highest (ties at the decimal shown)."""
    lead = pd.Series(False, index=table.index)
    for _, part in table.groupby(["field", "need"], sort=False):
        lead[part.index] = claims.leaders(part["mean"], _MEAN_DECIMALS).to_numpy()
    return lead


def _best_sentences(table: pd.DataFrame, min_cell: int) -> list[str]:
    """Per field, the best crossing over every need and resource, as far as the shown means tell."""
    lines = []
    contenders = table.groupby(["field", "need"], sort=False)["mean"].count()
    for field, part in table.groupby("field", sort=False):
        means = part.set_index(["resource", "need"])["mean"]
        rows = part.set_index(["resource", "need"])
        line = claims.best(
            means,
            _MEAN_DECIMALS,
            "Per il campo {field} il miglior incrocio{scope} è {name} (voto medio {value}){certainty}.",
            "Per il campo {field} i migliori incroci{scope}, a pari merito con voto medio {value}, sono {names}.",
            scope=" tra quelli mostrati",
            single="Per il campo {field} una sola casella è mostrata: {name} (voto medio {value}).",
            name=lambda key: sentence("{r} per l'esigenza {n}", r=key[0], n=key[1]),
            extra=lambda key, field=field, rows=rows: {
                "certainty": _certainty(rows.loc[key, "p_best"], contenders[(field, key[1])])
            },
            field=field,
            k=min_cell,
        )
        lines.append(
            line
            or sentence(
                "Per il campo {field} nessuna casella è mostrata: il miglior incrocio non è mostrato.",
                field=field,
                k=min_cell,
            )
        )
    return lines


def _certainty(p_best: float, contenders: int) -> Safe:
    """How sure the bootstrap is of the winner of its need; nothing to say when it had no shown rival."""
    if contenders < 2:
        return Safe(", l'unica fonte mostrata per questa esigenza")
    certainty = (
        "un primato netto" if p_best >= 0.9 else "un primato incerto" if p_best < 0.6 else "un primato probabile"
    )
    return sentence(
        ": per questa esigenza è " + certainty + ", la fonte resta la prima tra quelle mostrate {p} delle repliche "
        "bootstrap",
        p=fmt.in_share_of_draws(p_best),
    )


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
        Heatmaps and one sentence stating the rule; table ``consensus`` (what the heatmaps
        show: per cell the share of votes in the high band, 7-10 by default, and the consensus mark).
    """
    section = Section()
    if scores.cells.empty:
        return section
    everyone = scores.cells[scores.cells["group"] == "all"]
    section.tables["consensus"] = everyone[
        ["field", "resource", "need", "n", "share_high", "consensus", "suppressed"]
    ].reset_index(drop=True)
    rule = resolve_consensus_rule(config.CONSENSUS_RULE)
    if everyone["share_high"].isna().all():
        return section.add(
            paragraph("Il consenso non è mostrato: nessuna casella è mostrata, per tutelare la riservatezza.")
        )
    high = scores.bands[2]
    section.add(
        plots.heatmaps(
            everyone,
            "share_high",
            f"Quota di voti alti ({score_range(*high)}) e consenso – {scores.territory}",
            cmap="Greens",
            vmin=0,
            vmax=1,
            percent=True,
            annotate=False,
            marks="consensus",
            colorbar=f"Quota di voti {scores_phrase(*high)}",
        )
    )
    judged = everyone.dropna(subset=["consensus"])
    if len(judged):
        agreed = int(judged["consensus"].astype(bool).sum())
        section.add(paragraph(_consensus_sentence(agreed, len(judged), rule, bands=scores.bands)))
    return section


def _consensus_sentence(agreed: int, judged: int, rule, *, bands: Bands = DEFAULT_BANDS) -> str:
    """How many shown cells reach consensus, and the rule (a percent rule names the process's bands).

    >>> from palestre_analysis.stats.consensus import resolve_consensus_rule
    >>> _consensus_sentence(0, 66, resolve_consensus_rule("percent"))[:72]
    "Non c'è consenso in nessuna delle <strong>66</strong> caselle mostrate: "
    >>> _consensus_sentence(28, 66, resolve_consensus_rule("percent"))[:90]
    "C'è consenso (caselle con l'asterisco) in <strong>28</strong> delle <strong>66</strong> ca"
    >>> "stessa fascia (1-2, 3, 4-5)" in _consensus_sentence(1, 1, resolve_consensus_rule("percent"), bands=((1, 2), (3, 3), (4, 5)))
    True
    """
    rule_text = (
        f"almeno il {fmt.pct(rule.threshold)} dei voti nella stessa fascia ({bands_text(bands)})"
        if rule.kind == "percent"
        else f"scarto interquartile non superiore a {fmt.num(rule.threshold)}"
    )
    if agreed == 0:
        where = (
            "nell'unica casella mostrata"
            if judged == 1
            else sentence("in nessuna delle {t} caselle mostrate", t=fmt.integer(judged))
        )
        return sentence("Non c'è consenso {w}: la regola chiede {r}.", w=Safe(where), r=rule_text)
    if judged == 1:
        where = Safe("nell'unica casella mostrata")
    elif agreed == judged:
        where = sentence("in tutte le {t} caselle mostrate", t=fmt.integer(judged))
    else:
        where = sentence(
            "in {a} delle {t} caselle mostrate",
            a=fmt.integer(agreed),
            t=fmt.integer(judged),
        )
    return sentence(
        "C'è consenso (caselle con l'asterisco) {w}: la regola chiede {r}. Un asterisco su una casella chiara indica "
        "consenso su voti bassi o intermedi.",
        w=where,
        r=rule_text,
    )


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
    if scores.agreement["alpha_interval"].isna().all():
        return section.add(
            paragraph(
                "L'accordo tra i delegati non è mostrato: in nessun campo hanno votato almeno "
                f"{params.min_cell} delegati."
            )
        )
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
    reading = agreement_sentence(scores.agreement)
    if reading:
        section.add(paragraph(reading))
    return section


def agreement_sentence(agreement: pd.DataFrame) -> str | None:
    """One sentence reading Krippendorff's alpha against his thresholds (0,667 and 0,8), field by field.

    The alphas are read as printed (two decimals), and the sentence says which fields it
    covers: all of them, or only those shown when some are hidden.

    Parameters
    ----------
    agreement : DataFrame
        The agreement table, one row per field: ``alpha_interval``, NaN where hidden.

    Returns
    -------
    str or None
        Escaped HTML text, built with :func:`~palestre_analysis.report.display.sentence`;
        ``None`` when no alpha is shown.

    Examples
    --------
    >>> agreement_sentence(pd.DataFrame({"alpha_interval": [0.81, 0.9, 0.85]}))
    "L'accordo tra i delegati è alto in tutti i campi (alfa tra <strong>0,81</strong> e <strong>0,90</strong>)."
    >>> agreement_sentence(pd.DataFrame({"alpha_interval": [0.2799, None]}))[:86]
    "L'accordo tra i delegati è basso nell'unico campo mostrato (alfa <strong>0,28</strong>"
    """
    alpha = pd.to_numeric(agreement["alpha_interval"], errors="coerce")
    printed = alpha.map(lambda a: fmt.rounded(a, 2)).dropna()
    if printed.empty:
        return None
    low, high = printed < 0.667, printed >= 0.8
    if low.all():
        template = (
            "L'accordo tra i delegati è basso {where} ({values}, sotto il minimo di 0,667 indicato da Krippendorff): "
            "i voti medi sintetizzano opinioni diverse, non un giudizio condiviso."
        )
    elif high.all():
        template = "L'accordo tra i delegati è alto {where} ({values})."
    elif not (low | high).any():
        template = (
            "L'accordo tra i delegati basta per conclusioni provvisorie {where} ({values}: almeno 0,667, ma sotto "
            "lo 0,8 che Krippendorff chiede per conclusioni solide)."
        )
    else:
        across = "tra i campi mostrati" if len(printed) < len(alpha) else "da campo a campo"
        template = f"L'accordo tra i delegati varia {across} ({{values}})" + (
            ": dove è sotto 0,667, i voti medi sintetizzano opinioni diverse." if low.any() else "."
        )
    return claims.span(alpha, 2, template)


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
    named = group_phrases(params.process)
    first, second = group_keys(params.process)
    labels = {g.key: g.label for g in params.process.groups}
    difference = _difference(scores, first, second)
    if difference["difference"].notna().any():
        section.add(
            plots.heatmaps(
                difference,
                "difference",
                f"Differenza tra i gruppi (delegati {named[first]} meno delegati {named[second]}) – {scores.territory}",
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
                f"n_{first}": labels[first],
                f"n_{second}": labels[second],
                "cliffs_delta": "Delta di Cliff",
                "p": "p",
                "p_bh": "p corretto (BH)",
            },
            f"{_widest_caption(len(ranked))} – {scores.territory}",
            formats={"cliffs_delta": lambda d: fmt.num(d, 2), "p": fmt.pvalue, "p_bh": fmt.pvalue},
            min_cell=params.min_cell,
            note=f"Delta di Cliff: quanto è più probabile che un voto dei delegati {named[first]} superi un voto dei "
            f"delegati {named[second]} che il contrario (da -1 a 1; positivo: i delegati {named[first]} danno voti più "
            "alti). Test di Mann-Whitney a due code; il "
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


def _difference(scores: Scores, first: str, second: str) -> pd.DataFrame:
    cells = scores.cells.pivot_table(
        index=["field", "resource", "need"], columns="group", values="mean", aggfunc="first", dropna=False
    )
    comparison = scores.comparison.set_index(["field", "resource", "need"])
    table = pd.DataFrame(
        {
            "difference": cells.get(first) - cells.get(second),
            "significant": comparison["p_bh"] < _SIGNIFICANT,
            "suppressed": comparison["suppressed"],
        }
    ).reset_index()
    return table


def _group_sentences(ranked: pd.DataFrame, comparison: pd.DataFrame, params: Parameters) -> list[str]:
    named = group_phrases(params.process)
    first, second = group_keys(params.process)
    tested = comparison.dropna(subset=["p_bh"])
    if tested.empty:
        return [
            sentence(
                "Il confronto tra i gruppi non è mostrato: in nessuna casella si possono mostrare i voti di "
                "entrambi i gruppi (ognuno deve avere almeno {k} delegati che l'hanno votata, senza che i conteggi "
                "nascosti si possano ricavare dagli altri).",
                k=params.min_cell,
            )
        ]
    significant = int((tested["p_bh"] < _SIGNIFICANT).sum())
    cells = claims.count_of(significant, len(tested), "casella", "caselle")
    lines = [
        sentence(
            "Dopo la correzione per i confronti multipli, i due gruppi "
            + ("non differiscono in {c} confrontate." if significant == 0 else "differiscono in {c}."),
            c=cells,
        )
    ]
    deltas = comparison.set_index(["field", "resource", "need"])["cliffs_delta"]
    widest = claims.best(
        deltas.abs(),
        2,
        "La distanza più ampia{scope} riguarda {name}: i voti più alti vengono dai delegati {who} (delta di Cliff "
        "{d}).",
        "Le distanze più ampie{scope}, a pari merito con un delta di Cliff di {value} in valore assoluto, riguardano "
        "{names}.",
        scope=" tra le caselle confrontate",
        name=lambda key: sentence("{r} per l'esigenza {n} nel campo {f}", f=key[0], r=key[1], n=key[2]),
        extra=lambda key: {
            "who": named[first if deltas[key] > 0 else second],
            "d": fmt.num(deltas[key], 2),
        },
    )
    return lines + ([widest] if widest else [])


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
    if scores.resources["share_high"].isna().all():
        return section.add(
            paragraph(
                "La distribuzione dei voti non è mostrata: nessuna casella è mostrata, per tutelare la riservatezza."
            )
        )
    ordered = scores.resources.sort_values("share_high", ascending=False, na_position="last")
    section.add(
        plots.diverging_bars(
            ordered, f"Come si distribuiscono i voti per fonte di risorse – {scores.territory}", bands=scores.bands
        )
    )
    extremes = _extremes(scores.resources["share_high"], scores.resources["resource"], scores.bands[2])
    if extremes:
        section.add(paragraph(extremes))
    return section


def _extremes(share_high: pd.Series, resource: pd.Series, high_band: tuple[int, int] = DEFAULT_BANDS[2]) -> str | None:
    """The resources with the largest and the smallest share of high votes (``high_band``), as far as the shown shares tell."""
    shares = pd.Series(share_high.to_numpy(), index=resource.to_numpy())
    high = f"voti {scores_phrase(*high_band)}"
    if shares.notna().sum() > 1 and claims.leaders(shares, fmt.pct)[shares.notna()].all():
        return sentence(
            "Sulle caselle mostrate, le fonti hanno la stessa quota di " + high + " ({v}).",
            v=fmt.pct(shares.max()),
        )
    most = claims.best(
        shares,
        fmt.pct,
        "Sulle caselle mostrate, la fonte con più voti alti{scope} è {name} ({value} di " + high + ")",
        "Sulle caselle mostrate, le fonti con più voti alti{scope} sono {names} ({value} di " + high + " ciascuna)",
        scope=" tra quelle mostrate",
    )
    least = claims.best(
        shares,
        fmt.pct,
        "; quella con meno{scope} è {name} ({value}).",
        "; quelle con meno{scope} sono {names} ({value} ciascuna).",
        scope=" tra quelle mostrate",
        lowest=True,
    )
    if most is None:
        return None
    return Safe(most + (least or "."))
