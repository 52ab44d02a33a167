"""Read the facts of an MP4 (ISO base media) file from its box headers.

Only the boxes the example needs are read: ``ftyp`` (the brand) and
``moov/mvhd`` (timescale and duration). The file's payload is never loaded,
so probing a large file costs a few small reads.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

__all__ = ["Mp4Error", "VideoFacts", "build_mp4", "probe_mp4"]

_HEADER = struct.Struct(">I4s")
_MAX_BOXES = 10_000  # a header walk that long means a corrupt or hostile file


class Mp4Error(ValueError):
    """The file is not an MP4 we can read; the message says why and where."""


@dataclass(frozen=True, slots=True)
class VideoFacts:
    """What the container header says about a video."""

    brand: str
    timescale: int
    duration_units: int

    @property
    def duration_seconds(self) -> float:
        """Duration in seconds, rounded to the millisecond."""
        return round(self.duration_units / self.timescale, 3)


def probe_mp4(path: Path) -> VideoFacts:
    """Return the brand and duration of the MP4 file at ``path``.

    Raises:
        Mp4Error: The file has no ``ftyp``/``mvhd`` box or a box is truncated.
    """
    with path.open("rb") as handle:
        size = path.stat().st_size
        brand: str | None = None
        for kind, start, end in _boxes(handle, 0, size, path):
            if kind == b"ftyp":
                handle.seek(start)
                brand = _read(handle, 4, path).decode("latin-1")
            elif kind == b"moov":
                if brand is None:
                    raise Mp4Error(f"{path.name}: 'moov' box comes before any 'ftyp' box")
                return _read_moov(handle, start, end, brand, path)
    if brand is None:
        raise Mp4Error(f"{path.name}: no 'ftyp' box, this is not an MP4 file")
    raise Mp4Error(f"{path.name}: no 'moov' box, the file has no movie header")


def _read_moov(handle: BinaryIO, start: int, end: int, brand: str, path: Path) -> VideoFacts:
    for kind, body, _ in _boxes(handle, start, end, path):
        if kind == b"mvhd":
            handle.seek(body)
            version = _read(handle, 4, path)[0]
            if version == 1:
                _, _, timescale, duration = struct.unpack(">QQIQ", _read(handle, 28, path))
            else:
                _, _, timescale, duration = struct.unpack(">IIII", _read(handle, 16, path))
            if timescale == 0:
                raise Mp4Error(f"{path.name}: movie header has a timescale of 0")
            return VideoFacts(brand=brand, timescale=timescale, duration_units=duration)
    raise Mp4Error(f"{path.name}: 'moov' box has no 'mvhd' movie header")


def _boxes(handle: BinaryIO, start: int, end: int, path: Path) -> list[tuple[bytes, int, int]]:
    """List ``(type, body_start, box_end)`` of the boxes laid out in ``start:end``."""
    found: list[tuple[bytes, int, int]] = []
    offset = start
    while offset + _HEADER.size <= end:
        if len(found) >= _MAX_BOXES:
            raise Mp4Error(f"{path.name}: more than {_MAX_BOXES} boxes at offset {start}")
        handle.seek(offset)
        size, kind = _HEADER.unpack(_read(handle, _HEADER.size, path))
        body = offset + _HEADER.size
        if size == 1:  # a 64-bit size follows the type
            (size,) = struct.unpack(">Q", _read(handle, 8, path))
            body += 8
        elif size == 0:  # the box runs to the end of its parent
            size = end - offset
        if size < body - offset or offset + size > end:
            raise Mp4Error(f"{path.name}: box {kind!r} at offset {offset} has a bad size {size}")
        found.append((kind, body, offset + size))
        offset += size
    return found


def _read(handle: BinaryIO, count: int, path: Path) -> bytes:
    data = handle.read(count)
    if len(data) != count:
        raise Mp4Error(f"{path.name}: file ends in the middle of a box")
    return data


def _box(kind: bytes, payload: bytes) -> bytes:
    return _HEADER.pack(_HEADER.size + len(payload), kind) + payload


def build_mp4(duration_ms: int, *, brand: bytes = b"isom") -> bytes:
    """Return a minimal MP4: ``ftyp``, ``moov/mvhd`` with the duration, empty ``mdat``.

    Used to make the example's sample files; players will not play it, but
    every container reader finds the brand and the duration.
    """
    ftyp = _box(b"ftyp", brand + struct.pack(">I", 0x200) + b"isomiso2mp41")
    identity = struct.pack(">9I", 0x10000, 0, 0, 0, 0x10000, 0, 0, 0, 0x40000000)
    mvhd = _box(
        b"mvhd",
        struct.pack(">B3xIIII", 0, 0, 0, 1000, duration_ms)
        + struct.pack(">IH10x", 0x10000, 0x100)
        + identity
        + bytes(24)
        + struct.pack(">I", 2),
    )
    return ftyp + _box(b"moov", mvhd) + _box(b"mdat", b"")
