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
import os
import zipfile
import zlib
from typing import Any

import numpy as np

from .engine.tensor import Tensor
from .files import atomic_open

__all__ = ["save", "load", "load_metadata", "FORMAT", "VERSION"]

FORMAT = "tinygrad_cnn.checkpoint"
VERSION = 1
METADATA_KEY = "__metadata__"
ARRAY_KINDS = "biuf"  # bool, signed and unsigned integers, floats: nothing that needs pickle
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
    """Write ``state`` (e.g. ``model.state_dict()``) and JSON-able ``metadata`` to ``path``, atomically."""
    arrays: dict[str, np.ndarray] = {}
    header = {
        "format": FORMAT,
        "version": VERSION,
        "tree": _encode(state, "", arrays),
        "arrays": [{"key": k, "dtype": a.dtype.name, "shape": list(a.shape)} for k, a in arrays.items()],
        "metadata": {} if metadata is None else metadata,
    }
    try:
        text = json.dumps(header)
    except (TypeError, ValueError) as error:
        raise TypeError(f"save: metadata must be JSON-serialisable: {error}") from None
    blob = np.frombuffer(text.encode("utf-8"), dtype=np.uint8)  # JSON bytes as an array entry

    with atomic_open(path) as f:  # readers see the old file or the new one, never half of one
        _write_npz(f, {METADATA_KEY: blob, **arrays})


def _write_npz(f: Any, entries: dict[str, np.ndarray]) -> None:
    """What ``np.savez`` does, without its keyword arguments (a key named ``file`` would clash) and
    refusing object arrays (``allow_pickle=False``)."""
    with zipfile.ZipFile(f, mode="w", compression=zipfile.ZIP_STORED, allowZip64=True) as archive:
        for name, array in entries.items():
            with archive.open(name + ".npy", mode="w", force_zip64=True) as member:
                np.lib.format.write_array(member, array, allow_pickle=False)


# ---- reading ----


def _read(path: PathLike) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
    """The header and the arrays of checkpoint ``path``, every array checked against the header."""
    path = os.fspath(path)
    unreadable = (ValueError, OSError, EOFError, KeyError, zipfile.BadZipFile, zlib.error)
    if not os.path.exists(path):
        raise FileNotFoundError(f"no checkpoint at {path}")
    with open(path, "rb") as f:  # our own handle: np.load leaks its own when the zip is damaged
        try:
            loaded = np.load(f, allow_pickle=False)
        except unreadable as error:
            raise ValueError(f"{path}: not a readable .npz checkpoint ({type(error).__name__}: {error})") from None
        if not isinstance(loaded, np.lib.npyio.NpzFile):
            raise ValueError(f"{path}: a single .npy array, not an .npz checkpoint")
        with loaded:
            try:
                arrays = {name: loaded[name] for name in loaded.files}
            except unreadable as error:
                raise ValueError(
                    f"{path}: damaged or truncated .npz, or it holds pickled objects ({type(error).__name__}: {error})"
                ) from None
    if METADATA_KEY not in arrays:
        raise ValueError(f"{path}: an .npz without tinygrad_cnn metadata (no {METADATA_KEY!r} entry)")
    header = _parse_header(path, arrays.pop(METADATA_KEY))
    _check_arrays(path, header, arrays)
    return header, arrays


def _parse_header(path: str, blob: np.ndarray) -> dict[str, Any]:
    try:
        if blob.dtype != np.uint8 or blob.ndim != 1:
            raise ValueError(f"{METADATA_KEY} is {blob.dtype} of shape {blob.shape}, not uint8 bytes")
        header = json.loads(blob.tobytes().decode("utf-8"))
        if not isinstance(header, dict) or header.get("format") != FORMAT:
            raise ValueError(f"format is not {FORMAT!r}")
        if not isinstance(header.get("version"), int) or header["version"] > VERSION:
            raise ValueError(f"version {header.get('version')!r}; this library reads up to {VERSION}")
        entries = header.get("arrays")
        if "tree" not in header or not isinstance(entries, list):
            raise ValueError("'tree' or 'arrays' is missing")
        if not all(isinstance(e, dict) and {"key", "dtype", "shape"} <= e.keys() for e in entries):
            raise ValueError("an 'arrays' entry lacks key, dtype or shape")
    except (ValueError, KeyError, TypeError, UnicodeDecodeError, RecursionError) as error:
        raise ValueError(f"{path}: invalid tinygrad_cnn metadata ({error})") from None
    return header


def _check_arrays(path: str, header: dict[str, Any], arrays: dict[str, np.ndarray]) -> None:
    listed = {entry["key"]: entry for entry in header["arrays"]}
    missing = [k for k in listed if k not in arrays]
    extra = [k for k in arrays if k not in listed]
    if missing:
        raise ValueError(f"{path}: arrays listed in the metadata are missing: {missing}")
    if extra:
        raise ValueError(f"{path}: arrays not listed in the metadata: {extra}")
    for key, entry in listed.items():
        array = arrays[key]
        if array.dtype.name != entry["dtype"] or list(array.shape) != list(entry["shape"]):
            raise ValueError(
                f"{path}: array {key!r} is {array.dtype.name} of shape {tuple(array.shape)}, "
                f"but the metadata says {entry['dtype']} of shape {tuple(entry['shape'])}"
            )


def load(path: PathLike) -> Any:
    """Read a checkpoint written by :func:`save`: the same structure, with every array as a Tensor."""
    header, arrays = _read(path)
    try:
        return _decode(header["tree"], arrays)
    except (KeyError, TypeError, ValueError, RecursionError) as error:
        raise ValueError(f"{os.fspath(path)}: invalid tinygrad_cnn metadata ({error})") from None


def load_metadata(path: PathLike) -> dict[str, Any]:
    """The ``metadata`` dict given to :func:`save` (the file is checked as by :func:`load`)."""
    header, _ = _read(path)
    return header.get("metadata", {})
