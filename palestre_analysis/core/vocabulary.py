"""Controlled vocabularies of the raw-data contract and their Italian labels.

Entity types, composition categories, phase-2 groups, territories and the four
strategic nodes of phase 1. Raw labels are matched after :func:`normalize_label`
(case-, accent-, punctuation- and space-insensitive), so that "A.P.S.",
"aps" and "Associazione di promozione sociale" all mean the same type.
"""

from __future__ import annotations

import re
import unicodedata

__all__ = [
    "normalize_label",
    "ENTITY_TYPES",
    "ENTITY_TYPE_LABELS",
    "CATEGORY_OF_TYPE",
    "CATEGORIES",
    "CATEGORY_LABELS",
    "CATEGORY_OF_PHRASE",
    "GROUP_OF_TYPE",
    "GROUPS",
    "GROUP_LABELS",
    "PROVINCES",
    "REGION_CODE",
    "TERRITORY_NAMES",
    "REGION_WIDE_NAME",
    "NODES",
    "LEVELS",
    "parse_entity_type",
    "parse_territory",
    "parse_node",
    "parse_level",
    "slugify",
]


def normalize_label(text: object) -> str:
    """Fold a label for comparison: no accents, lower case, words only.

    Accents are dropped (NFKD), dots inside acronyms are removed (``A.P.S.`` → ``aps``),
    any other run of punctuation, underscores or spaces becomes one space, and the
    result is trimmed.

    Parameters
    ----------
    text : object
        A raw label; anything else is passed through ``str`` first (so ``None`` gives
        ``"none"``).

    Returns
    -------
    str
        The folded label; ``""`` for a blank or punctuation-only label.

    Examples
    --------
    >>> normalize_label("  Fondazione di  Comunità ")
    'fondazione di comunita'
    >>> normalize_label("A.P.S.")
    'aps'
    >>> normalize_label("Nome_dell'ente"), normalize_label(" -- ")
    ('nome dell ente', '')
    """
    decomposed = unicodedata.normalize("NFKD", str(text))
    plain = "".join(ch for ch in decomposed if not unicodedata.combining(ch)).lower()
    plain = re.sub(r"(?<=\b\w)\.(?=\w\b|\w\.|$)", "", plain)  # "a.p.s." -> "aps"
    plain = re.sub(r"[^\w]+", " ", plain)
    return " ".join(plain.replace("_", " ").split())


# --- Entity types -----------------------------------------------------------------------

ENTITY_TYPE_LABELS = {
    "odv": "Organizzazione di volontariato (ODV)",
    "aps": "Associazione di promozione sociale (APS)",
    "altra_associazione": "Altra associazione",
    "fondazione_comunita": "Fondazione di comunità",
    "altra_fondazione": "Altra fondazione",
    "csv": "Centro di servizio per il volontariato (CSV)",
    "cooperativa_impresa_sociale": "Cooperativa sociale o impresa sociale",
    "pubblica_amministrazione": "Pubblica amministrazione",
    "altro": "Altro ente",
}
ENTITY_TYPES = tuple(ENTITY_TYPE_LABELS)

_TYPE_SPELLINGS = {
    "odv": [
        "odv",
        "o d v",
        "organizzazione di volontariato",
        "organizzazioni di volontariato",
        "associazione di volontariato",
        "volontariato",
    ],
    "aps": [
        "aps",
        "a p s",
        "associazione di promozione sociale",
        "associazioni di promozione sociale",
        "promozione sociale",
    ],
    "altra_associazione": [
        "associazione",
        "altra associazione",
        "altre associazioni",
        "associazione culturale",
        "associazione sportiva",
        "associazione sportiva dilettantistica",
        "asd",
        "other association",
    ],
    "fondazione_comunita": [
        "fondazione comunitaria",
        "fondazione di comunita",
        "fondazioni di comunita",
        "fondazioni comunitarie",
        "fondazione della comunita",
        "community foundation",
    ],
    "altra_fondazione": [
        "fondazione",
        "altra fondazione",
        "altre fondazioni",
        "fondazione di origine bancaria",
        "fondazione bancaria",
        "other foundation",
    ],
    "csv": [
        "csv",
        "c s v",
        "centro di servizio per il volontariato",
        "centro servizi per il volontariato",
        "centro di servizi per il volontariato",
        "centro servizi volontariato",
    ],
    "cooperativa_impresa_sociale": [
        "cooperativa sociale",
        "cooperativa",
        "cooperative sociali",
        "coop sociale",
        "coop",
        "impresa sociale",
        "imprese sociali",
        "social cooperative",
        "social enterprise",
        "cooperazione",
    ],
    "pubblica_amministrazione": [
        "pubblica amministrazione",
        "p a",
        "pa",
        "ente pubblico",
        "comune",
        "amministrazione comunale",
        "provincia",
        "regione",
        "ats",
        "asst",
        "ente locale",
        "public administration",
    ],
    "altro": ["altro", "altri", "altro ente", "altri enti", "other"],
}
_TYPE_LOOKUP = {normalize_label(s): code for code, spellings in _TYPE_SPELLINGS.items() for s in spellings}
_TYPE_LOOKUP.update({normalize_label(label): code for code, label in ENTITY_TYPE_LABELS.items()})
_TYPE_LOOKUP.update({normalize_label(code): code for code in ENTITY_TYPES})


