"""MNIST-1D: the paper's data exactly, the caller's random state untouched, a cache that is never trusted."""

from __future__ import annotations

import random
import warnings

import numpy as np
import pytest

import tinygrad_cnn.data.mnist1d_signals as signals
from tinygrad_cnn.data import PAPER_ARGUMENTS, load_mnist1d, mnist1d_arguments
from tinygrad_cnn.data.mnist1d_signals import mnist1d_cache_path

SMALL = {"num_samples": 60}  # ten signals per digit are enough for the cache tests


def test_the_defaults_are_the_packages_and_the_papers():
    from mnist1d.data import get_dataset_args

    package = get_dataset_args(as_dict=True)
    package.pop("url")
    assert PAPER_ARGUMENTS == package
    assert (PAPER_ARGUMENTS["num_samples"], PAPER_ARGUMENTS["train_split"], PAPER_ARGUMENTS["seed"]) == (5000, 0.8, 42)


def test_shapes_dtypes_and_the_validation_carve(mnist1d_cache):
    splits = load_mnist1d(cache_dir=mnist1d_cache)
    assert [part.x.shape for part in (splits.train, splits.val, splits.test)] == [(3600, 1, 40), (400, 1, 40),
                                                                                    (1000, 1, 40)]  # fmt: skip
    for part in (splits.train, splits.val, splits.test):
        assert part.x.dtype == np.float32 and part.y.dtype == np.int64 and np.all(np.isfinite(part.x))
        assert set(np.unique(part.y).tolist()) == set(range(10)) and part.classes == tuple("0123456789")
    everything = np.concatenate([splits.train.x, splits.val.x, splits.test.x])
    assert abs(float(everything.mean())) < 1e-3 and abs(float(everything.std()) - 1) < 1e-3  # make_dataset's scaling
    train_counts = np.bincount(np.concatenate([splits.train.y, splits.val.y]))
    assert np.all(np.abs(np.bincount(splits.val.y) - 0.1 * train_counts) < 1)  # stratified
    again, other = load_mnist1d(cache_dir=mnist1d_cache), load_mnist1d(seed=1, cache_dir=mnist1d_cache)
    assert np.array_equal(again.val.x, splits.val.x) and not np.array_equal(other.val.x, splits.val.x)
    assert np.array_equal(other.test.x, splits.test.x)  # the paper's test set whatever the seed


def test_the_data_equal_make_datasets_with_the_papers_arguments(mnist1d_cache):
    """Our arrays are ``make_dataset``'s own (float32): val_fraction=0 gives the paper's 4,000 / 1,000."""
    from mnist1d.data import get_dataset_args, make_dataset

    state = np.random.get_state()
    reference = make_dataset(get_dataset_args())
    np.random.set_state(state)
    splits = load_mnist1d(val_fraction=0.0, cache_dir=mnist1d_cache)
    assert len(splits.val) == 0 and splits.val.x.shape == (0, 1, 40)
    assert np.array_equal(splits.train.x[:, 0], reference["x"].astype(np.float32))
    assert np.array_equal(splits.train.y, reference["y"]) and np.array_equal(splits.test.y, reference["y_test"])
    assert np.array_equal(splits.test.x[:, 0], reference["x_test"].astype(np.float32))


def test_shuffle_seq_is_one_fixed_permutation_of_the_positions(mnist1d_cache):
    plain = load_mnist1d(val_fraction=0.0, cache_dir=mnist1d_cache)
    shuffled = load_mnist1d(val_fraction=0.0, shuffle_seq=True, cache_dir=mnist1d_cache)
    assert shuffled.train.name == "mnist1d-shuffled"
    x_plain = np.concatenate([plain.train.x, plain.test.x])[:, 0]  # (5000, 40)
    x_shuffled = np.concatenate([shuffled.train.x, shuffled.test.x])[:, 0]
    # position j of every shuffled signal is position perm[j] of the plain one, the same perm for all
    perm = [int(np.flatnonzero(np.all(x_plain == x_shuffled[:, [j]], axis=0))[0]) for j in range(40)]
    assert sorted(perm) == list(range(40)) and perm != list(range(40))
    assert np.array_equal(x_shuffled, x_plain[:, perm])
    assert np.array_equal(shuffled.test.y, plain.test.y)


def test_the_callers_random_state_is_restored(tmp_path):
    np.random.seed(123)
    random.seed(7)
    expected = np.random.random(3), random.random()
    np.random.seed(123)
    random.seed(7)
    load_mnist1d(cache_dir=tmp_path, **SMALL)  # a cache miss: make_dataset reseeds both generators
    assert np.array_equal(np.random.random(3), expected[0]) and random.random() == expected[1]


def test_the_state_is_restored_when_generation_fails(tmp_path, monkeypatch):
    import mnist1d.data

    def broken(args):
        np.random.seed(0)
        raise RuntimeError("boom")

    monkeypatch.setattr(mnist1d.data, "make_dataset", broken)
    np.random.seed(5)
    before = np.random.get_state()[1].copy()
    with pytest.raises(RuntimeError, match="boom"):
        load_mnist1d(cache_dir=tmp_path, **SMALL)
    assert np.array_equal(np.random.get_state()[1], before)


