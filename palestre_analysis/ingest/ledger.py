"""Accounting of every raw row: kept, rejected, merged as a duplicate, or not scored.

Every row is registered when read and must end in exactly one state, so that
``read = kept + rejected + merged_duplicates + not_scored`` holds for every file by
construction; :meth:`Ledger.accounts` refuses to count a row left undecided.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field

from palestre_analysis.core.problems import ERROR, WARNING, Problem

__all__ = ["Ledger", "FileAccount", "KEPT", "REJECTED", "MERGED", "NOT_SCORED"]

_PENDING, KEPT, REJECTED, MERGED, NOT_SCORED = "pending", "kept", "rejected", "merged_duplicates", "not_scored"


@dataclass
class FileAccount:
    """What happened to the rows of one raw file.

    The counts ``kept``, ``rejected``, ``merged_duplicates`` and ``not_scored`` are
    filled in by :meth:`Ledger.accounts`.

    Parameters
    ----------
    file : str
        File name as the user sees it.
    table : str
        The raw table it belongs to (``enti``, ``presenze``, ...).
    layout : str
        ``"table"``, or ``"long"`` / ``"wide"`` for the votes (one vote per row, or a form
        export with many votes per row).
    sha256 : str
        Hex SHA-256 of the file.
    encoding : str
        ``utf-8``, ``cp1252`` or ``xlsx``.
    read : int, default 0
        Data rows read (ragged rows included, blank lines not).
    kept, rejected, merged_duplicates, not_scored : int, default 0
        Rows in each final state.
    blank_lines : int, default 0
        Blank lines after the header, skipped.
    votes : dict, default {}
        For a form export only: votes read, kept, rejected, merged and not scored (a
        form row holds many votes, so these differ from the row counts).
    how : str, default ""
        How the file was recognised as its table (``dal nome del file``...).
    lines : dict, default {}
        Every physical line of the file (or row of the sheet) by what it is: ``header``,
        ``before_header``, ``blank``, ``directives``, ``rows`` (lines of the records read
        as rows, quoted text spanning lines included) and ``rejected_at_reading``; their
        sum is ``in_file``.
    dont_know : int, default 0
        Answers such as «Non so» (counted as not scored).
    """

    file: str
    table: str
    layout: str
    sha256: str
    encoding: str
    read: int = 0
    kept: int = 0
    rejected: int = 0
    merged_duplicates: int = 0
    not_scored: int = 0
    blank_lines: int = 0
    votes: dict = field(default_factory=dict)
    how: str = ""
    lines: dict = field(default_factory=dict)
    dont_know: int = 0

    def balanced(self) -> bool:
        """Whether ``read = kept + rejected + merged_duplicates + not_scored``.

        Returns
        -------
        bool
            True when every row read is accounted for exactly once.

        Examples
        --------
        >>> FileAccount("enti.csv", "enti", "table", "", "utf-8", read=3, kept=2, rejected=1).balanced()
        True
        """
        return self.read == self.kept + self.rejected + self.merged_duplicates + self.not_scored


class Ledger:
    """Row states and problems of one cleaning run.

    A row is identified by ``(file, line)``; it is registered as pending by
    :meth:`open_file` and must end kept, rejected, merged or not scored. A rejected
    row stays rejected whatever comes later.

    Attributes
    ----------
    problems : list of Problem
        Every error and warning, in the order found.

    Examples
    --------
    >>> ledger = Ledger()
    >>> ledger.open_file(FileAccount("presenze.csv", "presenze", "table", "", "utf-8", read=3), [2, 3, 4])
    >>> ledger.settle("presenze.csv", 2, KEPT)
    >>> ledger.reject("presenze.csv", 3, "ente_id", "ente_id mancante")
    >>> ledger.settle("presenze.csv", 3, KEPT)  # too late: the row is rejected
    >>> ledger.state("presenze.csv", 3)
    'rejected'
    >>> ledger.accounts()
    Traceback (most recent call last):
    ...
    RuntimeError: rows left undecided by the cleaner: [('presenze.csv', 4)]
    >>> ledger.settle("presenze.csv", 4, MERGED)
    >>> [(a.kept, a.rejected, a.merged_duplicates, a.balanced()) for a in ledger.accounts()]
    [(1, 1, 1, True)]
    """

    def __init__(self) -> None:
        self.problems: list[Problem] = []
        self._state: dict[str, dict[int, str]] = defaultdict(dict)  # file -> line -> state
        self._files: dict[str, FileAccount] = {}
        self._votes: dict[str, Counter] = defaultdict(Counter)
        self._dont_know: Counter = Counter()
        #: Personal data removed from free text, by kind (``email``, ``telefono``, ``nome``).
        self.personal_removed: Counter = Counter()

    def open_file(self, account: FileAccount, lines: list[int]) -> None:
        """Register a file and all its data rows as pending.

        Parameters
        ----------
        account : FileAccount
            The file's account; :meth:`accounts` fills in its counts.
        lines : list of int
            Source lines of every data row (ragged ones included).
        """
        self._files[account.file] = account
        self._state[account.file].update(dict.fromkeys(lines, _PENDING))

    def reject(
        self, file: str, line: int | None, column: str | None, reason: str, *, parent: str | None = None
    ) -> None:
        """Record an error; the row, if registered, becomes rejected for good.

        Parameters
        ----------
        file : str
            File name.
        line : int or None
            Source line of the row; ``None`` for the whole file.
        column : str or None
            Column header as written; ``None`` for the whole row.
        reason : str
            What is wrong, in Italian, without personal values.
        parent : str, optional
            The rejected row this one depends on (``ente «E12» scartato (enti.csv, riga
            14)``): messages group dependent rows under it.
        """
        self.problems.append(Problem(file, line, column, reason, ERROR, parent=parent))
        states = self._state.get(file)
        if line is not None and states is not None and line in states:
            states[line] = REJECTED

    def warn(self, file: str, line: int | None, column: str | None, reason: str) -> None:
        """Record a warning; the row's state does not change.

        Parameters
        ----------
        file : str
            File name.
        line : int or None
            Source line of the row; ``None`` for the whole file.
        column : str or None
            Column header as written; ``None`` for the whole row.
        reason : str
            What is worth a look, in Italian, without personal values.
        """
        self.problems.append(Problem(file, line, column, reason, WARNING))

    def settle(self, file: str, line: int, state: str) -> None:
        """Give a row its final state, unless it was already rejected.

        A later call replaces an earlier state other than rejected (a kept vote can
        become merged when a later one replaces it).

        Parameters
        ----------
        file : str
            File name.
        line : int
            Source line of the row.
        state : str
            :data:`KEPT`, :data:`REJECTED`, :data:`MERGED` or :data:`NOT_SCORED`.
        """
        states = self._state[file]
        if states.get(line) != REJECTED:
            states[line] = state

    def state(self, file: str, line: int) -> str:
        """The current state of a row.

        Parameters
        ----------
        file : str
            File name.
        line : int
            Source line of the row.

        Returns
        -------
        str
            ``"pending"`` or one of the final states.

        Raises
        ------
        KeyError
            When the row was never registered with :meth:`open_file`.
        """
        return self._state[file][line]

    def count_votes(self, file: str, state: str, n: int = 1) -> None:
        """Vote-level counts of a form export, whose rows hold many votes.

        Parameters
        ----------
        file : str
            File name.
        state : str
            ``"read"`` or one of the final states.
        n : int, default 1
            Number of votes to add.
        """
        self._votes[file][state] += n

    def count_dont_know(self, file: str, n: int = 1) -> None:
        """Count answers such as «Non so», which are not scored.

        Parameters
        ----------
        file : str
            File name.
        n : int, default 1
            Number of answers to add.
        """
        self._dont_know[file] += n

    def rejected_problems(self) -> list[Problem]:
        """The errors, as written to ``rejected.csv``.

        Returns
        -------
        list of Problem
            The problems of severity :data:`~palestre_analysis.core.problems.ERROR`, in
            the order found (a row may have several).
        """
        return [p for p in self.problems if p.severity == ERROR]

    def accounts(self) -> list[FileAccount]:
        """Per-file counts; raises if a row was never decided (a bug, not bad data).

        Returns
        -------
        list of FileAccount
            The accounts of every file opened, in the order opened, with their counts
            (and vote counts for form exports) filled in.

        Raises
        ------
        RuntimeError
            When a row is still pending (the message lists up to five of them).
        """
        undecided = [(f, line) for f, states in self._state.items() for line, s in states.items() if s == _PENDING]
        if undecided:
            raise RuntimeError(f"rows left undecided by the cleaner: {undecided[:5]}")
        tally: dict[str, Counter] = defaultdict(Counter)
        for file, states in self._state.items():
            tally[file].update(states.values())
        for name, account in self._files.items():
            counts = tally[name]
            account.kept, account.rejected = counts[KEPT], counts[REJECTED]
            account.merged_duplicates, account.not_scored = counts[MERGED], counts[NOT_SCORED]
            account.dont_know = self._dont_know[name]
            if account.layout == "wide":
                account.votes = {k: self._votes[name][k] for k in ("read", KEPT, REJECTED, MERGED, NOT_SCORED)}
        return list(self._files.values())
