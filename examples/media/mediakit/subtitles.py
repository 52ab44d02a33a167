"""Parse SubRip (``.srt``) and WebVTT (``.vtt``) subtitle files into cues.

Both formats are blocks separated by blank lines, each holding a timing line
``start --> end`` and the cue text. SubRip writes ``00:01:02,500`` and numbers
every cue; WebVTT writes ``00:01:02.500`` (hours optional), starts with a
``WEBVTT`` line and may hold ``NOTE``, ``STYLE`` and ``REGION`` blocks.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

__all__ = ["Cue", "SubtitleError", "SubtitleFacts", "parse_subtitles", "read_subtitles"]

_SRT_TIME = r"(\d{1,2}):(\d{2}):(\d{2}),(\d{3})"
_VTT_TIME = r"(?:(\d{1,2}):)?(\d{2}):(\d{2})\.(\d{3})"
_TIMING = {
    "srt": re.compile(rf"^{_SRT_TIME}\s+-->\s+{_SRT_TIME}\s*$"),
    "vtt": re.compile(rf"^{_VTT_TIME}\s+-->\s+{_VTT_TIME}(?:\s+.*)?$"),
}
_VTT_SKIPPED_BLOCKS = ("NOTE", "STYLE", "REGION")


class SubtitleError(ValueError):
    """The subtitle text is malformed; the message names the line."""


@dataclass(frozen=True, slots=True)
class Cue:
    """One timed piece of subtitle text."""

    start: float
    end: float
    text: str


@dataclass(frozen=True, slots=True)
class SubtitleFacts:
    """The cues of one file and the totals the manifest reports."""

    format: str
    cues: tuple[Cue, ...]

    @property
    def cue_count(self) -> int:
        """Number of cues."""
        return len(self.cues)

    @property
    def last_cue_end(self) -> float:
        """When the last cue disappears, in seconds (0 without cues)."""
        return max((cue.end for cue in self.cues), default=0.0)

    @property
    def spoken_seconds(self) -> float:
        """Total time some cue is on screen, overlaps counted once per cue."""
        return round(sum(cue.end - cue.start for cue in self.cues), 3)


def read_subtitles(path: Path) -> SubtitleFacts:
    """Parse the subtitle file at ``path``; its suffix (.srt or .vtt) picks the format."""
    kind = path.suffix.lower().lstrip(".")
    if kind not in _TIMING:
        raise SubtitleError(f"{path.name}: unknown subtitle format {path.suffix!r}")
    # utf-8-sig: editors on Windows often save subtitles with a byte-order mark.
    text = path.read_text(encoding="utf-8-sig")
    try:
        return parse_subtitles(text, kind)
    except SubtitleError as error:
        raise SubtitleError(f"{path.name}: {error}") from None


def parse_subtitles(text: str, kind: str) -> SubtitleFacts:
    """Parse subtitle ``text`` of format ``kind`` (``"srt"`` or ``"vtt"``)."""
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    blocks = _blocks(lines)
    if kind == "vtt":
        blocks = _strip_vtt_header(blocks)
    cues = tuple(_cue(block, kind) for block in blocks if not _skipped(block, kind))
    return SubtitleFacts(format=kind, cues=cues)


def _blocks(lines: list[str]) -> list[list[tuple[int, str]]]:
    """Group non-blank lines, each with its 1-based line number, into blocks."""
    blocks: list[list[tuple[int, str]]] = []
    current: list[tuple[int, str]] = []
    for number, line in enumerate(lines, start=1):
        if line.strip():
            current.append((number, line.rstrip()))
        elif current:
            blocks.append(current)
            current = []
    if current:
        blocks.append(current)
    return blocks


def _strip_vtt_header(blocks: list[list[tuple[int, str]]]) -> list[list[tuple[int, str]]]:
    if not blocks or not blocks[0][0][1].startswith("WEBVTT"):
        raise SubtitleError("line 1: a WebVTT file must start with 'WEBVTT'")
    return blocks[1:]


def _skipped(block: list[tuple[int, str]], kind: str) -> bool:
    return kind == "vtt" and block[0][1].split(" ", 1)[0] in _VTT_SKIPPED_BLOCKS


def _cue(block: list[tuple[int, str]], kind: str) -> Cue:
    # The timing line comes first, or second after a cue number (SRT) or identifier (VTT).
    for position in (0, 1):
        if position < len(block) and "-->" in block[position][1]:
            number, timing = block[position]
            match = _TIMING[kind].match(timing)
            if match is None:
                raise SubtitleError(f"line {number}: malformed timing {timing.strip()!r}")
            start = _seconds(match.groups()[:4], number)
            end = _seconds(match.groups()[4:], number)
            if end < start:
                raise SubtitleError(f"line {number}: cue ends before it starts")
            text = "\n".join(line for _, line in block[position + 1 :])
            return Cue(start=start, end=end, text=text)
    raise SubtitleError(f"line {block[0][0]}: expected a timing line 'start --> end'")


def _seconds(parts: tuple[str | None, ...], line_number: int) -> float:
    hours, minutes, seconds, millis = (int(part or 0) for part in parts)
    if minutes > 59 or seconds > 59:
        raise SubtitleError(
            f"line {line_number}: minutes and seconds must be below 60 in a timestamp"
        )
    return round(hours * 3600 + minutes * 60 + seconds + millis / 1000, 3)
