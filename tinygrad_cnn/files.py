"""Writing files so that nothing is lost: every write goes to a temporary file beside the target, is flushed
to disk, then renamed over it (``os.replace`` is atomic on POSIX). Readers see the old file or the new one,
never half of one; a failure or an interrupt leaves the old file and no temporary behind.

A process killed mid-write (``kill -9``, a power cut) cannot remove its temporary; the next write to the same
path does (:func:`remove_stale_temporaries`). A writer holds an advisory lock on its temporary for as long as it
writes, so a temporary nobody holds a lock on belongs to a writer that is gone (where locks are not available,
a temporary counts as stale once it is :data:`STALE_AFTER` seconds old).

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
import time
from collections.abc import Iterator
from typing import IO

try:
    import fcntl
except ImportError:  # pragma: no cover (Windows)
    fcntl = None  # type: ignore[assignment]

__all__ = ["atomic_open", "write_text", "write_bytes", "temporary_name_prefix", "remove_stale_temporaries",
           "STALE_AFTER"]  # fmt: skip

PathLike = str | os.PathLike
TEMPORARY_SUFFIX = ".tmp"
STALE_AFTER = 3600.0  # seconds: without locks, a temporary this old is taken to be a dead writer's
JUST_MADE = 2.0  # seconds: a temporary younger than this may not be locked yet by its (live) writer


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
    remove_stale_temporaries(path)
    fd, temporary = tempfile.mkstemp(prefix=temporary_name_prefix(path), suffix=TEMPORARY_SUFFIX, dir=directory)
    try:
        if fcntl is not None:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)  # held until the file is closed (or we die)
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


def remove_stale_temporaries(path: PathLike) -> list[str]:
    """Delete the temporaries that killed writes to ``path`` left behind; return their names.

    A temporary is stale when no live writer holds its lock (it is at least :data:`JUST_MADE` seconds old, so a
    writer between creating and locking it is left alone) or, where there are no locks, when it is older than
    :data:`STALE_AFTER`. Only names :func:`atomic_open` makes for ``path`` are looked at.

    Examples:
        >>> import pathlib, tempfile
        >>> folder = pathlib.Path(tempfile.mkdtemp())
        >>> left = folder / ".model.npz.abc123.tmp"; _ = left.write_bytes(b"half a checkpo")
        >>> os.utime(left, (0, 0))                         # long ago: its writer was killed
        >>> remove_stale_temporaries(folder / "model.npz"), sorted(p.name for p in folder.iterdir())
        (['.model.npz.abc123.tmp'], [])
    """
    path = os.fspath(path)
    directory = os.path.dirname(os.path.abspath(path))
    prefix = temporary_name_prefix(path)
    removed = []
    with contextlib.suppress(OSError):
        names = [n for n in os.listdir(directory) if n.startswith(prefix) and n.endswith(TEMPORARY_SUFFIX)]
        for name in names:
            candidate = os.path.join(directory, name)
            if _is_stale(candidate):
                with contextlib.suppress(FileNotFoundError):
                    os.unlink(candidate)
                    removed.append(name)
    return removed


def _is_stale(candidate: str) -> bool:
    try:
        age = time.time() - os.lstat(candidate).st_mtime
        if fcntl is None:
            return age > STALE_AFTER
        if age < JUST_MADE:
            return False
        fd = os.open(candidate, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    except OSError:
        return False
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)  # we get it only if no writer holds it
        return True
    except OSError:
        return False
    finally:
        os.close(fd)


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
