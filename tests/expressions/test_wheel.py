"""The wheel ships the grammar: an installed copy, away from the checkout, parses."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

CHECK = """
import dagabaaz, sys
from importlib import resources
from dagabaaz.expressions import compile_expression, parse
assert dagabaaz.__file__.startswith(sys.argv[1]), dagabaaz.__file__
assert resources.files("dagabaaz").joinpath("_grammar", "expression.lark").is_file()
assert resources.files("dagabaaz").joinpath("_runtime", "grammar_tables.json").is_file()
parse("{source.title | upper | truncate(50)}")
from dagabaaz.expressions import check_expression
assert [d.code for d in check_expression("{a.b | }")] == ["empty-pipe"], "explained by Lark"
print(compile_expression("{a.b | upper}").evaluate({"a": {"b": "ok"}}))
"""


@pytest.mark.slow
def test_installed_wheel_parses_with_its_own_grammar(tmp_path: Path) -> None:
    pytest.importorskip("hatchling")
    wheels = tmp_path / "wheels"
    site = tmp_path / "site"
    build = subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "-q",
            "-w",
            str(wheels),
            str(ROOT),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert build.returncode == 0, build.stderr
    (wheel,) = wheels.glob("dagabaaz-*.whl")
    install = subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "--no-deps",
            "-q",
            "--target",
            str(site),
            str(wheel),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert install.returncode == 0, install.stderr
    env = {**os.environ, "PYTHONPATH": str(site)}
    run = subprocess.run(
        [sys.executable, "-c", CHECK, str(site)],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert run.returncode == 0, run.stderr
    assert run.stdout.strip() == "OK"
