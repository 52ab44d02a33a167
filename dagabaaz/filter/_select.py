"""What ``select`` keeps, and how artifacts split by origin: the filter's non-rule steps."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Final, Protocol, TypeVar

from dagabaaz._runtime.numbers import Number, compare_numbers
from dagabaaz.constants import ArtifactSelector
from dagabaaz.filter._rules import FilterableArtifact

__all__ = ["GroupableArtifact", "partition_by_origin", "select_artifacts"]


class GroupableArtifact(Protocol):
    """What :func:`group_by_origin` reads from an artifact."""

    @property
    def origin_artifact_id(self) -> str | None:
        """The root output this artifact descends from; None for a broadcast."""
        ...


A = TypeVar("A", bound=FilterableArtifact)
G = TypeVar("G", bound=GroupableArtifact)


def select_artifacts(artifacts: Iterable[A], selector: ArtifactSelector | None) -> list[A]:
    """Keep the largest or smallest artifact by ``file_size``, or all when ``selector`` is None.

    Artifacts without a size never win, so the result is empty when none is
    sized; on a tie the first in order wins.

    Raises:
        ValueError: ``selector`` is not an :class:`~dagabaaz.constants.ArtifactSelector`.
    """
    if selector is None:
        return list(artifacts)
    if selector not in _SELECTOR_SIGN:
        raise ValueError(
            f"unknown artifact selector {selector!r}: expected 'largest' or 'smallest'"
        )
    sign = _SELECTOR_SIGN[ArtifactSelector(selector)]
    best: A | None = None
    best_size: Number = 0
    for artifact in artifacts:
        size = _size_of(artifact)
        if size is not None and (best is None or compare_numbers(size, best_size) == sign):
            best, best_size = artifact, size
    return [] if best is None else [best]


def partition_by_origin(artifacts: Iterable[G]) -> dict[str | None, list[G]]:
    """Split artifacts by ``origin_artifact_id``, parts in first-appearance order.

    The key None holds the broadcast artifacts, those without an origin.
    """
    parts: dict[str | None, list[G]] = {}
    for artifact in artifacts:
        parts.setdefault(getattr(artifact, "origin_artifact_id", None), []).append(artifact)
    return parts


_SELECTOR_SIGN: Final = {ArtifactSelector.LARGEST: 1, ArtifactSelector.SMALLEST: -1}


def _size_of(artifact: object) -> Number | None:
    size = getattr(artifact, "file_size", None)
    if isinstance(size, bool) or not isinstance(size, int | float):
        return None
    return size if compare_numbers(size, 0) is not None else None
