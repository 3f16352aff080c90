"""Which notebook runs for which territory, and under which folder name.

The batch is a plain data structure: :data:`NOTEBOOKS` lists the notebooks with their
scope (``"territory"``: once per territory and once for the whole region; ``"region"``:
once, for the region). Tests replace it with fixture notebooks.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

from palestre_analysis import config
from palestre_analysis.core.vocabulary import TERRITORY_NAMES, normalize_label, parse_territory, slugify
from palestre_analysis.ingest.processed import table_path

__all__ = [
    "NotebookSpec",
    "ReportSpec",
    "NOTEBOOKS",
    "PlanError",
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


def territories_in(processed_dir: Path | str) -> list[str]:
    """Territories present in ``entities.parquet``, sorted, without the region.

    Only the ``territory`` column is read, with pyarrow (pandas is not needed).

    Parameters
    ----------
    processed_dir : Path or str
        The processed folder (it must hold ``entities.parquet``).

    Returns
    -------
    list of str
        Distinct territory names, empty and missing ones left out, sorted as
        :func:`~palestre_analysis.core.vocabulary.normalize_label` orders them (without
        regard to case and accents).

    Examples
    --------
    >>> import tempfile
    >>> import pyarrow as pa, pyarrow.parquet as pq
    >>> folder = Path(tempfile.mkdtemp())
    >>> names = ["Milano", "Lombardia", None, "Brescia", "Milano", " "]
    >>> pq.write_table(pa.table({"territory": names}), table_path(folder, "entities"))
    >>> territories_in(folder)
    ['Brescia', 'Milano']
    """
    import pyarrow.parquet as pq

    column = pq.read_table(table_path(processed_dir, "entities"), columns=["territory"]).column(0)
    names = {str(v) for v in column.to_pylist() if v is not None and str(v).strip()}
    return sorted(names - {config.REGION}, key=normalize_label)


def select_territories(available: list[str], requested: list[str] | str | None) -> list[str]:
    """The territories to run: the region first (when selected), then the requested ones in data order.

    Parameters
    ----------
    available : list of str
        Territories present in the data (see :func:`territories_in`).
    requested : list of str, str or None
        ``None``, ``"all"`` or ``["all"]`` for every territory; otherwise names or
        siglas (``"BS"``, ``"brescia"``, ``"Monza e Brianza"``), matched without regard to
        case, accents and punctuation. An empty list selects nothing.

    Returns
    -------
    list of str
        Territory names without repetitions, in the order of ``available`` with
        ``config.REGION`` (always available) first; every one of them when ``requested``
        asks for all.

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
    everything = [config.REGION, *[t for t in available if t != config.REGION]]
    if requested is None or requested == "all" or (not isinstance(requested, str) and "all" in requested):
        return everything
    if isinstance(requested, str):
        requested = [requested]
    by_label = {normalize_label(t): t for t in everything}
    chosen, unknown = [], []
    for name in requested:
        code = parse_territory(name)
        label = normalize_label(TERRITORY_NAMES[code]) if code else normalize_label(name)
        (chosen.append(by_label[label]) if label in by_label else unknown.append(str(name)))
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
    notebooks_dir = Path(notebooks_dir)
    ordered = sorted(notebooks, key=lambda nb: nb.scope != "region")
    plan = []
    for territory in territories:
        for notebook in ordered:
            if notebook.scope == "region" and territory != config.REGION:
                continue
            plan.append(ReportSpec(territory, slugs[territory], notebook, notebooks_dir / notebook.filename))
    return plan
