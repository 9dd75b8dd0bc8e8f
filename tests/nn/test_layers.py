"""Layers: forward and backward equal PyTorch's with copied weights; BatchNorm's running statistics;
Dropout's statistics; PyTorch's default initialisation and its seeding; argument and input checks."""

from __future__ import annotations

import math

import numpy as np
import pytest

import tinygrad_cnn as tg
import tinygrad_cnn.functional as F
from tinygrad_cnn import Tensor, gradcheck, nn
from tinygrad_cnn.nn import init
from tinygrad_cnn.nn.normalization import batch_norm


@pytest.fixture
def torch():
    return pytest.importorskip("torch")


def copy_into_torch(torch, ours, theirs):
    theirs.load_state_dict({k: torch.from_numpy(v.numpy().copy()) for k, v in ours.state_dict().items()})


def compare_with_torch(torch, make, x_shape, seed=0, atol=1e-5, train=True):
    """Forward and gradients (input and every parameter) of one layer, ours vs PyTorch's."""
    ours, theirs = make(nn), make(torch.nn)
    copy_into_torch(torch, ours, theirs)
    ours.train(train), theirs.train(train)
    rng = np.random.default_rng(seed)
    x = rng.standard_normal(x_shape).astype(np.float32)
    x_ours, x_theirs = Tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    y_ours, y_theirs = ours(x_ours), theirs(x_theirs)
    np.testing.assert_allclose(y_ours.numpy(), y_theirs.detach().numpy(), rtol=1e-5, atol=atol)
    v = rng.standard_normal(y_ours.shape).astype(np.float32)
    (y_ours * Tensor(v)).sum().backward()
    (y_theirs * torch.from_numpy(v)).sum().backward()
    np.testing.assert_allclose(x_ours.grad.numpy(), x_theirs.grad.numpy(), rtol=1e-4, atol=atol)
    theirs_params = dict(theirs.named_parameters())
    for name, p in ours.named_parameters():
        np.testing.assert_allclose(p.grad.numpy(), theirs_params[name].grad.numpy(), rtol=1e-4, atol=atol * 10)
    return ours, theirs


# ---- forward and backward vs PyTorch ----


@pytest.mark.parametrize(
    "make, x_shape",
    [
        (lambda nn: nn.Linear(5, 3), (4, 5)),
        (lambda nn: nn.Linear(5, 3, bias=False), (2, 3, 5)),
        (lambda nn: nn.Conv1d(2, 4, 3, stride=2, padding=1), (2, 2, 9)),
        (lambda nn: nn.Conv1d(4, 6, 3, groups=2, padding="same", dilation=2, padding_mode="reflect"), (2, 4, 8)),
        (lambda nn: nn.Conv2d(3, 4, 3), (2, 3, 6, 6)),
        (lambda nn: nn.Conv2d(2, 4, (2, 3), stride=(2, 1), padding=(1, 2), dilation=(1, 2), bias=False), (1, 2, 7, 8)),
        (lambda nn: nn.Conv2d(4, 4, 3, groups=4, padding=1, padding_mode="circular"), (2, 4, 5, 5)),
        (lambda nn: nn.Conv2d(2, 3, 3, padding="valid", padding_mode="replicate"), (1, 2, 5, 5)),
        (lambda nn: nn.Conv3d(2, 3, (2, 2, 3), padding=1), (1, 2, 3, 4, 5)),
        (lambda nn: nn.ConvTranspose1d(3, 2, 3, stride=2, padding=1, output_padding=1), (2, 3, 5)),
        (lambda nn: nn.ConvTranspose2d(4, 6, 3, stride=2, groups=2, dilation=2), (1, 4, 4, 3)),
        (lambda nn: nn.ConvTranspose3d(2, 4, (2, 3, 2), stride=(1, 2, 2), padding=1, output_padding=(0, 1, 0)),
         (1, 2, 3, 3, 4)),
        (lambda nn: nn.MaxPool1d(3, stride=2, padding=1), (2, 3, 9)),
        (lambda nn: nn.MaxPool2d(2), (2, 3, 6, 6)),
        (lambda nn: nn.MaxPool2d(3, stride=2, padding=1, dilation=1, ceil_mode=True), (1, 2, 8, 7)),
        (lambda nn: nn.MaxPool3d((2, 3, 2), stride=(1, 2, 2), padding=1, ceil_mode=True), (1, 2, 4, 5, 5)),
        (lambda nn: nn.AvgPool1d(2), (2, 3, 7)),
        (lambda nn: nn.AvgPool3d(2, padding=1, count_include_pad=False), (2, 1, 3, 4, 5)),
        (lambda nn: nn.AdaptiveAvgPool3d((2, None, 3)), (1, 2, 5, 4, 7)),
        (lambda nn: nn.AvgPool2d(3, stride=2, padding=1, count_include_pad=False), (1, 2, 7, 6)),
        (lambda nn: nn.AdaptiveAvgPool1d(3), (2, 3, 7)),
        (lambda nn: nn.AdaptiveAvgPool2d((2, 3)), (1, 2, 5, 7)),
        (lambda nn: nn.Flatten(), (2, 3, 2, 2)),
        (lambda nn: nn.Softmax(dim=1), (3, 4)),
        (lambda nn: nn.LogSoftmax(dim=-1), (3, 4)),
        (lambda nn: nn.Sequential(nn.Tanh(), nn.Sigmoid(), nn.ReLU()), (3, 4)),
    ],
)
def test_layer_matches_pytorch(torch, make, x_shape):
    compare_with_torch(torch, make, x_shape)


