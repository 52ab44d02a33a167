"""Fuzz save-time validation, then run what it accepts.

The input is a pipeline file (JSON, else YAML) or, when it is neither,
bytes from which a pipeline document is drawn: slugs that collide or are
reserved, dependencies that are unknown or cyclic, fan modes, edge filters
and bindings with fuzzed expressions. Checked on every input:

* loading raises nothing but PipelineFileError, building nodes nothing
  but pydantic's ValidationError;
* ``validate_pipeline`` never raises, and ``validate_or_raise`` raises
  PipelineValidationError exactly when it reports an error;
* a pipeline it accepts runs in an InMemoryStore: every task's input is
  assembled (a binding may fail with BindingError, which fails the task),
  and the engine raises nothing at all.

Run: ``python fuzz/fuzz_validator.py fuzz/corpus-work/validator -max_total_time=3600``
"""

from __future__ import annotations

import json
from typing import Any

from _fuzzing import ByteReader, fuzz_main
from pydantic import ValidationError

from dagabaaz.constants import FanMode, FilterOperator
from dagabaaz.diagnostics import has_errors
from dagabaaz.errors import BindingError, PipelineValidationError
from dagabaaz.loading import PipelineFileError, parse_pipeline
from dagabaaz.memory import InMemoryStore
from dagabaaz.models import DagNode, Output, Pipeline
from dagabaaz.orchestrator import (
    OrchestratorCallbacks,
    on_task_complete,
    on_task_failed,
    start_run,
)
from dagabaaz.pipes import DEFAULT_PIPES
from dagabaaz.task_input import assemble_task_input
from dagabaaz.validation import validate_or_raise, validate_pipeline

SLUGS = ("src", "a", "b", "c", "route", "input", "config", "", " ", "a.b", "{x}")
PLUGINS = ("fetch", "work", "route", "")
FIELDS = ("file_type", "extension", "file_size", "file_name", "mime_type", "lang", "tags")
OPERATORS = (*(op.value for op in FilterOperator), "like")
MODES = (*(mode.value for mode in FanMode), "scatter")
PIPE_NAMES = tuple(DEFAULT_PIPES.names())
OUTPUTS = (
    Output(file_name="a.mp4", file_size=10, metadata={"lang": "en", "tags": ["x"]}),
    Output(file_name="a.srt", file_size=2, mime_type="text/plain", metadata={"lang": "fr"}),
    Output(file_name="b.MKV", metadata={"lang": None}),
)
ARGUMENTS = ("1", "2", "-1", "a", '","', "\\d+", "(a+)+$", "", "x" * 5, "99999")
RULE_VALUES = ("video", "subtitle", "srt", 5, "5", ["en", "fr"], "en", None, True)
MAX_STEPS = 60
FAN_OUT_LIMIT = 16


def TestOneInput(data: bytes) -> None:
    """Load or draw a pipeline, validate it, and run it when it is valid."""
    try:
        pipeline = _pipeline(data)
    except (PipelineFileError, ValidationError):
        return
    diagnostics = validate_pipeline(pipeline.nodes)
    for diagnostic in diagnostics:
        json.dumps(diagnostic.to_dict())
    try:
        validate_or_raise(pipeline.nodes)
    except PipelineValidationError as error:
        if not has_errors(diagnostics):
            raise AssertionError("validate_or_raise raised on a valid pipeline") from error
        return
    if has_errors(diagnostics):
        raise AssertionError("validate_or_raise accepted an invalid pipeline")
    _run(pipeline)


def _pipeline(data: bytes) -> Pipeline:
    text = data.decode("utf-8", "replace")
    stripped = text.lstrip()
    if stripped.startswith(("{", "[")):
        return parse_pipeline(text, syntax="json")
    if stripped.startswith(("nodes:", "default_input:", "- ", "#")):
        return parse_pipeline(text, syntax="yaml")
    return Pipeline.model_validate(_document(ByteReader(data)))


