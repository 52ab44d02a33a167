"""Fuzz the expression parser and checker: any text in, diagnostics or a tree out.

Checked on every input: ``parse_partial`` never raises and its spans lie in
the source; ``parse`` fails exactly when ``parse_partial`` reports problems;
a parsed tree prints back (``unparse``) to text that parses to the same tree;
``compile_expression`` fails exactly when ``check_expression`` reports an
error; every diagnostic renders and turns into JSON.

Run: ``python fuzz/fuzz_parser.py fuzz/corpus-work/parser -max_total_time=3600``
"""

from __future__ import annotations

import json
from collections.abc import Iterable

from _fuzzing import fuzz_main

from dagabaaz.diagnostics import Diagnostic
from dagabaaz.errors import ExpressionError
from dagabaaz.expressions import (
    check_expression,
    compile_expression,
    parse,
    parse_partial,
    unparse,
)


def TestOneInput(data: bytes) -> None:
    """Parse, check and compile the input as an expression template."""
    source = data.decode("utf-8", "surrogateescape")
    partial = parse_partial(source)
    _check_spans(source, partial.diagnostics)
    try:
        tree = parse(source)
    except ExpressionError as error:
        if not partial.diagnostics:
            raise AssertionError("parse failed where parse_partial found nothing") from error
        tree = None
    if tree is not None:
        if partial.diagnostics:
            raise AssertionError("parse succeeded where parse_partial found problems")
        printed = unparse(tree)
        if parse(printed) != tree:
            raise AssertionError(f"unparse changed the tree: {source!r} -> {printed!r}")
    found = check_expression(source)
    _check_spans(source, found)
    has_error = any(d.is_error for d in found)
    try:
        compile_expression(source)
    except ExpressionError as error:
        if not has_error:
            raise AssertionError("compile failed where check_expression found no error") from error
        return
    if has_error:
        raise AssertionError("compile succeeded where check_expression found an error")


def _check_spans(source: str, diagnostics: Iterable[Diagnostic]) -> None:
    for diagnostic in diagnostics:
        if not 0 <= diagnostic.start <= diagnostic.end <= len(source):
            raise AssertionError(f"span out of the source: {diagnostic!r}")
        json.dumps(diagnostic.to_dict())
        diagnostic.render()


def main() -> None:
    """Run this harness under atheris."""
    fuzz_main(TestOneInput)


if __name__ == "__main__":
    main()
