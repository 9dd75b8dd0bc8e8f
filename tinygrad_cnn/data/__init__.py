"""Datasets that need no download: bundled digits, MNIST-1D (generated), edges, Ising configurations; an
IDX reader for your own MNIST-format files; a :class:`DataLoader` that batches them."""

from .._lazy import lazy_exports

__getattr__, __dir__ = lazy_exports(__name__, {
    "Dataset": ".dataset", "Splits": ".dataset",
    "cache_dir": ".cache",
    "IsingDataset": ".ising", "IsingChains": ".ising", "generate_ising": ".ising", "ising_cache_path": ".ising",
    "energy_per_spin": ".ising", "magnetization": ".ising",
    "CRITICAL_TEMPERATURE": ".ising_exact", "onsager_energy_per_spin": ".ising_exact",
    "onsager_magnetization": ".ising_exact", "kaufman_log_partition": ".ising_exact",
    "exact_energy_per_spin": ".ising_exact", "brute_force_energy_per_spin": ".ising_exact",
    "brute_force_log_partition": ".ising_exact",
    "elliptic_k": ".ising_exact",
    "autocorrelation": ".autocorrelation", "integrated_autocorrelation_time": ".autocorrelation",
    "mean_and_error": ".autocorrelation",
})  # fmt: skip
