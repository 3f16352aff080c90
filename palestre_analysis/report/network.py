"""Phase 1 sections: the network, the calendar of meetings, participation, contributions.

Every section function takes the processed tables of one territory
(:func:`~palestre_analysis.ingest.processed.for_territory`) and the checked notebook
parameters, and returns a :class:`~palestre_analysis.report.section.Section`; a territory
with fewer entities than ``min_cell`` gets an empty one (only :func:`overview` speaks, to
say why nothing is shown).
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from types import SimpleNamespace

import numpy as np
import pandas as pd

from palestre_analysis import config, stats
from palestre_analysis.core.vocabulary import CATEGORY_LABELS, CATEGORY_OF_PHRASE, NODES
from palestre_analysis.ingest.processed import Processed, for_territory
from palestre_analysis.report import claims, places, plots
from palestre_analysis.report import formatting as fmt
from palestre_analysis.report.display import NO_TEXT, Safe, bullets, paragraph, plain, sentence, table_html
from palestre_analysis.report.parameters import Parameters
from palestre_analysis.report.protection import guard
from palestre_analysis.report.section import Section, figure_ref, table_ref, too_small, unless_small
from palestre_analysis.stats.composition import composition_consistency, subset_composition_test
from palestre_analysis.stats.disclosure import blank_where

__all__ = [
    "overview",
    "CompositionComparison",
    "compare_composition",
    "reference_kind",
    "consistency_sentence",
    "composition",
    "reference_origin",
    "meetings",
    "participation",
    "network",
    "mixing_decimals",
    "contributions",
]

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


@dataclass(frozen=True)
class CompositionComparison:
    """A territory's composition and what it is compared with, protected by the batch's decisions.

    Parameters
    ----------
    composition : DataFrame
        The territory's composition (:func:`~palestre_analysis.stats.composition`),
        through the territory's :class:`~palestre_analysis.report.protection.Guard`; at the
        area with reference shares, ``reference_share``; elsewhere ``enclosing_share``
        (the share of the territory that contains it, as its own report shows it).
    kind : str
        ``"coerenza"`` (the network's own published shares: a consistency check),
        ``"esterna"`` (an external frame of the process file), ``"parametro"`` (shares
        chosen for this report), ``"territorio"`` (the territory against the one that
        contains it) or ``""`` (nothing to compare with).
    result : DataFrame or None
        One row: :func:`~palestre_analysis.stats.composition.composition_consistency`
        for ``coerenza``, :func:`~palestre_analysis.stats.composition_test` or
        :func:`~palestre_analysis.stats.composition.subset_composition_test` otherwise;
        its statistics blank where they could give back a hidden count.
    table : str
        The name its CSV is saved under (``composition_check``, ``composition_test``).
    reference : str
        Where the shares come from (:func:`reference_origin`), or the name of the
        territory that contains this one.
    pooled : tuple of str
        Categories counted together in the test, because some of them are hidden.
    """

    composition: pd.DataFrame
    kind: str
    result: pd.DataFrame | None
    table: str
    reference: str
    pooled: tuple[str, ...] = ()


#: The label under which hidden categories are counted together in a test.
_POOLED = "categorie nascoste"


def compare_composition(data: Processed, params: Parameters) -> CompositionComparison:
    """The territory's composition, and its comparison: with an external frame, as a check, or with its enclosing territory.

    At the area (the whole network) the reference shares are compared: the network's own
    published shares (``tipo = "rete"``, the seed's) only as a consistency check
    (:func:`~palestre_analysis.stats.composition.composition_consistency`), an external
    frame (``tipo = "esterna"``) or shares given as a parameter with a Monte Carlo test
    (:func:`~palestre_analysis.stats.composition_test`). Any other territory is compared
    with the one that contains it (a province with its region, a region with Italy) by the
    exact conditional test of a random subset
    (:func:`~palestre_analysis.stats.composition.subset_composition_test`).

    Parameters
    ----------
    data : Processed
        The processed tables of one territory.
    params : Parameters
        The checked notebook parameters.

    Returns
    -------
    CompositionComparison

    Notes
    -----
    Disclosure: a comparison uses only published counts. The categories hidden here or
    in the territory compared with are counted together (their total is the published
    total minus the categories shown; the batch's rule leaves it at zero or at least
    ``min_cell``), and the comparison is blank when fewer than two groups are left. The
    consistency check needs every category shown.
    """
    protect = guard(data, params)
    min_cell = params.min_cell
    parent = data.geography.parent(data.territory)
    if parent is None:
        shares = params.reference_shares
        table = protect.composition(stats.composition(data.entities, shares, min_cell=min_cell))
        kind = reference_kind(params)
        if kind == "":
            return CompositionComparison(table.drop(columns="reference_share"), "", None, "", "")
        origin = reference_origin(params)
        if kind == "coerenza":
            check = composition_consistency(data.entities, shares, min_cell=min_cell)
            if not protect.categories_shown():
                check = blank_where(check, [True] * len(check), _CHECKED)
            return CompositionComparison(table, kind, check, "composition_check", origin)
        hidden = _hidden(table)
        entities = data.entities.assign(category=_pool(data.entities["category"], hidden))
        pooled = {c: v for c, v in shares.items() if c not in hidden}
        if hidden:
            pooled[_POOLED] = sum(shares.get(c, 0.0) for c in hidden)
        test = stats.composition_test(entities, pooled, seed=params.seed, min_cell=min_cell)
        if protect.entities_hidden() or sum(share > 0 for share in pooled.values()) < 2:
            test = blank_where(test, [True] * len(test), ["statistic", "p_value"])
        return CompositionComparison(table, kind, test, "composition_test", origin, tuple(sorted(hidden)))
    whole = for_territory(data.region, parent.name)
    theirs = guard(whole, params).composition(stats.composition(whole.entities, None, min_cell=min_cell))
    mine = protect.composition(stats.composition(data.entities, None, min_cell=min_cell))
    mine = mine.drop(columns="reference_share").merge(
        theirs[["category", "share"]].rename(columns={"share": "enclosing_share"}), on="category", how="left"
    )
    hidden = _hidden(mine) | _hidden(theirs)
    part = data.entities.assign(category=_pool(data.entities["category"], hidden))
    population = whole.entities.assign(category=_pool(whole.entities["category"], hidden))
    test = subset_composition_test(part, population, seed=params.seed, min_cell=min_cell)
    groups = population["category"].nunique()
    if groups < 2 or theirs["n_total"].isna().all() or mine["n_total"].isna().all():
        test = blank_where(test, [True] * len(test), ["statistic", "p_value", "n_population"])
    test.insert(0, "reference", parent.name)
    return CompositionComparison(mine, "territorio", test, "composition_test", parent.name, tuple(sorted(hidden)))


#: The columns of a consistency check that go blank with it.
_CHECKED = ["category", "share", "published_share", "max_gap", "consistent"]


def _hidden(table: pd.DataFrame) -> set[str]:
    """Categories whose count the table does not show."""
    return set(table.loc[table["n"].isna(), "category"].astype(str))


def _pool(categories: pd.Series, hidden: set[str]) -> pd.Series:
    """Hidden categories under one label, so that a test sees only their (published) total."""
    return categories.astype(str).where(~categories.astype(str).isin(hidden), _POOLED)


def reference_kind(params: Parameters) -> str:
    """What the area's reference shares are: ``coerenza``, ``esterna``, ``parametro``, or ``""`` without any.

    Parameters
    ----------
    params : Parameters
        The checked notebook parameters.

    Returns
    -------
    str
        ``coerenza`` for the process's shares marked as the network's own published
        composition (``tipo = "rete"``, the seed's), ``esterna`` for an external frame,
        ``parametro`` for shares chosen as this report's parameter.

    Examples
    --------
    >>> from palestre_analysis.report.parameters import check_parameters
    >>> reference_kind(check_parameters("Lombardia", 5, 1)), reference_kind(check_parameters("Lombardia", 5, 1, reference_shares={}))
    ('coerenza', '')
    """
    shares = params.reference_shares
    if not shares:
        return ""
    if shares == params.process.reference_shares:
        return "coerenza" if params.process.reference_kind == "rete" else "esterna"
    return "parametro"


@unless_small
def composition(data: Processed, params: Parameters) -> Section:
    """Composition by category with Wilson intervals, and its comparison (:func:`compare_composition`).

    Parameters
    ----------
    data : Processed
        The processed tables of one territory.
    params : Parameters
        The checked notebook parameters (``reference_shares``, ``seed``, ``min_cell``).

    Returns
    -------
    Section
        Chart, table and sentences; tables ``composition`` and, where there is a
        comparison, ``composition_check`` (the network against its own published
        shares) or ``composition_test``.
    """
    comparison = compare_composition(data, params)
    table = comparison.composition
    tables = {"composition": table}
    if comparison.result is not None:
        tables[comparison.table] = comparison.result
    section = Section(tables=tables)
    if table["share"].notna().any():
        chart = table.drop(columns="enclosing_share") if "enclosing_share" in table else table
        section.add_figure(
            plots.composition_chart(chart, f"Composizione della rete – {data.territory}"), _composition_finding(table)
        )
    parent = comparison.reference if comparison.kind == "territorio" else ""
    reference_header = {
        "coerenza": "Quota pubblicata",
        "esterna": "Quota di riferimento",
        "parametro": "Quota di riferimento",
    }.get(comparison.kind)
    section.add(
        table_html(
            table,
            {
                "category": "Categoria",
                "n": "Enti",
                "share": "Quota",
                "ci_low": "IC 95% da",
                "ci_high": "IC 95% a",
                **({"reference_share": reference_header} if reference_header else {}),
                **({"enclosing_share": f"Quota {places.where(params, parent)}"} if parent else {}),
            },
            f"Enti per categoria – {data.territory} (n = {fmt.integer(len(data.entities))})",
            formats={
                "category": lambda c: _CATEGORY_NAMES.get(c, c),
                "share": fmt.pct,
                "ci_low": fmt.pct,
                "ci_high": fmt.pct,
                "reference_share": fmt.pct,
                "enclosing_share": fmt.pct,
            },
            min_cell=params.min_cell,
            note="IC 95%: intervallo di confidenza di Wilson, che legge la rete come uno dei gruppi di enti che "
            f"avrebbero potuto partecipare. {_reference_note(comparison, params)}",
        )
    )
    see = _pointer(section)
    section.add(paragraph(*_composition_sentences(comparison, params, data.territory, see)))
    return section


def _pointer(section: Section) -> Safe:
    """«(figura 1 e tabella 1)»: the section's first figure and first table, as far as it shows them."""
    refs = [ref() for ref, kind in ((figure_ref, "figura"), (table_ref, "tabella")) if section.count(kind)]
    return Safe(" (" + " e ".join(refs) + ")") if refs else Safe("")


def _composition_finding(table: pd.DataFrame) -> str:
    """The chart's main finding: the largest category, as far as the shown shares tell."""
    shares = table.set_index("category")["share"]
    largest = claims.best(
        shares,
        fmt.pct,
        "La categoria più rappresentata{scope} è {name}, con {value} degli enti.",
        "Le categorie più rappresentate{scope} sono {names}, con {value} degli enti ciascuna.",
        scope=" tra quelle mostrate",
        single="Una sola categoria è mostrata: {name}, con {value} degli enti.",
        say=fmt.pct_article,
        name=lambda c: sentence("quella {c}", c=CATEGORY_OF_PHRASE.get(c, c)),
        hidden_below=1 - shares.sum(),
    )
    return plain(largest) if largest else "Ogni categoria mostrata ha la stessa quota degli enti."


def _reference_note(comparison: CompositionComparison, params: Parameters) -> str:
    """Under the table: what the reference column is, and what comparing with it can say."""
    if comparison.kind == "coerenza":
        return (
            f"Quote pubblicate: {comparison.reference}, sulla stessa rete; il confronto è quindi un "
            "controllo di coerenza dei dati, non un test di rappresentatività."
        )
    if comparison.kind in ("esterna", "parametro"):
        return f"Quote di riferimento: {comparison.reference}."
    if comparison.kind == "territorio":
        return (
            f"Quota {places.where(params, comparison.reference)}: la composizione dell'intera rete "
            f"{places.network_of(params, comparison.reference)}, come la mostra il suo rapporto."
        )
    return ""


def reference_origin(params: Parameters) -> str:
    """Where the reference shares come from, as a phrase ("documento «Palestre di capacità»").

    Parameters
    ----------
    params : Parameters
        The checked notebook parameters.

    Returns
    -------
    str
        The seed's document, the source the process file names (``fonte``) and the file,
        or the report's parameter.

    Examples
    --------
    >>> from palestre_analysis.report.parameters import check_parameters
    >>> reference_origin(check_parameters("Lombardia", 5, 1))
    'documento «Palestre di capacità»'
    """
    process = params.process
    if params.reference_shares == process.reference_shares:
        named = f"{process.reference_source}, " if process.reference_source else ""
        if process.source:
            return f"{named}indicate nel file del processo ({process.source}, quote_riferimento)"
        if params.reference_shares == config.REFERENCE_SHARES:
            return "documento «Palestre di capacità»"
    return "scelte per questo rapporto (parametro reference_shares), diverse da quelle del processo"


def _composition_sentences(
    comparison: CompositionComparison, params: Parameters, territory: str, see: Safe = NO_TEXT
) -> list[str]:
    """The largest category (pointing at the section's figure and table with ``see``), then the comparison."""
    table = comparison.composition
    rows = table.set_index("category")
    shares = rows["share"]
    column = {"territorio": "enclosing_share"}.get(comparison.kind, "reference_share")
    label = {
        "coerenza": "quota pubblicata",
        "esterna": "riferimento",
        "parametro": "riferimento",
        "territorio": places.where(params, comparison.reference) if comparison.kind == "territorio" else "",
    }.get(comparison.kind)

    def reference(c) -> Safe:
        if label is None or column not in rows or pd.isna(rows.loc[c, column]):
            return Safe("")
        return Safe("; " + html.escape(label) + " " + sentence("{ref}", ref=fmt.pct(rows.loc[c, column])))

    largest = claims.best(
        shares,
        fmt.pct,
        "La categoria più rappresentata{scope} è {name}, con {value} degli enti (intervallo al 95% da {lo} a "
        "{hi}{ref}{see_within}).",
        "Le categorie più rappresentate{scope} sono {names}, con {value} degli enti ciascuna{see}.",
        scope=" tra quelle mostrate",
        say=fmt.pct_article,
        name=lambda c: sentence("quella {c}", c=CATEGORY_OF_PHRASE.get(c, c)),
        extra=lambda c: {
            "lo": fmt.pct(rows.loc[c, "ci_low"]),
            "hi": fmt.pct(rows.loc[c, "ci_high"]),
            "ref": reference(c),
        },
        hidden_below=1 - shares.sum(),
        see=see,
        see_within=Safe("; " + see.strip()[1:-1]) if see else NO_TEXT,  # inside the parenthesis of the interval
    )
    lines = [largest] if largest else []
    if comparison.kind == "":
        return [*lines, "Il processo non indica quote di riferimento: la composizione non è confrontata con altre."]
    result = comparison.result.iloc[0]
    if comparison.kind == "coerenza":
        return [*lines, *_consistency_sentences(result, comparison.reference)]
    pooled = (
        " Le categorie nascoste per riservatezza sono contate insieme nel test."
        if comparison.pooled and pd.notna(result["p_value"])
        else ""
    )
    if comparison.kind == "territorio":
        values = {
            "of": places.network_of(params, comparison.reference),
            "here": places.network_of(params, territory),
        }
        tested = claims.verdict(
            result["p_value"],
            significant="La composizione della rete {here} si discosta da quella dell'intera rete {of}: un gruppo "
            "di enti della stessa dimensione estratto a caso dall'intera rete avrebbe raramente una composizione "
            "così diversa (test esatto condizionato, Monte Carlo sul chi quadrato di Pearson, {p})." + pooled,
            not_significant="Il test non rileva differenze tra la composizione della rete {here} e quella "
            "dell'intera rete {of}: è compatibile con un gruppo di enti estratto a caso dall'intera rete (test "
            "esatto condizionato, Monte Carlo sul chi quadrato di Pearson, {p}); questo non prova che coincidano."
            + pooled,
            **values,
        )
        missing = sentence(
            "Il confronto con la composizione dell'intera rete {of} non è mostrato: per tutelare la riservatezza, "
            "restano troppo poche categorie da confrontare.",
            **values,
        )
        return [*lines, tested or missing]
    tested = claims.verdict(
        result["p_value"],
        significant="La composizione si discosta dalle quote di riferimento ({ref}): enti estratti a caso dalla "
        "popolazione che le quote descrivono avrebbero raramente una composizione così diversa (test Monte Carlo "
        "sul chi quadrato di Pearson, {p})." + pooled,
        not_significant="Il test non rileva differenze tra la composizione e le quote di riferimento ({ref}) (test "
        "Monte Carlo sul chi quadrato di Pearson, {p}); questo non prova che coincidano." + pooled,
        ref=_short_reference(params, comparison),
    )
    return [
        *lines,
        tested or "Il confronto con le quote di riferimento non è mostrato: alcune categorie hanno troppo pochi enti.",
    ]


def _short_reference(params: Parameters, comparison: CompositionComparison) -> Safe:
    """The reference of a test, as a sentence names it: its source, or that it was chosen for this report."""
    source = params.process.reference_source
    if comparison.kind == "esterna" and source:
        return Safe("fonte: " + html.escape(source))
    if comparison.kind == "parametro":
        return Safe("scelte per questo rapporto")
    return Safe(html.escape(comparison.reference))


def _consistency_sentences(check: pd.Series, origin: str) -> list[str]:
    """The network against its own published shares: whether they agree up to the publication's rounding."""
    first = consistency_sentence(check, origin)
    if first is None:
        return [
            "Il controllo di coerenza con le quote pubblicate non è mostrato: alcune categorie hanno troppo pochi enti."
        ]
    return [
        first,
        "Le quote pubblicate descrivono questa stessa rete: il controllo verifica i dati, non dice se la rete "
        "rappresenti il Terzo Settore del territorio; per saperlo serve un riferimento esterno (come il RUNTS o il "
        "censimento ISTAT).",
    ]


def consistency_sentence(check: pd.Series, origin: str) -> Safe | None:
    """«Controllo di coerenza: la rete coincide con le quote pubblicate …», or the category that does not.

    Parameters
    ----------
    check : Series
        The row of :func:`~palestre_analysis.stats.composition.composition_consistency`.
    origin : str
        Where the published shares come from (:func:`reference_origin`).

    Returns
    -------
    Safe or None
        ``None`` where the check is hidden. Shares are printed with the publication's
        decimals, at which a gap beyond the tolerance always shows.

    Examples
    --------
    >>> check = pd.Series({"consistent": False, "tolerance": 0.01, "category": "csv", "share": 0.034,
    ...                    "published_share": 0.11})
    >>> print(consistency_sentence(check, "documento"))  # doctest: +NORMALIZE_WHITESPACE
    Controllo di coerenza: la rete non coincide con le quote pubblicate (documento): la quota <strong>dei
    CSV</strong> è <strong>il 3%</strong>, contro <strong>l&#x27;11%</strong> pubblicato, oltre l'arrotondamento delle
    quote pubblicate; i dati e la pubblicazione non contano gli stessi enti.
    """
    if pd.isna(check["consistent"]):
        return None
    decimals = max(0, round(-np.log10(float(check["tolerance"]))) - 2)
    tolerance = fmt.num(100 * float(check["tolerance"]), decimals)
    unit = "punto percentuale" if tolerance == "1" else "punti percentuali"
    if bool(check["consistent"]):
        first = sentence(
            "Controllo di coerenza: la rete coincide con le quote pubblicate ({origin}): nessuna categoria se ne "
            "discosta di più di {tol} " + unit + ", l'arrotondamento delle quote pubblicate.",
            origin=Safe(html.escape(origin)),
            tol=tolerance,
        )
    else:
        first = sentence(
            "Controllo di coerenza: la rete non coincide con le quote pubblicate ({origin}): la quota {c} è {s}, "
            "contro {pub} pubblicato, oltre l'arrotondamento delle quote pubblicate; i dati e la pubblicazione non "
            "contano gli stessi enti.",
            origin=Safe(html.escape(origin)),
            c=CATEGORY_OF_PHRASE.get(check["category"], check["category"]),
            s=fmt.pct_article(check["share"], decimals),
            pub=fmt.pct_article(check["published_share"], decimals),
        )
    return first


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
    section.add_figure(
        plots.meetings_timeline(everyone, f"Il calendario degli incontri – {data.territory}"),
        plain(_meetings_sentence(everyone, data)),
    )
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
    section.add(paragraph(_meetings_sentence(everyone, data, _pointer(section))))
    return section


def _meetings_sentence(everyone: pd.DataFrame, data: Processed, see: Safe = NO_TEXT) -> str:
    """How many meetings, of which level, in how many focus groups: right for one meeting, one group, one level.

    ``see`` (the section's figure and table, «(figura 2 e tabella 2)») closes the sentence.
    """
    levels = everyone["level"].value_counts()
    regional, territorial = int(levels.get("regionale", 0)), int(levels.get("territoriale", 0))
    groups = everyone["focus_group"].dropna().unique()
    values = {"where": _of(data), "see": see}
    in_groups = ""
    if len(groups) == 1:
        in_groups, values["g"] = ", nel focus group {g}", groups[0]
    elif len(groups) > 1:
        in_groups, values["g"] = ", in {g}", f"{fmt.integer(len(groups))} focus group"
    if len(everyone) == 1:
        values["l"] = everyone["level"].iloc[0]
        return sentence(
            "Gli enti {where} hanno partecipato a un solo incontro, di livello {l}" + in_groups + "{see}.", **values
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
        return sentence("Gli incontri del percorso sono {n}" + split + in_groups + "{see}.", **values)
    return sentence("Gli incontri con enti {where} sono {n}" + split + in_groups + "{see}.", **values)


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
    if chart is not None:
        section.add_figure(chart, _attendance_finding(everyone))
    if histogram is not None:
        section.add_figure(histogram, _frequency_finding(distribution, len(data.entities)))
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
    see = {
        "table": Safe(" (" + table_ref() + ")"),
        "chart": Safe(" (" + figure_ref() + ")") if chart is not None else Safe(""),
    }
    section.add(paragraph(*_participation_sentences(summary, everyone, params.min_cell, see)))
    return section


def _attendance_finding(everyone: pd.DataFrame) -> str:
    """The presence chart's main finding: the meeting with the most entities present, among those shown.

    >>> table = pd.DataFrame({"meeting_id": ["I02", "I01", "I03"], "n_present": [31.0, 12.0, None],
    ...                       "date": pd.to_datetime(["2018-11-09", "2018-10-05", "2019-01-10"])})
    >>> _attendance_finding(table)
    "La presenza più alta tra gli incontri mostrati è stata di 31 enti, all'incontro I02 del 9 novembre 2018."
    >>> _attendance_finding(table.assign(n_present=[31.0, 31.0, 31.0]))
    'La presenza più alta, 31 enti, è stata raggiunta in 3 incontri, il primo I01 del 5 ottobre 2018.'
    """
    ordered = everyone.sort_values("date")
    shown = ordered[ordered["n_present"].notna()]
    top = shown[shown["n_present"] == shown["n_present"].max()]
    scope = " tra gli incontri mostrati" if len(shown) < len(ordered) else ""
    values = {"n": fmt.plural(top["n_present"].iloc[0], "ente", "enti")}
    for i, (_, row) in enumerate(top.head(2).iterrows()):
        values[f"m{i}"] = sentence("{m} del {d}", m=row["meeting_id"], d=fmt.date_it(row["date"]))
    if len(shown) == 1:
        text = "Un solo incontro ha le presenze mostrate: {m0}, con {n}."
    elif len(top) == 1:
        text = "La presenza più alta" + scope + " è stata di {n}, all'incontro {m0}."
    elif len(top) == 2:
        text = "La presenza più alta" + scope + ", {n}, è stata raggiunta agli incontri {m0} e {m1}."
    else:
        text = "La presenza più alta" + scope + ", {n}, è stata raggiunta in {k} incontri, il primo {m0}."
        values["k"] = fmt.integer(len(top))
    return plain(sentence(text, **values))


def _frequency_finding(distribution: pd.DataFrame, entities: int) -> str:
    """The frequency chart's main finding: the most common number of meetings attended, among the classes shown."""
    counts = pd.Series(distribution["n_entities"].to_numpy(), index=distribution["n_meetings"].astype(str).to_numpy())
    largest = claims.best(
        counts,
        fmt.integer,
        "Il gruppo più numeroso{scope} è quello degli enti che hanno frequentato {name}: {value}.",
        "I gruppi più numerosi{scope}, di {value} ciascuno, sono quelli degli enti che hanno frequentato {names}.",
        scope=" tra quelli mostrati",
        single="Un solo gruppo è mostrato: {value}, che hanno frequentato {name}.",
        say=lambda n: fmt.plural(n, "ente", "enti"),
        name=lambda band: Safe(html.escape(_meetings_band(band))),
        hidden_below=entities - counts.sum(),
    )
    return plain(largest) if largest else "Ogni gruppo mostrato conta lo stesso numero di enti."


def _meetings_band(band: str) -> str:
    """A class of the frequency chart as a phrase: «un solo incontro», «da 3 a 5 incontri», «10 incontri o più».

    >>> [_meetings_band(b) for b in ("0", "1", "2", "3–5", "10+")]
    ['nessun incontro', 'un solo incontro', '2 incontri', 'da 3 a 5 incontri', '10 incontri o più']
    """
    if band.endswith("+"):
        return f"{band[:-1]} incontri o più"
    if "–" in band:
        first, last = band.split("–")
        return f"da {first} a {last} incontri"
    return {"0": "nessun incontro", "1": "un solo incontro"}.get(band, f"{band} incontri")


def _rounded(summary: pd.DataFrame) -> pd.DataFrame:
    """Published precision: with exact Gini and means, a reader could rebuild hidden counts."""
    return summary.round({"mean_meetings": 1, "share_by_regulars": 2, "gini": 2})


def _participation_sentences(
    summary: pd.DataFrame, everyone: pd.DataFrame, min_cell: int, see: dict | None = None
) -> list[str]:
    """Concentration (pointing at the table with ``see["table"]``), then the newcomers (``see["chart"]``)."""
    see = see or {}
    row = summary[summary["category"] == "all"].iloc[0]
    lines = [_concentration(row, see.get("table", Safe("")))]
    chart = see.get("chart", Safe(""))
    ordered = everyone.sort_values("date")
    first = ordered["n_present"].iloc[0] if len(ordered) else float("nan")
    if len(ordered) > 1 and pd.notna(first) and pd.notna(row["n_attending"]):
        later = int(row["n_attending"] - first)
        if 0 < later < min_cell:  # a difference of two shown counts is a count too: not printed when small
            lines.append(
                sentence(
                    "Dopo il primo incontro si sono aggiunti altri enti{see}: la rete non è rimasta quella di partenza.",
                    see=chart,
                )
            )
        elif later > 0:
            lines.append(
                sentence(
                    "Dopo il primo incontro "
                    + ("si è aggiunto" if later == 1 else "si sono aggiunti")
                    + " {n}{see}: la rete non è rimasta quella di partenza.",
                    n=fmt.plural(later, "ente nuovo", "enti nuovi"),
                    see=chart,
                )
            )
        else:
            lines.append(sentence("Dopo il primo incontro non si è aggiunto nessun ente nuovo{see}.", see=chart))
    return lines


def _concentration(row: pd.Series, see: Safe = NO_TEXT) -> str:
    """Regulars' share of attendance and the Gini index: what the table shows (``see`` points at it), and only that."""
    gini = fmt.num(row["gini"], 2)
    if pd.isna(row["share_by_regulars"]) or pd.isna(row["n_regulars"]):
        if pd.isna(row["gini"]):
            return "Le misure di concentrazione delle presenze non sono mostrate, per tutelare la riservatezza."
        return sentence(
            "L'indice di Gini delle presenze è {g}{see}; il numero degli enti abituali (presenti ad almeno {r} "
            "incontri) e la loro quota di presenze non sono mostrati, per tutelare la riservatezza.",
            g=gini,
            r=stats.REGULAR_MIN_MEETINGS,
            see=see,
        )
    regulars = int(row["n_regulars"])
    if regulars == 0:
        return sentence(
            "«Sempre con i soliti»? Nessun ente è stato presente ad almeno {r} incontri; l'indice di "
            "Gini delle presenze è {g}{see}.",
            r=stats.REGULAR_MIN_MEETINGS,
            g=gini,
            see=see,
        )
    one = regulars == 1
    return sentence(
        "«Sempre con i soliti»? {k} (" + ("presente" if one else "presenti") + " ad almeno {r} "
        "incontri) " + ("ha" if one else "hanno") + " fatto {s} di tutte le presenze; l'indice di "
        "Gini delle presenze è {g}{see}.",
        k=fmt.plural(regulars, "ente abituale", "enti abituali"),
        r=stats.REGULAR_MIN_MEETINGS,
        s=fmt.pct_article(row["share_by_regulars"]),
        g=gini,
        see=see,
    )


#: The columns of the permutation null, shown only where the ties across categories are.
_NULL_COLUMNS = ["cross_category_low", "cross_category_high", "cross_category_p"]


@unless_small
def network(data: Processed, params: Parameters) -> Section:
    """The co-attendance network: density, components, ties across categories against a permutation null.

    Parameters
    ----------
    data : Processed
        The processed tables of one territory.
    params : Parameters
        The checked notebook parameters (``seed`` drives the permutations).

    Returns
    -------
    Section
        Table and sentences: density, and the share of ties across categories set against
        its distribution if categories were assigned at random to the same entities, the
        ties kept (:func:`~palestre_analysis.stats.participation.cross_category_test`);
        table ``network``.
    """
    summary = guard(data, params).network(
        stats.network_summary(data.attendance, data.entities, min_cell=params.min_cell, seed=params.seed)
    )
    summary = blank_where(summary, summary["cross_category_expected"].isna().to_numpy(), _NULL_COLUMNS)
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
                "cross_category_expected": "… attesi se le categorie fossero assegnate a caso",
                "cross_category_low": "… al 95% da",
                "cross_category_high": "… a",
                "cross_category_p": "p (test di permutazione)",
            },
            f"La rete delle co-presenze – {data.territory}",
            formats={
                "density": lambda d: fmt.num(d, 2),
                "largest_component_share": fmt.pct,
                "cross_category_share": fmt.pct,
                "cross_category_expected": fmt.pct,
                "cross_category_low": fmt.pct,
                "cross_category_high": fmt.pct,
                "cross_category_p": fmt.pvalue,
            },
            min_cell=params.min_cell,
            note="Due enti sono legati se i loro delegati hanno partecipato ad almeno un incontro insieme. Legami "
            "attesi: la quota che si avrebbe, in media e nel 95% dei casi, se le categorie fossero distribuite a caso "
            "tra gli stessi enti, lasciando i legami come sono (test di permutazione).",
        )
    )
    row = summary.iloc[0]
    if pd.notna(row["density"]):
        lines = [
            sentence(
                "Partecipando agli stessi incontri, gli enti hanno intrecciato {e}: la densità della rete è {d}{see}.",
                e=fmt.plural(row["n_edges"], "legame", "legami"),
                d=fmt.num(row["density"], 2),
                see=_pointer(section),
            ),
            *_mixing(row),
        ]
        section.add(paragraph(*[line for line in lines if line]))
    return section


def mixing_decimals(row: pd.Series) -> int | None:
    """Decimals of the percentages at which the ties across categories, read against the null, say what the test says.

    With ``p < 0.05`` the observed share must print outside the printed 95% range, and
    otherwise inside it; the shares are printed as whole percentages where that is
    enough, with one or two decimals where it is not (a national network can differ from
    the null by half a point and be far beyond it).

    Parameters
    ----------
    row : Series
        A row of :func:`~palestre_analysis.stats.network_summary`: ``cross_category_share``,
        ``cross_category_expected``, ``cross_category_low``, ``cross_category_high``,
        ``cross_category_p``.

    Returns
    -------
    int or None
        0, 1 or 2; ``None`` when a value is hidden or no precision up to 2 decimals agrees
        with the test (then the range is not printed).

    Examples
    --------
    >>> row = pd.Series({"cross_category_share": 0.5028, "cross_category_expected": 0.4979,
    ...                  "cross_category_low": 0.4960, "cross_category_high": 0.4998, "cross_category_p": 0.0001})
    >>> mixing_decimals(row)
    1
    """
    values = [row.get(c) for c in ("cross_category_share", "cross_category_low", "cross_category_high")]
    p = row.get("cross_category_p")
    if any(v is None or pd.isna(v) for v in [*values, p]):
        return None
    significant = p < 0.05
    for decimals in range(3):
        share, low, high = (fmt.rounded(100 * float(v), decimals) for v in values)
        outside = share < low or share > high
        if outside == significant:
            return decimals
    return None


def _mixing(row: pd.Series) -> list[str]:
    """Ties across categories against the permutation null, true at the precision printed."""
    columns = ["cross_category_share", "cross_category_expected", "cross_category_p"]
    if any(pd.isna(row.get(c)) for c in columns):
        return []
    share, expected = row["cross_category_share"], row["cross_category_expected"]
    decimals = mixing_decimals(row)
    ranged = decimals is not None
    if not ranged:  # no precision prints the range in agreement with the test: the range is left out
        differ = (d for d in range(1, 4) if fmt.rounded(100 * share, d) != fmt.rounded(100 * expected, d))
        decimals = next(differ, 3)
    values = {"a": fmt.pct_article(share, decimals), "b": fmt.pct_article(expected, decimals)}
    if ranged:
        values |= {
            "lo": fmt.pct_article(row["cross_category_low"], decimals),
            "hi": fmt.pct_article(row["cross_category_high"], decimals),
        }
    first = sentence(
        "Tra i legami, {a} unisce enti di categorie diverse. Se le categorie fossero distribuite a caso tra gli "
        "stessi enti, lasciando i legami come sono, ce ne aspetteremmo {b}"
        + (", e nel 95% dei casi tra {lo} e {hi}." if ranged else "."),
        **values,
    )
    more = share > expected
    same = fmt.rounded(100 * share, decimals) == fmt.rounded(100 * expected, decimals)
    tested = claims.verdict(
        row["cross_category_p"],
        significant=(
            "I legami tra categorie diverse sono più di quanti ne darebbe il caso (test di permutazione, {p})."
            if more
            else "I legami tra categorie diverse sono meno di quanti ne darebbe il caso: gli enti si sono legati "
            "più spesso a enti della propria categoria (test di permutazione, {p})."
        ),
        not_significant=("È quanto darebbe il caso" if same else "Lo scarto rientra in quanto può dare il caso")
        + " (test di permutazione, {p}): il test non rileva che la categoria conti nel formarsi dei legami.",
    )
    return [first, tested]


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
    everyone = counts[counts["category"] == "all"]
    section.add_figure(
        plots.contributions_chart(counts, f"Contributi per nodo strategico – {data.territory}", data.process.nodes),
        _contribution_finding(everyone),
    )
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
    section.add(paragraph(*_contribution_sentences(everyone, test.iloc[0], _pointer(section))))
    section.add(_examples(contributions_1, everyone, params.min_cell, protect.quotes_allowed(), data.process.nodes))
    return section


def _most_discussed(everyone: pd.DataFrame, see: Safe = NO_TEXT) -> Safe | None:
    """«Il nodo più discusso è stato «Reti comunitarie», con il 33% dei contributi», as far as the shown shares tell."""
    shares = everyone.set_index("node")["share"]
    return claims.best(
        shares,
        fmt.pct,
        "Il nodo più discusso{scope} è stato {name}, con {value} dei contributi{see}.",
        "I nodi più discussi{scope} sono stati {names}, con {value} dei contributi ciascuno{see}.",
        scope=" tra quelli mostrati",
        say=fmt.pct_article,
        name=lambda node: sentence("«{n}»", n=node),
        hidden_below=1 - shares.sum(),
        see=see,
    )


def _contribution_finding(everyone: pd.DataFrame) -> str:
    """The chart's main finding: the most discussed node over every category."""
    top = _most_discussed(everyone)
    if top:
        return plain(top)
    shown = everyone[everyone["share"].notna()]
    if len(shown) == 1:
        return plain(
            sentence(
                "Un solo nodo ha la quota mostrata: {n}, con {s} dei contributi.",
                n=f"«{shown['node'].iloc[0]}»",
                s=fmt.pct_article(shown["share"].iloc[0]),
            )
        )
    return "Le quote dei nodi su tutte le categorie non sono mostrate, per tutelare la riservatezza."


def _contribution_sentences(everyone: pd.DataFrame, test: pd.Series, see: Safe = NO_TEXT) -> list[str]:
    """The most discussed node (pointing at the section's figure and table with ``see``), then the test."""
    lines = []
    if len(everyone):
        top = _most_discussed(everyone, see)
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
                "L'incrocio tra categoria e nodo (contributions.csv) ha celle nascoste: per questo la statistica "
                "del test non è mostrata e p e V sono arrotondati."
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
