"""Report sections: escaped text, suppression honoured in what is shown, Italian numbers."""

from __future__ import annotations

import re
from dataclasses import replace

import pandas as pd
import pytest
from matplotlib.figure import Figure

from palestre_analysis import config
from palestre_analysis.ingest.build import clean
from palestre_analysis.ingest.processed import for_territory, load_processed
from palestre_analysis.report import final, network, scores
from palestre_analysis.report.parameters import check_parameters
from palestre_analysis.report.section import figure_bundle, shown_html

HOSTILE_FIELD = '<script>alert("campo")</script>'
HOSTILE_RESOURCE = "<img src=x onerror=alert(2)>"


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    out = tmp_path_factory.mktemp("processed")
    clean(config.RAW_DIR, out)
    return load_processed(out)


@pytest.fixture(scope="module")
def hostile(demo):
    """The demo with a field and a resource named like an attack."""
    votes = demo.votes.replace(
        {"field": {"Cultura e patrimonio": HOSTILE_FIELD}, "resource": {"5 per mille": HOSTILE_RESOURCE}}
    )
    return replace(demo, votes=votes)


def every_section(data, params):
    results = scores.compute(data, params)
    yield from (
        f(data, params)
        for f in (
            network.overview,
            network.composition,
            network.meetings,
            network.participation,
            network.network,
            network.contributions,
        )
    )
    yield from (
        f(results, params)
        for f in (
            scores.overview,
            scores.means,
            scores.best,
            scores.consensus,
            scores.agreement,
            scores.groups,
            scores.distributions,
        )
    )
    if data.territory == config.REGION:
        yield from (f(data, results, params) for f in (final.summary, final.key_findings, final.territories))
        yield final.methods(data, params)


def html_of(section) -> str:
    """The section's text and tables as a report shows them (numbered, references resolved)."""
    return shown_html(section)


def test_free_text_and_labels_are_escaped_everywhere(hostile):
    params = check_parameters("Lombardia", 5, 1)
    text = "\n".join(html_of(s) for s in every_section(hostile, params))
    assert "<script" not in text and "<img" not in text and "onerror=alert(1)>" not in text
    assert "&lt;script&gt;alert(&quot;campo&quot;)&lt;/script&gt;" in text
    assert "&lt;img src=x onerror=alert(1)&gt;" in text, "the demo's hostile contribution is shown, as text"


def test_small_territory_shows_no_statistic_at_all(demo):
    """Lodi has one entity in the demo: even "n = 1" or its list of meetings would name it (review finding).

    Only a notice is shown, and no table is published."""
    params = check_parameters("Lodi", 5, 1)
    data = for_territory(demo, "Lodi")
    assert len(data.entities) < params.min_cell
    sections = list(every_section(data, params))
    assert all(not s.tables for s in sections)
    notices = [html_of(s) for s in sections if s.items]
    assert len(notices) == 2 and all("non mostra alcuna statistica" in n for n in notices)
    assert not any(re.search(r"\b1\b", re.sub(r"<[^>]+>", "", n)) for n in notices)


def test_statistics_from_few_delegates_are_blank_in_every_published_table(demo):
    """Sondrio (2 entities) is notice-only; Cremona (7) publishes tables: check every blanked row."""
    params = check_parameters("Cremona", 5, 1)
    statistics = {
        "share",
        "ci_low",
        "ci_high",
        "mean",
        "median",
        "iqr",
        "share_high",
        "p_best",
        "alpha_interval",
        "u",
        "p",
        "p_bh",
        "cliffs_delta",
        "statistic",
        "p_value",
        "cramers_v",
        "share_low",
        "share_mid",
    }
    for section in every_section(for_territory(demo, "Cremona"), params):
        for name, table in section.tables.items():
            if "suppressed" not in table:
                continue
            hidden = table[table["suppressed"].fillna(False).astype(bool)]
            shown = [c for c in statistics & set(table.columns) if hidden[c].notna().any()]
            assert not shown, f"{name}: a suppressed row shows {shown}"
            if "n_entities" in table:  # entity counts are statistics of their own (cell counts are their base)
                small = table["n_entities"].between(1, params.min_cell - 1)
                assert not small.any(), f"{name}: n_entities shows a count below the threshold"


