"""A derivation from the lecture, checked step by step, with the lecture's numbers put in, written as LaTeX.

Run: python examples/08_derivation_to_latex.py [--out DIR]     (writes DIR/conv_output_size.tex)
"""

import argparse
from pathlib import Path

import derivations

parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
parser.add_argument("--out", default="example-output")
out = Path(parser.parse_args().out)
out.mkdir(parents=True, exist_ok=True)

d = derivations.get("conv_output_size")          # o = ⌊(n + 2p − d(k − 1) − 1)/s⌋ + 1
print(d.check())                                  # every step: SymPy, or exactly on a stated grid
print(d.verify().comparisons[0])                  # against the engine's real layers and formulas
worked = d.substitute({"n": 32, "k": 5, "s": 1, "p": 0, "d": 1})
print(worked.worked()[-1].arithmetic)             # the result with the numbers in: ... = 28
path = out / "conv_output_size.tex"
path.write_text(derivations.latex_document(worked, title="Output size of a convolution"))
print(f"wrote {path} (compile with pdflatex)")
