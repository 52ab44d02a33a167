"""One configuration object for what every stage must agree on.

The pipes expressions may call, the limits they evaluate under and the
plugins that only route data (passthrough) are the same for the validator
that checks a pipeline, the runner that runs it and the worker functions that
build each task's input. :class:`Environment` holds the three, so they are
given once::

    from dagabaaz.environment import Environment
    from dagabaaz.pipes import DEFAULT_PIPES

    pipes = DEFAULT_PIPES.copy()
    pipes.register("shout", lambda value: str(value).upper() + "!")
    environment = Environment(pipes=pipes, passthrough={"router"})

    validate_pipeline(nodes, environment=environment)
    LocalRunner(plugins, environment=environment)
    assemble_task_input(store, ..., environment=environment)

The keyword arguments those functions took before (``pipes=``, ``limits=``,
``passthrough=``, ``passthrough_indices=``) keep working; giving one both
ways is a :class:`TypeError`, since the two could disagree.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from dagabaaz._runtime.limits import DEFAULT_LIMITS, Limits
from dagabaaz.diagnostics import Diagnostic
from dagabaaz.expressions import Expression, check_expression, compile_expression
from dagabaaz.models import DagNode
from dagabaaz.pipes import DEFAULT_PIPES, PipeRegistry

__all__ = ["Environment", "environment_of"]


@dataclass(frozen=True, slots=True)
class Environment:
    """The pipes, limits and routing plugins a pipeline is checked and run with.

    Attributes:
        pipes: The pipe registry expressions are checked against and call
            (the built-ins by default; register custom pipes on a copy).
        limits: The limits every expression evaluates under.
        passthrough: Names of routing plugins: a node running one forwards
            its upstream artifacts, and the walk for artifacts passes an
            empty one.
        strict: Evaluate binding expressions and ``when`` clauses strictly:
            a reference with no value fails the task (a ``BindingError``
            naming the reference, code ``missing-reference``) unless it is
            piped straight into ``default`` or ``required``, and ``int``
            fails on text that is not a number. Off by default, as in the
            README's version, where a missing reference reads as nothing.

    Raises:
        TypeError: A field is of the wrong type (``passthrough`` a single
            string, for example).
    """

    pipes: PipeRegistry = DEFAULT_PIPES
    limits: Limits = DEFAULT_LIMITS
    passthrough: frozenset[str] = frozenset()
    strict: bool = False

    def __post_init__(self) -> None:
        if not isinstance(self.strict, bool):
            raise TypeError(f"strict must be a bool, got {type(self.strict).__name__}")
        if not isinstance(self.pipes, PipeRegistry):
            raise TypeError(f"pipes must be a PipeRegistry, got {type(self.pipes).__name__}")
        if not isinstance(self.limits, Limits):
            raise TypeError(f"limits must be a Limits, got {type(self.limits).__name__}")
        names: Any = self.passthrough
        if isinstance(names, str | bytes) or not isinstance(names, Iterable):
            raise TypeError(
                f"passthrough must be a collection of plugin names, got {type(names).__name__}"
            )
        names = frozenset(names)
        for name in names:
            if not isinstance(name, str):
                raise TypeError(f"passthrough must hold plugin names, got {type(name).__name__}")
        # Frozen, but a set or list given is welcome: keep an immutable copy.
        object.__setattr__(self, "passthrough", names)

    def is_passthrough(self, plugin: str) -> bool:
        """Whether ``plugin`` is a routing plugin (what ``resolve_passthrough`` answers)."""
        return plugin in self.passthrough

    def passthrough_indices(self, nodes: Sequence[DagNode]) -> frozenset[int]:
        """Return the indices of the nodes running a routing plugin."""
        return frozenset(i for i, node in enumerate(nodes) if node.plugin in self.passthrough)

    def compile_expression(self, source: str) -> Expression:
        """:func:`~dagabaaz.expressions.compile_expression` with these pipes and limits."""
        return compile_expression(source, pipes=self.pipes, limits=self.limits)

    def check_expression(
        self,
        source: str,
        *,
        namespaces: Collection[str] | None = None,
        when: bool = False,
        scope: Mapping[str, Mapping[str, Any]] | None = None,
    ) -> list[Diagnostic]:
        """:func:`~dagabaaz.expressions.check_expression` with these pipes and limits."""
        return check_expression(
            source,
            namespaces=namespaces,
            pipes=self.pipes,
            limits=self.limits,
            when=when,
            scope=scope,
        )


_DEFAULT = Environment()


def environment_of(
    environment: Environment | None,
    *,
    pipes: PipeRegistry | None = None,
    limits: Limits | None = None,
    passthrough: Iterable[str] | None = None,
) -> Environment:
    """Return the environment a call runs in: ``environment``, or one of the keyword arguments.

    Raises:
        TypeError: ``environment`` is not an :class:`Environment`, or a
            setting is given both in it and as a keyword argument.
    """
    if environment is None:
        if pipes is None and limits is None and passthrough is None:
            return _DEFAULT
        return Environment(
            pipes=DEFAULT_PIPES if pipes is None else pipes,
            limits=DEFAULT_LIMITS if limits is None else limits,
            passthrough=frozenset() if passthrough is None else passthrough,  # type: ignore[arg-type]
        )
    if not isinstance(environment, Environment):
        raise TypeError(f"environment must be an Environment, got {type(environment).__name__}")
    given = [
        name
        for name, value in (("pipes", pipes), ("limits", limits), ("passthrough", passthrough))
        if value is not None
    ]
    if given:
        raise TypeError(
            f"{', '.join(given)} given both in the environment and as an argument; give "
            f"{'it' if len(given) == 1 else 'them'} in one place"
        )
    return environment
