"""Parsers of single raw values, in the Italian locale researchers write them.

Each parser returns the parsed value or raises :class:`ValueError` whose message is the
reason a person reads in ``rejected.csv`` (in Italian; it may quote the value, because no
parser here ever sees a personal column).
"""

from __future__ import annotations

import datetime as dt
import re

__all__ = ["parse_vote", "parse_date", "parse_phase", "parse_timestamp", "label_key", "tidy_label"]

_INTEGER_LIKE = re.compile(r"^[+]?(\d+)(?:[.,]0*)?$")
_ISO_DATE = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T]00:00(?::00)?)?$")
_IT_DATE = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})$")
_STAMP = re.compile(
    r"^(?:(?P<y1>\d{4})[/-](?P<m1>\d{1,2})[/-](?P<d1>\d{1,2})|(?P<d2>\d{1,2})/(?P<m2>\d{1,2})/(?P<y2>\d{4}))"
    r"(?:[ T]+(?P<H>\d{1,2})[:.](?P<M>\d{2})(?:[:.](?P<S>\d{2}))?\s*(?P<ampm>[AaPp]\.?[Mm]\.?)?)?"
)
#: What may follow a timestamp: a time zone (``GMT+1``, ``UTC+01:00``, ``+0100``, ``CET``, ``Z``).
_ZONE = re.compile(r"(?:(?:GMT|UTC)?\s*[+-]\d{1,2}(?::?\d{2})?|GMT|UTC|Z|[A-Z]{3,5})")


def parse_vote(text: str) -> int | None:
    """A score from 1 to 10; ``None`` for an empty cell (not scored).

    ``7``, `` 7 ``, ``7,0`` and ``7.0`` are all 7; anything else is an error.

    Parameters
    ----------
    text : str
        The raw cell.

    Returns
    -------
    int or None
        The score, 1 to 10; ``None`` when the cell is blank.

    Raises
    ------
    ValueError
        When the cell is not a whole number (``7,5``, ``sette``) or is outside 1 .. 10;
        the message quotes at most 20 characters of the value.

    Examples
    --------
    >>> [parse_vote(v) for v in ["7", " 7 ", "7,0", "7.0", "10", ""]]
    [7, 7, 7, 7, 10, None]
    >>> parse_vote("7,5")
    Traceback (most recent call last):
    ...
    ValueError: voto non valido «7,5»: atteso un numero intero da 1 a 10
    >>> parse_vote("11")
    Traceback (most recent call last):
    ...
    ValueError: voto fuori scala «11»: atteso un numero intero da 1 a 10
    """
    value = text.strip()
    if not value:
        return None
    match = _INTEGER_LIKE.match(value)
    if not match:
        raise ValueError(f"voto non valido «{value[:20]}»: atteso un numero intero da 1 a 10")
    score = int(match.group(1))
    if not 1 <= score <= 10:
        raise ValueError(f"voto fuori scala «{value[:20]}»: atteso un numero intero da 1 a 10")
    return score


def parse_date(text: str) -> dt.date:
    """A date written ``2019-03-14`` or ``14/03/2019``.

    An ISO date may carry a midnight time (``2019-03-14 00:00:00``, as Excel dates are
    read); any other time is an error. Day and month may have one digit.

    Parameters
    ----------
    text : str
        The raw cell.

    Returns
    -------
    datetime.date
        The date.

    Raises
    ------
    ValueError
        When the cell is blank, is written another way, or names a day that does not
        exist; the message quotes at most 30 characters of the value.

    Examples
    --------
    >>> parse_date("14/03/2019"), parse_date("2019-03-14")
    (datetime.date(2019, 3, 14), datetime.date(2019, 3, 14))
    >>> parse_date("31/02/2019")
    Traceback (most recent call last):
    ...
    ValueError: data impossibile «31/02/2019»: il giorno non esiste nel calendario
    """
    value = text.strip()
    iso, italian = _ISO_DATE.match(value), _IT_DATE.match(value)
    if iso:
        year, month, day = (int(g) for g in iso.groups())
    elif italian:
        day, month, year = (int(g) for g in italian.groups())
    elif not value:
        raise ValueError("data mancante: attesa una data come 2019-03-14 oppure 14/03/2019")
    else:
        raise ValueError(f"data non valida «{value[:30]}»: attesa una data come 2019-03-14 oppure 14/03/2019")
    try:
        return dt.date(year, month, day)
    except ValueError:
        raise ValueError(f"data impossibile «{value[:30]}»: il giorno non esiste nel calendario") from None


