"""Which notebook runs for which territory, and under which folder name.

The batch is a plain data structure: :data:`NOTEBOOKS` lists the notebooks with their
scope (``"territory"``: once per territory and once for the whole area; ``"region"``:
for the area and, in a national process, for every region). Tests replace it with fixture notebooks.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

from palestre_analysis import config
from palestre_analysis.core.geography import Geography, geography
from palestre_analysis.core.process import DEFAULT_REFERENCE_DATE, Process
from palestre_analysis.core.vocabulary import normalize_label, slugify
from palestre_analysis.ingest.processed import read_report, table_path

__all__ = [
    "NotebookSpec",
    "ReportSpec",
    "NOTEBOOKS",
    "PlanError",
    "geography_of",
    "territories_in",
    "select_territories",
    "assign_slugs",
    "build_plan",
]


@dataclass(frozen=True)
class NotebookSpec:
    """A notebook of the batch.

    Parameters
    ----------
    filename : str
        File name inside the notebooks folder, e.g. ``"01_rete_partecipazione.ipynb"``.
    scope : {"territory", "region"}
        ``"territory"`` runs for every territory and for the region; ``"region"`` only
        for the region.
    title : str
        Italian title of the report (HTML ``<title>`` and index).

    Raises
    ------
    ValueError
        For any other ``scope``.

    Examples
    --------
    >>> NOTEBOOKS[0].stem
    '01_rete_partecipazione'
    >>> NotebookSpec("x.ipynb", "province", "X")
    Traceback (most recent call last):
    ...
    ValueError: scope must be 'territory' or 'region', not 'province'.
    """

    filename: str
    scope: str
    title: str

    def __post_init__(self):
        if self.scope not in ("territory", "region"):
            raise ValueError(f"scope must be 'territory' or 'region', not {self.scope!r}.")

    @property
    def stem(self) -> str:
        """File name without ``.ipynb``: the base name of the executed notebook and the HTML."""
        return Path(self.filename).stem


#: The project's notebooks, in the order a reader meets them.
NOTEBOOKS = (
    NotebookSpec("01_rete_partecipazione.ipynb", "territory", "Fase 1 · Rete e partecipazione"),
    NotebookSpec("02_risorse_esigenze.ipynb", "territory", "Fase 2 · Risorse ed esigenze"),
    NotebookSpec("03_relazione_finale.ipynb", "region", "Relazione finale"),
)


@dataclass(frozen=True)
class ReportSpec:
    """One report to produce: a notebook for a territory.

    ``key`` (``"<slug>/<notebook stem>"``) names it in the manifest and the index.

    Parameters
    ----------
    territory : str
        Territory name, as the notebook's ``territorio`` parameter (``config.REGION`` for
        the region).
    slug : str
        The territory's folder name (see :func:`assign_slugs`).
    notebook : NotebookSpec
        The notebook to run.
    notebook_path : Path
        Where the notebook file is.

    Examples
    --------
    >>> ReportSpec("Brescia", "brescia", NOTEBOOKS[0], Path("notebooks") / NOTEBOOKS[0].filename).key
    'brescia/01_rete_partecipazione'
    """

    territory: str
    slug: str
    notebook: NotebookSpec
    notebook_path: Path

    @property
    def key(self) -> str:
        """``"<slug>/<notebook stem>"``: the report's name in the manifest and the index."""
        return f"{self.slug}/{self.notebook.stem}"


_MAX_SLUG = 60


class PlanError(ValueError):
    """A requested territory that the data does not hold; the message says which ones do."""


def geography_of(processed_dir: Path | str | None) -> Geography:
    """The places of the process the processed folder was cleaned with (the seed's without a report).

    Parameters
    ----------
    processed_dir : Path or str or None
        The processed folder (its ``cleaning_report.json`` records the process).

    Returns
    -------
    Geography
    """
    process = Process.from_json(read_report(processed_dir).get("process")) if processed_dir else Process()
    return geography(process.area, process.reference_date or DEFAULT_REFERENCE_DATE)


