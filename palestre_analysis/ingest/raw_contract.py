"""The raw-data contract: which columns each table has, and how headers may be spelled.

Headers match case-, accent- and space-insensitively (see
:func:`palestre_analysis.core.vocabulary.normalize_label`), and a few usual synonyms are
accepted ("Codice ente" for ``ente_id``). The data dictionary in ``docs/`` describes
the same contract for people.
"""

from __future__ import annotations

from dataclasses import dataclass

from palestre_analysis.core.problems import WARNING, Problem
from palestre_analysis.core.vocabulary import normalize_label
from palestre_analysis.ingest.reading import RawTable

__all__ = ["TABLE_NAMES", "TableSpec", "SPECS", "ColumnMap", "map_columns"]

#: The raw tables, in the order they are cleaned (each refers only to earlier ones).
TABLE_NAMES = ("enti", "incontri", "presenze", "contributi", "valutazioni")


@dataclass(frozen=True)
class TableSpec:
    """Columns of one raw table: canonical name -> accepted header spellings.

    Parameters
    ----------
    name : str
        The raw table (one of :data:`TABLE_NAMES`).
    required : dict of str to tuple of str
        Columns every file must have: canonical name → other accepted spellings.
    optional : dict of str to tuple of str
        Columns a file may have, likewise.
    personal : tuple of str, default ()
        Canonical names of the columns holding personal data (read only to be
        pseudonymised).
    """

    name: str
    required: dict[str, tuple[str, ...]]
    optional: dict[str, tuple[str, ...]]
    personal: tuple[str, ...] = ()

    def aliases(self) -> dict[str, str]:
        """Normalised header spelling -> canonical column name.

        Returns
        -------
        dict of str to str
            Every spelling of every column (the canonical name included), folded with
            :func:`~palestre_analysis.core.vocabulary.normalize_label`. A spelling given
            for two columns maps to the one listed last.

        Examples
        --------
        >>> SPECS["presenze"].aliases()["codice ente"]
        'ente_id'
        """
        lookup = {}
        for canonical, spellings in {**self.required, **self.optional}.items():
            for spelling in (canonical, *spellings):
                lookup[normalize_label(spelling)] = canonical
        return lookup


SPECS = {
    "enti": TableSpec(
        "enti",
        required={
            "ente_id": ("id ente", "codice ente", "codice", "id"),
            "denominazione": ("nome ente", "ente", "ragione sociale", "nome dell ente"),
            "tipologia": ("tipo", "tipo ente", "tipologia ente", "forma giuridica"),
            "territorio": ("provincia", "territorio di riferimento", "ambito territoriale"),
        },
        optional={
            "delegato": ("delegata", "nome delegato", "delegato a", "nome e cognome", "referente"),
            "email": ("e mail", "mail", "indirizzo email", "indirizzo e mail", "email delegato", "posta elettronica"),
        },
        personal=("delegato", "email"),
    ),
    "incontri": TableSpec(
        "incontri",
        required={
            "incontro_id": ("id incontro", "codice incontro", "incontro", "id"),
            "data": ("data incontro", "giorno"),
            "fase": ("fase progetto",),
            "livello": ("tipo incontro", "livello incontro"),
        },
        optional={
            "territorio": ("provincia", "sede"),
            "focus_group": ("focus", "gruppo", "focus group"),
        },
    ),
    "presenze": TableSpec(
        "presenze",
        required={
            "incontro_id": ("id incontro", "codice incontro", "incontro"),
            "ente_id": ("id ente", "codice ente", "ente"),
        },
        optional={},
    ),
    "contributi": TableSpec(
        "contributi",
        required={
            "incontro_id": ("id incontro", "codice incontro", "incontro"),
            "ente_id": ("id ente", "codice ente", "ente"),
            "nodo": ("nodo strategico", "tema", "nodo tematico"),
        },
        optional={"testo": ("contributo", "testo contributo", "descrizione", "note")},
    ),
    "valutazioni": TableSpec(
        "valutazioni",
        required={
            "ente_id": ("id ente", "codice ente", "ente"),
            "campo": ("campo di attivita", "settore", "ambito"),
            "risorsa": ("fonte", "fonte di risorse", "fonte delle risorse"),
            "esigenza": ("bisogno", "necessita"),
            "voto": ("punteggio", "valutazione"),
        },
        optional={},
    ),
}