def parse_phase(text: str) -> int:
    """Phase 1 or 2 (``1``, ``1.0``, ``Fase 2`` are accepted).

    Parameters
    ----------
    text : str
        The raw cell; a leading ``fase`` (any case) is dropped.

    Returns
    -------
    int
        1 or 2.

    Raises
    ------
    ValueError
        For anything else, a blank cell included.

    Examples
    --------
    >>> parse_phase("Fase 2"), parse_phase("1.0")
    (2, 1)
    >>> parse_phase("Fase 3")
    Traceback (most recent call last):
    ...
    ValueError: fase non valida «Fase 3»: attesa 1 oppure 2
    """
    value = re.sub(r"(?i)^fase\s*", "", text.strip())
    match = _INTEGER_LIKE.match(value)
    if not match or match.group(1) not in ("1", "2"):
        raise ValueError(f"fase non valida «{text.strip()[:20]}»: attesa 1 oppure 2")
    return int(match.group(1))


def parse_timestamp(text: str) -> dt.datetime | None:
    """A Google Forms timestamp, as exported in Italian or English locale; ``None`` if unreadable.

    The date is ``yyyy/mm/dd``, ``yyyy-mm-dd`` or ``dd/mm/yyyy``; the time, optional, is
    ``H:MM[:SS]`` or ``H.MM[.SS]`` with an optional AM/PM, then at most a time zone, which
    is ignored (``GMT+1``, ``CET``). Anything else after the date makes the cell unreadable
    rather than guessed: ``14/03/20199`` is not 14 March 2019.

    Parameters
    ----------
    text : str
        The raw cell.

    Returns
    -------
    datetime.datetime or None
        A naive datetime (no time zone); ``None`` when the text is not a date (and time)
        as above, or names a day or time that does not exist.

    Examples
    --------
    >>> parse_timestamp("14/03/2019 10.23.45")
    datetime.datetime(2019, 3, 14, 10, 23, 45)
    >>> parse_timestamp("2019/03/14 1:05:00 PM GMT+1")
    datetime.datetime(2019, 3, 14, 13, 5)
    >>> parse_timestamp("31/02/2019 10:00") is None, parse_timestamp("") is None
    (True, True)
    >>> parse_timestamp("14/03/20199") is None, parse_timestamp("2019-03-14garbage") is None
    (True, True)
    """
    text = text.strip()
    match = _STAMP.match(text)
    rest = text[match.end() :].strip() if match else ""
    if not match or (rest and not _ZONE.fullmatch(rest)):
        return None
    g = match.groupdict()
    year, month, day = (g["y1"], g["m1"], g["d1"]) if g["y1"] else (g["y2"], g["m2"], g["d2"])
    hour, minute, second = int(g["H"] or 0), int(g["M"] or 0), int(g["S"] or 0)
    if g["ampm"]:
        pm = g["ampm"][0].lower() == "p"
        hour = hour % 12 + (12 if pm else 0)
    try:
        return dt.datetime(int(year), int(month), int(day), hour, minute, second)
    except ValueError:
        return None


def tidy_label(text: str) -> str:
    """A free label as shown: trimmed, inner spaces collapsed.

    Parameters
    ----------
    text : str
        The raw label (a field, a resource or a need of the phase-2 grid).

    Returns
    -------
    str
        The label with every run of whitespace turned into one space; case is kept.

    Examples
    --------
    >>> tidy_label("  Contributi   pubblici ")
    'Contributi pubblici'
    """
    return " ".join(text.split())


def label_key(text: str) -> str:
    """The comparison key of a free label: case- and space-insensitive.

    Unlike :func:`~palestre_analysis.core.vocabulary.normalize_label`, accents and
    punctuation still count.

    Parameters
    ----------
    text : str
        The raw label.

    Returns
    -------
    str
        The label trimmed, inner spaces collapsed, case-folded.

    Examples
    --------
    >>> label_key(" CULTURA  e sport") == label_key("cultura e Sport")
    True
    >>> label_key("Attività") == label_key("attivita")
    False
    """
    return " ".join(text.split()).casefold()
