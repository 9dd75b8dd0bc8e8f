"""A neuron of scalar Values, its gradients, and its computation graph (micrograd's first example).

Run: python examples/01_value_neuron.py [--out DIR]     (writes DIR/neuron.svg; DIR defaults to example-output)
"""

import argparse
from pathlib import Path

from tinygrad_cnn import Value
from tinygrad_cnn.graphs import draw

parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
parser.add_argument("--out", default="example-output", help="folder for the picture")
out = Path(parser.parse_args().out)
out.mkdir(parents=True, exist_ok=True)

# Inputs, weights and a bias: every number is a Value that remembers how it was made.
x1, x2 = Value(2.0, label="x1"), Value(0.0, label="x2")
w1, w2 = Value(-3.0, label="w1"), Value(1.0, label="w2")
b = Value(6.8813735870195432, label="b")

# The neuron: a weighted sum, then tanh.
n = x1 * w1 + x2 * w2 + b
o = n.tanh()

# backward() walks the graph from o to the leaves, applying the chain rule at every op.
o.backward()
print(f"o = {o.data:.4f}")
for v in (x1, w1, x2, w2, b):
    print(f"  d o / d {v.label} = {v.grad:+.4f}")   # d o/d w1 = x1·(1 − o²) = 2·0.5 = 1.0

# The same graph, drawn by Graphviz: one record per Value (data, grad), one node per op.
path = draw(o, out / "neuron.svg", names=locals())
print(f"graph: {path}")
