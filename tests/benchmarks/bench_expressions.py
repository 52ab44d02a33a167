"""Expression speed across the whole language: dagabaaz against Jinja2, python-liquid and Python.

Each case is one template written four ways: in dagabaaz, in Jinja2, in
python-liquid, and as the hand-written Python lambda computing the same
result. Every pipe family has a case (text, paths, lists, logic and
comparisons, numbers, regex, JSON, URLs), and so do ``when`` clauses
(comparison, membership, ``not``, ``default``: evaluated, then judged by
``is_truthy``), long text with many interpolations, a 20-pipe chain, large
literals and missing references. The four must agree on the result before
anything is timed. Measured in one run, interleaved:

* evaluation: a compiled dagabaaz expression, a Jinja2 template's
  ``render``, a python-liquid template's ``render`` and the lambda;
* uncached compile: dagabaaz (parse, check, build) against python-liquid's
  parse (and Jinja2's compile, for scale);
* for cases whose work is mostly one call into a library or a C primitive
  (``json.loads``, re2's engine, the ``str.translate`` that percent-encodes),
  that work alone (the "floor"): no implementation can be faster than it.

Where Jinja2 or python-liquid need a filter they lack (basename, JSON,
re2 search, percent-encoding), they get a plain Python function doing it
the way the lambda does; the regex lambda and filters use re2's public API,
the library our ``match`` runs.

Times are CPU time of this process (``time.process_time``), the best of
several turns, so that other work on a shared machine does not count.

Targets (issue 16), printed on the last lines: on every case at least 10x
faster than Jinja2 and python-liquid per evaluation; within 3x of the lambda
on the median case and within 6x on the worst; an uncached compile no slower
than python-liquid's parse on the median case. A case is "bounded by its
dependency" when even a zero-cost dagabaaz around the floor could not be 10x
faster than Jinja2 or python-liquid; the line says by how much.

Run: ``python tests/benchmarks/bench_expressions.py`` (``--scale 0.1`` for a quick look).
"""

from __future__ import annotations

import argparse
import json
import posixpath
import statistics
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import jinja2
import liquid
import re2

from dagabaaz._runtime.limits import DEFAULT_LIMITS
from dagabaaz.expressions import compile_expression, is_truthy
from dagabaaz.expressions.compiler import build_expression
from dagabaaz.pipes import DEFAULT_PIPES

Scope = dict[str, dict[str, Any]]

_META = json.dumps(
    {
        "video": {"codec": "h264", "height": 1080, "fps": 29.97},
        "audio": {"codec": "aac", "channels": 2},
        "tags": ["river", "dusk"],
    }
)
_LONG_DEFAULT = ("An untitled recording. " * 20).strip()

SCOPE: Scope = {
    "source": {
        "file_path": "/media/incoming/holiday-2024.final.mp4",
        "title": "  A walk along the river at dusk, filmed on an old camera  ",
        "author": "Ada",
        "tags": ["river", None, "dusk", "", "walk"],
        "height": "1080",
        "episode": "7",
        "lang": "fr",
        "format": "mp4",
        "meta": _META,
        "existing_id": None,
    },
    "input": {
        "url": "https://example.org/upload",
        "query": "river walk & dusk/2024 (final)",
        "encoded": "river%20walk%20%26%20dusk%2F2024",
    },
    "config": {"format": "mp4", "quality": "high", "owner": "media-team"},
    "branch_a": {"url": "https://a.example.org/1"},
    "branch_b": {"url": "https://b.example.org/2"},
}

_YEAR = re2.compile("[0-9]{4}")


def re2_search(text: str) -> str:
    """The regex case's work through re2's public API: the first 4-digit run, or ""."""
    found = _YEAR.search(text)
    return "" if found is None else str(found.group(0))


def re2_match(text: str) -> Any:
    """re2's engine alone on the regex case: the search every implementation must make."""
    data = text.encode("utf-8")
    return _YEAR_ENGINE(_UNANCHORED, data, 0, len(data))


_PERCENT_ESCAPES = {
    byte: chr(byte)
    if chr(byte).isascii() and (chr(byte).isalnum() or chr(byte) in "-._~")
    else f"%{byte:02X}"
    for byte in range(128)
}
"""What ``urlencode`` translates ASCII text with: its one unavoidable pass over the text."""

_YEAR_ENGINE = _YEAR._regexp.Match
_UNANCHORED = re2._Anchor.UNANCHORED


def url_quote(text: str) -> str:
    """Percent-encode everything but the RFC 3986 unreserved characters (as ``urlencode``)."""
    return quote(text, safe="")


