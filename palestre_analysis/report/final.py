"""Sections of the final report: both phases in brief, territories side by side, methods.

The final report covers the whole region only (:func:`require_region`): its sections
take the processed tables of every entity, the phase-2 :class:`~palestre_analysis.report.scores.Scores`
and the checked notebook parameters.
"""

from __future__ import annotations

import html

import pandas as pd

from palestre_analysis import config, stats
from palestre_analysis.core.fingerprint import package_versions
from palestre_analysis.core.geography import bodies_label
from palestre_analysis.core.vocabulary import REGION_WIDE_NAME
from palestre_analysis.ingest.processed import Processed
from palestre_analysis.report import claims, plots
from palestre_analysis.report import formatting as fmt
from palestre_analysis.report.display import HTML, NO_TEXT, Safe, bullets, paragraph, plain, sentence, table_html
from palestre_analysis.report.groups import phrase as group_phrase
from palestre_analysis.report.network import (
    compare_composition,
    consistency_sentence,
    mixing_decimals,
    reference_kind,
    reference_origin,
)
from palestre_analysis.report.parameters import Parameters
from palestre_analysis.report.places import network_of
from palestre_analysis.report.protection import guard, places
from palestre_analysis.report.scale import bands_of, bands_text, scale_range, scores_phrase
from palestre_analysis.report.scores import Scores, agreement_sentence, reliability_sentence
from palestre_analysis.report.section import Section, figure_ref
from palestre_analysis.stats import territories as territory_stats
from palestre_analysis.stats.consensus import resolve_consensus_rule
from palestre_analysis.stats.scales import DEFAULT_BANDS, Bands

__all__ = ["require_region", "summary", "key_findings", "territories", "bodies_name", "methods"]


def _count(value) -> str:
    """A count of the summary table, or the plain word that disclosure control hides it."""
    return "non mostrato" if value is None or pd.isna(value) else fmt.integer(value)


def require_region(params: Parameters) -> None:
    """The final report covers the area, or a region of a national process: a province gets a sentence.

    Parameters
    ----------
    params : Parameters
        The checked notebook parameters.

    Raises
    ------
    ValueError
        In Italian, when ``params.territorio`` is a province.

    Examples
    --------
    >>> from palestre_analysis.report.parameters import check_parameters
    >>> require_region(check_parameters("Lombardia", 5, 1))
    >>> require_region(check_parameters("BS", 5, 1))  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    ValueError: La relazione finale riguarda l'intera area del processo: usare territorio = "Lombardia" (non «Brescia»)...
    """
    geography = params.geography
    if geography.place(params.territorio).level == "provincia":
        area = geography.area.name
        choices = f'territorio = "{area}"' + (" oppure una regione" if geography.national else "")
        raise ValueError(
            f"La relazione finale riguarda l'intera area del processo{' o una sua regione' if geography.national else ''}: "
            f"usare {choices} (non «{params.territorio}»). I rapporti per provincia sono i notebook 01 e 02."
        )


def summary(data: Processed, scores: Scores, params: Parameters) -> Section:
    """The process in numbers, and the period of its meetings.

    Parameters
    ----------
    data : Processed
        The processed tables of the whole region.
    scores : Scores
        The region's phase-2 statistics (:func:`~palestre_analysis.report.scores.compute`).
    params : Parameters
        The checked notebook parameters.

    Returns
    -------
    Section
        Table and one sentence; table ``summary``.
    """
    votes = scores.votes
    voters = guard(data, params).voters().set_index("group")["n_delegates"]
    phase1 = data.meetings[data.meetings["phase"] == 1]
    contributions_1 = data.contributions[data.contributions["meeting_id"].isin(set(phase1["meeting_id"]))]
    rows = [
        ("Enti nella rete (un delegato ciascuno)", fmt.integer(len(data.entities))),
        (
            "Incontri",
            f"{fmt.integer(len(data.meetings))} ({fmt.integer(len(phase1))} di fase 1, "
            f"{fmt.integer(len(data.meetings) - len(phase1))} di fase 2)",
        ),
        ("Focus group", fmt.integer(data.meetings["focus_group"].nunique())),
        ("Presenze registrate", fmt.integer(len(data.attendance))),
        ("Contributi della fase 1", fmt.integer(len(contributions_1))),
        ("Delegati che hanno votato nella fase 2", _count(voters.get("all"))),
        *((f"… {group.label}", _count(voters.get(group.key))) for group in data.process.groups),
        (f"Voti validi (da {scores.scale[0]} a {scores.scale[1]})", fmt.integer(len(votes))),
    ]
    table = pd.DataFrame(rows, columns=["item", "value"])
    section = Section(
        [table_html(table, {"item": "Voce", "value": data.territory}, "Il percorso in cifre")],
        tables={"summary": table},
    )
    if len(data.meetings):
        one = len(data.meetings) == 1
        section.add(
            paragraph(
                sentence(
                    ("L'unico incontro si è svolto" if one else "Gli incontri si sono svolti") + " {period}.",
                    period=fmt.period_it(data.meetings["date"].min(), data.meetings["date"].max()),
                )
            )
        )
    return section


def key_findings(data: Processed, scores: Scores, params: Parameters) -> Section:
    """Up to six findings, each one sentence written from the data (findings on hidden statistics are left out).

    Parameters
    ----------
    data : Processed
        The processed tables of the whole region.
    scores : Scores
        The region's phase-2 statistics (:func:`~palestre_analysis.report.scores.compute`).
    params : Parameters
        The checked notebook parameters.

    Returns
    -------
    Section
        A bulleted list; no table.
    """
    items = [*_phase1_findings(data, params), *_phase2_findings(scores)]
    return Section([bullets([i for i in items if i])])


