"""The compile cache is bounded in bytes, measured with tracemalloc, not only in entries."""

from __future__ import annotations

import gc
import tracemalloc
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from dagabaaz.expressions import (
    Limits,
    clear_compile_cache,
    compile_cache_info,
    compile_expression,
    configure_compile_cache,
)
from dagabaaz.expressions.cache import LARGE_ENTRY_DIVISOR, BoundedCache
from dagabaaz.expressions.compiler import (
    DEFAULT_CACHE_BYTES,
    DEFAULT_CACHE_ENTRIES,
    _build,
    estimated_size,
)
from dagabaaz.pipes import DEFAULT_PIPES

MiB = 1024 * 1024
SCOPE = {"a": {"b": "x", "c": "y"}, "c": {"d": [1, 2]}}


@pytest.fixture(autouse=True)
def fresh_cache() -> Iterator[None]:
    clear_compile_cache()
    yield
    configure_compile_cache(max_bytes=DEFAULT_CACHE_BYTES, max_entries=DEFAULT_CACHE_ENTRIES)
    clear_compile_cache()


def retained(build: Callable[[], Any]) -> tuple[int, Any]:
    """Bytes still allocated after ``build()`` returns (what it keeps), and its result."""
    gc.collect()
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        kept = build()
        gc.collect()
        return tracemalloc.get_traced_memory()[0] - before, kept
    finally:
        tracemalloc.stop()


# Every shape a template's memory grows with: characters (ASCII and not),
# interpolations, list() references, pipe calls and their arguments,
# small templates and large ones.
SHAPES: list[tuple[str, Callable[[int], str]]] = [
    ("dense references", lambda i: "{a.b}" * 4_000 + f"{i}"),
    ("text between references", lambda i: "x{a.b}" * 3_000 + f"{i}"),
    ("a few references", lambda i: "{a.b}" * 200 + f"{i}"),
    ("one long reference", lambda i: "{a." + "b" * 30_000 + f"}} {i}"),
    ("a long non-ASCII reference", lambda i: "{a." + "😀" * 30_000 + f"}} {i}"),
    ("one pipe each", lambda i: "{a.b | upper}" * 1_000 + f"{i}"),
    ("a thousand pipes in one", lambda i: "{a.b" + " | upper" * 1_000 + f"}} {i}"),
    ("plain text", lambda i: "x" * 90_000 + f"{i}"),
    ("non-ASCII text", lambda i: "😀" * 90_000 + f"{i}"),
    ("list() of many", lambda i: "{list(" + ", ".join(["a.b"] * 10_000) + f")}} {i}"),
    ("long arguments", lambda i: "{a.b | replace(" + "x" * 40_000 + "," + "y" * 40_000 + f")}}{i}"),
    ("many arguments", lambda i: "{a.b | in(" + ",".join("x" * 20_000) + f")}} {i}"),
    ("a few arguments", lambda i: "{a.b | in(" + ",".join("x" * 300) + f")}} {i}"),
    ("short", lambda i: f"{{a.b | upper}} {i}"),
    ("mixed", lambda i: "t {a.b | default(x) | upper} {c.d | join(;)} " * 100 + f"{i}"),
]  # fmt: skip


@pytest.mark.parametrize("make", [make for _, make in SHAPES], ids=[name for name, _ in SHAPES])
def test_the_size_estimate_bounds_what_an_expression_holds(make: Callable[[int], str]) -> None:
    def build() -> list[Any]:
        kept = []
        for i in range(3):
            expression, plan = _build(make(i), DEFAULT_PIPES, Limits())
            expression.evaluate(SCOPE)
            kept.append((expression, estimated_size(expression.source, plan)))
        return kept

    held, kept = retained(build)
    estimated = sum(size for _, size in kept)
    print(f"holds {held:,} bytes, estimated {estimated:,} ({estimated / held:.1f}x)")
    assert held <= estimated, f"holds {held:,} bytes, estimated {estimated:,}"
    # An estimate many times the truth would waste the cache: within 5x of it.
    assert estimated <= 5 * held + 3 * 20_000


def dense(i: int, interpolations: int) -> str:
    return "{a.b}" * interpolations + f" #{i}"


