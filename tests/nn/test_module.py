"""Module mechanics: registration, traversal, train/eval, state dicts (keys and shapes equal to PyTorch's
for the same architecture, exact round trips, clear load errors) and the printed summary."""

from __future__ import annotations

import re

import numpy as np
import pytest

from tinygrad_cnn import Tensor, nn


@pytest.fixture
def torch():
    return pytest.importorskip("torch")


class Block(nn.Module):
    def __init__(self, channels: int, gen: np.random.Generator | None = None):
        super().__init__()
        self.conv = nn.Conv2d(channels, channels, 3, padding=1, bias=False, generator=gen)
        self.bn = nn.BatchNorm2d(channels)
        self.scale = nn.Parameter(np.ones(1, dtype=np.float32))

    def forward(self, x):
        return (self.bn(self.conv(x)) * self.scale).relu() + x


class Net(nn.Module):
    def __init__(self, seed: int = 0):
        super().__init__()
        gen = np.random.default_rng(seed)
        self.features = nn.Sequential(nn.Conv2d(1, 4, 3, generator=gen), nn.BatchNorm2d(4), nn.ReLU(), nn.MaxPool2d(2))
        self.block = Block(4, gen)
        self.head = nn.Sequential(nn.Flatten(), nn.Linear(4 * 3 * 3, 5, generator=gen), nn.BatchNorm1d(5))

    def forward(self, x):
        return self.head(self.block(self.features(x)))


def torch_net(torch):
    """The same architecture as :class:`Net`, in PyTorch."""
    tnn = torch.nn

    class TBlock(tnn.Module):
        def __init__(self, channels):
            super().__init__()
            self.conv = tnn.Conv2d(channels, channels, 3, padding=1, bias=False)
            self.bn = tnn.BatchNorm2d(channels)
            self.scale = tnn.Parameter(torch.ones(1))

        def forward(self, x):
            return torch.relu(self.bn(self.conv(x)) * self.scale) + x

    class TNet(tnn.Module):
        def __init__(self):
            super().__init__()
            self.features = tnn.Sequential(tnn.Conv2d(1, 4, 3), tnn.BatchNorm2d(4), tnn.ReLU(), tnn.MaxPool2d(2))
            self.block = TBlock(4)
            self.head = tnn.Sequential(tnn.Flatten(), tnn.Linear(4 * 3 * 3, 5), tnn.BatchNorm1d(5))

        def forward(self, x):
            return self.head(self.block(self.features(x)))

    return TNet()


def keys_and_shapes(state):
    return [(k, tuple(v.shape), str(v.dtype).replace("torch.", "")) for k, v in state.items()]


# ---- registration and traversal ----


def test_assignment_registers_parameters_buffers_and_children():
    net = Net()
    names = [name for name, _ in net.named_parameters()]
    assert names == [
        "features.0.weight", "features.0.bias", "features.1.weight", "features.1.bias",
        "block.scale", "block.conv.weight", "block.bn.weight", "block.bn.bias",
        "head.1.weight", "head.1.bias", "head.2.weight", "head.2.bias",
    ]  # fmt: skip
    assert [name for name, _ in net.named_children()] == ["features", "block", "head"]
    assert len(list(net.modules())) == 1 + 5 + 3 + 4
    assert [name for name, _ in net.named_buffers()][:3] == [
        "features.1.running_mean", "features.1.running_var", "features.1.num_batches_tracked",
    ]  # fmt: skip
    assert all(p.requires_grad for p in net.parameters())
    assert net.num_parameters() == sum(p.numel() for p in net.parameters())


def test_shared_parameters_are_counted_once():
    layer = nn.Linear(3, 3)
    net = nn.Sequential(layer, nn.ReLU(), layer)
    assert len(list(net.parameters())) == 2 and net.num_parameters() == 12
    assert list(net.state_dict()) == ["0.weight", "0.bias", "2.weight", "2.bias"]  # as PyTorch: no dedup


