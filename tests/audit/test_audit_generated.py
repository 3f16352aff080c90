"""The attacker on generated data sets: small territories, small categories, region-wide bodies.

It reads only the CSV tables the real notebooks publish (see ``conftest.publish``) and
must rebuild nothing: no hidden count pinned, no count confined to 1..min_cell-1.
"""

from __future__ import annotations

import pytest

from palestre_analysis import config
from palestre_analysis.audit import attack, protection_report

pytestmark = pytest.mark.slow


def test_the_generated_data_sets_have_what_breaks_naive_suppression(generated_batch):
    data, _ = generated_batch
    counts = data.entities.groupby(["territory", "category"]).size().unstack(fill_value=0)
    small = (counts > 0) & (counts < config.MIN_CELL)
    assert small.to_numpy().sum() >= 5, "categories of one to four entities in several territories"
    sizes = counts.sum(axis=1)
    assert (sizes < config.MIN_CELL).any() and (sizes >= 3 * config.MIN_CELL).any()


def test_the_attacker_rebuilds_nothing_from_a_generated_batch(generated_batch, protection_reports):
    _, reports = generated_batch
    audit = attack(reports)
    text = protection_report(audit)
    protection_reports.append((f"dati generati: {reports.parent.name}", text))
    assert len(audit.findings) > 100, "the attacker found the hidden counts to attack"
    assert audit.safe, text
