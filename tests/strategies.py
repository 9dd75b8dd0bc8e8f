"""Small Hypothesis strategies shared by the tensor-engine tests.

Shapes are small (0-4 dims, sides 1-4, so size-1 axes are common) to keep gradient checks cheap. Values
are float64 and bounded, and the strategies that feed non-smooth ops (max, maximum, relu) produce values
that are distinct and away from 0 *by construction*, so no example sits on a kink.
"""

from __future__ import annotations

import math

import numpy as np
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from tinygrad_cnn.shapes import conv_output_size, conv_transpose_output_size, pool_output_size

MAX_DIMS = 4
MAX_SIDE = 4


def shapes(min_dims: int = 0, max_dims: int = MAX_DIMS, max_side: int = MAX_SIDE) -> st.SearchStrategy:
    """Array shapes with ``min_dims..max_dims`` axes of size 1..``max_side``."""
    return hnp.array_shapes(min_dims=min_dims, max_dims=max_dims, min_side=1, max_side=max_side)


def broadcastable_shapes(num_shapes: int = 2, max_dims: int = MAX_DIMS) -> st.SearchStrategy:
    """A tuple of ``num_shapes`` shapes that NumPy can broadcast together (size-1 and missing axes)."""
    return hnp.mutually_broadcastable_shapes(
        num_shapes=num_shapes, min_dims=0, max_dims=max_dims, min_side=1, max_side=MAX_SIDE
    ).map(lambda b: b.input_shapes)


def matmul_shapes(max_batch_dims: int = 2) -> st.SearchStrategy:
    """Operand shapes valid for ``a @ b``: 1-D, 2-D, and batched with broadcasting batch axes."""
    return hnp.mutually_broadcastable_shapes(
        signature=np.matmul.signature, max_dims=max_batch_dims, min_side=1, max_side=MAX_SIDE
    ).map(lambda b: b.input_shapes)


@st.composite
def shapes_broadcastable_to(draw: st.DrawFn, target: tuple[int, ...]) -> tuple[int, ...]:
    """A shape that ``np.broadcast_to(x, target)`` accepts: leading axes dropped, some axes set to 1."""
    dropped = draw(st.integers(0, len(target)))
    kept = target[dropped:]
    ones = draw(st.lists(st.booleans(), min_size=len(kept), max_size=len(kept)))
    return tuple(1 if one else n for n, one in zip(kept, ones))


def floats(low: float = -3.0, high: float = 3.0) -> st.SearchStrategy:
    """Finite float64 scalars in ``[low, high]``."""
    return st.floats(low, high, allow_nan=False, allow_infinity=False, allow_subnormal=False)


def arrays(shape: tuple[int, ...], low: float = -3.0, high: float = 3.0) -> st.SearchStrategy:
    """float64 arrays of ``shape`` with values in ``[low, high]`` (no nan or inf)."""
    return hnp.arrays(np.float64, shape, elements=floats(low, high))


def positive_arrays(shape: tuple[int, ...], low: float = 0.5, high: float = 3.0) -> st.SearchStrategy:
    """float64 arrays with values in ``[low, high]``, ``low > 0``: bases for ``log`` and ``**``."""
    return arrays(shape, low, high)


def nonzero_arrays(shape: tuple[int, ...], low: float = 0.5, high: float = 3.0) -> st.SearchStrategy:
    """float64 arrays with ``low <= |x| <= high`` and either sign: safe denominators."""
    magnitude = floats(low, high)
    return hnp.arrays(np.float64, shape, elements=magnitude | magnitude.map(lambda x: -x))


def distinct_arrays(shape: tuple[int, ...], spacing: float = 0.01) -> st.SearchStrategy:
    """float64 arrays whose entries are pairwise distinct (gap >= ``spacing``) and never 0.

    Entries are ``(k + 1/2) * spacing`` for distinct integers ``k``: no ties for max/maximum and no
    zeros for relu, and a finite-difference step far below ``spacing`` never crosses a kink.
    """
    size = math.prod(shape)
    ints = hnp.arrays(np.int64, shape, elements=st.integers(-4 * size - 8, 4 * size + 8), unique=True)
    return ints.map(lambda k: (k + 0.5) * spacing)


def reduction_dims(ndim: int) -> st.SearchStrategy:
    """A PyTorch ``dim`` argument: ``None``, one (possibly negative) axis, or a non-empty tuple of axes."""
    if ndim == 0:
        return st.sampled_from([None, 0, -1])
    return st.none() | st.integers(-ndim, ndim - 1) | hnp.valid_tuple_axes(ndim, min_size=1)


