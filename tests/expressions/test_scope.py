"""Evaluation only reads its scope: no mapping ever gains an entry from it."""

from __future__ import annotations

from collections import ChainMap, Counter, OrderedDict, defaultdict
from collections.abc import Callable, Iterator, Mapping
from types import MappingProxyType
from typing import Any

import pytest

from dagabaaz._runtime.limits import Budget, Limits
from dagabaaz.expressions import compile_expression
from dagabaaz.expressions.checker import analyze
from dagabaaz.expressions.evaluator import build_evaluator, build_plan
from dagabaaz.expressions.scope import lookup

# Every shape the evaluators read references in: a lone reference, pipes,
# list(), text with plain references and with pipes, and list() in text.
SOURCES = [
    "{a.b}",
    "{a.b | default(x)}",
    "{list(a.b, c.d)}",
    "{list(a.b, c.d) | join(-)}",
    "x {a.b} y {c.d}",
    "x {a.b | upper} {list(c.d, e.f)}",
]


def tiers(source: str) -> dict[str, Callable[[Any], Any]]:
    """The evaluator built afresh and the public entry point (cached) for ``source``."""
    analysis = analyze(source)
    plan = build_plan(source, analysis.tree, analysis.bound, Budget(Limits()))
    return {
        "built": build_evaluator(plan),
        "compiled": compile_expression(source).evaluate,
    }


def nested_defaultdict() -> defaultdict[str, defaultdict[str, int]]:
    return defaultdict(lambda: defaultdict(int))


def scopes() -> Iterator[tuple[str, Any, Callable[[], Any]]]:
    """(name, scope, snapshot of everything the scope holds)."""
    outer = nested_defaultdict()
    outer["a"]["b"] = 7
    yield "defaultdict of defaultdicts", outer, lambda: {k: dict(v) for k, v in outer.items()}
    inner: dict[str, Any] = {"a": defaultdict(int, b=7), "c": defaultdict(list)}
    yield "dict of defaultdicts", inner, lambda: {k: dict(v) for k, v in inner.items()}
    tally: Counter[str] = Counter()
    counted = {"a": tally}
    yield "dict of a Counter", counted, lambda: dict(tally)
    chained_inner = defaultdict(int, b=7)
    chain = ChainMap({"a": chained_inner}, defaultdict(dict))
    yield (
        "ChainMap over defaultdicts",
        chain,
        lambda: ([dict(m) for m in chain.maps], dict(chained_inner)),
    )
    proxied = defaultdict(lambda: defaultdict(int), {"a": defaultdict(int, b=7)})
    yield (
        "mappingproxy of a defaultdict",
        MappingProxyType(proxied),
        lambda: {k: dict(v) for k, v in proxied.items()},
    )
    ordered = OrderedDict(a=defaultdict(int, b=7))
    yield "OrderedDict", ordered, lambda: {k: dict(v) for k, v in ordered.items()}


class Inserting(Mapping[str, Any]):
    """A mapping whose own get never writes, though subscripting would."""

    def __init__(self) -> None:
        self.data: dict[str, Any] = {"a": {"b": 7}}

    def __getitem__(self, key: str) -> Any:
        return self.data.setdefault(key, {})

    def get(self, key: str, default: Any = None) -> Any:
        return self.data.get(key, default)

    def __iter__(self) -> Iterator[str]:
        return iter(self.data)

    def __len__(self) -> int:
        return len(self.data)


SCOPES = list(scopes())


@pytest.mark.parametrize("source", SOURCES)
@pytest.mark.parametrize(("name", "scope", "snapshot"), SCOPES, ids=[name for name, _, _ in SCOPES])
def test_evaluation_never_inserts_into_the_scope(
    source: str, name: str, scope: Any, snapshot: Callable[[], Any]
) -> None:
    before = snapshot()
    results = {tier: evaluate(scope) for tier, evaluate in tiers(source).items()}
    assert snapshot() == before, name
    assert len(set(map(repr, results.values()))) == 1, results


@pytest.mark.parametrize("source", SOURCES)
def test_a_mapping_is_read_through_get_not_subscripts(source: str) -> None:
    scope = Inserting()
    for evaluate in tiers(source).values():
        evaluate(scope)
    assert scope.data == {"a": {"b": 7}}


def test_values_are_still_read_from_defaultdicts() -> None:
    scope = nested_defaultdict()
    scope["a"]["b"] = 7
    scope["c"]["d"] = 0
    for evaluate in tiers("x {a.b} y {c.d} z {e.f}").values():
        assert evaluate(scope) == "x 7 y 0 z "
    assert set(scope) == {"a", "c"}
    assert dict(scope["c"]) == {"d": 0}


def test_repeated_evaluations_do_not_insert_either() -> None:
    expression = compile_expression("{a.b | upper} {c.d}")
    scope = nested_defaultdict()
    for _ in range(300):
        assert expression.evaluate(scope) == " "
    assert dict(scope) == {}


REPEATED = "{a.b} {a.c} {a.b | upper} {c.d} {c.e} {x.y} {a.b}, {list(a.b, c.d)}"


@pytest.mark.parametrize(
    "scope",
    [
        {"a": {"b": "1", "c": 2}, "c": {"d": None, "e": [1, "x"]}},
        {"a": None, "c": {}},
        {"a": MappingProxyType({"b": "x"}), "c": {"d": {"k": 1}}},
        {},
        {"a": "not a mapping", "c": 5},
        {"a": defaultdict(int, b=7), "c": Counter(e=2)},
    ],
    ids=["dicts", "none", "mappingproxy namespace", "empty", "not mappings", "subclasses"],
)
def test_text_reading_each_namespace_once_agrees_with_reading_each_reference(
    scope: dict[str, Any],
) -> None:
    evaluate = compile_expression(REPEATED).evaluate
    # Not a dict: the template reads reference by reference.
    expected = evaluate(MappingProxyType(scope))
    assert evaluate(scope) == expected
    assert evaluate(lambda namespace, key: lookup(scope, namespace, key)) == expected
    assert "x" not in scope