def stem(path: str) -> str:
    """The last part of a path without its extension (as the ``stem`` pipe)."""
    return posixpath.splitext(posixpath.basename(path))[0]


FILTERS: dict[str, Callable[..., Any]] = {
    "basename": posixpath.basename,
    "stem": stem,
    "from_json": json.loads,
    "re2_search": re2_search,
    "url_quote": url_quote,
}


@dataclass(frozen=True, slots=True)
class Case:
    """One template written in each language, plus the lambda doing the same.

    ``when`` marks a ``when`` clause: dagabaaz's value is judged by
    ``is_truthy``, and the results compare as lower-case text ("true").
    ``floor`` is the dependency's own work, for cases dominated by it.
    """

    name: str
    dagabaaz: str
    jinja: str
    liquid: str
    python: Callable[[Scope], Any]
    when: bool = False
    floor: Callable[[Scope], Any] | None = None
    dependency: str = ""


def _long_text(count: int) -> tuple[str, str, Callable[[Scope], str]]:
    refs = [
        ("source", "author"),
        ("source", "file_path"),
        ("input", "url"),
        ("config", "format"),
        ("config", "quality"),
        ("config", "owner"),
        ("source", "lang"),
        ("source", "episode"),
    ]
    chosen = [refs[i % len(refs)] for i in range(count)]
    words = "Dear team, the file number {i} is ready for review by "
    pieces = [(words.replace("{i}", str(i)), n, k) for i, (n, k) in enumerate(chosen)]
    ours = "".join(f"{text}{{{n}.{k}}}. " for text, n, k in pieces)
    theirs = "".join(f"{text}{{{{ {n}.{k} }}}}. " for text, n, k in pieces)

    def python(s: Scope) -> str:
        return "".join(f"{text}{s[n][k]}. " for text, n, k in pieces)

    return ours, theirs, python


_TEXT_16 = _long_text(16)

_CHAIN_20 = (
    "{source.title | trim | lower | replace(a, A) | replace(e, E) | upper | lower | title"
    " | replace(River, Stream) | truncate(40) | append(!) | prepend(>) | strip(>) | rstrip(!)"
    " | lower | replace(' ', _) | upper | lstrip(_) | truncate(30) | lower | default(none)}"
)
_CHAIN_20_JINJA = (
    "{{ ((source.title | trim | lower | replace('a', 'A') | replace('e', 'E') | upper | lower"
    " | title | replace('River', 'Stream'))[:40] ~ '!') | trim('!') | lower"
    " | replace(' ', '_') | upper | trim('_') | truncate(30, true, '', 0) | lower }}"
)


def _chain_20_python(s: Scope) -> str:
    text = s["source"]["title"].strip().lower().replace("a", "A").replace("e", "E")
    text = text.upper().lower().title().replace("River", "Stream")[:40]
    text = (">" + text + "!").strip(">").rstrip("!").lower().replace(" ", "_").upper()
    return text.lstrip("_")[:30].lower() or "none"


_BIG_TEXT = "Instructions for the reviewer. " * 64  # 1,984 characters of literal text

