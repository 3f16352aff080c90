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
from palestre_analysis.report.display import HTML, Safe, bullets, paragraph, sentence, table_html
from palestre_analysis.report.groups import phrase as group_phrase
from palestre_analysis.report.network import reference_origin
from palestre_analysis.report.parameters import Parameters
from palestre_analysis.report.protection import guard, places
from palestre_analysis.report.scale import bands_of, bands_text, scale_range, scores_phrase
from palestre_analysis.report.scores import Scores, agreement_sentence
from palestre_analysis.report.section import Section
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
        [table_html(table, {"item": "", "value": data.territory}, "Il percorso in cifre")], tables={"summary": table}
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
    """The composition against the reference shares, when the process has them."""
    composition = stats.composition_test(
        data.entities, params.reference_shares, seed=params.seed, min_cell=params.min_cell
    ).iloc[0]
    if not protect.categories_shown():
        composition = composition.copy()
        composition["p_value"] = float("nan")
    project = params.reference_shares == params.process.reference_shares
    reference = Safe("quote del progetto" if project else "quote di riferimento scelte per questa relazione")
    return claims.verdict(
        composition["p_value"],
        significant="La composizione della rete si discosta dalle {ref} ({p}).",
        not_significant="La composizione della rete non mostra differenze rilevabili dalle {ref} ({p}).",
        ref=reference,
    )


def _phase1_findings(data: Processed, params: Parameters) -> list[str]:
    protect = guard(data, params)
    items = [_composition_finding(data, params, protect)] if params.reference_shares else []
    participation = protect.participation(
        stats.participation_summary(data.attendance, data.entities, min_cell=params.min_cell)
    )
    everyone = participation[participation["category"] == "all"].iloc[0]
    network = protect.network(stats.network_summary(data.attendance, data.entities, min_cell=params.min_cell)).iloc[0]
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
    """«Sempre con i soliti» and «Mai da soli» in one finding, each part only where its numbers are shown."""
    if pd.isna(everyone["share_by_regulars"]) or pd.isna(everyone["n_regulars"]):
        return None
    regulars = int(everyone["n_regulars"])
    if regulars == 0:
        habit = sentence("nessun ente è stato presente ad almeno {r} incontri", r=stats.REGULAR_MIN_MEETINGS)
    else:
        habit = sentence(
            "{k} " + ("ha" if regulars == 1 else "hanno") + " fatto {s} delle presenze",
            k=fmt.plural(regulars, "ente abituale", "enti abituali"),
            s=fmt.pct_article(everyone["share_by_regulars"]),
        )
    mixing = claims.difference(
        network["cross_category_share"],
        network["cross_category_expected"],
        0,
        scale=100,
        say=fmt.pct_article,
        unit=("punto", "punti"),
        more=" «Mai da soli»: {a} dei legami nati agli incontri unisce categorie diverse, contro {b} atteso se i "
        "legami nascessero a caso ({gap} in più, senza un test che dica se vada oltre il caso).",
        less=" «Mai da soli»: {a} dei legami nati agli incontri unisce categorie diverse, contro {b} atteso se i "
        "legami nascessero a caso ({gap} in meno, senza un test che dica se vada oltre il caso).",
        same=" «Mai da soli»: {a} dei legami nati agli incontri unisce categorie diverse, quanto atteso se i legami "
        "nascessero a caso.",
    )
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
    tested = scores.comparison.dropna(subset=["p_bh"])
    if len(tested):
        significant = int((tested["p_bh"] < 0.05).sum())
        cells = claims.count_of(significant, len(tested), "casella", "caselle")
        line = sentence(
            "Dopo la correzione per i confronti multipli, i due gruppi di delegati "
            + (
                "non vedono le fonti in modo diverso in {c} confrontate."
                if significant == 0
                else "vedono le fonti in modo diverso in {c}."
            ),
            c=cells,
        )
        preferred = _preferred(tested.groupby("resource")["cliffs_delta"].mean(), scores.process)
        items.append(Safe(line + (" " + preferred if preferred else "")))
    items.append(agreement_sentence(scores.agreement) if not scores.agreement.empty else None)
    return items


def _preferred(by_resource: pd.Series, process) -> str | None:
    """The resource each group rates above the other most, on average over the cells: only signs that print as such."""
    if fmt.rounded(by_resource.max(), 2) <= 0 or fmt.rounded(by_resource.min(), 2) >= 0:
        return None
    first, second = (html.escape(group_phrase(g)).replace("{", "{{").replace("}", "}}") for g in process.groups)
    most = claims.best(
        by_resource,
        2,
        f"In media, i delegati {first} apprezzano più degli altri {{name}} (delta di Cliff medio {{value}})",
        f"In media, i delegati {first} apprezzano più degli altri {{names}} (delta di Cliff medio {{value}} ciascuna)",
    )
    least = claims.best(
        by_resource,
        2,
        f"; quelli {second} {{name}} ({{value}}).",
        f"; quelli {second} {{names}} ({{value}} ciascuna).",
        lowest=True,
    )
    return Safe(most + least) if most and least else None


