# ruff: noqa: E501  (exact messages read best on one line)
import json
from pathlib import Path

import plugins
import pytest

from dagabaaz.cli import main
from dagabaaz.loading import load_pipeline, parse_pipeline
from dagabaaz.models import ConfigSource, ExpressionSource
from dagabaaz.runner import LocalRunner, NodeStatus

MEDIA = Path(__file__).resolve().parents[2] / "examples" / "media"
PIPELINE = MEDIA / "pipeline.yaml"


def _run(out_dir: Path, **inputs: object) -> bytes:
    result = LocalRunner(plugins.PLUGINS).run(
        load_pipeline(PIPELINE), {"out_dir": str(out_dir), **inputs}
    )
    assert result.ok, (result.error, result.traceback)
    return (out_dir / "manifest.json").read_bytes()


def test_pipeline_shows_the_patterns_the_issue_asks_for() -> None:
    nodes = {node.slug: node for node in load_pipeline(PIPELINE).nodes}
    assert nodes["video"].fan_mode == "aggregate"
    assert nodes["video"].edge_filters["scan"].rules[0].value == "video"
    assert nodes["subtitle"].edge_filters["scan"].rules[0].value == "subtitle"
    assert nodes["merge"].fan_mode == "grouped"
    title = nodes["export"].bindings["title"]
    assert isinstance(title, ExpressionSource) and "|" in title.expression
    checksums = nodes["export"].bindings["checksums"]
    assert isinstance(checksums, ConfigSource) and checksums.when == "{input.checksums}"


def test_example_runs_end_to_end(tmp_path: Path) -> None:
    result = LocalRunner(plugins.PLUGINS).run(load_pipeline(PIPELINE), {"out_dir": str(tmp_path)})
    assert result.ok
    assert {slug: (node.status, node.task_count) for slug, node in result.nodes.items()} == {
        "scan": (NodeStatus.COMPLETED, 1),
        "video": (NodeStatus.COMPLETED, 1),
        "subtitle": (NodeStatus.COMPLETED, 4),
        "merge": (NodeStatus.COMPLETED, 4),
        "export": (NodeStatus.COMPLETED, 1),
    }
    manifest = json.loads((tmp_path / "manifest.json").read_text())
    assert manifest["title"] == "My Holiday Videos"
    assert [video["path"] for video in manifest["videos"]] == [
        "city_walk.mp4",
        "harbour.mp4",
        "sunset.mp4",
    ]
    city = manifest["videos"][0]
    assert city["duration_seconds"] == 95.5
    assert [(t["language"], t["cue_count"], t["fits_video"]) for t in city["subtitles"]] == [
        ("en", 3, True),
        ("fr", 2, True),
    ]
    assert len(city["sha256"]) == 64
    assert manifest["orphan_subtitles"][0]["relative_path"] == "lighthouse.es.srt"
    assert manifest["totals"] == {"videos": 3, "subtitles": 4, "duration_seconds": 149.75}
    assert str(tmp_path / "manifest.json") in str(result)


def test_two_runs_write_the_same_manifest(tmp_path: Path) -> None:
    assert _run(tmp_path / "one") == _run(tmp_path / "two")


def test_inputs_change_the_manifest(tmp_path: Path) -> None:
    manifest = json.loads(_run(tmp_path, checksums=False, title="  road trip "))
    assert manifest["title"] == "Road Trip"
    assert all("sha256" not in video for video in manifest["videos"])


def test_json_twin_of_the_pipeline_runs_the_same(tmp_path: Path) -> None:
    pipeline = load_pipeline(PIPELINE)
    twin = tmp_path / "pipeline.json"
    twin.write_text(pipeline.model_dump_json(indent=2))
    assert load_pipeline(twin) == pipeline
    assert parse_pipeline(twin.read_text(), syntax="json") == pipeline
    result = LocalRunner(plugins.PLUGINS).run(
        load_pipeline(twin), {"out_dir": str(tmp_path / "twin")}
    )
    assert result.ok
    assert (tmp_path / "twin" / "manifest.json").read_bytes() == _run(tmp_path / "yaml")


def test_folder_without_subtitles_filters_the_subtitle_branch(tmp_path: Path) -> None:
    videos = tmp_path / "videos"
    videos.mkdir()
    (videos / "only.mp4").write_bytes((MEDIA / "files" / "sunset.mp4").read_bytes())
    result = LocalRunner(plugins.PLUGINS).run(
        load_pipeline(PIPELINE), {"folder": str(videos), "out_dir": str(tmp_path / "out")}
    )
    assert result.ok
    assert result.nodes["subtitle"].status is NodeStatus.FILTERED
    manifest = json.loads((tmp_path / "out" / "manifest.json").read_text())
    assert [v["path"] for v in manifest["videos"]] == ["only.mp4"]
    assert manifest["videos"][0]["subtitles"] == []


def test_a_broken_video_fails_the_run_with_the_reason(tmp_path: Path) -> None:
    folder = tmp_path / "media"
    folder.mkdir()
    (folder / "broken.mp4").write_bytes(b"not a video at all")
    result = LocalRunner(plugins.PLUGINS).run(
        load_pipeline(PIPELINE), {"folder": str(folder), "out_dir": str(tmp_path / "out")}
    )
    assert (
        result.error
        == "node 'video' failed: 1 input (broken.mp4): Mp4Error: broken.mp4: box b'a vi' at offset 0 has a bad size 1852797984"
    )
    assert result.nodes["export"].status is NodeStatus.NOT_RUN


def test_command_line_runs_the_example(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    argv = [
        "run",
        str(PIPELINE),
        "--plugins",
        str(MEDIA / "plugins.py"),
        "--input",
        f"out_dir={tmp_path}",
    ]
    assert main([*argv, "--graph", str(tmp_path / "run.mmd")]) == 0
    out = capsys.readouterr().out
    assert "subtitle: completed (4 tasks, " in out
    assert out.rstrip().endswith(f"outputs of export:\n  {tmp_path / 'manifest.json'}")
    assert "class n0,n1,n2,n3,n4 completed" in (tmp_path / "run.mmd").read_text()


def test_readme_picture_is_the_drawn_graph(capsys: pytest.CaptureFixture[str]) -> None:
    readme = (MEDIA / "README.md").read_text()
    picture = readme.split("```mermaid\n", 1)[1].split("```", 1)[0]
    assert main(["graph", str(PIPELINE)]) == 0
    assert capsys.readouterr().out == picture
