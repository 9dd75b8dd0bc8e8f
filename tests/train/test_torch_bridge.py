"""to_torch / from_torch: LeNet-5 (with its own Subsampling, PartialConv2d and RBF layers), the tiny CNN, the
MNIST-1D and digits models go to PyTorch and back with the same weights and the same outputs.

Skipped as a whole without torch (CI installs it, and ``conftest.py`` refuses to run CI without it); the
error without torch is tested in ``test_torch_absent.py``."""

from collections import OrderedDict

import numpy as np
import pytest

from tinygrad_cnn import Tensor, nn
from tinygrad_cnn.models import ARCHITECTURES, build
from tinygrad_cnn.train import from_torch, to_torch

torch = pytest.importorskip("torch")


def _outputs_agree(ours, theirs, shape, seed=0, atol=1e-5):
    x = np.random.default_rng(seed).standard_normal((3, *shape)).astype(np.float32)
    mine = ours(Tensor(x)).numpy()
    with torch.no_grad():
        other = theirs(torch.from_numpy(x)).numpy()
    np.testing.assert_allclose(mine, other, rtol=1e-5, atol=atol)
    return mine


@pytest.mark.parametrize("name", ["lenet5", "tiny_cnn", "mnist1d_cnn", "mnist1d_mlp", "mnist1d_logistic",
                                  "digits_cnn", "digits_mlp10x", "edges_conv"])  # fmt: skip
def test_to_torch_and_back_keeps_weights_and_outputs(name):
    architecture = ARCHITECTURES[name]
    ours = build(architecture, generator=np.random.default_rng(1))
    theirs = to_torch(ours)
    assert isinstance(theirs, torch.nn.Sequential) and list(dict(theirs.named_children())) == list(
        dict(ours.named_children())
    )
    for key, value in ours.state_dict().items():
        assert np.array_equal(theirs.state_dict()[key].numpy(), value.numpy()), key
    out = _outputs_agree(ours, theirs, architecture.input_shape, atol=1e-3 if name == "lenet5" else 1e-5)
    back = from_torch(theirs)
    assert back.state_dict().keys() == ours.state_dict().keys()
    assert all(np.array_equal(back.state_dict()[k].numpy(), v.numpy()) for k, v in ours.state_dict().items())
    x = np.random.default_rng(0).standard_normal((3, *architecture.input_shape)).astype(np.float32)
    assert np.array_equal(back(Tensor(x)).numpy(), out)


def test_lenet5_custom_layers_become_small_torch_modules():
    theirs = to_torch(build(ARCHITECTURES["lenet5"]))
    kinds = [type(m).__name__ for m in theirs]
    assert kinds[:4] == ["Conv2d", "Tanh", "TorchSubsampling", "Tanh"] and kinds[4] == "TorchPartialConv2d"
    assert kinds[-1] == "TorchRBF" and len(theirs.C3.maps) == 16


def test_from_torch_reads_a_native_torch_model_with_batchnorm_and_nesting():
    torch.manual_seed(0)
    theirs = torch.nn.Sequential(OrderedDict(
        features=torch.nn.Sequential(torch.nn.Conv2d(1, 4, 3, padding=1, padding_mode="reflect"),
                                     torch.nn.BatchNorm2d(4), torch.nn.ReLU(), torch.nn.MaxPool2d(2)),
        head=torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Dropout(0.1), torch.nn.Linear(64, 5),
                                 torch.nn.LogSoftmax(dim=1)),
    ))  # fmt: skip
    theirs(torch.randn(8, 1, 8, 8))  # move the running statistics away from 0 and 1
    theirs.eval()
    ours = from_torch(theirs)
    assert not ours.training and isinstance(ours.features[1], nn.BatchNorm2d)
    assert np.array_equal(ours.features[1].running_mean.numpy(), theirs.features[1].running_mean.numpy())
    _outputs_agree(ours, theirs, (1, 8, 8))
    again = to_torch(ours)
    _outputs_agree(ours, again, (1, 8, 8), seed=1)


def test_training_mode_and_float64_carry_over():
    ours = nn.Sequential(nn.Conv1d(2, 3, 3, dtype=np.float64), nn.Tanh())
    theirs = to_torch(ours)
    assert theirs.training and theirs[0].weight.dtype == torch.float64
    with pytest.raises(ValueError, match="only float32 weights are translated"):
        from_torch(theirs)


def test_untranslatable_layers_are_named():
    class Custom(nn.Module):
        def forward(self, x):
            return x

    with pytest.raises(ValueError, match=r"to_torch: model\.1 is a Custom, which has no PyTorch translation"):
        to_torch(nn.Sequential(nn.Linear(2, 2), Custom()))
    with pytest.raises(ValueError, match=r"from_torch: module\.0 is a torch\.nn\.modules\.activation\.GELU"):
        from_torch(torch.nn.Sequential(torch.nn.GELU()))
    with pytest.raises(TypeError, match="expected a torch.nn.Module, got Sequential"):
        from_torch(nn.Sequential(nn.ReLU()))
