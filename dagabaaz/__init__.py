"""dagabaaz: an embeddable DAG orchestration library.

The application keeps its database, queue and workers; dagabaaz decides what
runs next, routes data between steps and evaluates the binding expressions.

The names the README uses can be imported from here::

    from dagabaaz import DagNode, LocalRunner, Output

Each is loaded on first use, so ``import dagabaaz`` stays cheap; its home
module (``dagabaaz.models``, ``dagabaaz.orchestrator``, ...) is where it is
documented. docs/concepts/architecture.md shows how the modules fit together.
"""

from __future__ import annotations

# Not typing.TYPE_CHECKING: importing typing would cost more than this module.
TYPE_CHECKING = False

# Name -> the public module that defines it.
_HOMES: dict[str, str] = {
    "FanMode": "dagabaaz.constants",
    "FilterOperator": "dagabaaz.constants",
    "TaskStatus": "dagabaaz.constants",
    "DagabaazError": "dagabaaz.errors",
    "Environment": "dagabaaz.environment",
    "check_expression": "dagabaaz.expressions",
    "compile_expression": "dagabaaz.expressions",
    "InMemoryStore": "dagabaaz.memory",
    "DagNode": "dagabaaz.models",
    "EdgeFilter": "dagabaaz.models",
    "FilterRule": "dagabaaz.models",
    "NodeSource": "dagabaaz.models",
    "Output": "dagabaaz.models",
    "OrchestratorCallbacks": "dagabaaz.orchestrator",
    "on_task_complete": "dagabaaz.orchestrator",
    "on_task_failed": "dagabaaz.orchestrator",
    "start_run": "dagabaaz.orchestrator",
    "LocalRunner": "dagabaaz.runner",
    "DagRetryStore": "dagabaaz.store",
    "DagStore": "dagabaaz.store",
    "TaskInputStore": "dagabaaz.store",
    "build_task_input": "dagabaaz.task_input",
    "resolve_task_bindings": "dagabaaz.task_input",
    "validate_pipeline": "dagabaaz.validation",
}

__all__ = [
    "DagNode",
    "DagRetryStore",
    "DagStore",
    "DagabaazError",
    "EdgeFilter",
    "Environment",
    "FanMode",
    "FilterOperator",
    "FilterRule",
    "InMemoryStore",
    "LocalRunner",
    "NodeSource",
    "OrchestratorCallbacks",
    "Output",
    "TaskInputStore",
    "TaskStatus",
    "__version__",
    "build_task_input",
    "check_expression",
    "compile_expression",
    "on_task_complete",
    "on_task_failed",
    "resolve_task_bindings",
    "start_run",
    "validate_pipeline",
]

if TYPE_CHECKING:
    from typing import Any

    __version__: str

    from dagabaaz.constants import FanMode, FilterOperator, TaskStatus
    from dagabaaz.environment import Environment
    from dagabaaz.errors import DagabaazError
    from dagabaaz.expressions import check_expression, compile_expression
    from dagabaaz.memory import InMemoryStore
    from dagabaaz.models import DagNode, EdgeFilter, FilterRule, NodeSource, Output
    from dagabaaz.orchestrator import (
        OrchestratorCallbacks,
        on_task_complete,
        on_task_failed,
        start_run,
    )
    from dagabaaz.runner import LocalRunner
    from dagabaaz.store import DagRetryStore, DagStore, TaskInputStore
    from dagabaaz.task_input import build_task_input, resolve_task_bindings
    from dagabaaz.validation import validate_pipeline


def __getattr__(name: str) -> Any:
    if name == "__version__":
        value: Any = _installed_version()
    else:
        home = _HOMES.get(name)
        if home is None:
            raise AttributeError(f"module 'dagabaaz' has no attribute {name!r}")
        from importlib import import_module

        value = getattr(import_module(home), name)
    globals()[name] = value  # later lookups skip this function
    return value


def _installed_version() -> str:
    # The version is set once, in pyproject.toml; the installed package's
    # metadata carries it. Read on first use: importing importlib.metadata
    # costs more than the rest of `import dagabaaz`.
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("dagabaaz")
    except PackageNotFoundError:  # a source tree on sys.path, never installed
        return "0+unknown"


def __dir__() -> list[str]:
    return sorted({*globals(), *_HOMES})
