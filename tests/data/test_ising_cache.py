"""The on-disk cache: keyed by every parameter, read back validated, a damaged file regenerated, written
atomically, and its folder chosen by argument > $TINYGRAD_CNN_CACHE > ~/.cache/tinygrad_cnn."""

from __future__ import annotations

import json
import warnings

import numpy as np
import pytest

import tinygrad_cnn.data.ising as ising
from tinygrad_cnn.data import cache_dir, generate_ising, ising_cache_path

PARAMETERS = dict(L=4, temperatures=[1.5, 3.0], samples_per_temperature=6, thermalization_sweeps=10,
                  decorrelation_sweeps=1, chains_per_temperature=3, seed=5)  # fmt: skip


def no_simulation(*args, **kwargs):
    raise AssertionError("the cache should have been used")


def assert_same(a, b):
    for name in ("x", "y", "temperature", "energy", "magnetization"):
        np.testing.assert_array_equal(getattr(a, name), getattr(b, name))


def test_second_call_reads_the_cache(tmp_path, monkeypatch):
    first = generate_ising(**PARAMETERS, cache_dir=tmp_path)
    path = ising_cache_path(**PARAMETERS, cache_dir=tmp_path)
    assert path.exists() and path.parent == tmp_path and path.name.startswith("ising-L4-")
    assert [p.name for p in tmp_path.iterdir()] == [path.name]  # no temporary file left behind
    monkeypatch.setattr(ising, "_simulate", no_simulation)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert_same(generate_ising(**PARAMETERS, cache_dir=tmp_path), first)
    with np.load(path, allow_pickle=False) as stored:  # the file holds no pickle, one bit a spin
        assert stored["bits"].dtype == np.uint8 and stored["bits"].size == 12 * 16 // 8
        assert json.loads(str(stored["key"]))["seed"] == 5


@pytest.mark.parametrize(
    "change",
    [{"L": 6}, {"temperatures": [1.5, 3.0000000001]}, {"samples_per_temperature": 7}, {"thermalization_sweeps": 11},
     {"decorrelation_sweeps": 2}, {"chains_per_temperature": 2}, {"seed": 6}, {"wolff_window": None},
     {"wolff_window": (1.9, 3.0)}],
)  # fmt: skip
def test_every_parameter_is_in_the_key(change, tmp_path):
    assert ising_cache_path(**PARAMETERS, cache_dir=tmp_path) != ising_cache_path(
        **(PARAMETERS | change), cache_dir=tmp_path
    )


def damage_truncate(path):
    path.write_bytes(path.read_bytes()[:100])


def damage_garbage(path):
    path.write_bytes(b"not a zip file at all")


def damage_flip_a_spin(path):
    """A well-formed file whose spins no longer match the stored measurements."""
    with np.load(path, allow_pickle=False) as stored:
        arrays = {name: stored[name] for name in stored.files}
    arrays["bits"][0] ^= 1
    np.savez(path, **arrays)


def damage_other_parameters(path):
    with np.load(path, allow_pickle=False) as stored:
        arrays = {name: stored[name] for name in stored.files}
    arrays["key"] = np.array(json.dumps({"seed": 99}))
    np.savez(path, **arrays)


def damage_pickled_object(path):
    np.savez(path, key=np.array([{"a": 1}], dtype=object), bits=np.zeros(1), energy=np.zeros(1),
             magnetization=np.zeros(1))  # fmt: skip


def damage_huge(path):
    path.write_bytes(path.read_bytes() + bytes(10**6))


@pytest.mark.parametrize(
    "damage",
    [damage_truncate, damage_garbage, damage_flip_a_spin, damage_other_parameters, damage_pickled_object, damage_huge],
)
def test_damaged_cache_is_regenerated(damage, tmp_path):
    first = generate_ising(**PARAMETERS, cache_dir=tmp_path)
    path = ising_cache_path(**PARAMETERS, cache_dir=tmp_path)
    damage(path)
    with pytest.warns(UserWarning, match="is damaged .*regenerating"):
        again = generate_ising(**PARAMETERS, cache_dir=tmp_path)
    assert_same(again, first)  # the same seed makes the same data
    with warnings.catch_warnings():  # and the file was rewritten whole
        warnings.simplefilter("error")
        assert_same(generate_ising(**PARAMETERS, cache_dir=tmp_path), first)


def test_cache_false_writes_nothing(tmp_path, monkeypatch):
    monkeypatch.setenv("TINYGRAD_CNN_CACHE", str(tmp_path))
    generate_ising(**PARAMETERS, cache=False)
    assert list(tmp_path.iterdir()) == []


def test_cache_folder_argument_then_environment_then_home(tmp_path, monkeypatch):
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.delenv("TINYGRAD_CNN_CACHE", raising=False)
    assert cache_dir() == tmp_path / "home" / ".cache" / "tinygrad_cnn"
    monkeypatch.setenv("TINYGRAD_CNN_CACHE", str(tmp_path / "env"))
    assert cache_dir() == tmp_path / "env"
    assert cache_dir(tmp_path / "argument") == tmp_path / "argument"
    generate_ising(**PARAMETERS)
    assert [p.suffix for p in (tmp_path / "env").iterdir()] == [".npz"]


def test_cache_folder_that_is_a_file_is_a_clear_error(tmp_path):
    (tmp_path / "file").write_text("")
    with pytest.raises(OSError, match="cannot create the cache folder"):
        cache_dir(tmp_path / "file")
