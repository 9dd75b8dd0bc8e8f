"""MNIST-1D takes seconds to generate: make the paper's data (plain and shuffled) once per test session, in
a cache folder of its own, and let the tests read it from there."""

from __future__ import annotations

from pathlib import Path

import pytest

from tinygrad_cnn.data import load_mnist1d


@pytest.fixture(scope="session")
def mnist1d_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A cache folder holding the paper's MNIST-1D and its shuffled variant."""
    folder = tmp_path_factory.mktemp("mnist1d-cache")
    load_mnist1d(cache_dir=folder)
    load_mnist1d(cache_dir=folder, shuffle_seq=True)
    return folder
