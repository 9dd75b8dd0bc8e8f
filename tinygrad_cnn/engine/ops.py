"""The tensor engine's primitives: forward on NumPy arrays and the gradient rule beside it.

This file is the whole of the tensor engine's calculus. Every other differentiable operation (softmax,
cross-entropy, convolution, pooling, ...) is composed from these, or is a dedicated op with its own tests.

A rule receives ``g``, the gradient of the output, and returns one gradient per input **in the shape of
the output's broadcast**: broadcasting is undone in one place, :func:`unbroadcast`, called by the backward
driver in :mod:`tinygrad_cnn.engine.tensor`, never inside a rule. A rule may return ``None`` for an input whose
gradient is not needed (``self.needs_input_grad``).

Examples:
    >>> import numpy as np
    >>> op = Mul((True, True))
    >>> op.forward(np.array([1.0, 2.0]), np.array(3.0))
    array([3., 6.])
    >>> ga, gb = op.backward(np.ones(2))
    >>> ga, unbroadcast(gb, ())
    (array([3., 3.]), array(3.))
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .windows import scatter_windows, window_view

Array = np.ndarray
Grads = tuple[Any, ...]  # one np.ndarray (or None) per input


def unbroadcast(g: Array, shape: tuple[int, ...]) -> Array:
    """Sum ``g`` down to ``shape``: the adjoint of NumPy broadcasting from ``shape`` to ``g.shape``."""
    if g.shape == shape:
        return g
    leading = g.ndim - len(shape)
    stretched = tuple(i + leading for i, n in enumerate(shape) if n == 1 and g.shape[i + leading] != 1)
    g = g.sum(axis=tuple(range(leading)) + stretched, keepdims=True)  # (..., *shape) with 1s kept
    return g.reshape(shape)


class Function:
    """A primitive op. ``forward`` may save what ``backward`` needs as attributes of ``self``."""

    def __init__(self, needs_input_grad: tuple[bool, ...]):
        self.needs_input_grad = needs_input_grad
        self.parents: tuple[Any, ...] = ()  # the input Tensors, set by Tensor when a graph is recorded

    @property
    def name(self) -> str:
        return type(self).__name__

    def forward(self, *inputs: Array, **attrs: Any) -> Array:
        raise NotImplementedError

    def backward(self, g: Array) -> Grads:
        raise NotImplementedError


# ---- elementwise, binary (NumPy broadcasting) ----


class Add(Function):
    def forward(self, a, b):
        return a + b

    def backward(self, g):
        return g, g


class Sub(Function):
    def forward(self, a, b):
        return a - b

    def backward(self, g):
        return g, -g


class Mul(Function):
    def forward(self, a, b):
        self.a, self.b = a, b
        return a * b

    def backward(self, g):
        return g * self.b, g * self.a


class Div(Function):
    def forward(self, a, b):
        self.a, self.b = a, b
        return a / b

    def backward(self, g):
        ga = g / self.b
        return ga, (-ga * self.a / self.b if self.needs_input_grad[1] else None)


class Pow(Function):
    def forward(self, a, b):
        self.a, self.b = a, b
        self.out = a**b
        return self.out

    def backward(self, g):
        with np.errstate(divide="ignore", invalid="ignore"):
            ga = np.where(self.b == 0, 0, g * self.b * self.a ** (self.b - 1))  # d(a**0) = 0, also at a = 0
        if not self.needs_input_grad[1]:
            return ga, None
        with np.errstate(divide="ignore", invalid="ignore"):
            log_a = np.where(self.a == 0, 0.0, np.log(self.a))  # d/db 0**b taken as 0, as PyTorch does
        return ga, g * self.out * log_a


class Maximum(Function):
    """Elementwise max; at ties the gradient is split equally (as ``torch.maximum``)."""

    def forward(self, a, b):
        self.a, self.b = a, b
        return np.maximum(a, b)

    def backward(self, g):
        share_a = (self.a > self.b) + 0.5 * (self.a == self.b)
        return g * share_a, g * (1 - share_a)


class Where(Function):
    """``condition ? a : b``; the boolean condition is an attribute, not a differentiable input."""

    def forward(self, a, b, condition):
        self.condition = condition
        return np.where(condition, a, b)

    def backward(self, g):
        zero = np.zeros((), dtype=g.dtype)
        return np.where(self.condition, g, zero), np.where(self.condition, zero, g)


# ---- elementwise, unary ----


class Neg(Function):
    def forward(self, a):
        return -a

    def backward(self, g):
        return (-g,)


class Exp(Function):
    def forward(self, a):
        self.out = np.exp(a)
        return self.out

    def backward(self, g):
        return (g * self.out,)


class Log(Function):
    def forward(self, a):
        self.a = a
        return np.log(a)

    def backward(self, g):
        return (g / self.a,)


class ReLU(Function):
    def forward(self, a):
        self.positive = a > 0
        return np.where(self.positive, a, np.zeros((), dtype=a.dtype))

    def backward(self, g):
        return (g * self.positive,)


class Tanh(Function):
    def forward(self, a):
        self.out = np.tanh(a)
        return self.out

    def backward(self, g):
        return (g * (1 - self.out * self.out),)


class Sigmoid(Function):
    def forward(self, a):
        self.out = np.exp(-np.logaddexp(0, -a))  # 1 / (1 + e^-a) without overflow at a = -1000
        return self.out

    def backward(self, g):
        return (g * self.out * (1 - self.out),)


class Cast(Function):
    def forward(self, a, dtype):
        self.in_dtype = a.dtype
        return a.astype(dtype)

    def backward(self, g):
        return (g.astype(self.in_dtype),)


# ---- reductions (axis: a tuple of non-negative axes) ----


class Sum(Function):
    def forward(self, a, axis, keepdims):
        self.in_shape, self.axis, self.keepdims = a.shape, axis, keepdims
        return a.sum(axis=axis, keepdims=keepdims)

    def backward(self, g):
        if not self.keepdims:
            g = np.expand_dims(g, self.axis)  # (kept axes) -> (shape with 1 at each summed axis)
        return (np.broadcast_to(g, self.in_shape),)


class Max(Function):
    """Max over axes. The gradient goes to the first maximal element in row-major order of the reduced
    axes (deterministic, as ``torch.max_pool2d`` routes it), not split between ties; NaN counts as the
    maximum. ``valid`` (broadcastable to the input; max pooling passes it) marks the real entries: the
    others (padding, −∞) lose a tie with a real −∞."""

    def forward(self, a, axis, keepdims, valid=None):
        kept = [i for i in range(a.ndim) if i not in axis]
        self.order = kept + list(axis)
        moved = np.transpose(a, self.order)  # reduced axes last
        self.kept_shape, self.moved_shape = moved.shape[: len(kept)], moved.shape
        flat = moved.reshape(self.kept_shape + (-1,))  # (*kept, prod(reduced))
        if valid is not None:
            valid = np.broadcast_to(valid, a.shape).transpose(self.order).reshape(flat.shape)  # a view when pooling
        first, out = first_maximum(flat, valid)  # (*kept) each
        self.first_max = first[..., None]  # (*kept, 1)
        if keepdims:
            out = out.reshape([1 if i in axis else n for i, n in enumerate(a.shape)])  # (*kept) -> a.ndim axes
        return out

    def backward(self, g):
        routed = np.zeros(
            self.kept_shape + (int(np.prod(self.moved_shape[len(self.kept_shape) :])),), g.dtype
        )
        g_kept = g.reshape(self.kept_shape + (1,))  # (*kept, 1), whether or not keepdims
        np.put_along_axis(routed, self.first_max, g_kept, axis=-1)  # (*kept, prod(reduced))
        routed = routed.reshape(self.moved_shape)  # (*kept, *reduced)
        return (np.transpose(routed, np.argsort(self.order)),)


def first_maximum(flat: np.ndarray, valid: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Along the last axis of ``flat`` (..., K): the index of the first maximum and the maximum. NaN counts
    as the maximum (NumPy's ``argmax``). Where every entry is −∞, the first entry ``valid`` marks (a boolean
    array broadcastable to ``flat``) is the maximum rather than padding before it, as in PyTorch."""
    first = np.argmax(flat, axis=-1)  # (...)
    best = np.take_along_axis(flat, first[..., None], axis=-1)[..., 0]  # (...): no second pass over flat
    if valid is not None:
        stuck = np.isneginf(best)  # only here can a −∞ of the padding tie with a real entry
        if stuck.any():
            first[stuck] = np.argmax(np.broadcast_to(valid, flat.shape)[stuck], axis=-1)
    return first, best


