"""Sections of the final report: both phases in brief, territories side by side, methods.

The final report covers the whole region only (:func:`require_region`): its sections
take the processed tables of every entity, the phase-2 :class:`~palestre_analysis.report.scores.Scores`
and the checked notebook parameters.
"""

from __future__ import annotations

import pandas as pd

from palestre_analysis import config, stats
from palestre_analysis.core.fingerprint import package_versions
from palestre_analysis.ingest.processed import Processed
from palestre_analysis.report import formatting as fmt
from palestre_analysis.report import plots
from palestre_analysis.report.display import HTML, bullets, paragraph, sentence, table_html
from palestre_analysis.report.parameters import Parameters
from palestre_analysis.report.scores import Scores, agreement_sentence
from palestre_analysis.report.section import Section
from palestre_analysis.stats.distribution import resource_summary

__all__ = ["require_region", "summary", "key_findings", "territories", "methods"]

_REGIONAL = "Enti regionali"


def require_region(params: Parameters) -> None:
    """The final report covers the whole region: a province gets a sentence, not a half report.

    Parameters
    ----------
    params : Parameters
        The checked notebook parameters.

    Raises
    ------
    ValueError
        In Italian, when ``params.territorio`` is not the region.

    Examples
    --------
    >>> from palestre_analysis.report.parameters import check_parameters
    >>> require_region(check_parameters("Lombardia", 5, 1))
    >>> require_region(check_parameters("BS", 5, 1))  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    ValueError: La relazione finale riguarda l'intera regione: usare territorio = "Lombardia" (non «Brescia»)...
    """
    if params.territorio != config.REGION:
        raise ValueError(
            f'La relazione finale riguarda l\'intera regione: usare territorio = "{config.REGION}" '
            f"(non «{params.territorio}»). I rapporti per provincia sono i notebook 01 e 02."
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
    raters = votes.groupby("group")["rater"].nunique() if not votes.empty else pd.Series(dtype=int)
    phase1 = data.meetings[data.meetings["phase"] == 1]
    rows = [
        ("Enti nella rete (un delegato ciascuno)", fmt.integer(len(data.entities))),
        (
            "Incontri",
            f"{fmt.integer(len(data.meetings))} ({fmt.integer(len(phase1))} di fase 1, "
            f"{fmt.integer(len(data.meetings) - len(phase1))} di fase 2)",
        ),
        ("Focus group", fmt.integer(data.meetings["focus_group"].nunique())),
        ("Presenze registrate", fmt.integer(len(data.attendance))),
        ("Contributi della fase 1", fmt.integer(len(data.contributions))),
        ("Delegati che hanno votato nella fase 2", fmt.integer(votes["rater"].nunique() if len(votes) else 0)),
        ("… di APS e ODV", fmt.integer(raters.get("aps_odv", 0))),
        ("… di fondazioni, CSV e altri enti", fmt.integer(raters.get("fondazioni_csv_altri", 0))),
        ("Voti validi (da 1 a 10)", fmt.integer(len(votes))),
    ]
    table = pd.DataFrame(rows, columns=["item", "value"])
    section = Section(
        [table_html(table, {"item": "", "value": config.REGION}, "Il percorso in cifre")], tables={"summary": table}
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


def _phase1_findings(data: Processed, params: Parameters) -> list[str]:
    composition = stats.composition_test(
        data.entities, params.reference_shares, seed=params.seed, min_cell=params.min_cell
    ).iloc[0]
    participation = stats.participation_summary(data.attendance, data.entities, min_cell=params.min_cell)
    everyone = participation[participation["category"] == "all"].iloc[0]
    network = stats.network_summary(data.attendance, data.entities, min_cell=params.min_cell).iloc[0]
    items = []
    if pd.notna(composition["p_value"]):
        reference = (
            "quote del progetto"
            if params.reference_shares == config.REFERENCE_SHARES
            else "quote di riferimento scelte per questa relazione"
        )
        verdict = (
            f"si discosta dalle {reference}"
            if composition["p_value"] < 0.05
            else f"non mostra differenze rilevabili dalle {reference}"
        )
        items.append(
            sentence("La composizione della rete {v} ({p}).", v=verdict, p=fmt.p_clause(composition["p_value"]))
        )
    if pd.notna(everyone["share_by_regulars"]):
        regulars = int(everyone["n_regulars"])
        habit = (
            "nessun ente è stato presente ad almeno {r} incontri"
            if regulars == 0
            else "{k} " + ("ha" if regulars == 1 else "hanno") + " fatto {s} delle presenze"
        )
        values = (
            {"r": stats.REGULAR_MIN_MEETINGS}
            if regulars == 0
            else {
                "k": fmt.plural(regulars, "ente abituale", "enti abituali"),
                "s": fmt.pct_article(everyone["share_by_regulars"]),
            }
        )
        items.append(
            sentence(
                "«Sempre con i soliti»: " + habit + " (indice di Gini {g}). «Mai da soli»: "
                "{x} dei legami nati agli incontri unisce categorie diverse, contro {y} atteso se i legami nascessero "
                "a caso.",
                g=fmt.num(everyone["gini"], 2),
                x=fmt.pct_article(network["cross_category_share"]),
                y=fmt.pct_article(network["cross_category_expected"]),
                **values,
            )
        )
    counts = stats.contribution_counts(data.contributions, data.entities, min_cell=params.min_cell)
    nodes = counts[counts["category"] == "all"]
    if len(nodes) and nodes["share"].notna().all():
        top = nodes.sort_values("share", ascending=False).iloc[0]
        items.append(
            sentence(
                "Nella fase 1 il nodo più discusso è stato «{n}» ({s} dei contributi).",
                n=top["node"],
                s=fmt.pct(top["share"]),
            )
        )
    return items


def _phase2_findings(scores: Scores) -> list[str]:
    if scores.small:
        return []
    items = []
    best = scores.best.dropna(subset=["mean"])
    if len(best):
        top = best.sort_values("mean", ascending=False).iloc[0]
        items.append(
            sentence(
                "L'incrocio più apprezzato è {r} per l'esigenza {n} nel campo {f} (voto medio {m}).",
                r=top["resource"],
                n=top["need"],
                f=top["field"],
                m=fmt.num(top["mean"], 2),
            )
        )
    tested = scores.comparison.dropna(subset=["p_bh"])
    if len(tested):
        significant = tested[tested["p_bh"] < 0.05]
        by_resource = tested.groupby("resource")["cliffs_delta"].mean().sort_values()
        line = sentence(
            "I due gruppi di delegati vedono le fonti in modo diverso in {k} su {t}.",
            k=fmt.plural(len(significant), "casella", "caselle"),
            t=fmt.integer(len(tested)),
        )
        if by_resource.iloc[-1] > 0 and by_resource.iloc[0] < 0:
            line += " " + sentence(
                "In media, i delegati di APS e ODV apprezzano più degli altri {hi} (delta di Cliff medio {dh}); "
                "quelli di fondazioni, CSV e altri enti {lo} ({dl}).",
                hi=by_resource.index[-1],
                dh=fmt.num(by_resource.iloc[-1], 2),
                lo=by_resource.index[0],
                dl=fmt.num(by_resource.iloc[0], 2),
            )
        items.append(line)
    agreement = scores.agreement.dropna(subset=["alpha_interval"])
    if len(agreement):
        items.append(agreement_sentence(agreement))
    return items


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
    entities = data.entities.assign(territory=data.entities["territory"].replace({config.REGION: _REGIONAL}))
    by = ("territory",)
    participation = stats.participation_summary(data.attendance, entities, by=by, min_cell=params.min_cell)
    participation = participation[participation["category"] == "all"].drop(columns="category")
    participation = participation.round({"mean_meetings": 1, "share_by_regulars": 2, "gini": 2})
    votes = scores.votes.merge(entities[["entity_id", "territory"]], left_on="rater", right_on="entity_id")
    resources = resource_summary(votes.drop(columns="entity_id"), by=by, min_cell=params.min_cell)
    order = sorted(set(entities["territory"]) - {_REGIONAL}) + [_REGIONAL]
    resources["territory"] = pd.Categorical(resources["territory"], categories=order, ordered=True)
    resources = resources.sort_values(["territory", "resource"]).reset_index(drop=True)
    resources["territory"] = resources["territory"].astype(str)
    section = Section(tables={"territories_participation": participation, "territories_resources": resources})
    section.add(
        plots.territory_multiples(
            resources,
            "mean",
            "Voto medio per fonte di risorse, territorio per territorio",
            "Voto medio (1-10), su tutti i campi e le esigenze",
            xlim=(1, 10),
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
            note=f"«Enti regionali»: enti con sede o azione sull'intera Lombardia. Abituali: enti presenti ad almeno "
            f"{stats.REGULAR_MIN_MEETINGS} incontri; «Presenze degli abituali» è la quota di tutte le presenze fatta "
            "da loro. Gini: 0 = presenze distribuite in modo uguale, 1 = concentrate in un solo ente.",
        )
    )
    return section


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
    section.add(
        HTML(
            _METHODS_HTML.format(
                min_cell=params.min_cell,
                floor=config.MIN_CELL_FLOOR,
                seed=params.seed,
                draws=fmt.integer(config.BEST_CROSSING_DRAWS),
                regular=stats.REGULAR_MIN_MEETINGS,
                high=config.HIGH_SCORE,
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


_METHODS_HTML = """
<h3>Metodi</h3>
<ul>
<li><strong>Composizione della rete</strong>: quota di ogni categoria con intervallo di confidenza al 95% di Wilson
(Wilson 1927; Newcombe 1998); confronto con le quote di riferimento del progetto con un test Monte Carlo sul
chi quadrato di Pearson, valido anche con frequenze attese piccole.</li>
<li><strong>Partecipazione</strong>: presenze e nuovi arrivi per incontro; enti abituali (almeno {regular} incontri);
concentrazione delle presenze con l'indice di Gini; rete delle co-presenze (due enti sono legati se hanno
partecipato allo stesso incontro) con densità e componenti (Wasserman e Faust 1994; NetworkX).</li>
<li><strong>Contributi della fase 1</strong>: frequenze per nodo strategico e categoria; indipendenza con un test
di permutazione sul chi quadrato; intensità con la V di Cramér.</li>
<li><strong>Voti della fase 2</strong>: per ogni casella (campo, fonte, esigenza) numero di delegati, media,
mediana, scarto interquartile, quota di voti da {high} a 10 e intervallo bootstrap al 95% della media, calcolato in
modo esatto dall'istogramma dei voti (nessun errore di ricampionamento).</li>
<li><strong>Miglior incrocio</strong>: fonti ordinate per voto medio e probabilità bootstrap di essere la migliore
({draws} repliche, seme {seed}).</li>
<li><strong>Consenso</strong>: almeno il 75% dei voti nella stessa fascia (1-4, 5-6, 7-10), la soglia mediana
negli studi Delphi (Diamond et al. 2014; Birko et al. 2015).</li>
<li><strong>Accordo tra i delegati</strong>: alfa di Krippendorff intervallare e ordinale per campo, con
l'intervallo bootstrap di Krippendorff (Krippendorff 2011; Hayes e Krippendorff 2007).</li>
<li><strong>Confronto tra i gruppi</strong> (APS e ODV contro fondazioni, CSV e altri enti): test di Mann-Whitney
a due code per casella, p corretti con Benjamini-Hochberg (1995), dimensione dell'effetto con il delta di Cliff.</li>
</ul>
<h3>Riservatezza</h3>
<p>Nessuna statistica calcolata su meno di <strong>{min_cell}</strong> delegati è mostrata (la soglia non può
scendere sotto {floor}, minimo del codice di deontologia statistica Sistan); quando un dato nascosto si potrebbe
ricavare per differenza da un totale, si nasconde anche il successivo. I valori nascosti sono segnati con ‡.
Nomi ed email dei delegati sono sostituiti già in fase di pulizia da pseudonimi calcolati con HMAC-SHA256 e una
chiave segreta conservata fuori dal progetto: nessun nome o indirizzo arriva alle tabelle elaborate o ai rapporti.
I testi liberi dei contributi sono mostrati come testo, mai interpretati.</p>
"""
