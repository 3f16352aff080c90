"""A report that publishes only a notice explains itself once.

The title line promises statistics on at least ``min_cell`` delegates and the closing note
explains the ``‡`` marks: both are false or empty promises next to "questo rapporto non
mostra alcuna statistica", so a notice-only report shows neither.
"""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from palestre_analysis import config
from palestre_analysis.report.section import Section, Shower, privacy_note, publishes_nothing, title

PARAMS = SimpleNamespace(territorio="Lodi", min_cell=5)


def text_of(section: Section) -> str:
    return " ".join(getattr(item, "data", "") for item in section.items)


@pytest.fixture
def displayed(monkeypatch):
    """What a :class:`Shower` displays, as text."""
    seen: list[str] = []
    monkeypatch.setattr("IPython.display.display", lambda item, **_: seen.append(getattr(item, "data", str(item))))
    return seen


@pytest.mark.parametrize(
    "data",
    [SimpleNamespace(entities=[1, 2]), SimpleNamespace(small=True)],
    ids=["phase 1: fewer entities than min_cell", "phase 2: Scores.small"],
)
def test_a_small_territory_s_title_promises_no_statistic(data):
    section = title("La rete e la partecipazione", PARAMS, data)
    assert publishes_nothing(data, PARAMS) and section.notice_only
    text = text_of(section)
    assert "Lodi" in text and "Sono mostrate solo" not in text and "delegati" not in text


def test_a_territory_that_publishes_keeps_the_threshold_in_its_title():
    data = SimpleNamespace(entities=list(range(config.MIN_CELL)))
    for section in (title("Risorse ed esigenze", PARAMS, data), title("Risorse ed esigenze", PARAMS)):
        assert not section.notice_only
        assert "Sono mostrate solo le statistiche calcolate su almeno <strong>5</strong> delegati" in text_of(section)


def test_the_shower_leaves_the_privacy_note_out_of_a_notice_only_report(displayed):
    show = Shower(None)
    show(title("Risorse ed esigenze", PARAMS, SimpleNamespace(small=True)))
    show(privacy_note(PARAMS))
    assert len(displayed) == 1 and "Nota sulla riservatezza" not in displayed[0]


def test_the_shower_shows_the_privacy_note_of_a_report_with_statistics(displayed):
    show = Shower(None)
    show(title("Risorse ed esigenze", PARAMS, SimpleNamespace(small=False)))
    show(privacy_note(PARAMS))
    assert len(displayed) == 2 and "Nota sulla riservatezza" in displayed[1] and "‡" in displayed[1]


def test_each_report_has_its_own_shower():
    small = Shower(None)
    small(title("Risorse ed esigenze", PARAMS, SimpleNamespace(small=True)))
    assert small.notice_only and not Shower(None).notice_only
