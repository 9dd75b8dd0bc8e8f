"""Shared test setup: Hypothesis profiles and a seeded random generator.

Pick a profile with HYPOTHESIS_PROFILE=ci|dev|thorough; the default is ``ci`` when CI is set, else ``dev``.
"""

import importlib.util
import os
import shutil

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

# PyTorch is the oracle of some tests, pdflatex compiles the derivations' documents, and chromium (driven by
# Playwright) opens the tour's report; those tests skip without them, except in CI, where a skip would hide
# them (scripts/test.sh installs all three there).
if os.environ.get("CI") and importlib.util.find_spec("torch") is None:
    raise pytest.UsageError("CI must install torch==2.13.0 for the oracle tests (scripts/test.sh does)")
if os.environ.get("CI") and shutil.which("pdflatex") is None:
    raise pytest.UsageError("CI must install pdflatex (texlive-latex-base) for the LaTeX test (scripts/test.sh does)")
if os.environ.get("CI") and not (shutil.which("chromium") and importlib.util.find_spec("playwright")):
    raise pytest.UsageError("CI must install chromium and playwright for the browser test (scripts/test.sh does)")


@pytest.fixture
def rng() -> np.random.Generator:
    """A fresh NumPy generator with a fixed seed, so each test sees the same numbers."""
    return np.random.default_rng(0)
