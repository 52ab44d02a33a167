"""Plugins for the example pipelines of the documentation.

Each plugin is a plain function from the task's input dict to its outputs; the
pipelines in this folder name them. ``dagabaaz run`` reads ``PLUGINS`` and
``PASSTHROUGH``, and ``check``, ``eval`` and ``pipes`` the custom pipes in
``PIPES``. Nothing here touches the disk: the files are made up.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from dagabaaz.models import Output
from dagabaaz.pipes import DEFAULT_PIPES

Task = Mapping[str, Any]


def fetch_clips(task: Task) -> list[Output]:
    """Find three clips."""
    return [
        Output(file_name=f"{name}.mp4", file_size=size, metadata={"clip": name})
        for name, size in (("harbour", 900), ("lighthouse", 700), ("sunset", 800))
    ]


def fetch_videos(task: Task) -> list[Output]:
    """Find two videos and nothing else."""
    return [Output(file_name="harbour.mp4"), Output(file_name="sunset.mp4")]


def thumbnail(task: Task) -> Output:
    """Make the thumbnail of one clip."""
    return Output(file_name=f"{task['clip']}.jpg", metadata={"clip": task["clip"]})


def transcribe(task: Task) -> Output:
    """Write the transcript of one clip."""
    return Output(file_name=f"{task['clip']}.txt", metadata={"clip": task["clip"]})


def contact_sheet(task: Task) -> Output:
    """Put every thumbnail on one page."""
    return Output(file_name="contact-sheet.jpg", metadata={"pictures": len(task["artifacts"])})


def package(task: Task) -> Output:
    """Bundle the thumbnail and the transcript of one clip."""
    names = sorted(item["file_name"] for item in task["artifacts"])
    return Output(file_name=names[0].rsplit(".", 1)[0] + ".zip", metadata={"files": names})


def report(task: Task) -> Output:
    """Summarise what reached the report."""
    names = [item["file_name"] for item in task["artifacts"]]
    return Output(file_name="report.txt", metadata={"files": names})


def unused(task: Task) -> None:
    """Never called in these examples: its node ends skipped or filtered."""
    raise AssertionError("this plugin should not run")


def gate(task: Task) -> None:
    """Let everything through: a routing node produces nothing itself."""


def encode(task: Task) -> Output:
    """Encode one clip."""
    return Output(file_name=task["clip"] + ".webm")


def probe_clip(task: Task) -> Output:
    """Read one clip's header; the lighthouse clip's is broken."""
    if task["clip"] == "lighthouse":
        raise ValueError("bad header")
    return Output(file_name=f"{task['clip']}.json", metadata={"clip": task["clip"]})


PLUGINS = {
    "fetch_clips": fetch_clips,
    "fetch_videos": fetch_videos,
    "thumbnail": thumbnail,
    "transcribe": transcribe,
    "contact_sheet": contact_sheet,
    "package": package,
    "report": report,
    "parse_subtitles": unused,
    "translate": unused,
    "unpack": unused,
    "publish": unused,
    "notify": unused,
    "gate": gate,
    "encode": encode,
    "probe_clip": probe_clip,
}
PASSTHROUGH = ["gate"]

PIPES = DEFAULT_PIPES.copy()
"""The built-in pipes and one of our own, for the command line page."""


@PIPES.register("shout")
def shout(value: str, marks: int = 1) -> str:
    """Upper-case the text and add exclamation marks."""
    return value.upper() + "!" * marks
