"""Completion: what may come next at the cursor, best first.

:func:`complete` works on text being typed (``{source.fi``, ``{a.b | tru``,
``{a.b | truncate(``, an unclosed quote): it finds what is being written at
the cursor (see :mod:`dagabaaz.editor._context`), lists the names that fit
there (namespaces and ``list(`` to start an interpolation, the keys of a
namespace, pipe names, an argument's values) and ranks them: names starting
with what was typed first, then names holding its letters in order from
the start of one of their words; among
equals, pipes made for the type of the value flowing into them before pipes
for any value, and those before pipes made for another type; a pipe the
value already went through after the others; then the scope's own order
(a node's dependencies as ``depends_on`` lists them, declared outputs in
their order) or the registry's (alphabetical).
"""

from __future__ import annotations

import weakref
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from typing import Literal, NamedTuple

from dagabaaz.editor._common import checked
from dagabaaz.editor._context import CursorContext, context_at
from dagabaaz.editor._types import pipe_result, value_before
from dagabaaz.editor.positions import OffsetEncoding, from_code_points, to_code_points
from dagabaaz.editor.scope import EditorScope, NamespaceInfo
from dagabaaz.pipes.functions import FUNCTIONS
from dagabaaz.pipes.registry import PipeRegistry, PipeSpec

__all__ = ["Completion", "CompletionKind", "complete"]

CompletionKind = Literal["namespace", "key", "function", "pipe", "value"]
"""What a suggestion is: a namespace, a key of one, a function, a pipe, or an argument value."""

_TEXT_FAMILIES = frozenset({"text", "paths", "urls", "regex"})
_LIST_FAMILY = "lists"


@dataclass(frozen=True, slots=True)
class Completion:
    """One suggestion.

    Attributes:
        label: The name, as the list shows it.
        kind: See :data:`CompletionKind`.
        detail: A short line: a pipe's signature, a key's type.
        documentation: A pipe's doc, a key's description and origin.
        insert_text: What replaces ``start:end`` when the suggestion is taken
            (``source.`` for a namespace, ``list(`` for the function,
            `` | upper`` after a complete value).
        start: First offset of the span the suggestion replaces.
        end: Offset just past it (the word at the cursor, the part after the
            cursor included; ``start == end`` inserts at the cursor).
        snippet: The same insertion with LSP snippet placeholders
            (``replace(${1:old})``), for editors that take snippets; None
            when it would equal ``insert_text``.
    """

    label: str
    kind: CompletionKind
    detail: str
    documentation: str
    insert_text: str
    start: int
    end: int
    snippet: str | None = None


class _Entry(NamedTuple):
    """A candidate before ranking: everything but the span."""

    name: str
    kind: CompletionKind
    detail: str
    documentation: str
    fits: frozenset[str]
    """Value types this candidate suits best (for pipes); empty: no preference."""
    call: str
    """What follows the name when inserted: ``(`` for a call, ``.`` for a namespace."""
    snippet: str | None


def complete(
    source: str,
    cursor: int,
    scope: EditorScope | None = None,
    *,
    offsets: OffsetEncoding = "code-points",
) -> list[Completion]:
    """Return the suggestions at ``cursor``, best first; empty where nothing fits.

    Args:
        source: The expression being edited, complete or not.
        cursor: The cursor's offset in ``source``.
        scope: What the expression may read; a scope that knows no
            namespace (only the built-in pipes) when None.
        offsets: How ``cursor`` and the returned spans count: code points
            (the default) or ``"utf-16"`` code units, as LSP editors do.

    Raises:
        TypeError: ``source`` is not a str or ``scope`` not an
            :class:`~dagabaaz.editor.EditorScope`.
        ValueError: ``offsets`` is not one of the two encodings.
    """
    scope = checked(source, scope)
    at = to_code_points(source, cursor, offsets)
    context = context_at(source, at)
    entries = _candidates(context, scope)
    if not entries:
        return []
    used = context.shape.pipes if context.role in ("pipe", "after-value") else ()
    ranked = _rank(context.prefix, entries, _preferred(context, scope), used)
    start = from_code_points(source, context.start, offsets)
    end = from_code_points(source, context.end, offsets)
    follows = source[context.end : context.end + 1]
    lead = _lead(context, source)
    return [
        Completion(
            entry.name,
            entry.kind,
            entry.detail,
            entry.documentation,
            lead + entry.name + ("" if follows == entry.call[:1] else entry.call),
            start,
            end,
            None if entry.snippet is None or follows == "(" else lead + entry.snippet,
        )
        for entry in ranked
    ]


def _lead(context: CursorContext, source: str) -> str:
    """Return what goes before a pipe name after a complete value: ``| `` or `` | ``."""
    if context.role != "after-value":
        return ""
    before = source[context.start - 1 : context.start]
    return "| " if before.isspace() else " | "


def _candidates(context: CursorContext, scope: EditorScope) -> Sequence[_Entry]:
    role = context.role
    if role == "primary":
        return (*_namespace_entries(scope), *_FUNCTION_ENTRIES)
    if role == "reference":
        return _namespace_entries(scope)
    if role == "key":
        info = scope.namespace(context.namespace or "")
        return () if info is None else _key_entries(info)
    if role in ("pipe", "after-value"):
        return _pipe_entries(scope.pipes)
    if role == "argument":
        return _argument_entries(context, scope)
    return ()


