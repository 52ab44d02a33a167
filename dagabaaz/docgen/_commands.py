"""Generated parts that are the output of a ``dagabaaz`` command.

The command runs in-process through :func:`dagabaaz.cli.main` from the
repository root. ``graph`` and ``check`` print what the page shows; a
``run ... --graph FILE`` shows the picture it writes (to a temporary folder
instead of ``FILE``), coloured by how each node ended, with its task count.

A ``run`` shown as text needs ``--run-id`` (a random id would change on
every generation), and its durations are written ``0.00 s``. Commands can be
chained with ``&&``, each a ``dagabaaz`` command, and a command's output saved
with ``> NAME`` for a later one to read (into a temporary folder): the page
shows the last command's output, so
``dagabaaz run p.yaml -p plugins.py --json > r.json && dagabaaz explain r.json node``
shows what ``explain`` prints for a real run.
"""

from __future__ import annotations

import contextlib
import io
import json
import re
import shlex
import tempfile
from pathlib import Path

from dagabaaz.cli import main
from dagabaaz.cli._common import EXIT_UNUSABLE

__all__ = ["command_output"]

_FENCES = {".mmd": "mermaid", ".mermaid": "mermaid", ".dot": "dot", ".gv": "dot"}
_DURATION = re.compile(r"\b\d+\.\d\d s\b")


def command_output(command: str, root: Path) -> str:
    """Run ``dagabaaz ARGS`` (``command`` without ``dagabaaz``) and return it fenced.

    Raises:
        ValueError: The command line is malformed, names no ``--graph`` file type
            this module knows, shows a ``run`` without ``--run-id``, or a command
            could do nothing and printed nothing (exit code 2: a file is missing
            or unreadable).
    """
    steps = command.split(" && dagabaaz ")
    with tempfile.TemporaryDirectory() as folder:
        saved: dict[str, str] = {}
        for position, step in enumerate(steps):
            argv, target = _saved_to(shlex.split(step), Path(folder), saved)
            last = position == len(steps) - 1
            picture = _redirect_graph(argv, Path(folder))
            shown = last and target is None and picture is None
            if shown and _shows_a_run(argv) and "--run-id" not in argv:
                raise ValueError("a run shown on a page needs --run-id (a random id changes)")
            text = _run(argv, root)
            if target is not None:
                Path(target).write_text(text, encoding="utf-8")
            if not last:
                continue
            if picture is not None:
                return _fenced(picture.read_text(encoding="utf-8"), _FENCES[picture.suffix])
            if _shows_a_run(argv):
                text = _DURATION.sub("0.00 s", text)
            return _fenced(text, _language(text))
    raise AssertionError("unreachable: a command has at least one step")  # pragma: no cover


def _run(argv: list[str], root: Path) -> str:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.chdir(root), contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(argv)
    # Exit code 2 with nothing printed is a mistake in the page (a missing
    # file); with output, it is what the page shows (a file the loader refuses).
    if code == EXIT_UNUSABLE and not out.getvalue():
        raise ValueError(f"exit code {code}: {err.getvalue().strip()}")
    return out.getvalue()


def _saved_to(argv: list[str], folder: Path, saved: dict[str, str]) -> tuple[list[str], str | None]:
    """Take ``> NAME`` off a step; point arguments naming an earlier saved output at its file."""
    target = None
    if ">" in argv:
        position = argv.index(">")
        if position != len(argv) - 2:
            raise ValueError("'> NAME' must end a command")
        target = saved[argv[position + 1]] = str(folder / Path(argv[position + 1]).name)
        argv = argv[:position]
    return [saved.get(argument, argument) for argument in argv], target


def _shows_a_run(argv: list[str]) -> bool:
    return bool(argv) and argv[0] == "run" and "--json" not in argv


def _redirect_graph(argv: list[str], folder: Path) -> Path | None:
    """Point a ``--graph FILE`` option at ``folder``; return where the picture will be."""
    if "--graph" not in argv:
        return None
    position = argv.index("--graph") + 1
    if position == len(argv):
        raise ValueError("--graph needs a file name")
    picture = folder / Path(argv[position]).name
    if picture.suffix not in _FENCES:
        raise ValueError(f"--graph {argv[position]}: use one of {', '.join(sorted(_FENCES))}")
    argv[position] = str(picture)
    return picture


def _language(text: str) -> str:
    if text.startswith("flowchart"):
        return "mermaid"
    if text.startswith("digraph"):
        return "dot"
    try:
        json.loads(text)
    except ValueError:
        return "text"
    return "json"


def _fenced(text: str, language: str) -> str:
    return f"```{language}\n{text.rstrip()}\n```\n"