def numpy_axes(dim: int | tuple[int, ...] | None, ndim: int) -> tuple[int, ...]:
    """The non-negative axes a PyTorch ``dim`` names (all axes for ``None``), for NumPy oracles."""
    if dim is None or ndim == 0:
        return tuple(range(ndim))
    dims = (dim,) if isinstance(dim, int) else dim
    return tuple(sorted({d % ndim for d in dims}))


@st.composite
def index_expressions(draw: st.DrawFn, shape: tuple[int, ...]) -> object:
    """An index for an array of ``shape``: basic (slices with any step, ints, None, ...), integer
    arrays (repeats likely), integer array on one axis beside slices, or a boolean mask."""
    kinds = ["basic"] + (["integer", "one_axis", "mask"] if shape else [])
    kind = draw(st.sampled_from(kinds))
    if kind == "basic":
        return draw(hnp.basic_indices(shape, min_dims=0, allow_newaxis=True, allow_ellipsis=True))
    if kind == "integer":
        return draw(hnp.integer_array_indices(shape, result_shape=shapes(1, 2)))
    if kind == "one_axis":
        axis = draw(st.integers(0, len(shape) - 1))
        positions = st.integers(-shape[axis], shape[axis] - 1)  # negative indices too
        picks = draw(hnp.arrays(np.int64, draw(shapes(1, 2)), elements=positions))
        return (slice(None),) * axis + (picks,)
    mask_dims = draw(st.integers(1, len(shape)))
    return draw(hnp.arrays(np.bool_, shape[:mask_dims]))


def pad_widths(ndim: int, max_pad: int = 2) -> st.SearchStrategy:
    """NumPy ``pad_width``: one ``(before, after)`` pair of non-negative ints per axis."""
    pair = st.tuples(st.integers(0, max_pad), st.integers(0, max_pad))
    return st.tuples(*[pair] * ndim)


@st.composite
def reshape_targets(draw: st.DrawFn, shape: tuple[int, ...]) -> tuple[int, ...]:
    """A different shape with the same number of elements, possibly containing one ``-1``."""
    factors = []
    size = math.prod(shape)
    for p in (2, 3):
        while size % p == 0:
            factors.append(p)
            size //= p
    factors += [size] if size > 1 else []
    factors = draw(st.permutations(factors)) + draw(st.lists(st.just(1), max_size=2))
    factors = draw(st.permutations(factors))
    cuts = sorted(draw(st.sets(st.integers(1, max(len(factors) - 1, 1)), max_size=len(factors))))
    bounds = [0, *[c for c in cuts if c < len(factors)], len(factors)]
    target = [math.prod(factors[a:b]) for a, b in zip(bounds, bounds[1:]) if b > a]
    if target and draw(st.booleans()):
        target[draw(st.integers(0, len(target) - 1))] = -1
    return tuple(target)


# ---- convolution and pooling geometries (tests/conv/test_convolution.py, test_pooling.py, test_equivariance.py) ----
#
# Each strategy draws a geometry PyTorch accepts and sizes the input, with the formulas of
# ``tinygrad_cnn.shapes``, so that the output has at least one position: nothing is filtered out.
# Values are not drawn here: a ``seed`` is, and ``seeded_array`` turns it into standard normal numbers.

CONV_PADDING_MODES = ("zeros", "circular", "reflect", "replicate")
MAX_CONV_SIDE = {1: 8, 2: 6, 3: 4}  # largest spatial side by number of spatial dims


def seeded_array(seed: int, shape: tuple[int, ...]) -> np.ndarray:
    """Standard normal float64 numbers of ``shape``, reproducible from ``seed``."""
    return np.random.default_rng(seed).standard_normal(shape)


def seeded_distinct_array(seed: int, shape: tuple[int, ...], spacing: float = 0.1) -> np.ndarray:
    """A random permutation of evenly spaced float64 numbers (``spacing`` apart, none 0): no ties, so max
    pooling has one maximum per window and a finite-difference step never crosses a kink."""
    size = math.prod(shape)
    return (np.random.default_rng(seed).permutation(size) - size / 2 + 0.5).reshape(shape) * spacing


def _per_axis(draw: st.DrawFn, dims: int, low: int, high: int) -> tuple[int, ...]:
    return tuple(draw(st.integers(low, high)) for _ in range(dims))


