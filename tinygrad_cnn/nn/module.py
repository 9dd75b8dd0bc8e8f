"""``Module``: a container of parameters, buffers and sub-modules, with PyTorch's semantics.

Assigning a :class:`Parameter` or a :class:`Module` to an attribute registers it, so ``parameters()``,
``state_dict()`` and ``train()/eval()`` reach everything a model is built from. State-dict keys are dotted
attribute paths, each module's parameters then its buffers, then its children in order: the same keys and
shapes PyTorch produces for the same architecture.

Examples:
    >>> import numpy as np
    >>> class Scale(Module):
    ...     def __init__(self):
    ...         super().__init__()
    ...         self.gain = Parameter(np.ones(3, dtype=np.float32))
    ...         self.register_buffer("calls", Tensor(np.zeros((), dtype=np.int64)))
    ...     def forward(self, x):
    ...         return x * self.gain
    >>> net = Sequential(Scale(), Scale())
    >>> list(net.state_dict())
    ['0.gain', '0.calls', '1.gain', '1.calls']
    >>> net.num_parameters()
    6
    >>> net(Tensor([1.0, 2.0, 3.0])).tolist()
    [1.0, 2.0, 3.0]
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from typing import Any, NamedTuple

import numpy as np

from ..tensor import Tensor

__all__ = ["Parameter", "Module", "Sequential", "ModuleList", "IncompatibleKeys"]


class Parameter(Tensor):
    """A tensor that is a learnable weight: it requires grad, and assigning it to a :class:`Module`
    attribute registers it. The data is copied, so the parameter owns a writable array.

    Examples:
        >>> w = Parameter([[1.0, 2.0]])
        >>> w.requires_grad, w.shape
        (True, (1, 2))
    """

    __slots__ = ()

    def __init__(self, data: Any, dtype: Any = None, requires_grad: bool = True):
        array = data.data if isinstance(data, Tensor) else data
        super().__init__(np.array(Tensor(array, dtype=dtype).data, copy=True), requires_grad=requires_grad)

    def __repr__(self) -> str:
        return "Parameter containing:\n" + super().__repr__()


class IncompatibleKeys(NamedTuple):
    """What :meth:`Module.load_state_dict` returns: keys it did not find, and keys it did not use."""

    missing_keys: list[str]
    unexpected_keys: list[str]


class Module:
    """Base class of every layer and model: subclass it, assign layers in ``__init__``, write ``forward``.

    Call ``super().__init__()`` before assigning parameters or sub-modules.
    """

    def __init__(self) -> None:
        object.__setattr__(self, "_parameters", {})
        object.__setattr__(self, "_buffers", {})
        object.__setattr__(self, "_non_persistent", set())
        object.__setattr__(self, "_modules", {})
        object.__setattr__(self, "training", True)

    # ---- registration ----

    def __setattr__(self, name: str, value: Any) -> None:
        if isinstance(value, (Parameter, Module)) and "_parameters" not in self.__dict__:
            raise AttributeError(f"{type(self).__name__}: call super().__init__() before assigning {name!r}")
        params = self.__dict__.get("_parameters")
        buffers = self.__dict__.get("_buffers")
        modules = self.__dict__.get("_modules")
        if isinstance(value, Parameter):
            self._forget(name)
            params[name] = value
        elif isinstance(value, Module):
            self._forget(name)
            modules[name] = value
        elif params is not None and name in params:
            if value is not None:
                raise TypeError(
                    f"{type(self).__name__}.{name} is a parameter: assign a Parameter or None, "
                    f"not {type(value).__name__}"
                )
            params[name] = None
        elif buffers is not None and name in buffers:
            if value is not None and not isinstance(value, Tensor):
                raise TypeError(
                    f"{type(self).__name__}.{name} is a buffer: assign a Tensor or None, not {type(value).__name__}"
                )
            buffers[name] = value
        elif modules is not None and name in modules:
            if value is not None:
                raise TypeError(
                    f"{type(self).__name__}.{name} is a sub-module: assign a Module or None, not {type(value).__name__}"
                )
            modules[name] = None
        else:
            object.__setattr__(self, name, value)

    def __getattr__(self, name: str) -> Any:  # called only when normal lookup fails
        for registry in ("_parameters", "_buffers", "_modules"):
            entries = self.__dict__.get(registry, {})
            if name in entries:
                return entries[name]
        raise AttributeError(f"'{type(self).__name__}' object has no attribute '{name}'")

    def __delattr__(self, name: str) -> None:
        if not self._forget(name):
            raise AttributeError(f"'{type(self).__name__}' object has no attribute '{name}'")

    def _forget(self, name: str) -> bool:
        """Remove ``name`` from every registry and the plain attributes; True if it was anywhere."""
        found = name in self.__dict__
        self.__dict__.pop(name, None)
        for registry in ("_parameters", "_buffers", "_modules"):
            entries = self.__dict__.get(registry, {})
            if name in entries:
                del entries[name]
                found = True
        self.__dict__.get("_non_persistent", set()).discard(name)
        return found

    def register_parameter(self, name: str, param: Parameter | None) -> None:
        """Register ``param`` (or ``None``: a declared but absent parameter, e.g. ``bias=False``)."""
        if param is not None and not isinstance(param, Parameter):
            raise TypeError(f"register_parameter({name!r}): expected a Parameter or None, got {type(param)}")
        self._forget(name)
        self._parameters[name] = param

    def register_buffer(self, name: str, tensor: Tensor | None, persistent: bool = True) -> None:
        """Register state that is not learned (e.g. BatchNorm's running mean); it is saved in
        ``state_dict()`` unless ``persistent=False``."""
        if tensor is not None and not isinstance(tensor, Tensor):
            raise TypeError(f"register_buffer({name!r}): expected a Tensor or None, got {type(tensor)}")
        self._forget(name)
        self._buffers[name] = tensor
        if not persistent:
            self._non_persistent.add(name)

    def add_module(self, name: str, module: Module | None) -> None:
        if module is not None and not isinstance(module, Module):
            raise TypeError(f"add_module({name!r}): expected a Module or None, got {type(module)}")
        self._forget(name)
        self._modules[name] = module

    # ---- traversal ----

    def named_modules(self, prefix: str = "", remove_duplicate: bool = True) -> Iterator[tuple[str, Module]]:
        """This module and all below it, depth first in registration order (an explicit stack)."""
        seen: set[int] = set()
        stack: list[tuple[str, Module]] = [(prefix, self)]
        while stack:
            name, module = stack.pop()
            if remove_duplicate:
                if id(module) in seen:
                    continue
                seen.add(id(module))
            yield name, module
            children = [(k, m) for k, m in module._modules.items() if m is not None]
            for key, child in reversed(children):
                stack.append((f"{name}.{key}" if name else key, child))

    def modules(self) -> Iterator[Module]:
        return (m for _, m in self.named_modules())

    def named_children(self) -> Iterator[tuple[str, Module]]:
        seen: set[int] = set()
        for name, module in self._modules.items():
            if module is not None and id(module) not in seen:
                seen.add(id(module))
                yield name, module

    def children(self) -> Iterator[Module]:
        return (m for _, m in self.named_children())

    def _named_entries(
        self, registry: str, recurse: bool, remove_duplicate: bool = True
    ) -> Iterator[tuple[str, Tensor]]:
        modules = self.named_modules(remove_duplicate=remove_duplicate) if recurse else [("", self)]
        seen: set[int] = set()
        for prefix, module in modules:
            for name, value in getattr(module, registry).items():
                if value is None or (remove_duplicate and id(value) in seen):
                    continue
                seen.add(id(value))
                yield (f"{prefix}.{name}" if prefix else name), value

    def named_parameters(self, recurse: bool = True) -> Iterator[tuple[str, Parameter]]:
        """``(dotted name, parameter)`` pairs; a parameter shared by two layers is listed once."""
        return self._named_entries("_parameters", recurse)

    def parameters(self, recurse: bool = True) -> Iterator[Parameter]:
        return (p for _, p in self.named_parameters(recurse))

    def named_buffers(self, recurse: bool = True) -> Iterator[tuple[str, Tensor]]:
        return self._named_entries("_buffers", recurse)

    def buffers(self, recurse: bool = True) -> Iterator[Tensor]:
        return (b for _, b in self.named_buffers(recurse))

    def num_parameters(self) -> int:
        """The number of learnable scalars (shared parameters counted once)."""
        return sum(p.numel() for p in self.parameters())

    # ---- modes and gradients ----

    def train(self, mode: bool = True) -> Module:
        """Set training mode (``mode=True``) or evaluation mode on this module and all below it."""
        for module in self.modules():
            object.__setattr__(module, "training", bool(mode))
        return self

    def eval(self) -> Module:
        return self.train(False)

    def zero_grad(self, set_to_none: bool = True) -> None:
        """Forget every parameter's gradient (``grad = None``, or zeros with ``set_to_none=False``)."""
        for p in self.parameters():
            p.grad = None if set_to_none or p.grad is None else Tensor(np.zeros_like(p.grad.data))

    def forward(self, *args: Any, **kwargs: Any) -> Any:
        raise NotImplementedError(f"{type(self).__name__} does not define forward()")

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return self.forward(*args, **kwargs)

    # ---- state dict ----

    def _state_entries(self) -> Iterator[tuple[str, Tensor]]:
        """Every saved tensor with its key: per module, parameters then persistent buffers (no dedup)."""
        for prefix, module in self.named_modules(remove_duplicate=False):
            dot = f"{prefix}." if prefix else ""
            for name, p in module._parameters.items():
                if p is not None:
                    yield dot + name, p
            for name, b in module._buffers.items():
                if b is not None and name not in module._non_persistent:
                    yield dot + name, b

    def state_dict(self) -> dict[str, Tensor]:
        """A snapshot ``{dotted key: tensor}`` of all parameters and persistent buffers.

        Unlike PyTorch the values are copies, so a saved "best model" does not change as training goes on.
        """
        return {key: Tensor(np.array(t.data, copy=True)) for key, t in self._state_entries()}

    def load_state_dict(self, state_dict: Mapping[str, Any], strict: bool = True) -> IncompatibleKeys:
        """Copy values into this module's parameters and buffers (in place: optimizers keep working).

        Everything is checked before anything is copied. With ``strict`` (the default) a missing or
        unexpected key is an error; a shape or dtype mismatch always is. Returns the missing and
        unexpected keys.
        """
        own = dict(self._state_entries())
        missing = [k for k in own if k not in state_dict]
        unexpected = [k for k in state_dict if k not in own]
        problems = []
        for key, target in own.items():
            if key not in state_dict:
                continue
            value = state_dict[key]
            if not isinstance(value, (Tensor, np.ndarray)):
                problems.append(f"{key}: expected a Tensor or ndarray, got {type(value).__name__}")
                continue
            source = value.data if isinstance(value, Tensor) else value
            if source.shape != target.shape:
                problems.append(
                    f"size mismatch for {key}: the state dict has shape {tuple(source.shape)}, "
                    f"this model has shape {target.shape}"
                )
            elif not np.can_cast(source.dtype, target.dtype, casting="same_kind"):
                problems.append(
                    f"dtype mismatch for {key}: the state dict has {source.dtype}, this model has {target.dtype}"
                )
        if strict:
            if missing:
                problems.insert(0, "missing keys: " + ", ".join(repr(k) for k in missing))
            if unexpected:
                problems.insert(len(missing) > 0, "unexpected keys: " + ", ".join(repr(k) for k in unexpected))
        if problems:
            raise ValueError(f"Error(s) in loading state_dict for {type(self).__name__}:\n  " + "\n  ".join(problems))
        for key, target in own.items():
            if key in state_dict:
                value = state_dict[key]
                np.copyto(target.data, value.data if isinstance(value, Tensor) else value, casting="same_kind")
                target.bump_version()
        return IncompatibleKeys(missing, unexpected)

    # ---- printing ----

    def extra_repr(self) -> str:
        """The text inside ``Name(...)``: the layer's hyperparameters. Override in layers."""
        return ""

    def _parameter_summary(self) -> str:
        own = [(name, p) for name, p in self._parameters.items() if p is not None]
        if not own:
            return ""
        shapes = ", ".join(f"{name} {p.shape}" for name, p in own)
        return f"  # {shapes}: {_count(sum(p.numel() for _, p in own))}"

    def _repr_body(self) -> str:
        extra = self.extra_repr()
        extra_lines = extra.split("\n") if extra else []
        child_lines = [
            f"({key}): " + module._repr_body().replace("\n", "\n  ")
            for key, module in self._modules.items()
            if module is not None
        ]
        lines = extra_lines + child_lines
        text = type(self).__name__ + "("
        if len(extra_lines) == 1 and not child_lines:
            text += extra_lines[0] + ")" + self._parameter_summary()
        elif lines:
            text += self._parameter_summary() + "\n  " + "\n  ".join(lines) + "\n)"
        else:
            text += ")" + self._parameter_summary()
        return text

    def _repr_svg_(self) -> str | None:
        """Jupyter draws a module as its layers, with parameter counts and formulas (:mod:`tinygrad_cnn.graphs`)."""
        from tinygrad_cnn.graphs.api import repr_svg  # imported on use: the engine does not need the drawing code

        return repr_svg(self)

    def __repr__(self) -> str:
        """PyTorch's nested layout; each layer with parameters also shows their shapes and count, and a
        model with sub-modules ends with its total."""
        body = self._repr_body()
        if any(m is not None for m in self._modules.values()):
            body += f"\nTotal: {_count(self.num_parameters())}"
        return body


def _count(n: int) -> str:
    return f"{n:,} parameter" + ("" if n == 1 else "s")


class _IndexedModules(Module):
    """Modules stored under the keys "0", "1", ... (shared by :class:`Sequential` and :class:`ModuleList`)."""

    def __init__(self, modules: Iterable[Module] = ()) -> None:
        super().__init__()
        for module in modules:
            self.append(module)

    def append(self, module: Module) -> _IndexedModules:
        if not isinstance(module, Module):
            raise TypeError(f"{type(self).__name__}.append: expected a Module, got {type(module).__name__}")
        self.add_module(str(len(self._modules)), module)
        return self

    def extend(self, modules: Iterable[Module]) -> _IndexedModules:
        for module in modules:
            self.append(module)
        return self

    def _key(self, index: int) -> str:
        keys = list(self._modules)
        if not -len(keys) <= index < len(keys):
            raise IndexError(f"{type(self).__name__}: index {index} is out of range for length {len(keys)}")
        return keys[index]

    def __getitem__(self, index: int | slice) -> Any:
        if isinstance(index, slice):
            sliced = type(self).__new__(type(self))
            Module.__init__(sliced)
            for key, module in list(self._modules.items())[index]:
                sliced.add_module(key, module)
            return sliced
        return self._modules[self._key(index)]

    def __setitem__(self, index: int, module: Module) -> None:
        self.add_module(self._key(index), module)

    def __len__(self) -> int:
        return len(self._modules)

    def __iter__(self) -> Iterator[Module]:
        return iter(list(self._modules.values()))


class Sequential(_IndexedModules):
    """Layers applied one after another; children are named "0", "1", ... as in PyTorch.

    Examples:
        >>> net = Sequential(Module(), Module())
        >>> len(net), [name for name, _ in net.named_children()]
        (2, ['0', '1'])
    """

    def __init__(self, *modules: Module | Mapping[str, Module]) -> None:
        if len(modules) == 1 and isinstance(modules[0], Mapping):  # Sequential(OrderedDict(name=layer))
            super().__init__()
            for name, module in modules[0].items():
                self.add_module(name, module)
        else:
            super().__init__(modules)

    def forward(self, x: Any) -> Any:
        for module in self:
            x = module(x)
        return x


class ModuleList(_IndexedModules):
    """A list of modules that registers them (no ``forward``: the owner decides how to use them)."""
