"""Sentences that state a number or a comparison, true at the precision they print.

A report says which value is the largest, between which values something lies, whether one
value is above another, how many cells of a total pass a rule, and what a test found. Each
kind of claim is written by one function here, and every section uses it:

- :func:`best` (with :func:`leaders`): the highest or lowest of several values;
- :func:`span`: the range of values over several fields;
- :func:`difference`: one value against another, with the gap between them;
- :func:`verdict`: a p-value, an effect size and what they say together;
- :func:`count_of`: how many of a total.

The rules they share:

- values are compared **as they are printed**: 9,04 and 9,02, both printed 9,0, are a tie,
  and the gap between 43% and 58% is the 15 points a reader computes;
- a NaN is a value **hidden** for privacy: a claim about every value is made only when none
  is hidden, otherwise it is made of the values shown (or not at all);
- one shown value gets no superlative, and with no value shown, or nothing true to say,
  the function returns ``None``.

Sentences are built with :func:`~palestre_analysis.report.display.sentence`: values are
escaped and shown in bold, and a returned clause is :class:`~palestre_analysis.report.display.Safe`,
so it can fill a slot of another sentence.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from decimal import Decimal

import numpy as np
import pandas as pd

from palestre_analysis.report import formatting as fmt
from palestre_analysis.report.display import Safe, sentence

__all__ = [
    "leaders",
    "best",
    "span",
    "difference",
    "verdict",
    "count_of",
    "FIELD_SCOPES",
    "CRAMER_V_BANDS",
]

#: How :func:`span` says where a range holds, for fields of activity (``{n}``: fields shown).
FIELD_SCOPES = {
    "every": "in tutti i campi",
    "both": "in entrambi i campi",
    "one": "nell'unico campo",
    "shown": "nei {n} campi mostrati",
    "both_shown": "in entrambi i campi mostrati",
    "one_shown": "nell'unico campo mostrato",
}
#: Reading of Cramér's V, on the value as printed: below 0.2 weak, below 0.4 moderate, then strong.
CRAMER_V_BANDS = ((0.2, "debole"), (0.4, "moderata"), (math.inf, "forte"))

_Show = Callable[[float], str] | int


def _shower(show: _Show) -> Callable[[float], str]:
    if isinstance(show, bool) or not (callable(show) or isinstance(show, int)):
        raise TypeError(f"show must be a number of decimals or a formatter, not {show!r}.")
    if callable(show):
        return show
    return lambda value: fmt.num(value, show)


def _series(values) -> pd.Series:
    series = values if isinstance(values, pd.Series) else pd.Series(values)
    return pd.to_numeric(series, errors="coerce").astype(float)


def _name(value) -> Safe:
    return value if isinstance(value, Safe) else sentence("{x}", x=value)


def _and(names: list[Safe]) -> Safe:
    """``A``, ``A e B``, ``A, B e C``."""
    if len(names) == 1:
        return names[0]
    return Safe(", ".join(names[:-1]) + " e " + names[-1])


def leaders(values, show: _Show, *, lowest: bool = False) -> pd.Series:
    """Which values share the highest (or lowest) place once printed.

    Parameters
    ----------
    values : Series or array-like
        The values; NaN where a value is hidden (hidden values never lead).
    show : int or callable
        How each value is printed: a number of decimals (:func:`~palestre_analysis.report.formatting.num`)
        or a formatter such as :func:`~palestre_analysis.report.formatting.pct`.
    lowest : bool
        Look for the lowest values instead of the highest.

    Returns
    -------
    Series of bool
        Same index as ``values``: True for every shown value printed like the extreme one.

    Examples
    --------
    >>> leaders(pd.Series([9.04, 9.02, 8.5, float("nan")]), 1).tolist()
    [True, True, False, False]
    >>> leaders([9.04, 9.02, 8.5], 2).tolist(), leaders([0.43, 0.58], fmt.pct, lowest=True).tolist()
    ([True, False, False], [True, False])
    """
    values = _series(values)
    text = _shower(show)
    numbers = values.to_numpy(dtype=float)
    shown = ~np.isnan(numbers)
    mask = np.zeros(len(numbers), dtype=bool)
    if shown.any():
        target = text(np.nanmin(numbers) if lowest else np.nanmax(numbers))
        mask[shown] = [text(v) == target for v in numbers[shown]]
    return pd.Series(mask, index=values.index)


def best(
    values,
    show: _Show,
    one: str,
    tied: str,
    *,
    scope: str = "",
    single: str | None = None,
    say: Callable[[float], str] | None = None,
    name: Callable[[object], str] | None = None,
    extra: Callable[[object], dict] | None = None,
    hidden_below: float | None = None,
    lowest: bool = False,
    **slots,
) -> Safe | None:
    """The highest (or lowest) of several values, said only as far as it is true.

    Parameters
    ----------
    values : Series
        One value per candidate, indexed by the candidates; NaN where a value is hidden.
    show : int or callable
        How values are printed (see :func:`leaders`): candidates printed alike are tied.
    one : str
        Template for a single winner: ``{name}``, ``{value}``, ``{scope}``, the ``slots``
        and what ``extra`` gives.
    tied : str
        Template for winners tied at the printed precision: ``{names}`` (``A e B``,
        ``A, B e C``), ``{value}``, ``{scope}`` and the ``slots``.
    scope : str
        Trusted text put at ``{scope}`` when some candidate is hidden (``" tra quelle
        mostrate"``): a hidden value might be higher, so the claim holds among those shown.
        Empty when nothing is hidden.
    single : str, optional
        Template for a single shown candidate (slots as in ``one``), with no superlative; by
        default nothing is said of one value alone.
    say : callable, optional
        How the winning value is written in the sentence (``pct_article``), at the same
        precision as ``show``; by default ``show``.
    name : callable, optional
        A candidate's name from its index label (a :class:`~palestre_analysis.report.display.Safe`
        clause is inserted as it is, anything else is escaped and bold); by default the label.
    extra : callable, optional
        More slot values for a single winner, from its index label (its interval...).
    hidden_below : float, optional
        What the published values tell of the hidden ones: none exceeds this (for shares
        that add up to 1, one minus the shares shown). A winner above it is the highest of
        all, hidden or not, and ``scope`` is left out. Not used with ``lowest``.
    lowest : bool
        Look for the lowest value instead (zero is then a real minimum).
    **slots
        Further values for the templates.

    Returns
    -------
    Safe or None
        The filled template; ``None`` when no value is shown, when only one is and there
        is no ``single`` template, and when the highest value is printed as zero (the
        «largest» of values that are all zero, or of zeros next to hidden values, is
        nothing to claim).

    Examples
    --------
    >>> shares = pd.Series({"associazioni": 0.6, "csv": 0.25, "altri": 0.15})
    >>> best(shares, fmt.pct, "La più rappresentata è {name}, con {value}.", "Sono {names}, con {value}.",
    ...      say=fmt.pct_article)
    'La più rappresentata è <strong>associazioni</strong>, con <strong>il 60%</strong>.'
    >>> means = pd.Series({"Bandi": 9.04, "Quote": 9.02, "Donazioni": float("nan")})
    >>> best(means, 1, "Il migliore{scope} è {name} ({value}).", "I migliori{scope} sono {names} ({value}).",
    ...      scope=" tra quelli mostrati")
    'I migliori tra quelli mostrati sono <strong>Bandi</strong> e <strong>Quote</strong> (<strong>9,0</strong>).'
    >>> best(pd.Series({"a": 0.0, "b": float("nan")}), fmt.pct, "{name}", "{names}") is None
    True
    >>> shares = pd.Series({"associazioni": 0.75, "csv": float("nan"), "altri": 0.0})
    >>> best(shares, fmt.pct, "La più rappresentata{scope} è {name}.", "{names}", scope=" tra quelle mostrate",
    ...      hidden_below=1 - shares.sum())
    'La più rappresentata è <strong>associazioni</strong>.'
    """
    values = _series(values)
    show_text = _shower(show)
    say = say or show_text
    name = name or (lambda key: key)
    shown = values.dropna()
    if shown.empty:
        return None
    hidden = len(shown) < len(values)
    if hidden and hidden_below is not None and not lowest and shown.max() > hidden_below:
        hidden = False  # no hidden value can reach the winner
    where = Safe(scope if hidden else "")

    def filled(template: str, key, value) -> Safe:
        more = extra(key) if extra else {}
        return sentence(template, name=_name(name(key)), value=say(value), scope=where, **{**slots, **more})

    if len(shown) == 1:
        return None if single is None else filled(single, shown.index[0], shown.iloc[0])
    top = values[leaders(values, show, lowest=lowest).to_numpy()]
    if not lowest and show_text(top.iloc[0]) == show_text(0.0):
        return None
    if len(top) == 1:
        return filled(one, top.index[0], top.iloc[0])
    names = _and([_name(name(key)) for key in top.index])
    return sentence(tied, names=names, value=say(top.iloc[0]), scope=where, **slots)


def span(
    values,
    show: _Show,
    template: str,
    *,
    symbol: str = "alfa",
    scopes: Mapping[str, str] = FIELD_SCOPES,
    **slots,
) -> Safe | None:
    """Where a set of values lies: ``alfa tra 0,28 e 0,42 in tutti i campi``, or what is true instead.

    Parameters
    ----------
    values : Series or array-like
        One value per field (or other unit); NaN where it is hidden.
    show : int or callable
        How values are printed (see :func:`leaders`); ends printed alike are one value.
    template : str
        Trusted text with ``{where}`` (where the values hold) and ``{values}`` (the values),
        plus the ``slots``.
    symbol : str
        The name of the statistic, written before the values (trusted text).
    scopes : mapping
        The phrases for ``{where}``: keys ``every``, ``both``, ``one`` (nothing hidden),
        ``shown``, ``both_shown``, ``one_shown`` (some value hidden; ``{n}`` is the number
        shown); default :data:`FIELD_SCOPES`.
    **slots
        Further values for the template.

    Returns
    -------
    Safe or None
        ``{values}`` is ``alfa tra 0,28 e 0,42``, ``alfa 0,39 in ciascuno`` (every value
        printed alike) or ``alfa 0,28`` (one value); ``None`` when no value is shown.

    Examples
    --------
    >>> t = "L'accordo è basso {where} ({values})."
    >>> span([0.28, 0.42, 0.35], 2, t)
    "L'accordo è basso in tutti i campi (alfa tra <strong>0,28</strong> e <strong>0,42</strong>)."
    >>> span([0.2799, float("nan")], 2, t)
    "L'accordo è basso nell'unico campo mostrato (alfa <strong>0,28</strong>)."
    >>> span([0.391, 0.389, float("nan"), float("nan")], 2, t)
    "L'accordo è basso in entrambi i campi mostrati (alfa <strong>0,39</strong> in ciascuno)."
    """
    values = _series(values)
    text = _shower(show)
    shown = values.dropna()
    if shown.empty:
        return None
    hidden = len(shown) < len(values)
    n = len(shown)
    key = "one" if n == 1 else "both" if n == 2 else "shown" if hidden else "every"
    if hidden and key in ("one", "both"):
        key += "_shown"
    where = sentence(scopes[key], n=fmt.integer(n))
    low, high = text(shown.min()), text(shown.max())
    if n == 1:
        clause = sentence(symbol + " {v}", v=low)
    elif low == high:
        clause = sentence(symbol + " {v} in ciascuno", v=low)
    else:
        clause = sentence(symbol + " tra {lo} e {hi}", lo=low, hi=high)
    return sentence(template, where=where, values=clause, **slots)


def difference(
    a,
    b,
    decimals: int,
    *,
    more: str,
    less: str,
    same: str,
    scale: float = 1.0,
    say: Callable[[float], str] | None = None,
    unit: tuple[str, str] | None = None,
    **slots,
) -> Safe | None:
    """``a`` against ``b`` as a reader sees them: higher, lower or equal once printed, and by how much.

    Parameters
    ----------
    a, b : float
        The two values (NaN or None: hidden).
    decimals : int
        Decimals of the printed values, after ``scale``: they are compared, and their gap
        computed, as printed.
    more, less, same : str
        Templates for ``a`` printed above, below and equal to ``b``: ``{a}``, ``{b}``,
        ``{gap}`` (the difference of the printed values, without sign) and the ``slots``.
    scale : float
        Multiplier before printing (``100`` for shares printed as percentages).
    say : callable, optional
        How ``a`` and ``b`` are written (``pct_article``), at the same precision; by default
        the scaled value with ``decimals`` decimals.
    unit : (str, str), optional
        Singular and plural of the gap's unit (``("punto percentuale", "punti percentuali")``):
        ``{gap}`` is then ``1 punto percentuale``, ``15 punti percentuali``.
    **slots
        Further values for the templates.

    Returns
    -------
    Safe or None
        The filled template; ``None`` when either value is hidden.

    Examples
    --------
    >>> t = dict(more="{a} contro {b}: {gap} punti in più.", less="{a} contro {b}: {gap} punti in meno.",
    ...          same="{a}, come atteso.")
    >>> difference(0.4348, 0.5833, 0, scale=100, say=fmt.pct_article, **t)
    '<strong>il 43%</strong> contro <strong>il 58%</strong>: <strong>15</strong> punti in meno.'
    >>> difference(0.804, 0.796, 0, scale=100, say=fmt.pct, **t)
    '<strong>80%</strong>, come atteso.'
    >>> difference(0.1, float("nan"), 0, **t) is None
    True
    >>> difference(0.61, 0.6, 0, scale=100, unit=("punto", "punti"), more="{gap} in più.", less="{gap} in meno.",
    ...            same="Pari.")
    '<strong>1 punto</strong> in più.'
    """
    if any(pd.isna(v) for v in (a, b)):
        return None
    shown_a, shown_b = (Decimal(repr(fmt.rounded(float(v) * scale, decimals))) for v in (a, b))
    gap = shown_a - shown_b
    say = say or (lambda value: fmt.num(float(value) * scale, decimals))
    template = more if gap > 0 else less if gap < 0 else same
    size = fmt.num(float(abs(gap)), decimals)
    if unit is not None:
        size = f"{size} {unit[0] if abs(gap) == 1 else unit[1]}"
    return sentence(template, a=say(a), b=say(b), gap=size, **slots)


def verdict(
    p,
    *,
    significant: str,
    not_significant: str,
    borderline: str | None = None,
    p_decimals: int | None = None,
    level: float = 0.05,
    effect=None,
    effect_decimals: int = 2,
    bands=CRAMER_V_BANDS,
    **slots,
) -> Safe | None:
    """What a test found, with its p-value and effect size printed as precisely as they are known.

    Parameters
    ----------
    p : float
        The p-value (NaN or None: not shown).
    significant, not_significant : str
        Templates for ``p`` below ``level`` and not below it, with the slots ``{p}``
        (``p = 0,031``, ``p < 0,001``), ``{effect}``, ``{strength}`` and the ``slots``.
    borderline : str, optional
        Template for a p-value published already rounded whose true value may lie on
        either side of ``level`` (``0,05`` at two decimals); without it nothing is said.
    p_decimals : int, optional
        The decimals ``p`` was rounded to before publication; ``None`` for an exact
        p-value, printed with three decimals (four or more when three would print the
        level itself, so the verdict and the number agree).
    level : float
        The significance level.
    effect : float, optional
        The effect size (Cramér's V), printed with ``effect_decimals``.
    effect_decimals : int
        Decimals of the effect size: the decimals it was rounded to when published rounded
        (Cramér's V rounded to 0.3 is printed ``0,3``, not ``0,30``).
    bands : sequence of (float, str)
        Upper limits and words for ``{strength}``, read on the effect as printed
        (default :data:`CRAMER_V_BANDS`).
    **slots
        Further values for the templates.

    Returns
    -------
    Safe or None
        The filled template; ``None`` when ``p`` is missing, or borderline without a
        ``borderline`` template.

    Examples
    --------
    >>> t = dict(significant="Associati ({p}; V {effect}, {strength}).", not_significant="Nessun legame ({p}; V {effect}).",
    ...          borderline="Al limite ({p}).")
    >>> verdict(0.0048, effect=0.273, **t)
    'Associati (<strong>p = 0,005</strong>; V <strong>0,27</strong>, <strong>moderata</strong>).'
    >>> verdict(0.0, p_decimals=2, effect=0.5, effect_decimals=1, **t)
    'Associati (<strong>p &lt; 0,01</strong>; V <strong>0,5</strong>, <strong>forte</strong>).'
    >>> verdict(0.19, p_decimals=2, effect=0.5, effect_decimals=1, **t)
    'Nessun legame (<strong>p = 0,19</strong>; V <strong>0,5</strong>).'
    >>> verdict(0.05, p_decimals=2, **t)
    'Al limite (<strong>p = 0,05</strong>).'
    >>> verdict(0.0496, significant="Sotto la soglia ({p}).", not_significant="Sopra la soglia ({p}).")
    'Sotto la soglia (<strong>p = 0,0496</strong>).'
    """
    if p is None or pd.isna(p):
        return None
    p = float(p)
    if p_decimals is None:
        decimals = 3
        while decimals < 6 and p != level and p >= 10.0**-decimals and fmt.num(p, decimals) == fmt.num(level, decimals):
            decimals += 1
        outcome = "significant" if p < level else "not_significant"
    else:
        decimals = p_decimals
        half = 0.5 * 10.0**-decimals
        outcome = "significant" if p + half <= level else "not_significant" if p - half >= level else "borderline"
    template = {"significant": significant, "not_significant": not_significant, "borderline": borderline}[outcome]
    if template is None:
        return None
    strength = "–"
    if effect is not None and not pd.isna(effect):
        printed = fmt.rounded(effect, effect_decimals)
        strength = next(word for limit, word in bands if printed < limit)
    return sentence(
        template,
        p=fmt.p_clause(p, decimals),
        effect=fmt.num(effect, effect_decimals),
        strength=strength,
        **slots,
    )


def count_of(k, total, singular: str, plural: str) -> Safe:
    """How many of a total, for a feminine noun: ``66 caselle su 240``, ``tutte le 240 caselle``.

    Parameters
    ----------
    k : int
        How many (a whole number from 0 to ``total``).
    total : int
        Of how many.
    singular, plural : str
        The feminine noun (``casella``, ``caselle``).

    Returns
    -------
    Safe
        ``nessuna delle 240 caselle`` (after a negation: «non c'è consenso in …»),
        ``1 casella su 240``, ``66 caselle su 240``, ``entrambe le caselle``,
        ``tutte le 240 caselle``, ``l'unica casella``, ``nessuna casella`` (of one).

    Raises
    ------
    ValueError
        When ``k`` is not between 0 and ``total``.

    Examples
    --------
    >>> count_of(66, 240, "casella", "caselle"), count_of(240, 240, "casella", "caselle")
    ('<strong>66</strong> caselle su <strong>240</strong>', 'tutte le <strong>240</strong> caselle')
    >>> count_of(0, 66, "casella", "caselle"), count_of(1, 1, "casella", "caselle")
    ('nessuna delle <strong>66</strong> caselle', "l'unica casella")
    """
    k, total = int(k), int(total)
    if not 0 <= k <= total:
        raise ValueError(f"count_of() needs 0 <= k <= total, got k={k}, total={total}.")
    if total == 1:
        return Safe(f"l'unica {singular}" if k == 1 else f"nessuna {singular}")
    if k == total:
        return (
            Safe(f"entrambe le {plural}") if total == 2 else sentence(f"tutte le {{t}} {plural}", t=fmt.integer(total))
        )
    if k == 0:
        return sentence(f"nessuna delle {{t}} {plural}", t=fmt.integer(total))
    return sentence(f"{{k}} {singular if k == 1 else plural} su {{t}}", k=fmt.integer(k), t=fmt.integer(total))