def _composition_finding(data: Processed, params: Parameters, protect) -> str | None:
    """The composition against what it is compared with (:func:`~palestre_analysis.report.network.compare_composition`).

    At the area, the network's own published shares give only a consistency check, an
    external frame a test; a region of a national process is compared with the whole
    network. Nothing is said where the comparison is hidden.
    """
    comparison = compare_composition(data, params)
    if comparison.result is None:
        return None
    result = comparison.result.iloc[0]
    if comparison.kind == "coerenza":
        checked = consistency_sentence(result, comparison.reference)
        if checked is None:
            return None
        return Safe(
            checked + " Le quote pubblicate descrivono la rete stessa: è una verifica dei dati, non un test di "
            "rappresentatività."
        )
    if comparison.kind == "territorio":
        values = {"here": network_of(params, data.territory), "of": network_of(params, comparison.reference)}
        return claims.verdict(
            result["p_value"],
            significant="La composizione della rete {here} si discosta da quella dell'intera rete {of} (test "
            "esatto condizionato, {p}).",
            not_significant="La composizione della rete {here} non mostra differenze rilevabili da quella "
            "dell'intera rete {of} (test esatto condizionato, {p}).",
            **values,
        )
    reference = Safe(
        "quote di riferimento indicate nel file del processo"
        if comparison.kind == "esterna"
        else "quote di riferimento scelte per questa relazione"
    )
    source = params.process.reference_source if comparison.kind == "esterna" else ""
    return claims.verdict(
        result["p_value"],
        significant="La composizione della rete si discosta dalle {ref} ("
        + ("«{source}»; " if source else "")
        + "{p}).",
        not_significant="La composizione della rete non mostra differenze rilevabili dalle {ref} ("
        + ("«{source}»; " if source else "")
        + "{p}).",
        ref=reference,
        source=Safe(html.escape(source)),
    )


def _phase1_findings(data: Processed, params: Parameters) -> list[str]:
    protect = guard(data, params)
    items = [_composition_finding(data, params, protect)]
    participation = protect.participation(
        stats.participation_summary(data.attendance, data.entities, min_cell=params.min_cell)
    )
    everyone = participation[participation["category"] == "all"].iloc[0]
    network = protect.network(
        stats.network_summary(data.attendance, data.entities, min_cell=params.min_cell, seed=params.seed)
    ).iloc[0]
    items.append(_habits(everyone, network))
    phase1 = set(data.meetings.loc[data.meetings["phase"] == 1, "meeting_id"])
    contributions = data.contributions[data.contributions["meeting_id"].isin(phase1)]
    counts, _ = protect.contributions(
        stats.contribution_counts(contributions, data.entities, min_cell=params.min_cell, nodes=data.process.nodes),
        stats.contribution_test(
            contributions, data.entities, seed=params.seed, min_cell=params.min_cell, nodes=data.process.nodes
        ),
    )
    shares = counts[counts["category"] == "all"].set_index("node")["share"]
    if len(shares):
        items.append(
            claims.best(
                shares,
                fmt.pct,
                "Nella fase 1 il nodo più discusso{scope} è stato {name} ({value} dei contributi).",
                "Nella fase 1 i nodi più discussi{scope} sono stati {names} ({value} dei contributi ciascuno).",
                scope=" tra quelli mostrati",
                name=lambda node: sentence("«{n}»", n=node),
                hidden_below=1 - shares.sum(),
            )
        )
    return items


def _habits(everyone: pd.Series, network: pd.Series) -> str | None:
    """«Sempre con i soliti» and «Mai da soli» in one finding, each part only where its numbers are shown.

    «Mai da soli» sets the ties across categories against the permutation null
    (:func:`~palestre_analysis.stats.participation.cross_category_test`), at the precision
    at which the printed range agrees with the test (:func:`~palestre_analysis.report.network.mixing_decimals`).
    """
    habit = None
    if pd.notna(everyone["share_by_regulars"]) and pd.notna(everyone["n_regulars"]):
        regulars = int(everyone["n_regulars"])
        if regulars == 0:
            habit = sentence("nessun ente è stato presente ad almeno {r} incontri", r=stats.REGULAR_MIN_MEETINGS)
        else:
            habit = sentence(
                "{k} " + ("ha" if regulars == 1 else "hanno") + " fatto {s} delle presenze",
                k=fmt.plural(regulars, "ente abituale", "enti abituali"),
                s=fmt.pct_article(everyone["share_by_regulars"]),
            )
    decimals = None if pd.isna(network.get("cross_category_expected")) else mixing_decimals(network)
    mixing = None
    if decimals is not None:
        share, expected = network["cross_category_share"], network["cross_category_expected"]
        same = fmt.rounded(100 * share, decimals) == fmt.rounded(100 * expected, decimals)
        more = "più" if share > expected else "meno"
        mixing = claims.verdict(
            network["cross_category_p"],
            significant=" «Mai da soli»: {a} dei legami nati agli incontri unisce categorie diverse, contro {b} "
            "atteso se le categorie fossero distribuite a caso tra gli stessi enti (al 95% tra {lo} e {hi}): "
            f"{more} di quanto darebbe il caso (test di permutazione, {{p}}).",
            not_significant=" «Mai da soli»: {a} dei legami nati agli incontri unisce categorie diverse, contro {b} "
            "atteso se le categorie fossero distribuite a caso tra gli stessi enti (al 95% tra {lo} e {hi}): "
            + ("quanto darebbe il caso" if same else "uno scarto che rientra nel caso")
            + " (test di permutazione, {p}).",
            a=fmt.pct_article(share, decimals),
            b=fmt.pct_article(expected, decimals),
            lo=fmt.pct_article(network["cross_category_low"], decimals),
            hi=fmt.pct_article(network["cross_category_high"], decimals),
        )
    if habit is None:
        return Safe(mixing.lstrip()) if mixing else None
    return sentence(
        "«Sempre con i soliti»: {habit} (indice di Gini {g}).{mixing}",
        habit=habit,
        g=fmt.num(everyone["gini"], 2),
        mixing=mixing or Safe(""),
    )


