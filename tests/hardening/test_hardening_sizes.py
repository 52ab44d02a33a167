"""Size bounds: huge or deeply nested expressions, pipelines, run inputs and metadata.

Each case either works or fails with the library's own error naming the
limit; none recurses out of the stack, hangs or builds something unbounded.
"""

from __future__ import annotations

from typing import Any

import pytest

from dagabaaz.constants import FanMode, RunStatus, TaskStatus
from dagabaaz.errors import BindingError, StoreError
from dagabaaz.expressions import ExpressionError, check_expression, compile_expression
from dagabaaz.expressions.parser import MAX_PROBLEMS
from dagabaaz.memory import InMemoryStore
from dagabaaz.models import BindingSource, DagNode, ExpressionSource, Output
from dagabaaz.orchestrator import OrchestratorCallbacks, on_task_complete, start_run
from dagabaaz.task_input import assemble_task_input
from dagabaaz.validation import validate_pipeline

# --- expressions -------------------------------------------------------------

LONG = 99_000

# (id, source, first diagnostic code or None when valid)
HOSTILE_SOURCES = [
    ("open-braces", "{" * LONG, "unclosed-brace"),
    ("close-braces", "}" * LONG, "stray-brace"),
    ("backslashes", "\\" * LONG, None),
    ("pipes", "{a.b " + "|" * LONG + "}", "empty-pipe"),
    ("open-parens", "{a.b | replace(" + "(" * LONG + ")}", "syntax-error"),
    ("unclosed-quote", '{a.b | replace("' + "x" * LONG + ")}", "unclosed-quote"),
    ("pipe-chain", "{a.b" + " | upper" * 5_000 + "}", "budget-exceeded"),
    ("many-interpolations", "{a.b}" * 19_000, None),
    ("long-text", "x" * LONG + "{a.b}", None),
    ("long-key", "{a." + "k" * LONG + "}", None),
    ("long-argument", "{a.b | default(" + "d" * LONG + ")}", None),
    ("wide-list", "{list(" + ", ".join(["a.b"] * 16_000) + ")}", None),
    ("too-long", "{a.b}" + " " * 100_000, "source-too-long"),
    ("interleaved-errors", "{a.b | nope}" * 8_000, "unknown-pipe"),
    ("nul-bytes", "\x00" * LONG, None),
    ("astral", "\U0001f600" * LONG, None),
]


@pytest.mark.parametrize(
    ("source", "code"), [c[1:] for c in HOSTILE_SOURCES], ids=[c[0] for c in HOSTILE_SOURCES]
)
def test_hostile_sources_are_checked_within_bounds(source: str, code: str | None) -> None:
    found = check_expression(source)
    # Past MAX_PROBLEMS the rest is summed up as too-many-errors; the pipe
    # count, checked over the whole expression, may add one more.
    assert len(found) <= MAX_PROBLEMS + 2
    if code is None:
        assert found == []
        compile_expression(source)
        return
    assert found[0].code == code
    with pytest.raises(ExpressionError) as caught:
        compile_expression(source)
    assert caught.value.diagnostics[0].code == code


def test_a_wide_list_evaluates_to_every_value() -> None:
    source = "{list(" + ", ".join(f"a.{i}" for i in range(12_000)) + ")}"
    scope = {"a": {str(i): i for i in range(12_000)}}
    assert compile_expression(source).evaluate(scope) == list(range(12_000))


def test_many_interpolations_of_a_big_value_hit_the_string_budget() -> None:
    expression = compile_expression("{a.b}" * 19_000)
    with pytest.raises(ExpressionError, match="max_string_length=1000000"):
        expression.evaluate({"a": {"b": "x" * 100}})


# --- pipelines -----------------------------------------------------------------


def chain(size: int, **extra: Any) -> list[DagNode]:
    return [
        DagNode(
            slug=f"n{i}",
            plugin="work",
            depends_on=[f"n{i - 1}"] if i else [],
            **extra,
        )
        for i in range(size)
    ]


def test_a_chain_of_five_thousand_nodes_with_bindings_is_valid() -> None:
    nodes = chain(5_000, bindings={"title": ExpressionSource(expression="{input.t | upper}")})
    assert validate_pipeline(nodes) == []


def test_a_five_thousand_node_cycle_is_one_diagnostic() -> None:
    nodes = chain(5_000)
    nodes[0] = DagNode(slug="n0", plugin="work", depends_on=["n4999"])
    nodes.append(DagNode(slug="root", plugin="work"))
    (cycle,) = validate_pipeline(nodes)
    assert cycle.code == "dependency-cycle"
    assert cycle.message.startswith("dependency cycle: n0 -> n1 -> n2")


def test_ten_thousand_duplicate_slugs_are_each_reported() -> None:
    nodes = [DagNode(slug="same", plugin="work") for _ in range(10_000)]
    found = validate_pipeline(nodes)
    assert len(found) == 9_999
    assert {d.code for d in found} == {"duplicate-slug"}


def test_a_node_with_three_thousand_bad_bindings_reports_each() -> None:
    bindings: dict[str, BindingSource] = {
        f"f{i}": ExpressionSource(expression="{input.x | nope}") for i in range(3_000)
    }
    found = validate_pipeline([DagNode(slug="a", plugin="work", bindings=bindings)])
    assert len(found) == 3_000
    assert {d.code for d in found} == {"unknown-pipe"}


