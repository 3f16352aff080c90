"""Files that are never half-written, and paths that never leave the output folder.

Every final file of a batch (executed notebook, HTML, table, manifest, index) is first
written to a temporary file in the same folder, then moved in place with
:func:`os.replace`, which is atomic on POSIX and Windows: a reader, or a run that is
interrupted, sees the old file or the new one, never a part of it.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

__all__ = [
    "TEMP_SUFFIX",
    "atomic_write_bytes",
    "atomic_write_text",
    "atomic_write_with",
    "ensure_inside",
    "unlink_quietly",
]

#: Suffix of temporary files; they always start with a dot, so they are hidden.
TEMP_SUFFIX = ".tmp"


def atomic_write_bytes(path: Path | str, data: bytes) -> Path:
    """Write ``data`` to ``path`` through a temporary file and :func:`os.replace`.

    Parameters
    ----------
    path : Path or str
        Final path; its folder must exist.
    data : bytes
        Whole content of the file.

    Returns
    -------
    Path
        ``path``.

    Notes
    -----
    The temporary file lives in the same folder (a rename across file systems is not
    atomic) and is removed if anything, including ``KeyboardInterrupt``, stops the write.

    Examples
    --------
    >>> import tempfile
    >>> folder = Path(tempfile.mkdtemp())
    >>> atomic_write_bytes(folder / "a.txt", b"uno").read_bytes()
    b'uno'
    >>> sorted(p.name for p in folder.iterdir())
    ['a.txt']
    """

    def write(temporary: str) -> None:
        with open(temporary, "wb") as stream:
            stream.write(data)
            stream.flush()
            os.fsync(stream.fileno())

    return atomic_write_with(path, write)


def atomic_write_text(path: Path | str, text: str) -> Path:
    """Write UTF-8 ``text`` atomically (see :func:`atomic_write_bytes`).

    Parameters
    ----------
    path : Path or str
        Final path; its folder must exist.
    text : str
        Whole content of the file, encoded as UTF-8 (no BOM, newlines written as given).

    Returns
    -------
    Path
        ``path``, as a :class:`~pathlib.Path`.

    Examples
    --------
    >>> import tempfile
    >>> atomic_write_text(Path(tempfile.mkdtemp()) / "b.txt", "perché").read_text(encoding="utf-8")
    'perché'
    """
    return atomic_write_bytes(path, text.encode("utf-8"))


def atomic_write_with(path: Path | str, write) -> Path:
    """Atomic write for writers that want a path (``DataFrame.to_parquet``, ``to_csv``).

    ``write(temporary_path)`` fills a temporary file in the same folder, which then
    replaces ``path``; anything that stops the writer removes the temporary file.

    Parameters
    ----------
    path : Path or str
        Final path; its folder must exist.
    write : callable
        ``write(temporary_path: str)`` fills the (already created, empty) temporary file;
        its return value is ignored.

    Returns
    -------
    Path
        ``path``, as a :class:`~pathlib.Path`.

    Raises
    ------
    BaseException
        Whatever ``write`` raises (``KeyboardInterrupt`` included) is raised again, after
        the temporary file is removed; ``path`` is then left as it was.

    Notes
    -----
    The final file is made readable by everybody (mode ``0o644``), whatever the umask.

    Examples
    --------
    >>> import tempfile
    >>> target = Path(tempfile.mkdtemp()) / "c.txt"
    >>> atomic_write_with(target, lambda p: Path(p).write_text("tre")).read_text()
    'tre'
    """
    path = Path(path)
    handle, temp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=TEMP_SUFFIX)
    try:
        os.close(handle)
        write(temp)
        os.chmod(temp, 0o644)
        os.replace(temp, path)
    except BaseException:
        unlink_quietly(temp)
        raise
    return path


def ensure_inside(root: Path | str, path: Path | str) -> Path:
    """Return ``path`` resolved, or raise ``ValueError`` when it is not inside ``root``.

    Symbolic links are resolved first, so a link that points elsewhere is refused too.

    Parameters
    ----------
    root : Path or str
        The folder nothing may leave (the ``reports`` folder of a batch).
    path : Path or str
        A path built from it.

    Returns
    -------
    Path
        ``path``, absolute and with symbolic links resolved.

    Raises
    ------
    ValueError
        When the resolved ``path`` is neither ``root`` nor inside it.

    Examples
    --------
    >>> ensure_inside("/tmp/out", "/tmp/out/brescia/a.html").as_posix()
    '/tmp/out/brescia/a.html'
    >>> ensure_inside("/tmp/out", "/tmp/out/../etc/passwd")
    Traceback (most recent call last):
    ...
    ValueError: /tmp/etc/passwd is outside the output folder /tmp/out.
    """
    root_resolved = Path(root).resolve()
    resolved = Path(path).resolve()
    if resolved != root_resolved and root_resolved not in resolved.parents:
        raise ValueError(f"{resolved} is outside the output folder {root_resolved}.")
    return resolved


def unlink_quietly(path: Path | str) -> None:
    """Remove a file if it is there.

    Parameters
    ----------
    path : Path or str
        The file; a missing one is not an error.

    Raises
    ------
    OSError
        Any other failure (a folder, no permission) is not hidden.

    Examples
    --------
    >>> import tempfile
    >>> target = Path(tempfile.mkdtemp()) / "d.txt"
    >>> unlink_quietly(target)  # not there: nothing happens
    >>> _ = target.write_text("quattro"); unlink_quietly(target); target.exists()
    False
    """
    try:
        os.unlink(path)
    except FileNotFoundError:
        pass
