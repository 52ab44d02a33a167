"""Reading the documentation's pages: their fenced code blocks and what to do with each.

Rules the docs tests enforce with this module:

* a ``python`` block runs, in order, in a namespace shared by its page;
* a ``python`` block whose info string says more (``python title="..."``) or
  that follows a ``<!-- skip: why -->`` line is only compiled;
* a ``text`` block right after a ``<!-- expected-output -->`` line is the exact
  output of the block before it;
* a top-level ``print(...)  # text`` line must print exactly ``text``;
* every ``dagabaaz ...`` line of a shell block runs through ``dagabaaz.cli.main``
  (a trailing ``# exit N`` says which exit code to expect, 0 otherwise); after a
  ``<!-- skip: why -->`` line its commands are only parsed, and its other
  lines ignored (a server, a container, a walkthrough another test runs).
"""

from __future__ import annotations

import ast
import contextlib
import io
import re
import shlex
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
SHELL = frozenset({"sh", "bash", "shell", "console"})
LANGUAGES = SHELL | {"python", "text", "yaml", "json", "mermaid", "dot", "sql", "javascript", "lua"}
SKIP = "<!-- skip"
EXPECTED_OUTPUT = "<!-- expected-output -->"
# Shell commands the docs show but the tests do not run in-process.
NOT_RUN = ("pip install ", "python -m pytest", "python -m dagabaaz.docgen", "mkdocs ")

_FENCE = re.compile(r"^(?P<indent> *)(?P<marks>`{3,}|~{3,})(?P<info>.*)$")
_EXIT = re.compile(r"\s+#\s*exit (?P<code>\d+)\s*$")


@dataclass(frozen=True, slots=True)
class Block:
    """A fenced code block of a page."""

    page: str
    line: int
    info: str
    code: str
    marker: str | None
    indent: int

    @property
    def language(self) -> str:
        return self.info.split(" ", 1)[0]

    @property
    def runs(self) -> bool:
        return self.info == "python" and not (self.marker or "").startswith(SKIP)

    @property
    def where(self) -> str:
        return f"{self.page}:{self.line}"


def pages() -> list[Path]:
    """The README and every Markdown page under docs/."""
    return [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md"))]


def page_id(path: Path) -> str:
    return str(path.relative_to(ROOT)) if path.is_relative_to(ROOT) else path.name


def blocks(path: Path) -> list[Block]:
    """Every fenced block of a page, with the HTML comment line just before it."""
    lines = path.read_text(encoding="utf-8").split("\n")
    found, index = [], 0
    while index < len(lines):
        opening = _FENCE.match(lines[index])
        if opening is None:
            index += 1
            continue
        marks, body, end = opening["marks"], [], index + 1
        closing = re.compile(rf"^ *{re.escape(marks[0])}{{{len(marks)},}}\s*$")
        while end < len(lines) and not closing.match(lines[end]):
            body.append(lines[end][len(opening["indent"]) :])
            end += 1
        if end == len(lines):
            raise AssertionError(f"{page_id(path)}:{index + 1}: code block is never closed")
        marker = _previous_comment(lines, index)
        found.append(
            Block(
                page_id(path),
                index + 1,
                opening["info"].strip(),
                "\n".join(body) + "\n",
                marker,
                len(opening["indent"]),
            )
        )
        index = end + 1
    return found


def _previous_comment(lines: list[str], index: int) -> str | None:
    previous = index - 1
    while previous >= 0 and not lines[previous].strip():
        previous -= 1
    if previous >= 0 and lines[previous].startswith("<!--"):
        return lines[previous].strip()
    return None


def checked_prints(code: str) -> dict[int, str]:
    """Map each line of a top-level ``print(...)  # text`` to its expected ``text``."""
    source_lines = code.split("\n")
    expected = {}
    for statement in ast.parse(code).body:
        call = statement.value if isinstance(statement, ast.Expr) else None
        if not (
            isinstance(call, ast.Call)
            and isinstance(call.func, ast.Name)
            and call.func.id == "print"
            and call.end_lineno == statement.lineno
            and call.end_col_offset is not None
        ):
            continue
        rest = source_lines[statement.lineno - 1][call.end_col_offset :]
        comment = re.match(r"\s+# (.*)$", rest)
        if comment:
            expected[statement.lineno] = comment.group(1)
    return expected


@dataclass(frozen=True, slots=True)
class Command:
    """One ``dagabaaz`` command line of a shell block."""

    argv: tuple[str, ...]
    exit_code: int
    text: str
    output: str | None = None
    """The file ``> FILE`` saves the output in, for a later command to read."""


def shell_commands(block: Block) -> tuple[list[Command], list[str]]:
    """Split a shell block into its ``dagabaaz`` commands and the lines not run."""
    joined = block.code.replace("\\\n", " ")
    commands, others = [], []
    for raw in joined.split("\n"):
        for part in raw.split(" && "):
            line = part.strip()
            if line and not line.startswith("#"):
                _classify(line, commands, others)
    return commands, others


def _classify(line: str, commands: list[Command], others: list[str]) -> None:
    expected = _EXIT.search(line)
    exit_code = int(expected["code"]) if expected else 0
    words = shlex.split(line, comments=True)
    # A pipe or a redirection hands the output to something else: run the command alone,
    # and keep what a plain `> FILE` saves for the commands after it.
    output = None
    for stop in ("|", ">", "2>"):
        if stop in words:
            position = words.index(stop)
            if stop == ">" and position == len(words) - 2:
                output = words[-1]
            words = words[:position]
    if words[:1] == ["dagabaaz"]:
        commands.append(Command(tuple(words[1:]), exit_code, line, output))
    elif words[:3] == ["python", "-m", "dagabaaz"]:
        commands.append(Command(tuple(words[3:]), exit_code, line, output))
    else:
        others.append(line)


def run_python(block: Block, namespace: dict[str, Any]) -> str:
    """Run one block in the page's namespace; return what it printed."""
    tree = ast.parse(block.code)
    expected = checked_prints(block.code)
    printed: dict[int, str] = {}
    out = io.StringIO()

    def checked_print(line: int, *args: Any, **kwargs: Any) -> None:
        text = io.StringIO()
        print(*args, **kwargs, file=text)
        printed[line] = text.getvalue()
        sys.stdout.write(text.getvalue())

    for statement in tree.body:
        if statement.lineno in expected:
            call = statement.value  # type: ignore[attr-defined]
            call.args.insert(0, ast.Constant(statement.lineno))
            call.func = ast.Name("__docs_print__", ast.Load())
    ast.fix_missing_locations(tree)
    # Line numbers of the page, so a traceback points into the Markdown file.
    ast.increment_lineno(tree, block.line)
    namespace["__docs_print__"] = checked_print
    with contextlib.redirect_stdout(out):
        exec(compile(tree, block.page, "exec"), namespace)
    for line, text in expected.items():
        shown = printed.get(line)
        assert (shown or "").rstrip("\n") == text, (
            f"{block.page}:{block.line + line}: printed {shown!r}, the page says {text!r}"
        )
    return out.getvalue()
