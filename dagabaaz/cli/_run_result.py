"""Saved run results (``dagabaaz run --json``), read back for ``graph`` and ``explain``."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

from dagabaaz.cli._common import EXIT_FAILED, MIB, CliError, read_json_file
from dagabaaz.cli._reasons import short_reason
from dagabaaz.diagnostics import shortened
from dagabaaz.drawing import NodeState
from dagabaaz.errors import RunResultError
from dagabaaz.models import DagNode

if TYPE_CHECKING:
    from dagabaaz.runner import RunResult

__all__ = ["RUN_RESULT_FILE_LIMIT", "check_same_pipeline", "node_states", "read_run_result"]

RUN_RESULT_FILE_LIMIT = 64 * MIB
"""The largest saved run result read."""
_NAMED = 5
"""Slugs named in a message; the rest are counted."""


def read_run_result(path: str, what: str) -> RunResult:
    """Read a run result saved from ``dagabaaz run --json``; ``what`` names it in messages.

    Raises:
        CliError: The file cannot be read, is not JSON, or is not a run
            result (the message says where: ``nodes[2].status: ...``).
    """
    from dagabaaz.runner import RunResult  # the runner is only imported when a result is read

    data = read_json_file(path, what, max_bytes=RUN_RESULT_FILE_LIMIT)
    try:
        return RunResult.from_dict(data)
    except RunResultError as error:
        raise CliError(
            f"{what} {path}: {error} (`dagabaaz run PIPELINE --json` prints one)"
        ) from None


def check_same_pipeline(
    result: RunResult, nodes: Sequence[DagNode], result_path: str, pipeline_path: str
) -> None:
    """Refuse a result that is not of this pipeline: its nodes and plugins must be the pipeline's.

    Raises:
        CliError: (exit code 1) A node of one is missing from the other, or
            ran another plugin.
    """
    plugins = {node.slug: node.plugin for node in nodes}
    extra = [slug for slug in result.nodes if slug not in plugins]
    missing = [slug for slug in plugins if slug not in result.nodes]
    where = f"--run-result {result_path}"
    if extra:
        raise CliError(
            f"{where}: not a result of {pipeline_path}: it has {_nodes(extra)} "
            f"that {pipeline_path} has not",
            EXIT_FAILED,
        )
    if missing:
        raise CliError(
            f"{where}: not a result of {pipeline_path}: {_nodes(missing)} of {pipeline_path} "
            f"{'is' if len(missing) == 1 else 'are'} missing from it",
            EXIT_FAILED,
        )
    for slug, node in result.nodes.items():
        if node.plugin != plugins[slug]:
            raise CliError(
                f"{where}: not a result of {pipeline_path}: node {shortened(slug, 60)!r} ran "
                f"plugin {shortened(node.plugin, 60)!r}, {pipeline_path} gives it "
                f"{shortened(plugins[slug], 60)!r}",
                EXIT_FAILED,
            )


def node_states(result: RunResult) -> Mapping[str, NodeState]:
    """Return what a picture draws of each node of ``result``: status, tasks and short reason."""
    return {
        slug: NodeState(
            node.status.value,
            node.task_count,
            short_reason(node.status.value, node.reason),
        )
        for slug, node in result.nodes.items()
    }


def _nodes(slugs: Sequence[str]) -> str:
    named = ", ".join(repr(shortened(slug, 60)) for slug in slugs[:_NAMED])
    more = len(slugs) - _NAMED
    noun = "node" if len(slugs) == 1 else "nodes"
    return f"{noun} {named}" + (f" and {more} more" if more > 0 else "")
