"""``tinygrad-cnn derive`` and ``tinygrad-cnn summary``, run in-process through the real main: every format,
numbers put in with --set, atomic --out, one standalone LaTeX document for everything, published totals,
checkpoints, and bad input ending in exactly one line on stderr and exit status 1."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from derivations import registry
from tinygrad_cnn import nn, save
from tinygrad_cnn.cli import main
from tinygrad_cnn.models.architectures import ARCHITECTURES, build

ROOT = Path(__file__).resolve().parents[2]


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


# ---- derive ---------------------------------------------------------------------------------------------------
def test_list_names_every_derivation(capsys):
    code, out, err = run(capsys, "derive", "list")
    assert code == 0 and not err
    listed = [line.split()[0] for line in out.splitlines()]
    assert listed == list(registry.names())
    assert {"macs", "conv_backprop", "translation_equivariance", "edge_detection", "architectures"} <= set(listed)


@pytest.mark.parametrize(("fmt", "marker"), [("text", "Steps:"), ("md", "### "), ("latex", r"\documentclass")])
def test_each_format(capsys, fmt, marker):
    code, out, err = run(capsys, "derive", "macs", "--format", fmt)
    assert code == 0 and not err
    assert marker in out
    if fmt == "latex":
        assert out.rstrip().endswith(r"\end{document}")


def test_set_shows_the_arithmetic(capsys):
    code, out, _ = run(capsys, "derive", "dense_parameters", "--set", "n_prev=1024", "--set", "n=100")
    assert code == 0
    assert "102500" in out and "With n_prev = 1024, n = 100" in out
    code, out, _ = run(capsys, "derive", "macs", "--set", "C_in=1", "--set", "C_out=6", "--set", "k_h=5",
                       "--set", "k_w=5", "--set", "g=1", "--set", "H_out=28", "--set", "W_out=28")  # fmt: skip
    assert code == 0 and "117600" in out


@pytest.mark.parametrize("name", registry.names())
def test_set_on_every_derivation_gives_a_document_or_one_line(capsys, name):
    variable = list(registry.get(name).inputs)[-1]  # every variable is fuzzed in test_derivations; here the CLI path
    code, out, err = run(capsys, "derive", name, "--set", f"{variable}=3", "--format", "latex")
    if code == 0:
        assert not err and out.rstrip().endswith(r"\end{document}") and r"\paragraph{With $" in out and " = 3$.}" in out
    else:
        assert code == 1 and err.count("\n") == 1 and "Traceback" not in err, err


def test_check_reports_steps_and_engine_cases(capsys):
    code, out, _ = run(capsys, "derive", "translation_equivariance", "--check")
    assert code == 0
    assert "translation_equivariance: 10 steps" in out and "[engine]" in out
    code, out, _ = run(capsys, "derive", "macs", "--check", "--format", "latex")
    assert code == 0 and "\n% macs:" in out


def test_out_writes_atomically(capsys, tmp_path):
    target = tmp_path / "macs.md"
    code, out, err = run(capsys, "derive", "macs", "--format", "md", "--out", str(target))
    assert code == 0 and not err and f"wrote {target}" in out
    assert target.read_text(encoding="utf-8").startswith("### Compute")
    assert os.listdir(tmp_path) == ["macs.md"]  # no temporary file left behind


def test_out_never_leaves_a_partial_file(capsys, tmp_path, monkeypatch):
    target = tmp_path / "doc.tex"
    target.write_text("old", encoding="utf-8")

    def fail(*args):
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", fail)
    code, _, err = run(capsys, "derive", "macs", "--format", "latex", "--out", str(target))
    assert code == 1 and err.count("\n") == 1 and "disk full" in err
    assert target.read_text(encoding="utf-8") == "old"
    assert os.listdir(tmp_path) == ["doc.tex"]


def test_all_as_one_latex_document(capsys, tmp_path):
    target = tmp_path / "all.tex"
    code, _, err = run(capsys, "derive", "all", "--format", "latex", "--out", str(target))
    assert code == 0 and not err
    text = target.read_text(encoding="utf-8")
    assert text.startswith(r"\documentclass") and text.rstrip().endswith(r"\end{document}")
    assert text.count(r"\documentclass") == 1 and text.count(r"\end{document}") == 1
    for name in registry.names():
        assert rf"\label{{{name}}}" in text


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["derive", "conv_output_size", "--set", "k=-3"], "k must be a positive integer"),
        (["derive", "conv_output_size", "--set", "n=abc"], "--set 'n=abc': the value must be an integer"),
        (["derive", "conv_output_size", "--set", "zz=3"], "unknown variable 'zz'; known: n, k"),
        (["derive", "conv_output_size", "--set", "n"], "expected NAME=VALUE"),
        (["derive", "conv_output_size", "--set", "n=1", "--set", "n=2"], "given twice"),
        (["derive", "no_such_thing"], "no derivation 'no_such_thing'; known: dense_parameters"),
        (["derive", "macs", "--format", "pdf"], "--format must be one of text, md, latex"),
        (["derive", "all", "--set", "n=3"], "--set applies to one derivation"),
        (["derive", "macs", "--out", "/no/such/directory/x.txt"], "does not exist"),
        (["summary", "lenet5", "--input", "1x8x8"], "C3 (conv 5×5) on a 6×2×2 input: ⌊(2 + 2·0 − 1·(5−1) − 1)/1⌋"),
        (["summary", "lenet5", "--input", "1x36x36"], "F6 (dense) on a 120×2×2 input: expects 120"),
        (["summary", "lenet5", "--input", "axbxc"], "--input must be C×H×W"),
        (["summary", "resnet50"], "unknown model 'resnet50'"),
    ],
)  # fmt: skip
def test_bad_input_is_one_line_and_exit_1(capsys, argv, message):
    code, _, err = run(capsys, *argv)
    assert code == 1
    assert err.count("\n") == 1, err
    assert message in err and "Traceback" not in err


# ---- summary --------------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("model", "published"),
    [("lenet5", "published connections: 340,908 (equal)"), ("alexnet", "published parameters: 61,100,840 (equal)"),
     ("alexnet2012", "published parameters: 60,965,224 (equal)"),
     ("vgg16", "published parameters: 138,357,544 (equal)")],
)  # fmt: skip
def test_summary_totals_equal_the_published_numbers(capsys, model, published):
    code, out, err = run(capsys, "summary", model)
    assert code == 0 and not err
    assert published in out


def test_summary_lenet5_rows(capsys):
    _, out, _ = run(capsys, "summary", "lenet5")
    c3 = next(line for line in out.splitlines() if line.startswith("C3"))
    assert "16×10×10" in c3 and "1,516" in c3 and "151,600" in c3 and "6·(3·5·5 + 1)" in c3
    assert "parameters: 60,000 trainable, 840 fixed (set by hand, not trained: OUTPUT), 60,840 in all" in out
    assert "published trainable parameters: 60,000 (equal)" in out and "rounds" not in out


def test_summary_with_another_input(capsys):
    code, out, _ = run(capsys, "summary", "alexnet", "--input", "3x256x256")
    assert code == 0 and "61,100,840" in out  # the adaptive pool makes fc6 independent of the input size


def test_checkpoint_with_architecture_metadata(capsys, tmp_path):
    path = tmp_path / "lenet5.npz"
    save(build(ARCHITECTURES["lenet5"]).state_dict(), path, metadata={"architecture": "lenet5"})
    code, out, err = run(capsys, "summary", str(path))
    assert code == 0 and not err
    assert "published connections: 340,908 (equal)" in out
    assert "its arrays hold 60,840 parameters" in out and "but the architecture" not in out


def test_checkpoint_with_layer_list(capsys, tmp_path):
    layers = [{"kind": "conv", "name": "conv", "out": 4, "kernel": 3, "activation": "relu"},
              {"kind": "maxpool", "name": "pool", "kernel": 2, "stride": 2},
              {"kind": "dense", "name": "fc", "out": 10, "inputs": 4 * 13 * 13}]  # fmt: skip
    model = nn.Sequential(nn.Conv2d(1, 4, 3), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(), nn.Linear(4 * 13 * 13, 10))
    path = tmp_path / "tiny.npz"
    save(model.state_dict(), path, metadata={"architecture": layers, "input_shape": [1, 28, 28]})
    code, out, _ = run(capsys, "summary", str(path))
    assert code == 0
    assert "4×26×26" in out and "4×13×13" in out and "6,810" in out


def test_checkpoint_without_architecture_is_inferred(capsys, tmp_path):
    model = nn.Sequential(nn.Conv2d(3, 8, 5), nn.ReLU(), nn.MaxPool2d(2), nn.BatchNorm2d(8), nn.Flatten(),
                          nn.Linear(8 * 14 * 14, 10))  # fmt: skip
    path = tmp_path / "plain.npz"
    save(model.state_dict(), path, metadata={"epoch": 3})
    code, out, _ = run(capsys, "summary", str(path))
    assert code == 0
    assert "conv 5×5" in out and "(3·5·5 + 1)·8" in out and "608" in out
    assert "batchnorm (8 channels)" in out and "dense 1568→10" in out
    assert f"{608 + 16 + 15_690:,}" in out
    assert "unknown (?)" in out


def test_not_a_checkpoint(capsys, tmp_path):
    path = tmp_path / "junk.npz"
    path.write_bytes(b"not a zip")
    code, _, err = run(capsys, "summary", str(path))
    assert code == 1 and err.count("\n") == 1 and "not a readable .npz" in err


def test_summary_python_function_returns_rows():
    from derivations.summary import Row, summarize

    rows = summarize(nn.Sequential(nn.Conv2d(1, 2, 3), nn.ReLU(), nn.Flatten(), nn.Linear(2 * 6 * 6, 3)), (1, 8, 8))
    assert all(isinstance(row, Row) for row in rows)
    assert [row.params for row in rows] == [20, 219]


# ---- the console entry point -------------------------------------------------------------------------------------
def test_module_entry_point_runs_in_a_subprocess():
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))}
    done = subprocess.run([sys.executable, "-m", "tinygrad_cnn.cli", "derive", "list"], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=120)  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "conv_backprop" in done.stdout and "architectures" in done.stdout
    bad = subprocess.run([sys.executable, "-m", "tinygrad_cnn.cli", "summary", "lenet5", "--input", "1x8x8"],
                         cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)  # fmt: skip
    assert bad.returncode == 1 and bad.stderr.count("\n") == 1 and "Traceback" not in bad.stderr