def parse_entity_type(text: object) -> str | None:
    """Return the type code of a raw ``tipologia`` label, or ``None`` when unknown.

    Accepted are the codes of :data:`ENTITY_TYPES`, their Italian labels and usual
    spellings (Italian and English), compared after :func:`normalize_label`.

    Parameters
    ----------
    text : object
        The raw label, as written in the ``tipologia`` column.

    Returns
    -------
    str or None
        One of :data:`ENTITY_TYPES`, or ``None`` when the label is not recognised.

    Examples
    --------
    >>> parse_entity_type("A.P.S.")
    'aps'
    >>> parse_entity_type("Fondazione di Comunità")
    'fondazione_comunita'
    >>> parse_entity_type("Comune") , parse_entity_type("Banca") is None
    ('pubblica_amministrazione', True)
    """
    return _TYPE_LOOKUP.get(normalize_label(text))


# --- Composition categories and phase-2 groups ------------------------------------------

CATEGORY_LABELS = {
    "associazioni": "Associazioni",
    "fondazioni_comunita": "Fondazioni di comunità",
    "csv": "CSV",
    "cooperazione_pa": "Cooperazione e P.A.",
    "altri": "Altri enti",
}
CATEGORIES = tuple(CATEGORY_LABELS)
#: "la categoria ... è quella {delle associazioni}": each category with its article.
CATEGORY_OF_PHRASE = {
    "associazioni": "delle associazioni",
    "fondazioni_comunita": "delle fondazioni di comunità",
    "csv": "dei CSV",
    "cooperazione_pa": "della cooperazione e della P.A.",
    "altri": "degli altri enti",
}

CATEGORY_OF_TYPE = {
    "odv": "associazioni",
    "aps": "associazioni",
    "altra_associazione": "associazioni",
    "fondazione_comunita": "fondazioni_comunita",
    "altra_fondazione": "altri",
    "csv": "csv",
    "cooperativa_impresa_sociale": "cooperazione_pa",
    "pubblica_amministrazione": "cooperazione_pa",
    "altro": "altri",
}

GROUP_LABELS = {
    "all": "Tutti i delegati",
    "aps_odv": "Delegati APS e ODV",
    "fondazioni_csv_altri": "Delegati Fondazioni, CSV e altri enti",
}
GROUPS = ("aps_odv", "fondazioni_csv_altri")
GROUP_OF_TYPE = {code: ("aps_odv" if code in ("odv", "aps") else "fondazioni_csv_altri") for code in ENTITY_TYPES}


# --- Territories --------------------------------------------------------------------------

#: The 12 Lombard provinces: sigla -> official name.
PROVINCES = {
    "BG": "Bergamo",
    "BS": "Brescia",
    "CO": "Como",
    "CR": "Cremona",
    "LC": "Lecco",
    "LO": "Lodi",
    "MN": "Mantova",
    "MI": "Milano",
    "MB": "Monza e della Brianza",
    "PV": "Pavia",
    "SO": "Sondrio",
    "VA": "Varese",
}
REGION_CODE = "LOM"
TERRITORY_NAMES = {**PROVINCES, REGION_CODE: "Lombardia"}
#: How reports name the entities whose territory is the whole region (no province of their own).
REGION_WIDE_NAME = "Enti regionali"

