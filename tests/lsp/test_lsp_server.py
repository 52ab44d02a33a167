"""The language server, end to end: a real LSP client talks to ``dagabaaz lsp`` over stdio.

Each test opens a pipeline file the way an editor does and asks what an
editor asks; the answers are checked as the editor would use them (ranges in
the file, edits applied to the text).
"""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

import pytest
import pytest_lsp
from lsprotocol import types
from pytest_lsp import ClientServerConfig, LanguageClient, client_capabilities

from dagabaaz.pipes import DEFAULT_PIPES

PLUGINS = Path(__file__).with_name("lsp_plugins.py")
PIPELINE = """\
nodes:
  - slug: fetch
    plugin: fetch_clips
  - slug: export
    plugin: export
    depends_on: [fetch]
    bindings:
      title:
        source: expression
        expression: "{fetch.titel | trim | uper | shout(2)}"
      language:
        source: expression
        expression: '{fetch.language | default(und)}'
"""

pytestmark = pytest.mark.asyncio(loop_scope="module")


@pytest_lsp.fixture(
    scope="module",
    config=ClientServerConfig(
        server_command=[sys.executable, "-m", "dagabaaz", "lsp", "--plugins", str(PLUGINS)]
    ),
)
async def client(lsp_client: LanguageClient):  # type: ignore[no-untyped-def]
    SERVER.clear()
    SERVER["initialized"] = await lsp_client.initialize_session(
        types.InitializeParams(
            capabilities=client_capabilities("visual-studio-code"),
            root_uri=PLUGINS.parent.as_uri(),
        )
    )
    yield
    await lsp_client.shutdown_session()


_opened = 0
SERVER: dict[str, types.InitializeResult] = {}


async def open_document(client: LanguageClient, text: str, suffix: str = ".yaml") -> str:
    """Open a new document and wait for its diagnostics."""
    global _opened
    _opened += 1
    uri = (PLUGINS.parent / f"pipeline{_opened}{suffix}").as_uri()
    client.text_document_did_open(
        types.DidOpenTextDocumentParams(
            text_document=types.TextDocumentItem(
                uri=uri, language_id=suffix[1:], version=1, text=text
            )
        )
    )
    await wait_for_diagnostics(client, uri)
    return uri


async def wait_for_diagnostics(client: LanguageClient, uri: str) -> None:
    client.diagnostics.pop(uri, None)
    for _ in range(100):
        if uri in client.diagnostics:
            return
        await asyncio.wait_for(
            client.wait_for_notification(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS), 10
        )
    raise AssertionError(f"no diagnostics for {uri}")


def position_of(text: str, needle: str, shift: int = 0) -> types.Position:
    offset = text.index(needle) + shift
    line = text.count("\n", 0, offset)
    return types.Position(line=line, character=offset - (text.rfind("\n", 0, offset) + 1))


def covered(text: str, range_: types.Range) -> str:
    lines = text.split("\n")
    assert range_.start.line == range_.end.line
    return lines[range_.start.line][range_.start.character : range_.end.character]


def apply(text: str, edits: list[types.TextEdit]) -> str:
    lines = text.split("\n")
    starts = [sum(len(line) + 1 for line in lines[:i]) for i in range(len(lines))]
    for edit in sorted(
        edits, key=lambda e: (e.range.start.line, e.range.start.character), reverse=True
    ):
        start = starts[edit.range.start.line] + edit.range.start.character
        end = starts[edit.range.end.line] + edit.range.end.character
        text = text[:start] + edit.new_text + text[end:]
    return text


async def test_diagnostics_point_inside_the_expressions(client: LanguageClient) -> None:
    uri = await open_document(client, PIPELINE)
    found = {(d.code, covered(PIPELINE, d.range)): d for d in client.diagnostics[uri]}
    assert set(found) == {("unknown-pipe", "uper")}
    diagnostic = found["unknown-pipe", "uper"]
    assert diagnostic.severity == types.DiagnosticSeverity.Error
    assert diagnostic.message == "unknown pipe 'uper'\nhint: did you mean 'upper'?"
    assert diagnostic.source == "dagabaaz"


async def test_declared_outputs_flag_a_misspelt_key(client: LanguageClient) -> None:
    text = PIPELINE.replace("fetch_clips", "fetch_declared")
    uri = await open_document(client, text)
    found = {(d.code, covered(text, d.range)) for d in client.diagnostics[uri]}
    assert ("unknown-key", "titel") in found
    assert ("unknown-pipe", "uper") in found


