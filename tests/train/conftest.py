"""The Ising tests' short run: its Monte Carlo data generated once per session in a cache folder of their own,
and the CNN trained on them once (the CLI tests train again from the same cached data)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tinygrad_cnn.train.ising import IsingRecipe, IsingRun, ising_data, train_phase_classifier

# L = 8, 100 training configurations per temperature, 8 epochs: 2 s of CPU. Seeds 0-4 measured T_c within
# -1.5 % .. +1.1 % and accuracy far from T_c >= 97.9 %.
SHORT = IsingRecipe(L=8, epochs=8, train_samples=100, test_samples=32)


@pytest.fixture(scope="session")
def ising_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A cache folder holding the short recipe's training and test configurations."""
    folder = tmp_path_factory.mktemp("ising-cache")
    ising_data(SHORT, cache_dir=folder)
    return folder


@pytest.fixture(scope="session")
def short_recipe() -> IsingRecipe:
    return SHORT


@pytest.fixture(scope="session")
def short_ising_run(ising_cache: Path) -> IsingRun:
    return train_phase_classifier(SHORT, cache_dir=ising_cache)
