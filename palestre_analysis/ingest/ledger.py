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
    """What happened to the rows of one raw file."""

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

    def balanced(self) -> bool:
        return self.read == self.kept + self.rejected + self.merged_duplicates + self.not_scored


class Ledger:
    """Row states and problems of one cleaning run."""

    def __init__(self) -> None:
        self.problems: list[Problem] = []
        self._state: dict[tuple[str, int], str] = {}
        self._files: dict[str, FileAccount] = {}
        self._votes: dict[str, Counter] = defaultdict(Counter)

    def open_file(self, account: FileAccount, lines: list[int]) -> None:
        """Register a file and all its data rows as pending."""
        self._files[account.file] = account
        for line in lines:
            self._state[(account.file, line)] = _PENDING

    def reject(self, file: str, line: int | None, column: str | None, reason: str) -> None:
        self.problems.append(Problem(file, line, column, reason, ERROR))
        if line is not None and (file, line) in self._state:
            self._state[(file, line)] = REJECTED

    def warn(self, file: str, line: int | None, column: str | None, reason: str) -> None:
        self.problems.append(Problem(file, line, column, reason, WARNING))

    def settle(self, file: str, line: int, state: str) -> None:
        """Give a row its final state, unless it was already rejected."""
        if self._state.get((file, line)) != REJECTED:
            self._state[(file, line)] = state

    def state(self, file: str, line: int) -> str:
        return self._state[(file, line)]

    def count_votes(self, file: str, state: str, n: int = 1) -> None:
        """Vote-level counts of a form export, whose rows hold many votes."""
        self._votes[file][state] += n

    def rejected_problems(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == ERROR]

    def accounts(self) -> list[FileAccount]:
        """Per-file counts; raises if a row was never decided (a bug, not bad data)."""
        undecided = [key for key, state in self._state.items() if state == _PENDING]
        if undecided:
            raise RuntimeError(f"rows left undecided by the cleaner: {undecided[:5]}")
        tally: dict[str, Counter] = defaultdict(Counter)
        for (file, _), state in self._state.items():
            tally[file][state] += 1
        for name, account in self._files.items():
            counts = tally[name]
            account.kept, account.rejected = counts[KEPT], counts[REJECTED]
            account.merged_duplicates, account.not_scored = counts[MERGED], counts[NOT_SCORED]
            if account.layout == "wide":
                account.votes = {k: self._votes[name][k] for k in ("read", KEPT, REJECTED, MERGED, NOT_SCORED)}
        return list(self._files.values())
