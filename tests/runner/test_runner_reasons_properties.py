"""Properties over random pipelines: every recorded reason agrees with what really happened.

Each random pipeline (every fan mode, random edge filters with every operator
and ``select``, routing nodes, random metadata, plugins making 0..n outputs
and sometimes failing) runs through :class:`~dagabaaz.runner.LocalRunner`.
Each plugin notes the artifacts it received. Then, node by node, the reason
the engine recorded is checked against the task inputs the plugins saw and
against a reference computed here from the store's artifacts and
:func:`dagabaaz.filter.explain`, which must agree with the engine about
every artifact.
"""

from __future__ import annotations

import hashlib
import random
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from dagabaaz.constants import ArtifactSelector, FanMode, FilterOperator
from dagabaaz.diagnostics import has_errors
from dagabaaz.filter import explain
from dagabaaz.memory import InMemoryStore
from dagabaaz.models import (
    DagArtifact,
    DagNode,
    EdgeFilter,
    EdgeReport,
    FailedReason,
    FilteredReason,
    FilterRule,
    LaunchedReason,
    NodeReason,
    NotRunReason,
    Output,
    SkippedReason,
    parse_reason,
)
from dagabaaz.runner import LocalRunner, NodeStatus, RunResult
from dagabaaz.validation import validate_pipeline

MODES = [FanMode.SINGLE, FanMode.AGGREGATE, FanMode.GROUPED]
FIELDS = [
    "kind",
    "size",
    "flag",
    "tags",
    "absent",
    "file_type",
    "extension",
    "file_size",
    "file_name",
    "mime_type",
]
SCALARS = st.one_of(
    st.sampled_from(["a", "b", " a ", "A", "3", "x", "true", ".mp4", "n"]),
    st.integers(-1, 6),
    st.booleans(),
    st.none(),
)
LISTS = st.lists(SCALARS, max_size=3)
NUMBERS = st.one_of(st.integers(-1, 6), st.sampled_from(["3", "2.5"]))
TEXT = st.sampled_from(["a", "n", " a ", ".mp4", "video", "text/"])
VALUE_OF = {
    FilterOperator.IN: LISTS,
    FilterOperator.NOT_IN: LISTS,
    FilterOperator.GT: NUMBERS,
    FilterOperator.GTE: NUMBERS,
    FilterOperator.LT: NUMBERS,
    FilterOperator.LTE: NUMBERS,
    FilterOperator.STARTS_WITH: TEXT,
    FilterOperator.ENDS_WITH: TEXT,
    FilterOperator.EXISTS: st.none(),
    FilterOperator.NOT_EXISTS: st.none(),
}


PROBE = [DagNode(slug="a", plugin="p")]


_VALID: dict[str, bool] = {}


def _valid(rule: FilterRule) -> bool:
    """Whether a pipeline may hold ``rule`` (save-time validation refuses the others)."""
    key = rule.model_dump_json()
    if key not in _VALID:
        probe = DagNode(
            slug="b", plugin="p", depends_on=["a"], edge_filters={"a": EdgeFilter(rules=[rule])}
        )
        _VALID[key] = not has_errors(validate_pipeline([*PROBE, probe]))
    return _VALID[key]


@st.composite
def edge_filters(draw: st.DrawFn) -> EdgeFilter | None:
    if draw(st.integers(0, 3)) == 0:
        return None
    rules = []
    for _ in range(draw(st.integers(0, 2))):
        operator = draw(st.sampled_from(list(FilterOperator)))
        rule = FilterRule(
            field=draw(st.sampled_from(FIELDS)),
            operator=operator,
            value=draw(VALUE_OF.get(operator, SCALARS)),
        )
        if _valid(rule):
            rules.append(rule)
    select = draw(
        st.sampled_from([None, None, ArtifactSelector.LARGEST, ArtifactSelector.SMALLEST])
    )
    return EdgeFilter(rules=rules, select=select)