def territories_in(processed_dir: Path | str) -> list[str]:
    """The territories that get reports, in the order of the hierarchy, the whole area first.

    Only the ``territory`` column of ``entities.parquet`` is read, with pyarrow (pandas is
    not needed); the places come from the process's geography
    (:meth:`~palestre_analysis.core.geography.Geography.report_places`): the area, then
    region by region (national processes) the region and its provinces present.

    Parameters
    ----------
    processed_dir : Path or str
        The processed folder (it must hold ``entities.parquet``).

    Returns
    -------
    list of str
        Territory names, the area first; names the geography does not know (a table not
        written by the cleaning) come last, sorted.

    Examples
    --------
    >>> import tempfile
    >>> import pyarrow as pa, pyarrow.parquet as pq
    >>> folder = Path(tempfile.mkdtemp())
    >>> names = ["Milano", "Lombardia", None, "Brescia", "Milano", " "]
    >>> pq.write_table(pa.table({"territory": names}), table_path(folder, "entities"))
    >>> territories_in(folder)
    ['Lombardia', 'Brescia', 'Milano']
    """
    import pyarrow.parquet as pq

    column = pq.read_table(table_path(processed_dir, "entities"), columns=["territory"]).column(0)
    names = {str(v) for v in column.to_pylist() if v is not None and str(v).strip()}
    places = geography_of(processed_dir)
    # the cleaning admits only places of the process; a table written otherwise still loses no territory
    unknown = sorted(names - set(places.names()), key=normalize_label)
    return [place.name for place in places.report_places(names)] + unknown


def select_territories(
    available: list[str], requested: list[str] | str | None, places: Geography | None = None
) -> list[str]:
    """The territories to run, in the order of ``available`` (the area always first).

    Parameters
    ----------
    available : list of str
        Territories present in the data (see :func:`territories_in`); the area is added
        first when missing.
    requested : list of str, str or None
        ``None``, ``"all"`` or ``["all"]`` for every territory; otherwise names or
        siglas (``"BS"``, ``"brescia"``, ``"Monza e Brianza"``), read as the process's
        geography reads them. A region of a national process runs with its provinces
        (``--territory Veneto``). An empty list selects nothing.
    places : Geography, optional
        The process's places (:func:`geography_of`); the seed's by default.

    Returns
    -------
    list of str
        Territory names without repetitions, in the order of ``available``.

    Raises
    ------
    PlanError
        For a name that is not in the data.

    Examples
    --------
    >>> select_territories(["Brescia", "Milano"], "all")
    ['Lombardia', 'Brescia', 'Milano']
    >>> select_territories(["Brescia", "Milano"], ["mi"])
    ['Milano']
    >>> select_territories(["Brescia", "Milano"], ["milano", "LOMBARDIA", "BS"])
    ['Lombardia', 'Brescia', 'Milano']
    >>> try:
    ...     select_territories(["Brescia"], ["Pavia"])
    ... except PlanError as exc:
    ...     print(exc)  # doctest: +NORMALIZE_WHITESPACE
    Territorio non presente nei dati: Pavia.
    Territori disponibili: Lombardia, Brescia.
    """
    places = places or geography_of(None)
    area = places.area.name
    everything = [area, *[t for t in available if t != area]]
    if requested is None or requested == "all" or (not isinstance(requested, str) and "all" in requested):
        return everything
    if isinstance(requested, str):
        requested = [requested]
    by_label = {normalize_label(t): t for t in everything}
    chosen, unknown = set(), []
    for name in requested:
        place = places.read(name)
        label = normalize_label(place.name if place else name)
        if label not in by_label:
            unknown.append(str(name))
            continue
        found = by_label[label]
        chosen.add(found)
        if place is not None and place.level == "regione" and found != area:  # a region runs with its provinces
            chosen |= {t for t in everything if t != area and t in places.covers(found)}
    if unknown:
        raise PlanError(
            f"Territorio non presente nei dati: {', '.join(unknown)}. Territori disponibili: {', '.join(everything)}."
        )
    return [t for t in everything if t in chosen]


