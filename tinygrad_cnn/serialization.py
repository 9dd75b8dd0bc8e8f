"""Checkpoints: a state dict (or any nest of dicts, lists and tuples with arrays inside) in one ``.npz``.

The file is an ordinary NumPy ``.npz`` (a zip of ``.npy`` arrays, readable with ``np.load``): one entry
per array, named by its dotted key, plus an entry ``__metadata__``, a uint8 array holding UTF-8 JSON:

    {"format": "tinygrad_cnn.checkpoint", "version": 1,
     "arrays": [{"key": "0.weight", "dtype": "float32", "shape": [8, 3, 5, 5]}, ...],
     "tree": <the structure, with {"$array": key} where each array goes>, "metadata": {...}}

Safety: files are read with ``allow_pickle=False`` (no code runs on load) and written atomically
(a temporary file in the same directory, flushed and fsynced, then ``os.replace``), so a crash mid-save
leaves the previous checkpoint intact. Anything that is not one of our checkpoints, or disagrees with its
own metadata, raises one ``ValueError`` naming the file.

Examples:
    >>> import os, tempfile
    >>> import numpy as np
    >>> from tinygrad_cnn import Tensor
    >>> state = {"weight": Tensor(np.arange(6, dtype=np.float32).reshape(2, 3)), "steps": Tensor(np.int64(7))}
    >>> path = os.path.join(tempfile.mkdtemp(), "model.npz")
    >>> save(state, path, metadata={"epoch": 3})
    >>> loaded = load(path)
    >>> loaded["weight"].tolist(), loaded["steps"].item(), load_metadata(path)
    ([[0.0, 1.0, 2.0], [3.0, 4.0, 5.0]], 7, {'epoch': 3})
    >>> sorted(np.load(path).files)                    # a plain .npz underneath
    ['__metadata__', 'steps', 'weight']
"""

from __future__ import annotations

import json
import math
import os
import stat
import zipfile
import zlib
from typing import IO, Any

import numpy as np

from .engine.sizes import TooLarge, format_bytes, is_int, shown
from .engine.tensor import Tensor
from .files import atomic_open

__all__ = ["save", "load", "load_metadata", "FORMAT", "VERSION", "LOAD_LIMIT", "model_state"]

FORMAT = "tinygrad_cnn.checkpoint"
VERSION = 1
METADATA_KEY = "__metadata__"
ARRAY_KINDS = "biuf"  # bool, signed and unsigned integers, floats: nothing that needs pickle
LOAD_LIMIT = 2**30  # bytes: what load() unpacks at most unless told otherwise (max_bytes=)
PathLike = str | os.PathLike


# ---- the structure <-> JSON with array references ----


def _encode(obj: Any, key: str, arrays: dict[str, np.ndarray]) -> Any:
    """JSON for ``obj``; each array is stored in ``arrays`` under its dotted ``key`` and replaced by
    ``{"$array": key}``. Dicts keep their key types (str or int) and tuples stay tuples."""
    if isinstance(obj, (Tensor, np.ndarray)):
        array = np.asarray(obj.data if isinstance(obj, Tensor) else obj)
        if array.dtype.kind not in ARRAY_KINDS:
            raise ValueError(f"save: {key or 'the value'} has dtype {array.dtype}; only bool, int and float arrays")
        name = key or "value"
        _check_name(name)
        if name in arrays or name == METADATA_KEY:
            raise ValueError(f"save: two arrays would be stored under the name {name!r}")
        arrays[name] = array
        return {"$array": name}
    if isinstance(obj, dict):
        items = []
        for k, v in obj.items():
            if isinstance(k, bool) or not isinstance(k, (str, int)):
                raise TypeError(f"save: dict keys must be str or int, got {k!r} under {key or 'the top level'}")
            items.append([k, _encode(v, f"{key}.{k}" if key else str(k), arrays)])
        return {"$dict": items}
    if isinstance(obj, (list, tuple)):
        encoded = [_encode(v, f"{key}.{i}" if key else str(i), arrays) for i, v in enumerate(obj)]
        return {"$tuple": encoded} if isinstance(obj, tuple) else encoded
    if isinstance(obj, np.generic):
        return obj.item()
    if obj is None or isinstance(obj, (bool, int, float, str)):
        return obj
    raise TypeError(f"save: cannot store {type(obj).__name__} (at {key or 'the top level'})")


