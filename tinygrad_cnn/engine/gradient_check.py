"""Gradient checking: the engine's analytic gradients against central finite differences in float64.

Two checks, both through the vector-Jacobian product that backward computes, with a random output
weighting ``v`` (so a non-scalar ``fn`` is checked with one backward pass):

1. **Sampled entries**: for a sample of indices ``i`` of each input ``x``,
   ``(J^T v)[i] ≈ (<v, f(x + ε e_i)> − <v, f(x − ε e_i)>) / 2ε``.
2. **Dot-product test** (HIPS/autograd): for random directions ``u`` over all inputs at once,
   ``<u, J^T v> ≈ <J u, v>``, with ``J u`` by one central difference: one number, cheap for big inputs.

Examples:
    >>> from tinygrad_cnn import Tensor
    >>> x = Tensor([[0.5, -1.0], [2.0, 0.3]], dtype="float64", requires_grad=True)
    >>> gradcheck(lambda x: (x * x).tanh(), [x])
    True
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

from .autograd import no_grad
from .tensor import Tensor

__all__ = ["gradcheck", "GradcheckError"]


class GradcheckError(AssertionError):
    """A gradient disagreed with finite differences; the message names the input and the index."""


def gradcheck(
    fn: Callable[..., Tensor],
    inputs: Sequence[Tensor],
    *,
    eps: float = 1e-6,
    atol: float = 1e-5,
    rtol: float = 1e-4,
    samples: int = 16,
    dot_product: bool = True,
    seed: int = 0,
    raise_exception: bool = True,
) -> bool:
    """Check ``fn``'s gradient with respect to every input that requires grad.

    Args:
        fn: maps the input tensors to one output tensor of any shape.
        inputs: tensors; those with ``requires_grad`` are checked and must be float64.
        samples: how many entries of each input to check by finite differences (all if fewer).
        dot_product: also run the dot-product test ``<u, J^T v> ≈ <J u, v>``.

    Returns ``True``; on a mismatch raises :class:`GradcheckError` (or returns ``False`` when
    ``raise_exception=False``).
    """
    checked = [i for i, x in enumerate(inputs) if isinstance(x, Tensor) and x.requires_grad]
    if not checked:
        raise ValueError("gradcheck: no input requires grad, so there is nothing to check")
    for i in checked:
        if inputs[i].dtype != np.float64:
            raise ValueError(
                f"gradcheck: {_name(inputs, i)} is {inputs[i].dtype}; use float64 (x.double()) so that "
                "finite differences are accurate"
            )
    rng = np.random.default_rng(seed)
    with no_grad():
        out_shape = fn(*inputs).shape
    v = rng.standard_normal(out_shape)
    analytic = _vector_jacobian(fn, inputs, checked, v)

    def weighted_output() -> float:
        with no_grad():
            return float(np.sum(v * fn(*inputs).data))

    try:
        for i in checked:
            _check_entries(inputs, i, analytic[i], weighted_output, eps, atol, rtol, samples, rng)
        if dot_product:
            _check_dot_product(inputs, checked, analytic, weighted_output, eps, atol, rtol, rng)
    except GradcheckError:
        if raise_exception:
            raise
        return False
    return True


def _name(inputs: Sequence[Tensor], i: int) -> str:
    label = getattr(inputs[i], "label", "")
    return f"input {i}" + (f" '{label}'" if label else "") + f" (shape {inputs[i].shape})"


def _vector_jacobian(
    fn: Callable[..., Tensor], inputs: Sequence[Tensor], checked: list[int], v: np.ndarray
) -> dict[int, np.ndarray]:
    """J^T v for each checked input, leaving the inputs' own ``.grad`` as they were."""
    saved = {i: inputs[i].grad for i in checked}
    for i in checked:
        inputs[i].grad = None
    try:
        out = fn(*inputs)
        if not out.requires_grad:
            raise GradcheckError("gradcheck: the output does not depend on any input that requires grad")
        out.backward(v.astype(out.dtype))
        return {
            i: (inputs[i].grad.data if inputs[i].grad is not None else np.zeros(inputs[i].shape))
            for i in checked
        }
    finally:
        for i in checked:
            inputs[i].grad = saved[i]


def _check_entries(inputs, i, analytic, weighted_output, eps, atol, rtol, samples, rng) -> None:
    x = inputs[i].data
    flat_indices = np.arange(x.size) if x.size <= samples else rng.choice(x.size, samples, replace=False)
    for flat in flat_indices:
        index = np.unravel_index(flat, x.shape)
        original = x[index]
        x[index] = original + eps
        plus = weighted_output()
        x[index] = original - eps
        minus = weighted_output()
        x[index] = original
        numeric = (plus - minus) / (2 * eps)
        if not abs(analytic[index] - numeric) <= atol + rtol * abs(numeric):
            raise GradcheckError(
                f"gradcheck: gradient of {_name(inputs, i)} at index {tuple(int(j) for j in index)}: "
                f"analytic {analytic[index]:.6g}, numeric {numeric:.6g} (central differences, eps={eps})"
            )


def _check_dot_product(inputs, checked, analytic, weighted_output, eps, atol, rtol, rng) -> None:
    directions = {i: rng.standard_normal(inputs[i].shape) for i in checked}
    originals = {i: inputs[i].data.copy() for i in checked}
    try:
        for i in checked:
            inputs[i].data[...] = originals[i] + eps * directions[i]
        plus = weighted_output()
        for i in checked:
            inputs[i].data[...] = originals[i] - eps * directions[i]
        minus = weighted_output()
    finally:
        for i in checked:
            inputs[i].data[...] = originals[i]
    jvp = (plus - minus) / (2 * eps)  # <J u, v>
    vjp = sum(float(np.sum(directions[i] * analytic[i])) for i in checked)  # <u, J^T v>
    if not abs(vjp - jvp) <= atol + rtol * abs(jvp):
        names = ", ".join(_name(inputs, i) for i in checked)
        raise GradcheckError(
            f"gradcheck: dot-product test failed for {names}: <u, J^T v> = {vjp:.8g} but <J u, v> = {jvp:.8g}"
        )
