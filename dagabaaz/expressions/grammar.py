"""The grammar file and the one Lark parser built from it.

The wheel ships the grammar as the package resource
``dagabaaz/_grammar/expression.lark``; a source checkout (or an editable
install) reads the repository's ``grammar/expression.lark`` instead. Either
way the parser is built once, on first use, and shared: Lark's LALR parser
keeps no state between parses, so it is safe to use from several threads.
"""

from __future__ import annotations

import re
import threading
from importlib import resources
from pathlib import Path
from typing import Any

from lark import Lark

from dagabaaz.expressions.lalr import FastParser

__all__ = ["fast_parser", "grammar_text", "is_pipe_name", "lark_parser"]

_RESOURCE = ("_grammar", "expression.lark")
_CHECKOUT_PATH = Path(__file__).resolve().parents[2] / "grammar" / "expression.lark"

_lock = threading.Lock()
_parser: Lark | None = None
_fast: FastParser | None = None
_pipe_pattern: re.Pattern[str] | None = None


def grammar_text() -> str:
    """Return the grammar source, from the installed package or the checkout."""
    packaged = resources.files("dagabaaz").joinpath(*_RESOURCE)
    if packaged.is_file():
        return packaged.read_text(encoding="utf-8")
    return _CHECKOUT_PATH.read_text(encoding="utf-8")


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
    """Return the lean driver running the shared parser's tables (start: template)."""
    global _fast
    if _fast is None:
        parser = lark_parser()
        with _lock:
            if _fast is None:
                _fast = FastParser(parser, "template")
    return _fast


def is_pipe_name(name: str) -> bool:
    """Return True when ``name`` can be written after ``|`` in an expression."""
    global _pipe_pattern
    if _pipe_pattern is None:
        pattern = lark_parser().get_terminal("PIPE").pattern.to_regexp()
        _pipe_pattern = re.compile(pattern)
    # The terminal allows spaces after "|"; a name itself has none.
    return name == name.strip() and _pipe_pattern.fullmatch("|" + name) is not None


def _build() -> Lark:
    # Imported here: the transformer imports the AST, which must stay importable
    # without building a parser.
    from dagabaaz.expressions.transformer import AstBuilder

    options: dict[str, Any] = {
        "parser": "lalr",
        "lexer": "contextual",
        "start": ["template", "interpolation"],
        "transformer": AstBuilder(),
        "maybe_placeholders": False,
        "propagate_positions": False,
    }
    return Lark(grammar_text(), **options)
