"""The code table and docs/validation.md stay in step."""

from __future__ import annotations

import re
from pathlib import Path

from dagabaaz.validation import PIPELINE_CODES

DOC = Path(__file__).resolve().parents[2] / "docs" / "validation.md"
HEADING = re.compile(r"^### `([a-z-]+)` \((error|warning)\)$", re.MULTILINE)


def test_every_code_is_documented_with_its_severity() -> None:
    documented = dict(HEADING.findall(DOC.read_text(encoding="utf-8")))
    table = {code: info.severity for code, info in PIPELINE_CODES.items()}
    assert documented == table


def test_codes_are_kebab_case() -> None:
    assert all(re.fullmatch(r"[a-z]+(-[a-z]+)*", code) for code in PIPELINE_CODES)