def _phase2_findings(scores: Scores) -> list[str]:
    if scores.small:
        return []
    means = scores.best.set_index(["field", "resource", "need"])["mean"]
    items = [
        claims.best(
            means,
            1,
            "L'incrocio più apprezzato{scope} è {name} (voto medio {value}).",
            "Gli incroci più apprezzati{scope}, a pari merito con voto medio {value}, sono {names}.",
            scope=" tra quelli mostrati",
            single="Una sola casella ha abbastanza voti per essere mostrata: {name} (voto medio {value}).",
            name=lambda key: sentence("{r} per l'esigenza {n} nel campo {f}", f=key[0], r=key[1], n=key[2]),
        )
    ]
    if items[0] is not None:
        items[0] = Safe(items[0] + _leader_overlap(scores, means))
    items.append(_preferred(scores.comparison, scores.process))
    items.append(_agreement_finding(scores))
    return items


def _leader_overlap(scores: Scores, means: pd.Series) -> str:
    """How sure the single highest mean is of its place: the shown cells whose 95% interval reaches its own.

    Cells of different fields are voted by different delegates, so the highest mean
    over all of them is no contest with a confidence set: the sentence says instead how
    many other cells' intervals overlap the leader's. Nothing is added for a tie or a
    single shown cell (the sentence already says so).
    """
    shown = means.dropna()
    lead = claims.leaders(shown, 1)
    if len(shown) < 2 or int(lead.sum()) != 1:
        return ""
    cells = scores.cells[scores.cells["group"] == "all"].set_index(["field", "resource", "need"])
    cells = cells.reindex(shown.index)
    leader = shown.index[lead.to_numpy()][0]
    low = cells.loc[leader, "ci_low"]
    if pd.isna(low):
        return ""
    overlapping = int((cells["ci_high"].drop(index=leader) >= low).sum())
    if overlapping == 0:
        return sentence(" Il suo intervallo al 95% non si sovrappone a quello di nessun altro incrocio mostrato.")
    return sentence(
        " Il suo intervallo al 95% (da {a} a {b}) si sovrappone a quello di {k}: il primato tra tutti gli "
        "incroci non è sicuro.",
        a=fmt.num(low, 2),
        b=fmt.num(cells.loc[leader, "ci_high"], 2),
        k=fmt.plural(overlapping, "altro incrocio", "altri incroci"),
    )


def _agreement_finding(scores: Scores) -> str | None:
    """Single delegates and the cell means in one finding (ICC(A,1), ICC(A,k)); alpha alone without them."""
    if scores.agreement.empty:
        return None
    if scores.reliability is not None and not scores.reliability.empty:
        reading = reliability_sentence(scores.reliability, brief=True)
        if reading:
            return reading
    return agreement_sentence(scores.agreement)


def _preferred(comparison: pd.DataFrame, process) -> str | None:
    """The resources each group rates above the other, from the model's gaps: only intervals that, as printed, exclude zero.

    ``comparison`` is :attr:`~palestre_analysis.report.scores.Scores.comparison` (one row
    per resource and the ``all`` row); a gap is printed with two decimals and its 95%
    interval decides, as printed. With no interval away from zero the finding says that
    no difference is detectable; with nothing shown it says nothing.

    >>> from palestre_analysis.core.process import Process
    >>> table = pd.DataFrame({"resource": ["Bandi", "Quote", "all"], "gap": [-1.2, 0.2, -0.5],
    ...                       "ci_low": [-1.6, -0.1, -0.8], "ci_high": [-0.8, 0.5, -0.2]})
    >>> "CSV e altri enti</strong> apprezzano più degli altri <strong>Bandi</strong>" in _preferred(table, Process())
    True
    >>> _preferred(table.assign(ci_low=-2.0, ci_high=2.0), Process())[:76]
    'Al netto della generosità di ciascun delegato, nessuna differenza rilevabile'
    """
    if comparison is None or comparison.empty or "gap" not in comparison:
        return None
    rows = comparison[(comparison["resource"] != "all") & comparison["gap"].notna()]
    if rows.empty:
        return None
    low, high = rows["ci_low"].map(lambda v: fmt.rounded(v, 2)), rows["ci_high"].map(lambda v: fmt.rounded(v, 2))
    first, second = (group_phrase(g) for g in process.groups)
    head = "Al netto della generosità di ciascun delegato, "

    def named(part: pd.DataFrame) -> Safe:
        part = part.sort_values("gap", ascending=bool((part["gap"] < 0).all()))
        names = [
            sentence(
                "{r} ({g})",
                r=r["resource"],
                g=("+" if fmt.rounded(r["gap"], 2) > 0 else "") + fmt.num(r["gap"], 2),
            )
            for _, r in part.iterrows()
        ]
        return names[0] if len(names) == 1 else Safe(", ".join(names[:-1]) + " e " + names[-1])

    above, below = rows[(low > 0).to_numpy()], rows[(high < 0).to_numpy()]
    if above.empty and below.empty:
        return sentence(
            head + "nessuna differenza rilevabile tra i delegati {f} e quelli {s} nel giudizio sulle fonti: ogni "
            "intervallo al 95% della differenza comprende lo zero.",
            f=first,
            s=second,
        )
    parts = []
    if len(above):
        parts.append(sentence("i delegati {f} apprezzano più degli altri {a}", f=first, a=named(above)))
    if len(below):
        who = "quelli {s}" if parts else "i delegati {s}"
        parts.append(sentence(who + " apprezzano più degli altri {b}", s=second, b=named(below)))
    rest = "; sulle altre nessuna differenza rilevabile" if len(above) + len(below) < len(rows) else ""
    note = sentence(
        " (differenza in punti della scala, voto dei delegati {f} meno voto degli altri, per le fonti il cui "
        "intervallo al 95% esclude lo zero" + rest + ").",
        f=first,
    )
    caveat = (
        " Ogni differenza comprende lo scarto medio tra i gruppi su tutte le fonti, che non si distingue da un "
        "diverso uso della scala da parte dei due gruppi."
    )
    return Safe(head + "; ".join(parts) + note + caveat)


