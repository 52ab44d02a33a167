"""The pipe reference page: the registry's table, then each entry's doc and an example.

The table is :func:`dagabaaz.pipes.reference.markdown_reference` (the one
generator of it); this module adds a section per pipe with its whole doc and
an example that is evaluated while the page is generated, so the result shown
is what the code returns.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from dagabaaz.expressions import compile_expression
from dagabaaz.pipes import DEFAULT_PIPES, PipeRegistry
from dagabaaz.pipes.reference import markdown_reference

__all__ = ["EXAMPLES", "PipeExample", "pipe_reference"]


@dataclass(frozen=True, slots=True)
class PipeExample:
    """An expression and the values it reads, keyed ``"namespace.key"``."""

    expression: str
    values: Mapping[str, Any] = field(default_factory=dict)

    def scope(self) -> dict[str, dict[str, Any]]:
        """Return the values as a ``namespace -> key -> value`` scope."""
        scope: dict[str, dict[str, Any]] = {}
        for dotted, value in self.values.items():
            namespace, key = dotted.split(".", 1)
            scope.setdefault(namespace, {})[key] = value
        return scope


EXAMPLES: Mapping[str, PipeExample] = {
    "list": PipeExample(
        "{list(video.title, audio.title)}", {"video.title": "Harbour", "audio.title": None}
    ),
    "all": PipeExample(
        "{list(input.publish, lookup.approved) | all}",
        {"input.publish": "yes", "lookup.approved": False},
    ),
    "any": PipeExample(
        "{list(clip.subtitles, clip.captions) | any}",
        {"clip.subtitles": [], "clip.captions": ["en.srt"]},
    ),
    "append": PipeExample("{clip.name | append(.mp4)}", {"clip.name": "harbour"}),
    "basename": PipeExample("{clip.path | basename}", {"clip.path": "/data/clip.mp4"}),
    "compact": PipeExample("{clip.tags | compact}", {"clip.tags": ["sea", None, "boat"]}),
    "default": PipeExample("{input.title | default(Untitled)}", {"input.title": None}),
    "dirname": PipeExample("{clip.path | dirname}", {"clip.path": "/data/clip.mp4"}),
    "eq": PipeExample("{clip.height | eq(1080)}", {"clip.height": "1080"}),
    "ext": PipeExample("{clip.path | ext}", {"clip.path": "/data/clip.MP4"}),
    "first": PipeExample("{clip.tags | first}", {"clip.tags": ["sea", "boat"]}),
    "flatten": PipeExample("{clip.tags | flatten}", {"clip.tags": [["sea", "boat"], ["dusk"]]}),
    "gt": PipeExample("{clip.duration | gt(60)}", {"clip.duration": 90.5}),
    "in": PipeExample("{clip.lang | in(en, fr)}", {"clip.lang": "fr"}),
    "int": PipeExample("{clip.duration | int}", {"clip.duration": "90.7"}),
    "join": PipeExample('{clip.tags | join(" / ")}', {"clip.tags": ["sea", None, "boat"]}),
    "json": PipeExample(
        "{clip.info | json}", {"clip.info": {"title": 'say "hi"', "tags": ["sea"], "hdr": None}}
    ),
    "json_get": PipeExample(
        "{lookup.urls | json_get(embed)}", {"lookup.urls": '{"embed": "https://v.example/e/42"}'}
    ),
    "last": PipeExample("{clip.tags | last}", {"clip.tags": ["sea", "boat"]}),
    "lower": PipeExample("{clip.title | lower}", {"clip.title": "Harbour"}),
    "lstrip": PipeExample("{clip.number | lstrip(0)}", {"clip.number": "007"}),
    "lt": PipeExample("{clip.size | lt(1000)}", {"clip.size": 900}),
    "match": PipeExample("{clip.name | match([0-9]+)}", {"clip.name": "take 12 final"}),
    "neq": PipeExample("{clip.lang | neq(en)}", {"clip.lang": "fr"}),
    "not": PipeExample("{lookup.existing_id | not}", {"lookup.existing_id": None}),
    "nth": PipeExample("{clip.tags | nth(-2)}", {"clip.tags": ["sea", "boat", "dusk"]}),
    "pad": PipeExample("{clip.episode | pad(3)}", {"clip.episode": 7}),
    "prepend": PipeExample("{clip.name | prepend(draft-)}", {"clip.name": "harbour"}),
    "replace": PipeExample('{clip.stem | replace(_, " ")}', {"clip.stem": "city_walk"}),
    "required": PipeExample("{input.url | required}", {"input.url": "https://example.org"}),
    "rstrip": PipeExample("{clip.folder | rstrip(/)}", {"clip.folder": "/data/clips/"}),
    "stem": PipeExample("{clip.path | stem}", {"clip.path": "/data/clip.final.mp4"}),
    "string": PipeExample("{clip.tags | string}", {"clip.tags": ["sea", "boat"]}),
    "strip": PipeExample("{clip.title | strip(*)}", {"clip.title": "**new**"}),
    "title": PipeExample("{clip.stem | title}", {"clip.stem": "city walk"}),
    "trim": PipeExample("{input.title | trim}", {"input.title": "  harbour  "}),
    "truncate": PipeExample("{clip.title | truncate(5)}", {"clip.title": "lighthouse"}),
    "upper": PipeExample("{clip.title | upper}", {"clip.title": "harbour"}),
    "urldecode": PipeExample("{input.query | urldecode}", {"input.query": "city%20walk"}),
    "urlencode": PipeExample("{input.query | urlencode}", {"input.query": "city walk/dusk"}),
}
"""One example per built-in pipe and function, by name."""

_RECEIVES = {"string": "the value as text", "any": "the value as it is", None: "references"}


def pipe_reference(
    registry: PipeRegistry = DEFAULT_PIPES, examples: Mapping[str, PipeExample] = EXAMPLES
) -> str:
    """Return the Markdown reference of every entry of ``registry``.

    An entry without an example in ``examples`` gets none.
    """
    parts = [markdown_reference(registry)]
    for entry in registry.vocabulary():
        parts.append(_section(entry, examples.get(entry["name"]), registry))
    return "\n".join(parts)


def _section(entry: Mapping[str, Any], example: PipeExample | None, registry: PipeRegistry) -> str:
    kind = "function" if entry["kind"] == "function" else "pipe"
    lines = [
        f"### `{entry['name']}`",
        "",
        f"`{entry['signature']}`: {kind}, receives {_RECEIVES[entry['value']]}.",
        "",
        entry["doc"],
        "",
    ]
    if example is not None:
        lines += [_example_line(example, registry), ""]
    return "\n".join(lines)


def _example_line(example: PipeExample, registry: PipeRegistry) -> str:
    result = compile_expression(example.expression, pipes=registry).evaluate(example.scope())
    given = ", ".join(f"`{name}` = `{_json(value)}`" for name, value in example.values.items())
    where = f" with {given}" if given else ""
    return f"Example: `{example.expression}`{where} gives `{_json(result)}`."


def _json(value: object) -> str:
    return json.dumps(value, ensure_ascii=False)
