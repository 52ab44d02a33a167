"""validate_or_raise: the strict form the engine calls before dispatching."""

from __future__ import annotations

import pytest

from dagabaaz.constants import FanMode
from dagabaaz.errors import PipelineValidationError
from dagabaaz.models import DagNode
from dagabaaz.validation import validate_or_raise


def test_raises_with_every_error_listed() -> None:
    nodes = [
        DagNode(slug="a", plugin="p"),
        DagNode(slug="b", plugin="p", depends_on=["a", "a", "zz"]),
    ]
    with pytest.raises(PipelineValidationError) as caught:
        validate_or_raise(nodes)
    assert str(caught.value) == (
        "pipeline is invalid (2 errors):\n"
        "  - node 'b', field 'depends_on': depends_on names 'a' more than once"
        " [repeated-dependency]\n"
        "  - node 'b', field 'depends_on': depends_on names 'zz', which is no node's slug"
        " [unknown-dependency]"
    )
    assert [d.code for d in caught.value.diagnostics] == [
        "repeated-dependency",
        "unknown-dependency",
    ]


def test_is_a_value_error_for_older_callers() -> None:
    with pytest.raises(ValueError, match="pipeline is invalid"):
        validate_or_raise([])


def test_returns_warnings_when_valid() -> None:
    warnings = validate_or_raise([DagNode(slug="a", plugin="p", fan_mode=FanMode.AGGREGATE)])
    assert [d.code for d in warnings] == ["root-fan-mode"]


def test_returns_empty_list_for_a_clean_pipeline() -> None:
    assert validate_or_raise([DagNode(slug="a", plugin="p")]) == []


def test_plugins_are_passed_through() -> None:
    with pytest.raises(
        PipelineValidationError, match=r"plugin 'x' is not known \[unknown-plugin\]"
    ):
        validate_or_raise([DagNode(slug="a", plugin="x")], plugins={"y"})


def test_a_problem_in_a_when_clause_is_labelled() -> None:
    from dagabaaz.models import ConfigSource

    node = DagNode(
        slug="a", plugin="p", bindings={"x": ConfigSource(value=1, when="{input.y | nope}")}
    )
    with pytest.raises(PipelineValidationError) as caught:
        validate_or_raise([node])
    assert "  - node 'a', field 'x' (when): unknown pipe 'nope'" in str(caught.value)
