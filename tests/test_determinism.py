"""No test can fail at random: randomized tests are seeded or derandomized."""

from __future__ import annotations

import ast
import os
from pathlib import Path

import pytest
from hypothesis import settings

TESTS = Path(__file__).resolve().parent
ROOT = TESTS.parent
SOURCES = sorted([*TESTS.rglob("*.py"), *(ROOT / "fuzz").glob("*.py")])


@pytest.mark.skipif(
    os.environ.get("DAGABAAZ_HYPOTHESIS", "default") != "default",
    reason="an exploring profile was chosen on purpose",
)
def test_hypothesis_runs_derandomized_without_a_database() -> None:
    active = settings()
    assert active.derandomize is True
    assert active.database is None
    assert active.deadline is None


def _unseeded_randomness(tree: ast.AST) -> list[tuple[int, str]]:
    """Calls drawing from a global or unseeded random source."""
    found = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        function = node.func
        if isinstance(function, ast.Attribute) and isinstance(function.value, ast.Name):
            owner, name = function.value.id, function.attr
            if owner == "random" and name != "Random":
                found.append((node.lineno, f"random.{name}(): the global generator"))
            if owner == "random" and name == "Random" and not node.args and not node.keywords:
                found.append((node.lineno, "random.Random() without a seed"))
            if (
                owner in ("st", "strategies")
                and name == "randoms"
                and not any(
                    k.arg == "use_true_random"
                    and isinstance(k.value, ast.Constant)
                    and k.value.value is False
                    for k in node.keywords
                )
            ):
                found.append((node.lineno, "st.randoms() without use_true_random=False"))
        for keyword in node.keywords:
            if (
                keyword.arg == "derandomize"
                and isinstance(keyword.value, ast.Constant)
                and keyword.value.value is False
            ):
                found.append((node.lineno, "derandomize=False"))
            if keyword.arg == "database" and not (
                isinstance(keyword.value, ast.Constant) and keyword.value.value is None
            ):
                found.append((node.lineno, "an example database"))
    return found


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: str(p.relative_to(ROOT)))
def test_randomness_in_tests_is_seeded(path: Path) -> None:
    if path == TESTS / "conftest.py":
        return  # where the profiles are chosen: the exploring one is random on purpose
    found = _unseeded_randomness(ast.parse(path.read_text(encoding="utf-8")))
    assert not found, "\n".join(f"{path.name}:{line}: {what}" for line, what in found)


def test_the_scan_finds_unseeded_randomness() -> None:
    code = (
        "random.choice(x)\nrandom.Random()\nst.randoms()\n"
        "settings(derandomize=False)\nsettings(database=db)\n"
        "random.Random(7)\nst.randoms(use_true_random=False)\nsettings(database=None)\n"
    )
    assert [line for line, _ in _unseeded_randomness(ast.parse(code))] == [1, 2, 3, 4, 5]
