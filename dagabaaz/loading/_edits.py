"""Reading a pipeline file again after an edit, without reading all of it again.

An editor reads the file after every keystroke. Most edits stay inside one
value (typing in an expression, a slug, a plugin name), and most of the rest
inside one node. :func:`reread` finds the edit by comparing the two texts
and reads again only what it touched: nothing when it changed no value (a
comment, blank lines, whitespace: :mod:`._trivia`), that one value, that
one node (its lines alone, parsed as the file would parse them), that one
top-level value such as ``default_input``, or that one top-level key
(:mod:`._sections`). An edit that makes YAML invalid has its error found
without reading the nodes before it (:mod:`._broken`). It moves
every other span by the edit's length and keeps everything else. Where it
cannot be sure the file would read the same (the edit touches a key between
nodes, the structure, a line break in a value), it says so (None) and the
caller reads the whole file: the result is always what reading the new text
from the start gives.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from pydantic import ValidationError

from dagabaaz.errors import PipelineFileError
from dagabaaz.loading._broken import reread_broken
from dagabaaz.loading._model_errors import describe_errors
from dagabaaz.loading._parsing import parse_json
from dagabaaz.loading._reading import (
    PipelineReading,
    missing_part,
    placed_problem,
    salvaged_node,
)
from dagabaaz.loading._sections import reread_key, reread_section
from dagabaaz.loading._sourcemap import Path, SourceMap
from dagabaaz.loading._splice import (
    UNREADABLE,
    Placed,
    by_place,
    moved_problems,
    pipeline_of,
    read_scalar,
    replaced_data,
)
from dagabaaz.loading._trivia import reread_trivia
from dagabaaz.models import DagNode, Pipeline

__all__ = ["changed", "reread"]


def reread(reading: PipelineReading, text: str) -> PipelineReading | None:
    """Return the reading of ``text``, an edit of ``reading.text``; None to read it all again."""
    positions = reading.positions
    if positions is None or reading.data is None or not (positions.exact and positions.fast):
        return None
    if text == reading.text:
        return reading
    start, old_end, new_end = changed(reading.text, text)
    found = reread_trivia(reading, text, start, old_end, new_end)
    if found is None and not reading.problems:
        found = _value(reading, text, start, old_end, new_end)
    if found is None:
        found = _node(reading, text, start, old_end, new_end)
    if found is None:
        found = reread_key(reading, text, start, old_end, new_end)
    if found is None:
        found = reread_section(reading, text, start, old_end, new_end)
    if found is None and reading.syntax == "yaml":
        found = reread_broken(reading, text, start, old_end, new_end)
    return found


def changed(old: str, new: str) -> tuple[int, int, int]:
    """Return where ``old`` and ``new`` start to differ, and where the difference ends in each."""
    low, high = 0, min(len(old), len(new))
    while low < high:  # the longest common prefix, compared in halves (C-speed slices)
        middle = (low + high + 1) // 2
        if old[:middle] == new[:middle]:
            low = middle
        else:
            high = middle - 1
    prefix = low
    low, high = 0, min(len(old), len(new)) - prefix
    while low < high:
        middle = (low + high + 1) // 2
        if old[len(old) - middle :] == new[len(new) - middle :]:
            low = middle
        else:
            high = middle - 1
    return prefix, len(old) - low, len(new) - low


# --- one value -------------------------------------------------------------------------


def _value(
    reading: PipelineReading, text: str, start: int, old_end: int, new_end: int
) -> PipelineReading | None:
    """Read again the one scalar of a node the edit stayed inside (no line break changed)."""
    positions = reading.positions
    assert positions is not None
    if "\n" in reading.text[start:old_end] or "\n" in text[start:new_end]:
        return None
    path = positions.scalar_around(start, old_end)
    if path is None:
        return None
    entry = positions.entry(path)
    assert entry is not None and entry.style is not None
    quoted = entry.style in ("'", '"')
    if quoted and not (entry.start < start and old_end < entry.end):
        return None  # the quotes themselves were edited
    delta = new_end - old_end
    raw = text[entry.start : entry.end + delta]
    value = read_scalar(raw, positions.syntax, entry.style, in_flow=path[:-1] in positions.flow)
    if value is UNREADABLE:
        return None
    index = _node_index(reading, path)
    if index is None:
        return None
    data = replaced_data(reading.data, path, value)
    items = data if reading.listed else data["nodes"]
    try:
        node = DagNode.model_validate(items[index])
    except ValidationError:
        return None
    nodes = list(reading.nodes)
    nodes[index] = node
    stored = _scalar_text(raw, entry.style, value) if positions.syntax == "yaml" else None
    moved = positions.shifted(text, path, stored, delta)
    return dataclasses.replace(
        reading,
        text=text,
        positions=moved,
        nodes=tuple(nodes),
        data=data,
        pipeline=_pipeline(reading, nodes),
    )


def _node_index(reading: PipelineReading, path: Path) -> int | None:
    pipeline_path = ("nodes", *path) if reading.listed else path
    if len(pipeline_path) < 3 or pipeline_path[0] != "nodes":
        return None
    index = pipeline_path[1]
    return index if isinstance(index, int) else None


def _pipeline(reading: PipelineReading, nodes: list[DagNode | None]) -> Pipeline | None:
    """Return the pipeline of a reading without problems, its nodes already validated."""
    if reading.pipeline is None:
        return None
    before = reading.pipeline
    return pipeline_of(nodes, before.default_input, before.model_fields_set)


def _scalar_text(raw: str, style: str, value: Any) -> str | None:
    """Return the text a YAML scalar's entry keeps (PyYAML's view of it)."""
    if isinstance(value, str):
        return value
    return raw if style == "" else None


# --- one node --------------------------------------------------------------------------


def _node(
    reading: PipelineReading, text: str, start: int, old_end: int, new_end: int
) -> PipelineReading | None:
    """Read again the one node the edit stayed inside: its lines alone, then spliced in."""
    positions = reading.positions
    assert positions is not None
    listed_path: Path = () if reading.listed else ("nodes",)
    listed = positions.entry(listed_path)
    if listed is None or listed.style is not None or not isinstance(_items(reading), list):
        return None
    holding = _holding(reading, listed_path, start, old_end)
    if holding is None:
        return None
    index, snippet_start = holding
    node_path = (*listed_path, index)
    entry = positions.entry(node_path)
    assert entry is not None
    delta = new_end - old_end
    snippet_end = entry.end + delta
    if positions.syntax == "json":
        parsed = _json_node(text[snippet_start:snippet_end])
    else:
        # From the item's "- " line to where the file's own reading ends it (the
        # next item's indentation included), so its spans come out as the file's.
        parsed = _yaml_node(text[snippet_start:snippet_end])
    if parsed is None:
        return None
    item, snippet_map = parsed
    under: Path = () if positions.syntax == "json" else (0,)  # YAML: a sequence of one item
    moved = positions.replaced(text, node_path, snippet_map, snippet_start, entry.end, delta, under)
    return _spliced(reading, text, moved, index, item, delta, entry.end)


def _items(reading: PipelineReading) -> Any:
    return reading.data if reading.listed else reading.data.get("nodes")


def _holding(
    reading: PipelineReading, listed_path: Path, start: int, end: int
) -> tuple[int, int] | None:
    """Return the node whose own text holds the edit ``start:end``, and where that text starts.

    A JSON node's text is its object. A YAML node's starts at the line of its
    ``- `` (where the node before it ends) and runs up to the line of the
    next one: an edit after the ``- `` (even of a first key on the next line)
    is inside it.
    """
    positions = reading.positions
    assert positions is not None
    text = reading.text
    listed = positions.entry(listed_path)
    assert listed is not None
    dash = listed.start  # a block list starts at its first '-'
    for index in range(len(_items(reading))):
        entry = positions.entry((*listed_path, index))
        if entry is None:
            return None
        if positions.syntax == "json":
            if entry.start < start and end < entry.end:
                return index, entry.start
        else:
            line = text.rfind("\n", 0, dash) + 1
            if text[dash : dash + 1] == "-" and not text[line:dash].strip(" "):
                first = dash + 1
            else:  # not a '- ' starting its line: the node's own first line, after its start
                first, line = entry.start + 1, text.rfind("\n", 0, entry.start) + 1
            dash = entry.end  # a block mapping ends where the next item's '-' is
            if first <= start and end < _limit(text, entry.start, entry.end):
                return index, line
        if entry.start >= end:
            return None
    return None


def _limit(text: str, start: int, end: int) -> int:
    """Where a YAML node's own text stops: its end, or the line start of the next item."""
    line_start = text.rfind("\n", start, end) + 1
    if line_start > 0 and not text[line_start:end].strip():
        return line_start  # the indentation of the next item's line is not this node's
    return end


