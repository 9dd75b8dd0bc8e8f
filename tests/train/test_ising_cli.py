"""``tinygrad-cnn train ising``: what a run writes (metrics, checkpoint, plots), finite-size scaling in a short
form, and every error path as one line with nothing earlier lost."""

from __future__ import annotations

import json

import pytest

from derivations.summary import format_table, summarize_checkpoint
from tinygrad_cnn.cli import main
from tinygrad_cnn.data import CRITICAL_TEMPERATURE

SHORT_ARGS = ["--L", "8", "--epochs", "8", "--samples", "100", "--test-samples", "32"]


@pytest.fixture
def cached(ising_cache, monkeypatch):
    """Runs read the short recipe's Monte Carlo data from the session's cache folder."""
    monkeypatch.setenv("TINYGRAD_CNN_CACHE", str(ising_cache))
    return ising_cache


def _one_error_line(capsys) -> str:
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Traceback" not in err, err
    return err


def test_a_run_writes_metrics_checkpoint_and_plots_and_prints_the_estimate(cached, tmp_path, capsys):
    out = tmp_path / "run"
    assert main(["train", "ising", *SHORT_ARGS, "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "98-parameter CNN" in printed and "critical_temperature = " in printed
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics["task"] == "ising" and metrics["L"] == 8 and metrics["model"] == "cnn"
    assert abs(metrics["critical_temperature"] / CRITICAL_TEMPERATURE - 1) < 0.04
    assert metrics["relative_error"] == pytest.approx(metrics["critical_temperature"] / CRITICAL_TEMPERATURE - 1)
    assert metrics["parameters"] == 98 and len(metrics["history"]["records"]) == 8
    for stem in ("configurations", "phase", "filters", "curves"):
        for suffix in ("png", "svg"):
            assert (out / f"{stem}.{suffix}").stat().st_size > 2000, stem
    table = format_table(summarize_checkpoint(out / "checkpoint.npz"))
    assert "conv 3×3 p1 circular + relu" in table and "98" in table


def test_the_mlp_has_no_filters_to_plot(cached, tmp_path, capsys):
    out = tmp_path / "mlp"
    assert main(["train", "ising", *SHORT_ARGS, "--model", "mlp", "--out", str(out)]) == 0
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics["parameters"] == 65 * 100 + 101 * 2 and metrics["architecture"] == "ising_mlp_L8"
    assert (out / "phase.png").exists() and not (out / "filters.png").exists()


def test_finite_size_scaling_fits_the_crossings_of_every_size(cached, tmp_path, capsys):
    out = tmp_path / "fss"
    args = ["train", "ising", "--fss", "--sizes", "4,8", "--epochs", "8", "--samples", "100", "--test-samples", "32"]
    assert main([*args, "--out", str(out)]) == 0
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics["sizes"] == [4, 8] and set(metrics["runs"]) == {"4", "8"}
    crossings = [metrics["runs"][L][0]["critical_temperature"] for L in ("4", "8")]
    assert metrics["crossings"] == crossings
    # two points: the line goes through both, T_c(L) = T_c + slope / L
    assert metrics["critical_temperature"] + metrics["slope"] / 4 == pytest.approx(crossings[0])
    assert metrics["critical_temperature"] + metrics["slope"] / 8 == pytest.approx(crossings[1])
    for name in ("fss.png", "fss.svg", "phase.png", "checkpoint-L4.npz", "checkpoint-L8.npz"):
        assert (out / name).stat().st_size > 2000, name
    assert "critical_temperature = " in capsys.readouterr().out


@pytest.mark.parametrize(
    "args, message",
    [
        (["--fss", "--L", "16"], "--fss trains at every size of --sizes"),
        (["--sizes", "8,12"], "--sizes is for --fss"),
    ],
)
def test_conflicting_options_are_one_line(args, message, tmp_path, capsys):
    assert main(["train", "ising", *args, "--out", str(tmp_path / "x")]) == 1
    assert message in _one_error_line(capsys)


@pytest.mark.parametrize(
    "args, message",
    [
        (["--L", "7"], "L must be even"),
        (["--L", "2"], "expected an integer >= 4"),
        (["--L", "abc"], "expected an integer"),
        (["--seed", "-1"], "expected an integer >= 0"),
        (["--epochs", "0"], "expected an integer >= 1"),
        (["--model", "resnet"], "invalid choice"),
        (["--fss", "--sizes", "16"], "two or more distinct even sizes"),
    ],
)
def test_bad_values_are_refused_by_the_parser(args, message, capsys):
    with pytest.raises(SystemExit) as exit_:
        main(["train", "ising", *args])
    assert exit_.value.code == 2
    assert message in capsys.readouterr().err


def test_an_output_path_that_is_a_file_is_one_line(tmp_path, capsys):
    blocker = tmp_path / "file"
    blocker.write_text("keep me")
    assert main(["train", "ising", "--out", str(blocker)]) == 1
    assert "output folder" in _one_error_line(capsys)
    assert blocker.read_text() == "keep me"


def test_a_failed_run_leaves_the_earlier_results_intact(tmp_path, monkeypatch, capsys):
    out = tmp_path / "run"
    out.mkdir()
    (out / "metrics.json").write_text('{"critical_temperature": 2.27}')

    def fail(*args, **kwargs):
        raise ValueError("crossing_temperature: the curve never crosses 0.5")

    monkeypatch.setattr("tinygrad_cnn.train.ising_cli.train_phase_classifier", fail)
    assert main(["train", "ising", "--out", str(out)]) == 1
    assert "never crosses" in _one_error_line(capsys)
    assert json.loads((out / "metrics.json").read_text()) == {"critical_temperature": 2.27}
