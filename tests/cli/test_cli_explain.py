# ruff: noqa: E501  (expected output reads best line for line)
"""`dagabaaz explain RUN_RESULT.json NODE`: the chain of causes of a node of a saved run."""

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from dagabaaz.cli import main

Write = Callable[[str, str], str]

DOCS = Path(__file__).resolve().parents[2] / "docs"
PLUGINS = str(DOCS / "examples" / "plugins.py")


def _run(pipeline: str, capsys: pytest.CaptureFixture[str], write: Write, *extra: str) -> str:
    """Run ``pipeline`` with the docs' plugins; return the file its --json result is saved in."""
    main(["run", pipeline, "-p", PLUGINS, "--workers", "1", "--json", *extra])
    return write("result.json", capsys.readouterr().out)


def _explain(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(["explain", *argv])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


CHAIN = """\
- {slug: fetch, plugin: fetch_clips}
- {slug: probe, plugin: probe_clip, depends_on: [fetch]}
- {slug: encode, plugin: report, depends_on: [probe], fan_mode: aggregate}
- {slug: package, plugin: report, depends_on: [encode]}
- {slug: publish, plugin: publish, depends_on: [package]}
"""


def test_a_node_three_levels_below_a_failure_walks_back_to_the_failed_input(
    write: Write, capsys: pytest.CaptureFixture[str]
) -> None:
    saved = _run(write("chain.yaml", CHAIN), capsys, write)
    code, out, err = _explain(capsys, saved, "publish")
    assert (code, err) == (0, "")
    assert out.splitlines() == [
        "publish     not run: waiting on 'package' when the run failed",
        "<- package  not run: waiting on 'encode' when the run failed",
        "<- encode   not run: waiting on 'probe' when the run failed",
        "<- probe    failed on lighthouse.mp4: ValueError: bad header",
        "",
        "publish (not run)",
        "  the run failed before it ran",
        "  it was waiting on package",
        "  the run was ended by probe",
        "  run error: node 'probe' failed: lighthouse.mp4: ValueError: bad header",
        "",
        "package (not run)",
        "  the run failed before it ran",
        "  it was waiting on encode",
        "",
        "encode (not run)",
        "  the run failed before it ran",
        "  it was waiting on probe",
        "",
        "probe (failed, the first cause)",
        "  task task-3 failed",
        "  input: lighthouse.mp4 (artifact artifact-2)",
        "  error:",
        "    lighthouse.mp4: ValueError: bad header",
    ]


def test_a_skip_cascade_walks_back_to_the_edge_that_emptied(
    write: Write, capsys: pytest.CaptureFixture[str]
) -> None:
    saved = _run(str(DOCS / "examples" / "cascade.yaml"), capsys, write)
    code, out, _ = _explain(capsys, saved, "notify")
    assert code == 0
    assert out.splitlines() == [
        "notify      skipped: its dependency 'publish' was skipped",
        "<- publish  skipped: its dependency 'bundle' was skipped",
        '<- bundle   skipped: the filter on the edge from \'fetch\' rejected all 2 artifacts (file_type eq "archive" rejected 2 ("video", "video"))',
        "",
        "notify (skipped)",
        "  its dependency publish was skipped, and a skip cascades",
        "  edge from report: 1 arrived, 1 delivered",
        "  edge from publish: publish was skipped",
        "",
        "publish (skipped)",
        "  its dependency bundle was skipped, and a skip cascades",
        "  edge from bundle: bundle was skipped",
        "",
        "bundle (skipped, the first cause)",
        "  an aggregate node whose edge from fetch had artifacts and delivered",
        "  none is skipped: it would otherwise run without that input",
        "  edge from fetch: 2 arrived, 0 delivered",
        '    rule 1: file_type eq "archive": rejected 2 ("video", "video")',
    ]


WALK = """\
- {slug: fetch, plugin: fetch_clips}
- {slug: gate, plugin: gate, depends_on: [fetch]}
- slug: encode
  plugin: encode
  depends_on: [gate]
  edge_filters:
    gate:
      rules:
        - {field: file_size, operator: gt, value: 850}
        - {field: clip, operator: neq, value: harbour}
- slug: best
  plugin: report
  depends_on: [gate]
  fan_mode: aggregate
  edge_filters:
    gate: {rules: [{field: file_type, operator: eq, value: video}], select: largest}
- slug: sheet
  plugin: report
  depends_on: [fetch]
  fan_mode: aggregate
  bindings:
    title: {source: expression, expression: "{input.title}", when: "{input.named}"}
    colour: {source: config, value: red, when: "{input.named | not | not}"}
"""


@pytest.fixture
def walk(write: Write, capsys: pytest.CaptureFixture[str]) -> str:
    return _run(write("walk.yaml", WALK), capsys, write, "-i", "named=false")


def test_a_filtered_node_tells_each_rule_with_samples_and_the_walk_past_a_router(
    walk: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = _explain(capsys, walk, "encode")
    assert code == 0
    assert out.splitlines()[1:] == [
        "",
        "encode (filtered)",
        "  its edges delivered no artifact:",
        "  edge from gate (walked past gate: routing, produced nothing): 3 arrived, 0 delivered",
        "    rule 1: file_size gt 850: rejected 2 (700, 800)",
        '    rule 2: clip neq "harbour": rejected 1 ("harbour")',
    ]


def test_a_launched_node_says_how_many_tasks_and_what_select_kept(
    walk: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = _explain(capsys, walk, "best")
    assert code == 0
    assert out.splitlines()[1:] == [
        "",
        "best (completed)",
        "  launched 1 task: an aggregate node gets one task for all the artifacts delivered (1)",
        "  fan-out limit: 200",
        "  edge from gate (walked past gate: routing, produced nothing): 3 arrived, 1 delivered",
        '    rule 1: file_type eq "video": rejected 0',
        "    3 matched every rule",
        "    select largest: kept 1",
        "    delivered: harbour.mp4",
    ]


def test_gated_bindings_are_listed_with_what_their_clause_gave(
    walk: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = _explain(capsys, walk, "sheet")
    assert code == 0
    assert out.splitlines()[-2:] == [
        "  bindings a falsy when gated off:",
        "    task task-5: title (when {input.named} was false); colour (when {input.named | not | not} was false)",
    ]


def test_a_node_over_its_fan_out_limit(write: Write, capsys: pytest.CaptureFixture[str]) -> None:
    saved = _run(str(DOCS / "examples" / "fan-modes.yaml"), capsys, write, "--fan-out-limit", "2")
    code, out, _ = _explain(capsys, saved, "thumbnail")
    assert code == 0
    limit = "fan-out limit exceeded: 3 artifacts would start 3 tasks, more than the limit of 2; raise fan_out_limit to allow more"
    assert out.splitlines() == [
        f"thumbnail  failed: {limit}",
        "",
        "thumbnail (failed)",
        "  it was over its fan-out limit: no task ran",
        "  error:",
        f"    {limit}",
    ]


def test_json_gives_the_chain_and_every_reason(
    write: Write, capsys: pytest.CaptureFixture[str]
) -> None:
    saved = _run(str(DOCS / "examples" / "cascade.yaml"), capsys, write)
    code, out, _ = _explain(capsys, saved, "publish", "--json")
    assert code == 0
    data = json.loads(out)
    saved_result = json.loads(Path(saved).read_text())
    assert (data["run_id"], data["node"], data["status"]) == (
        saved_result["run_id"],
        "publish",
        "skipped",
    )
    assert [(c["node"], c["status"]) for c in data["causes"]] == [
        ("publish", "skipped"),
        ("bundle", "skipped"),
    ]
    assert data["causes"][1]["summary"].startswith("skipped: the filter on the edge from 'fetch'")
    bundle = next(node for node in saved_result["nodes"] if node["slug"] == "bundle")
    assert data["causes"][1]["reason"] == bundle["reasons"][0]
    publish = next(node for node in saved_result["nodes"] if node["slug"] == "publish")
    assert data["reasons"] == publish["reasons"]


def test_an_unknown_node_gets_a_did_you_mean(
    write: Write, capsys: pytest.CaptureFixture[str]
) -> None:
    saved = _run(str(DOCS / "examples" / "cascade.yaml"), capsys, write)
    code, out, err = _explain(capsys, saved, "pubish")
    assert (code, out) == (2, "")
    run_id = json.loads(Path(saved).read_text())["run_id"]
    assert (
        err == f"dagabaaz: {saved}: run '{run_id}' has no node 'pubish'; did you mean 'publish'?\n"
    )


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("not json", "explain {path}:1:1: invalid JSON: Expecting value"),
        ('{"nodes": []}', "explain {path}: not a run result: run_id: Field required"),
        ("[]", "explain {path}: a run result is a JSON object"),
    ],
    ids=["not-json", "not-a-result", "a-list"],
)
def test_a_file_that_is_not_a_run_result(
    write: Write, capsys: pytest.CaptureFixture[str], text: str, message: str
) -> None:
    path = write("result.json", text)
    code, out, err = _explain(capsys, path, "x")
    assert (code, out) == (2, "")
    assert err.startswith(f"dagabaaz: {message.format(path=path)}")


def test_a_result_saved_without_reasons_says_so(
    write: Write, capsys: pytest.CaptureFixture[str]
) -> None:
    saved = _run(str(DOCS / "examples" / "cascade.yaml"), capsys, write)
    data = json.loads(Path(saved).read_text())
    for node in data["nodes"]:
        node["reasons"] = []
    path = write("old.json", json.dumps(data))
    code, out, _ = _explain(capsys, path, "bundle")
    assert code == 0
    assert out.splitlines() == [
        "bundle  skipped (no reason recorded)",
        "",
        "bundle (skipped)",
        "  no reason recorded (the store that ran it keeps none)",
    ]


def test_hostile_slugs_file_names_and_errors_stay_on_their_lines(
    write: Write, capsys: pytest.CaptureFixture[str]
) -> None:
    plugins = write(
        "bad_plugins.py",
        "def one(task):\n    return [{'file_name': 'a\\nb\\x1b[2J.mp4'}]\n"
        "def boom(task):\n    raise ValueError('line one\\nline two')\n"
        "PLUGINS = {'one': one, 'boom': boom}\n",
    )
    slug = "we\nird\x1b[31m"
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
    main(["run", pipeline, "-p", plugins, "--json"])
    saved = write("result.json", capsys.readouterr().out)
    code, out, _ = _explain(capsys, saved, "after")
    assert code == 0
    assert "\x1b" not in out
    lines = out.splitlines()
    assert lines[1].startswith("<- we\\nird\\x1b[31m  failed on a\\nb\\x1b[2J.mp4: ")
    assert lines[-5:] == [
        "  task task-2 failed",
        "  input: a\\nb\\x1b[2J.mp4 (artifact artifact-1)",
        "  error:",
        "    a\\nb\\x1b[2J.mp4: ValueError: line one",
        "    line two",
    ]


GROUPED = """\
- {slug: fetch, plugin: fetch_clips}
- {slug: thumbnail, plugin: thumbnail, depends_on: [fetch]}
- slug: transcribe
  plugin: transcribe
  depends_on: [fetch]
  edge_filters: {fetch: {rules: [{field: file_type, operator: eq, value: subtitle}]}}
- {slug: package, plugin: package, depends_on: [thumbnail, transcribe], fan_mode: grouped}
"""


def test_a_grouped_merge_with_a_filtered_branch(
    write: Write, capsys: pytest.CaptureFixture[str]
) -> None:
    saved = _run(write("grouped.yaml", GROUPED), capsys, write)
    code, out, _ = _explain(capsys, saved, "package")
    assert code == 0
    assert out.splitlines() == [
        "package  completed: launched 3 tasks (grouped: 3 origin groups)",
        "",
        "package (completed)",
        "  launched 3 tasks: a grouped node gets one task per origin group (3)",
        "  fan-out limit: 200",
        "  edge from thumbnail: 3 arrived, 3 delivered",
        "  edge from transcribe: nothing arrived",
    ]
    code, out, _ = _explain(capsys, saved, "thumbnail")
    assert out.splitlines()[3:] == [
        "  launched 3 tasks: a single node gets one task per artifact delivered (3)",
        "  fan-out limit: 200",
        "  one edge without a filter: every artifact it delivered became a task",
    ]


@pytest.mark.parametrize("io_encoding", ["utf-8:strict", "utf-8:surrogateescape"])
def test_a_file_name_that_is_not_utf8_is_saved_and_explained(
    write: Write, tmp_path: Path, io_encoding: str
) -> None:
    # A plugin listing a directory on Linux gets undecodable bytes as lone
    # surrogates ('caf\udce9.mkv'): the saved result must still be JSON text
    # that explain reads, whatever the terminal's error handler.
    import os
    import subprocess
    import sys

    plugins = write(
        "latin1_plugins.py",
        "def fetch(task):\n    return [{'file_name': 'caf\\udce9.mkv'}]\n"
        "def probe(task):\n    raise ValueError('bad file ' + task['file_name'])\n"
        "PLUGINS = {'fetch': fetch, 'probe': probe}\n",
    )
    pipeline = write(
        "latin1.yaml",
        "- {slug: fetch, plugin: fetch}\n- {slug: probe, plugin: probe, depends_on: [fetch]}\n",
    )
    env = {**os.environ, "PYTHONIOENCODING": io_encoding}
    command = [sys.executable, "-m", "dagabaaz"]
    ran = subprocess.run(
        [*command, "run", pipeline, "-p", plugins, "--json"], capture_output=True, env=env
    )
    assert ran.returncode == 1, ran.stderr.decode(errors="replace")
    saved = tmp_path / "result.json"
    saved.write_bytes(ran.stdout)
    assert json.loads(ran.stdout.decode("utf-8"))["status"] == "failed"
    explained = subprocess.run(
        [*command, "explain", str(saved), "probe"], capture_output=True, env=env
    )
    assert explained.returncode == 0, explained.stderr.decode(errors="replace")
    first = explained.stdout.decode("utf-8").splitlines()[0]
    assert first.startswith("probe  failed on caf\\udce9.mkv: ")
    # The live view and the summary print the plugin's error, surrogate and all.
    shown = subprocess.run([*command, "run", pipeline, "-p", plugins], capture_output=True, env=env)
    assert shown.returncode == 1
    assert b"Traceback" not in shown.stderr.split(b"traceback of the first failure")[0]
    assert b"UnicodeEncodeError" not in shown.stdout + shown.stderr
