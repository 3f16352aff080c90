"""The methods appendix of the final report: what the numbers estimate, and what each interval means.

A reader of a foundation or a regional office needs four things before trusting a number
of phase 2: whom it describes (these delegates, not a population), how the votes were
collected (an incomplete design: each delegate scored only the fields of their entity),
who is missing (entities whose delegate did not vote) and what an interval promises.
The appendix says them in plain Italian, with the process's own values (scale, number of
replicates, seed, threshold) and, where the batch's disclosure control shows both, how
many of the entities voted.
"""

from __future__ import annotations

import html

from palestre_analysis import config
from palestre_analysis.ingest.processed import Processed
from palestre_analysis.report import formatting as fmt
from palestre_analysis.report import places
from palestre_analysis.report.display import HTML
from palestre_analysis.report.parameters import Parameters
from palestre_analysis.report.protection import guard
from palestre_analysis.report.section import Section

__all__ = ["appendix", "REFERENCES"]

#: The works the final report's methods note and appendix cite, by author; each method's docstring cites the same.
REFERENCES = (
    "Agresti, A. (2013). <em>Categorical Data Analysis</em>, 3a ed. Wiley.",
    "Benjamini, Y. e Hochberg, Y. (1995). Controlling the false discovery rate. <em>Journal of the Royal "
    "Statistical Society B</em> 57(1), 289-300.",
    "Birko, S., Dove, E. S. e Özdemir, V. (2015). Evaluation of nine consensus indices in Delphi foresight research "
    "and their dependency on Delphi survey characteristics. <em>PLoS ONE</em> 10(8), e0135162.",
    "Brennan, R. L. (2001). <em>Generalizability Theory</em>. Springer.",
    "Cliff, A. D. e Ord, J. K. (1981). <em>Spatial Processes: Models and Applications</em>. Pion.",
    "Cliff, N. (1993). Dominance statistics: ordinal analyses to answer ordinal questions. <em>Psychological "
    "Bulletin</em> 114(3), 494-509.",
    "Davison, A. C. e Hinkley, D. V. (1997). <em>Bootstrap Methods and their Application</em>. Cambridge "
    "University Press.",
    "Diamond, I. R. e altri (2014). Defining consensus: a systematic review recommends methodologic criteria for "
    "reporting of Delphi studies. <em>Journal of Clinical Epidemiology</em> 67(4), 401-409.",
    "Fay, R. E. e Herriot, R. A. (1979). Estimates of income for small places: an application of James-Stein "
    "procedures to census data. <em>Journal of the American Statistical Association</em> 74(366), 269-277.",
    "Freeman, G. H. e Halton, J. H. (1951). Note on an exact treatment of contingency, goodness of fit and other "
    "problems of significance. <em>Biometrika</em> 38(1/2), 141-149.",
    "Gilbert, P. B. (2005). A modified false discovery rate multiple-comparisons procedure for discrete data. "
    "<em>Journal of the Royal Statistical Society C</em> 54(1), 143-158.",
    "Good, P. I. (2005). <em>Permutation, Parametric and Bootstrap Tests of Hypotheses</em>, 3a ed. Springer.",
    "Harville, D. A. (1977). Maximum likelihood approaches to variance component estimation and to related "
    "problems. <em>Journal of the American Statistical Association</em> 72(358), 320-338.",
    "Hayes, A. F. e Krippendorff, K. (2007). Answering the call for a standard reliability measure for coding data. "
    "<em>Communication Methods and Measures</em> 1(1), 77-89.",
    "Holt, D. e Smith, T. M. F. (1979). Post stratification. <em>Journal of the Royal Statistical Society A</em> "
    "142(1), 33-46.",
    "Hope, A. C. A. (1968). A simplified Monte Carlo significance test procedure. <em>Journal of the Royal "
    "Statistical Society B</em> 30(3), 582-598.",
    "Houston, W. M., Raymond, M. R. e Svec, J. C. (1991). Adjustments for rater effects in performance assessment. "
    "<em>Applied Psychological Measurement</em> 15(4), 409-421.",
    "James, L. R., Demaree, R. G. e Wolf, G. (1984). Estimating within-group interrater reliability with and "
    "without response bias. <em>Journal of Applied Psychology</em> 69(1), 85-98.",
    "Koch, G. G. (1968). Some further remarks concerning «A general approach to the estimation of variance "
    "components». <em>Technometrics</em> 10(3), 551-558.",
    "Krackhardt, D. (1988). Predicting with networks: nonparametric multiple regression analysis of dyadic data. "
    "<em>Social Networks</em> 10(4), 359-381.",
    "Krippendorff, K. (2011). Computing Krippendorff's alpha-reliability. Annenberg School for Communication.",
    "LeBreton, J. M. e Senter, J. L. (2008). Answers to 20 questions about interrater reliability and interrater "
    "agreement. <em>Organizational Research Methods</em> 11(4), 815-852.",
    "Lindell, M. K., Brandt, C. J. e Whitney, D. J. (1999). A revised index of interrater agreement for multi-item "
    "ratings of a single target. <em>Applied Psychological Measurement</em> 23(2), 127-135.",
    "Manly, B. F. J. (2007). <em>Randomization, Bootstrap and Monte Carlo Methods in Biology</em>, 3a ed. Chapman "
    "e Hall/CRC.",
    "Mantel, N. (1967). The detection of disease clustering and a generalized regression approach. <em>Cancer "
    "Research</em> 27(2), 209-220.",
    "McGraw, K. O. e Wong, S. P. (1996). Forming inferences about some intraclass correlation coefficients. "
    "<em>Psychological Methods</em> 1(1), 30-46.",
    "Mogstad, M., Romano, J. P., Shaikh, A. M. e Wilhelm, D. (2024). Inference for ranks with applications to "
    "mobility across neighbourhoods and academic achievement across countries. <em>Review of Economic Studies</em> "
    "91(1), 476-518.",
    "Newcombe, R. G. (1998). Two-sided confidence intervals for the single proportion: comparison of seven methods. "
    "<em>Statistics in Medicine</em> 17(8), 857-872.",
    "Patterson, H. D. e Thompson, R. (1971). Recovery of inter-block information when block sizes are unequal. "
    "<em>Biometrika</em> 58(3), 545-554.",
    "Prasad, N. G. N. e Rao, J. N. K. (1990). The estimation of the mean squared error of small-area estimators. "
    "<em>Journal of the American Statistical Association</em> 85(409), 163-171.",
    "Romano, J. P. e Wolf, M. (2005). Stepwise multiple testing as formalized data snooping. <em>Econometrica</em> "
    "73(4), 1237-1282.",
    "Saltelli, A. e altri (2008). <em>Global Sensitivity Analysis: The Primer</em>. Wiley.",
    "Steegen, S., Tuerlinckx, F., Gelman, A. e Vanpaemel, W. (2016). Increasing transparency through a multiverse "
    "analysis. <em>Perspectives on Psychological Science</em> 11(5), 702-712.",
    "Tarone, R. E. (1990). A modified Bonferroni method for discrete data. <em>Biometrics</em> 46(2), 515-522.",
    "Wasserman, S. e Faust, K. (1994). <em>Social Network Analysis: Methods and Applications</em>. Cambridge "
    "University Press.",
    "Wilson, E. B. (1927). Probable inference, the law of succession, and statistical inference. <em>Journal of "
    "the American Statistical Association</em> 22(158), 209-212.",
    "Yates, F. (1936). Incomplete randomized blocks. <em>Annals of Eugenics</em> 7(2), 121-140.",
)


