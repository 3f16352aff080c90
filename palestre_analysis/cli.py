"""The ``palestre`` command line (also ``python -m palestre_analysis``).

Sub-commands import what they need when they run, so that ``--help`` and a batch run
with nothing to do answer at once.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from palestre_analysis.ingest.processed import REJECTED_NAME, REPORT_NAME, table_file
from palestre_analysis.report.formatting import integer, plural

from . import config

__all__ = ["main", "build_parser", "describe_cleaning"]


def build_parser() -> argparse.ArgumentParser:
    """The ``palestre`` argument parser, with its sub-commands and their Italian help.

    The sub-commands are ``validate``, ``clean``, ``demo``, ``run``, ``audit`` and ``keygen``; each
    sets ``handler``, the function :func:`main` calls with the parsed arguments.

    Returns
    -------
    argparse.ArgumentParser
        A new parser; a sub-command is required.

    Examples
    --------
    >>> args = build_parser().parse_args(["run", "--territory", "BS", "Milano", "--jobs", "2"])
    >>> args.command, args.territory, args.jobs, args.force, args.raw
    ('run', ['BS', 'Milano'], 2, False, None)
    >>> build_parser().parse_args(["demo"]).seed == config.SEED
    True
    """
    parser = argparse.ArgumentParser(
        prog="palestre",
        description="Analisi riproducibile dei processi partecipativi del Terzo Settore (Palestre di capacità).",
    )
    commands = parser.add_subparsers(dest="command", metavar="COMANDO", required=True)

    validate = commands.add_parser(
        "validate",
        help="controlla i dati grezzi e elenca ogni problema",
        description="Controlla i file grezzi (enti, incontri, presenze, contributi, "
        "valutazioni) e riporta ogni problema con file, riga e colonna. "
        "Non scrive nulla. Esce con 1 se ci sono errori.",
    )
    _add_raw(validate)
    validate.set_defaults(handler=_validate)

    clean = commands.add_parser(
        "clean",
        help="pulisce i dati grezzi e scrive le tabelle elaborate",
        description="Pulisce i dati grezzi e scrive le tabelle in data/processed/ "
        f"(o OUT/processed/): parquet, {REJECTED_NAME}, {REPORT_NAME}.",
    )
    _add_raw(clean)
    _add_out(clean)
    clean.set_defaults(handler=_clean)

    demo = commands.add_parser(
        "demo",
        help="scrive il data set dimostrativo sintetico",
        description="Scrive il data set sintetico calibrato su «Palestre di capacità» (Lombardia), oppure un "
        "processo nazionale sintetico con processo.toml (--process national). Stesso seme, stessi byte.",
    )
    demo.add_argument("--seed", type=int, default=config.SEED, help=f"seme casuale (predefinito {config.SEED})")
    demo.add_argument(
        "--out",
        type=Path,
        default=None,
        help="cartella di destinazione (predefinita data/raw, solo se vuota o già dimostrativa; "
        "obbligatoria con --process national)",
    )
    demo.add_argument(
        "--process",
        choices=_DEMO_PROCESSES,
        default=_DEMO_PROCESSES[0],
        help="lombardia: Palestre di capacità, 95 enti (predefinito); national: ogni regione e provincia "
        "italiana, migliaia di enti, voti da 1 a 5",
    )
    demo.add_argument(
        "--regioni",
        default=None,
        metavar="R1,R2",
        help="solo con --process national: le regioni da tenere, separate da virgole (per esempio Veneto,Sardegna)",
    )
    demo.set_defaults(handler=_demo)

    run = commands.add_parser(
        "run",
        help="esegue i notebook per ogni territorio e produce i rapporti HTML",
        description="Valida e pulisce i dati (se cambiati), esegue i notebook per ogni "
        "territorio in parallelo ed esporta i rapporti HTML in reports/.",
    )
    run.add_argument(
        "--territory",
        nargs="+",
        default=["all"],
        metavar="T",
        help="territori da elaborare (nomi o sigle), oppure «all» (predefinito)",
    )
    run.add_argument("--jobs", type=int, default=None, help="processi in parallelo (predefinito: i core)")
    _add_raw(run)
    _add_out(run)
    run.add_argument("--force", action="store_true", help="riesegue tutto, anche i rapporti già aggiornati")
    run.set_defaults(handler=_run)

    audit = commands.add_parser(
        "audit",
        help="prova a ricostruire i conteggi nascosti dai rapporti pubblicati",
        description="Legge soltanto i file pubblicati di un batch (le tabelle CSV di ogni territorio e il "
        "manifest) e cerca, con programmi lineari interi e enumerazioni, di ricostruire i conteggi nascosti. "
        "Stampa il rapporto di protezione; esce con 1 se qualcosa è ricostruibile.",
    )
    _add_out(audit)
    audit.add_argument(
        "--min-cell", type=int, default=None, help="soglia da verificare (predefinita: quella del manifest)"
    )
    audit.set_defaults(handler=_audit)

    keygen = commands.add_parser(
        "keygen",
        help="crea la chiave segreta di pseudonimizzazione",
        description="Crea una chiave casuale per pseudonimizzare nomi ed email dei "
        f"delegati, in {config.DEFAULT_KEY_FILE} (fuori dal repository).",
    )
    keygen.add_argument("--path", type=Path, default=None, help="dove salvare la chiave")
    keygen.set_defaults(handler=_keygen)
    return parser


def _add_raw(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--raw", type=Path, default=None, metavar="DIR", help="cartella dei dati grezzi (predefinita data/raw)"
    )


def _add_out(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--out",
        type=Path,
        default=None,
        metavar="DIR",
        help="cartella di uscita: scrive DIR/processed e DIR/reports (predefinite quelle del progetto)",
    )


def main(argv: list[str] | None = None) -> int:
    """Run one ``palestre`` command and return its exit status.

    Problems of the raw data (:class:`~palestre_analysis.core.problems.DataError`) are
    printed to standard error, one sentence per line, instead of a traceback.

    Parameters
    ----------
    argv : list of str, optional
        The arguments after the program name; default ``sys.argv[1:]``.

    Returns
    -------
    int
        0 on success; 1 when the data have errors (``validate``), cannot be read, or a
        command refuses to overwrite something (``demo``, ``keygen``); 130 when
        interrupted with Ctrl-C; ``run`` returns the exit code of its batch.

    Raises
    ------
    SystemExit
        From :mod:`argparse`, for ``--help`` (status 0) or invalid arguments (status 2).

    Examples
    --------
    A raw folder without ``enti``: the sentence goes to standard error, the count to
    standard output.

    >>> import tempfile
    >>> main(["validate", "--raw", tempfile.mkdtemp()])
    1 errore, 0 avvisi.
    1
    """
    args = build_parser().parse_args(argv)
    from palestre_analysis.core.problems import DataError, summarize

    try:
        return args.handler(args)
    except DataError as exc:
        for message in summarize(exc.problems):
            print(message, file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("Interrotto.", file=sys.stderr)
        return 130


def _validate(args) -> int:
    from palestre_analysis.core.problems import summarize
    from palestre_analysis.ingest.validate import validate

    result = validate(args.raw)
    _print_files(result.report)
    for message in summarize(result.warnings):
        print(message)
    for message in summarize(result.errors):
        print(message, file=sys.stderr)
    totals = result.report.get("totals")
    if totals:
        print(_totals_sentence(totals))
    print(f"{plural(len(result.errors), 'errore', 'errori')}, {plural(len(result.warnings), 'avviso', 'avvisi')}.")
    return 0 if result.ok else 1


def _clean(args) -> int:
    from palestre_analysis.core.problems import summarize
    from palestre_analysis.ingest.build import clean

    result = clean(args.raw, config.processed_dir_for(args.out))
    _print_files(result.report)
    for message in summarize(result.problems):
        print(message)
    print(describe_cleaning(result))
    return 0


def _print_files(report: dict) -> None:
    """Every file of the raw folder: the table it was read as, or why it was not read."""
    entries = report.get("raw_files")
    if not entries:
        return
    from palestre_analysis.ingest.inventory import Entry

    print("File della cartella dei dati:")
    for entry in entries:
        print("  " + Entry(**entry).sentence())


def _totals_sentence(totals: dict) -> str:
    """The cleaning's line account in one sentence, numbers the Italian way."""
    return (
        f"Righe lette {integer(totals['read'])}: tenute {integer(totals['kept'])}, "
        f"scartate {integer(totals['rejected'])}, duplicati uniti {integer(totals['merged_duplicates'])}, "
        f"non valutate {integer(totals['not_scored'])}"
        + (f" (di cui «non so» {integer(totals['dont_know'])})" if totals.get("dont_know") else "")
        + "."
    )


