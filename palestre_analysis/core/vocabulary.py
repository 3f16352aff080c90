"""Controlled vocabularies of the raw-data contract and their Italian labels.

Entity types, composition categories, the seed's phase-2 groups and four strategic nodes
(a process file may give others: :mod:`.process`), and the "don't know" answers of the
votes. Territories are in :mod:`.territories` (the ISTAT table) and :mod:`.geography`. Raw labels are
matched after :func:`normalize_label` (case-, accent-, punctuation- and
space-insensitive, typographic quotes and dashes folded, invisible characters dropped),
so that "A.P.S.", "aps", "APS-ETS" and "Associazione di promozione sociale" all mean the
same type. Each vocabulary's spellings are listed here and nowhere else; a label they do
not cover stays unknown rather than guessed.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator

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
    "REGION_WIDE_NAME",
    "NODES",
    "LEVELS",
    "parse_entity_type",
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

#: The types of the Code of the Third Sector (d.lgs. 117/2017, art. 4 and the sections of
#: the RUNTS, art. 46: ODV, APS, enti filantropici, imprese sociali including cooperative
#: sociali, reti associative, società di mutuo soccorso, altri ETS), the legacy ONLUS and
#: the bodies that take part beside them (foundations of banking origin, CSV, public
#: administrations). Cooperative sociali and imprese sociali keep one code: by law the
#: first are imprese sociali (d.lgs. 112/2017, art. 1 c. 4), and the code is what existing
#: data hold.
ENTITY_TYPE_LABELS = {
    "odv": "Organizzazione di volontariato (ODV)",
    "aps": "Associazione di promozione sociale (APS)",
    "altra_associazione": "Altra associazione",
    "rete_associativa": "Rete associativa",
    "societa_mutuo_soccorso": "Società di mutuo soccorso (SMS)",
    "ente_filantropico": "Ente filantropico",
    "altro_ets": "Altro ente del Terzo settore",
    "onlus": "ONLUS (qualifica precedente al Codice del Terzo settore)",
    "fondazione_comunita": "Fondazione di comunità",
    "altra_fondazione": "Altra fondazione",
    "fondazione_origine_bancaria": "Fondazione di origine bancaria (FOB)",
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
        "associazione riconosciuta",
        "associazione non riconosciuta",
        "other association",
    ],
    "rete_associativa": [
        "rete associativa",
        "reti associative",
        "rete associativa nazionale",
        "reti associative nazionali",
        "associative network",
    ],
    "societa_mutuo_soccorso": [
        "sms",
        "s m s",
        "soms",
        "s o m s",
        "societa di mutuo soccorso",
        "societa mutuo soccorso",
        "societa operaia di mutuo soccorso",
        "societa operaia mutuo soccorso",
        "mutuo soccorso",
        "mutual aid society",
    ],
    "ente_filantropico": [
        "ente filantropico",
        "enti filantropici",
        "philanthropic entity",
        "philanthropic institution",
    ],
    "altro_ets": [
        "altro ets",
        "altri ets",
        "altro ente ets",
        "altri enti ets",
        "altro ente del terzo settore",
        "altri enti del terzo settore",
        "altro ente di terzo settore",
        "altro ente terzo settore",
        "other third sector entity",
    ],
    "onlus": [
        "onlus",
        "organizzazione non lucrativa di utilita sociale",
        "organizzazioni non lucrative di utilita sociale",
        "organizzazione non lucrativa di utilita sociale onlus",
        "onlus organizzazione non lucrativa di utilita sociale",
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
        "other foundation",
    ],
    "fondazione_origine_bancaria": [
        "fondazione di origine bancaria",
        "fondazioni di origine bancaria",
        "fondazione bancaria",
        "fondazioni bancarie",
        "fob",
        "f o b",
        "banking foundation",
        "foundation of banking origin",
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
        "cooperativa sociale di tipo a",
        "cooperativa sociale di tipo b",
        "cooperativa sociale tipo a",
        "cooperativa sociale tipo b",
        "cooperativa sociale di tipo a e b",
        "cooperativa sociale mista",
        "consorzio di cooperative sociali",
        "consorzio cooperative sociali",
        "consorzio sociale",
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
#: label one at a time, the label looked up after each; a label made only of them is not a
#: type, except the ONLUS status written alone (see :data:`_WHOLE_LABEL_ONLY`).
_TYPE_TAILS = (
    "ets",
    "ente del terzo settore",
    "ente di terzo settore",
    "ente terzo settore",
    "onlus",
    "organizzazione non lucrativa di utilita sociale",
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
    "societa_mutuo_soccorso": (
        "societa di mutuo soccorso",
        "societa mutuo soccorso",
        "societa operaia di mutuo soccorso",
        "societa operaia mutuo soccorso",
    ),
}
#: Types recognised only when the whole label is one of their spellings, never once a tail
#: is dropped: ``ONLUS`` alone is the legacy type, but ``ONLUS ETS`` states a registration
#: under the Code too, and which of its types is not said.
_WHOLE_LABEL_ONLY = frozenset({"onlus"})
#: The tails that state a registration under the Code: ``Altro`` with one of them is
#: ``altro_ets`` (``Altro ETS``, ``Altri enti - Ente del Terzo settore``), not ``altro``.
_ETS_TAILS = frozenset({"ets", "ente del terzo settore", "ente di terzo settore", "ente terzo settore"})
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


def _type_tail_steps(label: str) -> Iterator[tuple[str, str]]:
    """A folded label, then the same without each legal-form tail in turn, with the tail dropped.

    ``aps ets onlus`` gives ``("aps ets onlus", "")``, ``("aps ets", "onlus")``, ``("aps", "ets")``.
    """
    tail = ""
    while True:
        yield label, tail
        shorter = _TAIL_PATTERN.sub("", label).strip()
        if shorter == label:
            return
        label, tail = shorter, label[len(shorter) :].strip()


def parse_entity_type(text: object) -> str | None:
    """Return the type code of a raw ``tipologia`` label, or ``None`` when unknown.

    Accepted are the codes of :data:`ENTITY_TYPES`, their Italian labels and usual
    spellings (Italian and English), compared after :func:`normalize_label`: the types of
    the Code of the Third Sector (ODV, APS, ente filantropico, cooperativa sociale or
    impresa sociale, rete associativa, società di mutuo soccorso, altro ente del Terzo
    settore), the legacy ONLUS and the bodies beside them (fondazione di comunità,
    fondazione di origine bancaria, CSV, public administration, other). Tails that state
    a legal form or registration rather than a type are dropped one at a time, the label
    looked up after each: ``ETS`` (and ``Ente del Terzo Settore``), ``ONLUS``,
    ``s.r.l.``, ``a r.l.``, ``s.c.s.`` — so ``APS-ETS`` is an APS and ``Fondazione ONLUS``
    another foundation; ``Altro`` with an ETS tail (``Altro ETS``, ``Altro ente - ETS
    ONLUS``) is another ETS rather than another body. ``ONLUS`` written alone (or in
    full) is the legacy ONLUS type; with a tail of its own (``ONLUS ETS``) it is no type,
    and ``ETS`` alone is none either. Public bodies are recognised by their leading words
    (``Comune di …``, ``Provincia di …``, ``Regione …``, ``Unione dei comuni …``,
    ``Comunità montana …``, ``ASST …``, ``ATS …``), and so are community foundations
    (``Fondazione di comunità …``, ``Fondazione della comunità …``, ``Fondazione
    comunitaria …``) and mutual aid societies (``Società di mutuo soccorso …``,
    ``Società operaia di mutuo soccorso …``). Nothing else is guessed: any other label is
    unknown.

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
    >>> parse_entity_type("Comune di Bergamo"), parse_entity_type("S.O.M.S.")
    ('pubblica_amministrazione', 'societa_mutuo_soccorso')
    >>> parse_entity_type("ONLUS"), parse_entity_type("Associazione ONLUS"), parse_entity_type("ONLUS ETS") is None
    ('onlus', 'altra_associazione', True)
    >>> parse_entity_type("Fondazione di origine bancaria"), parse_entity_type("Altro ente del Terzo settore")
    ('fondazione_origine_bancaria', 'altro_ets')
    """
    label = normalize_label(text)
    registered = False  # an ETS tail was dropped
    for step, (shorter, tail) in enumerate(_type_tail_steps(label)):
        registered = registered or tail in _ETS_TAILS
        code = _TYPE_LOOKUP.get(shorter)
        if code is not None and not (step and code in _WHOLE_LABEL_ONLY):
            return "altro_ets" if code == "altro" and registered else code
        label = shorter
    if not label:
        return None
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

#: The composition category of each type (the reasons are in ``docs/data_dictionary.md``).
CATEGORY_OF_TYPE = {
    "odv": "associazioni",
    "aps": "associazioni",
    "altra_associazione": "associazioni",
    "rete_associativa": "associazioni",
    "societa_mutuo_soccorso": "altri",
    "ente_filantropico": "altri",
    "altro_ets": "altri",
    "onlus": "altri",
    "fondazione_comunita": "fondazioni_comunita",
    "altra_fondazione": "altri",
    "fondazione_origine_bancaria": "altri",
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


#: How reports name the entities whose territory is the whole region (no province of their own).
REGION_WIDE_NAME = "Enti regionali"

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
