"""The grammar page: the grammar file, one section per paragraph of it.

Each paragraph of the file (its definitions with the comment above them) is
shown verbatim under a heading naming what it defines, so the page is the file
itself, only easier to navigate.
"""

from __future__ import annotations

import re

__all__ = ["grammar_reference"]

# A rule (lower case) or a terminal (upper case), with an optional priority.
_DEFINITION = re.compile(r"^\??(?P<name>[A-Za-z_][A-Za-z0-9_]*)(?:\.\d+)?\s*:", re.MULTILINE)


def grammar_reference(grammar: str) -> str:
    """Return the Markdown rendering of the Lark grammar text ``grammar``."""
    sections = []
    for paragraph in re.split(r"\n\s*\n", grammar.strip()):
        names = _DEFINITION.findall(paragraph)
        block = f"```text\n{paragraph.rstrip()}\n```\n"
        if names:
            block = f"### {_title(names)}\n\n{block}"
        sections.append(block)
    return "\n".join(sections)


def _title(names: list[str]) -> str:
    kinds = {"terminal" if name.isupper() else "rule" for name in names}
    kind = kinds.pop() if len(kinds) == 1 else "rules and terminals"
    plural = "s" if len(names) > 1 and kind in ("rule", "terminal") else ""
    return ", ".join(f"`{name}`" for name in names) + f" ({kind}{plural})"