@dataclass(frozen=True)
class Case:
    nodes: list[DagNode]
    routing: frozenset[int]
    outputs: list[list[int]]  # per node, output counts chosen by a hash of the task's inputs
    fails: list[bool]  # per node: some of its tasks raise
    seed: int
    fan_out_limit: int


@st.composite
def cases(draw: st.DrawFn) -> Case:
    size = draw(st.integers(2, 8))
    nodes = []
    routing: set[int] = set()
    dependencies: list[list[int]] = []
    for i in range(size):
        deps = sorted(draw(st.sets(st.integers(0, i - 1), max_size=3))) if i else []
        if draw(st.booleans()):
            # Beside a routing node, its own dependencies: a walk past it then
            # collects what another edge collects too.
            deps = sorted({*deps, *(d for r in deps if r in routing for d in dependencies[r])})
        dependencies.append(deps)
        mode = draw(st.sampled_from(MODES)) if deps else FanMode.SINGLE
        filters = {f"n{d}": f for d in deps if (f := draw(edge_filters())) is not None}
        if deps and draw(st.integers(0, 3)) == 0:
            routing.add(i)
        nodes.append(
            DagNode(
                slug=f"n{i}",
                plugin=f"p{i}",
                depends_on=[f"n{d}" for d in deps],
                fan_mode=mode,
                edge_filters=filters,
            )
        )
    outputs = [draw(st.lists(st.integers(0, 5), min_size=1, max_size=3)) for _ in range(size)]
    fails = [draw(st.integers(0, 24)) == 0 for _ in range(size)]
    return Case(
        nodes,
        frozenset(routing),
        outputs,
        fails,
        draw(st.integers(0, 2**16)),
        draw(st.sampled_from([3, 8, 200])),
    )


def _digest(text: str) -> int:
    return int.from_bytes(hashlib.sha1(text.encode()).digest()[:4], "big")


def _output(seed: int, uid: str) -> Output:
    """A random, reproducible artifact: the same ``uid`` always gets the same metadata."""
    rng = random.Random(f"{seed}:{uid}")
    metadata: dict[str, Any] = {"uid": uid}
    for key, choices in (
        ("kind", ["a", "b", "c", "A", " a "]),
        ("size", [0, 1, 3, 5, "3", "x", None, 2.5]),
        ("flag", [True, False, "true", " FALSE ", "no"]),
        ("tags", [["a"], ["a", "b"], [], ["x", 3]]),
    ):
        if rng.random() < 0.8:
            metadata[key] = rng.choice(choices)
    return Output(
        file_name=f"{uid}{rng.choice(['.mp4', '.srt', '.zip', '.txt', '.MKV', ''])}",
        file_size=rng.choice([None, 0, 1, 2, 3, 5]),
        mime_type=rng.choice([None, "video/mp4", "text/plain"]),
        metadata=metadata,
    )


class Plugins:
    """One plugin per node; each notes the uids of the artifacts its task received."""

    def __init__(self, case: Case) -> None:
        self.case = case
        self.seen: dict[int, list[tuple[str, ...]]] = {i: [] for i in range(len(case.nodes))}
        self._lock = threading.Lock()

    def functions(self) -> dict[str, Any]:
        return {f"p{i}": self._plugin(i) for i in range(len(self.case.nodes))}

    def _plugin(self, index: int) -> Any:
        node = self.case.nodes[index]

        def plugin(task: Mapping[str, Any]) -> list[Output]:
            if not node.depends_on:
                received: tuple[str, ...] = ()
            elif node.fan_mode is FanMode.SINGLE:
                received = (task["uid"],)
            else:
                received = tuple(item["uid"] for item in task["artifacts"])
            with self._lock:
                self.seen[index].append(received)
            key = _digest(f"{index}|{','.join(sorted(received))}")
            if self.case.fails[index] and key % 3 == 0:
                raise ValueError(f"task of n{index} refused")
            counts = self.case.outputs[index]
            count = counts[key % len(counts)]
            if index in self.case.routing and key % 3:
                count = 0  # a routing node that routed nothing here: walked past

            return [_output(self.case.seed, f"n{index}.{key:x}.{k}") for k in range(count)]

        return plugin


