"""Problems found in raw data: one sentence each, naming file, line and column.

A :class:`Problem` is what a researcher reads; a :class:`DataError` stops a command
when the input cannot be read at all. Messages are in Italian, the language of the
people who fix the files, and never contain a personal value (names, emails).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from enum import StrEnum

__all__ = ["Problem", "DataError", "Severity", "ERROR", "WARNING", "count_by_severity"]


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


@dataclass(frozen=True)
class Problem:
    """One problem of one file.

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
    """

    file: str
    line: int | None
    column: str | None
    reason: str
    severity: Severity = ERROR

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
            ``file``, ``line``, ``column`` and ``reason`` (the severity is dropped: only
            errors are written there).

        Examples
        --------
        >>> Problem("enti.csv", 4, "tipologia", "valore non riconosciuto").as_row()
        {'file': 'enti.csv', 'line': 4, 'column': 'tipologia', 'reason': 'valore non riconosciuto'}
        """
        row = asdict(self)
        row.pop("severity")
        return row


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