def test_every_section_of_a_province_renders(demo):
    params = check_parameters("Brescia", 5, 1)
    sections = list(every_section(for_territory(demo, "Brescia"), params))
    figures = [(i, s.findings[i]) for s in sections for i in s.items if isinstance(i, Figure)]
    assert len(figures) >= 8
    for number, (figure, finding) in enumerate(figures, start=1):
        bundle = figure_bundle(figure, number, finding)
        assert bundle["text/plain"].startswith(f"Figura {number}: ") and bundle["text/plain"].endswith(finding)
        assert len(bundle["text/html"]) > 1000 and 'src="data:image/png;base64,' in bundle["text/html"]


def test_numbers_are_written_the_italian_way(demo):
    params = check_parameters("Lombardia", 5, 1)
    results = scores.compute(demo, params)
    text = html_of(network.participation(demo, params)) + html_of(scores.agreement(results, params))
    assert re.search(r"\b0,\d\d\b", text), "decimal comma"
    assert not re.search(r"<td>\d+\.\d+</td>", text), "no decimal point in a table cell"


def test_figures_are_the_same_bytes_every_time(demo):
    params = check_parameters("Lombardia", 5, 1)
    first = [figure_bundle(i)["text/html"] for i in network.composition(demo, params).items if isinstance(i, Figure)]
    again = [figure_bundle(i)["text/html"] for i in network.composition(demo, params).items if isinstance(i, Figure)]
    assert first == again


def test_contract_tables_have_their_columns(demo, tmp_path):
    from palestre_analysis.report.section import show
    from palestre_analysis.report.tables import CONTRACT, GROUP_COUNTS

    params = check_parameters("Lombardia", 5, 1)
    results = scores.compute(demo, params)
    for section in (
        network.composition(demo, params),
        scores.means(results, params),
        scores.best(results, params),
        scores.agreement(results, params),
        scores.groups(results, params),
    ):
        show(section, tmp_path)
    groups = ["n_aps_odv", "n_fondazioni_csv_altri"]  # the n_<group> columns of the seed's process
    for name, columns in CONTRACT.items():
        frame = pd.read_csv(tmp_path / f"{name}.csv")
        expected = [c for column in columns for c in (groups if column == GROUP_COUNTS else [column])]
        assert list(frame.columns) == expected
    cells = pd.read_csv(tmp_path / "cells.csv")
    assert set(cells["group"]) == {"all", "aps_odv", "fondazioni_csv_altri"}
    assert cells.loc[cells["suppressed"], "mean"].isna().all()


def test_final_report_refuses_a_province():
    with pytest.raises(ValueError, match="intera area del processo"):
        final.require_region(check_parameters("Milano", 5, 1))


def test_the_territory_sentence_names_each_choice_once_and_none_is_the_default():
    with pytest.raises(ValueError) as raised:
        check_parameters("Roma", 5, 1)
    message = str(raised.value)
    assert "Roma Capitale (RM) non è in Lombardia, l'area del processo" in message
    assert "(BG BS CO CR LC LO MB MI MN PV SO VA, anche per nome) oppure «Lombardia»" in message
    assert check_parameters("Lombardia", 5, 1, processed_dir=None).processed_dir == config.PROCESSED_DIR


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"territorio": "Roma"}, "Territorio «Roma»: .* non è in Lombardia"),
        ({"territorio": "Atlantide"}, "Territorio «Atlantide»: «Atlantide» non è un territorio riconosciuto"),
        ({"min_cell": 2}, "la soglia minima è 3"),
        ({"min_cell": "5"}, "numero intero"),
        ({"seed": -1}, "intero non negativo"),
        ({"reference_shares": {"associazioni": 0.5}}, "sommano a 0,50"),
        ({"reference_shares": {"banche": 1.0}}, "categorie sconosciute"),
    ],
)
def test_bad_parameters_get_a_sentence(kwargs, message):
    arguments = {"territorio": "Lombardia", "min_cell": 5, "seed": 1, **kwargs}
    with pytest.raises(ValueError, match=message):
        check_parameters(**arguments)