CASES: tuple[Case, ...] = (
    Case(
        "reference",
        "{source.file_path}",
        "{{ source.file_path }}",
        "{{ source.file_path }}",
        lambda s: s["source"]["file_path"],
    ),
    Case(
        "text: trim, upper, truncate",
        "{source.title | trim | upper | truncate(12)}",
        "{{ (source.title | trim | upper)[:12] }}",
        "{{ source.title | strip | upcase | slice: 0, 12 }}",
        lambda s: s["source"]["title"].strip().upper()[:12],
    ),
    Case(
        "text: replace, append",
        "{source.author | replace(a, 4) | append(-bot)}",
        "{{ source.author | replace('a', '4') ~ '-bot' }}",
        "{{ source.author | replace: 'a', '4' | append: '-bot' }}",
        lambda s: s["source"]["author"].replace("a", "4") + "-bot",
    ),
    Case(
        "text: pad a number",
        "{source.episode | pad(3)}",
        "{{ '%03d' | format(source.episode | int) }}",
        "{{ source.episode | prepend: '00' | slice: -3, 3 }}",
        lambda s: s["source"]["episode"].zfill(3),
    ),
    Case(
        "paths: basename",
        "{source.file_path | basename}",
        "{{ source.file_path | basename }}",
        "{{ source.file_path | basename }}",
        lambda s: posixpath.basename(s["source"]["file_path"]),
    ),
    Case(
        "paths: stem",
        "{source.file_path | stem}",
        "{{ source.file_path | stem }}",
        "{{ source.file_path | stem }}",
        lambda s: stem(s["source"]["file_path"]),
    ),
    Case(
        "lists: list() + join",
        "{list(branch_a.url, branch_b.url) | join(,)}",
        "{{ [branch_a.url, branch_b.url] | select | join(',') }}",
        "{{ branch_a.url | append: ',' | append: branch_b.url }}",
        lambda s: ",".join(
            v for v in (s["branch_a"]["url"], s["branch_b"]["url"]) if v is not None
        ),
    ),
    Case(
        "lists: join a list",
        "{source.tags | join(', ')}",
        "{{ source.tags | select | join(', ') }}",
        "{{ source.tags | compact | join: ', ' | replace: ', , ', ', ' }}",
        lambda s: ", ".join(t for t in s["source"]["tags"] if t),
    ),
    Case(
        "lists: first",
        "{source.tags | first}",
        "{{ source.tags | first }}",
        "{{ source.tags | first }}",
        lambda s: s["source"]["tags"][0],
    ),
    Case(
        "logic: eq",
        "{source.format | eq(mp4)}",
        "{{ source.format == 'mp4' }}",
        "{% if source.format == 'mp4' %}true{% else %}false{% endif %}",
        lambda s: s["source"]["format"] == "mp4",
        when=True,
    ),
    Case(
        "numbers: int",
        "{source.height | int}",
        "{{ source.height | int }}",
        "{{ source.height | plus: 0 }}",
        lambda s: int(s["source"]["height"]),
    ),
    Case(
        "regex: match",
        "{source.file_path | match([0-9][0-9][0-9][0-9])}",
        "{{ source.file_path | re2_search }}",
        "{{ source.file_path | re2_search }}",
        lambda s: re2_search(s["source"]["file_path"]),
        floor=lambda s: re2_match(s["source"]["file_path"]),
        dependency="re2",
    ),
    Case(
        "JSON: json_get twice",
        "{source.meta | json_get(video) | json_get(codec)}",
        "{{ (source.meta | from_json).video.codec }}",
        "{% assign m = source.meta | from_json %}{{ m.video.codec }}",
        lambda s: json.loads(s["source"]["meta"])["video"]["codec"],
        floor=lambda s: json.loads(s["source"]["meta"]),
        dependency="json.loads",
    ),
    Case(
        "URLs: urlencode",
        "{input.query | urlencode}",
        "{{ input.query | url_quote }}",
        "{{ input.query | url_quote }}",
        lambda s: url_quote(s["input"]["query"]),
        floor=lambda s: s["input"]["query"].translate(_PERCENT_ESCAPES),
        dependency="str.translate",
    ),
    Case(
        "when: int + gt",
        "{source.height | int | gt(719)}",
        "{{ source.height | int > 719 }}",
        "{% assign h = source.height | plus: 0 %}{% if h > 719 %}true{% else %}false{% endif %}",
        lambda s: int(s["source"]["height"]) > 719,
        when=True,
    ),
    Case(
        "when: in(en, fr, de)",
        "{source.lang | in(en, fr, de)}",
        "{{ source.lang in ('en', 'fr', 'de') }}",
        "{% if source.lang == 'en' or source.lang == 'fr' or source.lang == 'de' %}true"
        "{% else %}false{% endif %}",
        lambda s: s["source"]["lang"] in ("en", "fr", "de"),
        when=True,
    ),
    Case(
        "when: not",
        "{source.existing_id | not}",
        "{{ not source.existing_id }}",
        "{% if source.existing_id %}false{% else %}true{% endif %}",
        lambda s: not s["source"]["existing_id"],
        when=True,
    ),
    Case(
        "when: default",
        "{input.dry_run | default(false) | not}",
        "{{ not input.dry_run | default(false) }}",
        "{% if input.dry_run %}false{% else %}true{% endif %}",
        lambda s: not s["input"].get("dry_run", False),
        when=True,
    ),
    Case(
        "text, 16 interpolations",
        _TEXT_16[0],
        _TEXT_16[1],
        _TEXT_16[1],
        _TEXT_16[2],
    ),
    Case(
        "20-pipe chain",
        _CHAIN_20,
        _CHAIN_20_JINJA,
        "{{ source.title | strip | downcase | replace: 'a', 'A' | replace: 'e', 'E' | upcase"
        " | downcase | capitalize | replace: 'river', 'Stream' | slice: 0, 40 | append: '!'"
        " | prepend: '>' | remove_first: '>' | remove_last: '!' | downcase | replace: ' ', '_'"
        " | upcase | lstrip | slice: 0, 30 | downcase | default: 'none' }}",
        _chain_20_python,
    ),
    Case(
        "large literals",
        _BIG_TEXT + "{source.author} on {source.subtitle | default(" + _LONG_DEFAULT + ")}",
        _BIG_TEXT
        + "{{ source.author }} on {{ source.subtitle | default('"
        + _LONG_DEFAULT
        + "', true) }}",
        _BIG_TEXT
        + "{{ source.author }} on {{ source.subtitle | default: '"
        + _LONG_DEFAULT
        + "' }}",
        lambda s: (
            f"{_BIG_TEXT}{s['source']['author']} on {s['source'].get('subtitle') or _LONG_DEFAULT}"
        ),
    ),
    Case(
        "missing: reference + default",
        "{source.subtitle | default(untitled)}",
        "{{ source.subtitle | default('untitled', true) }}",
        "{{ source.subtitle | default: 'untitled' }}",
        lambda s: s["source"].get("subtitle") or "untitled",
    ),
    Case(
        "missing: namespace + default",
        "{absent.key | default(untitled)}",
        "{{ (absent | default({})).key | default('untitled', true) }}",
        "{{ absent.key | default: 'untitled' }}",
        lambda s: (s.get("absent") or {}).get("key") or "untitled",
    ),
)