# ---- movement ----


class Reshape(Function):
    def forward(self, a, shape):
        self.in_shape = a.shape
        return a.reshape(shape)

    def backward(self, g):
        return (g.reshape(self.in_shape),)


class Permute(Function):
    def forward(self, a, axes):
        self.axes = axes
        return np.transpose(a, axes)

    def backward(self, g):
        return (np.transpose(g, np.argsort(self.axes)),)


class Expand(Function):
    """Broadcast to a larger shape; its gradient is :func:`unbroadcast`, applied by the driver."""

    def forward(self, a, shape):
        return np.broadcast_to(a, shape)

    def backward(self, g):
        return (g,)


class Getitem(Function):
    """Basic and advanced indexing; the gradient scatters back, repeated indices accumulate."""

    def forward(self, a, index):
        self.in_shape, self.index = a.shape, index
        return a[index]

    def backward(self, g):
        scattered = np.zeros(self.in_shape, dtype=g.dtype)
        if _is_basic_index(self.index):
            scattered[self.index] = g  # slices and ints select each element at most once
        else:
            np.add.at(scattered, self.index, g)  # integer arrays may repeat an element: accumulate
        return (scattered,)


def _is_basic_index(index) -> bool:
    parts = index if isinstance(index, tuple) else (index,)
    return all(part is None or part is Ellipsis or isinstance(part, (slice, int, np.integer)) for part in parts)


