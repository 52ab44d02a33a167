"""Reading one top-level entry of a pipeline file again after an edit (``default_input``, ...).

An edit inside the value of a top-level key other than ``nodes`` is read
again alone: in YAML the key's lines, from its line's start to the next
key (parsed as a mapping of one entry, the way the file parses them); in
JSON the value's own text. The value is spliced into the document, every
other span moved by the edit's length, and the top level validated again
without the nodes (nothing a node's checks read is outside ``nodes``):
the nodes and their problems are kept. Whenever the snippet does not read
as that one entry, with the same key at the same place, it says so (None).

An edit inside a top-level key (``default_input`` misspelt, ``nodes``
renamed) reads the key alone, as a scalar of the same kind, and renames
the entry: its value is not read again. When the key becomes ``nodes``,
every node is validated (the file is not parsed again).
"""

from __future__ import annotations

import dataclasses
import re
from typing import Any

from pydantic import ValidationError

from dagabaaz.errors import PipelineFileError
from dagabaaz.loading._model_errors import describe_errors
from dagabaaz.loading._parsing import parse_json
from dagabaaz.loading._reading import PipelineReading, missing_part, placed_problem, reading_of
from dagabaaz.loading._sourcemap import Entry, SourceMap
from dagabaaz.loading._splice import (
    UNREADABLE,
    by_place,
    moved_problems,
    pipeline_of,
    read_scalar,
    replaced_data,
)
from dagabaaz.models import Pipeline

__all__ = ["reread_key", "reread_section"]

_LINE_BREAK = re.compile("[\n\r\x85\u2028\u2029]")
_LONGEST_KEY = 1000
"""Longer keys are not read alone: YAML limits a key on its line to 1024 characters."""

_DOCUMENT_MARKER = re.compile(r"(?:^|[\n\r\x85\u2028\u2029])(?:---|\.\.\.)")


def reread_section(
    reading: PipelineReading, text: str, start: int, old_end: int, new_end: int
) -> PipelineReading | None:
    """Return the reading of ``text`` when the edit stayed inside one top-level value."""
    positions = reading.positions
    data = reading.data
    assert positions is not None
    if reading.listed or not isinstance(data, dict) or () in positions.flow:
        return None
    keys = list(data)
    if not all(isinstance(key, str) for key in keys):
        return None
    delta = new_end - old_end
    if positions.syntax == "json":
        found = _json_section(reading, text, keys, start, old_end, delta)
    else:
        found = _yaml_section(reading, text, keys, start, old_end, delta)
    if found is None:
        return None
    key, value, moved = found
    data = replaced_data(data, (key,), value)
    return _validated(reading, text, moved, data, old_end, delta)


def reread_key(
    reading: PipelineReading, text: str, start: int, old_end: int, new_end: int
) -> PipelineReading | None:
    """Return the reading of ``text`` when the edit stayed inside one top-level key."""
    positions = reading.positions
    data = reading.data
    assert positions is not None
    if reading.listed or not isinstance(data, dict) or () in positions.flow:
        return None
    old = reading.text
    for key in data:
        if not isinstance(key, str):
            return None
        entry = positions.entry((key,))
        if entry is None or entry.key_start is None or entry.key_end is None:
            return None
        low, high = entry.key_start, entry.key_end
        style = old[low] if old[low] in "'\"" else ""
        inside = low < start and old_end < high if style else low <= start and old_end <= high
        if inside:
            break
    else:
        return None
    delta = new_end - old_end
    raw = text[low : high + delta]
    line_start = _line_start(old, low)
    if len(raw) > _LONGEST_KEY or _LINE_BREAK.search(raw):
        return None  # a key on its line is one line long, and not too long
    if positions.syntax == "yaml" and old[line_start:low].strip(" "):
        return None
    name = read_scalar(raw, positions.syntax, style, in_flow=False)
    if name is UNREADABLE or not isinstance(name, str) or name in data:
        return None
    moved = positions.renamed(text, (key,), name, start, old_end, delta)
    renamed = {name if current == key else current: value for current, value in data.items()}
    if name == "nodes":  # the nodes appear: all of them are validated
        return reading_of(text, reading.syntax, moved, renamed)
    return _validated(reading, text, moved, renamed, old_end, delta)


def _json_section(
    reading: PipelineReading, text: str, keys: list[str], start: int, old_end: int, delta: int
) -> tuple[str, Any, SourceMap] | None:
    positions = reading.positions
    assert positions is not None
    for key in keys:
        entry = positions.entry((key,))
        if entry is None:
            return None
        if not entry.start < start <= old_end < entry.end:
            continue
        if key == "nodes":
            return None
        # A JSON value is read the same alone: its first and last characters stayed.
        snippet = text[entry.start : entry.end + delta]
        try:
            value = parse_json(snippet, "<edit>")
        except PipelineFileError:
            return None
        part = SourceMap.from_json(snippet)
        moved = positions.replaced(text, (key,), part, entry.start, entry.end, delta)
        return key, value, moved
    return None