def territories(data: Processed, scores: Scores, params: Parameters) -> Section:
    """Territories side by side: participation, and each territory's level of votes with its interval and one test.

    A territory's level is its delegates' mean deviation from the area's cell means over
    the cells they voted (:mod:`palestre_analysis.stats.territories`), taken on the cells
    both the territory and the area show; its 95% interval comes from the delegate
    bootstrap within the territory, and one permutation test says whether the
    territories differ beyond chance. A territory with fewer than ``min_cell`` delegates
    is not shown.

    Parameters
    ----------
    data : Processed
        The processed tables of the whole region.
    scores : Scores
        The region's phase-2 statistics (:func:`~palestre_analysis.report.scores.compute`).
    params : Parameters
        The checked notebook parameters.

    Returns
    -------
    Section
        Small multiples with intervals, one sentence on the test and a table; tables
        ``territories_participation``, ``territories_resources``, ``territories_levels`` and
        ``territories_test``.
    """
    bodies = bodies_name(data.geography.place(data.territory))
    participation_rows, resource_rows, order, voted = [], [], [], []
    for place, protect in places(data, params):
        name = bodies if place == bodies_label(data.territory) else place
        order.append(name)
        part = protect.data
        summary = protect.participation(
            stats.participation_summary(part.attendance, part.entities, min_cell=params.min_cell)
        )
        participation_rows.append(summary[summary["category"] == "all"].drop(columns="category").assign(territory=name))
        votes = stats.prepare_votes(part.votes, part.entities, by=())
        if len(votes):
            resource_rows.append(protect.resources(votes).assign(territory=name))
            voted.append((name, protect, votes))
    participation = pd.concat(participation_rows, ignore_index=True)
    participation = participation[["territory", *[c for c in participation.columns if c != "territory"]]]
    participation = participation.round({"mean_meetings": 1, "share_by_regulars": 2, "gini": 2})
    resources = pd.concat(resource_rows, ignore_index=True)
    resources = resources[["territory", *[c for c in resources.columns if c != "territory"]]]
    resources["territory"] = pd.Categorical(resources["territory"], categories=order, ordered=True)
    resources = resources.sort_values(["territory", "resource"]).reset_index(drop=True)
    resources["territory"] = resources["territory"].astype(str)
    levels, test = _territory_levels(data, scores, params, voted, sorted(resources["resource"].unique(), key=str))
    section = Section(
        tables={
            "territories_participation": participation,
            "territories_resources": resources,
            "territories_levels": levels,
            "territories_test": test,
        }
    )
    scale = tuple(int(v) for v in data.process.scale)
    drawn = bool(levels["level"].notna().any())
    if drawn:
        section.add_figure(
            plots.territory_multiples(
                levels.assign(resource=levels["resource"].replace({"all": _ALL_RESOURCES})),
                "level",
                "Il livello dei voti territorio per territorio, al netto delle caselle votate, con intervallo al 95%",
                f"Scarto dal voto medio dell'area nelle stesse caselle (punti della scala {scale_range(scale)})",
                decimals=1,
                low="ci_low",
                high="ci_high",
                reference=0.0,
                order=[_ALL_RESOURCES, *sorted(levels.loc[levels["resource"] != "all", "resource"].unique(), key=str)],
            ),
            _territories_finding(levels, test),
        )
    see = Safe(" (" + figure_ref() + ")") if drawn else Safe("")
    section.add(paragraph(_territory_sentence(test, levels, params, see)))
    section.add(
        table_html(
            participation.set_index("territory").reindex(order).reset_index(),
            {
                "territory": "Territorio",
                "n_entities": "Enti",
                "n_attending": "Presenti almeno una volta",
                "mean_meetings": "Incontri per ente (media)",
                "share_by_regulars": "Presenze degli abituali",
                "gini": "Gini delle presenze",
            },
            "La partecipazione territorio per territorio",
            formats={"share_by_regulars": fmt.pct, "gini": lambda g: fmt.num(g, 2)},
            min_cell=params.min_cell,
            note=f"«{bodies}»: enti con sede o azione {_whole(data)}. Abituali: enti presenti ad almeno "
            f"{stats.REGULAR_MIN_MEETINGS} incontri; «Presenze degli abituali» è la quota di tutte le presenze fatta "
            "da loro. Gini: 0 = presenze distribuite in modo uguale, 1 = concentrate in un solo ente.",
        )
    )
    return section


#: Delegate-bootstrap replicates behind each territory's standard error.
_LEVEL_DRAWS = 1000
#: How the figure names a territory's level over every resource.
_ALL_RESOURCES = "Tutte le fonti"


