# ruff: noqa: E501  (expected output reads best line for line)
"""`dagabaaz run`: a short reason beside each node that did not complete, and all of them in --json."""

import io
import json
import re
from collections.abc import Callable
from pathlib import Path

import pytest

from dagabaaz.cli import main
from dagabaaz.cli._display import LiveDisplay
from dagabaaz.cli._reasons import REASON_LINE_LENGTH
from dagabaaz.cli.run import WHY_LINES
from dagabaaz.constants import FanMode, FilterOperator
from dagabaaz.models import EdgeReport, FilteredReason, RuleReport
from dagabaaz.runner import NodeFinished, NodeStarted, NodeStatus, RunResult

Write = Callable[[str, str], str]

DOCS = Path(__file__).resolve().parents[2] / "docs"
CASCADE = str(DOCS / "examples" / "cascade.yaml")
PLUGINS = str(DOCS / "examples" / "plugins.py")


def _timeless(text: str) -> list[str]:
    return [re.sub(r"\d+\.\d\d s\b", "0.00 s", line) for line in text.splitlines()]


def test_the_cascade_says_why_each_node_was_skipped_or_filtered(
    capsys: pytest.CaptureFixture[str],
) -> None:
    argv = ["run", CASCADE, "-p", PLUGINS, "--workers", "1", "--run-id", "cascade"]
    assert main(argv) == 0
    assert _timeless(capsys.readouterr().out) == [
        "fetch: started (fetch_videos, 1 task)",
        "fetch: completed (1 task, 0.00 s)",
        "subtitles: started (parse_subtitles, 1 task)",
        'subtitles: filtered (1 task, 0.00 s) ← fetch: edge rejected all 2 (file_type eq "subtitle": 2)',
        "translate: started (translate, 1 task)",
        "translate: filtered (1 task, 0.00 s) ← subtitles: nothing arrived",
        "report: started (report, 1 task)",
        "bundle: started (unpack, 1 task)",
        'bundle: skipped (1 task, 0.00 s) ← fetch: aggregate edge rejected all 2 (file_type eq "archive": 2)',
        "publish: started (publish, 1 task)",
        "publish: skipped (1 task, 0.00 s) ← bundle skipped (its edge from fetch rejected all)",
        "report: completed (1 task, 0.00 s)",
        "notify: started (notify, 1 task)",
        "notify: skipped (1 task, 0.00 s) ← publish skipped (first cause: bundle's edge from fetch rejected all)",
        "run cascade completed in 0.00 s",
        "  fetch      fetch_videos     completed  1 task  2 outputs  0.00 s",
        "  subtitles  parse_subtitles  filtered   1 task  0 outputs  0.00 s",
        "  translate  translate        filtered   1 task  0 outputs  0.00 s",
        "  report     report           completed  1 task  1 output   0.00 s",
        "  bundle     unpack           skipped    1 task  0 outputs  0.00 s",
        "  publish    publish          skipped    1 task  0 outputs  0.00 s",
        "  notify     notify           skipped    1 task  0 outputs  0.00 s",
        "why:",
        '  subtitles  filtered  ← fetch: edge rejected all 2 (file_type eq "subtitle": 2)',
        "  translate  filtered  ← subtitles: nothing arrived",
        '  bundle     skipped   ← fetch: aggregate edge rejected all 2 (file_type eq "archive": 2)',
        "  publish    skipped   ← bundle skipped (its edge from fetch rejected all)",
        "  notify     skipped   ← publish skipped (first cause: bundle's edge from fetch rejected all)",
    ]


def test_a_completed_run_has_no_why_block(capsys: pytest.CaptureFixture[str]) -> None:
    fan_modes = str(DOCS / "examples" / "fan-modes.yaml")
    assert main(["run", fan_modes, "-p", PLUGINS]) == 0
    out = capsys.readouterr().out
    assert "why:" not in out and "←" not in out


CHAIN = """\
- {slug: fetch, plugin: fetch_clips}
- {slug: probe, plugin: probe_clip, depends_on: [fetch]}
- {slug: encode, plugin: report, depends_on: [probe], fan_mode: aggregate}
- {slug: package, plugin: report, depends_on: [encode]}
- {slug: publish, plugin: publish, depends_on: [package]}
"""


def test_a_failure_and_the_nodes_it_left_unrun(
    write: Write, capsys: pytest.CaptureFixture[str]
) -> None:
    pipeline = write("chain.yaml", CHAIN)
    assert main(["run", pipeline, "-p", PLUGINS, "--workers", "1"]) == 1
    out = capsys.readouterr().out.splitlines()
    # The failure's error is on its task's line; the node's own line does not repeat it.
    assert "probe: task task-3 failed: lighthouse.mp4: ValueError: bad header" in out
    assert any(re.fullmatch(r"probe: failed \(3 tasks, \d+\.\d\d s\)", line) for line in out)
    assert out[out.index("why:") :] == [
        "why:",
        "  probe    failed   on lighthouse.mp4: ValueError: bad header",
        "  encode   not_run  waiting on probe when the run failed",
        "  package  not_run  waiting on encode when the run failed",
        "  publish  not_run  waiting on package when the run failed",
    ]


