"""Numbers, dates and shares as an Italian reader expects them (``7,3``; ``1.234``; ``14 marzo 2019``).

Written by hand: Python's ``locale`` module depends on the locales installed on the
machine, and reports must read the same everywhere.
"""

from __future__ import annotations

import datetime as dt
import math
from decimal import ROUND_HALF_UP, Decimal

__all__ = ["num", "integer", "pct", "pct_article", "share_of_draws", "pvalue", "p_clause", "date_it", "month_it",
           "period_it", "plural", "MONTHS", "axis_formatter", "SUPPRESSED_MARK"]

MONTHS = ("gennaio", "febbraio", "marzo", "aprile", "maggio", "giugno", "luglio", "agosto", "settembre",
          "ottobre", "novembre", "dicembre")
#: Shown in place of a statistic computed from fewer than ``min_cell`` delegates.
SUPPRESSED_MARK = "‡"


def _missing(value) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def integer(value) -> str:
    """An integer with ``.`` as thousands separator.

    >>> integer(1234567), integer(95), integer(float("nan"))
    ('1.234.567', '95', '–')
    """
    if _missing(value):
        return "–"
    return f"{int(round(float(value))):,}".replace(",", ".")


def num(value, decimals: int = 1) -> str:
    """A decimal number with ``,`` as decimal mark and ``.`` for thousands.

    Halves round up, as a reader rounds by hand (7,25 is 7,3), and there is no "-0,0".

    >>> num(7.25), num(7.35, 2), num(1234.5), num(-0.04), num(None)
    ('7,3', '7,35', '1.234,5', '0,0', '–')
    """
    if _missing(value):
        return "–"
    rounded = Decimal(repr(float(value))).quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP)
    text = f"{abs(rounded) if rounded == 0 else rounded:,.{decimals}f}"
    return text.replace(",", "\0").replace(".", ",").replace("\0", ".")


def pct(value, decimals: int = 0) -> str:
    """A fraction as a percentage: ``0.6`` -> ``60%``.

    >>> pct(0.6), pct(0.1163, 1), pct(float("nan"))
    ('60%', '11,6%', '–')
    """
    if _missing(value):
        return "–"
    return f"{num(100 * float(value), decimals)}%"


def pct_article(value, decimals: int = 0) -> str:
    """A percentage with its article, elided before a vowel sound: ``il 60%``, ``l'83%``, ``l'11%``.

    >>> pct_article(0.6), pct_article(0.83), pct_article(0.11), pct_article(0.01), pct_article(0.18)
    ('il 60%', "l'83%", "l'11%", "l'1%", 'il 18%')
    """
    text = pct(value, decimals)
    whole = text.split(",")[0].rstrip("%").replace(".", "")
    elided = whole.startswith("8") or whole in ("1", "11") or (len(whole) == 4 and whole.startswith("1"))
    return ("l'" if elided else "il ") + text


def share_of_draws(value) -> str:
    """A bootstrap share, never shown as a certainty: ``> 99%`` and ``< 1%`` at the ends.

    >>> share_of_draws(1.0), share_of_draws(0.003), share_of_draws(0.5)
    ('> 99%', '< 1%', '50%')
    """
    if _missing(value):
        return "–"
    if value >= 0.995:
        return "> 99%"
    if 0 < value < 0.005 or value == 0:
        return "< 1%"
    return pct(value)


def p_clause(value) -> str:
    """``p = 0,031`` or ``p < 0,001``, for prose.

    >>> p_clause(0.0312), p_clause(0.00001)
    ('p = 0,031', 'p < 0,001')
    """
    text = pvalue(value)
    return f"p {text}" if text.startswith("<") else f"p = {text}"


def plural(n, singular: str, plural_form: str) -> str:
    """A count with its noun: ``1 ente``, ``3 enti``.

    >>> plural(1, "ente", "enti"), plural(1234, "voto", "voti")
    ('1 ente', '1.234 voti')
    """
    return f"{integer(n)} {singular if int(n) == 1 else plural_form}"


def pvalue(value) -> str:
    """A p-value: three decimals, or ``< 0,001``.

    >>> pvalue(0.0312), pvalue(0.00001), pvalue(1.0)
    ('0,031', '< 0,001', '1,000')
    """
    if _missing(value):
        return "–"
    return "< 0,001" if float(value) < 0.001 else num(value, 3)


def date_it(value) -> str:
    """A date in words: ``14 marzo 2019``.

    >>> date_it(dt.date(2019, 3, 14))
    '14 marzo 2019'
    """
    if _missing(value):
        return "–"
    day = value.date() if isinstance(value, dt.datetime) else value
    return f"{day.day} {MONTHS[day.month - 1]} {day.year}"


def month_it(value) -> str:
    """``marzo 2019``.

    >>> month_it(dt.date(2019, 3, 14))
    'marzo 2019'
    """
    return f"{MONTHS[value.month - 1]} {value.year}"


def period_it(start, end) -> str:
    """``tra settembre 2018 e giugno 2019``, ``tra maggio e giugno 2019``, ``a marzo 2019``.

    >>> period_it(dt.date(2019, 5, 2), dt.date(2019, 6, 13)), period_it(dt.date(2019, 3, 1), dt.date(2019, 3, 9))
    ('tra maggio e giugno 2019', 'a marzo 2019')
    """
    if (start.year, start.month) == (end.year, end.month):
        return f"a {month_it(start)}"
    if start.year == end.year:
        return f"tra {MONTHS[start.month - 1]} e {month_it(end)}"
    return f"tra {month_it(start)} e {month_it(end)}"


def axis_formatter(decimals: int = 1, percent: bool = False):
    """A matplotlib tick formatter with the decimal comma."""
    from matplotlib.ticker import FuncFormatter

    if percent:
        return FuncFormatter(lambda x, _: pct(x, decimals))
    return FuncFormatter(lambda x, _: num(x, decimals) if decimals else integer(x))
