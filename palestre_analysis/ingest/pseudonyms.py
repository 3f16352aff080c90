"""Keyed pseudonyms for delegates: names and emails never leave the cleaning step.

A delegate is identified by HMAC-SHA256 of their normalised email (or, without one, of
their normalised name) under a secret key. The same person gets the same pseudonym in
every run with the same key; without the key nobody can test a guessed name against it
(a plain hash could be reversed by trying a list of names).
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from pathlib import Path

from palestre_analysis import config
from palestre_analysis.core.problems import DataError, Problem
from palestre_analysis.core.vocabulary import normalize_label

__all__ = ["pseudonym", "load_key", "write_new_key", "KeyMissing", "PSEUDONYM_LENGTH"]

PSEUDONYM_LENGTH = 16


class KeyMissing(DataError):
    """Real personal data and no key to pseudonymise it.

    Also raised when the key file lies inside the repository. A
    :class:`~palestre_analysis.core.problems.DataError`, so the command line prints its
    sentence and exits with status 1.

    Parameters
    ----------
    problems : list of Problem
        One problem, whose reason says how to create or move the key.
    """


def pseudonym(key: bytes, name: str = "", email: str = "") -> str | None:
    """The delegate's pseudonym: 16 hex characters, or ``None`` with neither name nor email.

    Parameters
    ----------
    key : bytes
        Secret key.
    name, email : str
        Raw values; emails compare case-insensitively, names also ignore accents and spaces.

    Returns
    -------
    str or None
        The first 16 hex characters of HMAC-SHA256 of ``email:<email>`` when there is an
        email, else of ``name:<name>``; ``None`` when both are blank.

    Examples
    --------
    >>> k = b"demo"
    >>> pseudonym(k, email="Anna.Rossi@example.org") == pseudonym(k, email=" anna.rossi@EXAMPLE.org")
    True
    >>> len(pseudonym(k, name="Anna Rossi")), pseudonym(k)
    (16, None)
    """
    email, name = email.strip().lower(), normalize_label(name)
    if not email and not name:
        return None
    message = ("email:" + email) if email else ("name:" + name)
    return hmac.new(key, message.encode("utf-8"), hashlib.sha256).hexdigest()[:PSEUDONYM_LENGTH]


def load_key(*, demo: bool, source: str) -> bytes:
    """The pseudonymisation key: environment, key file, or — for the demo only — the public demo key.

    Raises :class:`KeyMissing` with instructions when real data has no key, or when the
    key file lies inside the repository (where it could be committed by mistake).

    The key is, in this order: the value of ``PALESTRE_PSEUDO_KEY`` (trimmed, when not
    blank); the content of the file named by ``PALESTRE_PSEUDO_KEY_FILE`` (default
    ``~/.config/palestre/pseudo.key``), trimmed; for the demo, the public demo key.

    Parameters
    ----------
    demo : bool
        Whether the raw folder is the synthetic demo set (which may fall back on
        :data:`~palestre_analysis.config.DEMO_PSEUDO_KEY`).
    source : str
        File named in the problem when there is no key (the entities file).

    Returns
    -------
    bytes
        The key, as UTF-8 bytes.

    Raises
    ------
    KeyMissing
        When no key is found for real data, or the key file is inside the project.

    Examples
    --------
    >>> import tempfile
    >>> from unittest import mock
    >>> nowhere = {config.PSEUDO_KEY_ENV: "", config.PSEUDO_KEY_FILE_ENV: tempfile.mkdtemp() + "/none.key"}
    >>> with mock.patch.dict(os.environ, {**nowhere, config.PSEUDO_KEY_ENV: " segreta "}):
    ...     load_key(demo=False, source="enti.csv")
    b'segreta'
    >>> with mock.patch.dict(os.environ, nowhere):
    ...     load_key(demo=True, source="enti.csv") == config.DEMO_PSEUDO_KEY.encode()
    True
    >>> with mock.patch.dict(os.environ, nowhere):
    ...     load_key(demo=False, source="enti.csv")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    palestre_analysis.ingest.pseudonyms.KeyMissing: enti.csv: i dati contengono nomi o email dei delegati ma manca ...
    """
    value = os.environ.get(config.PSEUDO_KEY_ENV, "").strip()
    if value:
        return value.encode("utf-8")
    key_file = Path(os.environ.get(config.PSEUDO_KEY_FILE_ENV, config.DEFAULT_KEY_FILE)).expanduser()
    if key_file.is_file():
        if key_file.resolve().is_relative_to(config.PROJECT_ROOT):
            raise KeyMissing(
                [
                    Problem(
                        str(key_file),
                        None,
                        None,
                        "il file della chiave di pseudonimizzazione è dentro il repository: "
                        "spostarlo fuori (per esempio in ~/.config/palestre/pseudo.key)",
                    )
                ]
            )
        key = key_file.read_text(encoding="utf-8").strip()
        if not key:  # an empty key would pseudonymise with a key anyone knows
            raise KeyMissing(
                [
                    Problem(
                        str(key_file),
                        None,
                        None,
                        "il file della chiave di pseudonimizzazione è vuoto: crearne uno nuovo con "
                        "«palestre keygen» oppure impostare la variabile "
                        f"{config.PSEUDO_KEY_ENV}",
                    )
                ]
            )
        return key.encode("utf-8")
    if demo:
        return config.DEMO_PSEUDO_KEY.encode("utf-8")
    raise KeyMissing(
        [
            Problem(
                source,
                None,
                None,
                "i dati contengono nomi o email dei delegati ma manca la chiave per "
                "pseudonimizzarli: crearla con «palestre keygen» (la salva in "
                f"{config.DEFAULT_KEY_FILE}) oppure impostare la variabile "
                f"{config.PSEUDO_KEY_ENV}; conservarla fuori dal repository",
            )
        ]
    )


def write_new_key(path: Path | None = None) -> Path:
    """Write a new random key (readable by its owner only) and return its path.

    The key is 64 random hex characters (:func:`secrets.token_hex`), written with mode
    ``0o600``; missing parent folders are created.

    Parameters
    ----------
    path : Path, optional
        Where to write it (default: :data:`~palestre_analysis.config.DEFAULT_KEY_FILE`,
        ``~/.config/palestre/pseudo.key``); ``~`` is expanded.

    Returns
    -------
    Path
        The key file.

    Raises
    ------
    FileExistsError
        When the file already exists: a key is never overwritten (the pseudonyms made
        with it could not be recomputed).

    Examples
    --------
    >>> import tempfile
    >>> key_file = write_new_key(Path(tempfile.mkdtemp()) / "palestre" / "pseudo.key")
    >>> len(key_file.read_text(encoding="utf-8").strip())
    64
    >>> write_new_key(key_file)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    FileExistsError: la chiave esiste già in ...: non la sovrascrivo
    """
    path = Path(path or config.DEFAULT_KEY_FILE).expanduser()
    if path.exists():
        raise FileExistsError(f"la chiave esiste già in {path}: non la sovrascrivo")
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
        handle.write(secrets.token_hex(32) + "\n")
    return path
