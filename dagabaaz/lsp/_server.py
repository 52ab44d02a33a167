"""The language server: LSP requests answered with :mod:`dagabaaz.editor` on pipeline files.

Every request about an expression finds the expression string under the
cursor (:meth:`PipelineDocument.expression_at`), turns the file position
into an offset in the expression, asks :mod:`dagabaaz.editor` with the
node's scope, and maps the answer's offsets back into the file, text
escaped for the string it goes into.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import PurePosixPath
from typing import Any
from urllib.parse import unquote, urlparse

from lsprotocol import types
from pygls.lsp.server import LanguageServer

from dagabaaz.editor import (
    TOKEN_TYPES,
    code_actions,
    complete,
    hover,
    semantic_tokens,
    signature_help,
)
from dagabaaz.lsp._document import Found, Located, PipelineDocument, Project
from dagabaaz.lsp._edits import encoded, file_fixes
from dagabaaz.lsp._lines import LineIndex

__all__ = ["DagabaazServer", "build_server"]

_KINDS = {
    "namespace": types.CompletionItemKind.Module,
    "key": types.CompletionItemKind.Field,
    "function": types.CompletionItemKind.Function,
    "pipe": types.CompletionItemKind.Method,
    "value": types.CompletionItemKind.Value,
}
_SEVERITIES = {"error": types.DiagnosticSeverity.Error, "warning": types.DiagnosticSeverity.Warning}
_TRIGGERS = ["{", ".", "|", "(", ",", " "]


class DagabaazServer(LanguageServer):
    """A pygls server holding the open pipeline files."""

    def __init__(self, project: Project, version: str = "") -> None:
        super().__init__("dagabaaz", version)
        self.project = project
        self.documents: dict[str, PipelineDocument] = {}
        self._lines: dict[str, LineIndex] = {}

    def document(self, uri: str) -> PipelineDocument:
        """Return the open document at ``uri``, read again if its text changed."""
        text = self.workspace.get_text_document(uri).source
        found = self.documents.get(uri)
        if found is None:
            found = PipelineDocument(text, _syntax(uri), self.project)
            self.documents[uri] = found
        else:
            found.update(text)
        return found

    def lines(self, uri: str, document: PipelineDocument) -> LineIndex:
        """Return the line index of the document's current text, in the agreed encoding."""
        index = self._lines.get(uri)
        if index is None or index.text is not document.text:
            encoding = str(self.workspace.position_encoding or "utf-16")
            index = LineIndex(document.text, encoding)
            self._lines[uri] = index
        return index

    def close(self, uri: str) -> None:
        """Forget a closed document."""
        self.documents.pop(uri, None)
        self._lines.pop(uri, None)

    def publish(self, uri: str, version: int | None) -> None:
        """Validate the document and send its diagnostics."""
        document = self.document(uri)
        lines = self.lines(uri, document)
        found = [_diagnostic(item, lines) for item in document.located]
        self.text_document_publish_diagnostics(
            types.PublishDiagnosticsParams(uri=uri, diagnostics=found, version=version)
        )

    def at(
        self, uri: str, position: types.Position
    ) -> tuple[PipelineDocument, LineIndex, Found | None]:
        """Return the document, its lines and the expression at ``position``."""
        document = self.document(uri)
        lines = self.lines(uri, document)
        offset = lines.offset(position.line, position.character)
        return document, lines, document.expression_at(offset)


def _syntax(uri: str) -> Any:
    path = unquote(urlparse(uri).path)
    return "json" if PurePosixPath(path).suffix.lower() == ".json" else "yaml"


def _range(lines: LineIndex, start: int, end: int) -> types.Range:
    start_line, start_character = lines.position(start)
    end_line, end_character = lines.position(end)
    return types.Range(
        start=types.Position(line=start_line, character=start_character),
        end=types.Position(line=end_line, character=end_character),
    )


def _diagnostic(item: Located, lines: LineIndex) -> types.Diagnostic:
    diagnostic = item.diagnostic
    message = diagnostic.message + (f"\nhint: {diagnostic.hint}" if diagnostic.hint else "")
    return types.Diagnostic(
        range=_range(lines, item.start, item.end),
        message=message,
        severity=_SEVERITIES[diagnostic.severity],
        code=diagnostic.code,
        source="dagabaaz",
    )


