"""The tour (the README's main job) runs end to end, and every number it prints is checked here."""

from __future__ import annotations

import subprocess
import sys

import pytest

from tinygrad_cnn.cli import main
from tinygrad_cnn.tour import run_tour


def test_tour_numbers_are_right(capsys):
    results = run_tour(seed=0)
    assert results["Why not a dense layer?"] == {"dense": 102_500, "conv": 2_600}
    assert results["Locality + sharing = convolution"]["error"] < 1e-12
    edges = results["Edge detection"]
    assert edges == {"edge": -4.0, "flat": 0.0}
    sharing = results["Sharing in the gradient"]
    assert sharing["scalar"] == pytest.approx(sharing["by_hand"], abs=1e-12)
    assert sharing["tensor"] == pytest.approx(sharing["by_hand"], abs=1e-12)
    assert results["Gradient check"] == {"passed": True}
    training = results["A tiny CNN learns"]
    assert training["last_loss"] < 0.5 * training["first_loss"]
    assert training["accuracy"] > 0.9
    assert "5. Gradient check" in capsys.readouterr().out


def test_cli_runs_the_tour_and_reports_version(capsys):
    assert main(["tour", "--seed", "1"]) == 0
    assert main(["--version"]) == 0
    assert capsys.readouterr().out.strip().endswith("tinygrad-cnn 0.1.0")


def test_cli_without_a_command_prints_help_and_fails(capsys):
    assert main([]) == 2
    assert "COMMAND" in capsys.readouterr().out


def test_cli_unknown_command_is_one_line_not_a_traceback():
    result = subprocess.run(
        [sys.executable, "-m", "tinygrad_cnn.cli", "no-such-command"], capture_output=True, text=True, timeout=120
    )
    assert result.returncode != 0
    assert "Traceback" not in result.stderr
    assert "invalid choice" in result.stderr
