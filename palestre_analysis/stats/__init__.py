"""Scoring statistics for both phases: a small, validated library that the notebooks call.

Every function takes tidy pandas data and returns tidy pandas data (one row per
result, the ``by`` columns first); ``by`` splits the input into subsets (every
territory at once), and every table applies the same disclosure control
(:mod:`.disclosure`): statistics from fewer than ``min_cell`` delegates are
blanked and flagged.

Modules
-------
composition     shares of categories, Wilson intervals, tests against a frame or the enclosing network, consistency
participation   attendance, newcomers, regulars, Gini, the co-attendance network and its mixing permutation test
contributions   phase 1 contributions by strategic node, permutation test, Cramér's V
resampling      the delegate bootstrap: delegates resampled with all their votes, stratified by group
cells           phase 2 cells (n, mean, median, IQR, Student t CI, consensus); best crossing with its confidence set
consensus       consensus rules (percent agreement, IQR) and r_wg with its delegate-bootstrap interval
reliability     variance components per field, ICC(A,1), ICC(A,k), the D study
groups          the two groups: mixed-model gap per resource, Cliff's delta, per-cell tests with Tarone's screen,
                Fay-Herriot pooling
mixed           the random-intercept linear mixed model by profile REML
territories     territories' levels (deviations from the area's cell means) and their permutation test
adjusted        leniency-adjusted and post-stratified cell means
sensitivity     the headline results under other settings
agreement       Krippendorff's alpha per field with Krippendorff's bootstrap
bootstrap       the exact bootstrap distribution of a mean, from a histogram (kept as the old cell interval, for tests)
distribution    shares of low, middle and high scores per resource
disclosure      the shared suppression rules
votes           the vote table: validation, and building it from the processed tables
"""

from .agreement import agreement, alpha_from_coincidence, coincidence_matrix, krippendorff_bootstrap
from .bootstrap import bootstrap_mean_ci, bootstrap_mean_draws, bootstrap_mean_pmf
from .cells import best_crossing, cell_stats
from .composition import composition, composition_test
from .consensus import CONSENSUS_RULES, ConsensusRule, consensus
from .contributions import contribution_counts, contribution_test
from .disclosure import (
    blank_small_counts,
    check_min_cell,
    protect_complement,
    suppress,
    suppress_counts,
    suppression_mask,
)
from .distribution import resource_summary
from .groups import group_comparison, mann_whitney_from_counts
from .participation import (
    REGULAR_MIN_MEETINGS,
    attendance_by_meeting,
    attendance_distribution,
    band_labels,
    coattendance_graph,
    gini,
    network_summary,
    participation_summary,
)
from .votes import prepare_votes, validate_votes

__all__ = [
    # composition
    "composition",
    "composition_test",
    # participation
    "attendance_by_meeting",
    "attendance_distribution",
    "band_labels",
    "participation_summary",
    "gini",
    "coattendance_graph",
    "network_summary",
    "REGULAR_MIN_MEETINGS",
    # contributions
    "contribution_counts",
    "contribution_test",
    # phase 2
    "prepare_votes",
    "validate_votes",
    "cell_stats",
    "best_crossing",
    "consensus",
    "ConsensusRule",
    "CONSENSUS_RULES",
    "agreement",
    "coincidence_matrix",
    "alpha_from_coincidence",
    "krippendorff_bootstrap",
    "group_comparison",
    "mann_whitney_from_counts",
    "bootstrap_mean_pmf",
    "bootstrap_mean_ci",
    "bootstrap_mean_draws",
    # distribution of scores
    "resource_summary",
    # disclosure
    "check_min_cell",
    "suppress",
    "suppress_counts",
    "suppression_mask",
    "blank_small_counts",
    "protect_complement",
]