_TERRITORY_LOOKUP = {normalize_label(name): code for code, name in TERRITORY_NAMES.items()}
_TERRITORY_LOOKUP.update({normalize_label(code): code for code in TERRITORY_NAMES})
_TERRITORY_LOOKUP.update(
    {
        normalize_label("Monza e Brianza"): "MB",
        normalize_label("Monza Brianza"): "MB",
        normalize_label("Monza"): "MB",
        normalize_label("Città metropolitana di Milano"): "MI",
        normalize_label("Regione Lombardia"): REGION_CODE,
        normalize_label("Regionale"): REGION_CODE,
    }
)


def parse_territory(text: object) -> str | None:
    """Return the territory code (a sigla, or ``LOM`` for the region), or ``None``.

    Sigle and official names of the twelve Lombard provinces are accepted, plus a few
    common variants ("Monza", "Città metropolitana di Milano", "Regione Lombardia",
    "Regionale"), compared after :func:`normalize_label`.

    Parameters
    ----------
    text : object
        The raw territory, a sigla or a name.

    Returns
    -------
    str or None
        A key of :data:`TERRITORY_NAMES` (a key of :data:`PROVINCES` or
        :data:`REGION_CODE`), or ``None`` when not recognised.

    Examples
    --------
    >>> parse_territory("Monza e Brianza"), parse_territory(" mi "), parse_territory("Lombardia")
    ('MB', 'MI', 'LOM')
    >>> parse_territory("Torino") is None
    True
    """
    return _TERRITORY_LOOKUP.get(normalize_label(text))


# --- Phase 1 strategic nodes and meeting levels -------------------------------------------

NODES = ("Energie per il dibattito", "Reti comunitarie", "Strumentazione", "Catene di valore")
_NODE_LOOKUP = {normalize_label(n): n for n in NODES}

LEVELS = ("regionale", "territoriale")
_LEVEL_LOOKUP = {
    "regionale": "regionale",
    "regional": "regionale",
    "territoriale": "territoriale",
    "territorial": "territoriale",
    "provinciale": "territoriale",
    "locale": "territoriale",
}


def parse_node(text: object) -> str | None:
    """Return the canonical strategic node, or ``None``.

    Parameters
    ----------
    text : object
        The raw node, compared with the names of :data:`NODES` after
        :func:`normalize_label` (no other spelling is accepted).

    Returns
    -------
    str or None
        One of :data:`NODES`, or ``None`` when not recognised.

    Examples
    --------
    >>> parse_node("reti  COMUNITARIE")
    'Reti comunitarie'
    >>> parse_node("Reti") is None
    True
    """
    return _NODE_LOOKUP.get(normalize_label(text))


def parse_level(text: object) -> str | None:
    """Return ``"regionale"`` or ``"territoriale"``, or ``None``.

    Parameters
    ----------
    text : object
        The raw meeting level; ``regional``, ``territorial``, ``provinciale`` and
        ``locale`` are accepted too (the last two mean ``territoriale``).

    Returns
    -------
    str or None
        One of :data:`LEVELS`, or ``None`` when not recognised.

    Examples
    --------
    >>> parse_level("Territoriale ")
    'territoriale'
    >>> parse_level("Provinciale"), parse_level("nazionale")
    ('territoriale', None)
    """
    return _LEVEL_LOOKUP.get(normalize_label(text))


def slugify(text: object) -> str:
    """A safe folder name: ASCII letters, digits and hyphens only, never empty.

    Parameters
    ----------
    text : object
        A label (a territory name); it is folded with :func:`normalize_label` first.

    Returns
    -------
    str
        Lower-case words joined by single hyphens; ``"territorio"`` when nothing is left.

    Examples
    --------
    >>> slugify("Monza e della Brianza")
    'monza-e-della-brianza'
    >>> slugify("../../etc/passwd")
    'etc-passwd'
    >>> slugify("?!")
    'territorio'
    """
    slug = "-".join(normalize_label(text).split())
    slug = re.sub(r"[^a-z0-9-]", "", slug.encode("ascii", "ignore").decode())
    return re.sub(r"-+", "-", slug).strip("-") or "territorio"
