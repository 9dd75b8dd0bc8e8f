"""The tensor engine: a NumPy array plus the graph that computed it.

Every differentiable method goes through :func:`apply`, which runs a primitive from :mod:`.ops` and, when
some input requires grad (and grad mode is on), records the op so :meth:`Tensor.backward` can walk back.
Composite operations (``mean``, ``softmax``, ``log_softmax``, ``logsumexp``, ...) are written in terms of
the primitives and have no gradient rule of their own.

Examples:
    >>> x = Tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
    >>> y = (x * x).sum()
    >>> y.backward()
    >>> x.grad.numpy()
    array([[2., 4.],
           [6., 8.]], dtype=float32)
"""

from __future__ import annotations

import math
from collections import namedtuple
from collections.abc import Iterator, Sequence
from numbers import Number
from typing import Any, Union

import numpy as np

from . import ops
from .autograd import _grad_mode_state, backpropagate  # the switch is_grad_enabled() reads, read in apply()
from .buffers import small_ufunc_buffer
from .memory import keep_freed_memory
from .sizes import MAX_INT, check_allocation, is_int, shown

__all__ = ["Tensor", "apply", "cat", "stack", "where", "maximum", "minimum", "matmul"]

DEFAULT_DTYPE = np.float32
ArrayLike = Union["Tensor", np.ndarray, Number, Sequence[Any]]
Dims = int | Sequence[int] | None
MaxResult = namedtuple("MaxResult", ["values", "indices"])  # what torch.max(x, dim) returns


DTYPE_KINDS = "fiub"  # float, signed and unsigned integer, bool: what a tensor holds (no complex, str, object)


def _check_dtype(name: str, dtype: Any) -> np.dtype:
    """``dtype`` as a NumPy dtype a tensor can hold, or a TypeError naming ``name``."""
    try:
        resolved = np.dtype(dtype)
    except (TypeError, ValueError):
        raise TypeError(f"{name}: dtype {shown(dtype)} is not a NumPy dtype") from None
    if resolved.kind not in DTYPE_KINDS:
        raise TypeError(f"{name}: dtype must be a float, integer or bool type, got {resolved}")
    return resolved


def _as_array(data: Any, dtype: Any = None) -> np.ndarray:
    """PyTorch's rules: Python floats become float32, ints int64; NumPy arrays keep their dtype. Complex,
    string and object data are refused, with or without ``dtype``."""
    if dtype is None and type(data) is np.ndarray and data.dtype.kind in DTYPE_KINDS:
        return data  # every op's result: nothing to convert or check
    if isinstance(data, Tensor):
        data = data.data
    try:
        if dtype is not None:
            resolved = _check_dtype("Tensor", dtype)
            if np.asarray(data).dtype.kind not in DTYPE_KINDS:  # a complex value is not silently made real
                raise TypeError
            return np.asarray(data, dtype=resolved)
        array = np.asarray(data)
    except (TypeError, ValueError, OverflowError) as error:
        if isinstance(error, TypeError) and str(error).startswith("Tensor:"):
            raise
        raise TypeError(f"Tensor: cannot make a tensor of {_describe_data(data)}"
                        f"{'' if dtype is None else f' with dtype {np.dtype(dtype)}'}") from None  # fmt: skip
    if array.dtype == np.float64 and not isinstance(data, (np.ndarray, np.generic)):
        return array.astype(DEFAULT_DTYPE)
    if (
        array.dtype.kind in "iu"
        and array.dtype != np.int64
        and not isinstance(data, (np.ndarray, np.generic))
    ):
        return array.astype(np.int64)
    if array.dtype.kind not in DTYPE_KINDS:
        raise TypeError(f"Tensor: cannot make a tensor of {_describe_data(data)}")
    return array


def _describe_data(data: Any) -> str:
    """``'complex64 data'``, ``'a list of strings and numbers'``: what a tensor was asked to hold."""
    try:
        kind = np.asarray(data).dtype
    except (TypeError, ValueError, OverflowError):
        return f"{shown(data)} (a ragged nest of lists, or numbers too large for 64 bits)"
    return f"{shown(data)} ({kind} data; a tensor holds float, integer or bool numbers)"


