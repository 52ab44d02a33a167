"""The README's first two shell blocks: install and run the example, install and test.

`.ci/run` executes the second block in a fresh virtual environment; here the
first one runs for real (its `dagabaaz run` part in a subprocess, on a copy of
the example), and pip checks, offline, that both installs resolve.
"""

from __future__ import annotations

import importlib.util
import os
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from docs_pages import ROOT, SHELL, blocks

README = ROOT / "README.md"
INSTALL_AND_RUN = (
    "pip install -e '.[cli]' && "
    "dagabaaz run examples/media/pipeline.yaml --plugins examples/media/plugins.py"
)
INSTALL_AND_TEST = "pip install -e '.[dev]' && python -m pytest"


def shell_blocks() -> list[str]:
    return [block.code.strip() for block in blocks(README) if block.language in SHELL]


def test_the_first_two_shell_blocks_install_run_and_test() -> None:
    assert shell_blocks()[:2] == [INSTALL_AND_RUN, INSTALL_AND_TEST]


@pytest.mark.parametrize("number", [1, 2], ids=["block-1", "block-2"])
def test_ci_extracts_the_same_blocks(number: int) -> None:
    result = subprocess.run(
        [sys.executable, str(ROOT / ".ci" / "readme_block.py"), str(README), str(number)],
        capture_output=True,
        text=True,
        check=True,
    )
    assert result.stdout.strip() == shell_blocks()[number - 1]


@pytest.mark.slow
@pytest.mark.parametrize(
    "block", [INSTALL_AND_RUN, INSTALL_AND_TEST], ids=["cli-extra", "dev-extra"]
)
def test_pip_resolves_the_install_offline(block: str, tmp_path: Path) -> None:
    install = shlex.split(block.split(" && ")[0])
    assert install[:2] == ["pip", "install"]
    arguments = install[2:]
    if importlib.util.find_spec("editables") is None:
        # Without network, pip cannot fetch what an editable build needs; the
        # requirements and extras are the same either way.
        arguments.remove("-e")
    offline = ["--dry-run", "--no-index", "--no-build-isolation"]
    report = ["--report", str(tmp_path / "report.json")]
    result = subprocess.run(
        [sys.executable, "-m", "pip", "install", *offline, *report, *arguments],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Would install dagabaaz-" in result.stdout


def test_the_example_runs_as_the_readme_says(tmp_path: Path) -> None:
    run = INSTALL_AND_RUN.split(" && ")[1]
    shutil.copytree(
        ROOT / "examples",
        tmp_path / "examples",
        ignore=shutil.ignore_patterns("__pycache__", "out"),
    )
    scripts = Path(sys.executable).parent
    env = {**os.environ, "PATH": f"{scripts}{os.pathsep}{os.environ.get('PATH', '')}"}
    result = subprocess.run(
        ["bash", "-euo", "pipefail", "-c", run],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    manifest = tmp_path / "examples" / "media" / "out" / "manifest.json"
    assert "export: completed" in result.stdout
    assert result.stdout.rstrip().endswith(f"outputs of export:\n  {manifest}")
    assert manifest.is_file()
