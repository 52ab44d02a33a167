"""The queries on PostgresStore's hot path, and their plans on a populated schema.

``docs/scale.md`` shows these plans; ``test_scale_page.py`` checks that each
plan still uses the index the page names. Print fresh plans with::

    python tests/postgres/hot_queries.py
"""

from __future__ import annotations

import os
import secrets
import sys
from pathlib import Path
from typing import Any

import psycopg

sys.path.insert(0, str(Path(__file__).resolve().parent))

from pg_support import reset, sql

from dagabaaz.constants import FanMode
from dagabaaz.models import BindingsReason, DagNode, GatedBinding, Output
from dagabaaz.postgres import migrate
from dagabaaz.procrastinate import connect, submit_run

# name -> (what it answers, the statement with its parameters filled by `values`)
QUERIES: dict[str, tuple[str, str]] = {
    "start a task": (
        "a worker takes its task (and reads its input artifact)",
        """WITH started AS (
     UPDATE dagabaaz_tasks t SET status = 'running', attempts = t.attempts + 1
       FROM dagabaaz_runs r
      WHERE t.id = {task} AND r.id = t.run_id AND t.status IN ('queued', 'running')
  RETURNING t.run_id, t.input_artifact_id)
SELECT s.*, a.file_name FROM started s
  LEFT JOIN dagabaaz_artifacts a ON a.id = s.input_artifact_id::bigint""",
    ),
    "lock the run": (
        "every engine call, first statement of its transaction, in dagabaaz_lock_run",
        """SELECT status, touched_at FROM dagabaaz_runs WHERE id = {run} FOR NO KEY UPDATE""",
    ),
    "read the counters": (
        "right after the lock, in the same function: barriers, summaries and claims for the "
        "whole call",
        """SELECT node_index, launched, total, terminal, skipped, succeeded
  FROM dagabaaz_nodes WHERE run_id = {run}""",
    ),
    "complete a task": (
        "records the outcome, then inserts the artifacts, in dagabaaz_complete_task",
        """UPDATE dagabaaz_tasks SET status = 'completed'
 WHERE id = {task} AND status IN ('pending', 'queued', 'running')""",
    ),
    "claim a launch": (
        "decided under the run lock, written as the transaction ends, in dagabaaz_write",
        """UPDATE dagabaaz_nodes SET launched = true
 WHERE run_id = {run} AND node_index = 1""",
    ),
    "artifacts of a node": (
        "what a launch plans from, what an aggregate task reads",
        """SELECT a.* FROM dagabaaz_artifacts a
 WHERE a.run_id = {run} AND a.node_index = 0 ORDER BY a.id""",
    ),
    "artifacts of an origin group": (
        "what a grouped task reads",
        """SELECT a.* FROM dagabaaz_artifacts a
 WHERE a.run_id = {run} AND a.origin_artifact_id = {origin} AND a.node_index = ANY('{{1,2}}')
 ORDER BY a.id""",
    ),
    "live tasks of a run": (
        "cancel, the queued list, the sweep",
        """SELECT id FROM dagabaaz_tasks
 WHERE run_id = {run} AND status IN ('pending', 'queued', 'running')""",
    ),
    "reasons of a run": (
        "get_reasons: what `runs show --reasons` and a run's result read",
        """SELECT x.reason FROM dagabaaz_reasons x
 WHERE x.run_id = {run} ORDER BY x.id""",
    ),
    "task reasons of a node": (
        "the cap on a node's failed and bindings_gated reasons, in dagabaaz_record_reasons",
        """SELECT count(*) FROM (SELECT FROM dagabaaz_reasons x
 WHERE x.run_id = {run} AND x.node_index = 1 AND x.task_id IS NOT NULL LIMIT 20) c""",
    ),
    "live runs": (
        "the sweep looks for idle ones",
        """SELECT id FROM dagabaaz_runs
 WHERE status IN ('pending', 'running') AND touched_at < now() - interval '60 seconds'""",
    ),
}