def _territory_levels(data: Processed, scores: Scores, params: Parameters, voted: list, resources: list) -> tuple:
    """Each shown territory's level per resource with its interval, and the permutation test, protected.

    The deviations are taken on the cells the territory shows that the area shows too (a
    mean over a hidden cell, next to the shown ones, would give it back), against the
    area's published cell means. A territory with fewer than ``min_cell`` delegates gets
    blank rows; ``n_delegates`` is the voters cube's count (blank where it hides it).
    """
    area_votes = scores.votes if scores.votes is not None else stats.prepare_votes(data.votes, data.entities, by=())
    area_shown = guard(data, params).shown_votes(area_votes)
    cell_means = area_shown.groupby(["field", "resource", "need"])["score"].mean()
    frames, counts = [], {}
    shown_places = _places_shown({name: votes["rater"].nunique() for name, _, votes in voted}, params.min_cell)
    for name, protect, votes in voted:
        voters = protect.voters().set_index("group")["n_delegates"]
        counts[name] = voters.get("all", float("nan"))
        if name not in shown_places:
            continue
        shown = protect.shown_votes(votes)
        if len(shown):
            frames.append(shown.assign(place=name))
    rows = pd.DataFrame(
        [(name, resource) for name, _, _ in voted for resource in ["all", *resources]],
        columns=["territory", "resource"],
    )
    test = pd.DataFrame([{"statistic": float("nan"), "p_value": float("nan"), "n_places": 0}])
    found = pd.DataFrame(columns=["territory", "resource", "n_delegates", "level", "se", "ci_low", "ci_high"])
    if frames:
        deviations = territory_stats.delegate_deviations(pd.concat(frames, ignore_index=True), cell_means)
        found = territory_stats.territory_levels(deviations, n_boot=_LEVEL_DRAWS, seed=params.seed)
        found = found.rename(columns={"place": "territory"})
        test = territory_stats.territory_test(deviations, seed=params.seed)[["statistic", "p_value", "n_places"]]
        test = test.assign(n_permutations=config.BEST_CROSSING_DRAWS)
    levels = rows.merge(found, on=["territory", "resource"], how="left")
    small = ~levels["territory"].isin(shown_places)
    # a place without a shown cell has no level either: blank, hence flagged
    levels["suppressed"] = (small | levels["level"].isna()).to_numpy()
    for column in ("level", "se", "ci_low", "ci_high"):
        levels.loc[small, column] = float("nan")
    levels["n_delegates"] = [
        counts.get(t, float("nan")) if r == "all" else float("nan")
        for t, r in zip(levels["territory"], levels["resource"], strict=True)
    ]
    levels = levels[["territory", "resource", "n_delegates", "level", "ci_low", "ci_high", "suppressed"]]
    return levels, test.reset_index(drop=True)


def _places_shown(delegates: dict[str, int], min_cell: int) -> set[str]:
    """The places whose level may be shown: at least ``min_cell`` delegates, and the hidden ones together too.

    Each delegate's deviations from the area's cell means add up to zero over the area's
    delegates (exactly when all vote as many cells), so the levels of the shown places,
    with their counts, give the hidden places' combined level: the hidden places must
    together have at least ``min_cell`` delegates, or none. The smallest shown places are
    hidden with them until they do.

    >>> sorted(_places_shown({"A": 30, "B": 8, "C": 2, "D": 0}, 5))
    ['A']
    >>> sorted(_places_shown({"A": 30, "B": 8, "C": 6}, 5))
    ['A', 'B', 'C']
    >>> sorted(_places_shown({"A": 30, "B": 3, "C": 3}, 5))
    ['A']
    """
    shown = {name for name, n in delegates.items() if n >= min_cell}
    hidden = sum(n for name, n in delegates.items() if name not in shown)
    for name in sorted(shown, key=lambda place: (delegates[place], place)):
        if hidden == 0 or hidden >= min_cell:
            break
        shown.discard(name)
        hidden += delegates[name]
    return shown


def _territories_finding(levels: pd.DataFrame, test: pd.DataFrame) -> str:
    """The small multiples' main finding: the highest and lowest level over every resource, and the test.

    Levels are read at the figure's precision (one decimal), as deviations from the area.

    >>> levels = pd.DataFrame({"territory": ["Brescia", "Milano", "Pavia"], "resource": ["all"] * 3,
    ...                        "level": [0.31, -0.24, None]})
    >>> print(_territories_finding(levels, pd.DataFrame([{"p_value": 0.98}])))  # doctest: +NORMALIZE_WHITESPACE
    Su tutte le fonti insieme, tra i territori mostrati il livello più alto è quello di Brescia (+0,3 punti dal voto
    medio dell'area), il più basso quello di Milano (-0,2); le differenze non vanno oltre il caso (test di
    permutazione, p = 0,980).
    """
    overall = levels[levels["resource"] == "all"]
    values = pd.Series(overall["level"].to_numpy(), index=overall["territory"].to_numpy())
    shown = values.dropna()
    printed = shown.map(lambda v: fmt.rounded(v, 1))
    signed = lambda v: ("+" if fmt.rounded(v, 1) > 0 else "") + fmt.num(v, 1)  # noqa: E731
    scope = "tra i territori mostrati " if len(shown) < len(values) else ""

    def named(value: float) -> Safe:
        names = [sentence("{t}", t=t) for t in printed[printed == value].index]
        return names[0] if len(names) == 1 else Safe(", ".join(names[:-1]) + " e " + names[-1])

    if len(shown) == 1:
        return plain(
            sentence(
                "Su tutte le fonti insieme, l'unico territorio mostrato è {t}, a {v} punti dal voto medio dell'area.",
                t=shown.index[0],
                v=signed(shown.iloc[0]),
            )
        )
    if printed.max() == printed.min():
        text = sentence(
            "Su tutte le fonti insieme, ogni territorio mostrato è a {v} punti dal voto medio dell'area",
            v=signed(shown.iloc[0]),
        )
    else:
        high, low = printed.max(), printed.min()
        text = sentence(
            "Su tutte le fonti insieme, " + scope + "il livello più alto è quello di {h} ({hv} punti dal voto medio "
            "dell'area), il più basso quello di {l} ({lv})",
            h=named(high),
            hv=signed(high),
            l=named(low),
            lv=signed(low),
        )
    tested = claims.verdict(
        test.iloc[0]["p_value"],
        significant="; le differenze vanno oltre il caso (test di permutazione, {p}).",
        not_significant="; le differenze non vanno oltre il caso (test di permutazione, {p}).",
    )
    return plain(text + (tested or "."))


