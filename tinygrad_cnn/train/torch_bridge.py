"""Leaving for PyTorch, and coming back: :func:`to_torch` turns a model built from this library's layers into
the equivalent ``torch.nn`` module with the same weights; :func:`from_torch` goes the other way.

Our layers take PyTorch's arguments and keep PyTorch's state-dict keys, so each layer maps to its namesake
and the weights are copied key by key (``load_state_dict(strict=True)`` on both sides). LeNet-5's three
layers that PyTorch lacks (:class:`~tinygrad_cnn.models.Subsampling`, ``PartialConv2d``, ``RBF``, ``ScaledTanh``) map to
small ``torch.nn.Module`` classes defined here with the same parameters and the same forward. Models are
translated as chains of layers (``nn.Sequential``, nested or not, and ``nn.ModuleList``); a custom module
with its own ``forward`` cannot be translated automatically and is refused by name.

PyTorch stays optional: it is imported only when these functions run, with a clear error when it is absent.

Examples:
    >>> from tinygrad_cnn import nn
    >>> model = nn.Sequential(nn.Conv2d(1, 4, 3), nn.ReLU(), nn.Flatten(), nn.Linear(4 * 6 * 6, 10))
    >>> theirs = to_torch(model)                                     # doctest: +SKIP
    >>> type(theirs[0]).__name__, from_torch(theirs)[3].out_features  # doctest: +SKIP
    ('Conv2d', 10)
"""

from __future__ import annotations

import functools
from collections import OrderedDict
from typing import Any

import numpy as np

from .. import nn
from ..engine.tensor import Tensor
from ..models.architectures import RBF, PartialConv2d, ScaledTanh, Subsampling, connection_index

__all__ = ["to_torch", "from_torch"]

_SAME_NAME = ("ReLU", "Tanh", "Sigmoid", "Identity")
_CONVS = ("Conv1d", "Conv2d", "Conv3d")
_TRANSPOSED = ("ConvTranspose1d", "ConvTranspose2d", "ConvTranspose3d")
_MAX_POOLS = ("MaxPool1d", "MaxPool2d", "MaxPool3d")
_AVG_POOLS = ("AvgPool1d", "AvgPool2d", "AvgPool3d")
_ADAPTIVE = ("AdaptiveAvgPool1d", "AdaptiveAvgPool2d", "AdaptiveAvgPool3d")
_NORMS = ("BatchNorm1d", "BatchNorm2d", "BatchNorm3d")


def _torch() -> Any:
    try:
        import torch
    except ImportError:
        raise ImportError(
            "to_torch/from_torch need PyTorch, which is not installed: pip install torch "
            "(the rest of tinygrad_cnn works without it)"
        ) from None
    return torch


@functools.cache
def _lenet_layers() -> dict[str, type]:
    """PyTorch versions of LeNet-5's own layers, with our parameter names and shapes."""
    torch = _torch()

    class TorchSubsampling(torch.nn.Module):
        """LeNet-5's S layer: k×k window sums times one coefficient per map, plus one bias per map."""

        def __init__(self, channels: int, kernel_size: int = 2) -> None:
            super().__init__()
            self.channels, self.kernel_size = channels, kernel_size
            self.weight = torch.nn.Parameter(torch.empty(channels))
            self.bias = torch.nn.Parameter(torch.empty(channels))

        def forward(self, x):
            sums = torch.nn.functional.avg_pool2d(x, self.kernel_size) * self.kernel_size**2
            return sums * self.weight.view(1, -1, 1, 1) + self.bias.view(1, -1, 1, 1)

    class TorchPartialConv2d(torch.nn.Module):
        """LeNet-5's C3: output map m convolves only the input maps table[m]; computed as ours is, one convolution
        with the maps' weights gathered into a full kernel (zeros where a map does not look)."""

        def __init__(self, table, kernel_size) -> None:
            super().__init__()
            self.table = tuple(tuple(maps) for maps in table)
            self.maps = torch.nn.ModuleList(torch.nn.Conv2d(len(maps), 1, kernel_size) for maps in self.table)

        def forward(self, x):
            index = connection_index(self.table, tuple(self.maps[0].kernel_size), x.shape[-3])
            weights = [conv.weight.reshape(-1) for conv in self.maps]
            zeros = weights[0].new_zeros(index.size - sum(w.numel() for w in weights))
            compact = torch.cat([*weights, zeros])
            bias = torch.cat([conv.bias for conv in self.maps])
            return torch.nn.functional.conv2d(x, compact[torch.from_numpy(np.array(index))], bias)

    class TorchRBF(torch.nn.Module):
        """LeNet-5's output: unit i computes Σⱼ (xⱼ − wᵢⱼ)², with fixed weights (a buffer, as ours)."""

        def __init__(self, in_features: int, out_features: int) -> None:
            super().__init__()
            self.in_features, self.out_features = in_features, out_features
            self.register_buffer("weight", torch.empty(out_features, in_features))

        def forward(self, x):
            return ((x.unsqueeze(1) - self.weight) ** 2).sum(-1)

    class TorchScaledTanh(torch.nn.Module):
        """LeNet-5's squashing function A·tanh(S·a)."""

        def __init__(self, amplitude: float, slope: float) -> None:
            super().__init__()
            self.amplitude, self.slope = amplitude, slope

        def forward(self, x):
            return torch.tanh(x * self.slope) * self.amplitude

    return {"Subsampling": TorchSubsampling, "PartialConv2d": TorchPartialConv2d, "RBF": TorchRBF,
            "ScaledTanh": TorchScaledTanh}  # fmt: skip


