"""Every Python block of docs/worker.md runs as written."""

import re
from pathlib import Path

import pytest

DOC = Path(__file__).resolve().parents[2] / "docs" / "worker.md"
BLOCK = re.compile(r"^```python\n(.*?)^```", re.M | re.S)
BLOCKS = BLOCK.findall(DOC.read_text(encoding="utf-8"))


def test_the_worker_docs_have_python_blocks() -> None:
    assert len(BLOCKS) >= 6


@pytest.mark.parametrize("code", BLOCKS, ids=[f"worker.md#{n}" for n in range(1, len(BLOCKS) + 1)])
def test_block_runs(code: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    exec(compile(code, "<docs/worker.md>", "exec"), {"__name__": "__docs__"})
