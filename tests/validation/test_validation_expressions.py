"""Expression and when-clause checks inside bindings."""

from __future__ import annotations

from typing import Any

import pytest

from dagabaaz.models import (
    ConfigSource,
    DagNode,
    ExpressionSource,
    NodeSource,
    RuntimeSource,
)
from dagabaaz.pipes import DEFAULT_PIPES
from dagabaaz.validation import validate_pipeline


def pipeline(**bindings: Any) -> list[DagNode]:
    return [
        DagNode(slug="lookup", plugin="p"),
        DagNode(slug="poster", plugin="p"),
        DagNode(slug="create", plugin="p", depends_on=["lookup"], bindings=bindings),
    ]


Found = tuple[str, tuple[str | int, ...], int, int, str, str | None]
TITLE = ("nodes", 2, "bindings", "title")

CASES: list[tuple[str, dict[str, Any], list[Found]]] = [
    ("reads-dependency", {"title": ExpressionSource(expression="{lookup.title | upper}")}, []),
    ("reads-input-and-config", {"title": ExpressionSource(expression="{input.a}{config.b}")}, []),
    ("when-reads-dependency", {"title": ConfigSource(value=1, when="{lookup.ok | not}")}, []),
    (
        "expression-reads-non-dependency",
        {"title": ExpressionSource(expression="by {poster.url}")},
        [
            (
                "undeclared-dependency",
                (*TITLE, "expression"),
                4,
                10,
                "the expression reads node 'poster', which is not in depends_on",
                "add 'poster' to depends_on",
            )
        ],
    ),
    (
        "when-reads-non-dependency",
        {"title": NodeSource(node="lookup", key="t", when="{poster.url}")},
        [
            (
                "undeclared-dependency",
                (*TITLE, "when"),
                1,
                7,
                "the expression reads node 'poster', which is not in depends_on",
                "add 'poster' to depends_on",
            )
        ],
    ),
    (
        "runtime-when-checked",
        {"title": RuntimeSource(key="t", when="{input.x | uppr}")},
        [
            (
                "unknown-pipe",
                (*TITLE, "when"),
                11,
                15,
                "unknown pipe 'uppr'",
                "did you mean 'upper'?",
            )
        ],
    ),
    (
        "expression-reads-itself",
        {"title": ExpressionSource(expression="{create.title}")},
        [
            (
                "undeclared-dependency",
                (*TITLE, "expression"),
                1,
                7,
                "the expression reads its own node 'create'; a node cannot read its outputs",
                None,
            )
        ],
    ),
    (
        "list-of-two-references",
        {"title": ExpressionSource(expression="{list(lookup.a, poster.b) | join(,)}")},
        [
            (
                "undeclared-dependency",
                (*TITLE, "expression"),
                16,
                22,
                "the expression reads node 'poster', which is not in depends_on",
                "add 'poster' to depends_on",
            )
        ],
    ),
]


@pytest.mark.parametrize(
    ("bindings", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_expression_diagnostics(bindings: dict[str, Any], expected: list[Found]) -> None:
    found = validate_pipeline(pipeline(**bindings))
    assert [(d.code, d.path, d.start, d.end, d.message, d.hint) for d in found] == expected
    assert all((d.node, d.field) == ("create", "title") for d in found)


def test_unknown_name_stays_unknown_namespace() -> None:
    bindings = {"title": ExpressionSource(expression="{lokup.title}")}
    (found,) = validate_pipeline(pipeline(**bindings))
    assert (found.code, found.start, found.end) == ("unknown-namespace", 1, 6)
    assert found.expression == "{lokup.title}"
    assert found.path == (*TITLE, "expression")


def test_syntax_errors_are_passed_through_with_spans() -> None:
    bindings = {"title": ExpressionSource(expression="a\n{lookup.title")}
    (found,) = validate_pipeline(pipeline(**bindings))
    assert (found.code, found.start, found.line, found.column) == ("unclosed-brace", 2, 2, 1)
    assert found.severity == "error"


def test_expression_diagnostics_render_with_the_expression() -> None:
    bindings = {"title": ExpressionSource(expression="{poster.url}")}
    (found,) = validate_pipeline(pipeline(**bindings))
    assert found.render() == (
        "error[undeclared-dependency]: the expression reads node 'poster',"
        " which is not in depends_on\n"
        "  --> node 'create', field 'title'\n"
        "   |\n"
        " 1 | {poster.url}\n"
        "   |  ^^^^^^\n"
        "  = hint: add 'poster' to depends_on"
    )


def test_custom_pipes_are_checked_against_the_given_registry() -> None:
    pipes = DEFAULT_PIPES.copy()

    @pipes.register("shout")
    def shout(value: str) -> str:
        return value.upper() + "!"

    bindings = {"title": ExpressionSource(expression="{lookup.title | shout}")}
    assert [d.code for d in validate_pipeline(pipeline(**bindings))] == ["unknown-pipe"]
    assert validate_pipeline(pipeline(**bindings), pipes=pipes) == []


def test_pipes_of_the_wrong_type_are_refused() -> None:
    with pytest.raises(TypeError, match="pipes must be a PipeRegistry, not dict"):
        validate_pipeline(pipeline(), pipes={})  # type: ignore[arg-type]
