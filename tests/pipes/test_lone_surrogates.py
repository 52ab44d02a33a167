"""Text holding a lone surrogate (half of a UTF-16 pair) fails clearly where UTF-8 is needed."""

from __future__ import annotations

from typing import Any

import pytest
from pipes_harness import apply

from dagabaaz.expressions import ExpressionError, compile_expression
from dagabaaz.pipes import DEFAULT_PIPES

# (pipe chain, value, the character and position the message names)
UTF8_NEEDED: list[tuple[str, Any, str]] = [
    ("match(y)", "x\ud800y", "U+D800 at character 1"),
    ("urlencode", "x\ud800y", "U+D800 at character 1"),
    ("urlencode", "ab\udfff", "U+DFFF at character 2"),
    ("match(b)", ["a", "b\udc80"], "U+DC80 at character 4"),
    ("upper | urlencode", "\ud83d", "U+D83D at character 0"),
]


@pytest.mark.parametrize(
    ("chain", "value", "where"), UTF8_NEEDED, ids=[f"{c[0]}:{c[1]!r}" for c in UTF8_NEEDED]
)
def test_a_lone_surrogate_is_a_clear_error(chain: str, value: Any, where: str) -> None:
    with pytest.raises(ExpressionError) as caught:
        apply(chain, value)
    (diagnostic,) = caught.value.diagnostics
    assert diagnostic.code == "unrenderable-value"
    pipe = chain.rsplit("| ", 1)[-1].split("(")[0]
    assert str(caught.value) == (
        f"pipe '{pipe}' on 'v.x' in expression '{{v.x | {chain}}}': value contains a lone "
        f"surrogate ({where}), which UTF-8 cannot encode"
    )


ARGUMENTS = {
    "replace": "(a)",
    "truncate": "(2)",
    "prepend": "(a)",
    "append": "(a)",
    "pad": "(3)",
    "match": "(x)",
    "json_get": "(a)",
    "eq": "(a)",
    "neq": "(a)",
    "gt": "(1)",
    "lt": "(1)",
    "nth": "(0)",
    "default": "(a)",
    "in": "(a)",
    "join": "(-)",
    "strip": "(x)",
    "lstrip": "(x)",
    "rstrip": "(x)",
}


@pytest.mark.parametrize("name", DEFAULT_PIPES.names())
@pytest.mark.parametrize("value", ["x\ud800y%41", ["\udfff"], {"k": "\ud800"}], ids=repr)
def test_no_pipe_leaks_an_encoding_error(name: str, value: Any) -> None:
    expression = compile_expression("{v.x | " + name + ARGUMENTS.get(name, "") + "}")
    try:
        expression.evaluate({"v": {"x": value}})
    except ExpressionError as error:
        assert error.diagnostics[0].code == "unrenderable-value", str(error)
        assert "lone surrogate" in str(error)
