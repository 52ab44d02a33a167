"""Cold start: importing builds no parser, valid templates never load Lark, broken ones do.

The timings are the cold-start benchmark's (tests/benchmarks/bench_cold_start.py,
whose smoke run is here too); these tests check what is loaded, which is exact.
"""

from __future__ import annotations

import importlib.util
import json
import re
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest

from dagabaaz._runtime.syntax import grammar_text, is_pipe_name, load_tables
from dagabaaz.expressions.grammar import build_lark
from dagabaaz.expressions.lalr import FastParser
from dagabaaz.expressions.transformer import AstBuilder

SCRIPT = Path(__file__).resolve().parents[1] / "benchmarks" / "bench_cold_start.py"


def run(code: str) -> dict[str, object]:
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    result: dict[str, object] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


LOADED = """
import json, sys
{setup}
grammar = sys.modules.get("dagabaaz.expressions.grammar")
print(json.dumps({{
    "lark": "lark" in sys.modules,
    "parser": grammar is not None and grammar._parser is not None,
    "re2": "re2" in sys.modules,
}}))
"""


@pytest.mark.parametrize(
    "setup",
    [
        "import dagabaaz",
        "import dagabaaz.expressions",
        "import dagabaaz.pipes",
        "from dagabaaz.expressions import compile_expression, check_expression",
        "import dagabaaz.validation, dagabaaz.bindings",
    ],
)
def test_importing_builds_no_parser_and_loads_neither_lark_nor_re2(setup: str) -> None:
    assert run(LOADED.format(setup=setup)) == {"lark": False, "parser": False, "re2": False}


def test_valid_templates_compile_and_check_without_lark() -> None:
    setup = """
from dagabaaz.expressions import check_expression, compile_expression
from dagabaaz.pipes import DEFAULT_PIPES
assert compile_expression("{a.b | upper | truncate(3)} at {list(c.d, e.f) | join(,)}").evaluate(
    {"a": {"b": "abcd"}, "c": {"d": "x"}}
) == "ABC at x"
assert check_expression("{a.b | default(none) | eq(x)}") == []
pipes = DEFAULT_PIPES.copy()
pipes.register("shout-it", lambda value: value)
"""
    assert run(LOADED.format(setup=setup)) == {"lark": False, "parser": False, "re2": False}


def test_a_broken_template_is_explained_by_lark_loaded_then() -> None:
    setup = """
from dagabaaz.expressions import check_expression
codes = [d.code for d in check_expression("{a.b | }")]
assert codes == ["empty-pipe"], codes
"""
    assert run(LOADED.format(setup=setup)) == {"lark": True, "parser": True, "re2": False}


def test_a_pattern_loads_re2_when_compiled() -> None:
    setup = """
from dagabaaz.expressions import compile_expression
assert compile_expression('{a.b | match("[0-9]+")}').evaluate({"a": {"b": "x42"}}) == "42"
"""
    assert run(LOADED.format(setup=setup)) == {"lark": False, "parser": False, "re2": True}


@pytest.mark.parametrize(
    ("name", "valid"),
    [
        ("upper", True),
        ("to-json", True),
        ("a_1", True),
        ("", False),
        (" upper", False),
        ("upper ", False),
        ("a b", False),
        ("a|b", False),
        ("a.b", False),
        ("é", True),
    ],
)
def test_pipe_names_follow_the_grammars_pipe_terminal(name: str, valid: bool) -> None:
    pattern = re.compile(build_lark(grammar_text()).get_terminal("PIPE").pattern.to_regexp())
    assert is_pipe_name(name) is valid
    assert (pattern.fullmatch("|" + name) is not None and name == name.strip()) is valid


def test_the_lean_parser_and_lark_agree_on_a_long_template() -> None:
    parser = FastParser(load_tables(), AstBuilder(), "template")
    source = "x {a.b | upper} " * 5_000
    tree = parser.parse(source)
    assert len(tree.parts) == 2 * 5_000 + 1
    assert tree == build_lark(grammar_text()).parse(source, start="template")


def load_benchmark() -> ModuleType:
    spec = importlib.util.spec_from_file_location("bench_cold_start", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def test_the_cold_start_benchmark_runs(capsys: pytest.CaptureFixture[str]) -> None:
    bench = load_benchmark()
    assert bench.main(["--runs", "1"]) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    assert lines[0] == "Cold start, median of 1 fresh processes, milliseconds"
    assert any(
        line.startswith("| dagabaaz check examples/media/pipeline.yaml (whole process, wall) |")
        for line in lines
    )
    assert re.fullmatch(
        r"Targets: imports build no parser \(Lark not loaded\): pass; "
        r"imports <= jinja2's: (pass|MISS) \(slowest [0-9.]+ ms, jinja2 [0-9.]+ ms\); "
        r"first compile < 5 ms: (pass|MISS) \([0-9.]+ ms\); "
        r"dagabaaz check < 300 ms: (pass|MISS) \([0-9]+ ms wall, [0-9]+ ms CPU\)",
        lines[-1],
    )
