"""Damaged and crafted checkpoints: ``load`` gives back exactly what was saved or raises one ``ValueError`` (or
``FileNotFoundError``) naming the file; it never hangs, never allocates more than the file declares within
``LOAD_LIMIT``, and never runs code. ``save`` refuses what ``load`` could not read back, and cleans up after
killed saves."""

from __future__ import annotations

import io
import json
import os
import struct
import time
import zipfile

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tinygrad_cnn import Tensor, load, load_metadata, save
from tinygrad_cnn.engine.sizes import TooLarge
from tinygrad_cnn.files import atomic_open, remove_stale_temporaries, temporary_name_prefix
from tinygrad_cnn.serialization import LOAD_LIMIT, METADATA_KEY

STATE = {"conv.weight": Tensor(np.arange(24, dtype=np.float32).reshape(2, 3, 2, 2)), "conv.bias": Tensor([1.0, 2.0]),
         "steps": Tensor(np.int64(7)), "flags": Tensor(np.array([True, False]))}  # fmt: skip
TMP = settings(suppress_health_check=[HealthCheck.function_scoped_fixture])


def _valid_bytes(tmp_path) -> bytes:
    path = tmp_path / "valid.npz"
    save(STATE, path, metadata={"epoch": 3})
    return path.read_bytes()


def _same(loaded, state=STATE) -> bool:
    return loaded.keys() == state.keys() and all(
        loaded[k].dtype == state[k].dtype and np.array_equal(loaded[k].numpy(), state[k].numpy()) for k in state
    )


def _npz(tmp_path, members: dict[str, bytes], name="crafted.npz", compression=zipfile.ZIP_STORED) -> str:
    path = tmp_path / name
    with zipfile.ZipFile(path, "w", compression=compression) as archive:
        for member, data in members.items():
            archive.writestr(member, data)
    return str(path)