def _preferred(context: CursorContext, scope: EditorScope) -> str | None:
    """Return the type of the value a pipe at the cursor would receive, if a pipe fits there."""
    if context.role not in ("pipe", "after-value"):
        return None
    return value_before(scope, context.shape)


def _rank(
    prefix: str, entries: Sequence[_Entry], value_type: str | None, used: Collection[str]
) -> list[_Entry]:
    """Order the candidates matching ``prefix``; drop the others."""
    lowered = prefix.lower()
    scored: list[tuple[int, int, int, int, _Entry]] = []
    for index, entry in enumerate(entries):
        tier = _tier(entry.name, prefix, lowered)
        if tier is None:
            continue
        again = 1 if entry.name in used else 0
        scored.append((tier, _fit(entry.fits, value_type), again, index, entry))
    scored.sort()
    return [entry for *_, entry in scored]


def _fit(fits: frozenset[str], value_type: str | None) -> int:
    """0: made for values of this type; 1: for any value; 2: made for another type."""
    if value_type is None or value_type == "any" or not fits:
        return 1
    return 0 if value_type in fits else 2


def _tier(name: str, prefix: str, lowered: str) -> int | None:
    """0: starts with the prefix; 1: the same ignoring case; 2: holds its letters in order.

    For the last, the first letter typed must start a word of the name (its
    start, or after ``_`` or ``-``): ``jg`` finds ``json_get``, ``tr`` does
    not find ``lstrip``.
    """
    if name.startswith(prefix):
        return 0
    folded = name.lower()
    if folded.startswith(lowered):
        return 1
    first = lowered[0]
    position = next(
        (
            i + 1
            for i, char in enumerate(folded)
            if char == first and (i == 0 or folded[i - 1] in "_-")
        ),
        0,
    )
    if position == 0:
        return None
    for char in lowered[1:]:
        position = folded.find(char, position) + 1
        if position == 0:
            return None
    return 2


def _namespace_entries(scope: EditorScope) -> tuple[_Entry, ...]:
    return tuple(_namespace_entry(info) for info in scope.namespaces)


def _namespace_entry(info: NamespaceInfo) -> _Entry:
    keys = ", ".join(k.name for k in info.keys[:8]) + (", ..." if len(info.keys) > 8 else "")
    documentation = info.description + (f"\n\nKeys: {keys}" if keys else "")
    return _Entry(info.name, "namespace", info.kind, documentation, frozenset(), ".", None)


def _key_entries(info: NamespaceInfo) -> tuple[_Entry, ...]:
    return tuple(
        _Entry(
            key.name,
            "key",
            key.type,
            "\n\n".join(part for part in (key.description, key.origin) if part),
            frozenset(),
            "",
            None,
        )
        for key in info.keys
    )


_FUNCTION_ENTRIES = tuple(
    _Entry(
        name,
        "function",
        f"{name}(references...)",
        spec.doc,
        frozenset(),
        "(",
        None,
    )
    for name, spec in sorted(FUNCTIONS.items())
)

_pipe_cache: weakref.WeakKeyDictionary[PipeRegistry, tuple[int, tuple[_Entry, ...]]] = (
    weakref.WeakKeyDictionary()
)


def _pipe_entries(registry: PipeRegistry) -> tuple[_Entry, ...]:
    cached = _pipe_cache.get(registry)
    if cached is not None and cached[0] == registry.generation:
        return cached[1]
    entries = tuple(_pipe_entry(registry[name]) for name in registry.names())
    _pipe_cache[registry] = (registry.generation, entries)
    return entries


def _pipe_entry(spec: PipeSpec) -> _Entry:
    signature = spec.signature
    described = signature.describe(spec.name)
    result = pipe_result(spec)
    family = spec.function.__module__.rpartition(".")[2]
    if family in _TEXT_FAMILIES or signature.text_value:
        fits = frozenset({"string"})
    elif family == _LIST_FAMILY:
        fits = frozenset({"list"})
    else:
        fits = frozenset()
    required = [p for p in signature.params if p.required]
    if signature.variadic is not None and signature.variadic.required:
        required.append(signature.variadic)
    snippet = None
    call = ""
    if required:
        call = "("
        holes = ", ".join(f"${{{i}:{p.name}}}" for i, p in enumerate(required, start=1))
        snippet = f"{spec.name}({holes})"
    detail = f"{described} -> {result}"
    return _Entry(spec.name, "pipe", detail, spec.doc, fits, call, snippet)


def _argument_entries(context: CursorContext, scope: EditorScope) -> tuple[_Entry, ...]:
    call = context.shape.call
    if call is None or call.kind != "pipe" or context.quote:
        return ()
    spec = scope.pipes.get(call.name)
    if spec is None:
        return ()
    signature = spec.signature
    if signature.max_args is not None and call.argument >= signature.max_args:
        return ()
    param = signature.param_for(call.argument)
    if param.type is bool:
        what = f"argument '{param.name}' of pipe '{call.name}'"
        return tuple(
            _Entry(word, "value", "boolean", what, frozenset(), "", None)
            for word in ("true", "false")
        )
    return ()
