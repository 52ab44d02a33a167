"""Path pipes: parts of POSIX paths, split the way :class:`pathlib.PurePosixPath` splits them.

A path is "/"-separated; repeated slashes and "." segments are ignored and a
trailing slash does not start an empty part, so ``"/data/in/"`` names ``in``.
These are the results the README's version gave (it used ``PurePosixPath``);
the rules are spelled out here so they do not drift with the Python version.
"""

from __future__ import annotations


def _split(path: str) -> tuple[str, list[str]]:
    """Return the path's anchor ("", "/" or "//") and its named parts."""
    if path.startswith("//") and not path.startswith("///"):
        anchor = "//"  # POSIX leaves exactly two leading slashes implementation-defined
    elif path.startswith("/"):
        anchor = "/"
    else:
        anchor = ""
    return anchor, [part for part in path.split("/") if part and part != "."]


def _suffix_at(name: str) -> int:
    """Return where the name's extension starts, or -1 when it has none."""
    dot = name.rfind(".")
    return dot if 0 < dot < len(name) - 1 else -1


def basename(path: str) -> str:
    """Return the last part of a path: "/data/clip.mp4" gives "clip.mp4".

    A trailing slash is ignored: "/data/in/" gives "in".
    """
    return _last_part(path)


def _last_part(path: str) -> str:
    last = path.rpartition("/")[2]
    if last and last != ".":
        return last  # the last named part, found without splitting the whole path
    parts = _split(path)[1]
    return parts[-1] if parts else ""


def dirname(path: str) -> str:
    """Return everything before the last part: "/data/clip.mp4" gives "/data".

    A bare file name lives in the current directory: "clip.mp4" gives ".".
    """
    anchor, parts = _split(path)
    if len(parts) <= 1:
        return anchor or "."
    return anchor + "/".join(parts[:-1])


def stem(path: str) -> str:
    """Return the last part without its extension: "/data/clip.final.mp4" gives "clip.final"."""
    name = _last_part(path)
    dot = _suffix_at(name)
    return name if dot < 0 else name[:dot]


def ext(path: str) -> str:
    """Return the extension with its dot: "/data/clip.mp4" gives ".mp4"; "" when there is none.

    Case is kept. A leading dot is not an extension (".env" has none), and
    neither is a trailing one ("notes." has none).
    """
    name = _last_part(path)
    dot = _suffix_at(name)
    return "" if dot < 0 else name[dot:]
