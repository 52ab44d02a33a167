"""Docstrings and comments that point at a docs page point at one that exists."""

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PAGE = re.compile(r"docs/[A-Za-z0-9_/.-]+\.md")
SOURCES = sorted(
    path
    for folder in ("dagabaaz", "fuzz", "examples", "tests/benchmarks")
    for path in (ROOT / folder).rglob("*.py")
)


@pytest.mark.parametrize("source", SOURCES, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_docs_page_named_in_code_exists(source: Path) -> None:
    named = set(PAGE.findall(source.read_text(encoding="utf-8")))
    missing = sorted(page for page in named if not (ROOT / page).is_file())
    assert not missing, f"{source.relative_to(ROOT)} names missing pages: {missing}"