# ---- ours -> torch -------------------------------------------------------------------------------------------
def to_torch(model: nn.Module) -> Any:
    """The ``torch.nn`` module equivalent to ``model``, with copies of its weights and buffers, in the same
    training/evaluation mode and dtype."""
    torch = _torch()
    theirs = _translate_ours(model, "model", torch)
    state = {key: torch.from_numpy(np.array(value.data, copy=True)) for key, value in model.state_dict().items()}
    dtypes = {value.dtype for key, value in state.items() if value.is_floating_point()}
    if len(dtypes) == 1:
        theirs = theirs.to(dtypes.pop())
    theirs.load_state_dict(state, strict=True)
    return theirs.train(model.training)


def _translate_ours(module: nn.Module, path: str, torch: Any) -> Any:
    def children(ours: nn.Module) -> list | None:
        return list(ours.named_children()) if isinstance(ours, (nn.Sequential, nn.ModuleList)) else None

    def container(ours: nn.Module, items: OrderedDict) -> Any:
        if isinstance(ours, nn.Sequential):
            return torch.nn.Sequential(items)
        return torch.nn.ModuleList(items.values())

    return _translate(module, path, children, container, lambda ours, where: _leaf_to_torch(ours, where, torch))


def _translate(module: Any, path: str, children: Any, container: Any, leaf: Any) -> Any:
    """Rebuild a tree of containers and leaves with ``leaf(module, path)`` for each leaf and
    ``container(module, OrderedDict of translated children)`` for each container, iteratively."""
    root: dict[str, Any] = {"": None}
    stack = [(module, path, root, "")]  # (module, its path, the slots of its parent, its slot)
    pending = []  # containers, built once their children are: deepest last in this list
    while stack:
        node, where, slots, name = stack.pop()
        named = children(node)
        if named is None:
            slots[name] = leaf(node, where)
            continue
        own: OrderedDict[str, Any] = OrderedDict((child_name, None) for child_name, _ in named)  # keeps the order
        pending.append((node, own, slots, name))
        stack.extend((child, f"{where}.{child_name}", own, child_name) for child_name, child in reversed(named))
    for node, own, slots, name in reversed(pending):
        slots[name] = container(node, own)
    return root[""]


def _leaf_to_torch(ours: nn.Module, where: str, torch: Any) -> Any:
    kind, tnn = type(ours).__name__, torch.nn
    if kind in _SAME_NAME and type(ours) is getattr(nn, kind):
        return getattr(tnn, kind)()
    if isinstance(ours, (nn.Softmax,)):  # LogSoftmax is a Softmax here
        return getattr(tnn, kind)(dim=ours.dim)
    if isinstance(ours, nn.Flatten):
        return tnn.Flatten(ours.start_dim, ours.end_dim)
    if isinstance(ours, nn.Dropout):
        return tnn.Dropout(ours.p)
    if isinstance(ours, nn.Linear):
        return tnn.Linear(ours.in_features, ours.out_features, bias=ours.bias is not None)
    if kind in _CONVS:
        return getattr(tnn, kind)(ours.in_channels, ours.out_channels, ours.kernel_size, ours.stride, ours.padding,
                                  ours.dilation, ours.groups, ours.bias is not None, ours.padding_mode)  # fmt: skip
    if kind in _TRANSPOSED:
        return getattr(tnn, kind)(ours.in_channels, ours.out_channels, ours.kernel_size, ours.stride, ours.padding,
                                  ours.output_padding, ours.groups, ours.bias is not None, ours.dilation)  # fmt: skip
    if kind in _MAX_POOLS:
        return getattr(tnn, kind)(ours.kernel_size, ours.stride, ours.padding, ours.dilation, ours.return_indices,
                                  ours.ceil_mode)  # fmt: skip
    if kind in _AVG_POOLS:
        return getattr(tnn, kind)(ours.kernel_size, ours.stride, ours.padding, ours.ceil_mode, ours.count_include_pad)
    if kind in _ADAPTIVE:
        return getattr(tnn, kind)(ours.output_size)
    if kind in _NORMS:
        if ours.affine and ours.bias is None:
            raise ValueError(f"to_torch: {where} ({kind} with bias=False) has no PyTorch equivalent")
        return getattr(tnn, kind)(ours.num_features, ours.eps, ours.momentum, ours.affine, ours.track_running_stats)
    lenet = _lenet_layers()
    if isinstance(ours, Subsampling):
        return lenet["Subsampling"](ours.channels, ours.kernel_size)
    if isinstance(ours, PartialConv2d):
        return lenet["PartialConv2d"](ours.table, ours.maps[0].kernel_size)
    if isinstance(ours, RBF):
        return lenet["RBF"](ours.in_features, ours.out_features)
    if isinstance(ours, ScaledTanh):
        return lenet["ScaledTanh"](ours.amplitude, ours.slope)
    raise ValueError(
        f"to_torch: {where} is a {kind}, which has no PyTorch translation here; translate chains of layers "
        "(nn.Sequential) built from tinygrad_cnn's layers, or port a custom forward by hand"
    )


