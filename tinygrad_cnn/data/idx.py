"""The IDX file format of MNIST and Fashion-MNIST (``.gz`` too), for your own files.

An IDX file is a 4-byte magic number ``00 00 TT DD`` (TT the element type, DD the number of dimensions),
then DD big-endian uint32 sizes, then the elements, big-endian, row-major. Nothing in a file is trusted:
:func:`read_idx` checks the magic number, the type code and the dimensions, and that the declared size
matches the bytes that are there *before* it allocates anything, and refuses a file that would need more
than ``max_bytes``. A gzip file is detected by its content, not its name, and decompressed only as far as
the header allows. Every problem is one :class:`IDXError` naming the file and what is wrong with it.

Examples:
    >>> import pathlib, tempfile
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "images.idx3-ubyte.gz"
    >>> write_idx(path, np.arange(24, dtype=np.uint8).reshape(2, 3, 4))
    >>> read_idx(path).shape, read_idx(path).dtype
    ((2, 3, 4), dtype('uint8'))
    >>> path.write_bytes(b"not an idx file")
    15
    >>> read_idx(path)
    Traceback (most recent call last):
    ...
    tinygrad_cnn.data.idx.IDXError: ...gz: not an IDX file: the magic number starts with bytes 6e 6f, expected 00 00
"""

from __future__ import annotations

import gzip
import math
import os
import struct
import zlib
from collections.abc import Sequence
from pathlib import Path
from typing import BinaryIO

import numpy as np

from ..files import atomic_open
from .dataset import Dataset

__all__ = ["IDXError", "IDX_TYPES", "DEFAULT_MAX_BYTES", "read_idx", "write_idx", "load_idx_dataset"]

# type code -> big-endian element type (the IDX specification's six)
IDX_TYPES: dict[int, np.dtype] = {
    0x08: np.dtype(">u1"),
    0x09: np.dtype(">i1"),
    0x0B: np.dtype(">i2"),
    0x0C: np.dtype(">i4"),
    0x0D: np.dtype(">f4"),
    0x0E: np.dtype(">f8"),
}
DEFAULT_MAX_BYTES = 2**30  # 1 GiB of elements; MNIST's training images are 47 MB
GZIP_MAGIC = b"\x1f\x8b"
CHUNK_BYTES = 2**20
PathLike = str | os.PathLike


class IDXError(ValueError):
    """A file that is not a valid IDX file (or is truncated, or too large to read)."""


def _type_code(dtype: np.dtype) -> int:
    for code, idx_dtype in IDX_TYPES.items():
        if idx_dtype.newbyteorder("=") == dtype.newbyteorder("="):
            return code
    names = ", ".join(str(t.newbyteorder("=")) for t in IDX_TYPES.values())
    raise ValueError(f"write_idx: IDX stores {names}; got dtype {dtype}")


def write_idx(path: PathLike, array: np.ndarray) -> None:
    """Write ``array`` (uint8, int8, int16, int32, float32 or float64; 1 to 255 dims) to ``path`` as IDX,
    atomically; gzip-compressed when the name ends in ``.gz``."""
    array = np.asarray(array)
    code = _type_code(array.dtype)
    if not 1 <= array.ndim <= 255:
        raise ValueError(f"write_idx: IDX needs 1 to 255 dimensions, got an array of shape {array.shape}")
    if max(array.shape) >= 2**32:
        raise ValueError(f"write_idx: IDX sizes are below 2**32, got shape {array.shape}")
    header = bytes([0, 0, code, array.ndim]) + struct.pack(f">{array.ndim}I", *array.shape)
    data = header + np.ascontiguousarray(array, dtype=IDX_TYPES[code]).tobytes()
    if os.fspath(path).endswith(".gz"):
        data = gzip.compress(data, mtime=0)  # no timestamp: the same array gives the same bytes
    with atomic_open(path) as f:
        f.write(data)


def _read_exactly(stream: BinaryIO, count: int, path: PathLike, what: str) -> bytes:
    """``count`` bytes, read in chunks so that memory grows with the bytes that arrive, not with ``count``
    (a buffered ``read(count)`` allocates ``count`` bytes up front, whatever a gzip stream then yields)."""
    chunks, have = [], 0
    while have < count:
        chunk = stream.read(min(count - have, CHUNK_BYTES))
        if not chunk:
            raise IDXError(f"{path}: truncated: {what} needs {count:,} bytes, the file has {have:,}")
        chunks.append(chunk)
        have += len(chunk)
    return b"".join(chunks)


