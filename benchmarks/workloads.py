"""The tensor-engine workloads of the benchmark, each written for our engine and for its peers (PyTorch, MyGrad).

A workload is a :class:`Case`: a name and one callable per engine that runs one forward + backward (or one
training step) on fixed data and returns what it computed (output, gradients, loss), so the runner can check
the engines agree before it times anything. Nothing here times or prints; ``run.py`` does.

* conv2d fwd+bwd on the eight shapes of issue 13 (``CONV_SHAPES``), against PyTorch and MyGrad;
* max pooling fwd+bwd;
* a LeNet-5 training step (``ARCHITECTURES['lenet5']``: C1, S2, the partially connected C3, S4, C5, F6 and the RBF
  output; batch 64 of 1×32×32, cross-entropy of the negated RBF distances, Adam), and the same model in PyTorch
  with our initial weights (``tinygrad_cnn.train.to_torch``);
* a tiny-model step (the tour's ``tiny_cnn``: batch 32 of 1×8×8, Adam).

Peers are imported by the runner (``torch`` and ``mygrad`` may be absent) and passed in.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

import tinygrad_cnn.functional as F
from tinygrad_cnn import Tensor, optim
from tinygrad_cnn.models import ARCHITECTURES, build  # with train.to_torch below: the imports beyond the public API

# (label, input shape, out channels, kernel, keyword arguments): issue 13's eight shapes
CONV_SHAPES: list[tuple[str, tuple[int, ...], int, int, dict[str, int]]] = [
    ("64×1×28² → 6, k5", (64, 1, 28, 28), 6, 5, {}),
    ("64×6×12² → 16, k5", (64, 6, 12, 12), 16, 5, {}),
    ("64×8×16² → 16, k3", (64, 8, 16, 16), 16, 3, {}),
    ("32×16×32² → 32, k3", (32, 16, 32, 32), 32, 3, {}),
    ("32×16×32² → 32, k3 s2 p1", (32, 16, 32, 32), 32, 3, {"stride": 2, "padding": 1}),
    ("64×8×16² → 16, k3 d2 p2", (64, 8, 16, 16), 16, 3, {"dilation": 2, "padding": 2}),
    ("8×32×16² → 32, k3 p1 g4", (8, 32, 16, 16), 32, 3, {"padding": 1, "groups": 4}),
    ("8×64×16² → 64, k3 depthwise", (8, 64, 16, 16), 64, 3, {"groups": 64}),
]
POOL_SHAPES: list[tuple[str, tuple[int, ...], int, dict[str, int]]] = [
    ("max_pool2d 64×6×28², k2", (64, 6, 28, 28), 2, {}),
    ("max_pool2d 32×32×32², k3 s2 p1", (32, 32, 32, 32), 3, {"stride": 2, "padding": 1}),
]


@dataclass
class Case:
    """One workload: ``engines`` maps an engine's name to a callable that runs it once and returns arrays."""

    group: str
    name: str
    engines: dict[str, Callable[[], list[np.ndarray]]] = field(default_factory=dict)
    rtol: float = 2e-3  # float32 sums in another order: agreement, not bit equality
    atol: float = 2e-3
    notes: list[str] = field(default_factory=list)  # peers left out of this workload, and why
    dtype: str | None = "float32"  # what every array an engine returns must be (None: not checked)


