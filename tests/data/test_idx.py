"""The IDX reader: round trips for every element type, and one clear error for each kind of damage."""

from __future__ import annotations

import gzip
import struct
import tracemalloc

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from tinygrad_cnn.data import IDXError, load_idx_dataset, read_idx, write_idx

DTYPES = [np.uint8, np.int8, np.int16, np.int32, np.float32, np.float64]


def header(code: int, shape: tuple[int, ...]) -> bytes:
    return bytes([0, 0, code, len(shape)]) + struct.pack(f">{len(shape)}I", *shape)


@given(array=st.sampled_from(DTYPES).flatmap(lambda dtype: hnp.arrays(dtype, hnp.array_shapes(
    min_dims=1, max_dims=4, min_side=0, max_side=5))), compress=st.booleans())  # fmt: skip
def test_round_trip(tmp_path_factory, array, compress):
    path = tmp_path_factory.mktemp("idx") / ("a.idx.gz" if compress else "a.idx")
    write_idx(path, array)
    back = read_idx(path)
    assert back.shape == array.shape and back.dtype == array.dtype and back.dtype.isnative
    assert back.tobytes() == array.tobytes()  # bit for bit, NaNs included
    assert (path.read_bytes()[:2] == b"\x1f\x8b") == compress


def test_reads_the_bytes_of_the_specification(tmp_path):
    (tmp_path / "u8").write_bytes(header(0x08, (3,)) + bytes([1, 2, 255]))
    (tmp_path / "i16").write_bytes(header(0x0B, (2, 1)) + b"\x01\x02\xff\xfe")  # big-endian
    (tmp_path / "f64").write_bytes(header(0x0E, (1,)) + struct.pack(">d", -1.5))
    assert read_idx(tmp_path / "u8").tolist() == [1, 2, 255]
    assert read_idx(tmp_path / "i16").tolist() == [[258], [-2]]
    assert read_idx(tmp_path / "f64").tolist() == [-1.5]


def test_the_same_array_gives_the_same_gzip_bytes(tmp_path):
    array = np.arange(50, dtype=np.int32).reshape(5, 10)
    write_idx(tmp_path / "a.gz", array)
    write_idx(tmp_path / "b.gz", array)
    assert (tmp_path / "a.gz").read_bytes() == (tmp_path / "b.gz").read_bytes()


GOOD = header(0x08, (2, 3)) + bytes(range(6))


@pytest.mark.parametrize(("content", "message"), [
    (b"", r"truncated: the magic number needs 4 bytes, the file has 0"),
    (b"\x00\x00", r"truncated: the magic number"),
    (b"\x89PNG\r\n\x1a\n" + bytes(20), r"not an IDX file: the magic number starts with bytes 89 50, expected 00 00"),
    (b"\x00\x00\x07\x01" + bytes(8), r"unknown IDX element type 0x07"),
    (b"\x00\x00\x08\x00", r"declares 0 dimensions"),
    (b"\x00\x00\x08\x03\x00\x00\x00\x02", r"truncated: a header of 3 dimensions needs 12 bytes, the file has 4"),
    (GOOD[:-1], r"truncated: the header declares shape \(2, 3\) \(6 bytes\), the file holds 5"),
    (GOOD + b"\x00\x00", r"2 bytes of trailing data"),
    (header(0x0E, (2**32 - 1, 2**32 - 1)), r"declares shape \(4294967295, 4294967295\) of float64, "
                                             rf"{(2**32 - 1) ** 2 * 8:,} bytes, more than max_bytes"),
])  # fmt: skip
def test_damaged_plain_files_give_one_clear_error(tmp_path, content, message):
    path = tmp_path / "damaged-idx3-ubyte"
    path.write_bytes(content)
    with pytest.raises(IDXError, match=message) as caught:
        read_idx(path)
    assert str(caught.value).startswith(str(path))  # names the file


