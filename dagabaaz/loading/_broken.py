"""A YAML file an edit made invalid: its error found without reading the nodes before the edit.

When the file does not parse, a fresh read reports PyYAML's own error
(libyaml only says that it failed), and the pure-Python reader walks the
whole file up to the mistake: tens of milliseconds for a mistake deep in a
large pipeline. Everything before the edit is unchanged and read fine, so
the readers are in the same state at the start of the line of the last node
that begins before the edit (its ``- `` closes whatever the nodes before it
left open), whatever those nodes say. The file is read again with those
nodes cut down to one placeholder item (``- x``, where the list starts):
both readers fail on that text exactly as on the file, at the same places
once the cut lines are counted back in.

Typing a quote opens a string that runs on to the end of the file unless a
later quote closes it, and reading that is slow too. When the nodes after
the edited one hold no quote of that kind, no backslash (an escape can be
wrong) and no ``---`` or ``...`` line, both readers run through them to the
end of the file and fail there: they are cut as well, and the error's
end-of-file mark is put at the file's end.

Whenever this cannot be shown (the readers accept the shorter text, the
error points into the placeholder), it says so (None) and the whole file is
read. The cut lines were read by libyaml alone, and PyYAML reads them when
the file is read whole: they must be plain YAML both read alike (no tab,
anchor, tag, '?' key or escape; see ``_read_alike``).
"""

from __future__ import annotations

import re
from typing import Any

from dagabaaz.loading._parsing import yaml_problem
from dagabaaz.loading._reading import PipelineReading, line_span
from dagabaaz.loading._sourcemap import Path

__all__ = ["reread_broken"]

_PLACEHOLDER = "- x\n"
_LINE_BREAK = re.compile("\r\n|[\n\r\x85\u2028\u2029]")
"""What YAML counts as a line break (its marks count lines so)."""
# The lines cut must be plain YAML both readers read alike (libyaml read them
# alone; a fresh read's PyYAML reads them too): block mappings and lists of
# plain words, plain values, quoted strings without escapes, flow lists and
# mappings of those, block scalars, comments. No tab, anchor, alias, tag,
# '?' key, directive or document marker.
_WORD = r"[A-Za-z0-9_][A-Za-z0-9_.-]*"
_QUOTED = r"(?:'(?:[^'\n]|'')*'|\"[^\"\\\n]*\")"
_ITEM = rf"(?:{_WORD}|{_QUOTED})"
_PAIR = rf"{_WORD}: +{_ITEM}"
_FLOW = rf"(?:\[ *(?:{_ITEM}(?: *, *{_ITEM})*)? *\]|\{{ *(?:{_PAIR}(?: *, *{_PAIR})*)? *\}})"
_PLAIN = r"(?:[^-?:,\[\]{}#&*!|>'\"%@`\s](?:(?!: |:$| #)[^\t\n])*)"
_AGREED_LINE = re.compile(
    rf" *(?:- +)*(?:{_ITEM} *:(?: +|$))?(?:{_PLAIN}|{_QUOTED}|{_FLOW}|(?P<block>[|>][-+]?))?"
    r"(?: +#[^\t\n]*)?| *#[^\t\n]*"
)
_MARKER = re.compile(r"(?:---|\.\.\.)(?:\s|$)")
_UNREAD = re.compile("[\t\r\x85\u2028\u2029\ufeff]")
_SEPARATOR = re.compile(r"(?:^|[\n\r\x85\u2028\u2029])(?:---|\.\.\.)")
"""A line starting like a document separator: it ends a quoted string with an error."""


class _Cut:
    """The text with some nodes' lines cut, and how to put its marks back in the file."""

    def __init__(self, text: str, first_line: int = 0, indent: str | None = None, cut_end: int = 0):
        """Cut ``first_line:cut_end`` down to a placeholder item indented by ``indent``.

        Without ``indent``, nothing is cut (the text is only cut at its end).
        """
        placeholder = "" if indent is None else indent + _PLACEHOLDER
        self.text = text
        self.protected = first_line + len(placeholder) - len(_PLACEHOLDER) if placeholder else -1
        self.kept = first_line + len(placeholder)  # where the text after the cut starts
        self.cut_end = cut_end
        self.characters = cut_end - self.kept
        # The placeholder keeps one line of those cut.
        lines = len(_LINE_BREAK.findall(text, first_line, cut_end))
        self.lines = lines - 1 if placeholder else 0
        self.head = text[:first_line] + placeholder

    def shorter(self, end: int | None = None) -> str:
        """Return the text with the nodes cut (and cut at ``end`` of the file too, if given)."""
        return self.head + self.text[self.cut_end : end]

    def apply(self, error: Any) -> bool:
        """Move the error's marks into the file; False when one points into the placeholder."""
        from yaml.error import Mark

        for name in ("context_mark", "problem_mark"):
            mark = getattr(error, name, None)
            if mark is None:
                continue
            if mark.index >= self.kept:
                index, line = mark.index + self.characters, mark.line + self.lines
                moved = Mark(mark.name, index, line, mark.column, None, None)  # type: ignore[arg-type]
                setattr(error, name, moved)
            elif mark.index > self.protected:
                return False
        return True


