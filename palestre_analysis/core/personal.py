"""Personal data shapes: e-mail addresses, phone numbers and the delegates' own names.

Two uses, two strengths:

* :func:`mask_personal` hides anything *shaped like* an e-mail address or a phone number
  in a message (a :class:`~palestre_analysis.core.problems.Problem` masks its fields with
  it), leaving a readable marker: ``«email nascosta»``, ``«telefono nascosto»``;
* :func:`scrub_free_text` removes e-mails, phone numbers and the delegates' names
  (a :class:`NameIndex`) from free text such as the contributions, each replaced by
  :data:`REMOVED_MARKER`, and counts what it removed.

The phone pattern is written for numbers as Italians write them and, just as much, for
what must stay untouched in this project's data: dates, entity codes, years, votes,
amounts, Excel serial dates, ISTAT codes and other short numbers.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Iterable

__all__ = [
    "EMAIL",
    "PHONE",
    "EMAIL_MARKER",
    "PHONE_MARKER",
    "REMOVED_MARKER",
    "NameIndex",
    "mask_personal",
    "scrub_free_text",
]

#: What :func:`scrub_free_text` puts in place of every e-mail, phone number or name.
REMOVED_MARKER = "[dato personale rimosso]"
#: What :func:`mask_personal` puts in place of an e-mail address (guillemets included).
EMAIL_MARKER = "«email nascosta»"
#: What :func:`mask_personal` puts in place of a phone number (guillemets included).
PHONE_MARKER = "«telefono nascosto»"

#: An e-mail address: ``local@domain``, also cut short right after the ``@`` (messages
#: truncate quoted values), or written ``local (at) domain.tld`` / ``local [at] ...`` /
#: ``(chiocciola)`` to fool harvesters.
EMAIL = re.compile(
    r"(?<![\w.%+\-])[\w.%+\-]+"  # the lookbehind starts a try only where a local part can start
    r"(?:@(?:[\w\-]+(?:\.[\w\-]+)*)?"
    r"|\s?[\[(]\s?(?:at|chiocciola)\s?[\])]\s?[\w\-]+(?:\.[\w\-]+)+)",
    re.IGNORECASE,
)
# What every e-mail contains: looked for first, since a text without it (most of them) can
# skip the slower search above.
_EMAIL_HINT = re.compile(r"@|[\[(]\s?(?:at|chiocciola)\s?[\])]", re.IGNORECASE)

# Between two groups of digits: up to three spaces, or one of . / - with an optional space
# on each side. Newlines are not separators: a number ending a line and one starting the
# next are two numbers.
_SEP = r"(?:[ \t\u00a0]{1,3}|[ \t\u00a0]?[./\-][ \t\u00a0]?)"
_D = rf"(?:{_SEP}?\d)"  # one more digit, maybe after a separator: lets the pattern count digits

#: A phone number. With an international prefix (``+39``, ``0039``, ``(+39)``; any other
#: ``+NN`` followed by a space) the number has 6 to 13 digits. Without one it must look
#: Italian: a mobile starts with 3 and has 9 or 10 digits, a landline starts with 0 (then
#: not 0) and has 8 to 10, a toll-free number starts with 80 and has 9 or 10. What is
#: never a phone number: a digit run glued to a letter, a digit or a ``+``/``@``; the tail
#: of a date or amount (``14/03/2019``, ``1.234,56``); a date ``dd/mm/yyyy`` with / . or -
#: (``03.03.2019`` would otherwise look like a landline); an amount with thousands dots
#: (``300.000.000``; the price is that ``800.123.456`` written with dots is not caught);
#: 11-digit runs (a *partita IVA* or an entity's *codice fiscale*, not personal data).
PHONE = re.compile(
    r"(?=[\d+(])"  # first, so that a try fails at once where no number can start
    r"(?<![\w+@])(?<!\d[.,/\-])"
    r"(?!\d{1,2}[./\-]\d{1,2}[./\-]\d{2,4}(?!\d))"  # a date
    r"(?!\d{1,3}(?:\.\d{3})+(?!\.?\d))"  # an amount: 1.234 or 300.000.000
    r"(?:"
    rf"(?:\([ \t]?(?:\+|00)[ \t]?39[ \t]?\)|(?:\+|00)[ \t]?39){_SEP}?\d{_D}{{5,12}}"
    rf"|(?:\([ \t]?\+[ \t]?[1-9]\d{{0,2}}[ \t]?\)|\+[1-9]\d{{0,2}})[ \t\u00a0]+\d{_D}{{5,12}}"
    rf"|3\d\d{_D}{{6,7}}"  # mobile
    rf"|0[1-9]{_D}{{6,8}}"  # landline
    rf"|80\d{_D}{{6,7}}"  # toll-free
    r")"
    r"(?![\w@])(?![.,/\-]?\d)"
)


def _masker(marker: str):
    """A ``re.sub`` callback: ``marker``, without its guillemets when the match is quoted.

    ``ente_id «mario@example.org» sconosciuto`` becomes ``ente_id «email nascosta»
    sconosciuto``, not ``««email nascosta»»``, so the quoted-value grammar of the messages
    holds.
    """
    bare = marker.strip("«»")

    def replace(match: re.Match) -> str:
        text, start, end = match.string, match.start(), match.end()
        quoted = start > 0 and text[start - 1] == "«" and text[end : end + 1] == "»"
        return bare if quoted else marker

    return replace


_MASK_EMAIL = _masker(EMAIL_MARKER)
_MASK_PHONE = _masker(PHONE_MARKER)


def mask_personal(text: str) -> str:
    """Hide e-mail addresses and phone numbers, leaving a marker that says what was there.

    Parameters
    ----------
    text : str
        Any message; values quoted as ``«…»`` keep their guillemets.

    Returns
    -------
    str
        ``text`` with every :data:`EMAIL` replaced by ``«email nascosta»`` and every
        :data:`PHONE` by ``«telefono nascosto»``; applying it twice changes nothing more.

    Examples
    --------
    >>> mask_personal("scrivere a mario.rossi@example.org o al 333 1234567")
    'scrivere a «email nascosta» o al «telefono nascosto»'
    >>> mask_personal("ente_id «mario.rossi@example.org» sconosciuto")
    'ente_id «email nascosta» sconosciuto'
    >>> mask_personal("data impossibile «31/02/2019», voto «7», importo 1.234,56 €, ente E001")
    'data impossibile «31/02/2019», voto «7», importo 1.234,56 €, ente E001'
    """
    if _EMAIL_HINT.search(text):
        text = EMAIL.sub(_MASK_EMAIL, text)
    return PHONE.sub(_MASK_PHONE, text)


# --- names -----------------------------------------------------------------------------

# A word of a name or of a text: letters and digits, so that "Rossi2" is not "Rossi";
# apostrophes, hyphens and dots split words ("D'Angelo" is "d", "angelo").
_TOKEN = re.compile(r"[^\W_]+")
_APOSTROPHES = frozenset("'’`ʼ‘")
_GLUE = frozenset({"-", "‐", "‑", "."})  # between two words only when written without spaces


def _fold_table() -> dict[str, str]:
    """Accented Latin letters → their base letter, one character for one (offsets hold)."""
    table = {}
    for code in range(0xC0, 0x250):
        char = chr(code)
        base = "".join(c for c in unicodedata.normalize("NFKD", char) if not unicodedata.combining(c))
        if len(base) == 1 and base != char:
            table[char] = base.lower()
    table.update(zip("øØđĐłŁ", "ooddll"))
    return table


_FOLD = _fold_table()
# Only the accented letters are touched (a few per text): much faster than str.translate
# over every character.
_ACCENTED = re.compile("[" + "".join(sorted(_FOLD)) + "]")


def _unaccent(match: re.Match) -> str:
    return _FOLD[match.group()]


def _fold(text: str) -> str:
    """Lower case without accents, one character for one, so offsets stay the text's.

    Examples
    --------
    >>> _fold("Niccolò DELL'ACQUA Ünal")
    "niccolo dell'acqua unal"
    """
    lowered = text.lower()
    if len(lowered) != len(text):  # the rare letter whose lower case is longer (İ)
        lowered = "".join(c.lower() if len(c.lower()) == 1 else c for c in text)
    return lowered if lowered.isascii() else _ACCENTED.sub(_unaccent, lowered)


class NameIndex:
    """The delegates' full names, ready to be found in free text.

    Build it with :meth:`from_names`. A name is found whole, in either order (``Mario
    Rossi``, ``Rossi Mario``, ``Rossi, Mario``) and with initials for the first names
    (``M. Rossi``, ``Rossi M.``, ``A. M. De Luca``); case, accents and the number of spaces
    between the words do not matter, nor does what follows it (``Mario Rossi –
    Associazione X`` loses the name only). Where a name has more than two words, every
    split between first names and surname is tried, since the list does not say which is
    which.

    Only names with at least two words of two letters or more are indexed. A one-word
    entry (``Rossi``, ``Rosa``, ``Marina``, ``Sole``) is an ordinary Italian word, place
    or surname shared by many people: removing it from prose would cut words that are not
    the person and mangle the contributions the analysis reads, while the full name it
    stands for is not in the list to look for. Those entries are counted in
    :attr:`skipped`, not stored.

    Attributes
    ----------
    skipped : int
        Names given to :meth:`from_names` and not indexed (fewer than two words of two
        letters).

    Notes
    -----
    Matching is token-based: the text is lower-cased and stripped of accents once, its
    words are listed by one regular expression, and only the words that start some
    indexed form are looked at (one dictionary look-up each); a text with none of them is
    passed by a set test. The cost grows with the length of the texts, hardly with the
    number of names: 10,000 contributions against 5,000 names take a fraction of a second
    (``tests/core/test_personal.py`` measures it). The index holds folded words, not the
    names as given, and its ``repr`` shows only a count.

    Examples
    --------
    >>> index = NameIndex.from_names(["Mario Rossi", "Anna Maria De Luca", "Rossi"])
    >>> len(index), index.skipped
    (2, 1)
    >>> index.replace("Grazie a ROSSI  Mario e a A. M. de Luca (Associazione X).")
    ('Grazie a [dato personale rimosso] e a [dato personale rimosso] (Associazione X).', 2)
    >>> index.replace("Il signor Rossi e Mario, il vicino.")
    ('Il signor Rossi e Mario, il vicino.', 0)
    """

    def __init__(self) -> None:
        # first two words → forms starting with them, longest first; a form is (words,
        # initials, comma) with initials the positions that are an initial and comma the
        # position before which "Cognome, Nome" may put a comma (-1: none). Every form has
        # two words at least, and keying on two keeps the candidates few even when
        # hundreds of delegates share a first name.
        self._forms: dict[tuple[str, str], list[tuple[tuple[str, ...], frozenset[int], int]]] = {}
        self._firsts: frozenset[str] = frozenset()
        self._count = 0
        self.skipped = 0

    @classmethod
    def from_names(cls, names: Iterable[str]) -> NameIndex:
        """Index full names such as ``"Mario Rossi"`` or ``"Anna Maria De Luca"``.

        Parameters
        ----------
        names : iterable of str
            The delegates' full names, in any order of first name and surname; empty
            values and repeats are fine.

        Returns
        -------
        NameIndex
            Every name with at least two words of two letters or more; the others are
            counted in :attr:`skipped`.

        Examples
        --------
        >>> index = NameIndex.from_names(["Mario Rossi", "mario  ROSSI", "", "M. R."])
        >>> index, index.skipped
        (NameIndex(1 nome), 2)
        """
        index = cls()
        forms: dict[str, set] = {}
        seen = set()
        for name in names:
            words = [_TOKEN.findall(_fold(word)) for word in (name or "").split()]
            words = [tokens for tokens in words if tokens]
            if sum(len("".join(tokens)) >= 2 for tokens in words) < 2:
                index.skipped += 1
                continue
            key = tuple(map(tuple, words))
            if key in seen:
                continue
            seen.add(key)
            for form in _forms_of(words):
                forms.setdefault(form[0][:2], set()).add(form)
        index._count = len(seen)
        index._forms = {pair: sorted(group, key=lambda f: -len(f[0])) for pair, group in forms.items()}
        index._firsts = frozenset(pair[0] for pair in index._forms)
        return index

    def __len__(self) -> int:
        return self._count

    def __repr__(self) -> str:
        return f"NameIndex({self._count} {'nome' if self._count == 1 else 'nomi'})"

    def spans(self, text: str) -> list[tuple[int, int]]:
        """Where the indexed names are in ``text``.

        Parameters
        ----------
        text : str
            Free text.

        Returns
        -------
        list of tuple of int
            ``(start, end)`` of every name found, left to right, never overlapping (the
            longest form wins where two start at the same word); the dot of a final
            initial (``Rossi M.``) is part of the name.

        Examples
        --------
        >>> NameIndex.from_names(["Luca D'Angelo"]).spans("Firmato: D’ANGELO, Luca.")
        [(9, 23)]
        """
        if not self._forms or not text:
            return []
        folded = _fold(text)
        if self._firsts.isdisjoint(_TOKEN.findall(folded)):
            return []
        matches = list(_TOKEN.finditer(folded))
        words = [m.group() for m in matches]
        forms, firsts, found, i, n = self._forms, self._firsts, [], 0, len(words) - 1
        while i < n:
            candidates = forms.get((words[i], words[i + 1])) if words[i] in firsts else None
            size = 0
            if candidates and _starts_word(folded, matches[i].start()):
                for form in candidates:
                    if _matches(form, words, matches, folded, i):
                        size = len(form[0])
                        found.append((matches[i].start(), _end(form, matches, i)))
                        break
            if size:
                i += size
            else:
                i += 1
        return found

    def replace(self, text: str, marker: str = REMOVED_MARKER) -> tuple[str, int]:
        """``text`` with every indexed name replaced by ``marker``.

        Parameters
        ----------
        text : str
            Free text.
        marker : str, default :data:`REMOVED_MARKER`
            What to put in place of each name.

        Returns
        -------
        tuple of (str, int)
            The new text and how many names were replaced.

        Examples
        --------
        >>> NameIndex.from_names(["Mario Rossi"]).replace("M. Rossi – Associazione X")
        ('[dato personale rimosso] – Associazione X', 1)
        """
        spans = self.spans(text)
        if not spans:
            return text, 0
        pieces, last = [], 0
        for start, end in spans:
            pieces += [text[last:start], marker]
            last = end
        pieces.append(text[last:])
        return "".join(pieces), len(spans)


def _forms_of(words: list[list[str]]):
    """Every written form of a name given as words (each a list of folded tokens).

    For each split of the words into first names and surname: the name as given, the
    surname first (a comma allowed between the two), and both with the first names as
    initials.
    """
    flat = tuple(t for tokens in words for t in tokens)
    yield flat, frozenset(), -1
    for k in range(1, len(words)):
        first = tuple(t for tokens in words[:k] for t in tokens)
        last = tuple(t for tokens in words[k:] for t in tokens)
        initials = tuple(tokens[0][0] for tokens in words[:k])
        yield last + first, frozenset(), len(last)
        yield initials + last, frozenset(range(len(initials))), -1
        yield last + initials, frozenset(range(len(last), len(last) + len(initials))), len(last)


def _starts_word(folded: str, start: int) -> bool:
    """Whether a token starting at ``start`` is not glued to an underscore (identifiers)."""
    return start == 0 or folded[start - 1] != "_"


def _matches(form, words: list[str], matches: list[re.Match], folded: str, i: int) -> bool:
    """Whether ``form`` is written at word ``i`` of the text."""
    tokens, initials, comma = form
    if i + len(tokens) > len(words):
        return False
    for j, token in enumerate(tokens):
        if words[i + j] != token:
            return False
        if j:
            gap = folded[matches[i + j - 1].end() : matches[i + j].start()]
            if not _gap_ok(gap, j - 1 in initials, len(words[i + j - 1]) == 1, j == comma):
                return False
    end = matches[i + len(tokens) - 1].end()
    if len(tokens) - 1 in initials:  # "Rossi M.": the initial needs its dot
        return folded[end : end + 1] == "."
    return end == len(folded) or folded[end] != "_"


def _end(form, matches: list[re.Match], i: int) -> int:
    """Where the name found at word ``i`` ends: after the dot of a final initial."""
    tokens, initials, _ = form
    end = matches[i + len(tokens) - 1].end()
    return end + 1 if len(tokens) - 1 in initials else end


def _gap_ok(gap: str, after_initial: bool, single_letter: bool, comma: bool) -> bool:
    """Whether ``gap`` may separate two words of one name.

    Spaces (any number, line breaks too); an apostrophe (``D'Angelo``, ``D' Angelo``); a
    hyphen or a dot with no space around (``Rossi-Bianchi``, ``mario.rossi``). After an
    initial the dot is required (``M. Rossi``, ``A.M. De Luca``), and a dot may follow
    any one-letter word; ``comma`` allows ``Rossi, Mario``.
    """
    bare = gap.strip()
    if after_initial:
        return bare == "."
    if not bare:
        return True
    return bare in _APOSTROPHES or (gap in _GLUE) or (single_letter and bare == ".") or (comma and bare == ",")


def scrub_free_text(text: str, names: NameIndex | None = None) -> tuple[str, Counter]:
    """Remove e-mails, phone numbers and the delegates' names from free text.

    Parameters
    ----------
    text : str
        A contribution or any other text written by people.
    names : NameIndex, optional
        The delegates' names; without it only e-mails and phone numbers are removed.

    Returns
    -------
    tuple of (str, Counter)
        The text with each item replaced by :data:`REMOVED_MARKER`, and how many of each
        kind were removed: ``{"email": n, "telefono": m, "nome": k}`` (all three keys,
        zeros included).

    Examples
    --------
    >>> names = NameIndex.from_names(["Mario Rossi"])
    >>> text, removed = scrub_free_text("Più sedi. Contatti: Rossi Mario, mario.rossi@example.org, 333 1234567.", names)
    >>> text
    'Più sedi. Contatti: [dato personale rimosso], [dato personale rimosso], [dato personale rimosso].'
    >>> dict(removed)
    {'email': 1, 'telefono': 1, 'nome': 1}
    """
    removed = Counter({"email": 0, "telefono": 0, "nome": 0})
    if not text:
        return text, removed
    if _EMAIL_HINT.search(text):
        text, removed["email"] = EMAIL.subn(REMOVED_MARKER, text)
    text, removed["telefono"] = PHONE.subn(REMOVED_MARKER, text)
    if names is not None:
        text, removed["nome"] = names.replace(text)
    return text, removed
