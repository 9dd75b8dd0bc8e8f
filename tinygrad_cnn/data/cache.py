"""Where generated datasets are cached: the argument if given, else the environment variable
``TINYGRAD_CNN_CACHE``, else ``~/.cache/tinygrad_cnn``. The folder is created on first use.

Examples:
    >>> import os, pathlib, tempfile
    >>> folder = pathlib.Path(tempfile.mkdtemp()) / "cache"
    >>> cache_dir(folder) == folder and folder.is_dir()
    True
    >>> os.environ["TINYGRAD_CNN_CACHE"] = str(folder / "from-env")
    >>> cache_dir().name
    'from-env'
    >>> del os.environ["TINYGRAD_CNN_CACHE"]
"""

from __future__ import annotations

import os
from pathlib import Path

__all__ = ["CACHE_ENV", "cache_dir"]

CACHE_ENV = "TINYGRAD_CNN_CACHE"


def cache_dir(directory: str | os.PathLike | None = None) -> Path:
    """The cache folder (created if missing): ``directory``, else ``$TINYGRAD_CNN_CACHE``, else
    ``~/.cache/tinygrad_cnn``."""
    if directory is None:
        directory = os.environ.get(CACHE_ENV) or Path.home() / ".cache" / "tinygrad_cnn"
    path = Path(directory).expanduser()
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise OSError(f"cannot create the cache folder {path}: {error.strerror}") from error
    if not path.is_dir():
        raise NotADirectoryError(f"the cache folder {path} is not a folder")
    return path
