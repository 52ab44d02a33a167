from pathlib import Path

import pytest
from mediakit.subtitles import Cue, SubtitleError, parse_subtitles, read_subtitles

FILES = Path(__file__).resolve().parents[2] / "examples" / "media" / "files"


@pytest.mark.parametrize(
    ("text", "kind", "cues"),
    [
        ("1\n00:00:01,000 --> 00:00:02,500\nHi\n", "srt", [Cue(1.0, 2.5, "Hi")]),
        (
            "1\r\n00:00:01,000 --> 00:00:02,000\r\na\r\nb\r\n\r\n"
            "2\r\n01:00:00,000 --> 01:00:01,001\r\nc",
            "srt",
            [Cue(1.0, 2.0, "a\nb"), Cue(3600.0, 3601.001, "c")],
        ),
        ("00:00:01,000 --> 00:00:02,000\nno number\n", "srt", [Cue(1.0, 2.0, "no number")]),
        ("", "srt", []),
        ("WEBVTT\n\n00:01.000 --> 00:02.000\nshort form\n", "vtt", [Cue(1.0, 2.0, "short form")]),
        (
            "WEBVTT - title\n\nNOTE a note\nover lines\n\nSTYLE\n::cue {}\n\n"
            "id-1\n00:00:03.000 --> 00:00:04.000 align:start\nx\n",
            "vtt",
            [Cue(3.0, 4.0, "x")],
        ),
        ("WEBVTT\n", "vtt", []),
    ],
    ids=[
        "srt",
        "srt-crlf-multiline",
        "srt-no-index",
        "srt-empty",
        "vtt-short",
        "vtt-blocks",
        "vtt-empty",
    ],
)
def test_parse_cues(text: str, kind: str, cues: list[Cue]) -> None:
    facts = parse_subtitles(text, kind)
    assert facts.format == kind
    assert list(facts.cues) == cues


@pytest.mark.parametrize(
    ("text", "kind", "message"),
    [
        ("1\nhello\n", "srt", "line 1: expected a timing line 'start --> end'"),
        (
            "1\n00:00:01.000 --> 00:00:02.000\nx",
            "srt",
            "line 2: malformed timing '00:00:01.000 --> 00:00:02.000'",
        ),
        ("\n\n1\n00:00:05,000 --> 00:00:02,000\nx", "srt", "line 4: cue ends before it starts"),
        (
            "1\n00:61:00,000 --> 00:62:00,000\nx",
            "srt",
            "line 2: minutes and seconds must be below 60 in a timestamp",
        ),
        ("00:01.000 --> 00:02.000\nx", "vtt", "line 1: a WebVTT file must start with 'WEBVTT'"),
        ("", "vtt", "line 1: a WebVTT file must start with 'WEBVTT'"),
        (
            "WEBVTT\n\n00:01,000 --> 00:02,000\nx",
            "vtt",
            "line 3: malformed timing '00:01,000 --> 00:02,000'",
        ),
    ],
    ids=[
        "no-timing",
        "srt-with-dots",
        "backwards",
        "minutes-60",
        "vtt-no-header",
        "vtt-empty-file",
        "vtt-with-commas",
    ],
)
def test_parse_rejects_malformed_text(text: str, kind: str, message: str) -> None:
    with pytest.raises(SubtitleError) as caught:
        parse_subtitles(text, kind)
    assert str(caught.value) == message


@pytest.mark.parametrize(
    ("name", "count", "last_end", "spoken"),
    [
        ("city_walk.en.srt", 3, 91.0, 18.75),
        ("city_walk.fr.vtt", 2, 9.25, 7.75),
        ("harbour.de.srt", 2, 40.0, 13.5),
        ("lighthouse.es.srt", 1, 3.0, 2.5),
    ],
    ids=["en-srt", "fr-vtt", "de-srt", "es-srt"],
)
def test_sample_subtitles(name: str, count: int, last_end: float, spoken: float) -> None:
    facts = read_subtitles(FILES / name)
    assert (facts.cue_count, facts.last_cue_end, facts.spoken_seconds) == (count, last_end, spoken)


def test_read_names_the_file_and_skips_a_byte_order_mark(tmp_path: Path) -> None:
    good = tmp_path / "bom.srt"
    good.write_bytes("\ufeff1\n00:00:01,000 --> 00:00:02,000\nx\n".encode())
    assert read_subtitles(good).cue_count == 1
    bad = tmp_path / "bad.vtt"
    bad.write_text("not vtt")
    with pytest.raises(SubtitleError, match=r"^bad\.vtt: line 1: a WebVTT file must start"):
        read_subtitles(bad)
    with pytest.raises(SubtitleError, match=r"^x\.ass: unknown subtitle format '\.ass'$"):
        read_subtitles(tmp_path / "x.ass")