def describe_cleaning(result) -> str:
    """A few plain lines on what the cleaning wrote and rejected.

    Parameters
    ----------
    result : CleaningResult
        What :func:`~palestre_analysis.ingest.build.clean` returned; its report needs
        ``tables`` and ``totals``.

    Returns
    -------
    str
        Two or three lines in Italian (the third, pointing to ``rejected.csv``, only when
        rows were rejected), without a final newline.

    Examples
    --------
    >>> from palestre_analysis.ingest.build import CleaningResult
    >>> totals = {"read": 3, "kept": 2, "rejected": 1, "merged_duplicates": 0, "not_scored": 0}
    >>> report = {"tables": {"entities": 2, "votes": 0}, "totals": totals}
    >>> print(describe_cleaning(CleaningResult(report, Path("out/processed"), cleaned=True)))
    Tabelle scritte in out/processed: entities.parquet (2 righe), votes.parquet (0 righe).
    Righe lette 3: tenute 2, scartate 1, duplicati uniti 0, non valutate 0.
    Le righe scartate e il motivo sono in out/processed/rejected.csv.
    """
    from palestre_analysis.core.personal import REMOVED_MARKER

    tables = ", ".join(
        f"{table_file(name)} ({plural(n, 'riga', 'righe')})" for name, n in result.report["tables"].items()
    )
    lines = [f"Tabelle scritte in {result.processed_dir}: {tables}.", _totals_sentence(result.report["totals"])]
    removed = result.report.get("personal_data_removed") or {}
    if any(removed.values()):
        kinds = [("email", "email", "email"), ("telefono", "numero di telefono", "numeri di telefono")]
        parts = [plural(removed[k], one, many) for k, one, many in [*kinds, ("nome", "nome", "nomi")] if removed.get(k)]
        lines.append(f"Tolti dai testi dei contributi: {', '.join(parts)} (al loro posto «{REMOVED_MARKER}»).")
    if result.n_rejected:
        lines.append(f"Le righe scartate e il motivo sono in {result.rejected_path}.")
    return "\n".join(lines)


