"""Consensus of the delegates on a cell: a configurable rule, applied to score histograms.

Two families of rules are in use in Delphi-style panels, and both are offered:

``"percent"`` (the project default, ``config.CONSENSUS_RULE``)
    Percent agreement: consensus when at least ``threshold`` (default 75%) of
    the votes fall in one band of the 1-10 scale: low (1 .. 11 - h),
    middle, or high (h .. 10), with ``h = config.HIGH_SCORE`` (7), so the
    low and high bands are symmetric (1-4 and 7-10) and the middle is 5-6.
    Percent agreement is the most common definition of consensus in Delphi
    studies, and 75% is the median threshold among those that state one
    (Diamond et al. 2014).
``"iqr"``
    Consensus when the interquartile range (numpy's linear quantiles) is at
    most ``threshold`` points (default 2, about a fifth of the 9-point range of
    a 1-10 scale; the usual IQR <= 1 on 5-point scales scaled up).

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

__all__ = ["ConsensusRule", "CONSENSUS_RULES", "resolve_consensus_rule", "consensus"]


@dataclass(frozen=True)
class ConsensusRule:
    """A consensus rule: its ``kind`` (``"percent"`` or ``"iqr"``) and its ``threshold``.

    Parameters
    ----------
    kind : {"percent", "iqr"}
        Percent agreement in one band of the scale, or interquartile range.
    threshold : float
        Smallest share in one band (``percent``, in (0.5, 1]), or largest IQR
        in points (``iqr``, 0 .. 9).

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
) -> np.ndarray:
    """Apply a consensus rule to score histograms.

    Parameters
    ----------
    counts : array_like, shape (..., 10)
        Votes with score 1 .. 10 per cell.
    rule : str or ConsensusRule, default ``config.CONSENSUS_RULE``
        ``"percent"``, ``"iqr"``, or a :class:`ConsensusRule` with its own threshold.
    high_score : int, default ``config.HIGH_SCORE``
        First score of the high band (percent rule); the low band ends at
        ``11 - high_score``.

    Returns
    -------
    ndarray of bool, shape (...)
        ``True`` where the rule finds consensus; ``False`` for empty cells
        (callers blank small cells anyway).

    Notes
    -----
    Percent agreement: ``max(share_low, share_middle, share_high) >= threshold``.
    IQR: ``Q3 - Q1 <= threshold``, quantiles as ``numpy.quantile(method="linear")``.

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
    """
    rule = resolve_consensus_rule(rule)
    counts = np.asarray(counts)
    if counts.shape[-1] != 10:
        raise ValueError(f"counts must have 10 columns (scores 1 to 10), got shape {counts.shape}.")
    if not 6 <= int(high_score) <= 10:
        raise ValueError(
            f"high_score must lie in 6 .. 10 so the low and high bands do not overlap, got {high_score!r}."
        )
    n = counts.sum(axis=-1)
    if rule.kind == "iqr":
        with np.errstate(invalid="ignore"):
            iqr = linear_quantile(counts, 0.75) - linear_quantile(counts, 0.25)
        return (n > 0) & (iqr <= rule.threshold + 1e-12)
    low_end = 11 - int(high_score)  # scores 1 .. low_end
    bands = np.stack(
        [
            counts[..., :low_end].sum(-1),
            counts[..., low_end : high_score - 1].sum(-1),
            counts[..., high_score - 1 :].sum(-1),
        ],
        axis=-1,
    )
    with np.errstate(invalid="ignore", divide="ignore"):
        best = bands.max(axis=-1) / n
    return (n > 0) & (best >= rule.threshold - 1e-12)
