"""Training tiny networks from scratch: :func:`fit` / :func:`evaluate` with per-epoch history, checkpoints that
resume exactly, plots, and ``to_torch`` / ``from_torch`` for leaving to PyTorch; the Ising phase classifier
(:func:`train_phase_classifier`, :func:`finite_size_scaling`)."""

from .._lazy import lazy_exports

__getattr__, __dir__ = lazy_exports(__name__, {
    "fit": ".loop", "resume": ".loop", "evaluate": ".loop", "predict": ".loop", "EarlyStopping": ".loop",
    "TrainingDiverged": ".loop",
    "History": ".metrics", "confusion_matrix": ".metrics", "accuracy": ".metrics",
    "save_checkpoint": ".checkpoint", "read_checkpoint": ".checkpoint", "CheckpointError": ".checkpoint",
    "architecture_of": ".checkpoint",
    "to_torch": ".torch_bridge", "from_torch": ".torch_bridge",
    "plots": ".plots",
    "IsingRecipe": ".ising", "train_phase_classifier": ".ising", "finite_size_scaling": ".ising",
    "crossing_temperature": ".ising", "extrapolate_critical_temperature": ".ising",
})  # fmt: skip
