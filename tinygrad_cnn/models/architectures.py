"""Classic architectures as small layer lists: LeNet-5, AlexNet (2012 and torchvision), VGG-16.

An architecture is a tuple of :class:`Layer` specs (kind, channels, kernel, stride, padding, groups), so it
can be *counted* by the formulas of :mod:`tinygrad_cnn.shapes` without allocating a single weight
(:func:`output_shapes` here; parameter and MAC tables in ``derivations.summary``), and *built* as a real
``nn.Sequential`` (:func:`build`) when it fits in memory. :func:`from_module` goes the other way, from an
``nn.Sequential`` of engine layers to specs.

LeNet-5 (LeCun et al. 1998) needs four things PyTorch does not have, defined here from the engine's
layers: :class:`Subsampling` (the S layers: a 2×2 sum times one trainable coefficient per map, plus a
bias), :class:`PartialConv2d` (C3, whose maps each see a subset of S2's maps), :class:`ScaledTanh` (the
paper's squashing function 1.7159·tanh(2a/3)) and :class:`RBF` (the output units, one Euclidean radial basis
function per class, whose 84·10 weights are fixed, not trained: a buffer, not a parameter).

Every :class:`Layer` checks its fields when it is made (from code or from a checkpoint's JSON): sizes are
integers of the right sign and at most :data:`MAX_SIZE`, flags are booleans, names are text; one
``ValueError`` names the layer, the field and the value.

Examples:
    >>> [layer.name for layer in ARCHITECTURES["lenet5"].layers]
    ['C1', 'S2', 'C3', 'S4', 'C5', 'F6', 'OUTPUT']
    >>> output_shapes(ARCHITECTURES["lenet5"].layers, (1, 32, 32))[:3]
    [(6, 28, 28), (6, 14, 14), (16, 10, 10)]
    >>> output_shapes(ARCHITECTURES["lenet5"].layers, (1, 8, 8))
    Traceback (most recent call last):
    ...
    ValueError: C3 (conv 5×5) on a 6×2×2 input: ⌊(2 + 2·0 − 1·(5−1) − 1)/1⌋ + 1 = -2, needs ≥ 1
    >>> lenet = build(ARCHITECTURES["lenet5"])
    >>> lenet.num_parameters(), lenet.OUTPUT.weight.numel()    # the paper's 60,000 trainable, 840 fixed
    (60000, 840)
"""

from __future__ import annotations

import dataclasses
import functools
import math
from collections import OrderedDict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

from .. import nn
from ..conv.geometry import PADDING_MODES
from ..engine.args import flag, int_tuple
from ..engine.sizes import is_int, shown
from ..engine.tensor import Tensor, cat
from ..nn import functional as F
from ..shapes import checked_output_size

__all__ = [
    "layer_to_dict", "layer_from_dict", "architecture_from_metadata", "MAX_LAYERS",
    "Layer", "Architecture", "ARCHITECTURES", "LENET5_C3_TABLE", "output_shapes", "build", "from_module",
    "thinned", "Subsampling", "PartialConv2d", "connection_index", "RBF",
]  # fmt: skip

KINDS = ("conv", "subsample", "maxpool", "avgpool", "adaptive_avg", "batchnorm", "dense", "rbf")
SPATIAL = ("conv", "subsample", "maxpool", "avgpool", "adaptive_avg", "batchnorm")
Pair = tuple[int, int]
MAX_SIZE = 2**31 - 1  # the largest channel count, kernel, stride, padding or dilation a Layer accepts


class ScaledTanh(nn.Module):
    """LeNet-5's squashing function ``A·tanh(S·a)`` with the paper's A = 1.7159 and S = 2/3 (Appendix A), so
    that f(±1) = ±1.

    Examples:
        >>> round(ScaledTanh()(Tensor([1.0])).item(), 4)
        1.0
    """

    def __init__(self, amplitude: float = 1.7159, slope: float = 2 / 3) -> None:
        super().__init__()
        self.amplitude, self.slope = float(amplitude), float(slope)

    def forward(self, x: Tensor) -> Tensor:
        return (x * self.slope).tanh() * self.amplitude

    def extra_repr(self) -> str:
        return f"amplitude={self.amplitude}, slope={self.slope:.4g}"


ACTIVATIONS = {"": None, "relu": nn.ReLU, "tanh": nn.Tanh, "sigmoid": nn.Sigmoid, "scaled_tanh": ScaledTanh}


def _pair(value: int | Sequence[int], name: str = "Layer", what: str = "size", minimum: int = 1) -> Pair:
    """``3 -> (3, 3)``; a tuple keeps its length (1 for signals, 2 for images). Each entry is checked
    (:func:`~tinygrad_cnn.engine.args.int_tuple`) and at most :data:`MAX_SIZE`."""
    value = tuple(value) if isinstance(value, list) else value
    n = len(value) if isinstance(value, tuple) and len(value) in (1, 2) else 2
    pair = int_tuple(name, what, value, n, minimum=minimum)
    if max(pair) > MAX_SIZE:
        raise ValueError(f"{name}: {what} must be at most {MAX_SIZE:,}, got {shown(value)}")
    return pair  # type: ignore[return-value]


