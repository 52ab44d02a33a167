"""Write the example's sample media into ``files/`` (the committed copies come from here).

Run ``python examples/media/make_samples.py`` to recreate them; a test checks
that the committed files are exactly what this script writes.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from mediakit.mp4 import build_mp4

VIDEOS_MS = {"city_walk.mp4": 95_500, "harbour.mp4": 42_000, "sunset.mp4": 12_250}

SUBTITLES = {
    "city_walk.en.srt": """1
00:00:01,000 --> 00:00:04,500
We start at the old market.

2
00:00:05,000 --> 00:00:09,250
The bakery on the corner
opens at six.

3
00:01:20,000 --> 00:01:31,000
And this is where the tram turns around.
""",
    "city_walk.fr.vtt": """WEBVTT

NOTE translated by hand

intro
00:01.000 --> 00:04.500 line:90%
On commence au vieux marché.

00:05.000 --> 00:09.250
La boulangerie du coin
ouvre à six heures.
""",
    "harbour.de.srt": """1
00:00:02,000 --> 00:00:06,000
Die Fähre legt gleich ab.

2
00:00:30,500 --> 00:00:40,000
Möwen, überall Möwen.
""",
    "lighthouse.es.srt": """1
00:00:00,500 --> 00:00:03,000
El faro se ve desde aquí.
""",
}

NOTES = "Sample media for the dagabaaz example. Not a video or a subtitle: no branch takes it.\n"


def sample_files() -> dict[str, bytes]:
    """Return every sample file name with its exact bytes."""
    files = {name: build_mp4(ms) for name, ms in VIDEOS_MS.items()}
    files.update({name: text.encode("utf-8") for name, text in SUBTITLES.items()})
    files["notes.txt"] = NOTES.encode("utf-8")
    return files


def main() -> None:
    folder = Path(__file__).resolve().parent / "files"
    folder.mkdir(exist_ok=True)
    for name, data in sample_files().items():
        (folder / name).write_bytes(data)
        print(f"wrote {folder / name} ({len(data)} bytes)")


if __name__ == "__main__":
    main()
