"""The geometry of a sliding window (kernel, stride, padding, dilation), checked once.

A layer checks its hyperparameters when it is built and passes ``layer=`` to its function, which checks the
input once, so one helper and one message serve both. Every message names the op or layer
(``conv2d``, ``Conv2d(k=5, s=1, p=0, d=1)``) and shows the value.

Everything is held by a small frozen :class:`Window`: built once (by a layer when it is constructed, by a
function on each call), then trusted by the code that slides it.

Examples:
    >>> window = Window.conv("conv2d", 2, 3, stride=2, padding=1)
    >>> window.name, window.kernel, window.pads
    ('conv2d(k=3, s=2, p=1, d=1)', (3, 3), [(1, 1), (1, 1)])
    >>> window.output_size((8, 8))
    (4, 4)
    >>> Window.pool("max_pool2d", 2, 2).output_size((1, 5))
    Traceback (most recent call last):
    ...
    ValueError: max_pool2d(k=2, s=2, p=0, d=1) on a 1×5 input: ⌊(1 + 2·0 − 1·(2−1) − 1)/2⌋ + 1 = 0, needs ≥ 1
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cached_property, lru_cache
from typing import Any

from ..engine.args import flag, int_tuple, positive_int
from ..shapes import checked_output_size, same_padding

__all__ = [
    "Window", "WindowAttributes", "PADDING_MODES", "conv_geometry", "padding_pairs", "check_output_padding",
    "check_groups", "pool_geometry", "compact", "describe",
]  # fmt: skip

PADDING_MODES = ("zeros", "reflect", "replicate", "circular")  # PyTorch's order
KNOWN_SIZES = 64  # input sizes a window remembers its output size and pooling pads for (then it starts again)


# ---- the window, checked once ----


@dataclass(frozen=True)
class Window:
    """A sliding window's hyperparameters, checked: ``kernel``, ``stride`` and ``dilation`` as n-tuples of
    positive ints, ``padding`` as n non-negative ints or ``'same'`` / ``'valid'``, and ``name``, the short
    description every error message starts with (a layer's own, e.g. ``Conv2d(k=5, s=1, p=0, d=1)``)."""

    name: str
    kernel: tuple[int, ...]
    stride: tuple[int, ...]
    padding: tuple[int, ...] | str
    dilation: tuple[int, ...]
    ceil_mode: bool = False

    @classmethod
    def conv(cls, op: str, dims: int, kernel_size: Any, stride: Any = 1, padding: Any = 0, dilation: Any = 1, *,
             strings: Sequence[str] = ("same", "valid"), layer: str | None = None) -> Window:  # fmt: skip
        """A convolution's window (``padding`` may also be one of ``strings``); ``layer`` names it in errors.

        A functional call (``F.conv2d``) builds its window on every call; the same plain arguments (ints, tuples
        of ints, strings) give the same checked window, kept from the last time (a window is immutable)."""
        arguments = (op, dims, kernel_size, stride, padding, dilation, tuple(strings), layer)
        if all(map(_plain, arguments)):
            return _conv_window(cls, *arguments)
        return _checked_conv_window(cls, *arguments)

    @classmethod
    def pool(cls, op: str, dims: int, kernel_size: Any, stride: Any = None, padding: Any = 0, dilation: Any = 1,
             ceil_mode: bool = False, *, layer: str | None = None, show_dilation: bool = True) -> Window:  # fmt: skip
        """A pooling window: ``stride`` defaults to the kernel, padding is at most half the kernel."""
        kernel, stride, padding, dilation = pool_geometry(layer or op, dims, kernel_size, stride, padding, dilation)
        ceil_mode = flag(layer or op, "ceil_mode", ceil_mode)
        name = layer or describe(op, kernel, stride, padding, dilation if show_dilation else None)
        return cls(name, kernel, stride, padding, dilation, ceil_mode)

    @property
    def dims(self) -> int:
        return len(self.kernel)

    @cached_property
    def pads(self) -> list[tuple[int, int]]:
        """``(before, after)`` per spatial dim, ``'same'`` and ``'valid'`` resolved (once per window)."""
        return padding_pairs(self.padding, self.kernel, self.dilation)

    def output_size(self, spatial: Sequence[int]) -> tuple[int, ...]:
        """The output's spatial size on an input of spatial size ``spatial``, or an error with the formula."""
        return self._per_input_size("output size", tuple(spatial), self._output_size)

    def pool_pads(self, spatial: Sequence[int]) -> tuple[tuple[tuple[int, int], ...], tuple[int, ...]]:
        """A pooling window's pads ``(before, after)`` per axis, ``after`` with the ``ceil_mode`` overhang, and the
        output size, on an input of spatial size ``spatial``."""
        return self._per_input_size("pool pads", tuple(spatial), self._pool_pads)

    def _output_size(self, spatial: tuple[int, ...]) -> tuple[int, ...]:
        where = f"{self.name} on a {'×'.join(map(str, spatial))} input"
        axes = zip(spatial, self.kernel, self.stride, self.dilation, self.pads)
        return tuple(checked_output_size(where, n, k, s, dilation=d, ceil_mode=self.ceil_mode, pads=pad)
                     for n, k, s, d, pad in axes)  # fmt: skip

    def _pool_pads(self, spatial: tuple[int, ...]) -> tuple[tuple[tuple[int, int], ...], tuple[int, ...]]:
        out_size = self.output_size(spatial)
        extent = [(out - 1) * s + d * (k - 1) + 1 for out, s, d, k in zip(out_size, self.stride, self.dilation,
                                                                          self.kernel)]  # fmt: skip
        pads = tuple((p, max(p, span - n - p)) for p, span, n in zip(self.padding, extent, spatial))  # right overhang
        return pads, out_size

    def _per_input_size(self, kind: str, spatial: tuple[int, ...], work: Callable[[tuple[int, ...]], Any]) -> Any:
        """``work(spatial)``, worked out once per input size (a layer sees the same one at every step) and kept for
        up to :data:`KNOWN_SIZES` sizes; errors are raised, never kept."""
        known = self._known
        value = known.get((kind, spatial))
        if value is None:
            value = work(spatial)
            if len(known) >= KNOWN_SIZES:
                known.clear()
            known[kind, spatial] = value
        return value

    @cached_property
    def _known(self) -> dict[tuple[str, tuple[int, ...]], Any]:
        return {}  # (what, input size) -> its value, filled by _per_input_size


def _checked_conv_window(cls, op, dims, kernel_size, stride, padding, dilation, strings, layer) -> Window:
    kernel, stride, padding, dilation = conv_geometry(layer or op, dims, kernel_size, stride, padding, dilation,
                                                      strings)  # fmt: skip
    return cls(layer or describe(op, kernel, stride, padding, dilation), kernel, stride, padding, dilation)


_conv_window = lru_cache(maxsize=256)(_checked_conv_window)  # errors are raised, never cached


def _plain(value: Any) -> bool:
    """An argument whose value says all: an int (not a bool, nor a NumPy int, which hash as the same number), a
    string, None, or a tuple of these. Only such arguments share a cached window."""
    kind = type(value)
    return kind is int or kind is str or value is None or (kind is tuple and all(map(_plain, value)))


class WindowAttributes:
    """PyTorch's attribute names (``kernel_size``, ``stride``, ``padding``, ``dilation``, ``ceil_mode``) read
    from a layer's ``window``, so a layer has one checked source of its geometry."""

    window: Window

    kernel_size = property(lambda self: self.window.kernel)
    stride = property(lambda self: self.window.stride)
    padding = property(lambda self: self.window.padding)
    dilation = property(lambda self: self.window.dilation)
    ceil_mode = property(lambda self: self.window.ceil_mode)

    @property
    def layer(self) -> str:
        """A short description for error messages, e.g. ``Conv2d(k=5, s=1, p=0, d=1)``."""
        return self.window.name


# ---- the checks a window is built from: kernel, stride, padding, dilation ----


def conv_geometry(
    name: str, n: int, kernel_size: Any, stride: Any, padding: Any, dilation: Any, strings: Sequence[str] = ()
) -> tuple[tuple[int, ...], tuple[int, ...], tuple[int, ...] | str, tuple[int, ...]]:
    """``(kernel, stride, padding, dilation)`` as n-tuples; ``padding`` may also be one of ``strings``
    (``'same'`` needs stride 1, as in PyTorch).

    Examples:
        >>> conv_geometry("conv2d", 2, 3, 1, "same", 2, strings=("same", "valid"))
        ((3, 3), (1, 1), 'same', (2, 2))
    """
    kernel = int_tuple(name, "kernel_size", kernel_size, n)
    stride = int_tuple(name, "stride", stride, n)
    dilation = int_tuple(name, "dilation", dilation, n)
    if isinstance(padding, str) and strings:
        if padding not in strings:
            raise ValueError(f"{name}: padding must be {', '.join(map(repr, strings))} or integers, got {padding!r}")
        if padding == "same" and any(s != 1 for s in stride):
            raise ValueError(f"{name}: padding='same' needs stride 1, as in PyTorch, got stride={stride}")
        return kernel, stride, padding, dilation
    return kernel, stride, int_tuple(name, "padding", padding, n, minimum=0), dilation


def padding_pairs(padding: tuple[int, ...] | str, kernel, dilation) -> list[tuple[int, int]]:
    """(before, after) per spatial dim; ``'same'`` puts the odd one out after, as PyTorch does."""
    if padding == "valid":
        return [(0, 0)] * len(kernel)
    if padding == "same":
        return [same_padding(k, d) for k, d in zip(kernel, dilation)]
    return [(p, p) for p in padding]


def check_output_padding(name: str, output_padding: Any, stride, dilation) -> tuple[int, ...]:
    """A transposed convolution's ``output_padding``: non-negative and smaller than stride or dilation."""
    output_padding = int_tuple(name, "output_padding", output_padding, len(stride), minimum=0)
    for extra, s, d in zip(output_padding, stride, dilation):
        if extra >= max(s, d):
            raise ValueError(f"{name}: output_padding ({extra}) must be smaller than stride ({s}) or dilation ({d})")
    return output_padding


def check_groups(name: str, groups: Any, in_channels: int, out_channels: int) -> int:
    """``groups`` as an int that divides both channel counts."""
    groups = positive_int(name, "groups", groups)
    if in_channels % groups or out_channels % groups:
        raise ValueError(
            f"{name}: groups={groups} must divide both in_channels={in_channels} and out_channels={out_channels}"
        )
    return groups


def pool_geometry(
    name: str, n: int, kernel_size: Any, stride: Any, padding: Any, dilation: Any
) -> tuple[tuple[int, ...], ...]:
    """``(kernel, stride, padding, dilation)`` of a pooling window; ``stride`` defaults to the kernel, and
    padding is at most half the kernel, as in PyTorch.

    Examples:
        >>> pool_geometry("max_pool2d", 2, (2, 3), None, 0, 1)
        ((2, 3), (2, 3), (0, 0), (1, 1))
    """
    kernel = int_tuple(name, "kernel_size", kernel_size, n)
    stride = kernel if stride is None or stride == [] or stride == () else int_tuple(name, "stride", stride, n)
    padding = int_tuple(name, "padding", padding, n, minimum=0)
    dilation = int_tuple(name, "dilation", dilation, n)
    for p, k in zip(padding, kernel):
        if p > k // 2:
            raise ValueError(
                f"{name}: padding {p} must be at most half the kernel size {k} (⌊{k}/2⌋ = {k // 2}), as in PyTorch"
            )
    return kernel, stride, padding, dilation


# ---- descriptions ----


def compact(values: Sequence[Any] | str) -> Any:
    """One value when all entries agree (a square kernel), the tuple otherwise: for short descriptions."""
    if isinstance(values, str) or len(set(values)) != 1:
        return values if isinstance(values, str) else tuple(values)
    return values[0]


def describe(op: str, kernel, stride, padding, dilation=None) -> str:
    """A short name of a layer or op for error messages, e.g. ``Conv2d(k=5, s=1, p=0, d=1)``."""
    text = f"{op}(k={compact(kernel)}, s={compact(stride)}, p={compact(padding)}"
    return text + (f", d={compact(dilation)})" if dilation is not None else ")")
