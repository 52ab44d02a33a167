"""The built-in pipes, registered family by family through the public API."""

from __future__ import annotations

from dagabaaz.pipes import data, lists, logic, paths, regex, text, urls
from dagabaaz.pipes.registry import PipeRegistry

__all__ = ["DEFAULT_PIPES", "builtin_registry"]


def builtin_registry() -> PipeRegistry:
    """Return a new writable registry holding every built-in pipe."""
    registry = PipeRegistry()
    for family in (text, paths, urls, lists, logic, data, regex):
        family.register(registry)
    return registry


DEFAULT_PIPES: PipeRegistry = builtin_registry().freeze()
"""The read-only registry of built-in pipes; ``DEFAULT_PIPES.copy()`` to extend it."""
