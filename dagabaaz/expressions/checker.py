"""Save-time checks: everything that can be known about an expression before it runs.

:func:`analyze` parses (with recovery), then checks functions, namespaces,
pipes, arity, arguments and limits, and converts every literal argument once.
:func:`check_expression` is its public face; the compiler builds on the same
analysis, so what passes the check compiles and what compiles passed it.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass
from typing import Any

from dagabaaz._base.suggest import did_you_mean
from dagabaaz._runtime.limits import DEFAULT_LIMITS, Budget, Limits
from dagabaaz.diagnostics import Diagnostic, Severity, shortened
from dagabaaz.errors import ArgumentError, LimitExceeded
from dagabaaz.expressions.ast import FunctionCall, Interpolation, PipeCall, Reference, Template
from dagabaaz.expressions.conditions import when_warnings
from dagabaaz.expressions.escapes import encode_argument
from dagabaaz.expressions.keyword_arguments import keyword_arguments, positional_call
from dagabaaz.expressions.nested import inside_suggestion
from dagabaaz.expressions.parser import MAX_PROBLEMS, parse_within, too_many_problems
from dagabaaz.pipes.builtin import DEFAULT_PIPES
from dagabaaz.pipes.functions import FUNCTIONS
from dagabaaz.pipes.registry import PipeRegistry, PipeSpec

__all__ = ["Analysis", "BoundPipe", "analyze", "check_expression"]

_DEFAULT_BUDGET = Budget(DEFAULT_LIMITS)  # a budget holds no state: one serves every compile


@dataclass(frozen=True, slots=True)
class BoundPipe:
    """A pipe call that checked out: its spec and its converted arguments."""

    node: PipeCall
    spec: PipeSpec
    args: tuple[Any, ...]


@dataclass(frozen=True, slots=True)
class Analysis:
    """The outcome of :func:`analyze`.

    Attributes:
        tree: The (possibly partial) AST.
        diagnostics: Every problem found, sorted by position.
        bound: For each interpolation of ``tree`` (in order), its pipe calls
            that checked out; complete only when there are no errors.
        references: Every reference of ``tree``, in source order.
        budget: The budget the checks used, for evaluation to reuse.
    """

    tree: Template
    diagnostics: tuple[Diagnostic, ...]
    bound: tuple[tuple[BoundPipe, ...], ...]
    references: tuple[Reference, ...]
    budget: Budget

    @property
    def ok(self) -> bool:
        """Whether there is no error (warnings allowed)."""
        return not any(d.is_error for d in self.diagnostics)


def check_expression(
    source: str,
    *,
    namespaces: Collection[str] | None = None,
    pipes: PipeRegistry | None = None,
    limits: Limits | None = None,
    when: bool = False,
    scope: Mapping[str, Mapping[str, Any]] | None = None,
) -> list[Diagnostic]:
    """Return every problem of an expression; an empty list means it is valid.

    Args:
        source: The expression template.
        namespaces: The namespaces a reference may use (for example a node's
            dependencies plus ``"input"`` and ``"config"``); None allows any,
            or, with ``scope``, the namespaces of the scope.
        pipes: The pipe registry; the built-ins by default.
        limits: The limits to check against; the defaults by default.
        when: Check it as a ``when`` clause: also warn when it has no
            interpolation (``constant-when``) or is text around
            interpolations (``when-mixes-text``), see
            :mod:`dagabaaz.expressions.conditions`.
        scope: A typed scope: each namespace with its keys, each key with a
            sample value or a type (``{"source": {"title": str, "nested":
            {"a": int}}}``); a mapping stands for a value whose keys are
            known. A reference to a key its namespace does not have gets an
            ``unknown-key`` warning, with a did-you-mean: a close key, or
            reading inside a value (``did you mean {source.nested |
            json_get(a)}?`` for ``{source.nested.a}``).

    Raises:
        TypeError: ``scope`` is not a mapping of namespaces to mappings.
    """
    if scope is not None:
        _check_typed_scope(scope)
        if namespaces is None:
            namespaces = [name for name in scope if isinstance(name, str)]
    analysis = analyze(source, namespaces=namespaces, pipes=pipes, limits=limits)
    found = list(analysis.diagnostics)
    if scope is not None and analysis.references:
        found.extend(_unknown_keys(source, analysis, scope))
        found.sort(key=_position)
    if when and not any(d.is_error for d in found):
        found = sorted([*found, *when_warnings(source, analysis.tree)], key=_position)
    return found


def _check_typed_scope(scope: object) -> None:
    if not isinstance(scope, Mapping):
        raise TypeError(f"scope must be a mapping of namespaces to mappings, not {_kind(scope)}")
    for name, keys in scope.items():
        if not isinstance(keys, Mapping):
            raise TypeError(f"scope[{name!r}] must be a mapping of keys, not {_kind(keys)}")


def _kind(value: object) -> str:
    return type(value).__name__


def _unknown_keys(
    source: str, analysis: Analysis, scope: Mapping[str, Mapping[str, Any]]
) -> list[Diagnostic]:
    """Warn about each reference to a key its namespace of ``scope`` does not have."""
    found = []
    for reference in analysis.references:
        keys = scope.get(reference.namespace)
        if keys is None or reference.key in keys:
            continue
        namespace, key = reference.namespace, reference.key
        hint = inside_suggestion(namespace, key, keys.get, analysis.budget) or did_you_mean(
            key, [name for name in keys if isinstance(name, str)]
        )
        found.append(
            Diagnostic.at(
                "unknown-key",
                f"namespace '{shortened(namespace)}' has no key '{shortened(key)}'",
                source,
                reference.start + len(namespace) + 1,
                reference.end,
                hint=hint,
                severity="warning",
            )
        )
    return found


def analyze(
    source: str,
    *,
    namespaces: Collection[str] | None = None,
    pipes: PipeRegistry | None = None,
    limits: Limits | None = None,
) -> Analysis:
    """Parse and check ``source``, converting the literal arguments of its pipes."""
    registry = DEFAULT_PIPES if pipes is None else pipes
    if not isinstance(registry, PipeRegistry):
        raise TypeError(f"pipes must be a PipeRegistry, not {type(registry).__name__}")
    budget = _DEFAULT_BUDGET if limits is None or limits is DEFAULT_LIMITS else Budget(limits)
    parsed = parse_within(source, budget)
    checker = _Checker(source, registry, budget, namespaces)
    interpolations = parsed.tree.interpolations
    bound = []
    for node in interpolations:
        if checker.errors + len(parsed.diagnostics) >= MAX_PROBLEMS:
            checker.found.append(too_many_problems(source, node.start))
            break
        bound.append(checker.interpolation(node))
    checker.pipe_count(interpolations)
    if checker.warnings_cut_at is not None:
        checker.found.append(too_many_problems(source, checker.warnings_cut_at, severity="warning"))
    found = parsed.diagnostics + tuple(checker.found)
    if len(found) > 1:
        found = tuple(sorted(found, key=_position))
    return Analysis(parsed.tree, found, tuple(bound), tuple(checker.references), budget)


def _position(diagnostic: Diagnostic) -> tuple[int, int]:
    return diagnostic.start, diagnostic.end


class _Checker:
    def __init__(
        self,
        source: str,
        registry: PipeRegistry,
        budget: Budget,
        namespaces: Collection[str] | None,
    ) -> None:
        self.source = source
        self.registry = registry
        self.budget = budget
        self.namespaces = None if namespaces is None else frozenset(namespaces)
        self.found: list[Diagnostic] = []
        self.references: list[Reference] = []
        self.errors = 0
        self.warnings = 0
        self.warnings_cut_at: int | None = None
        """Where the first warning past :data:`MAX_PROBLEMS` was, if one was dropped."""

    def interpolation(self, node: Interpolation) -> tuple[BoundPipe, ...]:
        value = node.value
        if isinstance(value, FunctionCall):
            self.function(value)
            for argument in value.args:
                self.reference(argument)
        else:
            self.reference(value)
        bound = (self.pipe(pipe) for pipe in node.pipes)
        return tuple(b for b in bound if b is not None)

    def function(self, node: FunctionCall) -> None:
        if node.name not in FUNCTIONS:
            names = ", ".join(f"{name}()" for name in sorted(FUNCTIONS))
            self.report(
                "unknown-function",
                f"unknown function '{shortened(node.name)}'",
                node.name_span,
                hint=did_you_mean(node.name, FUNCTIONS) or f"the functions are: {names}",
            )
            return
        try:
            self.budget.items(len(node.args), f"{node.name}()")
        except LimitExceeded as error:
            self.report(error.code, str(error), node.span)

    def reference(self, node: Reference) -> None:
        self.references.append(node)
        if self.namespaces is None or node.namespace in self.namespaces:
            return
        hint = did_you_mean(node.namespace, self.namespaces)
        if hint is None and self.namespaces:
            hint = "known namespaces: " + ", ".join(sorted(self.namespaces)[:20])
        self.report(
            "unknown-namespace",
            f"unknown namespace '{shortened(node.namespace)}' in reference "
            f"'{shortened(node.dotted)}'",
            node.namespace_span,
            hint=hint,
        )

    def pipe(self, node: PipeCall) -> BoundPipe | None:
        spec = self.registry.get(node.name)
        if spec is None:
            close = self.registry.suggest(node.name)
            self.report(
                "unknown-pipe",
                f"unknown pipe '{shortened(node.name)}'",
                node.name_span,
                hint=f"did you mean '{close}'?" if close else None,
            )
            return None
        signature = spec.signature
        keywords = keyword_arguments(node, signature)
        positional = ""  # the hint of an argument written like a keyword; only needed then
        if keywords:
            fix = positional_call(node, signature, keywords)
            if fix is not None:
                positional = f"arguments are positional: write {fix}"
            else:
                order = signature.describe(node.name)
                positional = f"arguments are positional, in this order: {order}"
        problem = signature.arity_problem(len(node.args), node.name)
        if problem is not None:
            self.report("wrong-arity", problem, node.span, hint=signature.describe(node.name))
            return None
        converted: list[Any] = []
        for index, argument in enumerate(node.args):
            param = signature.param_for(index)
            try:
                converted.append(param.convert(argument.value, self.budget, node.name))
            except (ArgumentError, LimitExceeded) as error:
                hint = positional if index in keywords else None
                self.report(error.code, str(error), argument.span, hint=hint)
                continue
            keyword = keywords.get(index)
            if keyword is not None:
                quoted = encode_argument(argument.value, '"')
                self.report(
                    "keyword-argument",
                    f"'{shortened(argument.value)}' is the text {shortened(quoted)}, not a "
                    f"value for the parameter '{keyword.name}' of pipe '{node.name}'",
                    argument.span,
                    hint=f"{positional}; or quote the text to mean it",
                    severity="warning",
                )
        if len(converted) < len(node.args):
            return None
        return BoundPipe(node, spec, tuple(converted))

    def pipe_count(self, interpolations: tuple[Interpolation, ...]) -> None:
        try:
            self.budget.pipe_calls(sum(len(node.pipes) for node in interpolations))
        except LimitExceeded as error:
            pipes = [pipe for node in interpolations for pipe in node.pipes]
            self.report(error.code, str(error), pipes[self.budget.limits.max_pipe_calls].span)

    def report(
        self,
        code: str,
        message: str,
        span: tuple[int, int],
        *,
        hint: str | None = None,
        severity: Severity = "error",
    ) -> None:
        # Errors are capped by analyze (it stops checking); warnings never
        # stop the check, so past the cap they are counted, not kept.
        if severity == "warning":
            if self.warnings >= MAX_PROBLEMS:
                if self.warnings_cut_at is None:
                    self.warnings_cut_at = span[0]
                return
            self.warnings += 1
        else:
            self.errors += 1
        self.found.append(
            Diagnostic.at(
                code, message, self.source, span[0], span[1], hint=hint, severity=severity
            )
        )
