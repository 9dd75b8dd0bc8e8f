"""One quick tour for all the report's tests (it takes about 20 s): built once per session."""

from __future__ import annotations

import pytest

from tinygrad_cnn.tour.build import write_report


@pytest.fixture(scope="session")
def quick_report(tmp_path_factory):
    """``(report, folder)`` of ``tinygrad-cnn tour --quick`` written into a fresh folder."""
    folder = tmp_path_factory.mktemp("tour")
    report, _ = write_report(folder, quick=True, seed=0, progress=False)
    return report, folder