def _yaml_section(
    reading: PipelineReading, text: str, keys: list[str], start: int, old_end: int, delta: int
) -> tuple[str, Any, SourceMap] | None:
    positions = reading.positions
    assert positions is not None
    old = reading.text
    bounds = _yaml_bounds(positions, old, keys, start, old_end)
    if bounds is None:
        return None
    key, entry, snippet_start, snippet_end = bounds
    assert entry.key_start is not None
    snippet = text[snippet_start : snippet_end + delta]
    if _DOCUMENT_MARKER.search(snippet):
        return None  # a '---' or '...' line ends the document in the file, not in the snippet
    parsed = _yaml_entry(snippet, key, entry.key_start - snippet_start)
    if parsed is None:
        return None
    value, part = parsed
    moved = positions.replaced(text, (key,), part, snippet_start, snippet_end, delta, (key,))
    return key, value, moved


def _yaml_bounds(
    positions: SourceMap, old: str, keys: list[str], start: int, old_end: int
) -> tuple[str, Entry, int, int] | None:
    """Return the entry holding the edit, where its lines start, and where the next key is."""
    entries = [positions.entry((key,)) for key in keys]
    root = positions.entry(())
    if root is None or any(entry is None or entry.key_start is None for entry in entries):
        return None
    for index, key in enumerate(keys):
        entry = entries[index]
        assert entry is not None and entry.key_start is not None
        if index + 1 < len(entries):
            following = entries[index + 1]
            assert following is not None and following.key_start is not None
            snippet_end = following.key_start
            limit = _line_start(old, snippet_end)
            if old[limit:snippet_end].strip(" "):
                return None  # something other than indentation before the next key ('? ')
            inside = entry.key_start < start and old_end < limit
        else:
            if root.end != len(old):
                return None  # something follows the mapping ('...')
            snippet_end = len(old)
            inside = entry.key_start < start and old_end <= snippet_end
        if not inside:
            continue
        if key == "nodes":
            return None
        snippet_start = _line_start(old, entry.key_start)
        if old[snippet_start : entry.key_start].strip(" "):
            return None
        return key, entry, snippet_start, snippet_end
    return None


def _line_start(text: str, offset: int) -> int:
    return text.rfind("\n", 0, offset) + 1


def _yaml_entry(snippet: str, key: str, key_start: int) -> tuple[Any, SourceMap] | None:
    """Parse one top-level entry's lines alone; None unless they are ``key`` and its value."""
    from dagabaaz.loading._yaml import YamlError, load_yaml

    try:
        data, root = load_yaml(snippet, fast_only=True)
    except (YamlError, RecursionError):
        return None
    if not isinstance(data, dict) or list(data) != [key] or root.flow_style:
        return None
    if len(root.value) != 1 or root.end_mark.index != len(snippet):
        return None
    key_node = root.value[0][0]
    if key_node.start_mark.index != key_start or key_node.value != key:
        return None
    part = SourceMap.from_yaml(snippet, root)
    if not part.exact:
        return None
    return data[key], part


def _validated(
    reading: PipelineReading,
    text: str,
    positions: SourceMap,
    data: dict[str, Any],
    old_end: int,
    delta: int,
) -> PipelineReading:
    """Return the reading with the top level validated again, the nodes' problems kept."""
    nodes_listed = isinstance(data.get("nodes"), list)
    shell = dict(data)
    if nodes_listed:
        shell["nodes"] = []  # the nodes and their problems did not change: keep them
    kept = [
        placed
        for placed in zip(reading.problems, reading.problem_spans, strict=True)
        if nodes_listed and placed[0].path[:1] == ("nodes",)
    ]
    placed = moved_problems(kept, positions, old_end, delta)
    covered = [part for part in reading.covered if nodes_listed and part[:1] == ("nodes",)]
    nodes = reading.nodes if nodes_listed else ()  # without a list of nodes, none is read
    current = dataclasses.replace(reading, text=text)
    validated: Pipeline | None = None
    try:
        validated = Pipeline.model_validate(shell)
    except ValidationError as error:
        for described in describe_errors(error, Pipeline):
            placed.append(placed_problem(current, positions, described.path, described))
            covered.append(missing_part(described.path, described))
    placed = by_place(placed)
    pipeline = None
    if not placed and validated is not None:
        pipeline = pipeline_of(nodes, validated.default_input, validated.model_fields_set)
    return dataclasses.replace(
        reading,
        text=text,
        positions=positions,
        nodes=nodes,
        problems=tuple(problem for problem, _ in placed),
        problem_spans=tuple(span for _, span in placed),
        data=data,
        pipeline=pipeline,
        covered=tuple(covered),
    )
