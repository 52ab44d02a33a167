import struct
from pathlib import Path

import pytest
from mediakit.mp4 import Mp4Error, VideoFacts, build_mp4, probe_mp4

FILES = Path(__file__).resolve().parents[2] / "examples" / "media" / "files"


def _box(kind: bytes, payload: bytes) -> bytes:
    return struct.pack(">I4s", 8 + len(payload), kind) + payload


def _mvhd_v1(timescale: int, duration: int) -> bytes:
    return _box(b"mvhd", struct.pack(">B3xQQIQ", 1, 0, 0, timescale, duration) + bytes(80))


FTYP = _box(b"ftyp", b"mp42" + bytes(4))


@pytest.mark.parametrize(
    ("name", "seconds"),
    [("city_walk.mp4", 95.5), ("harbour.mp4", 42.0), ("sunset.mp4", 12.25)],
    ids=["city_walk", "harbour", "sunset"],
)
def test_sample_videos_report_their_duration(name: str, seconds: float) -> None:
    facts = probe_mp4(FILES / name)
    assert facts.brand == "isom"
    assert facts.duration_seconds == seconds


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (build_mp4(1234), VideoFacts("isom", 1000, 1234)),
        (build_mp4(5, brand=b"M4V "), VideoFacts("M4V ", 1000, 5)),
        (FTYP + _box(b"moov", _mvhd_v1(90000, 2**33)), VideoFacts("mp42", 90000, 2**33)),
        (
            FTYP + struct.pack(">I4sQ", 1, b"moov", 16 + 120) + _mvhd_v1(600, 1200),
            VideoFacts("mp42", 600, 1200),
        ),
        (FTYP + struct.pack(">I4s", 0, b"moov") + _mvhd_v1(10, 25), VideoFacts("mp42", 10, 25)),
        (FTYP + _box(b"free", bytes(7)) + _box(b"moov", _mvhd_v1(1, 3)), VideoFacts("mp42", 1, 3)),
    ],
    ids=["built", "brand", "version-1", "64-bit-size", "size-0-to-end", "skips-other-boxes"],
)
def test_probe_reads_headers(tmp_path: Path, data: bytes, expected: VideoFacts) -> None:
    path = tmp_path / "v.mp4"
    path.write_bytes(data)
    assert probe_mp4(path) == expected


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "v.mp4: no 'ftyp' box, this is not an MP4 file"),
        (b"hello world, not a video", "v.mp4: box b'o wo' at offset 0 has a bad size 1751477356"),
        (FTYP, "v.mp4: no 'moov' box, the file has no movie header"),
        (_box(b"moov", _mvhd_v1(1, 1)), "v.mp4: 'moov' box comes before any 'ftyp' box"),
        (FTYP + _box(b"moov", b""), "v.mp4: 'moov' box has no 'mvhd' movie header"),
        (FTYP + _box(b"moov", _mvhd_v1(0, 1)), "v.mp4: movie header has a timescale of 0"),
        (FTYP + _box(b"moov", _box(b"mvhd", b"\x00")), "v.mp4: file ends in the middle of a box"),
        (
            FTYP + struct.pack(">I4s", 4, b"moov"),
            "v.mp4: box b'moov' at offset 16 has a bad size 4",
        ),
        (
            FTYP + struct.pack(">I4s", 99, b"moov"),
            "v.mp4: box b'moov' at offset 16 has a bad size 99",
        ),
    ],
    ids=[
        "empty",
        "text",
        "no-moov",
        "moov-first",
        "no-mvhd",
        "zero-timescale",
        "truncated-mvhd",
        "size-below-header",
        "size-past-end",
    ],
)
def test_probe_rejects_broken_files(tmp_path: Path, data: bytes, message: str) -> None:
    path = tmp_path / "v.mp4"
    path.write_bytes(data)
    with pytest.raises(Mp4Error) as caught:
        probe_mp4(path)
    assert str(caught.value) == message
