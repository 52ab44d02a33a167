"""The package's layering holds: imports go only downward, never in a circle.

The contracts live in pyproject.toml (``[tool.importlinter]``) and
docs/concepts/architecture.md draws them. A second test proves they can fail: an
import from a low layer up to the engine, made only for type checking, must
break both the layering and the no-circles contract.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

pytest.importorskip("importlinter")


def _lint(cwd: Path, pythonpath: Path) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, PYTHONPATH=str(pythonpath))
    return subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys; from importlinter.cli import lint_imports; "
            "sys.exit(lint_imports(config_filename='pyproject.toml', no_cache=True))",
        ],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )


def test_the_import_contracts_hold() -> None:
    result = _lint(ROOT, ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


def test_an_upward_import_in_a_circle_breaks_the_contracts(tmp_path: Path) -> None:
    shutil.copytree(
        ROOT / "dagabaaz", tmp_path / "dagabaaz", ignore=shutil.ignore_patterns("__pycache__")
    )
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    store = tmp_path / "dagabaaz" / "store.py"
    store.write_text(
        store.read_text(encoding="utf-8")
        + "\nfrom typing import TYPE_CHECKING\n\nif TYPE_CHECKING:\n"
        "    from dagabaaz.orchestrator import start_run  # noqa: F401\n",
        encoding="utf-8",
    )
    result = _lint(tmp_path, tmp_path)
    assert result.returncode != 0
    assert "dagabaaz imports only downward BROKEN" in result.stdout
    assert "no import circles anywhere in dagabaaz BROKEN" in result.stdout
    assert "dagabaaz.store -> dagabaaz.orchestrator" in result.stdout
