"""Phase 2 sections: how well each source of resources fits each need, per field of activity.

:func:`compute` computes every statistic once; each section function then takes the
resulting :class:`Scores` and the checked notebook parameters and returns a
:class:`~palestre_analysis.report.section.Section`, empty when fewer than ``min_cell``
entities or delegates would be behind it (only :func:`overview` speaks, to say why).
"""

from __future__ import annotations

import dataclasses
import html
from dataclasses import dataclass

import pandas as pd

from palestre_analysis import config, stats
from palestre_analysis.core.process import Process
from palestre_analysis.ingest.processed import Processed
from palestre_analysis.report import claims, places, plots, sensitivity
from palestre_analysis.report import formatting as fmt
from palestre_analysis.report.display import NO_TEXT, Safe, bullets, paragraph, plain, sentence, table_html
from palestre_analysis.report.groups import keys as group_keys
from palestre_analysis.report.groups import phrases as group_phrases
from palestre_analysis.report.parameters import Parameters
from palestre_analysis.report.protection import guard
from palestre_analysis.report.protection import places as place_guards
from palestre_analysis.report.scale import bands_of, bands_text, scale_range, score_range, scores_phrase
from palestre_analysis.report.section import Section, figure_ref, table_ref, too_small, unless_small
from palestre_analysis.stats.consensus import RWG_COLUMNS, cell_rwg, resolve_consensus_rule, rwg_level
from palestre_analysis.stats.reliability import RELIABILITY_COLUMNS
from palestre_analysis.stats.reliability import reliability as field_reliability
from palestre_analysis.stats.scales import DEFAULT_BANDS, Bands
from palestre_analysis.stats.votes import CELL_COLUMNS

__all__ = [
    "Scores",
    "compute",
    "agreement_sentence",
    "reliability_sentence",
    "overview",
    "means",
    "best",
    "consensus",
    "agreement",
    "groups",
    "distributions",
]

_SIGNIFICANT = 0.05
#: Delegate-bootstrap replicates of the reliability coefficients and of r_wg (percentile intervals).
_RELIABILITY_DRAWS = 1000
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
        Resources ranked per field and need (on the shown cells), with the delegate bootstrap's
        share of replicates in which each is the best, the simultaneous 95% intervals of the
        ranks and the 95% confidence set of the best resource (``in_best_set``, ``best_set_size``).
    agreement : DataFrame
        Krippendorff's alpha per field.
    comparison : DataFrame
        The two groups compared per resource, plus the overall shift (``resource = "all"``): the
        mixed model's gap and interaction and Cliff's delta, with their intervals; in a
        province also the gaps pooled with the other provinces'
        (:meth:`~palestre_analysis.report.protection.Guard.group_comparison`,
        :func:`~palestre_analysis.stats.groups.pool_gaps`).
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
    sensitivity : DataFrame, default empty
        How the headline results change with the disclosure threshold, the consensus rule,
        the treatment of votes and the mean (:func:`palestre_analysis.report.sensitivity.table`).
    reliability : DataFrame, default empty
        Per field, over the shown cells: variance components, ICC(A,1) and ICC(A,k) with their
        intervals and the D study (:func:`palestre_analysis.stats.reliability`), protected like
        ``agreement``.
    rwg : DataFrame, default empty
        Per shown cell: r_wg with its interval and its level (:func:`palestre_analysis.stats.cell_rwg`).
    group_cells : DataFrame, default empty
        The groups compared cell by cell where both are shown: Cliff's delta, Mann-Whitney, and
        the Benjamini-Hochberg p over the cells whose test can reach significance (Tarone's screen).
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
    sensitivity: pd.DataFrame = dataclasses.field(default_factory=pd.DataFrame)
    reliability: pd.DataFrame = dataclasses.field(default_factory=pd.DataFrame)
    rwg: pd.DataFrame = dataclasses.field(default_factory=pd.DataFrame)
    group_cells: pd.DataFrame = dataclasses.field(default_factory=pd.DataFrame)

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
            shown,
            n_boot=config.BEST_CROSSING_DRAWS,
            seed=params.seed,
            min_cell=params.min_cell,
            scale=scale,
            confidence=_CONFIDENCE,
        )
        if len(shown)
        else None
    )
    cells = stats.cell_stats(
        votes, min_cell=params.min_cell, high_score=process.high_score, scale=scale, bands=bands, groups=process.groups
    )
    cells = sensitivity.with_adjusted_means(protect.cells(cells), shown, voters, process, params.min_cell)
    agreement, reliability, rwg = _agreement_tables(protect, votes, shown, params, scale)
    comparison, group_cells = _group_comparison(data, params, protect, votes)
    return Scores(
        votes=votes,
        cells=cells,
        best=protect.best(votes, best),
        agreement=agreement,
        comparison=comparison,
        resources=protect.resources(votes),
        territory=data.territory,
        voters=voters,
        all_cells_shown=protect.hidden_cells().empty,
        process=process,
        sensitivity=sensitivity.table(cells, shown, process, params.min_cell),
        reliability=reliability,
        rwg=rwg,
        group_cells=group_cells,
    )


