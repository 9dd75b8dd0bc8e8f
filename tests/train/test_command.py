"""``tinygrad-cnn train``: a run writes its metrics, checkpoint and plots and prints a summary; --resume
continues it; every bad argument or folder is one line and exit status 1, with nothing earlier in the folder
lost. The edges task trains in about a second, so it carries most of these tests."""

import dataclasses
import json

import numpy as np
import pytest

from derivations.summary import format_table, summarize_checkpoint
from tinygrad_cnn.cli import main
from tinygrad_cnn.train import recipes, runner


def _train(capsys, *argv):
    code = main(["train", *map(str, argv)])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def _snapshot(folder):
    return {path.name: path.read_bytes() for path in sorted(folder.iterdir())}


@pytest.fixture(scope="module")
def edges_run(tmp_path_factory):
    """One finished edges run (5 epochs), shared by the tests that only read it or copy it."""
    out = tmp_path_factory.mktemp("runs") / "edges"
    assert main(["train", "edges", "--epochs", "5", "--out", str(out)]) == 0
    return out


def test_a_run_writes_metrics_checkpoint_and_plots(edges_run):
    metrics = json.loads((edges_run / "metrics.json").read_text())
    assert metrics["task"] == "edges" and metrics["model"] == "edges_conv" and metrics["epochs"] == 5
    assert len(metrics["history"]["records"]) == 5 and metrics["test"]["accuracy"] is None
    names = {"checkpoint.npz", "metrics.json"} | {f"{stem}.{fmt}" for stem in ("curves", "edges", "kernel")
                                                  for fmt in ("png", "svg")}  # fmt: skip
    assert set(metrics["files"]) == names and {p.name for p in edges_run.iterdir()} == names
    assert all((edges_run / name).stat().st_size > 1000 for name in names)
    table = format_table(summarize_checkpoint(edges_run / "checkpoint.npz"))
    assert "One 3×3 convolution (learns Sobel)" in table and "conv 3×3 p1" in table


def test_the_summary_fits_one_screen(capsys, tmp_path):
    code, out, err = _train(capsys, "edges", "--epochs", "3", "--out", tmp_path / "e")
    assert code == 0 and err == ""
    assert out.startswith("edges · edges_conv (One 3×3 convolution (learns Sobel), 9 parameters) · seed 0")
    assert "max |learned − Sobel| =" in out and f"wrote {tmp_path / 'e'}/:\n  checkpoint.npz, metrics.json" in out
    assert len(out.splitlines()) <= 24 and max(len(line) for line in out.splitlines()[:-2]) <= 110


def test_resume_continues_to_a_larger_budget_exactly(capsys, tmp_path, edges_run):
    _train(capsys, "edges", "--epochs", "3", "--out", tmp_path / "part")
    code, out, err = _train(capsys, "edges", "--epochs", "5", "--out", tmp_path / "part", "--resume")
    assert code == 0, err
    resumed = json.loads((tmp_path / "part" / "metrics.json").read_text())
    whole = json.loads((edges_run / "metrics.json").read_text())
    assert resumed["learned_kernel"] == whole["learned_kernel"] and resumed["epochs"] == 5


def test_mnist1d_signals_and_their_one_d_checkpoint(capsys, tmp_path):
    code, out, err = _train(capsys, "mnist1d", "--steps", "20", "--out", tmp_path / "m", "--shuffle-seq")
    assert code == 0, err
    assert "mnist1d · mnist1d_cnn" in out and "shuffled positions" in out and "val       (none)" in out
    metrics = json.loads((tmp_path / "m" / "metrics.json").read_text())
    assert np.array(metrics["confusion_matrix"]).sum() == 1000 and metrics["steps"] == 20
    assert "conv 5/2 p1 + relu  25×19" in format_table(summarize_checkpoint(tmp_path / "m" / "checkpoint.npz"))


@pytest.mark.parametrize(("argv", "message"), [
    (["sudoku"], "unknown task 'sudoku'; known: digits, mnist1d, edges, ising"),
    (["edges", "--epochs", "abc"], "--epochs must be an integer ≥ 1, got 'abc'"),
    (["edges", "--steps", "0"], "--steps must be an integer ≥ 1, got '0'"),
    (["edges", "--seed", "-1"], "--seed must be an integer ≥ 0, got '-1'"),
    (["edges", "--epochs", "2", "--steps", "5"], "give --epochs or --steps, not both"),
    (["edges", "--model", "digits_cnn"], "task edges has no model 'digits_cnn'; its models: edges_conv"),
    (["digits", "--shuffle-seq"], "--shuffle-seq applies to mnist1d, not digits"),
    (["digits", "--table"], "--table is the MNIST-1D paper's table; not for digits"),
    (["mnist1d", "--table", "--model", "mnist1d_mlp"], "--model does not apply"),
    (["mnist1d", "--table", "--repeats", "0"], "--repeats must be an integer ≥ 1, got '0'"),
    (["edges", "--repeats", "3"], "--repeats goes with --table"),
])  # fmt: skip
def test_bad_arguments_are_one_line_and_exit_1(capsys, tmp_path, argv, message):
    code, out, err = _train(capsys, *argv, "--out", tmp_path / "never")
    assert code == 1 and out == "" and err.count("\n") == 1
    assert err.startswith("tinygrad-cnn train: error: ") and message in err
    assert not (tmp_path / "never").exists()


