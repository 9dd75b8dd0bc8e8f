"""Freed memory kept for reuse (:mod:`tinygrad_cnn.engine.memory`): asked once, on glibc, and it stops the page
faults of a loop that allocates and frees the same blocks (what a training step does)."""

from __future__ import annotations

import os
import subprocess
import sys

import numpy as np

from tinygrad_cnn import Tensor
from tinygrad_cnn.engine.memory import keep_freed_memory

GLIBC = hasattr(os, "confstr") and (os.confstr("CS_GNU_LIBC_VERSION") or "").startswith("glibc")

LOOP = """
import resource, sys
import numpy as np
from tinygrad_cnn.engine.memory import keep_freed_memory
if sys.argv[1] == "keep":
    assert keep_freed_memory()
if sys.argv[1] == "opted-out":
    assert not keep_freed_memory()
def step():
    arrays = [np.ones(n << 18, np.float32) for n in (1, 2, 3, 4, 3, 2, 1)]  # 1-4 MiB, as a step's activations
    del arrays
step()
before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
for _ in range(10):
    step()
print(resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before)
"""


def _faults(mode: str, **environment: str) -> int:
    done = subprocess.run([sys.executable, "-c", LOOP, mode], capture_output=True, text=True, check=True,
                          cwd=os.path.dirname(os.path.dirname(os.path.dirname(__file__))),
                          env={**os.environ, **environment})  # fmt: skip
    return int(done.stdout)


def test_backward_asks_once_and_the_answer_is_kept():
    x = Tensor(np.ones(3, np.float32), requires_grad=True)
    (x * x).sum().backward()
    assert keep_freed_memory() is GLIBC and keep_freed_memory.cache_info().currsize == 1


def test_kept_blocks_are_reused_without_page_faults():
    """Ten steps of 16 MiB: with glibc's defaults most blocks come back from the kernel, page by page (a fault
    per 4 KiB page); kept, they are reused. Off glibc nothing is asked, and nothing changes."""
    default, kept = _faults("default"), _faults("keep" if GLIBC else "default")
    if GLIBC:
        assert default > 10 * 1024 and kept < default / 10
    else:
        assert kept > 0 and default > 0


def test_the_environment_variable_leaves_the_c_library_alone():
    """With TINYGRAD_CNN_KEEP_FREED_MEMORY=0 nothing is asked: the loop faults as with glibc's defaults."""
    opted_out = _faults("opted-out", TINYGRAD_CNN_KEEP_FREED_MEMORY="0")
    if GLIBC:
        assert opted_out > 10 * 1024
    else:
        assert opted_out > 0
