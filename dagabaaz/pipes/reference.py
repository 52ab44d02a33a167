"""The pipe reference of ``docs/expressions/pipes.md``, generated from a registry's vocabulary.

Run ``python -m dagabaaz.pipes.reference`` to print it; a test checks that the
copy in the docs is up to date.
"""

from __future__ import annotations

import json
from typing import Any

from dagabaaz.pipes.builtin import DEFAULT_PIPES
from dagabaaz.pipes.registry import PipeRegistry

__all__ = ["markdown_reference"]


def markdown_reference(registry: PipeRegistry = DEFAULT_PIPES) -> str:
    """Return a Markdown table of every function and pipe of ``registry``."""
    lines = [
        "| name | parameters | receives | what it does |",
        "|---|---|---|---|",
    ]
    for entry in registry.vocabulary():
        params = "; ".join(_param(p) for p in entry["params"]) or "none"
        receives = {"string": "text", "any": "any value", None: "references"}[entry["value"]]
        lines.append(
            f"| `{_cell(entry['signature'])}` | {_cell(params)} | {receives} "
            f"| {_cell(entry['summary'])} |"
        )
    return "\n".join(lines) + "\n"


def _param(param: dict[str, Any]) -> str:
    text = f"`{param['name']}` {param['type']}"
    if param["variadic"]:
        text += ", one or more" if param["required"] else ", any number"
    low, high = param["min"], param["max"]
    if param["type"] == "string" and (low, high) == (1, None):
        text += ", not empty"
    elif low is not None or high is not None:
        unit = " characters" if param["type"] == "string" else ""
        if high is None:
            text += f", at least {low}{unit}"
        elif low is None:
            text += f", at most {high}{unit}"
        else:
            text += f", {low} to {high}{unit}"
    if not param["required"] and not param["variadic"]:
        text += f", default `{json.dumps(param['default'], ensure_ascii=False)}`"
    return text


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


if __name__ == "__main__":
    print(markdown_reference(), end="")
