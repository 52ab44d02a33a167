"""Plugins of the media example: scan a folder, probe videos, parse subtitles, pair, export.

Each plugin is a plain function: it takes the task's input dict and returns
:class:`dagabaaz.models.Output` objects. ``dagabaaz run`` finds them in
``PLUGINS``. Relative folders are resolved against this example's folder, so
the pipeline works from any current directory.
"""

from __future__ import annotations

import hashlib
import json
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from dagabaaz.models import Output
from dagabaaz.plugins import OutputSpec, PluginInfo

EXAMPLE_DIR = Path(__file__).resolve().parent
# The example's helpers live beside this file, which is loaded by path, not as a package.
if str(EXAMPLE_DIR) not in sys.path:
    sys.path.insert(0, str(EXAMPLE_DIR))

from mediakit.mp4 import probe_mp4  # noqa: E402
from mediakit.subtitles import read_subtitles  # noqa: E402

# Fixed here rather than asked of the mimetypes module, whose answers depend on
# the machine: the same folder must give the same artifacts everywhere.
MIME_TYPES = {
    ".mp4": "video/mp4",
    ".srt": "application/x-subrip",
    ".vtt": "text/vtt",
    ".txt": "text/plain",
}


def resolve_folder(value: object) -> Path:
    """Return ``value`` as a path, relative ones taken from the example folder."""
    if not isinstance(value, str) or not value:
        raise ValueError(f"expected a folder path as a non-empty string, got {value!r}")
    return EXAMPLE_DIR / Path(value).expanduser()


def language_of(file_name: str) -> str | None:
    """Return the language tag of ``movie.en.srt`` (``"en"``), or None without one."""
    parts = file_name.split(".")
    return parts[-2] if len(parts) >= 3 and 2 <= len(parts[-2]) <= 3 else None


def scan_folder(task: Mapping[str, Any]) -> list[Output]:
    """Emit one artifact per visible file of ``folder`` (sorted by name)."""
    folder = resolve_folder(task.get("folder"))
    if not folder.is_dir():
        raise ValueError(f"folder {str(folder)!r} does not exist or is not a folder")
    files = sorted(p for p in folder.iterdir() if p.is_file() and not p.name.startswith("."))
    return [
        Output(
            file_name=path.name,
            file_path=str(path),
            file_size=path.stat().st_size,
            mime_type=MIME_TYPES.get(path.suffix.lower(), "application/octet-stream"),
            metadata={
                "relative_path": path.name,
                "stem": path.name.split(".")[0],
                "language": language_of(path.name),
            },
        )
        for path in files
    ]


def probe_videos(task: Mapping[str, Any]) -> list[Output]:
    """Read every video's container header (one task for all videos)."""
    outputs = []
    for video in task["artifacts"]:
        facts = probe_mp4(Path(video["file_path"]))
        outputs.append(
            Output(
                file_name=video["file_name"],
                file_path=video["file_path"],
                file_size=video["file_size"],
                mime_type=video["mime_type"],
                metadata={
                    "kind": "video",
                    "relative_path": video["relative_path"],
                    "stem": video["stem"],
                    "brand": facts.brand,
                    "duration_seconds": facts.duration_seconds,
                },
            )
        )
    return outputs


def parse_subtitle(task: Mapping[str, Any]) -> Output:
    """Parse one subtitle file: cue count, timings and its language."""
    facts = read_subtitles(Path(task["file_path"]))
    return Output(
        file_name=task["file_name"],
        file_path=task["file_path"],
        file_size=task["file_size"],
        mime_type=task["mime_type"],
        metadata={
            "kind": "subtitle",
            "relative_path": task["relative_path"],
            "stem": task["stem"],
            "language": task.get("language") or "und",
            "format": facts.format,
            "cue_count": facts.cue_count,
            "last_cue_end": facts.last_cue_end,
            "spoken_seconds": facts.spoken_seconds,
        },
    )


def pair_tracks(task: Mapping[str, Any]) -> list[Output]:
    """Pair the subtitle of one origin group with the video of the same stem.

    The video branch aggregates, so its artifacts have no origin and reach every
    group; the subtitle in the group decides which of them it belongs to.
    """
    items = task["artifacts"]
    videos = {item["stem"]: item for item in items if item.get("kind") == "video"}
    pairings = []
    for subtitle in (item for item in items if item.get("kind") == "subtitle"):
        video = videos.get(subtitle["stem"])
        track = {
            key: subtitle[key]
            for key in ("relative_path", "language", "format", "cue_count", "spoken_seconds")
        }
        if video is not None:
            track["fits_video"] = subtitle["last_cue_end"] <= video["duration_seconds"]
        pairings.append(
            Output(
                file_name=f"{subtitle['file_name']}.pairing",
                metadata={
                    "kind": "pairing",
                    "video": None if video is None else video["relative_path"],
                    "track": track,
                },
            )
        )
    return pairings


