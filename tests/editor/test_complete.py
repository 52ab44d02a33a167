"""complete(): what may come next at the cursor, on complete and incomplete text."""

from __future__ import annotations

import pytest

from dagabaaz.editor import Completion, EditorScope, KeyInfo, NamespaceInfo, complete
from dagabaaz.pipes import DEFAULT_PIPES

SCOPE = EditorScope(
    (
        NamespaceInfo(
            "source",
            "node",
            "the artifacts of node 'source'",
            (
                KeyInfo("file_path", "string", "Where the file is."),
                KeyInfo("title", "string", "The clip's title.", "output of plugin 'fetch'"),
                KeyInfo("tags", "list"),
                KeyInfo("meta", "object"),
            ),
            closed=True,
        ),
        NamespaceInfo("input", "input", "the run input", (KeyInfo("url", "string"),)),
        NamespaceInfo("config", "config", "the node's config"),
    )
)


def labels(source: str, cursor: int | None = None, scope: EditorScope | None = SCOPE) -> list[str]:
    at = len(source) if cursor is None else cursor
    return [item.label for item in complete(source, at, scope)]


def only(source: str, label: str) -> Completion:
    (item,) = [c for c in complete(source, len(source), SCOPE) if c.label == label]
    return item


@pytest.mark.parametrize(
    ("source", "first"),
    [
        ("{", "source"),
        ("{so", "source"),
        ("{in", "input"),
        ("{li", "list"),
        ("{source.", "file_path"),
        ("{source.fi", "file_path"),
        ("{source.ti", "title"),
        ("{source.title | tru", "truncate"),
        ("{source.title | up", "upper"),
        ("{source.title |", "append"),
        ("{source.title | ", "append"),
        ("{list(", "source"),
        ("{list(so", "source"),
        ("{list(source.", "file_path"),
        ("{list(source.title, in", "input"),
        ("text {source.title} {in", "input"),
        ("{ source.ti", "title"),
        ("{source.title|upper|tr", "trim"),
    ],
    ids=lambda value: value if isinstance(value, str) else None,
)
def test_the_expected_name_comes_first(source: str, first: str) -> None:
    assert labels(source)[0] == first


def test_the_prefix_keeps_only_what_starts_with_it_then_what_holds_its_letters() -> None:
    assert labels("{source.title | tr")[:2] == ["trim", "truncate"]
    found = labels("{source.title | upr")
    assert found[0] == "upper"  # u..p..r in order: no name starts with "upr"
    assert "lower" not in found
    assert labels("{source.title | zzz") == []


def test_case_is_ignored_after_exact_case() -> None:
    assert labels("{source.title | UP")[0] == "upper"


def test_keys_of_a_namespace_in_declared_order() -> None:
    assert labels("{source.") == ["file_path", "title", "tags", "meta"]
    assert labels("{input.") == ["url"]
    assert labels("{config.") == []
    assert labels("{nobody.") == []


def test_pipes_are_ranked_by_the_type_of_the_value_they_receive() -> None:
    on_a_list = labels("{source.tags | ")
    assert set(on_a_list[:6]) == {"compact", "first", "flatten", "join", "last", "nth"}
    on_text = labels("{source.title | ")
    assert on_text.index("upper") < on_text.index("join")
    # After a pipe, its result type counts: join makes text.
    after_join = labels("{source.tags | join(,) | ")
    assert after_join.index("upper") < after_join.index("first")
    # list() makes a list.
    assert labels("{list(source.title, input.url) | ")[0] == "compact"


def test_a_pipe_already_applied_comes_after_the_others() -> None:
    assert labels("{source.title | trim | tr")[:2] == ["truncate", "trim"]


def test_every_pipe_is_offered_with_its_signature_and_documentation() -> None:
    found = complete("{source.title | ", 16, SCOPE)
    assert {c.label for c in found} == set(DEFAULT_PIPES.names())
    truncate = next(c for c in found if c.label == "truncate")
    assert truncate.kind == "pipe"
    assert truncate.detail == "truncate([length]) -> string"
    assert truncate.documentation == DEFAULT_PIPES["truncate"].doc
    assert truncate.insert_text == "truncate"
    assert truncate.snippet is None


def test_a_pipe_that_needs_arguments_opens_its_parentheses() -> None:
    replace = only("{source.title | re", "replace")
    assert replace.insert_text == "replace("
    assert replace.snippet == "replace(${1:old})"
    # Already followed by "(": nothing more is inserted.
    (item,) = [c for c in complete("{source.title | re(x)}", 18, SCOPE) if c.label == "replace"]
    assert item.insert_text == "replace"
    assert item.snippet is None


