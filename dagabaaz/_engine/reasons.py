"""The reasons the engine records, at the moment it decides, for a store that keeps them.

Reasons are best effort: a store whose ``record_reason`` (or, for a skip's
chain, ``get_reasons``) raises gets the error logged, and the run goes on
exactly as it would have without reasons. A store without the optional
methods costs the engine one attribute lookup per entry-point call and no
edge notes at all.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import cast

from dagabaaz._engine.cache import RunEntry
from dagabaaz._routing.reports import EdgeNotes
from dagabaaz._routing.tasks import LaunchPlan, PlanKind
from dagabaaz.constants import REASON_CHAIN_LENGTH, FanMode
from dagabaaz.models import (
    ChainLink,
    FailedReason,
    FailureCause,
    FilteredReason,
    LaunchedReason,
    NodeReason,
    SkippedReason,
)
from dagabaaz.store import ReasonStore, reason_store

__all__ = ["ReasonLog", "record_failure"]

logger = logging.getLogger("dagabaaz.orchestrator")

_LAUNCHED = LaunchedReason.__pydantic_validator__.validate_python


class ReasonLog:
    """Records the reasons of one run's launches during one entry-point call."""

    __slots__ = ("_graph", "_limit", "_run_id", "_skips", "_store")

    def __init__(self, store: object, run_id: str, entry: RunEntry, fan_out_limit: int) -> None:
        keeps = entry.keeps_reasons
        if keeps is None:  # asked once per cached run, not once per call
            keeps = entry.keeps_reasons = reason_store(store) is not None
        self._store: ReasonStore | None = cast(ReasonStore, store) if keeps else None
        self._run_id = run_id
        self._graph = entry.graph
        self._limit = fan_out_limit
        # Skips recorded in this call: a cascade reads its chain from here.
        self._skips: dict[int, SkippedReason] = {}

    def notes(self) -> EdgeNotes | None:
        """Return fresh edge notes for a launch, or None when no reason is kept."""
        return None if self._store is None else EdgeNotes(self._graph)

    def launch(self, index: int, plan: LaunchPlan, notes: EdgeNotes | None, task_id: str) -> None:
        """Record why node ``index`` got ``plan`` (``task_id``: its marker task, if any)."""
        if self._store is None or notes is None:
            return
        if notes.failure is not None:
            logger.warning(
                "explaining the launch of node '%s' of run '%s' failed; it has no reason",
                self._graph.slugs[index],
                self._run_id,
                exc_info=notes.failure,
            )
            return
        try:
            kind = plan.kind
            if kind is PlanKind.TASKS or kind is PlanKind.GROUPS:
                reason: NodeReason = self._launched(index, plan, notes)
            else:
                reason = self._settled(index, plan, notes, task_id)
        except Exception:  # an explanation must never fail a launch
            logger.warning(
                "explaining the launch of node '%s' of run '%s' failed",
                self._graph.slugs[index],
                self._run_id,
                exc_info=True,
            )
            return
        _record(self._store, self._run_id, reason)

    def _settled(self, index: int, plan: LaunchPlan, notes: EdgeNotes, task_id: str) -> NodeReason:
        """Return the reason of a launch that dispatched a marker: skip, filter or fan-out limit."""
        graph = self._graph
        if plan.kind is PlanKind.SKIP:
            return self._skipped(index, notes)
        slug = graph.slugs[index]
        if plan.kind is PlanKind.FILTER:
            return FilteredReason(
                node=slug,
                node_index=index,
                fan_mode=graph.fan_modes[index],
                edges=tuple(notes.edges),
            )
        return FailedReason(
            node=slug, node_index=index, cause="fan_out_limit", task_id=task_id, error=plan.error
        )

    def _launched(self, index: int, plan: LaunchPlan, notes: EdgeNotes) -> LaunchedReason:
        # One per launch, so built lean: only the fields that differ from the
        # defaults, validated straight by the model's validator.
        graph = self._graph
        fields: dict[str, object] = {
            "node": graph.slugs[index],
            "node_index": index,
            "fan_mode": graph.fan_modes[index],
            "fan_out_limit": self._limit,
        }
        if plan.kind is PlanKind.GROUPS:
            fields["tasks"] = fields["groups"] = len(plan.origins)
        else:
            fields["tasks"] = len(plan.inputs)
        if notes.walked:
            notes.count_distinct()  # a walk may have brought an artifact twice
        if not graph.dependencies[index]:
            fields["root"] = True
        elif fields["fan_mode"] is FanMode.SINGLE:
            fields["delivered"] = len(plan.inputs)
        else:
            fields["delivered"] = notes.delivered
            if fields["fan_mode"] is FanMode.GROUPED and "groups" not in fields:
                fields["groups"] = 0  # only broadcast artifacts: one task, no group
        if notes.broadcast:
            fields["broadcast"] = notes.broadcast
        if notes.edges:
            fields["edges"] = notes.edges
        return _LAUNCHED(fields)  # type: ignore[no-any-return]

    def launch_failed(self, index: int, task_id: str, error: str) -> None:
        """Record that launching node ``index`` raised (``task_id``: its failed marker)."""
        if self._store is not None:
            reason = FailedReason(
                node=self._graph.slugs[index],
                node_index=index,
                cause="launch_failed",
                task_id=task_id,
                error=error,
            )
            _record(self._store, self._run_id, reason)

    def _skipped(self, index: int, notes: EdgeNotes) -> SkippedReason:
        slugs = self._graph.slugs
        dead = notes.dead if notes.dead is not None else self._graph.dependencies[index][0]
        cause = notes.cause or "dependency_skipped"
        link = ChainLink(node=slugs[index], cause=cause, dependency=slugs[dead])
        chain: tuple[ChainLink, ...] = (link,)
        omitted = 0
        if cause == "dependency_skipped":
            earlier = self._skip_of(dead)
            if earlier is not None:
                chain = (link, *earlier.chain)
                omitted = earlier.omitted_links
                if len(chain) > REASON_CHAIN_LENGTH:
                    # Keep the nearest links and the first cause.
                    omitted += len(chain) - REASON_CHAIN_LENGTH
                    chain = (*chain[: REASON_CHAIN_LENGTH - 1], chain[-1])
        reason = SkippedReason(
            node=slugs[index],
            node_index=index,
            dependency=slugs[dead],
            cause=cause,
            chain=chain,
            omitted_links=omitted,
            edges=tuple(notes.edges),
        )
        self._skips[index] = reason
        return reason

    def _skip_of(self, dep: int) -> SkippedReason | None:
        """Return the skip recorded for ``dep`` (read back only on the skip path)."""
        found = self._skips.get(dep)
        if found is not None or self._store is None:
            return found
        try:
            recorded = self._store.get_reasons(self._run_id, dep)
        except Exception:
            logger.warning(
                "reading the reasons of node '%s' of run '%s' failed; its skip chain stops there",
                self._graph.slugs[dep],
                self._run_id,
                exc_info=True,
            )
            return None
        skips = [reason for reason in recorded if isinstance(reason, SkippedReason)]
        return skips[-1] if skips else None


