"""Calling one plugin for one task, on a worker thread of the local runner.

Everything that can go wrong inside a task (building its input, the plugin
raising, the plugin returning something that is not an output) ends as a
failed :class:`TaskOutcome` with a message, never as an exception on the
runner's thread. Only KeyboardInterrupt passes through: it stops the run.
"""

from __future__ import annotations

import time
import traceback
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar, cast

from pydantic import ValidationError

from dagabaaz.diagnostics import Diagnostic
from dagabaaz.errors import DagabaazError
from dagabaaz.models import Output, TaskArtifact

__all__ = [
    "PluginFunction",
    "PluginResult",
    "TaskOutcome",
    "call_plugin",
    "error_text",
    "forwarded",
    "to_outputs",
]

PluginResult = Iterable[Output | Mapping[str, Any]] | Output | Mapping[str, Any] | None
"""What a plugin returns: outputs (models or dicts), one output, or None for none."""

PluginFunction = Callable[[dict[str, Any]], PluginResult]
"""A plugin: takes the task's input dict, returns its outputs."""

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class TaskOutcome:
    """What happened to one task: its outputs, or the error and traceback."""

    outputs: tuple[Output, ...] = ()
    error: str | None = None
    traceback: str | None = None
    diagnostics: tuple[Diagnostic, ...] = ()
    """Where a failed binding went wrong, to render with carets (empty otherwise)."""
    started: float = 0.0
    ended: float = 0.0
    not_run: bool = False
    """True when the plugin was not called because the run was already ending."""

    @property
    def ok(self) -> bool:
        """Whether the task succeeded."""
        return self.error is None


def call_plugin(
    name: str, function: Callable[[T], PluginResult], prepare: Callable[[], T]
) -> TaskOutcome:
    """Build a task's input with ``prepare``, call ``function`` on it, capture how it ended.

    The traceback kept is the one worth reading: none when dagabaaz refused the
    task's input (its error says what and where, a binding's diagnostics point
    into the expression) or the plugin returned something that is not an
    output; for a plugin that raised, its own frames, without this module's.
    """
    started = time.perf_counter()
    try:
        argument = prepare()
    except DagabaazError as error:
        diagnostics = tuple(getattr(error, "diagnostics", ()))
        return _failed(error_text(error), None, started, diagnostics)
    except Exception as error:  # a store or library fault: every frame may matter
        return _failed(error_text(error), traceback.format_exc(), started)
    try:
        result = function(argument)
        if _is_lazy(result):
            # A generator's body runs while it is iterated: its errors are the plugin's.
            result = list(cast(Iterable[Output | Mapping[str, Any]], result))
    except Exception as error:
        return _failed(error_text(error), _callee_traceback(error), started)
    except SystemExit as error:  # a plugin's sys.exit() must not end the runner's process
        message = f"plugin '{name}' called sys.exit({error.code!r})"
        return _failed(message, _callee_traceback(error), started)
    try:
        outputs = to_outputs(name, result)
    except (TypeError, ValueError) as error:
        return _failed(error_text(error), None, started)
    return TaskOutcome(outputs=outputs, started=started, ended=time.perf_counter())


def _failed(
    error: str,
    trace: str | None,
    started: float,
    diagnostics: tuple[Diagnostic, ...] = (),
) -> TaskOutcome:
    return TaskOutcome(
        error=error,
        traceback=trace,
        diagnostics=diagnostics,
        started=started,
        ended=time.perf_counter(),
    )


def _is_lazy(result: object) -> bool:
    """Whether iterating ``result`` may run the plugin's code (a generator, a custom iterable)."""
    return isinstance(result, Iterable) and not isinstance(
        result, list | tuple | str | bytes | Mapping | Output
    )


def _callee_traceback(error: BaseException) -> str:
    # The first frame is call_plugin's own: the plugin's frames start after it.
    frames = error.__traceback__
    start = frames.tb_next if frames is not None else None
    return "".join(traceback.format_exception(type(error), error, start))


def to_outputs(name: str, result: PluginResult) -> tuple[Output, ...]:
    """Normalize a plugin's return value to outputs.

    Raises:
        TypeError: The value is not None, an output, or an iterable of outputs.
        ValueError: An output dict does not describe an :class:`Output`.
    """
    if result is None:
        return ()
    if isinstance(result, Output | Mapping):
        return (_output(name, result, 0),)
    if isinstance(result, str | bytes) or not isinstance(result, Iterable):
        raise TypeError(
            f"plugin '{name}' returned {type(result).__name__}; "
            "expected None, an Output, a dict, or a list of them"
        )
    return tuple(_output(name, item, position) for position, item in enumerate(result))


def _output(name: str, item: object, position: int) -> Output:
    if isinstance(item, Output):
        return item
    if not isinstance(item, Mapping):
        raise TypeError(
            f"plugin '{name}' returned {type(item).__name__} as output {position}; "
            "expected an Output or a dict"
        )
    try:
        return Output.model_validate(dict(item))
    except ValidationError as error:
        problems = "; ".join(
            f"{'.'.join(str(part) for part in detail['loc']) or 'output'}: {detail['msg']}"
            for detail in error.errors(include_url=False)
        )
        raise ValueError(
            f"plugin '{name}' returned an invalid output {position}: {problems}"
        ) from None


def forwarded(artifacts: Iterable[TaskArtifact]) -> tuple[Output, ...]:
    """Return a routing node's outputs: the artifacts it was given, field for field."""
    return tuple(
        Output(
            file_name=artifact.file_name,
            file_path=artifact.file_path,
            file_size=artifact.file_size,
            mime_type=artifact.mime_type,
            metadata=artifact.metadata,
        )
        for artifact in artifacts
    )


def error_text(error: BaseException) -> str:
    """Return an exception as an error message shows it: ``ValueError: bad header``."""
    text = str(error)
    return f"{type(error).__name__}: {text}" if text else type(error).__name__
