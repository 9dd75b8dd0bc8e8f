"""The scalar engine: a :class:`Value` is one number plus the graph that computed it (micrograd-style).

Each operation builds its output and, right beside it, the rule that maps the output's gradient ``g``
to gradients of its inputs. Rules are written with ``+ - * / **`` only, so the same rule runs on plain
floats (ordinary backward) or on Values (``create_graph=True``, which makes gradients differentiable
and gives second derivatives). Scripts written for micrograd's ``Value`` run unchanged.

Examples:
    >>> a = Value(2.0, label="a")
    >>> b = Value(-3.0, label="b")
    >>> c = a * b + b ** 2
    >>> c.backward()
    >>> a.grad, b.grad
    (-3.0, -4.0)
"""

from __future__ import annotations

import math
import sys
from collections.abc import Callable, Sequence
from numbers import Real
from typing import Any

from .autograd import backpropagate, backward_order
from .sizes import shown

__all__ = ["Value", "grad"]

Number = int | float
_MAX_FLOAT_INT = int(sys.float_info.max)  # the largest int a float can hold (≈1.8e308)
_MAX_EXP_ARG = math.log(sys.float_info.max)  # ≈ 709.78: exp of anything larger is not a finite float


def _no_rule(g: Any, out: Any) -> tuple[()]:
    return ()


class Value:
    """A scalar in a computation graph.

    Attributes:
        data: the number.
        grad: d(root)/d(self), accumulated by :meth:`backward` (``0`` until then).
        label: an optional name shown in graph drawings.
        _prev: the input Values this one was computed from, in argument order (``(x, x)`` for ``x * x``).
        _op: the name of the operation that produced it (``''`` for a leaf).
    """

    __slots__ = ("data", "grad", "label", "_prev", "_op", "_backward", "_pending")

    def __init__(self, data: Number, _children: Sequence[Value] = (), _op: str = "", label: str = ""):
        if type(data) is not float:  # the fast path first
            if isinstance(data, Value) or not isinstance(data, Real):
                raise TypeError(f"Value(data) needs a real number, got {type(data).__name__}: {shown(data)}")
            if isinstance(data, int) and abs(data) > _MAX_FLOAT_INT:  # it would overflow at its first float op
                raise OverflowError(f"Value(data): {shown(data)} is too large for a float (at most ~1.8e308)")
        self.data = data
        self.grad: Any = 0
        self.label = label
        self._prev: tuple[Value, ...] = _children if type(_children) is tuple else tuple(_children)
        self._op = _op
        self._backward: Callable[..., tuple[Any, ...]] = _no_rule
        self._pending: Any = 0.0  # the gradient summed so far during backward()

    # ---- primitives: each builds `out` and names its gradient rule `(g, out, *inputs) -> input grads` ----
    # (module-level functions below, shared by every node: no closure is made per node)

    def __add__(self, other: Value | Number) -> Value:
        if type(other) is not Value:
            other = _lift(other)
        out = Value(self.data + other.data, (self, other), "+")
        out._backward = _add_rule
        return out

    def __mul__(self, other: Value | Number) -> Value:
        if type(other) is not Value:
            other = _lift(other)
        out = Value(self.data * other.data, (self, other), "*")
        out._backward = _mul_rule
        return out

    def __pow__(self, other: Value | Number) -> Value:
        if isinstance(other, Value):
            out = Value(_real_power(self.data, other.data), (self, other), "**")
            out._backward = _pow_rule
            return out
        if not isinstance(other, Real):
            return NotImplemented
        k = other
        out = Value(_real_power(self.data, k), (self,), f"**{k}")
        out._backward = lambda g, out, a: (_base_grad(g, a, k),)
        return out

    def relu(self) -> Value:
        out = Value(0 if self.data < 0 else self.data, (self,), "ReLU")
        out._backward = _relu_rule
        return out

    def tanh(self) -> Value:
        out = Value(math.tanh(self.data), (self,), "tanh")  # math.tanh saturates at ±1, never overflows
        out._backward = _tanh_rule
        return out

    def sigmoid(self) -> Value:
        out = Value(_stable_sigmoid(self.data), (self,), "sigmoid")
        out._backward = _sigmoid_rule
        return out

    def exp(self) -> Value:
        """e**x; saturates at the largest finite float (≈1.8e308) instead of raising OverflowError."""
        out = Value(math.exp(min(self.data, _MAX_EXP_ARG)), (self,), "exp")
        out._backward = _exp_rule
        return out

    def log(self) -> Value:
        if self.data <= 0:
            raise ValueError(f"Value.log: log({self.data}) is undefined; the argument must be positive")
        out = Value(math.log(self.data), (self,), "log")
        out._backward = _log_rule
        return out

    # ---- composites: one line each, over the primitives (as in micrograd) ----

    def __neg__(self) -> Value:
        return self * -1

    def __radd__(self, other: Number) -> Value:
        return self + other

    def __sub__(self, other: Value | Number) -> Value:
        return self + (-other)

    def __rsub__(self, other: Number) -> Value:
        return other + (-self)

    def __rmul__(self, other: Number) -> Value:
        return self * other

    def __truediv__(self, other: Value | Number) -> Value:
        return self * _nonzero(other, self, "/") ** -1

    def __rtruediv__(self, other: Number) -> Value:
        return other * _nonzero(self, other, "/") ** -1

    def __rpow__(self, other: Number) -> Value:
        return _lift(other) ** self

    # ---- differentiation ----

    def backward(self, create_graph: bool = False) -> None:
        """Add d(self)/d(node) to ``node.grad`` for every node of the graph (``self.grad`` gets 1).

        Calling it twice adds the same gradients twice, as PyTorch does with ``retain_graph=True``.
        With ``create_graph=True`` the gradients are Values, so they can be differentiated again.
        """
        if not create_graph:
            _backward_on_floats(self)
            return

        def deliver(node: Value, g: Any) -> None:
            node.grad = node.grad + g

        backpropagate(self, Value(1.0), _parents, _pullback(create_graph), deliver)

    def __repr__(self) -> str:
        return f"Value(data={self.data}, grad={self.grad})"


