"""Checkpoints: exact round trips, atomic writes, no pickle, and one clear ValueError (naming the file)
for anything that is not a checkpoint of ours or disagrees with its own metadata."""

from __future__ import annotations

import json
import os
import re
import zipfile

import numpy as np
import pytest

from tinygrad_cnn import Tensor, nn
from tinygrad_cnn.optim import Adam
from tinygrad_cnn.serialization import load, load_metadata, save


def small_model(seed: int = 0) -> nn.Module:
    gen = np.random.default_rng(seed)
    return nn.Sequential(
        nn.Conv2d(1, 2, 3, generator=gen), nn.BatchNorm2d(2), nn.ReLU(), nn.Flatten(), nn.Linear(8, 3, generator=gen)
    )


def test_module_state_dict_round_trip_is_bitwise(tmp_path):
    model = small_model()
    model(Tensor(np.random.default_rng(1).standard_normal((3, 1, 4, 4)).astype(np.float32)))  # move BN stats
    state = model.state_dict()
    state["0.weight"].numpy()[0, 0, 0, 0] = np.float32("nan")  # NaNs and -0.0 survive bit for bit
    state["0.bias"].numpy()[0] = -0.0
    path = tmp_path / "model.npz"
    save(state, path, metadata={"epoch": 3, "note": "ünïcode", "accuracy": 0.5})
    loaded = load(path)
    assert list(loaded) == list(state)
    for key, value in state.items():
        assert loaded[key].dtype == value.dtype and loaded[key].shape == value.shape
        assert loaded[key].numpy().tobytes() == value.numpy().tobytes(), key
    assert loaded["1.num_batches_tracked"].dtype == np.int64
    assert load_metadata(path) == {"epoch": 3, "note": "ünïcode", "accuracy": 0.5}
    fresh = small_model(seed=9)
    fresh.load_state_dict(loaded)
    for key, value in fresh.state_dict().items():
        assert value.numpy().tobytes() == state[key].numpy().tobytes()


def test_float64_and_str_paths(tmp_path):
    model = nn.Linear(3, 2, dtype=np.float64)
    path = str(tmp_path / "double.ckpt")  # any name: no ".npz" is appended
    save(model.state_dict(), path)
    assert os.listdir(tmp_path) == ["double.ckpt"]
    assert load(path)["weight"].dtype == np.float64
    assert load_metadata(path) == {}


def test_optimizer_state_nested_round_trip(tmp_path):
    w = Tensor(np.ones((2, 2), np.float32), requires_grad=True)
    opt = Adam([w], lr=0.01, betas=(0.8, 0.9))
    w.grad = Tensor(np.full((2, 2), 0.5, np.float32))
    opt.step()
    save({"optimizer": opt.state_dict(), "epoch": 7, "history": [0.5, None, True]}, tmp_path / "opt.npz")
    loaded = load(tmp_path / "opt.npz")
    assert loaded["epoch"] == 7 and loaded["history"] == [0.5, None, True]
    group = loaded["optimizer"]["param_groups"][0]
    assert group["betas"] == (0.8, 0.9) and group["params"] == [0]  # tuples stay tuples
    state = loaded["optimizer"]["state"][0]  # int keys stay ints
    assert state["step"] == 1
    np.testing.assert_array_equal(state["exp_avg"].numpy(), opt.state[w]["exp_avg"])
    resumed = Adam([Tensor(np.ones((2, 2), np.float32), requires_grad=True)])
    resumed.load_state_dict(loaded["optimizer"])
    assert resumed.param_groups[0]["betas"] == (0.8, 0.9)
    assert sorted(np.load(tmp_path / "opt.npz").files) == [
        "__metadata__", "optimizer.state.0.exp_avg", "optimizer.state.0.exp_avg_sq",
    ]  # fmt: skip


