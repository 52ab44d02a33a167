"""Custom pipes and plugin metadata reach the command line through the plugins file.

A user who registered ``shout`` on their own registry exports it as ``PIPES``
(and their plugins' metadata as ``PLUGIN_META``); ``check``, ``eval``,
``run`` and ``pipes`` then know it.
"""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest

from dagabaaz.cli import main

PLUGINS_FILE = '''
from dagabaaz.pipes import DEFAULT_PIPES
from dagabaaz.plugins import OutputSpec, PluginInfo

PIPES = DEFAULT_PIPES.copy()


@PIPES.register("shout")
def shout(value: str, marks: int = 1) -> str:
    """Upper-case the text and add exclamation marks."""
    return value.upper() + "!" * marks


def fetch(task):
    return [{"file_name": "a.txt", "metadata": {"title": "harbour"}}]


def save(task):
    return [{"file_name": task["title"] + ".txt"}]


PLUGINS = {"fetch": fetch, "save": save}
PLUGIN_META = [PluginInfo("fetch", outputs=[OutputSpec("title", "string", "The title.")])]
'''

PIPELINE = """
nodes:
  - slug: fetch
    plugin: fetch
  - slug: save
    plugin: save
    depends_on: [fetch]
    bindings:
      title: {source: expression, expression: "{fetch.title | shout(2)}"}
"""


@pytest.fixture
def files(write: Callable[[str, str], str]) -> tuple[str, str]:
    return write("plugins.py", PLUGINS_FILE), write("pipeline.yaml", PIPELINE)


def test_check_knows_the_custom_pipe(
    files: tuple[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    plugins, pipeline = files
    assert main(["check", pipeline]) == 1
    assert "error[unknown-pipe]: unknown pipe 'shout'" in capsys.readouterr().out
    assert main(["check", pipeline, "-p", plugins]) == 0
    assert capsys.readouterr().out.endswith(": ok (2 nodes)\n")


def test_eval_uses_the_custom_pipe(
    files: tuple[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    plugins, _ = files
    assert main(["eval", "{input.name | shout(3)}", "-i", "name=hey", "--plugins", plugins]) == 0
    assert capsys.readouterr().out == '"HEY!!!"\n'
    assert main(["eval", "{input.name | shout(x)}", "-p", plugins]) == 1
    assert "argument 'marks' of pipe 'shout' must be an integer" in capsys.readouterr().out


def test_run_evaluates_bindings_with_the_custom_pipe(
    files: tuple[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    plugins, pipeline = files
    assert main(["run", pipeline, "-p", plugins, "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["status"] == "completed"
    save = next(node for node in result["nodes"] if node["slug"] == "save")
    (output,) = save["outputs"]
    assert output["file_name"] == "HARBOUR!!.txt"


def test_pipes_lists_the_custom_pipe(
    files: tuple[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    plugins, _ = files
    assert main(["pipes", "--json", "-p", plugins]) == 0
    vocabulary = {entry["name"]: entry for entry in json.loads(capsys.readouterr().out)}
    assert vocabulary["shout"]["signature"] == "shout([marks])"
    assert vocabulary["shout"]["summary"] == "Upper-case the text and add exclamation marks."
    assert "upper" in vocabulary
    assert main(["pipes"]) == 0
    assert "shout" not in capsys.readouterr().out


def test_a_file_with_only_pipes_is_enough_where_no_plugin_runs(
    write: Callable[[str, str], str], capsys: pytest.CaptureFixture[str]
) -> None:
    only_pipes = write(
        "pipes_only.py",
        "from dagabaaz.pipes import DEFAULT_PIPES\n"
        "PIPES = DEFAULT_PIPES.copy()\n"
        "PIPES.register('twice', lambda value: str(value) * 2)\n",
    )
    assert main(["eval", "{input.a | twice}", "-i", "a=ab", "-p", only_pipes]) == 0
    assert capsys.readouterr().out == '"abab"\n'
    pipeline = write("p.yaml", "[{slug: a, plugin: p}]")
    assert main(["run", pipeline, "-p", only_pipes]) == 2
    assert "defines no PLUGINS" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "PIPES = {'shout': str.upper}",
            "PIPES must be a PipeRegistry (DEFAULT_PIPES.copy() with your pipes registered), "
            "got dict",
        ),
        (
            "PLUGIN_META = 'fetch'",
            "PLUGIN_META must be a list of plugin metadata (such as PluginInfo) or a dict of "
            "name -> metadata, got str",
        ),
        (
            "PLUGIN_META = [{'name': 'fetch'}]",
            "PLUGIN_META holds a dict; expected PluginMeta objects such as "
            "dagabaaz.plugins.PluginInfo",
        ),
        (
            "from dagabaaz.plugins import PluginInfo\n"
            "class Meta:\n"
            "    name = 'fetch'\n"
            "    worker_only = False\n"
            "    outputs = [{'name': 'x', 'type': 'text'}]\n"
            "    def get_effective_inputs(self):\n"
            "        return []\n"
            "PLUGIN_META = [Meta()]",
            "PLUGIN_META: plugin 'fetch', output 'x': type must be one of any, string, integer",
        ),
        (
            "from dagabaaz.plugins import PluginInfo\n"
            "PLUGIN_META = [PluginInfo('a'), PluginInfo('a')]",
            "PLUGIN_META describes plugin 'a' twice",
        ),
        (
            "X = 1",
            "defines none of PLUGINS, PIPES and PLUGIN_META; add PLUGINS = "
            "{'name': function, ...}, or PIPES = <your PipeRegistry> for custom pipes",
        ),
    ],
    ids=["pipes-not-registry", "meta-not-list", "meta-not-meta", "bad-output", "twice", "nothing"],
)
def test_a_malformed_plugins_file_is_a_clear_error(
    write: Callable[[str, str], str], capsys: pytest.CaptureFixture[str], text: str, message: str
) -> None:
    plugins = write("bad.py", text)
    assert main(["eval", "{input.a}", "-p", plugins]) == 2
    assert message in capsys.readouterr().err