def _no_generation(monkeypatch):
    def fail(args):
        raise AssertionError("make_dataset ran: the cache was not used")

    monkeypatch.setattr(signals, "_generate", fail)


def test_a_cache_hit_does_not_generate(tmp_path, monkeypatch):
    first = load_mnist1d(cache_dir=tmp_path, **SMALL)
    assert len(list(tmp_path.glob("mnist1d-*.npz"))) == 1
    _no_generation(monkeypatch)
    second = load_mnist1d(cache_dir=tmp_path, **SMALL)
    assert np.array_equal(first.train.x, second.train.x)
    assert list(tmp_path.glob(".*")) == []  # no temporary files left behind


def test_every_argument_is_in_the_cache_key(tmp_path):
    changed = {"num_samples": 100, "train_split": 0.5, "template_len": 13, "padding": [36, 61], "scale_coeff": 0.5,
               "max_translation": 47, "corr_noise_scale": 0.3, "iid_noise_scale": 0.03, "shear_scale": 0.7,
               "shuffle_seq": True, "final_seq_length": 41, "seed": 43}  # fmt: skip
    assert set(changed) == set(PAPER_ARGUMENTS)
    paths = {mnist1d_cache_path(mnist1d_arguments(), tmp_path)}
    for name, value in changed.items():
        paths.add(mnist1d_cache_path(mnist1d_arguments(**{name: value}), tmp_path))
    assert len(paths) == 1 + len(changed)


def test_the_cache_folder_comes_from_the_argument_then_the_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("TINYGRAD_CNN_CACHE", str(tmp_path / "from-env"))
    load_mnist1d(**SMALL)
    assert len(list((tmp_path / "from-env").glob("mnist1d-*.npz"))) == 1
    load_mnist1d(cache_dir=tmp_path / "from-argument", **SMALL)
    assert len(list((tmp_path / "from-argument").glob("mnist1d-*.npz"))) == 1


def _damage_with_garbage(path):
    path.write_bytes(b"PK\x03\x04 definitely not a zip archive")


def _damage_with_wrong_shapes(path):
    np.savez(path, x_train=np.zeros((3, 40), np.float32), y_train=np.zeros(3, np.int64),
             x_test=np.zeros((2, 40), np.float32), y_test=np.zeros(2, np.int64))  # fmt: skip


def _damage_with_bad_values(path):
    with np.load(path) as archive:
        arrays = dict(archive)
    arrays["x_train"][0, 0] = np.nan
    arrays["y_test"][0] = 11
    np.savez(path, **arrays)


def _damage_by_truncating(path):
    path.write_bytes(path.read_bytes()[:200])


def _damage_with_a_pickle(path):
    objects = np.array([{"a": 1}], dtype=object)  # loading it would need pickle
    np.savez(path, x_train=objects, y_train=np.zeros(1), x_test=np.zeros(1), y_test=np.zeros(1))


@pytest.mark.parametrize("damage", [_damage_with_garbage, _damage_with_wrong_shapes, _damage_with_bad_values,
                                    _damage_by_truncating, _damage_with_a_pickle])  # fmt: skip
def test_a_damaged_cache_file_is_regenerated_not_trusted(tmp_path, damage):
    good = load_mnist1d(cache_dir=tmp_path, **SMALL)
    (path,) = tmp_path.glob("mnist1d-*.npz")
    damage(path)
    with pytest.warns(RuntimeWarning, match="regenerating a damaged cache file"):
        again = load_mnist1d(cache_dir=tmp_path, **SMALL)
    assert np.array_equal(again.train.x, good.train.x) and np.array_equal(again.test.y, good.test.y)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # the file was rewritten: now a clean hit
        load_mnist1d(cache_dir=tmp_path, **SMALL)


def test_an_unwritable_cache_folder_only_warns(tmp_path):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the cache folder would be")
    with pytest.warns(RuntimeWarning, match="could not cache"):
        splits = load_mnist1d(cache_dir=blocker, **SMALL)
    assert splits.train.x.shape[1:] == (1, 40)


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"colour": 1}, r"unknown arguments \['colour'\]"),
    ({"num_samples": 5}, "num_samples must be an integer >= 10"),
    ({"num_samples": 5000.0}, "num_samples must be an integer"),
    ({"train_split": 1.0}, r"train_split must be a number in \(0, 1\)"),
    ({"padding": [60, 36]}, "low <= high"),
    ({"padding": 36}, "padding must be a pair"),
    ({"shear_scale": float("nan")}, "shear_scale must be a finite number"),
    ({"shuffle_seq": "yes"}, "shuffle_seq must be True or False"),
    ({"val_fraction": 1.0}, r"val_fraction must be in \[0, 1\)"),
])  # fmt: skip
def test_bad_arguments_name_what_is_wrong(tmp_path, kwargs, message):
    with pytest.raises(ValueError, match=message):
        load_mnist1d(cache_dir=tmp_path, **kwargs)


def test_the_generation_seed_is_data_seed(tmp_path):
    a = load_mnist1d(cache_dir=tmp_path, data_seed=1, **SMALL)
    b = load_mnist1d(cache_dir=tmp_path, data_seed=2, **SMALL)
    assert not np.array_equal(a.test.x, b.test.x)
    assert len(list(tmp_path.glob("mnist1d-*.npz"))) == 2
