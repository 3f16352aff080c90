"""Nothing published names a folder of the machine that ran the batch.

The batch-level test (``test_runner.test_no_published_file_names_a_folder_of_the_machine``)
checks a whole fixture batch; here one report fails inside a library (pandas reading a
missing file), so its error message and traceback name absolute paths of the output
folder and of the project's virtual environment.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import nbformat
import pytest

from palestre_analysis import config
from palestre_analysis.batch.layout import PathScrubber, relative_path, report_paths

FIXTURES = Path(__file__).resolve().parent / "fixtures"


def test_relative_paths_are_relative_to_the_reports_folder():
    assert relative_path("/o/processed", "/o/reports") == "../processed"
    assert relative_path("/o/reports/brescia/tables", "/o/reports") == "brescia/tables"
    assert relative_path("/o/reports", "/o/reports") == "."


def test_the_scrubber_rewrites_every_form_of_the_machine_folders(tmp_path):
    reports = tmp_path / "out" / "reports"
    scrub = PathScrubber(reports, project_root="/srv/progetto")
    text = (
        f"{reports}/brescia/.staging/01/tables/a.csv; {tmp_path}/out/processed/entities.parquet; "
        "/srv/progetto/.venv/lib/python3.11/site-packages/pandas/io/parquet.py; "
        f"{Path.home()}/.cache/x; cwd {reports}"
    )
    assert scrub(text) == (
        "brescia/.staging/01/tables/a.csv; ../processed/entities.parquet; "
        ".venv/lib/python3.11/site-packages/pandas/io/parquet.py; ~/.cache/x; cwd ."
    )
    coloured = "File \x1b[39m\x1b[32m/srv/progetto/palestre_analysis/x.py\x1b[0m:3"  # as IPython colours it
    assert scrub(coloured) == "File \x1b[39m\x1b[32mpalestre_analysis/x.py\x1b[0m:3"
    untouched = "/srv/progettone/a /var/srv/progetto/b https://example.org/srv/progetto/c"
    assert scrub(untouched) == untouched


@pytest.mark.slow
def test_a_failing_report_publishes_its_error_without_the_machine_paths(tmp_path):
    from palestre_analysis.batch.execute import ReportJob, execute_report

    out = tmp_path / "out"
    reports, processed = out / "reports", out / "processed"
    processed.mkdir(parents=True)  # without entities.parquet: pandas fails deep inside its own code
    paths = report_paths(reports, "brescia", "fx_01_profilo")
    job = ReportJob(
        key="brescia/fx_01_profilo",
        territory="Brescia",
        slug="brescia",
        title="Profilo",
        notebook_path=str(FIXTURES / "fx_01_profilo.ipynb"),
        reports_dir=str(reports),
        parameters={"territorio": "Brescia", "processed_dir": str(processed), "tables_dir": str(paths.staging_tables)},
        kernel_name=config.KERNEL_NAME,
    )
    outcome = execute_report(job)
    assert outcome.status == "failed" and "entities.parquet" in outcome.error
    assert "../processed/entities.parquet" in outcome.error, outcome.error

    machine = {str(tmp_path), str(tmp_path.resolve()), str(config.PROJECT_ROOT), str(Path.home()) + os.sep}
    published = {p: p.read_text(encoding="utf-8") for p in reports.rglob("*") if p.is_file()}
    assert set(published) == {paths.html, paths.notebook}
    for path, text in published.items():
        assert not [m for m in machine if m in text], path
    assert not [m for m in machine if m in json.dumps(outcome.__dict__)]

    nb = nbformat.reads(published[paths.notebook], as_version=4)
    traceback = "\n".join(line for c in nb.cells for o in c.get("outputs", []) for line in o.get("traceback", []))
    assert "site-packages" in traceback, "the traceback still says where the failing code is"
    # without published parameters, the machine's folders are rewritten in the recorded ones too
    assert nb.metadata.papermill.parameters["processed_dir"] == "../processed"
    assert nb.metadata.papermill.input_path == "fx_01_profilo.ipynb"
    assert nb.metadata.papermill.output_path == "brescia/fx_01_profilo.ipynb"
