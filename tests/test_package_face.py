"""The package's face: the names the README uses, importable from ``dagabaaz``, loaded lazily."""

from __future__ import annotations

import importlib
import re
import subprocess
import sys
from pathlib import Path

import pytest

import dagabaaz

ROOT = Path(__file__).resolve().parents[1]


def test_importing_the_package_loads_nothing_else() -> None:
    code = "import sys, dagabaaz; print(sorted(m for m in sys.modules if m.startswith('dagabaaz')))"
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "['dagabaaz']"


def test_every_name_the_readme_imports_is_on_the_face() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    used = {
        name.strip()
        for names in re.findall(r"^from dagabaaz\.\w+ import (.+)$", readme, re.MULTILINE)
        for name in names.split(",")
    }
    assert used
    assert used <= set(dagabaaz.__all__)


@pytest.mark.parametrize("name", [n for n in dagabaaz.__all__ if n != "__version__"])
def test_each_name_is_its_home_modules_object(name: str) -> None:
    home = importlib.import_module(dagabaaz._HOMES[name])
    assert getattr(dagabaaz, name) is getattr(home, name)
    assert name in dir(dagabaaz)


def test_all_and_the_homes_agree() -> None:
    assert set(dagabaaz.__all__) == {*dagabaaz._HOMES, "__version__"}


def test_an_unknown_name_is_an_attribute_error() -> None:
    with pytest.raises(AttributeError, match="module 'dagabaaz' has no attribute 'Nope'"):
        dagabaaz.Nope  # noqa: B018
