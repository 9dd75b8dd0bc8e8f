"""``tinygrad-cnn train ising``: what a run writes (metrics, checkpoint, plots), finite-size scaling in a short
form, and every error path as one line with nothing earlier lost."""

from __future__ import annotations

import contextlib
import io
import json

import numpy as np
import pytest

from derivations.summary import format_table, summarize_checkpoint
from tinygrad_cnn.cli import main
from tinygrad_cnn.data import CRITICAL_TEMPERATURE
from tinygrad_cnn.train import loop

DATA_ARGS = ["--L", "8", "--samples", "100", "--test-samples", "32"]
SHORT_ARGS = [*DATA_ARGS, "--epochs", "8"]


@pytest.fixture
def cached(ising_cache, monkeypatch):
    """Runs read the short recipe's Monte Carlo data from the session's cache folder."""
    monkeypatch.setenv("TINYGRAD_CNN_CACHE", str(ising_cache))
    return ising_cache


@pytest.fixture(scope="module")
def cnn_run(ising_cache, tmp_path_factory):
    """One finished short CNN run (L = 8, 8 epochs): its folder, and what it printed."""
    out, printed = tmp_path_factory.mktemp("runs") / "ising", io.StringIO()
    with pytest.MonkeyPatch.context() as patch, contextlib.redirect_stdout(printed):
        patch.setenv("TINYGRAD_CNN_CACHE", str(ising_cache))
        assert main(["train", "ising", *SHORT_ARGS, "--out", str(out)]) == 0
    return out, printed.getvalue()


def _one_error_line(capsys) -> str:
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Traceback" not in err, err
    return err


def _snapshot(folder):
    return {path.name: path.read_bytes() for path in sorted(folder.iterdir())}


def test_a_run_writes_metrics_checkpoint_and_plots(cnn_run):
    cnn_run = cnn_run[0]
    metrics = json.loads((cnn_run / "metrics.json").read_text())
    assert metrics["task"] == "ising" and metrics["L"] == 8 and metrics["model"] == "cnn"
    assert abs(metrics["critical_temperature"] / CRITICAL_TEMPERATURE - 1) < 0.04
    assert metrics["relative_error"] == pytest.approx(metrics["critical_temperature"] / CRITICAL_TEMPERATURE - 1)
    assert metrics["parameters"] == 98 and len(metrics["history"]["records"]) == 8
    names = {"checkpoint.npz", "metrics.json"} | {f"{stem}.{fmt}" for stem in ("configurations", "phase", "filters",
                                                  "curves") for fmt in ("png", "svg")}  # fmt: skip
    assert set(metrics["files"]) == names and {p.name for p in cnn_run.iterdir()} == names
    for name in names - {"metrics.json"}:
        assert (cnn_run / name).stat().st_size > 2000, name
    table = format_table(summarize_checkpoint(cnn_run / "checkpoint.npz"))
    assert "conv 3×3 p1 circular + relu" in table and "98" in table


def test_the_summary_fits_one_screen_and_names_the_estimate(cnn_run):
    printed = cnn_run[1]
    assert "98 parameters" in printed and "critical_temperature = " in printed and "Onsager 2.2692" in printed
    assert len(printed.splitlines()) <= 15


def test_an_interrupted_run_resumes_to_the_same_weights(cached, cnn_run, tmp_path, monkeypatch, capsys):
    out, epochs_run = tmp_path / "interrupted", []
    one_epoch = loop._one_epoch

    def interrupt_in_epoch_four(*args, **kwargs):
        if len(epochs_run) == 3:
            raise KeyboardInterrupt
        epochs_run.append(1)
        return one_epoch(*args, **kwargs)

    monkeypatch.setattr(loop, "_one_epoch", interrupt_in_epoch_four)
    assert main(["train", "ising", *SHORT_ARGS, "--out", str(out)]) == 1
    assert "--resume continues from the checkpoint" in _one_error_line(capsys)
    assert {p.name for p in out.iterdir()} == {"checkpoint.npz"}
    monkeypatch.undo()
    monkeypatch.setenv("TINYGRAD_CNN_CACHE", str(cached))
    assert main(["train", "ising", *DATA_ARGS, "--epochs", "12", "--resume", "--out", str(out)]) == 1
    assert "is a run with epochs 8, not 12" in _one_error_line(capsys)
    assert main(["train", "ising", *SHORT_ARGS, "--resume", "--out", str(out)]) == 0
    resumed, straight = (json.loads((folder / "metrics.json").read_text()) for folder in (out, cnn_run[0]))
    assert len(resumed["history"]["records"]) == 8
    assert resumed["critical_temperature"] == straight["critical_temperature"]  # the same weights, bit for bit
    assert resumed["curve"] == straight["curve"]


def test_the_mlp_has_no_filters_to_plot(cached, tmp_path, capsys):
    out = tmp_path / "mlp"
    assert main(["train", "ising", *SHORT_ARGS, "--model", "mlp", "--out", str(out)]) == 0
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics["parameters"] == 65 * 100 + 101 * 2 and metrics["architecture"] == "ising_mlp_L8"
    assert (out / "phase.png").exists() and not (out / "filters.png").exists()


