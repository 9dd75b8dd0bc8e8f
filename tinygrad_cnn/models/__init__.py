"""Named architectures as layer specs that can be counted without allocating a weight (LeNet-5, AlexNet,
VGG-16, the tour's tiny CNN, the training tasks' models, the Ising phase classifiers) and built into real
``nn`` modules."""

from .architectures import (
    ARCHITECTURES,
    RBF,
    Architecture,
    Layer,
    PartialConv2d,
    Subsampling,
    build,
    from_module,
    output_shapes,
    thinned,
)
from .ising import ISING_ARCHITECTURES
from .tasks import TASK_ARCHITECTURES

# the package always loads before its modules
ARCHITECTURES.update((a.name, a) for a in TASK_ARCHITECTURES + ISING_ARCHITECTURES)

__all__ = [
    "Layer", "Architecture", "ARCHITECTURES", "output_shapes", "build", "from_module", "thinned",
    "Subsampling", "PartialConv2d", "RBF",
]  # fmt: skip
