"""Shared test setup: Hypothesis profiles and a seeded random generator.

Pick a profile with HYPOTHESIS_PROFILE=ci|dev|thorough; the default is ``ci`` when CI is set, else ``dev``.
"""

import os

import numpy as np
import pytest
from hypothesis import HealthCheck, settings

settings.register_profile(
    "ci",
    max_examples=25,
    derandomize=True,
    deadline=None,
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.register_profile("dev", max_examples=50, deadline=None)
settings.register_profile("thorough", max_examples=500, deadline=None)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE") or ("ci" if os.environ.get("CI") else "dev"))


@pytest.fixture
def rng() -> np.random.Generator:
    """A fresh NumPy generator with a fixed seed, so each test sees the same numbers."""
    return np.random.default_rng(0)
