"""Problems found in raw data: one sentence each, naming file, line and column.

A :class:`Problem` is what a researcher reads; a :class:`DataError` stops a command
when the input cannot be read at all. Messages are in Italian, the language of the
people who fix the files, and never contain a personal value (names, emails): whoever
builds a :class:`Problem`, its text is passed through
:func:`~palestre_analysis.core.personal.mask_personal`. :func:`summarize` turns
thousands of problems into a few sentences, one per cause.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum
from functools import lru_cache

from palestre_analysis.core.personal import mask_personal

__all__ = [
    "ONLY_THIS_VOTE",
    "Problem",
    "DataError",
    "Severity",
    "ERROR",
    "WARNING",
    "ROW_COLUMNS",
    "count_by_severity",
    "summarize",
]


class Severity(StrEnum):
    """How bad a problem is; the value is the Italian word the user reads.

    Attributes
    ----------
    ERROR : Severity
        ``"errore"``: the row or the file is rejected.
    WARNING : Severity
        ``"avviso"``: kept, but worth a look.

    Examples
    --------
    >>> Severity.ERROR == "errore", Severity("avviso") is WARNING
    (True, True)
    """

    ERROR = "errore"  # the row or the file is rejected
    WARNING = "avviso"  # kept, but worth a look


ERROR = Severity.ERROR
WARNING = Severity.WARNING

#: The columns of ``rejected.csv``, in order: the keys of :meth:`Problem.as_row`.
ROW_COLUMNS = ("file", "line", "column", "reason", "parent")
#: How a reason ends when one vote of a form row is rejected and the row is kept.
ONLY_THIS_VOTE = "(solo questo voto è scartato)"

# File names, column headers and parents repeat across thousands of problems: masked once.
_mask_label = lru_cache(maxsize=4096)(mask_personal)


@dataclass(frozen=True)
class Problem:
    """One problem of one file.

    ``file``, ``column``, ``reason`` and ``parent`` are masked at construction
    (:func:`~palestre_analysis.core.personal.mask_personal`): an e-mail address or a
    phone number typed where a code was expected never reaches a sentence, a
    :class:`DataError` or ``rejected.csv``, whoever built the problem.

    Parameters
    ----------
    file : str
        File name as the user sees it (``enti.csv``).
    line : int or None
        Line of the source file (or row of the sheet), 1-based; ``None`` for the whole file.
    column : str or None
        Column header as written in the file; ``None`` for the whole row or file.
    reason : str
        What is wrong and what was expected, in Italian, without personal values.
    severity : Severity
        :data:`ERROR` (the row or file is rejected) or :data:`WARNING` (kept, but worth a look).
    parent : str or None
        For a row rejected because another row was, a short Italian description of that
        row, such as ``ente «E012» scartato (enti.csv, riga 14)``: :func:`summarize`
        groups dependent rows by it. ``None`` for a problem of its own.

    Examples
    --------
    >>> Problem("presenze.csv", 7, "ente_id", "ente_id «mario.rossi@example.org» sconosciuto").sentence()
    'presenze.csv, riga 7, colonna «ente_id»: ente_id «email nascosta» sconosciuto.'
    """

    file: str
    line: int | None
    column: str | None
    reason: str
    severity: Severity = ERROR
    parent: str | None = None

    def __post_init__(self) -> None:
        for name in ("file", "column", "parent"):
            value = getattr(self, name)
            if isinstance(value, str):
                object.__setattr__(self, name, _mask_label(value))
        if isinstance(self.reason, str):
            object.__setattr__(self, "reason", mask_personal(self.reason))

    def sentence(self) -> str:
        """The problem as one sentence: ``file, riga N, colonna «c»: reason``.

        Line and column are left out when ``None``; the reason ends with exactly one full
        stop; a warning starts with ``avviso – ``.

        Returns
        -------
        str
            The sentence, in Italian.

        Examples
        --------
        >>> Problem("enti.csv", 4, "tipologia", "valore non riconosciuto").sentence()
        'enti.csv, riga 4, colonna «tipologia»: valore non riconosciuto.'
        >>> Problem("presenze.csv", None, None, "nessun file.", WARNING).sentence()
        'avviso – presenze.csv: nessun file.'
        """
        where = [self.file]
        if self.line is not None:
            where.append(f"riga {self.line}")
        if self.column:
            where.append(f"colonna «{self.column}»")
        reason = self.reason.rstrip(".")
        prefix = "" if self.severity == ERROR else "avviso – "
        return f"{prefix}{', '.join(where)}: {reason}."

    def as_row(self) -> dict:
        """The problem as a row of ``rejected.csv``.

        Returns
        -------
        dict
            The :data:`ROW_COLUMNS`: ``file``, ``line``, ``column``, ``reason`` and
            ``parent`` (``None`` for a problem of its own); the severity is dropped: only
            errors are written there.

        Examples
        --------
        >>> Problem("enti.csv", 4, "tipologia", "valore non riconosciuto").as_row()
        {'file': 'enti.csv', 'line': 4, 'column': 'tipologia', 'reason': 'valore non riconosciuto', 'parent': None}
        """
        return {name: getattr(self, name) for name in ROW_COLUMNS}


class DataError(Exception):
    """Raw data that cannot be read at all; ``messages`` holds one sentence per problem.

    Parameters
    ----------
    problems : list of Problem
        Every blocking problem found (they are reported together, not one at a time).

    Attributes
    ----------
    problems : list of Problem
        A copy of ``problems``.
    messages : list of str
        :meth:`Problem.sentence` of each problem; ``str(error)`` joins them with newlines.

    Examples
    --------
    >>> error = DataError([Problem("enti.csv", None, None, "il file è vuoto")])
    >>> error.messages, str(error)
    (['enti.csv: il file è vuoto.'], 'enti.csv: il file è vuoto.')
    """

    def __init__(self, problems: list[Problem]):
        self.problems = list(problems)
        self.messages = [p.sentence() for p in self.problems]
        super().__init__("\n".join(self.messages))


def count_by_severity(problems: list[Problem]) -> dict[str, int]:
    """How many errors and warnings, as the cleaning report records them.

    Parameters
    ----------
    problems : list of Problem
        The problems of a cleaning run, errors and warnings mixed.

    Returns
    -------
    dict
        ``{"errors": n, "warnings": m}``.

    Examples
    --------
    >>> count_by_severity([Problem("a.csv", 1, None, "x"), Problem("a.csv", 2, None, "y", WARNING)])
    {'errors': 1, 'warnings': 1}
    """
    return {
        "errors": sum(p.severity == ERROR for p in problems),
        "warnings": sum(p.severity == WARNING for p in problems),
    }


#: A value quoted in a reason, and what stands for it when the values of a group differ.
_QUOTED = re.compile(r"«[^«»]*»")
_ELIDED = "«…»"


def summarize(problems: list[Problem], *, first: int = 3) -> list[str]:
    """The problems in a few sentences, one per cause, in order of first appearance.

    A bad entity with 500 votes is one sentence, not 500 lines; the full list stays in
    ``rejected.csv``.

    * A problem with a :attr:`~Problem.parent` is grouped with every problem that has the
      same parent (and severity), across files: ``ente «E012» scartato (enti.csv, riga
      14): con esso 37 righe dipendenti scartate (presenze.csv 12, contributi.csv 5,
      valutazioni.csv 20).`` Beyond the first ``first`` parents, the others and their rows
      are counted in one sentence (``altri 15 incontri scartati: con essi 450 righe
      dipendenti scartate (…)``), so that a lost table does not print a line per row.
    * The other problems of a row are grouped by severity, file, column and cause, the
      cause being the reason with every quoted value replaced by ``«…»`` (so ``ente_id
      «E9» sconosciuto`` and ``ente_id «E7» sconosciuto`` are one cause). The sentence
      gives the number of rows, the cause (a quoted value that is the same in all the
      group is kept) and the first ``first`` lines: ``presenze.csv, colonna «ente_id»:
      152 righe scartate – ente_id «…» sconosciuto: non compare nel file enti (righe 4,
      7, 9 e altre 149; l'elenco completo è in rejected.csv).`` Warnings read ``righe con
      avviso`` and start with ``avviso – `` as in :meth:`Problem.sentence`; they are not
      written to ``rejected.csv``, so their sentence does not point there.
    * A group of one problem, a problem of a whole file (no line) and a group whose
      problems all lie on one line (several missing columns of a header) print
      :meth:`Problem.sentence` of each problem, exactly as before.

    Parameters
    ----------
    problems : list of Problem
        The problems of a run, errors and warnings mixed, in the order they were found.
    first : int, default 3
        How many line numbers a grouped sentence lists.

    Returns
    -------
    list of str
        One Italian sentence per group; the count and the lines of a group count distinct
        rows.

    Raises
    ------
    ValueError
        When ``first`` is negative.

    Examples
    --------
    >>> unknown = [Problem("presenze.csv", n, "ente_id", f"ente_id «E{n}» sconosciuto") for n in range(2, 1236)]
    >>> late = [Problem("incontri.csv", n, "data", "data «2019-13-01» impossibile", WARNING) for n in (3, 8)]
    >>> for sentence in summarize([Problem("enti.csv", 4, "tipologia", "valore non riconosciuto"), *unknown, *late]):
    ...     print(sentence)
    enti.csv, riga 4, colonna «tipologia»: valore non riconosciuto.
    presenze.csv, colonna «ente_id»: 1.234 righe scartate – ente_id «…» sconosciuto (righe 2, 3, 4 e altre 1.231; l'elenco completo è in rejected.csv).
    avviso – incontri.csv, colonna «data»: 2 righe con avviso – data «2019-13-01» impossibile (righe 3 e 8).
    >>> parent = "ente «E012» scartato (enti.csv, riga 14)"
    >>> dependents = [Problem(f, n, "ente_id", "ente_id «E012» riferito a un ente scartato", parent=parent)
    ...               for f, n in [("presenze.csv", 5), ("presenze.csv", 9), ("valutazioni.csv", 2)]]
    >>> summarize(dependents)
    ['ente «E012» scartato (enti.csv, riga 14): con esso 3 righe dipendenti scartate (presenze.csv 2, valutazioni.csv 1).']
    """
    if first < 0:
        raise ValueError(f"first must be zero or more, not {first}")
    groups: dict[tuple, list[Problem]] = {}
    for position, problem in enumerate(problems):
        if problem.parent is not None:
            key = ("parent", problem.severity, problem.parent)
        elif problem.line is None:
            key = ("file", position)
        else:
            cause = _QUOTED.sub(_ELIDED, problem.reason.rstrip("."))
            key = ("cause", problem.severity, problem.file, problem.column, cause)
        groups.setdefault(key, []).append(problem)
    sentences: list = []
    parents_shown, overflow = 0, []
    for key, members in groups.items():
        if key[0] == "parent" and parents_shown >= first:
            if not overflow:
                sentences.append(overflow)  # placeholder: the rest of the rejected parents, in one sentence
            overflow.append(members)
        elif len(members) == 1:
            sentences.append(members[0].sentence())
        elif key[0] == "parent":
            parents_shown += 1
            sentences.append(_dependents_sentence(members))
        else:
            sentences.extend(_cause_sentences(members, first))
    return [_more_parents_sentence(s) if s is overflow else s for s in sentences]


#: Plural of the rejected rows that others depend on, as parents name them (``ente «E1» scartato``).
_PARENT_PLURALS = {"ente": "enti", "incontro": "incontri"}


def _more_parents_sentence(groups: list[list[Problem]]) -> str:
    """The rejected parents beyond the first few, with all their dependent rows, in one sentence."""
    kinds = {members[0].parent.split(" ", 1)[0] for members in groups}
    noun = _PARENT_PLURALS.get(kinds.pop(), "righe") if len(kinds) == 1 else "righe"
    rows: dict[str, set] = {}
    for members in groups:
        for position, problem in enumerate(members):
            rows.setdefault(problem.file, set()).add(problem.line if problem.line is not None else position)
    total = sum(len(r) for r in rows.values())
    breakdown = ", ".join(f"{file} {_integer(len(r))}" for file, r in rows.items())
    return (
        f"altri {_integer(len(groups))} {noun} scartati: con essi {_integer(total)} righe dipendenti scartate "
        f"({breakdown}); l'elenco completo è in rejected.csv."
    )


def _cause_sentences(members: list[Problem], first: int) -> list[str]:
    """One sentence for problems of one cause on two rows or more; else each sentence."""
    lines = sorted({p.line for p in members})
    if len(lines) < 2:
        return [p.sentence() for p in members]
    head = members[0]
    error = head.severity == ERROR
    where = head.file + (f", colonna «{head.column}»" if head.column else "")
    noun = "righe scartate" if error else "righe con avviso"
    if error and all(p.reason.rstrip(".").endswith(ONLY_THIS_VOTE) for p in members):
        noun = "voti scartati"  # one grid cell per row: as many votes as rows, and the rows are kept
    reason = _common_reason([p.reason.rstrip(".") for p in members])
    shown = [str(line) for line in lines[:first]]
    if not shown:
        listing = "l'elenco completo è in rejected.csv" if error else ""
    elif len(lines) <= first:
        listing = "righe " + _join(shown)
    else:
        listing = f"righe {', '.join(shown)} e altre {_integer(len(lines) - len(shown))}"
        if error:
            listing += "; l'elenco completo è in rejected.csv"
    prefix = "" if error else "avviso – "
    tail = f" ({listing})" if listing else ""
    return [f"{prefix}{where}: {_integer(len(lines))} {noun} – {reason}{tail}."]


def _dependents_sentence(members: list[Problem]) -> str:
    """One sentence for the rows that follow one rejected row, counted file by file."""
    rows: dict[str, set] = {}
    for position, problem in enumerate(members):
        row = problem.line if problem.line is not None else ("senza riga", position)
        rows.setdefault(problem.file, set()).add(row)
    total = sum(len(r) for r in rows.values())
    error = members[0].severity == ERROR
    if total == 1:
        noun = "riga dipendente scartata" if error else "riga dipendente con avviso"
    else:
        noun = "righe dipendenti scartate" if error else "righe dipendenti con avviso"
    breakdown = ", ".join(f"{file} {_integer(len(r))}" for file, r in rows.items())
    prefix = "" if error else "avviso – "
    return f"{prefix}{members[0].parent.rstrip('.')}: con esso {_integer(total)} {noun} ({breakdown})."


def _common_reason(reasons: list[str]) -> str:
    """The reasons' shared wording: a quoted value the same in all is kept, else ``«…»``.

    Examples
    --------
    >>> _common_reason(["tipologia «Banca» non valida in «E1»", "tipologia «Banca» non valida in «E2»"])
    'tipologia «Banca» non valida in «…»'
    """
    pieces = _QUOTED.split(reasons[0])
    values = [_QUOTED.findall(reason) for reason in reasons]
    kept = [slot[0] if len(set(slot)) == 1 else _ELIDED for slot in zip(*values)]
    out = [pieces[0]]
    for value, piece in zip(kept, pieces[1:]):
        out += [value, piece]
    return "".join(out)


def _join(items: list[str]) -> str:
    """``a, b e c``: an Italian list.

    Examples
    --------
    >>> _join(["4"]), _join(["4", "7"]), _join(["4", "7", "9"])
    ('4', '4 e 7', '4, 7 e 9')
    """
    return items[0] if len(items) == 1 else f"{', '.join(items[:-1])} e {items[-1]}"


def _integer(n: int) -> str:
    """A count the Italian way, thousands with a dot: ``1234`` → ``1.234``.

    The report stage has the full formatter
    (:func:`palestre_analysis.report.formatting.integer`), but ``core`` is the first
    stage and may import nothing after it (``tests/project/test_architecture.py``); a
    message needs only this.

    Examples
    --------
    >>> _integer(7), _integer(1234), _integer(1234567)
    ('7', '1.234', '1.234.567')
    """
    return f"{n:,}".replace(",", ".")
