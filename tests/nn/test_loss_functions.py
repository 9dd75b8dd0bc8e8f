"""Losses: values and gradients against PyTorch and hand formulas, gradient checks in float64, stability
at huge logits, every reduction, and the errors for bad targets."""

from __future__ import annotations

import math

import numpy as np
import pytest

from tinygrad_cnn import Tensor, gradcheck
from tinygrad_cnn.nn.loss_functions import binary_cross_entropy_with_logits, cross_entropy, mse_loss, nll_loss

REDUCTIONS = ["mean", "sum", "none"]


@pytest.fixture
def torch():
    return pytest.importorskip("torch")


def ours_vs_torch(torch, ours_fn, torch_fn, arrays, grad_index=0, rtol=1e-6, atol=1e-7):
    """Value and gradient (w.r.t. ``arrays[grad_index]``, float64) of one loss in both libraries."""
    ours_in = [Tensor(a, requires_grad=(i == grad_index)) for i, a in enumerate(arrays)]
    theirs_in = [torch.tensor(a, requires_grad=(i == grad_index)) for i, a in enumerate(arrays)]
    ours, theirs = ours_fn(*ours_in), torch_fn(*theirs_in)
    np.testing.assert_allclose(ours.numpy(), theirs.detach().numpy(), rtol=rtol, atol=atol)
    v = np.random.default_rng(1).standard_normal(ours.shape)
    (ours * Tensor(v)).sum().backward()
    (theirs * torch.tensor(v)).sum().backward()
    np.testing.assert_allclose(
        ours_in[grad_index].grad.numpy(), theirs_in[grad_index].grad.numpy(), rtol=rtol, atol=atol
    )


# ---- cross-entropy ----


def test_cross_entropy_by_hand():
    logits = np.array([[1.0, 2.0, 3.0], [1.0, 1.0, 1.0]])
    target = np.array([2, 0])
    log_p = logits - np.log(np.exp(logits).sum(1, keepdims=True))
    expected = -(log_p[0, 2] + log_p[1, 0]) / 2
    assert cross_entropy(Tensor(logits), Tensor(target)).item() == pytest.approx(expected, rel=1e-12)
    assert cross_entropy(Tensor(logits), Tensor(target), reduction="sum").item() == pytest.approx(2 * expected)
    np.testing.assert_allclose(
        cross_entropy(Tensor(logits), Tensor(target), reduction="none").numpy(), [-log_p[0, 2], math.log(3)]
    )


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize(
    "shape, weighted, ignore, smoothing",
    [
        ((6, 4), False, False, 0.0),
        ((6, 4), True, True, 0.0),
        ((3, 5, 2, 3), False, True, 0.1),
        ((3, 5, 4), True, True, 0.2),
        ((5,), False, False, 0.3),
    ],
)
def test_cross_entropy_with_class_indices_matches_pytorch(torch, reduction, shape, weighted, ignore, smoothing):
    rng = np.random.default_rng(0)
    classes = shape[0] if len(shape) == 1 else shape[1]
    logits = rng.standard_normal(shape) * 3
    target = rng.integers(0, classes, shape[:1] + shape[2:] if len(shape) > 1 else ())
    if ignore:
        target.flat[0] = -100
    weight = rng.random(classes) + 0.1 if weighted else None
    kwargs = dict(reduction=reduction, label_smoothing=smoothing)

    def ours(x, t):
        return cross_entropy(x, t, weight=None if weight is None else Tensor(weight), **kwargs)

    def theirs(x, t):
        return torch.nn.functional.cross_entropy(x, t, None if weight is None else torch.tensor(weight), **kwargs)

    ours_vs_torch(torch, ours, theirs, [logits, target])


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_cross_entropy_with_probabilities_matches_pytorch(torch, reduction):
    rng = np.random.default_rng(1)
    logits = rng.standard_normal((4, 3, 2))
    probs = rng.random((4, 3, 2))
    probs /= probs.sum(1, keepdims=True)
    weight = rng.random(3) + 0.5

    def ours(x, p):
        return cross_entropy(x, p, weight=Tensor(weight), reduction=reduction, label_smoothing=0.1)

    def theirs(x, p):
        return torch.nn.functional.cross_entropy(x, p, torch.tensor(weight), reduction=reduction, label_smoothing=0.1)

    ours_vs_torch(torch, ours, theirs, [logits, probs])
    ours_vs_torch(torch, ours, theirs, [logits, probs], grad_index=1)  # differentiable in the target too


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_nll_loss_matches_pytorch(torch, reduction):
    rng = np.random.default_rng(2)
    log_p = np.log(rng.dirichlet(np.ones(4), size=5))
    target = np.array([0, 3, -1, 2, 1])
    weight = rng.random(4) + 0.5

    def ours(x, t):
        return nll_loss(x, t, weight=Tensor(weight), ignore_index=-1, reduction=reduction)

    def theirs(x, t):
        return torch.nn.functional.nll_loss(x, t, torch.tensor(weight), ignore_index=-1, reduction=reduction)

    ours_vs_torch(torch, ours, theirs, [log_p, target])


