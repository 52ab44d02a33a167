"""The records a store hands back, and what ``create_run`` and ``complete_task`` accept.

:class:`~dagabaaz.memory.InMemoryStore` and :class:`~dagabaaz.postgres.PostgresStore`
both follow these, so a pipeline refused by one is refused by the other, in
the same words.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any, Final, NamedTuple

from pydantic import ValidationError

from dagabaaz.constants import RunStatus, TaskStatus
from dagabaaz.errors import StoreError, StoreTypeError
from dagabaaz.models import DagNode, Output

__all__ = [
    "MAX_VALUE_DEPTH",
    "STATUS_OF",
    "RunRecord",
    "TaskRecord",
    "check_depth",
    "check_run_arguments",
    "prepare_outputs",
]

STATUS_OF: dict[str, TaskStatus] = {status.value: status for status in TaskStatus}
"""Plain status string -> the enum member."""


class TaskRecord(NamedTuple):
    """A snapshot of one task, as :meth:`InMemoryStore.tasks` returns it."""

    task_id: str
    run_id: str
    node_index: int
    plugin_name: str
    status: TaskStatus
    input_artifact_id: str | None = None
    origin_artifact_id: str | None = None
    error: str | None = None


class RunRecord(NamedTuple):
    """A snapshot of one run, as :meth:`InMemoryStore.run` returns it."""

    run_id: str
    status: RunStatus
    error: str | None
    progress: int


MAX_VALUE_DEPTH: Final = 100
"""Deepest nesting of lists and dicts accepted in a run input or an output's metadata.

Copies (here and in the workers) recurse over these values, so deeper data
is refused with a :class:`StoreError` instead of a ``RecursionError``.
"""


def check_depth(value: Any, what: str) -> None:
    """Raise StoreError when ``value`` nests lists and dicts deeper than MAX_VALUE_DEPTH."""
    stack = [(value, 1)]
    while stack:  # iterative: the value may be far too deep to recurse over
        current, depth = stack.pop()
        if isinstance(current, dict):
            items: Iterable[Any] = current.values()
        elif isinstance(current, list | tuple):
            items = current
        else:
            continue
        if depth > MAX_VALUE_DEPTH:
            raise StoreError(f"{what} is nested more than {MAX_VALUE_DEPTH} levels deep")
        stack.extend((item, depth + 1) for item in items if isinstance(item, dict | list | tuple))


def check_run_arguments(run_id: str, nodes: Sequence[DagNode], run_input: object) -> None:
    """Refuse, with the store's wording, what ``create_run`` cannot store as given.

    Raises:
        StoreError: ``nodes`` is not a list of DagNode, or ``run_input`` is not
            a mapping or nests too deeply.
    """
    if isinstance(nodes, str | bytes) or not all(isinstance(n, DagNode) for n in nodes):
        raise StoreTypeError(f"create_run('{run_id}'): nodes must be a list of DagNode")
    if run_input is not None and not isinstance(run_input, Mapping):
        raise StoreTypeError(
            f"create_run('{run_id}'): run_input must be a mapping, not {type(run_input).__name__}"
        )
    check_depth(run_input, f"create_run('{run_id}'): run_input")


def prepare_outputs(task_id: str, outputs: Iterable[Output | Mapping[str, Any]]) -> list[Output]:
    """Check a task's outputs, turning dicts into Output, before anything is stored."""
    if type(outputs) is list and all(type(output) is Output for output in outputs):
        _check_metadata_depth(task_id, outputs)
        return outputs
    if isinstance(outputs, (str, bytes, Mapping)) or not isinstance(outputs, Iterable):
        raise StoreTypeError(
            f"complete_task('{task_id}'): outputs must be a list of Output or dicts, "
            f"not {type(outputs).__name__}"
        )
    prepared: list[Output] = []
    for position, output in enumerate(outputs):
        if isinstance(output, Output):
            prepared.append(output)
        elif isinstance(output, Mapping):
            try:
                prepared.append(Output.model_validate(dict(output)))
            except ValidationError as exc:
                problems = "; ".join(
                    f"{'.'.join(str(p) for p in e['loc']) or 'output'}: {e['msg']}"
                    for e in exc.errors()
                )
                raise StoreError(
                    f"complete_task('{task_id}'): output {position} is invalid: {problems}"
                ) from None
        else:
            raise StoreTypeError(
                f"complete_task('{task_id}'): output {position} must be an Output or a dict, "
                f"not {type(output).__name__}"
            )
    _check_metadata_depth(task_id, prepared)
    return prepared


def _check_metadata_depth(task_id: str, outputs: list[Output]) -> None:
    for position, output in enumerate(outputs):
        if output.metadata:
            check_depth(output.metadata, f"complete_task('{task_id}'): output {position} metadata")