async def test_completion_in_an_expression_being_typed(client: LanguageClient) -> None:
    text = PIPELINE.replace("{fetch.titel | trim | uper | shout(2)}", "{fetch.titel | tr")
    uri = await open_document(client, text)
    result = await client.text_document_completion_async(
        types.CompletionParams(
            text_document=types.TextDocumentIdentifier(uri=uri),
            position=position_of(text, "| tr", 4),
        )
    )
    assert isinstance(result, types.CompletionList)
    labels = [item.label for item in sorted(result.items, key=lambda i: i.sort_text or "")]
    assert labels[:2] == ["trim", "truncate"]
    trim = next(item for item in result.items if item.label == "trim")
    assert trim.kind == types.CompletionItemKind.Method
    assert trim.detail == "trim -> string"
    assert isinstance(trim.text_edit, types.TextEdit)
    assert covered(text, trim.text_edit.range) == "tr"
    assert '{fetch.titel | trim"' in apply(text, [trim.text_edit])


async def test_completion_of_keys_and_custom_pipes(client: LanguageClient) -> None:
    text = PIPELINE.replace("fetch_clips", "fetch_declared").replace(
        "{fetch.titel | trim | uper | shout(2)}", "{fetch."
    )
    uri = await open_document(client, text)
    result = await client.text_document_completion_async(
        types.CompletionParams(
            text_document=types.TextDocumentIdentifier(uri=uri),
            position=position_of(text, "{fetch.", 7),
        )
    )
    assert isinstance(result, types.CompletionList)
    labels = [item.label for item in sorted(result.items, key=lambda i: i.sort_text or "")]
    assert labels[:2] == ["title", "language"]
    text = PIPELINE.replace("| shout(2)", "| sho")
    uri = await open_document(client, text)
    result = await client.text_document_completion_async(
        types.CompletionParams(
            text_document=types.TextDocumentIdentifier(uri=uri),
            position=position_of(text, "| sho", 5),
        )
    )
    assert isinstance(result, types.CompletionList)
    (shout,) = result.items
    assert shout.label == "shout"


async def test_hover_and_signature_help(client: LanguageClient) -> None:
    uri = await open_document(client, PIPELINE)
    shown = await client.text_document_hover_async(
        types.HoverParams(
            text_document=types.TextDocumentIdentifier(uri=uri),
            position=position_of(PIPELINE, "trim", 2),
        )
    )
    assert shown is not None and isinstance(shown.contents, types.MarkupContent)
    assert shown.contents.value.startswith(
        f"```\ntrim -> string\n```\n\n{DEFAULT_PIPES['trim'].doc}"
    )
    assert shown.range is not None and covered(PIPELINE, shown.range) == "trim"
    signature = await client.text_document_signature_help_async(
        types.SignatureHelpParams(
            text_document=types.TextDocumentIdentifier(uri=uri),
            position=position_of(PIPELINE, "shout(2", 6),
        )
    )
    assert signature is not None
    (information,) = signature.signatures
    assert information.label == "shout([marks]) -> string"
    assert signature.active_parameter == 0
    assert information.parameters is not None
    start, end = information.parameters[0].label  # type: ignore[misc]
    assert information.label[start:end] == "marks"


async def test_code_actions_fix_the_file(client: LanguageClient) -> None:
    uri = await open_document(client, PIPELINE)
    (diagnostic,) = client.diagnostics[uri]
    actions = await client.text_document_code_action_async(
        types.CodeActionParams(
            text_document=types.TextDocumentIdentifier(uri=uri),
            range=diagnostic.range,
            context=types.CodeActionContext(diagnostics=[diagnostic]),
        )
    )
    assert actions is not None
    (action,) = actions
    assert isinstance(action, types.CodeAction)
    assert (action.title, action.is_preferred) == ("Change to 'upper'", True)
    assert action.edit is not None and action.edit.changes is not None
    fixed = apply(PIPELINE, list(action.edit.changes[uri]))
    assert "{fetch.titel | trim | upper | shout(2)}" in fixed


async def test_a_misspelt_dependency_and_a_missing_one_are_fixed(client: LanguageClient) -> None:
    text = PIPELINE.replace("depends_on: [fetch]", "depends_on: [fecth]")
    uri = await open_document(client, text)
    fixes = []
    for diagnostic in client.diagnostics[uri]:
        actions = await client.text_document_code_action_async(
            types.CodeActionParams(
                text_document=types.TextDocumentIdentifier(uri=uri),
                range=diagnostic.range,
                context=types.CodeActionContext(diagnostics=[diagnostic]),
            )
        )
        for action in actions or []:
            assert isinstance(action, types.CodeAction) and action.edit is not None
            assert action.edit.changes is not None
            fixes.append((action.title, apply(text, list(action.edit.changes[uri]))))
    titles = [title for title, _ in fixes]
    assert "Change to 'fetch'" in titles
    assert "Add 'fetch' to depends_on" in titles
    changed = dict(fixes)["Change to 'fetch'"]
    assert "depends_on: [fetch]" in changed
    added = dict(fixes)["Add 'fetch' to depends_on"]
    assert "depends_on: [fecth, fetch]" in added


