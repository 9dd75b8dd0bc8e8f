"""A micrograd-style MLP, built from scalar Values only, learns to separate two noisy half-moons.

Run: python examples/02_micrograd_mlp.py [--steps 30]
"""

import argparse
import math
import random

from tinygrad_cnn import Value

parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
parser.add_argument("--steps", type=int, default=30, help="gradient-descent steps")
steps = parser.parse_args().steps
random.seed(0)


def moons(n):
    """n points of two interleaved half-circles, labelled -1 and +1."""
    points = []
    for i in range(n):
        t = math.pi * random.random()
        if i % 2:
            points.append(((math.cos(t) + random.gauss(0, 0.1), math.sin(t) + random.gauss(0, 0.1)), -1.0))
        else:
            points.append(((1 - math.cos(t) + random.gauss(0, 0.1), 0.5 - math.sin(t) + random.gauss(0, 0.1)), 1.0))
    return points


class Neuron:
    def __init__(self, inputs, linear=False):
        self.w = [Value(random.uniform(-1, 1)) for _ in range(inputs)]
        self.b = Value(0.0)
        self.linear = linear

    def __call__(self, x):
        act = sum((wi * xi for wi, xi in zip(self.w, x)), self.b)
        return act if self.linear else act.tanh()

    def parameters(self):
        return self.w + [self.b]


class MLP:
    """2 → 8 → 8 → 1: three layers of Neurons; every parameter is a Value."""

    def __init__(self, sizes):
        self.layers = [[Neuron(a, linear=(i == len(sizes) - 2)) for _ in range(b)]
                       for i, (a, b) in enumerate(zip(sizes, sizes[1:]))]

    def __call__(self, x):
        for layer in self.layers:
            x = [neuron(x) for neuron in layer]
        return x[0]

    def parameters(self):
        return [p for layer in self.layers for neuron in layer for p in neuron.parameters()]


data = moons(40)
model = MLP([2, 8, 8, 1])
print(f"{len(model.parameters())} parameters, {len(data)} points")
for step in range(steps):
    scores = [model(x) for x, _ in data]
    # max-margin (hinge) loss, as in micrograd's demo, plus a little L2 regularisation
    losses = [(1 + -y * s).relu() for (_, y), s in zip(data, scores)]
    loss = sum(losses, Value(0.0)) * (1.0 / len(data)) + 1e-4 * sum((p * p for p in model.parameters()), Value(0.0))
    for p in model.parameters():
        p.grad = 0.0
    loss.backward()
    rate = 1.0 - 0.9 * step / steps  # a decaying learning rate
    for p in model.parameters():
        p.data -= rate * p.grad
    accuracy = sum((s.data > 0) == (y > 0) for (_, y), s in zip(data, scores)) / len(data)
    if step % 10 == 0 or step == steps - 1:
        print(f"step {step:3d}: loss {loss.data:.4f}, accuracy {accuracy:.0%}")
