"""From the bytes of a text file to its text, choosing one encoding on evidence.

A byte-order mark settles the question (UTF-8 or UTF-16, Excel's «Testo Unicode»);
otherwise valid UTF-8 is UTF-8; a UTF-8 file with a few bytes in another encoding is an
error naming the first such line (decoding it all as Windows-1252 would garble the rest);
a file in a single-byte encoding is read as Windows-1252 or Mac Roman only when the
characters it gives are those of Italian text. Nothing is decoded by guesswork: when the
evidence is not clear the file is refused with a sentence asking for CSV UTF-8.

The same module knows the characters that hide in cells (zero-width spaces, soft
hyphens, stray BOMs, non-breaking spaces) and the traces of text converted twice
between encodings («SostenibilitÃ »).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from palestre_analysis.core.problems import WARNING, DataError, Problem
from palestre_analysis.core.vocabulary import INVISIBLE_CHARACTERS, NONBREAKING_SPACES

__all__ = [
    "Decoded",
    "decode_text",
    "line_number",
    "split_lines",
    "INVISIBLE",
    "SPACES",
    "has_special",
    "clean_cell",
    "invisible_note",
    "mojibake_note",
    "looks_double_encoded",
]

#: Characters removed from every cell, and spaces read as ordinary ones: one list, the vocabulary's.
INVISIBLE, SPACES = INVISIBLE_CHARACTERS, NONBREAKING_SPACES

_TRANSLATION = {ord(c): None for c in INVISIBLE} | {ord(c): " " for c in SPACES}

#: Line separators that ``str.splitlines`` honours but a text editor does not.
_OTHER_SEPARATORS = "\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029"
_LINE = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+\Z")

_UTF8_BOM = b"\xef\xbb\xbf"
_UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")
_ZIP_MAGIC = b"PK\x03\x04"
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"

_ESCAPED = re.compile("[\udc80-\udcff]")  # bytes that were not UTF-8, after surrogateescape
_NON_ASCII = re.compile("[^\x00-\x7f]")

_LEGACY = {"cp1252": "Windows-1252", "mac_roman": "Mac Roman"}

# --- how plausible a character is in Italian text ----------------------------------------
_LIKELY = "àèéìòù’"  # the accents of every Italian page, and the typographic apostrophe
_COMMON = "ÀÈÉÌÒÙ«»“”‘€°"
_POSSIBLE = "áíóúâêîôûäëïöüçñÇÑÁÍÓÚÂÊÎÔÛÄËÏÖÜß–—…•ºª§·\u00a0"
_UNLIKELY_LATIN = "ƒıˆ˜ˇ˘˙˚˛˝"  # letters and modifiers Mac Roman produces from Windows-1252 text
_VOWELS = "àèéìíòóùú"
_OPENING = "“‘«"
_CLOSING = "”»"


def _base_weight(ch: str) -> int:
    if ch in _LIKELY:
        return 3
    if ch in _COMMON:
        return 2
    if ch in _POSSIBLE:
        return 1
    if ch in _UNLIKELY_LATIN:
        return -5
    if unicodedata.category(ch).startswith("L") and unicodedata.name(ch, "").startswith("LATIN"):
        return 0  # another Latin letter: neither for nor against
    if ch in "²³¹½¼¾×":
        return 0
    return -5  # symbols, mathematics, Greek, box drawing, control characters


# Mojibake: UTF-8 read as Windows-1252 (or Latin-1) turns the second byte of «à» (0xa0),
# «è» (0xa8)... into one of these characters after «Ã», and «’» into «â€™».
_SECOND_BYTES = "".join(chr(c) for c in range(0x80, 0xC0)) + bytes(range(0x80, 0xC0)).decode("cp1252", errors="ignore")
_MOJIBAKE = re.compile(f"Ã[{re.escape(_SECOND_BYTES)} ]|Â[{re.escape(_SECOND_BYTES)}]|â€[{re.escape(_SECOND_BYTES)}]")


@dataclass
class Decoded:
    """A text file decoded.

    Parameters
    ----------
    text : str
        The text, without the byte-order mark.
    encoding : str
        ``utf-8``, ``utf-8-sig`` (UTF-8 with BOM), ``utf-16``, ``cp1252`` or ``mac_roman``.
    """

    text: str
    encoding: str


def _problem(label: str, line: int | None, reason: str) -> DataError:
    return DataError([Problem(label, line, None, reason)])


def line_number(text: str, position: int) -> int:
    """The physical line (1-based) of ``text`` holding the character at ``position``.

    ``\\n``, ``\\r\\n`` and a lone ``\\r`` each end a line, as in a text editor.

    Parameters
    ----------
    text : str
        The whole text.
    position : int
        Index of a character of ``text``.

    Returns
    -------
    int
        Its line number.

    Examples
    --------
    >>> line_number("a\\r\\nb\\rc\\nd", 7)
    4
    """
    return text.count("\n", 0, position) + text.count("\r", 0, position) - text.count("\r\n", 0, position) + 1


def split_lines(text: str) -> list[str]:
    """The physical lines of ``text``, each with its line end (``\\n``, ``\\r\\n`` or ``\\r``).

    Parameters
    ----------
    text : str
        Decoded text.

    Returns
    -------
    list of str
        One string per line, in order; ``"".join`` of them is ``text``. Form feeds and
        Unicode line separators stay inside their line.

    Examples
    --------
    >>> split_lines("a,b\\r\\nc\\rd\\x0ce\\n\\nf")
    ['a,b\\r\\n', 'c\\r', 'd\\x0ce\\n', '\\n', 'f']
    """
    if not any(c in text for c in _OTHER_SEPARATORS):
        return text.splitlines(keepends=True)
    return _LINE.findall(text)


def decode_text(data: bytes, label: str) -> Decoded:
    """Decode a text file's bytes with the one encoding the evidence supports.

    Parameters
    ----------
    data : bytes
        The whole file.
    label : str
        The file name, as problems show it.

    Returns
    -------
    Decoded
        The text and its encoding.

    Raises
    ------
    DataError
        With one sentence: null bytes without a BOM (a workbook or UTF-16 without BOM), a
        UTF-8 file with a line in another encoding (the first such line is named), or a
        single-byte file whose characters read as Italian neither in Windows-1252 nor in
        Mac Roman (or equally well in both).

    Examples
    --------
    >>> decode_text("Città".encode("utf-8"), "enti.csv")
    Decoded(text='Città', encoding='utf-8')
    >>> decode_text("Città\\r".encode("mac_roman"), "enti.csv")
    Decoded(text='Città\\r', encoding='mac_roman')
    >>> decode_text(b"ok\\nSostenibilit\\xc3\\xa0\\nCitt\\xe0\\n", "enti.csv")
    Traceback (most recent call last):
    ...
    palestre_analysis.core.problems.DataError: enti.csv, riga 3: il file è in UTF-8 ma questa riga \
