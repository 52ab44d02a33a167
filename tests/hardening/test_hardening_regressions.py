"""Regression tests: every crash fuzzing found, replayed, plus the fixed behaviour itself."""

from __future__ import annotations

import pytest
from fuzz_support import fuzz_module

from dagabaaz.constants import FilterOperator
from dagabaaz.expressions import ExpressionError, check_expression, compile_expression
from dagabaaz.loading import PipelineFileError, parse_pipeline
from dagabaaz.models import DagNode, EdgeFilter, FilterRule
from dagabaaz.validation import validate_pipeline

# (id, harness, input) as the fuzzer reported them. The byte-drawn ones replay
# through the harness's current decoder; the tests below pin each fix directly.
CRASHES = [
    # re2 raised UnicodeEncodeError compiling a pattern with a lone surrogate.
    ("parser-surrogate-regex", "parser", b'{a.b | match("(?<=S\xc0dy)b")}'),
    ("evaluate-surrogate-regex", "evaluate", b'{a.b | match("(?<=a\xa9{\xa8)b")}\n'),
    # A filter rule value past Python's integer digit limit: repr() raised ValueError.
    ("filters-huge-int-value", "filters", b"\xe8\n%\xde\xa2\xf7\xed"),
    (
        "validator-huge-int-value",
        "validator",
        b"\x91\xf1_\x98,\xea|\x1c@\xee\x8d\x07\nl6\xfe\x11M\xe9\x7fi\xde;z\x91h\xbeVn\xf7"
        b"\xea\xab\xc0}\x14",
    ),
]


@pytest.mark.parametrize(("harness", "data"), [c[1:] for c in CRASHES], ids=[c[0] for c in CRASHES])
def test_fuzzer_crash_inputs_replay_cleanly(harness: str, data: bytes) -> None:
    fuzz_module(f"fuzz_{harness}").TestOneInput(data)


def test_a_regex_with_a_lone_surrogate_is_a_save_time_diagnostic() -> None:
    source = "{a.b | match(x\ud800)}"
    (problem,) = check_expression(source)
    assert problem.code == "invalid-regex"
    assert problem.message == (
        "invalid regular expression 'x\\ud800': it contains a lone surrogate"
    )
    with pytest.raises(ExpressionError, match="lone surrogate"):
        compile_expression(source)


def test_a_lone_surrogate_in_matched_text_is_an_expression_error() -> None:
    expression = compile_expression("{v.x | match(a)}")
    with pytest.raises(ExpressionError) as caught:
        expression.evaluate({"v": {"x": "a\udc80"}})
    assert caught.value.diagnostics[0].code == "unrenderable-value"


def test_a_huge_integer_filter_value_is_reported_not_raised() -> None:
    nodes = [
        DagNode(slug="up", plugin="p"),
        DagNode(
            slug="down",
            plugin="p",
            depends_on=["up"],
            edge_filters={
                "up": EdgeFilter(
                    rules=[FilterRule(field="x", operator=FilterOperator.EXISTS, value=[10**5000])]
                )
            },
        ),
    ]
    (problem,) = validate_pipeline(nodes)
    assert problem.code == "ignored-filter-value"
    assert "a list too large to show" in problem.message


def test_a_yaml_integer_past_the_digit_limit_is_a_file_error() -> None:
    text = (
        "nodes:\n  - slug: a\n    plugin: p\n    bindings: {x: {source: config, value: "
        + "9" * 5000
        + "}}\n"
    )
    with pytest.raises(PipelineFileError) as caught:
        parse_pipeline(text, syntax="yaml")
    assert (
        str(caught.value)
        == "<pipeline>:4:43: invalid YAML: an integer of 5000 characters is too long"
    )
