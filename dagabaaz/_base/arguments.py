"""Checks of the arguments public functions receive, each naming the argument.

A caller passing the wrong kind of value gets a TypeError (or a ValueError
for a value out of range) that says which argument, what was expected and
what came, instead of an AttributeError from deep inside the library.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, TypeVar

from dagabaaz.models import DagNode

__all__ = [
    "check_callable",
    "check_count",
    "check_mapping",
    "check_names",
    "check_nodes",
    "missing_members",
    "type_name",
]

_T = TypeVar("_T")


def type_name(value: object) -> str:
    """Return the name of ``value``'s type, as error messages show it."""
    return type(value).__name__


def check_count(value: object, name: str, *, minimum: int = 1) -> int:
    """Return ``value`` if it is an int (not a bool) of at least ``minimum``.

    Raises:
        TypeError: It is not an int.
        ValueError: It is below ``minimum``.
    """
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{name} must be an int, got {type_name(value)}")
    if value < minimum:
        raise ValueError(f"{name} must be at least {minimum}, got {value}")
    return value


def check_mapping(value: object, name: str, what: str = "a mapping") -> Mapping[Any, Any]:
    """Return ``value`` if it is a mapping.

    Raises:
        TypeError: It is not; the message says it should be ``what``.
    """
    if not isinstance(value, Mapping):
        raise TypeError(f"{name} must be {what}, got {type_name(value)}")
    return value


def check_names(value: object, name: str, what: str = "names") -> frozenset[str]:
    """Return a collection of names (a string alone is refused, not split into letters).

    Raises:
        TypeError: ``value`` is a string, not iterable, or holds a non-string.
    """
    if isinstance(value, str | bytes) or not isinstance(value, Iterable):
        raise TypeError(f"{name} must be a collection of {what}, got {type_name(value)}")
    names = tuple(value)
    for item in names:
        if not isinstance(item, str):
            raise TypeError(f"{name} must hold {what} (strings), got {type_name(item)}")
    return frozenset(names)


def check_callable(value: _T, name: str) -> _T:
    """Return ``value`` if it can be called.

    Raises:
        TypeError: It cannot.
    """
    if not callable(value):
        raise TypeError(f"{name} must be callable, got {type_name(value)}")
    return value


def missing_members(value: object, protocol: type) -> list[str]:
    """Return the public methods of ``protocol`` that ``value`` lacks, sorted."""
    wanted = (member for member in dir(protocol) if not member.startswith("_"))
    return sorted(m for m in wanted if not callable(getattr(value, m, None)))


def check_nodes(
    value: object, name: str = "nodes", what: str = "a list of DagNode"
) -> tuple[DagNode, ...]:
    """Return the nodes of a pipeline given as an iterable of :class:`DagNode`.

    Raises:
        TypeError: ``value`` is not an iterable (or is a string or a mapping),
            or one of its items is not a DagNode.
    """
    if isinstance(value, str | bytes | Mapping) or not isinstance(value, Iterable):
        raise TypeError(f"{name} must be {what}, got {type_name(value)}")
    nodes = tuple(value)
    for position, node in enumerate(nodes):
        if not isinstance(node, DagNode):
            raise TypeError(
                f"{name}[{position}] must be a DagNode, got {type_name(node)} "
                "(read a pipeline document with dagabaaz.loading.parse_pipeline)"
            )
    return nodes