@dataclass(frozen=True)
class Layer:
    """One layer of an architecture, as the papers' tables give it.

    ``out`` is the number of output maps (conv) or units (dense, rbf), 0 for layers that keep their input's
    channels (pooling, subsampling, batchnorm); ``inputs`` is the expected input channels or features (0:
    whatever the previous layer gives). ``table[m]`` lists the input maps that output map ``m`` sees (a
    partially connected conv, LeNet-5's C3); empty means every map (within its group). ``activation``
    (``"relu"``, ``"tanh"``, ``"sigmoid"``) follows the layer and has no parameters. ``padding_mode`` (a
    conv's: ``"zeros"``, ``"circular"``, ...) changes no count, only what the border sees.
    """

    kind: str
    name: str = ""
    out: int = 0
    kernel: Pair = (1, 1)
    stride: Pair = (1, 1)
    padding: Pair = (0, 0)
    dilation: Pair = (1, 1)
    groups: int = 1
    table: tuple[tuple[int, ...], ...] = ()
    inputs: int = 0
    bias: bool = True
    activation: str = ""
    ceil_mode: bool = False
    fixed: bool = False
    padding_mode: str = "zeros"

    def __post_init__(self) -> None:
        if not isinstance(self.name, str) or len(self.name) > 200:
            raise ValueError(f"Layer: name must be text of at most 200 characters, got {shown(self.name)}")
        if not isinstance(self.kind, str) or self.kind not in KINDS:
            raise ValueError(f"Layer {self.name!r}: kind must be one of {KINDS}, got {shown(self.kind)}")
        where = f"Layer {self.name!r} ({self.kind})"
        if not isinstance(self.activation, str) or self.activation not in ACTIVATIONS:
            raise ValueError(f"{where}: activation must be one of {tuple(ACTIVATIONS)}, got {shown(self.activation)}")
        if not isinstance(self.padding_mode, str) or self.padding_mode not in PADDING_MODES or (
            self.padding_mode != "zeros" and self.kind != "conv"
        ):
            raise ValueError(f"{where}: padding_mode must be one of {PADDING_MODES} (a conv's), got "
                             f"{shown(self.padding_mode)}")  # fmt: skip
        for what in ("bias", "ceil_mode", "fixed"):
            flag(where, what, getattr(self, what))
        counted = self.kind in ("conv", "dense", "rbf")  # these make `out` maps or units; the others keep theirs
        for what, least in (("out", 1 if counted else 0), ("groups", 1), ("inputs", 0)):
            value = getattr(self, what)
            if not is_int(value) or value < least or value > MAX_SIZE:
                need = "a positive" if least else "a non-negative"
                raise ValueError(f"{where}: {what} must be {need} integer{'' if counted or least else ' (0: keep)'}"
                                 f"{'' if is_int(value) and value <= MAX_SIZE else f' of at most {MAX_SIZE:,}'}, "
                                 f"got {shown(value)}")  # fmt: skip
        for what, least in (("kernel", 1), ("stride", 1), ("padding", 0), ("dilation", 1)):
            object.__setattr__(self, what, _pair(getattr(self, what), where, what, least))
        object.__setattr__(self, "table", _table(where, self.table))
        if self.table and len(self.table) != self.out:
            raise ValueError(f"{where}: the connection table has {len(self.table)} rows for {self.out} maps")
        windowed = self.kind in ("conv", "subsample", "maxpool", "avgpool")
        if windowed and len({len(self.kernel), len(self.stride), len(self.padding), len(self.dilation)}) != 1:
            raise ValueError(f"{where}: kernel, stride, padding and dilation need as many sizes each")

    @classmethod
    def conv(cls, name: str, out: int, kernel: int | Pair, stride: int | Pair = 1, padding: int | Pair = 0, *,
             groups: int = 1, dilation: int | Pair = 1, table: Sequence[Sequence[int]] = (), activation: str = "",
             bias: bool = True, inputs: int = 0, padding_mode: str = "zeros") -> Layer:  # fmt: skip
        return cls("conv", name, out, kernel, stride, padding, dilation, groups, table, inputs, bias, activation,
                   padding_mode=padding_mode)  # fmt: skip

    @classmethod
    def pool(cls, kind: str, name: str, kernel: int | Pair, stride: int | Pair | None = None,
             padding: int | Pair = 0, *, activation: str = "", ceil_mode: bool = False) -> Layer:  # fmt: skip
        kernel = _pair(kernel, name, "kernel")
        stride = kernel if stride is None else stride
        return cls(kind, name, 0, kernel, stride, padding, (1,) * len(kernel), activation=activation,
                   ceil_mode=ceil_mode)  # fmt: skip

    @classmethod
    def conv1d(cls, name: str, out: int, kernel: int, stride: int = 1, padding: int = 0, *, groups: int = 1,
               dilation: int = 1, activation: str = "", bias: bool = True, inputs: int = 0) -> Layer:  # fmt: skip
        """A convolution along one axis (signals ``C×L``): its sizes are 1-tuples."""
        return cls("conv", name, out, (int(kernel),), (int(stride),), (int(padding),), (int(dilation),), groups,
                   (), inputs, bias, activation)  # fmt: skip

    @classmethod
    def dense(cls, name: str, inputs: int, out: int, *, activation: str = "", bias: bool = True) -> Layer:
        return cls("dense", name, out, inputs=inputs, bias=bias, activation=activation)

    def describe(self) -> str:
        """A few words for tables: ``conv 5×5/2 p1, g=2, partial + tanh``."""
        k = "×".join(map(str, self.kernel))
        if self.kind in ("dense", "rbf"):
            text = f"{self.kind} {self.inputs or '?'}→{self.out}"
        elif self.kind == "adaptive_avg":
            text = f"adaptive avg → {k}"
        elif self.kind == "batchnorm":
            text = "batchnorm"
        else:
            text = f"{self.kind} {k}"
            ones = (1,) * len(self.kernel)
            text += f"/{self.stride[0]}" if self.stride != (self.kernel if self.kind != "conv" else ones) else ""
            text += f" p{self.padding[0]}" if any(self.padding) else ""
            text += f" {self.padding_mode}" if self.padding_mode != "zeros" else ""
            text += f" d{self.dilation[0]}" if self.dilation != ones else ""
            text += f", g={self.groups}" if self.groups != 1 else ""
            text += ", partial" if self.table else ""
        return text + (f" + {self.activation}" if self.activation else "")