@dataclass
class ColumnMap:
    """Where each canonical column sits in a raw table, and its header as written.

    Parameters
    ----------
    index : dict of str to int
        Canonical name → 0-based column position, for the columns found.
    header : dict of str to str
        Canonical name → header as written in the file (for messages).
    unknown : list of int
        Positions of the columns that match no canonical name (headerless ones included).
    """

    index: dict[str, int]
    header: dict[str, str]
    unknown: list[int]

    def value(self, row: list[str], column: str) -> str:
        """The text of ``column`` in ``row``, or ``""`` when the file lacks that column.

        Parameters
        ----------
        row : list of str
            One row of the raw table.
        column : str
            A canonical column name.

        Returns
        -------
        str
            The cell's text.

        Examples
        --------
        >>> columns = ColumnMap({"ente_id": 1}, {"ente_id": "Codice ente"}, [0])
        >>> columns.value(["x", "E1"], "ente_id"), columns.value(["x", "E1"], "testo")
        ('E1', '')
        """
        position = self.index.get(column)
        return "" if position is None else row[position]


def map_columns(table: RawTable, spec: TableSpec, *, allow_unknown: bool = True) -> tuple[ColumnMap, list[Problem]]:
    """Match a table's headers to the spec; problems for missing or doubled columns.

    A missing required column is an error of the whole file; an unknown column is a
    warning (it is ignored, and never copied to processed data).

    Parameters
    ----------
    table : RawTable
        The raw file, read.
    spec : TableSpec
        The contract of its table (an entry of :data:`SPECS`).
    allow_unknown : bool, default True
        Whether to warn about unknown columns. With False they are still ignored (and
        listed in ``unknown``), just without a warning: no column is ever refused.

    Returns
    -------
    columns : ColumnMap
        Where each column found sits; a doubled column keeps its first position.
    problems : list of Problem
        Errors (a missing required column, a column given twice) and warnings (an
        unknown column), all on the header line.

    Examples
    --------
    >>> from pathlib import Path
    >>> table = RawTable(Path("presenze.csv"), ["Codice incontro", "Codice ente", "Note"], [], [])
    >>> columns, problems = map_columns(table, SPECS["presenze"])
    >>> columns.index, columns.unknown
    ({'incontro_id': 0, 'ente_id': 1}, [2])
    >>> print(problems[0].sentence())
    avviso – presenze.csv, riga 1, colonna «Note»: colonna non prevista dal contratto dei dati: ignorata.
    >>> _, problems = map_columns(RawTable(Path("presenze.csv"), ["ente"], [], []), SPECS["presenze"])
    >>> print(problems[0].sentence())  # doctest: +NORMALIZE_WHITESPACE
    presenze.csv, riga 1: manca la colonna obbligatoria «incontro_id»
    (intestazioni accettate: «incontro_id», «id incontro», «codice incontro»...).
    """
    lookup = spec.aliases()
    index: dict[str, int] = {}
    header: dict[str, str] = {}
    unknown: list[int] = []
    problems: list[Problem] = []
    for position, (raw, norm) in enumerate(zip(table.header, table.normalized_header())):
        canonical = lookup.get(norm)
        if canonical is None:
            unknown.append(position)
            if allow_unknown and raw:
                problems.append(
                    Problem(
                        table.name,
                        table.header_line,
                        raw,
                        "colonna non prevista dal contratto dei dati: ignorata",
                        WARNING,
                    )
                )
        elif canonical in index:
            problems.append(
                Problem(
                    table.name,
                    table.header_line,
                    raw,
                    f"colonna ripetuta: «{header[canonical]}» indica già «{canonical}»",
                )
            )
        else:
            index[canonical], header[canonical] = position, raw
    for canonical in spec.required:
        if canonical not in index:
            accepted = ", ".join(f"«{s}»" for s in (canonical, *spec.required[canonical][:2]))
            problems.append(
                Problem(
                    table.name,
                    table.header_line,
                    None,
                    f"manca la colonna obbligatoria «{canonical}» (intestazioni accettate: {accepted}...)",
                )
            )
    return ColumnMap(index, header, unknown), problems
