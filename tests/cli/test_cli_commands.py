import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from dagabaaz import __version__
from dagabaaz.cli import main
from dagabaaz.drawing import render_dot, render_mermaid
from dagabaaz.loading import load_pipeline, pipeline_file_schema
from dagabaaz.pipes import DEFAULT_PIPES

ROOT = Path(__file__).resolve().parents[2]
MEDIA = ROOT / "examples" / "media"
PIPELINE = str(MEDIA / "pipeline.yaml")


def test_schema_prints_the_file_schema(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["schema"]) == 0
    assert json.loads(capsys.readouterr().out) == pipeline_file_schema()


@pytest.mark.parametrize(
    ("args", "render"),
    [
        ([], render_mermaid),
        (["--format", "mermaid"], render_mermaid),
        (["--format", "dot"], render_dot),
    ],
    ids=["default", "mermaid", "dot"],
)
def test_graph_prints_the_picture(
    capsys: pytest.CaptureFixture[str], args: list[str], render: Callable[..., str]
) -> None:
    assert main(["graph", PIPELINE, *args]) == 0
    assert capsys.readouterr().out == render(load_pipeline(PIPELINE).nodes)


def test_graph_of_unreadable_file_exits_two(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["graph", "missing.yaml"]) == 2
    assert capsys.readouterr().err == "missing.yaml: no such file\n"


def test_graph_rejects_unknown_format(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["graph", PIPELINE, "--format", "svg"]) == 2
    assert "invalid choice: 'svg'" in capsys.readouterr().err


def test_pipes_lists_the_vocabulary(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["pipes"]) == 0
    lines = capsys.readouterr().out.splitlines()
    names = [entry["name"] for entry in DEFAULT_PIPES.vocabulary()]
    assert len(lines) == len(names)
    assert [line.split("(")[0].split()[0] for line in lines] == names
    assert any(line.startswith("truncate(") for line in lines)
    assert main(["pipes", "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == json.loads(json.dumps(DEFAULT_PIPES.vocabulary()))


@pytest.mark.parametrize(
    ("argv", "code", "stream", "text"),
    [
        ([], 2, "err", "the following arguments are required: COMMAND"),
        (["--version"], 0, "out", f"dagabaaz {__version__}"),
        (["--help"], 0, "out", "check"),
        (["frobnicate"], 2, "err", "invalid choice: 'frobnicate'"),
        (["run", PIPELINE], 2, "err", "the following arguments are required: --plugins/-p"),
    ],
    ids=["no-command", "version", "help", "unknown-command", "run-without-plugins"],
)
def test_usage(
    capsys: pytest.CaptureFixture[str], argv: list[str], code: int, stream: str, text: str
) -> None:
    assert main(argv) == code
    captured = capsys.readouterr()
    assert text in getattr(captured, stream)


def test_python_dash_m_runs_the_command_line() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "dagabaaz", "check", PIPELINE],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert (result.returncode, result.stdout) == (0, f"{PIPELINE}: ok (5 nodes)\n")


def test_console_script_entry_point() -> None:
    # The installed `dagabaaz` script when there is one; otherwise exactly what the
    # wrapper that pip generates from [project.scripts] does.
    import tomllib

    target = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["scripts"]["dagabaaz"]
    assert target == "dagabaaz.cli:main"
    script = Path(sys.executable).parent / "dagabaaz"
    if script.exists():
        command = [str(script), "schema"]
    else:
        module, function = target.split(":")
        wrapper = f"import sys; from {module} import {function}; sys.exit({function}())"
        command = [sys.executable, "-c", wrapper, "schema"]
    result = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["title"] == "dagabaaz pipeline"


def test_closed_pipe_ends_quietly(tmp_path: Path) -> None:
    # Far more output than a pipe buffers, so the write really fails once head exits.
    data = tmp_path / "big.json"
    data.write_text(json.dumps({"input": {"x": list(range(90_000))}}))  # within max_list_length
    command = f"{sys.executable} -m dagabaaz eval '{{input.x}}' --data {data} | head -c 1"
    result = subprocess.run(
        command, shell=True, cwd=ROOT, capture_output=True, text=True, check=False
    )
    assert result.stdout == "["
    assert result.stderr == ""