def _table(where: str, table: object) -> tuple[tuple[int, ...], ...]:
    """A connection table as a tuple of non-empty tuples of distinct map indices (0 ≤ index ≤ MAX_SIZE)."""
    rows = tuple(table) if isinstance(table, (tuple, list)) else None
    if rows is None or not all(
        isinstance(maps, (tuple, list)) and maps and len(set(maps)) == len(maps)
        and all(is_int(i) and 0 <= i <= MAX_SIZE for i in maps) for maps in rows
    ):  # fmt: skip
        raise ValueError(f"{where}: table must list, per output map, distinct input map indices ≥ 0; "
                         f"got {shown(table)}")  # fmt: skip
    return tuple(tuple(int(i) for i in maps) for maps in rows)


@dataclass(frozen=True)
class Architecture:
    """A named architecture: its layers, the input the paper uses, where it comes from, and the published
    totals (``{"parameters": ..., "connections": ...}``) the counts are checked against."""

    name: str
    title: str
    input_shape: tuple[int, ...]  # C×H×W for images, C×L for signals
    layers: tuple[Layer, ...]
    source: str
    published: Mapping[str, int] = field(default_factory=dict)
    notes: tuple[str, ...] = ()


# LeCun et al. 1998, Table I: the S2 maps (rows 0-5) each C3 map (columns 0-15) combines.
LENET5_C3_TABLE = (
    *((m % 6, (m + 1) % 6, (m + 2) % 6) for m in range(6)),  # maps 0-5: three contiguous S2 maps
    *((m % 6, (m + 1) % 6, (m + 2) % 6, (m + 3) % 6) for m in range(6)),  # 6-11: four contiguous
    (0, 1, 3, 4), (1, 2, 4, 5), (0, 2, 3, 5),  # 12-14: four, discontinuous
    (0, 1, 2, 3, 4, 5),  # 15: all six
)  # fmt: skip
_C3_TABLE = tuple(tuple(sorted(maps)) for maps in LENET5_C3_TABLE)

LENET5 = Architecture(
    "lenet5", "LeNet-5", (1, 32, 32),
    (
        Layer.conv("C1", 6, 5, activation="scaled_tanh"),
        Layer("subsample", "S2", 0, (2, 2), (2, 2), activation="scaled_tanh"),
        Layer.conv("C3", 16, 5, table=_C3_TABLE, activation="scaled_tanh"),
        Layer("subsample", "S4", 0, (2, 2), (2, 2), activation="scaled_tanh"),
        Layer.conv("C5", 120, 5, activation="scaled_tanh"),
        Layer.dense("F6", 120, 84, activation="scaled_tanh"),
        Layer("rbf", "OUTPUT", 10, inputs=84, bias=False, fixed=True),
    ),
    "Y. LeCun, L. Bottou, Y. Bengio, P. Haffner, 'Gradient-based learning applied to document recognition', "
    "Proc. IEEE 86(11):2278-2324, 1998, Section II.B and Appendix A",
    {"connections": 340_908, "parameters": 60_000},
    ("The paper: 'LeNet-5 ... contains 340,908 connections, but only 60,000 trainable free parameters'. Both "
     "are exact: C1 to F6 hold 60,000 trainable weights and biases, and the 84·10 = 840 weights of the OUTPUT "
     "units are set by hand and fixed, so they are shown apart.",
     "The squashing function 1.7159·tanh(2a/3) (A·tanh(S·a), Appendix A) follows C1 to F6 in the built model "
     "too (ScaledTanh). OUTPUT is one Euclidean RBF unit per class; the paper's weights are ±1 bitmaps of the "
     "characters (7×12), which it does not list: the built model draws them as ±1 at random and keeps them "
     "fixed (a buffer, not a parameter)."),
)  # fmt: skip


def _alexnet(name: str, title: str, widths: Sequence[int], conv1_padding: int, groups: Sequence[int],
             size: int, adaptive: bool, source: str, published: Mapping[str, int], notes: tuple[str, ...]
             ) -> Architecture:  # fmt: skip
    c1, c2, c3, c4, c5 = widths
    layers = [
        Layer.conv("conv1", c1, 11, 4, conv1_padding, groups=groups[0], activation="relu"),
        Layer.pool("maxpool", "pool1", 3, 2),
        Layer.conv("conv2", c2, 5, 1, 2, groups=groups[1], activation="relu"),
        Layer.pool("maxpool", "pool2", 3, 2),
        Layer.conv("conv3", c3, 3, 1, 1, groups=groups[2], activation="relu"),
        Layer.conv("conv4", c4, 3, 1, 1, groups=groups[3], activation="relu"),
        Layer.conv("conv5", c5, 3, 1, 1, groups=groups[4], activation="relu"),
        Layer.pool("maxpool", "pool5", 3, 2),
        *([Layer("adaptive_avg", "avgpool", 0, (6, 6))] if adaptive else []),
        Layer.dense("fc6", c5 * 6 * 6, 4096, activation="relu"),
        Layer.dense("fc7", 4096, 4096, activation="relu"),
        Layer.dense("fc8", 4096, 1000),
    ]
    return Architecture(name, title, (3, size, size), tuple(layers), source, published, notes)