def _json_node(snippet: str) -> tuple[Any, SourceMap] | None:
    if not snippet.startswith("{") or not snippet.endswith("}"):
        return None
    try:
        item = parse_json(snippet, "<edit>")
    except PipelineFileError:
        return None
    return item, SourceMap.from_json(snippet)


def _yaml_node(snippet: str) -> tuple[Any, SourceMap] | None:
    """Parse one sequence item's lines (its ``- `` included) as the file would parse them."""
    from dagabaaz.loading._yaml import YamlError, load_yaml

    try:
        data, root = load_yaml(snippet, fast_only=True)
    except (YamlError, RecursionError):
        return None
    if not isinstance(data, list) or len(data) != 1 or root.flow_style:
        return None
    whole = SourceMap.from_yaml(snippet, root)
    item = whole.entry((0,))
    if item is None or snippet[item.end :].strip():
        return None
    return data[0], whole


def _spliced(
    reading: PipelineReading,
    text: str,
    positions: SourceMap,
    index: int,
    item: Any,
    delta: int,
    old_end: int,
) -> PipelineReading | None:
    """Return the reading with node ``index`` replaced, its problems found again."""
    data = replaced_data(reading.data, (index,) if reading.listed else ("nodes", index), item)
    own = ("nodes", index)
    others = [
        placed
        for placed in zip(reading.problems, reading.problem_spans, strict=True)
        if (("nodes", *placed[0].path) if reading.listed else placed[0].path)[:2] != own
    ]
    kept = moved_problems(others, positions, old_end, delta)
    covered = [part for part in reading.covered if part[:2] != own]
    node: DagNode | None
    try:
        node = DagNode.model_validate(item)
    except ValidationError as error:
        found, parts = _node_problems(reading, positions, text, index, error)
        kept.extend(found)
        covered.extend(parts)
        node = salvaged_node(item, [part[2:] for part in parts])
    kept = by_place(kept)
    nodes = list(reading.nodes)
    nodes[index] = node
    problems = tuple(problem for problem, _ in kept)
    pipeline = None
    if not problems:
        pipeline = _whole(reading, data, nodes)
    return dataclasses.replace(
        reading,
        text=text,
        positions=positions,
        nodes=tuple(nodes),
        problems=problems,
        problem_spans=tuple(span for _, span in kept),
        data=data,
        pipeline=pipeline,
        covered=tuple(covered),
    )


def _whole(reading: PipelineReading, data: Any, nodes: list[DagNode | None]) -> Pipeline | None:
    """Return the pipeline of a file without problems, validating again only what it must."""
    if reading.pipeline is not None:  # the other nodes and default_input were valid already
        before = reading.pipeline
        return pipeline_of(nodes, before.default_input, before.model_fields_set)
    try:
        return Pipeline.model_validate({"nodes": data} if reading.listed else data)
    except ValidationError:  # pragma: no cover - no problem was found: it validates
        return None


def _node_problems(
    reading: PipelineReading,
    positions: SourceMap,
    text: str,
    index: int,
    error: ValidationError,
) -> tuple[list[Placed], list[Path]]:
    found: list[Placed] = []
    parts: list[Path] = []
    # Placed against the new text: the reading's own is the text before the edit.
    current = dataclasses.replace(reading, text=text)
    for described in describe_errors(error, DagNode):
        path = ("nodes", index, *described.path)
        found.append(placed_problem(current, positions, path, described))
        parts.append(missing_part(path, described))
    return found, parts
