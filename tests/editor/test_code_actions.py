"""code_actions(): text edits for every diagnostic that has a did-you-mean or a fix."""

from __future__ import annotations

import pytest

from dagabaaz.diagnostics import Diagnostic
from dagabaaz.editor import CodeAction, code_actions
from dagabaaz.expressions import check_expression
from dagabaaz.models import DagNode, ExpressionSource
from dagabaaz.validation import validate_pipeline


def applied(source: str, action: CodeAction) -> str:
    for edit in sorted(action.edits, key=lambda e: -e.start):
        source = source[: edit.start] + edit.new_text + source[edit.end :]
    return source


def fixes(source: str, *, when: bool = False) -> list[tuple[str, str, str, bool]]:
    found = check_expression(source, namespaces={"source", "input"}, when=when)
    return [
        (a.diagnostic.code, a.title, applied(source, a), a.preferred)
        for a in code_actions(source, found)
    ]


@pytest.mark.parametrize(
    ("source", "when", "expected"),
    [
        (
            "{sorce.title | uper}",
            False,
            [
                ("unknown-namespace", "Change to 'source'", "{source.title | uper}", True),
                ("unknown-pipe", "Change to 'upper'", "{sorce.title | upper}", True),
            ],
        ),
        (
            "{lst(source.a)}",
            False,
            [("unknown-function", "Change to 'list'", "{list(source.a)}", True)],
        ),
        (
            "{my source.title}",
            False,
            [("invalid-reference", "Change to 'source.title'", "{source.title}", True)],
        ),
        (
            "{source.a | truncate(length=5)}",
            False,
            [("invalid-argument", "Write truncate(5)", "{source.a | truncate(5)}", True)],
        ),
        (
            "{source.a | default(fallback=x)}",
            False,
            [
                ("keyword-argument", "Write default(x)", "{source.a | default(x)}", True),
                (
                    "keyword-argument",
                    'Quote the text: "fallback=x"',
                    '{source.a | default("fallback=x")}',
                    False,
                ),
            ],
        ),
        (
            "{source.a",
            False,
            [
                ("unclosed-brace", "Add the closing '}'", "{source.a}", True),
                ("unclosed-brace", "Write a literal '{'", "\\{source.a", False),
            ],
        ),
        ("a } b", False, [("stray-brace", "Write a literal '}'", "a \\} b", True)]),
        ("{source.a | }", False, [("empty-pipe", "Remove the extra '|'", "{source.a }", True)]),
        (
            '{source.a | "upper"}',
            False,
            [("invalid-pipe-name", "Write '| upper'", "{source.a | upper}", True)],
        ),
        (
            "{source.a | join( )}",
            False,
            [("ambiguous-argument", "Quote the spaces", '{source.a | join(" ")}', True)],
        ),
        (
            "{source.a | replace(,x)}",
            False,
            [
                (
                    "ambiguous-argument",
                    'Write an empty argument ""',
                    '{source.a | replace("",x)}',
                    True,
                )
            ],
        ),
        (
            "{source.a | truncate(5}",
            False,
            [("unclosed-paren", "Add the closing ')'", "{source.a | truncate(5)}", True)],
        ),
        (
            '{source.a | append("x}',
            False,
            [("unclosed-quote", 'Add the closing "', '{source.a | append("x"}', True)],
        ),
        (
            "input.flag",
            True,
            [("constant-when", "Read the value: {input.flag}", "{input.flag}", True)],
        ),
        (
            "x {input.a}",
            True,
            [("when-mixes-text", "Keep the value: {input.a}", "{input.a}", True)],
        ),
        (
            "{input.a} {input.b}",
            True,
            [
                (
                    "when-mixes-text",
                    "Combine: {list(input.a, input.b) | all}",
                    "{list(input.a, input.b) | all}",
                    True,
                ),
                (
                    "when-mixes-text",
                    "Combine: {list(input.a, input.b) | any}",
                    "{list(input.a, input.b) | any}",
                    False,
                ),
            ],
        ),
    ],
)
def test_each_fix(source: str, when: bool, expected: list[tuple[str, str, str, bool]]) -> None:
    assert fixes(source, when=when) == expected


def test_a_fixed_expression_checks_clean() -> None:
    source = "{sorce.title | uper | truncate(length=5)}"
    for _ in range(5):
        found = check_expression(source, namespaces={"source"})
        preferred = [a for a in code_actions(source, found) if a.preferred]
        if not preferred:
            break
        source = applied(source, preferred[0])
    assert source == "{source.title | upper | truncate(5)}"
    assert check_expression(source, namespaces={"source"}) == []


def test_no_fix_without_a_hint_that_has_one() -> None:
    source = "{source.a | truncate(-1)}"
    found = check_expression(source)
    assert [d.code for d in found] == ["argument-out-of-range"]
    assert code_actions(source, found) == []
    # When the combined conditions have pipes, the hint's list is only an example.
    piped = "{input.a | not} {input.b}"
    assert [a.title for a in code_actions(piped, check_expression(piped, when=True))] == []


def test_pipeline_diagnostics_of_this_expression_are_fixed() -> None:
    node = DagNode(
        slug="b",
        plugin="p",
        depends_on=["fetch"],
        bindings={"t": ExpressionSource(expression="{fecth.title}")},
    )
    found = validate_pipeline([DagNode(slug="fetch", plugin="p"), node])
    (action,) = code_actions("{fecth.title}", found)
    assert action.diagnostic.code == "unknown-namespace"
    assert applied("{fecth.title}", action) == "{fetch.title}"


def test_diagnostics_of_another_expression_or_out_of_range_are_passed_over() -> None:
    other = check_expression("{a.b | uper}")
    assert code_actions("{a.b | upper}", other) == []
    stray = Diagnostic("unknown-pipe", "x", start=40, end=44, hint="did you mean 'upper'?")
    assert code_actions("{a.b}", [stray]) == []
    with pytest.raises(TypeError, match="diagnostics must hold Diagnostic, got str"):
        code_actions("{a.b}", ["unknown-pipe"])  # type: ignore[list-item]


def test_a_cut_suggestion_is_not_applied() -> None:
    long = "x" * 120
    hint = f"did you mean '{long[:77]}...'?"
    diagnostic = Diagnostic("unknown-pipe", "x", start=0, end=3, hint=hint)
    assert code_actions("abc", [diagnostic]) == []


def test_utf16_offsets() -> None:
    source = "😀{a.b | uper}"
    (action,) = code_actions(source, check_expression(source), offsets="utf-16")
    (edit,) = action.edits
    assert (edit.start, edit.end, edit.new_text) == (9, 13, "upper")