def grad(output: Value, inputs: Sequence[Value], create_graph: bool = False) -> list[Any]:
    """Return d(output)/d(x) for each x in ``inputs`` without touching any ``.grad``.

    With ``create_graph=True`` the results are Values, so derivatives of derivatives can be taken.
    An input that ``output`` does not depend on gets gradient 0.

    Examples:
        >>> x = Value(3.0)
        >>> (dx,) = grad(x ** 3, [x], create_graph=True)   # 3x² = 27
        >>> (dxx,) = grad(dx, [x])                          # 6x = 18
        >>> dx.data, dxx
        (27.0, 18.0)
    """
    gradients: dict[int, Any] = {id(x): 0.0 for x in inputs}

    def deliver(node: Value, g: Any) -> None:
        if id(node) in gradients:
            gradients[id(node)] = g

    seed: Any = Value(1.0) if create_graph else 1.0
    backpropagate(output, seed, _parents, _pullback(create_graph), deliver)
    return [gradients[id(x)] for x in inputs]  # an input listed twice gets its gradient twice


def _parents(node: Value) -> tuple[Value, ...]:
    return node._prev


def _pullback(create_graph: bool) -> Callable[[Value, Any], tuple[Any, ...]]:
    """The rule applied to Values (differentiable gradients) or to their plain numbers (fast)."""
    if create_graph:
        return lambda node, g: node._backward(g, node, *node._prev)
    return lambda node, g: node._backward(g, node.data, *[p.data for p in node._prev])


def _backward_on_floats(root: Value) -> None:
    """``backward()`` on plain numbers: :func:`~tinygrad_cnn.engine.autograd.backpropagate`'s walk (the same
    order, gradients summed over all uses before they are passed on), written out for Values, since per node
    the bookkeeping is all the work there is (a rule is a multiplication or two). The sum so far waits in each
    node's ``_pending`` slot (0.0 between passes), cheaper than a dictionary."""
    order = backward_order(root, _parents)
    root._pending = 1.0
    try:
        for node in order:
            g = node._pending  # complete: every consumer of node came before it in the order
            node._pending = 0.0
            node.grad = node.grad + g
            inputs = node._prev
            if len(inputs) == 2:
                a, b = inputs
                ga, gb = node._backward(g, node.data, a.data, b.data)
                a._pending += ga
                b._pending += gb
            elif inputs:
                (a,) = inputs
                (ga,) = node._backward(g, node.data, a.data)
                a._pending += ga
    except BaseException:
        for node in order:  # a rule failed (or Ctrl-C): leave no half-summed gradient behind
            node._pending = 0.0
        raise