def _agreement_tables(protect, votes: pd.DataFrame, shown: pd.DataFrame, params: Parameters, scale) -> tuple:
    """Alpha, reliability (per field) and r_wg (per cell), computed on the shown cells' votes only.

    A statistic over every cell of a field, next to the shown cells' own, would let a reader
    rebuild a hidden cell; so every field statistic is taken over the shown cells, and a
    field keeps its row (blank) when none of its cells is shown.
    """
    fields = sorted(pd.unique(votes["field"]))
    options = {"seed": params.seed, "min_cell": params.min_cell, "scale": scale}
    if len(shown):
        alpha = stats.agreement(shown, **options)
        reliability = field_reliability(shown, n_boot=_RELIABILITY_DRAWS, **options)
        rwg = cell_rwg(shown, n_boot=_RELIABILITY_DRAWS, **options)
    else:  # no cell shown: every field a blank row, no cell a value

        def empty(*numbers: str) -> pd.DataFrame:
            return pd.DataFrame({"field": pd.Series(dtype=object), **{c: pd.Series(dtype=float) for c in numbers}})

        alpha = empty("alpha_interval", "alpha_ordinal", "ci_low", "ci_high", "n_raters", "n_units")
        reliability = empty(*RELIABILITY_COLUMNS, "n_raters", "n_units")
        rwg = pd.DataFrame(columns=[*CELL_COLUMNS, "n", *RWG_COLUMNS])
    return protect.agreement(alpha, fields), protect.reliability(reliability, fields), rwg


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
        Heatmaps, one sentence on the shown cells and one on how far the leniency-adjusted
        means are from the raw ones; table ``cells`` (with ``mean_adjusted`` and
        ``mean_poststratified`` on its ``all`` rows).
    """
    section = Section(tables={"cells": scores.cells})
    if scores.cells.empty:
        return section
    everyone = scores.cells[scores.cells["group"] == "all"]
    if everyone["mean"].notna().any():  # a map of hidden cells only would draw nothing
        section.add_figure(
            plots.heatmaps(
                everyone,
                "mean",
                f"Voto medio per fonte di risorse ed esigenza – {scores.territory}",
                vmin=scores.scale[0],
                vmax=scores.scale[1],
                colorbar=f"Voto medio ({scale_range(scores.scale)})",
            ),
            _means_finding(everyone),
        )
    shown = int(everyone["mean"].notna().sum())
    section.add(paragraph(_shown_cells(shown, len(everyone), params.min_cell, figure_ref() if shown else Safe(""))))
    adjusted = sensitivity.adjusted_sentence(scores.cells, scores.sensitivity)
    if adjusted:
        section.add(paragraph(adjusted))
    return section


def _means_finding(cells: pd.DataFrame) -> str:
    """The heatmaps' main finding: the highest and the lowest mean shown, as printed (one decimal), and where.

    >>> cells = pd.DataFrame({"field": ["Sport"] * 3, "resource": ["Bandi", "Quote", "Donazioni"],
    ...                       "need": ["Sedi"] * 3, "mean": [8.04, 3.96, None]})
    >>> _means_finding(cells)
    "Tra le caselle mostrate, il voto medio più alto è 8,0 (Bandi per l'esigenza Sedi nel campo Sport), il più basso 4,0 (Quote per l'esigenza Sedi nel campo Sport)."
    """
    shown = cells[cells["mean"].notna()]
    printed = shown["mean"].map(lambda m: fmt.rounded(m, _MEAN_DECIMALS))
    scope = "Tra le caselle mostrate, il" if len(shown) < len(cells) else "Il"

    def where(value: float) -> Safe:
        found = shown[printed == value]
        if len(found) > 1:
            return sentence("in {c}", c=fmt.plural(len(found), "casella", "caselle"))
        row = found.iloc[0]
        return sentence("{r} per l'esigenza {n} nel campo {f}", r=row["resource"], n=row["need"], f=row["field"])

    high, low = printed.max(), printed.min()
    if len(shown) == 1:
        return plain(sentence("Una sola casella è mostrata: {w}, con voto medio {m}.", w=where(high), m=fmt.num(high)))
    if high == low:
        return plain(sentence("Ogni casella mostrata ha voto medio {m}.", m=fmt.num(high, _MEAN_DECIMALS)))
    return plain(
        sentence(
            scope + " voto medio più alto è {h} ({wh}), il più basso {l} ({wl}).",
            h=fmt.num(high, _MEAN_DECIMALS),
            wh=where(high),
            l=fmt.num(low, _MEAN_DECIMALS),
            wl=where(low),
        )
    )


def _shown_cells(shown: int, total: int, min_cell: int, figure: Safe = NO_TEXT) -> str:
    """How many cells of the heatmaps show their mean (in ``figure``, a reference), and why the others do not.

    >>> _shown_cells(0, 240, 5)
    "Nessuna delle <strong>240</strong> caselle è mostrata: per tutelare la riservatezza dei delegati, il voto medio di una casella compare solo se l'hanno votata almeno <strong>5</strong> delegati e se i conteggi nascosti non si possono ricavare dagli altri."
    >>> _shown_cells(240, 240, 5)[:66]
    'Ogni casella mostrata riporta il voto medio; il titolo di ogni riq'
    >>> _shown_cells(240, 240, 5, Safe("figura 6"))[:40]
    'Nella figura 6 ogni casella mostrata rip'
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
        ("Nella " + figure + " ogni" if figure else "Ogni")
        + " casella mostrata riporta il voto medio; il titolo di ogni riquadro dice quanti delegati hanno votato "
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
    """Best crossings: per field and need the resources ranked, which of them may be the best, and how often each is.

    Parameters
    ----------
    scores : Scores
        The phase-2 statistics of one territory (:func:`compute`).
    params : Parameters
        The checked notebook parameters.

    Returns
    -------
    Section
        Heatmaps (the share of replicates in which each resource comes out first, the
        confidence set of the best marked), table and one sentence per field; table
        ``best_crossing``.
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
    plausible = scores.best["in_best_set"].fillna(False).astype(bool) & (contenders > 1)
    section.add_figure(
        plots.heatmaps(
            scores.best.assign(plausible=plausible),
            "p_best",
            f"Quanto spesso ogni fonte risulta la migliore, e quali potrebbero esserlo (*) – {scores.territory}",
            cmap="Blues",
            vmin=0,
            vmax=1,
            percent=True,
            annotate=False,
            marks="plausible",
            colorbar="Quota delle repliche bootstrap in cui è la prima",
        ),
        _best_finding(scores.best.assign(plausible=plausible), contenders),
    )
    top = scores.best[lead].assign(others=[_others(scores.best, row) for _, row in scores.best[lead].iterrows()])
    level = fmt.pct(_CONFIDENCE)
    section.add(
        table_html(
            top,
            {
                "field": "Campo",
                "need": "Esigenza",
                "resource": "Fonte con il voto medio più alto tra quelle mostrate",
                "mean": "Voto medio",
                "best_set_size": f"Quante fonti potrebbero essere la prima (confidenza {level})",
                "others": "Potrebbero esserlo anche",
                "p_best": "Repliche in cui è la migliore",
                "n": "Delegati",
            },
            f"Il miglior incrocio per ogni campo ed esigenza – {scores.territory}",
            formats={"mean": lambda m: fmt.num(m, _MEAN_DECIMALS), "p_best": fmt.share_of_draws},
            min_cell=params.min_cell,
            note=f"In {fmt.integer(config.BEST_CROSSING_DRAWS)} repliche bootstrap le medie sono ricalcolate su "
            "delegati ricampionati: ogni delegato estratto porta con sé tutti i suoi voti, e ogni gruppo mantiene il "
            "suo numero di delegati. La colonna delle repliche dice in quale quota la fonte resta la prima; da sola "
            "esagera la sicurezza del primato quando due fonti sono quasi alla pari. Per questo la tabella dà anche "
            f"l'insieme di confidenza al {level} della fonte migliore (Mogstad, Romano, Shaikh e Wilhelm 2024): le "
            "fonti che nessun'altra supera in modo netto, tenuto conto del caso, e che quindi potrebbero essere la "
            "prima. Il primato è netto solo quando l'insieme ha una sola fonte; nella "
            + figure_ref()
            + " l'asterisco segna le "
            "fonti dell'insieme. Due righe per lo stesso campo ed esigenza: primato a pari merito, al decimale mostrato. Una "
            f"fonte votata da meno di {params.min_cell} delegati ha la media nascosta e non entra nel confronto: il "
            "primato e l'insieme valgono tra le fonti mostrate, e un campo ed esigenza con una sola fonte mostrata non è "
            "in tabella.",
        )
    )
    section.add(bullets(_best_sentences(scores.best, params.min_cell)))
    return section


#: Level of the confidence set of the best resource (``stats.best_crossing``'s default).
_CONFIDENCE = 0.95


def _best_finding(table: pd.DataFrame, contenders: pd.Series) -> str:
    """The heatmaps' main finding: in how many contests (field and need) one resource alone may be the best.

    ``table`` has the boolean ``plausible`` (the asterisks), ``contenders`` the shown
    resources of each row's contest.

    >>> table = pd.DataFrame({"field": ["Sport"] * 4, "need": ["Sedi", "Sedi", "Persone", "Persone"],
    ...                       "plausible": [True, False, True, True]})
    >>> print(_best_finding(table, pd.Series([2, 2, 2, 2])))
    In 1 delle 2 combinazioni di campo ed esigenza confrontate una sola fonte può essere la migliore (un solo asterisco); nelle altre più fonti potrebbero esserlo.
    """
    compared = table[(contenders > 1).to_numpy()]
    sizes = compared.groupby(["field", "need"], sort=False)["plausible"].sum()
    contests, clear = len(sizes), int((sizes == 1).sum())
    if contests == 0:
        return "Nessuna combinazione di campo ed esigenza ha più di una fonte mostrata: le fonti non si confrontano."
    if contests == 1:
        return "Nell'unica combinazione di campo ed esigenza confrontata " + (
            "una sola fonte può essere la migliore (un solo asterisco)."
            if clear
            else "più fonti potrebbero essere la migliore."
        )
    if clear == contests:
        return plain(
            sentence(
                "In tutte le {n} combinazioni di campo ed esigenza confrontate una sola fonte può essere la migliore "
                "(un solo asterisco).",
                n=fmt.integer(contests),
            )
        )
    if clear == 0:
        return plain(
            sentence(
                "In nessuna delle {n} combinazioni di campo ed esigenza confrontate il primato è netto: in ognuna più "
                "fonti potrebbero essere la migliore (più asterischi).",
                n=fmt.integer(contests),
            )
        )
    return plain(
        sentence(
            "In {k} delle {n} combinazioni di campo ed esigenza confrontate una sola fonte può essere la migliore (un "
            "solo asterisco); nelle altre più fonti potrebbero esserlo.",
            k=fmt.integer(clear),
            n=fmt.integer(contests),
        )
    )


def _others(table: pd.DataFrame, row: pd.Series) -> str:
    """The other resources of ``row``'s field and need that may also be the best, or «nessuna»."""
    contest = table[(table["field"] == row["field"]) & (table["need"] == row["need"])]
    names = contest.loc[contest["in_best_set"].fillna(False).astype(bool), "resource"]
    names = [str(n) for n in names if n != row["resource"]]
    return ", ".join(names) if names else "nessuna"


