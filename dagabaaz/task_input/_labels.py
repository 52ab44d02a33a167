"""How an error names a task's input: its file, its group, or how many files and which.

One wording for every worker (the local runner, the procrastinate worker,
an application's own), so a failure reads the same wherever it is shown:
``movie.mkv: ValueError: bad header``.
"""

from __future__ import annotations

from collections.abc import Sequence

__all__ = [
    "NAMES_SHOWN",
    "NAME_WIDTH",
    "group_label",
    "many_label",
    "shown_name",
    "single_label",
    "with_input",
]

NAMES_SHOWN = 3
"""File names an AGGREGATE task's label lists before saying how many more."""
NAME_WIDTH = 80
"""Characters of one file name shown; a longer name is cut, so a label stays one short line."""


def shown_name(name: str) -> str:
    """Return a file name as a message shows it: control characters escaped, cut when long."""
    if not name.isprintable():
        name = name.encode("unicode_escape").decode("ascii")
    if len(name) > NAME_WIDTH:
        name = name[: NAME_WIDTH - 3] + "..."
    return name


def single_label(file_name: str | None, artifact_id: str) -> str:
    """Name a fan-out task's input: its file name, or the artifact's id when it has none."""
    return shown_name(file_name) if file_name else f"artifact '{shown_name(artifact_id)}'"


def group_label(origin: str, size: int) -> str:
    """Name a grouped task's input: the origin's file and how many artifacts the group gave."""
    return f"group of {origin} ({_inputs(size)})"


def many_label(names: Sequence[str], count: int) -> str:
    """Name an AGGREGATE task's input: how many artifacts, and the first few file names."""
    if count == 0:
        return "no inputs"
    shown = ", ".join(shown_name(name) or "''" for name in names[:NAMES_SHOWN])
    more = count - min(len(names), NAMES_SHOWN)
    return f"{_inputs(count)} ({shown}{f' and {more} more' if more else ''})"


def with_input(label: str | None, message: str) -> str:
    """Return ``message`` led by the input's label: ``movie.mkv: ValueError: bad header``."""
    return message if label is None else f"{label}: {message}"


def _inputs(count: int) -> str:
    return f"{count} input{'' if count == 1 else 's'}"
