"""Numbers, dates and shares as an Italian reader expects them (``7,3``; ``1.234``; ``14 marzo 2019``).

Written by hand: Python's ``locale`` module depends on the locales installed on the
machine, and reports must read the same everywhere.
"""

from __future__ import annotations

import datetime as dt
import math
import numbers
from decimal import ROUND_HALF_UP, Decimal

__all__ = [
    "num",
    "rounded",
    "integer",
    "pct",
    "pct_article",
    "share_of_draws",
    "in_share_of_draws",
    "pvalue",
    "p_clause",
    "date_it",
    "month_it",
    "period_it",
    "plural",
    "MONTHS",
    "axis_formatter",
    "SUPPRESSED_MARK",
]

MONTHS = (
    "gennaio",
    "febbraio",
    "marzo",
    "aprile",
    "maggio",
    "giugno",
    "luglio",
    "agosto",
    "settembre",
    "ottobre",
    "novembre",
    "dicembre",
)
#: Shown in place of a statistic computed from fewer than ``min_cell`` delegates.
SUPPRESSED_MARK = "‡"


def _missing(value) -> bool:
    """None, a NaN of any float type, or pandas' ``NA`` (recognised without importing pandas)."""
    if value is None or type(value).__name__ == "NAType":
        return True
    return isinstance(value, numbers.Real) and math.isnan(float(value))


def _infinite(value) -> bool:
    return isinstance(value, numbers.Real) and math.isinf(float(value))


def _quantized(value, decimals: int) -> Decimal:
    """``value`` rounded to ``decimals`` digits, halves up, from its shortest ``repr``."""
    return Decimal(repr(float(value))).quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP)


def integer(value) -> str:
    """An integer with ``.`` as thousands separator.

    Parameters
    ----------
    value : int, float or None
        The number; a float is rounded to the nearest whole number first, halves up as
        :func:`num` rounds them (``2.5`` gives ``3``), so that both print the same count.

    Returns
    -------
    str
        The digits grouped by thousands, or ``–`` for ``None`` and NaN.

    Examples
    --------
    >>> integer(1234567), integer(95), integer(float("nan"))
    ('1.234.567', '95', '–')
    >>> integer(-4321.4), integer(None), integer(2.5), integer(0.5)
    ('-4.321', '–', '3', '1')
    """
    if _missing(value):
        return "–"
    return num(value, 0)


def num(value, decimals: int = 1) -> str:
    """A decimal number with ``,`` as decimal mark and ``.`` for thousands.

    Halves round up, as a reader rounds by hand (7,25 is 7,3), and there is no "-0,0".

    Parameters
    ----------
    value : int, float or None
        The number. Rounding works on its shortest ``repr``, so ``7.25`` is the half it
        reads as, not the binary float just below it.
    decimals : int
        Digits after the decimal comma (``0``: none, and no comma).

    Returns
    -------
    str
        The number in Italian notation, ``–`` for ``None`` and NaN, ``∞`` (or ``-∞``) for
        an infinite value.

    Examples
    --------
    >>> num(7.25), num(7.35, 2), num(1234.5), num(-0.04), num(None)
    ('7,3', '7,35', '1.234,5', '0,0', '–')
    >>> num(2.5, 0), num(-1.25), num(1234567.891, 2), num(float("inf")), num(float("-inf"), 2)
    ('3', '-1,3', '1.234.567,89', '∞', '-∞')
    """
    if _missing(value):
        return "–"
    if _infinite(value):
        return "∞" if float(value) > 0 else "-∞"
    rounded = _quantized(value, decimals)
    text = f"{abs(rounded) if rounded == 0 else rounded:,.{decimals}f}"
    return text.replace(",", "\0").replace(".", ",").replace("\0", ".")


def rounded(value, decimals: int = 1) -> float:
    """The number :func:`num` prints, as a float: ``7.25`` -> ``7.3``.

    Comparisons a sentence states (which value is larger, whether two are equal) are made on
    these numbers, so that they hold for what the reader sees.

    Parameters
    ----------
    value : int, float or None
        The number.
    decimals : int
        Digits after the decimal comma, as for :func:`num`.

    Returns
    -------
    float
        ``value`` rounded as :func:`num` rounds it (halves up); NaN for ``None`` and NaN,
        an infinite value unchanged.

    Examples
    --------
    >>> rounded(7.25), rounded(9.04), rounded(9.02), rounded(0.273, 2), rounded(None)
    (7.3, 9.0, 9.0, 0.27, nan)
    """
    if _missing(value):
        return float("nan")
    if _infinite(value):
        return float(value)
    return float(_quantized(value, decimals))


