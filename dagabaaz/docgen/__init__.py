"""The generated parts of the documentation, so that they cannot drift from the code.

A page (``README.md`` or any Markdown file under ``docs/``) marks a generated
part with two lines, each on its own::

    <!-- docgen: WHAT -->
    ...replaced on every generation...
    <!-- /docgen -->

``WHAT`` is one of:

* ``pipe-reference``: every built-in pipe and function, from the registry;
* ``grammar``: ``grammar/expression.lark``, the file the parser is built from;
* ``layers``: the package's layers, from the import contract in ``pyproject.toml``;
* ``file PATH``: a file of the repository, fenced (an example pipeline);
* ``dagabaaz ARGS``: what that command prints, run from the repository root
  (``dagabaaz graph`` pictures, ``dagabaaz check`` diagnostics), or for
  ``dagabaaz run ... --graph FILE`` the picture of the finished run.

Besides the pages it writes one generated file of the package:
``dagabaaz/_runtime/grammar_tables.json``, the parse tables Lark builds
from ``grammar/expression.lark`` (see :mod:`dagabaaz.expressions.lalr`).

``python -m dagabaaz.docgen`` rewrites the stale pages and files of the
current directory's checkout; ``--check`` only lists them and exits with 1
when there are any (the docs tests do the same).
"""

from __future__ import annotations

import argparse
import re
import sys
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from dagabaaz._runtime.syntax import TABLES_PATH, grammar_text
from dagabaaz.docgen._commands import command_output
from dagabaaz.docgen._grammar import grammar_reference
from dagabaaz.docgen._layers import layers_picture
from dagabaaz.docgen._pipes import pipe_reference
from dagabaaz.errors import DagabaazError, DocgenError
from dagabaaz.expressions.grammar import build_lark
from dagabaaz.expressions.lalr import tables_text

__all__ = [
    "DocgenError",
    "Region",
    "find_regions",
    "main",
    "pages",
    "regenerate",
    "render",
    "stale_files",
]

_START = re.compile(r"^<!-- docgen: (?P<what>.*?) -->\n", re.MULTILINE)
_END = "<!-- /docgen -->\n"
_FENCE_LANGUAGES = {".yaml": "yaml", ".yml": "yaml", ".json": "json", ".py": "python"}


@dataclass(frozen=True, slots=True)
class Region:
    """One generated part of a page: what it shows and where its body is.

    Attributes:
        what: The text after ``docgen:`` in the opening marker.
        start: Offset of the first character of the body.
        end: Offset just past the body (where the closing marker starts).
        line: 1-based line of the opening marker, for messages.
    """

    what: str
    start: int
    end: int
    line: int


def find_regions(text: str, name: str = "<page>") -> list[Region]:
    """Return the generated parts of a page's ``text``, in order.

    Raises:
        DocgenError: An opening marker has no closing one.
    """
    regions = []
    for opening in _START.finditer(text):
        line = text.count("\n", 0, opening.start()) + 1
        end = text.find(_END, opening.end())
        following = _START.search(text, opening.end())
        if end == -1 or (following is not None and following.start() < end):
            raise DocgenError(f"{name}:{line}: '<!-- docgen: ... -->' without '{_END.strip()}'")
        regions.append(Region(opening["what"].strip(), opening.end(), end, line))
    return regions


def render(what: str, root: Path) -> str:
    """Return the body of a generated part, for the checkout at ``root``.

    Raises:
        DocgenError: ``what`` is not a kind of generated part.
    """
    kind, _, argument = what.partition(" ")
    renderer = _RENDERERS.get(kind)
    if renderer is None:
        known = ", ".join(sorted(_RENDERERS))
        raise DocgenError(f"unknown generated part {what!r}; expected one of: {known}")
    return renderer(argument.strip(), root)


