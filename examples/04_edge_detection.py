"""Edge detection: Sobel's kernel applied to an image, then the same kernel learned by one 3×3 convolution.

Run: python examples/04_edge_detection.py [--epochs 20] [--out DIR]     (writes DIR/learned_kernel.png/.svg)
"""

import argparse
from pathlib import Path

import numpy as np

import tinygrad_cnn.functional as F
from tinygrad_cnn import Tensor, manual_seed
from tinygrad_cnn.conv.kernels import SOBEL_X
from tinygrad_cnn.data import load_edges
from tinygrad_cnn.models import ARCHITECTURES, build
from tinygrad_cnn.train import fit, plots
from tinygrad_cnn.train.recipes import EDGES

parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
parser.add_argument("--epochs", type=int, default=20)
parser.add_argument("--out", default="example-output")
args = parser.parse_args()
out = Path(args.out)
out.mkdir(parents=True, exist_ok=True)

# A step from dark to bright: Sobel's kernel answers -4 along the edge and 0 where the image is flat.
step = np.zeros((1, 1, 5, 6))
step[..., 3:] = 1.0
print(F.conv2d(Tensor(step), Tensor(SOBEL_X[None, None])).numpy()[0, 0])

# Learn it: images of shapes, targets their Sobel edge maps, one bias-free 3x3 conv fit by mean squared error.
data = load_edges(seed=0)
manual_seed(0)
model = build(ARCHITECTURES["edges_conv"], generator=np.random.default_rng(0))
optimizer = EDGES.recipe.optimizer(model)                       # Adam, lr 0.05
fit(model, data.train, data.val, optimizer=optimizer, epochs=args.epochs, batch_size=EDGES.recipe.batch_size)
learned = plots.first_conv(model)[1].weight.numpy()[0, 0]
print("learned kernel:\n", np.round(learned, 3))
print(f"max |learned - Sobel| = {np.abs(learned - SOBEL_X).max():.4f}")
print("pictures:", *plots.plot_kernels(learned, SOBEL_X, out / "learned_kernel"))