def test_cross_entropy_passes_gradcheck():
    rng = np.random.default_rng(3)
    x = Tensor(rng.standard_normal((4, 5, 3)), requires_grad=True)
    target = Tensor(rng.integers(0, 5, (4, 3)))
    weight = Tensor(rng.random(5) + 0.5)
    assert gradcheck(lambda x: cross_entropy(x, target, weight=weight, label_smoothing=0.1), [x])
    probs = Tensor(rng.dirichlet(np.ones(5), size=4))
    assert gradcheck(lambda x, p: cross_entropy(x[:, :, 0], p), [x, probs.requires_grad_()])


def test_cross_entropy_is_stable_at_huge_logits():
    logits = Tensor(np.array([[1000.0, -1000.0, 0.0], [-1000.0, 1000.0, 1000.0]], np.float32), requires_grad=True)
    loss = cross_entropy(logits, Tensor([0, 2]), reduction="none")
    np.testing.assert_allclose(loss.numpy(), [0.0, math.log(2)], atol=1e-6)
    loss.sum().backward()
    grad = logits.grad.numpy()
    assert np.isfinite(grad).all()
    np.testing.assert_allclose(grad, [[0, 0, 0], [0, 0.5, -0.5]], atol=1e-6)
    wrong = cross_entropy(Tensor(np.array([[1000.0, -1000.0]], np.float32)), Tensor([1]))
    assert wrong.item() == pytest.approx(2000.0)  # finite: no exp overflow, no log(0)


def test_cross_entropy_target_errors():
    logits = Tensor(np.zeros((4, 10), np.float32))
    with pytest.raises(ValueError, match=r"class index 10, but the input has 10 classes \(valid indices are 0\.\.9"):
        cross_entropy(logits, Tensor([0, 1, 10, 2]))
    with pytest.raises(ValueError, match="class index -3"):
        cross_entropy(logits, Tensor([0, 1, -3, 2]))
    with pytest.raises(ValueError, match=r"target of shape \(4, 2\) .* expected integer class indices of shape \(4,\)"):
        cross_entropy(logits, Tensor(np.zeros((4, 2), np.int64)))
    with pytest.raises(ValueError, match=r"\(probabilities\) does not fit input of shape \(4, 10\)"):
        cross_entropy(logits, Tensor(np.zeros((4, 9), np.float32)))
    with pytest.raises(ValueError, match=r"weight must have one entry per class, shape \(10,\), got \(3,\)"):
        cross_entropy(logits, Tensor([0, 1, 2, 3]), weight=Tensor([1.0, 2.0, 3.0]))
    with pytest.raises(ValueError, match=r"cross_entropy: label_smoothing must be a probability in \[0, 1\], got 1.5"):
        cross_entropy(logits, Tensor([0, 1, 2, 3]), label_smoothing=1.5)


def test_ignored_targets_may_be_out_of_range_and_do_not_count():
    logits = Tensor(np.random.default_rng(0).standard_normal((3, 4)))
    full = cross_entropy(logits, Tensor([1, -100, 2]), reduction="none").numpy()
    assert full[1] == 0.0
    mean = cross_entropy(logits, Tensor([1, -100, 2])).item()
    assert mean == pytest.approx((full[0] + full[2]) / 2)


# ---- binary cross-entropy with logits ----


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_bce_with_logits_matches_pytorch(torch, reduction):
    rng = np.random.default_rng(4)
    x = rng.standard_normal((5, 3)) * 4
    x[0, 0] = 0.0  # the kink of max(x, 0) and |x|: the gradient must still be sigmoid(x) − y
    y = rng.random((5, 3))
    weight, pos_weight = rng.random((5, 3)) + 0.5, rng.random(3) + 0.5

    def ours(x, y):
        return binary_cross_entropy_with_logits(
            x, y, weight=Tensor(weight), reduction=reduction, pos_weight=Tensor(pos_weight)
        )

    def theirs(x, y):
        return torch.nn.functional.binary_cross_entropy_with_logits(
            x, y, weight=torch.tensor(weight), reduction=reduction, pos_weight=torch.tensor(pos_weight)
        )

    ours_vs_torch(torch, ours, theirs, [x, y])
    ours_vs_torch(torch, lambda x, y: binary_cross_entropy_with_logits(x, y, reduction=reduction),
                  lambda x, y: torch.nn.functional.binary_cross_entropy_with_logits(x, y, reduction=reduction),
                  [x, y])  # fmt: skip