def write_manifest(task: Mapping[str, Any]) -> Output:
    """Write ``manifest.json``: every video with its subtitle tracks, plus orphans.

    Deterministic by construction (sorted keys and lists, paths relative to the
    scanned folder, no timestamps), so two runs write the same bytes.
    """
    items = task["artifacts"]
    tracks: dict[str | None, list[dict[str, Any]]] = {}
    for pairing in (item for item in items if item.get("kind") == "pairing"):
        tracks.setdefault(pairing["video"], []).append(pairing["track"])
    videos = sorted(
        (item for item in items if item.get("kind") == "video"),
        key=lambda item: str(item["relative_path"]),
    )
    manifest = {
        "title": task.get("title") or "Untitled",
        "videos": [_video_entry(video, tracks, bool(task.get("checksums"))) for video in videos],
        "orphan_subtitles": _sorted_tracks(tracks.get(None, [])),
        "totals": {
            "videos": len(videos),
            "subtitles": sum(len(found) for found in tracks.values()),
            "duration_seconds": round(sum(v["duration_seconds"] for v in videos), 3),
        },
    }
    out_dir = resolve_folder(task.get("out_dir"))
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / "manifest.json"
    text = json.dumps(manifest, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
    path.write_text(text, encoding="utf-8")
    return Output(
        file_name=path.name,
        file_path=str(path),
        file_size=path.stat().st_size,
        mime_type="application/json",
        metadata={"kind": "manifest", "videos": len(videos)},
    )


def _video_entry(
    video: Mapping[str, Any], tracks: Mapping[str | None, list[dict[str, Any]]], checksums: bool
) -> dict[str, Any]:
    entry = {
        "path": video["relative_path"],
        "brand": video["brand"],
        "duration_seconds": video["duration_seconds"],
        "size_bytes": video["file_size"],
        "subtitles": _sorted_tracks(tracks.get(video["relative_path"], [])),
    }
    if checksums:
        entry["sha256"] = hashlib.sha256(Path(video["file_path"]).read_bytes()).hexdigest()
    return entry


def _sorted_tracks(tracks: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return sorted(tracks, key=lambda track: str(track["relative_path"]))


PLUGINS = {
    "scan_folder": scan_folder,
    "probe_videos": probe_videos,
    "parse_subtitle": parse_subtitle,
    "pair_tracks": pair_tracks,
    "write_manifest": write_manifest,
}
"""Plugin name -> function, the table ``dagabaaz run --plugins`` reads."""

_RELATIVE_PATH = OutputSpec("relative_path", "string", "The file's path inside the scanned folder.")
_STEM = OutputSpec(
    "stem", "string", "The file name up to its first dot: a video and its subtitles share it."
)

PLUGIN_META = [
    PluginInfo(
        "scan_folder",
        outputs=[
            _RELATIVE_PATH,
            _STEM,
            OutputSpec("language", "string", "The language tag of movie.en.srt; null without one."),
        ],
    ),
    PluginInfo(
        "probe_videos",
        outputs=[
            OutputSpec("kind", "string", '"video".'),
            _RELATIVE_PATH,
            _STEM,
            OutputSpec("brand", "string", "The MP4 container's major brand, such as isom."),
            OutputSpec("duration_seconds", "number", "The video's duration."),
        ],
    ),
    PluginInfo(
        "parse_subtitle",
        outputs=[
            OutputSpec("kind", "string", '"subtitle".'),
            _RELATIVE_PATH,
            _STEM,
            OutputSpec("language", "string", "The subtitle's language tag; und when unknown."),
            OutputSpec("format", "string", "srt or vtt."),
            OutputSpec("cue_count", "integer", "How many cues the file holds."),
            OutputSpec("last_cue_end", "number", "When the last cue ends, in seconds."),
            OutputSpec("spoken_seconds", "number", "How long cues are on screen, in total."),
        ],
    ),
    PluginInfo(
        "pair_tracks",
        outputs=[
            OutputSpec("kind", "string", '"pairing".'),
            OutputSpec("video", "string", "The paired video's relative path; null for an orphan."),
            OutputSpec("track", "object", "The subtitle track as the manifest lists it."),
        ],
    ),
    PluginInfo(
        "write_manifest",
        outputs=[
            OutputSpec("kind", "string", '"manifest".'),
            OutputSpec("videos", "integer", "How many videos the manifest lists."),
        ],
    ),
]
"""What each plugin's outputs carry, for ``dagabaaz check`` and the language server."""
