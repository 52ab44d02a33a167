"""The completion corpus: every expression of the golden corpus, the examples and the docs.

Each expression comes with the scope an editor would have for it: the golden
corpus's own sample scope; for a node of a pipeline file, the node's scope
(``EditorScope.for_node``, with the plugin metadata of the file's plugins
module when it exports some); for an expression quoted on a documentation
page, a scope of the references quoted on that page (the pipeline the page
talks about). ``cuts`` cuts each expression before every character of every
name in it (namespace, key, function, pipe) and at its end, and says which
name is expected there.
"""

from __future__ import annotations

import ast
import json
import re
import warnings
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from dagabaaz.editor import EditorScope, complete
from dagabaaz.editor._scan import interpolation_at, scan
from dagabaaz.editor.scope import KeyInfo, NamespaceInfo
from dagabaaz.expressions import parse_partial
from dagabaaz.expressions.ast import collect_references
from dagabaaz.expressions.segments import split_segments
from dagabaaz.loading import PipelineFileError, load_pipeline
from dagabaaz.models import ExpressionSource

ROOT = Path(__file__).resolve().parents[2]
GOLDEN = ROOT / "tests" / "golden" / "expressions.json"
PIPELINES = [
    ROOT / "examples" / "media" / "pipeline.yaml",
    *sorted((ROOT / "docs" / "examples").glob("*.yaml")),
]
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md"))]

# A string or code span holding something that opens like an interpolation.
_QUOTED = re.compile(r"""(?<![\w$])(?:"((?:[^"\\\n]|\\.)*)"|'((?:[^'\\\n]|\\.)*)'|`([^`\n]+)`)""")
_LOOKS_LIKE = re.compile(r"\{\s*[\w-]+\s*[.(]")


@dataclass(frozen=True)
class Case:
    """One expression and the scope it is edited in."""

    expression: str
    scope: EditorScope
    origin: str


@dataclass(frozen=True)
class Cut:
    """A cut of an expression inside a name: ``expression[:at]`` is what was typed."""

    case: Case
    at: int
    expected: str
    kind: str
    typed: int
    """How many characters of the name are typed at the cut."""


def cases() -> list[Case]:
    """Every expression of the corpus, with its scope."""
    return [*_golden(), *_pipelines(), *_pages()]


def _golden() -> Iterator[Case]:
    data = json.loads(GOLDEN.read_text(encoding="utf-8"))
    scope = EditorScope.from_values(data["scope"])
    for entry in (*data["valid"], *data["invalid"]):
        yield Case(entry["expression"], scope, "golden")


def _plugin_metadata(pipeline: Path) -> Any:
    from dagabaaz.cli._plugins import load_plugins

    module = pipeline.parent / "plugins.py"
    if not module.is_file():
        return None
    return getattr(load_plugins(str(module)), "metadata", None)


def _pipelines() -> Iterator[Case]:
    for path in PIPELINES:
        try:
            pipeline = load_pipeline(path)
        except PipelineFileError:
            continue  # a file the docs keep broken on purpose: its page quotes it
        plugins = _plugin_metadata(path)
        for node in pipeline.nodes:
            scope = EditorScope.for_node(pipeline.nodes, node.slug, plugins=plugins)
            for binding in node.bindings.values():
                if isinstance(binding, ExpressionSource):
                    yield Case(binding.expression, scope, path.relative_to(ROOT).as_posix())
                if binding.when is not None:
                    yield Case(binding.when, scope, path.relative_to(ROOT).as_posix())


def _pages() -> Iterator[Case]:
    for page in PAGES:
        found = list(dict.fromkeys(_quoted_expressions(page.read_text(encoding="utf-8"))))
        if not found:
            continue
        scope = _page_scope(found)
        origin = page.relative_to(ROOT).as_posix()
        for expression in found:
            yield Case(expression, scope, origin)


def _quoted_expressions(text: str) -> Iterator[str]:
    for match in _QUOTED.finditer(text):
        if match.start() > 0 and text[match.start() - 1] in "fFrRbB":
            continue  # a Python f-string (or bytes, raw): not an expression
        if match.group(3) is not None:
            candidate = match.group(3)
        else:
            try:
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")  # "\d" in a quoted regex: kept as written
                    candidate = ast.literal_eval(match.group(0))
            except (ValueError, SyntaxError):
                continue
        if isinstance(candidate, str) and _LOOKS_LIKE.search(candidate):
            yield candidate


