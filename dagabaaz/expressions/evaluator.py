"""Checked AST to a specialised evaluation function.

Semantics:

* A template that is exactly one interpolation returns its native value.
* Otherwise the parts render as text (see :mod:`dagabaaz._runtime.values`).
* Before each pipe, None becomes ``""`` (unless the pipe's value parameter
  accepts None); a pipe whose value parameter is annotated ``str`` receives
  the value rendered as text.
* A custom pipe (one that is not a built-in) must return a value a template
  can carry (see :mod:`dagabaaz._runtime.values`); anything else, a
  generator say, fails the evaluation at that pipe.
* The value flowing into each pipe, and the result, are checked against the
  budget (string length, list length).
* A result that is ``""`` is returned as None.

The AST is first turned into a :class:`Plan`: per interpolation, the
references to read and the pipe calls to make, with their arguments bound.
Each template shape then gets its own closure (a lone reference, one pipe
call, several, text), with the scope read inline and each pipe bound once as
a call of the value alone, so evaluating does almost no interpretation. No
source text is generated and nothing is executed but the closures: the one
evaluation back end there is. Each closure takes ``strict``: when true it
hands the scope to the strict evaluator it was built with (see
:mod:`dagabaaz.expressions.strict`), so the default path pays one test of a
local flag for it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, NamedTuple, Protocol

from dagabaaz._runtime.limits import Budget
from dagabaaz._runtime.values import EVERYDAY_TYPES, to_text
from dagabaaz.diagnostics import Diagnostic, shortened
from dagabaaz.errors import ExpressionError, UnrenderableValue
from dagabaaz.expressions.ast import Interpolation, Reference, Template
from dagabaaz.expressions.checker import BoundPipe
from dagabaaz.expressions.scope import GET, LOOKUP_ERRORS, Scope, lookup
from dagabaaz.pipes.builtin import DEFAULT_PIPES
from dagabaaz.pipes.registry import PipeSpec

__all__ = [
    "Chain",
    "Evaluator",
    "Plan",
    "Site",
    "Step",
    "StrictPath",
    "build_evaluator",
    "build_plan",
    "chain_evaluator",
    "check_result",
    "failure",
    "render",
    "text_too_long",
]


class Evaluator(Protocol):
    """A compiled template: scope in, value out."""

    def __call__(self, scope: Scope, /, strict: bool = False) -> Any:
        """Evaluate in ``scope``; strictly (see :mod:`.strict`) when ``strict``."""


StrictPath = Callable[[Scope], Any]
"""What an evaluator calls when asked to be strict: the strict evaluator of the same plan."""


def _not_built_for_strict(scope: Scope) -> Any:
    raise TypeError("this evaluator was built without a strict evaluator")


class Site(NamedTuple):
    """A part of the expression, to explain a failure there.

    ``pipe`` names the pipe call the site is; None for rendering a value.
    """

    source: str
    start: int
    end: int
    pipe: str | None
    subject: str


class Step(NamedTuple):
    """One pipe call: ``function(value, *args)``.

    ``text_value`` says what the pipe receives: True the value rendered as
    text, False the value as it is (None as ``""``), None the value as it is,
    None included. The pipe takes the budget as the keyword ``budget_param``
    (when not None). ``strict_function`` is what strict evaluation calls
    instead (None: the same function); ``takes_missing`` lets a missing
    reference reach the pipe in strict evaluation.
    """

    args: tuple[Any, ...]
    text_value: bool | None
    site: Site
    function: Callable[..., Any]
    budget_param: str | None
    strict_function: Callable[..., Any] | None
    takes_missing: bool


class Chain(NamedTuple):
    """One interpolation: the references it reads, then its pipe calls.

    ``is_list`` marks ``list(...)``, whose value is the list of ``refs``;
    otherwise ``refs`` holds the one reference. ``site`` is the interpolation.
    """

    refs: tuple[tuple[str, str], ...]
    is_list: bool
    steps: tuple[Step, ...]
    site: Site


class Plan(NamedTuple):
    """What to evaluate: the template's parts, text as ``str`` and interpolations as chains."""

    source: str
    parts: tuple[str | Chain, ...]
    budget: Budget

    @property
    def whole(self) -> Site:
        """The whole template, where a failure of the joined text is reported."""
        return Site(self.source, 0, len(self.source), None, "the template")


