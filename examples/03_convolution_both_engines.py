"""Convolution as shared local sums, in both engines: the scalar Value engine adds up windows literally, the
tensor engine cuts the windows out (locality) and multiplies them by one weight matrix (sharing).

Run: python examples/03_convolution_both_engines.py
"""

import numpy as np

import tinygrad_cnn.functional as F
from tinygrad_cnn import Tensor
from tinygrad_cnn.conv.value_conv import conv1d as value_conv1d
from tinygrad_cnn.conv.value_conv import to_numbers, to_values

rng = np.random.default_rng(0)
x = rng.standard_normal((1, 2, 7))     # (N, C_in, L): one signal of 2 channels, 7 samples
w = rng.standard_normal((3, 2, 3))     # (C_out, C_in, k): 3 filters of 3 taps
b = rng.standard_normal(3)

# 1. Scalar engine: every output is b + Σ w·x over its window, with the same w at every position.
values = value_conv1d(to_values(x[0]), to_values(w), to_values(b))
scalar = to_numbers(values)                                    # (C_out, L_out)

# 2. Tensor engine, spelled out: windows (im2col) times one shared matrix.
windows = F.unfold(Tensor(x[..., None]), (3, 1))               # (1, C_in·k, L_out): one column per window
matrix = Tensor(w).reshape(3, -1)                              # (C_out, C_in, k) -> (C_out, C_in·k)
spelled = (matrix @ windows).numpy()[0] + b[:, None]           # (C_out, L_out)

# 3. Tensor engine, the library call.
library = F.conv1d(Tensor(x), Tensor(w), Tensor(b)).numpy()[0]

print(f"windows: {windows.shape[2]} of {windows.shape[1]} inputs each; one {matrix.shape} matrix for all")
print(f"max |scalar - windows·W| = {np.abs(scalar - spelled).max():.1e}")
print(f"max |scalar - F.conv1d|  = {np.abs(scalar - library).max():.1e}")

# Sharing in the gradient: w's gradient is a sum over every position where it was used.
weight = Tensor(w, requires_grad=True)
F.conv1d(Tensor(x), weight).sum().backward()
by_hand = sum(x[0, 0, j] for j in range(5))                    # tap 0 of channel 0 meets x[0], ..., x[4]
print(f"dL/dw[0,0,0]: tensor engine {weight.grad.numpy()[0, 0, 0]:.6f}, sum over positions {by_hand:.6f}")
