"""Build the seed corpus of every harness from the project's own data.

Sources: the golden expression corpus (``tests/golden/expressions.json``:
its valid and invalid expressions and its scope) and the example pipelines
(``examples/**/pipeline.yaml``, their expressions, ``when`` clauses and edge
filters). Nothing is committed: the seeds are rebuilt from those files, so
they follow the corpus and the examples as they change.

Run: ``python fuzz/build_corpus.py`` writes ``fuzz/corpus-work/<harness>/``
(git-ignored); libFuzzer adds what it finds to the same folders.
"""

from __future__ import annotations

import hashlib
import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from _fuzzing import FUZZ_DIR, REPO_DIR

from dagabaaz.loading import load_pipeline
from dagabaaz.models import Pipeline

HARNESSES = ("parser", "evaluate", "validator", "filters")
CORPUS_DIR = FUZZ_DIR / "corpus-work"
GOLDEN = REPO_DIR / "tests" / "golden" / "expressions.json"

_ARTIFACTS: list[dict[str, Any]] = [
    {"id": "a1", "file_name": "clip.mp4", "file_size": 10, "mime_type": "video/mp4"},
    {"id": "a2", "file_name": "clip.en.srt", "file_size": 2, "metadata": {"lang": "en"}},
    {"id": "a3", "file_name": "notes", "metadata": {"tags": ["x", 1], "lang": None}},
    {"id": "a4", "file_name": "b.MKV", "file_size": 99, "origin_artifact_id": "a1"},
]
_RULES: list[dict[str, Any]] = [
    {"field": "file_type", "operator": "eq", "value": "video"},
    {"field": "extension", "operator": "in", "value": ["srt", "vtt"]},
    {"field": "file_size", "operator": "gte", "value": "5"},
    {"field": "lang", "operator": "not_exists"},
    {"field": "tags", "operator": "contains", "value": 1},
    {"field": "file_name", "operator": "starts_with", "value": "clip"},
    {"field": "mime_type", "operator": "neq", "value": True},
]


def golden() -> dict[str, Any]:
    """Return the golden expression corpus."""
    data: dict[str, Any] = json.loads(GOLDEN.read_text(encoding="utf-8"))
    return data


def example_pipelines() -> list[tuple[Path, Pipeline]]:
    """Return every example pipeline with its file."""
    paths = sorted((REPO_DIR / "examples").glob("**/pipeline.y*ml"))
    paths += sorted((REPO_DIR / "examples").glob("**/pipeline.json"))
    return [(path, load_pipeline(path)) for path in paths]


def expressions() -> list[str]:
    """Return every expression of the golden corpus and of the example pipelines."""
    data = golden()
    found = [case["expression"] for case in data["valid"] + data["invalid"]]
    for _, pipeline in example_pipelines():
        for node in pipeline.nodes:
            for binding in node.bindings.values():
                found.extend(
                    text
                    for text in (getattr(binding, "expression", None), binding.when)
                    if isinstance(text, str)
                )
    return list(dict.fromkeys(found))


def seeds(harness: str) -> list[bytes]:
    """Return the seed inputs of one harness."""
    builders = {
        "parser": _parser_seeds,
        "evaluate": _evaluate_seeds,
        "validator": _validator_seeds,
        "filters": _filter_seeds,
    }
    if harness not in builders:
        raise ValueError(f"unknown harness {harness!r}; expected one of {', '.join(HARNESSES)}")
    return list(dict.fromkeys(builders[harness]()))


def _parser_seeds() -> Iterator[bytes]:
    for source in expressions():
        yield source.encode("utf-8", "surrogateescape")


def _evaluate_seeds() -> Iterator[bytes]:
    scope = json.dumps(golden()["scope"]).encode()
    for source in expressions():
        yield source.encode("utf-8", "surrogateescape") + b"\n" + scope
        yield source.encode("utf-8", "surrogateescape") + b"\n"


def _validator_seeds() -> Iterator[bytes]:
    for path, pipeline in example_pipelines():
        yield path.read_bytes()
        yield pipeline.model_dump_json(exclude_defaults=True).encode()
    for source in expressions():
        document = {
            "nodes": [
                {"slug": "source", "plugin": "fetch"},
                {
                    "slug": "work",
                    "plugin": "work",
                    "depends_on": ["source"],
                    "bindings": {"title": {"source": "expression", "expression": source}},
                },
            ]
        }
        yield json.dumps(document).encode()


def _filter_seeds() -> Iterator[bytes]:
    for _, pipeline in example_pipelines():
        for node in pipeline.nodes:
            for edge in node.edge_filters.values():
                document = {"filter": edge.model_dump(mode="json"), "artifacts": _ARTIFACTS}
                yield json.dumps(document).encode()
    for rule in _RULES:
        for select in (None, "largest", "smallest"):
            document = {"filter": {"rules": [rule], "select": select}, "artifacts": _ARTIFACTS}
            yield json.dumps(document).encode()


def write(directory: Path = CORPUS_DIR) -> dict[str, int]:
    """Write every harness's seeds under ``directory``; return how many per harness."""
    counts = {}
    for harness in HARNESSES:
        folder = directory / harness
        folder.mkdir(parents=True, exist_ok=True)
        found = seeds(harness)
        for data in found:
            name = "seed-" + hashlib.sha1(data).hexdigest()[:16]
            (folder / name).write_bytes(data)
        counts[harness] = len(found)
    return counts


def main() -> None:
    """Write the corpus and say how many seeds each harness got."""
    directory = Path(sys.argv[1]) if len(sys.argv) > 1 else CORPUS_DIR
    for harness, count in write(directory).items():
        print(f"{harness:10} {count:4} seeds -> {directory / harness}")


if __name__ == "__main__":
    main()
