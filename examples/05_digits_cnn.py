"""Train a 1,370-parameter CNN on the bundled 8×8 digits and look at what it learned.

Run: python examples/05_digits_cnn.py [--epochs 5] [--out DIR]   (curves, filters, feature maps, confusion)
"""

import argparse
from pathlib import Path

import numpy as np

from tinygrad_cnn import manual_seed
from tinygrad_cnn.data import load_digits
from tinygrad_cnn.models import ARCHITECTURES, build
from tinygrad_cnn.train import confusion_matrix, evaluate, fit, plots, predict
from tinygrad_cnn.train.recipes import DIGITS

parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
parser.add_argument("--epochs", type=int, default=5)
parser.add_argument("--out", default="example-output")
args = parser.parse_args()
out = Path(args.out)
out.mkdir(parents=True, exist_ok=True)

digits = load_digits(seed=0)                                      # 1,258 / 180 / 359 images, (N, 1, 8, 8)
manual_seed(0)
model = build(ARCHITECTURES["digits_cnn"], generator=np.random.default_rng(0))
print(model)                                                      # conv 3×3 (8 maps) → ReLU → max-pool → linear

optimizer = DIGITS.recipe.optimizer(model)                        # AdamW, lr 0.01, weight decay 0.05
history = fit(model, digits.train, digits.val, optimizer=optimizer, epochs=args.epochs,
              batch_size=DIGITS.recipe.batch_size)
print(f"test accuracy: {evaluate(model, digits.test)['accuracy']:.1%} after {len(history)} epochs")

matrix = confusion_matrix(digits.test.y, predict(model, digits.test).argmax(axis=1), num_classes=10)
for paths in (plots.plot_history(history, out / "digits_curves"), plots.plot_filters(model, out / "digits_filters"),
              plots.plot_feature_maps(model, digits.test.x[0], out / "digits_feature_maps"),
              plots.plot_confusion(matrix, out / "digits_confusion")):
    print("wrote", *paths)
