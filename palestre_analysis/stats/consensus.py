"""Consensus of the delegates on a cell: a configurable rule, applied to score histograms.

Two families of rules are in use in Delphi-style panels, and both are offered:

``"percent"`` (the project default, ``config.CONSENSUS_RULE``)
    Percent agreement: consensus when at least ``threshold`` (default 75%) of
    the votes fall in one band of the scale: low (1 .. 11 - h), middle, or
    high (h .. 10) on the default 1-10 scale, with ``h = config.HIGH_SCORE``
    (7), so the low and high bands are symmetric (1-4 and 7-10) and the middle
    is 5-6. On a scale ``low .. high`` the bands are ``low .. low + high - h``,
    the middle, and ``h .. high``, or any three contiguous ``bands`` passed
    explicitly (see :mod:`.scales`).
    Percent agreement is the most common definition of consensus in Delphi
    studies, and 75% is the median threshold among those that state one
    (Diamond et al. 2014).
``"iqr"``
    Consensus when the interquartile range (numpy's linear quantiles) is at
    most ``threshold`` points (default 2, about a fifth of the 9-point range of
    a 1-10 scale; the usual IQR <= 1 on 5-point scales scaled up). The
    threshold is in points of the scale, so a process scoring on 1-5 should
    pass ``ConsensusRule("iqr", 1.0)``: the named rule keeps its 2 points.

Why percent agreement is the default: Birko et al. (2015) simulated Delphi
panels scoring on a 1-10 scale and compared nine consensus indices; the IQR was
the index whose verdict depended most on the panel size (dependency 0.396 over
6-50 experts, the largest of the nine). Our cells range from a handful of
delegates in a province to thousands in the country, so a rule that changes
meaning with ``n`` would make territories incomparable.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from palestre_analysis import config

from ._histograms import linear_quantile
from .scales import DEFAULT_SCALE, Bands, band_cuts, check_counts_width, check_scale, resolve_bands

__all__ = ["ConsensusRule", "CONSENSUS_RULES", "resolve_consensus_rule", "consensus", "apply_consensus"]


@dataclass(frozen=True)
class ConsensusRule:
    """A consensus rule: its ``kind`` (``"percent"`` or ``"iqr"``) and its ``threshold``.

    Parameters
    ----------
    kind : {"percent", "iqr"}
        Percent agreement in one band of the scale, or interquartile range.
    threshold : float
        Smallest share in one band (``percent``, in (0.5, 1]), or largest IQR
        in points (``iqr``, 0 .. 9; :func:`consensus` also asks for at most
        ``high - low`` on its scale).

    Returns
    -------
    ConsensusRule
        A frozen rule to pass as ``consensus_rule``.

    Notes
    -----
    ``"percent"``: ``max band share >= threshold``; ``"iqr"``: ``Q3 - Q1 <= threshold``.

    References
    ----------
    .. [1] Diamond, I. R. et al. (2014). *J Clin Epidemiol* 67(4), 401-409.
    .. [2] Birko, S., Dove, E. S. & Özdemir, V. (2015). *PLoS ONE* 10(8), e0135162.

    Examples
    --------
    >>> ConsensusRule("iqr", 1.0)
    ConsensusRule(kind='iqr', threshold=1.0)
    """

    kind: str
    threshold: float

    def __post_init__(self) -> None:
        if self.kind not in ("percent", "iqr"):
            raise ValueError(f"consensus rule kind must be 'percent' or 'iqr', got {self.kind!r}.")
        if self.kind == "percent" and not 0.5 < self.threshold <= 1:
            raise ValueError(
                f"a percent-agreement threshold must lie in (0.5, 1] so that one band at most can hold it, "
                f"got {self.threshold!r}."
            )
        if self.kind == "iqr" and not 0 <= self.threshold <= 9:
            raise ValueError(f"an IQR threshold must lie in 0 .. 9 points, got {self.threshold!r}.")


#: Named rules, with their default thresholds.
CONSENSUS_RULES = {
    "percent": ConsensusRule("percent", 0.75),
    "iqr": ConsensusRule("iqr", 2.0),
}


def resolve_consensus_rule(rule: str | ConsensusRule) -> ConsensusRule:
    """Turn a rule name or a :class:`ConsensusRule` into a :class:`ConsensusRule`.

    Examples
    --------
    >>> resolve_consensus_rule("percent")
    ConsensusRule(kind='percent', threshold=0.75)
    """
    if isinstance(rule, ConsensusRule):
        return rule
    if isinstance(rule, str) and rule in CONSENSUS_RULES:
        return CONSENSUS_RULES[rule]
    raise ValueError(f"consensus_rule must be one of {sorted(CONSENSUS_RULES)} or a ConsensusRule, got {rule!r}.")


def consensus(
    counts: np.ndarray,
    rule: str | ConsensusRule = config.CONSENSUS_RULE,
    high_score: int = config.HIGH_SCORE,
    *,
    scale: tuple[int, int] = DEFAULT_SCALE,
    bands: Bands | None = None,
) -> np.ndarray:
    """Apply a consensus rule to score histograms.

    Parameters
    ----------
    counts : array_like, shape (..., V)
        Votes with score ``low .. high`` per cell, ``V = high - low + 1``
        columns (scores 1 .. 10 by default).
    rule : str or ConsensusRule, default ``config.CONSENSUS_RULE``
        ``"percent"``, ``"iqr"``, or a :class:`ConsensusRule` with its own threshold.
    high_score : int, default ``config.HIGH_SCORE``
        First score of the high band (percent rule) when ``bands`` is None; the
        low band ends at ``low + high - high_score`` (``11 - high_score`` on
        1 .. 10). It must lie above the middle of the scale (6 .. 10 on 1 .. 10),
        so that the low and high bands do not overlap.
    scale : tuple of (int, int), default (1, 10)
        The lowest and highest score (see :mod:`.scales`).
    bands : three (first, last) pairs, optional
        Explicit low, middle and high bands covering the scale in order
        (e.g. ``((1, 2), (3, 3), (4, 5))`` on 1 .. 5); they replace the bands
        drawn from ``high_score``, which is then not used.

    Returns
    -------
    ndarray of bool, shape (...)
        ``True`` where the rule finds consensus; ``False`` for empty cells
        (callers blank small cells anyway).

    Notes
    -----
    Percent agreement: ``max(share_low, share_middle, share_high) >= threshold``.
    IQR: ``Q3 - Q1 <= threshold``, quantiles as ``numpy.quantile(method="linear")``;
    the threshold must not exceed the range ``high - low`` of the scale.

    References
    ----------
    .. [1] Diamond, I. R. et al. (2014). Defining consensus: a systematic review
       recommends methodologic criteria for reporting of Delphi studies.
       *J Clin Epidemiol* 67(4), 401-409.
    .. [2] Birko, S., Dove, E. S. & Özdemir, V. (2015). Evaluation of nine
       consensus indices in Delphi foresight research and their dependency on
       Delphi survey characteristics. *PLoS ONE* 10(8), e0135162.

    Examples
    --------
    Eight votes ``1 7 7 7 8 9 10 10``: seven of eight (87.5%) are 7-10, so
    percent agreement finds consensus; one dissenting 1 stretches the IQR to
    ``9.25 - 7 = 2.25`` (``numpy.quantile``), so the IQR rule does not.

    >>> h = [[1, 0, 0, 0, 0, 0, 3, 1, 1, 2]]
    >>> consensus(h, "percent"), consensus(h, "iqr")
    (array([ True]), array([False]))

    On a 1-5 scale with the high band 4-5: votes ``2 4 4 5`` are 75% high.

    >>> consensus([[0, 1, 0, 2, 1]], "percent", 4, scale=(1, 5))
    array([ True])
    """
    rule = resolve_consensus_rule(rule)
    scale = check_scale(scale)
    counts = np.asarray(counts)
    check_counts_width(counts, scale)
    resolved = resolve_bands(bands, scale, high_score)
    return apply_consensus(counts, rule, resolved, scale)


def apply_consensus(counts: np.ndarray, rule: ConsensusRule, bands: Bands | None, scale: tuple[int, int]) -> np.ndarray:
    """:func:`consensus` on validated input: ``counts`` fits ``scale``, ``bands`` from :func:`.scales.resolve_bands`.

    ``bands`` is read by the percent rule only (the IQR rule may pass None).

    Examples
    --------
    >>> apply_consensus(np.array([[0, 0, 3, 1, 0]]), resolve_consensus_rule("iqr"), None, (1, 5))
    array([ True])
    """
    n = counts.sum(axis=-1)
    if rule.kind == "iqr":
        if rule.threshold > scale[1] - scale[0]:
            raise ValueError(
                f"an IQR threshold must lie in 0 .. {scale[1] - scale[0]} points on the scale "
                f"{scale[0]} .. {scale[1]}, got {rule.threshold!r}."
            )
        with np.errstate(invalid="ignore"):
            iqr = linear_quantile(counts, 0.75) - linear_quantile(counts, 0.25)
        return (n > 0) & (iqr <= rule.threshold + 1e-12)
    if bands is None:
        raise ValueError("the percent-agreement rule needs the bands of the scale.")
    low_end, high_start = band_cuts(bands, scale)  # columns of the low band: 0 .. low_end - 1
    shares = np.stack(
        [
            counts[..., :low_end].sum(-1),
            counts[..., low_end:high_start].sum(-1),
            counts[..., high_start:].sum(-1),
        ],
        axis=-1,
    )
    with np.errstate(invalid="ignore", divide="ignore"):
        best = shares.max(axis=-1) / n
    return (n > 0) & (best >= rule.threshold - 1e-12)