def appendix(data: Processed, params: Parameters) -> Section:
    """The methods appendix: estimands, the incomplete design, non-response, intervals, references.

    Parameters
    ----------
    data : Processed
        The processed tables of the report's territory.
    params : Parameters
        The checked notebook parameters (``min_cell``, ``seed``).

    Returns
    -------
    Section
        Headings and paragraphs; no table.
    """
    low, high = (int(v) for v in data.process.scale)
    values = {
        "who": html.escape(places.where(params, data.territory)),
        "low": low,
        "high": high,
        "draws": fmt.integer(config.BEST_CROSSING_DRAWS),
        "seed": params.seed,
        "min_cell": params.min_cell,
        "response": _response(data, params),
    }
    references = "".join(f"<li>{reference}</li>" for reference in REFERENCES)
    return Section([HTML(_APPENDIX_HTML.format(**values) + f"<h3>Riferimenti</h3><ol>{references}</ol>")])


def _response(data: Processed, params: Parameters) -> str:
    """How many entities had a delegate who voted, when disclosure control shows both counts; else why not."""
    protect = guard(data, params)
    voters = protect.voters().set_index("group")["n_delegates"]
    entities = protect.protection.hidden("entities", protect.territory)
    entities = entities[entities["category"] == "all"]
    shown = len(entities) == 1 and not bool(entities["hidden"].iloc[0]) and "all" in voters and voters.notna()["all"]
    if not shown:
        return (
            "Il numero degli enti o quello dei delegati che hanno votato non è mostrato, per tutelare la riservatezza: "
            "la quota di chi ha risposto non si può dare."
        )
    n_entities, n_voters = int(entities["count"].iloc[0]), int(voters["all"])
    return (
        f"Hanno votato i delegati di {fmt.plural(n_voters, 'ente', 'enti')} su {fmt.integer(n_entities)} della rete "
        f"({fmt.pct(n_voters / n_entities)})."
    )


