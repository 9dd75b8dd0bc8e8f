"""The models that ``tinygrad-cnn train`` trains, as named architectures (so a checkpoint's summary is the
full table): MNIST-1D's three from the paper, the digits CNN with an MLP of the same size and one ten times
bigger, and the single 3×3 convolution that learns Sobel's edge detector.

Examples:
    >>> from tinygrad_cnn.models import ARCHITECTURES, build
    >>> [build(ARCHITECTURES[name]).num_parameters() for name in ("mnist1d_cnn", "mnist1d_mlp", "mnist1d_logistic")]
    [5210, 15210, 410]
    >>> [build(ARCHITECTURES[name]).num_parameters() for name in ("digits_cnn", "digits_mlp", "digits_mlp10x")]
    [1370, 1360, 13660]
"""

from __future__ import annotations

from .architectures import Architecture, Layer

__all__ = ["TASK_ARCHITECTURES", "MNIST1D_CNN", "MNIST1D_MLP", "MNIST1D_LOGISTIC", "DIGITS_CNN", "DIGITS_MLP",
           "DIGITS_MLP10X", "EDGES_CONV"]  # fmt: skip

MNIST1D_SOURCE = (
    "S. Greydanus, 'Scaling down deep learning', arXiv:2011.14439 (2020): the models of its reference code"
)

MNIST1D_CNN = Architecture(
    "mnist1d_cnn", "MNIST-1D CNN (three conv1d layers of 25 channels)", (1, 40),
    (
        Layer.conv1d("conv1", 25, 5, 2, 1, activation="relu"),
        Layer.conv1d("conv2", 25, 3, 2, 1, activation="relu"),
        Layer.conv1d("conv3", 25, 3, 2, 1, activation="relu"),
        Layer.dense("fc", 125, 10),
    ),
    MNIST1D_SOURCE,
    {"parameters": 5210},
    ("Each conv about halves the signal (stride 2): 40 → 19 → 10 → 5 positions; a unit of the last conv "
     "sees 17 of the 40 samples, and the dense layer all of them.",),
)  # fmt: skip

MNIST1D_MLP = Architecture(
    "mnist1d_mlp", "MNIST-1D MLP 40→100→100→10", (1, 40),
    (
        Layer.dense("fc1", 40, 100, activation="relu"),
        Layer.dense("fc2", 100, 100, activation="relu"),
        Layer.dense("fc3", 100, 10),
    ),
    MNIST1D_SOURCE,
    {"parameters": 15210},
)  # fmt: skip

MNIST1D_LOGISTIC = Architecture(
    "mnist1d_logistic", "MNIST-1D logistic regression", (1, 40),
    (Layer.dense("fc", 40, 10),),
    MNIST1D_SOURCE,
    {"parameters": 410},
)  # fmt: skip

DIGITS_CNN = Architecture(
    "digits_cnn", "Digits CNN (conv 3×3, 8 maps, max-pool, linear)", (1, 8, 8),
    (
        Layer.conv("conv", 8, 3, 1, 1, activation="relu"),
        Layer.pool("maxpool", "pool", 2),
        Layer.dense("fc", 128, 10),
    ),
    "tinygrad_cnn: the 8×8 handwritten digits (UCI optical recognition of handwritten digits)",
    {"parameters": 1370},
    ("80 of its 1,370 parameters see the image: one 3×3 kernel per map, shared by all 64 positions.",),
)  # fmt: skip

DIGITS_MLP = Architecture(
    "digits_mlp", "Digits MLP 64→18→10 (the CNN's size)", (1, 8, 8),
    (Layer.dense("fc1", 64, 18, activation="relu"), Layer.dense("fc2", 18, 10)),
    "tinygrad_cnn: as many parameters as digits_cnn (1,360 against 1,370)",
    {"parameters": 1360},
)  # fmt: skip

DIGITS_MLP10X = Architecture(
    "digits_mlp10x", "Digits MLP 64→182→10 (ten times the CNN's size)", (1, 8, 8),
    (Layer.dense("fc1", 64, 182, activation="relu"), Layer.dense("fc2", 182, 10)),
    "tinygrad_cnn: ten times the parameters of digits_cnn (13,660 against 13,700)",
    {"parameters": 13660},
)  # fmt: skip

EDGES_CONV = Architecture(
    "edges_conv", "One 3×3 convolution (learns Sobel)", (1, 16, 16),
    (Layer.conv("conv", 1, 3, 1, 1, bias=False),),
    "tinygrad_cnn: regression onto Sobel edge maps recovers the kernel (tinygrad_cnn.conv.kernels.SOBEL_X)",
    {"parameters": 9},
)  # fmt: skip

TASK_ARCHITECTURES = (MNIST1D_CNN, MNIST1D_MLP, MNIST1D_LOGISTIC, DIGITS_CNN, DIGITS_MLP, DIGITS_MLP10X, EDGES_CONV)
