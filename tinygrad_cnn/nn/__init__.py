"""Layers and models: :class:`Module`, :class:`Parameter`, and PyTorch-named layers built on
:mod:`tinygrad_cnn.functional`.

Examples:
    >>> import numpy as np
    >>> from tinygrad_cnn import nn
    >>> model = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 2))
    >>> [(key, value.shape) for key, value in model.state_dict().items()]
    [('0.weight', (8, 4)), ('0.bias', (8,)), ('2.weight', (2, 8)), ('2.bias', (2,))]
"""

from . import init
from .activation import LogSoftmax, ReLU, Sigmoid, Softmax, Tanh
from .basic import Dropout, Flatten
from .conv import Conv1d, Conv2d, Conv3d, ConvTranspose1d, ConvTranspose2d, ConvTranspose3d
from .linear import Identity, Linear
from .loss import BCEWithLogitsLoss, CrossEntropyLoss, MSELoss, NLLLoss
from .module import IncompatibleKeys, Module, ModuleList, Parameter, Sequential
from .normalization import BatchNorm1d, BatchNorm2d, BatchNorm3d
from .pooling import (
    AdaptiveAvgPool1d,
    AdaptiveAvgPool2d,
    AdaptiveAvgPool3d,
    AvgPool1d,
    AvgPool2d,
    AvgPool3d,
    MaxPool1d,
    MaxPool2d,
    MaxPool3d,
)

__all__ = [
    "init", "Module", "Parameter", "Sequential", "ModuleList", "IncompatibleKeys",
    "Linear", "Identity", "Flatten", "Dropout",
    "Conv1d", "Conv2d", "Conv3d", "ConvTranspose1d", "ConvTranspose2d", "ConvTranspose3d",
    "MaxPool1d", "MaxPool2d", "MaxPool3d", "AvgPool1d", "AvgPool2d", "AvgPool3d",
    "AdaptiveAvgPool1d", "AdaptiveAvgPool2d", "AdaptiveAvgPool3d",
    "ReLU", "Tanh", "Sigmoid", "Softmax", "LogSoftmax",
    "BatchNorm1d", "BatchNorm2d", "BatchNorm3d",
    "CrossEntropyLoss", "NLLLoss", "MSELoss", "BCEWithLogitsLoss",
]  # fmt: skip
