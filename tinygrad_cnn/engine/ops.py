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

from .window_max import scatter_to_taps, window_max
from .windows import fold_columns, fold_scaled_taps, scatter_windows, window_columns, window_view

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
        need_a, need_b = self.needs_input_grad
        return (g * self.b if need_a else None), (g * self.a if need_b else None)


class Div(Function):
    def forward(self, a, b):
        self.a, self.b = a, b
        return a / b

    def backward(self, g):
        ga = g / self.b
        return (ga if self.needs_input_grad[0] else None), (-ga * self.a / self.b if self.needs_input_grad[1] else None)


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
    """``max(a, 0)``; NaN stays NaN (as ``torch.relu``) and passes no gradient."""

    def forward(self, a):
        self.positive = a > 0
        return np.maximum(a, np.zeros((), dtype=a.dtype))  # NaN propagates

    def backward(self, g):
        return (g * self.positive,)


class Tanh(Function):
    def forward(self, a):
        self.out = np.tanh(a)
        return self.out

    def backward(self, g):
        slope = np.multiply(self.out, self.out, out=np.empty_like(self.out))  # an array even when 0-d
        np.subtract(1, slope, out=slope)  # 1 - tanh², in the one new array
        return (_scaled(g, slope),)


class Sigmoid(Function):
    def forward(self, a):
        self.out = np.exp(-np.logaddexp(0, -a))  # 1 / (1 + e^-a) without overflow at a = -1000
        return self.out

    def backward(self, g):
        slope = np.subtract(1, self.out, out=np.empty_like(self.out))  # an array even when 0-d
        slope *= self.out  # σ(1 - σ), in the one new array
        return (_scaled(g, slope),)


def _scaled(g: np.ndarray, slope: np.ndarray) -> np.ndarray:
    """``g * slope`` written into ``slope`` (a temporary of the rule's own) when that is the product's dtype and
    shape: one array fewer to allocate and fault in, per elementwise layer of a training step."""
    if slope.shape == g.shape and np.result_type(g, slope) == slope.dtype:
        return np.multiply(g, slope, out=slope)
    return g * slope


class Cast(Function):
    def forward(self, a, dtype):
        self.in_dtype = a.dtype
        return a.astype(dtype)

    def backward(self, g):
        return (g.astype(self.in_dtype),)


# ---- reductions (axis: a tuple of non-negative axes) ----


class Sum(Function):
    def forward(self, a, axis, keepdims):
        self.in_shape = a.shape
        self.kept_shape = tuple(1 if i in axis else n for i, n in enumerate(a.shape))  # a 1 at each summed axis
        return a.sum(axis=axis, keepdims=keepdims)

    def backward(self, g):
        return (np.broadcast_to(g.reshape(self.kept_shape), self.in_shape),)  # (kept axes) -> (.., 1, ..) -> input


class Max(Function):
    """Max over axes. The gradient goes to the first maximal element in row-major order of the reduced
    axes (deterministic, as ``torch.max_pool2d`` routes it), not split between ties; NaN counts as the
    maximum. (Max pooling has its own op, :class:`WindowMax`, which never copies the windows.)"""

    def forward(self, a, axis, keepdims):
        kept = [i for i in range(a.ndim) if i not in axis]
        self.order = kept + list(axis)
        moved = np.transpose(a, self.order)  # reduced axes last
        self.kept_shape, self.moved_shape = moved.shape[: len(kept)], moved.shape
        flat = moved.reshape(self.kept_shape + (-1,))  # (*kept, prod(reduced))
        first, out = first_maximum(flat)  # (*kept) each
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
        return (np.transpose(routed, _inverse(self.order)),)