def _decode(node: Any, arrays: dict[str, np.ndarray]) -> Any:
    if isinstance(node, list):
        return [_decode(v, arrays) for v in node]
    if isinstance(node, dict):
        if "$array" in node:
            return Tensor(arrays[node["$array"]])
        if "$tuple" in node:
            return tuple(_decode(v, arrays) for v in node["$tuple"])
        return {k: _decode(v, arrays) for k, v in node["$dict"]}
    return node


# ---- writing ----


def save(state: Any, path: PathLike, metadata: dict[str, Any] | None = None) -> None:
    """Write ``state`` (e.g. ``model.state_dict()``) and JSON-able ``metadata`` to ``path``, atomically
    (:func:`tinygrad_cnn.files.atomic_open`: temporaries of earlier, killed saves to ``path`` are removed)."""
    arrays: dict[str, np.ndarray] = {}
    if metadata is not None and not isinstance(metadata, dict):
        raise TypeError(f"save: metadata must be a dict, got {type(metadata).__name__}")
    header = {
        "format": FORMAT,
        "version": VERSION,
        "tree": _encode(state, "", arrays),
        "arrays": [{"key": k, "dtype": a.dtype.name, "shape": list(a.shape)} for k, a in arrays.items()],
        "metadata": {} if metadata is None else metadata,
    }
    try:
        text = json.dumps(header, allow_nan=False)
    except (TypeError, ValueError, RecursionError) as error:
        raise TypeError(f"save: metadata must be JSON-serialisable (finite numbers, str keys): {error}") from None
    blob = np.frombuffer(text.encode("utf-8"), dtype=np.uint8)  # JSON bytes as an array entry
    with atomic_open(path, "wb") as f:
        _write_npz(f, {METADATA_KEY: blob, **arrays})


def _write_npz(f: Any, entries: dict[str, np.ndarray]) -> None:
    """What ``np.savez`` does, without its keyword arguments (a key named ``file`` would clash) and
    refusing object arrays (``allow_pickle=False``)."""
    with zipfile.ZipFile(f, mode="w", compression=zipfile.ZIP_STORED, allowZip64=True) as archive:
        for name, array in entries.items():
            with archive.open(name + ".npy", mode="w", force_zip64=True) as member:
                np.lib.format.write_array(member, array, allow_pickle=False)


def _check_name(name: str) -> str:
    """An array's name as :func:`load` will read it back: zip member names end at a NUL byte, are UTF-8 and
    at most 65,535 bytes long, so a key that breaks one of these is refused here rather than written."""
    problem = ""
    if "\x00" in name:
        problem = "contains a NUL character (zip names end at one)"
    else:
        try:
            size = len(name.encode("utf-8")) + len(".npy")
            problem = "" if size <= 0xFFFF else f"is {size:,} bytes long; a zip name holds at most 65,535"
        except UnicodeEncodeError:
            problem = "is not valid Unicode text (a lone surrogate)"
    if problem:
        raise ValueError(f"save: the key {shown(name)} {problem}; load could not read it back")
    return name


# ---- reading ----


def _open_regular(path: str) -> IO[bytes]:
    """``path`` opened for reading if it is a regular file; a FIFO, device or folder is refused at once
    (opened without blocking, then checked on the open handle, so nothing can swap it in between)."""
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    except FileNotFoundError:
        raise FileNotFoundError(f"no checkpoint at {path}") from None
    except OSError as error:
        raise ValueError(f"{path}: cannot be opened ({error.strerror})") from None
    mode = os.fstat(fd).st_mode
    if not stat.S_ISREG(mode):
        os.close(fd)
        kind = "a folder" if stat.S_ISDIR(mode) else "a FIFO" if stat.S_ISFIFO(mode) else "not a regular file"
        raise ValueError(f"{path}: {kind}, not a checkpoint file")
    return os.fdopen(fd, "rb")