ALEXNET2012 = _alexnet(
    "alexnet2012", "AlexNet (2012, two GPUs)", (96, 256, 384, 384, 256), 0, (1, 2, 1, 2, 2), 227, False,
    "A. Krizhevsky, I. Sutskever, G. E. Hinton, 'ImageNet classification with deep convolutional neural "
    "networks', NIPS 2012, Section 3.5 and Figure 2",
    {"parameters": 60_965_224},
    ("The paper: '60 million parameters'; conv2, conv4 and conv5 see only the maps on their own GPU "
     "(groups=2), conv3 and the dense layers see both.",
     "The paper's input is '224×224×3', but an 11×11 kernel with stride 4 and no padding needs 227: "
     "⌊(224 − 11)/4⌋ + 1 = 54, while (227 − 11)/4 + 1 = 55, the 55×55 of its Figure 2.",
     "Local response normalisation (after conv1 and conv2) and dropout have no parameters and are left out."),
)  # fmt: skip

ALEXNET = _alexnet(
    "alexnet", "AlexNet (torchvision, one tower)", (64, 192, 384, 256, 256), 2, (1, 1, 1, 1, 1), 224, True,
    "torchvision.models.alexnet (after A. Krizhevsky, 'One weird trick for parallelizing convolutional "
    "neural networks', arXiv:1404.5997, 2014)",
    {"parameters": 61_100_840},
    ("One tower of 64-192-384-256-256 channels; padding 2 in conv1 makes a 224 input give ⌊(224 + 4 − 11)/4⌋ "
     "+ 1 = 55; an adaptive average pool to 6×6 accepts other sizes.",),
)  # fmt: skip

_VGG16_D = (64, 64, "M", 128, 128, "M", 256, 256, 256, "M", 512, 512, 512, "M", 512, 512, 512, "M")


def _vgg16() -> Architecture:
    layers, block, index = [], 1, 1
    for item in _VGG16_D:
        if item == "M":
            layers.append(Layer.pool("maxpool", f"pool{block}", 2, 2))
            block, index = block + 1, 1
        else:
            layers.append(Layer.conv(f"conv{block}_{index}", item, 3, 1, 1, activation="relu"))
            index += 1
    layers += [Layer.dense("fc6", 512 * 7 * 7, 4096, activation="relu"),
               Layer.dense("fc7", 4096, 4096, activation="relu"), Layer.dense("fc8", 4096, 1000)]  # fmt: skip
    return Architecture(
        "vgg16", "VGG-16 (configuration D)", (3, 224, 224), tuple(layers),
        "K. Simonyan, A. Zisserman, 'Very deep convolutional networks for large-scale image recognition', "
        "ICLR 2015, Tables 1 and 2 (configuration D)",
        {"parameters": 138_357_544},
        ("Table 2 rounds to 138 million; 138,357,544 is the exact count (torchvision's vgg16 has the same).",),
    )  # fmt: skip


TINY_CNN = Architecture(
    "tiny_cnn", "Tiny CNN (the tour's edge-orientation classifier)", (1, 8, 8),
    (
        Layer.conv("conv1", 4, 3, 1, 1, activation="relu"),
        Layer.pool("maxpool", "pool1", 2),
        Layer.conv("conv2", 8, 3, activation="relu"),
        Layer("adaptive_avg", "avgpool", 0, (1, 1)),
        Layer.dense("fc", 8, 2),
    ),
    "tinygrad_cnn.tour: tells vertical from horizontal step edges in noisy 8×8 images",
    {"parameters": 354},
    ("Two 3×3 convolutions and a global average: 354 parameters, where a dense layer from the 64 pixels to "
     "just 8 hidden units would already need (64 + 1)·8 = 520.",),
)  # fmt: skip

ARCHITECTURES: dict[str, Architecture] = {
    a.name: a for a in (LENET5, ALEXNET, ALEXNET2012, _vgg16(), TINY_CNN)
}


# ---- shapes, by formula ----------------------------------------------------------------------------------
def output_shapes(layers: Sequence[Layer], input_shape: Sequence[int]) -> list[tuple[int, ...]]:
    """The output shape of every layer, by the formulas of :mod:`tinygrad_cnn.shapes` (nothing allocated).

    Shapes are ``(C, H, W)`` (``(C, L)`` for signals) for spatial layers and ``(n,)`` after a dense one. A
    layer that no window fits, or whose input does not match what it expects, raises one ``ValueError``
    naming it and showing the formula with the numbers.
    """
    shape = tuple(int(n) for n in input_shape)
    if len(shape) not in (2, 3) or min(shape) < 1:
        raise ValueError(f"input shape must be positive sizes C×H×W or C×L, got {'×'.join(map(str, shape))}")
    shapes = []
    for layer in layers:
        shape = _next_shape(layer, shape)
        shapes.append(shape)
    return shapes