def build_plan(
    source: str, tree: Template, bound: tuple[tuple[BoundPipe, ...], ...], budget: Budget
) -> Plan:
    """Bind the pipe calls of a checked tree to ``budget``."""
    chains = iter(bound)
    parts: list[str | Chain] = []
    for part in tree.parts:
        if isinstance(part, Interpolation):
            parts.append(_chain(source, part, next(chains)))
        else:
            parts.append(part.value)
    return Plan(source, tuple(parts), budget)


def _chain(source: str, node: Interpolation, bound: tuple[BoundPipe, ...]) -> Chain:
    value = node.value
    refs: tuple[Reference, ...] = (value,) if isinstance(value, Reference) else value.args
    is_list = not isinstance(value, Reference)
    subject = source[value.start : value.end]
    steps = []
    # tuple.__new__ builds the named tuples without their Python-level __new__.
    for pipe in bound:
        spec, call = pipe.spec, pipe.node
        site = _new(Site, (source, call.start, call.end, call.name, subject))
        signature = spec.signature
        text_value = True if signature.text_value else None if signature.none_value else False
        function, strict = spec.function, spec.strict_function
        if DEFAULT_PIPES.get(spec.name) is not spec:  # a custom pipe: its results are checked
            function = _checked_result(spec, function)
            strict = None if strict is None else _checked_result(spec, strict)
        steps.append(
            _new(
                Step,
                (
                    pipe.args,
                    text_value,
                    site,
                    function,
                    signature.budget_param,
                    strict,
                    spec.takes_missing,
                ),
            )
        )
    site = _new(Site, (source, node.start, node.end, None, source[node.start : node.end]))
    names = tuple([(r.namespace, r.key) for r in refs])
    return _new(Chain, (names, is_list, tuple(steps), site))


_new = tuple.__new__


_CARRIED = frozenset({str, int, float, bool, type(None), list, tuple, dict})
_CARRIED_KINDS = (str, int, float, list, tuple, Mapping, *EVERYDAY_TYPES)


def _checked_result(spec: PipeSpec, function: Callable[..., Any]) -> Callable[..., Any]:
    """Wrap a custom pipe so a result no template can carry fails at that pipe.

    Otherwise a generator (say) would flow on and the next pipe, or the
    rendering, would be blamed for it.
    """

    def call(value: Any, *args: Any, **kwargs: Any) -> Any:
        result = function(value, *args, **kwargs)
        if result.__class__ in _CARRIED or isinstance(result, _CARRIED_KINDS):
            return result
        kind = type(result).__name__
        advice = " (make a list of it: list(...))" if hasattr(result, "__next__") else ""
        raise UnrenderableValue(
            f"it returned a {kind}, which a template cannot carry{advice}; a pipe returns "
            "text, a number, a boolean, None, a list, a dict, a date or time, a Decimal, "
            "a UUID or a path"
        )

    return call


def build_evaluator(plan: Plan, strict: StrictPath = _not_built_for_strict) -> Evaluator:
    """Return the function evaluating ``plan``: one closure specialised to its shape.

    ``strict`` is what it calls when asked to evaluate strictly.
    """
    parts = plan.parts
    if all(isinstance(part, str) for part in parts):
        return _constant("".join(parts) or None)  # type: ignore[arg-type]
    if len(parts) == 1 and not isinstance(parts[0], str):
        return chain_evaluator(parts[0], plan.budget, strict)
    return _text(plan, strict)


def _constant(value: Any) -> Evaluator:
    def evaluate(scope: Scope, strict: bool = False) -> Any:
        return value  # strict or not: a constant reads nothing

    return evaluate


