"""Controlled vocabularies of the raw-data contract and their Italian labels.

Entity types, composition categories, phase-2 groups, territories, the four
strategic nodes of phase 1 and the "don't know" answers of the votes. Raw labels are
matched after :func:`normalize_label` (case-, accent-, punctuation- and
space-insensitive, typographic quotes and dashes folded, invisible characters dropped),
so that "A.P.S.", "aps", "APS-ETS" and "Associazione di promozione sociale" all mean the
same type. Each vocabulary's spellings are listed here and nowhere else; a label they do
not cover stays unknown rather than guessed.
"""

from __future__ import annotations

import re
import unicodedata

__all__ = [
    "INVISIBLE_CHARACTERS",
    "NONBREAKING_SPACES",
    "strip_invisible",
    "fold_typography",
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
    "DONT_KNOW_ANSWERS",
    "slugify",
]


#: Characters that show nothing and are dropped (not turned into a space): zero-width space,
#: non-joiner and joiner, left-to-right and right-to-left marks, word joiner, byte-order mark
#: (zero-width no-break space) and soft hyphen.
INVISIBLE_CHARACTERS = "\u200b\u200c\u200d\u200e\u200f\u2060\ufeff\u00ad"
_DROP_INVISIBLE = dict.fromkeys(map(ord, INVISIBLE_CHARACTERS))
#: No-break and other fixed-width spaces, read as an ordinary space.
NONBREAKING_SPACES = "\u00a0\u2007\u202f"
#: Apostrophes and quotes as word processors write them -> ASCII; every dash and minus -> "-";
#: no-break and other fixed-width spaces -> " "; invisible characters dropped.
_TYPOGRAPHY = {
    **_DROP_INVISIBLE,
    **dict.fromkeys(map(ord, "\u2019\u2018\u201a\u201b`\u00b4\u02bc\u2032"), "'"),
    **dict.fromkeys(map(ord, "\u201c\u201d\u201e\u201f\u2033"), '"'),
    **dict.fromkeys(map(ord, "\u2010\u2011\u2012\u2013\u2014\u2015\u2212\ufe58\ufe63\uff0d"), "-"),
    **dict.fromkeys(map(ord, NONBREAKING_SPACES), " "),
}


def strip_invisible(text: str) -> str:
    """Drop the characters of :data:`INVISIBLE_CHARACTERS` (nothing takes their place).

    Parameters
    ----------
    text : str
        Any text.

    Returns
    -------
    str
        The text without zero-width characters, byte-order marks and soft hyphens.

    Examples
    --------
    >>> strip_invisible("E0\u200b01"), strip_invisible("\ufeffente_id")
    ('E001', 'ente_id')
    """
    return text.translate(_DROP_INVISIBLE)


def fold_typography(text: str) -> str:
    """Write typography the ASCII way: quotes, apostrophes, dashes, spaces; drop invisible characters.

    Typographic apostrophes and single quotes (’ ‘ ‚ ‛ ` ´ ʼ ′) become ``'``, double
    quotes (“ ” „ ‟ ″) become ``"``, every Unicode dash and minus (‐ ‑ ‒ – — ― − ﹘ ﹣ －)
    becomes ``-``, no-break spaces become a space, and the characters of
    :data:`INVISIBLE_CHARACTERS` are dropped. Case, accents and everything else are kept.

    Parameters
    ----------
    text : str
        Any text.

    Returns
    -------
    str
        The folded text (same length or shorter).

    Examples
    --------
    >>> fold_typography("Attivita\u2019 culturali \u2013 sport\u00a0e\u200b tempo libero")
    "Attivita' culturali - sport e tempo libero"
    >>> fold_typography("\u2212 5"), fold_typography("\u201cBandi\u201d")
    ('- 5', '"Bandi"')
    """
    return text.translate(_TYPOGRAPHY)


