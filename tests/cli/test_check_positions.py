"""Where ``dagabaaz check`` places a problem inside an expression, however the string is written.

YAML writes a string plain, single-quoted (``''`` for a quote), double-quoted
(escapes), folded over lines or as a literal block; JSON escapes. The line
and column reported must be those of the offending characters in the file.
"""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest

from dagabaaz.cli import main

STYLES = {
    "plain": "expression: text {a.x | uper}",
    "single-quoted": "expression: 'it''s {a.x | uper}'",
    "double-quoted": 'expression: "\\u00e9\\t\\"q\\" {a.x | uper}"',
    "folded-plain": "expression: text\n          more {a.x | uper}",
    "folded-quoted": 'expression: "one\n          two {a.x | uper}"',
    "folded-block": "expression: >-\n          first line\n          {a.x | uper}",
    "literal-block": "expression: |\n          first line\n          {a.x | uper}",
    "emoji-before": "expression: '😀 {a.x | uper}'",
}


def pipeline(binding: str) -> str:
    return (
        "nodes:\n"
        "  - slug: a\n"
        "    plugin: p\n"
        "  - slug: b\n"
        "    plugin: p\n"
        "    depends_on: [a]\n"
        "    bindings:\n"
        "      t:\n"
        "        source: expression\n"
        f"        {binding}\n"
    )


@pytest.mark.parametrize("style", list(STYLES))
def test_the_problem_is_placed_on_its_own_characters(
    write: Callable[[str, str], str], capsys: pytest.CaptureFixture[str], style: str
) -> None:
    text = pipeline(STYLES[style])
    path = write(f"{style}.yaml", text)
    assert main(["check", path, "--format", "json"]) == 1
    (found,) = json.loads(capsys.readouterr().out)["diagnostics"]
    assert found["code"] == "unknown-pipe"
    assert found["line"] == found["end_line"]
    line = text.split("\n")[found["line"] - 1]
    assert line[found["column"] - 1 : found["end_column"] - 1] == "uper"
    assert f"{path}:{found['line']}:{found['column']}, node 'b', field 't'" in _text(path, capsys)


def test_json_escapes(write: Callable[[str, str], str], capsys: pytest.CaptureFixture[str]) -> None:
    document = {
        "nodes": [
            {"slug": "a", "plugin": "p"},
            {
                "slug": "b",
                "plugin": "p",
                "depends_on": ["a"],
                "bindings": {"t": {"source": "expression", "expression": 'é\t"\\ {a.x | uper}'}},
            },
        ]
    }
    text = json.dumps(document, indent=1)
    path = write("p.json", text)
    assert main(["check", path, "--format", "json"]) == 1
    (found,) = json.loads(capsys.readouterr().out)["diagnostics"]
    line = text.split("\n")[found["line"] - 1]
    assert line[found["column"] - 1 : found["end_column"] - 1] == "uper"


def _text(path: str, capsys: pytest.CaptureFixture[str]) -> str:
    main(["check", path])
    return capsys.readouterr().out
