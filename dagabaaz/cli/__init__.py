"""The ``dagabaaz`` command line: check, eval, run, graph, explain, pipes, schema, lsp; db, ...

The PostgreSQL commands are db, worker, submit and runs.

Every command is a module with ``add_parser``; :func:`main` returns the exit
code instead of exiting, so tests and other programs can call it in-process.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from typing import Any

import dagabaaz
from dagabaaz.cli import (
    check,
    db,
    evaluate,
    explain,
    graph,
    lsp,
    pipes,
    run,
    runs,
    schema,
    submit,
    worker,
)
from dagabaaz.cli._common import EXIT_UNUSABLE, CliError
from dagabaaz.constants import COMPATIBLE_API_VERSION
from dagabaaz.loading import PipelineFileError

__all__ = ["build_parser", "main", "version_line"]

_COMMANDS = (check, evaluate, run, graph, explain, pipes, schema, lsp, db, worker, submit, runs)


def build_parser() -> argparse.ArgumentParser:
    """Return the argument parser of every command."""
    parser = argparse.ArgumentParser(
        prog="dagabaaz",
        description="Check, evaluate, draw and run dagabaaz pipelines.",
    )
    parser.add_argument(
        "--version",
        action=_ShowVersion,
        help="show the installed version and the README API version it keeps, then exit",
    )
    commands = parser.add_subparsers(title="commands", metavar="COMMAND", required=True)
    for command in _COMMANDS:
        command.add_parser(commands)
    return parser


def version_line() -> str:
    """Return what ``dagabaaz --version`` prints: this version and the API version it keeps."""
    compatible = f"compatible with the dagabaaz {COMPATIBLE_API_VERSION} API"
    return f"dagabaaz {dagabaaz.__version__} ({compatible})"


class _ShowVersion(argparse.Action):
    """``--version``, looked up only when asked for: reading package metadata is slow to import."""

    def __init__(self, option_strings: Sequence[str], dest: str, **kwargs: Any) -> None:
        super().__init__(
            option_strings, dest=argparse.SUPPRESS, default=argparse.SUPPRESS, nargs=0, **kwargs
        )

    def __call__(
        self,
        parser: argparse.ArgumentParser,
        namespace: argparse.Namespace,
        values: object,
        option_string: str | None = None,
    ) -> None:
        print(version_line())
        parser.exit()


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line with ``argv`` (``sys.argv[1:]`` when None); return the exit code."""
    _tolerate_unencodable_text()
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
        code: int = args.handler(args)
    except SystemExit as exit_request:  # argparse's own exits: --help, --version, usage errors
        return exit_request.code if isinstance(exit_request.code, int) else EXIT_UNUSABLE
    except PipelineFileError as error:
        print(error, file=sys.stderr)
        return EXIT_UNUSABLE
    except CliError as error:
        print(f"dagabaaz: {error}", file=sys.stderr)
        return error.exit_code
    except KeyboardInterrupt:
        print("dagabaaz: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:  # the reader went away (`dagabaaz schema | head`): stop quietly
        _silence_stdout()
        return EXIT_BROKEN_PIPE
    return code


def _tolerate_unencodable_text() -> None:
    # A plugin's error or a file name can hold text a strict stdout refuses (a
    # lone surrogate from a file name that is not UTF-8): shown escaped, it
    # cannot crash the command after the run.
    for stream in (sys.stdout, sys.stderr):
        reconfigure = getattr(stream, "reconfigure", None)
        if getattr(stream, "errors", None) == "strict" and callable(reconfigure):
            reconfigure(errors="backslashreplace")


EXIT_BROKEN_PIPE = 141
"""What a shell reports for a process ended by SIGPIPE (128 + 13)."""


def _silence_stdout() -> None:
    # Python flushes stdout again at exit; pointing it at /dev/null keeps that
    # flush from raising a second BrokenPipeError.
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):
        pass
