"""How a report names its territory and the reports that contain it, in a sentence."""

from __future__ import annotations

__all__ = ["where", "network_of", "enclosing"]


def where(params, territory: str) -> str:
    """ "in Lombardia", "in Italia", "nel territorio di Brescia".

    Parameters
    ----------
    params : Parameters
        The checked notebook parameters (their ``geography``).
    territory : str
        The report's territory.

    Returns
    -------
    str

    Examples
    --------
    >>> from palestre_analysis.report.parameters import check_parameters
    >>> params = check_parameters("Lombardia", 5, 1)
    >>> where(params, "Lombardia"), where(params, "Brescia")
    ('in Lombardia', 'nel territorio di Brescia')
    """
    return _named(params, territory, "in", "nel territorio di")


def network_of(params, territory: str) -> str:
    """What follows "gli enti": "della Lombardia", "del territorio di Brescia".

    Parameters
    ----------
    params : Parameters
    territory : str

    Returns
    -------
    str
    """
    return _named(params, territory, "di", "del territorio di")


def _named(params, territory: str, preposition: str, of_province: str) -> str:
    """A region or Italy with its articulated preposition; a province as "… territorio di Brescia"."""
    place = params.geography.place(territory)
    return place.with_preposition(preposition) if place.level != "provincia" else f"{of_province} {territory}"


def enclosing(params, territory: str) -> str:
    """The results a small territory's data still count in: "dell'intera area (rapporto «Lombardia»)".

    Parameters
    ----------
    params : Parameters
    territory : str

    Returns
    -------
    str

    Examples
    --------
    >>> from palestre_analysis.report.parameters import check_parameters
    >>> enclosing(check_parameters("Lombardia", 5, 1), "Brescia")
    'del territorio che lo comprende (rapporto «Lombardia»)'
    """
    above = [p.name for p in params.geography.chain(territory)[:-1]]
    if not above:
        return "dell'intera area"
    if len(above) == 1:
        return f"del territorio che lo comprende (rapporto «{above[0]}»)"
    return "dei territori che lo comprendono (rapporti " + " e ".join(f"«{a}»" for a in above) + ")"