def _normal(value: Any, when: bool) -> str:
    if value is None:
        return ""
    return str(value).lower() if when else str(value)


class Implementations:
    """The four evaluations of one case, ready to call, and their compilers."""

    def __init__(self, case: Case, jinja_env: jinja2.Environment, liquid_env: Any) -> None:
        self.case = case
        expression = compile_expression(case.dagabaaz)
        evaluate = expression.evaluate
        jinja_template = jinja_env.from_string(case.jinja)
        liquid_template = liquid_env.from_string(case.liquid)
        python = case.python
        if case.when:

            def ours() -> Any:
                return is_truthy(evaluate(SCOPE))

        else:

            def ours() -> Any:
                return evaluate(SCOPE)

        self.evaluations: dict[str, Callable[[], Any]] = {
            "dagabaaz": ours,
            "lambda": lambda: python(SCOPE),
            "jinja2": lambda: jinja_template.render(SCOPE),
            "liquid": lambda: liquid_template.render(**SCOPE),
        }
        if case.floor is not None:
            floor = case.floor
            self.evaluations["floor"] = lambda: floor(SCOPE)
        source = case.dagabaaz
        # What compile_expression(source) builds on a miss of its cache (which
        # then also estimates the expression's size for the cache's bound).
        self.compiles: dict[str, Callable[[], Any]] = {
            "compile": lambda: build_expression(source, DEFAULT_PIPES, DEFAULT_LIMITS),
            "liquid_parse": lambda: liquid_env.from_string(case.liquid),
        }
        self.jinja_compile = lambda: jinja_env.from_string(case.jinja)

    def check_agreement(self) -> None:
        """Stop the run unless all four implementations give the same result."""
        results = {
            name: _normal(self.evaluations[name](), self.case.when)
            for name in ("dagabaaz", "lambda", "jinja2", "liquid")
        }
        if len(set(results.values())) != 1:
            shown = {name: value[:200] for name, value in results.items()}
            raise SystemExit(f"{self.case.name}: the implementations disagree: {shown!r}")


def _number_for(function: Callable[[], object], seconds: float) -> int:
    """How many calls of ``function`` take about ``seconds``."""
    start = time.process_time()
    function()
    once = max(time.process_time() - start, 1e-7)
    calls = 1
    while once * calls < 0.002:  # calibrate on at least 2 ms
        calls *= 10
        start = time.process_time()
        for _ in range(calls):
            function()
        once = max((time.process_time() - start) / calls, 1e-9)
    return max(1, int(seconds / once))


def _time(function: Callable[[], object], number: int) -> float:
    """CPU seconds of this process per call over ``number`` calls."""
    start = time.process_time()
    for _ in range(number):
        function()
    return (time.process_time() - start) / number


def best_times(
    functions: dict[str, Callable[[], object]], seconds: float, repeats: int
) -> dict[str, float]:
    """Best time per call (microseconds) of each function, the functions taking turns."""
    numbers = {name: _number_for(f, seconds) for name, f in functions.items()}
    best = dict.fromkeys(functions, float("inf"))
    for _ in range(repeats):
        for name, function in functions.items():
            best[name] = min(best[name], _time(function, numbers[name]))
    return {name: value * 1e6 for name, value in best.items()}


