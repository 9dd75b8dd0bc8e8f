"""The tour, the project's main job: the lecture's argument run end to end (``tinygrad-cnn tour``)."""

from .._lazy import lazy_exports

__getattr__, __dir__ = lazy_exports(__name__, {"run_tour": ".lecture", "SECTIONS": ".lecture"})