def normalize_label(text: object) -> str:
    """Fold a label for comparison: no accents, lower case, words only.

    Invisible characters (zero-width spaces, byte-order marks, soft hyphens: see
    :data:`INVISIBLE_CHARACTERS`) are dropped, leaving no space; typographic
    apostrophes, quotes and dashes count as their ASCII forms and a no-break space as a
    space (see :func:`fold_typography`). Then accents are dropped (NFKD), dots inside
    acronyms are removed (``A.P.S.`` → ``aps``), any other run of punctuation, underscores
    or spaces becomes one space, and the result is trimmed.

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
    >>> normalize_label("E0\u200b01") == normalize_label("e001")
    True
    >>> normalize_label("Nome dell\u2019ente") == normalize_label("Nome dell'ente")
    True
    """
    decomposed = unicodedata.normalize("NFKD", fold_typography(str(text)))
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
        "coop soc",
        "soc coop",
        "soc coop sociale",
        "soc coop soc",
        "societa cooperativa",
        "societa cooperativa sociale",
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
        "unione dei comuni",
        "unione di comuni",
        "comunita montana",
        "citta metropolitana",
        "azienda speciale consortile",
        "ente locale",
        "public administration",
    ],
    "altro": ["altro", "altri", "altro ente", "altri enti", "other"],
}
#: Tails that say a legal form or a registration, not a type: the 2017 Code of the Third
#: Sector (``ETS``), the older ``ONLUS`` status, limited liability (``s.r.l.``, ``a r.l.``,
#: ``s.c.a r.l.``) and ``s.c.s.`` (società cooperativa sociale). Dropped from the end of a
#: label, repeatedly, before it is looked up; a label made only of them is not a type.
_TYPE_TAILS = (
    "ets",
    "ente del terzo settore",
    "ente di terzo settore",
    "ente terzo settore",
    "onlus",
    "srl",
    "s r l",
    "arl",
    "a rl",
    "a r l",
    "scarl",
    "sca rl",
    "s c a r l",
    "scrl",
    "s c r l",
    "scs",
    "s c s",
)
#: Leading words that name a body of one type whatever follows ("Comune di Bergamo",
#: "ASST Papa Giovanni XXIII", "Fondazione della Comunità Bergamasca"). Whole words only.
_TYPE_LEADS = {
    "pubblica_amministrazione": (
        "comune di",
        "provincia di",
        "regione",
        "citta metropolitana di",
        "unione dei comuni",
        "unione di comuni",
        "unione comuni",
        "comunita montana",
        "azienda speciale consortile",
        "asst",
        "ats",
        "azienda socio sanitaria territoriale",
        "agenzia di tutela della salute",
    ),
    "fondazione_comunita": (
        "fondazione di comunita",
        "fondazione della comunita",
        "fondazione comunita",
        "fondazione comunitaria",
    ),
}
_TYPE_LOOKUP = {normalize_label(s): code for code, spellings in _TYPE_SPELLINGS.items() for s in spellings}
_TYPE_LOOKUP.update({normalize_label(label): code for code, label in ENTITY_TYPE_LABELS.items()})
_TYPE_LOOKUP.update({normalize_label(code): code for code in ENTITY_TYPES})
_TAIL_PATTERN = re.compile(
    r"(?:^|\s)(?:"
    + "|".join(re.escape(t) for t in sorted(map(normalize_label, _TYPE_TAILS), key=len, reverse=True))
    + r")$"
)
_LEAD_PATTERNS = [
    (re.compile(r"^(?:" + "|".join(re.escape(normalize_label(w)) for w in leads) + r")(?:\s|$)"), code)
    for code, leads in _TYPE_LEADS.items()
]


def _strip_type_tails(label: str) -> str:
    """A folded label without its legal-form tails (``aps ets`` → ``aps``)."""
    while True:
        shorter = _TAIL_PATTERN.sub("", label).strip()
        if shorter == label:
            return label
        label = shorter


