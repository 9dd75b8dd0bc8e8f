"""Summarise a model you wrote yourself: per layer its output shape, parameters with their formula,
connections, multiply-accumulates and receptive field, all from the derived formulas.

Run: python examples/09_summarize_your_model.py
"""

import numpy as np

from derivations.summary import format_table, summary
from tinygrad_cnn import Tensor, nn

rng = np.random.default_rng(0)
model = nn.Sequential(                           # your own CNN for 1×28×28 images
    nn.Conv2d(1, 8, 3, padding=1, generator=rng), nn.ReLU(), nn.MaxPool2d(2),
    nn.Conv2d(8, 16, 3, padding=1, generator=rng), nn.ReLU(), nn.MaxPool2d(2),
    nn.Flatten(), nn.Linear(16 * 7 * 7, 10, generator=rng),
)
table = summary(model, input_shape=(1, 28, 28))
print(format_table(table))
print(f"the engine counts {model.num_parameters():,} parameters; the table {table.params:,}")
print("a forward pass gives", model(Tensor(np.zeros((1, 1, 28, 28), np.float32))).shape)