def record_failure(
    store: object,
    run_id: str,
    index: int,
    slug: Callable[[], str],
    task_id: str,
    error: str,
    cause: FailureCause,
    input_artifact_id: str | None,
    *,
    once: bool = False,
) -> None:
    """Record a task's failure, with its input artifact's file name when the store can say.

    ``slug`` is called only when the store keeps reasons. ``once``: only when
    the store holds no failure of the task yet (a repeated report); when
    that cannot be read, nothing is recorded rather than a duplicate.
    """
    keeper = reason_store(store)
    if keeper is None:
        return
    if once and _failure_recorded(keeper, run_id, index, task_id):
        return
    try:
        reason = FailedReason(
            node=slug(),
            node_index=index,
            cause=cause,
            task_id=task_id,
            input_artifact_id=input_artifact_id,
            input_file_name=_file_name(store, input_artifact_id),
            error=error,
        )
    except Exception:  # an explanation must never stop a failure from ending the run
        logger.warning("explaining the failure of task '%s' failed", task_id, exc_info=True)
        return
    _record(keeper, run_id, reason)


def _failure_recorded(store: ReasonStore, run_id: str, index: int, task_id: str) -> bool:
    """Whether a failure of ``task_id`` is recorded; True when the store cannot say."""
    try:
        recorded = store.get_reasons(run_id, index)
    except Exception:
        logger.warning(
            "reading the reasons of run '%s' failed; a repeated failure report records none",
            run_id,
            exc_info=True,
        )
        return True
    return any(isinstance(r, FailedReason) and r.task_id == task_id for r in recorded)


def _file_name(store: object, artifact_id: str | None) -> str | None:
    """Return the file name of artifact ``artifact_id`` when the store can say, else None."""
    read = getattr(store, "get_artifact_data", None)
    if artifact_id is None or not callable(read):
        return None
    try:
        name = getattr(read(artifact_id), "file_name", None)
    except Exception:
        return None  # only the explanation loses the file name
    return name if isinstance(name, str) else None


def _record(store: ReasonStore, run_id: str, reason: NodeReason) -> None:
    try:
        store.record_reason(run_id, reason)
    except Exception:
        logger.warning(
            "recording the %s reason of node '%s' of run '%s' failed; the run goes on without it",
            reason.outcome,
            reason.node,
            run_id,
            exc_info=True,
        )