def drive(store: InMemoryStore, run_id: str, produce: Any, limit: int = 10_000) -> None:
    callbacks = OrchestratorCallbacks()
    for _ in range(limit):
        queued = store.queued_tasks(run_id)
        if not queued:
            return
        for task in queued:
            store.complete_task(task.task_id, produce(task))
            on_task_complete(
                store, task_id=task.task_id, callbacks=callbacks, resolve_passthrough=bool
            )
    raise AssertionError("the run did not settle")


def test_a_two_thousand_node_chain_runs_to_completion() -> None:
    nodes = chain(2_000)
    store = InMemoryStore()
    store.create_run("r", nodes)
    start_run(store, "r", nodes)
    drive(store, "r", lambda task: [Output(file_name=f"{task.node_index}.txt")])
    assert store.run("r").status is RunStatus.COMPLETED
    assert len(store.tasks("r")) == 2_000


def test_a_sink_waiting_for_three_thousand_roots_runs_once() -> None:
    nodes = [DagNode(slug=f"r{i}", plugin="work") for i in range(3_000)]
    nodes.append(
        DagNode(
            slug="sink",
            plugin="merge",
            depends_on=[n.slug for n in nodes],
            fan_mode=FanMode.AGGREGATE,
        )
    )
    store = InMemoryStore()
    store.create_run("r", nodes)
    start_run(store, "r", nodes)
    drive(store, "r", lambda task: [Output(file_name="x.txt")])
    assert store.run("r").status is RunStatus.COMPLETED
    assert [t.node_index for t in store.tasks("r")].count(3_000) == 1


def test_a_thousand_outputs_fail_the_next_node_at_the_fan_out_limit() -> None:
    nodes = chain(2)
    store = InMemoryStore()
    store.create_run("r", nodes)
    start_run(store, "r", nodes)
    drive(store, "r", lambda task: [Output(file_name=f"{i}.txt") for i in range(1_000)])
    run = store.run("r")
    assert run.status is RunStatus.FAILED
    assert run.error == (
        "fan-out limit exceeded: 1000 artifacts would start 1000 tasks, more than the limit of 200"
        "; raise fan_out_limit to allow more"
    )


# --- run inputs and metadata ------------------------------------------------------


def nested(depth: int) -> Any:
    value: Any = "leaf"
    for i in range(depth):
        value = {"k": value} if i % 2 else [value]
    return value


@pytest.mark.parametrize("depth", [101, 5_000, 200_000], ids=["101", "5k", "200k"])
def test_a_deeply_nested_run_input_is_refused(depth: int) -> None:
    store = InMemoryStore()
    with pytest.raises(StoreError) as caught:
        store.create_run("r", chain(1), {"deep": nested(depth)})
    assert str(caught.value) == "create_run('r'): run_input is nested more than 100 levels deep"
    assert store.get_run_status("r") is None


def test_nesting_up_to_the_limit_is_kept_and_copied() -> None:
    store = InMemoryStore()
    store.create_run("r", chain(1), {"deep": nested(99)})
    assert store.get_run_input("r") == {"deep": nested(99)}


@pytest.mark.parametrize("as_dict", [False, True], ids=["output", "dict"])
def test_deeply_nested_metadata_is_refused_and_the_task_stays_queued(as_dict: bool) -> None:
    nodes = chain(1)
    store = InMemoryStore()
    store.create_run("r", nodes)
    start_run(store, "r", nodes)
    (task,) = store.queued_tasks("r")
    output: Any = {"file_name": "a", "metadata": {"m": nested(3_000)}}
    if not as_dict:
        output = Output.model_validate(output)
    with pytest.raises(StoreError, match=r"output 1 metadata is nested more than 100 levels"):
        store.complete_task(task.task_id, [Output(file_name="ok"), output])
    assert store.tasks("r")[0].status is TaskStatus.QUEUED
    assert store.get_artifacts_by_node_indices("r", [0]) == []


def test_a_huge_run_input_reaches_a_root_task() -> None:
    run_input = {f"k{i}": i for i in range(100_000)} | {"blob": "x" * 10_000_000}
    nodes = chain(1)
    store = InMemoryStore()
    store.create_run("r", nodes, run_input)
    start_run(store, "r", nodes)
    data = assemble_task_input(store, run_id="r", node_index=0, nodes=nodes)
    assert data == run_input


def test_a_binding_over_huge_metadata_fails_with_the_budget() -> None:
    nodes = [
        DagNode(slug="src", plugin="fetch"),
        DagNode(
            slug="use",
            plugin="work",
            depends_on=["src"],
            bindings={"title": ExpressionSource(expression="{src.blob | upper}")},
        ),
    ]
    store = InMemoryStore()
    store.create_run("r", nodes)
    start_run(store, "r", nodes)
    drive(store, "r", lambda task: [Output(file_name="a", metadata={"blob": "x" * 2_000_000})])
    (task,) = store.queued_tasks("r") or [t for t in store.tasks("r") if t.node_index == 1]
    with pytest.raises(BindingError) as caught:
        assemble_task_input(
            store, run_id="r", node_index=1, nodes=nodes, input_artifact_id=task.input_artifact_id
        )
    assert "max_string_length=1000000" in str(caught.value)
    assert caught.value.diagnostics[0].code == "budget-exceeded"
