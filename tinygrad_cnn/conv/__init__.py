"""Convolution and pooling as the lecture builds them: windows of the input (locality) times one shared
weight matrix (sharing). :mod:`.geometry` checks a window's hyperparameters once; :mod:`.convolution` and
:mod:`.pooling` compute; :mod:`.value_conv` writes the same sums literally with scalar ``Value``s; and
:mod:`.reference` holds the plain-loop oracles that everything here is tested against."""

from .convolution import conv, conv_transpose, fold, pad_spatial, unfold
from .pooling import adaptive_avg_pool, avg_pool, max_pool

__all__ = ["conv", "conv_transpose", "unfold", "fold", "pad_spatial", "max_pool", "avg_pool", "adaptive_avg_pool"]
