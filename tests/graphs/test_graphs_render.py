"""Rendering really runs Graphviz; without `dot` the error says how to install it and the DOT text is kept."""

from __future__ import annotations

import numpy as np
import pytest

from tinygrad_cnn import Tensor, Value, nn
from tinygrad_cnn.graphs import GraphvizNotFound, draw, to_dot


def _neuron() -> Value:
    x, w, b = Value(2.0, label="x"), Value(-3.0, label="w"), Value(1.0, label="b")
    out = (x * w + b).tanh()
    out.backward()
    return out


@pytest.mark.parametrize(("suffix", "magic"), [("svg", b"<?xml"), ("png", b"\x89PNG\r\n\x1a\n"), ("pdf", b"%PDF")])
def test_graphviz_renders_each_format(tmp_path, suffix, magic):
    path = draw(_neuron(), tmp_path / f"neuron.{suffix}")
    data = path.read_bytes()
    assert data.startswith(magic)
    if suffix == "svg":
        text = data.decode()
        assert "<svg" in text and "data &#45;6" in text  # the record's text, drawn
    assert sorted(p.name for p in tmp_path.iterdir()) == [f"neuron.{suffix}"]  # no temporary left


def test_the_format_argument_and_dot_text(tmp_path):
    root = _neuron()
    assert draw(root, tmp_path / "g.txt", format="dot").read_text() == to_dot(root)
    with pytest.raises(ValueError, match="unknown format 'gif'"):
        draw(root, tmp_path / "g.gif")
    with pytest.raises(FileNotFoundError, match="does not exist"):
        draw(root, tmp_path / "missing" / "g.svg")


def test_without_dot_the_error_says_how_to_install_and_the_dot_file_is_written(tmp_path, monkeypatch):
    root = _neuron()
    target = tmp_path / "neuron.png"
    target.write_bytes(b"an earlier picture")
    monkeypatch.setenv("PATH", "")  # no `dot` anywhere
    with pytest.raises(GraphvizNotFound) as caught:
        draw(root, target)
    message = str(caught.value)
    assert "apt-get install graphviz" in message and "brew install graphviz" in message
    assert "neuron.dot" in message
    assert (tmp_path / "neuron.dot").read_text() == to_dot(root)  # nothing lost
    assert target.read_bytes() == b"an earlier picture"  # nothing overwritten


def _svg(obj):
    """What a notebook shows for ``obj``: its SVG, or ``None`` when only the text repr is shown."""
    from IPython.core.interactiveshell import InteractiveShell

    from tinygrad_cnn.graphs.jupyter import register

    shell = InteractiveShell.instance()
    register(shell)
    formats, _ = shell.display_formatter.format(obj)
    return formats.get("image/svg+xml")


def test_jupyter_draws_graphs_and_leaves_plain_values_as_text(monkeypatch):
    root = _neuron()
    assert "<svg" in _svg(root)
    assert _svg(Value(1.0)) is None and _svg(Tensor([1.0])) is None  # no graph: the text repr
    w = Tensor(np.ones(3), requires_grad=True)
    assert "Mul" in _svg((w * 2.0).sum())
    model = nn.Sequential(nn.Conv2d(1, 2, 3), nn.ReLU(), nn.Flatten(), nn.Linear(8, 2))
    picture = _svg(model)
    assert "(1·3·3 + 1)·2" in picture and "Conv2d 1→2, 3×3 + ReLU" in picture  # the layer view
    monkeypatch.setenv("PATH", "")
    with pytest.warns(UserWarning, match="install Graphviz"):
        assert _svg(root) is None  # the notebook falls back to the text repr


def test_jupyter_cuts_a_big_graph_instead_of_freezing():
    y = Value(0.0)
    for _ in range(20_000):
        y = y + 1.0
    picture = _svg(y)
    assert "more inputs not drawn" in picture and picture.count('class="node"') <= 301 * 2
