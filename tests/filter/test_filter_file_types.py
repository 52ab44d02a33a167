"""classify_file_type and the extension virtual field."""

from __future__ import annotations

import pytest

from dagabaaz.constants import FileType
from dagabaaz.filter import classify_file_type
from dagabaaz.filter._file_types import extension_of
from dagabaaz.models import DagArtifact, TaskArtifact

CLASSIFY: list[tuple[str, str, str | None, FileType]] = [
    ("mp4-no-mime", "movie.mp4", None, FileType.VIDEO),
    ("mkv-upper-ext", "MOVIE.MKV", None, FileType.VIDEO),
    ("video-mime-wins-unknown-ext", "stream.bin", "video/mp4", FileType.VIDEO),
    ("video-mime-with-params", "clip", "Video/MP4; codecs=avc1", FileType.VIDEO),
    ("ts-no-mime-is-video", "capture.ts", None, FileType.VIDEO),
    ("ts-mpeg-ts-mime", "capture.ts", "video/mp2t", FileType.VIDEO),
    ("ts-typescript-mime-is-other", "app.ts", "application/typescript", FileType.OTHER),
    ("ts-octet-stream-is-video", "capture.ts", "application/octet-stream", FileType.VIDEO),
    ("srt-text-plain-is-subtitle", "movie.en.srt", "text/plain", FileType.SUBTITLE),
    ("vtt-no-mime", "a.vtt", None, FileType.SUBTITLE),
    ("ass-wrong-mime", "a.ass", "application/octet-stream", FileType.SUBTITLE),
    ("subtitle-mime-unknown-ext", "subs", "text/vtt", FileType.SUBTITLE),
    ("subrip-mime", "subs.txt", "application/x-subrip", FileType.SUBTITLE),
    ("zip-any-mime", "bundle.zip", "video/mp4", FileType.ARCHIVE),
    ("tar-gz", "bundle.tar.gz", None, FileType.ARCHIVE),
    ("zip-mime-unknown-ext", "download", "application/zip", FileType.ARCHIVE),
    ("png", "poster.png", None, FileType.IMAGE),
    ("image-mime", "poster", "image/webp", FileType.IMAGE),
    ("flac", "track.flac", None, FileType.AUDIO),
    ("audio-mime-beats-video-ext", "track.mp4", "audio/mp4", FileType.AUDIO),
    ("specific-non-media-mime-beats-ext", "movie.mp4", "text/html", FileType.OTHER),
    ("json", "data.json", "application/json", FileType.OTHER),
    ("no-extension-no-mime", "README", None, FileType.OTHER),
    ("malformed-mime-ignored", "movie.mp4", "garbage", FileType.VIDEO),
    ("empty-mime-ignored", "movie.mp4", "", FileType.VIDEO),
    ("hidden-file-is-not-extension", ".mp4", None, FileType.OTHER),
    ("empty-name", "", None, FileType.OTHER),
]


@pytest.mark.parametrize(
    ("file_name", "mime_type", "expected"),
    [c[1:] for c in CLASSIFY],
    ids=[c[0] for c in CLASSIFY],
)
def test_classify_file_type(file_name: str, mime_type: str | None, expected: FileType) -> None:
    artifact = DagArtifact(id="a", file_name=file_name, mime_type=mime_type)
    assert classify_file_type(artifact) is expected


def test_classify_task_artifact() -> None:
    artifact = TaskArtifact(file_path="/tmp/x.srt", file_name="x.srt")
    assert classify_file_type(artifact) is FileType.SUBTITLE


EXTENSIONS: list[tuple[str, str, str]] = [
    ("simple", "movie.mp4", "mp4"),
    ("lower-cased", "MOVIE.MP4", "mp4"),
    ("last-suffix", "a.tar.GZ", "gz"),
    ("no-extension", "README", ""),
    ("hidden-file", ".bashrc", ""),
    ("double-leading-dot", "..x", ""),
    ("trailing-dot", "file.", ""),
    ("directory-dot-ignored", "dir.d/file", ""),
    ("windows-path", "C:\\dir.d\\file.TXT", "txt"),
    ("hidden-file-with-ext", ".config.json", "json"),
]


@pytest.mark.parametrize(
    ("file_name", "expected"), [c[1:] for c in EXTENSIONS], ids=[c[0] for c in EXTENSIONS]
)
def test_extension_of(file_name: str, expected: str) -> None:
    assert extension_of(file_name) == expected
