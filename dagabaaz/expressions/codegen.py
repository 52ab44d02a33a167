"""Straight Python code for a hot template, generated from its :class:`Plan`.

The generated function does exactly what the closures of
:mod:`dagabaaz.expressions.evaluator` do, step for step, calling the same
helpers (``lookup``, ``to_text``, ``render``, ``failure``, the budget); it
only unrolls the loops and inlines the lookups. Names and keys are written
as Python literals (``repr``); every other value (pipe functions, arguments,
sites) is passed in the function's globals, never as source text.
"""

from __future__ import annotations

from typing import Any

from dagabaaz.expressions.evaluator import (
    Chain,
    Evaluator,
    Plan,
    check_result,
    closure_evaluator,
    failure,
    render,
    text_too_long,
)
from dagabaaz.expressions.scope import GET, LOOKUP_ERRORS, lookup
from dagabaaz.expressions.values import to_text

__all__ = ["MAX_GENERATED_STEPS", "generate"]

MAX_GENERATED_STEPS = 500
"""Plans with more references and pipe calls than this keep their closures."""


def generate(plan: Plan) -> Evaluator:
    """Return a generated function evaluating ``plan`` (its closures when too large)."""
    chains = [part for part in plan.parts if not isinstance(part, str)]
    if sum(len(c.refs) + len(c.steps) for c in chains) > MAX_GENERATED_STEPS:
        return closure_evaluator(plan)
    writer = _Writer(plan)
    if len(plan.parts) == 1 and chains:
        writer.chain(0, chains[0], native=True)
    else:
        writer.text()
    return writer.build()


class _Writer:
    def __init__(self, plan: Plan) -> None:
        budget = plan.budget
        self.plan = plan
        self.lines = ["def evaluate(scope):"]
        self.names: dict[str, Any] = {
            "LOOKUP_ERRORS": LOOKUP_ERRORS,
            "GET": GET,
            "lookup": lookup,
            "to_text": to_text,
            "render": render,
            "text_too_long": text_too_long,
            "failure": failure,
            "check_result": check_result,
            "check": budget.value,
            "budget": budget,
            "MAX_TEXT": budget.limits.max_string_length,
            "MAX_ITEMS": budget.limits.max_list_length,
        }

    def emit(self, indent: int, line: str) -> None:
        self.lines.append("    " * indent + line)

    def constant(self, name: str, value: Any) -> str:
        self.names[name] = value
        return name

    def chain(self, index: int, chain: Chain, *, native: bool) -> str:
        """Emit the code computing one interpolation into ``v<index>``; return that name."""
        value = f"v{index}"
        refs = []
        for number, (namespace, key) in enumerate(chain.refs):
            ref = f"r{index}_{number}"
            self.emit(1, "try:")
            self.emit(2, f"{ref} = GET(GET(scope, {namespace!r}), {key!r})")
            self.emit(1, "except LOOKUP_ERRORS:")
            self.emit(2, f"{ref} = lookup(scope, {namespace!r}, {key!r})")
            refs.append(ref)
        self.emit(1, f"{value} = [{', '.join(refs)}]" if chain.is_list else f"{value} = {refs[0]}")
        if not chain.steps:
            if native:
                # As the closure of a lone value: checked like a pipe's result.
                site = self.constant(f"S{index}", chain.site)
                self.emit(1, f"if {value}.__class__ is str:")
                self.emit(2, f"if len({value}) > MAX_TEXT:")
                self.emit(3, f"check_result(check, {value}, {site})")
                self.emit(2, f"return {value} or None")
                sized = f"{value}.__class__ in (list, dict, tuple)"
                self.emit(1, f"if {sized} and len({value}) > MAX_ITEMS:")
                self.emit(2, f"check_result(check, {value}, {site})")
                self.emit(1, f"return {value}")
            return value
        for number, step in enumerate(chain.steps):
            self.step(index, number, value, step)
        last = self.constant(f"S{index}_last", chain.steps[-1].site)
        self.emit(1, f"if {value}.__class__ is str:")
        self.emit(2, f"if len({value}) > MAX_TEXT:")
        self.emit(3, f"check_result(check, {value}, {last})")
        if native:
            self.emit(2, f"return {value} or None")
        self.emit(1, "else:")
        self.emit(2, f"check_result(check, {value}, {last})")
        if native:
            self.emit(1, f"return {value}")
        return value

    def step(self, index: int, number: int, value: str, step: Any) -> None:
        tag = f"{index}_{number}"
        call = self.constant(f"F{tag}", step.function)
        site = self.constant(f"S{tag}", step.site)
        args = [self.constant(f"A{tag}_{i}", arg) for i, arg in enumerate(step.args)]
        if step.budget_param is not None:  # a keyword call: cheaper than a partial
            args.append(f"{step.budget_param}=budget")
        self.emit(1, "try:")
        self.emit(2, f"if {value}.__class__ is str:")
        self.emit(3, f"if len({value}) > MAX_TEXT:")
        self.emit(4, f"check({value})")
        self.emit(2, f"elif {value} is None:")
        self.emit(3, f'{value} = ""')
        self.emit(2, "else:")
        self.emit(3, f"if {value}.__class__ is not list or len({value}) > MAX_ITEMS:")
        self.emit(4, f"check({value})")
        if step.text_value:
            self.emit(3, f"{value} = to_text({value}, budget)")
        self.emit(2, f"{value} = {call}({', '.join([value, *args])})")
        self.emit(1, "except Exception as error:")
        self.emit(2, f"raise failure(error, {site}) from error")

    def text(self) -> None:
        """Emit a text template: each part rendered in order, then joined."""
        pieces = []
        constant_length = sum(len(part) for part in self.plan.parts if isinstance(part, str))
        whole = self.constant("WHOLE", self.plan.whole)
        # The running size is checked after each part, as the closures do.
        self.emit(1, f"size = {constant_length}")
        for index, part in enumerate(self.plan.parts):
            if isinstance(part, str):
                pieces.append(self.constant(f"C{index}", part))
                continue
            value = self.chain(index, part, native=False)
            site = self.constant(f"P{index}", part.site)
            rendered = f"render({value}, budget, {site})"
            self.emit(1, f"t{index} = {value} if {value}.__class__ is str else {rendered}")
            self.emit(1, f"size += len(t{index})")
            self.emit(1, "if size > MAX_TEXT:")
            self.emit(2, f"text_too_long(budget, size, {whole})")
            pieces.append(f"t{index}")
        joined = "".join("{" + p + "}" for p in pieces)
        self.emit(1, f'return f"{joined}" or None')

    def build(self) -> Evaluator:
        name = f"<expression {self.plan.source[:40]!r}>"
        code = compile("\n".join(self.lines) + "\n", name, "exec")
        namespace = dict(self.names)
        exec(code, namespace)
        function: Evaluator = namespace["evaluate"]
        return function