contiene un carattere in un'altra codifica (byte 0xe0, forse «à» in Windows-1252): correggere la riga \
o salvare tutto il file come CSV UTF-8.
    """
    if data.startswith(_UTF8_BOM):
        return Decoded(_decode_utf8(data[len(_UTF8_BOM) :], label, declared=True), "utf-8-sig")
    if data.startswith(_UTF16_BOMS):
        try:
            return Decoded(data.decode("utf-16"), "utf-16")
        except UnicodeDecodeError as exc:
            raise _problem(
                label,
                None,
                f"il file dichiara la codifica UTF-16 (Testo Unicode) ma i byte dalla posizione {exc.start} "
                "non lo sono: il file è troncato o danneggiato; salvarlo di nuovo come CSV UTF-8",
            ) from None
    if b"\x00" in data:
        raise _null_bytes(data, label)
    try:
        return Decoded(data.decode("utf-8"), "utf-8")
    except UnicodeDecodeError:
        pass
    text = _decode_utf8(data, label, declared=False)  # raises for a mixed file
    return _decode_legacy(data, text, label)


def _null_bytes(data: bytes, label: str) -> DataError:
    start = "il file non è un testo (contiene byte nulli)"
    if data.startswith(_ZIP_MAGIC):
        hint = "è una cartella di lavoro Excel (.xlsx) o LibreOffice (.ods) con l'estensione sbagliata: rinominarla"
    elif data.startswith(_OLE_MAGIC):
        hint = "è una cartella di lavoro Excel 97-2003 (.xls) con l'estensione sbagliata: rinominarla"
    elif _looks_utf16(data):
        hint = "sembra testo UTF-16 senza l'indicazione iniziale (BOM) della codifica: salvarlo di nuovo come CSV UTF-8"
    else:
        line = data[: data.index(b"\x00")].count(b"\n") + 1
        return _problem(
            label,
            line,
            f"{start}, il primo in questa riga: è forse un file Excel o binario con l'estensione sbagliata, "
            "o un testo danneggiato? Esportarlo come CSV UTF-8",
        )
    return _problem(label, None, f"{start}: {hint}")


def _looks_utf16(data: bytes) -> bool:
    """ASCII text in UTF-16: one byte of each pair null, the other printable, nearly always."""
    head = data[:4096]
    for nulls, chars in ((head[1::2], head[0::2]), (head[0::2], head[1::2])):
        printable = sum(32 <= b < 127 or b in (9, 10, 13) for b in chars)
        if chars and nulls.count(0) >= 0.9 * len(nulls) and printable >= 0.9 * len(chars):
            return True
    return False


def _decode_utf8(data: bytes, label: str, *, declared: bool) -> str:
    """UTF-8 text; a sentence when the file is UTF-8 with bytes of another encoding.

    Without a BOM a file is UTF-8 with foreign bytes when some of its multi-byte
    sequences are valid UTF-8 of Italian characters, or valid sequences are at least
    as many as invalid bytes; otherwise the text (with escaped bytes) is returned for
    the single-byte decision.
    """
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    text = data.decode("utf-8", errors="surrogateescape")
    escaped = _ESCAPED.findall(text)
    valid = [c for c in _NON_ASCII.findall(text) if not "\udc80" <= c <= "\udcff"]
    italian = sum(_base_weight(c) > 0 for c in set(valid))
    if not (declared or italian or len(valid) >= len(escaped)):
        return text
    first = _ESCAPED.search(text)
    assert first is not None
    line = line_number(text, first.start())
    byte = ord(first.group()) - 0xDC00
    guess = ""
    for encoding, name in _LEGACY.items():
        char = bytes([byte]).decode(encoding, errors="replace")
        if _base_weight(char) > 0:
            guess = f", forse «{char}» in {name}"
            break
    others = sorted({line_number(text, m.start()) for m in _ESCAPED.finditer(text)} - {line})
    more = ""
    if others:
        shown = ", ".join(map(str, others[:5])) + (" e altre" if len(others) > 5 else "")
        more = f"; lo stesso accade alle righe {shown}"
    declared_as = "è in UTF-8 (lo dichiara il BOM iniziale)" if declared else "è in UTF-8"
    raise _problem(
        label,
        line,
        f"il file {declared_as} ma questa riga contiene un carattere in un'altra codifica (byte 0x{byte:02x}"
        f"{guess}){more}: correggere la riga o salvare tutto il file come CSV UTF-8",
    )


def _plausibility(text: str, limit: int = 20000) -> int:
    """How much ``text`` looks like Italian: the weights of its first ``limit`` non-ASCII characters.

    Context counts too: an uppercase accented letter right after a lowercase letter
    (``perchÈ``), a lowercase accented vowel starting a word (``ìcitazione``), an opening
    quote right after a letter or a closing one right before a letter are unlikely.
    """
    weights: dict[str, int] = {}
    score = 0
    for count, match in enumerate(_NON_ASCII.finditer(text)):
        if count >= limit:
            break
        ch = match.group()
        weight = weights.get(ch)
        if weight is None:
            weight = weights[ch] = _base_weight(ch)
        at = match.start()
        before = text[at - 1] if at else " "
        after = text[at + 1 : at + 2] or " "
        if ch.isupper() and before.islower():
            weight -= 3
        elif ch in _VOWELS and not before.isalpha() and after.isalpha():
            weight -= 3  # Italian accents end words (città, perché), they do not start them
        elif ch in _OPENING and before.isalpha():
            weight -= 3
        elif ch in _CLOSING and after.isalpha():
            weight -= 3
        score += weight
    return score


def _decode_legacy(data: bytes, escaped_text: str, label: str) -> Decoded:
    """Windows-1252 or Mac Roman, when the characters say so clearly."""
    scores: dict[str, int] = {}
    texts: dict[str, str] = {}
    for encoding in _LEGACY:
        try:
            texts[encoding] = data.decode(encoding)
        except UnicodeDecodeError:
            continue  # bytes 0x81, 0x8d, 0x8f, 0x90, 0x9d are not Windows-1252
        scores[encoding] = _plausibility(texts[encoding])
    # The winner needs twice the other's score; classic Mac line ends (CR alone, Excel's
    # «CSV (Macintosh)») make Mac Roman likelier: 1.5 times for it, 3 times against it.
    classic_mac = b"\r" in data and b"\n" not in data
    ranked = sorted(scores, key=scores.get, reverse=True)
    if ranked:
        best = ranked[0]
        other = scores[ranked[1]] if len(ranked) > 1 else 0
        margin = (1.5 if best == "mac_roman" else 3.0) if classic_mac else 2.0
        if scores[best] > 0 and scores[best] > other and scores[best] >= margin * max(other, 0):
            return Decoded(texts[best], best)
    first = _NON_ASCII.search(escaped_text)
    line = line_number(escaped_text, first.start()) if first else None
    byte = data[len(escaped_text[: first.start()].encode("utf-8", errors="surrogateescape"))] if first else 0
    both = len(ranked) == 2 and scores[ranked[0]] > 0 and scores[ranked[0]] == scores[ranked[1]]
    why = (
        "si legge altrettanto bene come Windows-1252 e come Mac Roman"
        if both
        else "i suoi caratteri accentati non si leggono con certezza né come Windows-1252 né come Mac Roman"
    )
    raise _problem(
        label,
        line,
        f"codifica non riconosciuta: il file non è in UTF-8 e {why} (il primo byte non ASCII, 0x{byte:02x}, "
        "è in questa riga): salvare il file come CSV UTF-8",
    )


def has_special(text: str) -> bool:
    """Whether ``text`` holds an invisible character or a non-breaking space.

    Parameters
    ----------
    text : str
        Any text: a cell, or a whole file to skip the per-cell work when ``False``.

    Returns
    -------
    bool
        ``True`` when a character of :data:`INVISIBLE` or :data:`SPACES` occurs.

    Examples
    --------
    >>> has_special("E\\u200b12"), has_special("E12")
    (True, False)
    """
    return any(c in text for c in INVISIBLE) or any(c in text for c in SPACES)


def clean_cell(cell: str) -> tuple[str, bool]:
    """A cell without invisible characters, non-breaking spaces as spaces, stripped.

    Parameters
    ----------
    cell : str
        The cell as read.

    Returns
    -------
    tuple of (str, bool)
        The clean cell, and whether an invisible character (not a non-breaking space)
        was removed.

    Examples
    --------
    >>> clean_cell("\\ufeffE\\u200b12\\u00a0")
    ('E12', True)
    >>> clean_cell("Monza\\u00a0e Brianza ")
    ('Monza e Brianza', False)
    """
    cleaned = cell.translate(_TRANSLATION)
    removed = len(cleaned) != len(cell)
    return cleaned.strip(), removed


def invisible_note(label: str, n_cells: int, first_line: int) -> Problem:
    """The warning that ``n_cells`` cells had invisible characters removed.

    Parameters
    ----------
    label : str
        File (or sheet) label.
    n_cells : int
        Cells that had an invisible character.
    first_line : int
        Line (or row) of the first of them.

    Returns
    -------
    Problem
        A :data:`~palestre_analysis.core.problems.WARNING` on ``first_line``.

    Examples
    --------
    >>> print(invisible_note("enti.csv", 3, 7).sentence())  # doctest: +NORMALIZE_WHITESPACE
    avviso – enti.csv, riga 7: 3 celle contenevano caratteri invisibili (spazi di larghezza zero, BOM,
    trattini morbidi): rimossi; la prima è in questa riga.
    """
    what = "1 cella conteneva" if n_cells == 1 else f"{n_cells} celle contenevano"
    where = "" if n_cells == 1 else "; la prima è in questa riga"
    reason = f"{what} caratteri invisibili (spazi di larghezza zero, BOM, trattini morbidi): rimossi{where}"
    return Problem(label, first_line, None, reason, WARNING)


def looks_double_encoded(text: str) -> bool:
    """Whether ``text`` holds a sequence typical of text converted twice (``Ã¨``, ``â€™``).

    Parameters
    ----------
    text : str
        A cell or a whole file.

    Returns
    -------
    bool
        True when a double-encoding pattern occurs.

    Examples
    --------
    >>> looks_double_encoded("SostenibilitÃ  della"), looks_double_encoded("Sostenibilità")
    (True, False)
    """
    return _MOJIBAKE.search(text) is not None


def mojibake_note(text: str, label: str, delimiter: str = "") -> Problem | None:
    """A warning for text that looks converted twice between encodings (``Ã¨``, ``â€™``).

    Parameters
    ----------
    text : str
        The decoded file.
    label : str
        File label.
    delimiter : str, default ""
        The file's delimiter: the excerpt quoted stops at it, so that neighbouring
        cells are not shown.

    Returns
    -------
    Problem or None
        A :data:`~palestre_analysis.core.problems.WARNING` naming the first line and
        quoting at most 30 characters around the first occurrence; ``None`` when there is
        none.

    Examples
    --------
    >>> print(mojibake_note("a;b\\nx;SostenibilitÃ\\u00a0della\\n", "v.csv", ";").sentence())
    avviso – v.csv, riga 2: testo che sembra convertito due volte tra codifiche («SostenibilitÃ della»): \
