"""``tinygrad-cnn tour``: the lecture's argument, run end to end in a minute.

Each section is a function that prints what it shows and returns the numbers it checked, so the tests
can run the tour and assert on them. Sections: why dense layers are too big, locality and sharing give
convolution, edge detection, one kernel weight's gradient is a sum over positions (both engines),
gradient checks, and a tiny CNN learning whether an edge is vertical or horizontal.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from ..conv.kernels import SOBEL_X
from ..conv.reference import conv2d_reference
from ..conv.value_conv import conv2d as value_conv2d
from ..engine.autograd import no_grad
from ..engine.gradient_check import gradcheck
from ..engine.tensor import Tensor
from ..engine.value import Value
from ..models.architectures import ARCHITECTURES, build
from ..nn import functional as F
from ..optim import optimizers as optim
from ..shapes import conv_output_size, conv_parameter_count, dense_parameter_count

__all__ = ["run_tour", "SECTIONS"]


def section_parameters() -> dict[str, int]:
    """A dense layer from a 32×32 image to 100 units, against one 5×5 convolution."""
    dense = dense_parameter_count(32 * 32, 100)
    conv = conv_parameter_count(1, 100, (5, 5))
    print(f"  dense 32·32 → 100 units: (1024 + 1)·100 = {dense:,} parameters")
    print(f"  conv, 100 filters of 5×5: (1·5·5 + 1)·100 = {conv:,} parameters ({dense // conv}× fewer)")
    print(f"  and its output is still {conv_output_size(32, 5)}×{conv_output_size(32, 5)} per filter")
    return {"dense": dense, "conv": conv}


def section_convolution(rng: np.random.Generator) -> dict[str, float]:
    """Windows (locality) times one shared weight matrix (sharing) equals the loop definition."""
    x = rng.standard_normal((1, 2, 6, 6))
    w = rng.standard_normal((3, 2, 3, 3))
    cols = F.unfold(Tensor(x), 3)  # (1, 2·3·3, 16): one column per window
    shared = Tensor(w).reshape(3, -1)  # (3, 2, 3, 3) -> (3, 18): one matrix for every window
    fast = (shared @ cols).reshape(1, 3, 4, 4).numpy()  # (3, 16) -> (1, 3, 4, 4)
    error = float(np.abs(fast - conv2d_reference(x, w)).max())
    print(f"  unfold: {cols.shape[1]} inputs per window × {cols.shape[2]} windows; one {shared.shape} weight matrix")
    print(f"  max |windows·W − loop reference| = {error:.1e}")
    return {"error": error}


def section_edges() -> dict[str, float]:
    """The lecture's worked example: a vertical edge lights up under a Sobel kernel."""
    image = np.zeros((8, 8))
    image[:, 4:] = 1.0  # dark left half, bright right half
    response = F.conv2d(Tensor(image[None, None]), Tensor(SOBEL_X[None, None])).numpy()[0, 0]
    for row in response[:3]:
        print("  " + " ".join(f"{v:+3.0f}" for v in row))
    print("  (a 6×6 response: zero on flat regions, −4 along the edge)")
    return {"edge": float(response[0, 2]), "flat": float(response[0, 0])}


def section_sharing_gradient(rng: np.random.Generator) -> dict[str, float]:
    """One kernel weight is used at every position, so its gradient is the sum over positions."""
    x = rng.standard_normal((1, 5, 5))
    w = rng.standard_normal((1, 1, 3, 3))
    values = [[[Value(float(v)) for v in row] for row in plane] for plane in x]
    kernel = [[[[Value(float(v), label=f"w{i}{j}") for j, v in enumerate(row)] for i, row in enumerate(plane)]
               for plane in out] for out in w]  # fmt: skip
    out = value_conv2d(values, kernel)
    sum(v for plane in out for row in plane for v in row).backward()
    scalar_grad = kernel[0][0][0][0].grad
    weight = Tensor(w, requires_grad=True)
    F.conv2d(Tensor(x[None]), weight).sum().backward()
    tensor_grad = float(weight.grad.numpy()[0, 0, 0, 0])
    by_hand = float(x[0, :3, :3].sum())  # w00 touches the top-left input of each of the 3×3 windows
    print(f"  ∂L/∂w00: scalar engine {scalar_grad:.6f}, tensor engine {tensor_grad:.6f}")
    print(f"  Σ of the inputs it touched over all positions: {by_hand:.6f}")
    return {"scalar": scalar_grad, "tensor": tensor_grad, "by_hand": by_hand}