def build_server(project: Project | None = None, version: str = "") -> DagabaazServer:
    """Return a server with every feature registered, for ``start_io``.

    ``version`` is what the server tells the editor it is (dagabaaz's version).
    """
    server = DagabaazServer(project or Project(), version)

    @server.feature(types.TEXT_DOCUMENT_DID_OPEN)
    def did_open(ls: DagabaazServer, params: types.DidOpenTextDocumentParams) -> None:
        ls.publish(params.text_document.uri, params.text_document.version)

    @server.feature(types.TEXT_DOCUMENT_DID_CHANGE)
    def did_change(ls: DagabaazServer, params: types.DidChangeTextDocumentParams) -> None:
        ls.publish(params.text_document.uri, params.text_document.version)

    @server.feature(types.TEXT_DOCUMENT_DID_CLOSE)
    def did_close(ls: DagabaazServer, params: types.DidCloseTextDocumentParams) -> None:
        ls.close(params.text_document.uri)
        ls.text_document_publish_diagnostics(
            types.PublishDiagnosticsParams(uri=params.text_document.uri, diagnostics=[])
        )

    @server.feature(
        types.TEXT_DOCUMENT_COMPLETION, types.CompletionOptions(trigger_characters=_TRIGGERS)
    )
    def completion(ls: DagabaazServer, params: types.CompletionParams) -> types.CompletionList:
        document, lines, found = ls.at(params.text_document.uri, params.position)
        if found is None:
            return types.CompletionList(is_incomplete=False, items=[])
        snippets = _snippets(ls)
        items = []
        scope = document.scope(found.node)
        for rank, item in enumerate(complete(found.source, found.cursor, scope)):
            text = item.snippet if snippets and item.snippet else item.insert_text
            written = encoded(text, found.style, document.syntax)
            if written is None:
                continue
            start, end = found.file_span(item.start, item.end)
            items.append(
                types.CompletionItem(
                    label=item.label,
                    kind=_KINDS[item.kind],
                    detail=item.detail,
                    documentation=_markdown(item.documentation),
                    sort_text=f"{rank:04d}",
                    filter_text=item.label,
                    text_edit=types.TextEdit(range=_range(lines, start, end), new_text=written),
                    insert_text_format=types.InsertTextFormat.Snippet
                    if text is item.snippet
                    else types.InsertTextFormat.PlainText,
                )
            )
        return types.CompletionList(is_incomplete=False, items=items)

    @server.feature(types.TEXT_DOCUMENT_HOVER)
    def on_hover(ls: DagabaazServer, params: types.HoverParams) -> types.Hover | None:
        document, lines, found = ls.at(params.text_document.uri, params.position)
        if found is None:
            return None
        shown = hover(found.source, found.cursor, document.scope(found.node))
        if shown is None:
            return None
        start, end = found.file_span(shown.start, shown.end)
        return types.Hover(
            contents=types.MarkupContent(kind=types.MarkupKind.Markdown, value=shown.markdown()),
            range=_range(lines, start, end),
        )

    @server.feature(
        types.TEXT_DOCUMENT_SIGNATURE_HELP,
        types.SignatureHelpOptions(trigger_characters=["(", ","], retrigger_characters=[" "]),
    )
    def on_signature_help(
        ls: DagabaazServer, params: types.SignatureHelpParams
    ) -> types.SignatureHelp | None:
        document, _, found = ls.at(params.text_document.uri, params.position)
        if found is None:
            return None
        shown = signature_help(found.source, found.cursor, document.scope(found.node))
        if shown is None:
            return None
        label_units = LineIndex(shown.label, str(ls.workspace.position_encoding or "utf-16"))
        parameters = [
            types.ParameterInformation(
                label=(label_units.position(p.start)[1], label_units.position(p.end)[1]),
                documentation=p.documentation,
            )
            for p in shown.parameters
        ]
        signature = types.SignatureInformation(
            label=shown.label,
            documentation=_markdown(shown.documentation),
            parameters=parameters,
            active_parameter=shown.active_parameter,
        )
        return types.SignatureHelp(
            signatures=[signature], active_signature=0, active_parameter=shown.active_parameter
        )

    @server.feature(
        types.TEXT_DOCUMENT_CODE_ACTION,
        types.CodeActionOptions(code_action_kinds=[types.CodeActionKind.QuickFix]),
    )
    def on_code_action(
        ls: DagabaazServer, params: types.CodeActionParams
    ) -> list[types.CodeAction]:
        uri = params.text_document.uri
        document = ls.document(uri)
        lines = ls.lines(uri, document)
        start = lines.offset(params.range.start.line, params.range.start.character)
        end = lines.offset(params.range.end.line, params.range.end.character)
        actions = []
        for item in document.located:
            if item.end < start or item.start > end:
                continue
            for title, edits, preferred in _fixes(document, item):
                text_edits = [
                    types.TextEdit(range=_range(lines, s, e), new_text=t) for s, e, t in edits
                ]
                actions.append(
                    types.CodeAction(
                        title=title,
                        kind=types.CodeActionKind.QuickFix,
                        diagnostics=[_diagnostic(item, lines)],
                        edit=types.WorkspaceEdit(changes={uri: text_edits}),
                        is_preferred=preferred or None,
                    )
                )
        return actions

    @server.feature(
        types.TEXT_DOCUMENT_SEMANTIC_TOKENS_FULL,
        types.SemanticTokensLegend(token_types=list(TOKEN_TYPES), token_modifiers=[]),
    )
    def on_semantic_tokens(
        ls: DagabaazServer, params: types.SemanticTokensParams
    ) -> types.SemanticTokens:
        uri = params.text_document.uri
        document = ls.document(uri)
        return types.SemanticTokens(data=_encode_tokens(document, ls.lines(uri, document)))

    return server


