"""The grammar as data: its source, the tables generated from it, and name checks.

The grammar file is the one source of truth for the syntax. Lark compiles it
into LALR tables, which ``python -m dagabaaz.docgen`` writes once to
``grammar_tables.json`` beside this module. Everything here reads those two
files and nothing builds a parser, so pipes can check a name without the
parser (:func:`is_pipe_name`), and importing dagabaaz stays cheap.

The wheel ships the grammar as the package resource
``dagabaaz/_grammar/expression.lark``; a source checkout (or an editable
install) reads the repository's ``grammar/expression.lark`` instead.
"""

from __future__ import annotations

import functools
import json
import os
import re
from typing import Any

__all__ = [
    "TABLES_PATH",
    "grammar_digest",
    "grammar_text",
    "is_pipe_name",
    "is_reference",
    "load_tables",
]

TABLES_PATH = os.path.join(os.path.dirname(__file__), "grammar_tables.json")
"""The generated tables, shipped inside the package (a plain path: no pathlib to import)."""

_RESOURCE = ("_grammar", "expression.lark")
_CHECKOUT_PATH = os.path.join(
    os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))),
    "grammar",
    "expression.lark",
)


def grammar_text() -> str:
    """Return the grammar source, from the installed package or the checkout."""
    from importlib import resources  # only when Lark is built or the docs are written

    packaged = resources.files("dagabaaz").joinpath(*_RESOURCE)
    if packaged.is_file():
        return packaged.read_text(encoding="utf-8")
    with open(_CHECKOUT_PATH, encoding="utf-8") as file:
        return file.read()


def grammar_digest(grammar: str) -> str:
    """Return the SHA-256 of a grammar's text, as the tables record it."""
    import hashlib  # only when the tables are written or checked

    return hashlib.sha256(grammar.encode("utf-8")).hexdigest()


@functools.cache
def load_tables() -> dict[str, Any]:
    """Return the generated tables, read once."""
    with open(TABLES_PATH, encoding="utf-8") as file:
        data: dict[str, Any] = json.load(file)
    return data


@functools.cache
def _terminal(name: str) -> re.Pattern[str]:
    return re.compile(load_tables()["terminals"][name])


def is_pipe_name(name: str) -> bool:
    """Return True when ``name`` can be written after ``|`` in an expression.

    Read from the grammar's ``PIPE`` terminal, as the generated tables hold it.
    """
    # The terminal allows spaces after "|"; a name itself has none.
    return name == name.strip() and _terminal("PIPE").fullmatch("|" + name) is not None


def is_reference(text: str) -> bool:
    """Return True when ``text`` is a reference as the grammar's ``REF`` terminal reads one."""
    return _terminal("REF").fullmatch(text) is not None
