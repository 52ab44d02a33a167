"""A pipe's parameters, read once from its Python signature.

The first positional parameter receives the piped value; annotated ``str``, it
receives the value rendered as text (None as ""). Annotated to accept None
(``object | None``, ``Optional[Any]``), it receives a missing value as None;
otherwise a missing value arrives as "". The others are the
pipe's arguments, annotated ``str``, ``int``, ``float``, ``Decimal`` (a number
read exactly), ``bool`` or :class:`~dagabaaz.pipes.regex.Regex`, optionally wrapped in
``typing.Annotated[..., Range(min, max)]`` and optionally accepting None
(``int | None = None``: None can only be the default, since a template's
arguments are text); ``*args`` makes the pipe variadic
(when it is the only argument parameter, a call must give it at least one:
``in`` with no options could never be true). A ``bool`` argument reads the
words a ``when`` clause reads: ``true``, ``yes``, ``on``, ``1`` and
``false``, ``no``, ``off``, ``0``, ``null``, ``none`` (any case).
A keyword-only parameter annotated :class:`~dagabaaz._runtime.limits.Budget`
receives the evaluation budget. Nothing else is accepted, so the signature is
the only description of a pipe there is. A pipe is a plain function: an
``async def`` or a generator function is refused.
"""

from __future__ import annotations

import dataclasses
import inspect
import re
import types
import typing
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Annotated, Any

from dagabaaz._runtime.limits import Budget
from dagabaaz._runtime.numbers import as_number
from dagabaaz._runtime.truthiness import FALSE_WORDS, TRUE_WORDS
from dagabaaz.errors import ArgumentError, PipeRegistryError
from dagabaaz.pipes.regex import Regex

__all__ = ["REQUIRED", "Param", "Range", "Signature", "read_signature"]

REQUIRED: Any = inspect.Parameter.empty
"""The default of a parameter that has none."""

_TYPE_NAMES: dict[type, str] = {
    str: "string",
    int: "integer",
    float: "number",
    Decimal: "number",
    bool: "boolean",
    Regex: "regex",
}
_INTEGER = re.compile(r"[+-]?[0-9]{1,30}")
_DECIMAL = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]{1,3})?")
_BOOLEANS = {**dict.fromkeys(TRUE_WORDS, True), **dict.fromkeys(FALSE_WORDS, False)}


@dataclass(frozen=True, slots=True)
class Range:
    """Inclusive bounds of a parameter: ``Annotated[int, Range(0, None)]``.

    On a ``str`` parameter the bounds apply to its length.
    """

    min: int | float | None = None
    max: int | float | None = None

    def describe(self) -> str:
        """Say the bounds in words, such as ``">= 0"``."""
        if self.min is not None and self.max is not None:
            return f"between {self.min} and {self.max}"
        if self.min is not None:
            return f">= {self.min}"
        return f"<= {self.max}"

    def contains(self, value: float | Decimal) -> bool:
        """Return True when ``value`` is within the bounds."""
        return (self.min is None or value >= self.min) and (self.max is None or value <= self.max)


@dataclass(frozen=True, slots=True)
class Param:
    """One argument a pipe takes.

    Attributes:
        name: The Python parameter name.
        type: ``str``, ``int``, ``float``, ``bool`` or ``Regex``.
        default: The default value, or :data:`REQUIRED`.
        range: Bounds for a number, if declared.
        variadic: True for ``*args``: any number of arguments of this type.
        at_least_one: For ``*args`` that is the pipe's only argument
            parameter: a call gives it one argument or more.
    """

    name: str
    type: type
    default: Any = REQUIRED
    range: Range | None = None
    variadic: bool = False
    at_least_one: bool = False

    @property
    def required(self) -> bool:
        """Whether a call must give this argument (``*args``: at least one)."""
        return self.default is REQUIRED and (not self.variadic or self.at_least_one)

    @property
    def type_name(self) -> str:
        """The type as the vocabulary names it: string, integer, number, boolean, regex."""
        return _TYPE_NAMES[self.type]

    def convert(self, text: str, budget: Budget, pipe: str) -> Any:
        """Turn the literal ``text`` of an argument into this parameter's type.

        Raises:
            ArgumentError: ``text`` is not of the type or out of range.
            LimitExceeded: An integer or pattern is over a limit of ``budget``.
        """
        what = f"argument '{self.name}' of pipe '{pipe}'"
        if self.type is str:
            if self.range is not None and not self.range.contains(len(text)):
                raise ArgumentError(
                    f"{what} must be {self.range.describe()} characters long, got {text!r}",
                    code="argument-out-of-range",
                )
            return text
        if self.type is Regex:
            budget.regex_pattern(len(text))
            return Regex(text)
        if self.type is bool:
            flag = _BOOLEANS.get(text.strip().lower())
            if flag is None:
                raise ArgumentError(
                    f"{what} must be true or false (true/false, yes/no, on/off, 1/0), got {text!r}"
                )
            return flag
        number = self._number(text, what)
        if isinstance(number, int):
            budget.int_argument(number, what)
        if self.range is not None and not self.range.contains(number):
            raise ArgumentError(
                f"{what} must be {self.range.describe()}, got {text}",
                code="argument-out-of-range",
            )
        return number

    def _number(self, text: str, what: str) -> int | float | Decimal:
        if self.type is int:
            if not _INTEGER.fullmatch(text):
                raise ArgumentError(f"{what} must be an integer, got {text!r}")
            return int(text)
        if self.type is Decimal:
            exact = as_number(text)  # the rule every numeric comparison uses
            if not isinstance(exact, Decimal):
                raise ArgumentError(f"{what} must be a number, got {text!r}")
            return exact
        if not _DECIMAL.fullmatch(text):
            raise ArgumentError(f"{what} must be a number, got {text!r}")
        return float(text)

    def to_dict(self) -> dict[str, Any]:
        """Describe the parameter as JSON-ready data."""
        return {
            "name": self.name,
            "type": self.type_name,
            "required": self.required,
            "default": None if self.default is REQUIRED else _json_default(self.default),
            "variadic": self.variadic,
            "min": None if self.range is None else self.range.min,
            "max": None if self.range is None else self.range.max,
        }


