# ruff: noqa: E501  (expected output reads best line for line)
"""`dagabaaz check PIPELINE --artifacts FILE.json`: what each edge would let through."""

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from dagabaaz.cli import main
from dagabaaz.cli._samples import ARTIFACTS_LIMIT, ARTIFACTS_SHOWN_PER_EDGE

Write = Callable[[str, str], str]

ROOT = Path(__file__).resolve().parents[2]
CASCADE = str(ROOT / "docs" / "examples" / "cascade.yaml")

ROUTED = """\
nodes:
  - slug: scan
    plugin: scan
  - slug: hd
    plugin: encode
    depends_on: [scan]
    edge_filters:
      scan:
        rules:
          - {field: height, operator: gte, value: 720}
          - {field: ok, operator: eq, value: true}
  - slug: best
    plugin: pick
    depends_on: [scan]
    fan_mode: grouped
    edge_filters:
      scan:
        rules: [{field: file_type, operator: eq, value: video}]
        select: largest
"""

SAMPLES = [
    {"file_name": "a.mp4", "file_size": 10, "metadata": {"height": "1080", "ok": " TRUE "}},
    {"file_name": "b.mp4", "file_size": 30, "metadata": {"height": 480, "ok": False}},
    {"file_name": "c.mp4", "metadata": {"ok": True}},
    {"file_name": "d.srt", "file_size": 99, "metadata": {"height": 2000, "ok": True}},
]


def _json(write: Write, data: object, name: str = "samples.json") -> str:
    return write(name, json.dumps(data))


def test_a_flat_list_goes_to_every_edge_and_each_artifact_says_why(
    write: Write, capsys: pytest.CaptureFixture[str]
) -> None:
    pipeline = write("routed.yaml", ROUTED)
    samples = _json(write, SAMPLES)
    assert main(["check", pipeline, "--artifacts", samples]) == 0
    assert capsys.readouterr().out.splitlines() == [
        f"{pipeline}: ok (3 nodes)",
        "",
        "scan -> hd (single, height gte 720 and ok eq true): 2 of 4 delivered",
        '  [0] a.mp4  delivered: every rule matched (height "1080" read as 1080; ok " TRUE " read as true)',
        "  [1] b.mp4  rejected by height gte 720: it is 480 (and 1 more rule)",
        "  [2] c.mp4  rejected by height gte 720: it has no height",
        "  [3] d.srt  delivered: every rule matched",
        'scan -> best (grouped, file_type eq "video" and select largest): 1 of 4 delivered',
        "  [0] a.mp4  dropped: every rule matched, but select largest kept another (per origin group)",
        "  [1] b.mp4  delivered: every rule matched, select largest kept it (per origin group)",
        "  [2] c.mp4  dropped: every rule matched, but select largest needs a file_size",
        '  [3] d.srt  rejected by file_type eq "video": it is "subtitle"',
    ]


def test_an_object_gives_each_producing_node_its_own_samples(
    write: Write, capsys: pytest.CaptureFixture[str]
) -> None:
    samples = _json(
        write,
        {
            "fetch": [
                {"file_name": "harbour.mp4"},
                {"file_name": "harbour.en.srt"},
                {"file_name": "photos.zip"},
            ],
            "subtitles": [],
        },
    )
    assert main(["check", CASCADE, "--artifacts", samples]) == 0
    captured = capsys.readouterr()
    assert captured.out.splitlines()[1:] == [
        "",
        'fetch -> subtitles (single, file_type eq "subtitle"): 1 of 3 delivered',
        '  [0] harbour.mp4     rejected by file_type eq "subtitle": it is "video"',
        "  [1] harbour.en.srt  delivered: every rule matched",
        '  [2] photos.zip      rejected by file_type eq "subtitle": it is "archive"',
        "subtitles -> translate (single, no filter): 0 of 0 delivered",
        "subtitles -> report (aggregate, no filter): 0 of 0 delivered",
        "fetch -> report (aggregate, no filter): 3 of 3 delivered",
        'fetch -> bundle (aggregate, file_type eq "archive"): 1 of 3 delivered',
        '  [0] harbour.mp4     rejected by file_type eq "archive": it is "video"',
        '  [1] harbour.en.srt  rejected by file_type eq "archive": it is "subtitle"',
        "  [2] photos.zip      delivered: every rule matched",
        "no sample artifacts for the edges from bundle, report, publish",
    ]
    assert captured.err == ""


