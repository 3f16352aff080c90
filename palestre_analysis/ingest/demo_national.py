"""A synthetic national process: every region and province-level unit of Italy, thousands of entities.

Everything here is invented, as in the Lombard demo (:mod:`~palestre_analysis.ingest.demo`),
whose building blocks it uses: the delegates, their habits of attendance, the
contribution and vote models and the deliberate mess of the raw files are the same.
What is national:

* **Places.** The 20 regions and the 107 province-level units valid on
  :data:`REFERENCE_DATE`, 30 June 2024 (ISTAT, ``core/territories.py``): the end of
  the process's phase 2, as the seed's reference date is the end of its own, and the
  most recent configuration that the national scoring benchmark (20 regions, 107
  provinces) describes too; from 2026 Sardinia has other provinces.
* **Entities.** About 4,900 for the whole country, spread by the resident population of
  each unit (ISTAT, about 1 January 2024, in thousands: :data:`PROVINCE_POPULATION`),
  with at least :data:`MIN_PER_PROVINCE` per unit; every type of the Third Sector Code and the
  bodies beside it. Each region has region-wide bodies (``territorio`` the region's name:
  its CSV coordination, its Third Sector forum, regional networks and the Region itself),
  and there are national bodies (``territorio`` ``Italia``: national networks,
  philanthropic bodies, consortia).
* **Meetings**, within the raw contract's two levels: four national assemblies
  (``regionale`` with ``territorio`` ``Italia``), three forums in each region
  (``regionale``, ``territorio`` the region) and two tables in each province
  (``territoriale``, ``territorio`` the province, by name or sigla), from September 2023
  to June 2024, phase 2 from February 2024. Provincial delegates come to their own table,
  often to their region's forum, seldom to Rome; region-wide bodies to their region's
  meetings; national bodies to the assemblies and now and then to a regional forum.
* **The process**, described in ``processo.toml``: its own title, five nodes
  (:data:`NODES`), votes on 1–5, two groups by entity type (:data:`GROUPS`) and reference
  shares of the categories (:data:`REFERENCE_SHARES`, an external frame: ``tipo = "esterna"``). Votes follow the seed's model
  (fit, field effects, group gap, leniency), read on 1–5 (:func:`~.demo.draw_votes`).

``regions=`` keeps a few regions (the process stays national, with proportionally fewer
national bodies): each kept region has the entities it has in the full version, so two
regions clean and report quickly. The same seed and regions always write the same bytes.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable
from functools import partial
from pathlib import Path

import numpy as np

from palestre_analysis import config
from palestre_analysis.core import territories
from palestre_analysis.core.geography import NATIONAL, Geography, Place
from palestre_analysis.core.process import PROCESS_FILE, default_bands
from palestre_analysis.core.territories import Unit
from palestre_analysis.core.vocabulary import parse_entity_type
from palestre_analysis.ingest.demo import (
    NAME_PREFIXES,
    NAME_WORDS,
    TYPE_TEXTS,
    DemoData,
    DemoEntity,
    DemoSummary,
    FileStyle,
    choose_voters,
    draw_attendance,
    draw_contributions,
    draw_entity,
    draw_votes,
    plan_meetings,
    unique_name,
    write_raw_files,
)

__all__ = [
    "write_national_demo",
    "select_regions",
    "REFERENCE_DATE",
    "TITLE",
    "SCALE",
    "NODES",
    "GROUPS",
    "REFERENCE_SHARES",
    "REFERENCE_SOURCE",
    "PROVINCE_POPULATION",
    "MIN_PER_PROVINCE",
]

#: The date whose territorial units the process uses (``data_riferimento``).
REFERENCE_DATE = dt.date(2024, 6, 30)
_PHASE_2_FROM = dt.date(2024, 2, 1)
TITLE = "Cantieri di comunità – percorso nazionale del Terzo settore"
SCALE = (1, 5)

#: Resident population of each province-level unit valid on :data:`REFERENCE_DATE`, thousands,
#: about 1 January 2024 (ISTAT, rounded: a weight, not a statistic), by sigla.
PROVINCE_POPULATION = {
    "TO": 2208, "VC": 166, "NO": 363, "CN": 582, "AT": 207, "AL": 408, "BI": 170, "VB": 153,
    "AO": 123,
    "VA": 878, "CO": 595, "SO": 179, "MI": 3250, "BG": 1108, "BS": 1253, "PV": 534, "CR": 351, "MN": 404,
    "LC": 333, "LO": 228, "MB": 873,
    "BZ": 536, "TN": 545,
    "VR": 930, "VI": 852, "BL": 198, "TV": 876, "VE": 834, "PD": 936, "RO": 228,
    "UD": 516, "GO": 138, "TS": 228, "PN": 312,
    "IM": 211, "SV": 267, "GE": 815, "SP": 215,
    "PC": 286, "PR": 454, "RE": 529, "MO": 707, "BO": 1019, "FE": 340, "RA": 385, "FC": 393, "RN": 340,
    "MS": 189, "LU": 381, "PT": 290, "FI": 984, "LI": 328, "PI": 416, "AR": 334, "SI": 262, "GR": 217, "PO": 262,
    "PG": 639, "TR": 215,
    "PU": 350, "AN": 462, "MC": 304, "AP": 201, "FM": 168,
    "VT": 306, "RI": 150, "RM": 4216, "LT": 567, "FR": 465,
    "AQ": 288, "TE": 298, "PE": 313, "CH": 370,
    "CB": 213, "IS": 79,
    "CE": 905, "BN": 264, "NA": 2970, "AV": 400, "SA": 1055,
    "FG": 598, "BA": 1222, "TA": 558, "BR": 375, "LE": 771, "BT": 378,
    "PZ": 350, "MT": 193,
    "CS": 668, "CZ": 341, "RC": 517, "KR": 162, "VV": 150,
    "TP": 418, "PA": 1198, "ME": 600, "AG": 410, "CL": 245, "EN": 152, "CT": 1066, "RG": 316, "SR": 384,
    "SS": 476, "NU": 200, "CA": 420, "OR": 150, "SU": 330,
}  # fmt: skip
#: Entities in province-level units for the whole country, before the per-unit minimum.
_N_LOCAL = 4700
#: Fewest entities in a province-level unit (so that every unit can be reported on).
MIN_PER_PROVINCE = 8
#: National bodies of the whole country (fewer, never below 8, when regions are kept).
_N_NATIONAL = 60
_POPULATION = sum(PROVINCE_POPULATION.values())

_NORTH, _CENTRE = {"01", "02", "03", "04", "05", "06", "07", "08"}, {"09", "10", "11", "12"}
#: Chance that a unit has a community foundation, a foundation of banking origin and a CSV, by macro-area.
_STRUCTURE = {
    "nord": {"fondazione_comunita": 0.55, "fondazione_origine_bancaria": 0.6, "csv": 0.45},
    "centro": {"fondazione_comunita": 0.35, "fondazione_origine_bancaria": 0.5, "csv": 0.45},
    "sud": {"fondazione_comunita": 0.2, "fondazione_origine_bancaria": 0.2, "csv": 0.45},
}
#: The type mix of local entities, of region-wide bodies (after the CSV coordination and the forum) and of national bodies.
_MIX = {
    "provincia": {
        "aps": 0.34, "odv": 0.27, "altra_associazione": 0.07, "rete_associativa": 0.01,
        "societa_mutuo_soccorso": 0.02, "ente_filantropico": 0.01, "altro_ets": 0.04, "onlus": 0.03,
        "altra_fondazione": 0.03, "cooperativa_impresa_sociale": 0.11, "pubblica_amministrazione": 0.04,
        "altro": 0.03,
    },
    "regione": {
        "rete_associativa": 0.30, "aps": 0.15, "odv": 0.15, "pubblica_amministrazione": 0.10,
        "cooperativa_impresa_sociale": 0.10, "altra_fondazione": 0.08, "ente_filantropico": 0.05, "altro": 0.07,
    },
    "nazione": {
        "rete_associativa": 0.35, "aps": 0.12, "odv": 0.08, "ente_filantropico": 0.10, "altra_fondazione": 0.10,
        "cooperativa_impresa_sociale": 0.08, "altro_ets": 0.05, "societa_mutuo_soccorso": 0.03,
        "pubblica_amministrazione": 0.03, "altro": 0.06,
    },
}  # fmt: skip
_TYPE_TEXTS = {
    **TYPE_TEXTS,
    "aps": (*TYPE_TEXTS["aps"], "APS-ETS"),
    "odv": (*TYPE_TEXTS["odv"], "ODV ETS"),
    "cooperativa_impresa_sociale": (*TYPE_TEXTS["cooperativa_impresa_sociale"], "Coop. soc."),
    "rete_associativa": ("Rete associativa", "Rete associativa nazionale"),
    "societa_mutuo_soccorso": ("Società di mutuo soccorso", "SMS", "S.O.M.S."),
    "ente_filantropico": ("Ente filantropico",),
    "altro_ets": ("Altro ETS", "Altro ente del Terzo settore"),
    "onlus": ("ONLUS", "O.N.L.U.S."),
    "fondazione_origine_bancaria": ("Fondazione di origine bancaria", "FOB", "Fondazione bancaria"),
}
_PREFIXES = {
    **NAME_PREFIXES,
    "rete_associativa": "Rete associativa",
    "societa_mutuo_soccorso": "Società di mutuo soccorso",
    "ente_filantropico": "Ente filantropico",
    "altro_ets": "Ente",
    "onlus": "Onlus",
    "fondazione_origine_bancaria": "Fondazione bancaria",
}
#: More words for names, so that a big city's hundreds of entities need no numbers.
_WORDS = (
    *NAME_WORDS,
    "Il Mosaico", "La Fonte", "Il Seme", "Nuovi Orizzonti", "La Tenda", "Il Sorriso", "L'Abbraccio", "La Strada",
    "Il Filo", "La Casa Comune", "Porte Aperte", "Il Granello", "La Scintilla", "Il Volo", "La Sorgente",
    "Il Timone", "Le Ali", "Il Cammino", "La Torre", "Il Mulino",
)  # fmt: skip
_THEMES = (
    "", "", "", " per lo sport", " per la cultura", " per l'ambiente", " per i giovani", " per gli anziani",
    " di quartiere", " solidale", " per l'inclusione", " per la salute", " per la scuola", " per l'accoglienza",
)  # fmt: skip
_NATIONAL_PA = (
    "Osservatorio nazionale sul volontariato",
    "Osservatorio nazionale sull'associazionismo",
    "Agenzia nazionale per la coesione sociale",
    "Dipartimento nazionale per le politiche giovanili",
)

#: The strategic nodes of phase 1 and what delegates said about them (Windows-1252 text, as ``contributi`` is).
_NODE_TEXTS = {
    "Coprogrammazione e coprogettazione": (
        "Gli articoli 55 e 56 vanno applicati davvero: tavoli stabili con Regione e Comuni, non solo avvisi.",
        "Chiediamo di essere coinvolti prima che i piani di zona siano scritti.",
        "Servono regole comuni per la coprogettazione: oggi ogni Comune fa a modo suo.",
    ),
    "Volontariato e partecipazione giovanile": (
        "I volontari invecchiano: senza giovani le nostre attività si fermano entro pochi anni.",
        "Il servizio civile è una porta d'ingresso: va collegato alle associazioni del territorio.",
        "I ragazzi si impegnano su progetti brevi e concreti, non nelle cariche sociali.",
    ),
    "Sostenibilità economica": (
        "Dipendiamo da bandi annuali: serve un finanziamento pluriennale delle attività ordinarie.",
        "Il 5 per mille e le donazioni crescono solo se raccontiamo i risultati.",
        "I costi degli adempimenti del RUNTS pesano sui piccoli enti più di ogni altra spesa.",
    ),
    "Trasformazione digitale": (
        "Servono strumenti digitali condivisi per rendicontare senza rifare tutto ogni volta.",
        "Molti volontari non usano la PEC né lo SPID: la formazione digitale è una priorità.",
        "Una piattaforma comune per le reti eviterebbe dieci gestionali diversi.",
    ),
    "Welfare di prossimità": (
        "Nelle aree interne le associazioni sono l'ultimo presidio: vanno sostenute come servizio.",
        "Gli sportelli di quartiere funzionano se lavorano con i servizi sociali, non accanto.",
        "Le case della comunità previste dal PNRR devono aprirsi al Terzo settore.",
    ),
}
NODES = tuple(_NODE_TEXTS)
#: Node preferences per composition category: associations speak of volunteers and proximity,
#: foundations of money, CSV of tools, co-operation and public bodies of co-programming.
_NODE_WEIGHTS = {
    "associazioni": (0.18, 0.30, 0.20, 0.10, 0.22),
    "fondazioni_comunita": (0.15, 0.15, 0.35, 0.10, 0.25),
    "csv": (0.20, 0.25, 0.15, 0.30, 0.10),
    "cooperazione_pa": (0.40, 0.10, 0.20, 0.10, 0.20),
    "altri": (0.20, 0.15, 0.30, 0.15, 0.20),
}

#: The two phase-2 groups: key, label, and the ``tipologie`` the process file lists.
GROUPS = (
    (
        "associazioni_reti",
        "Delegati di associazioni e reti associative",
        ("ODV", "APS", "Altra associazione", "Rete associativa"),
    ),
    ("enti_erogativi_servizi", "Delegati di fondazioni, imprese sociali, CSV, enti pubblici e altri", ("*",)),
)
_FIRST_TYPES = tuple(parse_entity_type(text) for text in GROUPS[0][2])
#: The composition the process set out to reach (close to what this demo draws): a frame from outside the
#: network's own data, so ``processo.toml`` marks it ``tipo = "esterna"`` with this source.
REFERENCE_SOURCE = "quote obiettivo del processo dimostrativo (dati sintetici)"
REFERENCE_SHARES = {
    "associazioni": 0.68,
    "fondazioni_comunita": 0.01,
    "csv": 0.01,
    "cooperazione_pa": 0.15,
    "altri": 0.15,
}
#: Share of each group whose delegate votes in phase 2, and of the voters who use the Google form.
_VOTE_SHARE = {"first": 0.80, "other": 0.65}
_FORM_SHARE = 0.06
#: How likely a delegate is to come to a meeting of each level, by the level of its entity.
_WEIGHT = {
    ("provincia", "nazione"): 0.3, ("provincia", "regione"): 0.8, ("provincia", "provincia"): 1.0,
    ("regione", "nazione"): 0.6, ("regione", "regione"): 1.0, ("regione", "provincia"): 0.5,
    ("nazione", "nazione"): 1.0, ("nazione", "regione"): 0.12,
}  # fmt: skip


def select_regions(names: Iterable[str] | None = None) -> list[Unit]:
    """The regions a national demo covers, in ISTAT order: those named, or all of them.

    Parameters
    ----------
    names : iterable of str, optional
        Regions by any spelling :func:`~palestre_analysis.core.territories.find` reads
        ("Veneto", "sardegna", "FVG", "04"); ``None`` or an empty list for all 20.

    Returns
    -------
    list of Unit
        The regions valid on :data:`REFERENCE_DATE`, each once.

    Raises
    ------
    ValueError
        With an Italian sentence, when a name is not a region.

    Examples
    --------
    >>> [r.name for r in select_regions(["sardegna", "Veneto", "veneto"])]
    ['Veneto', 'Sardegna']
    >>> len(select_regions())
    20
    >>> select_regions(["Atlantide"])
    Traceback (most recent call last):
    ...
    ValueError: «Atlantide» non è una regione italiana: scrivere per esempio «Veneto» o «Sardegna».
    """
    every = territories.regions(REFERENCE_DATE)
    names = [str(n).strip() for n in (names or []) if str(n).strip()]
    if not names:
        return every
    codes = set()
    for name in names:
        unit = next((r for r in every if r.code == name), None) or territories.find(name, REFERENCE_DATE, "regione")
        if unit is None:
            raise ValueError(f"«{name}» non è una regione italiana: scrivere per esempio «Veneto» o «Sardegna».")
        codes.add(unit.code)
    return [r for r in every if r.code in codes]


def write_national_demo(folder: Path, seed: int = config.SEED, regions: Iterable[str] | None = None) -> DemoSummary:
    """Write the synthetic national process into ``folder``, deterministically.

    Parameters
    ----------
    folder : Path
        The raw folder; created if needed. Files of the same names are overwritten and
        others left there (``palestre demo`` checks that the folder holds no real data).
    seed : int, default config.SEED
        Seed of the random draws; the same seed and regions always write the same bytes.
    regions : iterable of str, optional
        Keep only these regions (any spelling, see :func:`select_regions`); default all.

    Returns
    -------
    DemoSummary
        The files written (the demo's seven and ``processo.toml``), the sizes, the voters
        by group and the groups' labels.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> summary = write_national_demo(pathlib.Path(tempfile.mkdtemp()), regions=["Molise"])
    >>> summary.files[-1], summary.n_meetings, sorted(summary.n_voters)
    ('valutazioni_modulo_google.csv', 11, ['associazioni_reti', 'enti_erogativi_servizi'])
    """
    kept = select_regions(regions)
    geography = Geography(NATIONAL, REFERENCE_DATE)
    rng = np.random.default_rng(seed)
    entities = _make_entities(rng, geography, kept)
    meetings = plan_meetings(_meeting_plan(geography, kept), _PHASE_2_FROM, id_width=3)
    levels = _place_levels(geography)
    eligible = _eligibility(meetings, geography)
    attendance = draw_attendance(
        rng, entities, meetings, eligible, weight=lambda e, m: _WEIGHT.get((levels[e.place], m["scope"]), 0.0)
    )
    contributions = draw_contributions(rng, entities, meetings, attendance, _NODE_TEXTS, _NODE_WEIGHTS)
    n_first = sum(e.type_code in _FIRST_TYPES for e in entities)
    n_first_voting = round(_VOTE_SHARE["first"] * n_first)
    n_other_voting = round(_VOTE_SHARE["other"] * (len(entities) - n_first))
    voters = choose_voters(rng, entities, _FIRST_TYPES, n_other_voting, n_first=n_first_voting)
    votes = draw_votes(rng, voters, _FIRST_TYPES, scale=SCALE)
    data = DemoData(entities, meetings, attendance, contributions, voters, votes, NODES)
    files = write_raw_files(folder, rng, data, _style(len(voters), kept))
    (first_key, first_label, _), (other_key, other_label, _) = GROUPS
    counts = {first_key: n_first_voting, other_key: len(voters) - n_first_voting}
    labels = {first_key: first_label, other_key: other_label}
    return DemoSummary(Path(folder), files, len(entities), len(meetings), counts, labels)


# --- entities --------------------------------------------------------------------------------


def _share(geography: Geography, region: Unit) -> float:
    """The region's share of the country's population."""
    return sum(PROVINCE_POPULATION[p.code] for p in _provinces_of(geography, region)) / _POPULATION


def _macro_area(region_code: str) -> str:
    return "nord" if region_code in _NORTH else "centro" if region_code in _CENTRE else "sud"


def _provinces_of(geography: Geography, region: Unit) -> list[Place]:
    return [p for p in geography.provinces if p.region == region.name]


def _local_counts(geography: Geography, region: Unit) -> dict[str, int]:
    """Entities per province-level unit of the region: its share of the country's population, at least the minimum."""
    return {
        p.code: max(MIN_PER_PROVINCE, round(_N_LOCAL * PROVINCE_POPULATION[p.code] / _POPULATION))
        for p in _provinces_of(geography, region)
    }


def _draw_types(rng, mix: dict[str, float], n: int) -> list[str]:
    codes = list(mix)
    weights = np.array(list(mix.values()), dtype=float)
    return [codes[i] for i in rng.choice(len(codes), size=n, p=weights / weights.sum())]


def _placements(rng, geography: Geography, kept: list[Unit]) -> list[tuple[str, str, str]]:
    """``(place, level, type code)`` of every entity: national bodies, then region by region."""
    n_national = max(8, round(_N_NATIONAL * sum(_share(geography, r) for r in kept)))
    found = [(NATIONAL, "nazione", code) for code in _draw_types(rng, _MIX["nazione"], n_national)]
    for region in kept:
        n_bodies = 3 + round(40 * _share(geography, region))
        bodies = ["csv", "altro", *_draw_types(rng, _MIX["regione"], n_bodies - 2)]
        found += [(region.name, "regione", code) for code in bodies]
        structure = _STRUCTURE[_macro_area(region.code)]
        for sigla, count in _local_counts(geography, region).items():
            special = [code for code, chance in structure.items() if rng.random() < chance]
            codes = special + _draw_types(rng, _MIX["provincia"], count - len(special))
            found += [(sigla, "provincia", code) for code in codes]
    return found


def _make_entities(rng, geography: Geography, kept: list[Unit]) -> list[DemoEntity]:
    placements = _placements(rng, geography, kept)
    width = max(3, len(str(len(placements))))
    provinces = {p.code: p for p in geography.provinces}
    used: set[str] = set()
    entities = []
    for index, (place, level, code) in enumerate(placements, start=1):
        province = provinces.get(place)
        label = province.name if province is not None else place
        entities.append(
            draw_entity(
                rng,
                index,
                code,
                place,
                _TYPE_TEXTS[code],
                name=partial(_entity_name, code=code, level=level, label=label, province=province, used=used),
                territory=partial(_territory_text, province=province, label=label),
                id_width=width,
            )
        )
    return entities


def _entity_name(rng, code: str, level: str, label: str, province: Place | None, used: set[str]) -> str:
    """A name with its place: ``APS Il Faro per i giovani – Verona``, ``Rete associativa nazionale La Rete``."""
    prefix = _PREFIXES[code]
    forum = f"Forum del Terzo settore – {label}"

    def draw() -> str:
        if code == "csv":
            return f"CSV {label}" if level == "provincia" else f"Coordinamento regionale dei CSV – {label}"
        if code == "fondazione_comunita":
            return f"{prefix} {label}"
        if code == "altro" and level == "regione" and forum not in used:
            return forum
        if code == "pubblica_amministrazione":
            return _public_body(rng, level, label, province)
        words = f"{rng.choice(_WORDS)}{rng.choice(_THEMES)}"
        return f"{prefix} nazionale {words}" if level == "nazione" else f"{prefix} {words} – {label}"

    return unique_name(draw, used)


def _public_body(rng, level: str, label: str, province: Place | None) -> str:
    if level == "nazione":
        return str(rng.choice(_NATIONAL_PA))
    if level == "regione":
        return str(rng.choice([f"Regione {label}", f"Agenzia regionale per il welfare – {label}"]))
    designation = province.unit.designation
    body = [designation[0].upper() + designation[1:]] if not designation.startswith("unità") else []
    return str(rng.choice([f"Comune di {label}", *body, *(f"Ambito sociale {k} – {label}" for k in range(1, 10))]))


def _territory_text(rng, province: Place | None, label: str) -> str:
    """A unit by name, sigla, both, or its designation; a region or Italy by its name."""
    if province is None:
        return label
    variants = province.unit.variants
    designations = [v for v in variants if v.lower().startswith(("città metropolitana", "provincia"))]
    draw = rng.random()
    if draw < 0.55:
        return province.name
    if draw < 0.8:
        return province.sigla
    if draw < 0.9 or not designations:
        return f"{province.name} ({province.sigla})"
    return designations[0]


def _place_levels(geography: Geography) -> dict[str, str]:
    levels = {NATIONAL: "nazione", **{r.name: "regione" for r in geography.regions}}
    return levels | {p.code: "provincia" for p in geography.provinces}


# --- meetings --------------------------------------------------------------------------------


def _meeting_plan(geography: Geography, kept: list[Unit]) -> list[dict]:
    """Four national assemblies, three forums per region, two tables per province."""
    plan = [
        {"date": day, "level": "regionale", "host": NATIONAL, "focus_group": "Assemblea nazionale",
         "scope": "nazione", "where": NATIONAL}
        for day in (dt.date(2023, 9, 23), dt.date(2023, 12, 2), dt.date(2024, 3, 16), dt.date(2024, 6, 15))
    ]  # fmt: skip
    for region in kept:
        k = int(region.code)
        forum = f"Forum regionale – {region.name}"
        for base in (dt.date(2023, 10, 9), dt.date(2024, 1, 8), dt.date(2024, 4, 15)):
            day = base + dt.timedelta(days=k)
            plan.append(
                {"date": day, "level": "regionale", "host": region.name, "focus_group": forum,
                 "scope": "regione", "where": region.name}
            )  # fmt: skip
        for j, province in enumerate(_provinces_of(geography, region)):
            table = f"Tavolo territoriale – {province.name}"
            host = province.sigla if j % 2 else province.name
            first = dt.date(2023, 11, 6) + dt.timedelta(days=(7 * j + k) % 70)
            second = dt.date(2024, 2, 19) + dt.timedelta(days=(7 * j + 2 * k) % 84)
            plan += [
                {"date": day, "level": "territoriale", "host": host, "focus_group": table,
                 "scope": "provincia", "where": province.code}
                for day in (first, second)
            ]  # fmt: skip
    return plan


def _eligibility(meetings: list[dict], geography: Geography):
    """The meetings each place's entities may attend, in date order (computed once per place)."""
    region_of = {p.code: p.region for p in geography.provinces}
    national = [m for m in meetings if m["scope"] == "nazione"]
    regional = [m for m in meetings if m["scope"] == "regione"]
    order = {id(m): i for i, m in enumerate(meetings)}
    cache: dict[str, list[dict]] = {}

    def eligible(entity: DemoEntity) -> list[dict]:
        place = entity.place
        if place not in cache:
            if place == NATIONAL:
                mine = national + regional
            elif place in region_of:
                mine = [m for m in meetings if m["where"] in (NATIONAL, region_of[place], place)]
            else:
                provinces = {code for code, region in region_of.items() if region == place}
                mine = [m for m in meetings if m["where"] in (NATIONAL, place) or m["where"] in provinces]
            cache[place] = sorted(mine, key=lambda m: order[id(m)])
        return cache[place]

    return eligible


# --- the process file and the marker ------------------------------------------------------------


def _style(n_voters: int, kept: list[Unit]) -> FileStyle:
    n_form = max(5, round(_FORM_SHARE * n_voters))
    return FileStyle(
        marker=_marker_text(kept),
        saved=dt.datetime(2024, 7, 1),
        scale=SCALE,
        bad_votes=("quattro", "6", "0", "3,5"),
        stray_vote="4",
        bad_cells=("cinque", "5+"),
        form_start=dt.datetime(2024, 3, 4, 9, 0, 0),
        form_step_minutes=max(20, 100 * 24 * 60 // n_form),
        n_form=n_form,
        extra={PROCESS_FILE: _process_toml(kept).encode("utf-8")},
    )


def _toml_string(text: str) -> str:
    return json.dumps(text, ensure_ascii=False)


def _toml_list(items: Iterable[str]) -> str:
    return "[" + ", ".join(_toml_string(i) for i in items) + "]"


def _process_toml(kept: list[Unit]) -> str:
    bands = default_bands(*SCALE)
    every = len(kept) == len(territories.regions(REFERENCE_DATE))
    lines = [
        "# Processo dimostrativo nazionale: dati sintetici scritti da `palestre demo --process national`.",
        "# Regioni: tutte." if every else f"# Regioni: solo {', '.join(r.name for r in kept)}.",
        f"titolo = {_toml_string(TITLE)}",
        f"area = {_toml_string(NATIONAL)}",
        f"data_riferimento = {REFERENCE_DATE.isoformat()}",
        f"scala = [{SCALE[0]}, {SCALE[1]}]",
        "fasce = { " + ", ".join(f"{band} = [{lo}, {hi}]" for band, (lo, hi) in bands.items()) + " }",
        f"nodi = {_toml_list(NODES)}",
        f"min_cell = {config.MIN_CELL}",
        "",
    ]
    for key, label, types in GROUPS:
        lines += [f"[gruppi.{key}]", f"etichetta = {_toml_string(label)}", f"tipologie = {_toml_list(types)}", ""]
    lines.append("[quote_riferimento]")
    lines += [f"tipo = {_toml_string('esterna')}", f"fonte = {_toml_string(REFERENCE_SOURCE)}"]
    lines += [f"{category} = {share}" for category, share in REFERENCE_SHARES.items()]
    return "\n".join(lines) + "\n"


def _marker_text(kept: list[Unit]) -> str:
    every = len(kept) == len(territories.regions(REFERENCE_DATE))
    where = "in tutte le regioni" if every else f"in {len(kept)} regioni ({', '.join(r.name for r in kept)})"
    return (
        "DATI SINTETICI – SYNTHETIC DEMO DATA\n\n"
        "Questi file sono inventati da `palestre demo --process national`\n"
        f"(palestre_analysis/ingest/demo_national.py): un processo nazionale immaginario,\n"
        f"«{TITLE}», {where}.\n"
        "Nessun ente, nome o indirizzo email corrisponde a persone o enti reali (gli indirizzi usano il\n"
        "dominio riservato example.org). Il processo è descritto in processo.toml. Servono a far girare\n"
        "l'analisi e i test.\n\n"
        "These files are invented by `palestre demo --process national`: a made-up national process;\n"
        "no entity, name or email is real. Pseudonyms of this demo use the public demo key documented\n"
        "in the README.\n"
    )
