"""The graphs ``tinygrad-cnn graph EXAMPLE`` draws, and models read from checkpoints.

Each example builds its computation for real (seeded), runs backward where gradients are shown, and
returns DOT text. ``tiny_cnn`` and ``lenet5`` (and ``--checkpoint``) are drawn as their layers, or with
``expand`` as every tensor op of one forward pass.

This is the one module of the graphs package that imports :mod:`tinygrad_cnn.models`.

Examples:
    >>> sorted(EXAMPLES)
    ['comparison', 'conv1d', 'conv2d', 'lenet5', 'neuron', 'tiny_cnn']
    >>> "used 3×" in EXAMPLES["conv1d"].build(expand=False, grads=False)      # each tap, at 3 positions
    True
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from .. import nn
from ..engine.tensor import Tensor
from ..engine.value import Value
from ..models.architectures import ARCHITECTURES, Architecture, Layer, architecture_from_metadata, build, output_shapes
from ..serialization import load, load_metadata, model_state
from .api import to_dot
from .modules import layer_dot, layer_graph, record
from .pictures import layer_values, lecture_pictures, pictures_dot
from .tensors import tensor_dot

__all__ = ["Example", "EXAMPLES", "model_dot", "model_from_checkpoint", "MAX_CHECKPOINT_PARAMETERS"]

MAX_CHECKPOINT_PARAMETERS = 5_000_000  # a graph of a bigger model is not readable, and building it is costly
GRADS_NOTE = "‖grad‖ after backward of ½·mean(output²) on a seeded random input"


@dataclass(frozen=True)
class Example:
    """A named drawing: what it shows, whether ``expand`` applies, and how to build its DOT text."""

    name: str
    description: str
    build: Callable[..., str]
    expandable: bool = False


def neuron(expand: bool = False, grads: bool = False) -> str:
    """micrograd's neuron: o = tanh(x1·w1 + x2·w2 + b), after backward."""
    x1, x2 = Value(2.0, label="x1"), Value(0.0, label="x2")
    w1, w2 = Value(-3.0, label="w1"), Value(1.0, label="w2")
    b = Value(6.8813735870195432, label="b")
    n = x1 * w1 + x2 * w2 + b
    n.label = "n"
    o = n.tanh()
    o.label = "o"
    o.backward()
    return to_dot(o, partials=grads, title="a neuron: o = tanh(x1·w1 + x2·w2 + b), after o.backward()")


def conv1d(expand: bool = False, grads: bool = False) -> str:
    """The lecture's 1-D convolution: 5 inputs, one 3-tap kernel shared by all 3 windows, L = Σ y."""
    x, y = layer_values("conv", 5, 3, inputs=(1.0, 2.0, 4.0, 3.0, -1.0), kernel=(1.0, -1.0, 0.5), bias=0.5)
    for j, out in enumerate(y):
        out.label = f"y[{j}]"
    loss = sum(y[1:], y[0])
    loss.label = "L"
    loss.backward()
    title = ("1-D convolution over 5 inputs: w[0], w[1], w[2] and b are each one node used at all 3 windows"
             + ("\neach edge shows its share of ∂L/∂w; the shares add up to w.grad" if grads else ""))
    return to_dot(loss, partials=grads, title=title, rank_leaves=True)


def conv2d(expand: bool = False, grads: bool = False) -> str:
    """A 2-D convolution of a 5×5 image with 2 filters of 3×3, then ReLU and a sum, in the tensor engine."""
    rng = np.random.default_rng(0)
    image = Tensor(rng.standard_normal((1, 1, 5, 5)).astype(np.float32), requires_grad=True)  # so windows are recorded
    conv = nn.Conv2d(1, 2, 3, generator=rng)
    loss = conv(image).relu().sum()
    if grads:
        loss.backward()
    title = "Conv2d(1, 2, 3) on a 5×5 image: windows (locality) × one shared 2×9 weight matrix (sharing)"
    return tensor_dot(loss, names={"conv.weight": conv.weight, "conv.bias": conv.bias, "image": image,
                                   "loss": loss}, title=title)  # fmt: skip


def comparison(expand: bool = False, grads: bool = False) -> str:
    """Dense, locally connected and convolution over the same 6 inputs (3 taps): 28, 16 and 4 parameters."""
    return pictures_dot(lecture_pictures(6, 3))