def measure(scale: float, repeats: int = 7) -> list[dict[str, Any]]:
    """Measure every case; return one row of timings (microseconds) per case."""
    jinja_env = jinja2.Environment(autoescape=False)
    jinja_env.filters.update(FILTERS)
    liquid_env = liquid.Environment()
    liquid_env.filters.update(FILTERS)
    rows = []
    for case in CASES:
        implementations = Implementations(case, jinja_env, liquid_env)
        implementations.check_agreement()
        row: dict[str, Any] = {"case": case.name, "dependency": case.dependency}
        row.update(best_times(implementations.evaluations, 0.02 * scale, repeats))
        row.update(best_times(implementations.compiles, 0.02 * scale, repeats))
        row.update(best_times({"jinja_compile": implementations.jinja_compile}, 0.002 * scale, 2))
        rows.append(row)
    return rows


def report(rows: Sequence[dict[str, Any]]) -> str:
    """Format the timings and ratios as two Markdown tables."""
    lines = [
        "Evaluation, microseconds per call (lower is better)",
        "",
        "| case | dagabaaz | lambda | jinja2 | liquid | dagabaaz/lambda "
        "| jinja2/dagabaaz | liquid/dagabaaz | dependency floor |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in rows:
        floor = (
            f"{r['dependency']} {r['floor']:.2f} ({r['floor'] / r['dagabaaz']:.0%})"
            if "floor" in r
            else ""
        )
        lines.append(
            f"| {r['case']} | {r['dagabaaz']:.3f} | {r['lambda']:.3f} | {r['jinja2']:.2f} "
            f"| {r['liquid']:.2f} | {r['dagabaaz'] / r['lambda']:.2f}x "
            f"| {r['jinja2'] / r['dagabaaz']:.1f}x | {r['liquid'] / r['dagabaaz']:.1f}x "
            f"| {floor} |"
        )
    lines += [
        "",
        "Uncached compile, microseconds per call (lower is better)",
        "",
        "| case | dagabaaz | liquid parse | jinja2 compile | dagabaaz/liquid |",
        "|---|---:|---:|---:|---:|",
    ]
    for r in rows:
        lines.append(
            f"| {r['case']} | {r['compile']:.1f} | {r['liquid_parse']:.1f} "
            f"| {r['jinja_compile']:.0f} | {r['compile'] / r['liquid_parse']:.2f}x |"
        )
    return "\n".join(lines)


def _verdict(ok: bool) -> str:
    return "pass" if ok else "MISS"


def targets(rows: Sequence[dict[str, Any]]) -> list[str]:
    """The targets' lines: each target, whether it is met, and the figure deciding it."""
    lambda_ratio = {r["case"]: r["dagabaaz"] / r["lambda"] for r in rows}
    median = statistics.median(lambda_ratio.values())
    worst = max(lambda_ratio, key=lambda_ratio.__getitem__)
    compile_ratio = statistics.median(r["compile"] / r["liquid_parse"] for r in rows)
    slow = []
    bounded = []
    for r in rows:
        speedup = min(r["jinja2"], r["liquid"]) / r["dagabaaz"]
        if speedup >= 10:
            continue
        possible = min(r["jinja2"], r["liquid"]) / r["floor"] if "floor" in r else None
        if possible is not None and possible < 10:
            bounded.append(
                f"{r['case']} ({speedup:.1f}x; {r['dependency']} alone allows "
                f"{possible:.1f}x and is {r['floor'] / r['dagabaaz']:.0%} of our time)"
            )
        else:
            slow.append(f"{r['case']} ({speedup:.1f}x)")
    faster = f">= 10x faster than jinja2 and liquid on every case: {_verdict(not slow)}"
    if slow:
        faster += " (" + "; ".join(slow) + ")"
    lines = [
        f"Targets: <= 3x the lambda on the median case: {_verdict(median <= 3)} "
        f"(median {median:.2f}x); <= 6x on the worst: {_verdict(lambda_ratio[worst] <= 6)} "
        f"(worst {lambda_ratio[worst]:.2f}x, {worst}); {faster}; uncached compile <= "
        f"liquid's parse on the median case: {_verdict(compile_ratio <= 1)} "
        f"(median {compile_ratio:.2f}x)",
        "Bounded by a dependency: " + ("; ".join(bounded) if bounded else "none"),
    ]
    return lines


def main(argv: Sequence[str] | None = None) -> int:
    """Run the benchmark and print the tables and the targets."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n", 1)[0])
    parser.add_argument("--scale", type=float, default=1.0, help="fraction of the default work")
    parser.add_argument("--repeats", type=int, default=7, help="timed runs per measurement")
    args = parser.parse_args(argv)
    rows = measure(args.scale, args.repeats)
    print(report(rows))
    print()
    print("\n".join(targets(rows)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
