"""The language server page says what the server does: its transcript and editor configurations."""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "docs"))

from docs_pages import blocks
from lsp_transcript import transcript

PAGE = Path(__file__).resolve().parents[2] / "docs" / "editor" / "language-server.md"


def test_the_transcript_is_what_the_server_answers() -> None:
    text = PAGE.read_text(encoding="utf-8")
    shown = re.search(
        r"<!-- transcript: [^>]+ -->\n```text\n(.*?)\n```\n<!-- /transcript -->", text, re.S
    )
    assert shown is not None
    assert shown.group(1) == transcript()


def test_the_editor_configurations_start_the_server() -> None:
    found = {block.language: block.code for block in blocks(PAGE)}
    manifest = json.loads(found["json"])
    setting = manifest["contributes"]["configuration"]["properties"]["dagabaaz.command"]
    assert setting["default"] == ["dagabaaz", "lsp"]
    assert "vscode-languageclient" in manifest["dependencies"]
    assert 'get("command")' in found["javascript"]
    lua = [block.code for block in blocks(PAGE) if block.language == "lua"]
    assert 'cmd = { "dagabaaz", "lsp" }' in lua[0]
    assert 'vim.lsp.enable("dagabaaz")' in lua[1]
