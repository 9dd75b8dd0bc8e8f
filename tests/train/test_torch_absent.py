"""Without PyTorch, to_torch and from_torch say what is missing (run with torch hidden from import)."""

import sys

import pytest

from tinygrad_cnn import nn
from tinygrad_cnn.train import from_torch, to_torch


def test_a_clear_error_when_torch_is_absent(monkeypatch):
    monkeypatch.setitem(sys.modules, "torch", None)  # `import torch` now raises ImportError
    for function, argument in ((to_torch, nn.Sequential(nn.ReLU())), (from_torch, object())):
        with pytest.raises(ImportError, match=r"need PyTorch, which is not installed: pip install torch"):
            function(argument)