def test_reassigning_and_deleting_attributes():
    m = nn.Module()
    m.w = nn.Parameter([1.0])
    m.w = None  # a declared but absent parameter
    assert list(m.named_parameters()) == []
    with pytest.raises(TypeError, match="is a parameter"):
        m.w = Tensor([1.0])
    m.w = nn.Parameter([2.0])
    m.register_buffer("b", Tensor([0.0]))
    with pytest.raises(TypeError, match="is a buffer"):
        m.b = 3.0
    del m.w
    assert not hasattr(m, "w") and list(m.parameters()) == []
    m.child = nn.Linear(1, 1)
    m.child = nn.Parameter([1.0])  # a name moves from one registry to another
    assert list(m.children()) == [] and [n for n, _ in m.named_parameters()] == ["child"]
    with pytest.raises(AttributeError, match="no attribute 'missing'"):
        m.missing  # noqa: B018
    m.plain, m.nothing = 3, None
    del m.plain, m.nothing
    assert not hasattr(m, "plain") and not hasattr(m, "nothing")
    with pytest.raises(AttributeError, match="no attribute 'plain'"):
        del m.plain


def test_assigning_before_super_init_is_explained():
    class Forgetful(nn.Module):
        def __init__(self):
            self.layer = nn.Linear(1, 1)

    with pytest.raises(AttributeError, match=r"super\(\).__init__\(\)"):
        Forgetful()


def test_non_persistent_buffers_are_not_saved():
    m = nn.Module()
    m.register_buffer("kept", Tensor([1.0]))
    m.register_buffer("scratch", Tensor([2.0]), persistent=False)
    assert list(m.state_dict()) == ["kept"] and len(list(m.buffers())) == 2


def test_train_eval_reach_every_module_and_return_self():
    net = Net()
    assert net.training and all(m.training for m in net.modules())
    assert net.eval() is net
    assert not any(m.training for m in net.modules())
    net.train()
    assert all(m.training for m in net.modules())


def test_zero_grad_sets_grads_to_none():
    net = nn.Sequential(nn.Linear(3, 2), nn.Tanh())
    net(Tensor(np.ones((4, 3), np.float32))).sum().backward()
    assert all(p.grad is not None for p in net.parameters())
    net.zero_grad()
    assert all(p.grad is None for p in net.parameters())


def test_forward_must_be_defined():
    with pytest.raises(NotImplementedError, match="Module does not define forward"):
        nn.Module()(Tensor([1.0]))


# ---- Sequential and ModuleList ----


def test_sequential_indexing_len_iteration_append():
    a, b, c = nn.Linear(2, 3), nn.ReLU(), nn.Linear(3, 1)
    seq = nn.Sequential(a, b)
    assert len(seq) == 2 and seq[0] is a and seq[-1] is b and list(seq) == [a, b]
    seq.append(c)
    assert seq[2] is c and [n for n, _ in seq.named_children()] == ["0", "1", "2"]
    tail = seq[1:]
    assert isinstance(tail, nn.Sequential) and list(tail) == [b, c]
    assert list(tail.state_dict()) == ["2.weight", "2.bias"]  # slices keep their keys, as in PyTorch
    with pytest.raises(IndexError, match="index 3 is out of range for length 3"):
        seq[3]
    x = Tensor(np.ones((4, 2), np.float32))
    np.testing.assert_array_equal(seq(x).numpy(), c(b(a(x))).numpy())


def test_sequential_from_named_layers_and_module_list():
    from collections import OrderedDict

    seq = nn.Sequential(OrderedDict(fc=nn.Linear(2, 2), act=nn.ReLU()))
    assert list(seq.state_dict()) == ["fc.weight", "fc.bias"]
    layers = nn.ModuleList([nn.Linear(2, 2) for _ in range(3)])
    assert len(layers) == 3 and len(list(layers.parameters())) == 6
    assert list(layers.state_dict())[-1] == "2.bias"