def text_of(section) -> str:
    """What a reader reads: the section's HTML without tags."""
    return re.sub(r"<[^>]+>", "", html_of(section))


def test_shower_writes_every_table_to_its_one_folder(demo, tmp_path):
    from palestre_analysis.report.section import Shower, show

    params = check_parameters("Lombardia", 5, 1, tables_dir=str(tmp_path / "shower"))
    shown = Shower(params.tables_dir)
    shown(network.composition(demo, params))
    show(network.composition(demo, params), tmp_path / "direct")
    written = sorted(p.name for p in (tmp_path / "shower").iterdir())
    assert written == ["composition.csv", "composition_check.csv"], "the seed's own shares: a consistency check"
    assert all((tmp_path / "shower" / n).read_bytes() == (tmp_path / "direct" / n).read_bytes() for n in written)
    Shower(check_parameters("Lombardia", 5, 1).tables_dir)(network.composition(demo, params))  # no folder: no file


@pytest.mark.parametrize("k", [3, 5, 12])
def test_privacy_note_prints_the_threshold_used(k):
    from palestre_analysis.report.section import privacy_note

    text = text_of(privacy_note(check_parameters("Cremona", k, 1)))
    assert f"meno di {k} delegati" in text and "‡" in text
    assert "salvo diversa scelta" not in text and "non mostra alcuna statistica" not in text


def test_meeting_sentences_are_right_for_one_meeting_one_level_one_group(demo):
    params = check_parameters("Cremona", 5, 1)
    data = for_territory(demo, "Cremona")
    full = text_of(network.meetings(data, params))
    levels = data.meetings["level"].value_counts()
    assert f"Gli incontri con enti del territorio di Cremona sono {len(data.meetings)}" in full
    assert all(str(n) in full for n in levels.to_list())

    territorial = data.meetings[data.meetings["level"] == "territoriale"]
    only = replace(
        data,
        meetings=territorial,
        attendance=data.attendance[data.attendance["meeting_id"].isin(territorial["meeting_id"])],
    )
    assert "tutti territoriali" in text_of(network.meetings(only, params))

    busiest = data.attendance["meeting_id"].value_counts().index[0]
    one = replace(
        data,
        meetings=data.meetings[data.meetings["meeting_id"] == busiest],
        attendance=data.attendance[data.attendance["meeting_id"] == busiest],
    )
    group = one.meetings["focus_group"].iloc[0]
    text = text_of(network.meetings(one, params))
    assert (
        f"hanno partecipato a un solo incontro, di livello {one.meetings['level'].iloc[0]}, nel focus group "
        f"{group} (figura 1 e tabella 1)." in text
    )
    assert "1 incontri" not in text
    overview = text_of(network.overview(one, params))
    assert f"a uno solo dei {demo.report['tables']['meetings']} incontri" in overview


def test_the_reference_shares_are_named_for_what_they_are(demo):
    """Issue 11, item 7: the seed's shares are the network's own published composition, so comparing the data
    with them is a consistency check, said as such; shares given as a parameter are tested, and named so."""
    default = text_of(network.composition(demo, check_parameters("Lombardia", 5, 1)))
    assert "Quote pubblicate: documento «Palestre di capacità», sulla stessa rete; il confronto è quindi" in default
    assert "Controllo di coerenza: la rete coincide con le quote pubblicate" in default
    assert "test Monte Carlo" not in default and "si discosta dalle quote" not in default
    shares = {"associazioni": 0.5, "fondazioni_comunita": 0.2, "csv": 0.1, "cooperazione_pa": 0.1, "altri": 0.1}
    params = check_parameters("Lombardia", 5, 1, reference_shares=shares)
    custom = text_of(network.composition(demo, params))
    assert "parametro reference_shares" in custom and "Quote pubblicate" not in custom
    assert "test Monte Carlo sul chi quadrato di Pearson" in custom and "Controllo di coerenza" not in custom
    findings = text_of(final.key_findings(demo, scores.compute(demo, params), params))
    assert "quote del progetto" not in findings and "quote di riferimento scelte per questa relazione" in findings