def test_unbatched_input_to_conv_layer(torch):
    compare_with_torch(torch, lambda nn: nn.Conv2d(2, 3, 3), (2, 5, 5))


def test_small_cnn_matches_pytorch_end_to_end(torch):
    def make(nn):
        return nn.Sequential(
            nn.Conv2d(1, 4, 3, padding=1), nn.BatchNorm2d(4), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(4, 8, 3), nn.ReLU(), nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(8, 3),
        )  # fmt: skip

    compare_with_torch(torch, make, (4, 1, 8, 8), atol=1e-4)


def test_layers_in_float64_pass_gradcheck():
    gen = np.random.default_rng(0)
    conv = nn.Conv2d(2, 3, 3, stride=2, padding=1, dtype=np.float64, generator=gen)
    bn = nn.BatchNorm2d(3, dtype=np.float64)
    fc = nn.Linear(3 * 2 * 2, 2, dtype=np.float64, generator=gen)
    assert all(p.dtype == np.float64 for m in (conv, bn, fc) for p in m.parameters())
    x = Tensor(gen.standard_normal((2, 2, 4, 4)), requires_grad=True)

    def net(x, weight, bias):  # gradcheck perturbs these tensors' data in place; the layers use them
        return fc(bn(conv(x)).relu().flatten(1))

    assert gradcheck(net, [x, conv.weight, conv.bias])


# ---- BatchNorm ----


@pytest.mark.parametrize(
    "make, x_shape",
    [
        (lambda nn: nn.BatchNorm1d(3), (6, 3)),
        (lambda nn: nn.BatchNorm1d(3, momentum=0.3), (4, 3, 5)),
        (lambda nn: nn.BatchNorm2d(2), (3, 2, 4, 4)),
        (lambda nn: nn.BatchNorm2d(2, momentum=None), (3, 2, 2, 3)),
        (lambda nn: nn.BatchNorm2d(2, affine=False), (3, 2, 2, 2)),
        (lambda nn: nn.BatchNorm2d(2, bias=False, eps=1e-3), (3, 2, 2, 2)),
        (lambda nn: nn.BatchNorm1d(3, track_running_stats=False), (5, 3)),
        (lambda nn: nn.BatchNorm3d(2), (3, 2, 2, 3, 2)),
    ],
)
def test_batchnorm_training_steps_running_stats_and_eval_match_pytorch(torch, make, x_shape):
    ours, theirs = make(nn), make(torch.nn)
    for step in range(3):  # three training batches, each with a backward pass
        rng = np.random.default_rng(step)
        x = (rng.standard_normal(x_shape) * 3 + step).astype(np.float32)
        y = ours.train()(Tensor(x))
        expected = theirs.train()(torch.from_numpy(x)).detach().numpy()
        np.testing.assert_allclose(y.numpy(), expected, rtol=1e-5, atol=1e-5)
    for (k, v), (tk, tv) in zip(ours.state_dict().items(), theirs.state_dict().items()):
        assert k == tk
        np.testing.assert_allclose(v.numpy(), tv.numpy(), rtol=1e-5, atol=1e-6, err_msg=k)
    x = np.random.default_rng(9).standard_normal(x_shape).astype(np.float32)
    with torch.no_grad():
        expected = theirs.eval()(torch.from_numpy(x)).numpy()
    np.testing.assert_allclose(ours.eval()(Tensor(x)).numpy(), expected, rtol=1e-5, atol=1e-5)