def _document(reader: ByteReader) -> dict[str, Any]:
    count = reader.integer(1, 8)
    # Mostly well-formed, so that most inputs get past validation and run;
    # one choice in eight or sixteen breaks a rule validation must catch.
    slugs = [reader.choice(SLUGS) if reader.rarely(8) else f"n{i}" for i in range(count)]
    nodes = []
    for i, slug in enumerate(slugs):
        earlier = slugs if reader.rarely(16) else slugs[:i]
        deps = list(
            dict.fromkeys(reader.choice(earlier) for _ in range(reader.integer(0, 3) if i else 0))
        )
        if reader.rarely(16):
            deps.append(reader.text(4))
        node: dict[str, Any] = {
            "slug": slug,
            "plugin": reader.choice(PLUGINS) if reader.rarely(8) else "work",
            "depends_on": deps,
            "fan_mode": reader.choice(MODES[:3] if not reader.rarely(16) else MODES)
            if deps
            else "single",
        }
        if deps and reader.flag():
            node["edge_filters"] = {reader.choice(deps): _edge_filter(reader)}
        node["bindings"] = {
            reader.choice(("title", "url", "lang")): _binding(reader, deps)
            for _ in range(reader.integer(0, 3))
        }
        nodes.append(node)
    return {"nodes": nodes, "default_input": {"title": reader.value(1), "url": reader.text(8)}}


def _edge_filter(reader: ByteReader) -> dict[str, Any]:
    rules = [
        {
            "field": reader.choice(FIELDS),
            "operator": reader.choice(OPERATORS[:-1] if not reader.rarely(16) else OPERATORS),
            "value": reader.value(1) if reader.rarely(4) else reader.choice(RULE_VALUES),
        }
        for _ in range(reader.integer(0, 3))
    ]
    return {"rules": rules, "select": reader.choice((None, None, "largest", "smallest", "biggest"))}


def _binding(reader: ByteReader, deps: list[str]) -> dict[str, Any]:
    kind = reader.integer(0, 3)
    when = _expression(reader, deps) if reader.rarely(4) else None
    if kind == 0:
        node = reader.choice(deps) if deps else reader.text(4)
        return {"source": "previous_node", "node": node, "key": reader.choice(FIELDS), "when": when}
    if kind == 1:
        return {"source": "config", "value": reader.value(2), "when": when}
    if kind == 2:
        return {
            "source": "runtime",
            "key": reader.choice(("", "title", "url", "missing")),
            "required": reader.flag(),
            "default": reader.value(1),
            "when": when,
        }
    return {"source": "expression", "expression": _expression(reader, deps), "when": when}


def _expression(reader: ByteReader, deps: list[str]) -> str:
    if reader.rarely(16):
        return reader.text(30)
    parts = []
    for _ in range(reader.integer(1, 3)):
        namespace = reader.choice((*deps, "input", "config")) if deps else "input"
        pipes = "".join(_pipe(reader) for _ in range(reader.integer(0, 3)))
        text = reader.text(3) if reader.flag() else ""
        parts.append(f"{text}{{{namespace}.{reader.choice(FIELDS)}{pipes}}}")
    return "".join(parts)


def _pipe(reader: ByteReader) -> str:
    name = reader.choice(PIPE_NAMES)
    counts = [n for n in range(4) if DEFAULT_PIPES[name].signature.arity_problem(n, name) is None]
    count = reader.integer(0, 3) if reader.rarely(16) or not counts else reader.choice(counts)
    args = ", ".join(reader.choice(ARGUMENTS) for _ in range(count))
    return f" | {name}" + (f"({args})" if args or reader.flag() else "")


def _run(pipeline: Pipeline) -> None:
    nodes = pipeline.nodes
    store = InMemoryStore()
    store.create_run("run", nodes, pipeline.default_input)
    callbacks = OrchestratorCallbacks()
    start_run(store, "run", nodes, callbacks=callbacks, fan_out_limit=FAN_OUT_LIMIT)
    for step in range(MAX_STEPS):
        queued = store.queued_tasks("run", limit=4)
        if not queued:
            return
        for task in queued:
            try:
                assemble_task_input(
                    store,
                    run_id="run",
                    node_index=task.node_index,
                    nodes=nodes,
                    input_artifact_id=task.input_artifact_id,
                    origin_artifact_id=task.origin_artifact_id,
                    passthrough_indices=_routing(nodes),
                )
            except BindingError as error:
                on_task_failed(
                    store, task_id=task.task_id, error_message=str(error), callbacks=callbacks
                )
                continue
            store.complete_task(task.task_id, OUTPUTS[: 1 + step % len(OUTPUTS)])
            on_task_complete(
                store,
                task_id=task.task_id,
                callbacks=callbacks,
                resolve_passthrough=lambda plugin: plugin == "route",
                fan_out_limit=FAN_OUT_LIMIT,
            )


def _routing(nodes: list[DagNode]) -> frozenset[int]:
    return frozenset(i for i, node in enumerate(nodes) if node.plugin == "route")


def main() -> None:
    """Run this harness under atheris."""
    fuzz_main(TestOneInput)


if __name__ == "__main__":
    main()
