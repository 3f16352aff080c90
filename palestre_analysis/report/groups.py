"""How the reports name the two groups of a process in a sentence.

A process file gives each group a label (``Delegati APS e ODV``), which tables use as a
column header. Sentences need the group after "i delegati …": the seed's groups keep
their usual phrases ("di APS e ODV"); any other group is named by its label, in
guillemets ("del gruppo «Enti grandi»"), which reads right whatever the label says.
"""

from __future__ import annotations

from palestre_analysis.core.process import Group, Process

__all__ = ["phrase", "phrases", "keys"]

#: The seed's groups (key, label) and how a sentence names their delegates.
_SEED_PHRASES = {
    ("aps_odv", "Delegati APS e ODV"): "di APS e ODV",
    ("fondazioni_csv_altri", "Delegati Fondazioni, CSV e altri enti"): "di fondazioni, CSV e altri enti",
}


def phrase(group: Group) -> str:
    """What follows "i delegati" for a group: "di APS e ODV", "del gruppo «Enti grandi»".

    Parameters
    ----------
    group : Group

    Returns
    -------
    str

    Examples
    --------
    >>> [phrase(g) for g in Process().groups]
    ['di APS e ODV', 'di fondazioni, CSV e altri enti']
    >>> phrase(Group("grandi", "Enti grandi", ("*",)))
    'del gruppo «Enti grandi»'
    """
    return _SEED_PHRASES.get((group.key, group.label), f"del gruppo «{group.label}»")


def phrases(process: Process) -> dict[str, str]:
    """Each group key of the process → :func:`phrase`, in the process's order.

    Parameters
    ----------
    process : Process

    Returns
    -------
    dict of str to str
    """
    return {group.key: phrase(group) for group in process.groups}


def keys(process: Process) -> tuple[str, str]:
    """The two group keys, first and second (differences are first minus second).

    Parameters
    ----------
    process : Process

    Returns
    -------
    tuple of (str, str)
    """
    first, second = (group.key for group in process.groups)
    return first, second
