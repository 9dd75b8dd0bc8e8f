"""Loss modules: each gives exactly its function's value and gradient, keeps its class weights as buffers
under PyTorch's state-dict keys, and rejects bad options when it is built."""

from __future__ import annotations

import numpy as np
import pytest

import tinygrad_cnn
from tinygrad_cnn import Tensor, nn
from tinygrad_cnn.nn.loss_functions import binary_cross_entropy_with_logits, cross_entropy, mse_loss, nll_loss

REDUCTIONS = ["mean", "sum", "none"]


@pytest.fixture
def torch():
    return pytest.importorskip("torch")


def logits_and_classes(rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Logits of 5 examples over 3 classes and their class indices, one of them ignored (index 1 → 7)."""
    classes = np.array([0, 2, 1, 1, 0])
    classes[1] = 7
    return rng.standard_normal((5, 3)), classes


def same_value_and_gradient(module_fn, function_fn, input_array: np.ndarray) -> None:
    """The module and the function give the same loss and the same gradient of it w.r.t. the input."""
    x_module, x_function = Tensor(input_array, requires_grad=True), Tensor(input_array, requires_grad=True)
    by_module, by_function = module_fn(x_module), function_fn(x_function)
    np.testing.assert_array_equal(by_module.numpy(), by_function.numpy())
    by_module.sum().backward()
    by_function.sum().backward()
    np.testing.assert_array_equal(x_module.grad.numpy(), x_function.grad.numpy())


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_cross_entropy_and_nll_modules_equal_their_functions(rng, reduction):
    logits, classes = logits_and_classes(rng)
    target, weight = Tensor(classes), Tensor([0.5, 2.0, 1.0])
    options = {"weight": weight, "ignore_index": 7, "reduction": reduction}
    ce = nn.CrossEntropyLoss(**options, label_smoothing=0.1)
    same_value_and_gradient(
        lambda x: ce(x, target), lambda x: cross_entropy(x, target, **options, label_smoothing=0.1), logits
    )
    nll = nn.NLLLoss(**options)
    same_value_and_gradient(
        lambda x: nll(x.log_softmax(1), target), lambda x: nll_loss(x.log_softmax(1), target, **options), logits
    )


def test_cross_entropy_module_defaults_are_pytorch_defaults(rng):
    logits, classes = logits_and_classes(rng)
    classes[1] = 2
    ce = nn.CrossEntropyLoss()
    assert (ce.weight, ce.ignore_index, ce.reduction, ce.label_smoothing) == (None, -100, "mean", 0.0)
    same_value_and_gradient(lambda x: ce(x, Tensor(classes)), lambda x: cross_entropy(x, Tensor(classes)), logits)


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_mse_and_bce_with_logits_modules_equal_their_functions(rng, reduction):
    x, y = rng.standard_normal((4, 3)), rng.random((4, 3))
    mse = nn.MSELoss(reduction=reduction)
    same_value_and_gradient(lambda t: mse(t, Tensor(y)), lambda t: mse_loss(t, Tensor(y), reduction=reduction), x)
    weight, pos_weight = Tensor(rng.random((4, 3))), Tensor([1.0, 2.0, 3.0])
    bce = nn.BCEWithLogitsLoss(weight=weight, reduction=reduction, pos_weight=pos_weight)
    same_value_and_gradient(
        lambda t: bce(t, Tensor(y)),
        lambda t: binary_cross_entropy_with_logits(t, Tensor(y), weight, reduction, pos_weight),
        x,
    )


def test_class_weights_are_buffers_saved_in_the_state_dict():
    ce = nn.CrossEntropyLoss(weight=[1.0, 2.0, 3.0])  # an array is made a Tensor
    assert list(ce.state_dict()) == ["weight"] and list(ce.parameters()) == []
    assert ce.state_dict()["weight"].tolist() == [1.0, 2.0, 3.0]
    fresh = nn.CrossEntropyLoss(weight=Tensor([0.0, 0.0, 0.0]))
    fresh.load_state_dict(ce.state_dict())
    assert fresh.weight.tolist() == [1.0, 2.0, 3.0]
    assert list(nn.CrossEntropyLoss().state_dict()) == []
    assert list(nn.BCEWithLogitsLoss(pos_weight=Tensor([2.0])).state_dict()) == ["pos_weight"]


@pytest.mark.parametrize(
    "make",
    [
        lambda lib, w: lib.nn.CrossEntropyLoss(),
        lambda lib, w: lib.nn.CrossEntropyLoss(weight=w(3), label_smoothing=0.1),
        lambda lib, w: lib.nn.NLLLoss(weight=w(3)),
        lambda lib, w: lib.nn.MSELoss(reduction="sum"),
        lambda lib, w: lib.nn.BCEWithLogitsLoss(),
        lambda lib, w: lib.nn.BCEWithLogitsLoss(pos_weight=w(3)),
        lambda lib, w: lib.nn.BCEWithLogitsLoss(weight=w(3), pos_weight=w(3)),
    ],
)
def test_state_dict_keys_and_repr_match_pytorch(torch, make):
    ours = make(tinygrad_cnn, lambda n: Tensor(np.ones(n, np.float32)))
    theirs = make(torch, lambda n: torch.ones(n))
    assert list(ours.state_dict()) == list(theirs.state_dict())
    assert repr(ours) == repr(theirs)


@pytest.mark.parametrize(
    "make, message",
    [
        (lambda: nn.CrossEntropyLoss(reduction="avg"), r"CrossEntropyLoss: reduction must be one of \('none', 'mean'"),
        (lambda: nn.MSELoss(reduction="average"), r"MSELoss: reduction must be one of .* got 'average'"),
        (lambda: nn.CrossEntropyLoss(label_smoothing=1.5), r"CrossEntropyLoss: label_smoothing must be a probability"),
        (lambda: nn.NLLLoss(ignore_index=0.5), "NLLLoss: ignore_index must be an integer, got 0.5"),
    ],
)
def test_bad_options_are_rejected_when_the_loss_is_built(make, message):
    with pytest.raises(ValueError, match=message):
        make()
