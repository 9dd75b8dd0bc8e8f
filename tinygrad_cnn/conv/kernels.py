"""Classic hand-made kernels, written once for every part that uses them (the edge data, the derivations,
the tour, the graphs): Sobel and Prewitt derivative filters, as ``(3, 3)`` float64 arrays in
cross-correlation orientation (what :func:`tinygrad_cnn.functional.conv2d` computes).

``SOBEL_X`` responds to a change along the width (a vertical edge), positive where the image gets darker
to the right; ``SOBEL_Y`` is its transpose. Sobel is a central difference smoothed by (1, 2, 1); Prewitt by
(1, 1, 1) (derived in ``derivations/edge_detection.py``).

Examples:
    >>> SOBEL_X
    array([[ 1.,  0., -1.],
           [ 2.,  0., -2.],
           [ 1.,  0., -1.]])
    >>> bool((SOBEL_Y == SOBEL_X.T).all()), float(PREWITT_X.sum())
    (True, 0.0)
"""

from __future__ import annotations

import numpy as np

__all__ = ["SOBEL_X", "SOBEL_Y", "PREWITT_X", "PREWITT_Y"]

SOBEL_X = np.array([[1.0, 0.0, -1.0], [2.0, 0.0, -2.0], [1.0, 0.0, -1.0]])
SOBEL_Y = SOBEL_X.T.copy()
PREWITT_X = np.array([[1.0, 0.0, -1.0], [1.0, 0.0, -1.0], [1.0, 0.0, -1.0]])
PREWITT_Y = PREWITT_X.T.copy()
for _kernel in (SOBEL_X, SOBEL_Y, PREWITT_X, PREWITT_Y):
    _kernel.flags.writeable = False  # a shared constant: nobody may change it in place
