"""Chains of one, two and more pipes are evaluated by closures of their own shape; all agree.

A chain read through ``list(v.x) | first`` always runs the general loop, so
it is the reference for the same pipes applied to ``v.x`` directly.
"""

from __future__ import annotations

from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from dagabaaz.expressions import ExpressionError, Limits, compile_expression

PIPES = [
    "upper",
    "trim",
    "default(x)",
    "not",
    "int",
    "gt(3)",
    "join(-)",
    "last",
    "string",
    "replace(a, aaaa)",
    "eq(1)",
    "json_get(a)",
    "truncate(2)",
    "append(!!)",
    "flatten",
]
LIMITS = Limits(max_string_length=12, max_list_length=4, max_container_items=8, max_json_depth=3)

scalars = st.none() | st.booleans() | st.integers(-5, 50) | st.text(alphabet='a1 {}"', max_size=8)
values = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=5) | st.dictionaries(st.sampled_from("ab"), inner),
    max_leaves=10,
)


def outcome(source: str, value: Any) -> tuple[str, Any]:
    try:
        return "value", compile_expression(source, limits=LIMITS).evaluate({"v": {"x": value}})
    except ExpressionError as error:
        (diagnostic,) = error.diagnostics
        return "error", (diagnostic.code, source[diagnostic.start : diagnostic.end])


@given(pipes=st.lists(st.sampled_from(PIPES), min_size=1, max_size=4), value=values)
def test_every_chain_shape_agrees_with_the_general_loop(pipes: list[str], value: Any) -> None:
    chain = " | ".join(pipes)
    direct = outcome(f"{{v.x | {chain}}}", value)
    general = outcome(f"{{list(v.x) | first | {chain}}}", value)
    assert repr(direct) == repr(general)