def _next_shape(layer: Layer, shape: tuple[int, ...]) -> tuple[int, ...]:
    kernel = (
        "" if layer.kind in ("dense", "rbf", "batchnorm", "adaptive_avg") else " " + "×".join(map(str, layer.kernel))
    )
    where = f"{layer.name or layer.kind} ({layer.kind}{kernel}) on a {'×'.join(map(str, shape))} input"
    if layer.kind in ("dense", "rbf"):
        features = math.prod(shape)
        if layer.inputs and layer.inputs != features:
            raise ValueError(f"{where}: expects {layer.inputs} input features, gets {features}")
        return (layer.out,)
    if len(shape) != 1 + len(layer.kernel) and layer.kind != "batchnorm":
        raise ValueError(f"{where}: needs a {'C×L' if len(layer.kernel) == 1 else 'C×H×W'} input")
    channels, sizes = shape[0], shape[1:]
    if layer.inputs and layer.inputs != channels:
        raise ValueError(f"{where}: expects {layer.inputs} input channels")
    if layer.kind == "adaptive_avg":
        return (channels, *layer.kernel)
    if layer.kind == "batchnorm":
        return shape
    if layer.kind == "conv":
        if channels % layer.groups or layer.out % layer.groups:
            raise ValueError(f"{where}: groups={layer.groups} must divide {channels} and {layer.out} channels")
        if layer.table and max(max(maps) for maps in layer.table) >= channels:
            raise ValueError(f"{where}: the connection table names input maps beyond {channels}")
    ceil_mode = layer.ceil_mode and layer.kind != "conv"
    out = [checked_output_size(where, n, k, s, p, d, ceil_mode=ceil_mode) for n, k, s, p, d in
           zip(sizes, layer.kernel, layer.stride, layer.padding, layer.dilation)]  # fmt: skip
    return (layer.out if layer.kind == "conv" else channels, *out)


# ---- LeNet-5's own layers ----------------------------------------------------------------------------------
class Subsampling(nn.Module):
    """LeNet-5's S2/S4: the k×k window of each map summed, times one trainable coefficient per map, plus one
    trainable bias per map (2 parameters per map). Windows do not overlap (stride k); rows and columns left
    over past the last whole window are dropped, as pooling drops them.

    The window sums are a depthwise convolution with a k×k kernel of ones and stride k: every map's windows times
    the same shared kernel, the lecture's convolution with nothing to learn in it. Measured on S2's 64×6×28² input
    (laid out as a convolution leaves it), forward and backward, in process: 0.88 ms, against 1.09 ms for k strided
    rows added, then k strided columns (whose gradients are zeros written in full, then added), and 7.5 ms for a
    reshape to tiny window axes and a sum over them; S4's 64×16×10² input took the same time either way.

    Examples:
        >>> s2 = Subsampling(1)
        >>> s2.weight.data[:], s2.bias.data[:] = 1.0, 0.0
        >>> s2(Tensor(np.arange(16.0, dtype=np.float32).reshape(1, 1, 4, 4))).numpy()[0, 0]   # 0+1+4+5 = 10, ...
        array([[10., 18.],
               [42., 50.]], dtype=float32)
    """

    def __init__(self, channels: int, kernel_size: int = 2, *, generator: np.random.Generator | None = None):
        super().__init__()
        self.channels, self.kernel_size = int(channels), int(kernel_size)
        bound = 1 / self.kernel_size  # fan-in k·k: the 1/sqrt(fan-in) of PyTorch's default
        self.weight = nn.Parameter(np.empty(self.channels, dtype=np.float32))
        self.bias = nn.Parameter(np.empty(self.channels, dtype=np.float32))
        nn.init.uniform_(self.weight, -bound, bound, generator=generator)
        nn.init.uniform_(self.bias, -bound, bound, generator=generator)

    def forward(self, x: Tensor) -> Tensor:
        k = self.kernel_size
        if x.ndim not in (3, 4) or x.shape[-3] != self.channels or min(x.shape[-2:]) < k:
            raise ValueError(f"Subsampling: needs an input ([N,] {self.channels}, H, W) with H, W ≥ {k}, "
                             f"got shape {x.shape}")  # fmt: skip
        ones = Tensor(np.ones((self.channels, 1, k, k), dtype=x.dtype))  # one k×k kernel of ones per map
        sums = F.conv2d(x, ones, stride=k, groups=self.channels)  # (..., C, H, W) -> (..., C, H/k, W/k): whole windows
        return sums * self.weight.reshape(-1, 1, 1) + self.bias.reshape(-1, 1, 1)  # (C,) -> (C, 1, 1), per map

    def extra_repr(self) -> str:
        return f"{self.channels}, kernel_size={self.kernel_size}"