def chain_evaluator(
    chain: Chain, budget: Budget, strict_path: StrictPath = _not_built_for_strict
) -> Evaluator:
    """Evaluate one interpolation: read its value, call its pipes, check the result."""
    if not chain.steps:
        return _lone_value(chain, budget, strict_path)
    steps = tuple((_unary(step, budget), step.text_value, step.site) for step in chain.steps)
    last = chain.steps[-1].site
    check = budget.value
    # Cheap pre-filters for strings and lists; budget.value decides and raises.
    max_text = budget.limits.max_string_length
    max_items = budget.limits.max_list_length
    collect = _collect(chain.refs) if chain.is_list else None
    namespace, key = chain.refs[0] if chain.refs else ("", "")
    get = GET

    if len(steps) == 1:
        ((call, text_value, site),) = steps

        def evaluate_one(scope: Scope, strict: bool = False) -> Any:
            if strict:
                return strict_path(scope)
            value: Any
            if collect is None:
                try:
                    inner = get(scope, namespace)
                    value = None if inner is None else get(inner, key)
                except LOOKUP_ERRORS:
                    value = lookup(scope, namespace, key)
            else:
                value = collect(scope)
            try:
                cls = value.__class__
                if cls is str:
                    if len(value) > max_text:
                        check(value)
                elif value is None:
                    if text_value is not None:  # None: the pipe takes a missing value as None
                        value = ""
                elif cls is list or cls is tuple or cls is dict:
                    if len(value) > max_items:
                        check(value)
                    if text_value:
                        value = to_text(value, budget)
                elif text_value:
                    value = to_text(value, budget)
                value = call(value)
            except Exception as error:
                raise failure(error, site) from error
            cls = value.__class__
            if cls is str:
                if len(value) > max_text:
                    check_result(check, value, last)
                return value or None
            if (cls is list or cls is dict or cls is tuple) and len(value) > max_items:
                check_result(check, value, last)
            return value

        return evaluate_one

    if len(steps) == 2 and collect is None:
        # Two pipes, the next most common shape: unrolled, which saves the
        # loop's own work (about a tenth of such an evaluation).
        (call_1, text_1, site_1), (call_2, text_2, site_2) = steps

        def evaluate_two(scope: Scope, strict: bool = False) -> Any:
            if strict:
                return strict_path(scope)
            value: Any
            try:
                inner = get(scope, namespace)
                value = None if inner is None else get(inner, key)
            except LOOKUP_ERRORS:
                value = lookup(scope, namespace, key)
            try:
                cls = value.__class__
                if cls is str:
                    if len(value) > max_text:
                        check(value)
                elif value is None:
                    if text_1 is not None:  # None: the pipe takes a missing value as None
                        value = ""
                elif cls is list or cls is tuple or cls is dict:
                    if len(value) > max_items:
                        check(value)
                    if text_1:
                        value = to_text(value, budget)
                elif text_1:
                    value = to_text(value, budget)
                value = call_1(value)
            except Exception as error:
                raise failure(error, site_1) from error
            try:
                cls = value.__class__
                if cls is str:
                    if len(value) > max_text:
                        check(value)
                elif value is None:
                    if text_2 is not None:  # None: the pipe takes a missing value as None
                        value = ""
                elif cls is list or cls is tuple or cls is dict:
                    if len(value) > max_items:
                        check(value)
                    if text_2:
                        value = to_text(value, budget)
                elif text_2:
                    value = to_text(value, budget)
                value = call_2(value)
            except Exception as error:
                raise failure(error, site_2) from error
            cls = value.__class__
            if cls is str:
                if len(value) > max_text:
                    check_result(check, value, last)
                return value or None
            if (cls is list or cls is dict or cls is tuple) and len(value) > max_items:
                check_result(check, value, last)
            return value

        return evaluate_two

    def evaluate(scope: Scope, strict: bool = False) -> Any:
        if strict:
            return strict_path(scope)
        value: Any
        if collect is not None:
            value = collect(scope)
        else:
            try:
                inner = get(scope, namespace)
                value = None if inner is None else get(inner, key)
            except LOOKUP_ERRORS:
                value = lookup(scope, namespace, key)
        for call, text_value, site in steps:
            try:
                cls = value.__class__
                if cls is str:
                    if len(value) > max_text:
                        check(value)
                elif value is None:
                    if text_value is not None:  # None: the pipe takes a missing value as None
                        value = ""
                elif cls is list or cls is tuple or cls is dict:
                    if len(value) > max_items:
                        check(value)
                    if text_value:
                        value = to_text(value, budget)
                elif text_value:
                    value = to_text(value, budget)
                value = call(value)
            except Exception as error:
                raise failure(error, site) from error
        cls = value.__class__
        if cls is str:
            if len(value) > max_text:
                check_result(check, value, last)
            return value or None
        if (cls is list or cls is dict or cls is tuple) and len(value) > max_items:
            check_result(check, value, last)
        return value

    return evaluate


