"""A store handing back absurdly nested values gets our error, not a RecursionError."""

from typing import Any

import pytest

from dagabaaz.constants import FanMode
from dagabaaz.errors import TaskInputError
from dagabaaz.memory import InMemoryStore
from dagabaaz.models import DagNode, ExpressionSource, Output, TaskArtifact
from dagabaaz.task_input import assemble_task_input, build_task_input


def _deep(levels: int) -> dict[str, Any]:
    value: dict[str, Any] = {}
    for _ in range(levels):
        value = {"k": value}
    return value


class DeepStore(InMemoryStore):
    """Returns metadata nested far past the interpreter's recursion limit."""

    def _deepen(self, artifact: TaskArtifact) -> TaskArtifact:
        return artifact.model_copy(update={"metadata": {"deep": _deep(5000), "title": "t"}})

    def get_artifact_data(self, artifact_id: str) -> TaskArtifact | None:
        artifact = super().get_artifact_data(artifact_id)
        return None if artifact is None else self._deepen(artifact)

    def get_task_artifacts_by_node_indices(self, run_id: str, node_indices: Any) -> Any:
        found = super().get_task_artifacts_by_node_indices(run_id, node_indices)
        return [self._deepen(artifact) for artifact in found]

    def get_artifacts_partitioned(self, run_id: str, node_indices: Any) -> Any:
        found = super().get_artifacts_partitioned(run_id, node_indices)
        return {index: [self._deepen(a) for a in items] for index, items in found.items()}


NODES = [
    DagNode(slug="a", plugin="p"),
    DagNode(
        slug="each",
        plugin="p",
        depends_on=["a"],
        bindings={"t": ExpressionSource(expression="{a.title}")},
    ),
    DagNode(slug="all", plugin="p", depends_on=["a"], fan_mode=FanMode.AGGREGATE),
]


@pytest.fixture
def store() -> DeepStore:
    store = DeepStore()
    store.create_run("r", NODES, {})
    store.complete_task(store.dispatch_task("r", 0, "p", None), [Output(file_name="x")])
    return store


@pytest.mark.parametrize(
    "build", [build_task_input, assemble_task_input], ids=["build", "assemble"]
)
@pytest.mark.parametrize(("node_index", "fan_out"), [(1, True), (2, False)], ids=["fan-out", "all"])
def test_too_deep_to_copy_is_a_task_input_error(
    store: DeepStore, build: Any, node_index: int, fan_out: bool
) -> None:
    [artifact] = store.get_artifacts_by_node_indices("r", [0])
    with pytest.raises(TaskInputError) as caught:
        build(
            store,
            run_id="r",
            node_index=node_index,
            input_artifact_id=artifact.id if fan_out else None,
            nodes=NODES,
        )
    slug = NODES[node_index].slug
    assert str(caught.value) == (
        f"run 'r', node '{slug}': a value read from the store (run input or artifact "
        "metadata) is nested too deeply to copy"
    )