def _int_or_tuple(draw: st.DrawFn, values: tuple[int, ...]) -> int | tuple[int, ...]:
    """PyTorch accepts an int for "the same on every axis": use that form half of the time when it applies."""
    return values[0] if len(set(values)) == 1 and draw(st.booleans()) else values


def _smallest_side(output_size, *geometry, low: int = 1) -> int:
    """The smallest side ``n >= low`` with ``output_size(n, *geometry) >= 1`` (a formula of ``shapes``)."""
    n = low
    while output_size(n, *geometry) < 1:
        n += 1
    return n


@st.composite
def conv_geometries(
    draw: st.DrawFn,
    dims: int | None = None,
    modes: tuple[str, ...] = CONV_PADDING_MODES,
    padding_kinds: tuple[str, ...] = ("int", "tuple", "valid", "same"),
    max_groups: int = 3,
    max_kernel: int = 3,
    max_stride: int = 3,
    max_dilation: int = 2,
    max_extra: int = 3,
) -> dict:
    """A convolution: ``x_shape``, ``weight_shape``, ``bias`` (bool), ``kwargs`` for ``conv{d}d``,
    the resolved ``pads`` ((before, after) per axis) and a ``seed``.

    Every hyperparameter varies: kernel, stride, padding (int, tuple, 'valid', 'same'), dilation,
    groups and padding_mode. The input side is at least what gives one output position (and what
    reflect / circular padding need), plus up to ``max_extra``.
    """
    dims = draw(st.integers(1, 3)) if dims is None else dims
    groups = draw(st.integers(1, max_groups))
    c_in, c_out = groups * draw(st.integers(1, 2)), groups * draw(st.integers(1, 2))
    kernel = _per_axis(draw, dims, 1, max_kernel)
    dilation = _per_axis(draw, dims, 1, max_dilation)
    kind = draw(st.sampled_from(padding_kinds))
    stride = (1,) * dims if kind == "same" else _per_axis(draw, dims, 1, max_stride)
    if kind == "same":
        totals = [d * (k - 1) for k, d in zip(kernel, dilation)]
        pads, padding = [(t // 2, t - t // 2) for t in totals], "same"
    elif kind == "valid":
        pads, padding = [(0, 0)] * dims, "valid"
    else:
        amounts = _per_axis(draw, dims, 0, 2) if kind == "tuple" else (draw(st.integers(0, 2)),) * dims
        pads, padding = [(p, p) for p in amounts], amounts[0] if kind == "int" else amounts
    mode = draw(st.sampled_from(modes))
    spatial = []
    for k, s, d, (before, after) in zip(kernel, stride, dilation, pads):
        padded = _smallest_side(conv_output_size, k, s, 0, d)  # the padded side that fits one window
        low = max(1, padded - before - after)
        if mode == "reflect":  # PyTorch: each reflect pad < the side; each circular pad <= the side
            low = max(low, before + 1, after + 1)
        elif mode == "circular":
            low = max(low, before, after)
        spatial.append(draw(st.integers(low, max(low, min(low + max_extra, MAX_CONV_SIDE[dims])))))
    kwargs = {
        "stride": _int_or_tuple(draw, stride),
        "padding": padding,
        "dilation": _int_or_tuple(draw, dilation),
        "groups": groups,
        "padding_mode": mode,
    }
    return {
        "x_shape": (draw(st.integers(1, 2)), c_in, *spatial),
        "weight_shape": (c_out, c_in // groups, *kernel),
        "bias": draw(st.booleans()),
        "kwargs": kwargs,
        "pads": pads,
        "seed": draw(st.integers(0, 2**16)),
    }


@st.composite
def conv_transpose_geometries(draw: st.DrawFn, dims: int | None = None, max_groups: int = 2) -> dict:
    """A transposed convolution: ``x_shape``, ``weight_shape`` ``(C_in, C_out/groups, *k)``, ``bias``,
    ``kwargs`` (stride, padding, output_padding < max(stride, dilation), groups, dilation) and a ``seed``."""
    dims = draw(st.integers(1, 2)) if dims is None else dims
    groups = draw(st.integers(1, max_groups))
    c_in, c_out = groups * draw(st.integers(1, 2)), groups * draw(st.integers(1, 2))
    kernel, stride, dilation = _per_axis(draw, dims, 1, 3), _per_axis(draw, dims, 1, 3), _per_axis(draw, dims, 1, 2)
    padding = _per_axis(draw, dims, 0, 2)
    output_padding = tuple(draw(st.integers(0, max(s, d) - 1)) for s, d in zip(stride, dilation))
    spatial = []
    for k, s, d, p, q in zip(kernel, stride, dilation, padding, output_padding):
        low = _smallest_side(conv_transpose_output_size, k, s, p, q, d)
        spatial.append(draw(st.integers(low, low + 2)))
    kwargs = {
        "stride": _int_or_tuple(draw, stride),
        "padding": _int_or_tuple(draw, padding),
        "output_padding": _int_or_tuple(draw, output_padding),
        "groups": groups,
        "dilation": _int_or_tuple(draw, dilation),
    }
    return {
        "x_shape": (draw(st.integers(1, 2)), c_in, *spatial),
        "weight_shape": (c_in, c_out // groups, *kernel),
        "bias": draw(st.booleans()),
        "kwargs": kwargs,
        "seed": draw(st.integers(0, 2**16)),
    }


@st.composite
def pool_geometries(draw: st.DrawFn, kind: str, dims: int | None = None, max_kernel: int = 3) -> dict:
    """A pooling layer (``kind`` is "max" or "avg"): ``x_shape``, ``kwargs`` and a ``seed``.

    Padding is at most ``k // 2`` (PyTorch's limit), stride may be ``None`` (= kernel), ``ceil_mode`` and,
    for max, dilation, for avg, ``count_include_pad`` (and ``divisor_override`` in 2-D) vary.
    """
    dims = draw(st.integers(1, 2)) if dims is None else dims
    kernel = _per_axis(draw, dims, 1, max_kernel)
    stride = None if draw(st.booleans()) else _per_axis(draw, dims, 1, 3)
    padding = tuple(draw(st.integers(0, k // 2)) for k in kernel)
    dilation = _per_axis(draw, dims, 1, 2) if kind == "max" else (1,) * dims
    ceil_mode = draw(st.booleans())
    spatial = []
    for i, (k, p, d) in enumerate(zip(kernel, padding, dilation)):
        s = k if stride is None else stride[i]
        low = _smallest_side(pool_output_size, k, s, p, d, ceil_mode)
        spatial.append(draw(st.integers(low, max(low, min(low + 4, MAX_CONV_SIDE[dims] + 1)))))
    kwargs = {
        "kernel_size": _int_or_tuple(draw, kernel),
        "stride": None if stride is None else _int_or_tuple(draw, stride),
        "padding": _int_or_tuple(draw, padding),
        "ceil_mode": ceil_mode,
    }
    if kind == "max":
        kwargs["dilation"] = _int_or_tuple(draw, dilation)
    else:
        kwargs["count_include_pad"] = draw(st.booleans())
        if dims == 2:
            kwargs["divisor_override"] = draw(st.none() | st.integers(1, 5))
    return {
        "x_shape": (draw(st.integers(1, 2)), draw(st.integers(1, 2)), *spatial),
        "kwargs": kwargs,
        "seed": draw(st.integers(0, 2**16)),
    }


@st.composite
def unfold_geometries(draw: st.DrawFn, dims: int = 2) -> dict:
    """``unfold`` / ``fold`` arguments: ``x_shape`` (N, C, *spatial) with at least one window, ``kwargs``
    (kernel_size, dilation, padding, stride) and a ``seed``."""
    kernel, dilation = _per_axis(draw, dims, 1, 3), _per_axis(draw, dims, 1, 2)
    padding, stride = _per_axis(draw, dims, 0, 2), _per_axis(draw, dims, 1, 3)
    spatial = []
    for k, d, p, s in zip(kernel, dilation, padding, stride):
        low = _smallest_side(conv_output_size, k, s, p, d)
        spatial.append(draw(st.integers(low, max(low, min(low + 3, MAX_CONV_SIDE[dims])))))
    kwargs = {
        "kernel_size": _int_or_tuple(draw, kernel),
        "dilation": _int_or_tuple(draw, dilation),
        "padding": _int_or_tuple(draw, padding),
        "stride": _int_or_tuple(draw, stride),
    }
    return {
        "x_shape": (draw(st.integers(1, 2)), draw(st.integers(1, 2)), *spatial),
        "kwargs": kwargs,
        "seed": draw(st.integers(0, 2**16)),
    }