def pct(value, decimals: int = 0) -> str:
    """A fraction as a percentage: ``0.6`` -> ``60%``.

    Parameters
    ----------
    value : float or None
        A share between 0 and 1 (larger values give more than ``100%``).
    decimals : int
        Digits after the decimal comma of the percentage (see :func:`num`).

    Returns
    -------
    str
        The percentage with ``%`` and no space before it, or ``–`` for ``None`` and NaN.

    Examples
    --------
    >>> pct(0.6), pct(0.1163, 1), pct(float("nan"))
    ('60%', '11,6%', '–')
    >>> pct(0.125), pct(1.5)
    ('13%', '150%')
    """
    if _missing(value):
        return "–"
    return f"{num(100 * float(value), decimals)}%"


def pct_article(value, decimals: int = 0) -> str:
    """A percentage with its article, as the number is read: ``il 60%``, ``l'83%``, ``l'11%``, ``lo 0%``.

    The article is ``lo`` for ``zero``; ``l'`` when the whole part is read starting with a
    vowel: ``uno``, ``undici``, every number starting with ``8`` (``otto``, ``ottanta``,
    ``ottocento``), the thousands read ``undicimila`` or ``ottomila``, ``un milione``;
    otherwise ``il`` (``il 100%``, ``il 1000%``: ``mille``).

    Parameters
    ----------
    value : float or None
        A share between 0 and 1, as for :func:`pct`.
    decimals : int
        Digits after the decimal comma (see :func:`pct`); only the whole part decides the
        article.

    Returns
    -------
    str
        ``"il "``, ``"lo "`` or ``"l'"`` followed by :func:`pct` of ``value``; a missing
        value gives ``"il –"``.

    Examples
    --------
    >>> pct_article(0.6), pct_article(0.83), pct_article(0.11), pct_article(0.01), pct_article(0.18)
    ('il 60%', "l'83%", "l'11%", "l'1%", 'il 18%')
    >>> pct_article(0.115, 1), pct_article(0.081, 1), pct_article(1.0), pct_article(0.0), pct_article(0.004, 1)
    ("l'11,5%", "l'8,1%", 'il 100%', 'lo 0%', 'lo 0,4%')
    >>> pct_article(10.0), pct_article(11.0), pct_article(80.0), pct_article(110.0), pct_article(10000.0)
    ('il 1.000%', 'il 1.100%', "l'8.000%", "l'11.000%", "l'1.000.000%")
    """
    text = pct(value, decimals)
    return _article(text.split(",")[0].rstrip("%").replace(".", "")) + text


def _article(whole: str) -> str:
    """The article of a whole number as it is read aloud (``"lo "`` for ``zero``, ``"l'"`` for ``otto``).

    >>> [_article(w) for w in ("0", "1", "8", "18", "100", "800", "1000", "1100", "8000", "11000", "2000000")]
    ['lo ', "l'", "l'", 'il ', 'il ', "l'", 'il ', 'il ', "l'", "l'", 'il ']
    """
    if not whole.isdigit():  # a negative number ("meno ...") or a missing one
        return "il "
    if int(whole) == 0:
        return "lo "
    digits = str(int(whole))
    groups = (len(digits) - 1) // 3  # 0: units, 1: thousands ("mila"), 2 and more: millions, billions
    lead = digits[: len(digits) - 3 * groups]
    if lead == "1":
        return "il " if groups == 1 else "l'"  # "mille", but "uno" and "un milione"
    return "l'" if lead == "11" or lead.startswith("8") else "il "


def share_of_draws(value) -> str:
    """A bootstrap share, never shown as a certainty: ``> 99%`` and ``< 1%`` at the ends.

    Parameters
    ----------
    value : float or None
        Share of bootstrap draws (0 to 1), e.g. how often a resource came out best.

    Returns
    -------
    str
        ``> 99%`` from 0,995 up, ``< 1%`` from 0 (included) to 0,005, otherwise :func:`pct`
        with no decimals; ``–`` for ``None`` and NaN.

    Examples
    --------
    >>> share_of_draws(1.0), share_of_draws(0.003), share_of_draws(0.5)
    ('> 99%', '< 1%', '50%')
    >>> share_of_draws(0.0), share_of_draws(0.995), share_of_draws(0.9949), share_of_draws(None)
    ('< 1%', '> 99%', '99%', '–')
    """
    if _missing(value):
        return "–"
    if value >= 0.995:
        return "> 99%"
    if 0 < value < 0.005 or value == 0:
        return "< 1%"
    return pct(value)


