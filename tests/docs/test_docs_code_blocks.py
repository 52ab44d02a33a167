"""Every code block of README.md and docs/ runs as written (see docs_pages for the rules)."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from docs_pages import (
    EXPECTED_OUTPUT,
    LANGUAGES,
    NOT_RUN,
    ROOT,
    SHELL,
    SKIP,
    Block,
    blocks,
    page_id,
    pages,
    run_python,
    shell_commands,
)

from dagabaaz.cli import build_parser, main

PAGES = pages()


@pytest.fixture(scope="module")
def sandbox(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the folders the docs name, so that what the examples write stays there."""
    root = tmp_path_factory.mktemp("docs-sandbox")
    ignore = shutil.ignore_patterns("__pycache__", "out", "site")
    for name in ("docs", "examples"):
        shutil.copytree(ROOT / name, root / name, ignore=ignore)
    return root


def run_shell(block: Block, capsys: pytest.CaptureFixture[str]) -> str:
    """Run the block's ``dagabaaz`` commands in-process; return what they printed."""
    commands, others = shell_commands(block)
    not_run = [line for line in others if not line.startswith(NOT_RUN)]
    assert not not_run, f"{block.where}: shell lines the docs tests cannot run: {not_run}"
    printed = []
    for command in commands:
        capsys.readouterr()
        code = main(list(command.argv))
        out, err = capsys.readouterr()
        assert code == command.exit_code, (
            f"{block.where}: `{command.text}` exited with {code}, expected "
            f"{command.exit_code}\n{out}{err}"
        )
        if command.output is not None:
            Path(command.output).write_text(out, encoding="utf-8")  # in the sandbox
            continue
        printed.append(out)
    return "".join(printed)


def check_shell(block: Block) -> None:
    """Parse, without running, the ``dagabaaz`` commands of a block the tests cannot run."""
    commands, _ = shell_commands(block)
    for command in commands:
        try:
            build_parser().parse_args(list(command.argv))
        except SystemExit:
            pytest.fail(f"{block.where}: `{command.text}` is not a valid command line")


@pytest.mark.parametrize("path", PAGES, ids=page_id)
def test_every_block_of_the_page_runs(
    path: Path, sandbox: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(sandbox)
    monkeypatch.setattr(sys, "path", list(sys.path))
    namespace: dict[str, Any] = {"__name__": "__docs__"}
    output: str | None = None
    for block in blocks(path):
        if block.marker == EXPECTED_OUTPUT:
            assert output is not None, f"{block.where}: expected output of nothing"
            assert block.code == output, f"{block.where}: the block before it printed:\n{output}"
        if block.language == "python":
            if block.runs:
                output = run_python(block, namespace)
            else:
                compile(block.code, block.where, "exec")
                output = None
        elif block.language in SHELL and (block.marker or "").startswith(SKIP):
            check_shell(block)
            output = None
        elif block.language in SHELL:
            output = run_shell(block, capsys)
        else:
            output = None


@pytest.mark.parametrize("path", PAGES, ids=page_id)
def test_code_blocks_say_their_language(path: Path) -> None:
    unknown = [f"{b.where}: {b.info!r}" for b in blocks(path) if b.language not in LANGUAGES]
    assert not unknown, f"name a language the docs tests know ({sorted(LANGUAGES)})"


def test_expected_output_follows_a_block_that_runs() -> None:
    misplaced = []
    for path in PAGES:
        found = blocks(path)
        for previous, block in zip([None, *found], found, strict=False):
            if block.marker == EXPECTED_OUTPUT and (
                block.language != "text"
                or previous is None
                or not (previous.runs or previous.language in SHELL)
            ):
                misplaced.append(block.where)
    assert not misplaced


def test_the_docs_have_many_runnable_blocks() -> None:
    # Guards the block reader itself: a broken fence pattern would find nothing.
    runnable = [b for path in PAGES for b in blocks(path) if b.runs]
    assert len(runnable) >= 60
    assert any(b.page == "README.md" for b in runnable)


@pytest.mark.skipif(shutil.which("ruff") is None, reason="ruff is not installed")
def test_python_blocks_are_ruff_formatted(tmp_path: Path) -> None:
    files = {}
    for path in PAGES:
        for block in blocks(path):
            if block.language == "python":
                name = f"{block.page.replace('/', '_').replace('.', '_')}_{block.line}.py"
                (tmp_path / name).write_text(block.code, encoding="utf-8")
                files[name] = block.where
    result = subprocess.run(
        ["ruff", "format", "--check", "--config", str(ROOT / "pyproject.toml"), "."],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
    )
    unformatted = [where for name, where in files.items() if name in result.stdout]
    assert result.returncode == 0, f"ruff format these blocks: {unformatted}\n{result.stdout}"
