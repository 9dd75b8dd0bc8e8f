"""Datasets that need no download: bundled digits, MNIST-1D (generated), edges, Ising configurations; an
IDX reader for your own MNIST-format files; a :class:`DataLoader` that batches them."""

from .._lazy import lazy_exports

__getattr__, __dir__ = lazy_exports(__name__, {
    "Dataset": ".dataset", "Splits": ".dataset", "DataLoader": ".loader",
    "stratified_split": ".splitting", "split_sizes": ".splitting",
    "load_digits": ".digits", "load_digits_arrays": ".digits", "digits_attribution": ".digits",
    "load_mnist1d": ".mnist1d_signals", "mnist1d_arrays": ".mnist1d_signals",
    "mnist1d_arguments": ".mnist1d_signals", "PAPER_ARGUMENTS": ".mnist1d_signals",
    "default_cache_dir": ".cache", "CacheError": ".cache",
    "make_shapes": ".edges", "sobel_edges": ".edges", "sobel_kernels": ".edges", "load_edges": ".edges",
    "read_idx": ".idx", "write_idx": ".idx", "load_idx_dataset": ".idx", "IDXError": ".idx",
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