def test_the_cache_holds_at_most_max_bytes() -> None:
    # About 0.45 MB each once compiled: sixty of them would hold over 25 MB.
    configure_compile_cache(max_bytes=16 * MiB)

    def fill() -> None:
        for i in range(60):
            compile_expression(dense(i, 900))

    held, _ = retained(fill)
    info = compile_cache_info()
    print(f"60 templates of 900 interpolations under a 16 MiB bound: {held / MiB:.1f} MiB held")
    assert held <= 16 * MiB
    assert 0 < info.bytes <= 16 * MiB
    assert info.uncached == 0
    assert 10 <= info.entries < 60
    assert compile_expression(dense(59, 900)) is compile_expression(dense(59, 900))  # kept
    assert compile_expression(dense(0, 900)) is not compile_expression(dense(1, 900))


def test_very_large_expressions_are_not_cached() -> None:
    # The case of the issue: 100,000 characters, each within the default
    # limits, 13 MB each once compiled; 1,024 of them used to stay cached.
    def fill() -> None:
        for i in range(6):
            compile_expression(dense(i, 19_990))

    held, _ = retained(fill)
    info = compile_cache_info()
    print(f"6 templates of 100,000 characters: {held / MiB:.2f} MiB held after compiling")
    assert (info.entries, info.uncached) == (0, 6)
    assert held < 1 * MiB
    # Still compiled and correct every time, only not kept.
    assert compile_expression(dense(0, 19_990)).evaluate(SCOPE) == "x" * 19_990 + " #0"


def test_ordinary_expressions_fill_the_entries_bound_first() -> None:
    for i in range(DEFAULT_CACHE_ENTRIES + 10):
        compile_expression(f"{{a.b | upper}} {i}")
    info = compile_cache_info()
    assert info.entries == DEFAULT_CACHE_ENTRIES
    assert info.bytes < DEFAULT_CACHE_BYTES // 2


def test_configure_bounds_evict_at_once_and_zero_turns_the_cache_off() -> None:
    for i in range(10):
        compile_expression(f"{{a.b}} and {i}")
    assert compile_cache_info().entries == 10
    info = configure_compile_cache(max_entries=4)
    assert (info.entries, info.max_entries) == (4, 4)
    assert compile_expression("{a.b} and 9") is compile_expression("{a.b} and 9")  # newest kept
    configure_compile_cache(max_bytes=0)
    assert compile_cache_info().entries == 0
    assert compile_expression("{a.b} and 9") is not compile_expression("{a.b} and 9")


@pytest.mark.parametrize(
    "bounds",
    [{"max_bytes": -1}, {"max_entries": -5}, {"max_bytes": 1.5}, {"max_entries": True}],
    ids=["negative-bytes", "negative-entries", "float", "bool"],
)
def test_bad_bounds_are_refused(bounds: dict[str, Any]) -> None:
    with pytest.raises(ValueError, match=r"must be an int >= 0"):
        configure_compile_cache(**bounds)
    assert compile_cache_info().max_bytes == DEFAULT_CACHE_BYTES


def test_bounded_cache_drops_the_least_recently_used_by_weight() -> None:
    heaviest = 100  # max_bytes / LARGE_ENTRY_DIVISOR
    cache: BoundedCache[str] = BoundedCache(
        max_bytes=heaviest * LARGE_ENTRY_DIVISOR, max_entries=1_000
    )
    for number in range(LARGE_ENTRY_DIVISOR):
        assert cache.put(number, str(number), heaviest)
    assert cache.get(0) == "0"  # now the most recently used
    assert cache.put("one more", "x", heaviest)
    assert cache.get(1) is None  # the least recently used made room
    assert cache.get(0) == "0"
    info = cache.info()
    assert (info.entries, info.bytes) == (LARGE_ENTRY_DIVISOR, heaviest * LARGE_ENTRY_DIVISOR)
    assert not cache.put("heavy", "h", heaviest + 1)
    assert cache.get("heavy") is None
    assert cache.info().uncached == 1
    assert cache.put(0, "replaced", 10)
    assert cache.get(0) == "replaced"
    assert cache.info().bytes == heaviest * (LARGE_ENTRY_DIVISOR - 1) + 10


def test_bounded_cache_keeps_at_most_max_entries() -> None:
    cache: BoundedCache[int] = BoundedCache(max_bytes=10**9, max_entries=3)
    for number in range(5):
        cache.put(number, number, 1)
    assert [cache.get(n) for n in range(5)] == [None, None, 2, 3, 4]
