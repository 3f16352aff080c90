"""The participatory process a raw folder describes: ``processo.toml``, every key optional.

Without the file the process is *Palestre di capacità* in Lombardy, as ``config`` and the
vocabulary define it. The file is TOML, read with the standard library's ``tomllib``;
each bad key or value gets a sentence naming the key and the line of the file, and all
of them are reported together.

Default bands for a scale other than 1–10 (documented in ``docs/data_dictionary.md``):
with ``n`` values from ``low`` to ``high``, the middle band starts at ``low + round(0.4 n)``
and the high band at ``low + round(0.6 n)`` (halves rounded up), which gives back the
seed's 1–4, 5–6, 7–10 on 1–10, and 1–2, 3, 4–5 on 1–5.
"""

from __future__ import annotations

import datetime as dt
import math
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from palestre_analysis import config
from palestre_analysis.core.geography import NATIONAL, area_unit
from palestre_analysis.core.problems import Problem
from palestre_analysis.core.territories import COVERED_FROM, regions
from palestre_analysis.core.vocabulary import (
    CATEGORIES,
    ENTITY_TYPES,
    GROUP_LABELS,
    GROUP_OF_TYPE,
    GROUPS,
    NODES,
    normalize_label,
    parse_entity_type,
)

__all__ = [
    "PROCESS_FILE",
    "KEYS",
    "Group",
    "Process",
    "default_bands",
    "read_process",
    "parse_process",
    "not_yet_applied",
    "APPLIED",
    "DEFAULT_REFERENCE_DATE",
    "REFERENCE_KINDS",
]

#: The reference date of a process whose file and meetings give none (the seed's phase 2).
DEFAULT_REFERENCE_DATE = dt.date(2019, 6, 30)

#: The process file's name in the raw folder.
PROCESS_FILE = "processo.toml"
#: Every key the file may hold, with what it is (the sentences for an unknown key list them).
KEYS = {
    "titolo": "il titolo del processo",
    "area": "una regione, oppure «Italia» per un processo nazionale",
    "data_riferimento": "la data delle unità territoriali (AAAA-MM-GG)",
    "scala": "voto più basso e più alto, interi: [1, 10]",
    "fasce": "fasce bassa, intermedia e alta: { bassa = [1, 4], intermedia = [5, 6], alta = [7, 10] }",
    "nodi": "i nodi strategici della fase 1: un elenco di testi",
    "min_cell": "il numero minimo di delegati dietro ogni dato pubblicato",
    "gruppi": "i due gruppi confrontati nella fase 2",
    "quote_riferimento": (
        'le quote di riferimento delle categorie di enti, con tipo = "rete" (la composizione pubblicata della '
        'rete stessa) oppure tipo = "esterna" e la fonte (fonte = "RUNTS ...")'
    ),
}
_BANDS = ("bassa", "intermedia", "alta")
_ANY_TYPE = "*"
#: What the reference shares are (``tipo`` in ``[quote_riferimento]``): the network's own published composition,
#: which the reports use only as a consistency check, or an external frame (a census, the RUNTS), which they test.
REFERENCE_KINDS = {
    "rete": "la composizione pubblicata della rete stessa (solo un controllo di coerenza)",
    "esterna": "un riferimento esterno alla rete, come il RUNTS o il censimento ISTAT (un confronto vero e proprio)",
}


@dataclass(frozen=True)
class Group:
    """One of the two groups compared in phase 2.

    Parameters
    ----------
    key : str
        The ``group`` value of the tables (``aps_odv``).
    label : str
        How reports name it (``Delegati APS e ODV``).
    types : tuple of str
        Entity type codes; ``("*",)`` for every type not in the other group.
    """

    key: str
    label: str
    types: tuple[str, ...]


def _default_groups() -> tuple[Group, ...]:
    """The seed's groups: ODV and APS, and every other type."""
    first, other = GROUPS
    listed = tuple(t for t in ENTITY_TYPES if GROUP_OF_TYPE[t] == first)
    return Group(first, GROUP_LABELS[first], listed), Group(other, GROUP_LABELS[other], (_ANY_TYPE,))


