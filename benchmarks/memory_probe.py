"""Peak resident memory of training steps, one engine per fresh process (so neither pays for the other's imports).

Prints one JSON line: the peak RSS after the imports and model set-up, and after ``--steps`` training steps (of an
architecture, on one fixed batch), or ``--steps`` epochs of the digits CNN (``digits-epoch``: issue 10's recipe,
batches of 16; ``--quick``: its first 64 images). Run by ``run.py``; by hand, e.g.
``python benchmarks/memory_probe.py ours lenet5 64 --steps 3`` or ``... memory_probe.py torch digits-epoch``.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

DIGITS_EPOCH = "digits-epoch"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("engine", choices=("ours", "torch"))
    parser.add_argument("model", help=f"an architecture name, e.g. lenet5, or {DIGITS_EPOCH}")
    parser.add_argument("batch", type=int, nargs="?", default=64, help="an architecture's batch (default 64)")
    parser.add_argument("--steps", type=int, default=3, help="steps, or epochs of digits-epoch (default 3)")
    parser.add_argument("--quick", action="store_true", help=f"{DIGITS_EPOCH}: its first 64 images only")
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    for variable in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ[variable] = str(args.threads)
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from harness import peak_rss_mib
    from workloads import digits_epoch, our_step, torch_step

    torch = None
    if args.engine == "torch":
        import torch

        torch.set_num_threads(args.threads)
    if args.model == DIGITS_EPOCH:
        ours, pytorch = digits_epoch(torch, args.quick)  # PyTorch's model starts from a copy of our weights
        step, args.batch = (pytorch if torch is not None else ours), 16
    else:
        step, model = our_step(args.model, args.batch)
        if torch is not None:
            step = torch_step(args.model, args.batch, model, torch)
    before = peak_rss_mib()
    for _ in range(args.steps):
        step()
    print(json.dumps({"engine": args.engine, "model": args.model, "batch": args.batch, "steps": args.steps,
                      "peak_rss_mib_setup": before, "peak_rss_mib": peak_rss_mib()}))  # fmt: skip


if __name__ == "__main__":
    main()