def first_maximum(flat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Along the last axis of ``flat`` (..., K): the index of the first maximum and the maximum. NaN counts
    as the maximum (NumPy's ``argmax``)."""
    first = np.argmax(flat, axis=-1)  # (...)
    best = np.take_along_axis(flat, first[..., None], axis=-1)[..., 0]  # (...): no second pass over flat
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
        return (np.transpose(g, _inverse(self.axes)),)


def _inverse(axes) -> list[int]:
    """The inverse permutation (``np.argsort`` of a permutation, without its cost on a few axes)."""
    inverse = [0] * len(axes)
    for position, axis in enumerate(axes):
        inverse[axis] = position
    return inverse


class Expand(Function):
    """Broadcast to a larger shape; its gradient is :func:`unbroadcast`, applied by the driver."""

    def forward(self, a, shape):
        return np.broadcast_to(a, shape)

    def backward(self, g):
        return (g,)


class Getitem(Function):
    """Basic and advanced indexing; the gradient scatters back, repeated indices accumulate."""

    def forward(self, a, index):
        self.a, self.index = a, index
        return a[index]

    def backward(self, g):
        scattered = np.zeros_like(self.a, dtype=g.dtype)  # laid out as the input (batch innermost after a conv):
        # the next rules multiply it with arrays of that layout, 4× slower across two layouts (LeNet-5's tanh)
        if _selects_each_once(self.index):
            scattered[self.index] = g  # slices, ints, a mask or distinct integers: no element is selected twice
        else:
            np.add.at(scattered, self.index, g)  # integer arrays may repeat an element: accumulate (slow)
        return (scattered,)


def _is_basic(part) -> bool:
    return part is None or part is Ellipsis or isinstance(part, (slice, int, np.integer))


def _selects_each_once(index) -> bool:
    """True if ``index`` selects no element twice: basic indexing, or one boolean mask, or one array of distinct
    integers of one sign (``[0, 2]`` but not ``[0, 0]`` or ``[1, -3]``, which may name one element twice)."""
    parts = index if isinstance(index, tuple) else (index,)
    advanced = [part for part in parts if not _is_basic(part)]
    if not advanced:
        return True
    if len(advanced) > 1:
        return False
    array = np.asarray(advanced[0])
    if array.dtype == np.bool_:
        return True
    if array.dtype.kind not in "iu" or array.size > 4096:
        return False
    if array.size == 0:
        return True
    # Sorted, a repeat sits next to its twin: 18 µs for LeNet-5 C3's 2,400 indices, where np.unique took 300 µs
    flat = np.sort(array, axis=None)
    return bool(flat[0] >= 0 or flat[-1] < 0) and bool((flat[1:] != flat[:-1]).all())


class Pad(Function):
    """Constant padding, NumPy's ``pad_width`` convention: one ``(before, after)`` pair per axis."""

    def forward(self, a, pad_width, value):
        self.inside = tuple(slice(before, before + n) for (before, _), n in zip(pad_width, a.shape))
        padded = np.full([before + n + after for (before, after), n in zip(pad_width, a.shape)], value, a.dtype)
        padded[self.inside] = a  # cheaper than np.pad, which fills the border axis by axis
        return padded

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
        return _matmul(a, b)

    def backward(self, g):
        ga = _times_transposed(g, self.b) if self.needs_input_grad[0] else None  # (..., m, n) @ (..., n, k)
        gb = _matmul(_transposed(self.a, g), g) if self.needs_input_grad[1] else None  # (..., k, m) @ (..., m, n)
        return ga, gb


def _matmul(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """``a @ b``; an outer product (inner dim 1) as a broadcast product, several times faster than NumPy's matmul
    there (the gradient of a conv with one output channel: (k, 1) @ (N, 1, L)). A small matrix times a long one
    (a conv with few channels: LeNet-5's C1 is ``(6, 25) @ (25, 50176)``) goes in pieces of columns
    (:func:`_pieces`), each written into its place in the result."""
    if a.shape[-1] == 1 and a.dtype == b.dtype:
        return a * b  # (..., m, 1) * (..., 1, n) -> (..., m, n): the same single products
    plain = a.ndim == b.ndim == 2 and a.dtype == b.dtype and a.flags.c_contiguous  # not a transposed view
    piece = _pieces(*a.shape, b.shape[-1]) if plain else 0
    if piece:
        out = np.empty((a.shape[0], b.shape[1]), a.dtype)  # (m, n)
        for start in range(0, b.shape[1], piece):
            np.matmul(a, b[:, start : start + piece], out=out[:, start : start + piece])  # (m, k) @ (k, p) -> (m, p)
        return out
    return a @ b


LONG_SUM_PIECE = 1 << 19  # m·k·columns in one piece where a small matrix meets a long dimension (see _pieces)


def _times_transposed(g: np.ndarray, b: np.ndarray) -> np.ndarray:
    """``g @ bᵀ``, ``(..., m, n) @ (..., n, k) -> (..., m, k)``. With fewer rows than columns (``m < k``: the gradient
    of a conv's shared weights, ``(C_out, L·N) @ (L·N, C·Πk)``) it is computed as ``(b @ gᵀ)ᵀ``, the same sums
    with the longer side first, which OpenBLAS runs 1.5–2.6× faster there (measured: ``(32, 28800) @ (28800, 144)``
    in 2.6 ms instead of 4.1; the other way round it is slower). A small result over a long sum is added up in
    pieces (:func:`_long_sum_pieces`)."""
    piece = _long_sum_pieces(g, b)
    if piece:
        total = np.zeros((b.shape[0], g.shape[0]), g.dtype)  # (k, m)
        for start in range(0, g.shape[1], piece):
            total += _matmul(b[:, start : start + piece], g[:, start : start + piece].T)  # (k, p) @ (p, m)
        return total.T  # (k, m) -> (m, k)
    if g.shape[-2] < b.shape[-2] and g.dtype == b.dtype:
        return np.swapaxes(_matmul(b, np.swapaxes(g, -1, -2)), -1, -2)  # (..., k, n) @ (..., n, m) -> (..., m, k)ᵀ
    return _matmul(g, _transposed(b, g))


def _long_sum_pieces(g: np.ndarray, b: np.ndarray) -> int:
    """How many of the ``n`` columns to sum per piece in ``g @ bᵀ`` (2-D, ``(m, n) @ (n, k)``), or 0 for one
    product: :func:`_pieces` of the small result ``(m, k)`` over the long sum ``n`` (the weight gradient of a conv
    with few channels: LeNet-5's C1 is ``(6, 50176) @ (50176, 25)``).

    Examples:
        >>> _long_sum_pieces(np.empty((6, 50176), np.float32), np.empty((25, 50176), np.float32))
        3495
        >>> _long_sum_pieces(np.empty((16, 6400), np.float32), np.empty((150, 6400), np.float32))   # m·k = 2,400
        0
    """
    if g.ndim != 2 or b.ndim != 2 or g.dtype != b.dtype:
        return 0
    return _pieces(g.shape[0], b.shape[0], g.shape[1])


def _pieces(m: int, k: int, n: int) -> int:
    """Columns per piece when a small ``(m, k)`` matrix meets a long dimension ``n``, or 0 for one product: the
    product ``(m, k) @ (k, n)`` split along ``n``, or the sum ``(m, n) @ (n, k)`` added up along it. A small
    matrix, not a vector (at most 512 numbers, both sides ≥ 2), goes in pieces of ``LONG_SUM_PIECE / (m·k)``
    columns, at least 1,024, when ``n`` holds two pieces or more. Each piece is then small enough
    (``m·k·p ≤ 2¹⁹``) for OpenBLAS's small-matrix kernels, which skip the packing that dominates a product this
    thin (NumPy 2.4's OpenBLAS on Sapphire Rapids, 2 threads; measured in process, interleaved):

    * the sum: C1's weight gradient took 0.92 ms as one product and 0.41 ms in pieces, on one thread or two (one
      piece of 4,096 columns took 19 µs, one of 8,192 took 121);
    * the product: ``(6, 25) @ (25, 36864)`` (the conv benchmark's 64×1×28² → 6) 0.53 of one product's time on two
      threads and 0.43 on one, C1's ``(6, 25) @ (25, 50176)`` 0.87 and 0.58. From ``m·k`` of 900 up (``(6, 150)``,
      ``(16, 72)``) pieces were no faster, or slower.
    * A matrix-vector product stays whole: 1 × 9 over 150,000 columns took 0.17 ms whole and 0.22 in pieces. So
      does a transposed small matrix (the columns' gradient ``Wᵀ @ g``, ``(25, 6) @ (6, 50176)``): 0.40 ms whole,
      0.47 in pieces.

    Every piece gave the same float32 bits as one product, in the cases measured (OpenBLAS computes each output from
    the same row and column either way); the tests ask for float64 rounding only.

    Examples:
        >>> _pieces(6, 25, 50176), _pieces(6, 25, 5000), _pieces(16, 150, 50176), _pieces(1, 9, 150_000)
        (3495, 0, 0, 0)
    """
    if min(m, k) < 2:
        return 0
    piece = LONG_SUM_PIECE // (m * k)
    return piece if piece >= 1024 and n >= 2 * piece else 0


def _transposed(b: np.ndarray, g: np.ndarray) -> np.ndarray:
    """``b`` with its last two axes swapped (..., k, n) -> (..., n, k). A batched operand no larger than ``g`` is
    copied contiguous, on which NumPy's matmul is faster (tiny per-group matrices of a grouped conv); a large one
    (the windows of a conv) is not copied: NumPy hands each 2-D slice to BLAS as a transpose."""
    b_t = np.swapaxes(b, -1, -2)
    return np.ascontiguousarray(b_t) if b_t.ndim > 2 and b_t.size <= g.size else b_t


# ---- locality: sliding windows (im2col) and their adjoint (col2im) ----


class Windows(Function):
    """The windows every output position sees, ``(N, C, *spatial) -> (N, C, *kernel, *out)`` (a view); its
    gradient adds each window back where it came from (:func:`scatter_windows`)."""

    def forward(self, a, kernel_size, stride, dilation):
        self.in_shape, self.geometry = a.shape, (kernel_size, stride, dilation)
        return window_view(a, kernel_size, stride, dilation)

    def backward(self, g):
        return (scatter_windows(g, self.in_shape, *self.geometry),)


class FoldWindows(Function):
    """The adjoint of :class:`Windows`: sum windows ``(N, C, *kernel, *out)`` into ``(N, C, *spatial)``."""

    def forward(self, cols, output_shape, kernel_size, stride, dilation):
        self.out_size, self.geometry = cols.shape[2 + len(kernel_size) :], (kernel_size, stride, dilation)
        return scatter_windows(cols, output_shape, kernel_size, stride, dilation)

    def backward(self, g):
        return (window_view(g, *self.geometry, out_size=self.out_size),)


class WindowColumns(Function):
    """Every window of the input zero-padded by ``pads`` as one column, ``(N, C, *spatial) -> (C·Πk, Πout·N)``, the
    batch innermost (:func:`window_columns`, a copy: im2col); its gradient adds each column back onto its window
    (:func:`fold_columns`)."""

    def forward(self, a, kernel_size, stride, dilation, pads=None):
        self.in_shape, self.geometry = a.shape, (kernel_size, stride, dilation, pads)
        return window_columns(a, kernel_size, stride, dilation, pads)

    def backward(self, g):
        return (fold_columns(g, self.in_shape, *self.geometry),)


class DepthwiseWindows(Function):
    """Depthwise convolution (one input channel per group, one output channel each): channel ``c``'s windows
    (:func:`window_columns`, ``(C, Πk, L·N)``) times channel ``c``'s own kernel ``(C, 1, Πk)``, giving ``(C, L·N)``.
    The weights' gradient is the windows times the upstream gradient, channel by channel; the input's adds, tap by
    tap, that tap's weights times the upstream gradient onto the positions the tap read (:func:`fold_scaled_taps`),
    so the ``(C·Πk, L·N)`` gradient of the windows, an outer product, is never written (measured: 1.0 instead of
    1.4 ms for the input gradient of 8×64×16², k3)."""

    def forward(self, a, weight, kernel_size, stride, dilation, pads=None):
        channels = a.shape[1]
        self.in_shape, self.w_shape, self.geometry = a.shape, weight.shape, (kernel_size, stride, dilation, pads)
        cols = window_columns(a, kernel_size, stride, dilation, pads)  # (C·Πk, L·N)
        self.cols = cols.reshape(channels, cols.shape[0] // channels, cols.shape[1])  # -> (C, Πk, L·N)
        self.w = weight.reshape(channels, -1)  # (C, 1, *k) -> (C, Πk)
        return _matmul(self.w[:, None, :], self.cols).reshape(channels, -1)  # (C, 1, Πk) @ (C, Πk, L·N) -> (C, L·N)

    def backward(self, g):
        channels = self.in_shape[1]
        gx = fold_scaled_taps(g, self.w, self.in_shape, *self.geometry) \
            if self.needs_input_grad[0] else None  # fmt: skip
        gw = _matmul(self.cols, g.reshape(channels, -1, 1)).reshape(self.w_shape) \
            if self.needs_input_grad[1] else None  # (C, Πk, L·N) @ (C, L·N, 1) -> (C, Πk, 1)  # fmt: skip
        return gx, gw


class WindowMax(Function):
    """The maximum of each window, ``(N, C, *spatial) -> (N, C, *out)``, of the input padded by ``pads`` (with
    −∞), found tap by tap (:func:`window_max`: the first maximum wins ties, NaN counts as the largest); the
    gradient goes to the tap that held it (:func:`scatter_to_taps`). ``found`` is ``window_max``'s
    ``(maxima, taps)`` when the caller has it already (max pooling, which also returns the indices and sets the
    tap of windows wholly in the padding to −1)."""

    def forward(self, a, kernel_size, stride, dilation, pads=None, found=None):
        self.in_shape, self.geometry = a.shape, (kernel_size, stride, dilation, pads)
        out, self.taps = found if found is not None else window_max(a, kernel_size, stride, dilation, pads=pads)
        return out

    def backward(self, g):
        return (scatter_to_taps(g, self.taps, self.in_shape, *self.geometry),)  # kernel, stride, dilation, pads


PRIMITIVES: tuple[type[Function], ...] = (
    Add, Sub, Mul, Div, Pow, Maximum, Where,
    Neg, Exp, Log, ReLU, Tanh, Sigmoid, Cast,
    Sum, Max,
    Reshape, Permute, Expand, Getitem, Pad, Cat,
    Matmul,
    Windows, FoldWindows, WindowColumns, DepthwiseWindows, WindowMax,
)  # fmt: skip