def _snippets(ls: DagabaazServer) -> bool:
    capabilities = ls.client_capabilities.text_document
    completion = capabilities.completion if capabilities is not None else None
    item = completion.completion_item if completion is not None else None
    return bool(item is not None and item.snippet_support)


def _markdown(text: str) -> types.MarkupContent | None:
    if not text:
        return None
    return types.MarkupContent(kind=types.MarkupKind.Markdown, value=text)


def _fixes(
    document: PipelineDocument, item: Located
) -> Sequence[tuple[str, list[tuple[int, int, str]], bool]]:
    """Return ``(title, file edits, preferred)`` for each fix of a located problem."""
    diagnostic = item.diagnostic
    fixes: list[tuple[str, list[tuple[int, int, str]], bool]] = []
    found = None if diagnostic.expression is None else document.expression_at(item.start)
    if found is not None and found.source == diagnostic.expression:
        scope = document.scope(found.node)
        for action in code_actions(found.source, [diagnostic], scope):
            edits = []
            for edit in action.edits:
                written = encoded(edit.new_text, found.style, document.syntax)
                if written is None:
                    break
                start, end = found.file_span(edit.start, edit.end)
                edits.append((start, end, written))
            else:
                fixes.append((action.title, edits, action.preferred))
    for title, edits in file_fixes(document, item):
        fixes.append((title, edits, not fixes))
    return fixes


def _encode_tokens(document: PipelineDocument, lines: LineIndex) -> list[int]:
    """Encode the tokens of every expression of the file as LSP's relative integers."""
    types_index = {name: index for index, name in enumerate(TOKEN_TYPES)}
    found: list[tuple[int, int, int, int]] = []
    for expression in document.expressions():
        for token in semantic_tokens(expression.source):
            file_start, file_end = expression.file_span(token.start, token.end)
            line, character = lines.position(file_start)
            end_line, end_character = lines.position(file_end)
            if end_line != line or end_character <= character:
                continue  # a token folded over two lines: LSP tokens stay on one
            found.append((line, character, end_character - character, types_index[token.type]))
    found.sort()
    data: list[int] = []
    previous_line = previous_start = 0
    for line, character, length, kind in found:
        delta_line = line - previous_line
        delta_start = character - previous_start if delta_line == 0 else character
        data.extend((delta_line, delta_start, length, kind, 0))
        previous_line, previous_start = line, character
    return data
