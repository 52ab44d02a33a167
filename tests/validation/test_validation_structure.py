"""Structural checks: slugs, plugins, dependencies, roots, cycles."""

from __future__ import annotations

from typing import Any

import pytest

from dagabaaz.constants import FanMode
from dagabaaz.models import DagNode
from dagabaaz.validation import validate_pipeline


def n(slug: str, *deps: str, plugin: str = "p", **extra: Any) -> DagNode:
    return DagNode(slug=slug, plugin=plugin, depends_on=list(deps), **extra)


Expected = tuple[str, str | None, tuple[str | int, ...], str]

CASES: list[tuple[str, list[Any], list[Expected]]] = [
    ("valid-linear", [n("a"), n("b", "a"), n("c", "b")], []),
    (
        "valid-diamond",
        [n("src"), n("x", "src"), n("y", "src"), n("m", "x", "y")],
        [],
    ),
    ("empty-pipeline", [], [("empty-pipeline", None, ("nodes",), "the pipeline has no nodes")]),
    (
        "empty-slug",
        [n("a"), n("", "a")],
        [("empty-slug", "", ("nodes", 1, "slug"), "node 1 has an empty slug")],
    ),
    (
        "blank-slug",
        [n("  ")],
        [("empty-slug", "  ", ("nodes", 0, "slug"), "node 0 has an empty slug")],
    ),
    (
        "duplicate-slug",
        [n("a"), n("b", "a"), n("a", "b")],
        [("duplicate-slug", "a", ("nodes", 2, "slug"), "slug 'a' is already used by node 0")],
    ),
    (
        "reserved-slug",
        [n("input"), n("config", "input")],
        [
            (
                "reserved-slug",
                "input",
                ("nodes", 0, "slug"),
                "slug 'input' is reserved: expressions read the input under it",
            ),
            (
                "reserved-slug",
                "config",
                ("nodes", 1, "slug"),
                "slug 'config' is reserved: expressions read the config under it",
            ),
        ],
    ),
    (
        "empty-plugin",
        [n("a", plugin=" ")],
        [("empty-plugin", "a", ("nodes", 0, "plugin"), "the node names no plugin")],
    ),
    (
        "unknown-dependency",
        [n("fetch"), n("b", "fecth")],
        [
            (
                "unknown-dependency",
                "b",
                ("nodes", 1, "depends_on", 0),
                "depends_on names 'fecth', which is no node's slug",
            )
        ],
    ),
    (
        "empty-dependency",
        [n("a"), n("b", "")],
        [
            (
                "unknown-dependency",
                "b",
                ("nodes", 1, "depends_on", 0),
                "depends_on names '', which is no node's slug",
            )
        ],
    ),
    (
        "self-dependency",
        [n("a"), n("b", "a", "b")],
        [
            (
                "self-dependency",
                "b",
                ("nodes", 1, "depends_on", 1),
                "node 'b' depends on itself",
            )
        ],
    ),
    (
        "repeated-dependency",
        [n("a"), n("b", "a", "a")],
        [
            (
                "repeated-dependency",
                "b",
                ("nodes", 1, "depends_on", 1),
                "depends_on names 'a' more than once",
            )
        ],
    ),
    (
        "repeated-unknown-dependency-reported-once-as-unknown",
        [n("a"), n("b", "zz", "zz")],
        [
            (
                "unknown-dependency",
                "b",
                ("nodes", 1, "depends_on", 0),
                "depends_on names 'zz', which is no node's slug",
            ),
            (
                "repeated-dependency",
                "b",
                ("nodes", 1, "depends_on", 1),
                "depends_on names 'zz' more than once",
            ),
        ],
    ),
    (
        "no-root-and-cycle",
        [n("a", "b"), n("b", "a")],
        [
            ("dependency-cycle", "a", ("nodes", 0, "depends_on"), "dependency cycle: a -> b -> a"),
            (
                "no-root",
                None,
                ("nodes",),
                "no node is a root: every node has dependencies, so nothing can start",
            ),
        ],
    ),
    (
        "no-root-only-unknown-deps",
        [n("a", "x")],
        [
            (
                "unknown-dependency",
                "a",
                ("nodes", 0, "depends_on", 0),
                "depends_on names 'x', which is no node's slug",
            ),
            (
                "no-root",
                None,
                ("nodes",),
                "no node is a root: every node has dependencies, so nothing can start",
            ),
        ],
    ),
    (
        "root-fan-mode",
        [n("a", fan_mode=FanMode.GROUPED)],
        [
            (
                "root-fan-mode",
                "a",
                ("nodes", 0, "fan_mode"),
                "fan_mode 'grouped' has no effect on a root node, which runs once",
            )
        ],
    ),
    (
        "invalid-node-entry",
        [n("a"), {"slug": "b", "plugin": "p"}],
        [("invalid-node", None, ("nodes", 1), "nodes[1] is a dict, not a DagNode")],
    ),
    (
        "not-a-list",
        "a,b",
        [("invalid-node", None, ("nodes",), "expected a list of DagNode, got str")],
    ),
]


@pytest.mark.parametrize(("nodes", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_structural_diagnostics(nodes: list[Any], expected: list[Expected]) -> None:
    found = validate_pipeline(nodes)
    assert [(d.code, d.node, d.path, d.message) for d in found] == expected


def test_hint_for_misspelt_dependency() -> None:
    (found,) = validate_pipeline([n("fetch"), n("b", "fecth")])
    assert found.hint == "did you mean 'fetch'?"
    assert found.field == "depends_on"
    assert found.severity == "error"


def test_unknown_plugin_only_when_plugins_are_given() -> None:
    nodes = [n("a", plugin="fetch"), n("b", "a", plugin="transcod")]
    assert validate_pipeline(nodes) == []
    (found,) = validate_pipeline(nodes, plugins=["fetch", "transcode"])
    assert (found.code, found.node, found.path) == ("unknown-plugin", "b", ("nodes", 1, "plugin"))
    assert found.message == "plugin 'transcod' is not known"
    assert found.hint == "did you mean 'transcode'?"


def test_unknown_plugin_with_empty_registry_has_no_hint() -> None:
    (found,) = validate_pipeline([n("a", plugin="x")], plugins=set())
    assert found.code == "unknown-plugin"
    assert found.hint is None


def test_warnings_do_not_count_as_errors() -> None:
    found = validate_pipeline([n("a", fan_mode=FanMode.AGGREGATE)])
    assert [d.severity for d in found] == ["warning"]


def test_pipeline_model_is_refused_with_a_clear_message() -> None:
    from dagabaaz.models import Pipeline

    (found,) = validate_pipeline(Pipeline(nodes=[n("a")]))  # type: ignore[arg-type]
    assert found.message == "expected a list of DagNode, got Pipeline"
