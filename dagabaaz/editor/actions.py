"""Code actions: the text edits that fix a diagnostic, for every one that has a fix.

A did-you-mean (``unknown-pipe``, ``unknown-namespace``, ``unknown-function``,
``unknown-key``, ``undeclared-dependency``, a reference with a space in it)
replaces the name with the suggestion. A keyword-style argument
(``truncate(length=5)``) is rewritten positionally, or quoted when the text
was meant. A brace is closed or escaped, a backslash that escaped the ``{``
of an interpolation doubled, an extra ``|`` removed, a blank or
empty argument quoted, a closing parenthesis or quote added, and a ``when``
clause that is constant or text around interpolations replaced by the one
interpolation its hint proposes.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

from dagabaaz.diagnostics import MAX_QUOTED, Diagnostic
from dagabaaz.editor._common import checked
from dagabaaz.editor.positions import OffsetEncoding, from_code_points
from dagabaaz.editor.scope import EditorScope
from dagabaaz.expressions import parse_partial
from dagabaaz.expressions.ast import PipeCall, Reference, walk
from dagabaaz.expressions.escapes import encode_argument
from dagabaaz.expressions.keyword_arguments import keyword_arguments, positional_call
from dagabaaz.expressions.segments import split_segments

__all__ = ["CodeAction", "TextEdit", "code_actions"]

_DID_YOU_MEAN = re.compile(r"did you mean '(.+)'\?")
_WRITE_PIPE = re.compile(r"write '\| ([\w-]+)'")
_WRITE_BRACED = re.compile(r"write (\{.+\}) to read the value of")
_KEEP_ONLY = re.compile(r"keep only the interpolation: (.+)")
_COMBINE = re.compile(r"write one interpolation: (\{list\(.+\) \| (?:all|any)\})")


@dataclass(frozen=True, slots=True)
class TextEdit:
    """Replace ``source[start:end]`` with ``new_text`` (an insertion when ``start == end``)."""

    start: int
    end: int
    new_text: str


@dataclass(frozen=True, slots=True)
class CodeAction:
    """One way to fix a diagnostic.

    Attributes:
        title: What the fix does, for a menu: ``Change to 'upper'``.
        diagnostic: The diagnostic it fixes.
        edits: The edits to apply together, in source order, not overlapping.
        preferred: True for the fix to apply without asking (the one an
            editor's "fix all" takes); at most one per diagnostic.
    """

    title: str
    diagnostic: Diagnostic
    edits: tuple[TextEdit, ...]
    preferred: bool = False


def code_actions(
    source: str,
    diagnostics: Iterable[Diagnostic],
    scope: EditorScope | None = None,
    *,
    offsets: OffsetEncoding = "code-points",
) -> list[CodeAction]:
    """Return the fixes of ``diagnostics`` (of the expression ``source``), in their order.

    Diagnostics of another text (their ``expression`` is set and differs
    from ``source``) and those without a fix are passed over.

    Args:
        source: The expression the diagnostics were found in.
        diagnostics: As :func:`~dagabaaz.expressions.check_expression` or
            :func:`~dagabaaz.validation.validate_pipeline` returned them
            (their spans count code points).
        scope: Gives the pipe registry a keyword-style argument is
            rewritten with; the built-in pipes when None.
        offsets: How the returned edits' offsets count (see
            :mod:`dagabaaz.editor.positions`).
    """
    scope = checked(source, scope)
    actions: list[CodeAction] = []
    for diagnostic in diagnostics:
        if not isinstance(diagnostic, Diagnostic):
            raise TypeError(f"diagnostics must hold Diagnostic, got {type(diagnostic).__name__}")
        if diagnostic.expression is not None and diagnostic.expression != source:
            continue
        if not 0 <= diagnostic.start <= diagnostic.end <= len(source):
            continue
        fixes = list(_fixes(source, diagnostic, scope))
        for index, (title, edits) in enumerate(fixes):
            converted = tuple(
                TextEdit(
                    from_code_points(source, edit.start, offsets),
                    from_code_points(source, edit.end, offsets),
                    edit.new_text,
                )
                for edit in edits
            )
            actions.append(CodeAction(title, diagnostic, converted, preferred=index == 0))
    return actions


_Fix = tuple[str, tuple[TextEdit, ...]]


def _fixes(source: str, diagnostic: Diagnostic, scope: EditorScope) -> Iterator[_Fix]:
    fixer = _FIXERS.get(diagnostic.code)
    if fixer is not None:
        yield from fixer(source, diagnostic, scope)
    yield from _did_you_mean(source, diagnostic)


def _replace(start: int, end: int, text: str) -> tuple[TextEdit, ...]:
    return (TextEdit(start, end, text),)


def _did_you_mean(source: str, diagnostic: Diagnostic) -> Iterator[_Fix]:
    found = _DID_YOU_MEAN.fullmatch(diagnostic.hint or "")
    if found is None or diagnostic.start == diagnostic.end:
        return
    meant = found.group(1)
    if len(meant) >= MAX_QUOTED and meant.endswith("..."):
        return  # the hint quotes a cut suggestion: the whole one is not known here
    yield f"Change to '{meant}'", _replace(diagnostic.start, diagnostic.end, meant)


def _unclosed_brace(source: str, diagnostic: Diagnostic, scope: EditorScope) -> Iterator[_Fix]:
    yield "Add the closing '}'", _replace(len(source), len(source), "}")
    yield from _escape_brace(source, diagnostic, scope)


def _escape_brace(source: str, diagnostic: Diagnostic, scope: EditorScope) -> Iterator[_Fix]:
    brace = source[diagnostic.start : diagnostic.start + 1]
    if brace in ("{", "}"):
        escaped = _replace(diagnostic.start, diagnostic.start + 1, "\\" + brace)
        yield f"Write a literal '{brace}'", escaped


def _escaped_brace(source: str, diagnostic: Diagnostic, scope: EditorScope) -> Iterator[_Fix]:
    if source[diagnostic.start : diagnostic.end] == "\\{":
        yield "Double the backslash", _replace(diagnostic.start, diagnostic.start, "\\")


def _empty_pipe(source: str, diagnostic: Diagnostic, scope: EditorScope) -> Iterator[_Fix]:
    start = diagnostic.start
    while start > 0 and source[start - 1].isspace():
        start -= 1
    yield "Remove the extra '|'", _replace(start, diagnostic.end, "")


def _pipe_name(source: str, diagnostic: Diagnostic, scope: EditorScope) -> Iterator[_Fix]:
    found = _WRITE_PIPE.fullmatch(diagnostic.hint or "")
    if found is not None:
        name = found.group(1)
        yield f"Write '| {name}'", _replace(diagnostic.start, diagnostic.end, name)


def _ambiguous(source: str, diagnostic: Diagnostic, scope: EditorScope) -> Iterator[_Fix]:
    if diagnostic.start == diagnostic.end:
        return
    if "blank" in diagnostic.message:
        written = source[diagnostic.start : diagnostic.end]
        yield "Quote the spaces", _replace(diagnostic.start, diagnostic.end, f'"{written}"')
    else:
        yield 'Write an empty argument ""', _replace(diagnostic.start, diagnostic.start, '""')


def _unclosed_paren(source: str, diagnostic: Diagnostic, scope: EditorScope) -> Iterator[_Fix]:
    closing = _closing_brace(source, diagnostic.start)
    if closing is not None and "|" not in source[diagnostic.start : closing]:
        yield "Add the closing ')'", _replace(closing, closing, ")")


def _unclosed_quote(source: str, diagnostic: Diagnostic, scope: EditorScope) -> Iterator[_Fix]:
    quote = source[diagnostic.start : diagnostic.start + 1]
    closing = _closing_brace(source, diagnostic.start)
    if quote in ("'", '"') and closing is not None:
        yield f"Add the closing {quote}", _replace(closing, closing, quote)


def _closing_brace(source: str, inside: int) -> int | None:
    """Return where the spaces before the ``}`` closing the interpolation at ``inside`` start."""
    for segment in split_segments(source):
        if segment.kind == "interpolation" and segment.start < inside < segment.end:
            end = segment.end - 1
            while end > inside + 1 and source[end - 1].isspace():
                end -= 1
            return end
    return None


def _keyword(source: str, diagnostic: Diagnostic, scope: EditorScope) -> Iterator[_Fix]:
    found = _pipe_call_at(source, diagnostic.start)
    if found is None:
        return
    call, index = found
    spec = scope.pipes.get(call.name)
    if spec is None:
        return
    keywords = keyword_arguments(call, spec.signature)
    if index not in keywords:
        return
    fixed = positional_call(call, spec.signature, keywords)
    if fixed is not None:
        yield f"Write {fixed}", _replace(call.start, call.end, fixed)
    if diagnostic.code == "keyword-argument":
        argument = call.args[index]
        quoted = encode_argument(argument.value, '"')
        yield f"Quote the text: {quoted}", _replace(argument.start, argument.end, quoted)


def _pipe_call_at(source: str, offset: int) -> tuple[PipeCall, int] | None:
    for node in walk(parse_partial(source).tree):
        if isinstance(node, PipeCall):
            for index, argument in enumerate(node.args):
                if argument.start == offset:
                    return node, index
    return None


def _when(source: str, diagnostic: Diagnostic, scope: EditorScope) -> Iterator[_Fix]:
    hint = diagnostic.hint or ""
    for pattern, title in ((_WRITE_BRACED, "Read the value"), (_KEEP_ONLY, "Keep the value")):
        found = pattern.search(hint)
        if found is not None and not found.group(1).endswith("..."):
            yield f"{title}: {found.group(1)}", _replace(0, len(source), found.group(1))
    combined = _COMBINE.search(hint)
    if combined is not None and _plain_references(source):
        text = combined.group(1)
        yield f"Combine: {text}", _replace(0, len(source), text)
        if hint.endswith("(or | any)"):
            alternative = text[: -len("all}")] + "any}"
            yield f"Combine: {alternative}", _replace(0, len(source), alternative)


def _plain_references(source: str) -> bool:
    """Whether every interpolation is a bare reference (else the hint's list is an example)."""
    interpolations = parse_partial(source).tree.interpolations
    return all(not i.pipes and isinstance(i.value, Reference) for i in interpolations)


_FIXERS: dict[str, Callable[[str, Diagnostic, EditorScope], Iterator[_Fix]]] = {
    "unclosed-brace": _unclosed_brace,
    "stray-brace": _escape_brace,
    "escaped-brace": _escaped_brace,
    "nested-brace": _escape_brace,
    "empty-pipe": _empty_pipe,
    "invalid-pipe-name": _pipe_name,
    "ambiguous-argument": _ambiguous,
    "unclosed-paren": _unclosed_paren,
    "unclosed-quote": _unclosed_quote,
    "keyword-argument": _keyword,
    "invalid-argument": _keyword,
    "constant-when": _when,
    "when-mixes-text": _when,
}
