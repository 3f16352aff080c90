"""A synthetic data set calibrated to "Palestre di capacità" (the embedded demo).

Everything here is invented: entities, names, emails (``example.org``), meetings and
votes. It is calibrated to the seed document: 95 entities with one delegate each (57
associations, 51 of them APS or ODV; 11 community foundations; 10 CSV; 6 co-operation
and public administration; 11 others), 18 meetings in 6 focus groups from September
2018 to June 2019, phase-1 contributions on the four strategic nodes, and phase-2
votes from 83 delegates (51 ``aps_odv``, 32 ``fondazioni_csv_altri``).

The votes come from a model with real structure, so every analysis has something true
to find: each resource fits some needs better than others, the two groups see some
resources differently, and delegates are more or less generous overall. The files
carry a little realistic mess for the cleaning to handle (a ``;``-delimited
Windows-1252 file, an Excel sheet, a Google Forms grid export with a repeated
submission, a few invalid votes). The same seed always writes the same bytes.

The steps that do not depend on where the process takes place are public building
blocks, shared with the national demo (:mod:`~palestre_analysis.ingest.demo_national`):
a delegate and its entity (:func:`draw_entity`, :func:`unique_name`), the calendar
(:func:`plan_meetings`), who comes (:func:`draw_attendance`), what they say
(:func:`draw_contributions`), who votes and how (:func:`choose_voters`,
:func:`draw_votes`), and the raw files with their mess (:func:`write_raw_files`, styled
by a :class:`FileStyle`). Each draws from the generator it is given in a fixed order,
which is what keeps the bytes of this demo the same.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import zipfile
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path

import numpy as np

from palestre_analysis import config
from palestre_analysis.core.process import DEFAULT_REFERENCE_DATE
from palestre_analysis.core.territories import units
from palestre_analysis.core.vocabulary import CATEGORY_OF_TYPE, GROUP_LABELS

__all__ = [
    "write_demo",
    "DemoSummary",
    "FIELDS",
    "RESOURCES",
    "NEEDS",
    "NAME_WORDS",
    "NAME_PREFIXES",
    "TYPE_TEXTS",
    "DemoEntity",
    "DemoData",
    "FileStyle",
    "draw_entity",
    "unique_name",
    "plan_meetings",
    "draw_attendance",
    "draw_contributions",
    "choose_voters",
    "draw_votes",
    "write_raw_files",
]

# --- The phase-2 grid -----------------------------------------------------------------------

FIELDS = (
    "Assistenza sociale e socio-sanitaria",
    "Cultura e patrimonio",
    "Sport e tempo libero",
    "Ambiente e territorio",
    "Educazione e formazione",
    "Protezione civile",
)
RESOURCES = (
    "Contributi pubblici",
    "Bandi delle fondazioni",
    "Donazioni di privati",
    "5 per mille",
    "Raccolta fondi ed eventi",
    "Quote associative",
    "Sponsorizzazioni d'impresa",
    "Convenzioni con enti pubblici",
)
NEEDS = (
    "Sostenibilità della struttura",
    "Avvio di nuovi progetti",
    "Formazione di volontari e operatori",
    "Sedi e attrezzature",
    "Comunicazione e lavoro in rete",
)

#: How well each resource (rows) fits each need (columns), before group and delegate effects.
_FIT = np.array(
    [
        # sost. progetti formaz. sedi  comunic.
        [6.5, 5.5, 5.0, 7.5, 4.5],  # Contributi pubblici
        [4.0, 8.5, 6.5, 5.0, 6.0],  # Bandi delle fondazioni
        [6.0, 5.0, 4.5, 5.5, 5.0],  # Donazioni di privati
        [7.5, 4.5, 5.0, 6.0, 4.0],  # 5 per mille
        [5.0, 5.5, 3.5, 4.5, 7.5],  # Raccolta fondi ed eventi
        [7.0, 3.5, 5.5, 4.0, 4.5],  # Quote associative
        [4.0, 6.0, 4.0, 5.0, 7.0],  # Sponsorizzazioni d'impresa
        [7.0, 6.0, 6.0, 6.5, 4.0],  # Convenzioni con enti pubblici
    ]
)
#: How APS/ODV delegates see each resource compared with foundations, CSV and others.
_GROUP_GAP = np.array([-0.4, -1.4, 0.3, 1.2, 1.4, 1.6, -0.2, -0.6])
#: Field effects: some fields find some resources easier (culture and sponsors, sport and fees...).
_FIELD_EFFECT = {
    "Cultura e patrimonio": {"Sponsorizzazioni d'impresa": 2.0, "Bandi delle fondazioni": 0.3},
    "Sport e tempo libero": {"Quote associative": 2.0, "Sponsorizzazioni d'impresa": 0.8},
    "Assistenza sociale e socio-sanitaria": {"Convenzioni con enti pubblici": 1.8, "5 per mille": 0.5},
    "Protezione civile": {"Contributi pubblici": 1.8, "Raccolta fondi ed eventi": -0.5},
    "Ambiente e territorio": {"Donazioni di privati": 0.8},
    "Educazione e formazione": {"Bandi delle fondazioni": 0.6},
}

# --- The network ------------------------------------------------------------------------------

#: (type code, how many, spellings used in the file)
_TYPES = (
    ("aps", 29, ("APS", "A.P.S.", "Associazione di promozione sociale", "aps")),
    ("odv", 22, ("ODV", "O.D.V.", "Organizzazione di volontariato", "odv")),
    ("altra_associazione", 6, ("Associazione", "Altra associazione")),
    ("fondazione_comunita", 11, ("Fondazione comunitaria", "Fondazione di comunità")),
    ("csv", 10, ("CSV", "Centro di servizio per il volontariato")),
    ("cooperativa_impresa_sociale", 4, ("Cooperativa sociale", "Impresa sociale")),
    ("pubblica_amministrazione", 2, ("Comune", "Pubblica amministrazione")),
    ("altra_fondazione", 5, ("Fondazione", "Altra fondazione")),
    ("altro", 6, ("Altro", "Altro ente")),
)
_PROVINCE_WEIGHTS = {
    "MI": 30,
    "BS": 11,
    "BG": 11,
    "VA": 8,
    "MB": 8,
    "CO": 6,
    "PV": 5,
    "MN": 4,
    "CR": 4,
    "LC": 3,
    "LO": 2,
    "SO": 2,
}
_TERRITORY_SPELLINGS = {"MB": ("Monza e Brianza", "MB", "Monza e della Brianza"), "MI": ("Milano", "MI", "milano")}

_FIRST = (
    "Anna",
    "Marco",
    "Giulia",
    "Luca",
    "Francesca",
    "Paolo",
    "Chiara",
    "Giovanni",
    "Sara",
    "Andrea",
    "Elena",
    "Matteo",
    "Laura",
    "Stefano",
    "Silvia",
    "Davide",
    "Valentina",
    "Alessandro",
    "Martina",
    "Roberto",
    "Federica",
    "Simone",
    "Paola",
    "Giorgio",
    "Elisa",
    "Nicola",
    "Cristina",
    "Fabio",
)
_LAST = (
    "Rossi",
    "Bianchi",
    "Colombo",
    "Ferrari",
    "Ricci",
    "Marino",
    "Greco",
    "Bruno",
    "Gallo",
    "Conti",
    "Costa",
    "Giordano",
    "Mancini",
    "Rizzo",
    "Lombardi",
    "Moretti",
    "Barbieri",
    "Fontana",
    "Santoro",
    "Mariani",
    "Rinaldi",
    "Caruso",
    "Ferrara",
    "Galli",
    "Martini",
    "Leone",
    "Longo",
    "Gentile",
)
NAME_WORDS = (
    "Il Girasole",
    "La Rete",
    "Arcobaleno",
    "Il Ponte",
    "Orizzonti",
    "La Quercia",
    "Insieme",
    "Mani Tese",
    "Il Faro",
    "La Bussola",
    "Radici",
    "Terra Nostra",
    "Il Melograno",
    "Passo dopo passo",
    "L'Approdo",
    "Voci di Quartiere",
    "Il Cortile",
    "La Lanterna",
    "Germogli",
    "Sentieri",
)

#: The spellings of each type code the demo writes in ``tipologia``.
TYPE_TEXTS = {code: texts for code, _, texts in _TYPES}
#: The first words of an entity's name, by type code ("APS Il Faro – Bergamo").
NAME_PREFIXES = {
    "aps": "APS",
    "odv": "ODV",
    "altra_associazione": "Associazione",
    "csv": "CSV",
    "fondazione_comunita": "Fondazione della Comunità",
    "altra_fondazione": "Fondazione",
    "cooperativa_impresa_sociale": "Cooperativa sociale",
    "pubblica_amministrazione": "Comune di",
    "altro": "Rete",
}
# --- The year of meetings ---------------------------------------------------------------------

#: focus group -> (level, [(date, host province or None)], provinces it draws from)
_FOCUS_GROUPS = {
    "FG1 Regionale – Reti comunitarie": (
        "regionale",
        [(dt.date(2018, 9, 20), None), (dt.date(2018, 12, 13), None), (dt.date(2019, 3, 21), None)],
        None,
    ),
    "FG2 Regionale – Risorse e sostenibilità": (
        "regionale",
        [(dt.date(2018, 10, 18), None), (dt.date(2019, 1, 24), None), (dt.date(2019, 6, 13), None)],
        None,
    ),
    "FG3 Milano e Brianza": (
        "territoriale",
        [(dt.date(2018, 10, 4), "MI"), (dt.date(2018, 11, 29), "MB"), (dt.date(2019, 4, 11), "MI")],
        ("MI", "MB"),
    ),
    "FG4 Lombardia orientale": (
        "territoriale",
        [(dt.date(2018, 10, 11), "BS"), (dt.date(2018, 12, 6), "BG"), (dt.date(2019, 4, 4), "MN")],
        ("BS", "BG", "MN"),
    ),
    "FG5 Laghi e valli": (
        "territoriale",
        [(dt.date(2018, 11, 8), "CO"), (dt.date(2019, 2, 14), "VA"), (dt.date(2019, 5, 9), "LC")],
        ("CO", "VA", "LC", "SO"),
    ),
    "FG6 Pianura": (
        "territoriale",
        [(dt.date(2018, 11, 15), "PV"), (dt.date(2019, 2, 28), "CR"), (dt.date(2019, 5, 23), "LO")],
        ("PV", "CR", "LO"),
    ),
}
#: Phase 2 (resources and needs) starts with the February 2019 meetings.
_PHASE_2_FROM = dt.date(2019, 2, 1)

_NODE_TEXTS = {
    "Energie per il dibattito": (
        "Gli adempimenti della riforma assorbono quasi tutto il tempo dei volontari: serve spazio per pensare.",
        "Chiediamo momenti di confronto stabili, non solo scadenze di bando.",
        "Il consiglio direttivo è piccolo e oberato: la riflessione strategica resta sempre indietro.",
    ),
    "Reti comunitarie": (
        "Riprendere l'iniziativa nei quartieri: le persone si attivano se trovano luoghi aperti.",
        "Le reti nate sui progetti si sciolgono a fine finanziamento: serve continuità.",
        "Coinvolgere i giovani nella vita associativa è la priorità della nostra comunità.",
    ),
    "Strumentazione": (
        "Un bando più semplice, con schede di progettazione chiare e tempi certi.",
        "Servono strumenti comuni di co-programmazione con i Comuni, previsti dall'art. 55.",
        "La rendicontazione richiede competenze che i piccoli enti non hanno: formazione e supporto.",
    ),
    "Catene di valore": (
        "Costruire rapporti duraturi con le imprese del territorio, non solo sponsorizzazioni occasionali.",
        "Con le camere di commercio e le università si possono creare filiere di valore sociale.",
        "I cittadini donano se vedono l'impatto: raccontare i risultati costa, ma rende (anche 5 € a testa).",
    ),
}
#: Node preferences per composition category: associations talk of energy and networks,
#: foundations and CSV of tools and value chains.
_NODE_WEIGHTS = {
    "associazioni": (0.36, 0.34, 0.18, 0.12),
    "fondazioni_comunita": (0.12, 0.28, 0.30, 0.30),
    "csv": (0.15, 0.25, 0.40, 0.20),
    "cooperazione_pa": (0.15, 0.20, 0.30, 0.35),
    "altri": (0.20, 0.25, 0.25, 0.30),
}
_N_VOTERS_OTHER = 32
_N_FORM_SUBMITTERS = 22
_ASSOCIATION_TYPES = ("aps", "odv")


@dataclass
class DemoEntity:
    """An invented entity and its one delegate, as the demo writes them in ``enti``.

    Parameters
    ----------
    entity_id : str
        The ``ente_id`` (``E001``).
    name : str
        The ``denominazione``.
    type_code : str
        The entity type code (a key of :data:`TYPE_TEXTS` or of the vocabulary's types).
    type_text : str
        The ``tipologia`` as written, one spelling of the type.
    place : str
        Where the entity works, as its generator keys places: in this demo a province's
        sigla or ``LOM`` for region-wide bodies.
    territory_text : str
        The ``territorio`` as written.
    delegate : str
        The delegate's invented name.
    email : str
        The delegate's invented address (``example.org``).
    regular : bool
        Whether the entity belongs to the core that comes to most meetings.
    fields : tuple of str
        The fields of activity whose grid the delegate scores in phase 2.
    """

    entity_id: str
    name: str
    type_code: str
    type_text: str
    place: str
    territory_text: str
    delegate: str
    email: str
    regular: bool
    fields: tuple[str, ...]


@dataclass
class DemoData:
    """Everything a demo drew, before it is written as raw files.

    Parameters
    ----------
    entities : list of DemoEntity
    meetings : list of dict
        As :func:`plan_meetings` returns them.
    attendance : list of tuple of (str, str)
        ``(meeting_id, entity_id)``, as :func:`draw_attendance` returns them.
    contributions : list of dict
        As :func:`draw_contributions` returns them.
    voters : list of DemoEntity
        The delegates who vote, in the order :func:`choose_voters` gives.
    votes : list of dict
        As :func:`draw_votes` returns them.
    nodes : tuple of str
        The process's strategic nodes, in its order.
    """

    entities: list[DemoEntity]
    meetings: list[dict]
    attendance: list[tuple[str, str]]
    contributions: list[dict]
    voters: list[DemoEntity]
    votes: list[dict]
    nodes: tuple[str, ...]


@dataclass(frozen=True)
class FileStyle:
    """How a demo writes its raw files: the marker, the scale, and the deliberate mistakes.

    Parameters
    ----------
    marker : str
        The text of :data:`~palestre_analysis.config.DEMO_MARKER`.
    saved : datetime.datetime
        The save time stamped in ``incontri.xlsx`` (fixed, so that the bytes repeat).
    scale : tuple of (int, int), default (1, 10)
        The lowest and highest vote.
    bad_votes : tuple of str, default the seed's four
        Four ``voto`` values the cleaning must reject (a word, above, below, a half).
    stray_vote : str, default "7"
        The vote of the row of an entity that does not exist (``E999``).
    bad_cells : tuple of (str, str), default ("dieci", "10+")
        Two form cells the cleaning must reject.
    form_start : datetime.datetime, default 2019-04-15 09:00
        The time stamp of the first form submission.
    form_step_minutes : int, default 420
        Minutes between one submission and the next (plus a random minute).
    n_form : int, default 22
        How many voters send the Google Forms grid instead of the long file.
    extra : dict of str to bytes, default none
        More files to write (the national demo's ``processo.toml``).
    """

    marker: str
    saved: dt.datetime
    scale: tuple[int, int] = (1, 10)
    bad_votes: tuple[str, ...] = ("sette", "11", "0", "6,5")
    stray_vote: str = "7"
    bad_cells: tuple[str, str] = ("dieci", "10+")
    form_start: dt.datetime = dt.datetime(2019, 4, 15, 9, 0, 0)
    form_step_minutes: int = 7 * 60
    n_form: int = _N_FORM_SUBMITTERS
    extra: dict = field(default_factory=dict)


@dataclass
class DemoSummary:
    """What :func:`write_demo` wrote.

    Parameters
    ----------
    folder : Path
        The raw folder written.
    files : list of str
        Names of the files written (the demo marker included), sorted.
    n_entities : int
        Entities in ``enti.csv`` (95 in this demo).
    n_meetings : int
        Meetings in ``incontri.xlsx`` (18 in this demo).
    n_voters : dict of str to int
        Delegates who voted in phase 2, by group (here ``aps_odv``, ``fondazioni_csv_altri``).
    group_labels : dict of str to str, default the seed's labels
        How the process names each group of ``n_voters``.
    """

    folder: Path
    files: list[str]
    n_entities: int
    n_meetings: int
    n_voters: dict[str, int]
    group_labels: dict[str, str] = field(default_factory=lambda: dict(GROUP_LABELS))


def write_demo(folder: Path | None = None, seed: int = config.SEED) -> DemoSummary:
    """Write the synthetic raw data set into ``folder`` (default ``data/raw``), deterministically.

    Parameters
    ----------
    folder : Path, optional
        The raw folder to write into; created if needed (default: the project's ``data/raw``).
    seed : int, default config.SEED
        Seed of the random draws; the same seed always writes the same bytes.

    Returns
    -------
    DemoSummary
        The files written and the size of the data set.

    Notes
    -----
    Files of the same names already in ``folder`` are overwritten, and other files are
    left there: this function does not check that ``folder`` holds no real data (the
    ``palestre demo`` command does). It writes the demo marker
    (:data:`~palestre_analysis.config.DEMO_MARKER`), ``enti.csv``, ``incontri.xlsx``,
    ``presenze.csv``, ``contributi.csv``, ``valutazioni.csv`` and
    ``valutazioni_modulo_google.csv``. The national demo is
    :func:`~palestre_analysis.ingest.demo_national.write_national_demo`.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> summary = write_demo(pathlib.Path(tempfile.mkdtemp()))
    >>> summary.n_entities, summary.n_meetings, summary.n_voters
    (95, 18, {'aps_odv': 51, 'fondazioni_csv_altri': 32})
    """
    folder = Path(folder or config.RAW_DIR)
    rng = np.random.default_rng(seed)
    entities = _make_entities(rng)
    meetings = plan_meetings(_meeting_plan(), _PHASE_2_FROM)
    attendance = draw_attendance(rng, entities, meetings, partial(_eligible_meetings, meetings=meetings))
    contributions = draw_contributions(rng, entities, meetings, attendance, _NODE_TEXTS, _NODE_WEIGHTS)
    voters = choose_voters(rng, entities, _ASSOCIATION_TYPES, _N_VOTERS_OTHER)
    votes = draw_votes(rng, voters, _ASSOCIATION_TYPES)
    data = DemoData(entities, meetings, attendance, contributions, voters, votes, tuple(_NODE_TEXTS))
    style = FileStyle(marker=_marker_text(), saved=dt.datetime(2019, 7, 1))
    files = write_raw_files(folder, rng, data, style)
    groups = {"aps_odv": sum(e.type_code in _ASSOCIATION_TYPES for e in voters)}
    groups["fondazioni_csv_altri"] = len(voters) - groups["aps_odv"]
    return DemoSummary(folder, files, len(entities), len(meetings), groups)


# --- entities --------------------------------------------------------------------------------


def draw_entity(
    rng: np.random.Generator,
    index: int,
    code: str,
    place: str,
    type_texts: Sequence[str],
    name: Callable[[np.random.Generator], str],
    territory: Callable[[np.random.Generator], str],
    id_width: int = 3,
) -> DemoEntity:
    """One entity and its delegate: name, spelling of the type, territory, habits, fields.

    Parameters
    ----------
    rng : numpy.random.Generator
        Drawn from in a fixed order: delegate, name, type spelling, territory, habits, fields.
    index : int
        The entity's number (``E`` and the number make its code; the email holds it too).
    code : str
        The type code.
    place : str
        The place key stored in :attr:`DemoEntity.place`.
    type_texts : sequence of str
        The spellings of the type, one drawn for ``tipologia`` (:data:`TYPE_TEXTS` has this demo's).
    name, territory : callable
        Each takes ``rng`` and returns the ``denominazione`` or the ``territorio`` as written.
    id_width : int, default 3
        Digits of the code (``E001``).

    Returns
    -------
    DemoEntity

    Examples
    --------
    >>> rng = np.random.default_rng(1)
    >>> entity = draw_entity(rng, 7, "odv", "BG", ["ODV"], lambda r: "ODV Il Faro – Bergamo", lambda r: "BG")
    >>> entity.entity_id, entity.type_code, entity.email.endswith("7@example.org"), 2 <= len(entity.fields) <= 4
    ('E007', 'odv', True, True)
    """
    first, last = rng.choice(_FIRST), rng.choice(_LAST)
    return DemoEntity(
        entity_id=f"E{index:0{id_width}d}",
        name=name(rng),
        type_code=code,
        type_text=str(rng.choice(type_texts)),
        place=place,
        territory_text=territory(rng),
        delegate=f"{first} {last}",
        email=f"{first.lower()}.{last.lower()}{index}@example.org",
        regular=bool(rng.random() < (0.45 if code in ("csv", "fondazione_comunita") else 0.28)),
        fields=_entity_fields(rng, code),
    )


def unique_name(draw: Callable[[], str], used: set[str]) -> str:
    """A name not used yet: up to 50 draws, then the last one with a number.

    Parameters
    ----------
    draw : callable
        Returns a candidate name (drawing from a generator, or always the same).
    used : set of str
        The names given so far; the new one is added.

    Returns
    -------
    str

    Examples
    --------
    >>> used = set()
    >>> unique_name(lambda: "CSV Bergamo", used), unique_name(lambda: "CSV Bergamo", used)
    ('CSV Bergamo', 'CSV Bergamo 1')
    """
    for _ in range(50):
        base = draw()
        if base not in used:
            used.add(base)
            return base
    base = f"{base} {len(used)}"
    used.add(base)
    return base


def _make_entities(rng) -> list[DemoEntity]:
    type_codes = [code for code, count, _ in _TYPES for _ in range(count)]
    provinces = _assign_provinces(rng, type_codes)
    used_names: set[str] = set()
    return [
        draw_entity(
            rng,
            index,
            code,
            province,
            TYPE_TEXTS[code],
            name=partial(_entity_name, code=code, province=province, used=used_names),
            territory=partial(_territory_text, province=province),
        )
        for index, (code, province) in enumerate(zip(type_codes, provinces), start=1)
    ]


def _assign_provinces(rng, type_codes: list[str]) -> list[str]:
    """Community foundations and CSV one per province; region-wide bodies among the others."""
    sigle = list(_PROVINCE_WEIGHTS)
    weights = np.array(list(_PROVINCE_WEIGHTS.values()), dtype=float)
    weights /= weights.sum()
    foundation_provinces = iter([s for s in sigle if s != "SO"])
    csv_provinces = iter(["MI", "BG", "BS", "CO", "VA", "MB", "PV", "MN", "CR", "LOM"])
    regional = {"altro": 3, "altra_fondazione": 2, "aps": 1}
    provinces = []
    for code in type_codes:
        if code == "fondazione_comunita":
            provinces.append(next(foundation_provinces))
        elif code == "csv":
            provinces.append(next(csv_provinces))
        elif regional.get(code, 0) > 0:
            regional[code] -= 1
            provinces.append("LOM")
        else:
            provinces.append(str(rng.choice(sigle, p=weights)))
    return provinces


def _entity_name(rng, code: str, province: str, used: set[str]) -> str:
    place, prefix = _place_names()[province], NAME_PREFIXES[code]

    def draw() -> str:
        if code == "pubblica_amministrazione":
            return f"{prefix} {rng.choice(['Lecco', 'Cremona'])}"
        if code in ("csv", "fondazione_comunita"):
            return f"{prefix} {place}"
        return f"{prefix} {rng.choice(NAME_WORDS)} – {place}"

    return unique_name(draw, used)


def _place_names() -> dict[str, str]:
    """Sigla of each Lombard unit (and ``LOM`` for the region) → its ISTAT name, on the seed's date."""
    return {**{u.sigla: u.name for u in units(DEFAULT_REFERENCE_DATE, "Lombardia")}, "LOM": config.REGION}


def _territory_text(rng, province: str) -> str:

    if province == "LOM":
        return config.REGION
    if province in _TERRITORY_SPELLINGS:
        return str(rng.choice(_TERRITORY_SPELLINGS[province]))
    return province if rng.random() < 0.3 else _place_names()[province]


def _entity_fields(rng, code: str) -> tuple[str, ...]:
    weights = np.array([3.0, 2.0, 1.6, 1.4, 1.8, 1.0])
    if code in ("csv", "fondazione_comunita", "altro", "altra_fondazione"):
        weights = np.ones(len(FIELDS))
    k = int(rng.integers(2, 5))
    chosen = rng.choice(len(FIELDS), size=k, replace=False, p=weights / weights.sum())
    return tuple(FIELDS[i] for i in sorted(chosen))


def _entity_rows(entities: list[DemoEntity]) -> list[list[str]]:
    rows = [["ente_id", "denominazione", "tipologia", "territorio", "delegato", "email"]]
    rows += [[e.entity_id, e.name, e.type_text, e.territory_text, e.delegate, e.email] for e in entities]
    return rows


# --- meetings and attendance ------------------------------------------------------------------


def plan_meetings(plan: Iterable[dict], phase_2_from: dt.date, id_width: int = 2) -> list[dict]:
    """The meetings in date order, numbered, each with its phase.

    Parameters
    ----------
    plan : iterable of dict
        One per meeting, with ``date``, ``level`` (``regionale`` or ``territoriale``),
        ``host`` (the ``territorio`` to write, or ``None``) and ``focus_group``; other keys
        are kept. Meetings on the same day keep the plan's order.
    phase_2_from : datetime.date
        The first day of phase 2.
    id_width : int, default 2
        Digits of the code (``I01``).

    Returns
    -------
    list of dict
        The plan's dicts in date order, with ``meeting_id`` and ``phase`` added.

    Examples
    --------
    >>> plan = [{"date": dt.date(2019, 3, 1), "level": "regionale", "host": None, "focus_group": "A"},
    ...         {"date": dt.date(2018, 10, 1), "level": "territoriale", "host": "BG", "focus_group": "B"}]
    >>> [(m["meeting_id"], m["phase"], m["focus_group"]) for m in plan_meetings(plan, dt.date(2019, 2, 1))]
    [('I01', 1, 'B'), ('I02', 2, 'A')]
    """
    meetings = sorted(plan, key=lambda m: m["date"])
    for number, meeting in enumerate(meetings, start=1):
        meeting["meeting_id"] = f"I{number:0{id_width}d}"
        meeting["phase"] = 1 if meeting["date"] < phase_2_from else 2
    return meetings


def _meeting_plan() -> list[dict]:
    return [
        {"date": date, "level": level, "host": host, "focus_group": group}
        for group, (level, dates, _) in _FOCUS_GROUPS.items()
        for date, host in dates
    ]


def _eligible_meetings(entity: DemoEntity, meetings: list[dict]) -> list[dict]:
    """The regional meetings and those of the entity's focus group (all of them for region-wide bodies)."""

    def eligible(meeting: dict) -> bool:
        provinces = _FOCUS_GROUPS[meeting["focus_group"]][2]
        return provinces is None or entity.place in provinces or entity.place == "LOM"

    return [m for m in meetings if eligible(m)]


def draw_attendance(
    rng: np.random.Generator,
    entities: Sequence[DemoEntity],
    meetings: Sequence[dict],
    eligible: Callable[[DemoEntity], list[dict]],
    weight: Callable[[DemoEntity, dict], float] | None = None,
) -> list[tuple[str, str]]:
    """Who came to which meeting: a core of regulars, occasional delegates who join later, nobody never present.

    A regular comes from the first eligible meeting with chance 0.82; anyone else from a
    random one of them with a chance drawn between 0.15 and 0.4. Whoever came to none
    comes to the first meeting they could have joined.

    Parameters
    ----------
    rng : numpy.random.Generator
    entities : sequence of DemoEntity
    meetings : sequence of dict
        Every meeting, as :func:`plan_meetings` returns them (their order is the output's).
    eligible : callable
        The meetings an entity may attend, in date order.
    weight : callable, optional
        A factor on the chance, by entity and meeting (a far national assembly draws
        fewer local delegates); none means 1.

    Returns
    -------
    list of tuple of (str, str)
        ``(meeting_id, entity_id)`` in meeting order, then entity code.

    Examples
    --------
    >>> rng = np.random.default_rng(3)
    >>> meetings = plan_meetings([{"date": dt.date(2019, 1, d), "level": "regionale", "host": None,
    ...                            "focus_group": "A"} for d in (1, 2, 3)], dt.date(2019, 2, 1))
    >>> entity = draw_entity(rng, 1, "aps", "BG", ["APS"], lambda r: "APS", lambda r: "BG")
    >>> present = draw_attendance(rng, [entity], meetings, lambda e: meetings)
    >>> len(present) >= 1 and {e for _, e in present} == {"E001"}
    True
    """
    present = []
    for entity in entities:
        mine = eligible(entity)
        start = 0 if entity.regular else int(rng.integers(0, max(1, len(mine) - 1)))
        chance = 0.82 if entity.regular else float(rng.uniform(0.15, 0.4))
        if weight is None:
            attended = [m for m in mine[start:] if rng.random() < chance]
        else:
            attended = [m for m in mine[start:] if rng.random() < chance * weight(entity, m)]
        if not attended:
            attended = [mine[min(start, len(mine) - 1)]]
        present += [(m["meeting_id"], entity.entity_id) for m in attended]
    order = {m["meeting_id"]: i for i, m in enumerate(meetings)}
    return sorted(present, key=lambda p: (order[p[0]], p[1]))


def _attendance_rows(rng, attendance) -> list[list[str]]:
    rows = [["incontro_id", "ente_id"]] + [list(p) for p in attendance]
    duplicate = attendance[int(rng.integers(0, len(attendance)))]
    rows.insert(len(rows) // 2, list(duplicate))  # the sign-in sheet typed twice
    return rows


def _meetings_xlsx(meetings: list[dict], saved: dt.datetime) -> bytes:
    import openpyxl

    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = "Incontri"
    sheet.append(["Incontro ID", "Data", "Fase", "Livello", "Territorio", "Focus group"])
    for number, meeting in enumerate(meetings):
        date = meeting["date"]
        written = date.strftime("%d/%m/%Y") if number % 4 == 3 else dt.datetime.combine(date, dt.time())
        host = "" if meeting["host"] is None else meeting["host"]
        level = meeting["level"].capitalize() if number % 2 else meeting["level"]
        sheet.append([meeting["meeting_id"], written, meeting["phase"], level, host, meeting["focus_group"]])
        if isinstance(written, dt.datetime):
            sheet.cell(row=sheet.max_row, column=2).number_format = "DD/MM/YYYY"
    workbook.properties.created = workbook.properties.modified = saved
    buffer = io.BytesIO()
    workbook.save(buffer)
    return _deterministic_zip(buffer.getvalue(), saved)


def _deterministic_zip(data: bytes, saved: dt.datetime) -> bytes:
    """Rewrite a workbook with fixed timestamps, so the same sheet gives the same bytes.

    openpyxl stamps the save time both on the zip entries and in ``docProps/core.xml``.
    """
    stamp = saved.strftime("%Y-%m-%dT%H:%M:%SZ").encode("ascii")
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            content = source.read(info.filename)
            if info.filename == "docProps/core.xml":
                content = re.sub(rb"(<dcterms:modified[^>]*>)[^<]*", rb"\g<1>" + stamp, content)
            fixed = zipfile.ZipInfo(info.filename, date_time=(1980, 1, 1, 0, 0, 0))
            fixed.compress_type = zipfile.ZIP_DEFLATED
            fixed.external_attr = info.external_attr
            target.writestr(fixed, content)
    return out.getvalue()


# --- contributions ------------------------------------------------------------------------------


def draw_contributions(
    rng: np.random.Generator,
    entities: Sequence[DemoEntity],
    meetings: Sequence[dict],
    attendance: Sequence[tuple[str, str]],
    node_texts: dict[str, Sequence[str]],
    node_weights: dict[str, Sequence[float]],
) -> list[dict]:
    """Phase-1 contributions: each presence at a phase-1 meeting gives a Poisson(0.9) number of them.

    Each contribution's node follows the entity's composition category; its text is one
    of the node's. The fourth and the eighth carry markup, which reports must show as text.

    Parameters
    ----------
    rng : numpy.random.Generator
    entities : sequence of DemoEntity
    meetings : sequence of dict
        As :func:`plan_meetings` returns them.
    attendance : sequence of tuple of (str, str)
        As :func:`draw_attendance` returns it.
    node_texts : dict of str to sequence of str
        Each node (in the process's order) and the texts said about it.
    node_weights : dict of str to sequence of float
        For each composition category, the chance of each node (summing to 1).

    Returns
    -------
    list of dict
        ``meeting_id``, ``entity_id``, ``node`` and ``text`` of each contribution.
    """
    by_id = {e.entity_id: e for e in entities}
    phase = {m["meeting_id"]: m["phase"] for m in meetings}
    nodes = list(node_texts)
    contributions = []
    for meeting_id, entity_id in attendance:
        if phase[meeting_id] != 1:
            continue
        category = CATEGORY_OF_TYPE[by_id[entity_id].type_code]
        for _ in range(int(rng.poisson(0.9))):
            node = nodes[int(rng.choice(len(nodes), p=node_weights[category]))]
            text = str(rng.choice(node_texts[node]))
            contributions.append({"meeting_id": meeting_id, "entity_id": entity_id, "node": node, "text": text})
    # Free text may contain anything: reports must show it as text, never run it.
    contributions[3]["text"] = 'Proposta: <script>alert("palestre")</script> un tavolo permanente.'
    contributions[7]["text"] = "Serve una sede <img src=x onerror=alert(1)> condivisa & aperta."
    return contributions


def _contribution_rows(contributions, nodes: Sequence[str]) -> list[list[str]]:
    """Every fifth row writes its node differently (the first node in lower case, the third in upper case)."""
    rank = {node: i for i, node in enumerate(nodes)}
    rows = [["incontro_id", "ente_id", "nodo", "testo"]]
    for number, c in enumerate(contributions):
        node = _node_spelling(c["node"], rank[c["node"]]) if number % 5 == 0 else c["node"]
        rows.append([c["meeting_id"], c["entity_id"], node, c["text"]])
    return rows


def _node_spelling(node: str, rank: int) -> str:
    if rank % 4 == 0:
        return node.lower()
    return node.upper() if rank % 4 == 2 else node


# --- votes -----------------------------------------------------------------------------------


def choose_voters(
    rng: np.random.Generator,
    entities: Sequence[DemoEntity],
    first_types: Iterable[str],
    n_other: int,
    n_first: int | None = None,
) -> list[DemoEntity]:
    """The delegates who vote in phase 2, in a random but stable order.

    Parameters
    ----------
    rng : numpy.random.Generator
    entities : sequence of DemoEntity
    first_types : iterable of str
        The type codes of the first group.
    n_other : int
        How many delegates of the other types vote (drawn at random).
    n_first : int, optional
        How many of the first group vote (drawn first); all of them when not given.

    Returns
    -------
    list of DemoEntity
        The voters, shuffled.
    """
    first_types = set(first_types)
    first = [e for e in entities if e.type_code in first_types]
    others = [e for e in entities if e.type_code not in first_types]
    if n_first is not None:
        first = [first[i] for i in sorted(rng.choice(len(first), size=n_first, replace=False))]
    picked = sorted(rng.choice(len(others), size=n_other, replace=False))
    voters = first + [others[i] for i in picked]
    order = rng.permutation(len(voters))
    return [voters[i] for i in order]


def draw_votes(
    rng: np.random.Generator,
    voters: Sequence[DemoEntity],
    first_types: Iterable[str],
    scale: tuple[int, int] = (1, 10),
) -> list[dict]:
    """Every voter's scores on the grids of their fields: fit, field effect, group gap, leniency, noise.

    A score is drawn on 1–10 as the seed's model has it: the resource's fit to the need,
    the field's effect on the resource, half the group gap (added for the first group,
    taken away for the other), the delegate's leniency (normal, sd 0.8) and noise (sd
    1.3), rounded and kept within 1–10; 3% of the cells are left blank. On another scale
    the score is read in equal bins (on 1–5: 1–2 → 1, 3–4 → 2, …, 9–10 → 5).

    Parameters
    ----------
    rng : numpy.random.Generator
    voters : sequence of DemoEntity
    first_types : iterable of str
        The type codes of the first group.
    scale : tuple of (int, int), default (1, 10)
        The lowest and highest vote of the process.

    Returns
    -------
    list of dict
        ``entity_id``, ``field``, ``resource``, ``need`` and ``score`` of every vote.

    Examples
    --------
    >>> rng = np.random.default_rng(5)
    >>> voter = draw_entity(rng, 1, "aps", "BG", ["APS"], lambda r: "APS", lambda r: "BG")
    >>> scores = {v["score"] for v in draw_votes(rng, [voter], ["aps"], scale=(1, 5))}
    >>> scores <= {1, 2, 3, 4, 5} and len(scores) > 2
    True
    """
    first_types = set(first_types)
    low, high = scale
    on_scale = [low + (s - 1) * (high - low + 1) // 10 for s in range(1, 11)]
    fit = _FIT.tolist()
    votes = []
    for entity in voters:
        sign = 1 if entity.type_code in first_types else -1
        leniency = rng.normal(0.0, 0.8)
        for field_name in entity.fields:
            effects = _FIELD_EFFECT.get(field_name, {})
            for r, resource in enumerate(RESOURCES):
                gap = float(_GROUP_GAP[r]) / 2 * sign
                effect = effects.get(resource, 0.0)
                for n, need in enumerate(NEEDS):
                    if rng.random() < 0.03:  # a cell left blank
                        continue
                    mean = fit[r][n] + effect + gap + leniency
                    score = min(max(round(mean + rng.normal(0.0, 1.3)), 1), 10)  # as numpy's rint and clip
                    votes.append(
                        {
                            "entity_id": entity.entity_id,
                            "field": field_name,
                            "resource": resource,
                            "need": need,
                            "score": on_scale[score - 1],
                        }
                    )
    return votes


def _long_vote_rows(rng, votes, form_ids, style: FileStyle) -> list[list[str]]:
    """Votes of delegates who did not use the form, with a few spelling variants and errors."""
    rows = [["ente_id", "campo", "risorsa", "esigenza", "voto"]]
    mine = [v for v in votes if v["entity_id"] not in form_ids]
    for v in mine:
        rows.append([v["entity_id"], v["field"], v["resource"], v["need"], str(v["score"])])
    data_rows = len(rows) - 1
    spots = rng.choice(np.arange(1, data_rows + 1), size=12, replace=False)
    variants = ("{s},0", " {s} ", "{s}.0")
    for i, spot in enumerate(spots[:6]):  # valid, only written differently
        rows[spot][4] = variants[i % 3].format(s=rows[spot][4])
    for spot, bad in zip(spots[6:10], style.bad_votes):  # rejected votes
        rows[spot][4] = bad
    rows[spots[10]][4] = ""  # not scored
    rows[spots[11]][1] = rows[spots[11]][1].upper()  # same field, other case
    rows.append(["E999", FIELDS[0], RESOURCES[0], NEEDS[0], style.stray_vote])  # an entity that does not exist
    return rows


def _form_rows(rng, votes, voters, form_ids, style: FileStyle) -> list[list[str]]:
    """A Google Forms grid export: one row per submission, one column per cell."""
    header = ["Informazioni cronologiche", "Indirizzo email", "Codice ente"]
    grid = [(f, n, r) for f in FIELDS for n in NEEDS for r in RESOURCES]
    header += [f"{f} - {n} [{r}]" for f, n, r in grid]
    by_entity: dict[str, dict] = {}
    for v in votes:
        if v["entity_id"] in form_ids:
            by_entity.setdefault(v["entity_id"], {})[(v["field"], v["need"], v["resource"])] = v["score"]
    submitters = [e for e in voters if e.entity_id in form_ids]
    rows = [header]
    start = style.form_start
    for number, entity in enumerate(submitters):
        stamp = start + dt.timedelta(minutes=style.form_step_minutes * number + int(rng.integers(0, 59)))
        scores = by_entity.get(entity.entity_id, {})
        cells = [str(scores[key]) if key in scores else "" for key in grid]
        rows.append([stamp.strftime("%d/%m/%Y %H.%M.%S"), entity.email, entity.entity_id] + cells)
    first = rows[1]
    earlier = list(first)  # the same delegate sent the form twice; the later one counts
    earlier[0] = (start - dt.timedelta(days=2)).strftime("%d/%m/%Y %H.%M.%S")
    earlier[3:] = [str(max(style.scale[0], int(c) - 2)) if c else "" for c in earlier[3:]]
    rows.insert(2, earlier)
    bad_cells = [c for c in range(3, len(header)) if rows[5][c]][:2]
    rows[5][bad_cells[0]], rows[5][bad_cells[1]] = style.bad_cells
    return rows


# --- files -----------------------------------------------------------------------------------


def write_raw_files(folder: Path, rng: np.random.Generator, data: DemoData, style: FileStyle) -> list[str]:
    """Write a demo's raw files, each in its own format and with its deliberate mess.

    ``enti.csv`` (UTF-8 with BOM), ``incontri.xlsx`` (dates as dates and as text, levels
    in two cases), ``presenze.csv`` (one row typed twice), ``contributi.csv``
    (Windows-1252, ``;``, nodes in other cases), ``valutazioni.csv`` (votes written in
    other ways, four invalid, one blank, a field in upper case, an unknown entity) and
    ``valutazioni_modulo_google.csv`` (the last ``style.n_form`` voters, one of them
    twice, two invalid cells), the marker and ``style.extra``.

    Parameters
    ----------
    folder : Path
        Created if needed; files of the same names are overwritten.
    rng : numpy.random.Generator
        Draws the mess, after everything else was drawn.
    data : DemoData
    style : FileStyle

    Returns
    -------
    list of str
        The names of the files written, sorted.
    """
    form_ids = {e.entity_id for e in data.voters[-style.n_form :]}
    files = {
        config.DEMO_MARKER: style.marker.encode("utf-8"),
        "enti.csv": _csv_bytes(_entity_rows(data.entities), ",", "utf-8-sig"),
        "incontri.xlsx": _meetings_xlsx(data.meetings, style.saved),
        "presenze.csv": _csv_bytes(_attendance_rows(rng, data.attendance), ",", "utf-8"),
        "contributi.csv": _csv_bytes(_contribution_rows(data.contributions, data.nodes), ";", "cp1252"),
        "valutazioni.csv": _csv_bytes(_long_vote_rows(rng, data.votes, form_ids, style), ",", "utf-8"),
        "valutazioni_modulo_google.csv": _csv_bytes(
            _form_rows(rng, data.votes, data.voters, form_ids, style), ",", "utf-8"
        ),
        **style.extra,
    }
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    for name, content in files.items():
        (folder / name).write_bytes(content)
    return sorted(files)


def _csv_bytes(rows: list[list[str]], delimiter: str, encoding: str) -> bytes:
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n")
    writer.writerows(rows)
    return buffer.getvalue().encode(encoding)


def _marker_text() -> str:
    return (
        "DATI SINTETICI – SYNTHETIC DEMO DATA\n\n"
        "Questi file sono inventati da `palestre demo` (palestre_analysis/demo.py) e calibrati sul documento\n"
        '"Palestre di capacità": nessun ente, nome o indirizzo email corrisponde a persone o enti reali\n'
        "(gli indirizzi usano il dominio riservato example.org). Servono a far girare l'analisi e i test.\n\n"
        "These files are invented by `palestre demo` and calibrated to the seed document; no entity,\n"
        "name or email is real. Pseudonyms of this demo use the public demo key documented in the README.\n"
    )