#: The demo processes of ``palestre demo --process``, the default first.
_DEMO_PROCESSES = ("lombardia", "national")
#: Files a demo may write besides its tables; removed from a demo folder when the new demo does not write them.
_DEMO_ONLY_FILES = ("processo.toml",)


def _demo(args) -> int:
    folder = Path(args.out or config.RAW_DIR)
    national = args.process == "national"
    if args.regioni is not None and not national:
        print("--regioni vale solo con --process national.", file=sys.stderr)
        return 1
    if national and args.out is None:
        print(
            "Il processo nazionale non si scrive in data/raw, che tiene il data set dimostrativo lombardo: "
            "indicare una cartella con --out.",
            file=sys.stderr,
        )
        return 1
    was_demo = (folder / config.DEMO_MARKER).is_file()
    if folder.is_dir() and any(folder.iterdir()) and not was_demo:
        print(
            f"{folder} contiene già dati non dimostrativi: non li sovrascrivo. Indicare un'altra cartella con --out.",
            file=sys.stderr,
        )
        return 1
    if national:
        from palestre_analysis.ingest.demo_national import select_regions, write_national_demo

        try:
            regions = select_regions(args.regioni.split(",") if args.regioni else None)
        except ValueError as exc:
            print(str(exc), file=sys.stderr)
            return 1
        summary = write_national_demo(folder, seed=args.seed, regions=[r.code for r in regions])
    else:
        from palestre_analysis.ingest.demo import write_demo

        summary = write_demo(folder, seed=args.seed)
    for name in _DEMO_ONLY_FILES:  # a previous demo's process file would describe another process
        if was_demo and name not in summary.files and (folder / name).is_file():
            (folder / name).unlink()
    voters = "; ".join(f"{summary.group_labels[group].lower()}: {integer(n)}" for group, n in summary.n_voters.items())
    print(
        f"Dati sintetici scritti in {summary.folder}: {', '.join(summary.files)} "
        f"({plural(summary.n_entities, 'ente', 'enti')}, {plural(summary.n_meetings, 'incontro', 'incontri')}; "
        f"hanno votato {voters})."
    )
    return 0


def _run(args) -> int:
    from palestre_analysis.batch.runner import format_summary, run_batch

    result = run_batch(territories=args.territory, jobs=args.jobs, raw_dir=args.raw, out_dir=args.out, force=args.force)
    print(format_summary(result))
    return result.exit_code


def _audit(args) -> int:
    from palestre_analysis.audit import attack, protection_report

    reports = config.reports_dir_for(args.out)
    if not (reports / "manifest.json").is_file():
        print(f"Nessun batch in {reports}: eseguire prima «palestre run».", file=sys.stderr)
        return 1
    audit = attack(reports, args.min_cell)
    print(protection_report(audit))
    return 0 if audit.safe else 1


def _keygen(args) -> int:
    from palestre_analysis.ingest.pseudonyms import write_new_key

    try:
        path = write_new_key(args.path)
    except FileExistsError as exc:
        print(str(exc), file=sys.stderr)
        return 1
    print(
        f"Chiave creata in {path}. Conservarla fuori dal repository: senza di essa gli pseudonimi non "
        "si possono ricalcolare."
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
