"""Peak resident memory of training steps, one engine per fresh process (so neither pays for the other's imports).

Prints one JSON line: the peak RSS after the imports and model set-up, and after ``--steps`` training steps.
Run by ``run.py``; by hand: ``python benchmarks/memory_probe.py ours lenet5 64 --steps 3``.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("engine", choices=("ours", "torch"))
    parser.add_argument("model", help="an architecture name, e.g. lenet5")
    parser.add_argument("batch", type=int)
    parser.add_argument("--steps", type=int, default=3)
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    for variable in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ[variable] = str(args.threads)
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from harness import peak_rss_mib
    from workloads import our_step, torch_step

    step, model = our_step(args.model, args.batch)
    if args.engine == "torch":
        import torch

        torch.set_num_threads(args.threads)
        step = torch_step(args.model, args.batch, model, torch)
    before = peak_rss_mib()
    for _ in range(args.steps):
        step()
    print(json.dumps({"engine": args.engine, "model": args.model, "batch": args.batch, "steps": args.steps,
                      "peak_rss_mib_setup": before, "peak_rss_mib": peak_rss_mib()}))  # fmt: skip


if __name__ == "__main__":
    main()
