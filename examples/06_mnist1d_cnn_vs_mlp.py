"""MNIST-1D: a CNN against an MLP and logistic regression, on the signals and with their positions shuffled.

Shuffling keeps every value but destroys locality; the CNN needs it, the others never used it.
Run: python examples/06_mnist1d_cnn_vs_mlp.py [--steps 120]      (the paper trains 6,000 steps)
"""

import argparse

from tinygrad_cnn.train.runner import format_table, mnist1d_table

parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
parser.add_argument("--steps", type=int, default=120, help="Adam steps per model (batches of 100)")
steps = parser.parse_args().steps

table = mnist1d_table(seeds=(0,), steps=steps)   # six runs: 3 models × (signals, shuffled signals)
print(format_table(table))