def default_bands(low: int, high: int) -> dict[str, tuple[int, int]]:
    """Low, middle and high bands of a scale, by the rule in the module docstring.

    Parameters
    ----------
    low, high : int
        The lowest and highest vote, ``low < high``.

    Returns
    -------
    dict of str to tuple of (int, int)
        ``bassa``, ``intermedia`` and ``alta``, each ``(first, last)``, covering the scale.

    Examples
    --------
    >>> default_bands(1, 10)
    {'bassa': (1, 4), 'intermedia': (5, 6), 'alta': (7, 10)}
    >>> default_bands(1, 5)
    {'bassa': (1, 2), 'intermedia': (3, 3), 'alta': (4, 5)}
    >>> default_bands(0, 10)
    {'bassa': (0, 3), 'intermedia': (4, 6), 'alta': (7, 10)}
    """
    n = high - low + 1
    middle, top = low + math.floor(0.4 * n + 0.5), low + math.floor(0.6 * n + 0.5)
    return {"bassa": (low, middle - 1), "intermedia": (middle, top - 1), "alta": (top, high)}


@dataclass(frozen=True)
class Process:
    """A participatory process: what the reports call it, where, how votes are scored, who is compared.

    Parameters
    ----------
    title : str, default "Palestre di capacità"
    area : str, default ``config.REGION``
        A region, or ``Italia`` for a national process.
    reference_date : datetime.date or None, default None
        The date whose territorial units apply (default: the last meeting's).
    scale : tuple of (int, int), default (1, 10)
    bands : dict, default 1–4, 5–6, 7–10
        ``bassa``, ``intermedia``, ``alta`` → ``(first, last)``.
    nodes : tuple of str, default the seed's four strategic nodes
    min_cell : int, default ``config.MIN_CELL``
    groups : tuple of Group, default the seed's two groups
    reference_shares : dict or None, default ``config.REFERENCE_SHARES``
        Category → share; ``None``: no comparison is made.
    reference_kind : str, default "rete"
        What the shares are (:data:`REFERENCE_KINDS`): ``rete``, the network's own published
        composition (the seed's, and any file that does not say otherwise), which reports use
        only as a consistency check; ``esterna``, an external frame, which they test.
    reference_source : str, default ""
        The source of the shares as the file names it (``fonte``; required with ``esterna``).
    source : str, default ""
        The file it was read from, ``""`` for the defaults.
    """

    title: str = "Palestre di capacità"
    area: str = config.REGION
    reference_date: dt.date | None = None
    scale: tuple[int, int] = (1, 10)
    bands: dict = field(default_factory=lambda: default_bands(1, 10))
    nodes: tuple[str, ...] = NODES
    min_cell: int = config.MIN_CELL
    groups: tuple[Group, ...] = field(default_factory=_default_groups)
    reference_shares: dict | None = field(default_factory=lambda: dict(config.REFERENCE_SHARES))
    reference_kind: str = "rete"
    reference_source: str = ""
    source: str = ""

    def as_json(self) -> dict:
        """The process as plain JSON values, as the cleaning report records it.

        Returns
        -------
        dict
            Every field, tuples as lists, the date in ISO format (``None`` when unset).

        Examples
        --------
        >>> Process().as_json()["scale"], Process().as_json()["groups"][0]["types"]
        ([1, 10], ['odv', 'aps'])
        """
        return {
            "title": self.title,
            "area": self.area,
            "reference_date": self.reference_date.isoformat() if self.reference_date else None,
            "scale": list(self.scale),
            "bands": {band: list(edges) for band, edges in self.bands.items()},
            "nodes": list(self.nodes),
            "min_cell": self.min_cell,
            "groups": [{"key": g.key, "label": g.label, "types": list(g.types)} for g in self.groups],
            "reference_shares": dict(self.reference_shares) if self.reference_shares is not None else None,
            "reference_kind": self.reference_kind,
            "reference_source": self.reference_source,
            "source": self.source,
        }

    @classmethod
    def from_json(cls, values: dict | None) -> Process:
        """The process :meth:`as_json` recorded; the defaults for ``None`` or an empty dict.

        Parameters
        ----------
        values : dict or None
            What :meth:`as_json` returned (as the cleaning report keeps it).

        Returns
        -------
        Process
            The same process.

        Examples
        --------
        >>> process, _ = parse_process('scala = [1, 5]\\nmin_cell = 7\\n')
        >>> Process.from_json(process.as_json()) == process, Process.from_json(None) == Process()
        (True, True)
        """
        if not values:
            return cls()
        date = values.get("reference_date")
        return cls(
            title=values["title"],
            area=values["area"],
            reference_date=dt.date.fromisoformat(date) if date else None,
            scale=tuple(values["scale"]),
            bands={band: tuple(edges) for band, edges in values["bands"].items()},
            nodes=tuple(values["nodes"]),
            min_cell=values["min_cell"],
            groups=tuple(Group(g["key"], g["label"], tuple(g["types"])) for g in values["groups"]),
            reference_shares=values["reference_shares"],
            reference_kind=values.get("reference_kind", "rete"),
            reference_source=values.get("reference_source", ""),
            source=values.get("source", ""),
        )

    @property
    def high_score(self) -> int:
        """The first vote of the high band (7 on the seed's scale).

        Examples
        --------
        >>> Process().high_score
        7
        """
        return self.bands["alta"][0]

    def group_of_type(self, entity_type: str) -> str:
        """The group of an entity type: the group listing it, else the one with ``*``.

        Parameters
        ----------
        entity_type : str
            An entity type code.

        Returns
        -------
        str
            A group key.

        Examples
        --------
        >>> Process().group_of_type("odv"), Process().group_of_type("csv")
        ('aps_odv', 'fondazioni_csv_altri')
        """
        for group in self.groups:
            if entity_type in group.types:
                return group.key
        return next(g.key for g in self.groups if _ANY_TYPE in g.types)


