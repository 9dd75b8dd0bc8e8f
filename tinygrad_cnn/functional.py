"""``tinygrad_cnn.functional`` is :mod:`tinygrad_cnn.nn.functional` (as ``torch.nn.functional``), kept at
the top level where users import it: ``import tinygrad_cnn.functional as F``."""

from .nn.functional import *  # noqa: F403 (the same public names)
from .nn.functional import __all__  # noqa: F401
