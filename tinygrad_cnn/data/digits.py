"""The 8x8 handwritten digits, bundled: 1,797 images of 10 classes, no download.

E. Alpaydin and C. Kaynak, *Optical Recognition of Handwritten Digits*, UCI Machine Learning Repository,
CC BY 4.0 (the copy scikit-learn ships; :func:`digits_attribution` gives the full credit). Each pixel is a
count 0..16; :func:`load_digits` scales it to [0, 1] and returns fixed stratified splits: by default 70 %
train, 10 % validation, 20 % test (1,258 / 180 / 359 images), the same for a seed on every machine.

Examples:
    >>> splits = load_digits(seed=0)
    >>> splits.train.x.shape, splits.train.x.dtype, splits.train.y.dtype
    ((1258, 1, 8, 8), dtype('float32'), dtype('int64'))
    >>> len(splits.val), len(splits.test), float(splits.test.x.max())
    (180, 359, 1.0)
    >>> "CC BY 4.0" in digits_attribution()
    True
"""

from __future__ import annotations

from importlib import resources

import numpy as np

from .dataset import Dataset, Splits
from .splitting import stratified_split

__all__ = ["load_digits", "load_digits_arrays", "digits_attribution"]

N_IMAGES = 1797
MAX_PIXEL = 16
CLASSES = tuple(str(d) for d in range(10))


def _package_file(name: str):
    return resources.files(__package__).joinpath(name)


def load_digits_arrays() -> tuple[np.ndarray, np.ndarray]:
    """The bundled data as stored: ``images`` uint8 (1797, 8, 8) with values 0..16, ``labels`` uint8 (1797,).

    The file is checked (names, shapes, dtypes, ranges) before use: a damaged install gives a clear error.
    """
    source = _package_file("digits.npz")
    try:
        with source.open("rb") as f, np.load(f, allow_pickle=False) as archive:
            arrays = {name: archive[name] for name in archive.files}
    except (OSError, ValueError, EOFError) as error:
        problem = f"load_digits: the bundled {source} cannot be read ({type(error).__name__})"
        raise RuntimeError(f"{problem}; reinstall tinygrad-cnn") from None
    images, labels = arrays.get("images"), arrays.get("labels")
    if (
        sorted(arrays) != ["images", "labels"]
        or images.shape != (N_IMAGES, 8, 8)
        or labels.shape != (N_IMAGES,)
        or images.dtype != np.uint8
        or labels.dtype != np.uint8
        or images.max() > MAX_PIXEL
        or labels.max() >= len(CLASSES)
    ):
        raise RuntimeError(f"load_digits: the bundled {source} is not the digits data; reinstall tinygrad-cnn")
    return images, labels


def load_digits(seed: int = 0, *, val_fraction: float = 0.1, test_fraction: float = 0.2) -> Splits:
    """Train / validation / test :class:`Splits` of the digits, stratified by class and fixed by ``seed``.

    Inputs are float32 ``(N, 1, 8, 8)`` in [0, 1] (pixel count / 16), labels int64 0..9. The split sizes are
    exact: ``round(test_fraction * 1797)`` test and ``round(val_fraction * 1797)`` validation images, each
    digit in proportion; every index array is sorted, so the order is the file's (shuffle in the loader).
    """
    for name, value in (("val_fraction", val_fraction), ("test_fraction", test_fraction)):
        if not 0.0 <= value < 1.0:
            raise ValueError(f"load_digits: {name} must be in [0, 1), got {value!r}")
    if val_fraction + test_fraction >= 1.0:
        raise ValueError(f"load_digits: val_fraction + test_fraction must be < 1, got {val_fraction + test_fraction}")
    images, labels = load_digits_arrays()
    x = (images.astype(np.float32) / MAX_PIXEL)[:, None]  # (N, 8, 8) -> (N, 1, 8, 8)
    y = labels.astype(np.int64)
    fractions = (1.0 - val_fraction - test_fraction, val_fraction, test_fraction)
    train, val, test = stratified_split(y, fractions, seed)
    return Splits(*(Dataset(x[part], y[part], "digits", CLASSES) for part in (train, val, test)))


def digits_attribution() -> str:
    """The credit the CC BY 4.0 license asks for: creators, source, license, and what was changed."""
    return _package_file("digits.txt").read_text(encoding="utf-8")