def _page_scope(expressions: list[str]) -> EditorScope:
    keys: dict[str, dict[str, None]] = {}
    for expression in expressions:
        for reference in collect_references(parse_partial(expression).tree):
            keys.setdefault(reference.namespace, {}).setdefault(reference.key)
    namespaces = tuple(
        NamespaceInfo(name, "values", keys=tuple(KeyInfo(key) for key in names))
        for name, names in keys.items()
    )
    return EditorScope(namespaces)


def names(expression: str) -> Iterator[tuple[int, int, str, str]]:
    """Yield ``(start, end, name, kind)`` for every name of ``expression``, in order."""
    for segment in split_segments(expression):
        if segment.kind not in ("interpolation", "unclosed"):
            continue
        tokens = scan(expression, segment.start, segment.end).tokens
        for index, token in enumerate(tokens):
            following = tokens[index + 1].kind if index + 1 < len(tokens) else ""
            if token.kind == "REF":
                namespace, _, key = token.text.partition(".")
                middle = token.start + len(namespace)
                yield token.start, middle, namespace, "namespace"
                yield middle + 1, token.end, key, "key"
            elif token.kind == "IDENT" and following == "LPAR":
                yield token.start, token.end, token.text, "function"
            elif token.kind == "PIPE":
                name = token.text.lstrip()[1:].lstrip()
                yield token.end - len(name), token.end, name, "pipe"


def cuts(case: Case) -> Iterator[Cut]:
    """Yield a cut at every character of every name of the case, and at its end."""
    for start, end, name, kind in names(case.expression):
        for at in range(start, end + 1):
            yield Cut(case, at, name, kind, at - start)


def knowable(cut: Cut) -> bool:
    """Whether the scope could know the expected name at all (a misspelt one it cannot)."""
    scope = cut.case.scope
    if cut.kind == "pipe":
        return cut.expected in scope.pipes
    if cut.kind == "function":
        return cut.expected == "list"
    if cut.kind == "namespace":
        return scope.namespace(cut.expected) is not None
    expression = cut.case.expression
    namespace = expression[: cut.at - cut.typed - 1]
    match = re.search(r"[\w-]+$", namespace)
    return match is not None and scope.key(match.group(0), cut.expected) is not None


@dataclass
class Figures:
    """How completion did on the corpus.

    ``counted`` are the cuts with at least one character of a knowable name
    typed: the targets' denominator. Cuts before a name's first character
    (``ahead``: nothing typed says which name comes) are counted apart.
    """

    counted: int = 0
    first: int = 0
    top5: int = 0
    ahead: int = 0
    ahead_first: int = 0
    ahead_top5: int = 0
    unknowable: int = 0
    cursors: int = 0
    misses: dict[str, list[tuple[str, str, int]]] = field(default_factory=dict)
    """By kind: (text typed, expected name, its rank or -1 when absent), for counted cuts."""

    @property
    def first_ratio(self) -> float:
        return self.first / self.counted

    @property
    def top5_ratio(self) -> float:
        return self.top5 / self.counted


def evaluate(all_cases: list[Case] | None = None) -> Figures:
    """Complete at every cut of the corpus and count where the expected name ranks."""
    figures = Figures()
    for case in cases() if all_cases is None else all_cases:
        for cut in cuts(case):
            if not knowable(cut):
                figures.unknowable += 1
                continue
            typed = case.expression[: cut.at]
            found = [item.label for item in complete(typed, cut.at, case.scope)]
            rank = found.index(cut.expected) if cut.expected in found else -1
            if cut.typed == 0:
                figures.ahead += 1
                figures.ahead_first += rank == 0
                figures.ahead_top5 += 0 <= rank < 5
                continue
            figures.counted += 1
            figures.first += rank == 0
            figures.top5 += 0 <= rank < 5
            if rank != 0:
                figures.misses.setdefault(cut.kind, []).append((typed, cut.expected, rank))
    return figures


__all__ = [
    "Case",
    "Cut",
    "Figures",
    "cases",
    "cuts",
    "evaluate",
    "interpolation_at",
    "knowable",
    "names",
]