def test_finite_size_scaling_fits_the_mean_crossing_of_every_size(cached, tmp_path, capsys):
    out = tmp_path / "fss"
    args = ["train", "ising", "--fss", "--sizes", "4,8", "--repeats", "2", "--seed", "3", "--epochs", "8",
            "--samples", "100", "--test-samples", "32"]  # fmt: skip
    assert main([*args, "--out", str(out)]) == 0
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics["sizes"] == [4, 8] and set(metrics["runs"]) == {"4", "8"} and metrics["seeds"] == [3, 4]
    per_seed = [[run["critical_temperature"] for run in metrics["runs"][L]] for L in ("4", "8")]
    assert [[run["seed"] for run in metrics["runs"][L]] for L in ("4", "8")] == [[3, 4], [3, 4]]
    assert metrics["crossings"] == pytest.approx([np.mean(values) for values in per_seed])
    errors = [abs(a - b) / 2 for a, b in per_seed]  # two seeds: std (ddof 1) / √2 = |a − b| / 2
    assert metrics["crossing_errors"] == pytest.approx(errors)
    # two points: the line goes through both, T_c(L) = T_c + slope / L; T_c = 2 T(8) − T(4)
    assert metrics["critical_temperature"] + metrics["slope"] / 4 == pytest.approx(metrics["crossings"][0])
    assert metrics["critical_temperature"] + metrics["slope"] / 8 == pytest.approx(metrics["crossings"][1])
    assert metrics["critical_temperature_error"] == pytest.approx(np.hypot(errors[0], 2 * errors[1]))
    for name in ("fss.png", "fss.svg", "phase.png", *(f"checkpoint-L{L}-seed{s}.npz" for L in (4, 8) for s in (3, 4))):
        assert (out / name).stat().st_size > 2000, name
    printed = capsys.readouterr().out
    assert "seeds 3..4" in printed and "(mean of 2 seeds ± standard error)" in printed
    assert "critical_temperature = " in printed
    assert main([*args, "--out", str(out)]) == 1  # the folder holds a run: refused, nothing overwritten
    assert "already holds a run" in _one_error_line(capsys)


@pytest.mark.parametrize(
    "args, message",
    [
        (["--fss", "--L", "16"], "--fss trains at every size of --sizes"),
        (["--sizes", "8,12"], "--sizes is for --fss"),
        (["--fss", "--resume"], "--fss runs are not resumed"),
        (["--L", "7"], "--L must be even"),
        (["--L", "2"], "--L must be an integer ≥ 4"),
        (["--L", "abc"], "--L must be an integer"),
        (["--seed", "-1"], "--seed must be an integer ≥ 0"),
        (["--epochs", "0"], "--epochs must be an integer ≥ 1"),
        (["--samples", "many"], "--samples must be an integer ≥ 1"),
        (["--model", "resnet"], "task ising has no model 'resnet'; its models: cnn, mlp"),
        (["--fss", "--sizes", "16"], "--sizes needs two or more distinct lattice sizes"),
        (["--fss", "--sizes", "16,15"], "--sizes must be even"),
        (["--steps", "100"], "--steps does not apply to the ising task"),
        (["--shuffle-seq"], "--shuffle-seq does not apply to the ising task"),
        (["--resume"], "--resume: there is no checkpoint.npz"),
        (["--repeats", "3"], "--repeats goes with --fss"),
        (["--jobs", "2"], "--jobs goes with --fss"),
        (["--fss", "--sizes", "4,6", "--jobs", "0"], "--jobs must be an integer ≥ 1"),
        (["--fss", "--repeats", "0"], "--repeats must be an integer ≥ 1"),
    ],
)
def test_bad_arguments_are_one_line_and_exit_1(args, message, tmp_path, capsys):
    assert main(["train", "ising", *args, "--out", str(tmp_path / "x")]) == 1
    assert message in _one_error_line(capsys)


def test_ising_options_are_refused_by_the_other_tasks(tmp_path, capsys):
    assert main(["train", "edges", "--L", "16", "--fss", "--out", str(tmp_path / "x")]) == 1
    assert "--L, --fss: options of the ising task, not of edges" in _one_error_line(capsys)


def test_an_output_path_that_is_a_file_is_one_line(tmp_path, capsys):
    blocker = tmp_path / "file"
    blocker.write_text("keep me")
    assert main(["train", "ising", "--out", str(blocker)]) == 1
    assert "is a file, not a folder" in _one_error_line(capsys)
    assert blocker.read_text() == "keep me"


def test_a_folder_with_a_run_is_not_overwritten(cnn_run, tmp_path, capsys):
    before = _snapshot(cnn_run[0])
    assert main(["train", "ising", *SHORT_ARGS, "--out", str(cnn_run[0])]) == 1
    assert "already holds a run" in _one_error_line(capsys)
    assert _snapshot(cnn_run[0]) == before


def test_resume_refuses_another_recipe_and_keeps_the_folder(cnn_run, tmp_path, capsys):
    before = _snapshot(cnn_run[0])
    assert main(["train", "ising", *SHORT_ARGS, "--seed", "3", "--resume", "--out", str(cnn_run[0])]) == 1
    assert "is a run with seed 0, not 3" in _one_error_line(capsys)
    assert _snapshot(cnn_run[0]) == before


def test_a_failed_run_leaves_the_earlier_results_intact(cached, cnn_run, monkeypatch, capsys):
    before = _snapshot(cnn_run[0])

    def fail(*args, **kwargs):
        raise ValueError("crossing_temperature: the curve never crosses 0.5")

    monkeypatch.setattr("tinygrad_cnn.train.ising_cli.train_phase_classifier", fail)
    assert main(["train", "ising", *SHORT_ARGS, "--resume", "--out", str(cnn_run[0])]) == 1
    assert "never crosses" in _one_error_line(capsys)
    assert _snapshot(cnn_run[0]) == before