def _npy(array: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    np.lib.format.write_array(buffer, array, allow_pickle=False)
    return buffer.getvalue()


def _metadata(listed: dict[str, np.ndarray], **changes) -> bytes:
    entries = [{"key": k, "dtype": a.dtype.name, "shape": list(a.shape)} for k, a in listed.items()]
    header = {"format": "tinygrad_cnn.checkpoint", "version": 1, "metadata": {},
              "tree": {"$dict": [[k, {"$array": k}] for k in listed]}, "arrays": entries}  # fmt: skip
    header.update(changes)
    return _npy(np.frombuffer(json.dumps(header).encode(), dtype=np.uint8))


# ---- mutated valid files (fuzzing) ----


@TMP
@given(data=st.data())
def test_mutated_checkpoints_load_exactly_or_fail_cleanly(tmp_path, data):
    original = _valid_bytes(tmp_path)
    blob = bytearray(original)
    kind = data.draw(st.sampled_from(["flip", "truncate", "insert", "zero_run"]), label="kind")
    at = data.draw(st.integers(0, len(blob) - 1), label="at")
    if kind == "flip":
        blob[at] ^= data.draw(st.integers(1, 255), label="mask")
    elif kind == "truncate":
        del blob[at:]
    elif kind == "insert":
        blob[at:at] = data.draw(st.binary(min_size=1, max_size=16), label="bytes")
    else:
        blob[at : at + data.draw(st.integers(1, 64), label="run")] = b"\0" * 64
    path = tmp_path / "mutated.npz"
    path.write_bytes(bytes(blob))
    try:
        loaded = load(path)
    except ValueError as error:
        assert str(error).startswith(str(path)), error  # the file is named; no other exception type escapes
    else:
        assert _same(loaded), "a damaged file loaded into different arrays"


# ---- crafted files ----


def test_a_header_claiming_1e15_elements_costs_nothing(tmp_path):
    w = np.zeros(3, np.float32)
    header = _npy(w)
    crafted = header.replace(b"(3,), }", b"(1000000000000000,), }")[: len(header)]  # same header length
    path = _npz(tmp_path, {"w.npy": crafted, f"{METADATA_KEY}.npy": _metadata({"w": w})})
    with pytest.raises(ValueError, match=r"header declares float32 of shape \(1000000000000000,\)"):
        load(path)


def test_a_deflate_bomb_is_refused_before_it_is_inflated(tmp_path):
    big = np.zeros(2**28, np.uint8)  # 256 MiB of zeros deflate to ~256 KiB
    path = _npz(tmp_path, {"w.npy": _npy(big), f"{METADATA_KEY}.npy": _metadata({"w": big})},
                compression=zipfile.ZIP_DEFLATED)  # fmt: skip
    assert os.path.getsize(path) < 2**20
    with pytest.raises(TooLarge, match=r"declare 256 MiB or more once unpacked, over the limit of 1 MiB"):
        load(path, max_bytes=2**20)
    assert load(path, max_bytes=LOAD_LIMIT)["w"].shape == (2**28,)  # under the default limit it loads


@pytest.mark.parametrize(
    "members, message",
    [
        ({"w.bin": b"raw bytes"}, r"member 'w.bin' is not one \.npy array"),
        ({"w.npy": b"not an npy at all"}, r"damaged or crafted member 'w.npy'"),
        ({"w.npy": _npy(np.array([1 + 2j]))}, r"dtype complex128; checkpoints hold bool, int and float"),
        ({"w.npy": _npy(np.array(["text"]))}, r"dtype <U4"),
        ({}, r"no '__metadata__' entry"),
    ],
)
def test_foreign_members(tmp_path, members, message):
    with pytest.raises(ValueError, match=message):
        load(_npz(tmp_path, members))


def _set_member_field(path: str, offset_in_header: int, fmt: str, value: int) -> None:
    """Patch a field of every local and central header (zip: local 'PK\\x03\\x04', central 'PK\\x01\\x02')."""
    blob = bytearray(open(path, "rb").read())
    for signature, shift in ((b"PK\x03\x04", 0), (b"PK\x01\x02", 2)):  # central headers have 2 more bytes first
        start = 0
        while (start := blob.find(signature, start)) != -1:
            struct.pack_into(fmt, blob, start + offset_in_header + shift, value)
            start += 4
    open(path, "wb").write(bytes(blob))


@pytest.mark.parametrize("field, offset, value, message", [
    ("flags", 6, 0x1, r"is encrypted"),
    ("compression", 8, 14, r"uses compression method 14; only stored \(0\) and deflated \(8\)"),
])  # fmt: skip
def test_encrypted_and_unknown_compression(tmp_path, field, offset, value, message):
    path = tmp_path / "model.npz"
    save(STATE, path)
    _set_member_field(str(path), offset, "<H", value)
    with pytest.raises(ValueError, match=message):
        load(path)


@pytest.mark.parametrize("changes, message", [
    ({"metadata": [1, 2]}, r"'metadata' must be a dict, got list"),
    ({"metadata": "text"}, r"'metadata' must be a dict, got str"),
    ({"version": "1"}, r"version '1'"),
    ({"arrays": [{"key": 1, "dtype": "float32", "shape": [3]}]}, r"wrong type"),
    ({"tree": {"$array": "missing"}}, r"invalid tinygrad_cnn metadata"),
    ({"tree": {"$dict": [[["unhashable"], 1]]}}, r"invalid tinygrad_cnn metadata"),
])  # fmt: skip
def test_metadata_of_the_wrong_type(tmp_path, changes, message):
    w = np.zeros(3, np.float32)
    path = _npz(tmp_path, {"w.npy": _npy(w), f"{METADATA_KEY}.npy": _metadata({"w": w}, **changes)})
    with pytest.raises(ValueError, match=message):
        load(path)
        load_metadata(path)


@pytest.mark.parametrize("make", ["fifo", "folder", "missing"])
def test_only_regular_files_are_opened(tmp_path, make):
    path = tmp_path / "thing.npz"
    if make == "fifo":
        os.mkfifo(path)  # opening it for reading would block forever without O_NONBLOCK
    elif make == "folder":
        path.mkdir()
    error = FileNotFoundError if make == "missing" else ValueError
    with pytest.raises(error, match=r"a FIFO, not a checkpoint|a folder, not a checkpoint|no checkpoint at"):
        load(path)


# ---- saving ----


@TMP
@given(key=st.text(max_size=20))
def test_every_key_round_trips_or_is_refused(tmp_path, key):
    state = {key: Tensor([1.0, 2.0])}
    try:
        save(state, tmp_path / "keys.npz")
    except ValueError as error:
        assert "save: the key" in str(error) and "load could not read it back" in str(error)
        assert "\0" in key or any(0xD800 <= ord(c) <= 0xDFFF for c in key)
    else:
        assert _same(load(tmp_path / "keys.npz"), state)


def test_save_refuses_metadata_load_would_refuse(tmp_path):
    with pytest.raises(TypeError, match=r"save: metadata must be a dict, got list"):
        save(STATE, tmp_path / "m.npz", metadata=[1])
    with pytest.raises(TypeError, match=r"save: metadata must be JSON-serialisable"):
        save(STATE, tmp_path / "m.npz", metadata={"x": float("nan")})


def test_a_killed_saves_temporary_is_removed_by_the_next_save(tmp_path):
    path = tmp_path / "model.npz"
    stale = tmp_path / f"{temporary_name_prefix(path)}killed.tmp"
    stale.write_bytes(b"half a checkpoint")
    os.utime(stale, (time.time() - 60, time.time() - 60))  # its writer was kill -9'ed a minute ago
    save(STATE, path)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["model.npz"]


def test_a_live_writers_temporary_is_left_alone(tmp_path):
    path = tmp_path / "model.npz"
    with atomic_open(path) as f:  # a save in progress holds the lock on its temporary
        (temporary,) = [p for p in tmp_path.iterdir() if p.name.startswith(temporary_name_prefix(path))]
        os.utime(temporary, (time.time() - 3600, time.time() - 3600))
        assert remove_stale_temporaries(path) == []
        f.write(b"done")
    assert path.read_bytes() == b"done" and sorted(p.name for p in tmp_path.iterdir()) == ["model.npz"]


def test_other_files_are_never_touched(tmp_path):
    keep = [tmp_path / ".model.npz", tmp_path / ".other.npz.x.tmp", tmp_path / "model.npz.tmp"]
    for p in keep:
        p.write_bytes(b"x")
        os.utime(p, (0, 0))
    assert remove_stale_temporaries(tmp_path / "model.npz") == []
    assert all(p.exists() for p in keep)


def test_crc_damage_in_a_deflated_member_is_caught(tmp_path):
    w = np.arange(1000, dtype=np.float32)
    path = _npz(tmp_path, {"w.npy": _npy(w), f"{METADATA_KEY}.npy": _metadata({"w": w})},
                compression=zipfile.ZIP_DEFLATED)  # fmt: skip
    blob = bytearray(open(path, "rb").read())
    blob[200] ^= 0xFF  # inside the deflated data of w
    open(path, "wb").write(bytes(blob))
    with pytest.raises(ValueError, match=r"crafted\.npz: damaged or crafted member 'w\.npy'"):
        load(path)
