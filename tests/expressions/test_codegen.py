"""Generated code (the hot tier) behaves exactly like the closures it replaces."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dagabaaz.expressions import ExpressionError, Limits, compile_expression
from dagabaaz.expressions.checker import analyze
from dagabaaz.expressions.codegen import generate
from dagabaaz.expressions.evaluator import (
    HOT_AFTER,
    Evaluator,
    Plan,
    build_evaluator,
    build_plan,
    closure_evaluator,
    worth_generating,
)
from dagabaaz.expressions.limits import Budget

SOURCES = [
    "{v.x}",
    "{v.x | upper}",
    "{v.x | trim | upper | truncate(3)}",
    "{list(v.x, w.y)}",
    "{list(v.x, w.y) | join(,)}",
    "{list(v.x, w.y, nope.z) | compact | join(-)}",
    "a {v.x} b",
    "{v.x}{w.y}",
    "x={v.x | default(none)}, y={w.y | json_get(k)}, z={list(v.x, w.y)}",
    "{v.x | required}",
    "pre {v.x | required} post",
    "{v.x | string | replace(a, aaaaaaaa) | replace(a, aaaaaaaa)}",
    "{v.x | not} {w.y | eq(1)} {v.x | in(a, b)}",
    "{v.x | first} {v.x | last} {v.x | nth(1)} {v.x | flatten}",
    "\\{{v.x | pad(3)}\\}",
    "{v.x | json_get(a) | json_get(b) | int}",
    "{v.x | match(\\d+) | int}",
]
LIMITS = Limits(max_string_length=60, max_list_length=6, max_container_items=12, max_json_depth=4)

scalars = (
    st.none()
    | st.booleans()
    | st.integers(-5, 100)
    | st.floats(allow_nan=False)
    | st.text(alphabet="ab 1{}", max_size=12)
)
values = st.recursive(
    scalars,
    lambda inner: (
        st.lists(inner, max_size=8) | st.dictionaries(st.sampled_from("abk"), inner, max_size=3)
    ),
    max_leaves=15,
)


def both(source: str) -> tuple[Evaluator, Evaluator]:
    analysis = analyze(source, limits=LIMITS)
    assert analysis.ok, analysis.diagnostics
    plan = build_plan(source, analysis.tree, analysis.bound, Budget(LIMITS))
    return closure_evaluator(plan), generate(plan)


def outcome(evaluate: Evaluator, scope: Any) -> tuple[str, Any]:
    try:
        return "value", evaluate(scope)
    except ExpressionError as error:
        return "error", (str(error), error.diagnostics)


@pytest.mark.parametrize("source", SOURCES)
@given(x=values, y=values)
def test_generated_code_matches_the_closures(source: str, x: Any, y: Any) -> None:
    closures, generated = both(source)
    scope = {"v": {"x": x}, "w": {"y": y}}
    assert outcome(generated, scope) == outcome(closures, scope)


@pytest.mark.parametrize("source", SOURCES)
def test_generated_code_handles_callable_and_odd_scopes(source: str) -> None:
    closures, generated = both(source)
    scopes: tuple[Any, ...] = (
        lambda namespace, key: f"{namespace}:{key}",
        {},
        {"v": None},
        {"v": []},
    )
    for scope in scopes:
        assert outcome(generated, scope) == outcome(closures, scope)


def test_an_expression_switches_to_generated_code_when_hot() -> None:
    expression = compile_expression("{v.x | upper} and {w.y | default(none)}")
    for i in range(HOT_AFTER * 2):
        assert expression.evaluate({"v": {"x": f"n{i}"}}) == f"N{i} and none"
    with pytest.raises(ExpressionError, match=r"cannot be written|max_string_length"):
        compile_expression("{v.x | upper} {v.x}", limits=Limits(max_string_length=5)).evaluate(
            {"v": {"x": "abcd"}}
        )


# (source, whether it is recompiled once hot)
TIERS = [
    ("{v.x}", False),
    ("a {v.x} b {w.y} c", True),
    ("{v.x}{w.y}", True),
    ("plain text", False),
    ("{v.x | upper}", True),
    ("a {v.x | upper} b {w.y}", True),
    ("{list(v.x, w.y)}", True),
    ("a {list(v.x)} b", True),
]


@pytest.mark.parametrize(("source", "hot"), TIERS, ids=[t[0] for t in TIERS])
def test_templates_other_than_a_lone_plain_reference_are_generated(source: str, hot: bool) -> None:
    analysis = analyze(source, limits=LIMITS)
    plan = build_plan(source, analysis.tree, analysis.bound, Budget(LIMITS))
    assert worth_generating(plan) is hot
    generated: list[Plan] = []

    def spy(plan: Plan) -> Evaluator:
        generated.append(plan)
        return closure_evaluator(plan)

    evaluate = build_evaluator(plan, spy)
    for _ in range(HOT_AFTER + 5):
        evaluate({"v": {"x": "a"}, "w": {"y": "b"}})
    assert len(generated) == (1 if hot else 0)


@pytest.mark.parametrize(
    ("source", "hot"),
    [
        ("{v.x}" * 250 + "{w.y | upper}" * 125, True),  # 500 steps: generated
        ("{v.x}" * 250 + "{w.y | upper}" * 126, False),
        ("{v.x | in(" + ",".join("a" * 498) + ")}", True),  # arguments count too
        ("{v.x | in(" + ",".join("a" * 499) + ")}", False),
    ],
    ids=["at-the-limit", "over-it", "arguments-at-the-limit", "arguments-over-it"],
)
def test_plans_past_the_step_limit_keep_their_closures(source: str, hot: bool) -> None:
    # Generated code would grow with every step; the closures are not
    # rebuilt a second time for a plan too large to generate.
    analysis = analyze(source)
    plan = build_plan(source, analysis.tree, analysis.bound, Budget(Limits()))
    assert worth_generating(plan) is hot