def in_share_of_draws(value) -> str:
    """:func:`share_of_draws` after «in», with the article Italian wants: ``nel 98%``, ``nell'80%``.

    Parameters
    ----------
    value : float or None
        Share of bootstrap draws (0 to 1).

    Returns
    -------
    str
        ``nel 98%``, ``nell'80%``, ``in oltre il 99%``, ``in meno dell'1%``; ``–`` when missing.

    Examples
    --------
    >>> in_share_of_draws(0.98), in_share_of_draws(0.8), in_share_of_draws(1.0), in_share_of_draws(0.001)
    ('nel 98%', "nell'80%", 'in oltre il 99%', "in meno dell'1%")
    """
    if _missing(value):
        return "–"
    if value >= 0.995:
        return "in oltre il 99%"
    if value < 0.005:
        return "in meno dell'1%"
    article, _, share = pct_article(value).partition(" ")
    if article == "il":
        return "nel " + share
    if article == "lo":
        return "nello " + share
    return "nell'" + pct(value)


def p_clause(value, decimals: int = 3) -> str:
    """``p = 0,031`` or ``p < 0,001``, for prose.

    Parameters
    ----------
    value : float or None
        The p-value (see :func:`pvalue`).
    decimals : int
        Decimals printed (see :func:`pvalue`); a p-value published already rounded is
        printed with the decimals it was rounded to.

    Returns
    -------
    str
        ``"p "`` and :func:`pvalue`, with ``=`` unless the value is below the smallest
        printable one; a missing value gives ``"p = –"``.

    Examples
    --------
    >>> p_clause(0.0312), p_clause(0.00001), p_clause(0.0048)
    ('p = 0,031', 'p < 0,001', 'p = 0,005')
    >>> p_clause(0.5), p_clause(0.49, 2), p_clause(0.0, 2)
    ('p = 0,500', 'p = 0,49', 'p < 0,01')
    """
    text = pvalue(value, decimals)
    return f"p {text}" if text.startswith("<") else f"p = {text}"


def plural(n, singular: str, plural_form: str) -> str:
    """A count with its noun: ``1 ente``, ``3 enti``.

    Parameters
    ----------
    n : int or float
        The count: a whole number (``12.0`` is accepted, as a column with a blank value
        holds it). A fraction, NaN or an infinite value raises ``ValueError``: rounding
        ``0.6`` to «1 ente» would print a count that nobody counted.
    singular : str
        The noun for one.
    plural_form : str
        The noun for any other count, zero included.

    Returns
    -------
    str
        ``"<n> <noun>"``.

    Examples
    --------
    >>> plural(1, "ente", "enti"), plural(1234, "voto", "voti")
    ('1 ente', '1.234 voti')
    >>> plural(0, "incontro", "incontri"), plural(2, "focus group", "focus group"), plural(14.0, "legame", "legami")
    ('0 incontri', '2 focus group', '14 legami')
    >>> plural(0.6, "ente", "enti")
    Traceback (most recent call last):
    ...
    ValueError: plural() counts whole things, not 0.6.
    """
    if isinstance(n, bool) or _missing(n) or _infinite(n) or float(n) != int(n):
        raise ValueError(f"plural() counts whole things, not {n!r}.")
    return f"{integer(n)} {singular if int(n) == 1 else plural_form}"


