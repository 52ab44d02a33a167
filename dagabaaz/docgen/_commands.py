"""Generated parts that are the output of a ``dagabaaz`` command.

The command runs in-process through :func:`dagabaaz.cli.main` from the
repository root. ``graph`` and ``check`` print what the page shows; a
``run ... --graph FILE`` shows the picture it writes (to a temporary folder
instead of ``FILE``), coloured by how each node ended, with its task count.
"""

from __future__ import annotations

import contextlib
import io
import json
import shlex
import tempfile
from pathlib import Path

from dagabaaz.cli import main
from dagabaaz.cli._common import EXIT_UNUSABLE

__all__ = ["command_output"]

_FENCES = {".mmd": "mermaid", ".mermaid": "mermaid", ".dot": "dot", ".gv": "dot"}


def command_output(command: str, root: Path) -> str:
    """Run ``dagabaaz ARGS`` (``command`` without ``dagabaaz``) and return it fenced.

    Raises:
        ValueError: The command line is malformed, names no ``--graph`` file type
            this module knows, or the command could do nothing and printed
            nothing (exit code 2: a file is missing or unreadable).
    """
    argv = shlex.split(command)
    with tempfile.TemporaryDirectory() as folder:
        picture = _redirect_graph(argv, Path(folder))
        out, err = io.StringIO(), io.StringIO()
        with (
            contextlib.chdir(root),
            contextlib.redirect_stdout(out),
            contextlib.redirect_stderr(err),
        ):
            code = main(argv)
        # Exit code 2 with nothing printed is a mistake in the page (a missing
        # file); with output, it is what the page shows (a file the loader refuses).
        if code == EXIT_UNUSABLE and not out.getvalue():
            raise ValueError(f"exit code {code}: {err.getvalue().strip()}")
        if picture is not None:
            return _fenced(picture.read_text(encoding="utf-8"), _FENCES[picture.suffix])
    text = out.getvalue()
    return _fenced(text, _language(text))


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