def assign_slugs(territories: list[str]) -> dict[str, str]:
    """A distinct, safe folder name for each territory.

    Two names with the same :func:`~palestre_analysis.core.vocabulary.slugify` (``"Brescia"``
    and ``"BRESCIA!"``) get a short hash of the name appended to the later ones, so that
    no report overwrites another; a very long name is cut (with its hash) to stay a valid
    file name.

    Parameters
    ----------
    territories : list of str
        Territory names; earlier names keep the plain slug, so pass them in a stable order.

    Returns
    -------
    dict of str to str
        Territory name -> folder name (ASCII letters, digits and hyphens, never empty).

    Examples
    --------
    >>> assign_slugs(["Lombardia", "Monza e della Brianza", "../../etc"])
    {'Lombardia': 'lombardia', 'Monza e della Brianza': 'monza-e-della-brianza', '../../etc': 'etc'}
    >>> slugs = assign_slugs(["Brescia", "BRESCIA!"])
    >>> slugs["Brescia"], slugs["BRESCIA!"].startswith("brescia-")
    ('brescia', True)
    """
    slugs: dict[str, str] = {}
    taken: set[str] = set()
    for name in territories:
        slug = slugify(name)
        digest = hashlib.sha256(name.encode("utf-8")).hexdigest()[:8]
        if len(slug) > _MAX_SLUG:
            slug = f"{slug[:_MAX_SLUG].rstrip('-')}-{digest}"
        if slug in taken:
            slug = f"{slug}-{digest}"
        taken.add(slug)
        slugs[name] = slug
    return slugs


def build_plan(
    territories: list[str],
    notebooks: tuple[NotebookSpec, ...] = NOTEBOOKS,
    notebooks_dir: Path | str = config.NOTEBOOKS_DIR,
    slugs: dict[str, str] | None = None,
    places: Geography | None = None,
) -> list[ReportSpec]:
    """Every report of a batch, the region's first (they are the longest).

    Parameters
    ----------
    territories : list of str
        Territories to run, as :func:`select_territories` returns them; the region
        (``config.REGION``) gets the ``"region"`` notebooks too.
    notebooks : tuple of NotebookSpec
        The batch's notebooks (:data:`NOTEBOOKS` by default).
    notebooks_dir : Path or str
        Where the notebook files are.
    slugs : dict, optional
        Folder name of each territory (it must name every one of ``territories``); by
        default :func:`assign_slugs` of ``territories``.
        Pass the slugs of *every* territory in the data, so that a territory keeps its
        folder whether it runs alone or with the others.
    places : Geography, optional
        The process's places: the ``"region"`` notebooks run for the area and, in a
        national process, for every region. The seed's by default.

    Returns
    -------
    list of ReportSpec
        For each territory in the given order, its notebooks with the ``"region"`` ones
        first; the region's reports come first when the region is first in ``territories``.

    Examples
    --------
    >>> [r.key for r in build_plan(["Lombardia", "Brescia"])]  # doctest: +NORMALIZE_WHITESPACE
    ['lombardia/03_relazione_finale', 'lombardia/01_rete_partecipazione',
     'lombardia/02_risorse_esigenze', 'brescia/01_rete_partecipazione', 'brescia/02_risorse_esigenze']
    """
    slugs = slugs or assign_slugs(territories)
    places = places or geography_of(None)
    whole = {places.area.name, *(r.name for r in places.regions if places.national)}
    notebooks_dir = Path(notebooks_dir)
    ordered = sorted(notebooks, key=lambda nb: nb.scope != "region")
    plan = []
    for territory in territories:
        for notebook in ordered:
            if notebook.scope == "region" and territory not in whole:
                continue
            plan.append(ReportSpec(territory, slugs[territory], notebook, notebooks_dir / notebook.filename))
    return plan