# --- the reference: what each edge collects, and what its filter delivers --------------


def _artifacts(store: InMemoryStore, run_id: str, index: int) -> list[DagArtifact]:
    return list(store.get_artifacts_by_node_indices(run_id, [index]))


def collected(
    store: InMemoryStore, run_id: str, case: Case, dep: int
) -> tuple[list[DagArtifact], list[int]]:
    """What the edge from ``dep`` collects, and the routing nodes walked past (nearest first)."""
    found = _artifacts(store, run_id, dep)
    if found or dep not in case.routing:
        return found, []
    walked = [dep]
    out: list[DagArtifact] = []
    deps_of = [[int(s[1:]) for s in n.depends_on] for n in case.nodes]
    queue = list(deps_of[dep])
    seen: set[int] = set()
    while queue:
        index = queue.pop(0)
        if index in seen:
            continue
        seen.add(index)
        here = _artifacts(store, run_id, index)
        if here:
            out.extend(here)
        elif index in case.routing:
            walked.append(index)
            queue.extend(deps_of[index])
    return out, walked


def uids(artifacts: Sequence[DagArtifact]) -> list[str]:
    return [a.metadata["uid"] for a in artifacts]


def check_edge(
    report: EdgeReport,
    arrived: list[DagArtifact],
    edge_filter: EdgeFilter | None,
    grouped: bool,
    walked: list[str],
) -> set[str]:
    """Check one edge report against ``explain``; return the uids it delivered."""
    explanation = explain(arrived, edge_filter, grouped=grouped)
    assert report.arrived == len(arrived)
    assert report.walked_past == tuple(walked)
    assert report.matched == explanation.matched
    assert report.delivered == explanation.delivered
    assert report.arrived - report.matched == sum(rule.rejected for rule in report.rules)
    rules = [] if edge_filter is None else edge_filter.rules
    assert len(report.rules) == len(rules)
    for position, rule in enumerate(report.rules):
        charged = [v for v in explanation.artifacts if v.rejected_by == position]
        assert rule.rejected == len(charged)
        assert rule.field == rules[position].field
        assert rule.operator == rules[position].operator
        assert len(rule.sample) == min(len(charged), 5)
    select = None if edge_filter is None else edge_filter.select
    assert report.select == select
    assert report.selected == (None if select is None else explanation.delivered)
    kept = [a for a, v in zip(arrived, explanation.artifacts, strict=True) if v.delivered]
    if report.kept_sample or edge_filter is not None or walked:
        assert report.kept_sample == tuple(a.file_name for a in kept[:5])
    return set(uids(kept))