class PartialConv2d(nn.Module):
    """A convolution whose output map ``m`` sees only the input maps ``table[m]`` (LeNet-5's C3).

    The parameters are the paper's: one small kernel and one bias per output map, over its own input maps only,
    held as one single-map ``Conv2d`` per map (``maps.m.weight`` is ``(1, len(table[m]), kH, kW)``). The forward
    pass lays them into one ``(C_out, C_in, kH, kW)`` kernel, zeros where a map does not look
    (:func:`connection_index`), and runs **one** convolution: the same sums as ``len(table)`` separate
    convolutions of ``x[:, table[m]]``, in one shared-weight matmul instead of sixteen small ones. The zeros are
    not parameters: the gradient reaches only the paper's 1,516 weights (for LeNet-5), through the gather.

    Examples:
        >>> c3 = PartialConv2d([(0, 1), (1, 2)], 3, generator=np.random.default_rng(0))
        >>> c3.num_parameters(), c3.full_weight(3).shape     # (2·3·3 + 1)·2 trained; a (2, 3, 3, 3) kernel
        (38, (2, 3, 3, 3))
        >>> bool((c3.full_weight(3).numpy()[0, 2] == 0).all())   # map 0 does not see input map 2
        True
    """

    def __init__(self, table: Sequence[Sequence[int]], kernel_size: int | Pair, *,
                 generator: np.random.Generator | None = None) -> None:  # fmt: skip
        super().__init__()
        self.table = _table("PartialConv2d", table)
        if not self.table:
            raise ValueError("PartialConv2d: the table needs at least one output map")
        self.in_channels = max(max(maps) for maps in self.table) + 1
        self.maps = nn.ModuleList([nn.Conv2d(len(maps), 1, kernel_size, generator=generator) for maps in self.table])

    def full_weight(self, channels: int) -> Tensor:
        """The ``(C_out, channels, kH, kW)`` kernel of the one convolution: map ``m``'s weights at its input maps,
        zeros elsewhere, gathered from the maps' weights laid end to end (differentiable: a ``Getitem``)."""
        weights = [conv.weight for conv in self.maps]  # (1, len(table[m]), kH, kW) each
        kernel = weights[0].shape[2:]
        index = connection_index(self.table, self.maps[0].kernel_size, channels)
        unseen = index.shape[0] * index.shape[1] - sum(w.shape[1] for w in weights)  # (map, input map) pairs left out
        zeros = Tensor(np.zeros((1, unseen, *kernel), dtype=weights[0].dtype))
        side_by_side = cat(weights + [zeros], dim=1)  # (1, Σ len(table[m]) + unseen, kH, kW): map 0's kernels, then 1's
        compact = side_by_side.reshape(-1)  # -> (C_out·C·kH·kW,): the weights laid end to end, then the zeros
        return compact[index]  # -> (C_out, C, kH, kW), each entry read once (its gradient a plain scatter)

    def forward(self, x: Tensor) -> Tensor:
        channels = x.shape[-3] if x.ndim in (3, 4) else self.in_channels  # conv2d names any other shape
        if channels < self.in_channels:
            raise ValueError(f"PartialConv2d: input of shape {x.shape} has {channels} maps, but its table reads "
                             f"map {self.in_channels - 1}")  # fmt: skip
        bias = cat([conv.bias for conv in self.maps])  # (C_out,): one bias per map
        return F.conv2d(x, self.full_weight(channels), bias)  # (N, C, H, W) -> (N, C_out, H', W')

    def extra_repr(self) -> str:
        return f"{self.in_channels}→{len(self.table)}, {'×'.join(map(str, self.maps[0].kernel_size))}"


@functools.lru_cache(maxsize=64)
def connection_index(table: tuple[tuple[int, ...], ...], kernel: tuple[int, ...], channels: int) -> np.ndarray:
    """For each entry of a partially connected conv's full ``(C_out, channels, *kernel)`` kernel, its position in
    the maps' weights laid end to end (map 0's ``(len(table[0]), *kernel)`` flattened, then map 1's, ...) followed
    by zeros, one for each entry where map ``m`` does not see input map ``c``: every position is read once, so
    the gather's gradient is a plain scatter. Read-only, cached.

    Examples:
        >>> connection_index(((1,), (0, 1)), (1,), 2)[:, :, 0]   # map 0 sees input map 1; map 1 sees both
        array([[3, 0],
               [1, 2]])
    """
    taps = math.prod(kernel)
    seen = np.zeros((len(table), channels), dtype=bool)
    index = np.empty((len(table), channels, taps), dtype=np.intp)  # (C_out, C, Πk)
    start = 0
    for m, maps in enumerate(table):
        index[m, list(maps)] = start + np.arange(len(maps) * taps).reshape(len(maps), taps)  # map m's block
        seen[m, list(maps)] = True
        start += len(maps) * taps
    unseen = int((~seen).sum()) * taps
    index[~seen] = start + np.arange(unseen).reshape(-1, taps)  # the zeros after the weights, each once
    index = index.reshape(len(table), channels, *kernel)  # (C_out, C, Πk) -> (C_out, C, *k)
    index.flags.writeable = False
    return index


class RBF(nn.Module):
    """LeNet-5's output layer: unit ``i`` computes Σⱼ (xⱼ − wᵢⱼ)², a Euclidean radial basis function (no bias).
    The weights are ±1 and fixed, as in the paper: a buffer (saved in the state dict, never trained)."""

    def __init__(self, in_features: int, out_features: int, *, generator: np.random.Generator | None = None):
        super().__init__()
        self.in_features, self.out_features = int(in_features), int(out_features)
        rng = generator if generator is not None else np.random.default_rng(0)
        self.register_buffer("weight", Tensor(rng.choice([-1.0, 1.0], (out_features, in_features)).astype(np.float32)))

    def forward(self, x: Tensor) -> Tensor:
        difference = x.unsqueeze(1) - self.weight  # (N, 1, in) - (out, in) -> (N, out, in)
        return (difference * difference).sum(-1)  # -> (N, out)

    def extra_repr(self) -> str:
        return f"{self.in_features}, {self.out_features}"


# ---- real models ---------------------------------------------------------------------------------------------
def build(model: Architecture | Sequence[Layer], input_shape: Sequence[int] | None = None, *,
          generator: np.random.Generator | None = None) -> nn.Sequential:  # fmt: skip
    """A real ``nn.Sequential`` for the layers (named after them; a ``Flatten`` before the first dense layer).

    This allocates every weight: fine for LeNet-5, not for VGG-16 (553 MB of float32); count those with
    :func:`output_shapes` and ``derivations.summary`` instead.
    """
    layers, input_shape = _layers_and_input(model, input_shape)
    shapes = output_shapes(layers, input_shape)
    modules: OrderedDict[str, nn.Module] = OrderedDict()
    shape = tuple(input_shape)
    for number, (layer, out_shape) in enumerate(zip(layers, shapes)):
        name = layer.name or f"{layer.kind}{number}"
        if layer.kind in ("dense", "rbf") and len(shape) > 1:
            modules[f"{name}_flatten"] = nn.Flatten()
        modules[name] = _module(layer, shape, generator)
        if layer.activation:
            modules[f"{name}_{layer.activation}"] = ACTIVATIONS[layer.activation]()
        shape = out_shape
    return nn.Sequential(modules)


