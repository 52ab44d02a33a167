"""PostgresStore's reasons (:class:`~dagabaaz.store.ReasonStore`): held back, written best effort.

A reason is never worth a round trip of its own on the hot path, nor the
engine's work around it: it is held back with the transaction's other
writes, written by the same statement in a subtransaction of its own
(migration 0004), and a reason the server refuses is logged and dropped.
"""

from __future__ import annotations

import json

from dagabaaz.constants import REASON_TASK_OUTCOMES
from dagabaaz.errors import StoreError
from dagabaaz.models import REASON_ADAPTER, NodeReason
from dagabaaz.postgres._connections import PendingReason
from dagabaaz.postgres._core import StoreCore
from dagabaaz.postgres._rows import check_indices

__all__ = ["ReasonRecords"]

_READ = """
    SELECT x.reason::text
      FROM dagabaaz_runs r
      LEFT JOIN dagabaaz_reasons x ON x.run_id = r.id {node}
     WHERE r.id = %s
     ORDER BY x.id"""
_OF_RUN = _READ.format(node="")
_OF_NODE = _READ.format(node="AND x.node_index = %s")


class ReasonRecords(StoreCore):
    """record_reason and get_reasons over the ``dagabaaz_reasons`` table."""

    def record_reason(self, run_id: str, reason: NodeReason) -> None:
        """Keep ``reason`` after the run's earlier ones.

        Inside a transaction (the engine's, under the run lock) the reason
        is written with the transaction's other writes, in a subtransaction:
        if the server refuses it, the error is logged (logger
        ``dagabaaz.postgres``) and the transaction goes on. Inside a
        :meth:`session` it waits for the session's next transaction.
        Otherwise it is written at once, under the run's lock.

        As :class:`~dagabaaz.memory.InMemoryStore` does, every node-level
        reason is kept, and per node the first
        :data:`~dagabaaz.constants.REASON_TASK_REASONS_PER_NODE` reasons
        about tasks of each kind (``failed``, ``bindings_gated``) plus the
        latest failure; besides, one of each kind per task (a task run again
        after its worker died records it once).

        Raises:
            StoreError: The run is unknown or has no node ``reason.node_index``
                (checked at once inside a transaction; in a session, logged
                when written), or, outside both, the server refused it.
        """
        index = reason.node_index
        pending = _pending(run_id, reason)
        txn = self._db.current
        if txn is not None:
            snapshot = self._snapshot(run_id)
            count = snapshot.node_count if snapshot is not None else self._node_count(run_id)
            check_indices(run_id, [index], count)
            txn.reasons.append(pending)
            return
        held = self._db.held
        if held is not None:
            held.append(pending)
            return
        with self._db.transaction() as txn:
            txn.locking.append(run_id)  # taken with the write, one round trip
            errors: list[str] = []
            txn.reason_errors = errors
            txn.reasons.append(pending)
        snapshot = txn.snapshots.get(run_id)
        if snapshot is None:
            raise StoreError(f"unknown run '{run_id}'")
        check_indices(run_id, [index], snapshot.node_count)
        if errors:
            raise StoreError(
                f"run '{run_id}': the {reason.outcome} reason of node {index} "
                f"was not recorded: {errors[0]}"
            )

    def get_reasons(self, run_id: str, node_index: int | None = None) -> list[NodeReason]:
        """Return the run's reasons in recording order, or only node ``node_index``'s.

        Raises:
            StoreError: The run is unknown.
        """
        query: str
        params: tuple[object, ...]
        if node_index is None:
            query, params = _OF_RUN, (run_id,)
        else:
            query, params = _OF_NODE, (node_index if type(node_index) is int else -1, run_id)
        held = self._db.held
        if held and self._db.current is None:
            self._write_held(held)  # a session reads what it recorded
        txn = self._db.current
        if txn is not None:
            # The writes held back and this read: one round trip.
            rows = self._send(txn, [(query, params)]).fetchall()
        else:
            rows = self._rows(query, params)
        if not rows:
            raise StoreError(f"unknown run '{run_id}'")
        return [REASON_ADAPTER.validate_json(row[0]) for row in rows if row[0] is not None]


def _pending(run_id: str, reason: NodeReason) -> PendingReason:
    """Return ``reason`` as ``dagabaaz_record_reasons`` takes it (its JSON text kept as is)."""
    task = getattr(reason, "task_id", None) if reason.outcome in REASON_TASK_OUTCOMES else None
    element = (
        f'{{"run":{json.dumps(run_id)},"node":{reason.node_index},'
        f'"outcome":{json.dumps(reason.outcome)},"task":{json.dumps(task)},'
        f'"reason":{json.dumps(reason.model_dump_json())}}}'
    )
    return PendingReason(run_id, reason.node_index, element)
