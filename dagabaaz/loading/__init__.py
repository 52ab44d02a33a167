"""Pipeline files: read JSON or YAML into a :class:`~dagabaaz.models.Pipeline`.

A pipeline file holds either a list of nodes or an object with ``nodes`` and an
optional ``default_input``. Whatever is wrong with a file (it is missing, not
text, not JSON or YAML, the wrong shape, a misspelled field) becomes a
:class:`PipelineFileError` listing every problem with its place in the file;
nothing escapes as a traceback from a parser.

YAML needs PyYAML (``pip install 'dagabaaz[cli]'``) and is read strictly: the
YAML 1.2 core types only (``no`` stays a string, ``010`` is ten), no duplicate
keys, no aliases.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, Literal

from pydantic import TypeAdapter, ValidationError

from dagabaaz.diagnostics import line_and_column
from dagabaaz.errors import FileProblem, PipelineFileError
from dagabaaz.loading._model_errors import describe_errors
from dagabaaz.models import DagNode, Pipeline

__all__ = [
    "CLI_EXTRA_HINT",
    "MAX_PIPELINE_FILE_BYTES",
    "FileProblem",
    "PipelineFileError",
    "Syntax",
    "load_pipeline",
    "parse_pipeline",
    "pipeline_file_schema",
    "syntax_of",
]

Syntax = Literal["json", "yaml"]

MAX_PIPELINE_FILE_BYTES = 5 * 1024 * 1024
"""Largest pipeline file read; a pipeline is a few kilobytes, anything near this is a mistake."""

CLI_EXTRA_HINT = "pip install 'dagabaaz[cli]'"
"""The one line that installs the optional command-line dependencies (PyYAML, rich)."""

_SUFFIXES: dict[str, Syntax] = {".json": "json", ".yaml": "yaml", ".yml": "yaml"}


def syntax_of(path: str | Path) -> Syntax:
    """Return the syntax a file name implies: ``.json`` is JSON, ``.yaml``/``.yml`` YAML.

    Raises:
        PipelineFileError: The suffix is none of those.
    """
    syntax = _SUFFIXES.get(Path(path).suffix.lower())
    if syntax is None:
        raise PipelineFileError(
            str(path), [FileProblem("unknown file type; name it .json, .yaml or .yml")]
        )
    return syntax


def load_pipeline(path: str | Path) -> Pipeline:
    """Read the pipeline file at ``path`` (JSON or YAML, told by its suffix).

    Raises:
        PipelineFileError: The file is missing, unreadable, malformed or not a pipeline.
    """
    filename = str(path)
    text = _read_text(Path(path), filename)
    return parse_pipeline(text, syntax=syntax_of(path), filename=filename)


def parse_pipeline(text: str, *, syntax: Syntax, filename: str = "<pipeline>") -> Pipeline:
    """Parse pipeline ``text`` written in ``syntax`` (``"json"`` or ``"yaml"``).

    Raises:
        PipelineFileError: The text is malformed or does not describe a pipeline.
    """
    if not text.strip():
        raise PipelineFileError(
            filename, [FileProblem("file is empty; expected a list of nodes or an object")]
        )
    if syntax == "yaml":
        data, locate = _parse_yaml(text, filename)
    else:
        data, locate = _parse_json(text, filename), _no_lines
    return _to_pipeline(data, filename, locate)


def pipeline_file_schema() -> dict[str, Any]:
    """Return the JSON Schema of a pipeline file (for editors that validate YAML and JSON)."""
    schema = TypeAdapter(list[DagNode] | Pipeline).json_schema()
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": "dagabaaz pipeline",
        "description": "A list of nodes, or an object with 'nodes' and an optional "
        "'default_input' (the run input used when a run gives none).",
        **schema,
    }


def _read_text(path: Path, filename: str) -> str:
    try:
        if path.is_dir():
            raise _problem(filename, "is a directory, not a pipeline file")
        size = path.stat().st_size
        if size > MAX_PIPELINE_FILE_BYTES:
            raise _problem(filename, f"file is {size} bytes; pipeline files are limited to 5 MiB")
        data = path.read_bytes()
    except FileNotFoundError:
        raise _problem(filename, "no such file") from None
    except OSError as error:
        raise _problem(filename, f"cannot read the file: {error.strerror or error}") from None
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise _problem(
            filename, f"not UTF-8 text (byte 0x{data[error.start]:02x} at offset {error.start})"
        ) from None


def _problem(filename: str, message: str) -> PipelineFileError:
    return PipelineFileError(filename, [FileProblem(message)])


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


def _parse_json(text: str, filename: str) -> Any:
    try:
        return json.loads(
            text,
            object_pairs_hook=_unique_keys,
            parse_constant=_reject_constant,
            parse_int=json_int,
        )
    except json.JSONDecodeError as error:
        problem = FileProblem(f"invalid JSON: {error.msg}", line=error.lineno, column=error.colno)
    except IntegerTooLong as error:
        message, line, column = error.describe(text)
        problem = FileProblem(f"invalid JSON: {message}", line=line, column=column)
    except _DuplicateKey as error:
        problem = FileProblem(f"invalid JSON: duplicate key {error.args[0]!r}")
    except ValueError as error:
        problem = FileProblem(f"invalid JSON: {error}")
    except RecursionError:
        problem = FileProblem("invalid JSON: nested too deeply")
    raise PipelineFileError(filename, [problem])


Locate = Callable[[tuple[str | int, ...], str | None], tuple[int, int] | None]
"""Finds the line and column of a document path (or of a key under it), when known."""


def _no_lines(path: tuple[str | int, ...], key: str | None) -> tuple[int, int] | None:
    return None


def _parse_yaml(text: str, filename: str) -> tuple[Any, Locate]:
    try:
        from dagabaaz.loading._yaml import YamlError, load_yaml
    except ImportError:
        raise _problem(
            filename, f"reading YAML needs PyYAML; install it with: {CLI_EXTRA_HINT}"
        ) from None
    try:
        data, node = load_yaml(text)
    except YamlError as error:
        raise PipelineFileError(filename, [_yaml_problem(error)]) from None
    except RecursionError:
        raise _problem(filename, "invalid YAML: nested too deeply") from None
    return data, lambda path, key: _yaml_position(node, path, key)


def _yaml_problem(error: Exception) -> FileProblem:
    mark = getattr(error, "problem_mark", None)
    parts = [getattr(error, "context", None), getattr(error, "problem", None)]
    message = ", ".join(str(part) for part in parts if part) or str(error)
    if mark is None:
        return FileProblem(f"invalid YAML: {message}")
    return FileProblem(f"invalid YAML: {message}", line=mark.line + 1, column=mark.column + 1)


def _yaml_position(
    node: Any, path: tuple[str | int, ...], key: str | None = None
) -> tuple[int, int] | None:
    """Return the line and column of the YAML node at ``path`` (of its ``key``, if given).

    A path that leaves the document stops at the nearest node that exists.
    """
    for segment in path:
        child = _yaml_child(node, segment)
        if child is None:
            break
        node = child
    if node is None:
        return None
    key_node = _yaml_key(node, key) if key is not None else None
    mark = (key_node if key_node is not None else node).start_mark
    return mark.line + 1, mark.column + 1


def _yaml_key(node: Any, key: str) -> Any:
    value = getattr(node, "value", None)
    if isinstance(value, list):
        for item in value:
            if isinstance(item, tuple) and getattr(item[0], "value", None) == key:
                return item[0]
    return None


def _yaml_child(node: Any, segment: str | int) -> Any:
    value = getattr(node, "value", None)
    if not isinstance(value, list):
        return None
    if isinstance(segment, int):
        return value[segment] if 0 <= segment < len(value) else None
    for item in value:
        if isinstance(item, tuple) and getattr(item[0], "value", None) == segment:
            return item[1]
    return None


_TYPE_NAMES = {str: "a string", int: "a number", float: "a number", bool: "a boolean"}


def _to_pipeline(data: Any, filename: str, locate: Locate) -> Pipeline:
    if isinstance(data, list):
        document: Any = {"nodes": data}
        prefix: tuple[str | int, ...] = ("nodes",)
    elif isinstance(data, dict):
        document, prefix = data, ()
    else:
        kind = "nothing" if data is None else _TYPE_NAMES.get(type(data), type(data).__name__)
        raise _problem(filename, f"expected a list of nodes or an object with 'nodes', got {kind}")
    try:
        return Pipeline.model_validate(document)
    except ValidationError as error:
        problems = []
        for path, message, key in describe_errors(error, Pipeline):
            shown = path[len(prefix) :] if path[: len(prefix)] == prefix else path
            position = locate(shown, key)
            line, column = position if position is not None else (None, None)
            problems.append(FileProblem(message, path=shown, line=line, column=column))
        # Document order where lines are known; pydantic reports in model-field order.
        problems.sort(key=lambda problem: problem.line or 0)
        raise PipelineFileError(filename, problems) from None
