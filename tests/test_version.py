"""The version: set once (pyproject.toml), read from the package metadata, says what it keeps."""

from __future__ import annotations

import re
import subprocess
import sys
import tomllib
from importlib.metadata import version
from pathlib import Path

import pytest

import dagabaaz
from dagabaaz.cli import main, version_line
from dagabaaz.constants import COMPATIBLE_API_VERSION

ROOT = Path(__file__).resolve().parents[1]
PYPROJECT_VERSION = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["version"]


def _numbers(text: str) -> tuple[int, ...]:
    return tuple(int(part) for part in re.findall(r"\d+", text)[:3])


def test_the_package_reports_the_version_pyproject_sets() -> None:
    assert version("dagabaaz") == PYPROJECT_VERSION
    assert dagabaaz.__version__ == PYPROJECT_VERSION


def test_the_version_is_written_nowhere_else_in_the_package() -> None:
    literal = re.compile(rf"[\"']{re.escape(PYPROJECT_VERSION)}[\"']")
    written = [
        str(path.relative_to(ROOT))
        for path in (ROOT / "dagabaaz").rglob("*.py")
        if literal.search(path.read_text(encoding="utf-8"))
    ]
    assert written == []


def test_dagabaaz_version_names_the_version_and_the_api_it_keeps(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["--version"]) == 0
    out = capsys.readouterr().out
    assert out == f"dagabaaz {PYPROJECT_VERSION} (compatible with the dagabaaz 0.4.1 API)\n"
    assert out.strip() == version_line()


def test_the_installed_command_says_the_same() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "dagabaaz", "--version"],
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
    )
    assert result.stdout.strip() == version_line()


def test_a_successor_of_the_readme_version_sorts_after_it() -> None:
    # pip upgrades from 0.4.1 to this version, never "down" to it.
    assert _numbers(PYPROJECT_VERSION) > _numbers(COMPATIBLE_API_VERSION)


@pytest.mark.parametrize("page", ["README.md", "docs/index.md", "docs/migrating.md"])
def test_the_docs_name_the_api_version_kept(page: str) -> None:
    text = (ROOT / page).read_text(encoding="utf-8")
    assert COMPATIBLE_API_VERSION in text
    assert "dagabaaz --version" in text


def test_reading_the_version_is_left_until_asked() -> None:
    code = (
        "import sys, dagabaaz; before = 'importlib.metadata' in sys.modules; "
        "v = dagabaaz.__version__; print(before, v)"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.split() == ["False", PYPROJECT_VERSION]
