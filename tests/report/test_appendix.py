"""The final report's methods appendix: its response sentence is true, its references are the methods' sources."""

from __future__ import annotations

import re

from palestre_analysis.ingest.processed import for_territory
from palestre_analysis.report import appendix, final
from palestre_analysis.report.display import HTML
from palestre_analysis.report.parameters import check_parameters
from palestre_analysis.report.protection import guard


def _text(section) -> str:
    return "\n".join(item.data for item in section.items if isinstance(item, HTML))


def test_the_response_sentence_gives_the_protected_counts(demo_processed):
    params = check_parameters("Lombardia", 5, 1)
    data = for_territory(demo_processed, "Lombardia")
    text = _text(appendix.appendix(data, params))
    voters = guard(data, params).voters().set_index("group")["n_delegates"]["all"]
    found = re.search(r"Hanno votato i delegati di ([\d.]+) enti su ([\d.]+) della rete \((\d+)%\)", text)
    assert found, text
    n_voters, n_entities, share = (int(g.replace(".", "")) for g in found.groups())
    assert n_voters == voters and n_entities == len(data.entities)
    assert share == round(100 * n_voters / n_entities)


def test_a_hidden_count_gives_no_share(demo_processed, monkeypatch):
    params = check_parameters("Lombardia", 5, 1)
    data = for_territory(demo_processed, "Lombardia")
    from palestre_analysis.report import protection

    real = protection.Guard.voters

    def hidden(self):
        table = real(self)
        table["n_delegates"] = float("nan")
        return table

    monkeypatch.setattr(protection.Guard, "voters", hidden)
    text = _text(appendix.appendix(data, params))
    assert "Hanno votato i delegati di" not in text
    assert "la quota di chi ha risposto non si può dare" in text


def test_every_cited_author_is_in_the_references(demo_processed):
    """Every «Author (e Author | e altri) Year» of the methods note and the appendix is in the reference list."""
    params = check_parameters("Lombardia", 5, 1)
    data = for_territory(demo_processed, "Lombardia")
    body, references = _text(appendix.appendix(data, params)).split("<h3>Riferimenti</h3>")
    text = body + _text(final.methods(data, params))
    cited = re.findall(r"([A-Z][A-Za-z]+)(?:,? [A-Z][a-z]+)*(?: e [A-Z][a-z]+| e altri| et al\.)?,? \(?(\d{4})\b", text)
    assert len(cited) >= 30
    missing = {(a, y) for a, y in cited if not any(a in r and f"({y})" in r for r in appendix.REFERENCES)}
    assert not missing
    assert "da 1 a 10" in body
    assert "Nessuna statistica poggia su meno di <strong>5</strong> delegati" in body, "the threshold actually used"
