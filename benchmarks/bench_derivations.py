"""Time ``check()`` and ``verify()`` of every registered derivation: the whole registry must stay under 10 s.

For each derivation it prints the time to check its steps and lemmas (SymPy ``simplify`` and the exact grid
evaluations), the time to verify it against the engine (layers, forward passes, ``shapes`` on symbols), how
many grid points and engine cases that covered, and the total. Importing SymPy and the package is timed
separately, since every run pays it once.

Run: ``python benchmarks/bench_derivations.py`` (about 10 s on a shared 2-core machine; exits with status 1 if
over budget).
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # time this checkout, even if not installed

BUDGET_SECONDS = 10.0


def main() -> int:
    start = time.perf_counter()
    import derivations  # timed: SymPy, NumPy and the engine load here

    imported = time.perf_counter() - start
    print(f"{'derivation':<20} {'check (s)':>10} {'verify (s)':>11} {'grid points':>12} {'verify cases':>13}")
    total_check = total_verify = 0.0
    for d in derivations.all():
        t0 = time.perf_counter()
        checked = d.check()
        t1 = time.perf_counter()
        report = d.verify()
        t2 = time.perf_counter()
        total_check, total_verify = total_check + t1 - t0, total_verify + t2 - t1
        print(f"{d.name:<20} {t1 - t0:>10.3f} {t2 - t1:>11.3f} {checked.grid_points:>12} {report.cases:>13}")
    total = total_check + total_verify
    print(f"{'all':<20} {total_check:>10.3f} {total_verify:>11.3f}")
    print(
        f"import: {imported:.2f} s; check() + verify() of all {len(derivations.names())} derivations: "
        f"{total:.2f} s (budget {BUDGET_SECONDS:.0f} s)"
    )
    return 0 if total < BUDGET_SECONDS else 1


if __name__ == "__main__":
    sys.exit(main())