controllare la codifica con cui il file è stato salvato.
    >>> mojibake_note("Sostenibilità", "v.csv") is None
    True
    """
    if "Ã" not in text and "Â" not in text and "â€" not in text:
        return None
    matches = _MOJIBAKE.finditer(text)
    first = next(matches, None)
    if first is None:
        return None
    count = 1 + sum(1 for _ in matches)
    start, end = first.start(), first.end()
    line_start = max(text.rfind("\n", 0, start), text.rfind("\r", 0, start)) + 1
    line_end = min((i for i in (text.find("\n", end), text.find("\r", end)) if i >= 0), default=len(text))
    if delimiter:
        cut = text.rfind(delimiter, line_start, start)
        line_start = cut + 1 if cut >= 0 else line_start
        cut = text.find(delimiter, end, line_end)
        line_end = cut if cut >= 0 else line_end
    left = max(line_start, start - 15)
    excerpt = text[left : min(line_end, left + 30)].translate(_TRANSLATION).strip().strip('"').strip()
    excerpt = " ".join("…" if "@" in word else word for word in excerpt.split(" "))  # never an address
    more = f" ({count} punti nel file)" if count > 1 else ""
    return Problem(
        label,
        line_number(text, start),
        None,
        f"testo che sembra convertito due volte tra codifiche («{excerpt}»){more}: controllare la codifica "
        "con cui il file è stato salvato",
        WARNING,
    )
