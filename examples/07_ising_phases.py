"""Find the Ising model's critical temperature with a 98-parameter CNN (Carrasquilla and Melko, 2017).

Monte Carlo configurations labelled ordered (T < T_c) or disordered train the classifier; on fresh
configurations its P(disordered) crosses ½ near Onsager's T_c = 2/ln(1 + √2) ≈ 2.269.
Run: python examples/07_ising_phases.py [--L 8] [--epochs 12] [--out DIR]
"""

import argparse
from pathlib import Path

import numpy as np

from tinygrad_cnn.data import CRITICAL_TEMPERATURE
from tinygrad_cnn.train import ising_plots
from tinygrad_cnn.train.ising import IsingRecipe, train_phase_classifier

parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
parser.add_argument("--L", type=int, default=8, help="lattice size (even)")
parser.add_argument("--epochs", type=int, default=12)
parser.add_argument("--out", default="example-output")
args = parser.parse_args()
out = Path(args.out)
out.mkdir(parents=True, exist_ok=True)

recipe = IsingRecipe(L=args.L, epochs=args.epochs, train_samples=64, test_samples=32,
                     train_temperatures=tuple(np.linspace(1.0, 3.5, 12)),   # both phases
                     test_temperatures=tuple(np.linspace(1.0, 3.5, 21)))    # fresh chains, a finer grid
run = train_phase_classifier(recipe)
print(f"{run.parameters} parameters; accuracy far from T_c {run.accuracy_far:.1%}")
print(f"T_c estimate {run.critical_temperature:.4f}, Onsager {CRITICAL_TEMPERATURE:.4f} "
      f"({100 * run.relative_error:+.2f} %)")
print("wrote", *ising_plots.plot_phase_curve(run, out / "ising_phase_curve"))