def test_batchnorm_gradients_match_pytorch(torch):
    compare_with_torch(torch, lambda nn: nn.BatchNorm2d(3), (4, 3, 2, 3))
    compare_with_torch(torch, lambda nn: nn.BatchNorm1d(3), (5, 3, 2))


@pytest.mark.parametrize("training", [True, False])
def test_functional_batch_norm_matches_pytorch(torch, training):
    rng = np.random.default_rng(4)
    x = rng.standard_normal((4, 3, 5))
    mean, var = rng.standard_normal(3), rng.random(3) + 0.5
    weight, bias = rng.standard_normal(3), rng.standard_normal(3)
    ours_stats, theirs_stats = [Tensor(mean.copy()), Tensor(var.copy())], [torch.tensor(mean), torch.tensor(var)]
    y = batch_norm(Tensor(x), *ours_stats, Tensor(weight), Tensor(bias), training, momentum=0.2, eps=1e-3)
    expected = torch.nn.functional.batch_norm(
        torch.tensor(x), *theirs_stats, torch.tensor(weight), torch.tensor(bias), training, 0.2, 1e-3
    )
    np.testing.assert_allclose(y.numpy(), expected.numpy(), rtol=1e-10, atol=1e-12)
    for ours, theirs in zip(ours_stats, theirs_stats):
        np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-12)


def test_functional_batch_norm_passes_gradcheck():
    rng = np.random.default_rng(5)
    x = Tensor(rng.standard_normal((3, 2, 2, 2)), requires_grad=True)
    weight = Tensor(rng.standard_normal(2), requires_grad=True)
    bias = Tensor(rng.standard_normal(2), requires_grad=True)
    assert gradcheck(lambda x, w, b: batch_norm(x, None, None, w, b, training=True), [x, weight, bias])


def test_batchnorm_running_statistics_by_hand():
    bn = nn.BatchNorm1d(1, momentum=0.5)
    x = np.array([[1.0], [2.0], [6.0]], np.float32)  # mean 3, biased var 14/3, unbiased var 7
    y = bn(Tensor(x))
    np.testing.assert_allclose(y.numpy()[:, 0], (x[:, 0] - 3) / np.sqrt(14 / 3 + 1e-5), rtol=1e-6)
    np.testing.assert_allclose(bn.running_mean.numpy(), [0.5 * 0 + 0.5 * 3])
    np.testing.assert_allclose(bn.running_var.numpy(), [0.5 * 1 + 0.5 * 7])
    assert bn.num_batches_tracked.item() == 1 and bn.num_batches_tracked.dtype == np.int64
    bn.eval()
    np.testing.assert_allclose(bn(Tensor([[1.5]])).numpy(), [[0.0]], atol=1e-6)
    assert bn.num_batches_tracked.item() == 1  # evaluation leaves the statistics alone


def test_batchnorm_input_checks():
    with pytest.raises(ValueError, match=r"BatchNorm2d expects 3 input channels, got input of shape \(2, 4, 5, 5\)"):
        nn.BatchNorm2d(3)(Tensor(np.zeros((2, 4, 5, 5), np.float32)))
    with pytest.raises(ValueError, match=r"BatchNorm1d expects a 2-D or 3-D input"):
        nn.BatchNorm1d(3)(Tensor(np.zeros((2, 3, 4, 4), np.float32)))
    with pytest.raises(ValueError, match="more than 1 value per channel"):
        nn.BatchNorm1d(3)(Tensor(np.zeros((1, 3), np.float32)))


# ---- Dropout ----


def test_dropout_statistics_and_scaling():
    drop = nn.Dropout(0.25, generator=np.random.default_rng(0))
    y = drop(Tensor(np.ones((200, 500), np.float32))).numpy()
    kept = y != 0
    assert abs(kept.mean() - 0.75) < 0.005  # 100,000 Bernoulli(0.75): std 0.0014
    np.testing.assert_allclose(y[kept], 1 / 0.75, rtol=1e-6)  # survivors scaled: E[y] = x
    assert abs(y.mean() - 1.0) < 0.01