# ---- torch -> ours -------------------------------------------------------------------------------------------
def from_torch(module: Any) -> nn.Module:
    """Our module equivalent to the ``torch.nn`` module ``module``, with copies of its weights and buffers."""
    torch = _torch()
    if not isinstance(module, torch.nn.Module):
        raise TypeError(f"from_torch: expected a torch.nn.Module, got {type(module).__name__}")
    ours = _translate_theirs(module, "module", torch)
    state = {key: Tensor(value.detach().cpu().numpy().copy()) for key, value in module.state_dict().items()}
    dtypes = {value.dtype.name for value in state.values() if value.dtype.kind == "f"}
    if dtypes - {"float32"}:
        raise ValueError(f"from_torch: only float32 weights are translated, got {', '.join(sorted(dtypes))} "
                         "(module.float() converts them)")  # fmt: skip
    ours.load_state_dict(state, strict=True)
    return ours.train(module.training)


def _translate_theirs(module: Any, path: str, torch: Any) -> nn.Module:
    def children(theirs: Any) -> list | None:
        return list(theirs.named_children()) if type(theirs) in (torch.nn.Sequential, torch.nn.ModuleList) else None

    def container(theirs: Any, items: OrderedDict) -> nn.Module:
        return nn.Sequential(items) if type(theirs) is torch.nn.Sequential else nn.ModuleList(items.values())

    return _translate(module, path, children, container, lambda theirs, where: _leaf_from_torch(theirs, where, torch))


def _leaf_from_torch(theirs: Any, where: str, torch: Any) -> nn.Module:
    kind, tnn = type(theirs).__name__, torch.nn
    native = getattr(tnn, kind, None) is type(theirs)
    if native and kind in _SAME_NAME:
        return getattr(nn, kind)()
    if native and kind in ("Softmax", "LogSoftmax"):
        return getattr(nn, kind)(dim=theirs.dim)
    if native and kind == "Flatten":
        return nn.Flatten(theirs.start_dim, theirs.end_dim)
    if native and kind == "Dropout":
        return nn.Dropout(theirs.p)
    if native and kind == "Linear":
        return nn.Linear(theirs.in_features, theirs.out_features, theirs.bias is not None)
    if native and kind in _CONVS:
        return getattr(nn, kind)(theirs.in_channels, theirs.out_channels, theirs.kernel_size, theirs.stride,
                                 theirs.padding, theirs.dilation, theirs.groups, theirs.bias is not None,
                                 theirs.padding_mode)  # fmt: skip
    if native and kind in _TRANSPOSED:
        return getattr(nn, kind)(theirs.in_channels, theirs.out_channels, theirs.kernel_size, theirs.stride,
                                 theirs.padding, theirs.output_padding, theirs.groups, theirs.bias is not None,
                                 theirs.dilation)  # fmt: skip
    if native and kind in _MAX_POOLS:
        return getattr(nn, kind)(theirs.kernel_size, theirs.stride, theirs.padding, theirs.dilation,
                                 theirs.return_indices, theirs.ceil_mode)  # fmt: skip
    if native and kind in _AVG_POOLS:
        return getattr(nn, kind)(theirs.kernel_size, theirs.stride, theirs.padding, theirs.ceil_mode,
                                 theirs.count_include_pad)  # fmt: skip
    if native and kind in _ADAPTIVE:
        return getattr(nn, kind)(theirs.output_size)
    if native and kind in _NORMS:
        return getattr(nn, kind)(theirs.num_features, theirs.eps, theirs.momentum, theirs.affine,
                                 theirs.track_running_stats)  # fmt: skip
    lenet = _lenet_layers()
    if type(theirs) is lenet["Subsampling"]:
        return Subsampling(theirs.channels, theirs.kernel_size)
    if type(theirs) is lenet["PartialConv2d"]:
        return PartialConv2d(theirs.table, theirs.maps[0].kernel_size)
    if type(theirs) is lenet["RBF"]:
        return RBF(theirs.in_features, theirs.out_features)
    if type(theirs) is lenet["ScaledTanh"]:
        return ScaledTanh(theirs.amplitude, theirs.slope)
    raise ValueError(
        f"from_torch: {where} is a {type(theirs).__module__}.{kind}, which has no tinygrad_cnn translation here; "
        "translate chains (torch.nn.Sequential) of the layers tinygrad_cnn.nn has"
    )
