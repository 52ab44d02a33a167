"""The completion corpus: every expression of the golden corpus, the examples and the docs.

Cut at every character of every name, completion must rank the name being
typed first at least 90% of the time and in the first five at least 99%
(the benchmark script prints the figures and every miss). Every editor
function must answer at every cursor of every expression, cut or whole,
without an exception.
"""

from __future__ import annotations

import completion_corpus as corpus

from dagabaaz.editor import code_actions, complete, hover, semantic_tokens, signature_help
from dagabaaz.expressions import check_expression


def test_the_corpus_has_every_origin() -> None:
    origins = {case.origin for case in corpus.cases()}
    assert {"golden", "examples/media/pipeline.yaml", "README.md"} <= origins
    assert any(origin.startswith("docs/") and origin.endswith(".md") for origin in origins)
    assert any(origin.startswith("docs/examples/") for origin in origins)


def test_the_expected_name_ranks_first_and_in_the_first_five() -> None:
    figures = corpus.evaluate()
    assert figures.counted > 2500
    misses = {kind: found[:5] for kind, found in figures.misses.items()}
    assert figures.first_ratio >= 0.90, misses
    assert figures.top5_ratio >= 0.99, misses


def test_every_function_answers_at_every_cursor_of_every_expression() -> None:
    for case in corpus.cases():
        source = case.expression
        for at in range(len(source) + 1):
            for text in (source, source[:at]):
                complete(text, at, case.scope)
                hover(text, at, case.scope)
                signature_help(text, at, case.scope)
        semantic_tokens(source)
        code_actions(source, check_expression(source, when=True), case.scope)
