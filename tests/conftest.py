"""Shared fixtures: a private copy of the demo raw data, and small raw files written on the fly."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from hypothesis import settings

from palestre_analysis import config

# Property tests draw the same examples on every run (CI must not pass or fail by luck);
# `HYPOTHESIS_PROFILE=explore pytest` draws new random examples to hunt for bugs.
settings.register_profile("repeatable", derandomize=True)
settings.register_profile("explore", derandomize=False)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "repeatable"))


@pytest.fixture
def demo_raw(tmp_path: Path) -> Path:
    """A copy of the committed demo raw folder, safe to modify."""
    target = tmp_path / "raw"
    shutil.copytree(config.RAW_DIR, target)
    return target


@pytest.fixture
def package_copy(tmp_path: Path, monkeypatch) -> Path:
    """A copy of the library's source that the code hashes read instead of the real one.

    Editing a file of the copy is what editing the library would do to the caches, without
    touching the checkout that other tests are running.
    """
    target = tmp_path / "package" / "palestre_analysis"
    shutil.copytree(config.PACKAGE_DIR, target, ignore=shutil.ignore_patterns("__pycache__"))
    monkeypatch.setattr(config, "PACKAGE_DIR", target)
    return target


@pytest.fixture(scope="session")
def demo_processed(tmp_path_factory):
    """The demo raw data cleaned once per session: the processed tables of the whole region."""
    from palestre_analysis.ingest.build import ensure_clean
    from palestre_analysis.ingest.processed import load_processed

    folder = tmp_path_factory.mktemp("demo_processed")
    ensure_clean(config.RAW_DIR, folder)
    return load_processed(folder)


@pytest.fixture(scope="session")
def demo_batch(tmp_path_factory):
    """The real pipeline (``palestre run``) on the demo data, once per session: ``(out, completed process)``.

    Every test that reads the published reports (pages, PDFs, index, accessibility) shares
    this batch; a test that changes the folder must work on a copy.
    """
    import subprocess
    import sys

    out = tmp_path_factory.mktemp("demo_batch")
    result = subprocess.run(
        [sys.executable, "-m", "palestre_analysis", "run", "--out", str(out)],
        capture_output=True,
        text=True,
        timeout=1200,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return out, result


def published_text(path: Path) -> str:
    """What a reader (or a search) finds in a published file: its bytes as text and, for a PDF,
    the text of its pages, its metadata and the addresses of its links (the streams are compressed:
    the raw bytes alone would hide a name)."""
    text = path.read_bytes().decode("utf-8", errors="replace")
    if path.suffix != ".pdf":
        return text
    from pypdf import PdfReader

    reader = PdfReader(path)
    parts = [page.extract_text() or "" for page in reader.pages]
    parts += [str(value) for value in (reader.metadata or {}).values()]
    for page in reader.pages:
        for annotation in page.get("/Annots") or []:
            action = annotation.get_object().get("/A") or {}
            if "/URI" in action:
                parts.append(str(action["/URI"]))
    return text + "\n" + "\n".join(parts)


@pytest.fixture(scope="session")
def read_published():
    """:func:`published_text`, for the tests that search every published file."""
    return published_text


_PROTECTION_REPORTS: list[tuple[str, str]] = []


@pytest.fixture(scope="session")
def protection_reports() -> list:
    """Where attacker tests leave their protection reports: printed at the end of the run."""
    return _PROTECTION_REPORTS


def pytest_terminal_summary(terminalreporter):
    """Print every protection report the attacker tests produced (CI shows them)."""
    for title, text in _PROTECTION_REPORTS:
        terminalreporter.section(f"Rapporto di protezione – {title}")
        terminalreporter.write_line(text)


def append_line(path: Path, line: str) -> None:
    """Add ``line`` at the end of a source file (an edit that changes its hash and nothing else)."""
    with open(path, "a", encoding="utf-8") as handle:
        handle.write(f"\n{line}\n")


@pytest.fixture
def write_raw(tmp_path: Path):
    """Write small raw files: ``write_raw({"enti.csv": "..."})`` returns the folder."""
    folder = tmp_path / "small_raw"

    def write(files: dict[str, str | bytes], *, demo: bool = True) -> Path:
        folder.mkdir(exist_ok=True)
        if demo:
            (folder / config.DEMO_MARKER).write_text("synthetic test data\n", encoding="utf-8")
        for name, content in files.items():
            data = content.encode("utf-8") if isinstance(content, str) else content
            (folder / name).write_bytes(data)
        return folder

    return write


#: A minimal valid raw data set (UTF-8, comma-delimited); tests change one thing at a time.
SMALL = {
    "enti.csv": (
        "ente_id,denominazione,tipologia,territorio,delegato,email\n"
        "E1,Alfa,APS,Milano,Anna Rossi,anna.rossi@example.org\n"
        "E2,Beta,ODV,BG,Marco Bianchi,marco.bianchi@example.org\n"
        "E3,Gamma,Fondazione di comunità,Monza e Brianza,Giulia Verdi,giulia.verdi@example.org\n"
        "E4,Delta,CSV,Lombardia,Luca Neri,luca.neri@example.org\n"
    ),
    "incontri.csv": (
        "incontro_id,data,fase,livello,territorio,focus_group\n"
        "I1,2018-09-20,1,regionale,,FG1\n"
        "I2,14/03/2019,2,territoriale,MI,FG2\n"
    ),
    "presenze.csv": "incontro_id,ente_id\nI1,E1\nI1,E2\nI2,E1\nI2,E3\n",
    "contributi.csv": "incontro_id,ente_id,nodo,testo\nI1,E1,Reti comunitarie,Serve una rete\nI1,E2,Strumentazione,\n",
    "valutazioni.csv": (
        "ente_id,campo,risorsa,esigenza,voto\n"
        "E1,Cultura,Bandi,Sedi,7\n"
        "E2,Cultura,Bandi,Sedi,8\n"
        "E3,Cultura,Bandi,Sedi,5\n"
    ),
}


@pytest.fixture
def small_raw(write_raw):
    """Write SMALL with some files replaced: ``small_raw(**{"enti.csv": text})``."""

    def write(files: dict[str, str | bytes] | None = None, *, demo: bool = True, drop: tuple[str, ...] = ()):
        content = {**SMALL, **(files or {})}
        for name in drop:
            content.pop(name)
        return write_raw(content, demo=demo)

    return write
