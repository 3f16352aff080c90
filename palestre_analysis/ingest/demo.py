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
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import zipfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from palestre_analysis import config
from palestre_analysis.core.vocabulary import CATEGORY_OF_TYPE, TERRITORY_NAMES

__all__ = ["write_demo", "DemoSummary", "FIELDS", "RESOURCES", "NEEDS"]

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
_WORDS = (
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


@dataclass
class _Entity:
    entity_id: str
    name: str
    type_code: str
    type_text: str
    province: str  # sigla or "LOM"
    territory_text: str
    delegate: str
    email: str
    regular: bool
    fields: tuple[str, ...]


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
        Entities in ``enti.csv`` (95).
    n_meetings : int
        Meetings in ``incontri.xlsx`` (18).
    n_voters : dict of str to int
        Delegates who voted in phase 2, by group (``aps_odv``, ``fondazioni_csv_altri``).
    """

    folder: Path
    files: list[str]
    n_entities: int
    n_meetings: int
    n_voters: dict[str, int]


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
    ``valutazioni_modulo_google.csv``.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> summary = write_demo(pathlib.Path(tempfile.mkdtemp()))
    >>> summary.n_entities, summary.n_meetings, summary.n_voters
    (95, 18, {'aps_odv': 51, 'fondazioni_csv_altri': 32})
    """
    folder = Path(folder or config.RAW_DIR)
    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    entities = _make_entities(rng)
    meetings = _make_meetings()
    attendance = _make_attendance(rng, entities, meetings)
    contributions = _make_contributions(rng, entities, meetings, attendance)
    voters = _choose_voters(rng, entities)
    votes = _make_votes(rng, voters)
    form_ids = {e.entity_id for e in voters[-_N_FORM_SUBMITTERS:]}
    files = {
        config.DEMO_MARKER: _marker_text().encode("utf-8"),
        "enti.csv": _csv_bytes(_entity_rows(entities), ",", "utf-8-sig"),
        "incontri.xlsx": _meetings_xlsx(meetings),
        "presenze.csv": _csv_bytes(_attendance_rows(rng, attendance), ",", "utf-8"),
        "contributi.csv": _csv_bytes(_contribution_rows(contributions), ";", "cp1252"),
        "valutazioni.csv": _csv_bytes(_long_vote_rows(rng, votes, form_ids), ",", "utf-8"),
        "valutazioni_modulo_google.csv": _csv_bytes(_form_rows(rng, votes, voters, form_ids), ",", "utf-8"),
    }
    for name, data in files.items():
        (folder / name).write_bytes(data)
    groups = {"aps_odv": sum(e.type_code in ("aps", "odv") for e in voters)}
    groups["fondazioni_csv_altri"] = len(voters) - groups["aps_odv"]
    return DemoSummary(folder, sorted(files), len(entities), len(meetings), groups)


# --- entities --------------------------------------------------------------------------------


def _make_entities(rng) -> list[_Entity]:
    type_codes = [code for code, count, _ in _TYPES for _ in range(count)]
    spellings = {code: texts for code, _, texts in _TYPES}
    provinces = _assign_provinces(rng, type_codes)
    entities = []
    used_names: set[str] = set()
    for index, (code, province) in enumerate(zip(type_codes, provinces), start=1):
        first, last = rng.choice(_FIRST), rng.choice(_LAST)
        entities.append(
            _Entity(
                entity_id=f"E{index:03d}",
                name=_entity_name(rng, code, province, used_names),
                type_code=code,
                type_text=str(rng.choice(spellings[code])),
                province=province,
                territory_text=_territory_text(rng, province),
                delegate=f"{first} {last}",
                email=f"{first.lower()}.{last.lower()}{index}@example.org",
                regular=bool(rng.random() < (0.45 if code in ("csv", "fondazione_comunita") else 0.28)),
                fields=_entity_fields(rng, code),
            )
        )
    return entities


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

    place = TERRITORY_NAMES[province]
    prefix = {
        "aps": "APS",
        "odv": "ODV",
        "altra_associazione": "Associazione",
        "csv": "CSV",
        "fondazione_comunita": "Fondazione della Comunità",
        "altra_fondazione": "Fondazione",
        "cooperativa_impresa_sociale": "Cooperativa sociale",
        "pubblica_amministrazione": "Comune di",
        "altro": "Rete",
    }[code]
    for _ in range(50):
        if code in ("csv", "fondazione_comunita", "pubblica_amministrazione"):
            base = (
                f"{prefix} {place}"
                if code != "pubblica_amministrazione"
                else f"{prefix} {rng.choice(['Lecco', 'Cremona'])}"
            )
        else:
            base = f"{prefix} {rng.choice(_WORDS)} – {place}"
        if base not in used:
            used.add(base)
            return base
    base = f"{base} {len(used)}"
    used.add(base)
    return base


def _territory_text(rng, province: str) -> str:

    if province == "LOM":
        return config.REGION
    if province in _TERRITORY_SPELLINGS:
        return str(rng.choice(_TERRITORY_SPELLINGS[province]))
    return province if rng.random() < 0.3 else TERRITORY_NAMES[province]


def _entity_fields(rng, code: str) -> tuple[str, ...]:
    weights = np.array([3.0, 2.0, 1.6, 1.4, 1.8, 1.0])
    if code in ("csv", "fondazione_comunita", "altro", "altra_fondazione"):
        weights = np.ones(len(FIELDS))
    k = int(rng.integers(2, 5))
    chosen = rng.choice(len(FIELDS), size=k, replace=False, p=weights / weights.sum())
    return tuple(FIELDS[i] for i in sorted(chosen))


def _entity_rows(entities: list[_Entity]) -> list[list[str]]:
    rows = [["ente_id", "denominazione", "tipologia", "territorio", "delegato", "email"]]
    rows += [[e.entity_id, e.name, e.type_text, e.territory_text, e.delegate, e.email] for e in entities]
    return rows


# --- meetings and attendance ------------------------------------------------------------------


def _make_meetings() -> list[dict]:
    meetings = []
    for group, (level, dates, _) in _FOCUS_GROUPS.items():
        for date, host in dates:
            meetings.append({"date": date, "level": level, "host": host, "focus_group": group})
    meetings.sort(key=lambda m: m["date"])
    for number, meeting in enumerate(meetings, start=1):
        meeting["meeting_id"] = f"I{number:02d}"
        meeting["phase"] = 1 if meeting["date"] < _PHASE_2_FROM else 2
    return meetings


def _eligible(entity: _Entity, meeting: dict) -> bool:
    provinces = _FOCUS_GROUPS[meeting["focus_group"]][2]
    return provinces is None or entity.province in provinces or entity.province == "LOM"


def _make_attendance(rng, entities, meetings) -> list[tuple[str, str]]:
    """A core of regulars, occasional delegates who join later, nobody never present."""
    present = []
    for entity in entities:
        eligible = [m for m in meetings if _eligible(entity, m)]
        start = 0 if entity.regular else int(rng.integers(0, max(1, len(eligible) - 1)))
        chance = 0.82 if entity.regular else float(rng.uniform(0.15, 0.4))
        attended = [m for m in eligible[start:] if rng.random() < chance]
        if not attended:
            attended = [eligible[min(start, len(eligible) - 1)]]
        present += [(m["meeting_id"], entity.entity_id) for m in attended]
    order = {m["meeting_id"]: i for i, m in enumerate(meetings)}
    return sorted(present, key=lambda p: (order[p[0]], p[1]))


def _attendance_rows(rng, attendance) -> list[list[str]]:
    rows = [["incontro_id", "ente_id"]] + [list(p) for p in attendance]
    duplicate = attendance[int(rng.integers(0, len(attendance)))]
    rows.insert(len(rows) // 2, list(duplicate))  # the sign-in sheet typed twice
    return rows


def _meetings_xlsx(meetings: list[dict]) -> bytes:
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
    fixed = dt.datetime(2019, 7, 1)
    workbook.properties.created = workbook.properties.modified = fixed
    buffer = io.BytesIO()
    workbook.save(buffer)
    return _deterministic_zip(buffer.getvalue())


def _deterministic_zip(data: bytes) -> bytes:
    """Rewrite a workbook with fixed timestamps, so the same sheet gives the same bytes.

    openpyxl stamps the save time both on the zip entries and in ``docProps/core.xml``.
    """
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            content = source.read(info.filename)
            if info.filename == "docProps/core.xml":
                content = re.sub(rb"(<dcterms:modified[^>]*>)[^<]*", rb"\g<1>2019-07-01T00:00:00Z", content)
            fixed = zipfile.ZipInfo(info.filename, date_time=(1980, 1, 1, 0, 0, 0))
            fixed.compress_type = zipfile.ZIP_DEFLATED
            fixed.external_attr = info.external_attr
            target.writestr(fixed, content)
    return out.getvalue()


# --- contributions ------------------------------------------------------------------------------


def _make_contributions(rng, entities, meetings, attendance) -> list[dict]:
    by_id = {e.entity_id: e for e in entities}
    phase = {m["meeting_id"]: m["phase"] for m in meetings}
    contributions = []
    for meeting_id, entity_id in attendance:
        if phase[meeting_id] != 1:
            continue
        category = CATEGORY_OF_TYPE[by_id[entity_id].type_code]
        for _ in range(int(rng.poisson(0.9))):
            node_index = int(rng.choice(4, p=_NODE_WEIGHTS[category]))
            node = list(_NODE_TEXTS)[node_index]
            text = str(rng.choice(_NODE_TEXTS[node]))
            contributions.append({"meeting_id": meeting_id, "entity_id": entity_id, "node": node, "text": text})
    # Free text may contain anything: reports must show it as text, never run it.
    contributions[3]["text"] = 'Proposta: <script>alert("palestre")</script> un tavolo permanente.'
    contributions[7]["text"] = "Serve una sede <img src=x onerror=alert(1)> condivisa & aperta."
    return contributions


def _contribution_rows(contributions) -> list[list[str]]:
    node_spelling = {
        "Energie per il dibattito": "energie per il dibattito",
        "Reti comunitarie": "Reti comunitarie",
        "Strumentazione": "STRUMENTAZIONE",
        "Catene di valore": "Catene di valore",
    }
    rows = [["incontro_id", "ente_id", "nodo", "testo"]]
    for number, c in enumerate(contributions):
        node = node_spelling[c["node"]] if number % 5 == 0 else c["node"]
        rows.append([c["meeting_id"], c["entity_id"], node, c["text"]])
    return rows


# --- votes -----------------------------------------------------------------------------------


def _choose_voters(rng, entities) -> list[_Entity]:
    """All APS and ODV delegates, and 32 of the others, in a stable order."""
    associations = [e for e in entities if e.type_code in ("aps", "odv")]
    others = [e for e in entities if e.type_code not in ("aps", "odv")]
    picked = sorted(rng.choice(len(others), size=_N_VOTERS_OTHER, replace=False))
    voters = associations + [others[i] for i in picked]
    order = rng.permutation(len(voters))
    return [voters[i] for i in order]


def _make_votes(rng, voters) -> list[dict]:
    votes = []
    for entity in voters:
        aps_odv = entity.type_code in ("aps", "odv")
        leniency = rng.normal(0.0, 0.8)
        for field in entity.fields:
            effects = _FIELD_EFFECT.get(field, {})
            for r, resource in enumerate(RESOURCES):
                gap = _GROUP_GAP[r] / 2 * (1 if aps_odv else -1)
                for n, need in enumerate(NEEDS):
                    if rng.random() < 0.03:  # a cell left blank
                        continue
                    mean = _FIT[r, n] + effects.get(resource, 0.0) + gap + leniency
                    score = int(np.clip(np.rint(mean + rng.normal(0.0, 1.3)), 1, 10))
                    votes.append(
                        {
                            "entity_id": entity.entity_id,
                            "field": field,
                            "resource": resource,
                            "need": need,
                            "score": score,
                        }
                    )
    return votes


def _long_vote_rows(rng, votes, form_ids) -> list[list[str]]:
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
    for spot, bad in zip(spots[6:10], ("sette", "11", "0", "6,5")):  # rejected votes
        rows[spot][4] = bad
    rows[spots[10]][4] = ""  # not scored
    rows[spots[11]][1] = rows[spots[11]][1].upper()  # same field, other case
    rows.append(["E999", FIELDS[0], RESOURCES[0], NEEDS[0], "7"])  # an entity that does not exist
    return rows


def _form_rows(rng, votes, voters, form_ids) -> list[list[str]]:
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
    start = dt.datetime(2019, 4, 15, 9, 0, 0)
    for number, entity in enumerate(submitters):
        stamp = start + dt.timedelta(hours=int(7 * number), minutes=int(rng.integers(0, 59)))
        scores = by_entity.get(entity.entity_id, {})
        cells = [str(scores[key]) if key in scores else "" for key in grid]
        rows.append([stamp.strftime("%d/%m/%Y %H.%M.%S"), entity.email, entity.entity_id] + cells)
    first = rows[1]
    earlier = list(first)  # the same delegate sent the form twice; the later one counts
    earlier[0] = (start - dt.timedelta(days=2)).strftime("%d/%m/%Y %H.%M.%S")
    earlier[3:] = [str(max(1, int(c) - 2)) if c else "" for c in earlier[3:]]
    rows.insert(2, earlier)
    bad_cells = [c for c in range(3, len(header)) if rows[5][c]][:2]
    rows[5][bad_cells[0]], rows[5][bad_cells[1]] = "dieci", "10+"
    return rows


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