def test_dropout_eval_is_identity_and_gradient_follows_the_mask():
    x = Tensor(np.arange(1.0, 11.0, dtype=np.float32), requires_grad=True)
    drop = nn.Dropout(0.5, generator=np.random.default_rng(1))
    assert drop.eval()(x) is x
    y = drop.train()(x)
    y.sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), (y.numpy() != 0) * 2.0)


def test_dropout_is_reproducible_with_a_seed():
    x = Tensor(np.ones(50, np.float32))
    tg.manual_seed(5)
    a = nn.Dropout(0.5)(x).numpy()
    tg.manual_seed(5)
    np.testing.assert_array_equal(nn.Dropout(0.5)(x).numpy(), a)
    np.testing.assert_array_equal(nn.Dropout(0.0)(x).numpy(), 1.0)


# ---- initialisation ----


@pytest.mark.parametrize(
    "layer, fan_in",
    [
        (nn.Linear(50, 40), 50),
        (nn.Conv2d(6, 20, 5, groups=2), 3 * 25),
        (nn.Conv1d(4, 30, 7), 4 * 7),
        (nn.ConvTranspose2d(8, 12, 3, groups=2), 6 * 9),  # PyTorch takes fan_in from weight.shape[1]
    ],
)
def test_default_init_is_uniform_within_one_over_sqrt_fan_in(layer, fan_in):
    bound = 1 / math.sqrt(fan_in)
    w, b = layer.weight.numpy(), layer.bias.numpy()
    assert w.dtype == np.float32 and np.abs(w).max() <= bound and np.abs(b).max() <= bound
    assert np.abs(w).max() > 0.9 * bound  # uses the whole interval
    assert abs(w.std() - bound / math.sqrt(3)) < 0.1 * bound  # std of U(-b, b) is b/sqrt(3)


def test_default_init_bounds_equal_pytorchs(torch):
    for ours, theirs in [
        (nn.Conv2d(6, 20, 5, groups=2), torch.nn.Conv2d(6, 20, 5, groups=2)),
        (nn.ConvTranspose2d(8, 12, 3, groups=2), torch.nn.ConvTranspose2d(8, 12, 3, groups=2)),
        (nn.Linear(50, 40), torch.nn.Linear(50, 40)),
    ]:
        fan_in, fan_out = init.fan_in_and_fan_out(ours.weight)
        assert (fan_in, fan_out) == torch.nn.init._calculate_fan_in_and_fan_out(theirs.weight)
        bound = 1 / math.sqrt(fan_in)
        for name, p in ours.named_parameters():
            assert np.abs(p.numpy()).max() <= bound
            assert getattr(theirs, name).detach().abs().max().item() <= bound


def test_initialisation_is_reproducible():
    a = nn.Conv2d(3, 4, 3, generator=np.random.default_rng(7))
    b = nn.Conv2d(3, 4, 3, generator=np.random.default_rng(7))
    np.testing.assert_array_equal(a.weight.numpy(), b.weight.numpy())
    tg.manual_seed(3)
    c = nn.Linear(5, 5)
    tg.manual_seed(3)
    d = nn.Linear(5, 5)
    np.testing.assert_array_equal(c.weight.numpy(), d.weight.numpy())
    np.testing.assert_array_equal(c.bias.numpy(), d.bias.numpy())
    assert not np.array_equal(c.weight.numpy(), nn.Linear(5, 5).weight.numpy())


