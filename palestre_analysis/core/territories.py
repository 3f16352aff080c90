"""Italian regions and provinces with their validity dates, and how people write them.

The table ``data/territori.csv`` (sources in ``data/README.md``) holds the 20 regions
and every province, metropolitan city and equivalent unit (the autonomous provinces of
Bolzano/Bozen and Trento, the single unit of Valle d'Aosta, the four former provinces of
Friuli-Venezia Giulia, the Sicilian free municipal consortia), each with the dates
between which ISTAT used it for official statistics. A process is read with the units of
its own time: on 2019-06-30 Sardinia has Sud Sardegna, on 2026-06-30 it has Sulcis
Iglesiente and Medio Campidano instead. Dates before :data:`COVERED_FROM` are refused,
because the table does not trace what came before.

Spellings are compared after :func:`~palestre_analysis.core.vocabulary.normalize_label`
(case, accents, punctuation, typographic apostrophes and dashes, invisible characters);
:func:`find` also reads the ISTAT code, the sigla, the words "Provincia di", "Prov.",
"Città metropolitana di", "Regione" before a name and a sigla written next to it
("Bergamo (BG)"), which must then agree with the name. What matches nothing, or two
different units, stays unknown: :func:`why_not` says in Italian why, when the text names
a unit valid at other dates or a name and a sigla that disagree.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from datetime import date, datetime
from functools import cache
from importlib import resources

from palestre_analysis.core.vocabulary import normalize_label

__all__ = [
    "COVERED_FROM",
    "KINDS",
    "Unit",
    "load_territories",
    "regions",
    "units",
    "region_of",
    "find",
    "why_not",
]

#: First date the table answers for; the validity of units before it is not traced.
COVERED_FROM = date(2016, 1, 1)
#: The values of :attr:`Unit.kind`: a region, or a province-level unit.
KINDS = ("regione", "provincia")

_CSV_NAME = "territori.csv"
_COLUMNS = ("kind", "istat_code", "name", "sigla", "region_code", "valid_from", "valid_to", "variants")
_CODE_WIDTH = {"regione": 2, "provincia": 3}

#: Words that name what kind of body a unit is, as a variant of the table begins with them.
_DESIGNATIONS = ("provincia ", "città metropolitana ", "libero consorzio comunale ")


@dataclass(frozen=True)
class Unit:
    """A region or a province-level unit during one period of validity.

    Attributes
    ----------
    kind : str
        ``"regione"`` or ``"provincia"`` (which covers metropolitan cities, autonomous
        provinces, free municipal consortia and Friuli-Venezia Giulia's former provinces).
    code : str
        The ISTAT code: two digits for a region (``"03"``), three for a unit, the
        historical province code (``"015"`` for Milano, not the metropolitan city's 215).
    name : str
        The official Italian name, bilingual where official ("Bolzano/Bozen").
    sigla : str or None
        The automotive abbreviation of a unit; ``None`` for a region.
    region_code : str or None
        The code of the unit's region; ``None`` for a region.
    valid_from, valid_to : datetime.date or None
        First and last day of validity, both included; ``None`` is open (for
        ``valid_from``: valid since before :data:`COVERED_FROM`).
    variants : tuple of str
        Other accepted spellings.

    Examples
    --------
    >>> sud = find("Sud Sardegna", date(2019, 6, 30))
    >>> sud.code, sud.sigla, sud.valid_from, sud.valid_to
    ('111', 'SU', datetime.date(2017, 1, 1), datetime.date(2025, 12, 31))
    >>> sud.valid_on(date(2026, 6, 30)), sud.designation
    (False, 'provincia del Sud Sardegna')
    """

    kind: str
    code: str
    name: str
    sigla: str | None
    region_code: str | None
    valid_from: date | None
    valid_to: date | None
    variants: tuple[str, ...]

    def valid_on(self, on: date) -> bool:
        """Whether the unit is valid on ``on`` (both ends of the period included).

        Parameters
        ----------
        on : datetime.date
            The day asked about.

        Returns
        -------
        bool

        Examples
        --------
        >>> sud = find("SU", date(2019, 6, 30))
        >>> sud.valid_on(date(2025, 12, 31)), sud.valid_on(date(2026, 1, 1))
        (True, False)
        """
        on = _day(on)
        return (self.valid_from is None or self.valid_from <= on) and (self.valid_to is None or on <= self.valid_to)

    @property
    def designation(self) -> str:
        """What the unit is called in a sentence, without article: "provincia di Bergamo".

        The first variant that begins with "Provincia", "Città metropolitana" or
        "Libero consorzio comunale" gives it ("città metropolitana di Milano", "provincia
        del Sud Sardegna"); otherwise a region is "regione X", Valle d'Aosta's single unit
        "unità territoriale X" and any other unit "provincia di X".

        Examples
        --------
        >>> on = date(2026, 6, 30)
        >>> find("MI", on).designation, find("BG", on).designation, find("03", on).designation
        ('città metropolitana di Milano', 'provincia di Bergamo', 'regione Lombardia')
        """
        for variant in self.variants:
            if variant.lower().startswith(_DESIGNATIONS):
                return variant[0].lower() + variant[1:]
        if self.kind == "regione":
            return f"regione {self.name}"
        if self.name == _region_names().get(self.region_code):
            return f"unità territoriale {self.name}"
        return f"provincia di {self.name}"

    @property
    def metropolitan(self) -> bool:
        """Whether the unit is a metropolitan city (a variant "Città metropolitana di ...").

        Examples
        --------
        >>> on = date(2019, 6, 30)
        >>> find("Milano", on).metropolitan, find("Bergamo", on).metropolitan
        (True, False)
        """
        return self.designation.startswith("città metropolitana ")


def _day(on: date) -> date:
    """``on`` as a plain date, refused before :data:`COVERED_FROM`."""
    if isinstance(on, datetime):
        on = on.date()
    if not isinstance(on, date):
        raise TypeError(f"a date is needed, got {on!r}.")
    if on < COVERED_FROM:
        raise ValueError(f"the territorial table starts on {COVERED_FROM.isoformat()}, got {on.isoformat()}.")
    return on


def _read_date(text: str, where: str) -> date | None:
    try:
        return date.fromisoformat(text) if text else None
    except ValueError:
        raise ValueError(f"{where}: {text!r} is not an ISO date.") from None


def _parse_row(row: dict[str, str], line: int) -> Unit:
    where = f"{_CSV_NAME}, line {line}"
    kind, code = row["kind"], row["istat_code"]
    if kind not in KINDS:
        raise ValueError(f"{where}: kind must be one of {KINDS}, got {kind!r}.")
    if not (code.isdigit() and len(code) == _CODE_WIDTH[kind]):
        raise ValueError(f"{where}: a {kind} code has {_CODE_WIDTH[kind]} digits, got {code!r}.")
    sigla, region_code = row["sigla"] or None, row["region_code"] or None
    if (kind == "provincia") != (sigla is not None and region_code is not None):
        raise ValueError(f"{where}: a unit has a sigla and a region, a region has neither.")
    valid_from, valid_to = _read_date(row["valid_from"], where), _read_date(row["valid_to"], where)
    if valid_from and valid_to and valid_from > valid_to:
        raise ValueError(f"{where}: valid_from comes after valid_to.")
    variants = tuple(v.strip() for v in row["variants"].split("|") if v.strip())
    return Unit(kind, code, row["name"], sigla, region_code, valid_from, valid_to, variants)


@cache
def load_territories() -> tuple[Unit, ...]:
    """Every row of ``data/territori.csv``, regions first, in the file's order.

    Read once (the result is cached) with :mod:`csv` from the package folder.

    Returns
    -------
    tuple of Unit
        All regions and units of every period; filter with :func:`regions` and
        :func:`units`, or :meth:`Unit.valid_on`.

    Raises
    ------
    ValueError
        When the file lacks a column or a row is malformed (unknown kind, a code of the
        wrong width, a date that is not ISO, a period that ends before it starts).

    Examples
    --------
    >>> table = load_territories()
    >>> sum(u.kind == "regione" for u in table), table[0].name
    (20, 'Piemonte')
    """
    text = resources.files("palestre_analysis.core").joinpath("data", _CSV_NAME).read_text(encoding="utf-8")
    reader = csv.DictReader(io.StringIO(text))
    missing = [c for c in _COLUMNS if c not in (reader.fieldnames or ())]
    if missing:
        raise ValueError(f"{_CSV_NAME} lacks the column(s) {missing}.")
    return tuple(_parse_row(row, line) for line, row in enumerate(reader, start=2))


@cache
def _region_names() -> dict[str, str]:
    return {u.code: u.name for u in load_territories() if u.kind == "regione"}


def regions(on: date) -> list[Unit]:
    """The regions valid on ``on``, in ISTAT order.

    Parameters
    ----------
    on : datetime.date
        The day asked about, not before :data:`COVERED_FROM`.

    Returns
    -------
    list of Unit

    Examples
    --------
    >>> [r.name for r in regions(date(2026, 6, 30))][:3]
    ['Piemonte', "Valle d'Aosta/Vallée d'Aoste", 'Lombardia']
    """
    on = _day(on)
    return [u for u in load_territories() if u.kind == "regione" and u.valid_on(on)]


def units(on: date, region: str | None = None) -> list[Unit]:
    """The province-level units valid on ``on``, of one region or of all.

    Parameters
    ----------
    on : datetime.date
        The day asked about, not before :data:`COVERED_FROM`.
    region : str, optional
        A region's ISTAT code (``"20"``) or any spelling :func:`find` reads as a region
        ("Sardegna"); ``None`` for the whole country.

    Returns
    -------
    list of Unit
        In ISTAT order (region, then code).

    Raises
    ------
    ValueError
        When ``region`` names no region.

    Examples
    --------
    >>> len(units(date(2019, 6, 30))), len(units(date(2026, 6, 30)))
    (107, 110)
    >>> [u.sigla for u in units(date(2019, 6, 30), "Sardegna")]
    ['SS', 'NU', 'CA', 'OR', 'SU']
    """
    on = _day(on)
    code = None
    if region is not None:
        named = next((r for r in regions(on) if r.code == region), None) or find(region, on, kind="regione")
        if named is None:
            raise ValueError(f"{region!r} names no region on {on.isoformat()}.")
        code = named.code
    found = [u for u in load_territories() if u.kind == "provincia" and u.valid_on(on)]
    found = [u for u in found if code is None or u.region_code == code]
    return sorted(found, key=lambda u: (u.region_code or "", u.code))


def region_of(unit: Unit) -> Unit:
    """The region of ``unit`` (a region is its own region).

    Parameters
    ----------
    unit : Unit

    Returns
    -------
    Unit

    Examples
    --------
    >>> region_of(find("Bergamo", date(2026, 6, 30))).name
    'Lombardia'
    """
    if unit.kind == "regione":
        return unit
    return next(u for u in load_territories() if u.kind == "regione" and u.code == unit.region_code)


# --- Reading a written territory -------------------------------------------------------------


@cache
def _index() -> dict[str, dict[str, list[Unit]]]:
    """Folded names and variants, sigle and codes → the units (of every date) they name."""
    names: dict[str, list[Unit]] = {}
    sigle: dict[str, list[Unit]] = {}
    codes: dict[str, list[Unit]] = {}
    for unit in load_territories():
        for spelling in dict.fromkeys(normalize_label(s) for s in (unit.name, *unit.variants)):
            names.setdefault(spelling, []).append(unit)
        if unit.sigla:
            sigle.setdefault(unit.sigla.lower(), []).append(unit)
        codes.setdefault(unit.code, []).append(unit)
    return {"names": names, "sigle": sigle, "codes": codes}


#: Words before a name, each with what they restrict the match to.
_PREFIX_KINDS = {
    "provincia autonoma": "provincia",
    "libero consorzio comunale": "provincia",
    "libero consorzio": "provincia",
    "citta metropolitana": "metropolitana",
    "provincia": "provincia",
    "prov": "provincia",
    "cm": "metropolitana",
    "regione autonoma": "regione",
    "regione": "regione",
}
_PREFIX = re.compile(
    rf"^(?P<word>{'|'.join(_PREFIX_KINDS)})(?: (?P<prep>di|del|dello|della|dell|dei|degli|delle|d))? (?P<rest>\S.*)$"
)
#: Words after a name ("Milano Città metropolitana").
_SUFFIX_KINDS = {"citta metropolitana": "metropolitana", "cm": "metropolitana", "provincia": "provincia"}
_SUFFIX = re.compile(rf"^(?P<rest>.*\S) (?P<word>{'|'.join(_SUFFIX_KINDS)})$")
#: An article merged into a preposition, given back to names that begin with it ("della Spezia").
_ARTICLE_OF = {"della": "la ", "dell": "l "}


def _readings(label: str) -> list[tuple[str, str | None]]:
    """The folded forms a label may stand for, best first, each with its restriction."""
    readings: list[tuple[str, str | None]] = [(label, None)]
    prefix = _PREFIX.match(label)
    if prefix:
        restriction, rest = _PREFIX_KINDS[prefix["word"]], prefix["rest"]
        if prefix["prep"] in _ARTICLE_OF:
            readings.append((_ARTICLE_OF[prefix["prep"]] + rest, restriction))
        readings.append((rest, restriction))
    suffix = _SUFFIX.match(label)
    if suffix:
        readings.append((suffix["rest"], _SUFFIX_KINDS[suffix["word"]]))
    return readings


def _named(form: str, restriction: str | None, kind: str | None) -> list[Unit]:
    """Units of any date that a folded form names, by name or variant, sigla or code."""
    index = _index()
    found = list(index["names"].get(form, ()))
    if len(form) == 2 and form.isalpha():
        found += index["sigle"].get(form, ())
    if form.isdigit():
        found += index["codes"].get(form, ())
    if restriction == "metropolitana":
        found = [u for u in found if u.metropolitan]
    elif restriction is not None:
        found = [u for u in found if u.kind == restriction]
    return list(dict.fromkeys(u for u in found if kind is None or u.kind == kind))


def _one(found: list[Unit]) -> Unit | None:
    """The unit a list of matches means: a unit before a region of the same spelling."""
    if len(found) > 1:
        found = [u for u in found if u.kind == "provincia"] or found
    return found[0] if len(found) == 1 else None


def _without_sigla(label: str, on: date | None, kind: str | None) -> list[tuple[Unit, Unit]]:
    """``(unit of the sigla, unit of the name)`` for "Bergamo (BG)" or "BG - Bergamo".

    With ``on``, only units valid on that day; without, units of every date.
    """
    if kind == "regione" or " " not in label:
        return []
    first, rest = label.split(" ", 1)
    head, last = label.rsplit(" ", 1)
    pairs = []
    for sigla, name in ((last, head), (first, rest)):
        if len(sigla) != 2 or not sigla.isalpha():
            continue
        by_sigla = [u for u in _index()["sigle"].get(sigla, ()) if on is None or u.valid_on(on)]
        if not by_sigla:
            continue
        if on is None:
            by_name = _all_named(name, "provincia")
        else:
            by_name = [u for u in [_find_name(name, on, "provincia")] if u is not None]
        pairs += [(s, n) for s in by_sigla for n in by_name]
    return pairs


def _find_name(label: str, on: date, kind: str | None) -> Unit | None:
    for form, restriction in _readings(label):
        found = [u for u in _named(form, restriction, kind) if u.valid_on(on)]
        if found:
            return _one(found)
    return None


def _all_named(label: str, kind: str | None) -> list[Unit]:
    for form, restriction in _readings(label):
        found = _named(form, restriction, kind)
        if found:
            return found
    return []


def find(text: str, on: date, kind: str | None = None) -> Unit | None:
    """The region or unit valid on ``on`` that ``text`` names, or ``None``.

    The text is folded with
    :func:`~palestre_analysis.core.vocabulary.normalize_label`, then read as an official
    name or a variant ("Reggio Emilia", "Alto Adige"), a sigla ("BG"), an ISTAT code
    (``"016"`` for a unit, ``"03"`` for a region), a name after "Provincia di",
    "Prov.", "Città metropolitana di", "Libero consorzio comunale di" or "Regione", a
    name followed by "Città metropolitana", or a name with its sigla ("Bergamo (BG)",
    "BG - Bergamo"). A sigla that names another unit than the name ("Bergamo (BS)"),
    "Città metropolitana di" before a unit that is not one, and a spelling shared by two
    units are not read: which one is meant is never guessed. When a spelling names both a
    region and its single unit ("Valle d'Aosta") the unit is returned, unless ``kind``
    asks for the region.

    Parameters
    ----------
    text : str
        The territory as written.
    on : datetime.date
        The day the text refers to (the date of the process), not before
        :data:`COVERED_FROM`.
    kind : {"regione", "provincia"}, optional
        Only regions, or only units.

    Returns
    -------
    Unit or None
        ``None`` when nothing valid on ``on`` is named; :func:`why_not` tells why.

    Examples
    --------
    >>> on = date(2019, 6, 30)
    >>> [find(t, on).sigla for t in ("Bergamo (BG)", "Prov. di Lecco", "016", "Monza e Brianza")]
    ['BG', 'LC', 'BG', 'MB']
    >>> find("Bergamo (BS)", on) is None, find("Sud Sardegna", date(2026, 6, 30)) is None
    (True, True)
    >>> find("Valle d'Aosta", on).kind, find("Valle d'Aosta", on, kind="regione").kind
    ('provincia', 'regione')
    """
    if kind is not None and kind not in KINDS:
        raise ValueError(f"kind must be one of {KINDS} or None, got {kind!r}.")
    on = _day(on)
    label = normalize_label(text)
    if not label:
        return None
    found = _find_name(label, on, kind)
    if found is not None:
        return found
    readings = {(by_sigla, by_name) for by_sigla, by_name in _without_sigla(label, on, kind)}
    agreed = {by_sigla for by_sigla, by_name in readings if by_sigla == by_name}
    return agreed.pop() if len(agreed) == 1 and len(readings) == 1 else None


def _period(unit: Unit) -> str:
    if unit.valid_from is None:
        return f"fino al {unit.valid_to.isoformat()}"
    if unit.valid_to is None:
        return f"dal {unit.valid_from.isoformat()}"
    return f"dal {unit.valid_from.isoformat()} al {unit.valid_to.isoformat()}"


def _with_article(unit: Unit) -> str:
    designation = unit.designation
    if designation.startswith("libero "):
        return f"il {designation}"
    if designation[0] in "aeiouàèéìòù":
        return f"l'{designation}"
    return f"la {designation}"


def _clause(unit: Unit) -> str:
    valid = "valido" if unit.designation.startswith("libero ") else "valida"
    label = f"{unit.sigla}, codice ISTAT {unit.code}" if unit.sigla else f"codice ISTAT {unit.code}"
    return f"{_with_article(unit)} ({label}) è {valid} {_period(unit)}"


def why_not(text: str, on: date, kind: str | None = None) -> str | None:
    """Why :func:`find` does not read ``text`` on ``on``, as an Italian sentence.

    Parameters
    ----------
    text : str
        The territory as written.
    on : datetime.date
        The day the text refers to, not before :data:`COVERED_FROM`.
    kind : {"regione", "provincia"}, optional
        As for :func:`find`.

    Returns
    -------
    str or None
        A sentence when the text names units valid only at other dates (their periods,
        and the units of their region on ``on``) or a name and a sigla of two different
        units; ``None`` when :func:`find` reads the text, or when nothing is known of it.

    Examples
    --------
    >>> print(why_not("Carbonia-Iglesias", date(2019, 6, 30)))
    La provincia di Carbonia-Iglesias (CI, codice ISTAT 107) è valida fino al 2016-12-31: il 2019-06-30 le unità della regione Sardegna sono Cagliari (CA), Nuoro (NU), Oristano (OR), Sassari (SS), Sud Sardegna (SU).
    >>> print(why_not("Bergamo (BS)", date(2019, 6, 30)))
    «Bergamo (BS)»: il nome indica la provincia di Bergamo (BG) e la sigla la provincia di Brescia (BS); quale sia giusta non si indovina.
    >>> why_not("Bergamo", date(2019, 6, 30)) is None, why_not("Atlantide", date(2019, 6, 30)) is None
    (True, True)
    """
    if find(text, on, kind) is not None:
        return None
    on = _day(on)
    label = normalize_label(text)
    if not label:
        return None
    for by_sigla, by_name in _without_sigla(label, on, kind):
        if by_sigla != by_name:
            return (
                f"«{str(text).strip()}»: il nome indica {_with_article(by_name)} ({by_name.sigla}) e la sigla "
                f"{_with_article(by_sigla)} ({by_sigla.sigla}); quale sia giusta non si indovina."
            )
    named = _all_named(label, kind)
    if any(u.valid_on(on) for u in named):
        listed = "; ".join(f"{_with_article(u)} ({u.sigla or u.code})" for u in named if u.valid_on(on))
        return f"«{str(text).strip()}» indica più unità ({listed}); quale sia giusta non si indovina."
    if not named:
        named = list(dict.fromkeys(s for s, n in _without_sigla(label, None, kind) if s == n))
    if not named:
        return None
    sentence = "; ".join(_clause(u) for u in named)
    sentence = sentence[0].upper() + sentence[1:]
    region_codes = {u.region_code if u.kind == "provincia" else None for u in named}
    if len(region_codes) == 1 and None not in region_codes:
        (code,) = region_codes
        present = sorted(units(on, code), key=lambda u: normalize_label(u.name))
        listed = ", ".join(f"{u.name} ({u.sigla})" for u in present)
        sentence += f": il {on.isoformat()} le unità della regione {_region_names()[code]} sono {listed}"
    return sentence + "."
