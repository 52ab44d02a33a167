"""Edits that change no value: a comment, blank lines, whitespace between JSON values.

Such an edit only moves what follows it, so nothing is parsed or validated
again: every span at or past the edit moves by its length, every problem's
line and column are found again, and the rest of the reading is kept.

What counts, proved from the text alone:

* JSON: the removed and the inserted text are JSON whitespace, and no
  string, number, literal or key lost a character or got one inside it;
* YAML: whole lines put in or taken out between two lines, each blank or a
  comment (spaces, then ``#``, then anything printable on that line), not
  inside a scalar, a key or a flow collection nor at the edge of a block
  scalar (whose trailing blank lines can be its text); or an edit inside
  such lines that leaves them such lines, none of them inside or at the
  edge of a scalar, a key or a flow collection.

An insertion or a deletion can be placed in more than one way (a blank
line put after a line is one put before the next): each way is tried.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterator

from dagabaaz.errors import FileProblem
from dagabaaz.loading._reading import PipelineReading, first_line_end
from dagabaaz.loading._sourcemap import SourceMap

__all__ = ["reread_trivia"]

_JSON_WHITESPACE = " \t\n\r"
_SLIDES = 16
"""How far left an insertion or a deletion is moved to find a place where it changes no value."""
_TRIVIA_LINE = re.compile(r" *(?:#.*)?")
# What YAML reads as a line break besides "\n", and what it refuses to read at all.
_OTHER_BREAKS = re.compile("[\r\x85\u2028\u2029]")
_NON_PRINTABLE = re.compile(
    "[^\x09\x0a\x0d\x20-\x7e\x85\xa0-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]"
)


def reread_trivia(
    reading: PipelineReading, text: str, start: int, old_end: int, new_end: int
) -> PipelineReading | None:
    """Return the reading of ``text`` when the edit changed no value of the file; else None."""
    positions = reading.positions
    assert positions is not None
    old = reading.text
    for placed in _placements(old, text, start, old_end, new_end):
        free = _json_free if positions.syntax == "json" else _yaml_free
        if free(old, text, *placed, positions):
            return _moved(reading, text, *placed)
    return None


def _placements(
    old: str, new: str, start: int, old_end: int, new_end: int
) -> Iterator[tuple[int, int, int]]:
    """Yield the ways to place the edit, the one found first, then each one further left."""
    yield start, old_end, new_end
    if start not in (old_end, new_end):
        return  # a replacement has one place
    source, end = (new, new_end) if start == old_end else (old, old_end)
    for _ in range(_SLIDES):
        if start == 0 or source[start - 1] != source[end - 1]:
            return
        start, old_end, new_end, end = start - 1, old_end - 1, new_end - 1, end - 1
        yield start, old_end, new_end


def _moved(
    reading: PipelineReading, text: str, start: int, old_end: int, new_end: int
) -> PipelineReading:
    positions = reading.positions
    assert positions is not None
    delta = new_end - old_end
    moved = positions.moved(text, start, old_end, delta)
    problems: list[FileProblem] = []
    spans: list[tuple[int, int] | None] = []
    for problem, span in zip(reading.problems, reading.problem_spans, strict=True):
        if span is not None:
            span = _respanned(reading, moved, problem, span, (start, old_end, delta))
            line, column = moved.line_column(span[0])
            problem = dataclasses.replace(problem, line=line, column=column)
        problems.append(problem)
        spans.append(span)
    return dataclasses.replace(
        reading, text=text, positions=moved, problems=tuple(problems), problem_spans=tuple(spans)
    )


def _respanned(
    reading: PipelineReading,
    moved: SourceMap,
    problem: FileProblem,
    span: tuple[int, int],
    edit: tuple[int, int, int],
) -> tuple[int, int]:
    """Return a problem's span in the new text: a value's first line, or a key, moved."""
    positions = reading.positions
    assert positions is not None
    found = positions.nearest(problem.path)
    if found is not None:
        entry = found[1]
        if span == (entry.start, first_line_end(reading.text, entry.start, entry.end)):
            # The first line of the value: a line break put in or taken out moves its end.
            now = moved.nearest(problem.path)
            assert now is not None
            return now[1].start, first_line_end(moved.text, now[1].start, now[1].end)
    start, old_end, delta = edit
    low, high = span  # a key: it moves as keys do
    low = low + delta if low >= old_end else low
    high = high + delta if high >= old_end and high != start else high
    return low, high


def _json_free(
    old: str, new: str, start: int, old_end: int, new_end: int, positions: SourceMap
) -> bool:
    if old[start:old_end].strip(_JSON_WHITESPACE) or new[start:new_end].strip(_JSON_WHITESPACE):
        return False
    return not positions.touches(start, old_end)


def _yaml_free(
    old: str, new: str, start: int, old_end: int, new_end: int, positions: SourceMap
) -> bool:
    if start in (old_end, new_end):  # lines put in or taken out, between two lines
        source, end = (new, new_end) if start == old_end else (old, old_end)
        piece = source[start:end]
        lines = None
        if (start == 0 or source[start - 1] == "\n") and piece.endswith("\n"):
            lines = piece[:-1]
        elif (end == len(source) or source[end] == "\n") and piece.startswith("\n"):
            lines = piece[1:]
        if (
            lines is not None
            and _trivia(lines)
            and not positions.touches(start, old_end, flow=True)
        ):
            return True
    # An edit inside blank or comment lines that leaves them such lines.
    first = old.rfind("\n", 0, start) + 1
    last = old.find("\n", old_end)
    last = len(old) if last < 0 else last
    if not _trivia(old[first:last]):
        return False
    new_last = new.find("\n", new_end)
    if not _trivia(new[first : len(new) if new_last < 0 else new_last]):
        return False
    # Widened by one each side: a span ending where the lines start touches them.
    return not positions.touches(first - 1, last + 1, flow=True)


def _trivia(lines: str) -> bool:
    """Whether ``lines`` are blank or comment lines, with no other line break, all printable."""
    if _OTHER_BREAKS.search(lines) or _NON_PRINTABLE.search(lines):
        return False
    return all(_TRIVIA_LINE.fullmatch(line) for line in lines.split("\n"))