def conv_cases(torch: Any, mygrad: Any, quick: bool) -> list[Case]:
    cases = []
    rng = np.random.default_rng(0)
    for label, shape, out_channels, k, kwargs in CONV_SHAPES:
        if quick:
            shape = (2, *shape[1:])
        groups = kwargs.get("groups", 1)
        x = rng.standard_normal(shape).astype(np.float32)
        w = (rng.standard_normal((out_channels, shape[1] // groups, k, k)) / np.sqrt(k * k * shape[1] / groups))
        w = w.astype(np.float32)
        out_shape = F.conv2d(Tensor(x), Tensor(w), **kwargs).shape
        g = rng.standard_normal(out_shape).astype(np.float32)  # the upstream gradient, the same for every engine
        case = Case("conv2d fwd+bwd", label)

        def ours(x=x, w=w, g=g, kwargs=kwargs):
            xt, wt = Tensor(x, requires_grad=True), Tensor(w, requires_grad=True)
            out = F.conv2d(xt, wt, **kwargs)
            out.backward(g)
            return [out.numpy(), xt.grad.numpy(), wt.grad.numpy()]

        case.engines["ours"] = ours
        if torch is not None:

            def theirs(x=x, w=w, g=g, kwargs=kwargs):
                xt, wt = torch.tensor(x, requires_grad=True), torch.tensor(w, requires_grad=True)
                out = torch.nn.functional.conv2d(xt, wt, **kwargs)
                out.backward(torch.from_numpy(g))
                return [out.detach().numpy(), xt.grad.numpy(), wt.grad.numpy()]

            case.engines["torch"] = theirs
        stride, padding, dilation = (kwargs.get(key, default) for key, default in
                                     (("stride", 1), ("padding", 0), ("dilation", 1)))  # fmt: skip
        if mygrad is not None and groups > 1:
            case.notes.append("MyGrad: conv_nd has no groups")
        elif mygrad is not None and (shape[2] + 2 * padding - dilation * (k - 1) - 1) % stride:
            case.notes.append("MyGrad: conv_nd needs the stride to divide the padded extent exactly")
        elif mygrad is not None:

            def mygrads(x=x, w=w, g=g, kwargs=kwargs):
                from mygrad.nnet.layers import conv_nd

                xt, wt = mygrad.tensor(x), mygrad.tensor(w)
                out = conv_nd(xt, wt, stride=kwargs.get("stride", 1), padding=kwargs.get("padding", 0),
                              dilation=kwargs.get("dilation", 1))  # fmt: skip
                out.backward(g)
                return [out.data, xt.grad, wt.grad]

            case.engines["mygrad"] = mygrads
        cases.append(case)
    return cases


def pool_cases(torch: Any, quick: bool) -> list[Case]:
    cases = []
    rng = np.random.default_rng(1)
    for label, shape, k, kwargs in POOL_SHAPES:
        if quick:
            shape = (2, *shape[1:])
        x = (rng.permutation(np.prod(shape)) / np.prod(shape)).astype(np.float32).reshape(shape)  # no ties (< 2^24)
        g = rng.standard_normal(F.max_pool2d(Tensor(x), k, **kwargs).shape).astype(np.float32)
        case = Case("max pooling fwd+bwd", label)

        def ours(x=x, g=g, k=k, kwargs=kwargs):
            xt = Tensor(x, requires_grad=True)
            out = F.max_pool2d(xt, k, **kwargs)
            out.backward(g)
            return [out.numpy(), xt.grad.numpy()]

        case.engines["ours"] = ours
        if torch is not None:

            def theirs(x=x, g=g, k=k, kwargs=kwargs):
                xt = torch.tensor(x, requires_grad=True)
                out = torch.nn.functional.max_pool2d(xt, k, **kwargs)
                out.backward(torch.from_numpy(g))
                return [out.detach().numpy(), xt.grad.numpy()]

            case.engines["torch"] = theirs
        cases.append(case)
    return cases


# ---- training steps: our model, and the same model in PyTorch with our initial weights ----


def model_data(name: str, batch: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """A fixed batch for architecture ``name``: inputs in [-1, 1] and integer class labels."""
    architecture = ARCHITECTURES[name]
    rng = np.random.default_rng(seed)
    x = rng.uniform(-1, 1, (batch, *architecture.input_shape)).astype(np.float32)
    classes = architecture.layers[-1].out
    return x, rng.integers(0, classes, batch)


def our_step(name: str, batch: int) -> tuple[Callable[[], list[np.ndarray]], Any]:
    """One Adam step of our ``name`` model on a fixed batch; returns the step and the model."""
    model = build(ARCHITECTURES[name], generator=np.random.default_rng(0))
    optimizer = optim.Adam(model.parameters(), lr=1e-3)
    x, y = model_data(name, batch)
    xt, yt = Tensor(x), Tensor(y)
    rbf = ARCHITECTURES[name].layers[-1].kind == "rbf"

    def step() -> list[np.ndarray]:
        optimizer.zero_grad()
        out = model(xt)
        loss = F.cross_entropy(-out if rbf else out, yt)  # RBF outputs are distances: the nearest class wins
        loss.backward()
        optimizer.step()
        return [loss.numpy()]

    return step, model


def torch_step(name: str, batch: int, ours: Any, torch: Any) -> Callable[[], list[np.ndarray]]:
    """The same step in PyTorch: the same layers (:func:`torch_model`) with ``ours``' initial weights."""
    model = torch_model(ours, torch)
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    x, y = model_data(name, batch)
    xt, yt = torch.from_numpy(x), torch.from_numpy(y)
    rbf = ARCHITECTURES[name].layers[-1].kind == "rbf"

    def step() -> list[np.ndarray]:
        optimizer.zero_grad()
        out = model(xt)
        loss = torch.nn.functional.cross_entropy(-out if rbf else out, yt)
        loss.backward()
        optimizer.step()
        return [loss.detach().numpy()]

    return step


def torch_model(ours: Any, torch: Any) -> Any:
    """Our model as PyTorch layers with the same weights: the project's own bridge (``tinygrad_cnn.train.to_torch``,
    LeNet-5's own layers included)."""
    from tinygrad_cnn.train import to_torch

    return to_torch(ours)


def digits_epoch(torch: Any | None, quick: bool) -> tuple[Callable[[], list[np.ndarray]], Any]:
    """One epoch of the digits CNN (issue 10's recipe: AdamW lr 0.01, weight decay 0.05, batch 16, the fixed
    1,258 training images in a fixed order), ours and, if ``torch`` is given, PyTorch's from the same initial
    weights. Each returns the loss of the epoch's first batch (before any update, so the engines agree)."""
    from tinygrad_cnn.data import load_digits

    x, y = load_digits(seed=0).train
    x, y = (x[:64], y[:64]) if quick else (x, y)
    model = build(ARCHITECTURES["digits_cnn"], generator=np.random.default_rng(0))
    theirs = torch_model(model, torch) if torch is not None else None  # copies the weights before ours move
    batches = [(x[i : i + 16], y[i : i + 16]) for i in range(0, len(x), 16)]
    ours_batches = [(Tensor(a), Tensor(b)) for a, b in batches]
    optimizer = optim.AdamW(model.parameters(), lr=0.01, weight_decay=0.05)

    def ours() -> list[np.ndarray]:
        first = None
        for xb, yb in ours_batches:
            optimizer.zero_grad()
            loss = F.cross_entropy(model(xb), yb)
            loss.backward()
            optimizer.step()
            first = loss.numpy() if first is None else first
        return [first]

    if theirs is None:
        return ours, None
    torch_batches = [(torch.from_numpy(a), torch.from_numpy(b)) for a, b in batches]
    torch_optimizer = torch.optim.AdamW(theirs.parameters(), lr=0.01, weight_decay=0.05)

    def pytorch() -> list[np.ndarray]:
        first = None
        for xb, yb in torch_batches:
            torch_optimizer.zero_grad()
            loss = torch.nn.functional.cross_entropy(theirs(xb), yb)
            loss.backward()
            torch_optimizer.step()
            first = loss.detach().numpy() if first is None else first
        return [first]

    return ours, pytorch


def step_cases(torch: Any, quick: bool) -> list[Case]:
    cases = []
    for name, batch, label in (("lenet5", 64, "LeNet-5 step, batch 64 of 1×32×32, Adam"),
                               ("tiny_cnn", 32, "tiny CNN step, batch 32 of 1×8×8, Adam")):  # fmt: skip
        batch = 4 if quick else batch
        step, model = our_step(name, batch)
        case = Case("training step", label, rtol=1e-4, atol=1e-5)
        if torch is not None:
            case.engines["torch"] = torch_step(name, batch, model, torch)  # copies the weights before ours move
        case.engines = {"ours": step, **case.engines}
        cases.append(case)
    ours, pytorch = digits_epoch(torch, quick)
    case = Case("training epoch", "digits CNN epoch, 1,258 images in batches of 16, AdamW", rtol=1e-4, atol=1e-5)
    case.engines = {"ours": ours, **({"torch": pytorch} if pytorch is not None else {})}
    cases.append(case)
    return cases