class Pad(Function):
    """Constant padding, NumPy's ``pad_width`` convention: one ``(before, after)`` pair per axis."""

    def forward(self, a, pad_width, value):
        self.inside = tuple(slice(before, before + n) for (before, _), n in zip(pad_width, a.shape))
        return np.pad(a, pad_width, constant_values=value)

    def backward(self, g):
        return (g[self.inside],)


class Cat(Function):
    def forward(self, *arrays, axis):
        self.axis = axis
        self.ends = np.cumsum([a.shape[axis] for a in arrays])[:-1]
        return np.concatenate(arrays, axis=axis)

    def backward(self, g):
        return tuple(np.split(g, self.ends, axis=self.axis))


# ---- linear algebra ----


class Matmul(Function):
    """``a @ b`` of matrices ``(..., m, k) @ (..., k, n)``, batch axes broadcast (``matmul()`` promotes 1-D
    operands to matrices before it gets here)."""

    def forward(self, a, b):
        self.a, self.b = a, b
        return a @ b

    def backward(self, g):
        ga = g @ _transposed(self.b) if self.needs_input_grad[0] else None  # (..., m, n) @ (..., n, k)
        gb = np.swapaxes(self.a, -1, -2) @ g if self.needs_input_grad[1] else None  # (..., k, m) @ (..., m, n)
        return ga, gb


def _transposed(b: np.ndarray) -> np.ndarray:
    """``b`` with its last two axes swapped (..., k, n) -> (..., n, k); batched, as a contiguous copy, on which
    NumPy's matmul is several times faster (BLAS takes a 2-D transpose as a flag, not a batched one)."""
    b_t = np.swapaxes(b, -1, -2)
    return np.ascontiguousarray(b_t) if b_t.ndim > 2 else b_t


# ---- locality: sliding windows (im2col) and their adjoint (col2im) ----


class Windows(Function):
    """The windows every output position sees, ``(N, C, *spatial) -> (N, *out, C, *kernel)``; its
    gradient adds each window back where it came from (:func:`scatter_windows`)."""

    def forward(self, a, kernel_size, stride, dilation):
        self.in_shape, self.geometry = a.shape, (kernel_size, stride, dilation)
        return window_view(a, kernel_size, stride, dilation)

    def backward(self, g):
        return (scatter_windows(g, self.in_shape, *self.geometry),)


class FoldWindows(Function):
    """The adjoint of :class:`Windows`: sum windows ``(N, *out, C, *kernel)`` into ``(N, C, *spatial)``."""

    def forward(self, cols, output_shape, kernel_size, stride, dilation):
        self.out_size, self.geometry = cols.shape[1 : 1 + len(kernel_size)], (kernel_size, stride, dilation)
        return scatter_windows(cols, output_shape, kernel_size, stride, dilation)

    def backward(self, g):
        return (window_view(g, *self.geometry, out_size=self.out_size),)

PRIMITIVES: tuple[type[Function], ...] = (
    Add, Sub, Mul, Div, Pow, Maximum, Where,
    Neg, Exp, Log, ReLU, Tanh, Sigmoid, Cast,
    Sum, Max,
    Reshape, Permute, Expand, Getitem, Pad, Cat,
    Matmul,
    Windows, FoldWindows,
)  # fmt: skip