async def test_semantic_tokens(client: LanguageClient) -> None:
    text = (
        "nodes:\n  - {slug: a, plugin: p}\n  - {slug: b, plugin: p, depends_on: [a], "
        'bindings: {t: {source: expression, expression: "{a.x | upper}"}}}\n'
    )
    uri = await open_document(client, text)
    result = await client.text_document_semantic_tokens_full_async(
        types.SemanticTokensParams(text_document=types.TextDocumentIdentifier(uri=uri))
    )
    assert result is not None
    legend = SERVER["initialized"].capabilities.semantic_tokens_provider
    assert isinstance(legend, types.SemanticTokensOptions)
    names = legend.legend.token_types
    decoded = []
    line = character = 0
    data = list(result.data)
    for index in range(0, len(data), 5):
        delta_line, delta_start, length, kind, _ = data[index : index + 5]
        line += delta_line
        character = delta_start if delta_line else character + delta_start
        decoded.append((names[kind], text.split("\n")[line][character : character + length]))
    assert decoded == [
        ("operator", "{"),
        ("namespace", "a"),
        ("property", "x"),
        ("operator", "|"),
        ("method", "upper"),
        ("operator", "}"),
    ]


async def test_an_edit_revalidates(client: LanguageClient) -> None:
    uri = await open_document(client, PIPELINE)
    start = position_of(PIPELINE, "uper", 1)
    client.text_document_did_change(
        types.DidChangeTextDocumentParams(
            text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=2),
            content_changes=[
                types.TextDocumentContentChangePartial(
                    range=types.Range(start=start, end=start), text="p"
                )
            ],
        )
    )
    await wait_for_diagnostics(client, uri)
    assert list(client.diagnostics[uri]) == []


async def test_utf16_positions_after_an_emoji(client: LanguageClient) -> None:
    text = PIPELINE.replace('"{fetch.titel', '"😀 {fetch.titel')
    uri = await open_document(client, text)
    (diagnostic,) = client.diagnostics[uri]
    line = text.split("\n")[diagnostic.range.start.line]
    units = line.encode("utf-16-le")
    start, end = diagnostic.range.start.character, diagnostic.range.end.character
    assert units[start * 2 : end * 2].decode("utf-16-le") == "uper"


async def test_a_json_pipeline(client: LanguageClient) -> None:
    text = (
        '{"nodes": [{"slug": "a", "plugin": "p"}, {"slug": "b", "plugin": "p", '
        '"depends_on": ["a"], "bindings": {"t": {"source": "expression", '
        '"expression": "{a.x | replace(\\"\\\\\\"\\", y) | uper}"}}}]}'
    )
    uri = await open_document(client, text, ".json")
    (diagnostic,) = client.diagnostics[uri]
    assert (diagnostic.code, covered(text, diagnostic.range)) == ("unknown-pipe", "uper")
    result = await client.text_document_completion_async(
        types.CompletionParams(
            text_document=types.TextDocumentIdentifier(uri=uri),
            position=position_of(text, "uper", 2),
        )
    )
    assert isinstance(result, types.CompletionList)
    assert [item.label for item in result.items] == ["upper"]


async def test_a_file_that_does_not_parse(client: LanguageClient) -> None:
    text = "nodes:\n  - slug: a\n    plugin: [p\n"
    uri = await open_document(client, text)
    (diagnostic,) = client.diagnostics[uri]
    assert diagnostic.code == "invalid-yaml"
    assert diagnostic.message.startswith("invalid YAML: ")
    misspelt = "nodes:\n  - slug: a\n    plugn: p\n"
    uri = await open_document(client, misspelt)
    found = {(d.code, covered(misspelt, d.range), d.message) for d in client.diagnostics[uri]}
    assert (
        "unknown-field",
        "plugn",
        "unknown field 'plugn'\nhint: did you mean 'plugin'?",
    ) in found
    (problem,) = [d for d in client.diagnostics[uri] if d.code == "unknown-field"]
    actions = await client.text_document_code_action_async(
        types.CodeActionParams(
            text_document=types.TextDocumentIdentifier(uri=uri),
            range=problem.range,
            context=types.CodeActionContext(diagnostics=[problem]),
        )
    )
    assert actions is not None
    (action,) = actions
    assert isinstance(action, types.CodeAction) and action.edit and action.edit.changes
    assert apply(misspelt, list(action.edit.changes[uri])) == "nodes:\n  - slug: a\n    plugin: p\n"
