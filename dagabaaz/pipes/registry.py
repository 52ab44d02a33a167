"""The pipe registry: named pipe functions and what their signatures say.

Built-in pipes are registered through this same API (see
:mod:`dagabaaz.pipes.builtin`). ``DEFAULT_PIPES`` is read-only; a custom pipe is
registered on a :meth:`PipeRegistry.copy`, which never changes another registry.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any, TypeVar, overload

from dagabaaz._base.suggest import closest
from dagabaaz._runtime.limits import Budget
from dagabaaz._runtime.syntax import is_pipe_name
from dagabaaz.errors import PipeRegistryError
from dagabaaz.pipes.functions import FUNCTIONS
from dagabaaz.pipes.signature import Signature, read_signature

__all__ = ["PipeFunction", "PipeRegistry", "PipeSpec"]

PipeFunction = Callable[..., Any]
"""A pipe: ``fn(value, *arguments[, budget=...])``."""

_F = TypeVar("_F", bound=PipeFunction)


@dataclass(frozen=True, slots=True)
class PipeSpec:
    """A registered pipe: its name, its function and its signature.

    Attributes:
        name: What templates write after ``|``.
        function: What evaluation calls.
        signature: What the function's signature says about calling it.
        doc: The function's docstring.
        strict_function: What strict evaluation calls instead, when the pipe
            has a stricter version (``int`` fails on text that is no number
            rather than giving 0); None when it has not.
        takes_missing: In strict evaluation, a missing reference piped
            straight into this pipe is no error: the pipe is there to handle
            it (``default``, ``required``).
    """

    name: str
    function: PipeFunction
    signature: Signature
    doc: str
    strict_function: PipeFunction | None = None
    takes_missing: bool = False

    def bind(self, budget: Budget) -> PipeFunction:
        """Return the function to call as ``fn(value, *arguments)`` under ``budget``."""
        budget_param = self.signature.budget_param
        if budget_param is None:
            return self.function
        return functools.partial(self.function, **{budget_param: budget})

    def to_dict(self) -> dict[str, Any]:
        """Describe the pipe as JSON-ready data for an editor."""
        params = list(self.signature.params)
        if self.signature.variadic is not None:
            params.append(self.signature.variadic)
        return {
            "name": self.name,
            "kind": "pipe",
            "signature": self.signature.describe(self.name),
            "summary": self.doc.split("\n", 1)[0],
            "doc": self.doc,
            "value": "string" if self.signature.text_value else "any",
            "params": [p.to_dict() for p in params],
        }


class PipeRegistry:
    """A set of named pipes.

    Example:
        >>> from dagabaaz.pipes import DEFAULT_PIPES
        >>> pipes = DEFAULT_PIPES.copy()
        >>> @pipes.register("shout")
        ... def shout(value: object, marks: int = 1) -> str:
        ...     return f"{value}".upper() + "!" * marks
        >>> "shout" in pipes, "shout" in DEFAULT_PIPES
        (True, False)
    """

    __slots__ = ("__weakref__", "_generation", "_read_only", "_specs")

    def __init__(self) -> None:
        self._specs: dict[str, PipeSpec] = {}
        self._read_only = False
        self._generation = 0

    @overload
    def register(
        self,
        name: str,
        function: None = None,
        *,
        replace: bool = False,
        strict: PipeFunction | None = None,
        takes_missing: bool = False,
    ) -> Callable[[_F], _F]: ...

    @overload
    def register(
        self,
        name: str,
        function: _F,
        *,
        replace: bool = False,
        strict: PipeFunction | None = None,
        takes_missing: bool = False,
    ) -> _F: ...

    def register(
        self,
        name: str,
        function: _F | None = None,
        *,
        replace: bool = False,
        strict: PipeFunction | None = None,
        takes_missing: bool = False,
    ) -> _F | Callable[[_F], _F]:
        """Register ``function`` as the pipe ``name``; without it, return a decorator.

        Args:
            name: What users write after ``|``: letters, digits, ``_`` or ``-``.
            function: ``fn(value, *arguments)``, typed as described in
                :mod:`dagabaaz.pipes.signature`.
            replace: Allow replacing a pipe of the same name.
            strict: A stricter version of ``function``, with the same
                signature, that strict evaluation calls instead
                (``evaluate(scope, strict=True)``): it raises where
                ``function`` gives a lenient answer.
            takes_missing: The pipe handles a missing value (``default``
                does): in strict evaluation, a missing reference piped
                straight into it is no error.

        Raises:
            PipeRegistryError: The registry is read-only, the name is invalid
                or taken, or the signature is not supported (an ``async def``
                or a generator function among them); or ``strict`` has
                another signature than ``function``.
        """
        if function is None:

            def decorator(fn: _F) -> _F:
                self.register(name, fn, replace=replace, strict=strict, takes_missing=takes_missing)
                return fn

            return decorator
        if self._read_only:
            raise PipeRegistryError(
                f"cannot register pipe '{name}': this registry is read-only; "
                "register on a copy: pipes = DEFAULT_PIPES.copy()"
            )
        if not isinstance(name, str) or not is_pipe_name(name):
            raise PipeRegistryError(f"invalid pipe name {name!r}: use letters, digits, '_' or '-'")
        if name in self._specs and not replace:
            raise PipeRegistryError(
                f"pipe '{name}' is already registered; pass replace=True to replace it"
            )
        if not callable(function):
            raise PipeRegistryError(f"pipe '{name}' must be callable, got {function!r}")
        signature = read_signature(name, function)
        if strict is not None:
            if not callable(strict):
                raise PipeRegistryError(f"strict version of pipe '{name}' must be callable")
            if read_signature(name, strict) != signature:
                raise PipeRegistryError(
                    f"the strict version of pipe '{name}' must take the same parameters as the pipe"
                )
        doc = inspect.getdoc(function) or ""
        self._specs[name] = PipeSpec(name, function, signature, doc, strict, bool(takes_missing))
        self._generation += 1
        return function

    def copy(self) -> PipeRegistry:
        """Return a writable registry with the same pipes."""
        clone = PipeRegistry()
        clone._specs = dict(self._specs)
        return clone

    def names(self) -> list[str]:
        """Return the pipe names, sorted."""
        return sorted(self._specs)

    def get(self, name: str) -> PipeSpec | None:
        """Return the pipe called ``name``, or None."""
        return self._specs.get(name)

    def __getitem__(self, name: str) -> PipeSpec:
        return self._specs[name]

    def __contains__(self, name: object) -> bool:
        return name in self._specs

    def __iter__(self) -> Iterator[str]:
        return iter(self.names())

    def __len__(self) -> int:
        return len(self._specs)

    def __repr__(self) -> str:
        kind = "read-only " if self._read_only else ""
        return f"<{kind}PipeRegistry with {len(self._specs)} pipes>"

    @property
    def read_only(self) -> bool:
        """Whether :meth:`register` is refused (true of ``DEFAULT_PIPES``)."""
        return self._read_only

    @property
    def generation(self) -> int:
        """A number that changes whenever a pipe is registered (for caches)."""
        return self._generation

    def suggest(self, name: str) -> str | None:
        """Return the registered name closest to ``name``, if one is close."""
        return closest(name, self._specs)

    def vocabulary(self) -> list[dict[str, Any]]:
        """Every pipe and function with its parameters and doc, as JSON-ready data.

        Functions come first, then pipes, each sorted by name.
        """
        functions = [spec.to_dict() for _, spec in sorted(FUNCTIONS.items())]
        return functions + [self._specs[name].to_dict() for name in self.names()]

    def freeze(self) -> PipeRegistry:
        """Make this registry read-only, for good, and return it."""
        self._read_only = True
        return self