@dataclass(frozen=True, slots=True)
class Signature:
    """Everything a pipe's Python signature says about calling it."""

    params: tuple[Param, ...]
    variadic: Param | None
    budget_param: str | None
    text_value: bool = False
    """True when the value parameter is annotated ``str``: it receives text."""
    none_value: bool = False
    """True when the value parameter accepts None (and is not text): a missing
    value arrives as None rather than as ""."""

    @property
    def min_args(self) -> int:
        """The fewest arguments a call may give."""
        needed = sum(1 for p in self.params if p.required)
        return needed + (1 if self.variadic is not None and self.variadic.required else 0)

    @property
    def max_args(self) -> int | None:
        """The most arguments a call may give; None when variadic."""
        return None if self.variadic is not None else len(self.params)

    def param_for(self, index: int) -> Param:
        """Return the parameter receiving the ``index``-th argument (0-based)."""
        if index < len(self.params):
            return self.params[index]
        assert self.variadic is not None, "arity is checked before arguments"
        return self.variadic

    def arity_problem(self, count: int, pipe: str) -> str | None:
        """Say what is wrong with giving ``count`` arguments, or None if nothing is."""
        low, high = self.min_args, self.max_args
        if low <= count and (high is None or count <= high):
            return None
        if high == 0:
            expected = "no arguments"
        elif high == low:
            expected = f"exactly {_plural(low)}"
        elif high is not None and count > high:
            expected = f"at most {_plural(high)}"
        else:
            expected = f"at least {_plural(low)}"
        return f"pipe '{pipe}' takes {expected}, got {count}"

    def describe(self, name: str) -> str:
        """Return the call's shape, positionally: ``truncate([length])``, ``replace(old[, new])``.

        Optional arguments are in brackets, as in Python's own documentation,
        and ``*args`` is ``name...``; never ``name=value``, which a template
        would read as the text "name=value".
        """
        text = ""
        optional = 0
        for param in self.params:
            if param.required:
                text += f", {param.name}" if text else param.name
            else:
                text += f"[, {param.name}" if text else f"[{param.name}"
                optional += 1
        if self.variadic is not None:
            text += f", {self.variadic.name}..." if text else f"{self.variadic.name}..."
        text += "]" * optional
        return f"{name}({text})" if text else name


def read_signature(name: str, function: Callable[..., Any]) -> Signature:
    """Read and check the signature of a pipe function.

    Raises:
        PipeRegistryError: The signature cannot be supported; the message
            names the pipe and the parameter.
    """
    _refuse_lazy(name, function)
    try:
        parameters = list(inspect.signature(function, eval_str=True).parameters.values())
    except (TypeError, ValueError, NameError) as error:
        raise PipeRegistryError(f"cannot read the signature of pipe '{name}': {error}") from None
    kinds = inspect.Parameter
    if not parameters or parameters[0].kind not in (
        kinds.POSITIONAL_ONLY,
        kinds.POSITIONAL_OR_KEYWORD,
    ):
        raise PipeRegistryError(
            f"pipe '{name}' must take the piped value as its first positional parameter"
        )
    params: list[Param] = []
    variadic: Param | None = None
    budget_param: str | None = None
    for parameter in parameters[1:]:
        if parameter.kind is kinds.KEYWORD_ONLY:
            if _base_type(parameter.annotation) is not Budget or budget_param is not None:
                raise PipeRegistryError(
                    f"keyword-only parameter '{parameter.name}' of pipe '{name}' is not "
                    "supported; only one, annotated Budget, may be keyword-only"
                )
            budget_param = parameter.name
        elif parameter.kind is kinds.VAR_KEYWORD:
            raise PipeRegistryError(f"pipe '{name}' cannot take **{parameter.name}")
        elif parameter.kind is kinds.VAR_POSITIONAL:
            variadic = _param(name, parameter, variadic=True)
        else:
            params.append(_param(name, parameter, variadic=False))
    value = parameters[0].annotation
    text_value = _base_type(value) is str
    none_value = not text_value and _accepts_none(value)
    if variadic is not None and not params:
        variadic = dataclasses.replace(variadic, at_least_one=True)
    return Signature(tuple(params), variadic, budget_param, text_value, none_value)


