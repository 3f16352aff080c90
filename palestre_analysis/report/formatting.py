"""Numbers, dates and shares as an Italian reader expects them (``7,3``; ``1.234``; ``14 marzo 2019``).

Written by hand: Python's ``locale`` module depends on the locales installed on the
machine, and reports must read the same everywhere.
"""

from __future__ import annotations

import datetime as dt
import math
from decimal import ROUND_HALF_UP, Decimal

__all__ = [
    "num",
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
    return value is None or (isinstance(value, float) and math.isnan(value))


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
        The number in Italian notation, or ``–`` for ``None`` and NaN.

    Examples
    --------
    >>> num(7.25), num(7.35, 2), num(1234.5), num(-0.04), num(None)
    ('7,3', '7,35', '1.234,5', '0,0', '–')
    >>> num(2.5, 0), num(-1.25), num(1234567.891, 2)
    ('3', '-1,3', '1.234.567,89')
    """
    if _missing(value):
        return "–"
    rounded = Decimal(repr(float(value))).quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP)
    text = f"{abs(rounded) if rounded == 0 else rounded:,.{decimals}f}"
    return text.replace(",", "\0").replace(".", ",").replace("\0", ".")


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
    """A percentage with its article, elided before a vowel sound: ``il 60%``, ``l'83%``, ``l'11%``.

    The article is ``l'`` when the whole part is read starting with a vowel: ``uno``,
    ``undici``, and every number starting with ``8`` (``otto``, ``ottanta``, ``ottocento``);
    four-digit whole parts starting with ``1`` are elided too.

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
        ``"il "`` or ``"l'"`` followed by :func:`pct` of ``value``; a missing value gives
        ``"il –"``.

    Examples
    --------
    >>> pct_article(0.6), pct_article(0.83), pct_article(0.11), pct_article(0.01), pct_article(0.18)
    ('il 60%', "l'83%", "l'11%", "l'1%", 'il 18%')
    >>> pct_article(0.115, 1), pct_article(0.081, 1), pct_article(1.0)
    ("l'11,5%", "l'8,1%", 'il 100%')
    """
    text = pct(value, decimals)
    whole = text.split(",")[0].rstrip("%").replace(".", "")
    elided = whole.startswith("8") or whole in ("1", "11") or (len(whole) == 4 and whole.startswith("1"))
    return ("l'" if elided else "il ") + text


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
    article = pct_article(value)
    return "nel " + article[3:] if article.startswith("il ") else "nell'" + article[2:]


def p_clause(value) -> str:
    """``p = 0,031`` or ``p < 0,001``, for prose.

    Parameters
    ----------
    value : float or None
        The p-value (see :func:`pvalue`).

    Returns
    -------
    str
        ``"p "`` and :func:`pvalue`, with ``=`` unless the value is below 0,001; a missing
        value gives ``"p = –"``.

    Examples
    --------
    >>> p_clause(0.0312), p_clause(0.00001)
    ('p = 0,031', 'p < 0,001')
    >>> p_clause(0.5)
    'p = 0,500'
    """
    text = pvalue(value)
    return f"p {text}" if text.startswith("<") else f"p = {text}"


def plural(n, singular: str, plural_form: str) -> str:
    """A count with its noun: ``1 ente``, ``3 enti``.

    Parameters
    ----------
    n : int or float
        The count, shown with :func:`integer`; the singular is chosen when ``int(n) == 1``.
        It must not be NaN (``int`` of NaN raises ``ValueError``).
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
    >>> plural(0, "incontro", "incontri"), plural(2, "focus group", "focus group")
    ('0 incontri', '2 focus group')
    """
    return f"{integer(n)} {singular if int(n) == 1 else plural_form}"


def pvalue(value) -> str:
    """A p-value: three decimals, or ``< 0,001``.

    Parameters
    ----------
    value : float or None
        The p-value.

    Returns
    -------
    str
        ``< 0,001`` below 0,001, otherwise :func:`num` with three decimals (halves round
        up); ``–`` for ``None`` and NaN.

    Examples
    --------
    >>> pvalue(0.0312), pvalue(0.00001), pvalue(1.0)
    ('0,031', '< 0,001', '1,000')
    >>> pvalue(0.001), pvalue(0.0995), pvalue(None)
    ('0,001', '0,100', '–')
    """
    if _missing(value):
        return "–"
    return "< 0,001" if float(value) < 0.001 else num(value, 3)


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