def test_metadata_lists_keys_dtypes_and_shapes(tmp_path):
    save({"a": Tensor(np.zeros((2, 3), np.float32)), "b": Tensor(np.int64(5))}, tmp_path / "m.npz")
    with np.load(tmp_path / "m.npz", allow_pickle=False) as npz:
        header = json.loads(npz["__metadata__"].tobytes())
    assert header["format"] == "tinygrad_cnn.checkpoint" and header["version"] == 1
    assert header["arrays"] == [
        {"key": "a", "dtype": "float32", "shape": [2, 3]},
        {"key": "b", "dtype": "int64", "shape": []},
    ]


def test_keys_that_clash_with_savez_arguments_are_fine(tmp_path):
    state = {"file": Tensor([1.0]), "allow_pickle": Tensor([2.0])}
    save(state, tmp_path / "x.npz")
    assert load(tmp_path / "x.npz")["allow_pickle"].tolist() == [2.0]


def test_unsupported_values_are_rejected_on_save(tmp_path):
    with pytest.raises(ValueError, match="only bool, int and float arrays"):
        save({"x": np.array([object()], dtype=object)}, tmp_path / "o.npz")
    with pytest.raises(TypeError, match="cannot store set"):
        save({"x": {1, 2}}, tmp_path / "s.npz")
    with pytest.raises(TypeError, match="metadata must be JSON-serialisable"):
        save({}, tmp_path / "m.npz", metadata={"f": len})
    with pytest.raises(ValueError, match="two arrays would be stored under the name 'a.b'"):
        save({"a.b": np.zeros(1), "a": {"b": np.zeros(1)}}, tmp_path / "c.npz")
    assert os.listdir(tmp_path) == []  # nothing written, no temporary files


# ---- atomic writes ----


def test_failure_mid_write_keeps_the_old_file_and_leaves_no_temp_file(tmp_path, monkeypatch):
    path = tmp_path / "model.npz"
    save({"w": Tensor([1.0, 2.0])}, path)
    original = path.read_bytes()
    write_array = np.lib.format.write_array
    calls = []

    def failing_write_array(*args, **kwargs):
        calls.append(1)
        if len(calls) == 2:  # after the metadata, in the middle of the arrays
            raise OSError("disk full")
        return write_array(*args, **kwargs)

    monkeypatch.setattr(np.lib.format, "write_array", failing_write_array)
    with pytest.raises(OSError, match="disk full"):
        save({"w": Tensor([3.0, 4.0]), "v": Tensor([5.0])}, path)
    assert path.read_bytes() == original
    assert os.listdir(tmp_path) == ["model.npz"]
    monkeypatch.undo()
    assert load(path)["w"].tolist() == [1.0, 2.0]


def test_interrupt_during_save_also_cleans_up(tmp_path, monkeypatch):
    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(os, "replace", interrupted)
    with pytest.raises(KeyboardInterrupt):
        save({"w": Tensor([1.0])}, tmp_path / "model.npz")
    assert os.listdir(tmp_path) == []


# ---- reading what is not a checkpoint ----