def _members(path: str, archive: zipfile.ZipFile, max_bytes: int) -> list[zipfile.ZipInfo]:
    """The archive's members, each an uncompressed or deflated, unencrypted ``.npy`` once, whose declared
    sizes add up to at most ``max_bytes``."""
    members, total, seen = archive.infolist(), 0, set()
    for info in members:
        name = shown(info.filename)
        if not info.filename.endswith(".npy") or info.filename in seen:
            raise ValueError(f"{path}: member {name} is not one .npy array (a checkpoint holds only .npy members)")
        seen.add(info.filename)
        if info.flag_bits & 0x1:
            raise ValueError(f"{path}: member {name} is encrypted; checkpoints are never encrypted")
        if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
            raise ValueError(f"{path}: member {name} uses compression method {info.compress_type}; "
                             "only stored (0) and deflated (8) members are read")  # fmt: skip
        total += info.file_size
        if total > max_bytes:
            raise TooLarge(f"{path}: its members declare {format_bytes(total)} or more once unpacked, over the limit "
                           f"of {format_bytes(max_bytes)} (load(..., max_bytes=...) raises it)")  # fmt: skip
    return members


def _read_member(path: str, archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> np.ndarray:
    """One ``.npy`` member: its header is read and checked against the member's declared size before the
    array is allocated, so a header claiming 10^15 elements costs nothing."""
    name = shown(info.filename[: -len(".npy")])
    with archive.open(info) as member:
        version = np.lib.format.read_magic(member)
        if version not in ((1, 0), (2, 0)):
            raise ValueError(f"format version {version}")
        read_header = np.lib.format.read_array_header_1_0 if version == (1, 0) else np.lib.format.read_array_header_2_0
        shape, fortran_order, dtype = read_header(member)
        if dtype.kind not in ARRAY_KINDS or dtype.hasobject or dtype.fields is not None or dtype.subdtype is not None:
            pickled = " (pickled objects)" if dtype.hasobject else ""
            raise ValueError(f"array {name} has dtype {dtype}{pickled}; checkpoints hold bool, int and float arrays")
        declared = math.prod(shape) * dtype.itemsize
        if member.tell() + declared != info.file_size:
            raise ValueError(f"array {name}: its header declares {dtype} of shape {shape} ({declared:,} bytes), "
                             f"but the member holds {info.file_size - member.tell():,} bytes of data")  # fmt: skip
        data = member.read(declared)
    array = np.frombuffer(data, dtype=dtype).reshape(shape, order="F" if fortran_order else "C")
    return array.copy(order="K")  # a writable array that owns its memory


def _read(path: PathLike, max_bytes: int) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
    """The header and the arrays of checkpoint ``path``, every array checked against the header."""
    path = os.fspath(path)
    if not is_int(max_bytes) or max_bytes < 0:
        raise ValueError(f"load: max_bytes must be a non-negative integer, got {shown(max_bytes)}")
    unreadable = (ValueError, OSError, EOFError, KeyError, zipfile.BadZipFile, zlib.error, NotImplementedError,
                  RuntimeError, SyntaxError, OverflowError)  # fmt: skip
    with _open_regular(path) as f:
        if f.read(6) == b"\x93NUMPY":
            raise ValueError(f"{path}: a single .npy array, not an .npz checkpoint")
        f.seek(0)
        try:
            archive = zipfile.ZipFile(f)
        except unreadable as error:
            raise ValueError(f"{path}: not a readable .npz checkpoint ({_reason(error)})") from None
        with archive:
            arrays = {}
            for info in _members(path, archive, max_bytes):
                try:
                    arrays[info.filename[: -len(".npy")]] = _read_member(path, archive, info)
                except TooLarge:
                    raise
                except unreadable as error:
                    raise ValueError(f"{path}: damaged or crafted member {shown(info.filename)} "
                                     f"({_reason(error)})") from None  # fmt: skip
    if METADATA_KEY not in arrays:
        raise ValueError(f"{path}: an .npz without tinygrad_cnn metadata (no {METADATA_KEY!r} entry)")
    header = _parse_header(path, arrays.pop(METADATA_KEY))
    _check_arrays(path, header, arrays)
    return header, arrays


def _reason(error: BaseException) -> str:
    """An exception as ``Type: message``, cut short and with no control characters (it may quote the file)."""
    return f"{type(error).__name__}: {_text(str(error))}"


def _text(value: Any) -> str:
    """Text from a file for a message: as it is if short and printable, else its cut-short repr."""
    text = value if isinstance(value, str) else repr(value)
    return text if len(text) <= 200 and text.isprintable() else shown(value)


def _parse_header(path: str, blob: np.ndarray) -> dict[str, Any]:
    try:
        if blob.dtype != np.uint8 or blob.ndim != 1:
            raise ValueError(f"{METADATA_KEY} is {blob.dtype} of shape {blob.shape}, not uint8 bytes")
        header = json.loads(blob.tobytes().decode("utf-8"))
        if not isinstance(header, dict) or header.get("format") != FORMAT:
            raise ValueError(f"format is not {FORMAT!r}")
        if not is_int(header.get("version")) or header["version"] > VERSION:
            raise ValueError(f"version {shown(header.get('version'))}; this library reads up to {VERSION}")
        entries = header.get("arrays")
        if "tree" not in header or not isinstance(entries, list):
            raise ValueError("'tree' or 'arrays' is missing")
        if not all(isinstance(e, dict) and {"key", "dtype", "shape"} <= e.keys() for e in entries):
            raise ValueError("an 'arrays' entry lacks key, dtype or shape")
        if not all(isinstance(e["key"], str) and isinstance(e["dtype"], str) and isinstance(e["shape"], list)
                   for e in entries):  # fmt: skip
            raise ValueError("an 'arrays' entry has a key, dtype or shape of the wrong type")
        if not isinstance(header.get("metadata", {}), dict):
            raise ValueError(f"'metadata' must be a dict, got {type(header['metadata']).__name__}")
    except (ValueError, KeyError, TypeError, UnicodeDecodeError, RecursionError) as error:
        raise ValueError(f"{path}: invalid tinygrad_cnn metadata ({_text(str(error))})") from None
    return header


def _check_arrays(path: str, header: dict[str, Any], arrays: dict[str, np.ndarray]) -> None:
    listed = {entry["key"]: entry for entry in header["arrays"]}
    missing = [k for k in listed if k not in arrays]
    extra = [k for k in arrays if k not in listed]
    if missing:
        raise ValueError(f"{path}: arrays listed in the metadata are missing: {shown(missing)}")
    if extra:
        raise ValueError(f"{path}: arrays not listed in the metadata: {shown(extra)}")
    for key, entry in listed.items():
        array = arrays[key]
        if array.dtype.name != entry["dtype"] or list(array.shape) != list(entry["shape"]):
            raise ValueError(
                f"{path}: array {shown(key)} is {array.dtype.name} of shape {tuple(array.shape)}, "
                f"but the metadata says {_text(entry['dtype'])} of shape {_text(tuple(entry['shape']))}"
            )


def load(path: PathLike, max_bytes: int = LOAD_LIMIT) -> Any:
    """Read a checkpoint written by :func:`save`: the same structure, with every array as a Tensor.

    The arrays' sizes are read from the file and checked before anything is allocated: a file whose members
    would unpack to more than ``max_bytes`` (default :data:`LOAD_LIMIT`, 1 GiB) is refused with the size.
    """
    header, arrays = _read(path, max_bytes)
    try:
        return _decode(header["tree"], arrays)
    except (KeyError, TypeError, ValueError, RecursionError) as error:
        raise ValueError(f"{os.fspath(path)}: invalid tinygrad_cnn metadata ({error})") from None


def load_metadata(path: PathLike, max_bytes: int = LOAD_LIMIT) -> dict[str, Any]:
    """The ``metadata`` dict given to :func:`save` (the file is checked as by :func:`load`)."""
    header, _ = _read(path, max_bytes)
    return header.get("metadata", {})


def model_state(tree: Any, where: str) -> dict:
    """The model's state dict inside what :func:`load` returned: the whole tree when it is one (name → tensor),
    else its ``model``, ``state_dict`` or ``model_state`` entry (training checkpoints keep the optimizer beside it).

    Examples:
        >>> model_state({"model": {"w": Tensor([1.0])}, "optimizer": {}}, "run.npz")
        {'w': Tensor([1.])}
        >>> model_state({"epoch": 3}, "run.npz")
        Traceback (most recent call last):
        ...
        ValueError: run.npz: no state dict of arrays in the checkpoint (top level: ['epoch'])
    """

    def is_state(value: Any) -> bool:
        return isinstance(value, dict) and bool(value) and all(isinstance(v, Tensor) for v in value.values())

    if is_state(tree):
        return tree
    if isinstance(tree, dict):
        for key in ("model", "state_dict", "model_state"):
            if is_state(tree.get(key)):
                return tree[key]
    keys = shown(list(tree)) if isinstance(tree, dict) else type(tree).__name__
    raise ValueError(f"{where}: no state dict of arrays in the checkpoint (top level: {keys})")
