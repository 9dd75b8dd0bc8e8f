"""MNIST-1D (Greydanus, "Scaling down deep learning", 2020): 40-sample signals of ten digit templates,
padded, scaled, translated, noised and sheared, made offline by the ``mnist1d`` package's ``make_dataset``.

:data:`PAPER_ARGUMENTS` are the paper's (and the package's) defaults: 5,000 signals, the first 4,000 for
training and the last 1,000 for testing, generation seed 42. ``shuffle_seq=True`` applies one fixed random
permutation of the 40 positions to every signal (train and test alike), which destroys locality. Arrays are
cached as ``.npz`` in :func:`~tinygrad_cnn.data.cache.default_cache_dir` under a hash of all the arguments
and the ``mnist1d`` version; a damaged cache file is regenerated. ``make_dataset`` seeds NumPy's global
generator (and Python's ``random``): both are restored afterwards, so the caller's random numbers are
untouched. We never call ``mnist1d``'s ``get_dataset``, which downloads and unpickles.

Examples:
    >>> import tempfile
    >>> small = load_mnist1d(num_samples=100, cache_dir=tempfile.mkdtemp())   # the paper uses 5,000
    >>> small.train.x.shape, small.val.x.shape, small.test.x.shape, small.test.x.dtype
    ((72, 1, 40), (8, 1, 40), (20, 1, 40), dtype('float32'))
"""

from __future__ import annotations

import hashlib
import json
import random
import types
import warnings
from importlib import metadata
from pathlib import Path

import numpy as np

from .cache import CacheError, PathLike, read_arrays, resolve_cache_dir, write_arrays
from .dataset import Dataset, Splits
from .splitting import stratified_split

__all__ = ["PAPER_ARGUMENTS", "load_mnist1d", "mnist1d_arguments", "mnist1d_arrays", "mnist1d_cache_path"]

# mnist1d's get_dataset_args() without its download 'url' (checked against the package by the tests).
PAPER_ARGUMENTS: dict = {
    "num_samples": 5000,
    "train_split": 0.8,
    "template_len": 12,
    "padding": [36, 60],
    "scale_coeff": 0.4,
    "max_translation": 48,
    "corr_noise_scale": 0.25,
    "iid_noise_scale": 0.02,
    "shear_scale": 0.75,
    "shuffle_seq": False,
    "final_seq_length": 40,
    "seed": 42,
}
CLASSES = tuple(str(d) for d in range(10))
CACHE_FORMAT = 1  # bump when what the cache file holds changes


def _positive_int(name: str, value: object, low: int = 1) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < low:
        raise ValueError(f"load_mnist1d: {name} must be an integer >= {low}, got {value!r}")
    return int(value)


def _non_negative(name: str, value: object) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float, np.number)) or not 0 <= value < float("inf"):
        raise ValueError(f"load_mnist1d: {name} must be a finite number >= 0, got {value!r}")
    return float(value)


def mnist1d_arguments(**overrides: object) -> dict:
    """:data:`PAPER_ARGUMENTS` with ``overrides``, checked; ``seed`` here is the generation seed.

    >>> mnist1d_arguments(shuffle_seq=True)["shuffle_seq"], mnist1d_arguments()["num_samples"]
    (True, 5000)
    """
    unknown = sorted(set(overrides) - set(PAPER_ARGUMENTS))
    if unknown:
        raise ValueError(f"load_mnist1d: unknown arguments {unknown}; known: {sorted(PAPER_ARGUMENTS)}")
    args = {**PAPER_ARGUMENTS, **overrides}
    args["num_samples"] = _positive_int("num_samples", args["num_samples"], low=10)
    for name in ("template_len", "max_translation", "final_seq_length"):
        args[name] = _positive_int(name, args[name])
    args["seed"] = _positive_int("seed", args["seed"], low=0)
    for name in ("scale_coeff", "corr_noise_scale", "iid_noise_scale", "shear_scale"):
        args[name] = _non_negative(name, args[name])
    split = args["train_split"]
    if isinstance(split, bool) or not isinstance(split, (int, float)) or not 0 < split < 1:
        raise ValueError(f"load_mnist1d: train_split must be a number in (0, 1), got {split!r}")
    args["train_split"] = float(split)
    padding = args["padding"]
    if not isinstance(padding, (list, tuple)) or len(padding) != 2:
        raise ValueError(f"load_mnist1d: padding must be a pair [low, high], got {padding!r}")
    low, high = (_positive_int("padding", p, low=0) for p in padding)
    if low > high:
        raise ValueError(f"load_mnist1d: padding must have low <= high, got {padding!r}")
    args["padding"] = [low, high]
    if not isinstance(args["shuffle_seq"], bool):
        raise ValueError(f"load_mnist1d: shuffle_seq must be True or False, got {args['shuffle_seq']!r}")
    return args


