"""A short, atheris-free fuzzing run of a harness: seeds, then mutations, for a few seconds.

The test suite runs every harness this way so none can rot; run it by hand
to see each harness's slowest input::

    python fuzz/smoke.py            # 5 seconds per harness
    python fuzz/smoke.py 30 parser  # 30 seconds, one harness

Each input runs under a watchdog (a hang fails the run, naming the input),
only the documented errors (:data:`_fuzzing.ALLOWED`) may escape, and
anything else is reported with the input that caused it, ready to become a
regression test.
"""

from __future__ import annotations

import importlib
import random
import signal
import sys
import threading
import time
import tracemalloc
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from types import FrameType

import build_corpus
from _fuzzing import ALLOWED

TestOneInput = Callable[[bytes], None]

TOKENS = (
    b"{", b"}", b"|", b"(", b")", b",", b"\\", b'"', b"'", b".", b"\n", b"\x00", b"\xff",
    b"{a.b}", b"list(", b"match(", b"(a+)+$", b" | upper", b" | join(,)", b" | replace(a, aa)",
    b" | pad(99999)", b" | required", b"\xed\xa0\x80", b"9" * 30, b"1e309", b"NaN", b"[[[[",
    b'"depends_on": ["a"]', b'"fan_mode": "grouped"', b'"operator": "in"', b"null", b"true",
)  # fmt: skip
"""Fragments spliced into inputs: the syntax the harnesses parse."""


class HangError(Exception):
    """An input ran longer than the per-input limit."""


class HarnessCrash(AssertionError):
    """A harness let an undocumented exception escape; ``data`` is the input."""

    def __init__(self, harness: str, data: bytes, error: BaseException) -> None:
        super().__init__(f"{harness}: {type(error).__name__}: {error}\n  input: {data!r}")
        self.data = data
        self.error = error


@dataclass(frozen=True, slots=True)
class SmokeReport:
    """What a smoke run did: how many inputs, and the slowest one."""

    harness: str
    inputs: int
    seconds: float
    slowest_seconds: float
    slowest_input: bytes
    peak_bytes: int | None = None
    """Peak memory traced over the run (``trace_memory=True``), else None."""


def load(harness: str) -> TestOneInput:
    """Return ``TestOneInput`` of ``fuzz/fuzz_<harness>.py``."""
    module = importlib.import_module(f"fuzz_{harness}")
    function: TestOneInput = module.TestOneInput
    return function


def run(
    harness: str,
    *,
    seconds: float = 3.0,
    max_inputs: int = 100_000,
    per_input_limit: float = 20.0,
    seed: int = 0,
    trace_memory: bool = False,
) -> SmokeReport:
    """Run the harness's seeds, then mutated inputs until ``seconds`` have passed.

    With ``trace_memory`` the run is traced by tracemalloc (slower) and the
    report carries its peak.

    Raises:
        HarnessCrash: An input made the harness raise something undocumented,
            or ran longer than ``per_input_limit`` seconds.
    """
    test_one_input = load(harness)
    corpus = build_corpus.seeds(harness)
    rng = random.Random(seed)
    started = time.perf_counter()
    slowest, slowest_input, count = 0.0, b"", 0
    if trace_memory:
        tracemalloc.start()
    try:
        for data in _inputs(corpus, rng):
            if count >= max_inputs or (count >= len(corpus) and _elapsed(started) > seconds):
                break
            took = _run_one(harness, test_one_input, data, per_input_limit)
            count += 1
            if took > slowest:
                slowest, slowest_input = took, data
        peak = tracemalloc.get_traced_memory()[1] if trace_memory else None
    finally:
        if trace_memory:
            tracemalloc.stop()
    return SmokeReport(harness, count, _elapsed(started), slowest, slowest_input, peak)


def mutate(data: bytes, corpus: Sequence[bytes], rng: random.Random) -> bytes:
    """Return ``data`` changed by one to four random edits (libFuzzer-style)."""
    buffer = bytearray(data)
    for _ in range(rng.randint(1, 4)):
        edit = rng.randrange(7)
        at = rng.randint(0, len(buffer))
        if edit == 0 and buffer:
            buffer[min(at, len(buffer) - 1)] ^= 1 << rng.randrange(8)
        elif edit == 1:
            buffer[at:at] = rng.choice(TOKENS)
        elif edit == 2:
            del buffer[at : at + rng.randint(1, 8)]
        elif edit == 3:
            end = min(len(buffer), at + rng.randint(1, 16))
            buffer[at:at] = buffer[at:end] * rng.randint(2, 20)
        elif edit == 4:
            other = rng.choice(corpus)
            cut = rng.randint(0, len(other))
            buffer = buffer[:at] + other[cut:]
        elif edit == 5:
            buffer[at:at] = rng.randbytes(rng.randint(1, 8))
        else:
            del buffer[at:]
    return bytes(buffer)


def _inputs(corpus: Sequence[bytes], rng: random.Random) -> Iterator[bytes]:
    yield from corpus
    while True:
        kind = rng.randrange(8)
        if kind == 0:
            yield rng.randbytes(rng.randint(0, 256))
        else:
            yield mutate(rng.choice(corpus), corpus, rng)


def _run_one(harness: str, test_one_input: TestOneInput, data: bytes, limit: float) -> float:
    start = time.perf_counter()
    try:
        with _Watchdog(limit):
            test_one_input(data)
    except ALLOWED:
        pass
    except Exception as error:
        raise HarnessCrash(harness, data, error) from error
    return time.perf_counter() - start


class _Watchdog:
    """Raise HangError in the main thread after ``limit`` seconds (a no-op off it)."""

    def __init__(self, limit: float) -> None:
        self.limit = limit
        self.armed = threading.current_thread() is threading.main_thread()

    def __enter__(self) -> None:
        if self.armed:
            self.previous = signal.signal(signal.SIGALRM, self._expire)
            signal.setitimer(signal.ITIMER_REAL, self.limit)

    def __exit__(self, *exc: object) -> None:
        if self.armed:
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, self.previous)

    def _expire(self, _signum: int, _frame: FrameType | None) -> None:
        raise HangError(f"an input ran longer than {self.limit} s")


def _elapsed(started: float) -> float:
    return time.perf_counter() - started


def main() -> None:
    """Smoke-run the harnesses named on the command line (all by default) and report."""
    seconds = float(sys.argv[1]) if len(sys.argv) > 1 else 5.0
    names = sys.argv[2:] or list(build_corpus.HARNESSES)
    print(f"{'harness':10} {'inputs':>8} {'seconds':>8} {'slowest ms':>11}  slowest input")
    for name in names:
        report = run(name, seconds=seconds)
        shown = repr(report.slowest_input[:60]) + ("..." if len(report.slowest_input) > 60 else "")
        print(
            f"{name:10} {report.inputs:8} {report.seconds:8.1f} "
            f"{report.slowest_seconds * 1000:11.1f}  {shown}"
        )


if __name__ == "__main__":
    main()
