"""Optimizers, in order of increasing complexity: plain SGD, SGD with momentum, Adam, AdamW.

Each ``step()`` updates every parameter that has a gradient, in place on ``param.data`` (so the model and
the optimizer keep sharing the same arrays), with exactly PyTorch's formulas. Parameters are organised in
``param_groups`` as in PyTorch: each group is a dict with its own ``"params"`` and hyperparameters
(e.g. a smaller ``lr`` for a pretrained backbone).

Examples:
    >>> from tinygrad_cnn import Tensor
    >>> w = Tensor([1.0, -2.0], requires_grad=True)
    >>> opt = SGD([w], lr=0.1)
    >>> (w * w).sum().backward()                          # grad = 2w = [2, -4]
    >>> opt.step()
    >>> w.tolist()                                        # w − 0.1·grad
    [0.800000011920929, -1.600000023841858]
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np

from ..engine.autograd import no_grad
from ..engine.tensor import Tensor

__all__ = ["Optimizer", "SGD", "Adam", "AdamW"]

Params = Iterable[Tensor] | Iterable[dict[str, Any]]


class Optimizer:
    """Base class: holds ``param_groups`` and per-parameter ``state``; subclasses write ``_update``.

    Args:
        params: tensors to optimise, or dicts ``{"params": [...], "lr": ..., ...}`` (one per group;
            missing hyperparameters take the optimizer's defaults).
        defaults: the optimizer's hyperparameters.
    """

    def __init__(self, params: Params, defaults: dict[str, Any]) -> None:
        self.defaults = dict(defaults)
        self.param_groups: list[dict[str, Any]] = []
        self.state: dict[Tensor, dict[str, Any]] = {}  # keyed by parameter (tensors hash by identity)
        params = list(params)
        if not params:
            raise ValueError(f"{type(self).__name__}: got an empty parameter list")
        for group in params if isinstance(params[0], Mapping) else [{"params": params}]:
            self.add_param_group(group)

    def add_param_group(self, group: Mapping[str, Any]) -> None:
        """Add a group of parameters with its own hyperparameters (defaults fill the rest)."""
        name = type(self).__name__
        group = dict(group)
        params = group["params"]
        group["params"] = [params] if isinstance(params, Tensor) else list(params)
        seen = {id(p) for g in self.param_groups for p in g["params"]}
        for p in group["params"]:
            if not isinstance(p, Tensor):
                raise TypeError(f"{name}: can only optimise Tensors, got {type(p).__name__}")
            if not p.requires_grad or not p.is_leaf:
                raise ValueError(f"{name}: can only optimise leaf tensors that require grad (shape {p.shape})")
            if id(p) in seen:
                raise ValueError(f"{name}: a parameter (shape {p.shape}) appears in more than one place")
            seen.add(id(p))
        for key, value in self.defaults.items():
            group.setdefault(key, value)
        self.param_groups.append(group)

    def zero_grad(self, set_to_none: bool = True) -> None:
        """Forget the gradients (``grad = None``, or zeros with ``set_to_none=False``), as PyTorch."""
        for group in self.param_groups:
            for p in group["params"]:
                if set_to_none or p.grad is None:
                    p.grad = None
                else:
                    p.grad = Tensor(np.zeros_like(p.grad.data))

    def step(self) -> None:
        """Update every parameter that has a gradient (those whose ``grad`` is None are skipped)."""
        with no_grad():
            for group in self.param_groups:
                for p in group["params"]:
                    if p.grad is not None:
                        self._update(p, p.grad.data, group, self.state.setdefault(p, {}))
                        p.bump_version()  # graphs built with the old values may not backpropagate now

    def _update(self, p: Tensor, grad: np.ndarray, group: dict[str, Any], state: dict[str, Any]) -> None:
        raise NotImplementedError

    # ---- checkpoints ----

    def state_dict(self) -> dict[str, Any]:
        """``{"state": {index: {...}}, "param_groups": [{..., "params": [indices]}]}``, as PyTorch;
        parameters are numbered in group order. Arrays are copied into Tensors."""
        index = {id(p): i for i, p in enumerate(p for g in self.param_groups for p in g["params"])}
        groups = [
            {**{k: v for k, v in g.items() if k != "params"}, "params": [index[id(p)] for p in g["params"]]}
            for g in self.param_groups
        ]
        state = {
            index[id(p)]: {k: Tensor(np.array(v, copy=True)) if isinstance(v, np.ndarray) else v for k, v in s.items()}
            for p, s in self.state.items()
        }
        return {"state": state, "param_groups": groups}

    def load_state_dict(self, state_dict: Mapping[str, Any]) -> None:
        """Restore hyperparameters and state saved by :meth:`state_dict` from an optimizer over the
        same parameters (same groups, same order)."""
        name = type(self).__name__
        groups = state_dict["param_groups"]
        if [len(g["params"]) for g in groups] != [len(g["params"]) for g in self.param_groups]:
            raise ValueError(
                f"{name}.load_state_dict: the saved groups have "
                f"{[len(g['params']) for g in groups]} parameters, this optimizer's have "
                f"{[len(g['params']) for g in self.param_groups]}"
            )
        params = [p for g in self.param_groups for p in g["params"]]
        new_state: dict[Tensor, dict[str, Any]] = {}
        for i, saved in state_dict["state"].items():
            p = params[int(i)]
            new_state[p] = {}
            for key, value in saved.items():
                if isinstance(value, (Tensor, np.ndarray)):
                    array = value.data if isinstance(value, Tensor) else value
                    if array.shape != p.shape:
                        raise ValueError(
                            f"{name}.load_state_dict: state {key!r} of parameter {i} has shape "
                            f"{array.shape}, the parameter has shape {p.shape}"
                        )
                    value = np.array(array, dtype=p.dtype, copy=True)
                new_state[p][key] = value
        for group, saved in zip(self.param_groups, groups):
            group.update({k: v for k, v in saved.items() if k != "params"})
        self.state = new_state

    def __repr__(self) -> str:
        lines = [f"{type(self).__name__} ("]
        for i, group in enumerate(self.param_groups):
            lines.append(f"Parameter Group {i}")
            lines += [f"    {k}: {v}" for k, v in sorted(group.items()) if k != "params"]
        return "\n".join(lines) + "\n)"


def _check_non_negative(name: str, **values: float) -> None:
    for key, value in values.items():
        if not value >= 0.0:
            raise ValueError(f"{name}: {key} must be non-negative, got {value!r}")


class SGD(Optimizer):
    """Stochastic gradient descent, with optional momentum (PyTorch's formulation):

    ``g ← grad + weight_decay · p``;
    with momentum: ``b ← momentum · b + (1 − dampening) · g`` (``b = g`` at the first step), then
    ``g ← g + momentum · b`` (Nesterov) or ``g ← b``; finally ``p ← p − lr · g``.
    """

    def __init__(
        self,
        params: Params,
        lr: float,
        momentum: float = 0.0,
        dampening: float = 0.0,
        weight_decay: float = 0.0,
        nesterov: bool = False,
    ) -> None:
        _check_non_negative("SGD", lr=lr, momentum=momentum, weight_decay=weight_decay)
        if nesterov and (momentum <= 0 or dampening != 0):
            raise ValueError("SGD: nesterov=True needs momentum > 0 and dampening = 0")
        defaults = dict(lr=lr, momentum=momentum, dampening=dampening, weight_decay=weight_decay, nesterov=nesterov)
        super().__init__(params, defaults)

    def _update(self, p: Tensor, grad: np.ndarray, group: dict[str, Any], state: dict[str, Any]) -> None:
        momentum, dampening = group["momentum"], group["dampening"]
        if group["weight_decay"]:
            grad = grad + group["weight_decay"] * p.data
        if momentum:
            buf = state.get("momentum_buffer")
            if buf is None:
                buf = state["momentum_buffer"] = np.array(grad, copy=True)
            else:
                buf *= momentum
                buf += (1 - dampening) * grad
            grad = grad + momentum * buf if group["nesterov"] else buf
        p.data -= group["lr"] * grad


class Adam(Optimizer):
    """Adam (Kingma & Ba, 2015): per-parameter step sizes from running moments of the gradient.

    At step ``t``: ``g ← grad + weight_decay · p`` (L2 penalty),
    ``m ← β1 m + (1 − β1) g``, ``v ← β2 v + (1 − β2) g²``, and
    ``p ← p − lr / (1 − β1^t) · m / (sqrt(v) / sqrt(1 − β2^t) + eps)``
    (the ``1 − β^t`` factors undo the bias of starting ``m`` and ``v`` at zero). With ``amsgrad=True``
    (Reddi et al., 2018) the denominator uses the largest ``v`` seen so far, so step sizes never grow.
    """

    decoupled_weight_decay = False

    def __init__(
        self,
        params: Params,
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0.0,
        amsgrad: bool = False,
    ) -> None:
        name = type(self).__name__
        _check_non_negative(name, lr=lr, eps=eps, weight_decay=weight_decay)
        if len(betas) != 2 or not all(0.0 <= b < 1.0 for b in betas):
            raise ValueError(f"{name}: betas must be two numbers in [0, 1), got {betas!r}")
        defaults = dict(lr=lr, betas=tuple(betas), eps=eps, weight_decay=weight_decay, amsgrad=bool(amsgrad))
        super().__init__(params, defaults)

    def load_state_dict(self, state_dict: Mapping[str, Any]) -> None:
        """As :meth:`Optimizer.load_state_dict`; a checkpoint saved before ``amsgrad`` existed continues
        without it, as in PyTorch."""
        super().load_state_dict(state_dict)
        for group, saved in zip(self.param_groups, state_dict["param_groups"]):
            group["amsgrad"] = bool(saved.get("amsgrad", False))

    def _update(self, p: Tensor, grad: np.ndarray, group: dict[str, Any], state: dict[str, Any]) -> None:
        lr, (beta1, beta2), eps, weight_decay = group["lr"], group["betas"], group["eps"], group["weight_decay"]
        if not state:
            state.update(step=0, exp_avg=np.zeros_like(p.data), exp_avg_sq=np.zeros_like(p.data))
            if group.get("amsgrad"):
                state["max_exp_avg_sq"] = np.zeros_like(p.data)  # PyTorch's name for the running maximum of v
        state["step"] += 1
        step, m, v = state["step"], state["exp_avg"], state["exp_avg_sq"]
        if weight_decay and self.decoupled_weight_decay:
            p.data *= 1 - lr * weight_decay  # AdamW: shrink the weights directly
        elif weight_decay:
            grad = grad + weight_decay * p.data  # Adam: an L2 term in the gradient
        m *= beta1
        m += (1 - beta1) * grad
        v *= beta2
        v += (1 - beta2) * grad * grad
        step_size = lr / (1 - beta1**step)
        if group.get("amsgrad"):
            np.maximum(state["max_exp_avg_sq"], v, out=state["max_exp_avg_sq"])
            v = state["max_exp_avg_sq"]
        denom = np.sqrt(v) / (1 - beta2**step) ** 0.5 + eps
        p.data -= step_size * (m / denom)


class AdamW(Adam):
    """Adam with decoupled weight decay (Loshchilov & Hutter, 2019): before the Adam step,
    ``p ← p · (1 − lr · weight_decay)``, instead of adding ``weight_decay · p`` to the gradient."""

    decoupled_weight_decay = True

    def __init__(
        self,
        params: Params,
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 1e-2,
        amsgrad: bool = False,
    ) -> None:
        super().__init__(params, lr, betas, eps, weight_decay, amsgrad)