def parse_entity_type(text: object) -> str | None:
    """Return the type code of a raw ``tipologia`` label, or ``None`` when unknown.

    Accepted are the codes of :data:`ENTITY_TYPES`, their Italian labels and usual
    spellings (Italian and English), compared after :func:`normalize_label`. Tails that
    state a legal form or registration rather than a type are dropped first: ``ETS`` (and
    ``Ente del Terzo Settore``), ``ONLUS``, ``s.r.l.``, ``a r.l.``, ``s.c.s.`` — so
    ``APS-ETS`` is an APS and ``Fondazione ONLUS`` another foundation, while ``ONLUS``
    alone is no type at all. Public bodies are recognised by their leading words
    (``Comune di …``, ``Provincia di …``, ``Regione …``, ``Unione dei comuni …``,
    ``Comunità montana …``, ``ASST …``, ``ATS …``) and community foundations likewise
    (``Fondazione di comunità …``, ``Fondazione della comunità …``, ``Fondazione
    comunitaria …``). Nothing else is guessed: any other label is unknown.

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
    >>> parse_entity_type("APS-ETS"), parse_entity_type("Coop. soc. a r.l. ONLUS")
    ('aps', 'cooperativa_impresa_sociale')
    >>> parse_entity_type("Comune di Bergamo"), parse_entity_type("ONLUS") is None
    ('pubblica_amministrazione', True)
    """
    label = normalize_label(text)
    code = _TYPE_LOOKUP.get(label)
    if code is not None:
        return code
    label = _strip_type_tails(label)
    code = _TYPE_LOOKUP.get(label)
    if code is not None or not label:
        return code
    for pattern, code in _LEAD_PATTERNS:
        if pattern.match(label):
            return code
    return None


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
        normalize_label(spelling): code
        for code, spellings in {
            "MB": ("Monza e Brianza", "Monza Brianza", "Monza"),
            "MI": (
                "Città metropolitana di Milano",
                "Città metropolitana Milano",
                "Milano Città metropolitana",
                "CM Milano",
                "CM di Milano",
                "Milano CM",
            ),
            REGION_CODE: ("Regione Lombardia", "Regionale"),
        }.items()
        for spelling in spellings
    }
)
#: Words before the name of a province ("Provincia di Bergamo", "Prov. Lecco").
_PROVINCE_PREFIX = re.compile(r"^(?:provincia|prov)(?: di)? (?=\S)")


def _territory_of_name(label: str) -> str | None:
    """The code of a folded territory name or sigla, possibly after "Provincia di"."""
    code = _TERRITORY_LOOKUP.get(label)
    if code is None and _PROVINCE_PREFIX.match(label):
        code = _TERRITORY_LOOKUP.get(_PROVINCE_PREFIX.sub("", label))
        code = code if code in PROVINCES else None
    return code


def parse_territory(text: object) -> str | None:
    """Return the territory code (a sigla, or ``LOM`` for the region), or ``None``.

    Sigle and official names of the twelve Lombard provinces are accepted, plus a few
    common variants ("Monza", "Monza-Brianza", "Città metropolitana di Milano", "CM
    Milano", "Regione Lombardia", "Regionale"), the name of a province after
    "Provincia di", "Prov. di" or "Prov." and a name written with its sigla ("Bergamo
    (BG)", "BG - Bergamo"), all compared after :func:`normalize_label`. When the name and
    the sigla name different territories ("Bergamo (BS)") the value is not recognised:
    which of the two is meant is never guessed.

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
    >>> parse_territory("Prov. di Lecco"), parse_territory("Bergamo (BG)"), parse_territory("CM Milano")
    ('LC', 'BG', 'MI')
    >>> parse_territory("Torino") is None, parse_territory("Bergamo (BS)") is None
    (True, True)
    """
    label = normalize_label(text)
    code = _territory_of_name(label)
    if code is not None or " " not in label:
        return code
    first, rest = label.split(" ", 1)
    head, last = label.rsplit(" ", 1)
    readings = set()
    for sigla, name in ((first, rest), (last, head)):
        if sigla.upper() in TERRITORY_NAMES:
            named = _territory_of_name(name)
            if named is not None:
                readings.update({sigla.upper(), named})
    return readings.pop() if len(readings) == 1 else None


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


# --- Answers that are not a score ----------------------------------------------------------

#: What people write instead of a vote when they cannot or will not give one: not scored,
#: unlike an invalid vote (an error). Matched after :func:`normalize_label`, so case, dots,
#: slashes and a final full stop do not count (``N/A``, ``n.a.``, ``NON SO.``); the
#: punctuation-only answers (``-``, ``—``, ``?``) are matched as written, also repeated.
DONT_KNOW_ANSWERS = (
    "Non so",
    "Non lo so",
    "non saprei",
    "non so rispondere",
    "N/A",
    "NA",
    "n.a.",
    "n.v.",
    "N.V.",
    "non valutabile",
    "n.d.",
    "ND",
    "n/d",
    "n/v",
    "non applicabile",
    "non pertinente",
    "-",
    "—",
    "?",
    "don't know",
    "not applicable",
    "prefer not to say",
    "preferisco non rispondere",
)


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
