"""Where generated data sets are kept between runs, and how arrays go in and out of it safely.

The folder is, in order: the ``cache_dir`` argument, the environment variable ``TINYGRAD_CNN_CACHE``,
``$XDG_CACHE_HOME/tinygrad_cnn``, then ``~/.cache/tinygrad_cnn``. Files are ``.npz`` written atomically
(:mod:`tinygrad_cnn.files`) and read without pickle; :func:`read_arrays` checks every name, shape and dtype
against what the caller expects, so a damaged or foreign file is never trusted.

Examples:
    >>> import pathlib, tempfile
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> write_arrays(folder / "a.npz", {"x": np.zeros((2, 3), np.float32)})
    >>> read_arrays(folder / "a.npz", {"x": ((2, 3), np.float32)})["x"].shape
    (2, 3)
    >>> read_arrays(folder / "a.npz", {"x": ((2, 4), np.float32)})
    Traceback (most recent call last):
    ...
    tinygrad_cnn.data.cache.CacheError: ...a.npz: 'x' has shape (2, 3) and dtype float32, expected (2, 4) float32
"""

from __future__ import annotations

import os
import zipfile
import zlib
from collections.abc import Mapping
from pathlib import Path

import numpy as np

from ..files import atomic_open

__all__ = [
    "CACHE_ENV", "CacheError", "default_cache_dir", "resolve_cache_dir", "cache_dir", "write_arrays", "read_arrays",
]  # fmt: skip

CACHE_ENV = "TINYGRAD_CNN_CACHE"
PathLike = str | os.PathLike


class CacheError(ValueError):
    """A cache file that cannot be read or is not what was expected (it is regenerated, never used)."""


def default_cache_dir() -> Path:
    """``$TINYGRAD_CNN_CACHE``, else ``$XDG_CACHE_HOME/tinygrad_cnn``, else ``~/.cache/tinygrad_cnn``."""
    if os.environ.get(CACHE_ENV):
        return Path(os.environ[CACHE_ENV]).expanduser()
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base).expanduser() / "tinygrad_cnn"


def resolve_cache_dir(cache_dir: PathLike | None = None) -> Path:
    """``cache_dir`` if given, else :func:`default_cache_dir`."""
    return default_cache_dir() if cache_dir is None else Path(cache_dir).expanduser()


def cache_dir(directory: PathLike | None = None) -> Path:
    """:func:`resolve_cache_dir`, created if missing; an error that says which folder if it cannot be."""
    path = resolve_cache_dir(directory)
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise OSError(f"cannot create the cache folder {path}: {error.strerror}") from error
    if not path.is_dir():
        raise NotADirectoryError(f"the cache folder {path} is not a folder")
    return path


def write_arrays(path: PathLike, arrays: Mapping[str, np.ndarray]) -> None:
    """Save ``arrays`` to the ``.npz`` at ``path`` atomically (creating its folder); no pickled objects."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with atomic_open(path) as f:
        np.savez(f, **{name: np.asarray(array) for name, array in arrays.items()})


def read_arrays(path: PathLike, expected: Mapping[str, tuple[tuple[int, ...], np.dtype | type]]) -> dict:
    """The arrays of the ``.npz`` at ``path``, which must hold exactly the names of ``expected``, each with
    its ``(shape, dtype)``; anything else raises :class:`CacheError` naming the file and what is wrong."""
    path = Path(path)
    try:
        loaded = np.load(path, allow_pickle=False)
        if not isinstance(loaded, np.lib.npyio.NpzFile):
            raise CacheError(f"{path}: is a single .npy array, expected an .npz archive")
        with loaded as archive:
            names = sorted(archive.files)
            if names != sorted(expected):
                raise CacheError(f"{path}: holds arrays {names}, expected {sorted(expected)}")
            arrays = {}
            for name, (shape, dtype) in expected.items():
                array = archive[name]
                if array.shape != tuple(shape) or array.dtype != np.dtype(dtype):
                    raise CacheError(
                        f"{path}: {name!r} has shape {array.shape} and dtype {array.dtype}, "
                        f"expected {tuple(shape)} {np.dtype(dtype)}"
                    )
                arrays[name] = array
    except CacheError:
        raise
    except (OSError, ValueError, EOFError, KeyError, zipfile.BadZipFile, zlib.error) as error:
        raise CacheError(f"{path}: cannot be read as .npz ({type(error).__name__})") from None
    return arrays
