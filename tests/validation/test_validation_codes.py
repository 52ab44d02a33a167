"""The pipeline code table is well formed (tests/docs checks that every code is documented)."""

from __future__ import annotations

import re

from dagabaaz.validation import PIPELINE_CODES


def test_codes_are_kebab_case() -> None:
    assert all(re.fullmatch(r"[a-z]+(-[a-z]+)*", code) for code in PIPELINE_CODES)
