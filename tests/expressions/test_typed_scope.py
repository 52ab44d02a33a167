# ruff: noqa: E501  (tables of exact messages read best on one line)
"""Issue 17, point 3: ``check_expression`` with a typed scope, as an editor or a test would call it.

A reference's key is read whole, dots included. With a scope saying what
each namespace holds (sample values or types), a key the namespace does not
have is a warning with the did-you-mean, and a dotted key that means a value
inside another suggests ``json_get``.
"""

from __future__ import annotations

from typing import Any

import pytest

from dagabaaz.environment import Environment
from dagabaaz.expressions import check_expression

SCOPE: dict[str, dict[str, Any]] = {
    "source": {"title": str, "nested": {"a": int, "b": {"c": str}}, "meta": '{"lang": "en"}'},
    "input": {"count": 3},
}

CASES = [
    # source, the key's span text, the hint
    ("{source.nested.a}", "nested.a", "did you mean {source.nested | json_get(a)}?"),
    ("{source.nested.b.c | upper}", "nested.b.c", "did you mean {source.nested | json_get(b) | json_get(c)}?"),
    ("x {source.meta.lang}", "meta.lang", "did you mean {source.meta | json_get(lang)}?"),
    ("{source.titel}", "titel", "did you mean 'title'?"),
    ("{input.cuont | default(1)}", "cuont", "did you mean 'count'?"),
    ("{list(source.title, source.zzz)}", "zzz", None),
]  # fmt: skip


@pytest.mark.parametrize(("source", "key", "hint"), CASES, ids=[c[0] for c in CASES])
def test_an_unknown_key_is_a_warning_with_a_suggestion(source: str, key: str, hint: str) -> None:
    (diagnostic,) = check_expression(source, scope=SCOPE)
    assert (diagnostic.code, diagnostic.severity) == ("unknown-key", "warning")
    assert source[diagnostic.start : diagnostic.end] == key
    namespace = "input" if "input." in source else "source"
    assert diagnostic.message == f"namespace '{namespace}' has no key '{key}'"
    assert diagnostic.hint == hint


@pytest.mark.parametrize(
    "source", ["{source.title}", "{source.nested | json_get(a)}", "{input.count | int}"]
)
def test_known_keys_are_fine(source: str) -> None:
    assert check_expression(source, scope=SCOPE) == []


def test_the_scope_gives_the_namespaces_unless_they_are_given() -> None:
    (problem,) = check_expression("{sourse.title}", scope=SCOPE)
    assert (problem.code, problem.hint) == ("unknown-namespace", "did you mean 'source'?")
    found = check_expression("{config.x}", scope=SCOPE, namespaces=["config", "source"])
    assert found == []  # config is allowed and the scope says nothing of its keys


def test_a_dotted_key_that_is_there_is_read_whole() -> None:
    assert check_expression("{source.nested.a}", scope={"source": {"nested.a": 1}}) == []


def test_the_environment_passes_the_scope_on() -> None:
    (problem,) = Environment().check_expression("{source.nested.a}", scope=SCOPE)
    assert problem.hint == "did you mean {source.nested | json_get(a)}?"


@pytest.mark.parametrize("scope", [["source"], {"source": ["title"]}], ids=["list", "list of keys"])
def test_a_malformed_scope_is_refused(scope: Any) -> None:
    with pytest.raises(TypeError, match="must be a mapping"):
        check_expression("{source.title}", scope=scope)