def _layers_and_input(model: Architecture | Sequence[Layer], input_shape: Sequence[int] | None):
    if isinstance(model, Architecture):
        return model.layers, tuple(input_shape or model.input_shape)
    if input_shape is None:
        raise ValueError("an input shape C×H×W is needed for a list of layers")
    return tuple(model), tuple(input_shape)


def _module(layer: Layer, shape: tuple[int, ...], generator: np.random.Generator | None) -> nn.Module:
    channels, one_d = shape[0], len(shape) == 2  # a signal C×L takes the 1-D layers
    if layer.kind == "conv" and layer.table:
        return PartialConv2d(layer.table, layer.kernel, generator=generator)
    if layer.kind == "conv":
        conv = nn.Conv1d if one_d else nn.Conv2d
        return conv(channels, layer.out, layer.kernel, layer.stride, layer.padding, layer.dilation, layer.groups,
                    layer.bias, layer.padding_mode, generator=generator)  # fmt: skip
    if layer.kind == "subsample":
        return Subsampling(channels, layer.kernel[0], generator=generator)
    if layer.kind == "maxpool":
        pool = nn.MaxPool1d if one_d else nn.MaxPool2d
        return pool(layer.kernel, layer.stride, layer.padding, layer.dilation, ceil_mode=layer.ceil_mode)
    if layer.kind == "avgpool":
        pool = nn.AvgPool1d if one_d else nn.AvgPool2d
        return pool(layer.kernel, layer.stride, layer.padding, ceil_mode=layer.ceil_mode)
    if layer.kind == "adaptive_avg":
        return (nn.AdaptiveAvgPool1d if one_d else nn.AdaptiveAvgPool2d)(layer.kernel)
    if layer.kind == "batchnorm":
        return (nn.BatchNorm1d if one_d else nn.BatchNorm2d)(channels)
    if layer.kind == "rbf":
        return RBF(math.prod(shape), layer.out, generator=generator)
    return nn.Linear(math.prod(shape), layer.out, layer.bias, generator=generator)