def _leaders_by_contest(table: pd.DataFrame) -> pd.Series:
    """Per field and need, the resources whose mean prints like the highest (ties at the decimal shown).

    The leaders are always in the contest's confidence set of the best (``in_best_set``),
    which may hold other resources as well.
    """
    lead = pd.Series(False, index=table.index)
    for _, part in table.groupby(["field", "need"], sort=False):
        lead[part.index] = claims.leaders(part["mean"], _MEAN_DECIMALS).to_numpy()
    return lead


def _best_sentences(table: pd.DataFrame, min_cell: int) -> list[str]:
    """Per field, the best crossing over every need and resource, as far as the shown means tell.

    A single winner is followed by how sure its need's contest is (:func:`_certainty`).
    """
    lines = []
    for field, part in table.groupby("field", sort=False):
        means = part.set_index(["resource", "need"])["mean"]
        line = claims.best(
            means,
            _MEAN_DECIMALS,
            "Per il campo {field} il miglior incrocio{scope} è {name} (voto medio {value}){certainty}.",
            "Per il campo {field} i migliori incroci{scope}, a pari merito con voto medio {value}, sono {names}.",
            scope=" tra quelli mostrati",
            single="Per il campo {field} una sola casella è mostrata: {name} (voto medio {value}).",
            name=lambda key: sentence("{r} per l'esigenza {n}", r=key[0], n=key[1]),
            extra=lambda key, part=part: {"certainty": _certainty(part[part["need"] == key[1]], key[0])},
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


def _certainty(contest: pd.DataFrame, resource: str) -> Safe:
    """How sure the winner of its need is: the confidence set of the best, and its share of replicates beside.

    «Primato netto» only when the set holds the winner alone; otherwise the other resources
    that may be the best are named. The set is among the shown resources: a hidden
    competitor makes the claim hold «tra le fonti mostrate».

    >>> contest = pd.DataFrame({"resource": ["A", "B", "C"], "mean": [8.1, 7.9, None],
    ...                         "in_best_set": [True, True, None], "p_best": [0.8, 0.2, None]})
    >>> _certainty(contest, "A")
    ': per questa esigenza è un primato incerto: anche <strong>B</strong> potrebbe essere la prima tra le fonti mostrate (insieme di confidenza al 95%; la fonte resta la prima <strong>nell&#x27;80%</strong> delle repliche bootstrap)'
    >>> _certainty(contest.assign(in_best_set=[True, False, None], p_best=[0.99, 0.01, None]).iloc[:2], "A")[:93]
    ": per questa esigenza è un primato netto: con una confidenza del 95%, nessun'altra fonte potr"
    >>> _certainty(contest.iloc[:1], "A")
    ", l'unica fonte mostrata per questa esigenza"
    """
    shown = contest[contest["mean"].notna()]
    if len(shown) < 2:
        return Safe(", l'unica fonte mostrata per questa esigenza")
    winner = shown[shown["resource"] == resource].iloc[0]
    member = shown["in_best_set"].fillna(False).astype(bool)
    others = shown.loc[member & (shown["resource"] != resource), "resource"].tolist()
    hidden = len(shown) < len(contest)
    level = fmt.pct(_CONFIDENCE)
    share = fmt.in_share_of_draws(winner["p_best"])
    if not others:
        return sentence(
            ": per questa esigenza è un primato netto"
            + (" tra le fonti mostrate" if hidden else "")
            + ": con una confidenza del {c}, nessun'altra fonte"
            + (" mostrata" if hidden else "")
            + " potrebbe essere la prima (la fonte resta la prima {p} delle repliche bootstrap)",
            c=Safe(level),
            p=share,
        )
    return sentence(
        ": per questa esigenza è un primato incerto: "
        + (
            "anche {names} potrebbe essere la prima"
            if len(others) == 1
            else "potrebbe essere la prima anche una tra {names}"
        )
        + (" tra le fonti mostrate" if hidden else "")
        + " (insieme di confidenza al {c}; la fonte resta la prima {p} delle repliche bootstrap)",
        names=_joined([sentence("{x}", x=o) for o in others]),
        c=Safe(level),
        p=share,
    )


def _joined(names: list[Safe]) -> Safe:
    """``A``, ``A e B``, ``A, B e C`` (each name already escaped).

    >>> _joined([Safe("A")]), _joined([Safe("A"), Safe("B"), Safe("C")])
    ('A', 'A, B e C')
    """
    return names[0] if len(names) == 1 else Safe(", ".join(names[:-1]) + " e " + names[-1])


@unless_small
def consensus(scores: Scores, params: Parameters) -> Section:
    """Where delegates agree: r_wg cell by cell, and the process's band rule with its limits.

    Parameters
    ----------
    scores : Scores
        The phase-2 statistics of one territory (:func:`compute`).
    params : Parameters
        The checked notebook parameters.

    Returns
    -------
    Section
        Heatmaps of r_wg and two paragraphs (r_wg, then the band rule); table ``consensus``:
        per cell ``n``, the share of votes in the high band (7-10 by default), the band
        rule's verdict ``consensus``, ``rwg`` with ``rwg_low`` and ``rwg_high`` (95%
        delegate-bootstrap interval) and ``rwg_level`` (LeBreton & Senter 2008).
    """
    section = Section()
    if scores.cells.empty:
        return section
    everyone = scores.cells[scores.cells["group"] == "all"]
    table = everyone[["field", "resource", "need", "n", "share_high", "consensus", "suppressed"]].reset_index(drop=True)
    table = _with_rwg(table, scores.rwg)
    section.tables["consensus"] = table
    rule = resolve_consensus_rule(config.CONSENSUS_RULE)
    if table["share_high"].isna().all():
        return section.add(
            paragraph("Il consenso non è mostrato: nessuna casella è mostrata, per tutelare la riservatezza.")
        )
    if table["rwg"].notna().any():
        section.add_figure(
            plots.heatmaps(
                table,
                "rwg",
                f"Accordo tra i delegati in ogni casella (r_wg) – {scores.territory}",
                cmap="Greens",
                vmin=0,
                vmax=1,
                decimals=2,
                colorbar="r_wg: 0 = voti sparsi come a caso, 1 = tutti uguali",
            ),
            plain(_rwg_where(table["rwg"])),
        )
        section.add(paragraph(_rwg_sentence(table["rwg"], scores.scale, figure_ref())))
    judged = table.dropna(subset=["consensus"])
    if len(judged):
        agreed = int(judged["consensus"].astype(bool).sum())
        section.add(paragraph(_consensus_sentence(agreed, len(judged), rule, bands=scores.bands)))
    return section


def _with_rwg(cells: pd.DataFrame, rwg: pd.DataFrame) -> pd.DataFrame:
    """The ``all`` cells with their r_wg columns (computed on the shown cells), blank where a cell is hidden."""
    keys = list(CELL_COLUMNS)
    if rwg is None or rwg.empty:
        rwg = pd.DataFrame(columns=[*keys, *RWG_COLUMNS])
    table = cells.merge(rwg[[*keys, *RWG_COLUMNS]], on=keys, how="left")
    for column in RWG_COLUMNS[:-1]:
        table[column] = pd.to_numeric(table[column], errors="coerce").astype(float)
    hidden = table["suppressed"].astype(bool) | table["share_high"].isna()
    table.loc[hidden, list(RWG_COLUMNS)] = None
    return table[[*keys, "n", "share_high", "consensus", *RWG_COLUMNS, "suppressed"]]


#: LeBreton & Senter's (2008) levels of r_wg, in Italian.
_RWG_WORDS = {
    "lack": "nessun accordo",
    "weak": "accordo debole",
    "moderate": "accordo moderato",
    "strong": "accordo forte",
    "very_strong": "accordo molto forte",
}
#: How :func:`claims.span` says where a range of cells holds.
_CELL_SCOPES = {
    "every": "in tutte le caselle",
    "both": "in entrambe le caselle",
    "one": "nell'unica casella",
    "shown": "nelle {n} caselle mostrate",
    "both_shown": "in entrambe le caselle mostrate",
    "one_shown": "nell'unica casella mostrata",
}


def _rwg_sentence(rwg: pd.Series, scale: tuple[int, int] = (1, 10), figure: Safe = NO_TEXT) -> str:
    """What r_wg is on the process's scale (``figure``: a reference to the map), where its values lie, their median's level.

    >>> import html, re
    >>> text = _rwg_sentence(pd.Series([0.62, 0.7049, float("nan"), 0.81]))
    >>> plain = html.unescape(re.sub(r"<[^>]+>", "", text))
    >>> plain[plain.index("Nelle"):]
    'Nelle 3 caselle mostrate r_wg è tra 0,62 e 0,81, con mediana 0,70: accordo moderato secondo LeBreton e Senter (2008). Il suo valore atteso non dipende dal numero dei delegati (vicino agli estremi della scala, dove i voti hanno meno spazio per disperdersi, tende a salire): i valori si confrontano tra caselle e territori guardando gli intervalli, più larghi dove i delegati sono pochi.'
    """
    values = pd.to_numeric(rwg, errors="coerce").astype(float)
    what = sentence(
        "L'accordo dentro ogni casella{see} è misurato con r_wg (James, Demaree e Wolf 1984), che confronta la varianza "
        "dei voti della casella con quella di voti dati a caso sui {a} valori della scala ({range}): vale 1 se tutti "
        "i delegati danno lo stesso voto, 0 se i voti sono sparsi quanto voti dati a caso, meno di 0 se lo sono di "
        "più (voti polarizzati).",
        a=Safe(str(int(scale[1] - scale[0] + 1))),
        range=Safe(scale_range(scale)),
        see=Safe(f" ({figure})") if figure else Safe(""),
    )
    where = _rwg_where(values)
    if where is None:
        return what
    return Safe(
        what
        + " "
        + where
        + " Il suo valore atteso non dipende dal numero dei delegati (vicino agli estremi della scala, dove i voti "
        "hanno meno spazio per disperdersi, tende a salire): i valori si confrontano tra caselle e territori guardando "
        "gli intervalli, più larghi dove i delegati sono pochi."
    )


def _rwg_where(rwg: pd.Series) -> Safe | None:
    """Where r_wg lies over the shown cells, and its median's level (LeBreton and Senter); ``None`` with no cell shown.

    >>> plain(_rwg_where(pd.Series([0.62, 0.7049, float("nan"), 0.81])))
    'Nelle 3 caselle mostrate r_wg è tra 0,62 e 0,81, con mediana 0,70: accordo moderato secondo LeBreton e Senter (2008).'
    """
    values = pd.to_numeric(rwg, errors="coerce").astype(float)
    shown = values.dropna()
    if shown.empty:
        return None
    scopes = _capital(_CELL_SCOPES)
    if len(shown) <= 2:  # a median of one or two values says nothing more
        return claims.span(values, 2, "{where} r_wg è{values}.", symbol="", scopes=scopes)
    median = float(shown.median())
    return claims.span(
        values,
        2,
        "{where} r_wg è{values}, con mediana {m}: {level} secondo LeBreton e Senter (2008).",
        symbol="",
        scopes=scopes,
        m=fmt.num(median, 2),
        level=Safe(_RWG_WORDS[rwg_level([median])[0]]),
    )


def _capital(scopes: dict) -> dict:
    """The scopes written at the start of a sentence: ``Nelle 3 caselle mostrate``."""
    return {key: text[0].upper() + text[1:] for key, text in scopes.items()}


def _consensus_sentence(agreed: int, judged: int, rule, *, bands: Bands = DEFAULT_BANDS) -> str:
    """How many shown cells pass the process's band rule, and why that count is not compared across territories.

    >>> from palestre_analysis.stats.consensus import resolve_consensus_rule
    >>> import html, re
    >>> plain = lambda text: html.unescape(re.sub(r"<[^>]+>", "", text))
    >>> plain(_consensus_sentence(0, 66, resolve_consensus_rule("percent")))[:139]
    "Con la regola delle fasce del processo, che chiede almeno il 75% dei voti nella stessa fascia (1-4, 5-6, 7-10), non c'è consenso in nessuna"
    >>> plain(_consensus_sentence(28, 66, resolve_consensus_rule("percent")))[112:156]
    "c'è consenso in 28 delle 66 caselle mostrate"
    >>> "stessa fascia (1-2, 3, 4-5)" in _consensus_sentence(1, 1, resolve_consensus_rule("percent"), bands=((1, 2), (3, 3), (4, 5)))
    True
    """
    if rule.kind == "percent":
        rule_text = f"almeno il {fmt.pct(rule.threshold)} dei voti nella stessa fascia ({bands_text(bands)})"
        opening = "Con la regola delle fasce del processo, che chiede {r},"
    else:
        rule_text = f"uno scarto interquartile non superiore a {fmt.num(rule.threshold)}"
        opening = "Con la regola del processo, che chiede {r},"
    if agreed == 0:
        where = (
            "nell'unica casella mostrata"
            if judged == 1
            else sentence("in nessuna delle {t} caselle mostrate", t=fmt.integer(judged))
        )
        verdict = sentence(opening + " non c'è consenso {w}.", w=Safe(where), r=rule_text)
    else:
        if judged == 1:
            where = Safe("nell'unica casella mostrata")
        elif agreed == judged:
            where = sentence("in tutte le {t} caselle mostrate", t=fmt.integer(judged))
        else:
            where = sentence("in {a} delle {t} caselle mostrate", a=fmt.integer(agreed), t=fmt.integer(judged))
        verdict = sentence(opening + " c'è consenso {w}.", w=where, r=rule_text)
    widths = [last - first + 1 for first, last in bands]
    narrow = rule.kind == "percent" and 0 < widths[1] < min(widths[0], widths[2])
    middle = (
        sentence(
            ", e la fascia intermedia ({m}), più stretta delle altre, a parità di dispersione dei voti la raggiunge "
            "più di rado",
            m=score_range(*bands[1]),
        )
        if narrow
        else Safe("")
    )
    caveat = sentence(
        " Quanto spesso una regola così trova consenso dipende dal numero dei delegati, anche a parità di "
        "opinioni{middle}: il numero di caselle con consenso non va confrontato tra territori con numeri di "
        "delegati diversi.",
        middle=middle,
    )
    return Safe(verdict + caveat)


@unless_small
def agreement(scores: Scores, params: Parameters) -> Section:
    """How far one delegate's scores, and the cell means, can be trusted: ICC(A,1), ICC(A,k), the D study, alpha.

    Parameters
    ----------
    scores : Scores
        The phase-2 statistics of one territory (:func:`compute`).
    params : Parameters
        The checked notebook parameters.

    Returns
    -------
    Section
        Chart, table and sentences; table ``agreement``: per field Krippendorff's alpha
        (interval and ordinal, with Krippendorff's bootstrap interval), the variance
        components, ICC(A,1) and ICC(A,k) with their delegate-bootstrap intervals, ``k``
        (delegates per cell), ``k_target`` (delegates per cell for a reliability of 0.8) and
        ``leniency_share``, all over the shown cells.
    """
    table = _agreement_table(scores)
    section = Section(tables={"agreement": table})
    if table.empty:
        return section
    if table["alpha_interval"].isna().all() and table["icc_a1"].isna().all():
        return section.add(
            paragraph(
                sentence(
                    "L'accordo tra i delegati non è mostrato: in nessun campo c'è una casella mostrata (votata da "
                    "almeno {k} delegati).",
                    k=params.min_cell,
                )
            )
        )
    section.add_figure(
        plots.agreement_chart(table, f"Affidabilità e accordo per campo – {scores.territory}"),
        plain(reliability_sentence(table, brief=True) or agreement_sentence(table)),
    )
    shown = table.assign(
        icc_a1_ci=_intervals(table, "icc_a1"),
        icc_ak_ci=_intervals(table, "icc_ak"),
        alpha_ci=_intervals(table, "alpha_interval", "ci_low", "ci_high"),
    )
    two = lambda x: fmt.num(x, 2)  # noqa: E731
    section.add(
        table_html(
            shown,
            {
                "field": "Campo",
                "n_raters": "Delegati",
                "k": "Delegati per casella",
                "icc_a1": "ICC(A,1)",
                "icc_a1_ci": "IC 95%",
                "icc_ak": "ICC(A,k)",
                "icc_ak_ci": "IC 95% ",
                "k_target": "Delegati per 0,8",
                "leniency_share": "Quota dovuta alla generosità",
                "alpha_interval": "Alfa (intervallare)",
                "alpha_ci": "IC 95%  ",
                "alpha_ordinal": "Alfa (ordinale)",
            },
            f"Affidabilità delle medie e accordo tra i delegati per campo – {scores.territory}",
            formats={
                "k": lambda x: fmt.num(x, 0),
                "k_target": fmt.integer,
                "leniency_share": fmt.pct,
                "icc_a1_ci": str,
                "icc_ak_ci": str,
                "alpha_ci": str,
                **dict.fromkeys(("icc_a1", "icc_ak", "alpha_interval", "alpha_ordinal"), two),
            },
            min_cell=params.min_cell,
            note="Calcolati sulle caselle mostrate. ICC(A,1): accordo del voto di un singolo delegato con il valore "
            "della casella; ICC(A,k): affidabilità della media della casella, con i suoi delegati (McGraw e Wong "
            "1996; Brennan 2001). Delegati per casella: media armonica dei voti per casella. Delegati per 0,8: "
            "quanti delegati per casella darebbero alle medie un'affidabilità di 0,8 (formula di Spearman-Brown). "
            "Quota dovuta alla generosità: parte della varianza tra i voti di una stessa casella dovuta a delegati che "
            "votano tutto più alto o più basso degli altri. Alfa di Krippendorff = 1: accordo perfetto; 0: accordo "
            "pari al caso; come ICC(A,1) riguarda il singolo delegato (Krippendorff indica 0,8 per conclusioni "
            "solide e 0,667 come minimo per conclusioni provvisorie). Intervalli al 95%: bootstrap dei delegati per "
            "gli ICC, bootstrap di Krippendorff per alfa.",
        )
    )
    for reading in (reliability_sentence(table), agreement_sentence(table)):
        if reading:
            section.add(paragraph(reading))
    return section


def _agreement_table(scores: Scores) -> pd.DataFrame:
    """Alpha and reliability per field, one row each (the table ``agreement``)."""
    alpha = scores.agreement
    if alpha.empty:
        return alpha
    reliability = scores.reliability
    if reliability is None or reliability.empty:
        reliability = pd.DataFrame({"field": alpha["field"]}).assign(**dict.fromkeys(RELIABILITY_COLUMNS, float("nan")))
    keep = ["field", *[c for c in RELIABILITY_COLUMNS if c in reliability]]
    table = alpha.merge(reliability[keep], on="field", how="left")
    if "suppressed" in reliability:
        flags = alpha[["field"]].merge(reliability[["field", "suppressed"]], on="field", how="left")["suppressed"]
        table["suppressed"] = table["suppressed"].astype(bool) | flags.astype("boolean").fillna(True).astype(bool)
    return table


def _intervals(table: pd.DataFrame, column: str, low: str | None = None, high: str | None = None) -> pd.Series:
    """``0,34–0,41`` for each shown interval of ``column``, None where it is blank."""
    low, high = low or f"{column}_low", high or f"{column}_high"
    if low not in table or high not in table:
        return pd.Series(None, index=table.index, dtype=object)
    return pd.Series(
        [
            None if pd.isna(a) or pd.isna(b) else f"{fmt.num(a, 2)}–{fmt.num(b, 2)}"
            for a, b in zip(table[low], table[high], strict=True)
        ],
        index=table.index,
        dtype=object,
    )


#: Koo & Li's (2016) reading of an ICC: below 0.5 poor, from 0.75 good.
_ICC_POOR, _ICC_GOOD = 0.5, 0.75
#: The reliability asked of a mean (the D study's target).
_RELIABLE = 0.8


def reliability_sentence(reliability: pd.DataFrame, *, brief: bool = False) -> str | None:
    """What ICC(A,1), ICC(A,k) and the D study say together: single delegates, the cell means, delegates needed.

    Every comparison is made on the values as printed (two decimals; whole delegates), and
    the sentences cover the fields shown: all of them, or those shown when some are hidden.

    Parameters
    ----------
    reliability : DataFrame
        One row per field: ``icc_a1``, ``icc_ak``, ``k``, ``k_target`` and
        ``leniency_share`` (NaN where hidden).
    brief : bool, default False
        Only the first sentence (single delegates and means), as the final report's findings
        use it.

    Returns
    -------
    str or None
        Escaped HTML text; ``None`` when no field is shown.

    References
    ----------
    .. [1] McGraw, K. O. & Wong, S. P. (1996). *Psychological Methods* 1(1), 30-46.
    .. [2] Koo, T. K. & Li, M. Y. (2016). A guideline of selecting and reporting intraclass
       correlation coefficients for reliability research. *J Chiropr Med* 15(2), 155-163.
    .. [3] Brennan, R. L. (2001). *Generalizability Theory*. Springer.

    Examples
    --------
    >>> import html, re
    >>> t = pd.DataFrame({"icc_a1": [0.33, 0.44], "icc_ak": [0.94, 0.98], "k": [30.7, 58.2],
    ...                   "k_target": [9.0, 6.0], "leniency_share": [0.23, 0.28]})
    >>> html.unescape(re.sub(r"<[^>]+>", "", reliability_sentence(t)))
    "I singoli delegati concordano poco tra loro in entrambi i campi (ICC(A,1) tra 0,33 e 0,44), ma le medie delle caselle (in media tra 31 e 58 delegati ciascuna) sono stabili (ICC(A,k) tra 0,94 e 0,98). Per un'affidabilità delle medie di almeno 0,8 bastano tra 6 e 9 delegati per casella, secondo il campo. La diversa generosità dei delegati (chi vota tutto più alto o più basso degli altri) spiega tra il 23% e il 28% della varianza tra i voti di una stessa casella."
    """
    single = pd.to_numeric(reliability["icc_a1"], errors="coerce").astype(float)
    mean = pd.to_numeric(reliability["icc_ak"], errors="coerce").astype(float).where(single.notna())
    if single.dropna().empty:
        return None
    on = single.notna()
    printed = single[on].map(lambda v: fmt.rounded(v, 2))
    printed_mean = mean[on].map(lambda v: fmt.rounded(v, 2))
    hidden = bool((~on).any())
    across = "tra i campi mostrati" if hidden else "da campo a campo"
    good = bool((printed >= _ICC_GOOD).all())
    if (printed < _ICC_POOR).all():
        template = "I singoli delegati concordano poco tra loro {where} ({values})"
    elif good:
        template = "I singoli delegati concordano molto tra loro {where} ({values})"
    elif ((printed >= _ICC_POOR) & (printed < _ICC_GOOD)).all():
        template = "I singoli delegati concordano in misura moderata {where} ({values})"
    else:
        template = f"L'accordo tra i singoli delegati varia {across} ({{values}})"
    first = claims.span(single, 2, template, symbol="ICC(A,1)")
    k = pd.to_numeric(reliability["k"], errors="coerce").astype(float)[on]
    who = sentence(" (in media {k} delegati ciascuna)", k=_whole_range(k)) if k.notna().any() else Safe("")
    stable = printed_mean >= _RELIABLE
    if stable.all():
        link, verdict = ("e" if good else "ma"), "sono stabili ({values})"
    elif not stable.any():
        link, verdict = ("ma" if good else "e"), "non sono abbastanza stabili ({values}, sotto 0,8)"
    else:
        link, verdict = ";", "sono stabili in alcuni campi e non in altri ({values}, da confrontare con 0,8)"
    second = claims.span(mean, 2, verdict, symbol="ICC(A,k)")
    means = sentence(
        ("; le medie delle caselle" if link == ";" else f", {link} le medie delle caselle") + "{who} {verdict}.",
        who=who,
        verdict=second,
    )
    text = first + means
    if brief:
        return Safe(text)
    return Safe(" ".join(part for part in (text, _d_study(reliability, on, k), _leniency(reliability, on)) if part))


def _whole_range(values: pd.Series) -> Safe:
    """``31``, or ``tra 31 e 58``: whole numbers as printed, the ends of a range."""
    low, high = fmt.integer(values.min()), fmt.integer(values.max())
    return sentence("{k}", k=low) if low == high else sentence("tra {a} e {b}", a=low, b=high)


def _d_study(reliability: pd.DataFrame, on: pd.Series, k: pd.Series) -> str:
    """How many delegates per cell give the means a reliability of 0.8 (the D study)."""
    target = pd.to_numeric(reliability["k_target"], errors="coerce").astype(float)[on]
    known = target.dropna()
    if known.empty:
        return ""
    reached = (known <= k[known.index].map(lambda v: fmt.rounded(v, 0))).to_numpy()
    low, high = fmt.integer(known.min()), fmt.integer(known.max())
    many = sentence("{m}", m=low) if low == high else sentence("tra {a} e {b}", a=low, b=high)
    spread = "" if low == high else ", secondo il campo"
    one = low == high == "1"
    if reached.all():
        verb = "basta" if one else "bastano"
    else:
        verb = ("servirebbe" if one else "servirebbero") if not reached.any() else "servono"
    text = sentence(
        "Per un'affidabilità delle medie di almeno 0,8 "
        + verb
        + " {many} "
        + ("delegato" if one else "delegati")
        + " per casella"
        + spread
        + ".",
        many=many,
    )
    if len(known) < int(on.sum()):
        text = Safe(
            text + " Dove le caselle di un campo non si distinguono, nessun numero di delegati basta a distinguerle."
        )
    return text


def _leniency(reliability: pd.DataFrame, on: pd.Series) -> str:
    """The share of the variance between delegates on one cell that is leniency."""
    share = pd.to_numeric(reliability["leniency_share"], errors="coerce").astype(float)[on].dropna()
    if share.empty:
        return ""
    low, high = fmt.pct_article(share.min()), fmt.pct_article(share.max())
    amount = sentence("{a}", a=low) if low == high else sentence("tra {a} e {b}", a=low, b=high)
    return sentence(
        "La diversa generosità dei delegati (chi vota tutto più alto o più basso degli altri) spiega {amount} della varianza "
        "tra i voti di una stessa casella.",
        amount=amount,
    )


def agreement_sentence(agreement: pd.DataFrame) -> str | None:
    """One sentence reading Krippendorff's alpha against his thresholds (0,667 and 0,8), field by field.

    The alphas are read as printed (two decimals), and the sentence says which fields it
    covers: all of them, or only those shown when some are hidden. Alpha, like ICC(A,1),
    is the agreement of *single* delegates: it says nothing of how stable a mean of many
    delegates is (that is :func:`reliability_sentence`), and the sentence says so.

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
            "come ICC(A,1), l'alfa misura quanto concordano i singoli delegati, non quanto è stabile la media di una "
            "casella."
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
            ": dove è sotto 0,667, i singoli delegati giudicano la stessa casella in modo diverso."
            if low.any()
            else "."
        )
    return claims.span(alpha, 2, template)


def _group_comparison(data: Processed, params: Parameters, protect, votes: pd.DataFrame) -> tuple:
    """The groups per resource and per cell, protected; a province's gaps pooled with its region's other places.

    In a province (five delegates per group are common) a cell's test has no power and a
    resource's own gap is noisy: the gaps are shrunk towards those of the other places of
    the same region that show theirs, with the Fay-Herriot weight
    (:func:`~palestre_analysis.stats.groups.pool_gaps`). Elsewhere the pooled columns stay
    blank. Each place lends only the gaps its own report may show.
    """
    comparison, per_cell = protect.group_comparison(votes, seed=params.seed, n_boot=_DELTA_DRAWS)
    others = []
    geography = data.geography
    if geography.place(data.territory).level == "provincia" and comparison["gap"].notna().any():
        parent = dataclasses.replace(data.region, territory=geography.parent(data.territory).name)
        for name, other in place_guards(parent, params):
            if name == data.territory or not len(other.data.votes):
                continue
            sibling = stats.prepare_votes(other.data.votes, other.data.entities, by=())
            table, _ = other.group_comparison(sibling, seed=params.seed, n_boot=0, per_cell=False)
            others.append(table[~table["suppressed"]])
    return stats.groups.pool_gaps(comparison, others), per_cell


#: Delegate-bootstrap replicates behind Cliff's delta's percentile intervals.
_DELTA_DRAWS = 1000
#: How the overall shift's row is named in the tables and the figure.
_ALL_RESOURCES_LABEL = "Tutte le fonti (scarto medio)"
#: Gaps and Cliff's deltas are printed with two decimals.
_GAP_DECIMALS = 2


@unless_small
def groups(scores: Scores, params: Parameters) -> Section:
    """The gap between the two groups per resource, with each delegate's leniency taken into account.

    Parameters
    ----------
    scores : Scores
        The phase-2 statistics of one territory (:func:`compute`).
    params : Parameters
        The checked notebook parameters.

    Returns
    -------
    Section
        The gaps with their intervals (figure and table), sentences on the resources whose
        interval excludes zero, the overall shift with its caveat and the per-cell tests;
        tables ``group_comparison`` and ``group_cells``.
    """
    section = Section(tables={"group_comparison": scores.comparison, "group_cells": scores.group_cells})
    if scores.comparison.empty:
        return section
    named = group_phrases(params.process)
    first, second = group_keys(params.process)
    table = scores.comparison
    pooled = bool(table["pooled_gap"].notna().any())
    by_resource = table[table["resource"] != stats.groups.ALL_RESOURCES]
    drawn = bool(by_resource["gap"].notna().any())
    if drawn:
        section.add_figure(
            plots.group_gaps_chart(
                table,
                f"Differenza tra i gruppi per fonte di risorse (delegati {named[first]} meno delegati "
                f"{named[second]}) – {scores.territory}",
                all_label=_ALL_RESOURCES_LABEL,
            ),
            _groups_finding(table, named[first], named[second]),
        )
    # the figure and the table of the gaps per resource come together: the sentences point at both
    see = Safe("della " + figure_ref() + " e della " + table_ref()) if drawn else Safe("")
    section.add(paragraph(*_group_sentences(table, scores.group_cells, params, scores.territory, see)))
    if drawn:
        section.add(_gap_table(table, named, first, second, pooled, scores.territory, params.min_cell))
    return section


def _groups_finding(table: pd.DataFrame, first: str, second: str) -> str:
    """The chart's main finding: the widest gap (pooled with the other provinces' where it was), and how many exclude zero.

    >>> table = pd.DataFrame({"resource": ["Bandi", "Quote", "all"], "gap": [-1.2, 0.3, 0.1],
    ...                       "ci_low": [-1.8, -0.2, -0.1], "ci_high": [-0.6, 0.8, 0.3], "pooled_gap": [None] * 3})
    >>> print(_groups_finding(table, "di APS", "di fondazioni"))  # doctest: +NORMALIZE_WHITESPACE
    La differenza più ampia è su Bandi, dove i delegati di APS danno voti più bassi di 1,20 punti rispetto ai
    delegati di fondazioni (IC 95% da -1,80 a -0,60); su 1 delle 2 fonti confrontate l'intervallo al 95% esclude lo zero.
    """
    pooled = "pooled_gap" in table and bool(table["pooled_gap"].notna().any())
    gap, low, high = ("pooled_gap", "pooled_ci_low", "pooled_ci_high") if pooled else ("gap", "ci_low", "ci_high")
    resources = table[table["resource"] != stats.groups.ALL_RESOURCES]
    rows = resources[resources[gap].notna()]
    if rows.empty:
        return "Le differenze tra i gruppi non sono mostrate per nessuna fonte."
    widths = pd.Series(resources[gap].abs().to_numpy(), index=resources["resource"].to_numpy())
    by_name = resources.set_index("resource")
    widest = claims.best(
        widths,
        _GAP_DECIMALS,
        "{head}la differenza più ampia{scope} è su {name}, dove i delegati {f} danno voti {dir} di {value} punti rispetto ai "
        "delegati {s} ({ci})",
        "{head}le differenze più ampie{scope}, di {value} punti, sono su {names}",
        scope=" tra le fonti confrontate",
        single="{head}l'unica fonte confrontata è {name}, dove i delegati {f} danno voti {dir} di {value} punti "
        "rispetto ai delegati {s} ({ci})",
        extra=lambda r: {
            "dir": Safe("più alti" if by_name.loc[r, gap] > 0 else "più bassi"),
            "ci": Safe(html.escape(_interval(by_name.loc[r], low, high))),
        },
        head=Safe("Stimata insieme alle altre province, " if pooled else ""),
        f=Safe(html.escape(first)),
        s=Safe(html.escape(second)),
    )
    if widest is None:
        widest = Safe(
            ("Stimata insieme alle altre province, n" if pooled else "N") + "essuna fonte mostra una differenza"
        )
    widest = Safe(widest[0].upper() + widest[1:])
    apart = int(rows.apply(lambda r: _side(r, low, high) != 0, axis=1).sum())
    if len(rows) == 1:
        tail = "; il suo intervallo al 95% " + ("esclude" if apart else "comprende") + " lo zero."
    elif apart == 0:
        tail = sentence("; su ognuna delle {n} fonti confrontate l'intervallo al 95% comprende lo zero.", n=len(rows))
    else:
        tail = sentence(
            "; su {k} delle {n} fonti confrontate l'intervallo al 95% esclude lo zero.", k=apart, n=len(rows)
        )
    return plain(widest + tail)


def _gap_table(table: pd.DataFrame, named: dict, first: str, second: str, pooled: bool, territory: str, min_cell):
    """The table of gaps per resource (and the overall shift), as HTML."""
    shown = table.assign(resource=table["resource"].replace({stats.groups.ALL_RESOURCES: _ALL_RESOURCES_LABEL}))
    columns = {"resource": "Fonte", "gap": "Differenza", "ci_low": "IC 95% da", "ci_high": "IC 95% a"}
    if pooled:
        columns |= {
            "pooled_gap": "Con le altre province",
            "pooled_ci_low": "IC 95% da ",
            "pooled_ci_high": "IC 95% a ",
            "own_weight": "Peso della provincia",
        }
    columns |= {"cliffs_delta": "Delta di Cliff", "delta_ci_low": "IC 95% da  ", "delta_ci_high": "IC 95% a  "}
    gap = {c: (lambda x: fmt.num(x, _GAP_DECIMALS)) for c in columns if c not in ("resource", "own_weight")}
    note = (
        f"Differenza: voto dei delegati {named[first]} meno voto dei delegati {named[second]}, in punti della "
        "scala, stimata da un modello che confronta i due gruppi casella per casella e tiene conto della "
        "generosità di ciascun delegato; l'ultima riga è la media sulle fonti. IC 95%: intervallo di "
        "confidenza al 95%. Delta di Cliff: quanto è più probabile che un voto del primo gruppo superi un voto "
        "del secondo nella stessa casella che il contrario (da -1 a 1), con intervallo bootstrap sui delegati."
    )
    if pooled:
        note += (
            " «Con le altre province»: la differenza stimata insieme a quelle delle altre province della "
            "regione (peso della provincia: quanto conta la stima dei soli suoi delegati)."
        )
    return table_html(
        shown,
        columns,
        f"La differenza tra i gruppi per fonte di risorse – {territory}",
        formats={**gap, "own_weight": fmt.pct},
        min_cell=min_cell,
        note=note,
    )


def _signed(value: float) -> str:
    """A gap with its sign, as printed: ``+1,35``, ``-0,41``, ``0,00``.

    >>> _signed(1.349), _signed(-0.41), _signed(-0.001)
    ('+1,35', '-0,41', '0,00')
    """
    text = fmt.num(value, _GAP_DECIMALS)
    return "+" + text if fmt.rounded(value, _GAP_DECIMALS) > 0 else text


def _interval(row: pd.Series, low: str, high: str) -> str:
    return f"IC 95% da {fmt.num(row[low], _GAP_DECIMALS)} a {fmt.num(row[high], _GAP_DECIMALS)}"


def _side(row: pd.Series, low: str, high: str) -> int:
    """+1 or -1 where the interval, as printed, lies above or below zero; 0 where it holds zero."""
    if fmt.rounded(row[low], _GAP_DECIMALS) > 0:
        return 1
    if fmt.rounded(row[high], _GAP_DECIMALS) < 0:
        return -1
    return 0


def _group_sentences(
    table: pd.DataFrame, cells: pd.DataFrame, params: Parameters, territory: str = "", see: Safe = NO_TEXT
) -> list[str]:
    """What the comparison of the groups says, true at the precision it prints.

    The resources whose 95% interval (as printed) lies away from zero, with their gap and
    interval; "nessuna differenza rilevabile" when none does; the overall shift with its
    caveat; the per-cell tests, or why they are not run; in a province, how its gaps were
    pooled with the other provinces'. ``see`` («della figura 10 e della tabella 7») says where the
    estimates per resource are; without it, «qui sopra».
    """
    named = group_phrases(params.process)
    first, second = group_keys(params.process)
    counts = [table[f"n_{g}"].iloc[0] if f"n_{g}" in table else float("nan") for g in (first, second)]
    rows = table[table["resource"] != stats.groups.ALL_RESOURCES]
    if rows["gap"].isna().all():
        if any(pd.isna(n) or n < params.min_cell for n in counts):
            return [
                sentence(
                    "Il confronto tra i gruppi non è mostrato: ciascun gruppo deve contare almeno {k} delegati, e il "
                    "loro numero deve poter essere mostrato senza che i conteggi nascosti si possano ricavare.",
                    k=params.min_cell,
                )
            ]
        return [
            sentence(
                "Il confronto tra i gruppi non è mostrato: in nessuna casella si possono mostrare i voti di entrambi i "
                "gruppi (ognuno deve avere almeno {k} delegati che l'hanno votata, senza che i conteggi nascosti si "
                "possano ricavare dagli altri).",
                k=params.min_cell,
            )
        ]
    pooled = bool(table["pooled_gap"].notna().any())
    gap, low, high = ("pooled_gap", "pooled_ci_low", "pooled_ci_high") if pooled else ("gap", "ci_low", "ci_high")
    compared = rows[rows[gap].notna()]
    lines = [_differences(compared, gap, low, high, named[first], named[second], len(compared) < len(rows))]
    shift = table[table["resource"] == stats.groups.ALL_RESOURCES].iloc[0]
    lines.append(_shift(shift, gap, low, high, named[first], named[second], len(compared)))
    tests = _cell_tests(cells, see)
    if tests:
        lines.append(tests)
    if pooled or params.geography.place(territory).level == "provincia":
        lines.append(_pooling(compared, pooled, territory))
    return lines


def _differences(rows: pd.DataFrame, gap: str, low: str, high: str, first: str, second: str, some_hidden: bool) -> str:
    """The resources whose interval lies above or below zero, or that no difference is detectable."""
    side = rows.apply(lambda r: _side(r, low, high), axis=1) if len(rows) else pd.Series(dtype=int)
    head = "Al netto della generosità di ciascun delegato e dei campi votati, "

    def listed(part: pd.DataFrame) -> Safe:
        part = part.sort_values(gap, ascending=bool((part[gap] < 0).all()))  # the widest first
        names = [
            sentence("{r} ({g}; " + _interval(r, low, high) + ")", r=r["resource"], g=_signed(r[gap]))
            for _, r in part.iterrows()
        ]
        return _joined_names(names)

    above, below = rows[side.to_numpy() > 0], rows[side.to_numpy() < 0]
    if above.empty and below.empty:
        if len(rows) == 1:
            return sentence(
                head + "nessuna differenza rilevabile tra i due gruppi sull'unica fonte confrontata, {r}: "
                "l'intervallo al 95% della differenza ({g}; "
                + _interval(rows.iloc[0], low, high)
                + ") comprende lo zero.",
                r=rows.iloc[0]["resource"],
                g=_signed(rows.iloc[0][gap]),
            )
        return sentence(
            head
            + "nessuna differenza rilevabile tra i due gruppi: su ognuna delle {n} fonti"
            + (" confrontate" if some_hidden else "")
            + " l'intervallo al 95% della differenza comprende lo zero.",
            n=fmt.integer(len(rows)),
        )
    parts = []
    if len(above):
        parts.append(sentence("più alti a {a}", a=listed(above)))
    if len(below):
        parts.append(sentence("più bassi a {b}", b=listed(below)))
    rest = len(rows) - len(above) - len(below)
    text = sentence(
        head + "i delegati {f} danno voti {parts} rispetto ai delegati {s}.",
        f=first,
        s=second,
        parts=Safe(" e ".join(parts)),
    )
    if rest == 1:
        text += " Sull'altra fonte la differenza non è rilevabile: il suo intervallo al 95% comprende lo zero."
    elif rest > 1:
        text += sentence(
            " Sulle altre {n} la differenza non è rilevabile: per ognuna l'intervallo al 95% comprende lo zero.",
            n=fmt.plural(rest, "fonte", "fonti"),
        )
    return Safe(text)


def _joined_names(names: list) -> Safe:
    """``A``, ``A e B``, ``A, B e C``."""
    return names[0] if len(names) == 1 else Safe(", ".join(names[:-1]) + " e " + names[-1])


def _shift(row: pd.Series, gap: str, low: str, high: str, first: str, second: str, n_resources: int) -> str:
    """The overall shift (the mean gap over the resources) and why it is read with caution."""
    caveat = (
        "uno scarto comune a tutte le fonti non si distingue da un diverso uso della scala da parte dei due gruppi "
        "(un gruppo più generoso in ogni voto): come i gruppi vedono le fonti lo dicono soprattutto le differenze "
        "tra una fonte e l'altra."
    )
    if n_resources <= 1 or pd.isna(row[gap]):
        return Safe(
            "Con una sola fonte confrontata la differenza non si distingue da un diverso uso della scala da parte dei "
            "due gruppi (un gruppo più generoso in ogni voto)."
        )
    side = _side(row, low, high)
    interval = _interval(row, low, high)
    if side == 0:
        return sentence(
            "In media sulle fonti, lo scarto tra i due gruppi ({g}; "
            + interval
            + ") non è rilevabile; comunque, "
            + caveat,
            g=_signed(row[gap]),
        )
    return sentence(
        "In media sulle fonti, i voti dei delegati {f} sono più "
        + ("alti" if side > 0 else "bassi")
        + " di quelli dei delegati {s} di {g} ("
        + interval
        + "); ma "
        + caveat,
        f=first,
        s=second,
        g=f"{fmt.num(abs(row[gap]), _GAP_DECIMALS)} punti",
    )


def _cell_tests(cells: pd.DataFrame, see: Safe = NO_TEXT) -> str | None:
    """The per-cell tests: how many cells can reach significance, and what they found; or why none is run.

    ``see`` says where the estimates per resource are («della figura 10 e della tabella 7»).
    """
    if cells is None or cells.empty or "tested" not in cells:
        return None
    compared = cells[~cells["suppressed"].astype(bool)]
    if compared.empty:
        return None
    tested = compared[compared["tested"].astype(bool)]
    if tested.empty:
        return sentence(
            "Nessun test casella per casella: con i delegati che hanno votato ogni casella, nessun test di "
            "Mann-Whitney potrebbe superare la correzione per i {c} confronti (il più piccolo p ottenibile è troppo "
            "grande), e un test che non può dare un risultato non è fatto.",
            c=fmt.integer(len(compared)),
        )
    found = int((tested["p_bh"] < _SIGNIFICANT).sum())
    where = (
        sentence("sulle {m} caselle in cui può risultare significativo", m=fmt.integer(len(tested)))
        if len(tested) > 1
        else Safe("sull'unica casella in cui può risultare significativo")
    )
    if len(tested) == 1:
        result = "trova una differenza" if found else "non trova differenze"
    elif found == 0:
        result = sentence("non trova differenze in {c}", c=claims.count_of(0, len(tested), "casella", "caselle"))
    else:
        result = sentence("trova una differenza in {c}", c=claims.count_of(found, len(tested), "casella", "caselle"))
    return sentence(
        "Casella per casella, il test di Mann-Whitney con la correzione di Benjamini-Hochberg, fatto {w}, {r}"
        + (
            ": dove non trova una differenza, non vuol dire che manchi"
            if 0 < found < len(tested)
            else ": non vuol dire che le differenze manchino"
            if found == 0
            else ""
        )
        + ". Un test per casella coglie solo le differenze più ampie: la stima per fonte {see} è la sintesi più "
        "affidabile.",
        w=where,
        r=Safe(result),
        see=see or Safe("qui sopra"),
    )


def _pooling(rows: pd.DataFrame, pooled: bool, territory: str) -> str:
    """How a province's gaps were pooled with the other provinces' (or that no other province could lend its own)."""
    if not pooled:
        return sentence(
            "Nessun'altra provincia della regione mostra il confronto tra i gruppi: le stime sono quelle dei soli "
            "delegati di {t}.",
            t=territory,
        )
    weights = rows["own_weight"].dropna()
    printed = weights.map(fmt.pct)
    head = sentence(
        "Con pochi delegati per provincia, le differenze per fonte di {t} sono stimate insieme a quelle delle altre "
        "province della regione (stima empirico-bayesiana di Fay e Herriot): ",
        t=territory,
    )
    if (weights.map(lambda w: fmt.rounded(100 * w, 0)) == 0).all():
        return Safe(
            head + "le differenze tra le province non vanno oltre il caso, e ogni stima è la differenza comune alle "
            "province, con un intervallo che tiene conto di quanto le province potrebbero comunque differire."
        )
    share = (
        sentence("{w}", w=fmt.pct_article(weights.iloc[0]))
        if printed.nunique() == 1
        else sentence("tra {a} e {b}", a=fmt.pct_article(weights.min()), b=fmt.pct_article(weights.max()))
    )
    return Safe(
        head
        + sentence(
            "i voti della provincia pesano {s} in ogni stima, il resto viene dalla differenza comune alle province.",
            s=share,
        )
    )


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
    shares = scores.resources["share_high"], scores.resources["resource"], scores.bands[2]
    finding = _extremes(*shares)
    section.add_figure(
        plots.diverging_bars(
            ordered, f"Come si distribuiscono i voti per fonte di risorse – {scores.territory}", bands=scores.bands
        ),
        plain(finding) if finding else _single_distribution(ordered, scores.bands[2]),
    )
    extremes = _extremes(*shares, see=Safe(" (" + figure_ref() + ")"))
    if extremes:
        section.add(paragraph(extremes))
    return section


def _single_distribution(ordered: pd.DataFrame, high_band: tuple[int, int]) -> str:
    """The finding of bars that compare nothing: the one resource shown, and its share of high votes."""
    shown = ordered[ordered["share_high"].notna()]
    if len(shown) != 1:
        return "Le quote di voti alti delle fonti mostrate non si distinguono al punto percentuale."
    return plain(
        sentence(
            "Una sola fonte è mostrata: {r}, con {v} di voti " + scores_phrase(*high_band) + ".",
            r=shown["resource"].iloc[0],
            v=fmt.pct_article(shown["share_high"].iloc[0]),
        )
    )


def _extremes(
    share_high: pd.Series, resource: pd.Series, high_band: tuple[int, int] = DEFAULT_BANDS[2], see: Safe = NO_TEXT
) -> str | None:
    """The resources with the largest and the smallest share of high votes (``high_band``), as far as the shown shares tell.

    ``see`` («(figura 11)») follows «Sulle caselle mostrate».
    """
    shares = pd.Series(share_high.to_numpy(), index=resource.to_numpy())
    high = f"voti {scores_phrase(*high_band)}"
    if shares.notna().sum() > 1 and claims.leaders(shares, fmt.pct)[shares.notna()].all():
        return sentence(
            "Sulle caselle mostrate{see}, le fonti hanno la stessa quota di " + high + " ({v}).",
            v=fmt.pct(shares.max()),
            see=see,
        )
    most = claims.best(
        shares,
        fmt.pct,
        "Sulle caselle mostrate{see}, la fonte con più voti alti{scope} è {name} ({value} di " + high + ")",
        "Sulle caselle mostrate{see}, le fonti con più voti alti{scope} sono {names} ({value} di "
        + high
        + " ciascuna)",
        scope=" tra quelle mostrate",
        see=see,
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