def _refuse_lazy(name: str, function: Callable[..., Any]) -> None:
    """Refuse a function that returns a coroutine or a generator instead of a value.

    A template is evaluated synchronously and each pipe's value flows into
    the next: a coroutine would never be awaited, a generator would be read
    once, by whichever pipe came next.
    """
    call = getattr(function, "__call__", None)  # noqa: B004 (a callable object's method)
    candidates = (function, call) if not inspect.isroutine(function) else (function,)
    for candidate in candidates:
        if inspect.iscoroutinefunction(candidate) or inspect.isasyncgenfunction(candidate):
            raise PipeRegistryError(
                f"pipe '{name}' is an async function; pipes are called synchronously while a "
                "template is evaluated, so it must be a plain def (fetch what it needs before "
                "evaluating, and pass it in the scope)"
            )
        if inspect.isgeneratorfunction(candidate):
            raise PipeRegistryError(
                f"pipe '{name}' is a generator function (it uses yield); a pipe returns a "
                "value: return a list instead"
            )


def _param(pipe: str, parameter: inspect.Parameter, *, variadic: bool) -> Param:
    annotation = parameter.annotation
    base = _base_type(annotation)
    if base not in _TYPE_NAMES:
        shown = "no annotation" if annotation is inspect.Parameter.empty else repr(annotation)
        raise PipeRegistryError(
            f"parameter '{parameter.name}' of pipe '{pipe}' must be annotated str, int, "
            f"float, Decimal, bool or Regex (found {shown})"
        )
    ranges = [m for m in _metadata(annotation) if isinstance(m, Range)]
    default = parameter.default
    optional = _accepts_none(annotation)
    if default is None and not optional and not variadic:
        raise PipeRegistryError(
            f"default None of parameter '{parameter.name}' of pipe '{pipe}' is not of type "
            f"{_TYPE_NAMES[base]}; annotate it {base.__name__} | None"
        )
    if default is not REQUIRED and default is not None and not _fits(default, base):
        raise PipeRegistryError(
            f"default {default!r} of parameter '{parameter.name}' of pipe '{pipe}' "
            f"is not of type {_TYPE_NAMES[base]}"
        )
    return Param(parameter.name, base, default, ranges[0] if ranges else None, variadic)


def _base_type(annotation: Any) -> Any:
    """Return the type under ``Annotated[...]`` and ``X | None`` (``Optional[X]``)."""
    if typing.get_origin(annotation) is Annotated:
        return _base_type(typing.get_args(annotation)[0])
    inner = _without_none(annotation)
    return annotation if inner is None else _base_type(inner)


def _metadata(annotation: Any) -> tuple[Any, ...]:
    if typing.get_origin(annotation) is Annotated:
        return tuple(annotation.__metadata__) + _metadata(typing.get_args(annotation)[0])
    inner = _without_none(annotation)
    return () if inner is None else _metadata(inner)


def _without_none(annotation: Any) -> Any:
    """Return ``X`` of ``X | None`` (or ``Optional[X]``); None for any other annotation."""
    if typing.get_origin(annotation) not in (typing.Union, types.UnionType):
        return None
    members = [arg for arg in typing.get_args(annotation) if arg is not type(None)]
    if len(members) != 1 or len(members) == len(typing.get_args(annotation)):
        return None
    return members[0]


def _accepts_none(annotation: Any) -> bool:
    """Whether ``annotation`` says None is a value the parameter takes."""
    if typing.get_origin(annotation) is Annotated:
        return _accepts_none(typing.get_args(annotation)[0])
    return _without_none(annotation) is not None


def _fits(value: Any, base: type) -> bool:
    if base is float or base is Decimal:
        return isinstance(value, int | float | Decimal) and not isinstance(value, bool)
    if base is int:
        return isinstance(value, int) and not isinstance(value, bool)
    return isinstance(value, base)


def _json_default(value: Any) -> Any:
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    return value.pattern if isinstance(value, Regex) else value


def _plural(count: int) -> str:
    return f"{count} argument{'s' if count != 1 else ''}"