def test_truncated_file(tmp_path):
    path = tmp_path / "model.npz"
    save(small_model().state_dict(), path)
    data = path.read_bytes()
    for size in (0, 10, len(data) // 2, len(data) - 5):
        path.write_bytes(data[:size])
        with pytest.raises(ValueError, match=re.escape(str(path))):
            load(path)


def test_non_npz_files(tmp_path):
    text = tmp_path / "notes.txt"
    text.write_text("hello, not an array")
    with pytest.raises(ValueError, match=re.escape(f"{text}: ") + r"not a readable \.npz checkpoint"):
        load(text)
    npy = tmp_path / "array.npy"
    np.save(npy, np.zeros(3))
    with pytest.raises(ValueError, match=re.escape(f"{npy}: ") + r"a single \.npy array"):
        load(npy)
    with pytest.raises(FileNotFoundError, match="no checkpoint at"):
        load(tmp_path / "missing.npz")


def test_foreign_npz_without_our_metadata(tmp_path):
    path = tmp_path / "foreign.npz"
    np.savez(path, weight=np.zeros(3))
    with pytest.raises(ValueError, match=re.escape(f"{path}: ") + r"an \.npz without tinygrad_cnn metadata"):
        load(path)
    np.savez(path, weight=np.zeros(3), __metadata__=np.frombuffer(b'{"format": "other"}', np.uint8))
    with pytest.raises(ValueError, match=re.escape(f"{path}: ") + r"invalid tinygrad_cnn metadata \(format is not"):
        load(path)
    np.savez(path, __metadata__=np.frombuffer(b"{not json", np.uint8))
    with pytest.raises(ValueError, match=re.escape(f"{path}: ") + r"invalid tinygrad_cnn metadata"):
        load_metadata(path)


def test_pickled_object_arrays_are_refused(tmp_path):
    path = tmp_path / "evil.npz"
    save({"w": Tensor([1.0])}, path)
    with zipfile.ZipFile(path, "a") as archive, archive.open("payload.npy", "w") as member:
        np.lib.format.write_array(member, np.array([{"a": 1}], dtype=object), allow_pickle=True)
    with pytest.raises(ValueError, match=re.escape(f"{path}: ") + r".*pickled objects"):
        load(path)


def rewrite(path, entries: dict[str, np.ndarray]) -> None:
    with zipfile.ZipFile(path, "w") as archive:
        for name, array in entries.items():
            with archive.open(name + ".npy", "w") as member:
                np.lib.format.write_array(member, array)


@pytest.mark.parametrize(
    "tamper, message",
    [
        (
            lambda e: e.update(w=np.zeros((2, 2), np.float32)),
            r"array 'w' is float32 of shape \(2, 2\), but the metadata says float32 of shape \(3,\)",
        ),
        (
            lambda e: e.update(w=np.zeros(3, np.float64)),
            r"array 'w' is float64 of shape \(3,\), but the metadata says float32",
        ),
        (lambda e: e.pop("w"), r"arrays listed in the metadata are missing: \['w'\]"),
        (lambda e: e.update(extra=np.zeros(1)), r"arrays not listed in the metadata: \['extra'\]"),
    ],
)
def test_arrays_that_disagree_with_the_metadata(tmp_path, tamper, message):
    path = tmp_path / "model.npz"
    save({"w": Tensor(np.zeros(3, np.float32))}, path)
    with np.load(path) as npz:
        entries = {name: npz[name] for name in npz.files}
    tamper(entries)
    rewrite(path, entries)
    with pytest.raises(ValueError, match=re.escape(f"{path}: ") + message):
        load(path)


def test_newer_version_is_refused(tmp_path):
    path = tmp_path / "future.npz"
    save({}, path)
    header = {"format": "tinygrad_cnn.checkpoint", "version": 99, "arrays": [], "tree": {"$dict": []}}
    rewrite(path, {"__metadata__": np.frombuffer(json.dumps(header).encode(), np.uint8)})
    with pytest.raises(ValueError, match="version 99; this library reads up to 1"):
        load(path)


def test_a_checkpoint_gets_an_ordinary_file_mode(tmp_path):
    old = os.umask(0o022)
    try:
        save({"w": Tensor([1.0])}, tmp_path / "m.npz")
    finally:
        os.umask(old)
    assert (tmp_path / "m.npz").stat().st_mode & 0o777 == 0o644


def test_a_deeply_nested_header_is_a_clear_error_not_a_recursion_error(tmp_path):
    path = tmp_path / "deep.npz"
    tree = "[" * 5000 + "]" * 5000
    text = '{"format": "tinygrad_cnn.checkpoint", "version": 1, "arrays": [], "tree": ' + tree + "}"
    np.savez(path, __metadata__=np.frombuffer(text.encode(), dtype=np.uint8))
    with pytest.raises(ValueError, match=re.escape(str(path))):
        load(path)