def test_bce_with_logits_by_hand_stable_and_gradchecked():
    x = Tensor(np.array([0.0, 2.0, -3.0, 1000.0, -1000.0]), requires_grad=True)
    y = Tensor(np.array([1.0, 0.0, 0.25, 0.0, 0.0]))
    loss = binary_cross_entropy_with_logits(x, y, reduction="none")
    s = 1 / (1 + np.exp(-np.array([0.0, 2.0, -3.0])))
    expected = [-math.log(s[0]), -math.log(1 - s[1]), -(0.25 * math.log(s[2]) + 0.75 * math.log(1 - s[2]))]
    np.testing.assert_allclose(loss.numpy()[:3], expected, rtol=1e-12)
    np.testing.assert_allclose(loss.numpy()[3:], [1000.0, 0.0])
    loss.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [0.5 - 1, s[1], s[2] - 0.25, 1.0, 0.0], atol=1e-12)
    x32 = Tensor(np.array([1000.0, -1000.0], np.float32))
    assert binary_cross_entropy_with_logits(x32, Tensor(np.array([1.0, 0.0], np.float32))).item() == 0.0
    z = Tensor(np.random.default_rng(5).standard_normal((3, 2)), requires_grad=True)
    target = Tensor(np.random.default_rng(6).random((3, 2)))
    assert gradcheck(lambda z: binary_cross_entropy_with_logits(z, target, pos_weight=Tensor([2.0, 0.5])), [z])


def test_bce_with_logits_shape_error():
    with pytest.raises(ValueError, match=r"target of shape \(4,\) must have the input's shape \(4, 1\)"):
        binary_cross_entropy_with_logits(Tensor(np.zeros((4, 1))), Tensor(np.zeros(4)))


# ---- mean squared error ----


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_mse_loss_matches_pytorch_and_hand(torch, reduction):
    rng = np.random.default_rng(7)
    a, b = rng.standard_normal((3, 4)), rng.standard_normal((3, 4))
    ours_vs_torch(
        torch,
        lambda x, y: mse_loss(x, y, reduction=reduction),
        lambda x, y: torch.nn.functional.mse_loss(x, y, reduction=reduction),
        [a, b],
    )
    assert mse_loss(Tensor(a), Tensor(b)).item() == pytest.approx(((a - b) ** 2).mean())


def test_mse_loss_gradcheck_and_shape_error():
    x = Tensor(np.random.default_rng(8).standard_normal((2, 3)), requires_grad=True)
    assert gradcheck(lambda x: mse_loss(x, Tensor(np.ones((2, 3)))), [x])
    with pytest.raises(ValueError, match=r"input of shape \(4, 1\) and target of shape \(4,\) differ"):
        mse_loss(Tensor(np.zeros((4, 1))), Tensor(np.zeros(4)))


# ---- reductions ----


@pytest.mark.parametrize(
    "loss",
    [
        lambda r: cross_entropy(Tensor([[1.0, 2.0]]), Tensor([0]), reduction=r),
        lambda r: nll_loss(Tensor([[-1.0, -2.0]]), Tensor([0]), reduction=r),
        lambda r: mse_loss(Tensor([1.0]), Tensor([2.0]), reduction=r),
        lambda r: binary_cross_entropy_with_logits(Tensor([1.0]), Tensor([1.0]), reduction=r),
    ],
)
def test_unknown_reduction_is_rejected(loss):
    with pytest.raises(ValueError, match=r"reduction must be one of \('none', 'mean', 'sum'\), got 'avg'"):
        loss("avg")


@pytest.mark.parametrize(
    "call, error, message",
    [
        (lambda: cross_entropy(np.zeros((2, 3)), Tensor([0, 1])), TypeError, "cross_entropy: input must be a Tensor"),
        (lambda: cross_entropy(Tensor(1.0), Tensor(0)), ValueError, "cross_entropy: input must be .* at least 1 dims"),
        (lambda: mse_loss([1.0], Tensor([1.0])), TypeError, "mse_loss: input must be a Tensor"),
        (lambda: nll_loss(Tensor([0, 1]), Tensor(0)), ValueError, "nll_loss: input must be a floating-point"),
    ],
)
def test_bad_loss_inputs_name_the_loss(call, error, message):
    with pytest.raises(error, match=message):
        call()


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_unweighted_targets_that_all_count_give_the_bits_of_weight_one(reduction):
    """With no class weights and no ignored target the loss skips the weighting and the mask (fewer nodes to
    draw and walk); the loss and the gradient are those of ``weight = 1`` to the bit."""
    rng = np.random.default_rng(3)
    logits = rng.standard_normal((7, 5)).astype(np.float32) * 4
    target = Tensor(rng.integers(0, 5, 7))
    results = []
    for weight in (None, Tensor(np.ones(5, np.float32))):
        x = Tensor(logits, requires_grad=True)
        loss = cross_entropy(x, target, weight=weight, reduction=reduction)
        loss.backward(None if reduction != "none" else np.ones(7, np.float32))
        results.append((loss.numpy(), x.grad.numpy()))
    for got, expected in zip(*results):
        np.testing.assert_array_equal(got, expected)
    x = Tensor(logits, requires_grad=True)
    ops = set()
    node, stack = None, [cross_entropy(x, target)]
    while stack:
        node = stack.pop()
        if node._ctx is not None:
            ops.add(node._ctx.name)
            stack.extend(node._ctx.parents)
    assert "Where" not in ops and "Mul" not in ops
