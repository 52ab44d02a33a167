"""The grammar file, the parse tables generated from it, and the Lark parser.

The wheel ships the grammar as the package resource
``dagabaaz/_grammar/expression.lark``; a source checkout (or an editable
install) reads the repository's ``grammar/expression.lark`` instead.

Valid templates are parsed by :class:`~dagabaaz.expressions.lalr.FastParser`
from the tables generated from that grammar, without importing Lark. The
Lark parser is built only when something needs it (explaining a syntax
error, parsing one interpolation of a broken template), once, and shared:
Lark's LALR parser keeps no state between parses, so it is safe to use from
several threads. Nothing is built at import time.
"""

from __future__ import annotations

import os
import re
import threading
from typing import TYPE_CHECKING, Any

from dagabaaz.expressions.lalr import FastParser, load_tables

if TYPE_CHECKING:
    from lark import Lark

__all__ = ["build_lark", "fast_parser", "grammar_text", "is_pipe_name", "lark_parser"]

_RESOURCE = ("_grammar", "expression.lark")
_CHECKOUT_PATH = os.path.join(
    os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))),
    "grammar",
    "expression.lark",
)

_lock = threading.Lock()
_parser: Lark | None = None
_fast: FastParser | None = None
_pipe_pattern: re.Pattern[str] | None = None


def grammar_text() -> str:
    """Return the grammar source, from the installed package or the checkout."""
    from importlib import resources  # only when Lark is built or the docs are written

    packaged = resources.files("dagabaaz").joinpath(*_RESOURCE)
    if packaged.is_file():
        return packaged.read_text(encoding="utf-8")
    with open(_CHECKOUT_PATH, encoding="utf-8") as file:
        return file.read()


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


def is_pipe_name(name: str) -> bool:
    """Return True when ``name`` can be written after ``|`` in an expression.

    Read from the grammar's ``PIPE`` terminal, as the generated tables hold
    it: no parser is needed.
    """
    global _pipe_pattern
    if _pipe_pattern is None:
        _pipe_pattern = re.compile(load_tables()["terminals"]["PIPE"])
    # The terminal allows spaces after "|"; a name itself has none.
    return name == name.strip() and _pipe_pattern.fullmatch("|" + name) is not None


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
