"""docs/expressions.md and docs/pipes.md: the code runs and the pipe reference is current."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from dagabaaz.pipes.reference import markdown_reference

DOCS = Path(__file__).resolve().parents[2] / "docs"
PAGES = ["expressions.md", "pipes.md"]


def python_blocks(page: str) -> list[str]:
    return re.findall(r"```python\n(.*?)```", (DOCS / page).read_text("utf-8"), re.S)


BLOCKS = [(page, index, code) for page in PAGES for index, code in enumerate(python_blocks(page))]


@pytest.mark.parametrize(("page", "index", "code"), BLOCKS, ids=[f"{b[0]}#{b[1]}" for b in BLOCKS])
def test_every_python_block_runs(page: str, index: int, code: str) -> None:
    exec(compile(code, f"{page}#{index}", "exec"), {"__name__": "__docs__"})


def test_the_pipe_reference_is_generated_from_the_registry() -> None:
    text = (DOCS / "pipes.md").read_text("utf-8")
    found = re.search(r"<!-- reference:start -->\n(.*?)<!-- reference:end -->", text, re.S)
    assert found is not None
    assert found.group(1) == markdown_reference(), (
        "docs/pipes.md is out of date: paste the output of python -m dagabaaz.pipes.reference"
    )