_APPENDIX_HTML = """
<h3>Che cosa descrivono i numeri</h3>
<p>I risultati della fase 2 descrivono i delegati che hanno votato {who}: non sono un campione casuale degli enti
del Terzo Settore, e i numeri non vanno letti come stime per tutti gli enti della regione o del Paese. Gli
intervalli rispondono a un'altra domanda: quanto cambierebbero i risultati se, al posto di questi delegati, avessero
votato altri delegati simili, presi dagli stessi gruppi. Per questo ogni intervallo, probabilità o confronto che
ricampiona lo fa <strong>per delegato</strong>: un delegato estratto porta con sé tutti i suoi voti, e ogni gruppo
mantiene il suo numero di delegati ({draws} repliche, seme {seed}; Davison e Hinkley 1997).</p>
<h3>Un disegno incompleto</h3>
<p>Ogni delegato ha votato, da {low} a {high}, solo gli incroci dei campi di attività in cui lavora il suo ente:
le caselle non hanno tutte gli stessi delegati, né lo stesso numero di voti. Due medie di campi diversi vengono da
persone diverse, e alcuni delegati danno voti più alti (o più bassi) su tutto: per questo la tabella delle caselle
riporta anche la media al netto di questa «generosità» di ciascun delegato, e l'affidabilità delle medie è stimata
con un modello che separa le caselle, i delegati e il resto (teoria della generalizzabilità: Brennan 2001; McGraw e
Wong 1996).</p>
<h3>Chi manca</h3>
<p>{response} Gli enti il cui delegato non ha votato non sono rappresentati, e i risultati non sono ripesati per
compensarli: la media post-stratificata, nella tabella delle caselle, mostra soltanto come cambierebbero le medie se
i due gruppi pesassero quanto pesano tra i delegati del territorio che hanno votato. Le risposte «Non so» e i voti fuori scala non sono
voti: la relazione di pulizia dei dati li conta file per file.</p>
<h3>Che cosa promette un intervallo</h3>
<ul>
<li><strong>Media di una casella</strong>: intervallo di Student al 95%. Con voti di questo tipo copre il valore
vero circa 95 volte su 100 a ogni numero di delegati (una simulazione nei test lo verifica a 5, 7, 10 e 40
delegati).</li>
<li><strong>Miglior incrocio</strong>: l'insieme di confidenza al 95% della fonte migliore contiene, almeno 95 volte
su 100, la fonte che sarebbe la migliore con tutti i delegati simili a questi (Mogstad e altri 2024). Il primato è «netto» solo quando l'insieme
ha una sola fonte; la probabilità bootstrap di essere la prima, accanto, dice quanto spesso resta prima, ma da sola
esagera la sicurezza quando due fonti sono quasi alla pari.</li>
<li><strong>Differenze tra i gruppi</strong>: intervalli al 95% di un modello che tiene conto della generosità di
ogni delegato (intercetta casuale per delegato, stimata con la massima verosimiglianza ristretta: Patterson e
Thompson 1971). Lo spostamento complessivo di un gruppo non si distingue da una generosità propria di quel gruppo,
e va letto con questa cautela.</li>
<li><strong>Affidabilità e accordo</strong>: ICC(A,1) dice quanto ci si può fidare del voto di un singolo
delegato, ICC(A,k) della media di k delegati; l'alfa di Krippendorff resta accanto, come misura dell'accordo tra i
singoli (Krippendorff 2011).</li>
<li><strong>Consenso</strong>: r<sub>wg</sub> confronta la varianza dei voti di una casella con quella di voti dati a
caso sulla scala (James, Demaree e Wolf 1984), e non cresce né cala con il numero dei delegati; vicino agli estremi
della scala i voti hanno meno spazio per disperdersi, e r<sub>wg</sub> tende a salire. Le soglie di lettura sono
quelle di LeBreton e Senter (2008).</li>
<li><strong>Territori</strong>: il livello di ogni territorio è la media degli scarti dei suoi delegati dal voto medio
dell'area nelle stesse caselle, con un intervallo al 95%: è al netto delle caselle votate, non della generosità dei
delegati, che resta nel livello e non si distingue da un effetto del territorio; un unico test di permutazione dice
se i territori differiscono più di quanto farebbe il caso.</li>
</ul>
<p>Nessuna statistica poggia su meno di <strong>{min_cell}</strong> delegati. Un intervallo copre il valore che si
avrebbe con tutti i delegati simili a questi con la probabilità detta solo se il modello dei dati è ragionevole: ogni
metodo è verificato nei test del progetto contro un'implementazione indipendente o un esempio pubblicato.</p>
"""
