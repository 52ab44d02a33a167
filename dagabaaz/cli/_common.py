"""What every command shares: exit codes, ``--input`` values, reading files, printing."""

from __future__ import annotations

import argparse
import json
import math
import sys
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any, TextIO

from dagabaaz.constants import DEFAULT_FAN_OUT_LIMIT
from dagabaaz.errors import DagabaazError
from dagabaaz.loading import IntegerTooLong, json_int

__all__ = [
    "EXIT_FAILED",
    "EXIT_OK",
    "EXIT_UNUSABLE",
    "CliError",
    "add_fan_out_limit_option",
    "add_input_option",
    "checked_fan_out_limit",
    "dump_json",
    "parse_input_value",
    "parse_inputs",
    "read_json_file",
    "read_json_object",
]

EXIT_OK = 0
"""Success: the pipeline is valid, the expression evaluated, the run completed."""
EXIT_FAILED = 1
"""The input was read but is wrong: diagnostics with errors, a failed or cancelled run."""
EXIT_UNUSABLE = 2
"""Nothing could be done: a file cannot be read or parsed, or the command line is wrong."""


class CliError(DagabaazError):
    """A problem the command reports in one line and exits with ``exit_code``."""

    def __init__(self, message: str, exit_code: int = EXIT_UNUSABLE) -> None:
        super().__init__(message)
        self.exit_code = exit_code


def _reject_constant(name: str) -> Any:
    raise ValueError(name)


def _finite_float(literal: str) -> float:
    number = float(literal)
    if not math.isfinite(number):
        raise ValueError(literal)  # 1e400: a float would silently be inf
    return number


def parse_input_value(text: str) -> Any:
    """Type one ``--input`` value: JSON when it parses as JSON, otherwise the text itself.

    ``7`` is a number, ``true`` a boolean, ``null`` None, ``[1, 2]`` a list,
    ``"7"`` (quotes included) the string 7; ``007``, ``NaN`` and ``hello`` are
    not JSON, and ``1e400`` is past what a float holds, so they stay strings
    exactly as typed.
    """
    try:
        return json.loads(text, parse_constant=_reject_constant, parse_float=_finite_float)
    except ValueError:
        return text


def parse_inputs(pairs: Iterable[str] | None) -> dict[str, Any]:
    """Turn ``["key=value", ...]`` into a dict, typing each value with :func:`parse_input_value`.

    Raises:
        CliError: A pair has no ``=`` or an empty key, or a key is given twice.
    """
    values: dict[str, Any] = {}
    for pair in pairs or ():
        key, equals, text = pair.partition("=")
        key = key.strip()
        if not equals or not key:
            raise CliError(f"--input {pair!r}: expected KEY=VALUE, for example --input title=Trip")
        if key in values:
            raise CliError(f"--input {key!r} is given twice")
        values[key] = parse_input_value(text)
    return values


def add_input_option(parser: argparse.ArgumentParser) -> None:
    """Add the repeatable ``--input KEY=VALUE`` option."""
    parser.add_argument(
        "--input",
        "-i",
        action="append",
        metavar="KEY=VALUE",
        help="a run input value; JSON if it parses as JSON (7, true, null, [1,2], '\"7\"'), "
        "otherwise the text as typed (007 stays the string 007); repeat for more",
    )


def add_fan_out_limit_option(parser: argparse.ArgumentParser) -> None:
    """Add ``--fan-out-limit N``: the most tasks one node may get in one run."""
    parser.add_argument(
        "--fan-out-limit",
        type=int,
        default=DEFAULT_FAN_OUT_LIMIT,
        metavar="N",
        help=f"most tasks one node may get in a run; more fails the run "
        f"(default: {DEFAULT_FAN_OUT_LIMIT})",
    )


def checked_fan_out_limit(limit: int) -> int:
    """Return ``--fan-out-limit`` when it is at least 1.

    Raises:
        CliError: It is below 1.
    """
    if limit < 1:
        raise CliError(f"--fan-out-limit must be at least 1, got {limit}")
    return limit


def read_json_object(path: str, what: str, *, max_bytes: int | None = None) -> dict[str, Any]:
    """Read a JSON file that must hold an object.

    Raises:
        CliError: The file is missing, unreadable, larger than ``max_bytes``,
            not JSON or not an object.
    """
    data = read_json_file(path, what, max_bytes=max_bytes)
    if not isinstance(data, dict):
        raise CliError(f"{what} {path}: expected a JSON object, got {type(data).__name__}")
    return data


def read_json_file(path: str, what: str, *, max_bytes: int | None = None) -> Any:
    """Read a JSON file holding any JSON value; ``what`` names it in messages (``--config``).

    Raises:
        CliError: The file is missing, unreadable, larger than ``max_bytes`` or not JSON.
    """
    file = Path(path)
    try:
        size = file.stat().st_size
        if max_bytes is not None and size > max_bytes:
            raise CliError(
                f"{what} {path}: the file is {size} bytes; at most {max_bytes // MIB} MiB is read"
            )
        text = file.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise CliError(f"{what} {path}: no such file") from None
    except IsADirectoryError:
        raise CliError(f"{what} {path}: is a directory, expected a JSON file") from None
    except (OSError, UnicodeDecodeError) as error:
        raise CliError(f"{what} {path}: cannot read the file: {error}") from None
    try:
        return json.loads(text, parse_constant=_reject_constant, parse_int=json_int)
    except json.JSONDecodeError as error:
        raise CliError(
            f"{what} {path}:{error.lineno}:{error.colno}: invalid JSON: {error.msg}"
        ) from None
    except IntegerTooLong as error:
        message, line, column = error.describe(text)
        where = "" if line is None else f":{line}:{column}"
        raise CliError(f"{what} {path}{where}: invalid JSON: {message}") from None
    except (ValueError, RecursionError) as error:
        raise CliError(f"{what} {path}: invalid JSON: {error}") from None


MIB = 1024 * 1024
"""Bytes in a mebibyte, for file size limits."""


def dump_json(data: Any, stream: TextIO | None = None) -> None:
    """Print ``data`` as indented JSON (non-ASCII kept as is).

    Text holding a lone surrogate (a file name of bytes that are not UTF-8,
    as Python lists one) is written as a JSON escape: the output stays
    UTF-8 that a JSON reader takes back, whatever the terminal's error handler.
    """
    text = json.dumps(data, indent=2, ensure_ascii=False)
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        text = json.dumps(data, indent=2)
    print(text, file=stream or sys.stdout)


def print_lines(lines: Sequence[str], stream: TextIO | None = None) -> None:
    """Print each line."""
    for line in lines:
        print(line, file=stream or sys.stdout)