def _sizes(args: dict) -> tuple[int, int]:
    """The numbers of training and test signals ``make_dataset`` makes: ``num_samples // 10`` per digit."""
    total = (args["num_samples"] // len(CLASSES)) * len(CLASSES)
    n_train = int(total * args["train_split"])
    return n_train, total - n_train


def mnist1d_cache_path(args: dict, cache_dir: PathLike | None = None) -> Path:
    """The cache file for ``args`` (from :func:`mnist1d_arguments`): named by a hash of all of them, the
    ``mnist1d`` version and the cache format."""
    key = json.dumps({"arguments": args, "mnist1d": metadata.version("mnist1d"), "format": CACHE_FORMAT},
                     sort_keys=True)  # fmt: skip
    return resolve_cache_dir(cache_dir) / f"mnist1d-{hashlib.sha256(key.encode()).hexdigest()[:20]}.npz"


def _generate(args: dict) -> dict[str, np.ndarray]:
    """Run ``mnist1d``'s ``make_dataset``, leaving NumPy's global and Python's ``random`` states as they were."""
    from mnist1d.data import make_dataset  # imports SciPy and Matplotlib: only on a cache miss

    numpy_state, python_state = np.random.get_state(), random.getstate()
    try:
        data = make_dataset(types.SimpleNamespace(**args))
    finally:
        np.random.set_state(numpy_state)
        random.setstate(python_state)
    return {
        "x_train": np.asarray(data["x"], dtype=np.float32),
        "y_train": np.asarray(data["y"], dtype=np.int64),
        "x_test": np.asarray(data["x_test"], dtype=np.float32),
        "y_test": np.asarray(data["y_test"], dtype=np.int64),
    }


def _check_values(path: Path, arrays: dict[str, np.ndarray]) -> None:
    for part in ("train", "test"):
        if not np.all(np.isfinite(arrays[f"x_{part}"])):
            raise CacheError(f"{path}: x_{part} holds values that are not finite")
        labels = arrays[f"y_{part}"]
        if labels.size and (labels.min() < 0 or labels.max() >= len(CLASSES)):
            raise CacheError(f"{path}: y_{part} holds labels outside 0..9")


def mnist1d_arrays(cache_dir: PathLike | None = None, **arguments: object) -> dict[str, np.ndarray]:
    """The generated arrays ``x_train`` float32 ``(n_train, L)``, ``y_train`` int64, ``x_test``, ``y_test``,
    from the cache when a valid file is there, else made by ``mnist1d`` and cached (a damaged file is
    replaced, with a warning; an unwritable cache folder only warns)."""
    args = mnist1d_arguments(**arguments)
    path = mnist1d_cache_path(args, cache_dir)
    n_train, n_test = _sizes(args)
    length = args["final_seq_length"]
    expected = {
        "x_train": ((n_train, length), np.float32),
        "y_train": ((n_train,), np.int64),
        "x_test": ((n_test, length), np.float32),
        "y_test": ((n_test,), np.int64),
    }
    if path.exists():
        try:
            arrays = read_arrays(path, expected)
            _check_values(path, arrays)
            return arrays
        except CacheError as error:
            warnings.warn(f"load_mnist1d: regenerating a damaged cache file: {error}", RuntimeWarning, stacklevel=3)
    arrays = _generate(args)
    try:
        write_arrays(path, arrays)
    except OSError as error:
        warnings.warn(f"load_mnist1d: could not cache MNIST-1D in {path.parent} ({error})", RuntimeWarning,
                      stacklevel=3)  # fmt: skip
    return arrays


def load_mnist1d(
    seed: int = 0,
    *,
    shuffle_seq: bool = False,
    val_fraction: float = 0.1,
    cache_dir: PathLike | None = None,
    **arguments: object,
) -> Splits:
    """MNIST-1D as :class:`Splits`: float32 ``(N, 1, 40)`` signals, int64 labels 0..9.

    ``test`` is the paper's 1,000 test signals. ``val`` is carved from the paper's 4,000 training signals,
    stratified by digit and fixed by ``seed``: ``val_fraction`` 0.1 gives 3,600 train / 400 val;
    ``val_fraction=0`` trains on all 4,000, as the paper did, with an empty ``val``. ``shuffle_seq`` is the
    paper's shuffled-positions variant; ``arguments`` override the other :data:`PAPER_ARGUMENTS`, except that
    the generation seed (42) is passed as ``data_seed``, since ``seed`` chooses the validation split.
    """
    if isinstance(val_fraction, bool) or not isinstance(val_fraction, (int, float)) or not 0 <= val_fraction < 1:
        raise ValueError(f"load_mnist1d: val_fraction must be in [0, 1), got {val_fraction!r}")
    if "data_seed" in arguments:
        arguments["seed"] = arguments.pop("data_seed")
    arrays = mnist1d_arrays(cache_dir, shuffle_seq=shuffle_seq, **arguments)
    name = "mnist1d-shuffled" if shuffle_seq else "mnist1d"
    x_train = arrays["x_train"][:, None]  # (N, L) -> (N, 1, L)
    train, val = stratified_split(arrays["y_train"], (1.0 - val_fraction, val_fraction), seed)
    test = Dataset(arrays["x_test"][:, None], arrays["y_test"], name, CLASSES)  # (N, L) -> (N, 1, L)
    return Splits(
        Dataset(x_train[train], arrays["y_train"][train], name, CLASSES),
        Dataset(x_train[val], arrays["y_train"][val], name, CLASSES),
        test,
    )