def test_json_carries_every_reason_and_reads_back(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["run", CASCADE, "-p", PLUGINS, "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    result = RunResult.from_dict(data)
    assert result.to_dict() == data
    outcomes = {node["slug"]: [r["outcome"] for r in node["reasons"]] for node in data["nodes"]}
    assert outcomes == {
        "fetch": ["launched"],
        "subtitles": ["filtered"],
        "translate": ["filtered"],
        "report": ["launched"],
        "bundle": ["skipped"],
        "publish": ["skipped"],
        "notify": ["skipped"],
    }
    bundle = result.nodes["bundle"].reason
    assert bundle is not None and bundle.model_dump(mode="json") == data["nodes"][4]["reasons"][0]
    assert [link.node for link in result.nodes["notify"].reason.chain] == [  # type: ignore[union-attr]
        "notify",
        "publish",
        "bundle",
    ]


def test_the_why_block_is_bounded_at_any_fan_out(
    write: Write, capsys: pytest.CaptureFixture[str]
) -> None:
    # One root and 60 filtered nodes, each with a rule rejecting files whose names are huge.
    plugins = write(
        "wide_plugins.py",
        "def many(task):\n"
        "    return [{'file_name': 'x' * 5000 + str(i) + '.mp4'} for i in range(500)]\n"
        "def use(task):\n    return None\n"
        "PLUGINS = {'many': many, 'use': use}\n",
    )
    rule = {"field": "file_name", "operator": "eq", "value": "y" * 3000}
    nodes = [{"slug": "root", "plugin": "many"}] + [
        {
            "slug": f"n{i}-" + "s" * 80,
            "plugin": "use",
            "depends_on": ["root"],
            "edge_filters": {"root": {"rules": [rule, {**rule, "operator": "neq"}]}},
        }
        for i in range(60)
    ]
    pipeline = write("wide.json", json.dumps(nodes))
    assert main(["run", pipeline, "-p", plugins, "--fan-out-limit", "1000"]) == 0
    out = capsys.readouterr().out.splitlines()
    why = out[out.index("why:") :]
    assert len(why) == 1 + WHY_LINES + 1
    assert why[-1] == f"  ... and {60 - WHY_LINES} more (--json has every reason)"
    reasons = [line.split("filtered  ", 1)[1] for line in why[1:-1]]
    assert all(len(reason) <= REASON_LINE_LENGTH for reason in reasons)
    assert reasons[0].startswith('← root: edge rejected all 500 (file_name eq "yyyy')
    assert all(len(line) < 200 for line in out)


def test_hostile_slugs_and_errors_stay_on_one_line(
    write: Write, capsys: pytest.CaptureFixture[str]
) -> None:
    plugins = write(
        "bad_plugins.py",
        "def one(task):\n    return [{'file_name': 'a\\nb[red].mp4'}]\n"
        "def boom(task):\n    raise ValueError('line one\\nline two [bold]x[/bold]')\n"
        "PLUGINS = {'one': one, 'boom': boom}\n",
    )
    slug = "we\nird[red]"
    pipeline = write(
        "hostile.json",
        json.dumps(
            [
                {"slug": "src", "plugin": "one"},
                {"slug": slug, "plugin": "boom", "depends_on": ["src"]},
                {"slug": "after", "plugin": "one", "depends_on": [slug]},
            ]
        ),
    )
    assert main(["run", pipeline, "-p", plugins]) == 1
    out = capsys.readouterr().out.splitlines()
    why = out[out.index("why:") :]
    assert why == [
        "why:",
        "  we\\nird[red]  failed   on a\\nb[red].mp4: ValueError: line one",
        "  after         not_run  waiting on we\\nird[red] when the run failed",
    ]


def test_the_live_view_shows_the_reason_as_text_not_markup() -> None:
    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    reason = FilteredReason(
        node="[bold]x[/bold]",
        node_index=1,
        fan_mode=FanMode.SINGLE,
        edges=(
            EdgeReport(
                dependency="[red]src",
                arrived=2,
                rules=(
                    RuleReport(
                        field="lang", operator=FilterOperator.EQ, value="[blink]", rejected=2
                    ),
                ),
            ),
        ),
    )
    stream = Terminal()
    with LiveDisplay(stream) as display:
        display(NodeStarted("[bold]x[/bold]", "p", 1))
        display(NodeFinished("[bold]x[/bold]", NodeStatus.FILTERED, 1, 0.0, (reason,)))
    text = stream.getvalue()
    assert "[bold]x[/bold]" in text
    assert '← [red]src: edge rejected all 2 (lang eq "[blink]": 2)' in text
