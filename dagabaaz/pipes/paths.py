"""Path pipes: parts of POSIX paths ("/" separated), as :mod:`posixpath` splits them."""

from __future__ import annotations

import posixpath

from dagabaaz.pipes.registry import PipeRegistry

__all__ = ["register"]


def basename(path: str) -> str:
    """Return the last part of a path: "/data/clip.mp4" gives "clip.mp4"."""
    return posixpath.basename(path)


def dirname(path: str) -> str:
    """Return everything before the last part: "/data/clip.mp4" gives "/data"."""
    return posixpath.dirname(path)


def stem(path: str) -> str:
    """Return the last part without its extension: "/data/clip.final.mp4" gives "clip.final"."""
    return posixpath.splitext(posixpath.basename(path))[0]


def ext(path: str) -> str:
    """Return the extension without its dot: "/data/clip.mp4" gives "mp4"; "" when there is none.

    A leading dot is not an extension: ".env" has none.
    """
    return posixpath.splitext(path)[1][1:]


def register(registry: PipeRegistry) -> None:
    """Register the path pipes."""
    registry.register("basename", basename)
    registry.register("dirname", dirname)
    registry.register("stem", stem)
    registry.register("ext", ext)
