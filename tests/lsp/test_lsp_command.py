"""``dagabaaz lsp`` without its extra says how to install it; a bad plugins file is refused."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from dagabaaz.cli import main


def test_without_pygls_the_command_says_how_to_install_it(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setitem(sys.modules, "pygls", None)
    for name in [name for name in sys.modules if name.startswith(("dagabaaz.lsp", "pygls."))]:
        monkeypatch.delitem(sys.modules, name)
    assert main(["lsp"]) == 2
    err = capsys.readouterr().err
    assert err == (
        "dagabaaz: the language server needs pygls, which is not installed; install it with: "
        "pip install 'dagabaaz[lsp]'\n"
    )


def test_a_bad_plugins_file_is_refused_before_serving(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    plugins = tmp_path / "bad.py"
    plugins.write_text("PIPES = 3\n", encoding="utf-8")
    assert main(["lsp", "--plugins", str(plugins)]) == 2
    assert "PIPES must be a PipeRegistry" in capsys.readouterr().err