def pvalue(value, decimals: int = 3) -> str:
    """A p-value: three decimals, or ``< 0,001``.

    Parameters
    ----------
    value : float or None
        The p-value.
    decimals : int
        Decimals printed (at least 1). A value below ``10**-decimals`` is printed as
        ``< 0,001`` (``< 0,01`` with two decimals): never as a rounded zero, and never with
        more precision than it has (a p-value rounded to ``0.00`` is below 0,005, not below
        0,001).

    Returns
    -------
    str
        ``< 0,001`` below 0,001, otherwise :func:`num` with three decimals (halves round
        up); ``–`` for ``None`` and NaN.

    Examples
    --------
    >>> pvalue(0.0312), pvalue(0.00001), pvalue(1.0), pvalue(0.0048)
    ('0,031', '< 0,001', '1,000', '0,005')
    >>> pvalue(0.001), pvalue(0.0995), pvalue(None), pvalue(0.486), pvalue(0.0009)
    ('0,001', '0,100', '–', '0,486', '< 0,001')
    >>> pvalue(0.49, 2), pvalue(0.0, 2), pvalue(0.0496, 4)
    ('0,49', '< 0,01', '0,0496')
    """
    if _missing(value):
        return "–"
    smallest = 10.0**-decimals
    return f"< {num(smallest, decimals)}" if float(value) < smallest else num(value, decimals)


def date_it(value) -> str:
    """A date in words: ``14 marzo 2019``.

    Parameters
    ----------
    value : datetime.date, datetime.datetime or None
        The date; a datetime (``pandas.Timestamp`` included) loses its time of day.
        ``None`` and a float NaN count as missing; ``pandas.NaT`` does not (it raises
        ``TypeError``), so test for it before calling.

    Returns
    -------
    str
        Day without a leading zero, Italian month name in lower case, year; ``–`` when missing.

    Examples
    --------
    >>> date_it(dt.date(2019, 3, 14))
    '14 marzo 2019'
    >>> date_it(dt.datetime(2018, 10, 1, 18, 30)), date_it(None)
    ('1 ottobre 2018', '–')
    """
    if _missing(value):
        return "–"
    day = value.date() if isinstance(value, dt.datetime) else value
    return f"{day.day} {MONTHS[day.month - 1]} {day.year}"


def month_it(value) -> str:
    """A month and its year in words: ``marzo 2019``.

    Parameters
    ----------
    value : datetime.date or datetime.datetime
        Any day of the month (no missing value is accepted).

    Returns
    -------
    str
        The Italian month name in lower case and the year.

    Examples
    --------
    >>> month_it(dt.date(2019, 3, 14))
    'marzo 2019'
    """
    return f"{MONTHS[value.month - 1]} {value.year}"


def period_it(start, end) -> str:
    """A period in words: ``tra settembre 2018 e giugno 2019``, ``tra maggio e giugno 2019``, ``a marzo 2019``.

    Parameters
    ----------
    start : datetime.date or datetime.datetime
        First day of the period.
    end : datetime.date or datetime.datetime
        Last day of the period (not checked to follow ``start``).

    Returns
    -------
    str
        ``a <month year>`` when both fall in the same month, ``tra <month> e <month year>``
        within one year, otherwise ``tra <month year> e <month year>``.

    Examples
    --------
    >>> period_it(dt.date(2019, 5, 2), dt.date(2019, 6, 13)), period_it(dt.date(2019, 3, 1), dt.date(2019, 3, 9))
    ('tra maggio e giugno 2019', 'a marzo 2019')
    >>> period_it(dt.date(2018, 9, 20), dt.date(2019, 6, 13))
    'tra settembre 2018 e giugno 2019'
    """
    if (start.year, start.month) == (end.year, end.month):
        return f"a {month_it(start)}"
    if start.year == end.year:
        return f"tra {MONTHS[start.month - 1]} e {month_it(end)}"
    return f"tra {month_it(start)} e {month_it(end)}"


def axis_formatter(decimals: int = 1, percent: bool = False):
    """A matplotlib tick formatter with the decimal comma.

    Parameters
    ----------
    decimals : int
        Digits after the decimal comma; with ``0`` (and ``percent`` false) ticks are
        whole numbers with ``.`` for thousands (:func:`integer`).
    percent : bool
        Read tick values as shares and label them as percentages (:func:`pct`).

    Returns
    -------
    matplotlib.ticker.FuncFormatter
        A formatter for ``axis.set_major_formatter``; it is called with ``(value, position)``.

    Examples
    --------
    >>> axis_formatter(1)(7.25, 0), axis_formatter(0)(1500, 0), axis_formatter(0, percent=True)(0.25, 0)
    ('7,3', '1.500', '25%')
    """
    from matplotlib.ticker import FuncFormatter

    if percent:
        return FuncFormatter(lambda x, _: pct(x, decimals))
    return FuncFormatter(lambda x, _: num(x, decimals) if decimals else integer(x))