def read_process(raw_dir: Path) -> tuple[Process, list[Problem]]:
    """The process of a raw folder: its ``processo.toml``, or the defaults without one.

    Parameters
    ----------
    raw_dir : Path
        The raw folder.

    Returns
    -------
    tuple of (Process, list of Problem)
        The process (the defaults where the file is silent, or wholly when it has
        errors) and the errors found, one per bad key or value.

    Examples
    --------
    >>> import tempfile
    >>> raw = Path(tempfile.mkdtemp())
    >>> read_process(raw)[0] == Process()
    True
    >>> _ = (raw / PROCESS_FILE).write_text('titolo = "Reti venete"\\nscala = [1, 5]\\ncolore = "blu"\\n')
    >>> process, problems = read_process(raw)
    >>> process.title, process.scale
    ('Palestre di capacità', (1, 10))
    >>> print(problems[0].sentence())  # doctest: +ELLIPSIS
    processo.toml, riga 3, colonna «colore»: chiave sconosciuta; le chiavi possibili sono: titolo, area, ...
    """
    path = Path(raw_dir) / PROCESS_FILE
    if not path.is_file():
        return Process(), []
    text = path.read_bytes().decode("utf-8", errors="replace")
    return parse_process(text, PROCESS_FILE)


def parse_process(text: str, name: str = PROCESS_FILE) -> tuple[Process, list[Problem]]:
    """Parse and check the text of a process file.

    Parameters
    ----------
    text : str
        The TOML text.
    name : str, default ``processo.toml``
        The file name the sentences show.

    Returns
    -------
    tuple of (Process, list of Problem)
        The process read (the defaults when there is any error: a half-read process
        would publish reports of a process nobody described) and the errors.

    Examples
    --------
    >>> process, problems = parse_process('scala = [1, 5]\\nnodi = ["Reti", "Risorse"]\\n')
    >>> process.scale, process.bands["alta"], process.nodes, problems
    ((1, 5), (4, 5), ('Reti', 'Risorse'), [])
    >>> _, problems = parse_process('scala = [5, 1]\\n')
    >>> print(problems[0].sentence())  # doctest: +NORMALIZE_WHITESPACE
    processo.toml, riga 1, colonna «scala»: il voto più basso (5) deve essere minore del più alto (1).
    """
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        line = _toml_error_line(str(exc))
        return Process(), [Problem(name, line, None, f"il file non è TOML valido ({exc}): correggerlo")]
    checker = _Checker(text, name)
    values = checker.read(data)
    if checker.problems:
        return Process(), checker.problems
    return Process(**values, source=name), []


def _toml_error_line(message: str) -> int | None:
    match = re.search(r"line (\d+)", message)
    return int(match.group(1)) if match else None