def territories(data: Processed, scores: Scores, params: Parameters) -> Section:
    """Territories side by side: participation and resource scores, suppressed where few delegates.

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
        Small multiples and a table; tables ``territories_participation`` and
        ``territories_resources``.
    """
    bodies = bodies_name(data.geography.place(data.territory))
    participation_rows, resource_rows, order = [], [], []
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
    participation = pd.concat(participation_rows, ignore_index=True)
    participation = participation[["territory", *[c for c in participation.columns if c != "territory"]]]
    participation = participation.round({"mean_meetings": 1, "share_by_regulars": 2, "gini": 2})
    resources = pd.concat(resource_rows, ignore_index=True)
    resources = resources[["territory", *[c for c in resources.columns if c != "territory"]]]
    resources["territory"] = pd.Categorical(resources["territory"], categories=order, ordered=True)
    resources = resources.sort_values(["territory", "resource"]).reset_index(drop=True)
    resources["territory"] = resources["territory"].astype(str)
    section = Section(tables={"territories_participation": participation, "territories_resources": resources})
    scale = tuple(int(v) for v in data.process.scale)
    section.add(
        plots.territory_multiples(
            resources,
            "mean",
            "Voto medio per fonte di risorse, territorio per territorio",
            f"Voto medio ({scale_range(scale)}), sulle caselle mostrate del territorio",
            xlim=scale,
        )
    )
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
    """The consensus rule the reports apply, on the process's bands, with its source only where the source backs that threshold.

    >>> _consensus_method()
    'almeno il 75% dei voti nella stessa fascia (1-4, 5-6, 7-10), la soglia mediana negli studi Delphi (Diamond et al. 2014; Birko et al. 2015)'
    >>> _consensus_method(((1, 2), (3, 3), (4, 5)))[:56]
    'almeno il 75% dei voti nella stessa fascia (1-2, 3, 4-5)'
    """
    rule = resolve_consensus_rule(config.CONSENSUS_RULE)
    if rule.kind != "percent":
        return f"scarto interquartile dei voti non superiore a {fmt.num(rule.threshold)}"
    text = f"almeno {fmt.pct_article(rule.threshold)} dei voti nella stessa fascia ({bands_text(bands)})"
    if rule.threshold == 0.75:
        text += ", la soglia mediana negli studi Delphi (Diamond et al. 2014; Birko et al. 2015)"
    return text


def _reference_method(params: Parameters) -> str:
    """The composition test's line of the methods, or why there is none."""
    if not params.reference_shares:
        return "il processo non indica quote di riferimento, e la composizione non è confrontata con altre."
    return (
        f"confronto con le quote di riferimento ({html.escape(reference_origin(params))}) con un test Monte Carlo "
        "sul chi quadrato di Pearson, valido anche con frequenze attese piccole."
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
partecipato allo stesso incontro) con densità e componenti (Wasserman e Faust 1994; NetworkX).</li>
<li><strong>Contributi della fase 1</strong>: frequenze per nodo strategico e categoria; indipendenza con un test
di permutazione sul chi quadrato; intensità con la V di Cramér.</li>
<li><strong>Voti della fase 2</strong>: per ogni casella (campo, fonte, esigenza) numero di delegati, media,
mediana, scarto interquartile, quota di voti {high} e intervallo bootstrap al 95% della media, calcolato in
modo esatto dall'istogramma dei voti (nessun errore di ricampionamento).</li>
<li><strong>Miglior incrocio</strong>: fonti ordinate per voto medio e probabilità bootstrap di essere la migliore
({draws} repliche, seme {seed}).</li>
<li><strong>Consenso</strong>: {consensus}.</li>
<li><strong>Accordo tra i delegati</strong>: alfa di Krippendorff intervallare e ordinale per campo, con
l'intervallo bootstrap di Krippendorff (Krippendorff 2011; Hayes e Krippendorff 2007).</li>
<li><strong>Confronto tra i gruppi</strong> ({groups}): test di Mann-Whitney
a due code per casella, p corretti con Benjamini-Hochberg (1995), dimensione dell'effetto con il delta di Cliff.</li>
</ul>
<h3>Riservatezza</h3>
<p>Nessuna statistica calcolata su meno di <strong>{min_cell}</strong> delegati è mostrata (la soglia non può
scendere sotto {floor}, minimo del codice di deontologia statistica Sistan). Ogni conteggio è deciso una volta per
tutti i rapporti e tutti i territori insieme: quando un dato nascosto si potrebbe ricavare per differenza (dalla
territorio meno gli altri dello stesso livello, da un totale meno le sue parti, da un gruppo meno l'altro), si nascondono anche
altri dati, finché un programma lineare intero su tutte le somme non lo lascia più ricavare; medie e quote si
calcolano solo sulle caselle mostrate. Un controllo automatico («palestre audit», che «make reports» esegue dopo ogni
batch) prova a ricostruire ogni dato nascosto da tutte le tabelle pubblicate. I valori nascosti sono segnati con ‡; un valore
nascosto può anche essere zero.
{pseudonyms}
I testi liberi dei contributi sono citati solo nel rapporto dell'intera area del processo, per nodi con almeno {min_cell} enti
che hanno contribuito, e sono mostrati come testo, mai interpretati.</p>
"""
