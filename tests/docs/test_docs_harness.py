"""The docs tests' own reader: what it runs, checks and refuses."""

from __future__ import annotations

from pathlib import Path

import pytest
from docs_pages import Block, blocks, checked_prints, run_python, shell_commands


def block(code: str, info: str = "python", marker: str | None = None) -> Block:
    return Block("page.md", 10, info, code, marker, 0)


def test_blocks_are_read_with_their_marker_and_line(tmp_path: Path) -> None:
    page = tmp_path / "page.md"
    page.write_text(
        "# Title\n\n<!-- skip: no server -->\n```python\nconnect()\n```\n\n"
        '```python title="sketch"\nx = 1\n```\n\n  ```sh\n  dagabaaz pipes\n  ```\n',
        encoding="utf-8",
    )
    found = blocks(page)
    assert [(b.line, b.info, b.marker, b.runs) for b in found] == [
        (4, "python", "<!-- skip: no server -->", False),
        (8, 'python title="sketch"', None, False),
        (12, "sh", None, False),
    ]
    assert found[2].code == "dagabaaz pipes\n"


def test_an_unclosed_block_is_an_error(tmp_path: Path) -> None:
    page = tmp_path / "page.md"
    page.write_text("text\n```python\nx = 1\n", encoding="utf-8")
    with pytest.raises(AssertionError, match="code block is never closed"):
        blocks(page)


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        ("print(1)  # 1\n", {1: "1"}),
        ("print(1)\n", {}),
        ("x = 1  # 1\n", {}),
        ("for i in [1]:\n    print(i)  # 1\n", {}),
        ("print(\n    1\n)  # 1\n", {}),
        ('print("# not a comment")\n', {}),
    ],
    ids=["checked", "no-comment", "not-print", "indented", "multi-line", "hash-in-string"],
)
def test_checked_prints(code: str, expected: dict[int, str]) -> None:
    assert checked_prints(code) == expected


def test_a_print_that_disagrees_with_its_comment_fails() -> None:
    with pytest.raises(AssertionError, match=r"page.md:11: printed '2\\n', the page says '3'"):
        run_python(block("print(1 + 1)  # 3\n"), {})


def test_a_page_shares_one_namespace() -> None:
    namespace: dict[str, object] = {}
    run_python(block("x = 41\n"), namespace)
    assert run_python(block("print(x + 1)  # 42\n"), namespace) == "42\n"


def test_a_failing_block_points_at_the_page_line() -> None:
    with pytest.raises(ZeroDivisionError) as raised:
        run_python(block("x = 1\ny = 1 / 0\n"), {})
    frame = raised.traceback[-1]
    assert (str(frame.path), frame.lineno + 1) == ("page.md", 12)


def test_shell_commands() -> None:
    code = (
        "# a comment\n"
        "pip install -e '.[cli]' && dagabaaz run p.yaml \\\n    --plugins x.py\n"
        "dagabaaz check broken.yaml  # exit 1\n"
        "dagabaaz graph p.yaml --format dot | dot -Tsvg > out.svg\n"
        "python -m dagabaaz schema > schema.json\n"
    )
    commands, others = shell_commands(block(code, "sh"))
    assert [(c.argv, c.exit_code) for c in commands] == [
        (("run", "p.yaml", "--plugins", "x.py"), 0),
        (("check", "broken.yaml"), 1),
        (("graph", "p.yaml", "--format", "dot"), 0),
        (("schema",), 0),
    ]
    assert others == ["pip install -e '.[cli]'"]