def model_dot(model: nn.Module, input_shape: Sequence[int], *, title: str, expand: bool = False,
              grads: bool = False, depth: int = 1) -> str:  # fmt: skip
    """A model's layer graph (or every tensor op with ``expand``) from one recorded forward pass; with
    ``grads``, after a backward pass, with each layer's gradient norm."""
    recording = record(model, input_shape=input_shape)
    if grads:
        output = recording.output
        (output * output).mean().__mul__(0.5).backward()
        title += f"\n{GRADS_NOTE}"
    if expand:
        return tensor_dot(recording.output, module=model, names={"input": recording.input}, title=title)
    return layer_dot(layer_graph(model, recording=recording, depth=depth, title=title))


def _architecture(name: str) -> Callable[..., str]:
    def draw(expand: bool = False, grads: bool = False) -> str:
        architecture = ARCHITECTURES[name]
        model = build(architecture, generator=np.random.default_rng(0))
        return model_dot(model, architecture.input_shape, title=architecture.title, expand=expand, grads=grads)

    return draw


EXAMPLES: dict[str, Example] = {
    e.name: e
    for e in (
        Example("neuron", "micrograd's neuron, tanh(x1·w1 + x2·w2 + b): a record per value, a node per op", neuron),
        Example("conv1d", "the lecture's 1-D convolution over 5 scalar inputs: each shared weight is one node "
                "used at every window (--grads: the edges' shares of its gradient, and their sum)", conv1d),
        Example("conv2d", "a 2-D convolution on a 5×5 image in the tensor engine: windows → matmul with the "
                "shared weight matrix", conv2d),
        Example("comparison", "dense, locally connected and convolution over the same 1-D input: "
                "28, 16 and 4 parameters", comparison),
        Example("tiny_cnn", "the tour's tiny CNN, one node per layer (--expand: every tensor op)",
                _architecture("tiny_cnn"), expandable=True),
        Example("lenet5", "LeNet-5, one node per layer (--expand: every tensor op)", _architecture("lenet5"),
                expandable=True),
    )
}  # fmt: skip


# ---- checkpoints --------------------------------------------------------------------------------------------
def _parameter_bound(layers: Sequence[Layer], input_shape: tuple[int, ...]) -> int:
    """An upper bound of the parameters ``build`` would allocate (groups and tables only lower it)."""
    total, shape = 0, input_shape
    for layer, out in zip(layers, output_shapes(layers, input_shape)):
        if layer.kind == "conv":
            total += layer.out * (shape[0] * math.prod(layer.kernel) + 1)
        elif layer.kind in ("dense", "rbf"):
            total += layer.out * (math.prod(shape) + 1)
        else:
            total += 2 * shape[0]
        shape = out
    return total


def model_from_checkpoint(path: str | os.PathLike) -> tuple[nn.Module, tuple[int, ...], str]:
    """The model a checkpoint holds, rebuilt from its metadata's ``architecture`` (a name such as
    ``"lenet5"``, or a list of layer dicts with an ``input_shape``) and loaded with its weights."""
    name = os.path.basename(os.fspath(path))
    metadata = load_metadata(path)
    if not isinstance(metadata, Mapping) or metadata.get("architecture") is None:
        raise ValueError(f"{name} has no 'architecture' in its metadata, so the order and wiring of its layers "
                         "are unknown; save it with metadata={'architecture': 'tiny_cnn'} (a name or a list of "
                         "layers, with 'input_shape')")  # fmt: skip
    spec, input_shape, title = architecture_from_metadata(metadata, name)
    title = f"{title} from {name}" if isinstance(spec, Architecture) else title
    layers = spec.layers if isinstance(spec, Architecture) else spec
    bound = _parameter_bound(layers, input_shape)
    if bound > MAX_CHECKPOINT_PARAMETERS:
        raise ValueError(f"{name}: the architecture has up to {bound:,} parameters; graphs are drawn for models "
                         f"of at most {MAX_CHECKPOINT_PARAMETERS:,}")  # fmt: skip
    model = build(spec, input_shape, generator=np.random.default_rng(0))
    state = model_state(load(path), name)
    try:
        model.load_state_dict(state)
    except ValueError as error:
        raise ValueError(f"{name}: its arrays do not fit its architecture: "
                         + " ".join(str(error).split())) from None  # fmt: skip
    return model, input_shape, title
