"""Import the fuzz harnesses (plain scripts in fuzz/, not a package) from the tests."""

from __future__ import annotations

import importlib
import sys
from pathlib import Path
from types import ModuleType

FUZZ_DIR = Path(__file__).resolve().parents[2] / "fuzz"


def fuzz_module(name: str) -> ModuleType:
    """Import ``fuzz/<name>.py`` the way the harnesses import each other."""
    if str(FUZZ_DIR) not in sys.path:
        sys.path.insert(0, str(FUZZ_DIR))
    return importlib.import_module(name)
