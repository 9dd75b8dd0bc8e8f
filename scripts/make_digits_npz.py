"""Make ``tinygrad_cnn/data/digits.npz`` and ``digits.txt`` from scikit-learn's copy of the UCI digits.

The 8x8 optical-recognition handwritten digits (1,797 images, 10 classes; E. Alpaydin and C. Kaynak, UCI
Machine Learning Repository, CC BY 4.0) ship inside scikit-learn as ``sklearn/datasets/data/digits.csv.gz``:
one row per image, 64 pixel counts 0..16 then the label. Get that file without installing scikit-learn into
the project's environment, then convert it:

    pip download scikit-learn --no-deps -d /tmp/sk
    python scripts/make_digits_npz.py /tmp/sk/scikit_learn-*.whl      # a wheel, or the .csv.gz itself

The output is byte-for-byte reproducible (fixed zip timestamps, no pickle): the script checks the source
file's SHA-256 against the one recorded below, so the bundled data are exactly scikit-learn's, and prints
the SHA-256 of what it wrote. No pixel is changed; only the container is (CSV -> uint8 arrays in .npz).
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import io
import sys
import zipfile
from pathlib import Path

import numpy as np

from tinygrad_cnn.files import atomic_open, write_text

SOURCE_MEMBER = "sklearn/datasets/data/digits.csv.gz"
SOURCE_SHA256 = "09f66e6debdee2cd2b5ae59e0d6abbb73fc2b0e0185d2e1957e9ebb51e23aa22"  # scikit-learn 1.9.1's copy
SOURCE_DESCRIPTION = "scikit-learn 1.9.1 wheel, sklearn/datasets/data/digits.csv.gz"
OUT_DIR = Path(__file__).resolve().parents[1] / "tinygrad_cnn" / "data"
ZIP_DATE = (1980, 1, 1, 0, 0, 0)  # the earliest date zip stores: no build time in the file

ATTRIBUTION = """\
Optical Recognition of Handwritten Digits (the 8x8 "digits" data set)

Creators: E. Alpaydin and C. Kaynak, Bogazici University (1998).
Source: UCI Machine Learning Repository,
        https://archive.ics.uci.edu/ml/datasets/Optical+Recognition+of+Handwritten+Digits
License: Creative Commons Attribution 4.0 International (CC BY 4.0),
         https://creativecommons.org/licenses/by/4.0/

This copy: the test part of the UCI set as distributed with scikit-learn
({description}, SHA-256 {sha256}).
1,797 images of 8x8 pixels, each pixel the count (0..16) of "on" pixels in a 4x4 block of a 32x32
bitmap, and labels 0..9. Changes: none to the values; converted from CSV to uint8 arrays in
digits.npz ("images" (1797, 8, 8), "labels" (1797,)) by scripts/make_digits_npz.py.

Cite: C. Kaynak (1995), Methods of Combining Multiple Classifiers and Their Applications to
Handwritten Digit Recognition, MSc thesis, Bogazici University; E. Alpaydin and C. Kaynak (1998),
Cascading Classifiers, Kybernetika.
"""


def read_source(path: Path) -> bytes:
    """The bytes of ``digits.csv.gz``, from a scikit-learn wheel or the file itself."""
    if zipfile.is_zipfile(path):
        with zipfile.ZipFile(path) as wheel:
            return wheel.read(SOURCE_MEMBER)
    return path.read_bytes()


def parse(source: bytes) -> tuple[np.ndarray, np.ndarray]:
    """``images`` (1797, 8, 8) and ``labels`` (1797,), both uint8, from the CSV's 65 columns per row."""
    table = np.loadtxt(io.BytesIO(gzip.decompress(source)), delimiter=",", dtype=np.int64)
    if table.shape != (1797, 65) or table[:, :64].min() < 0 or table[:, :64].max() > 16:
        raise ValueError(f"unexpected digits table: shape {table.shape}")
    if set(np.unique(table[:, 64]).tolist()) != set(range(10)):
        raise ValueError("unexpected digit labels")
    images = table[:, :64].reshape(-1, 8, 8).astype(np.uint8)  # (1797, 64) -> (1797, 8, 8), row-major as sklearn
    return images, table[:, 64].astype(np.uint8)


def npz_bytes(arrays: dict[str, np.ndarray]) -> bytes:
    """An ``.npz`` (what ``np.load`` reads) with fixed timestamps, so the same arrays give the same bytes."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, array in arrays.items():
            member = io.BytesIO()
            np.lib.format.write_array(member, np.ascontiguousarray(array), allow_pickle=False)
            info = zipfile.ZipInfo(f"{name}.npy", date_time=ZIP_DATE)
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, member.getvalue(), compresslevel=9)
    return buffer.getvalue()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("source", type=Path, help="a scikit-learn wheel or digits.csv.gz")
    parser.add_argument("--out", type=Path, default=OUT_DIR, help="folder to write digits.npz and digits.txt into")
    args = parser.parse_args(argv)
    source = read_source(args.source)
    digest = hashlib.sha256(source).hexdigest()
    if digest != SOURCE_SHA256:
        print(f"error: {args.source}: SHA-256 {digest} is not the recorded {SOURCE_SHA256}", file=sys.stderr)
        return 1
    images, labels = parse(source)
    data = npz_bytes({"images": images, "labels": labels})
    with atomic_open(args.out / "digits.npz") as f:
        f.write(data)
    write_text(args.out / "digits.txt", ATTRIBUTION.format(description=SOURCE_DESCRIPTION, sha256=SOURCE_SHA256))
    print(f"wrote {args.out / 'digits.npz'} ({len(data)} bytes, SHA-256 {hashlib.sha256(data).hexdigest()})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