def regenerate(text: str, root: Path, name: str = "<page>") -> str:
    """Return ``text`` with every generated part rendered afresh."""
    pieces, position = [], 0
    for region in find_regions(text, name):
        try:
            body = render(region.what, root)
        except (DagabaazError, OSError) as error:
            raise DocgenError(f"{name}:{region.line}: {error}") from error
        pieces += [text[position : region.start], body]
        position = region.end
    return "".join(pieces) + text[position:]


def pages(root: Path) -> list[Path]:
    """Return the pages that may hold generated parts: the README and ``docs/**/*.md``."""
    found = sorted((root / "docs").rglob("*.md"))
    readme = root / "README.md"
    return [readme, *found] if readme.is_file() else found


def stale_pages(root: Path) -> Iterator[tuple[Path, str]]:
    """Yield each page whose generated parts are out of date, with its fresh text."""
    for page in pages(root):
        text = page.read_text(encoding="utf-8")
        fresh = regenerate(text, root, str(page.relative_to(root)))
        if fresh != text:
            yield page, fresh


def stale_files(root: Path) -> Iterator[tuple[Path, str]]:
    """Yield each generated file of the package that is out of date, with its fresh text.

    Nothing is generated for a ``root`` without the grammar file (a folder of pages only).
    """
    source = root / "grammar" / "expression.lark"
    if not source.is_file():
        return
    tables = Path(TABLES_PATH)
    path = root / tables.relative_to(tables.parents[2])
    grammar = source.read_text(encoding="utf-8")
    fresh = tables_text(build_lark(grammar), grammar)
    current = path.read_text(encoding="utf-8") if path.is_file() else ""
    if current != fresh:
        yield path, fresh


def main(argv: Sequence[str] | None = None) -> int:
    """Rewrite (or with ``--check``, list) the stale pages; return the exit code."""
    parser = argparse.ArgumentParser(
        prog="python -m dagabaaz.docgen",
        description="Regenerate the generated parts of README.md and docs/.",
    )
    parser.add_argument("--check", action="store_true", help="only list stale pages")
    parser.add_argument("--root", type=Path, default=Path.cwd(), help="the repository root")
    args = parser.parse_args(argv)
    root: Path = args.root.resolve()
    if not (root / "docs").is_dir():
        print(f"{root}: no docs/ folder here; run from the repository root", file=sys.stderr)
        return 2
    try:
        stale = list(stale_pages(root)) + list(stale_files(root))
    except DocgenError as error:
        print(error, file=sys.stderr)
        return 2
    for page, fresh in stale:
        name = page.relative_to(root)
        if args.check:
            print(f"{name}: out of date (run python -m dagabaaz.docgen)")
        else:
            page.write_text(fresh, encoding="utf-8")
            print(f"{name}: regenerated")
    return 1 if stale and args.check else 0


def _pipe_reference(argument: str, root: Path) -> str:
    _no_argument("pipe-reference", argument)
    return pipe_reference()


def _grammar(argument: str, root: Path) -> str:
    _no_argument("grammar", argument)
    return grammar_reference(grammar_text())


def _layers(argument: str, root: Path) -> str:
    _no_argument("layers", argument)
    return layers_picture((root / "pyproject.toml").read_text(encoding="utf-8"))


def _file(argument: str, root: Path) -> str:
    path = root / argument
    language = _FENCE_LANGUAGES.get(path.suffix, "text")
    return f"```{language}\n{path.read_text(encoding='utf-8').rstrip()}\n```\n"


def _command(argument: str, root: Path) -> str:
    try:
        return command_output(argument, root)
    except ValueError as error:
        raise DocgenError(f"dagabaaz {argument}: {error}") from error


def _no_argument(kind: str, argument: str) -> None:
    if argument:
        raise DocgenError(f"'{kind}' takes no argument, got {argument!r}")


_RENDERERS: dict[str, Callable[[str, Path], str]] = {
    "pipe-reference": _pipe_reference,
    "grammar": _grammar,
    "layers": _layers,
    "file": _file,
    "dagabaaz": _command,
}