def _territory_sentence(test: pd.DataFrame, levels: pd.DataFrame, params: Parameters, see: Safe = NO_TEXT) -> str:
    """The permutation test's result in one sentence, true for every case (no test, few territories).

    ``see`` («(figura 12)») points at the territories' figure.
    """
    row = test.iloc[0]
    shown = int(levels.loc[levels["resource"] == "all", "level"].notna().sum())
    if pd.isna(row["p_value"]) or shown < 2:
        return sentence(
            "I territori non sono confrontati tra loro: meno di due si possono mostrare (ognuno deve avere caselle "
            "mostrate e almeno {k} delegati, e almeno {k} anche i territori nascosti, tutti insieme).",
            k=params.min_cell,
        )
    return claims.verdict(
        row["p_value"],
        significant="I territori{see} differiscono più di quanto spiegherebbe il caso: un test di permutazione (i "
        "delegati riassegnati a caso ai territori, ciascuno nel suo gruppo, su {n} territori mostrati) dà {p}.",
        not_significant="Le differenze tra i territori{see} non vanno oltre il caso: un test di permutazione (i delegati "
        "riassegnati a caso ai territori, ciascuno nel suo gruppo, su {n} territori mostrati) dà {p}: le differenze "
        "tra i livelli possono venire dai singoli delegati di ciascun territorio, più o meno generosi nel votare.",
        n=fmt.integer(shown),
        see=see,
    )


def bodies_name(place) -> str:
    """How the tables name the bodies whose territory is a region or Italy itself.

    Parameters
    ----------
    place : Place
        A region, or Italy.

    Returns
    -------
    str
        "Enti regionali" or "Enti nazionali".

    Examples
    --------
    >>> from datetime import date
    >>> from palestre_analysis.core.geography import Geography
    >>> bodies_name(Geography("Italia", date(2019, 6, 30)).area), bodies_name(Geography("Veneto", date(2019, 6, 30)).area)
    ('Enti nazionali', 'Enti regionali')
    """
    return "Enti nazionali" if place.level == "nazione" else REGION_WIDE_NAME


def _whole(data: Processed) -> str:
    """ "in tutta la regione Lombardia", "su tutto il territorio nazionale"."""
    place = data.geography.place(data.territory)
    return "su tutto il territorio nazionale" if place.level == "nazione" else f"in tutta la regione {place.name}"


def methods(data: Processed, params: Parameters) -> Section:
    """Methods and their references, the suppression rule, pseudonymisation, inputs and versions.

    Parameters
    ----------
    data : Processed
        The processed tables (their cleaning report names the raw files and their SHA-256).
    params : Parameters
        The checked notebook parameters (``min_cell`` and ``seed`` are printed).

    Returns
    -------
    Section
        Text and two tables; tables ``inputs`` and ``versions``.
    """
    section = Section()
    bands = bands_of(data.process)
    section.add(
        HTML(
            _METHODS_HTML.format(
                min_cell=params.min_cell,
                floor=config.MIN_CELL_FLOOR,
                seed=params.seed,
                draws=fmt.integer(config.BEST_CROSSING_DRAWS),
                regular=stats.REGULAR_MIN_MEETINGS,
                high=scores_phrase(*bands[2]),
                consensus=_consensus_method(bands),
                pseudonyms=_pseudonyms(data),
                groups=" contro ".join(html.escape(g.label) for g in data.process.groups),
                reference=_reference_method(params),
            )
        )
    )
    inputs = pd.DataFrame(sorted(data.report.get("inputs", {}).items()), columns=["file", "sha256"])
    section.add(
        table_html(
            inputs,
            {"file": "File grezzo", "sha256": "SHA-256"},
            "I dati di partenza",
            note="L'impronta SHA-256 identifica il contenuto esatto di ogni file: stessi file, stesse "
            "impronte, stesso rapporto.",
        )
    )
    versions = pd.DataFrame(
        [(name, version or "non installato") for name, version in package_versions().items()],
        columns=["package", "version"],
    )
    section.add(table_html(versions, {"package": "Pacchetto", "version": "Versione"}, "Le versioni del software"))
    section.tables = {"inputs": inputs, "versions": versions}
    return section


def _consensus_method(bands: Bands = DEFAULT_BANDS) -> str:
    """The consensus line of the methods: r_wg first, then the process's band rule, with its source and its limit.

    >>> _consensus_method()[:119]
    'r_wg per casella (James, Demaree e Wolf 1984): 1 meno il rapporto tra la varianza dei voti e quella di voti dati a caso'
    >>> "almeno il 75% dei voti nella stessa fascia (1-4, 5-6, 7-10), la soglia mediana negli studi Delphi (Diamond et al. 2014; Birko et al. 2015)" in _consensus_method()
    True
    >>> "stessa fascia (1-2, 3, 4-5)" in _consensus_method(((1, 2), (3, 3), (4, 5)))
    True
    """
    rwg = (
        "r_wg per casella (James, Demaree e Wolf 1984): 1 meno il rapporto tra la varianza dei voti e quella di voti "
        "dati a caso su tutti i valori della scala, senza troncarlo a zero (negativo dove i voti sono polarizzati, "
        "come r*_wg di Lindell, Brandt e Whitney 1999), letto con la scala di LeBreton e Senter (2008: fino a 0,30 "
        "nessun accordo, fino a 0,50 debole, 0,70 moderato, 0,90 forte, oltre molto forte), con un intervallo al 95% "
        "dal bootstrap dei delegati; il suo valore atteso non dipende dal numero dei delegati, mentre tende a salire "
        "vicino agli estremi della scala, dove i voti hanno meno spazio per disperdersi. Accanto, la regola del "
        "processo: "
    )
    rule = resolve_consensus_rule(config.CONSENSUS_RULE)
    if rule.kind != "percent":
        text = f"scarto interquartile dei voti non superiore a {fmt.num(rule.threshold)}"
    else:
        text = f"almeno {fmt.pct_article(rule.threshold)} dei voti nella stessa fascia ({bands_text(bands)})"
        if rule.threshold == 0.75:
            text += ", la soglia mediana negli studi Delphi (Diamond et al. 2014; Birko et al. 2015)"
    return (
        rwg + text + "; quanto spesso questa regola trova consenso dipende dal numero dei delegati, anche a parità di "
        "opinioni, e le quote di caselle con consenso non si confrontano tra territori di dimensioni diverse"
    )


