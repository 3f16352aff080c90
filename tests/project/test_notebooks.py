"""The notebooks say what they do: defaults taken from ``config``, one step per cell, no fact written by hand.

A researcher who runs a notebook by hand must get the same report as the batch, so every
default of the parameters cell is the ``config`` value the batch passes. The cells after
it check the parameters, load the data and show the first section, each on its own, so
that an error points at the step that failed. Markdown holds no fact of the data (how
many meetings, which months, which threshold): those are written by the sections, from
the data and the parameters, and stay true for every territory and every run.
"""

from __future__ import annotations

import ast
import re

import nbformat
import pytest
from papermill.translators import PythonTranslator

from palestre_analysis import config
from palestre_analysis.core.vocabulary import NODES
from palestre_analysis.report.formatting import MONTHS
from palestre_analysis.report.parameters import check_parameters
from tests.project.test_layout import EXPECTED_PARAMETERS, NOTEBOOKS

IDS = [path.stem for path in NOTEBOOKS]


def parameters_of(path) -> dict:
    """Name -> papermill's ``Parameter`` (default as source text, help from the comment)."""
    notebook = nbformat.read(path, as_version=4)
    cell = next(c for c in notebook.cells if "parameters" in c.metadata.get("tags", []))
    return {p.name: p for p in PythonTranslator.inspect(cell)}


def code_cells(path) -> list[str]:
    return [c.source for c in nbformat.read(path, as_version=4).cells if c.cell_type == "code"]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_every_default_is_the_config_value(path):
    parameters = parameters_of(path)
    assert list(parameters) == EXPECTED_PARAMETERS
    defaults = {name: ast.literal_eval(p.default) for name, p in parameters.items()}
    # empty or None: the process's values (the seed's, without a process file)
    assert defaults["territorio"] == "" and defaults["min_cell"] is None and defaults["reference_shares"] is None
    assert defaults["seed"] == config.SEED and defaults["processo"] == ""
    assert defaults["processed_dir"] == "" and defaults["tables_dir"] == "", "empty: the config defaults"
    params = check_parameters(**defaults)
    assert params.processed_dir == config.PROCESSED_DIR and params.tables_dir is None
    assert (params.territorio, params.min_cell) == (params.process.area, params.process.min_cell)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_parameter_help_says_what_the_notebook_accepts(path):
    parameters = parameters_of(path)
    assert f"non meno di {config.MIN_CELL_FLOOR}" in parameters["min_cell"].help
    region_only = any("final.require_region(params)" in source for source in code_cells(path))
    territory = parameters["territorio"].help
    if region_only:
        assert "l'intera area del processo oppure, in un processo nazionale, una sua regione" in territory
    else:
        assert "una provincia o una regione dell'area del processo (nome o sigla)" in territory
    assert "vuoto: l'intera area del processo" in territory or region_only
    uses_shares = any("network.composition" in source or "final.key_findings" in source for source in code_cells(path))
    assert ("non le usa" in parameters["reference_shares"].help) == (not uses_shares)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_check_load_and_first_section_are_separate_cells(path):
    """After the parameters: one cell checks them, one loads the data, one shows the first section."""
    check, load, first, *sections = code_cells(path)[1:]
    for cell in (check, load, first):
        assert cell.startswith("# "), f"{path.name}: a step cell opens with an Italian comment\n{cell}"
    assert "check_parameters(" in check and "show = Shower(params.tables_dir)" in check
    assert "load_processed(" not in check and "show(" not in check
    assert "load_processed(params.processed_dir)" in load and "for_territory(" in load and "show(" not in load
    assert "check_parameters" not in load + first and "load_processed" not in first
    assert "show(title(" in first
    every_step = "\n".join(code_cells(path))
    assert every_step.count("check_parameters(") == 1 and every_step.count("load_processed(") == 1
    for cell in sections:
        assert re.fullmatch(r"show\(\w+\.\w+\([\w, ]*\)\)|show\(privacy_note\(params\)\)", cell.strip()), cell


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_show_is_given_the_tables_folder_once(path):
    """Every ``show(...)`` call has one argument: the folder is the Shower's."""
    for source in code_cells(path)[1:]:
        for node in ast.walk(ast.parse(source)):
            if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "show":
                assert len(node.args) == 1 and not node.keywords, ast.unparse(node)
    assert "params.tables_dir" not in "\n".join(code_cells(path)[2:])


