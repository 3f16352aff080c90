"""The territories of one process: its area, the places inside it, and how they nest.

A process covers an *area*: one region (``area = "Lombardia"``) or the whole country
(``area = "Italia"``). Its territorial units are those valid on the process's reference
date (:mod:`.territories`). An entity's ``territorio`` is a :class:`Place` of the area:

* a province-level unit of the area (by name, sigla or variant);
* a region of the area, for region-wide bodies;
* in a national process, ``Italia``, for national bodies.

Reports follow the hierarchy (:meth:`Geography.report_places`): the area, every region
present (national processes), every province present. Disclosure control needs the sums
the reports publish (:meth:`Geography.sums`): a region is its provinces plus its
region-wide bodies, Italy its regions plus its national bodies; the bodies have no
report of their own but can be had by subtraction, so they are *places* like the
provinces (:meth:`Geography.leaf`).

Names are the keys the tables and the reports use; they are unique within a process. The
only clash in the ISTAT list, Valle d'Aosta's single unit named like its region, is
resolved by calling the unit by its first variant, "Aosta".
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from functools import cache, cached_property

from palestre_analysis.core import territories
from palestre_analysis.core.territories import Unit
from palestre_analysis.core.vocabulary import normalize_label

__all__ = ["NATIONAL", "LEVELS", "Place", "Geography", "geography", "area_unit", "bodies_label"]

#: The area of a national process, and the territory of national bodies.
NATIONAL = "Italia"
#: The levels of :attr:`Place.level`, from the top.
LEVELS = ("nazione", "regione", "provincia")
#: Words that name the region itself in a region-wide body's territory ("Regionale").
_WHOLE_AREA = {"regione": ("regionale", "regione", "intera regione"), "nazione": ("nazionale", "italia", "it")}
#: The article of each region's name, by ISTAT code, for "della Lombardia", "nel Lazio", "nelle Marche".
_ARTICLES = {
    "01": "il", "02": "la", "03": "la", "04": "il", "05": "il", "06": "il", "07": "la", "08": "l'",
    "09": "la", "10": "l'", "11": "le", "12": "il", "13": "l'", "14": "il", "15": "la", "16": "la",
    "17": "la", "18": "la", "19": "la", "20": "la",
}  # fmt: skip
_ARTICULATED = {
    "di": {"il": "del ", "la": "della ", "l'": "dell'", "le": "delle "},
    "in": {"il": "nel ", "la": "in ", "l'": "in ", "le": "nelle "},
}
#: Prefix of the pseudo-places of the bodies of a region or of the country (never a real name).
_BODIES = "__enti__:"


@dataclass(frozen=True)
class Place:
    """A territory of a process: Italy, a region or a province-level unit.

    Attributes
    ----------
    code : str
        ``IT`` for Italy, the ISTAT code for a region (``"03"``), the sigla for a unit.
    name : str
        The name the tables and reports use, unique within the process.
    level : str
        One of :data:`LEVELS`.
    region : str or None
        The name of the region (a region's own name); ``None`` for Italy.
    unit : Unit or None
        The row of the territorial table; ``None`` for Italy.
    """

    code: str
    name: str
    level: str
    region: str | None
    unit: Unit | None

    @property
    def sigla(self) -> str | None:
        """The unit's sigla; ``None`` for a region or Italy."""
        return self.unit.sigla if self.unit is not None and self.level == "provincia" else None

    def with_preposition(self, preposition: str) -> str:
        """The name after "di" or "in", with the article Italian wants.

        Parameters
        ----------
        preposition : {"di", "in"}

        Returns
        -------
        str

        Examples
        --------
        >>> on = date(2019, 6, 30)
        >>> [Geography(a, on).area.with_preposition("di") for a in ("Lombardia", "Veneto", "Marche", "Italia")]
        ['della Lombardia', 'del Veneto', 'delle Marche', "dell'Italia"]
        >>> [Geography(a, on).area.with_preposition("in") for a in ("Lombardia", "Lazio", "Marche", "Italia")]
        ['in Lombardia', 'nel Lazio', 'nelle Marche', 'in Italia']
        >>> Geography("Veneto", on).read("VR").with_preposition("di")
        'di Verona'
        """
        if self.level == "provincia":
            return f"{preposition} {self.name}"
        article = "l'" if self.level == "nazione" else _ARTICLES[self.code]
        return f"{_ARTICULATED[preposition][article]}{self.name}"


def area_unit(area: str) -> Unit | None:
    """The region an ``area`` value names (any date), or ``None`` for Italy or an unknown name.

    Parameters
    ----------
    area : str
        The ``area`` of a process file.

    Returns
    -------
    Unit or None

    Examples
    --------
    >>> area_unit("veneto").name, area_unit("Valle d'Aosta").name, area_unit("Italia")
    ('Veneto', "Valle d'Aosta/Vallée d'Aoste", None)
    """
    if normalize_label(area) == normalize_label(NATIONAL):
        return None
    return territories.find(area, date.today(), kind="regione")


def bodies_label(place: str) -> str:
    """The pseudo-place of the bodies whose territory is ``place`` itself (a region or Italy).

    Parameters
    ----------
    place : str
        A region's name or ``Italia``.

    Returns
    -------
    str
        A label no real territory has.

    Examples
    --------
    >>> bodies_label("Lombardia")
    '__enti__:Lombardia'
    """
    return f"{_BODIES}{place}"


class Geography:
    """The places of a process on its reference date, and how they nest.

    Parameters
    ----------
    area : str
        A region (any spelling :func:`.territories.find` reads) or ``Italia``.
    on : datetime.date
        The reference date: the units valid on that day are the process's.

    Raises
    ------
    ValueError
        For an area that names no region, or a date the table does not cover.

    Examples
    --------
    >>> lombardy = Geography("Lombardia", date(2019, 6, 30))
    >>> lombardy.read("Bergamo (BG)").name, lombardy.read("Regione Lombardia").level
    ('Bergamo', 'regione')
    >>> print(lombardy.why_not("Verona"))  # doctest: +NORMALIZE_WHITESPACE
    La provincia di Verona (VR) non è in Lombardia, l'area del processo: indicare una provincia della Lombardia
    (BG BS CO CR LC LO MB MI MN PV SO VA, anche per nome) oppure «Lombardia» per gli enti regionali.
    >>> italy = Geography("Italia", date(2019, 6, 30))
    >>> [p.name for p in (italy.read("SU"), italy.read("Italia"), italy.read("Trentino-Alto Adige"))]
    ['Sud Sardegna', 'Italia', 'Trentino-Alto Adige/Südtirol']
    """

    def __init__(self, area: str, on: date):
        self.on = on
        self.national = normalize_label(area) == normalize_label(NATIONAL)
        if self.national:
            self._region_units = territories.regions(on)
            self.area = Place("IT", NATIONAL, "nazione", None, None)
        else:
            unit = territories.find(area, on, kind="regione")
            if unit is None:
                raise ValueError(f"«{area}» non è una regione italiana né «{NATIONAL}».")
            self._region_units = [unit]
            self.area = _region_place(unit)

    # --- the places -------------------------------------------------------------------------

    @cached_property
    def regions(self) -> list[Place]:
        """The regions of the area, in ISTAT order (one for a regional process)."""
        return [_region_place(u) for u in self._region_units]

    @cached_property
    def provinces(self) -> list[Place]:
        """The province-level units of the area valid on the reference date, in ISTAT order."""
        found = []
        for region in self._region_units:
            for unit in territories.units(self.on, region.code):
                name = unit.variants[0] if unit.name == region.name and unit.variants else unit.name
                found.append(Place(unit.sigla, name, "provincia", region.name, unit))
        return found

    @cached_property
    def _by_name(self) -> dict[str, Place]:
        places = [self.area, *(self.regions if self.national else []), *self.provinces]
        return {p.name: p for p in places}

    @cached_property
    def _by_label(self) -> dict[str, Place]:
        """Each place by its folded name: cleaning reads one territory per row, so the folding is done once."""
        return {normalize_label(name): place for name, place in self._by_name.items()}

    @cached_property
    def _by_unit(self) -> dict[Unit, Place]:
        """Each place by its row of the territorial table (Italy has none)."""
        return {place.unit: place for place in [*self.regions, *self.provinces]}

    def place(self, name: str) -> Place:
        """The place called ``name`` (as the tables write it).

        Parameters
        ----------
        name : str

        Returns
        -------
        Place

        Raises
        ------
        KeyError
            When no place of the area has that name.
        """
        return self._by_name[name]

    def names(self) -> list[str]:
        """Every place's name: the area, its regions (national), its provinces."""
        return list(self._by_name)

    # --- reading what people write ------------------------------------------------------------

    def read(self, text: object) -> Place | None:
        """The place of the area that ``text`` names, or ``None`` (see :meth:`why_not`).

        Parameters
        ----------
        text : object
            A territory as written: a unit's name, sigla or variant, a region, "Italia".

        Returns
        -------
        Place or None
        """
        label = normalize_label(text)
        if not label:
            return None
        if label in _WHOLE_AREA[self.area.level] or label == normalize_label(self.area.name):
            return self.area
        if label in self._by_label:
            return self._by_label[label]
        unit = territories.find(str(text), self.on)
        return None if unit is None else self._by_unit.get(unit)

    def why_not(self, text: object) -> str:
        """Why :meth:`read` does not read ``text``, as an Italian sentence ending with a full stop.

        Parameters
        ----------
        text : object

        Returns
        -------
        str
            A place outside the area (naming the area), a unit not valid on the date
            (when it was valid), a name and a sigla that disagree, or what is accepted.
        """
        shown = str(text).strip()
        if self.read(text) is not None:
            raise ValueError(f"«{shown}» is a place of the process.")
        unit = territories.find(shown, self.on)
        if unit is not None:
            return (
                f"{_capital(_designation(unit))} non è {self.area.with_preposition('in')}, l'area del processo: "
                f"{self.choices()}."
            )
        reason = territories.why_not(shown, self.on)
        if reason is not None:
            return reason
        return f"«{shown}» non è un territorio riconosciuto: {self.choices()}."

    def choices(self) -> str:
        """What a ``territorio`` may be in this process, as a phrase."""
        if self.national:
            return (
                "indicare una provincia o città metropolitana italiana (nome o sigla), una regione per gli enti "
                f"regionali, oppure «{NATIONAL}» per gli enti nazionali"
            )
        sigle = " ".join(sorted(p.code for p in self.provinces))
        return (
            f"indicare una provincia {self.area.with_preposition('di')} ({sigle}, anche per nome) oppure «{self.area.name}» "
            "per gli enti regionali"
        )

    # --- the hierarchy -------------------------------------------------------------------------

    def parent(self, name: str) -> Place | None:
        """The territory one level up (a province's region, a region's Italy), ``None`` for the area.

        Parameters
        ----------
        name : str

        Returns
        -------
        Place or None
        """
        place = self.place(name)
        if place is self.area:
            return None
        if place.level == "provincia":
            return self.place(place.region) if self.national else self.area
        return self.area

    def chain(self, name: str) -> list[Place]:
        """The place and every territory above it, from the area down (``Italia › Veneto › Verona``).

        Parameters
        ----------
        name : str

        Returns
        -------
        list of Place
        """
        chain = [self.place(name)]
        while (up := self.parent(chain[0].name)) is not None:
            chain.insert(0, up)
        return chain

    def covers(self, name: str) -> set[str]:
        """The entity territories a territory's report covers: itself and every place below it.

        Parameters
        ----------
        name : str

        Returns
        -------
        set of str
        """
        place = self.place(name)
        if place is self.area:
            return set(self._by_name)
        if place.level == "regione":
            return {place.name, *(p.name for p in self.provinces if p.region == place.name)}
        return {place.name}

    def report_places(self, present: object) -> list[Place]:
        """The territories that get reports, given the entity territories present.

        The area first; then, region by region in ISTAT order, the region (national
        processes only) and its provinces present, in alphabetical order.

        Parameters
        ----------
        present : iterable of str
            Entity territories (names) found in the data.

        Returns
        -------
        list of Place
        """
        present = {str(p) for p in present}
        places = [self.area]
        for region in self.regions:
            provinces = sorted(
                (p for p in self.provinces if p.region == region.name and p.name in present),
                key=lambda p: normalize_label(p.name),
            )
            if self.national and (provinces or region.name in present):
                places.append(region)
            places.extend(provinces)
        return places

    def leaf(self, name: str) -> str:
        """The place an entity of territory ``name`` counts in: its province, or the bodies of its region or country.

        Parameters
        ----------
        name : str

        Returns
        -------
        str
        """
        place = self.place(name)
        return place.name if place.level == "provincia" else bodies_label(place.name)

    def sums(self) -> dict[str, list[str]]:
        """Every total the reports publish and the places that add up to it.

        A region is its provinces and its bodies; Italy (national processes) its regions
        and its national bodies. Totals are listed bottom up, so that a region's total
        appears before the country's.

        Returns
        -------
        dict of str to list of str

        Examples
        --------
        >>> sums = Geography("Lombardia", date(2019, 6, 30)).sums()
        >>> list(sums), len(sums["Lombardia"]), sums["Lombardia"][-1]
        (['Lombardia'], 13, '__enti__:Lombardia')
        """
        sums = {}
        for region in self.regions:
            sums[region.name] = [p.name for p in self.provinces if p.region == region.name] + [
                bodies_label(region.name)
            ]
        if self.national:
            sums[self.area.name] = [r.name for r in self.regions] + [bodies_label(self.area.name)]
        return sums

    def leaves(self) -> list[str]:
        """Every place an entity counts in (:meth:`leaf`), provinces and bodies, in ISTAT order."""
        found = []
        for region in self.regions:
            found += [p.name for p in self.provinces if p.region == region.name] + [bodies_label(region.name)]
        return found + ([bodies_label(self.area.name)] if self.national else [])


@cache
def geography(area: str, on: date) -> Geography:
    """The :class:`Geography` of ``area`` on ``on``, built once per pair.

    Parameters
    ----------
    area : str
    on : datetime.date

    Returns
    -------
    Geography
    """
    return Geography(area, on)


def _region_place(unit: Unit) -> Place:
    return Place(unit.code, unit.name, "regione", unit.name, unit)


def _designation(unit: Unit) -> str:
    """ "la provincia di Verona (VR)", "il libero consorzio comunale di Enna (EN)", "la regione Veneto"."""
    if unit.kind == "regione":
        return f"la regione {unit.name}"
    label = unit.designation
    article = "il " if label.startswith("libero ") else "la "
    return f"{article}{label} ({unit.sigla})"


def _capital(text: str) -> str:
    return text[0].upper() + text[1:]