def _reference_method(params: Parameters) -> str:
    """The composition comparisons' lines of the methods: what the area is compared with, and the territories."""
    territories = (
        " Ogni territorio è confrontato con la rete che lo contiene (una provincia con la sua regione, una regione "
        "con l'intera rete) con il test esatto condizionato: la sua composizione è messa a confronto con quella di "
        f"{fmt.integer(9999)} gruppi di enti della stessa dimensione estratti a caso da quella rete (distribuzione "
        "ipergeometrica multivariata; Freeman e Halton 1951; Agresti 2013), sul chi quadrato di Pearson; le "
        "categorie nascoste per riservatezza vi sono contate insieme."
    )
    kind = reference_kind(params)
    origin = html.escape(reference_origin(params)) if kind else ""
    if kind == "":
        return "il processo non indica quote di riferimento, e l'intera rete non è confrontata con altre." + territories
    if kind == "coerenza":
        return (
            f"le quote di riferimento ({origin}) sono la composizione pubblicata della rete stessa: confrontarle "
            "con i dati con un test vorrebbe dire confrontare la rete con sé stessa, e servono solo da controllo di "
            "coerenza (ogni quota calcolata dai dati deve scostarsi da quella pubblicata di non più di un'unità "
            "dell'ultima cifra pubblicata). Per sapere se la rete rappresenta il Terzo Settore del territorio serve "
            "un riferimento esterno, come le quote del RUNTS o del censimento ISTAT, da indicare in processo.toml "
            'con tipo = "esterna" e la sua fonte.' + territories
        )
    what = "un riferimento esterno" if kind == "esterna" else "le quote di riferimento"
    return (
        f"confronto con {what} ({origin}) con un test Monte Carlo sul chi quadrato di Pearson (Hope 1968), valido "
        "anche con frequenze attese piccole; gli enti della rete non sono un campione casuale, e il test dice solo "
        "se la loro composizione sarebbe plausibile per enti estratti a caso dalla popolazione che le quote "
        "descrivono." + territories
    )


def _pseudonyms(data: Processed) -> str:
    """How names and emails were replaced, true for real data and for the synthetic demo (public key) alike."""
    report = data.report or {}
    if report.get("personal_data") is False:
        return "I file grezzi non contengono nomi né email dei delegati: non c'era nulla da pseudonimizzare."
    if "delegate_id" in data.entities and data.entities["delegate_id"].isna().all():
        return (
            "Nomi ed email dei delegati sono scartati già in fase di pulizia: nessun nome o indirizzo arriva alle "
            "tabelle elaborate o ai rapporti."
        )
    if report.get("demo_data"):
        return (
            "I dati di questa relazione sono sintetici (dati dimostrativi, senza persone reali): i loro nomi ed email, "
            "inventati, sono sostituiti già in fase di pulizia da pseudonimi calcolati con HMAC-SHA256 e, se non ne è "
            "stata impostata un'altra, con la chiave pubblica dei dati dimostrativi, che non è segreta e va bene solo "
            "perché nessuna persona reale vi compare. Nessun nome o indirizzo arriva alle tabelle elaborate o ai "
            "rapporti."
        )
    secret = " segreta conservata fuori dal progetto" if "demo_data" in report else ""
    return (
        "Nomi ed email dei delegati sono sostituiti già in fase di pulizia da pseudonimi calcolati con HMAC-SHA256 e "
        f"una chiave{secret}: nessun nome o indirizzo arriva alle tabelle elaborate o ai rapporti."
    )


