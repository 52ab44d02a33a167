"""Reading a pipeline file's text, and parsing it as JSON or YAML, every failure a FileProblem."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from dagabaaz.diagnostics import line_and_column
from dagabaaz.errors import FileProblem, PipelineFileError
from dagabaaz.loading._codes import file_problem

__all__ = [
    "CLI_EXTRA_HINT",
    "MAX_PIPELINE_FILE_BYTES",
    "IntegerTooLong",
    "json_int",
    "parse_json",
    "parse_yaml",
    "read_text",
    "yaml_problem",
]

MAX_PIPELINE_FILE_BYTES = 5 * 1024 * 1024
"""Largest pipeline file read; a pipeline is a few kilobytes, anything near this is a mistake."""

CLI_EXTRA_HINT = "pip install 'dagabaaz[cli]'"
"""The one line that installs the optional command-line dependencies (PyYAML, rich)."""


def read_text(path: Path, filename: str) -> str:
    """Return the text of the file at ``path``.

    Raises:
        PipelineFileError: It is missing, a directory, unreadable, too large
            or not UTF-8.
    """
    try:
        if path.is_dir():
            raise _problem(filename, "not-a-file", "is a directory, not a pipeline file")
        size = path.stat().st_size
        if size > MAX_PIPELINE_FILE_BYTES:
            message = f"file is {size} bytes; pipeline files are limited to 5 MiB"
            raise _problem(filename, "file-too-large", message)
        data = path.read_bytes()
    except FileNotFoundError:
        raise _problem(filename, "file-not-found", "no such file") from None
    except OSError as error:
        message = f"cannot read the file: {error.strerror or error}"
        raise _problem(filename, "unreadable-file", message) from None
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        message = f"not UTF-8 text (byte 0x{data[error.start]:02x} at offset {error.start})"
        raise _problem(filename, "not-utf8", message) from None


def _problem(filename: str, code: str, message: str) -> PipelineFileError:
    return PipelineFileError(filename, [file_problem(code, message)])


class _DuplicateKey(Exception):
    pass


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            raise _DuplicateKey(key)
        result[key] = value
    return result


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON value")


class IntegerTooLong(Exception):
    """A JSON integer has more digits than Python converts (``sys.get_int_max_str_digits``)."""

    def __init__(self, literal: str) -> None:
        super().__init__(literal)
        self.literal = literal

    def describe(self, text: str) -> tuple[str, int | None, int | None]:
        """Return the message and the 1-based line and column of the literal in ``text``."""
        digits = len(self.literal.lstrip("-"))
        message = f"integer too long ({digits} digits; at most {sys.get_int_max_str_digits()})"
        offset = text.find(self.literal)
        if offset < 0:
            return message, None, None
        return message, *line_and_column(text, offset)


def json_int(literal: str) -> int:
    """Read a JSON integer literal (``parse_int`` of :func:`json.loads`).

    Raises:
        IntegerTooLong: It has more digits than Python converts.
    """
    try:
        return int(literal)
    except ValueError:  # JSON's grammar leaves only one reason: too many digits
        raise IntegerTooLong(literal) from None


def parse_json(text: str, filename: str) -> Any:
    """Parse JSON text strictly: no duplicate keys, no NaN or infinity.

    Raises:
        PipelineFileError: The text is not such JSON (code ``invalid-json``).
    """
    try:
        return json.loads(
            text,
            object_pairs_hook=_unique_keys,
            parse_constant=_reject_constant,
            parse_int=json_int,
        )
    except json.JSONDecodeError as error:
        problem = _json(f"invalid JSON: {error.msg}", line=error.lineno, column=error.colno)
    except IntegerTooLong as error:
        message, line, column = error.describe(text)
        problem = _json(f"invalid JSON: {message}", line=line, column=column)
    except _DuplicateKey as error:
        problem = _json(f"invalid JSON: duplicate key {error.args[0]!r}")
    except ValueError as error:
        problem = _json(f"invalid JSON: {error}")
    except RecursionError:
        problem = _json("invalid JSON: nested too deeply")
    raise PipelineFileError(filename, [problem])


def _json(message: str, *, line: int | None = None, column: int | None = None) -> FileProblem:
    return file_problem("invalid-json", message, line=line, column=column)


def parse_yaml(text: str, filename: str) -> tuple[Any, Any, bool]:
    """Parse YAML text strictly: the data, the root node (its marks), whether libyaml read it.

    The last says whether a part of the file may be read alone (see ``_yaml.read_yaml``).

    Raises:
        PipelineFileError: PyYAML is missing (``yaml-unavailable``) or the
            text is not such YAML (``invalid-yaml``).
    """
    try:
        from dagabaaz.loading._yaml import YamlError, read_yaml
    except ImportError:
        message = f"reading YAML needs PyYAML; install it with: {CLI_EXTRA_HINT}"
        raise _problem(filename, "yaml-unavailable", message) from None
    try:
        return read_yaml(text)
    except YamlError as error:
        raise PipelineFileError(filename, [yaml_problem(error, text)]) from None
    except RecursionError:
        raise _problem(filename, "invalid-yaml", "invalid YAML: nested too deeply") from None


def yaml_problem(error: Exception, text: str | None = None) -> FileProblem:
    """Return the problem a YAML error describes, in plain words, placed where it happened."""
    from dagabaaz.loading._yaml_messages import describe_yaml_error

    told = describe_yaml_error(error, text)
    return file_problem(
        "invalid-yaml",
        f"invalid YAML: {told.message}",
        line=told.line,
        column=told.column,
        hint=told.hint,
    )