def test_a_namespace_is_inserted_with_its_dot_and_list_with_its_parenthesis() -> None:
    assert only("{so", "source").insert_text == "source."
    assert only("{li", "list").insert_text == "list("
    # The dot is there already: only the name.
    (item,) = [c for c in complete("{sou.title}", 4, SCOPE) if c.label == "source"]
    assert item.insert_text == "source"
    assert (item.start, item.end) == (1, 4)


def test_the_span_replaced_is_the_whole_word_at_the_cursor() -> None:
    source = "{source.tixx | upper}"
    (item,) = [c for c in complete(source, 10, SCOPE) if c.label == "title"]
    assert (item.start, item.end) == (8, 12)
    assert source[: item.start] + item.insert_text + source[item.end :] == "{source.title | upper}"


def test_after_a_complete_value_a_pipe_is_added_with_its_bar() -> None:
    item = only("{source.title ", "upper")
    assert (item.insert_text, item.start, item.end) == ("| upper", 14, 14)
    # At the end of the key the key is still being written: keys, not pipes.
    assert labels("{source.title}", 13) == ["title"]
    after_call = only("{source.title | truncate(5)", "upper")
    assert after_call.insert_text == " | upper"


@pytest.mark.parametrize(
    "source",
    [
        "{source.title | truncate(",
        "{source.title | truncate(5",
        '{source.title | replace("x',
        "{source.title | join(,",
        "plain text",
        "{source.title}",
        "\\{source.",
        "{source.title} ",
        "{a b",
        "",
    ],
)
def test_nothing_to_suggest_where_no_name_fits(source: str) -> None:
    assert complete(source, len(source), SCOPE) == []


def test_a_boolean_argument_suggests_true_and_false() -> None:
    pipes = DEFAULT_PIPES.copy()

    @pipes.register("flagged")
    def flagged(value: object, strict: bool = False) -> object:
        return value

    scope = EditorScope(SCOPE.namespaces, pipes)
    found = complete("{source.title | flagged(", 24, scope)
    assert [(c.label, c.kind, c.detail) for c in found] == [
        ("true", "value", "boolean"),
        ("false", "value", "boolean"),
    ]
    assert complete("{source.title | flagged(t", 25, scope)[0].label == "true"
    assert complete("{source.title | flagged(x, ", 27, scope) == []


def test_custom_pipes_are_suggested() -> None:
    pipes = DEFAULT_PIPES.copy()

    @pipes.register("shout")
    def shout(value: str, marks: int = 1) -> str:
        """Upper-case and exclaim."""
        return value.upper() + "!" * marks

    scope = EditorScope(SCOPE.namespaces, pipes)
    (item,) = [c for c in complete("{source.title | sho", 19, scope)]
    assert (item.label, item.detail, item.documentation) == (
        "shout",
        "shout([marks]) -> string",
        "Upper-case and exclaim.",
    )
    # A pipe registered later is seen: the registry's generation changed.
    pipes.register("shoulder", lambda value: value)
    assert labels("{source.title | sho", scope=scope) == ["shout", "shoulder"]


def test_without_a_scope_only_functions_and_pipes_are_known() -> None:
    assert labels("{", scope=None) == ["list"]
    assert labels("{a.b | upp", scope=None) == ["upper"]
    assert labels("{a.", scope=None) == []


def test_utf16_offsets_count_astral_characters_twice() -> None:
    source = "😀 {source.ti"
    cursor16 = len(source.encode("utf-16-le")) // 2
    (item,) = complete(source, cursor16, SCOPE, offsets="utf-16")
    assert item.label == "title"
    assert (item.start, item.end) == (11, 13)
    (points,) = complete(source, len(source), SCOPE)
    assert (points.start, points.end) == (10, 12)


def test_the_cursor_may_be_anywhere_in_the_source() -> None:
    source = "{source.title | upper} and {source.fi}"
    assert labels(source, 35)[0] == "file_path"
    assert labels(source, 18)[0] == "upper"
    assert labels(source, 24) == []  # in the text between
    assert complete(source, -5, SCOPE) == []
    assert complete(source, 10_000, SCOPE) == []


def test_bad_arguments_are_type_errors() -> None:
    with pytest.raises(TypeError, match="source must be a str, not bytes"):
        complete(b"{a.", 3)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="scope must be an EditorScope, not dict"):
        complete("{a.", 3, {"a": {}})  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="offsets must be 'code-points' or 'utf-16'"):
        complete("{a.", 3, offsets="utf-8")  # type: ignore[arg-type]
