import json
from pathlib import Path
from typing import Any

import make_samples
import plugins
import pytest

from dagabaaz.models import Output

MEDIA = Path(__file__).resolve().parents[2] / "examples" / "media"


def _as_input(output: Output, **extra: Any) -> dict[str, Any]:
    """The dict a plugin gets for an artifact: metadata spread, standard fields on top."""
    data = dict(output.metadata)
    data.update(
        file_path=output.file_path,
        file_name=output.file_name,
        file_size=output.file_size,
        mime_type=output.mime_type,
    )
    data.update(extra)
    return data


def test_committed_samples_are_what_the_script_writes() -> None:
    expected = make_samples.sample_files()
    on_disk = {path.name: path.read_bytes() for path in (MEDIA / "files").iterdir()}
    assert on_disk == expected


@pytest.mark.parametrize(
    ("name", "language"),
    [
        ("a.en.srt", "en"),
        ("a.por.vtt", "por"),
        ("a.srt", None),
        ("a.b.c.srt", None),
        ("x.mp4", None),
    ],
    ids=["two-letters", "three-letters", "none", "long-part", "video"],
)
def test_language_of(name: str, language: str | None) -> None:
    assert plugins.language_of(name) == language


def test_scan_folder_lists_files_sorted_with_metadata() -> None:
    outputs = plugins.scan_folder({"folder": "files"})
    assert [o.file_name for o in outputs] == sorted(make_samples.sample_files())
    srt = next(o for o in outputs if o.file_name == "city_walk.en.srt")
    assert srt.mime_type == "application/x-subrip"
    assert srt.file_size == 206
    assert srt.metadata == {
        "relative_path": "city_walk.en.srt",
        "stem": "city_walk",
        "language": "en",
    }
    assert Path(srt.file_path) == MEDIA / "files" / "city_walk.en.srt"


@pytest.mark.parametrize(
    ("folder", "message"),
    [
        (None, "expected a folder path as a non-empty string, got None"),
        ("", "expected a folder path as a non-empty string, got ''"),
        ("no-such-folder", "does not exist or is not a folder"),
        ("plugins.py", "does not exist or is not a folder"),
    ],
    ids=["missing", "empty", "absent", "a-file"],
)
def test_scan_folder_refuses_bad_folders(folder: object, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        plugins.scan_folder({"folder": folder})


def _branch_outputs() -> tuple[list[Output], list[Output]]:
    scanned = plugins.scan_folder({"folder": "files"})
    videos = plugins.probe_videos(
        {"artifacts": [_as_input(o) for o in scanned if o.file_name.endswith(".mp4")]}
    )
    subtitles = [
        plugins.parse_subtitle(_as_input(o))
        for o in scanned
        if o.file_name.endswith((".srt", ".vtt"))
    ]
    return videos, subtitles


def test_probe_and_parse_report_real_facts() -> None:
    videos, subtitles = _branch_outputs()
    assert {v.file_name: v.metadata["duration_seconds"] for v in videos} == {
        "city_walk.mp4": 95.5,
        "harbour.mp4": 42.0,
        "sunset.mp4": 12.25,
    }
    assert {s.file_name: (s.metadata["language"], s.metadata["cue_count"]) for s in subtitles} == {
        "city_walk.en.srt": ("en", 3),
        "city_walk.fr.vtt": ("fr", 2),
        "harbour.de.srt": ("de", 2),
        "lighthouse.es.srt": ("es", 1),
    }


def test_pair_tracks_pairs_by_stem_and_flags_orphans() -> None:
    videos, subtitles = _branch_outputs()
    broadcast = [_as_input(v) for v in videos]
    by_name = {s.file_name: s for s in subtitles}
    (paired,) = plugins.pair_tracks(
        {"artifacts": [*broadcast, _as_input(by_name["harbour.de.srt"])]}
    )
    assert paired.metadata["video"] == "harbour.mp4"
    assert paired.metadata["track"]["fits_video"] is True
    (orphan,) = plugins.pair_tracks(
        {"artifacts": [*broadcast, _as_input(by_name["lighthouse.es.srt"])]}
    )
    assert orphan.metadata["video"] is None
    assert "fits_video" not in orphan.metadata["track"]
    assert plugins.pair_tracks({"artifacts": broadcast}) == []


def _manifest_input(tmp_path: Path, **extra: Any) -> dict[str, Any]:
    videos, subtitles = _branch_outputs()
    broadcast = [_as_input(v) for v in videos]
    pairings = [
        p for s in subtitles for p in plugins.pair_tracks({"artifacts": [*broadcast, _as_input(s)]})
    ]
    return {
        "artifacts": [*(_as_input(p) for p in pairings), *broadcast],
        "out_dir": str(tmp_path),
        **extra,
    }


def test_write_manifest_is_complete_and_deterministic(tmp_path: Path) -> None:
    task = _manifest_input(tmp_path, title="Trips", checksums=True)
    first = plugins.write_manifest(task)
    data = (tmp_path / "manifest.json").read_bytes()
    second = plugins.write_manifest({**task, "artifacts": list(reversed(task["artifacts"]))})
    assert (tmp_path / "manifest.json").read_bytes() == data
    assert first == second
    manifest = json.loads(data)
    assert manifest["title"] == "Trips"
    assert [v["path"] for v in manifest["videos"]] == ["city_walk.mp4", "harbour.mp4", "sunset.mp4"]
    city = manifest["videos"][0]
    assert [t["language"] for t in city["subtitles"]] == ["en", "fr"]
    assert len(city["sha256"]) == 64
    assert [t["relative_path"] for t in manifest["orphan_subtitles"]] == ["lighthouse.es.srt"]
    assert manifest["totals"] == {"videos": 3, "subtitles": 4, "duration_seconds": 149.75}


def test_write_manifest_hashes_only_when_asked(tmp_path: Path) -> None:
    plugins.write_manifest(_manifest_input(tmp_path))
    manifest = json.loads((tmp_path / "manifest.json").read_text())
    assert manifest["title"] == "Untitled"
    assert all("sha256" not in video for video in manifest["videos"])