def reread_broken(
    reading: PipelineReading, text: str, start: int, old_end: int, new_end: int
) -> PipelineReading | None:
    """Return the reading of ``text`` when the edit made the YAML invalid; else None."""
    positions = reading.positions
    assert positions is not None
    listed_path: Path = () if reading.listed else ("nodes",)
    if not reading.listed and not isinstance(reading.data, dict):
        return None
    items = reading.data if reading.listed else reading.data.get("nodes")
    listed = positions.entry(listed_path)
    if listed is None or listed.style is not None or listed_path in positions.flow:
        return None
    if not isinstance(items, list) or not items:
        return None
    # Offsets of the reading before the edit: the same in the new text up to the edit.
    first_line = reading.text.rfind("\n", 0, listed.start) + 1
    indent = reading.text[first_line : listed.start]
    if indent.strip(" "):
        return None  # the list does not start its line (its '-' follows a key)
    lines = _item_lines(reading, listed_path, len(items), indent)
    if lines is None:
        return None
    if not _printable(text):
        return None  # PyYAML refuses a character of the file: read it whole for the message
    before = [line for line in lines if line + len(indent) + 1 < start]
    cut = _Cut(text)  # the edit before the second node: nothing to cut before it
    if len(before) >= 2:
        cut = _Cut(text, first_line, indent, before[-1])
        if cut.kept >= cut.cut_end:
            return None  # the nodes cut are no longer than the placeholder
        if not _read_alike(text[first_line : cut.cut_end]):
            return None  # lines libyaml and PyYAML may read apart: read the file whole
    later = [line + new_end - old_end for line in lines if line > old_end]
    error = _open_to_the_end(cut, later[0]) if later else None
    if error is None:
        if cut.characters == 0:
            return None  # nothing cut: the whole file is read
        error = _first_error(cut.shorter())
        if error is None or not cut.apply(error):
            return None
    problem = yaml_problem(error, text)
    return PipelineReading(
        text, "yaml", None, problems=(problem,), problem_spans=(line_span(text, problem),)
    )


def _read_alike(lines: str) -> bool:
    """Whether ``lines`` are plain YAML that libyaml and PyYAML read alike (see above)."""
    if _UNREAD.search(lines):
        return False
    block = -1  # inside a block scalar: the indentation of the line that opened it
    for line in lines.split("\n"):
        indent = len(line) - len(line.lstrip(" "))
        if block >= 0 and (not line.strip() or indent > block):
            continue  # a block scalar's text, or a blank line
        block = -1
        if _MARKER.match(line):
            return False
        found = _AGREED_LINE.fullmatch(line)
        if found is None:
            return False
        if found.group("block"):
            block = indent
    return True


def _item_lines(
    reading: PipelineReading, listed_path: Path, count: int, indent: str
) -> list[int] | None:
    """Return where each node's line starts, for the nodes whose line starts with their ``- ``.

    The ``- `` at the list's column closes whatever the node before it left
    open: the readers are between two items there, as after the placeholder.
    """
    positions = reading.positions
    assert positions is not None
    old = reading.text
    dash = len(indent)
    found = []
    for index in range(count):
        entry = positions.entry((*listed_path, index))
        if entry is None:
            return None
        line = old.rfind("\n", 0, entry.start) + 1
        if old[line : line + dash] == indent and old[line + dash : line + dash + 2] in (
            "- ",
            "-\n",
        ):
            found.append(line)
    return found


def _open_to_the_end(cut: _Cut, after: int) -> Exception | None:
    """Return the error of a quote the edit left open, when nothing after ``after`` closes it."""
    shorter = cut.shorter(after)
    error: Any = _first_error(shorter)
    if error is None or error.context != "while scanning a quoted scalar":
        return None
    if error.problem != "found unexpected end of stream" or error.context_mark is None:
        return None
    opened = error.context_mark.index
    rest = cut.text[after:]
    quote = shorter[opened]
    if opened < cut.kept or quote not in "'\"":
        return None
    if quote in rest or (quote == '"' and "\\" in rest) or _SEPARATOR.search(rest):
        return None
    if not cut.apply(error):  # pragma: no cover - the quote is past the placeholder
        return None
    error.problem_mark = _end_mark(cut.text, error.problem_mark)
    return error  # type: ignore[no-any-return]


def _end_mark(text: str, like: Any) -> Any:
    """Return the mark a YAML reader has at the end of ``text``."""
    from yaml.error import Mark

    breaks = list(_LINE_BREAK.finditer(text))
    line_start = breaks[-1].end() if breaks else 0
    column = len(text) - line_start - text.count("\ufeff", line_start)
    return Mark(like.name, len(text), len(breaks), column, None, None)  # type: ignore[arg-type]


def _first_error(text: str) -> Exception | None:
    """Return the error reading ``text`` raises, as a fresh read of it does; None if it reads.

    libyaml first, then (when it fails) PyYAML for the message, each parsing
    and building the data: a duplicate key is only found building it.
    """
    from dagabaaz.loading._yaml import YamlError, read_yaml

    try:
        read_yaml(text)
    except YamlError as error:
        return error
    except RecursionError:
        return None
    return None


def _printable(text: str) -> bool:
    """Whether PyYAML's reader takes ``text`` (else its error is the file's, read whole)."""
    from yaml.reader import Reader

    return not Reader.NON_PRINTABLE.search(text)