def test_final_summary_gives_the_period_from_the_data(demo):
    from palestre_analysis.report import formatting as fmt

    params = check_parameters("Lombardia", 5, 1)
    text = text_of(final.summary(demo, scores.compute(demo, params), params))
    period = fmt.period_it(demo.meetings["date"].min(), demo.meetings["date"].max())
    assert f"Gli incontri si sono svolti {period}." in text
    first = demo.meetings.iloc[:1]
    one = replace(demo, meetings=first)
    assert "L'unico incontro si è svolto a " in text_of(final.summary(one, scores.compute(one, params), params))


def test_counts_of_one_take_the_singular(demo):
    """A sentence about one regular entity or one cell says so (no "1 enti", no "1 caselle hanno"), in every
    territory at the lowest threshold allowed, where the counts are smallest."""
    texts = []
    for territory in ("Lodi", "Mantova", "Como", "Pavia"):
        params = check_parameters(territory, config.MIN_CELL_FLOOR, 1)
        texts += [text_of(s) for s in every_section(for_territory(demo, territory), params)]
    text = "\n".join(texts)
    assert "non mostra alcuna statistica" in text and "Gli incontri con enti del territorio di" in text
    assert not re.search(r"(?<![\d.,])1 (?:enti|caselle|incontri|delegati|legami|voti)\b", text)
    assert not re.search(r"(?<![\d.,])1 (?:\w+ )?(?:abituali|nuovi) hanno\b", text)


def test_one_newcomer_is_not_counted(demo):
    """Everyone at the first meeting but one entity, who comes only to the last: "1 ente nuovo" would be a count of
    one, the difference of two shown counts.

    Milano has enough entities that the regulars (all but six) and the others (five at the first meeting only, and
    the newcomer) are both shown."""
    data = for_territory(demo, "Milano")
    meetings = list(data.meetings.sort_values("date")["meeting_id"])
    others = demo.attendance[~demo.attendance["entity_id"].isin(set(data.entities["entity_id"]))]
    ids = list(data.entities["entity_id"])
    regulars, occasional, newcomer = ids[:-6], ids[-6:-1], ids[-1]
    rows = (
        [(m, e) for m in meetings[:-1] for e in regulars]
        + [(meetings[0], e) for e in occasional]
        + [(meetings[-1], newcomer)]
    )
    attendance = pd.DataFrame(rows, columns=["meeting_id", "entity_id"])[list(data.attendance.columns)]
    # the whole region changes with Milano: disclosure control decides from every territory at once
    region = replace(demo, attendance=pd.concat([others, attendance], ignore_index=True))
    milano = for_territory(region, "Milano")
    text = text_of(network.participation(milano, check_parameters("Milano", 5, 1)))
    assert "1 ente nuovo" not in text, "a difference of shown counts below min_cell is a small count too"
    assert "si è aggiunto" not in text


def test_diverging_bars_are_symmetric_around_zero():
    """Half of the middle votes on each side of zero, the low and high shares beyond them."""
    import matplotlib.pyplot as plt

    from palestre_analysis.report import plots

    table = pd.DataFrame(
        {"resource": ["Bandi"], "share_low": [0.2], "share_mid": [0.3], "share_high": [0.5], "suppressed": [False]}
    )
    figure = plots.diverging_bars(table, "Voti")
    spans = sorted(
        (round(min(p.get_x(), p.get_x() + p.get_width()), 6), round(max(p.get_x(), p.get_x() + p.get_width()), 6))
        for p in figure.axes[0].patches
    )
    plt.close(figure)
    assert spans == [(-0.35, -0.15), (-0.15, 0.0), (0.0, 0.15), (0.15, 0.65)]