def test_an_aggregate_edge_emptied_says_the_node_would_be_skipped(
    write: Write, capsys: pytest.CaptureFixture[str]
) -> None:
    samples = _json(write, {"fetch": [{"file_name": "harbour.mp4"}]})
    assert main(["check", CASCADE, "--artifacts", samples]) == 0
    out = capsys.readouterr().out
    assert (
        'fetch -> bundle (aggregate, file_type eq "archive"): 0 of 1 delivered; '
        "bundle would be skipped (aggregate, edge emptied)\n"
    ) in out


def test_json_format_gives_every_rule_verdict(
    write: Write, capsys: pytest.CaptureFixture[str]
) -> None:
    pipeline = write("routed.yaml", ROUTED)
    samples = _json(write, {"scan": SAMPLES})
    assert main(["check", pipeline, "--artifacts", samples, "--format", "json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["valid"] is True and report["diagnostics"] == []
    found = report["artifacts"]
    assert found["file"] == samples and found["without_samples"] == []
    hd, best = found["edges"]
    assert (hd["node"], hd["dependency"], hd["fan_mode"]) == ("hd", "scan", "single")
    assert hd["filter"] == {
        "rules": [
            {"field": "height", "operator": "gte", "value": 720},
            {"field": "ok", "operator": "eq", "value": True},
        ]
    }
    first = hd["explanation"]["artifacts"][0]
    assert first["delivered"] is True and first["rejected_by"] is None
    assert [
        (rule["actual"], rule["read_as"], rule["compared"], rule["matched"])
        for rule in first["rules"]
    ] == [('"1080"', "number", "1080", True), ('" TRUE "', "boolean", "true", True)]
    second = hd["explanation"]["artifacts"][1]
    assert second["rejected_by"] == 0
    assert [rule["matched"] for rule in second["rules"]] == [False, False]
    assert (hd["explanation"]["matched"], hd["explanation"]["delivered"]) == (2, 2)
    assert best["explanation"]["grouped"] is True
    assert [a["select"] for a in best["explanation"]["artifacts"]] == [
        "dropped",
        "kept",
        "unsized",
        "not_considered",
    ]


def test_without_artifacts_the_json_report_is_unchanged(
    write: Write, capsys: pytest.CaptureFixture[str]
) -> None:
    pipeline = write("routed.yaml", ROUTED)
    assert main(["check", pipeline, "--format", "json"]) == 0
    assert set(json.loads(capsys.readouterr().out)) == {
        "file",
        "valid",
        "errors",
        "warnings",
        "diagnostics",
    }


def test_a_misspelt_node_slug_is_a_warning_with_a_suggestion(
    write: Write, capsys: pytest.CaptureFixture[str]
) -> None:
    samples = _json(write, {"fecth": [{"file_name": "a.mp4"}]})
    assert main(["check", CASCADE, "--artifacts", samples]) == 0
    captured = capsys.readouterr()
    assert captured.err == (
        f"warning: --artifacts {samples}: 'fecth' is no node of {CASCADE} (did you mean 'fetch'?)\n"
    )
    assert captured.out.splitlines()[-1] == (
        "no sample artifacts for the edges from fetch, subtitles, bundle, report, publish"
    )


def test_many_artifacts_are_listed_up_to_a_bound(
    write: Write, capsys: pytest.CaptureFixture[str]
) -> None:
    samples = _json(write, [{"file_name": f"clip{i}.mp4"} for i in range(5000)])
    assert main(["check", CASCADE, "--artifacts", samples]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) < 3 * ARTIFACTS_SHOWN_PER_EDGE + 20
    shown = ARTIFACTS_SHOWN_PER_EDGE
    assert f"  ... and {5000 - shown} more (--format json lists every one)" in lines


def test_hostile_file_names_stay_on_one_line(
    write: Write, capsys: pytest.CaptureFixture[str]
) -> None:
    name = 'evil\n[red]x[/]\x1b[2J"' + "y" * 200
    samples = _json(write, [{"file_name": name}])
    assert main(["check", CASCADE, "--artifacts", samples]) == 0
    lines = capsys.readouterr().out.splitlines()
    rejected = [line for line in lines if line.startswith("  [0] ")]
    assert len(rejected) == 2
    assert all(line.startswith('  [0] evil\\n[red]x[/]\\x1b[2J"yyy') for line in rejected)
    assert all("\x1b" not in line and len(line) < 140 for line in lines)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[1, 2", "invalid JSON: Expecting ',' delimiter"),
        (
            '"videos"',
            "expected a JSON list of artifacts, or an object of node slug -> list of "
            'artifacts, got the string "videos"',
        ),
        ('{"fetch": {"file_name": "a"}}', "fetch: expected a list of artifacts, got an object"),
        (
            '[{"file_nmae": "a"}]',
            "[0].file_name: missing (every artifact has a file_name); "
            "[0].file_nmae: unknown field (did you mean 'file_name'?)",
        ),
        (
            '{"fetch": [{"file_name": "a", "file_size": "big"}]}',
            'fetch[0].file_size: expected an integer, got the string "big"',
        ),
        (
            '[{"file_name": "a", "file_size": true}]',
            "[0].file_size: expected an integer, got a boolean",
        ),
        ('[{"file_name": "a", "metadata": [1]}]', "[0].metadata: expected an object, got a list"),
        (
            "[7, 8, 9, 10, 11]",
            "[0]: expected an artifact object, got the number 7; [1]: expected an artifact "
            "object, got the number 8; [2]: expected an artifact object, got the number 9; "
            "and 2 more",
        ),
        ('{"my node": [null]}', "['my node'][0]: expected an artifact object, got null"),
    ],
    ids=[
        "not-json",
        "a-string",
        "not-a-list",
        "misspelt-field",
        "size-as-text",
        "size-as-bool",
        "metadata-list",
        "many-problems",
        "slug-with-space",
    ],
)
def test_bad_artifact_files_are_located_errors(
    write: Write, capsys: pytest.CaptureFixture[str], text: str, message: str
) -> None:
    samples = write("samples.json", text)
    assert main(["check", CASCADE, "--artifacts", samples]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.startswith(f"dagabaaz: --artifacts {samples}")
    assert message in captured.err, captured.err


def test_a_missing_artifacts_file_is_refused_before_checking(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    missing = str(tmp_path / "nope.json")
    assert main(["check", CASCADE, "--artifacts", missing]) == 2
    assert capsys.readouterr().err == f"dagabaaz: --artifacts {missing}: no such file\n"


def test_an_invalid_pipeline_still_explains_the_edges_it_has(
    write: Write, capsys: pytest.CaptureFixture[str]
) -> None:
    pipeline = write(
        "typo.yaml",
        "- {slug: a, plugin: p}\n"
        "- slug: b\n  plugin: q\n  depends_on: [a]\n"
        "  edge_filters: {a: {rules: [{field: file_type, operator: eq, value: vidoe}]}}\n",
    )
    samples = _json(write, [{"file_name": "a.mp4"}])
    assert main(["check", pipeline, "--artifacts", samples]) == 1
    out = capsys.readouterr().out
    assert "error[unknown-file-type]" in out
    assert '  [0] a.mp4  rejected by file_type eq "vidoe": it is "video"\n' in out


def test_more_artifacts_than_a_sample_holds_are_refused(
    write: Write, capsys: pytest.CaptureFixture[str]
) -> None:
    samples = _json(write, {"fetch": [{"file_name": "a"}] * (ARTIFACTS_LIMIT + 1)})
    assert main(["check", CASCADE, "--artifacts", samples]) == 2
    assert capsys.readouterr().err == (
        f"dagabaaz: --artifacts {samples}: {ARTIFACTS_LIMIT + 1} artifacts, more than the "
        f"{ARTIFACTS_LIMIT} a sample may hold\n"
    )


def test_explaining_is_bounded_across_edges(
    write: Write, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    import dagabaaz.cli._samples as samples_module

    monkeypatch.setattr(samples_module, "VERDICT_LIMIT", 10)
    samples = _json(write, [{"file_name": f"{i}.mp4"} for i in range(4)])  # every edge: 8
    assert main(["check", CASCADE, "--artifacts", samples]) == 2
    assert capsys.readouterr().err == (
        f"dagabaaz: --artifacts {samples}: 8 edges would get 32 artifacts in all, more than 10 "
        'are explained; give each node its own samples ({"slug": [...]}) or fewer of them\n'
    )
