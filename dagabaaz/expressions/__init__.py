"""The binding expression language: parse, check, compile and evaluate templates.

>>> from dagabaaz.expressions import compile_expression
>>> expression = compile_expression("{source.title | upper | truncate(5)}")
>>> expression.evaluate({"source": {"title": "hello world"}})
'HELLO'

The pages under ``docs/expressions/`` give the syntax, the semantics, the
limits and the pipe reference; ``docs/editor/codes.md`` lists every
diagnostic code.
"""

from dagabaaz._runtime.limits import Budget, Limits
from dagabaaz._runtime.truthiness import is_truthy
from dagabaaz.diagnostics import Diagnostic
from dagabaaz.errors import ExpressionError, LimitExceeded
from dagabaaz.expressions.ast import (
    Argument,
    FunctionCall,
    Interpolation,
    Node,
    PipeCall,
    Primary,
    Reference,
    Span,
    Template,
    Text,
    collect_references,
    walk,
)
from dagabaaz.expressions.cache import CacheInfo
from dagabaaz.expressions.checker import check_expression
from dagabaaz.expressions.compat import (
    RESERVED_NAMESPACES,
    Lookup,
    extract_refs,
    resolve_expression,
    validate_expression,
)
from dagabaaz.expressions.compiler import (
    Expression,
    clear_compile_cache,
    compile_cache_info,
    compile_expression,
    configure_compile_cache,
)
from dagabaaz.expressions.parser import ParseResult, parse, parse_partial
from dagabaaz.expressions.scope import Scope
from dagabaaz.expressions.unparse import unparse

__all__ = [
    "RESERVED_NAMESPACES",
    "Argument",
    "Budget",
    "CacheInfo",
    "Diagnostic",
    "Expression",
    "ExpressionError",
    "FunctionCall",
    "Interpolation",
    "LimitExceeded",
    "Limits",
    "Lookup",
    "Node",
    "ParseResult",
    "PipeCall",
    "Primary",
    "Reference",
    "Scope",
    "Span",
    "Template",
    "Text",
    "check_expression",
    "clear_compile_cache",
    "collect_references",
    "compile_cache_info",
    "compile_expression",
    "configure_compile_cache",
    "extract_refs",
    "is_truthy",
    "parse",
    "parse_partial",
    "resolve_expression",
    "unparse",
    "validate_expression",
    "walk",
]