def _parse(stream: BinaryIO, path: PathLike, max_bytes: int, remaining: int | None) -> np.ndarray:
    """Read one IDX array from ``stream``; ``remaining`` is the stream's length when known (plain files)."""
    magic = _read_exactly(stream, 4, path, "the magic number")
    if magic[:2] != b"\x00\x00":
        found = magic[:2].hex(" ")
        raise IDXError(f"{path}: not an IDX file: the magic number starts with bytes {found}, expected 00 00")
    code, ndim = magic[2], magic[3]
    if code not in IDX_TYPES:
        known = ", ".join(f"0x{c:02X}" for c in IDX_TYPES)
        raise IDXError(f"{path}: unknown IDX element type 0x{code:02X} (known: {known})")
    if ndim == 0:
        raise IDXError(f"{path}: the IDX header declares 0 dimensions")
    shape = struct.unpack(f">{ndim}I", _read_exactly(stream, 4 * ndim, path, f"a header of {ndim} dimensions"))
    dtype = IDX_TYPES[code]
    size = math.prod(shape) * dtype.itemsize  # Python ints: no overflow, whatever the header says
    if size > max_bytes:
        raise IDXError(f"{path}: the header declares shape {shape} of {dtype.newbyteorder('=')}, {size:,} bytes, "
                       f"more than max_bytes={max_bytes:,}")  # fmt: skip
    if remaining is not None and remaining - 4 - 4 * ndim != size:
        have = remaining - 4 - 4 * ndim
        problem = "truncated" if have < size else f"{have - size:,} bytes of trailing data"
        declared = f"the header declares shape {shape} ({size:,} bytes)"
        raise IDXError(f"{path}: {problem}: {declared}, the file holds {have:,}")
    data = _read_exactly(stream, size, path, f"shape {shape} of {dtype.newbyteorder('=')}")
    if stream.read(1):
        raise IDXError(f"{path}: trailing data after the {size:,} bytes of shape {shape}")
    array = np.frombuffer(data, dtype=dtype).reshape(shape)  # flat -> shape
    return array.astype(dtype.newbyteorder("="))  # native byte order, writable


def read_idx(path: PathLike, *, max_bytes: int = DEFAULT_MAX_BYTES) -> np.ndarray:
    """The array in the IDX file at ``path`` (plain or gzip), native byte order; raises :class:`IDXError`
    for a damaged, truncated or foreign file, or one whose data would exceed ``max_bytes``."""
    try:
        with open(path, "rb") as raw:
            compressed = raw.read(2) == GZIP_MAGIC
            raw.seek(0)
            if not compressed:
                return _parse(raw, path, max_bytes, os.fstat(raw.fileno()).st_size)
            with gzip.GzipFile(fileobj=raw) as stream:
                return _parse(stream, path, max_bytes, None)
    except (gzip.BadGzipFile, EOFError, zlib.error) as error:
        raise IDXError(f"{path}: damaged gzip data ({error})") from None


def _as_inputs(images: np.ndarray, path: PathLike, scale: bool) -> np.ndarray:
    if images.ndim not in (2, 3, 4):
        raise IDXError(f"{path}: images need 2 to 4 dimensions (N, L), (N, H, W) or (N, C, H, W); got {images.shape}")
    x = images.astype(np.float32)
    if scale and images.dtype == np.uint8:
        x /= 255.0
    return x[:, None] if images.ndim in (2, 3) else x  # (N, L) -> (N, 1, L); (N, H, W) -> (N, 1, H, W)


def load_idx_dataset(
    images_path: PathLike,
    labels_path: PathLike,
    *,
    name: str = "",
    classes: Sequence[str] = (),
    scale: bool = True,
    max_bytes: int = DEFAULT_MAX_BYTES,
) -> Dataset:
    """A :class:`Dataset` from a pair of IDX files, as MNIST ships them: images ``(N, H, W)`` become float32
    ``(N, 1, H, W)`` (uint8 scaled to [0, 1] unless ``scale=False``), labels ``(N,)`` int64.

    >>> import pathlib, tempfile
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> write_idx(folder / "x.gz", np.full((5, 4, 4), 255, np.uint8))
    >>> write_idx(folder / "y.gz", np.array([0, 1, 2, 1, 0], np.uint8))
    >>> data = load_idx_dataset(folder / "x.gz", folder / "y.gz")
    >>> data.x.shape, float(data.x.max()), data.y.tolist(), data.classes
    ((5, 1, 4, 4), 1.0, [0, 1, 2, 1, 0], ('0', '1', '2'))
    """
    images = read_idx(images_path, max_bytes=max_bytes)
    labels = read_idx(labels_path, max_bytes=max_bytes)
    if labels.ndim != 1 or labels.dtype.kind not in "iu":
        raise IDXError(f"{labels_path}: labels must be 1-D integers, got {labels.dtype} of shape {labels.shape}")
    if labels.size and labels.min() < 0:
        raise IDXError(f"{labels_path}: labels must be >= 0, found {int(labels.min())}")
    if len(labels) != len(images):
        raise IDXError(f"{images_path} has {len(images)} images but {labels_path} has {len(labels)} labels")
    x = _as_inputs(images, images_path, scale)
    if not classes and labels.size:
        classes = tuple(str(c) for c in range(int(labels.max()) + 1))
    return Dataset(x, labels.astype(np.int64), name or Path(images_path).name, tuple(classes))
