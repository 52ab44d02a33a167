"""A task's bindings reason: the bindings its ``when`` clauses gated off, recorded by a worker."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

from dagabaaz._base.quoting import quote_value
from dagabaaz.constants import REASON_SAMPLE_SIZE
from dagabaaz.models import BindingsReason, GatedBinding, cut_text
from dagabaaz.store import reason_store

__all__ = ["record_gated"]

logger = logging.getLogger("dagabaaz.task_input")


def record_gated(
    store: object,
    run_id: str,
    node_index: int,
    slug: str,
    task_id: str,
    gated: Sequence[tuple[str, str, Any]],
) -> None:
    """Record the bindings of task ``task_id`` that a falsy ``when`` gated off.

    Nothing is recorded when none was gated or the store keeps no reasons.
    Best effort, like every reason: a failure is logged and the task goes on.
    """
    if not gated:
        return
    keeper = reason_store(store)
    if keeper is None:
        return
    try:
        reason = BindingsReason(
            node=slug,
            node_index=node_index,
            task_id=task_id,
            gated=tuple(
                GatedBinding(name=cut_text(name), when=cut_text(when), value=quote_value(value))
                for name, when, value in gated[:REASON_SAMPLE_SIZE]
            ),
            gated_count=len(gated),
        )
        keeper.record_reason(run_id, reason)
    except Exception:
        logger.warning(
            "recording the gated bindings of task '%s' (node '%s', run '%s') failed",
            task_id,
            slug,
            run_id,
            exc_info=True,
        )
