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

from ..engine.args import flag, real
from ..engine.autograd import no_grad
from ..engine.sizes import shown
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
        groups, states = _check_state_dict(name, state_dict)
        if [len(g["params"]) for g in groups] != [len(g["params"]) for g in self.param_groups]:
            raise ValueError(
                f"{name}.load_state_dict: the saved groups have "
                f"{[len(g['params']) for g in groups]} parameters, this optimizer's have "
                f"{[len(g['params']) for g in self.param_groups]}"
            )
        params = [p for g in self.param_groups for p in g["params"]]
        new_state: dict[Tensor, dict[str, Any]] = {}
        for i, saved in states.items():
            if isinstance(i, bool) or not isinstance(i, (int, str)) or not str(i).isdigit() or int(i) >= len(params):
                raise ValueError(f"{name}.load_state_dict: 'state' has an entry for parameter {shown(i)}; "
                                 f"this optimizer has parameters 0..{len(params) - 1}")  # fmt: skip
            if not isinstance(saved, Mapping):
                raise ValueError(f"{name}.load_state_dict: the state of parameter {i} must be a dict, "
                                 f"got {type(saved).__name__}")  # fmt: skip
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
        hyper = [{k: v for k, v in saved.items() if k != "params"} for saved in groups]
        for saved in hyper:
            self._check_hyperparameters({**self.defaults, **saved})
        for group, saved in zip(self.param_groups, hyper):
            group.update(saved)
        self.state = new_state

    def _check_hyperparameters(self, values: Mapping[str, Any]) -> None:
        """Raise a ValueError naming the optimizer and the value if a hyperparameter is not what it needs."""

    def __repr__(self) -> str:
        lines = [f"{type(self).__name__} ("]
        for i, group in enumerate(self.param_groups):
            lines.append(f"Parameter Group {i}")
            lines += [f"    {k}: {v}" for k, v in sorted(group.items()) if k != "params"]
        return "\n".join(lines) + "\n)"


def _check_state_dict(name: str, state_dict: Any) -> tuple[list[Mapping[str, Any]], Mapping[Any, Any]]:
    """The ``param_groups`` and ``state`` of an optimizer's state dict, or a ValueError saying what is missing."""
    where = f"{name}.load_state_dict"
    if not isinstance(state_dict, Mapping):
        raise ValueError(f"{where}: expected a dict with 'state' and 'param_groups', got {type(state_dict).__name__}")
    missing = [key for key in ("state", "param_groups") if key not in state_dict]
    if missing:
        raise ValueError(f"{where}: the state dict has no {' or '.join(map(repr, missing))} "
                         f"(keys: {shown(sorted(map(str, state_dict)))}); pass what state_dict() returned")  # fmt: skip
    groups, states = state_dict["param_groups"], state_dict["state"]
    if not isinstance(groups, (list, tuple)) or not all(
        isinstance(g, Mapping) and isinstance(g.get("params"), (list, tuple)) for g in groups
    ):
        raise ValueError(f"{where}: 'param_groups' must be a list of dicts, each with a list 'params'")
    if not isinstance(states, Mapping):
        raise ValueError(f"{where}: 'state' must be a dict, got {type(states).__name__}")
    return list(groups), states


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
        defaults = dict(lr=lr, momentum=momentum, dampening=dampening, weight_decay=weight_decay, nesterov=nesterov)
        self._check_hyperparameters(defaults)
        super().__init__(params, defaults)

    def _check_hyperparameters(self, values: Mapping[str, Any]) -> None:
        for key in ("lr", "momentum", "weight_decay"):
            real("SGD", key, values[key], minimum=0.0)
        real("SGD", "dampening", values["dampening"])
        if flag("SGD", "nesterov", values["nesterov"]) and (values["momentum"] <= 0 or values["dampening"] != 0):
            raise ValueError("SGD: nesterov=True needs momentum > 0 and dampening = 0")

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
        defaults = dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay, amsgrad=amsgrad)
        self._check_hyperparameters(defaults)
        defaults["betas"] = tuple(defaults["betas"])
        super().__init__(params, defaults)

    def _check_hyperparameters(self, values: Mapping[str, Any]) -> None:
        name = type(self).__name__
        for key in ("lr", "eps", "weight_decay"):
            real(name, key, values[key], minimum=0.0)
        betas = values["betas"]
        try:
            if not isinstance(betas, (tuple, list)) or len(betas) != 2:
                raise ValueError
            for b in betas:
                real(name, "betas", b, minimum=0.0, below=1.0)
        except ValueError:
            raise ValueError(f"{name}: betas must be two numbers in [0, 1), got {shown(betas)}") from None
        flag(name, "amsgrad", values.get("amsgrad", False))

    def load_state_dict(self, state_dict: Mapping[str, Any]) -> None:
        """As :meth:`Optimizer.load_state_dict`; a checkpoint saved before ``amsgrad`` existed continues
        without it, as in PyTorch."""
        super().load_state_dict(state_dict)
        for group, saved in zip(self.param_groups, state_dict["param_groups"]):
            group["amsgrad"] = flag(type(self).__name__, "amsgrad", saved.get("amsgrad", False))
            group["betas"] = tuple(group["betas"])

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