_METHODS_HTML = """
<ul>
<li><strong>Composizione della rete</strong>: quota di ogni categoria con intervallo di confidenza al 95% di Wilson
(Wilson 1927; Newcombe 1998); {reference}</li>
<li><strong>Partecipazione</strong>: presenze e nuovi arrivi per incontro; enti abituali (almeno {regular} incontri);
concentrazione delle presenze con l'indice di Gini; rete delle co-presenze (due enti sono legati se hanno
partecipato allo stesso incontro) con densità e componenti (Wasserman e Faust 1994); la quota di legami tra categorie
diverse è confrontata con la sua distribuzione se le categorie fossero assegnate a caso agli stessi enti, lasciando i
legami come sono (test di permutazione, QAP: Krackhardt 1988; 9.999 permutazioni con seme {seed} oppure, nelle reti
con più di 5.000 legami, la distribuzione normale con media e varianza esatte della permutazione: Mantel 1967; Cliff
e Ord 1981), con l'intervallo al 95% e il p a due code.</li>
<li><strong>Contributi della fase 1</strong>: frequenze per nodo strategico e categoria; indipendenza con un test
di permutazione sul chi quadrato; intensità con la V di Cramér.</li>
<li><strong>Voti della fase 2</strong>: per ogni casella (campo, fonte, esigenza) numero di delegati, media,
mediana, scarto interquartile, quota di voti {high} e intervallo di confidenza al 95% della media secondo Student
(t con n − 1 gradi di libertà: ogni delegato vota una casella una sola volta). Le versioni precedenti davano il
bootstrap percentile calcolato «in modo esatto» dall'istogramma dei voti: esatto come bootstrap, perché privo di
errore di ricampionamento, non nella copertura (con 5 delegati copriva la media vera circa 83 volte su 100, con 7
circa 87, mentre l'intervallo di Student la copre 94–96 volte su 100 a ogni numero di delegati).</li>
<li><strong>Voto medio al netto della generosità dei delegati</strong>: un modello additivo (voto = effetto della
casella + effetto del delegato + errore), stimato con i minimi quadrati sui voti delle sole caselle mostrate, separa
le due parti (l'analisi intra-blocchi dei disegni a blocchi incompleti: Yates 1936; Houston, Raymond e Svec 1991). Il
voto medio corretto è l'effetto della casella, spostato in modo che la media delle medie corrette sia uguale a quella
delle medie grezze, in ogni parte del disegno collegata da delegati comuni; se ogni delegato votasse ogni casella
coinciderebbe con il voto medio grezzo. L'effetto del delegato assorbe anche ciò che è costante per un gruppo.
<strong>Voto medio con i gruppi pesati</strong> (post-stratificazione, Holt e Smith 1979): la media dei voti medi dei
due gruppi in una casella, ciascuno pesato con la sua quota tra i delegati del territorio che hanno votato, dove
entrambi i gruppi sono mostrati (i pesi degli enti della rete direbbero quanti enti di ciascun gruppo non hanno
votato, un numero che può essere piccolo).</li>
<li><strong>Miglior incrocio</strong>: fonti ordinate per voto medio; in {draws} repliche bootstrap per delegato
(ogni delegato estratto porta con sé tutti i suoi voti e ogni gruppo mantiene il suo numero di delegati; seme
{seed}) si contano le repliche in cui ogni fonte è la prima e si costruisce l'insieme di confidenza al 95% della
fonte migliore, con intervalli simultanei delle posizioni (metodo max-t per passi: Mogstad, Romano, Shaikh e Wilhelm
2024; Romano e Wolf 2005). Il primato è «netto» solo quando l'insieme ha una sola fonte.</li>
<li><strong>Consenso</strong>: {consensus}.</li>
<li><strong>Affidabilità e accordo tra i delegati</strong>: per ogni campo, un modello a effetti casuali incrociati
caselle × delegati (teoria della generalizzabilità, Brennan 2001) stima la varianza tra le caselle, quella dovuta
alla generosità dei delegati e quella residua con il metodo delle somme simmetriche (Koch 1968), non distorto anche
quando non tutti i delegati votano tutte le caselle; ne derivano l'ICC(A,1), l'accordo del voto di un singolo
delegato, e l'ICC(A,k), l'affidabilità della media di una casella con i suoi delegati (McGraw e Wong 1996), con
intervalli al 95% dal bootstrap dei delegati; uno studio D (formula di Spearman-Brown) dice quanti delegati per
casella danno alle medie un'affidabilità di 0,8. Accanto, l'alfa di Krippendorff intervallare e ordinale con
l'intervallo bootstrap di Krippendorff (Krippendorff 2011; Hayes e Krippendorff 2007), che come l'ICC(A,1) riguarda
il singolo delegato. Tutto è calcolato sulle caselle mostrate.</li>
<li><strong>Confronto tra i gruppi</strong> ({groups}): per ogni fonte di risorse, la differenza tra i due gruppi
stimata con un modello lineare misto (effetti fissi per casella e per gruppo × fonte, intercetta casuale per
delegato; massima verosimiglianza ristretta, REML: Patterson e Thompson 1971; Harville 1977), con intervallo di
confidenza al 95% (t di Student sui delegati meno 2); lo scarto medio sulle fonti è riportato a parte, perché non si
distingue da un diverso uso della scala da parte dei due gruppi. Delta di Cliff per fonte sulle coppie di voti della
stessa casella (Cliff 1993), con intervallo bootstrap sui delegati ricampionati per gruppo. Test di Mann-Whitney per
casella solo dove il più piccolo p ottenibile può superare la correzione di Benjamini-Hochberg (1995) (screening di
Tarone 1990; Gilbert 2005). Nei rapporti delle province le differenze sono stimate insieme a quelle delle altre
province della regione (Fay e Herriot 1979; errore quadratico medio di Prasad e Rao 1990).</li>
<li><strong>Territori a confronto</strong>: per ogni territorio, la media degli scarti dei suoi delegati dal voto
medio dell'area nelle stesse caselle, con intervallo al 95% (errore standard dal bootstrap sui delegati del
territorio, quantile t di Student); un unico test di permutazione, con i delegati riassegnati a caso ai territori
all'interno di ciascun gruppo, sulla varianza pesata dei livelli (Good 2005; Manly 2007).</li>
<li><strong>Analisi di sensibilità</strong> (Saltelli e altri 2008; Steegen e altri 2016): i risultati principali
sono ricalcolati cambiando una scelta alla volta: una soglia di riservatezza più alta (il doppio e il quadruplo di
quella del rapporto, mai più bassa; solo la regola delle caselle piccole, non le soppressioni secondarie), l'altra
regola di consenso, il voto mediano al posto del voto medio, i due voti medi alternativi.</li>
</ul>
<h3>Riservatezza</h3>
<p>Nessuna statistica calcolata su meno di <strong>{min_cell}</strong> delegati è mostrata (la soglia non può
scendere sotto {floor}, minimo del codice di deontologia statistica Sistan). Ogni conteggio è deciso una volta per
tutti i rapporti e tutti i territori insieme: quando un dato nascosto si potrebbe ricavare per differenza (da un
territorio meno gli altri dello stesso livello, da un totale meno le sue parti, da un gruppo meno l'altro), si nascondono anche
altri dati, finché un programma lineare intero su tutte le somme non lo lascia più ricavare; medie e quote si
calcolano solo sulle caselle mostrate. Un controllo automatico («palestre audit», che «make reports» esegue dopo ogni
batch) prova a ricostruire ogni dato nascosto da tutte le tabelle pubblicate. I valori nascosti sono segnati con ‡; un valore
nascosto può anche essere zero.
{pseudonyms}
I testi liberi dei contributi sono citati solo nel rapporto dell'intera area del processo, per nodi con almeno {min_cell} enti
che hanno contribuito, e sono mostrati come testo, mai interpretati.</p>
"""
