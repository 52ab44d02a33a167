"""Pipeline files: read JSON or YAML into a :class:`~dagabaaz.models.Pipeline`.

A pipeline file holds either a list of nodes or an object with ``nodes`` and an
optional ``default_input``. Whatever is wrong with a file (it is missing, not
text, not JSON or YAML, the wrong shape, a misspelled field) becomes a
:class:`PipelineFileError` listing every problem with its code and its place
in the file, JSON and YAML alike; nothing escapes as a traceback from a
parser. :func:`read_pipeline` reads a file the way a checker or an editor
needs it: every problem, the nodes that are fine despite them, and where
every value (and every character of every expression) is in the file.

YAML needs PyYAML (``pip install 'dagabaaz[cli]'``) and is read strictly: the
YAML 1.2 core types only (``no`` stays a string, ``010`` is ten), no duplicate
keys, no aliases.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pydantic import TypeAdapter, ValidationError

from dagabaaz.errors import FileProblem, PipelineFileError
from dagabaaz.loading._codes import FILE_CODES, file_problem
from dagabaaz.loading._edits import reread
from dagabaaz.loading._parsing import (
    CLI_EXTRA_HINT,
    MAX_PIPELINE_FILE_BYTES,
    IntegerTooLong,
    json_int,
    parse_json,
    parse_yaml,
    read_text,
)
from dagabaaz.loading._reading import PipelineReading, Syntax, not_a_pipeline, read_text_whole
from dagabaaz.models import DagNode, Pipeline

__all__ = [
    "CLI_EXTRA_HINT",
    "FILE_CODES",
    "MAX_PIPELINE_FILE_BYTES",
    "FileProblem",
    "IntegerTooLong",
    "PipelineFileError",
    "PipelineReading",
    "Syntax",
    "json_int",
    "load_pipeline",
    "parse_pipeline",
    "pipeline_file_schema",
    "read_pipeline",
    "read_pipeline_text",
    "syntax_of",
]

_SUFFIXES: dict[str, Syntax] = {".json": "json", ".yaml": "yaml", ".yml": "yaml"}


def syntax_of(path: str | Path) -> Syntax:
    """Return the syntax a file name implies: ``.json`` is JSON, ``.yaml``/``.yml`` YAML.

    Raises:
        PipelineFileError: The suffix is none of those.
    """
    syntax = _SUFFIXES.get(Path(path).suffix.lower())
    if syntax is None:
        message = "unknown file type; name it .json, .yaml or .yml"
        raise PipelineFileError(str(path), [file_problem("unknown-file-suffix", message)])
    return syntax


def load_pipeline(path: str | Path) -> Pipeline:
    """Read the pipeline file at ``path`` (JSON or YAML, told by its suffix).

    Raises:
        PipelineFileError: The file is missing, unreadable, malformed or not a pipeline.
    """
    filename = str(path)
    text = read_text(Path(path), filename)
    return parse_pipeline(text, syntax=syntax_of(path), filename=filename)


def parse_pipeline(text: str, *, syntax: Syntax, filename: str = "<pipeline>") -> Pipeline:
    """Parse pipeline ``text`` written in ``syntax`` (``"json"`` or ``"yaml"``).

    Raises:
        PipelineFileError: The text is malformed or does not describe a
            pipeline; its ``problems`` list every problem, each with its
            code, path, hint, line and column.
    """
    if text.strip():
        data = parse_json(text, filename) if syntax == "json" else parse_yaml(text, filename)[0]
        document = {"nodes": data} if isinstance(data, list) else data
        if not isinstance(document, dict):
            raise PipelineFileError(filename, [not_a_pipeline(data)])
        try:
            return Pipeline.model_validate(document)
        except ValidationError:
            pass  # read it again below, keeping positions, to say where each problem is
    reading = read_text_whole(text, syntax=syntax, filename=filename)
    if reading.pipeline is not None:  # pragma: no cover - the fast path above took it
        return reading.pipeline
    raise PipelineFileError(filename, reading.problems)


def read_pipeline(path: str | Path) -> PipelineReading:
    """Read the pipeline file at ``path`` as :func:`read_pipeline_text` does.

    Raises:
        PipelineFileError: The file cannot be read at all (missing, a
            directory, too large, not UTF-8, an unknown suffix); anything
            wrong with what it says is in the reading's ``problems``.
    """
    filename = str(path)
    text = read_text(Path(path), filename)
    return read_pipeline_text(text, syntax=syntax_of(path), filename=filename)


def read_pipeline_text(
    text: str,
    *,
    syntax: Syntax,
    filename: str = "<pipeline>",
    previous: PipelineReading | None = None,
) -> PipelineReading:
    """Read ``text`` as a pipeline file, keeping every problem and every node it can.

    A node with a problem is salvaged without what is wrong with it (a
    field, a binding, an edge filter), so the rest of it is still checked;
    ``PipelineReading.covers`` says which diagnostics of the salvaged nodes
    the file problems already explain.

    Args:
        text: The file's text.
        syntax: ``"json"`` or ``"yaml"``.
        filename: How messages name the file.
        previous: An earlier reading of the same file, when there is one
            (an editor reads the file after every keystroke): an edit that
            changed no value (a comment, blank lines), or stayed inside one
            value, one node or one top-level value such as
            ``default_input``, is read again alone. Any earlier reading will
            do (the last one that parsed, while the text does not); the
            result is the same as reading ``text`` from the start.
    """
    if previous is not None and previous.syntax == syntax:
        found = reread(previous, text)
        if found is not None:
            return found
    return read_text_whole(text, syntax=syntax, filename=filename)


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