def test_init_functions_statistics():
    gen = np.random.default_rng(0)
    w = Tensor(np.empty((400, 300), np.float32))
    fan_in, fan_out = 300, 400
    init.kaiming_normal_(w, nonlinearity="relu", generator=gen)
    assert abs(w.numpy().std() - math.sqrt(2 / fan_in)) < 0.01 * math.sqrt(2 / fan_in)
    init.kaiming_uniform_(w, mode="fan_out", nonlinearity="relu", generator=gen)
    assert np.abs(w.numpy()).max() <= math.sqrt(6 / fan_out)
    init.xavier_uniform_(w, generator=gen)
    bound = math.sqrt(6 / (fan_in + fan_out))
    assert np.abs(w.numpy()).max() <= bound and np.abs(w.numpy()).max() > 0.99 * bound
    init.xavier_normal_(w, gain=2.0, generator=gen)
    assert abs(w.numpy().std() - 2 * math.sqrt(2 / (fan_in + fan_out))) < 0.02 * math.sqrt(2 / (fan_in + fan_out))
    init.normal_(w, mean=3.0, std=0.5, generator=gen)
    assert abs(w.numpy().mean() - 3.0) < 0.01 and abs(w.numpy().std() - 0.5) < 0.01
    init.uniform_(w, -2.0, -1.0, generator=gen)
    assert w.numpy().min() >= -2.0 and w.numpy().max() <= -1.0
    assert init.zeros_(w) is w and not w.numpy().any()
    assert init.ones_(w).numpy().min() == 1.0 and w.dtype == np.float32


def test_init_gain_matches_pytorch(torch):
    for nonlinearity, param in [("relu", None), ("tanh", None), ("leaky_relu", 0.2), ("linear", None), ("selu", None)]:
        assert init.calculate_gain(nonlinearity, param) == pytest.approx(
            torch.nn.init.calculate_gain(nonlinearity, param)
        )


# ---- argument checks ----


@pytest.mark.parametrize(
    "make, message",
    [
        (lambda: nn.Conv2d(0, 8, 3), "Conv2d: in_channels must be a positive integer, got 0"),
        (lambda: nn.Conv2d(3, 8, 0), r"Conv2d: kernel_size must be a positive integer or a tuple of 2"),
        (lambda: nn.Conv2d(3, 8, (3, 3, 3)), r"Conv2d: kernel_size .* got \(3, 3, 3\)"),
        (lambda: nn.Conv2d(3, 8, 3, stride=1.5), "Conv2d: stride must be a positive integer"),
        (lambda: nn.Conv2d(3, 8, 3, padding=-1), "Conv2d: padding must be a non-negative integer"),
        (lambda: nn.Conv2d(4, 6, 3, groups=4), "groups=4 must divide both in_channels=4 and out_channels=6"),
        (lambda: nn.Conv1d(4, 4, 3, stride=2, padding="same"), "padding='same' needs stride 1"),
        (lambda: nn.Conv1d(4, 4, 3, padding="full"), "padding must be 'same', 'valid' or integers"),
        (lambda: nn.Conv2d(3, 8, 3, padding_mode="mirror"), "padding_mode must be one of"),
        (
            lambda: nn.ConvTranspose2d(3, 8, 3, stride=2, output_padding=2),
            r"ConvTranspose2d: output_padding \(2\) must be smaller than stride \(2\)",
        ),
        (lambda: nn.Linear(0, 3), "Linear: in_features must be a positive integer, got 0"),
        (lambda: nn.Linear(3.0, 3), "Linear: in_features must be a positive integer, got 3.0"),
        (lambda: nn.Linear(3, 3, dtype=np.int64), "Linear: dtype must be a floating-point type"),
        (lambda: nn.MaxPool2d(0), "MaxPool2d: kernel_size must be a positive integer"),
        (lambda: nn.AvgPool1d(2, stride=0), "AvgPool1d: stride must be a positive integer"),
        (lambda: nn.AdaptiveAvgPool2d(0), "AdaptiveAvgPool2d: output_size must be a positive integer"),
        (lambda: nn.BatchNorm2d(0), "BatchNorm2d: num_features must be a positive integer"),
        (lambda: nn.BatchNorm2d(3, momentum=1.5), "BatchNorm2d: momentum must be in"),
        (lambda: nn.Dropout(1.5), r"Dropout: p must be a probability in \[0, 1\], got 1.5"),
    ],
)
def test_bad_hyperparameters_are_rejected_at_construction(make, message):
    with pytest.raises(ValueError, match=message):
        make()


