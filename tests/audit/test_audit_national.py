"""The attacker on a national batch: every report territory (Italy, each region, each province) is an equation.

The tables are those a batch would publish from the cubes of a hand-made national process
(``national.py``): two regions with their provinces and regional bodies, and national bodies.
Naive suppression (each table on its own) lets the attacker subtract across levels; the
batch-wide protection does not.
"""

from __future__ import annotations

import pytest

from palestre_analysis import config
from palestre_analysis.audit import attack, protection_report
from palestre_analysis.audit.published import batch_process, read_batch
from palestre_analysis.core.geography import bodies_label
from palestre_analysis.stats import linked
from tests.audit.national import PROCESS, REPORTS, national_processed, publish


@pytest.fixture(scope="module")
def protection():
    return linked.batch_protection(national_processed(), 5, config.ATTENDANCE_BANDS)


def test_the_attacker_reads_the_hierarchy_of_a_national_batch(protection, tmp_path):
    reports = publish(protection, tmp_path)
    assert batch_process(reports) == PROCESS, "the manifest records the process"
    facts = read_batch(reports)
    assert facts.geography.national and facts.groups == ["piccoli", "grandi"]
    assert facts.places["Umbria"] == ["Perugia", "Terni", bodies_label("Umbria")]
    assert facts.places["Italia"] == REPORTS["Italia"], "provinces without a report are known to be empty"
    assert facts.places["Macerata"] == ["Macerata"]
    labels = {t.label for t in facts.targets if not t.published_blank}
    assert any(label.startswith("Enti nazionali: ") for label in labels)
    assert any(label.startswith("Enti regionali (Marche): ") for label in labels)


def test_naive_suppression_of_a_national_batch_is_undone_across_levels(protection, tmp_path):
    """Italy minus both regions gives the 3 national bodies; Umbria minus its provinces its 2 bodies."""
    audit = attack(publish(protection, tmp_path, naive=True))
    found = {f.target.label: (f.low, f.high) for f in audit.disclosures}
    assert found.get("Enti nazionali: enti") == (3, 3), protection_report(audit)
    assert found.get("Enti regionali (Umbria): enti") == (2, 2), protection_report(audit)
    assert found.get("Macerata: enti") == (3, 3), protection_report(audit)


def test_the_protected_national_batch_gives_nothing_away(protection, tmp_path, protection_reports):
    audit = attack(publish(protection, tmp_path))
    text = protection_report(audit)
    protection_reports.append(("processo nazionale costruito a mano", text))
    assert audit.findings, "the attacker had hidden counts to attack"
    assert audit.safe, text


def test_the_area_of_a_batch_is_read_from_its_folders(tmp_path):
    for slug in ("italia", "umbria", "perugia"):
        (tmp_path / slug / "tables").mkdir(parents=True)
    assert batch_process(tmp_path).area == "Italia"
    assert batch_process(tmp_path / "perugia").area == config.REGION, "no area folder: the seed's region"