def thinned(architecture: Architecture, divisor: int) -> Architecture:
    """The same layers with every channel and hidden-unit count divided by ``divisor`` (the class count
    kept): the same output sizes, for checking shapes with a real forward pass at a fraction of the cost."""
    layers = []
    for layer in architecture.layers:
        last = layer is architecture.layers[-1]
        out = layer.out if last or not layer.out else max(layer.groups, layer.out // divisor)
        layers.append(dataclasses.replace(layer, out=out, inputs=0))
    return dataclasses.replace(architecture, name=f"{architecture.name}/{divisor}", layers=tuple(layers))


# ---- from engine modules -------------------------------------------------------------------------------------
# ---- layers as JSON, in and out of checkpoints ----------------------------------------------------------------
MAX_LAYERS = 10_000  # a checkpoint's architecture may list at most this many layers
_LAYER_FIELDS = {f.name for f in dataclasses.fields(Layer)}


def layer_to_dict(layer: Layer) -> dict:
    """A :class:`Layer` as JSON-able data (tuples as lists), the form checkpoints store.

    Examples:
        >>> layer_to_dict(Layer.conv("C1", 6, 5))["kernel"], layer_from_dict(layer_to_dict(Layer.conv("C1", 6, 5)))
        ([5, 5], Layer(kind='conv', name='C1', out=6, kernel=(5, 5), stride=(1, 1), padding=(0, 0), dilation=(1, 1), \
groups=1, table=(), inputs=0, bias=True, activation='', ceil_mode=False, fixed=False, padding_mode='zeros'))
    """
    return {key: list(map(list, value)) if key == "table" else list(value) if isinstance(value, tuple) else value
            for key, value in dataclasses.asdict(layer).items()}  # fmt: skip


def layer_from_dict(entry: Mapping[str, object]) -> Layer:
    """A :class:`Layer` from a checkpoint's JSON (``{"kind": "conv", "out": 8, "kernel": 3, ...}``); every field
    is checked by :class:`Layer` itself (sizes, flags, names), so a crafted file gets one clear error.

    Examples:
        >>> layer_from_dict({"kind": "conv", "out": 8, "kernel": 3}).kernel
        (3, 3)
        >>> layer_from_dict({"kind": "conv", "out": 8, "kernel": 3, "stride": 0})
        Traceback (most recent call last):
        ...
        ValueError: Layer '' (conv): stride must be a positive integer or a tuple of 2 of them, got 0
    """
    if not isinstance(entry, Mapping) or "kind" not in entry:
        raise ValueError(f"a layer must be a dict with a 'kind', got {shown(entry)}")
    unknown = set(entry) - _LAYER_FIELDS
    if unknown:
        raise ValueError(f"layer {shown(entry.get('name', entry['kind']))}: unknown keys {shown(sorted(unknown))}; "
                         f"known: {', '.join(sorted(_LAYER_FIELDS))}")  # fmt: skip
    return Layer(**dict(entry))


def architecture_from_metadata(metadata: object, where: str, input_shape: Sequence[int] | None = None
                               ) -> tuple[Architecture | list[Layer], tuple[int, ...], str]:  # fmt: skip
    """The architecture a checkpoint's metadata names: ``(spec, input_shape, title)``. ``architecture`` is the name
    of a registered one, or a list of layer dicts with an ``input_shape`` (``C×L`` or ``C×H×W``); ``input_shape``
    given here wins. Nothing is trusted: sizes, names and the number of layers are checked.

    Examples:
        >>> architecture_from_metadata({"architecture": "tiny_cnn"}, "model.npz")[1]
        (1, 8, 8)
        >>> architecture_from_metadata({}, "model.npz")
        Traceback (most recent call last):
        ...
        ValueError: model.npz: no 'architecture' in its metadata (a name, or a list of layers with an 'input_shape')
    """
    architecture = metadata.get("architecture") if isinstance(metadata, Mapping) else None
    if architecture is None:
        raise ValueError(f"{where}: no 'architecture' in its metadata (a name, or a list of layers with an "
                         "'input_shape')")  # fmt: skip
    if isinstance(architecture, str):
        if architecture not in ARCHITECTURES:
            raise ValueError(f"{where}: unknown model: the architecture name {shown(architecture)} in its metadata "
                             f"is none of {', '.join(ARCHITECTURES)}")  # fmt: skip
        known = ARCHITECTURES[architecture]
        return known, tuple(input_shape or known.input_shape), known.title
    if not isinstance(architecture, list) or not 0 < len(architecture) <= MAX_LAYERS:
        raise ValueError(f"{where}: metadata 'architecture' must be a name or a list of layers (1 to {MAX_LAYERS:,})")
    shape = input_shape if input_shape is not None else metadata.get("input_shape")
    if shape is None:
        raise ValueError(f"{where}: the metadata lists layers but no 'input_shape'; give the input shape")
    if not isinstance(shape, (list, tuple)) or len(shape) not in (2, 3) or not all(
        is_int(n) and 1 <= n <= MAX_SIZE for n in shape
    ):
        raise ValueError(f"{where}: 'input_shape' must be 2 or 3 positive integers (C×L or C×H×W), got {shown(shape)}")
    return [layer_from_dict(entry) for entry in architecture], tuple(int(n) for n in shape), f"model from {where}"


def from_module(model: nn.Module) -> list[Layer]:
    """The layer specs of an ``nn.Sequential`` of engine layers (nested Sequentials are walked; activations
    join the layer before them; ``Flatten``, ``Dropout`` and ``Identity`` change no count and are skipped)."""
    if not isinstance(model, nn.Sequential):
        raise ValueError(f"only an nn.Sequential (a chain of layers) can be described, got {type(model).__name__}")
    layers: list[Layer] = []
    for name, module in _chain(model, ""):
        activation = next((key for key, kind in ACTIVATIONS.items() if kind and type(module) is kind), None)
        if activation is not None:
            if not layers or layers[-1].activation:
                raise ValueError(f"{name}: an activation must follow a layer with no activation yet")
            layers[-1] = dataclasses.replace(layers[-1], activation=activation)
        elif not isinstance(module, (nn.Flatten, nn.Dropout, nn.Identity)):
            layers.append(_spec(name, module))
    return layers


def _chain(module: nn.Sequential, prefix: str):
    for name, child in module.named_children():
        full = f"{prefix}{name}"
        if isinstance(child, nn.Sequential):
            yield from _chain(child, f"{full}.")
        else:
            yield full, child


def _spec(name: str, module: nn.Module) -> Layer:
    if isinstance(module, (nn.Conv1d, nn.Conv2d)):
        padding = module.padding
        if isinstance(padding, str):
            if padding == "same" and any(d * (k - 1) % 2 for k, d in zip(module.kernel_size, module.dilation)):
                raise ValueError(f"{name}: padding='same' with an even kernel pads unevenly; not described")
            padding = (0,) * module.dims if padding == "valid" else tuple(
                d * (k - 1) // 2 for k, d in zip(module.kernel_size, module.dilation))  # fmt: skip
        return Layer.conv(name, module.out_channels, module.kernel_size, module.stride, padding,
                          groups=module.groups, dilation=module.dilation, bias=module.bias is not None,
                          inputs=module.in_channels, padding_mode=module.padding_mode)  # fmt: skip
    if isinstance(module, PartialConv2d):
        return Layer.conv(name, len(module.table), module.maps[0].kernel_size, table=module.table)
    if isinstance(module, nn.Linear):
        return Layer.dense(name, module.in_features, module.out_features, bias=module.bias is not None)
    if isinstance(module, RBF):
        return Layer("rbf", name, module.out_features, inputs=module.in_features, bias=False, fixed=True)
    if isinstance(module, Subsampling):
        return Layer("subsample", name, 0, _pair(module.kernel_size), _pair(module.kernel_size))
    if isinstance(module, (nn.MaxPool1d, nn.MaxPool2d)):
        return dataclasses.replace(Layer.pool("maxpool", name, module.kernel_size, module.stride, module.padding,
                                              ceil_mode=module.ceil_mode), dilation=module.dilation)  # fmt: skip
    if isinstance(module, (nn.AvgPool1d, nn.AvgPool2d)):
        return Layer.pool(
            "avgpool", name, module.kernel_size, module.stride, module.padding, ceil_mode=module.ceil_mode
        )
    if isinstance(module, (nn.AdaptiveAvgPool1d, nn.AdaptiveAvgPool2d)):
        return Layer("adaptive_avg", name, 0, _pair(module.output_size))
    if isinstance(module, (nn.BatchNorm1d, nn.BatchNorm2d)):
        return Layer("batchnorm", name, inputs=module.num_features, bias=module.bias is not None)
    raise ValueError(f"{name}: cannot describe a {type(module).__name__} layer (no formula for it)")