def _unary(step: Step, budget: Budget) -> Callable[[Any], Any]:
    """Return ``step`` as a call of the value alone, its arguments and budget bound.

    Up to three arguments are bound as names of a lambda: cheaper than
    ``call(value, *args)`` or a ``functools.partial`` with a keyword, which
    build a tuple or a dict on every call.
    """
    function, args, param = step.function, step.args, step.budget_param
    if param is None:
        if not args:
            return function
        if len(args) == 1:
            (a,) = args
            return lambda value: function(value, a)
        if len(args) == 2:
            a, b = args
            return lambda value: function(value, a, b)
        if len(args) == 3:
            a, b, c = args
            return lambda value: function(value, a, b, c)
        return lambda value: function(value, *args)
    if param == "budget":  # what the built-ins call it: a literal keyword is cheapest
        if not args:
            return lambda value: function(value, budget=budget)
        if len(args) == 1:
            (a,) = args
            return lambda value: function(value, a, budget=budget)
        if len(args) == 2:
            a, b = args
            return lambda value: function(value, a, b, budget=budget)
        if len(args) == 3:
            a, b, c = args
            return lambda value: function(value, a, b, c, budget=budget)
        return lambda value: function(value, *args, budget=budget)
    keyword = {param: budget}
    return lambda value: function(value, *args, **keyword)


def _collect(refs: tuple[tuple[str, str], ...]) -> Callable[[Scope], list[Any]]:
    """Return the function reading the references of ``list(...)`` into a new list."""
    get = GET

    def collect(scope: Scope) -> list[Any]:
        values = []
        for namespace, key in refs:
            try:
                inner = get(scope, namespace)
                values.append(None if inner is None else get(inner, key))
            except LOOKUP_ERRORS:
                values.append(lookup(scope, namespace, key))
        return values

    return collect


def _lone_value(chain: Chain, budget: Budget, strict_path: StrictPath) -> Evaluator:
    """Evaluate a template that is one reference or ``list()`` without pipes, checked.

    The check is the one every pipe's result gets (a string's length, a
    list's items), so a value needs no pipe to be held to the limits.
    """
    check, site = budget.value, chain.site
    max_text = budget.limits.max_string_length
    max_items = budget.limits.max_list_length
    if chain.is_list:
        collect = _collect(chain.refs)

        def evaluate_list(scope: Scope, strict: bool = False) -> Any:
            if strict:
                return strict_path(scope)
            value = collect(scope)
            if len(value) > max_items:
                check_result(check, value, site)
            return value

        return evaluate_list
    namespace, key = chain.refs[0]
    get = GET

    def evaluate(scope: Scope, strict: bool = False) -> Any:
        if strict:
            return strict_path(scope)
        value: Any
        try:
            inner = get(scope, namespace)
            value = None if inner is None else get(inner, key)
        except LOOKUP_ERRORS:
            value = lookup(scope, namespace, key)
        cls = value.__class__
        if cls is str:
            if len(value) > max_text:
                check_result(check, value, site)
            return value or None
        if (cls is list or cls is dict or cls is tuple) and len(value) > max_items:
            check_result(check, value, site)
        return value

    return evaluate