# ---- gradient rules, `(g, out, *inputs) -> input grads`, on floats or (create_graph) on Values ----


def _add_rule(g: Any, out: Any, a: Any, b: Any) -> tuple[Any, Any]:
    return g, g


def _mul_rule(g: Any, out: Any, a: Any, b: Any) -> tuple[Any, Any]:
    return g * b, g * a


def _pow_rule(g: Any, out: Any, a: Any, b: Any) -> tuple[Any, Any]:
    return _base_grad(g, a, b), g * out * _log_or_zero(a)


def _relu_rule(g: Any, out: Any, a: Any) -> tuple[Any]:
    return (g * (1.0 if (a.data if isinstance(a, Value) else a) > 0 else 0.0),)


def _tanh_rule(g: Any, out: Any, a: Any) -> tuple[Any]:
    return (g * (1 - out * out),)


def _sigmoid_rule(g: Any, out: Any, a: Any) -> tuple[Any]:
    return (g * out * (1 - out),)


def _exp_rule(g: Any, out: Any, a: Any) -> tuple[Any]:
    return (g * out,)


def _log_rule(g: Any, out: Any, a: Any) -> tuple[Any]:
    return (g / a,)


def _lift(x: Value | Number) -> Value:
    return x if isinstance(x, Value) else Value(x)


def _real_power(base: Number, exponent: Number) -> Number:
    try:
        result = base**exponent
    except ZeroDivisionError:
        raise ZeroDivisionError(
            f"Value.__pow__: {base} ** {exponent} is undefined (division by zero)"
        ) from None
    except OverflowError:
        raise OverflowError(f"Value.__pow__: {base} ** {exponent} is too large for a float") from None
    if isinstance(result, complex):
        raise ValueError(f"Value.__pow__: {base} ** {exponent} is not a real number (negative base)")
    return result


def _nonzero(divisor: Any, dividend: Any, op: str) -> Any:
    """The divisor of ``dividend / divisor``, or a ZeroDivisionError that says so (as Python's floats do)."""
    number = divisor.data if isinstance(divisor, Value) else divisor
    if isinstance(number, Real) and number == 0:
        top = dividend.data if isinstance(dividend, Value) else dividend
        raise ZeroDivisionError(f"Value.__truediv__: {top} {op} {number} divides by zero")
    return divisor


def _base_grad(g: Any, a: Any, b: Any) -> Any:
    """d(a**b)/da · g = g·b·a**(b−1); 0 where b = 0 and a = 0 (a**0 is 1 for every a), as PyTorch, instead of
    0·inf = nan. Elsewhere the formula stays, so it can be differentiated in b again (``create_graph``)."""
    base, exponent = (x.data if isinstance(x, Value) else x for x in (a, b))
    return g * 0 if exponent == 0 and (base == 0 or not isinstance(b, Value)) else g * b * _power_or_inf(a, b - 1)


def _power_or_inf(a: Any, e: Any) -> Any:
    """a**e inside a gradient rule: +inf where the derivative is infinite (0**-0.5), as PyTorch gives."""
    base = a.data if isinstance(a, Value) else a
    exponent = e.data if isinstance(e, Value) else e
    if base == 0 and exponent < 0:
        return Value(math.inf) if isinstance(a, Value) else math.inf
    return a**e


def _log_or_zero(a: Any) -> Any:
    """log(a) for the exponent's gradient of a**b; 0 where a == 0 (as PyTorch), nan where a < 0."""
    base = a.data if isinstance(a, Value) else a
    if base > 0:
        return a.log() if isinstance(a, Value) else math.log(a)
    return 0.0 if base == 0 else math.nan


def _stable_sigmoid(x: Number) -> float:
    if x >= 0:
        return 1.0 / (1.0 + math.exp(-x))
    e = math.exp(x)  # x < 0, so no overflow
    return e / (1.0 + e)