class _Checker:
    """Each key's check; problems name the key and its line in the file."""

    def __init__(self, text: str, name: str):
        self.lines, self.name, self.problems = text.splitlines(), name, []

    def error(self, key: str, reason: str) -> None:
        self.problems.append(Problem(self.name, self.line_of(key), key, reason))

    def line_of(self, dotted: str) -> int | None:
        """The line where a key (``gruppi.aps_odv``) is set, or where its table opens."""
        *parents, name = dotted.split(".")
        section = ".".join(parents) or None
        current = None
        for number, line in enumerate(self.lines, start=1):
            stripped = line.strip()
            header = re.match(r"^\[\s*([^\]]+?)\s*\]", stripped)
            if header:
                current = header.group(1).replace(" ", "")
                if current == dotted:
                    return number
            elif re.match(rf"^{re.escape(name)}\s*=", stripped) and current == section:
                return number
        return None

    def read(self, data: dict) -> dict:
        values: dict = {}
        for key in data:
            if key not in KEYS:
                self.error(key, f"chiave sconosciuta; le chiavi possibili sono: {', '.join(KEYS)}")
        for key, reader in (
            ("titolo", self.text),
            ("area", self.area),
            ("data_riferimento", self.date),
            ("scala", self.scale),
            ("nodi", self.nodes),
            ("min_cell", self.min_cell),
        ):
            if key in data:
                value = reader(key, data[key])
                if value is not None:
                    values[_FIELD[key]] = value
        scale = values.get("scale", (1, 10))
        bands = self.bands(data["fasce"], scale) if "fasce" in data else default_bands(*scale)
        if bands is not None:
            values["bands"] = bands
        if "gruppi" in data:
            groups = self.groups(data["gruppi"])
            if groups is not None:
                values["groups"] = groups
        if "quote_riferimento" in data:
            described = self.shares(data["quote_riferimento"])
            if described is not None:
                values["reference_shares"], values["reference_kind"], values["reference_source"] = described
        else:  # a process of its own: the seed's composition is not its reference
            values["reference_shares"] = None
        return values

    def text(self, key, value):
        if not isinstance(value, str) or not value.strip():
            return self.error(key, "atteso un testo non vuoto, tra virgolette")
        return value.strip()

    def area(self, key, value):
        text = self.text(key, value)
        if text is None:
            return None
        if normalize_label(text) == normalize_label(NATIONAL):
            return NATIONAL
        unit = area_unit(text)
        if unit is None:
            names = ", ".join(r.name for r in regions(dt.date.today()))
            return self.error(key, f"«{text}» non è una regione italiana; scrivere una di {names}, oppure «{NATIONAL}»")
        return unit.name

    def date(self, key, value):
        if type(value) is not dt.date:
            return self.error(key, "attesa una data come 2019-06-30 (senza virgolette né ora)")
        if value < COVERED_FROM:
            return self.error(
                key, f"l'elenco dei territori parte dal {COVERED_FROM.isoformat()}: una data precedente non è coperta"
            )
        return value

    def scale(self, key, value):
        if not (isinstance(value, list) and len(value) == 2 and all(type(v) is int for v in value)):
            return self.error(key, "attesi due numeri interi, il voto più basso e il più alto: [1, 10]")
        low, high = value
        if low >= high:
            return self.error(key, f"il voto più basso ({low}) deve essere minore del più alto ({high})")
        if high - low < 2:
            return self.error(key, "servono almeno tre voti possibili, per le fasce bassa, intermedia e alta")
        return (low, high)

    def nodes(self, key, value):
        if not (isinstance(value, list) and value and all(isinstance(v, str) and v.strip() for v in value)):
            return self.error(key, 'atteso un elenco di testi non vuoti: ["Reti comunitarie", ...]')
        nodes = tuple(" ".join(v.split()) for v in value)
        if len({n.casefold() for n in nodes}) != len(nodes):
            return self.error(key, "un nodo è ripetuto")
        return nodes

    def min_cell(self, key, value):
        if type(value) is not int or value < config.MIN_CELL_FLOOR:
            return self.error(
                key, f"atteso un intero non minore di {config.MIN_CELL_FLOOR} (il minimo delle regole Sistan)"
            )
        return value

    def bands(self, value, scale):
        key = "fasce"
        if not isinstance(value, dict) or set(value) != set(_BANDS):
            return self.error(key, "attese le tre fasce bassa, intermedia e alta: { bassa = [1, 4], ... }")
        bands = {}
        for band in _BANDS:
            edges = value[band]
            if not (isinstance(edges, list) and len(edges) == 2 and all(type(e) is int for e in edges)):
                return self.error(key, f"la fascia «{band}» va scritta come due interi: [primo, ultimo]")
            if edges[0] > edges[1]:
                return self.error(key, f"la fascia «{band}» inizia dopo la sua fine ({edges[0]} > {edges[1]})")
            bands[band] = (edges[0], edges[1])
        expected = scale[0]
        for band in _BANDS:
            first, last = bands[band]
            if first != expected:
                return self.error(
                    key,
                    f"le fasce devono coprire la scala {scale[0]}–{scale[1]} senza buchi né sovrapposizioni: "
                    f"la fascia «{band}» dovrebbe iniziare da {expected}, non da {first}",
                )
            expected = last + 1
        if expected != scale[1] + 1:
            return self.error(
                key, f"la fascia «alta» deve finire con il voto più alto della scala {scale[0]}–{scale[1]} ({scale[1]})"
            )
        return bands

    def groups(self, value):
        key = "gruppi"
        if not isinstance(value, dict) or len(value) != 2:
            return self.error(key, "attesi esattamente due gruppi, ognuno con «etichetta» e «tipologie»")
        groups, seen, star = [], {}, []
        for group_key, spec in value.items():
            where = f"{key}.{group_key}"
            if not re.fullmatch(r"[a-z][a-z0-9_]*", group_key) or group_key == "all":
                self.error(where, "il nome del gruppo va scritto in minuscolo, con lettere, cifre e _ (non «all»)")
                continue
            if not isinstance(spec, dict) or set(spec) != {"etichetta", "tipologie"}:
                self.error(where, 'ogni gruppo ha due chiavi: etichetta = "..." e tipologie = [...]')
                continue
            label, kinds = spec["etichetta"], spec["tipologie"]
            if not isinstance(label, str) or not label.strip():
                self.error(where, "l'etichetta va scritta come testo non vuoto")
                continue
            if not (isinstance(kinds, list) and kinds and all(isinstance(k, str) for k in kinds)):
                self.error(where, 'le tipologie vanno scritte come elenco di testi: ["ODV", "APS"]')
                continue
            codes = []
            for kind in kinds:
                code = _ANY_TYPE if kind.strip() == _ANY_TYPE else parse_entity_type(kind)
                if code == _ANY_TYPE:
                    codes.append(code)
                elif code is None:
                    self.error(where, f"tipologia «{kind}» non riconosciuta")
                elif code in seen:
                    self.error(where, f"la tipologia «{kind}» è già nel gruppo «{seen[code]}»")
                else:
                    seen[code] = group_key
                    codes.append(code)
            star += [group_key] if _ANY_TYPE in codes else []
            groups.append(Group(group_key, " ".join(label.split()), tuple(codes)))
        if len(star) > 1 or (len(groups) == 2 and not star and set(seen) != set(ENTITY_TYPES)):
            return self.error(
                key,
                "ogni tipologia deve stare in un gruppo: indicare «*» (tutte le altre) in uno solo dei due gruppi",
            )
        return tuple(groups) if len(groups) == 2 else None

    def shares(self, value):
        """The shares, what they are (``tipo``) and their source (``fonte``), or ``None`` after an error."""
        key = "quote_riferimento"
        if not isinstance(value, dict) or not value:
            return self.error(key, "attese le quote delle categorie: { associazioni = 0.60, ... }")
        kind, source = self.reference_kind(value)
        shares = {k: v for k, v in value.items() if k not in _REFERENCE_KEYS}
        unknown = [k for k in shares if k not in CATEGORIES]
        if unknown:
            return self.error(
                key,
                f"categoria «{unknown[0]}» sconosciuta; le categorie sono: {', '.join(CATEGORIES)} "
                f"(e le chiavi {' e '.join(_REFERENCE_KEYS)})",
            )
        if not shares:
            return self.error(key, "attese le quote delle categorie: { associazioni = 0.60, ... }")
        if not all(isinstance(v, (int, float)) and not isinstance(v, bool) and 0 <= v <= 1 for v in shares.values()):
            return self.error(key, "ogni quota è un numero da 0 a 1")
        total = sum(shares.values())
        if abs(total - 1) > 1e-6:
            return self.error(key, f"le quote devono sommare a 1, non a {total:.4g}".replace(".", ","))
        if kind is None:
            return None
        return {category: float(shares.get(category, 0.0)) for category in CATEGORIES}, kind, source

    def reference_kind(self, value: dict) -> tuple[str | None, str]:
        """``tipo`` and ``fonte`` of ``[quote_riferimento]``; ``(None, ...)`` after an error (already reported)."""
        kind, source = value.get("tipo", "rete"), value.get("fonte", "")
        where = "quote_riferimento.{}".format
        if not isinstance(kind, str) or kind.strip() not in REFERENCE_KINDS:
            shown = kind if isinstance(kind, str) else repr(kind)
            choices = "; ".join(f'tipo = "{k}": {what}' for k, what in REFERENCE_KINDS.items())
            self.error_at(where("tipo"), f"«{shown}» non è un tipo di quote di riferimento; scrivere {choices}")
            return None, ""
        if "fonte" in value and (not isinstance(source, str) or not source.strip()):
            self.error_at(where("fonte"), 'la fonte va scritta come testo non vuoto: fonte = "RUNTS, Veneto, 2024"')
            return None, ""
        kind, source = kind.strip(), " ".join(source.split()) if isinstance(source, str) else ""
        if kind == "esterna" and not source:
            self.error_at(
                where("tipo"),
                'con tipo = "esterna" va indicata la fonte delle quote, per esempio '
                'fonte = "RUNTS, enti iscritti in Veneto al 31/12/2024": i rapporti la citano accanto al confronto',
            )
            return None, ""
        return kind, source

    def error_at(self, dotted: str, reason: str) -> None:
        """An error on a key inside a table, at its own line (or at the table's, written inline)."""
        line = self.line_of(dotted)
        self.problems.append(Problem(self.name, line or self.line_of(dotted.split(".")[0]), dotted, reason))