def _text(plan: Plan, strict_path: StrictPath) -> Evaluator:
    """Text with interpolations: constants pre-placed, plain references read inline.

    Strings (the usual value) are placed as they are; any other value is
    rendered. The size is checked after each part, so a template repeating
    one big value never holds all its renderings. In a scope that is a dict,
    a namespace serving several plain references is read once, not once per
    reference (``dict.get`` runs no code of the scope's, so nothing can tell).
    """
    budget, whole = plan.budget, plan.whole
    template: list[str] = []
    slots: list[tuple[int, str, str, Evaluator | None, Site]] = []
    namespaces: list[str] = []
    for part in plan.parts:
        if isinstance(part, str):
            template.append(part)
            continue
        if part.steps or part.is_list:
            chain: Evaluator | None = chain_evaluator(part, budget)
            namespace = key = ""
        else:
            chain = None
            namespace, key = part.refs[0]
            if namespace not in namespaces:
                namespaces.append(namespace)
        slots.append((len(template), namespace, key, chain, part.site))
        template.append("")
    constant_length = sum(map(len, template))
    max_text = budget.limits.max_string_length
    get = GET
    # The same slots, with each namespace as its position in ``namespaces``.
    numbered = tuple(
        (index, namespaces.index(namespace) if chain is None else -1, key, chain, site)
        for index, namespace, key, chain, site in slots
    )
    read_all = tuple(namespaces)

    def evaluate_generally(scope: Scope, strict: bool = False) -> str | None:
        if strict:
            return strict_path(scope)  # type: ignore[no-any-return]
        out = template.copy()
        size = constant_length
        for index, namespace, key, chain, site in slots:
            if chain is None:
                try:
                    inner = get(scope, namespace)
                    value = None if inner is None else get(inner, key)
                except LOOKUP_ERRORS:
                    value = lookup(scope, namespace, key)
            else:
                value = chain(scope)
            if value.__class__ is not str:
                value = render(value, budget, site)
            out[index] = value
            size += len(value)
            if size > max_text:
                text_too_long(budget, size, whole)
        return "".join(out) or None

    def evaluate(scope: Scope, strict: bool = False) -> str | None:
        if strict:
            return strict_path(scope)  # type: ignore[no-any-return]
        try:
            inners = [get(scope, namespace) for namespace in read_all]
        except LOOKUP_ERRORS:  # not a dict
            return evaluate_generally(scope)
        out = template.copy()
        size = constant_length
        for index, number, key, chain, site in numbered:
            if chain is None:
                inner = inners[number]
                try:
                    value = None if inner is None else get(inner, key)
                except LOOKUP_ERRORS:  # a namespace that is not a dict
                    value = lookup(scope, read_all[number], key)
            else:
                value = chain(scope)
            if value.__class__ is not str:
                value = render(value, budget, site)
            out[index] = value
            size += len(value)
            if size > max_text:
                text_too_long(budget, size, whole)
        return "".join(out) or None

    plain = sum(1 for slot in slots if slot[3] is None)
    # Reading the namespaces first pays when some namespace serves several references.
    return evaluate if plain > len(read_all) else evaluate_generally


def text_too_long(budget: Budget, size: int, whole: Site) -> None:
    """Raise the error of a template whose text passed the budget (``size`` so far)."""
    try:
        budget.text(size, "the text of the template")
    except Exception as error:
        raise failure(error, whole) from error


def render(value: Any, budget: Budget, site: Site) -> str:
    """Render one interpolation's value as text; a failure points at ``site``."""
    try:
        return to_text(value, budget)
    except Exception as error:
        raise failure(error, site) from error


def check_result(check: Callable[[Any], None], value: Any, site: Site) -> None:
    """Check a chain's result against the budget; a failure points at ``site``."""
    try:
        check(value)
    except Exception as error:
        raise failure(error, site) from error


def failure(error: Exception, site: Site) -> ExpressionError:
    """Turn what a pipe or the rendering raised into an ExpressionError pointing at it."""
    if isinstance(error, ExpressionError) and error.diagnostics:
        return error
    source, pipe, subject = site.source, site.pipe, site.subject
    where = f"in expression {shortened(source)!r}"
    code = str(getattr(error, "code", "pipe-failed"))
    expected = isinstance(error, ExpressionError)
    detail = str(error) if expected else f"{type(error).__name__}: {error}"
    if code == "required-missing":
        message = f"required value '{subject}' is missing {where}"
    elif pipe is None:
        code = code if expected else "unrenderable-value"
        message = f"cannot render {_quoted(subject)} {where}: {detail}"
    elif expected:
        message = f"pipe '{pipe}' on '{subject}' {where}: {detail}"
    else:
        code = "pipe-failed"
        message = f"pipe '{pipe}' failed on '{subject}' {where}: {detail}"
    diagnostic = Diagnostic.at(code, message, source, site.start, site.end)
    return ExpressionError(message, (diagnostic,))


def _quoted(subject: str) -> str:
    return subject if subject == "the template" else repr(subject)
