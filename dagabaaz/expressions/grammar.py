"""The two parsers of the grammar: the lean driver of its tables, and Lark's own.

The grammar file and the tables generated from it are read by
:mod:`dagabaaz._runtime.syntax`. Valid templates are parsed by
:class:`~dagabaaz.expressions.lalr.FastParser` from the tables, without
importing Lark. The
Lark parser is built only when something needs it (explaining a syntax
error, parsing one interpolation of a broken template), once, and shared:
Lark's LALR parser keeps no state between parses, so it is safe to use from
several threads. Nothing is built at import time.
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING, Any

from dagabaaz._runtime.syntax import grammar_text, load_tables
from dagabaaz.expressions.lalr import FastParser

if TYPE_CHECKING:
    from lark import Lark

__all__ = ["build_lark", "fast_parser", "lark_parser"]

_lock = threading.Lock()
_parser: Lark | None = None
_fast: FastParser | None = None


def lark_parser() -> Lark:
    """Return the shared LALR parser, building it on first use.

    Its transformer builds the typed AST while parsing, so ``parse`` returns
    :class:`~dagabaaz.expressions.ast.Template` nodes, never a ``lark.Tree``.
    """
    global _parser
    if _parser is None:
        with _lock:
            if _parser is None:
                _parser = _build()
    return _parser


def fast_parser() -> FastParser:
    """Return the lean driver running the generated tables (start: template)."""
    global _fast
    if _fast is None:
        from dagabaaz.expressions.transformer import AstBuilder

        with _lock:
            if _fast is None:
                _fast = FastParser(load_tables(), AstBuilder(), "template")
    return _fast


def _build() -> Lark:
    return build_lark(grammar_text())


def build_lark(grammar: str) -> Lark:
    """Build a Lark LALR parser of ``grammar`` (what :func:`lark_parser` holds, uncached)."""
    from lark import Lark

    from dagabaaz.expressions.transformer import AstBuilder

    options: dict[str, Any] = {
        "parser": "lalr",
        "lexer": "contextual",
        "start": ["template", "interpolation"],
        "transformer": AstBuilder(),
        "maybe_placeholders": False,
        "propagate_positions": False,
    }
    return Lark(grammar, **options)
