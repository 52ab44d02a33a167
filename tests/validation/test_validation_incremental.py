"""PipelineValidator: validating again after an edit gives what validating from scratch gives."""

from __future__ import annotations

import random

from hypothesis import given
from hypothesis import strategies as st

from dagabaaz.models import DagNode, ExpressionSource, NodeSource
from dagabaaz.pipes import DEFAULT_PIPES
from dagabaaz.plugins import OutputSpec, PluginInfo
from dagabaaz.validation import PipelineValidator, validate_pipeline

PLUGINS = [PluginInfo("p", outputs=[OutputSpec("title")]), PluginInfo("q")]
EXPRESSIONS = [
    "{n0.title}",
    "{n1.titel | upper}",
    "{n2.x | uper}",
    "{ghost.a}",
    "{n0.title",
    "x",
    "{n5.title} {n7.x}",  # often no dependency: undeclared, or no node at all
    "{renamed.title}",
]


def random_pipeline(rng: random.Random, size: int) -> list[DagNode]:
    nodes = []
    for index in range(size):
        earlier = [f"n{i}" for i in range(index)]
        depends = rng.sample(earlier, min(len(earlier), rng.randint(0, 2)))
        if rng.random() < 0.1:
            depends.append(f"n{rng.randint(0, size)}")  # maybe unknown, maybe a cycle
        bindings: dict[str, ExpressionSource | NodeSource] = {
            f"b{k}": ExpressionSource(expression=rng.choice(EXPRESSIONS))
            for k in range(rng.randint(0, 2))
        }
        if rng.random() < 0.2:
            bindings["n"] = NodeSource(node=f"n{rng.randint(0, size)}", key="title")
        slug = f"n{index}" if rng.random() > 0.05 else f"n{rng.randint(0, index)}"
        nodes.append(
            DagNode(slug=slug, plugin=rng.choice("pqr"), depends_on=depends, bindings=bindings)
        )
    return nodes


def edit(rng: random.Random, nodes: list[DagNode]) -> list[DagNode]:
    changed = list(nodes)
    index = rng.randrange(len(changed))
    node = changed[index]
    choice = rng.random()
    if choice < 0.5:
        bindings = {"e": ExpressionSource(expression=rng.choice(EXPRESSIONS))}
        changed[index] = node.model_copy(update={"bindings": bindings})
    elif choice < 0.7:
        slug = rng.choice([f"n{rng.randint(0, len(nodes))}", "renamed", "ghost", "", "n0x"])
        changed[index] = node.model_copy(update={"slug": slug})
    elif choice < 0.8:
        changed[index] = node.model_copy(update={"plugin": rng.choice("pqr")})
    elif choice < 0.9 and len(changed) > 1:
        del changed[index]
    else:
        changed.insert(index, DagNode(slug=f"x{index}", plugin="p"))
    return changed


@given(st.integers(0, 2**32 - 1))
def test_every_edit_gives_the_same_diagnostics_as_from_scratch(seed: int) -> None:
    rng = random.Random(seed)
    nodes = random_pipeline(rng, rng.randint(1, 12))
    validator = PipelineValidator(plugins=PLUGINS)
    for _ in range(12):
        assert validator.validate(nodes) == validate_pipeline(nodes, plugins=PLUGINS)
        nodes = edit(rng, nodes)


def test_unchanged_nodes_are_not_checked_again() -> None:
    nodes = [DagNode(slug="a", plugin="p")] + [
        DagNode(
            slug=f"n{i}",
            plugin="p",
            depends_on=["a"],
            bindings={"t": ExpressionSource(expression="{a.title | upper}")},
        )
        for i in range(5)
    ]
    pipes = DEFAULT_PIPES.copy()

    @pipes.register("upper", replace=True)
    def upper(value: str) -> str:
        return value.upper()

    validator = PipelineValidator(pipes=pipes)
    checked: list[int] = []
    import dagabaaz.validation as validation

    original = validation._node_problems

    def counting(node, index, facts, registry):  # type: ignore[no-untyped-def]
        checked.append(index)
        return original(node, index, facts, registry)

    validation._node_problems = counting  # type: ignore[assignment]
    try:
        validator.validate(nodes)
        assert checked == [0, 1, 2, 3, 4, 5]
        checked.clear()
        edited = list(nodes)
        edited[3] = nodes[3].model_copy(
            update={"bindings": {"t": ExpressionSource(expression="{a.title | uper}")}}
        )
        found = validator.validate(edited)
        assert checked == [3]
        assert [d.code for d in found] == ["unknown-pipe"]
        checked.clear()
        pipes.register("uper", lambda value: value)  # the registry changed: all again
        assert validator.validate(edited) == []
        assert checked == [0, 1, 2, 3, 4, 5]
    finally:
        validation._node_problems = original  # type: ignore[assignment]


def test_renaming_a_node_checks_it_and_the_nodes_naming_it() -> None:
    nodes = [DagNode(slug="a", plugin="p"), DagNode(slug="b", plugin="p")] + [
        DagNode(
            slug=f"n{i}",
            plugin="p",
            depends_on=["a"] if i % 2 else ["b"],
            bindings={"t": ExpressionSource(expression="{a.title} {b.title}")},
        )
        for i in range(6)
    ]
    validator = PipelineValidator()
    checked: list[int] = []
    import dagabaaz.validation as validation

    original = validation._node_problems

    def counting(node, index, facts, registry):  # type: ignore[no-untyped-def]
        checked.append(index)
        return original(node, index, facts, registry)

    validation._node_problems = counting  # type: ignore[assignment]
    try:
        first = validator.validate(nodes)
        assert {d.code for d in first} == {"undeclared-dependency"}
        edited = list(nodes)
        edited[0] = nodes[0].model_copy(update={"slug": "ax"})
        expected = validate_pipeline(edited)
        checked.clear()
        # Node 0 itself; the nodes depending on 'a' (3, 5, 7); and the nodes that read
        # 'a' without depending on it (2, 4, 6), whose hints name the slugs.
        assert validator.validate(edited) == expected
        assert checked == [0, 2, 3, 4, 5, 6, 7]
        edited[2] = nodes[2].model_copy(update={"plugin": "q"})  # no slug moved: one node
        expected = validate_pipeline(edited)
        checked.clear()
        assert validator.validate(edited) == expected
        assert checked == [2]
    finally:
        validation._node_problems = original  # type: ignore[assignment]