#: Counted things of the data: a number (in digits or words) right before them is a fact written by hand.
_COUNTED = r"(?:incontri|incontro|enti|ente|delegati|delegato|focus group|nodi|territori|contributi|voti|province)"
_NUMBER_WORDS = (
    r"(?:due|tre|quattro|cinque|sei|sette|otto|nove|dieci|undici|dodici|tredici|quattordici|"
    r"quindici|sedici|diciassette|diciotto|diciannove|venti\w*|trenta\w*|cento\w*|mille)"
)


def markdown_of(path) -> list[str]:
    return [c.source for c in nbformat.read(path, as_version=4).cells if c.cell_type == "markdown"]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_markdown_states_no_fact_of_the_data(path):
    for text in markdown_of(path):
        flat = " ".join(text.split())
        counted = re.findall(rf"\b(?:\d[\d.]*|{_NUMBER_WORDS})\s+(?:\w+\s+)?{_COUNTED}\b", flat, re.I)
        assert not counted, f"{path.name}: a count written by hand: {counted}"
        months = [m for m in MONTHS if re.search(rf"\b{m}\b", flat, re.I)]
        assert not months, f"{path.name}: a period written by hand: {months}"
        assert not re.search(r"\b(?:18|19|20)\d\d\s*[–-]\s*(?:18|19|20)\d\d\b", flat), f"{path.name}: a period"
        assert not re.search(r"\bun anno\b|\bl'anno\b", flat, re.I), f"{path.name}: the length of the process"
        assert "salvo diversa scelta" not in flat, f"{path.name}: the threshold is printed by privacy_note"
        assert not any(node in flat for node in NODES), f"{path.name}: the nodes are named by the section"
        # any process: its title, area and groups come from the process file, through the sections
        assert "APS e ODV" not in flat and "Fondazioni, CSV" not in flat, f"{path.name}: the seed's groups by hand"
        assert not re.search(r"lombard|Lombardia|Palestre di capacit", flat), f"{path.name}: the seed's process"


def test_the_guard_sees_the_facts_it_was_written_for():
    """The patterns catch the sentences that used to be in the notebooks."""
    old = [
        "Diciotto incontri a livello regionale e territoriale, organizzati in sei focus group.",
        "soglia di riservatezza (5 delegati, salvo diversa scelta)",
        "ai quattro nodi strategici",
        "con gli enti del Terzo Settore lombardo (settembre 2018 – giugno 2019)",
    ]
    pattern = rf"\b(?:\d[\d.]*|{_NUMBER_WORDS})\s+(?:\w+\s+)?{_COUNTED}\b"
    assert re.search(pattern, old[0], re.I) and re.search(pattern, old[1], re.I) and re.search(pattern, old[2], re.I)
    assert any(re.search(rf"\b{m}\b", old[3]) for m in MONTHS)
    assert not re.search(
        rf"\b(?:\d[\d.]*|{_NUMBER_WORDS})\s+(?:\w+\s+)?{_COUNTED}\b",
        "i delegati di APS e ODV e quelli di fondazioni, CSV e altri enti",
        re.I,
    )


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_territory_reports_end_with_the_threshold_actually_used(path):
    last = code_cells(path)[-1].strip()
    if any("final.methods" in source for source in code_cells(path)):
        # the methods note prints the threshold, and the appendix after it says it again
        # (tests/report/test_appendix.py checks that it does)
        assert code_cells(path)[-2].strip() == "show(final.methods(data, params))"
        assert last == "show(appendix.appendix(data, params))", "the final report ends with the methods appendix"
    else:
        assert last == "show(privacy_note(params))"
