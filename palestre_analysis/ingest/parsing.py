"""Parsers of single raw values, in the Italian locale researchers write them.

Each parser returns the parsed value or raises :class:`ValueError` whose message is the
reason a person reads in ``rejected.csv`` (in Italian; it may quote the value, because no
parser here ever sees a personal column).
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

from palestre_analysis.core.vocabulary import DONT_KNOW_ANSWERS, fold_typography, normalize_label, strip_invisible

__all__ = [
    "Order",
    "parse_vote",
    "is_dont_know",
    "DayMonthOrder",
    "decide_day_month",
    "parse_date",
    "parse_phase",
    "parse_timestamp",
    "suggest_code",
    "label_key",
    "tidy_label",
]

#: How a date written with the year last is read: day first (Italian) or month first (US).
Order = Literal["dmy", "mdy"]

_INTEGER_LIKE = re.compile(r"^[+]?(\d+)(?:[.,]0*)?$")
#: A scale value with its label: ``10 (moltissimo)``, ``7 - abbastanza``, ``10 = moltissimo``.
_NUMBER_THEN_LABEL = re.compile(
    r"^[+]?(?P<n>[0-9]+)(?:[.,]0*)?\s*(?:\(\s*(?=[^0-9()]*[^\W\d_])[^0-9()]+\)|(?:[-=:]\s*|\s+)(?=[^0-9()]*[^\W\d_])[^0-9()]+)$"
)
#: The label first and the value in parentheses at the end: ``Moltissimo (10)``.
_LABEL_THEN_NUMBER = re.compile(r"^(?=[^0-9()]*[^\W\d_])[^0-9()]+\(\s*(?P<n>[0-9]+)(?:[.,]0*)?\s*\)$")
#: "Seven out of ten": ``7/10``, ``7 su 10``.
_OUT_OF = re.compile(r"^(?P<n>[0-9]+)\s*(?:/|su)\s*(?P<of>[0-9]+)$", re.IGNORECASE)

_DONT_KNOW_WORDS = frozenset(filter(None, map(normalize_label, DONT_KNOW_ANSWERS)))
_DONT_KNOW_MARKS = frozenset(fold_typography(a).strip() for a in DONT_KNOW_ANSWERS if not normalize_label(a))

#: A time after a date: ``10:30``, ``10.23.45``, ``1:05:00 PM``, ``10:23:45.123``.
_TIME = (
    r"(?P<H>[0-9]{1,2})[:.](?P<M>[0-9]{2})(?:[:.](?P<S>[0-9]{2})(?:[.,](?P<F>[0-9]+))?)?"
    r"\s*(?P<ampm>[AaPp]\.?\s?[Mm]\.?)?"
)
#: A date with the year first (``2019-03-14``, ``2019/03/14``) or last (``14/03/2019``,
#: ``14.03.2019``, ``14-03-2019``; two-digit years only with slashes), one separator
#: throughout, then an optional time after a space, a ``T`` or a comma.
_DATE_TIME = re.compile(
    r"^(?:(?P<y1>[0-9]{4})(?P<s1>[-/.])(?P<m1>[0-9]{1,2})(?P=s1)(?P<d1>[0-9]{1,2})"
    r"|(?P<a>[0-9]{1,2})(?P<s2>[-/.])(?P<b>[0-9]{1,2})(?P=s2)(?P<y2>[0-9]{4})"
    r"|(?P<a3>[0-9]{1,2})/(?P<b3>[0-9]{1,2})/(?P<y3>[0-9]{2}))(?![0-9])"
    rf"(?:(?:[ T]+|,\s*){_TIME})?"
)
#: What may follow a timestamp: a time zone (``GMT+1``, ``UTC+01:00``, ``+0100``, ``CET``, ``Z``).
_ZONE = re.compile(r"(?:(?:GMT|UTC)?\s*[+-]\d{1,2}(?::?\d{2})?|GMT|UTC|Z|[A-Z]{3,5})")
#: An Excel serial date read as text: ``43363``, ``43363.0``, ``43363,4375``.
_SERIAL = re.compile(r"^(?P<days>[0-9]+)(?:[.,](?P<fraction>[0-9]+))?$")
#: Serial dates accepted: 1990-01-01 .. 2100-12-31 (anything else is a number, not a date).
_SERIAL_FIRST, _SERIAL_LAST = 32874, 73415
_ORDER_NAMES = {"dmy": "giorno/mese", "mdy": "mese/giorno"}
_ORDER_EXAMPLES = {"dmy": "14/03/2019", "mdy": "03/14/2019"}


def _vote_scale(low: int, high: int) -> str:
    return f"atteso un numero intero da {low} a {high}"


@functools.lru_cache(maxsize=65536)  # a vote column holds a dozen distinct texts
def parse_vote(text: str, *, low: int = 1, high: int = 10) -> int | None:
    """A score from ``low`` to ``high`` (1 to 10 by default); ``None`` for an empty cell (not scored).

    ``7``, `` 7 ``, ``7,0`` and ``7.0`` are all 7. A value of a labelled scale is read by
    its number: ``7 - abbastanza``, ``7 – abbastanza``, ``10 (moltissimo)``, ``10 =
    moltissimo``, ``Moltissimo (10)``. ``7/10`` and ``7 su 10`` are 7 when the second
    number is ``high`` (the scale's top). Any other text holding two numbers (``5-6``)
    is an error: a score is never picked out of it. Invisible characters are ignored and
    typographic dashes count as ``-``.

    "Don't know" answers (``Non so``, ``N/A``, ``-``) are errors here too: tell them
    apart with :func:`is_dont_know` before calling this parser.

    Parameters
    ----------
    text : str
        The raw cell.
    low, high : int, default 1 and 10
        The scale's bounds, both included.

    Returns
    -------
    int or None
        The score, ``low`` to ``high``; ``None`` when the cell is blank.

    Raises
    ------
    ValueError
        When the cell is not a whole number (``7,5``, ``sette``, ``5-6``) or is outside
        ``low`` .. ``high``; the message quotes at most 20 characters of the value and
        names the scale.

    Examples
    --------
    >>> [parse_vote(v) for v in ["7", " 7 ", "7,0", "7.0", "10", ""]]
    [7, 7, 7, 7, 10, None]
    >>> [parse_vote(v) for v in ["10 (moltissimo)", "7 – abbastanza", "Moltissimo (10)", "7/10"]]
    [10, 7, 10, 7]
    >>> parse_vote("7,5")
    Traceback (most recent call last):
    ...
    ValueError: voto non valido «7,5»: atteso un numero intero da 1 a 10
    >>> parse_vote("11")
    Traceback (most recent call last):
    ...
    ValueError: voto fuori scala «11»: atteso un numero intero da 1 a 10
    >>> parse_vote("6", low=1, high=5)
    Traceback (most recent call last):
    ...
    ValueError: voto fuori scala «6»: atteso un numero intero da 1 a 5
    """
    if low > high:
        raise ValueError(f"scala di voto non valida: il minimo {low} supera il massimo {high}")
    value = fold_typography(text).strip()
    if not value:
        return None
    match = _INTEGER_LIKE.match(value) or _NUMBER_THEN_LABEL.match(value) or _LABEL_THEN_NUMBER.match(value)
    out_of = None if match else _OUT_OF.match(value)
    if out_of and int(out_of.group("of")) == high:
        match = out_of
    if not match:
        raise ValueError(f"voto non valido «{strip_invisible(text).strip()[:20]}»: {_vote_scale(low, high)}")
    score = int(match.group(1))
    if not low <= score <= high:
        raise ValueError(f"voto fuori scala «{strip_invisible(text).strip()[:20]}»: {_vote_scale(low, high)}")
    return score


@functools.lru_cache(maxsize=65536)  # the same few labels and answers, hundreds of thousands of times
def is_dont_know(text: str) -> bool:
    """Whether a cell says "don't know" or "not applicable" instead of giving a score.

    Such an answer is not scored, unlike an invalid vote (an error); the caller counts
    it. The answers are :data:`~palestre_analysis.core.vocabulary.DONT_KNOW_ANSWERS`,
    compared after :func:`~palestre_analysis.core.vocabulary.normalize_label` (so
    ``Non so.``, ``NON SO`` and ``n/a`` match); the punctuation-only ones (``-``, ``—``,
    ``?``) match as written, also repeated (``--``). A blank cell is not a "don't know":
    it is simply empty.

    Parameters
    ----------
    text : str
        The raw cell.

    Returns
    -------
    bool
        True for a "don't know" answer.

    Examples
    --------
    >>> [is_dont_know(v) for v in ["Non so.", "NON SO", "N/A", "n.v.", "—", "--", "?"]]
    [True, True, True, True, True, True, True]
    >>> [is_dont_know(v) for v in ["", "7", "sette", "no", "."]]
    [False, False, False, False, False]
    """
    value = fold_typography(text).strip()
    if not value:
        return False
    words = normalize_label(value)
    if words:
        return words in _DONT_KNOW_WORDS
    compact = "".join(value.split())
    return any(compact == mark * (len(compact) // len(mark)) for mark in _DONT_KNOW_MARKS)


# --- Dates --------------------------------------------------------------------------------


def _check_order(order: str) -> None:
    if order not in _ORDER_NAMES:
        raise ValueError(f"order must be 'dmy' or 'mdy', not {order!r}")


def _year_last_parts(value: str) -> tuple[int, int, int] | None:
    """``(first, second, year)`` of a date written with the year last, else ``None``."""
    match = _DATE_TIME.match(fold_typography(value).strip())
    if not match or match.group("y1"):
        return None
    g = match.groupdict()
    if g["a"] is not None:
        return int(g["a"]), int(g["b"]), int(g["y2"])
    return int(g["a3"]), int(g["b3"]), 2000 + int(g["y3"])


def _quote(value: str) -> str:
    return f"«{value[:30]}»"


@dataclass(frozen=True)
class DayMonthOrder:
    """How the dates of one column are to be read: day/month or month/day.

    Made by :func:`decide_day_month`. Only dates with the year last count
    (``14/03/2019``, ``3/14/2019``, ``14.03.2019``, ``14-03-2019``, with or without a
    time).

    Parameters
    ----------
    order : {"dmy", "mdy"} or None, default None
        The order the column's dates settle: ``"dmy"`` when a first part is above 12,
        ``"mdy"`` when a second part is; ``None`` when no value settles it, or when
        values settle both (a conflict).
    evidence : str or None, default None
        The first value that settled an order (as written, trimmed).
    conflict : tuple of (str, str) or None, default None
        A value that reads only as day/month and one that reads only as month/day, when
        the column has both.
    ambiguous_example : str or None, default None
        The first value that reads both ways as two different days (``03/04/2019``).

    Examples
    --------
    >>> decision = decide_day_month(["03/04/2019", "14/03/2019"])
    >>> decision.order, decision.evidence, decision.settled, decision.reading_order
    ('dmy', '14/03/2019', True, 'dmy')
    >>> undecided = decide_day_month(["03/04/2019"])
    >>> undecided.settled, undecided.reading_order
    (False, None)
    >>> decide_day_month(["2019-03-04", "05/05/2019"]).needed
    False
    """

    order: Order | None = None
    evidence: str | None = None
    conflict: tuple[str, str] | None = None
    ambiguous_example: str | None = None

    @property
    def needed(self) -> bool:
        """Whether the order matters: some value reads differently, or settles one order.

        ``False`` for a column of ISO dates, serial numbers, and dates whose day equals
        their month (``05/05/2019``): they read the same either way.
        """
        return self.evidence is not None or self.ambiguous_example is not None

    @property
    def settled(self) -> bool:
        """Whether the column can be read: an order was settled without conflict, or none is needed."""
        return self.conflict is None and (self.order is not None or self.ambiguous_example is None)

    @property
    def reading_order(self) -> Order | None:
        """The ``order`` to pass to :func:`parse_date` and :func:`parse_timestamp`.

        The settled order, ``"dmy"`` when the order does not matter, ``None`` when the
        column cannot be read (conflict, or ambiguous values only).
        """
        if not self.settled:
            return None
        return self.order or "dmy"

    def sentence(self) -> str:
        """The decision in one Italian sentence, for messages.

        Returns
        -------
        str
            For a conflict, the two values that read only one way each; for ambiguous
            values with no settling one, an example and how to write it so that it reads
            one way only; otherwise the order settled and the value that settled it, or
            that the order does not matter.

        Examples
        --------
        >>> print(decide_day_month(["03/04/2019"]).sentence())  # doctest: +NORMALIZE_WHITESPACE
        le date della colonna si possono leggere sia giorno/mese sia mese/giorno (ad esempio
        «03/04/2019»): scriverle come 2019-04-03 (anno-mese-giorno) oppure usare almeno una
        data con il giorno oltre il 12
        >>> print(decide_day_month(["14/03/2019", "3/14/2019"]).sentence())  # doctest: +NORMALIZE_WHITESPACE
        le date della colonna mescolano giorno/mese e mese/giorno: «14/03/2019» si legge solo
        come giorno/mese, «3/14/2019» solo come mese/giorno; scriverle tutte nello stesso
        ordine, meglio come anno-mese-giorno (ad esempio 2019-03-14)
        >>> print(decide_day_month(["3/14/2019"]).sentence())
        le date della colonna si leggono mese/giorno, come richiede «3/14/2019»
        >>> print(decide_day_month(["2019-03-14"]).sentence())
        le date della colonna si leggono allo stesso modo giorno/mese e mese/giorno
        """
        if self.conflict is not None:
            day_first, month_first = self.conflict
            first, second, year = _year_last_parts(day_first)
            return (
                f"le date della colonna mescolano giorno/mese e mese/giorno: {_quote(day_first)} si legge solo "
                f"come giorno/mese, {_quote(month_first)} solo come mese/giorno; scriverle tutte nello stesso "
                f"ordine, meglio come anno-mese-giorno (ad esempio {year:04d}-{second:02d}-{first:02d})"
            )
        if self.order is not None:
            return f"le date della colonna si leggono {_ORDER_NAMES[self.order]}, come richiede {_quote(self.evidence)}"
        if self.ambiguous_example is not None:
            first, second, year = _year_last_parts(self.ambiguous_example)
            return (
                "le date della colonna si possono leggere sia giorno/mese sia mese/giorno (ad esempio "
                f"{_quote(self.ambiguous_example)}): scriverle come {year:04d}-{second:02d}-{first:02d} "
                "(anno-mese-giorno) oppure usare almeno una data con il giorno oltre il 12"
            )
        return "le date della colonna si leggono allo stesso modo giorno/mese e mese/giorno"

    def problem(self) -> str | None:
        """Why the column cannot be read (:meth:`sentence`); ``None`` when it is :attr:`settled`.

        Examples
        --------
        >>> decide_day_month(["14/03/2019", "03/04/2019"]).problem() is None
        True
        >>> decide_day_month(["03/04/2019"]).problem() == decide_day_month(["03/04/2019"]).sentence()
        True
        """
        return None if self.settled else self.sentence()


def decide_day_month(values: Iterable[str]) -> DayMonthOrder:
    """Decide, for a whole column, whether its dates are day/month or month/day.

    Only dates written with the year last count (``14/03/2019``, ``3/14/2019``,
    ``14.03.2019``, ``14-03-2019``, an optional time after). A first part above 12 (and
    a second part up to 12) settles day/month; a second part above 12 (and a first up
    to 12) settles month/day; values settling both are a conflict. Without a settling
    value, dates with two different parts up to 12 (``03/04/2019``) are ambiguous, while
    a column of ISO dates, serial numbers or dates whose day equals the month does not
    need an order at all. Anything else (blank, unreadable) is left to the parser.

    Parameters
    ----------
    values : iterable of str
        The raw cells of one column (non-strings are skipped).

    Returns
    -------
    DayMonthOrder
        The decision, with the values that support it; see
        :attr:`DayMonthOrder.settled`, :meth:`DayMonthOrder.sentence` and
        :meth:`DayMonthOrder.problem`.

    Examples
    --------
    >>> decide_day_month(["4/1/2019 09:00:00", "3/14/2019 10:23:45"])  # doctest: +NORMALIZE_WHITESPACE
    DayMonthOrder(order='mdy', evidence='3/14/2019 10:23:45', conflict=None,
                  ambiguous_example='4/1/2019 09:00:00')
    >>> decide_day_month(["14/03/2019", "03/14/2019"]).conflict
    ('14/03/2019', '03/14/2019')
    >>> decide_day_month(["03/04/2019", "2019-03-04"]).ambiguous_example
    '03/04/2019'
    >>> decide_day_month(["2019-03-14", "43363", "05/05/2019"])
    DayMonthOrder(order=None, evidence=None, conflict=None, ambiguous_example=None)
    """
    settling: dict[str, str] = {}
    ambiguous = None
    for raw in values:
        if not isinstance(raw, str):
            continue
        value = raw.strip()
        parts = _year_last_parts(value)
        if parts is None:
            continue
        first, second, _ = parts
        if not (1 <= first <= 31 and 1 <= second <= 31):
            continue
        if first > 12 and second <= 12:
            settling.setdefault("dmy", value)
        elif second > 12 and first <= 12:
            settling.setdefault("mdy", value)
        elif first != second and first <= 12 and second <= 12 and ambiguous is None:
            ambiguous = value
        if len(settling) == 2:
            break
    if len(settling) == 2:
        first_seen = next(iter(settling.values()))
        return DayMonthOrder(None, first_seen, (settling["dmy"], settling["mdy"]), ambiguous)
    if settling:
        [(order, evidence)] = settling.items()
        return DayMonthOrder(order, evidence, None, ambiguous)
    return DayMonthOrder(None, None, None, ambiguous)


def _serial_datetime(days: int, fraction: str | None) -> dt.datetime | None:
    """An Excel serial (1900 date system) as a datetime, or ``None`` outside 1990 .. 2100.

    Day 1 is 1900-01-01 and day 60 is the 29 February 1900 that Excel counts but the
    calendar lacks (the 1900 leap-year bug), so from day 61 on the epoch is 1899-12-30.
    """
    if not _SERIAL_FIRST <= days <= _SERIAL_LAST:
        return None
    epoch = dt.datetime(1899, 12, 30) if days > 60 else dt.datetime(1899, 12, 31)
    seconds = round(float("0." + fraction) * 86400) if fraction else 0
    return epoch + dt.timedelta(days=days, seconds=seconds)


def _clock(g: dict) -> tuple[int, int, int, int] | None:
    """``(hour, minute, second, microsecond)`` of the time groups, ``None`` when impossible."""
    if g["H"] is None:
        return 0, 0, 0, 0
    hour, minute, second = int(g["H"]), int(g["M"]), int(g["S"] or 0)
    microsecond = int((g["F"] or "0")[:6].ljust(6, "0"))
    if g["ampm"]:
        pm = g["ampm"][0].lower() == "p"
        if hour <= 12:
            hour = hour % 12 + (12 if pm else 0)
        elif not pm:
            return None
    if hour > 23 or minute > 59 or second > 59:
        return None
    return hour, minute, second, microsecond


def _ymd(g: dict, order: str) -> tuple[int, int, int, bool]:
    """``(year, month, day, two_digit_year)`` of a matched date, reading the year-last ones in ``order``."""
    if g["y1"]:
        return int(g["y1"]), int(g["m1"]), int(g["d1"]), False
    if g["a"] is not None:
        first, second, year, short = int(g["a"]), int(g["b"]), int(g["y2"]), False
    else:
        first, second, year, short = int(g["a3"]), int(g["b3"]), 2000 + int(g["y3"]), True
    day, month = (first, second) if order == "dmy" else (second, first)
    return year, month, day, short


def parse_date(text: str, *, order: Order = "dmy") -> dt.date:
    """A date written ``2019-03-14``, ``14/03/2019``, ``14.03.2019``, ``14-03-2019`` or as an Excel serial.

    The year may come first (``2019-03-14``, ``2019/03/14``) or last; with the year last,
    ``order`` says whether the day (``"dmy"``, Italian) or the month (``"mdy"``, US)
    comes first: decide it per column with :func:`decide_day_month`. Day and month may
    have one digit; the year needs four (``14/03/19`` is refused). A time may follow
    (``2019-03-14T10:30:00``, ``14/03/2019 10:30``, ``3/14/2019 10:30:00 AM``, with at
    most a time zone after it): it is checked, then dropped. A plain number is an Excel
    serial date (``43363``, ``43363.0``, ``43363.4375`` are 2018-09-20: 1900 date system),
    accepted only when it falls between 1990 and 2100. Invisible characters are ignored
    and typographic dashes count as ``-``.

    Parameters
    ----------
    text : str
        The raw cell.
    order : {"dmy", "mdy"}, default "dmy"
        How dates with the year last are read.

    Returns
    -------
    datetime.date
        The date.

    Raises
    ------
    ValueError
        When the cell is blank, is written another way, is a number that is not a
        plausible serial date, or names a day (or time) that does not exist; the message
        quotes at most 30 characters of the value.

    Examples
    --------
    >>> parse_date("14/03/2019"), parse_date("2019-03-14")
    (datetime.date(2019, 3, 14), datetime.date(2019, 3, 14))
    >>> parse_date("3/14/2019 10:30:00 AM", order="mdy"), parse_date("43363")
    (datetime.date(2019, 3, 14), datetime.date(2018, 9, 20))
    >>> parse_date("31/02/2019")
    Traceback (most recent call last):
    ...
    ValueError: data impossibile «31/02/2019»: il giorno non esiste nel calendario
    >>> parse_date("123")
    Traceback (most recent call last):
    ...
    ValueError: numero 123 non è una data: attesa una data come 2019-03-14 oppure 14/03/2019
    """
    _check_order(order)
    value, shown = fold_typography(text).strip(), strip_invisible(text).strip()
    expected = f"attesa una data come 2019-03-14 oppure {_ORDER_EXAMPLES[order]}"
    if not value:
        raise ValueError(f"data mancante: {expected}")
    serial = _SERIAL.match(value)
    if serial:
        stamp = _serial_datetime(int(serial.group("days")), None)
        if stamp is None:
            raise ValueError(f"numero {shown[:30]} non è una data: {expected}")
        return stamp.date()
    match = _DATE_TIME.match(value)
    rest = value[match.end() :].strip() if match else ""
    if not match or (rest and not (match.group("H") and _ZONE.fullmatch(rest))):
        raise ValueError(f"data non valida {_quote(shown)}: {expected}")
    g = match.groupdict()
    year, month, day, short = _ymd(g, order)
    if short:
        raise ValueError(f"data non valida {_quote(shown)}: l'anno va scritto con quattro cifre ({expected})")
    if _clock(g) is None:
        raise ValueError(f"data impossibile {_quote(shown)}: l'ora non esiste")
    try:
        return dt.date(year, month, day)
    except ValueError:
        raise ValueError(f"data impossibile {_quote(shown)}: il giorno non esiste nel calendario") from None


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


def parse_timestamp(text: str, *, order: Order = "dmy") -> dt.datetime | None:
    """A form timestamp (Google or Microsoft Forms, any locale); ``None`` if unreadable.

    The date is written with the year first (``yyyy/mm/dd``, ``yyyy-mm-dd``) or last
    (``dd/mm/yyyy``, ``dd.mm.yyyy``, ``dd-mm-yyyy``), the latter read in ``order``
    (``"mdy"`` for English exports: decide it per column with :func:`decide_day_month`).
    Only here a two-digit year is accepted, with slashes, as 20yy (Microsoft Forms:
    ``3/14/19 10:23:45``). The time, optional, follows a space or a ``T``: ``H:MM[:SS]``
    or ``H.MM[.SS]``, with optional fractional seconds and AM/PM, then at most a time
    zone, which is ignored (``GMT+1``, ``CET``, ``Z``). A number is an Excel serial
    date-time (``43363.4375`` is 2018-09-20 10:30), between 1990 and 2100. Anything else
    after the date makes the cell unreadable rather than guessed: ``14/03/20199`` is not
    14 March 2019.

    Parameters
    ----------
    text : str
        The raw cell.
    order : {"dmy", "mdy"}, default "dmy"
        How dates with the year last are read.

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
    >>> parse_timestamp("3/14/19 10:23:45", order="mdy"), parse_timestamp("43363.4375")
    (datetime.datetime(2019, 3, 14, 10, 23, 45), datetime.datetime(2018, 9, 20, 10, 30))
    >>> parse_timestamp("31/02/2019 10:00") is None, parse_timestamp("") is None
    (True, True)
    >>> parse_timestamp("14/03/20199") is None, parse_timestamp("2019-03-14garbage") is None
    (True, True)
    """
    _check_order(order)
    text = fold_typography(text).strip()
    serial = _SERIAL.match(text)
    if serial:
        return _serial_datetime(int(serial.group("days")), serial.group("fraction"))
    match = _DATE_TIME.match(text)
    rest = text[match.end() :].strip() if match else ""
    if not match or (rest and not _ZONE.fullmatch(rest)):
        return None
    g = match.groupdict()
    year, month, day, _ = _ymd(g, order)
    clock = _clock(g)
    if clock is None:
        return None
    try:
        return dt.datetime(year, month, day, *clock)
    except ValueError:
        return None


# --- Codes and free labels ------------------------------------------------------------------


@functools.lru_cache(maxsize=65536)
def _code_key(code: str) -> str:
    folded = re.sub(r"[0-9]+", lambda m: m.group().lstrip("0") or "0", fold_typography(code).casefold())
    return re.sub(r"[\s\-_.]+", "", folded)


def suggest_code(code: str, known: Iterable[str]) -> str | None:
    """The known code that ``code`` was probably meant to be, or ``None``.

    A known code is a candidate when it equals ``code`` after case-folding, dropping
    invisible characters and the leading zeros of each run of digits as written, and
    removing spaces, hyphens (any dash), underscores and dots: ``e1``, ``E 001`` and
    ``E-001`` all point at ``E001``, ``M1-02`` at ``M1-2`` (but ``E1-01`` not at ``E101``). There is a suggestion only when exactly one known code is a candidate
    (``code`` itself when it is known). It only proposes: the caller shows it in a
    message ("forse «E001»?") and never applies it silently.

    Parameters
    ----------
    code : str
        The code as written (an ``ente_id`` or ``incontro_id`` not found).
    known : iterable of str
        The codes kept so far.

    Returns
    -------
    str or None
        The single candidate; ``None`` when there are none or several.

    Examples
    --------
    >>> [suggest_code(c, ["E001", "E002"]) for c in ["e1", "E 001", "E-001", "E\u200b001"]]
    ['E001', 'E001', 'E001', 'E001']
    >>> suggest_code("E1", ["E001", "E01"]) is None, suggest_code("E3", ["E001"]) is None
    (True, True)
    """
    known = set(known)
    if code in known:
        return code
    key = _code_key(code)
    candidates = {k for k in known if _code_key(k) == key}
    return candidates.pop() if len(candidates) == 1 else None


@functools.lru_cache(maxsize=65536)  # the same few labels and answers, hundreds of thousands of times
def tidy_label(text: str) -> str:
    """A free label as shown: invisible characters dropped, trimmed, inner spaces collapsed.

    Parameters
    ----------
    text : str
        The raw label (a field, a resource or a need of the phase-2 grid).

    Returns
    -------
    str
        The label without invisible characters (zero-width spaces, soft hyphens) and
        with every run of whitespace (no-break spaces included) turned into one space;
        case and typography are kept.

    Examples
    --------
    >>> tidy_label("  Contributi   pubblici ")
    'Contributi pubblici'
    >>> tidy_label("Contri\u00adbuti\u00a0pubblici\u200b")
    'Contributi pubblici'
    """
    return " ".join(strip_invisible(text).split())


@functools.lru_cache(maxsize=65536)  # the same few labels and answers, hundreds of thousands of times
def label_key(text: str) -> str:
    """The comparison key of a free label: case- and space-insensitive, typography folded.

    Typographic apostrophes and dashes count as ``'`` and ``-``, and invisible characters
    are dropped (see :func:`~palestre_analysis.core.vocabulary.fold_typography`). Unlike
    :func:`~palestre_analysis.core.vocabulary.normalize_label`, accents and punctuation
    still count.

    Parameters
    ----------
    text : str
        The raw label.

    Returns
    -------
    str
        The label folded, trimmed, inner spaces collapsed, case-folded.

    Examples
    --------
    >>> label_key(" CULTURA  e sport") == label_key("cultura e Sport")
    True
    >>> label_key("Attività") == label_key("attivita")
    False
    >>> label_key("Attivita\u2019 culturali") == label_key("Attivita' culturali")
    True
    >>> label_key("Crowdfunding \u2212 donazioni") == label_key("Crowdfunding - donazioni")
    True
    """
    return " ".join(fold_typography(text).split()).casefold()