#: The keys of ``[quote_riferimento]`` that are not categories.
_REFERENCE_KEYS = ("tipo", "fonte")

_FIELD = {
    "titolo": "title",
    "area": "area",
    "data_riferimento": "reference_date",
    "scala": "scale",
    "nodi": "nodes",
    "min_cell": "min_cell",
}


#: Keys whose value the analysis follows so far (the cleaning, the notebooks through the processed data or
#: ``palestre run``'s parameters); for the others only the seed's value is accepted.
APPLIED: frozenset[str] = frozenset(
    {"titolo", "area", "data_riferimento", "min_cell", "quote_riferimento", "scala", "fasce", "nodi", "gruppi"}
)


def not_yet_applied(process: Process, text: str = "") -> list[Problem]:
    """Errors for the values of a process file that this version does not apply yet.

    The process file is read and checked in full, but the notebooks still compute the
    seed's process: a value other than the seed's would publish reports of a process
    the file does not describe, so it stops the cleaning with a sentence instead.

    Parameters
    ----------
    process : Process
        A process read from its file.
    text : str, default ""
        The file's text, to name the lines.

    Returns
    -------
    list of Problem
        One error per key whose value differs from the seed's and is not in :data:`APPLIED`.

    Examples
    --------
    >>> not_yet_applied(parse_process('min_cell = 10\\n')[0], 'min_cell = 10\\n')
    []
    >>> process, _ = parse_process('nodi = ["Reti"]\\n')
    >>> not_yet_applied(process, 'nodi = ["Reti"]\\n')  # every key is applied in this version
    []
    """
    seed = Process()
    checker = _Checker(text, process.source or PROCESS_FILE)
    for key, name in _FIELD.items() | {
        ("fasce", "bands"),
        ("gruppi", "groups"),
        ("quote_riferimento", "reference_shares"),
    }:
        if key in APPLIED or name == "reference_date":  # the reference date only chooses units: same in Lombardy
            continue
        if getattr(process, name) != getattr(seed, name) and checker.line_of(key) is not None:
            checker.error(
                key,
                "questa versione dell'analisi applica ancora solo il valore di Palestre di capacità per questa "
                "chiave: toglierla dal file, oppure usare una versione che la applica",
            )
    return sorted(checker.problems, key=lambda p: (p.line or 0, p.column or ""))