# ---- state dicts ----


def test_state_dict_keys_shapes_and_dtypes_equal_pytorch(torch):
    ours, theirs = Net(), torch_net(torch)
    assert keys_and_shapes(ours.state_dict()) == keys_and_shapes(theirs.state_dict())


@pytest.mark.parametrize(
    "make",
    [
        lambda nn: nn.Sequential(nn.Conv1d(2, 4, 3, groups=2, bias=False), nn.BatchNorm1d(4, affine=False)),
        lambda nn: nn.Sequential(nn.ConvTranspose2d(4, 2, 3, stride=2), nn.BatchNorm2d(2, track_running_stats=False)),
        lambda nn: nn.Sequential(nn.Conv3d(1, 2, (1, 2, 3)), nn.ConvTranspose1d(2, 6, 2, groups=2)),
        lambda nn: nn.Sequential(nn.Linear(3, 4, bias=False), nn.Dropout(0.1), nn.Softmax(dim=1)),
    ],
)
def test_state_dict_keys_equal_pytorch_for_more_layers(torch, make):
    assert keys_and_shapes(make(nn).state_dict()) == keys_and_shapes(make(torch.nn).state_dict())


def test_pytorch_loads_our_state_dict_and_computes_the_same(torch):
    ours, theirs = Net(seed=3), torch_net(torch)
    theirs.load_state_dict({k: torch.from_numpy(v.numpy().copy()) for k, v in ours.state_dict().items()})
    x = np.random.default_rng(0).standard_normal((6, 1, 8, 8)).astype(np.float32)
    ours.eval(), theirs.eval()
    with torch.no_grad():
        expected = theirs(torch.from_numpy(x)).numpy()
    np.testing.assert_allclose(ours(Tensor(x)).numpy(), expected, rtol=1e-5, atol=1e-5)


def test_state_dict_round_trip_is_exact_and_in_place():
    a, b = Net(seed=1), Net(seed=2)
    a.train()(Tensor(np.random.default_rng(0).standard_normal((4, 1, 8, 8)).astype(np.float32)))  # stats move
    weight_before = b.features[0].weight
    result = b.load_state_dict(a.state_dict())
    assert result.missing_keys == [] and result.unexpected_keys == []
    assert b.features[0].weight is weight_before  # copied into the same Parameter
    for (ka, va), (kb, vb) in zip(a.state_dict().items(), b.state_dict().items()):
        assert ka == kb and va.dtype == vb.dtype
        assert va.numpy().tobytes() == vb.numpy().tobytes()
    assert b.features[1].num_batches_tracked.dtype == np.int64 and b.features[1].num_batches_tracked.item() == 1


def test_state_dict_is_a_snapshot():
    layer = nn.Linear(2, 2)
    saved = layer.state_dict()
    layer.weight.data[...] = 7.0
    assert not np.any(saved["weight"].numpy() == 7.0)


def test_load_errors_name_keys_and_shapes_and_change_nothing():
    net = nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 2))
    before = {k: v.numpy().copy() for k, v in net.state_dict().items()}
    state = net.state_dict()
    state["0.weight"] = Tensor(np.zeros((4, 5), np.float32))
    del state["2.bias"]
    state["extra"] = Tensor([1.0])
    with pytest.raises(ValueError) as info:
        net.load_state_dict(state)
    message = str(info.value)
    assert "missing keys: '2.bias'" in message and "unexpected keys: 'extra'" in message
    assert "size mismatch for 0.weight: the state dict has shape (4, 5), this model has shape (4, 3)" in message
    for k, v in net.state_dict().items():
        np.testing.assert_array_equal(v.numpy(), before[k])


