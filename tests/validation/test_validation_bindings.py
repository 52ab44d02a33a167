"""Binding checks that do not need the expression toolkit."""

from __future__ import annotations

from typing import Any

import pytest

from dagabaaz.models import ConfigSource, DagNode, NodeSource, RuntimeSource
from dagabaaz.validation import validate_pipeline


def pipeline(**bindings: Any) -> list[DagNode]:
    return [
        DagNode(slug="lookup", plugin="p"),
        DagNode(slug="other", plugin="p"),
        DagNode(slug="create", plugin="p", depends_on=["lookup"], bindings=bindings),
    ]


Found = tuple[str, str | None, tuple[str | int, ...], str, str | None]

CASES: list[tuple[str, dict[str, Any], list[Found]]] = [
    ("node-source-ok", {"title": NodeSource(node="lookup", key="title")}, []),
    ("config-ok", {"fmt": ConfigSource(value="mp4")}, []),
    ("runtime-empty-key-ok", {"url": RuntimeSource()}, []),
    (
        "reads-existing-node-not-in-depends-on",
        {"title": NodeSource(node="other", key="title")},
        [
            (
                "undeclared-dependency",
                "title",
                ("nodes", 2, "bindings", "title", "node"),
                "the binding reads node 'other', which is not in depends_on",
                "add 'other' to depends_on",
            )
        ],
    ),
    (
        "reads-misspelt-dependency",
        {"title": NodeSource(node="lokup", key="title")},
        [
            (
                "undeclared-dependency",
                "title",
                ("nodes", 2, "bindings", "title", "node"),
                "the binding reads node 'lokup', which is not in depends_on",
                "did you mean 'lookup'?",
            )
        ],
    ),
    (
        "reads-itself",
        {"title": NodeSource(node="create", key="title")},
        [
            (
                "undeclared-dependency",
                "title",
                ("nodes", 2, "bindings", "title", "node"),
                "the binding reads its own node 'create'; a node cannot read its outputs",
                None,
            )
        ],
    ),
    (
        "empty-node-and-key",
        {"title": NodeSource(node="", key=" ")},
        [
            (
                "empty-source-node",
                "title",
                ("nodes", 2, "bindings", "title", "node"),
                "the binding names no node to read",
                None,
            ),
            (
                "empty-source-key",
                "title",
                ("nodes", 2, "bindings", "title", "key"),
                "the binding names no key to read",
                None,
            ),
        ],
    ),
    (
        "empty-field",
        {"": ConfigSource(value=1)},
        [
            (
                "empty-binding-field",
                "",
                ("nodes", 2, "bindings", ""),
                "a binding is keyed by an empty field",
                None,
            )
        ],
    ),
]


@pytest.mark.parametrize(
    ("bindings", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_binding_diagnostics(bindings: dict[str, Any], expected: list[Found]) -> None:
    found = validate_pipeline(pipeline(**bindings))
    assert [(d.code, d.field, d.path, d.message, d.hint) for d in found] == expected
    assert all(d.node == "create" for d in found)
