"""``BUILTIN_PIPES``: the pipe table of the earlier version, kept for its callers.

Each entry is a callable ``(value, *string_args)``: the string arguments are
converted through the pipe's signature, exactly as in an expression, and the
pipe runs under the default :class:`~dagabaaz.expressions.limits.Budget`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from typing import Any

from dagabaaz.expressions.limits import Budget
from dagabaaz.expressions.values import pipe_input
from dagabaaz.pipes.errors import ArgumentError
from dagabaaz.pipes.registry import PipeRegistry, PipeSpec

__all__ = ["LegacyPipes"]


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


def _legacy_call(spec: PipeSpec, budget: Budget) -> Callable[..., Any]:
    function = spec.bind(budget)
    signature = spec.signature

    def call(value: Any, *args: str) -> Any:
        problem = signature.arity_problem(len(args), spec.name)
        if problem is not None:
            raise ArgumentError(problem, code="wrong-arity")
        converted = [
            signature.param_for(i).convert(str(arg), budget, spec.name)
            for i, arg in enumerate(args)
        ]
        return function(pipe_input(value, signature.text_value, budget), *converted)

    call.__name__ = spec.name
    call.__doc__ = spec.doc
    return call
