"""Path pipes (POSIX) and URL pipes."""

from __future__ import annotations

from typing import Any

import pytest
from pipes_harness import apply

CASES: list[tuple[str, Any, Any]] = [
    ("basename", "/data/in/clip.mp4", "clip.mp4"),
    ("basename", "clip.mp4", "clip.mp4"),
    ("basename", "/data/in/", "in"),
    ("basename", "/", None),
    ("basename", "C:\\win\\file.txt", "C:\\win\\file.txt"),
    ("dirname", "/data/in/clip.mp4", "/data/in"),
    ("dirname", "clip.mp4", "."),
    ("dirname", "/data/in/", "/data"),
    ("dirname", "//host/share/f", "//host/share"),
    ("dirname", "/clip.mp4", "/"),
    ("stem", "/data/in/clip.final.mp4", "clip.final"),
    ("stem", "/data/.env", ".env"),
    ("stem", "noext", "noext"),
    ("ext", "/data/in/clip.final.mp4", ".mp4"),
    ("ext", "/a/b.txt", ".txt"),
    ("ext", "Movie.MKV", ".MKV"),
    ("ext", "notes.", None),
    ("ext", "/data/archive.tar.gz", ".gz"),
    ("ext", "/data/.env", None),
    ("ext", "/data.d/noext", None),
    ("basename | stem | upper", "/x/report.pdf", "REPORT"),
    ("urlencode", "a b/c?d=é&e", "a%20b%2Fc%3Fd%3D%C3%A9%26e"),
    ("urlencode", "safe-._~AZaz09", "safe-._~AZaz09"),
    ("urlencode", 42, "42"),
    ("urldecode", "a%20b%2Fc%3Fd%3D%C3%A9", "a b/c?d=é"),
    ("urldecode", "a+b", "a+b"),
    ("urlencode | urldecode", "x y & z", "x y & z"),
]


@pytest.mark.parametrize(
    ("chain", "value", "expected"), CASES, ids=[f"{c[0]}:{c[1]!r}" for c in CASES]
)
def test_path_and_url_pipe(chain: str, value: Any, expected: Any) -> None:
    assert apply(chain, value) == expected