def check_node(
    result: RunResult, store: InMemoryStore, case: Case, plugins: Plugins, index: int
) -> None:
    node = case.nodes[index]
    outcome = result.nodes[node.slug]
    run_id = result.run_id
    reason = outcome.reason
    deps = [int(s[1:]) for s in node.depends_on]
    grouped = node.fan_mode is FanMode.GROUPED
    for recorded in outcome.reasons:
        assert parse_reason(recorded.model_dump_json()) == recorded
        assert (recorded.node, recorded.node_index) == (node.slug, index)

    if outcome.status in (NodeStatus.NOT_RUN, NodeStatus.CANCELLED):
        assert isinstance(reason, NotRunReason), (node.slug, outcome.reasons)
        return

    # Replay the launch: edges in order, stopping where the engine stops.
    edges_seen: list[tuple[int, list[DagArtifact], list[int]]] = []
    dead: tuple[int, str] | None = None
    for dep in deps:
        if result.nodes[f"n{dep}"].status is NodeStatus.SKIPPED:
            dead = (dep, "dependency_skipped")
            break
        arrived, walked = collected(store, run_id, case, dep)
        edges_seen.append((dep, arrived, walked))
        delivered = explain(arrived, node.edge_filters.get(f"n{dep}"), grouped=grouped).delivered
        if node.fan_mode is FanMode.AGGREGATE and arrived and not delivered:
            dead = (dep, "edge_rejected_all")
            break
    # One node-level reason per launch (this run has no retry).
    [first] = [
        r
        for r in outcome.reasons
        if r.outcome in ("launched", "skipped", "filtered")
        or (isinstance(r, FailedReason) and r.cause in ("fan_out_limit", "launch_failed"))
    ]
    if outcome.status is NodeStatus.SKIPPED:
        assert dead is not None, node.slug
        assert isinstance(reason, SkippedReason)
        assert (reason.dependency, reason.cause) == (f"n{dead[0]}", dead[1])
        assert reason.chain[0].node == node.slug
        for link, following in zip(reason.chain, reason.chain[1:], strict=False):
            assert link.cause == "dependency_skipped"
            assert following.node == link.dependency
            assert result.nodes[following.node].status is NodeStatus.SKIPPED
        last = reason.chain[-1]
        assert last.cause == "edge_rejected_all"  # only a filter starts a skip
        origin = result.nodes[last.node].reason
        assert isinstance(origin, SkippedReason) and origin.cause == "edge_rejected_all"
        assert [c.node for c in result.causes(node.slug)] == [link.node for link in reason.chain]
    else:
        assert dead is None, (node.slug, dead)
    # Every edge the engine looked at (a dead skipped edge is reported with no counts).
    edges = getattr(first, "edges", ())
    delivered: set[str] = set()
    if edges:
        assert len(edges) == len(edges_seen) + (
            1 if dead and dead[1] == "dependency_skipped" else 0
        )
        for report, (dep, arrived, walked) in zip(edges, edges_seen, strict=False):
            assert report.dependency == f"n{dep}"
            delivered |= check_edge(
                report,
                arrived,
                node.edge_filters.get(f"n{dep}"),
                grouped,
                [f"n{w}" for w in walked],
            )
        if dead and dead[1] == "dependency_skipped":
            assert edges[-1].dependency_skipped and edges[-1].dependency == f"n{dead[0]}"
    elif deps and not isinstance(first, SkippedReason | FailedReason):
        # The cheap common case: one unfiltered edge into a SINGLE node, all of it delivered.
        [(dep, arrived, walked)] = edges_seen
        assert node.fan_mode is FanMode.SINGLE and f"n{dep}" not in node.edge_filters
        assert not walked
        delivered = set(uids(arrived))

    if outcome.status is NodeStatus.SKIPPED:
        return
    if outcome.status is NodeStatus.FILTERED:
        assert isinstance(first, FilteredReason)
        assert all(edge.delivered == 0 for edge in first.edges)
        assert outcome.task_count == 1
        assert not delivered
        return
    if isinstance(first, FailedReason):  # over the fan-out limit
        assert first.cause == "fan_out_limit"
        assert outcome.status is NodeStatus.FAILED
        return
    assert isinstance(first, LaunchedReason), (node.slug, first)
    assert first.tasks == outcome.task_count
    seen = plugins.seen[index]
    if not deps:
        assert first.root and first.tasks == 1
        return
    assert first.delivered == len(delivered), (node.slug, first, delivered)
    origins = {
        a.origin_artifact_id
        for a in store.get_artifacts_by_node_indices(run_id, deps)
        if a.metadata["uid"] in delivered
    }
    if node.fan_mode is FanMode.SINGLE:
        assert first.tasks == len(delivered)
    elif node.fan_mode is FanMode.AGGREGATE:
        assert first.tasks == 1
    else:
        real = {o for o in origins if o is not None}
        assert first.tasks == (len(real) or 1)
        assert first.groups == len(real)
        assert first.broadcast == sum(
            1
            for a in store.get_artifacts_by_node_indices(run_id, deps)
            if a.metadata["uid"] in delivered and a.origin_artifact_id is None
        )
    if outcome.status is NodeStatus.COMPLETED:
        # Every task ran: what the plugins received is what the reason says was delivered.
        assert len(seen) == first.tasks
        assert {uid for received in seen for uid in received} == delivered
    failures = [r for r in outcome.reasons if isinstance(r, FailedReason)]
    if outcome.status is NodeStatus.FAILED:
        assert failures and isinstance(reason, FailedReason)
    for failure in failures:
        assert failure.cause == "task_failed"
        if node.fan_mode is FanMode.SINGLE:
            [artifact] = [
                a
                for a in store.get_artifacts_by_node_indices(run_id, deps)
                if a.id == failure.input_artifact_id
            ]
            assert failure.input_file_name == artifact.file_name
            assert failure.error.endswith(f"ValueError: task of n{index} refused")
        else:
            assert failure.input_artifact_id is None


