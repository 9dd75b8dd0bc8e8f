"""Datasets that need no download: bundled digits, MNIST-1D (generated), edges, Ising configurations; an
IDX reader for your own MNIST-format files; a :class:`DataLoader` that batches them."""

from .._lazy import lazy_exports

__getattr__, __dir__ = lazy_exports(__name__, {
    "Dataset": ".dataset", "Splits": ".dataset", "DataLoader": ".loader",
})  # fmt: skip
