"""Timing for the benchmark runner: interleaved repeats, medians, wall and CPU time, the machine's load.

Engines are timed *interleaved*: each round runs every engine for a short block of calls (in a rotated order),
so a burst of load from another process hits all of them alike, and the median over all calls is reported.

Before each block the harness pauses (``settle``) and makes one untimed call. A thread pool keeps its workers
spinning for a while after a call (OpenBLAS for about a tenth of a second), so an engine timed right after
another shares the cores with those spinning workers. Measured on 2 cores, conv2d fwd+bwd on issue 13's eight
shapes, 2 threads each: ours/PyTorch geometric means of 1.36–1.43 when the engines alternate call by call
(PyTorch's 32×16×32² conv at 11 ms instead of about 5.5), 1.50–1.54 in blocks after a pause, 1.52–1.64 with
each engine timed alone. The blocks agree with the engines alone; calling them in turn flattered us.

CPU time is the process's (all threads), next to the wall time: CPU > wall means several cores worked (or a
pool's workers spun while the main thread worked alone), CPU ≪ wall that the process waited (for the CPU, on a
loaded host).

Examples:
    >>> timings = interleaved({"a": lambda: sum(range(100)), "b": lambda: sum(range(1000))}, repeats=3, settle=0)
    >>> sorted(timings), len(timings["a"].wall)
    (['a', 'b'], 3)
    >>> geomean([1.0, 4.0])
    2.0
"""

from __future__ import annotations

import gc
import math
import os
import platform
import statistics
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any


@dataclass
class Timing:
    """Seconds of each repeat: wall clock and process CPU time."""

    wall: list[float] = field(default_factory=list)
    cpu: list[float] = field(default_factory=list)

    @property
    def median(self) -> float:
        return statistics.median(self.wall)

    @property
    def median_cpu(self) -> float:
        return statistics.median(self.cpu)

    def as_dict(self) -> dict[str, Any]:
        return {"median_s": self.median, "median_cpu_s": self.median_cpu, "wall_s": self.wall, "cpu_s": self.cpu}


SETTLE_S = 0.25  # longer than OpenBLAS's idle spin (2^28 cycles, about 0.1 s)
BLOCK = 3  # timed calls per engine per round


def interleaved(
    engines: dict[str, Callable[[], Any]], repeats: int, warmup: int = 1, settle: float = SETTLE_S, block: int = BLOCK
) -> dict[str, Timing]:
    """Time every engine ``repeats`` times, in rounds of ``block`` calls each, rotating who goes first. With more
    than one engine, each block starts after a pause of ``settle`` seconds (the previous engine's thread pool goes
    idle) and one untimed call (this engine's pool and caches wake up); a collection of garbage before each call
    (outside the timing), so no engine pays for another's garbage."""
    names = list(engines)
    for _ in range(warmup):
        for name in names:
            engines[name]()
    timings = {name: Timing() for name in names}
    for round_ in range(math.ceil(repeats / block)):
        calls = min(block, repeats - round_ * block)
        for name in names[round_ % len(names) :] + names[: round_ % len(names)]:
            if len(names) > 1 and settle > 0:
                time.sleep(settle)
                engines[name]()
            for _ in range(calls):
                gc.collect()
                wall, cpu = time.perf_counter(), time.process_time()
                engines[name]()
                timings[name].cpu.append(time.process_time() - cpu)
                timings[name].wall.append(time.perf_counter() - wall)
    return timings


def round_ratio_quartiles(ours: Timing, theirs: Timing) -> tuple[float, float]:
    """The lower and upper quartiles of ours/theirs taken call by call (the i-th call of each, in the same round
    of blocks): the spread of a ratio on a noisy host. Needs two calls or more (else the one ratio twice).

    Examples:
        >>> round_ratio_quartiles(Timing(wall=[2.0, 3.0, 4.0, 5.0]), Timing(wall=[1.0, 1.0, 1.0, 1.0]))
        (2.75, 4.25)
    """
    ratios = [a / b for a, b in zip(ours.wall, theirs.wall) if b > 0]
    if len(ratios) < 2:
        return (ratios[0], ratios[0]) if ratios else (float("nan"), float("nan"))
    low, _, high = statistics.quantiles(ratios, n=4, method="inclusive")
    return low, high


def geomean(values: Sequence[float]) -> float:
    values = [v for v in values if v > 0 and math.isfinite(v)]
    return math.exp(sum(map(math.log, values)) / len(values)) if values else float("nan")


def load() -> tuple[float, float, float]:
    """The 1, 5 and 15 minute load averages."""
    return os.getloadavg()


def load_note(cores: int | None = None) -> str:
    """The load, with a warning when other work competes for the cores (times are then less reliable)."""
    cores = cores or os.cpu_count() or 1
    one, five, fifteen = load()
    note = f"load {one:.2f} {five:.2f} {fifteen:.2f} on {cores} cores"
    if one > 0.75 * cores:
        note += " — WARNING: the host is busy, compare the ratios (interleaved), not the absolute times"
    return note


def machine() -> dict[str, Any]:
    """What the numbers ran on."""
    import numpy as np

    return {
        "python": platform.python_version(),
        "numpy": np.__version__,
        "platform": platform.platform(),
        "processor": platform.processor() or platform.machine(),
        "cores": os.cpu_count(),
        "cpu_model": _cpu_model(),
    }


def _cpu_model() -> str:
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as info:
            for line in info:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.machine()


def peak_rss_mib() -> float:
    """This process's peak resident memory so far, MiB: Linux's ``VmHWM`` (``ru_maxrss`` would also count the
    parent's memory when the process was forked from a large one before ``exec``), else ``ru_maxrss``."""
    import resource
    import sys

    try:
        with open("/proc/self/status", encoding="utf-8") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 2**10  # kB
    except OSError:
        pass
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / 2**20 if sys.platform == "darwin" else peak / 2**10