@pytest.mark.parametrize(("content", "message"), [
    (b"\x1f\x8b" + b"garbage that is not deflate data", r"damaged gzip data"),
    (gzip.compress(GOOD, mtime=0)[:-12], r"damaged gzip data|truncated"),  # the stream stops early
    (gzip.compress(GOOD, mtime=0)[:-8] + b"\x00\x00\x00\x00" + gzip.compress(GOOD, mtime=0)[-4:], r"damaged gzip data"),
    (gzip.compress(GOOD[:-1], mtime=0), r"truncated: shape \(2, 3\) of uint8 needs 6 bytes, the file has 5"),
    (gzip.compress(GOOD + b"\x07", mtime=0), r"trailing data"),
    (gzip.compress(b"\x00\x00\x00\x01" + bytes(8), mtime=0), r"unknown IDX element type 0x00"),
])  # fmt: skip
def test_damaged_gzip_files_give_one_clear_error(tmp_path, content, message):
    path = tmp_path / "damaged.gz"
    path.write_bytes(content)
    with pytest.raises(IDXError, match=message) as caught:
        read_idx(path)
    assert str(caught.value).startswith(str(path))


def test_a_header_cannot_make_us_allocate_what_the_file_does_not_hold(tmp_path):
    """A gzip file declaring 1 GiB with 10 bytes of data fails after reading what is there, not 1 GiB."""
    path = tmp_path / "bomb.gz"
    path.write_bytes(gzip.compress(header(0x08, (2**30,)) + bytes(10), mtime=0))
    tracemalloc.start()
    try:
        with pytest.raises(IDXError, match="truncated"):
            read_idx(path, max_bytes=2**31)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 8 * 2**20
    with pytest.raises(IDXError, match="more than max_bytes=1,000"):
        read_idx(path, max_bytes=1000)


def test_load_idx_dataset_makes_a_dataset(tmp_path):
    images = np.arange(2 * 3 * 4, dtype=np.uint8).reshape(2, 3, 4) * 10
    write_idx(tmp_path / "images.gz", images)
    write_idx(tmp_path / "labels", np.array([3, 1], np.uint8))
    data = load_idx_dataset(tmp_path / "images.gz", tmp_path / "labels", classes=("a", "b", "c", "d"))
    assert data.x.shape == (2, 1, 3, 4) and data.x.dtype == np.float32 and data.y.dtype == np.int64
    assert np.allclose(data.x[:, 0], images / 255.0) and data.y.tolist() == [3, 1]
    assert data.classes == ("a", "b", "c", "d") and data.name == "images.gz"
    raw = load_idx_dataset(tmp_path / "images.gz", tmp_path / "labels", scale=False)
    assert raw.x.max() == 230.0 and raw.classes == ("0", "1", "2", "3")
    write_idx(tmp_path / "signals", np.zeros((2, 7), np.float32))
    assert load_idx_dataset(tmp_path / "signals", tmp_path / "labels").x.shape == (2, 1, 7)


@pytest.mark.parametrize(("images", "labels", "message"), [
    (np.zeros((3, 2, 2), np.uint8), np.zeros(2, np.uint8), r"has 3 images but .* has 2 labels"),
    (np.zeros((2, 2, 2), np.uint8), np.zeros((2, 1), np.uint8), "labels must be 1-D integers"),
    (np.zeros((2, 2, 2), np.uint8), np.zeros(2, np.float32), "labels must be 1-D integers"),
    (np.zeros((2, 2, 2), np.uint8), np.array([0, -1], np.int8), "labels must be >= 0"),
    (np.zeros(2, np.uint8), np.zeros(2, np.uint8), "images need 2 to 4 dimensions"),
])  # fmt: skip
def test_load_idx_dataset_checks_the_pair(tmp_path, images, labels, message):
    write_idx(tmp_path / "x", images)
    write_idx(tmp_path / "y", labels)
    with pytest.raises(IDXError, match=message):
        load_idx_dataset(tmp_path / "x", tmp_path / "y")


@pytest.mark.parametrize(("array", "message"), [
    (np.zeros(3, np.int64), "IDX stores uint8, int8, int16, int32, float32, float64; got dtype int64"),
    (np.zeros(3, bool), "got dtype bool"),
    (np.float32(1.0), "1 to 255 dimensions"),
])  # fmt: skip
def test_write_idx_refuses_what_idx_cannot_hold(tmp_path, array, message):
    with pytest.raises(ValueError, match=message):
        write_idx(tmp_path / "out", array)
    assert list(tmp_path.iterdir()) == []
