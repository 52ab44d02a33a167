"""Strict evaluation: a missing reference is an error, and lenient pipes are strict.

``expression.evaluate(scope, strict=True)`` evaluates as the default does,
with two differences:

* A reference whose value is missing (its namespace or key absent, or the
  value None) fails the evaluation with a ``missing-reference`` error
  pointing at the reference and saying why; the hint suggests a close key,
  or reading inside a value when the key has dots
  (``did you mean {source.nested | json_get(a)}?``). A reference piped
  straight into a pipe that takes missing values (``default``,
  ``required``) is no error: that pipe is how a template says "this may be
  missing".
* A pipe with a strict version calls it: ``int`` fails on text that is not
  a number instead of giving 0.

The strict evaluator is built from the same plan as the default one, the
first time it is asked for (:class:`LazyStrict`), so an expression never
evaluated strictly costs nothing more.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from dagabaaz._base.suggest import did_you_mean
from dagabaaz._runtime.limits import Budget
from dagabaaz.diagnostics import Diagnostic, shortened
from dagabaaz.errors import ExpressionError
from dagabaaz.expressions.ast import Reference
from dagabaaz.expressions.evaluator import Chain, Plan, chain_evaluator, render, text_too_long
from dagabaaz.expressions.nested import inside_suggestion
from dagabaaz.expressions.parser import parse
from dagabaaz.expressions.scope import Scope, lookup, read_strictly

__all__ = ["LazyStrict", "MissingReference", "build_strict_evaluator"]


class MissingReference(Exception):
    """Raised by the strict reader inside a chain; turned into a located error outside it."""

    def __init__(self, namespace: str, key: str, reason: str) -> None:
        super().__init__(namespace, key, reason)
        self.namespace = namespace
        self.key = key
        self.reason = reason


class LazyStrict:
    """The strict evaluator of a plan, built on its first call."""

    __slots__ = ("_evaluate", "_plan")

    def __init__(self, plan: Plan) -> None:
        self._plan = plan
        self._evaluate: Callable[[Scope], Any] | None = None

    def __call__(self, scope: Scope) -> Any:
        """Evaluate ``scope`` strictly."""
        evaluate = self._evaluate
        if evaluate is None:  # two threads may both build it: either result will do
            evaluate = self._evaluate = build_strict_evaluator(self._plan)
        return evaluate(scope)


class _Reader:
    """A callable scope over the real one that raises :class:`MissingReference`."""

    __slots__ = ("allow_missing", "scope")

    def __init__(self, scope: Scope, allow_missing: bool) -> None:
        self.scope = scope
        self.allow_missing = allow_missing

    def __call__(self, namespace: str, key: str) -> Any:
        value, reason = read_strictly(self.scope, namespace, key)
        if reason is not None and not self.allow_missing:
            raise MissingReference(namespace, key, reason)
        return value


_Part = tuple[Callable[..., Any], Chain, dict[tuple[str, str], Reference], bool]


def build_strict_evaluator(plan: Plan) -> Callable[[Scope], Any]:
    """Return the strict evaluator of ``plan`` (see the module)."""
    budget = plan.budget
    tree = parse(plan.source, limits=budget.limits)  # for the spans of the references
    interpolations = iter(tree.interpolations)
    parts: list[str | _Part] = []
    for part in plan.parts:
        if isinstance(part, str):
            parts.append(part)
            continue
        node = next(interpolations)
        value = node.value
        references = (value,) if isinstance(value, Reference) else value.args
        spans = {(r.namespace, r.key): r for r in reversed(references)}  # the first wins
        steps = tuple(
            step._replace(function=step.strict_function or step.function) for step in part.steps
        )
        allow_missing = bool(steps) and steps[0].takes_missing
        chain = part._replace(steps=steps)
        parts.append((chain_evaluator(chain, budget), chain, spans, allow_missing))
    source, whole = plan.source, plan.whole
    max_text = budget.limits.max_string_length

    def value_of(part: _Part, scope: Scope) -> Any:
        evaluate, _, spans, allow_missing = part
        try:
            return evaluate(_Reader(scope, allow_missing))
        except MissingReference as missing:
            raise missing_reference(source, spans, missing, scope, budget) from None

    if len(parts) == 1 and not isinstance(parts[0], str):
        only = parts[0]
        return lambda scope: value_of(only, scope)

    def evaluate(scope: Scope) -> Any:
        out: list[str] = []
        size = 0
        for part in parts:
            if isinstance(part, str):
                text = part
            else:
                value = value_of(part, scope)
                text = value if value.__class__ is str else render(value, budget, part[1].site)
            out.append(text)
            size += len(text)
            if size > max_text:
                text_too_long(budget, size, whole)
        return "".join(out) or None

    return evaluate


def missing_reference(
    source: str,
    references: Mapping[tuple[str, str], Reference],
    missing: MissingReference,
    scope: Scope,
    budget: Budget,
) -> ExpressionError:
    """Return the located error of a missing reference, with a suggestion when one reads a value."""
    namespace, key = missing.namespace, missing.key
    reference = references.get((namespace, key))
    start, end = (0, len(source)) if reference is None else (reference.start, reference.end)
    dotted = f"{namespace}.{key}"
    hint = _suggestion(scope, namespace, key, budget)
    message = (
        f"missing reference '{shortened(dotted)}' in expression {shortened(source)!r}: "
        f"{missing.reason}"
    )
    diagnostic = Diagnostic.at("missing-reference", message, source, start, end, hint=hint)
    shown = f"{message} ({hint})" if hint else message
    return ExpressionError(shown, (diagnostic,), code="missing-reference")


def _suggestion(scope: Scope, namespace: str, key: str, budget: Budget) -> str | None:
    if isinstance(scope, Mapping):
        inner = scope.get(namespace)
        if not isinstance(inner, Mapping):
            names = [name for name in scope if isinstance(name, str)]
            return did_you_mean(namespace, names) if namespace not in scope else None
        if key in inner:
            return None  # there, but None
        found = inside_suggestion(namespace, key, inner.get, budget)
        if found is None:
            found = did_you_mean(key, [name for name in inner if isinstance(name, str)])
        return found
    return inside_suggestion(namespace, key, lambda head: lookup(scope, namespace, head), budget)