def section_gradcheck(rng: np.random.Generator) -> dict[str, bool]:
    """conv2d's gradients against central differences (float64), with stride, padding and dilation."""
    x = Tensor(rng.standard_normal((2, 3, 7, 7)), requires_grad=True, label="x")
    w = Tensor(rng.standard_normal((4, 3, 3, 3)), requires_grad=True, label="weight")
    ok = gradcheck(lambda x, w: F.conv2d(x, w, stride=2, padding=1, dilation=2), [x, w])
    print(f"  gradcheck(conv2d, stride=2, padding=1, dilation=2): {'passed' if ok else 'FAILED'}")
    return {"passed": ok}


def edge_images(count: int, size: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """``count`` noisy ``size×size`` images with one step edge at a random place; label 0 = vertical edge,
    1 = horizontal. Where the edge is varies, so a dense layer must learn every place; a conv learns one."""
    images = np.zeros((count, 1, size, size), dtype=np.float32)
    labels = rng.integers(0, 2, count)
    for image, label, cut in zip(images, labels, rng.integers(2, size - 2, count)):
        if label == 0:
            image[0, :, cut:] = 1.0
        else:
            image[0, cut:, :] = 1.0
    images += 0.1 * rng.standard_normal(images.shape).astype(np.float32)
    return images, labels


def section_training(rng: np.random.Generator, steps: int = 30) -> dict[str, float]:
    """A tiny CNN of the engine's own layers learns whether an edge is vertical or horizontal."""
    images, labels = edge_images(256, 8, rng)
    model = build(ARCHITECTURES["tiny_cnn"], generator=rng)  # conv-relu-pool-conv-relu-avg-dense
    optimizer = optim.Adam(model.parameters(), lr=0.03)
    x, y = Tensor(images), Tensor(labels)
    losses = []
    for step in range(steps):
        optimizer.zero_grad()
        loss = F.cross_entropy(model(x), y)
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
        if step % 5 == 0 or step == steps - 1:
            print(f"  step {step:3d}: cross-entropy {losses[-1]:.3f}")
    test_images, test_labels = edge_images(128, 8, rng)
    model.eval()
    with no_grad():
        accuracy = float((model(Tensor(test_images)).argmax(1).numpy() == test_labels).mean())
    print(f"  {model.num_parameters()} parameters; held-out accuracy {accuracy:.0%}")
    return {"first_loss": losses[0], "last_loss": losses[-1], "accuracy": accuracy}


SECTIONS: list[tuple[str, Callable[..., dict]]] = [
    ("Why not a dense layer?", lambda rng: section_parameters()),
    ("Locality + sharing = convolution", section_convolution),
    ("Edge detection", lambda rng: section_edges()),
    ("Sharing in the gradient", section_sharing_gradient),
    ("Gradient check", section_gradcheck),
    ("A tiny CNN learns", section_training),
]


def run_tour(seed: int = 0) -> dict[str, dict]:
    """Run every section in order; return each section's checked numbers by title."""
    rng = np.random.default_rng(seed)
    results = {}
    for number, (title, section) in enumerate(SECTIONS, start=1):
        print(f"\n{number}. {title}")
        results[title] = section(rng)
    print("\nDone. Next: `tinygrad-cnn derive list` (in .venv/bin/ after scripts/tour.sh) for the lecture's")
    print("formulas, derived and proved; `tinygrad-cnn summary lenet5` counts a classic CNN layer by layer.")
    return results


def run_command(args) -> int:
    """``tinygrad-cnn tour``."""
    run_tour(args.seed)
    return 0