@settings(max_examples=150)
@given(cases())
def test_every_reason_agrees_with_what_the_run_did(case: Case) -> None:
    plugins = Plugins(case)
    store = InMemoryStore()
    runner = LocalRunner(
        plugins.functions(),
        passthrough=[f"p{i}" for i in case.routing],
        store=store,
        max_workers=2,
        fan_out_limit=case.fan_out_limit,
    )
    result = runner.run(case.nodes)
    for index in range(len(case.nodes)):
        check_node(result, store, case, plugins, index)
    again = RunResult.from_dict(result.to_dict())
    assert again.to_dict() == result.to_dict()
    for slug in result.nodes:
        assert again.explain(slug) == result.explain(slug)


class FlakyReasons(InMemoryStore):
    """Loses reasons at random: ``record_reason`` and ``get_reasons`` raise now and then."""

    def __init__(self, seed: int) -> None:
        super().__init__()
        self._random = random.Random(seed)

    def _flake(self) -> None:
        if self._random.random() < 0.3:
            raise ConnectionError("reasons table is gone")

    def record_reason(self, run_id: str, reason: NodeReason) -> None:
        self._flake()
        super().record_reason(run_id, reason)

    def get_reasons(self, run_id: str, node_index: int | None = None) -> list[NodeReason]:
        if node_index is not None:  # the engine's read of a skip's chain; the result's read stays
            self._flake()
        return super().get_reasons(run_id, node_index)


def _run(case: Case, store: InMemoryStore) -> RunResult:
    plugins = Plugins(case)
    runner = LocalRunner(
        plugins.functions(),
        passthrough=[f"p{i}" for i in case.routing],
        store=store,
        max_workers=1,
        fan_out_limit=case.fan_out_limit,
    )
    return runner.run(case.nodes, run_id="run-1")


@settings(max_examples=60)
@given(cases(), st.integers(0, 2**16))
def test_a_store_losing_reasons_never_keeps_a_wrong_one(case: Case, seed: int) -> None:
    sound = _run(case, InMemoryStore())
    flaky = _run(case, FlakyReasons(seed))
    assert flaky.status is sound.status
    for slug, node in flaky.nodes.items():
        truth = sound.nodes[slug]
        assert (node.status, node.task_count) == (truth.status, truth.task_count)
        for reason in node.reasons:
            if isinstance(reason, SkippedReason):
                # A chain whose earlier link could not be read back stops there.
                [whole] = [r for r in truth.reasons if isinstance(r, SkippedReason)]
                assert reason.model_copy(update={"chain": whole.chain}) == whole
                assert reason.chain == whole.chain[: len(reason.chain)]
            else:
                assert reason in truth.reasons, (slug, reason)
        assert node.reason is None or node.reason == truth.reason