def test_input_checks_name_the_layer_and_shape():
    with pytest.raises(
        ValueError, match=r"Conv2d\(k=5, s=1, p=0, d=1\) expects 3 input channels, got input of shape \(1, 4, 8, 8\)"
    ):
        nn.Conv2d(3, 8, 5)(Tensor(np.zeros((1, 4, 8, 8), np.float32)))
    with pytest.raises(ValueError, match=r"Conv2d\(k=5, s=1, p=0, d=1\) expects a 4-D or 3-D input .* shape \(8, 8\)"):
        nn.Conv2d(3, 8, 5)(Tensor(np.zeros((8, 8), np.float32)))
    with pytest.raises(ValueError, match=r"Linear\(10, 2\) expects inputs with 10 features .*\(2, 3, 4\).*Flatten"):
        nn.Linear(10, 2)(Tensor(np.zeros((2, 3, 4), np.float32)))
    with pytest.raises(ValueError, match=r"MaxPool2d\(k=2, s=2, p=0, d=1\) expects a 4-D or 3-D input"):
        nn.MaxPool2d(2)(Tensor(np.zeros((2, 2), np.float32)))
    with pytest.raises(TypeError, match="expects a Tensor"):
        nn.Conv1d(1, 1, 1)(np.zeros((1, 1, 3)))


def test_functional_errors_carry_the_layer_description():
    with pytest.raises(ValueError, match=r"Conv2d\(k=5, s=1, p=0, d=1\)"):
        nn.Conv2d(1, 1, 5)(Tensor(np.zeros((1, 1, 3, 3), np.float32)))  # output would be empty
    with pytest.raises(ValueError, match=r"MaxPool2d\(k=\(2, 3\), s=2, p=0, d=1\)"):
        nn.MaxPool2d((2, 3), stride=2)(Tensor(np.zeros((1, 1, 1, 1), np.float32)))


def zeros32(*shape: int) -> Tensor:
    return Tensor(np.zeros(shape, np.float32))


LAYER_AND_FUNCTION_CHECKS = [
    ("Conv2d", lambda: nn.Conv2d(3, 8, 3, stride=0),
     "conv2d", lambda: F.conv2d(zeros32(1, 3, 8, 8), zeros32(8, 3, 3, 3), stride=0)),
    ("Conv1d", lambda: nn.Conv1d(3, 8, 3, stride=2, padding="same"),
     "conv1d", lambda: F.conv1d(zeros32(1, 3, 8), zeros32(8, 3, 3), stride=2, padding="same")),
    ("ConvTranspose2d", lambda: nn.ConvTranspose2d(3, 8, 3, stride=2, output_padding=2),
     "conv_transpose2d",
     lambda: F.conv_transpose2d(zeros32(1, 3, 4, 4), zeros32(3, 8, 3, 3), stride=2, output_padding=2)),
    ("MaxPool2d", lambda: nn.MaxPool2d(3, padding=2),
     "max_pool2d", lambda: F.max_pool2d(zeros32(1, 1, 8, 8), 3, padding=2)),
    ("AvgPool1d", lambda: nn.AvgPool1d(2, stride=0),
     "avg_pool1d", lambda: F.avg_pool1d(zeros32(1, 1, 8), 2, stride=0)),
    ("AdaptiveAvgPool2d", lambda: nn.AdaptiveAvgPool2d(0),
     "adaptive_avg_pool2d", lambda: F.adaptive_avg_pool2d(zeros32(1, 1, 8, 8), 0)),
    ("Dropout", lambda: nn.Dropout(1.5), "dropout", lambda: F.dropout(zeros32(4), 1.5)),
]  # fmt: skip


@pytest.mark.parametrize("layer_name, layer, function_name, function", LAYER_AND_FUNCTION_CHECKS)
def test_a_layer_and_its_function_share_one_check(layer_name, layer, function_name, function):
    """The layer checks a hyperparameter when it is built, its function when it is called: one helper, so
    the two messages differ only in the name."""
    with pytest.raises(ValueError) as by_layer:
        layer()
    with pytest.raises(ValueError) as by_function:
        function()
    assert str(by_layer.value).startswith(f"{layer_name}: ")
    assert str(by_layer.value).replace(layer_name, function_name, 1) == str(by_function.value)


def test_adaptive_pooling_layer_keeps_an_axis_given_as_none_and_linear_wants_a_tensor():
    assert nn.AdaptiveAvgPool2d((None, 2))(zeros32(1, 3, 5, 8)).shape == (1, 3, 5, 2)
    assert repr(nn.AdaptiveAvgPool2d((None, 2))) == "AdaptiveAvgPool2d(output_size=(None, 2))"
    with pytest.raises(TypeError, match="linear expects a Tensor, got list"):
        F.linear([1.0, 2.0], zeros32(3, 2))
