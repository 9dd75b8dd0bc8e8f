"""`tinygrad-cnn graph`: every example draws; bad input is one line and a non-zero exit, and loses nothing."""

from __future__ import annotations

import numpy as np
import pytest

from tinygrad_cnn import save
from tinygrad_cnn.cli import main
from tinygrad_cnn.graphs import EXAMPLES
from tinygrad_cnn.models import ARCHITECTURES, Layer, build


def _error(capsys) -> str:
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("tinygrad-cnn graph: error: "), err
    return err


def test_list_names_every_example(capsys):
    assert main(["graph", "list"]) == 0
    listed = [line.split()[0] for line in capsys.readouterr().out.splitlines()]
    assert listed == list(EXAMPLES) == ["neuron", "conv1d", "conv2d", "comparison", "tiny_cnn", "lenet5"]


@pytest.mark.parametrize("name", list(EXAMPLES))
def test_each_example_writes_dot_to_stdout(capsys, name):
    assert main(["graph", name, "--format", "dot"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("digraph ") and out.endswith("}\n")


def test_options_reach_the_drawing(capsys, tmp_path):
    assert main(["graph", "conv1d", "--grads", "--format", "dot"]) == 0
    assert "its 3 edges add up to" in capsys.readouterr().out
    assert main(["graph", "tiny_cnn", "--grads", "--expand", "--format", "dot"]) == 0
    out = capsys.readouterr().out
    assert "WindowColumns (locality)" in out and "conv1.weight" in out and "‖grad‖" in out
    target = tmp_path / "lenet.svg"
    assert main(["graph", "lenet5", "--out", str(target)]) == 0
    assert "<svg" in target.read_text() and capsys.readouterr().out == f"wrote {target}\n"


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["graph", "resnet"], "unknown example 'resnet'"),
        (["graph"], "name an example"),
        (["graph", "neuron", "--format", "gif"], "unknown format 'gif'"),
        (["graph", "neuron", "--out", "x.png", "--format", "svg"], "--format svg but --out ends in .png"),
        (["graph", "neuron", "--out", "x.jpeg"], "cannot tell the format"),
        (["graph", "neuron", "--expand"], "--expand applies to the models"),
        (["graph", "neuron", "--checkpoint", "model.npz"], "not both"),
    ],
)
def test_bad_input_is_one_line(capsys, argv, message):
    assert main(argv) == 1
    assert message in _error(capsys)


def test_an_unwritable_place_is_one_line_and_an_earlier_file_survives(capsys, tmp_path):
    assert main(["graph", "neuron", "--out", str(tmp_path / "missing" / "n.svg")]) == 1
    assert "does not exist" in _error(capsys)
    target = tmp_path / "n.png"
    target.write_bytes(b"earlier")
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o500)
    try:
        code = main(["graph", "neuron", "--out", str(locked / "n.svg")])
        if code:  # root may write anywhere; everyone else is refused
            assert "cannot write" in _error(capsys)
    finally:
        locked.chmod(0o700)
    assert main(["graph", "neuron", "--out", str(target), "--format", "gif"]) == 1
    _error(capsys)
    assert target.read_bytes() == b"earlier"


def test_without_dot_the_cli_says_how_to_install_and_keeps_the_dot_file(capsys, tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", "")
    target = tmp_path / "neuron.png"
    assert main(["graph", "neuron", "--out", str(target)]) == 1
    assert "apt-get install graphviz" in _error(capsys)
    assert not target.exists() and (tmp_path / "neuron.dot").read_text().startswith("digraph ")


def test_a_checkpoint_with_its_architecture_draws_as_its_layers(capsys, tmp_path):
    model = build(ARCHITECTURES["tiny_cnn"], generator=np.random.default_rng(3))
    path = tmp_path / "tiny.npz"
    save(model.state_dict(), path, metadata={"architecture": "tiny_cnn"})
    assert main(["graph", "--checkpoint", str(path), "--format", "dot"]) == 0
    out = capsys.readouterr().out
    assert "from tiny.npz: 354 parameters" in out and "conv2 · Conv2d 4→8, 3×3 + ReLU" in out

    layers = [{"kind": "conv", "name": "c", "out": 2, "kernel": 3, "activation": "relu"},
              {"kind": "dense", "name": "fc", "out": 3}]  # fmt: skip
    small = build([Layer.conv("c", 2, 3, activation="relu"), Layer.dense("fc", 2 * 4 * 4, 3)], (1, 6, 6))
    listed = tmp_path / "listed.npz"
    save(small.state_dict(), listed, metadata={"architecture": layers, "input_shape": [1, 6, 6]})
    assert main(["graph", "--checkpoint", str(listed), "--format", "dot"]) == 0
    assert "(1·3·3 + 1)·2" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("metadata", "message"),
    [
        ({}, "no 'architecture'"),
        ({"architecture": "\x1b[31mevil"}, "unknown model: the architecture name"),
        ({"architecture": "lenet5"}, "its arrays do not fit"),
        ({"architecture": [{"kind": "conv", "out": True}], "input_shape": [1, 6, 6]}, "out must be a positive integer"),
        ({"architecture": [{"kind": "dense", "out": 2}]}, "no 'input_shape'"),
        ({"architecture": "alexnet"}, "graphs are drawn for models of at most"),
    ],
)
def test_a_bad_checkpoint_is_one_line(capsys, tmp_path, metadata, message):
    model = build(ARCHITECTURES["tiny_cnn"], generator=np.random.default_rng(3))
    path = tmp_path / "m.npz"
    save(model.state_dict(), path, metadata=metadata)
    assert main(["graph", "--checkpoint", str(path)]) == 1
    err = _error(capsys)
    assert message in err and "\x1b" not in err
