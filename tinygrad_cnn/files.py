"""Writing files so that nothing is lost: every write goes to a temporary file beside the target, is flushed
to disk, then renamed over it (``os.replace`` is atomic on POSIX). Readers see the old file or the new one,
never half of one; a failure or an interrupt leaves the old file and no temporary behind.

Examples:
    >>> import pathlib, tempfile
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> write_text(folder / "note.txt", "hello\\n")
    >>> (folder / "note.txt").read_text()
    'hello\\n'
    >>> with atomic_open(folder / "data.bin") as f:
    ...     _ = f.write(b"\\x00\\x01")
    >>> (folder / "data.bin").read_bytes()
    b'\\x00\\x01'
    >>> sorted(p.name for p in folder.iterdir())      # no temporary files left behind
    ['data.bin', 'note.txt']
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
from typing import IO

__all__ = ["atomic_open", "write_text", "write_bytes", "temporary_name_prefix"]

PathLike = str | os.PathLike


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def temporary_name_prefix(path: PathLike) -> str:
    """The prefix of the hidden temporary files that :func:`atomic_open` makes for ``path``."""
    return f".{os.path.basename(os.fspath(path))}."


@contextlib.contextmanager
def atomic_open(path: PathLike, mode: str = "wb", encoding: str | None = None) -> Iterator[IO]:
    """Open a temporary file beside ``path`` for writing; on a clean exit it replaces ``path`` atomically.

    The file gets an ordinary file's permissions (``0o666`` less the umask), not ``mkstemp``'s private 0600.
    """
    if mode not in ("w", "wb"):
        raise ValueError(f"atomic_open: mode must be 'w' or 'wb', got {mode!r}")
    path = os.fspath(path)
    directory = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(directory):
        raise FileNotFoundError(f"cannot write {path}: the folder {directory} does not exist")
    fd, temporary = tempfile.mkstemp(prefix=temporary_name_prefix(path), suffix=".tmp", dir=directory)
    try:
        os.fchmod(fd, 0o666 & ~_umask())
        with os.fdopen(fd, mode, encoding=encoding if "b" not in mode else None) as f:
            yield f
            f.flush()
            os.fsync(f.fileno())  # the bytes are on disk before the name points at them
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temporary)
        raise
    _fsync_directory(directory)


def write_text(path: PathLike, text: str) -> None:
    """Write ``text`` (UTF-8) to ``path`` atomically."""
    with atomic_open(path, "w", encoding="utf-8") as f:
        f.write(text)


def write_bytes(path: PathLike, data: bytes) -> None:
    """Write ``data`` to ``path`` atomically."""
    with atomic_open(path, "wb") as f:
        f.write(data)


def _fsync_directory(directory: str) -> None:
    """Make the rename itself durable (POSIX); a no-op where directories cannot be opened."""
    with contextlib.suppress(OSError):
        fd = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
