"""``BUILTIN_PIPES``: the pipe table of the README's version, kept for its callers.

Each entry is a callable ``(value, *string_args)``: the string arguments are
converted through the pipe's signature, exactly as in an expression, and the
pipe runs under the default :class:`~dagabaaz._runtime.limits.Budget`.

Called this way, the pipes keep that version's leniency (inside an
expression the same calls are save-time errors):

* ``nth``, ``truncate`` and ``pad`` with an argument that is not an integer
  give None (``nth`` on a list; any other value comes back as it is), the
  text unchanged, and the text unchanged;
* ``match`` with an invalid pattern gives ``""``;
* ``prepend``, ``append``, ``match`` and ``json_get`` called without their
  argument use ``""``.

``PIPE_ARITY`` maps each built-in pipe to its ``(min, max)`` argument count,
read from the pipes' signatures (``max`` is None for a variadic pipe).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from types import MappingProxyType
from typing import Any

from dagabaaz._runtime.limits import Budget
from dagabaaz._runtime.values import pipe_input
from dagabaaz.errors import ArgumentError
from dagabaaz.pipes.builtin.text import pad as _pad
from dagabaaz.pipes.registry import PipeRegistry, PipeSpec

__all__ = ["LegacyPipes", "pipe_arity"]


class LegacyPipes(Mapping[str, Callable[..., Any]]):
    """A read-only view of a registry as ``name -> callable(value, *string_args)``."""

    __slots__ = ("_budget", "_registry")

    def __init__(self, registry: PipeRegistry, budget: Budget | None = None) -> None:
        self._registry = registry
        self._budget = budget or Budget()

    def __getitem__(self, name: str) -> Callable[..., Any]:
        spec = self._registry[name]
        return _legacy_call(spec, self._budget)

    def __iter__(self) -> Iterator[str]:
        return iter(self._registry.names())

    def __len__(self) -> int:
        return len(self._registry)

    def __contains__(self, name: object) -> bool:
        return name in self._registry


def pipe_arity(registry: PipeRegistry) -> Mapping[str, tuple[int, int | None]]:
    """Return a read-only ``name -> (min_args, max_args)`` of the registry's pipes."""
    return MappingProxyType(
        {
            name: (registry[name].signature.min_args, registry[name].signature.max_args)
            for name in registry.names()
        }
    )


_OPTIONAL_ARGUMENT = frozenset({"prepend", "append", "match", "json_get"})
"""Pipes whose one argument the README's version defaulted to ``""``."""


def _legacy_call(spec: PipeSpec, budget: Budget) -> Callable[..., Any]:
    function = spec.bind(budget)
    signature = spec.signature
    name = spec.name

    def call(value: Any, *args: str) -> Any:
        if not args and name in _OPTIONAL_ARGUMENT:
            args = ("",)
        problem = signature.arity_problem(len(args), name)
        if problem is not None:
            raise ArgumentError(problem, code="wrong-arity")
        try:
            converted = [
                signature.param_for(i).convert(str(arg), budget, name) for i, arg in enumerate(args)
            ]
        except ArgumentError:
            lenient = _LENIENT.get(name)
            if lenient is None:
                raise
            return lenient(value, [str(arg) for arg in args], budget)
        return function(pipe_input(value, signature.text_value, budget), *converted)

    call.__name__ = name
    call.__doc__ = spec.doc
    return call


def _as_int(text: str) -> int | None:
    try:
        return int(text)
    except ValueError:
        return None


def _lenient_nth(value: Any, args: list[str], budget: Budget) -> Any:
    if not isinstance(value, list):
        return value
    index = _as_int(args[0])
    return value[index] if index is not None and 0 <= index < len(value) else None


def _lenient_truncate(value: Any, args: list[str], budget: Budget) -> Any:
    text = pipe_input(value, True, budget)
    length = _as_int(args[0])
    return text[:length] if length is not None and len(text) > length else text


def _lenient_pad(value: Any, args: list[str], budget: Budget) -> Any:
    width = _as_int(args[0])
    if width is None:
        return pipe_input(value, True, budget)
    return _pad(value, max(width, 0), budget=budget)


def _lenient_match(value: Any, args: list[str], budget: Budget) -> Any:
    return ""


_LENIENT: dict[str, Callable[[Any, list[str], Budget], Any]] = {
    "nth": _lenient_nth,
    "truncate": _lenient_truncate,
    "pad": _lenient_pad,
    "match": _lenient_match,
}
"""What the README's version returned when a pipe's argument did not convert."""
