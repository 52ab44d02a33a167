"""Every fuzz harness runs for a few seconds in the suite, so none can rot.

Each run feeds the harness its seed corpus, then mutated and random inputs,
each under a watchdog; only the documented errors may escape.
"""

from __future__ import annotations

import math

import pytest
from fuzz_support import fuzz_module

smoke = fuzz_module("smoke")
build_corpus = fuzz_module("build_corpus")

HARNESSES = list(build_corpus.HARNESSES)


MAX_PEAK_BYTES = 64 * 1024 * 1024
"""Inputs are a few kilobytes: anything near this is runaway memory, not data."""


MUTATED_INPUTS = 1_000
"""Mutated inputs after the seeds: a count, not a time, so every run feeds the same inputs."""


@pytest.mark.slow
@pytest.mark.parametrize("harness", HARNESSES, ids=HARNESSES)
def test_harness_survives_a_short_run(harness: str) -> None:
    # Bounded by a count (a time budget would feed a slow machine fewer
    # inputs, so whether an input that crashes is reached would depend on the load).
    seeds = len(build_corpus.seeds(harness))
    report = smoke.run(
        harness,
        seconds=math.inf,
        max_inputs=seeds + MUTATED_INPUTS,
        seed=20240601,
        trace_memory=True,
    )
    assert report.inputs == seeds + MUTATED_INPUTS
    assert report.peak_bytes is not None
    assert report.peak_bytes < MAX_PEAK_BYTES
    print(
        f"{harness}: {report.inputs} inputs, slowest {report.slowest_seconds * 1000:.1f} ms, "
        f"peak {report.peak_bytes / 1e6:.1f} MB"
    )


@pytest.mark.parametrize("harness", HARNESSES, ids=HARNESSES)
def test_every_harness_has_seeds(harness: str) -> None:
    seeds = build_corpus.seeds(harness)
    assert len(seeds) >= 10
    assert len(set(seeds)) == len(seeds)


def test_seeds_come_from_the_golden_corpus_and_the_examples() -> None:
    golden = build_corpus.golden()
    parser_seeds = set(build_corpus.seeds("parser"))
    for case in golden["valid"] + golden["invalid"]:
        assert case["expression"].encode() in parser_seeds
    assert any(b"scan_folder" in seed for seed in build_corpus.seeds("validator"))


def test_harnesses_import_without_atheris() -> None:
    for harness in HARNESSES:
        module = fuzz_module(f"fuzz_{harness}")
        assert callable(module.TestOneInput)
        assert callable(module.main)


def test_a_crash_is_reported_with_its_input() -> None:
    def broken(data: bytes) -> None:
        if b"!" in data:
            raise KeyError("boom")

    with pytest.raises(smoke.HarnessCrash) as caught:
        smoke._run_one("demo", broken, b"a!b", 5.0)
    assert caught.value.data == b"a!b"
    assert "demo: KeyError: 'boom'" in str(caught.value)
    assert smoke._run_one("demo", broken, b"fine", 5.0) >= 0


def test_a_hang_is_reported_with_its_input() -> None:
    def hangs(_data: bytes) -> None:
        while True:
            pass

    with pytest.raises(smoke.HarnessCrash, match=r"HangError: an input ran longer than 0\.2 s"):
        smoke._run_one("demo", hangs, b"x", 0.2)


def test_mutation_is_deterministic_and_changes_inputs() -> None:
    import random

    corpus = [b"{a.b | upper}", b"{x.y}"]
    first = [smoke.mutate(corpus[0], corpus, random.Random(seed)) for seed in range(50)]
    again = [smoke.mutate(corpus[0], corpus, random.Random(seed)) for seed in range(50)]
    assert first == again
    assert len(set(first)) > 25