class Tensor:
    """An n-dimensional array that records the operations applied to it.

    Args:
        data: nested lists, a number, or a NumPy array.
        dtype: NumPy dtype; default float32 for Python floats (NumPy arrays keep theirs).
        requires_grad: accumulate ``d(root)/d(self)`` into :attr:`grad` on ``backward()``.
    """

    __slots__ = ("data", "grad", "requires_grad", "label", "_ctx", "_retains_grad", "_version", "__weakref__")
    __array_priority__ = 1000  # make `ndarray + Tensor` call Tensor.__radd__

    def __init__(self, data: ArrayLike, dtype: Any = None, requires_grad: bool = False, label: str = ""):
        self.data: np.ndarray = _as_array(data, dtype)
        if requires_grad and self.data.dtype.kind != "f":
            raise TypeError(f"Tensor: only floating-point tensors can require grad, not {self.data.dtype}")
        if requires_grad and isinstance(data, np.ndarray) and np.shares_memory(self.data, data):
            self.data = self.data.copy()  # a leaf that will be trained owns its array: the caller's stays intact
        self.requires_grad = requires_grad
        self.grad: Tensor | None = None
        self.label = label
        self._ctx: ops.Function | None = None  # the op that produced this tensor, if recorded
        self._retains_grad = False
        self._version = 0  # bumped by every in-place change (optimizer steps), checked by backward
        # apply() sets these same attributes on an op's result without calling __init__: keep the two in step

    # ---- basic properties ----

    @property
    def shape(self) -> tuple[int, ...]:
        return self.data.shape

    @property
    def ndim(self) -> int:
        return self.data.ndim

    @property
    def dtype(self) -> np.dtype:
        return self.data.dtype

    @property
    def is_leaf(self) -> bool:
        return self._ctx is None

    @property
    def grad_fn(self) -> ops.Function | None:
        return self._ctx

    def size(self, dim: int | None = None) -> tuple[int, ...] | int:
        return self.shape if dim is None else self.shape[dim]

    def dim(self) -> int:
        return self.ndim

    def numel(self) -> int:
        return int(self.data.size)

    def __len__(self) -> int:
        if self.ndim == 0:
            raise TypeError("len() of a 0-d tensor")
        return self.shape[0]

    def __iter__(self) -> Iterator[Tensor]:
        return (self[i] for i in range(len(self)))

    def __repr__(self) -> str:
        body = np.array2string(self.data, separator=", ", prefix="Tensor(")
        extras = [f"dtype={self.dtype}"] if self.dtype not in (np.float32, np.int64, np.bool_) else []
        if self._ctx is not None:
            extras.append(f"grad_fn=<{self._ctx.name}>")
        elif self.requires_grad:
            extras.append("requires_grad=True")
        return f"Tensor({body}{''.join(', ' + e for e in extras)})"

    # ---- leaving the graph ----

    def numpy(self) -> np.ndarray:
        """The data as a NumPy array, sharing memory with the tensor.

        For a tensor that requires grad the array is a **read-only** view: a graph may have saved this very
        array for backward, so a write would silently change gradients (PyTorch refuses ``.numpy()`` on such a
        tensor altogether). To change a parameter in place, write ``p.data[...] = ...`` under
        :func:`~tinygrad_cnn.no_grad` and call ``p.bump_version()``, as ``nn.init`` does; or take a copy.

        Examples:
            >>> w = Tensor([1.0, 2.0], requires_grad=True)
            >>> w.numpy().flags.writeable, Tensor([1.0]).numpy().flags.writeable
            (False, True)
        """
        if not self.requires_grad:
            return self.data
        view = self.data.view()
        view.flags.writeable = False
        return view

    def item(self) -> float | int | bool:
        if self.data.size != 1:
            raise ValueError(
                f"item(): only a one-element tensor converts to a number, this one has shape {self.shape}"
            )
        return self.data.item()

    def tolist(self) -> Any:
        return self.data.tolist()

    def detach(self) -> Tensor:
        """The same data, cut from the graph."""
        return Tensor(self.data)

    def __float__(self) -> float:
        return float(self.item())

    def __bool__(self) -> bool:
        if self.data.size != 1:
            raise ValueError(f"the truth value of a tensor of shape {self.shape} is ambiguous")
        return bool(self.data)

    __hash__ = object.__hash__  # by identity, although == is elementwise

    def __array__(self, dtype: Any = None, copy: bool | None = None) -> np.ndarray:
        """``np.asarray(t)`` gives the data (no graph; read-only if ``t`` requires grad, as :meth:`numpy`)."""
        return self.numpy() if dtype is None else self.data.astype(dtype, copy=False)

    # ---- gradients ----

    def bump_version(self) -> None:
        """Record an in-place change of :attr:`data`, so graphs built before it refuse to backpropagate."""
        self._version += 1

    def requires_grad_(self, requires_grad: bool = True) -> Tensor:
        if requires_grad and self.dtype.kind != "f":
            raise TypeError(f"Tensor: only floating-point tensors can require grad, not {self.dtype}")
        self.requires_grad = requires_grad
        return self

    def retain_grad(self) -> None:
        """Keep ``.grad`` on this non-leaf tensor too (leaves always keep theirs)."""
        self._retains_grad = True

    def backward(self, gradient: ArrayLike | None = None, retain_graph: bool | None = None) -> None:
        """Accumulate d(self)/d(leaf) into ``leaf.grad`` for every leaf that requires grad.

        A scalar (one element) gets the implicit gradient 1; any other tensor needs ``gradient`` of its
        own shape (the vector of the vector-Jacobian product). The graph is always kept (``retain_graph`` is
        accepted for PyTorch compatibility), so backward may run again, as long as no tensor it saved has
        been changed in place since (an optimizer step): that raises ``RuntimeError``, as in PyTorch.
        """
        if not self.requires_grad:
            raise RuntimeError("backward(): this tensor does not require grad and has no graph to walk back")
        if gradient is None:
            if self.data.size != 1:
                raise RuntimeError(
                    f"backward(): a tensor of shape {self.shape} needs gradient= of that shape; "
                    "only a one-element tensor gets the implicit gradient 1"
                )
            seed = np.ones_like(self.data)
        else:
            seed = _as_array(gradient, self.dtype)
            if seed.shape != self.shape:
                raise ValueError(
                    f"backward(): gradient has shape {seed.shape}, the tensor has shape {self.shape}"
                )
        keep_freed_memory()  # training reuses the same blocks every step: keep them off the kernel's (once)
        with small_ufunc_buffer():  # the gradients' strided rows run up to 3× faster (see engine.buffers)
            backpropagate(self, seed, _parents, _pullback, _Deliver(seed))

    # ---- arithmetic (elementwise, NumPy broadcasting) ----

    def __add__(self, other: ArrayLike) -> Tensor:
        return _binary(ops.Add, "add", self, other)

    def __radd__(self, other: ArrayLike) -> Tensor:
        return _binary(ops.Add, "add", other, self)

    def __sub__(self, other: ArrayLike) -> Tensor:
        return _binary(ops.Sub, "sub", self, other)

    def __rsub__(self, other: ArrayLike) -> Tensor:
        return _binary(ops.Sub, "sub", other, self)

    def __mul__(self, other: ArrayLike) -> Tensor:
        return _binary(ops.Mul, "mul", self, other)

    def __rmul__(self, other: ArrayLike) -> Tensor:
        return _binary(ops.Mul, "mul", other, self)

    def __truediv__(self, other: ArrayLike) -> Tensor:
        return _binary(ops.Div, "div", self, other)

    def __rtruediv__(self, other: ArrayLike) -> Tensor:
        return _binary(ops.Div, "div", other, self)

    def __pow__(self, other: ArrayLike) -> Tensor:
        return _binary(ops.Pow, "pow", self, other)

    def __rpow__(self, other: ArrayLike) -> Tensor:
        return _binary(ops.Pow, "pow", other, self)

    def __neg__(self) -> Tensor:
        return apply(ops.Neg, self)

    def __matmul__(self, other: ArrayLike) -> Tensor:
        return matmul(self, other)

    def __rmatmul__(self, other: ArrayLike) -> Tensor:
        return matmul(other, self)

    # comparisons give boolean tensors outside the graph
    def __eq__(self, other: object) -> Tensor:  # type: ignore[override]
        return Tensor(self.data == _as_array(other))

    def __ne__(self, other: object) -> Tensor:  # type: ignore[override]
        return Tensor(self.data != _as_array(other))

    def __lt__(self, other: ArrayLike) -> Tensor:
        return Tensor(self.data < _as_array(other))

    def __le__(self, other: ArrayLike) -> Tensor:
        return Tensor(self.data <= _as_array(other))

    def __gt__(self, other: ArrayLike) -> Tensor:
        return Tensor(self.data > _as_array(other))

    def __ge__(self, other: ArrayLike) -> Tensor:
        return Tensor(self.data >= _as_array(other))

    # ---- elementwise functions ----

    def exp(self) -> Tensor:
        return apply(ops.Exp, self)

    def log(self) -> Tensor:
        return apply(ops.Log, self)

    def relu(self) -> Tensor:
        return apply(ops.ReLU, self)

    def tanh(self) -> Tensor:
        return apply(ops.Tanh, self)

    def sigmoid(self) -> Tensor:
        return apply(ops.Sigmoid, self)

    def sqrt(self) -> Tensor:
        return self**0.5

    def abs(self) -> Tensor:
        """|x|, with gradient sign(x) (0 at 0, as PyTorch)."""
        return self * Tensor(np.sign(self.data))

    def clamp(self, min: float | None = None, max: float | None = None) -> Tensor:  # noqa: A002 (torch's names)
        out = self
        if min is not None:
            out = where(out.data < min, Tensor(np.asarray(min, self.dtype)), out)
        if max is not None:
            out = where(out.data > max, Tensor(np.asarray(max, self.dtype)), out)
        return out

    def maximum(self, other: ArrayLike) -> Tensor:
        return maximum(self, other)

    def to(self, dtype: Any) -> Tensor:
        """A differentiable cast (e.g. ``x.to(np.float64)`` for gradient checks)."""
        if np.dtype(dtype) == self.dtype:
            return self
        if np.dtype(dtype).kind != "f":  # rounding has no useful gradient: leave the graph, as PyTorch does
            return Tensor(self.data.astype(dtype))
        return apply(ops.Cast, self, dtype=np.dtype(dtype))

    def float(self) -> Tensor:
        return self.to(np.float32)

    def double(self) -> Tensor:
        return self.to(np.float64)

    # ---- reductions (PyTorch names: dim, keepdim) ----

    def sum(self, dim: Dims = None, keepdim: bool = False) -> Tensor:
        return apply(ops.Sum, self, axis=_normalize_dims(dim, self.ndim, "sum"), keepdims=keepdim)

    def mean(self, dim: Dims = None, keepdim: bool = False) -> Tensor:
        axes = _normalize_dims(dim, self.ndim, "mean")
        total = apply(ops.Sum, self, axis=axes, keepdims=keepdim)
        return total / math.prod([self.shape[a] for a in axes])

    def var(self, dim: Dims = None, keepdim: bool = False, correction: int = 1) -> Tensor:
        """Variance with Bessel's ``correction`` (1, as ``torch.var``; 0 for the biased estimate)."""
        axes = _normalize_dims(dim, self.ndim, "var")
        count = int(np.prod([self.shape[a] for a in axes]))
        centred = self - self.mean(axes, keepdim=True)
        return (centred * centred).sum(axes, keepdim) / max(count - correction, 0)

    def amax(self, dim: Dims = None, keepdim: bool = False) -> Tensor:
        """Largest value over ``dim``; the gradient goes to the first maximum (row-major)."""
        return apply(ops.Max, self, axis=_normalize_dims(dim, self.ndim, "amax"), keepdims=keepdim)

    def amin(self, dim: Dims = None, keepdim: bool = False) -> Tensor:
        return -((-self).amax(dim, keepdim))

    def max(self, dim: int | None = None, keepdim: bool = False) -> Tensor | MaxResult:
        """``x.max()`` is the largest value; ``x.max(dim)`` is ``(values, indices)``, as in PyTorch."""
        if dim is None:
            return self.amax()
        return MaxResult(self.amax(dim, keepdim), self.argmax(dim, keepdim))

    def min(self, dim: int | None = None, keepdim: bool = False) -> Tensor | MaxResult:
        if dim is None:
            return self.amin()
        return MaxResult(self.amin(dim, keepdim), self.argmin(dim, keepdim))

    def argmax(self, dim: int | None = None, keepdim: bool = False) -> Tensor:
        return self._arg_extreme(np.argmax, "argmax", dim, keepdim)

    def argmin(self, dim: int | None = None, keepdim: bool = False) -> Tensor:
        return self._arg_extreme(np.argmin, "argmin", dim, keepdim)

    def _arg_extreme(self, find, name: str, dim: int | None, keepdim: bool) -> Tensor:
        axis = None if dim is None or self.ndim == 0 else _one_dim(dim, self.ndim, name)
        reduced = self.shape[axis] if axis is not None else self.numel()
        if reduced == 0:
            raise ValueError(f"{name}: the {'dim ' + str(dim) if axis is not None else 'tensor'} is empty "
                             f"(shape {self.shape}), so it has no {name[3:]}imum")  # fmt: skip
        return Tensor(find(self.data, axis=axis, keepdims=keepdim).astype(np.int64))

    def logsumexp(self, dim: Dims, keepdim: bool = False) -> Tensor:
        """log Σ exp(x), stable for huge logits: the max is subtracted first (and added back)."""
        axes = _normalize_dims(dim, self.ndim, "logsumexp")
        peak = _peak(self.data, axes)
        shift = Tensor(np.where(np.isfinite(peak), peak, 0))  # a constant: its gradient cancels exactly
        out = (self - shift).exp().sum(axes, keepdim=True).log() + shift
        return out if keepdim else out.reshape(tuple(n for i, n in enumerate(out.shape) if i not in axes))

    def log_softmax(self, dim: int) -> Tensor:
        """``z − log Σ exp z`` with ``z = x − max x``: exact for huge logits, even in float32."""
        axis = _one_dim(dim, self.ndim, "log_softmax")
        shifted = self - Tensor(_peak(self.data, (axis,)))  # a constant: its gradient cancels
        if self.shape[axis] == 0:  # nothing to normalise: an empty result of the same shape, as PyTorch
            return shifted
        return shifted - shifted.exp().sum(axis, keepdim=True).log()

    def softmax(self, dim: int) -> Tensor:
        """``exp(log_softmax(x))``; over a size-0 dim, an empty result (as PyTorch).

        Examples:
            >>> Tensor([[1.0, 1.0]]).softmax(1).tolist(), Tensor(np.zeros((3, 0))).softmax(1).shape
            ([[0.5, 0.5]], (3, 0))
        """
        return self.log_softmax(dim).exp()

    # ---- movement ----

    def reshape(self, *shape: int | Sequence[int]) -> Tensor:
        target = _shape_arg(shape, "reshape", minus_one="once")
        if -1 in target:
            known = -math.prod(target)  # the product of the other sizes (one -1 among them)
            if known > 0 and self.data.size % known == 0:
                target = tuple(self.data.size // known if n == -1 else n for n in target)  # the rest, resolved
        if -1 not in target and math.prod(target) == self.data.size:
            return self if target == self.shape else apply(ops.Reshape, self, shape=target)
        try:
            resolved = np.empty(self.shape, dtype=np.bool_).reshape(target).shape  # resolves -1, checks size
        except ValueError:
            raise ValueError(
                f"reshape: cannot reshape a tensor of shape {self.shape} into {target}"
            ) from None
        return self if resolved == self.shape else apply(ops.Reshape, self, shape=resolved)

    view = reshape

    def flatten(self, start_dim: int = 0, end_dim: int = -1) -> Tensor:
        if self.ndim == 0:
            return self.reshape(1)
        (start,) = _normalize_dims(start_dim, self.ndim, "flatten")
        (end,) = _normalize_dims(end_dim, self.ndim, "flatten")
        if start > end:
            raise ValueError(f"flatten: start_dim {start_dim} comes after end_dim {end_dim} for shape {self.shape}")
        return self.reshape(self.shape[:start] + (-1,) + self.shape[end + 1 :])  # merge dims start..end

    def unsqueeze(self, dim: int) -> Tensor:
        if not -(self.ndim + 1) <= dim <= self.ndim:
            raise ValueError(f"unsqueeze: dim {dim} is out of range for a tensor with {self.ndim} dims")
        dim = dim % (self.ndim + 1)
        return self.reshape(self.shape[:dim] + (1,) + self.shape[dim:])

    def squeeze(self, dim: int | None = None) -> Tensor:
        if dim is None:
            return self.reshape(tuple(n for n in self.shape if n != 1))
        axes = _normalize_dims(dim, self.ndim, "squeeze")  # checks the range; () for a 0-d tensor
        return self.reshape(tuple(n for i, n in enumerate(self.shape) if not (i in axes and n == 1)))

    def permute(self, *dims: int | Sequence[int]) -> Tensor:
        axes = tuple(dims[0]) if len(dims) == 1 and isinstance(dims[0], (tuple, list)) else dims
        if len(axes) == self.ndim and all(type(a) is int for a in axes) and sorted(axes) == list(range(self.ndim)):
            return apply(ops.Permute, self, axes=axes)  # the usual case: non-negative Python ints, a permutation
        if not all(is_int(a) for a in axes):
            raise ValueError(f"permute: dims must be integers, got {shown(axes)}")
        in_range = all(-self.ndim <= a < self.ndim for a in axes)
        if not in_range or sorted(a % self.ndim for a in axes) != list(range(self.ndim)):
            raise ValueError(f"permute: {axes} is not a permutation of the {self.ndim} dims of {self.shape}")
        return apply(ops.Permute, self, axes=tuple(a % self.ndim for a in axes))

    def transpose(self, dim0: int, dim1: int) -> Tensor:
        (dim0,), (dim1,) = _normalize_dims(dim0, self.ndim, "transpose"), _normalize_dims(dim1, self.ndim, "transpose")
        axes = list(range(self.ndim))
        axes[dim0], axes[dim1] = axes[dim1], axes[dim0]
        return self.permute(axes)

    @property
    def T(self) -> Tensor:  # noqa: N802 (NumPy's name)
        return self.permute(tuple(reversed(range(self.ndim))))

    def expand(self, *sizes: int | Sequence[int]) -> Tensor:
        """Broadcast to ``sizes`` (``-1`` keeps a dim); no copy, gradient summed back."""
        sizes = _shape_arg(sizes, "expand", minus_one="anywhere")
        lead = len(sizes) - self.ndim
        if -1 in sizes[: max(lead, 0)]:
            raise ValueError(
                f"expand: -1 keeps an existing dim, but {sizes} puts one in a new dim of {self.shape}"
            )
        target = tuple(n if n != -1 else self.shape[i - lead] for i, n in enumerate(sizes))
        _check_broadcast("expand", self.shape, target, into=True)
        return self if target == self.shape else apply(ops.Expand, self, shape=target)

    def __getitem__(self, index: Any) -> Tensor:
        index = _as_index(index)
        try:
            self.data[index]  # a view (or a small copy): NumPy checks the index before the graph records it
        except IndexError as error:
            raise IndexError(f"tensor of shape {self.shape}[{shown(index)}]: {error}") from None
        except (TypeError, ValueError) as error:
            raise TypeError(f"tensor of shape {self.shape}[{shown(index)}]: not a valid index ({error})") from None
        return apply(ops.Getitem, self, index=index)

    def pad(self, pad_width: Sequence[tuple[int, int]], value: float = 0.0) -> Tensor:
        """Constant padding with NumPy's ``pad_width``: one ``(before, after)`` pair per dim."""
        if self.ndim == 0:
            raise ValueError("pad: a 0-d tensor has no dims to pad")
        pairs = tuple(pad_width) if isinstance(pad_width, (tuple, list)) else ()
        if (
            len(pairs) != self.ndim
            or not all(isinstance(p, (tuple, list)) and len(p) == 2 for p in pairs)
            or not all(is_int(n) and n >= 0 for p in pairs for n in p)
        ):
            raise ValueError(
                f"pad: need {self.ndim} non-negative (before, after) pairs of integers for shape {self.shape}, "
                f"got {shown(pad_width)}"
            )
        pairs = tuple((int(b), int(a)) for b, a in pairs)
        padded = tuple(n + b + a for n, (b, a) in zip(self.shape, pairs))
        check_allocation("pad", "the padded tensor", padded, self.dtype)
        return apply(ops.Pad, self, pad_width=pairs, value=value)


# ---- recording ops ----


def apply(op: type[ops.Function], *inputs: Tensor, **attrs: Any) -> Tensor:
    """Run primitive ``op`` on the inputs' arrays; record it in the graph if any input requires grad."""
    needs = tuple([t.requires_grad for t in inputs])
    ctx = op(needs)
    data = ctx.forward(*[t.data for t in inputs], **attrs)
    if type(data) is np.ndarray:  # every op's result but a reduction to a NumPy scalar: wrapped as it is
        out = _new_tensor(Tensor)  # what Tensor(data) makes, without its checks (an op's result passes them)
        out.data, out.grad, out.label, out._ctx, out._retains_grad, out._version = data, None, "", None, False, 0
        out.requires_grad = False
    else:
        out = Tensor(data)
    if True in needs and getattr(_grad_mode_state, "enabled", True):  # is_grad_enabled(), inlined
        ctx.parents = inputs
        ctx.versions = tuple([t._version for t in inputs])
        out._ctx = ctx
        out.requires_grad = True
    return out


_new_tensor = object.__new__


def _parents(t: Tensor) -> tuple[Tensor, ...]:
    return t._ctx.parents if t._ctx is not None else ()


def _pullback(t: Tensor, g: np.ndarray) -> list[np.ndarray | None]:
    ctx = t._ctx
    for parent, version in zip(ctx.parents, ctx.versions):
        if parent._version != version:
            raise RuntimeError(
                f"backward(): an input of {ctx.name} (shape {parent.shape}) was changed in place after the "
                "graph was built (by an optimizer step?); run the forward pass again"
            )
    return [
        None if gi is None or not parent.requires_grad
        else gi if gi.shape == parent.data.shape and gi.dtype == parent.data.dtype  # most rules: nothing to undo
        else unbroadcast_to(gi, parent)
        for parent, gi in zip(ctx.parents, ctx.backward(g))
    ]  # fmt: skip


def unbroadcast_to(g: np.ndarray, parent: Tensor) -> np.ndarray:
    """The one place broadcasting is undone (and the gradient takes its input's dtype)."""
    return ops.unbroadcast(g, parent.shape).astype(parent.dtype, copy=False)


class _Deliver:
    """Store a finished gradient in ``.grad`` (a leaf's, or a tensor that called ``retain_grad()``), summed with
    the one already there.

    A leaf takes over the gradient's array (or the array it views: the fold of a convolution, the reshaped
    scatter of max pooling) when that memory was made by a backward rule in this pass: writeable, not the caller's
    ``gradient=``, and not already taken by another leaf (``a + b`` hands both the same array, ``cat`` views of
    one). Anything else is copied, so no two ``.grad`` share memory and none shares the caller's. PyTorch takes
    over an unshared gradient the same way; skipping the copy saves a pass over the input's gradient (10 % of max
    pooling's fwd+bwd on 32×32×32²)."""

    def __init__(self, seed: np.ndarray):
        self.taken = {id(_owner(seed))}  # ids of the memory that belongs to someone (alive, so the ids are unique)

    def __call__(self, t: Tensor, g: np.ndarray) -> None:
        if not (t._ctx is None or t._retains_grad):
            return
        if t.grad is not None:
            t.grad = Tensor(t.grad.data + g)
            return
        memory = _owner(g)
        own = t._ctx is None and g.flags.writeable and memory.flags.owndata and id(memory) not in self.taken
        if own:
            self.taken.add(id(memory))
        t.grad = Tensor(g if own else np.array(g, copy=True))


def _owner(array: np.ndarray) -> np.ndarray:
    """The array whose memory ``array`` views (``array`` itself if it owns its memory)."""
    while isinstance(array.base, np.ndarray):
        array = array.base
    return array


def _lift(x: ArrayLike, like: Tensor | None) -> Tensor:
    """Numbers join a tensor's dtype (``x * 2`` stays float32); arrays and tensors keep theirs."""
    if isinstance(x, Tensor):
        return x
    if like is not None and isinstance(x, (Number, bool)):
        return Tensor(np.asarray(x, dtype=like.dtype if like.dtype.kind == "f" else None))
    return Tensor(x)


def _binary(op: type[ops.Function], name: str, a: ArrayLike, b: ArrayLike) -> Tensor:
    a_t = _lift(a, b if isinstance(b, Tensor) else None)
    b_t = _lift(b, a_t)
    if a_t.shape != b_t.shape and b_t.shape:  # equal shapes, or a number: nothing to check
        _check_broadcast(name, a_t.shape, b_t.shape)
    if a_t.dtype != b_t.dtype or op is ops.Div:  # only mixed dtypes (or integer division) promote
        a_t, b_t = _promote(op, a, b, a_t, b_t)
    return apply(op, a_t, b_t)


def _promote(op, a, b, a_t: Tensor, b_t: Tensor) -> tuple[Tensor, Tensor]:
    """PyTorch's rule where NumPy's differs: an integer or bool tensor meeting a float (tensor or Python
    number), or true division of integers, computes in the float's dtype (float32 by default), not float64."""
    kinds = a_t.dtype.kind + b_t.dtype.kind
    python_float = isinstance(a, float) or isinstance(b, float)
    if "f" in kinds and kinds != "ff":
        float_dtype = a_t.dtype if a_t.dtype.kind == "f" else b_t.dtype
        if python_float:  # the number was lifted to int64/bool; the float is only the number
            float_dtype = np.dtype(DEFAULT_DTYPE)
        return a_t.to(float_dtype), b_t.to(float_dtype)
    if op is ops.Div and "f" not in kinds:
        return a_t.to(DEFAULT_DTYPE), b_t.to(DEFAULT_DTYPE)
    return a_t, b_t


def _check_broadcast(name: str, a: tuple[int, ...], b: tuple[int, ...], into: bool = False) -> None:
    result = _broadcast_shape(a, b)
    if result is None:
        raise ValueError(
            f"{name}: shapes {a} and {b} cannot be broadcast together "
            "(aligned from the right, each pair of sizes must be equal or contain a 1)"
        )
    if into and result != b:
        raise ValueError(f"{name}: shape {a} cannot be broadcast to {b}")


def _broadcast_shape(a: tuple[int, ...], b: tuple[int, ...]) -> tuple[int, ...] | None:
    """NumPy's broadcast of shapes ``a`` and ``b`` (aligned from the right, a 1 stretches), or None if they do
    not broadcast: ``np.broadcast_shapes`` without its cost (5 µs, on every ``x + bias``).

    Examples:
        >>> _broadcast_shape((32, 4, 8, 8), (1, 4, 1, 1)), _broadcast_shape((3,), (2, 1)), _broadcast_shape((2,), (3,))
        ((32, 4, 8, 8), (2, 3), None)
    """
    if len(a) < len(b):
        a = (1,) * (len(b) - len(a)) + a
    elif len(b) < len(a):
        b = (1,) * (len(a) - len(b)) + b
    result = []
    for m, n in zip(a, b):
        if m != n and n != 1 and m != 1:
            return None
        result.append(n if m == 1 else m)
    return tuple(result)


def _normalize_dims(dim: Dims, ndim: int, name: str) -> tuple[int, ...]:
    if dim is None:
        return tuple(range(ndim))
    dims = (dim,) if is_int(dim) else tuple(dim) if isinstance(dim, (tuple, list)) else None
    if dims is None or not all(is_int(d) for d in dims):
        raise ValueError(f"{name}: dim must be an integer or a tuple of integers, got {shown(dim)}")
    for d in dims:
        if not -max(ndim, 1) <= d < max(ndim, 1):
            raise ValueError(f"{name}: dim {d} is out of range for a tensor with {ndim} dims")
    return tuple(sorted({int(d) % max(ndim, 1) for d in dims})) if ndim else ()


def _one_dim(dim: Any, ndim: int, name: str) -> int:
    """One dim (an int, possibly negative), checked against ``ndim``."""
    if not is_int(dim):
        raise ValueError(f"{name}: dim must be an integer, got {shown(dim)}")
    (axis,) = _normalize_dims(dim, ndim, name) or (0,)
    return axis


def _peak(data: np.ndarray, axes: tuple[int, ...]) -> np.ndarray:
    """The maximum over ``axes`` (kept as size 1), finite or 0: the shift that makes ``exp`` safe. An empty
    axis has no maximum; its shift is 0 (the sum over it is empty anyway)."""
    if any(data.shape[a] == 0 for a in axes) or data.size == 0:
        return np.zeros([1 if a in axes else n for a, n in enumerate(data.shape)], dtype=data.dtype)
    peak = data.max(axis=axes, keepdims=True)
    return np.where(np.isfinite(peak), peak, 0)


def _shape_arg(shape: tuple[Any, ...], name: str = "shape", minus_one: str = "never") -> tuple[int, ...]:
    """Accept both ``f(2, 3)`` and ``f((2, 3))``, as PyTorch does; every size an integer (``2.9`` and ``'2'``
    are refused, not rounded or parsed) and non-negative, except ``-1`` ``"once"`` (reshape's "the rest") or
    ``"anywhere"`` (expand's "as it is")."""
    if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
        shape = tuple(shape[0])
    least = 0 if minus_one == "never" else -1
    if all(type(n) is int for n in shape) and (not shape or least <= min(shape) <= max(shape) <= MAX_INT) and (
        minus_one != "once" or shape.count(-1) <= 1
    ):
        return shape  # Python ints, in range: the usual case, nothing to convert
    if not all(is_int(n) and n >= least for n in shape) or (minus_one == "once" and shape.count(-1) > 1):
        need = "non-negative integers" + {"never": "", "once": " (and at most one -1)", "anywhere": " or -1"}[minus_one]
        raise ValueError(f"{name}: the shape must be {need}, got {shown(shape)}")
    return tuple(int(n) for n in shape)


def _as_index(index: Any) -> Any:
    """Tensors used as indices become arrays (integer or boolean)."""
    if isinstance(index, Tensor):
        return index.data
    if isinstance(index, tuple):
        return tuple(i.data if isinstance(i, Tensor) else i for i in index)
    return index


# ---- functions ----


def matmul(a: ArrayLike, b: ArrayLike) -> Tensor:
    """Matrix product with NumPy's rules, ``out[i, j] = Σ_k a[i, k]·b[k, j]``; a shape mismatch names both shapes.

    Examples:
        >>> matmul(Tensor([[1.0, 2.0]]), Tensor([[3.0], [4.0]])).tolist()   # 1·3 + 2·4
        [[11.0]]
        >>> from tinygrad_cnn.engine.creation import ones, zeros
        >>> matmul(ones(5, 2, 3), ones(3, 4)).shape                          # batch dims broadcast
        (5, 2, 4)
    """
    a_t, b_t = _promote(ops.Matmul, a, b, _lift(a, None), _lift(b, None))
    if a_t.ndim == 0 or b_t.ndim == 0:
        raise ValueError(f"matmul: both operands need at least 1 dim, got shapes {a_t.shape} and {b_t.shape}")
    k_a, k_b = a_t.shape[-1], b_t.shape[-2 if b_t.ndim > 1 else 0]
    if k_a != k_b:
        raise ValueError(
            f"matmul: shapes {a_t.shape} and {b_t.shape} do not align: "
            f"the last dim of the first ({k_a}) must equal the "
            f"{'second-to-last' if b_t.ndim > 1 else 'only'} "
            f"dim of the second ({k_b})"
        )
    if a_t.ndim > 2 and b_t.ndim > 2 and _broadcast_shape(a_t.shape[:-2], b_t.shape[:-2]) is None:
        raise ValueError(
            f"matmul: shapes {a_t.shape} and {b_t.shape} have batch dims {a_t.shape[:-2]} and "
            f"{b_t.shape[:-2]}, which cannot be broadcast together"
        )
    if a_t.ndim == 1 or b_t.ndim == 1:  # NumPy's promotion, done here so the rule sees matrices only
        rows = a_t.reshape(1, -1) if a_t.ndim == 1 else a_t  # (k,) -> (1, k)
        cols = b_t.reshape(-1, 1) if b_t.ndim == 1 else b_t  # (k,) -> (k, 1)
        out = apply(ops.Matmul, rows, cols)  # (..., m, n) with m = 1 or n = 1 for the promoted operand
        out_shape = out.shape[:-2] + out.shape[-2:][a_t.ndim == 1 : 2 - (b_t.ndim == 1)]
        return out.reshape(out_shape)  # the promoted dims dropped again
    return apply(ops.Matmul, a_t, b_t)


def where(condition: ArrayLike, a: ArrayLike, b: ArrayLike) -> Tensor:
    """``a`` where ``condition`` holds, else ``b``; differentiable in ``a`` and ``b``.

    Examples:
        >>> x = Tensor([-2.0, 0.5, 3.0])
        >>> where(x > 0, x, 0.0).tolist()   # ReLU
        [0.0, 0.5, 3.0]
    """
    cond = np.asarray(condition.data if isinstance(condition, Tensor) else condition, dtype=bool)
    a_t = _lift(a, b if isinstance(b, Tensor) else None)
    b_t = _lift(b, a_t)
    _check_broadcast("where", a_t.shape, b_t.shape)
    _check_broadcast("where (condition)", cond.shape, _broadcast_shape(a_t.shape, b_t.shape))
    a_t, b_t = _promote(ops.Where, a, b, a_t, b_t)
    return apply(ops.Where, a_t, b_t, condition=cond)


def maximum(a: ArrayLike, b: ArrayLike) -> Tensor:
    """Elementwise maximum; at ties each side gets half the gradient.

    Examples:
        >>> x = Tensor([1.0, 2.0], requires_grad=True)
        >>> maximum(x, Tensor([1.0, 0.0])).sum().backward()
        >>> x.grad.tolist()                 # the tie at 1.0 shares its gradient
        [0.5, 1.0]
    """
    return _binary(ops.Maximum, "maximum", a, b)


def minimum(a: ArrayLike, b: ArrayLike) -> Tensor:
    """Elementwise minimum, ``−maximum(−a, −b)``.

    Examples:
        >>> minimum(Tensor([1.0, 5.0]), 3.0).tolist()   # clip from above
        [1.0, 3.0]
    """
    a_t = _lift(a, b if isinstance(b, Tensor) else None)
    b_t = _lift(b, a_t)
    _check_broadcast("minimum", a_t.shape, b_t.shape)  # name this op, not the maximum it is built from
    return -maximum(-a_t, -b_t)


def cat(tensors: Sequence[Tensor], dim: int = 0) -> Tensor:
    """Join tensors along an existing dim (``torch.cat``).

    Examples:
        >>> from tinygrad_cnn.engine.creation import ones, zeros
        >>> cat([zeros(2, 3), ones(1, 3)]).tolist()
        [[0.0, 0.0, 0.0], [0.0, 0.0, 0.0], [1.0, 1.0, 1.0]]
    """
    tensors = [_lift(t, None) for t in tensors]
    if not tensors:
        raise ValueError("cat: needs at least one tensor")
    floats = [t.dtype for t in tensors if t.dtype.kind == "f"]
    if floats and len(floats) < len(tensors):  # PyTorch: integers join the float dtype, not float64
        tensors = [t.to(floats[0]) for t in tensors]
    first = tensors[0]
    if any(t.ndim == 0 for t in tensors):
        raise ValueError("cat: 0-d tensors have no dim to join along; use stack, or reshape them to (1,)")
    axis = _one_dim(dim, first.ndim, "cat")
    for t in tensors[1:]:
        if t.ndim != first.ndim or any(
            n != m for i, (n, m) in enumerate(zip(t.shape, first.shape)) if i != axis
        ):
            raise ValueError(f"cat: shapes {first.shape} and {t.shape} differ outside dim {axis}")
    return apply(ops.Cat, *tensors, axis=axis)


def stack(tensors: Sequence[Tensor], dim: int = 0) -> Tensor:
    """Join same-shape tensors along a new dim (``torch.stack``).

    Examples:
        >>> from tinygrad_cnn.engine.creation import ones, zeros
        >>> stack([zeros(2, 3), ones(2, 3)]).shape, stack([zeros(2, 3), ones(2, 3)], dim=2).shape
        ((2, 2, 3), (2, 3, 2))
    """
    tensors = [_lift(t, None) for t in tensors]
    if not tensors:
        raise ValueError("stack: needs at least one tensor")
    shapes = {t.shape for t in tensors}
    if len(shapes) > 1:
        raise ValueError(f"stack: all tensors need the same shape, got {sorted(shapes)}")
    return cat([t.unsqueeze(dim) for t in tensors], dim)