INDEXES = {
    "start a task": "dagabaaz_tasks_pkey",
    "lock the run": "dagabaaz_runs_pkey",
    "read the counters": "dagabaaz_nodes_pkey",
    "complete a task": "dagabaaz_tasks_pkey",
    "claim a launch": "dagabaaz_nodes_pkey",
    "artifacts of a node": "dagabaaz_artifacts_node",
    "artifacts of an origin group": "dagabaaz_artifacts_origin",
    "live tasks of a run": "dagabaaz_tasks_live",
    "reasons of a run": "dagabaaz_reasons_node",
    "task reasons of a node": "dagabaaz_reasons_node",
    "live runs": "dagabaaz_runs_live",
}
"""The index each plan must use."""


def _gated(task_id: str, node_index: int) -> BindingsReason:
    return BindingsReason(
        node="a" if node_index == 1 else "b",
        node_index=node_index,
        task_id=task_id,
        gated=(GatedBinding(name="title", when="{input.named}", value="false"),),
        gated_count=1,
    )


def populate(dsn: str, schema: str, runs: int = 300) -> dict[str, Any]:
    """Fill the schema with finished and live runs of a scatter-gather; return sample keys."""
    reset(dsn, schema)
    nodes = [
        DagNode(slug="source", plugin="fetch"),
        DagNode(slug="a", plugin="a", depends_on=["source"]),
        DagNode(slug="b", plugin="b", depends_on=["source"]),
        DagNode(slug="merge", plugin="merge", depends_on=["a", "b"], fan_mode=FanMode.GROUPED),
    ]
    store = connect(dsn, schema=schema, max_size=2)
    try:
        for number in range(runs):
            run_id = submit_run(store, nodes, run_id=f"run-{number}")
            [root] = store.queued_tasks(run_id)
            store.complete_task(root.task_id, [Output(file_name=f"{i}.mp4") for i in range(8)])
            with store.run_lock(run_id):
                from dagabaaz.orchestrator import OrchestratorCallbacks, on_task_complete

                on_task_complete(
                    store,
                    task_id=root.task_id,
                    callbacks=OrchestratorCallbacks(),
                    resolve_passthrough=lambda plugin: False,
                )
            for position, task in enumerate(store.queued_tasks(run_id)):
                if position < (12 if number % 3 else 16):
                    store.complete_task(task.task_id, [Output(file_name="x")])
                if position % 2:  # a binding gated off on every other task
                    store.record_reason(run_id, _gated(task.task_id, task.node_index))
        # Most runs of a long-lived database have ended.
        sql(dsn, schema, "UPDATE dagabaaz_runs SET status = 'completed' WHERE id !~ '7$'")
        sql(dsn, schema, "ANALYZE")
        run_id = "run-7"
        origin = store.get_artifacts_by_node_indices(run_id, [0])[0].id
        task = store.queued_tasks(run_id)[0].task_id
        return {"run": f"'{run_id}'", "origin": f"'{origin}'", "task": task}
    finally:
        store.close()


def plans(dsn: str, schema: str) -> dict[str, tuple[str, str]]:
    """Return each hot query, as run, and its plan (EXPLAIN, costs off) on a populated schema."""
    values = populate(dsn, schema)
    found = {}
    with psycopg.connect(dsn, options=f"-c search_path={schema}") as conn:
        for name, (_, query) in QUERIES.items():
            shown = query.format(**values)
            plan = conn.execute("EXPLAIN (COSTS OFF) " + shown)
            found[name] = (shown, "\n".join(row[0] for row in plan))
        conn.rollback()
    return found


def main() -> None:
    dsn = os.environ.get("DAGABAAZ_TEST_DSN", "host=127.0.0.1 dbname=test user=postgres")
    schema = f"dagabaaz_plans_{secrets.token_hex(3)}"
    migrate(dsn, schema, procrastinate=True)
    try:
        for name, (shown, plan) in plans(dsn, schema).items():
            purpose = QUERIES[name][0]
            print(f"**{name}** ({purpose}):\n\n```sql\n{shown}\n```\n\n```text\n{plan}\n```\n")
    finally:
        sql(dsn, "public", f"DROP SCHEMA {schema} CASCADE")


if __name__ == "__main__":
    main()
