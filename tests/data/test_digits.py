"""The bundled digits: shapes, dtypes, ranges, fixed stratified splits, the attribution, reproducible bytes."""

from __future__ import annotations

import fnmatch
import hashlib
import importlib.util
import re
from importlib import resources
from pathlib import Path

import numpy as np
import pytest

from tinygrad_cnn.data import digits_attribution, load_digits, load_digits_arrays
from tinygrad_cnn.data.splitting import split_sizes

ROOT = Path(__file__).resolve().parents[2]


def test_the_bundled_arrays_are_the_uci_digits():
    images, labels = load_digits_arrays()
    assert images.shape == (1797, 8, 8) and images.dtype == np.uint8 and images.max() == 16
    assert labels.shape == (1797,)
    assert np.bincount(labels).tolist() == [178, 182, 177, 183, 181, 182, 181, 179, 174, 180]
    # the first image of scikit-learn's digits (a zero), row by row
    assert images[0, 1].tolist() == [0, 0, 13, 15, 10, 15, 5, 0] and labels[0] == 0


def test_splits_have_the_documented_shapes_types_and_ranges():
    splits = load_digits()
    assert [len(part) for part in (splits.train, splits.val, splits.test)] == [1258, 180, 359]
    for part in (splits.train, splits.val, splits.test):
        assert part.x.dtype == np.float32 and part.x.shape[1:] == (1, 8, 8)
        assert part.y.dtype == np.int64 and set(np.unique(part.y).tolist()) == set(range(10))
        assert part.x.min() == 0.0 and part.x.max() == 1.0
        assert np.array_equal(part.x * 16, np.round(part.x * 16))  # counts 0..16, divided by 16
        assert part.name == "digits" and part.classes == tuple("0123456789")


def test_splits_are_disjoint_complete_and_stratified():
    images, labels = load_digits_arrays()
    splits = load_digits(seed=3)
    together = np.concatenate([splits.train.x, splits.val.x, splits.test.x])[:, 0] * 16
    rows = lambda a: sorted(map(bytes, a.astype(np.uint8).reshape(len(a), -1)))  # noqa: E731
    assert rows(together) == rows(images)  # the same 1,797 images, each once
    per_class = np.bincount(labels)
    for part, fraction in zip((splits.train, splits.val, splits.test), (0.7, 0.1, 0.2)):
        assert np.all(np.abs(np.bincount(part.y, minlength=10) - fraction * per_class) < 1)


def test_splits_are_fixed_by_the_seed():
    first, again, other = load_digits(seed=0), load_digits(seed=0), load_digits(seed=1)
    for a, b in zip((first.train, first.val, first.test), (again.train, again.val, again.test)):
        assert np.array_equal(a.x, b.x) and np.array_equal(a.y, b.y)
    assert not np.array_equal(first.test.x, other.test.x)
    # a digest of seed 0's test split: any change of data or split algorithm shows here
    digest = hashlib.sha256(first.test.x.tobytes() + first.test.y.tobytes()).hexdigest()
    assert digest == DIGITS_TEST_DIGEST


DIGITS_TEST_DIGEST = "d7b736e7cc88ede2e909ab49e25af15beb9aebb5a7677c768507b12f9b7d1809"


def test_fractions_set_the_sizes():
    splits = load_digits(val_fraction=0.0, test_fraction=0.5)
    assert [len(splits.train), len(splits.val), len(splits.test)] == split_sizes(1797, (0.5, 0.0, 0.5))


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"val_fraction": -0.1}, "val_fraction must be in"),
    ({"test_fraction": 1.0}, "test_fraction must be in"),
    ({"val_fraction": 0.5, "test_fraction": 0.5}, "must be < 1"),
])  # fmt: skip
def test_bad_fractions_are_refused(kwargs, message):
    with pytest.raises(ValueError, match=message):
        load_digits(**kwargs)


def test_the_attribution_is_shipped_and_in_the_readme():
    text = digits_attribution()
    for needed in ("Alpaydin", "Kaynak", "UCI", "CC BY 4.0", "creativecommons.org/licenses/by/4.0", "scikit-learn"):
        assert needed in text, needed
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for needed in ("Alpaydin", "Kaynak", "CC BY 4.0", "Greydanus"):
        assert needed in readme, needed


def _script():
    spec = importlib.util.spec_from_file_location("make_digits_npz", ROOT / "scripts" / "make_digits_npz.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_script_reproduces_the_bundled_bytes():
    """The conversion is reproducible: the script's writer turns the arrays into exactly the shipped file,
    and the shipped attribution records the source file's SHA-256 the script checks."""
    script = _script()
    images, labels = load_digits_arrays()
    shipped = resources.files("tinygrad_cnn.data").joinpath("digits.npz").read_bytes()
    assert script.npz_bytes({"images": images, "labels": labels}) == shipped
    assert script.SOURCE_SHA256 in digits_attribution()


def test_the_package_data_patterns_ship_the_data_files():
    pyproject = (ROOT / "pyproject.toml").read_text(encoding="utf-8")  # tomllib is Python >= 3.11
    line = re.search(r'^"tinygrad_cnn\.data" = \[(.*)\]$', pyproject, flags=re.MULTILINE)
    patterns = re.findall(r'"([^"]+)"', line.group(1))
    for name in ("digits.npz", "digits.txt"):
        assert (ROOT / "tinygrad_cnn" / "data" / name).is_file()
        assert any(fnmatch.fnmatch(name, pattern) for pattern in patterns), name
