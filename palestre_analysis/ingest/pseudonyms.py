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
    """Real personal data and no key to pseudonymise it."""


def pseudonym(key: bytes, name: str = "", email: str = "") -> str | None:
    """The delegate's pseudonym: 16 hex characters, or ``None`` with neither name nor email.

    Parameters
    ----------
    key : bytes
        Secret key.
    name, email : str
        Raw values; emails compare case-insensitively, names also ignore accents and spaces.

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
    """
    value = os.environ.get(config.PSEUDO_KEY_ENV, "").strip()
    if value:
        return value.encode("utf-8")
    key_file = Path(os.environ.get(config.PSEUDO_KEY_FILE_ENV, config.DEFAULT_KEY_FILE)).expanduser()
    if key_file.is_file():
        if key_file.resolve().is_relative_to(config.PROJECT_ROOT):
            raise KeyMissing([Problem(str(key_file), None, None,
                                      "il file della chiave di pseudonimizzazione è dentro il repository: "
                                      "spostarlo fuori (per esempio in ~/.config/palestre/pseudo.key)")])
        return key_file.read_text(encoding="utf-8").strip().encode("utf-8")
    if demo:
        return config.DEMO_PSEUDO_KEY.encode("utf-8")
    raise KeyMissing([Problem(source, None, None,
                              "i dati contengono nomi o email dei delegati ma manca la chiave per "
                              "pseudonimizzarli: crearla con «palestre keygen» (la salva in "
                              f"{config.DEFAULT_KEY_FILE}) oppure impostare la variabile "
                              f"{config.PSEUDO_KEY_ENV}; conservarla fuori dal repository")])


def write_new_key(path: Path | None = None) -> Path:
    """Write a new random key (readable by its owner only) and return its path."""
    path = Path(path or config.DEFAULT_KEY_FILE).expanduser()
    if path.exists():
        raise FileExistsError(f"la chiave esiste già in {path}: non la sovrascrivo")
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
        handle.write(secrets.token_hex(32) + "\n")
    return path
