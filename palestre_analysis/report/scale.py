"""The process's score scale and bands, as the statistics take them and as the reports write them.

Every phase-2 section follows the process the processed tables record
(:attr:`~palestre_analysis.ingest.processed.Processed.process`): its scale (1-10 for
*Palestre di capacità*, perhaps 1-5 or 0-10 elsewhere) and its three bands, low,
middle and high. The statistics take the bands as three ``(first, last)`` pairs in
that order (:data:`~palestre_analysis.stats.scales.Bands`); the reports write a band
the Italian way: «7-10», a band of one vote as «3».
"""

from __future__ import annotations

from palestre_analysis.core.process import Process
from palestre_analysis.stats.scales import Bands

__all__ = ["BAND_NAMES", "bands_of", "score_range", "bands_text", "scores_phrase", "scale_range"]

#: The process's band names, in the order the statistics take them: low, middle, high.
BAND_NAMES = ("bassa", "intermedia", "alta")


def bands_of(process: Process) -> Bands:
    """The process's bands as the statistics take them: three ``(first, last)`` pairs, low to high.

    Parameters
    ----------
    process : Process
        The process of the processed tables.

    Returns
    -------
    tuple of three (int, int)
        ``bassa``, ``intermedia`` and ``alta``, in that order.

    Examples
    --------
    >>> from palestre_analysis.core.process import default_bands
    >>> bands_of(Process()), bands_of(Process(scale=(1, 5), bands=default_bands(1, 5)))
    (((1, 4), (5, 6), (7, 10)), ((1, 2), (3, 3), (4, 5)))
    """
    low, middle, high = (tuple(int(v) for v in process.bands[name]) for name in BAND_NAMES)
    return low, middle, high


def score_range(first: int, last: int) -> str:
    """A range of scores as the reports write it: «7-10»; one score alone, «3».

    A range with a negative score is written out («da -2 a -1»): a hyphen between
    two numbers, one of them negative, would read as a subtraction.

    Parameters
    ----------
    first, last : int
        The first and the last score of the range, ``first <= last``.

    Returns
    -------
    str

    Examples
    --------
    >>> score_range(7, 10), score_range(3, 3), score_range(-2, -1), score_range(0, 3)
    ('7-10', '3', 'da -2 a -1', '0-3')
    """
    first, last = int(first), int(last)
    if first == last:
        return str(first)
    if first < 0 or last < 0:
        return f"da {first} a {last}"
    return f"{first}-{last}"


def scale_range(scale: tuple[int, int]) -> str:
    """The whole scale as a range, for labels: «1-10».

    Parameters
    ----------
    scale : tuple of (int, int)
        The lowest and the highest vote.

    Returns
    -------
    str

    Examples
    --------
    >>> scale_range((1, 10)), scale_range((1, 5))
    ('1-10', '1-5')
    """
    return score_range(*scale)


def bands_text(bands: Bands) -> str:
    """The three bands, low to high, as the reports list them: «1-4, 5-6, 7-10».

    Parameters
    ----------
    bands : three (first, last) pairs
        The low, middle and high band (:func:`bands_of`).

    Returns
    -------
    str

    Examples
    --------
    >>> bands_text(((1, 4), (5, 6), (7, 10))), bands_text(((1, 2), (3, 3), (4, 5)))
    ('1-4, 5-6, 7-10', '1-2, 3, 4-5')
    """
    return ", ".join(score_range(first, last) for first, last in bands)


def scores_phrase(first: int, last: int) -> str:
    """A range of scores after «voti»: «da 7 a 10»; one score alone, «pari a 3».

    Parameters
    ----------
    first, last : int
        The first and the last score of the range, ``first <= last``.

    Returns
    -------
    str

    Examples
    --------
    >>> scores_phrase(7, 10), scores_phrase(3, 3)
    ('da 7 a 10', 'pari a 3')
    """
    first, last = int(first), int(last)
    return f"pari a {first}" if first == last else f"da {first} a {last}"