def test_non_strict_load_reports_keys_but_shapes_still_must_match():
    net = nn.Sequential(nn.Linear(3, 4))
    result = net.load_state_dict({"0.weight": np.ones((4, 3), np.float32), "x": np.zeros(1)}, strict=False)
    assert result.missing_keys == ["0.bias"] and result.unexpected_keys == ["x"]
    np.testing.assert_array_equal(net[0].weight.numpy(), 1.0)
    with pytest.raises(ValueError, match="size mismatch for 0.bias"):
        net.load_state_dict({"0.bias": np.ones(5, np.float32)}, strict=False)


def test_load_refuses_float_into_int_buffer():
    bn = nn.BatchNorm1d(2)
    state = bn.state_dict()
    state["num_batches_tracked"] = Tensor(np.array(1.5))
    with pytest.raises(ValueError, match="dtype mismatch for num_batches_tracked"):
        bn.load_state_dict(state)


# ---- printing ----


def test_repr_nests_like_pytorch_with_parameter_counts():
    net = nn.Sequential(nn.Conv2d(1, 4, 3), nn.ReLU(), nn.Flatten(), nn.Linear(100, 10, bias=False))
    assert repr(net) == (
        "Sequential(\n"
        "  (0): Conv2d(1, 4, kernel_size=(3, 3), stride=(1, 1))  # weight (4, 1, 3, 3), bias (4,): 40 parameters\n"
        "  (1): ReLU()\n"
        "  (2): Flatten(start_dim=1, end_dim=-1)\n"
        "  (3): Linear(in_features=100, out_features=10, bias=False)  # weight (10, 100): 1,000 parameters\n"
        ")\n"
        "Total: 1,040 parameters"
    )


def test_repr_of_nested_models_indents_children():
    text = repr(Net())
    assert text.startswith("Net(\n  (features): Sequential(\n    (0): Conv2d(1, 4")
    assert "  (block): Block(  # scale (1,): 1 parameter\n    (conv): Conv2d(" in text
    assert text.endswith(f"\nTotal: {Net().num_parameters():,} parameters")


@pytest.mark.parametrize(
    "make",
    [
        lambda nn: nn.Conv2d(3, 8, 5),
        lambda nn: nn.Conv2d(3, 8, (3, 5), stride=2, padding=1, dilation=(1, 2), groups=1, bias=False),
        lambda nn: nn.Conv1d(4, 4, 3, padding="same", groups=2, padding_mode="circular"),
        lambda nn: nn.ConvTranspose2d(4, 2, 3, stride=2, output_padding=1),
        lambda nn: nn.Linear(3, 4),
        lambda nn: nn.BatchNorm2d(8),
        lambda nn: nn.BatchNorm1d(8, momentum=None, affine=False),
        lambda nn: nn.MaxPool2d(2),
        lambda nn: nn.MaxPool2d(3, stride=1, padding=1),
        lambda nn: nn.AvgPool2d(2),
        lambda nn: nn.ReLU(),
        lambda nn: nn.Softmax(dim=1),
        lambda nn: nn.Flatten(),
    ],
)
def test_each_layer_repr_starts_with_pytorchs(torch, make):
    ours, theirs = repr(make(nn)), repr(make(torch.nn))
    assert ours == theirs or ours.startswith(theirs + "  # "), (ours, theirs)


def test_repr_counts_singular_and_plain_modules():
    m = nn.Module()
    m.w = nn.Parameter([1.0])
    assert repr(m) == "Module()  # w (1,): 1 parameter"
    assert re.fullmatch(r"Dropout\(p=0\.5\)", repr(nn.Dropout()))


def test_zero_grad_can_keep_zero_tensors_as_pytorch_does():
    layer = nn.Linear(2, 1)
    layer(Tensor([[1.0, 2.0]])).sum().backward()
    layer.zero_grad(set_to_none=False)
    assert all(p.grad is not None and not p.grad.numpy().any() for p in layer.parameters())
    layer.zero_grad()
    assert all(p.grad is None for p in layer.parameters())