def test_an_unwritable_out_is_one_line(capsys, tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    for out, message in ((blocker, "is a file, not a folder"), (blocker / "sub", "cannot write into")):
        code, _, err = _train(capsys, "edges", "--out", out)
        assert code == 1 and message in err and err.count("\n") == 1
    assert blocker.read_text() == "not a folder"


def test_a_folder_with_a_run_is_not_overwritten(capsys, tmp_path, edges_run):
    before = _snapshot(edges_run)
    code, _, err = _train(capsys, "edges", "--out", edges_run)
    assert code == 1 and "already holds a run (checkpoint.npz, metrics.json); --resume continues it" in err
    assert _snapshot(edges_run) == before


def test_resume_refuses_another_model_seed_or_task_and_keeps_the_folder(capsys, tmp_path):
    out = tmp_path / "mlp"
    assert _train(capsys, "digits", "--model", "digits_mlp", "--epochs", "1", "--out", out)[0] == 0
    before = _snapshot(out)
    for argv, message in [
        (["digits", "--model", "digits_cnn"], "is a run with model 'digits_mlp', not 'digits_cnn'"),
        (["digits", "--seed", "4"], "is a run with seed 0, not 4"),
        (["edges"], "is a run of task 'digits', not 'edges'"),
    ]:
        code, _, err = _train(capsys, *argv, "--epochs", "2", "--out", out, "--resume")
        assert code == 1 and message in err and err.count("\n") == 1, err
    assert _snapshot(out) == before
    code, _, err = _train(capsys, "edges", "--out", tmp_path / "empty", "--resume")
    assert code == 1 and "--resume: there is no checkpoint.npz in" in err


def test_a_diverging_resume_stops_and_keeps_the_last_good_files(capsys, tmp_path, monkeypatch, edges_run):
    out = tmp_path / "run"
    out.mkdir()
    for name, data in _snapshot(edges_run).items():
        (out / name).write_bytes(data)
    before = _snapshot(out)
    clean = recipes.EDGES.load

    def poisoned(seed, shuffle_seq):
        splits = clean(seed, shuffle_seq)
        splits.train.x[:] = np.nan  # every batch of epoch 6 gives a NaN loss
        return splits

    monkeypatch.setattr(recipes, "EDGES", dataclasses.replace(recipes.EDGES, load=poisoned))
    code, _, err = _train(capsys, "edges", "--epochs", "8", "--out", out, "--resume")
    assert code == 1 and err.count("\n") == 1
    assert "the training loss became nan at epoch 6, step 81 (batch 1 of 16)" in err
    assert _snapshot(out) == before


def test_an_interrupt_says_where_the_checkpoint_is(capsys, tmp_path, monkeypatch):
    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(runner, "fit", interrupted)
    code, _, err = _train(capsys, "edges", "--out", tmp_path / "cut")
    assert code == 1 and "interrupted; the checkpoint of the last finished epoch is in" in err


def test_the_mnist1d_table_trains_six_rows_and_keeps_an_earlier_table(capsys, tmp_path):
    code, out, err = _train(capsys, "mnist1d", "--table", "--steps", "10", "--out", tmp_path / "t")
    assert code == 0, err
    assert "MNIST-1D test accuracy, seed 0; Adam, lr 0.01, batch 100, 10 steps" in out
    for row in ("logistic regression", "MLP 40-100-100-10", "CNN (3 conv1d)"):
        assert row in out
    table = json.loads((tmp_path / "t" / "table.json").read_text())
    assert set(table["rows"]) == {"mnist1d_logistic", "mnist1d_mlp", "mnist1d_cnn"}
    assert all(len(row[key]["accuracies"]) == 1 for row in table["rows"].values() for key in ("plain", "shuffled"))
    before = _snapshot(tmp_path / "t")
    code, _, err = _train(capsys, "mnist1d", "--table", "--steps", "10", "--out", tmp_path / "t")
    assert code == 1 and "already holds a run (table.json)" in err and _snapshot(tmp_path / "t") == before
