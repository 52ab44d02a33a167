"""Editor support: completion, hover, signature help, fixes and highlighting at the cursor.

Pure functions over an expression's source and a cursor offset, for a
pipeline editor, a web form or a language server. They work on text being
typed (``{source.fi``, ``{a.b | tru``, ``{a.b | truncate(``, an unclosed
quote) and never raise on a bad expression:

* :func:`complete`: what may come next at the cursor, best first;
* :func:`hover`: what the name under the cursor is;
* :func:`signature_help`: the call the cursor is in and its active parameter;
* :func:`code_actions`: the text edits fixing diagnostics that have a fix;
* :func:`semantic_tokens`: what each part of an expression is, for colouring;
* :func:`diagnose_file`: every problem of a pipeline file, each placed in the file.

Offsets count code points by default; pass ``offsets="utf-16"`` to count
UTF-16 code units, as editors speaking the Language Server Protocol do (see
:mod:`dagabaaz.editor.positions`). An :class:`EditorScope` says what an
expression may read; :meth:`EditorScope.for_node` builds it for a node of a
pipeline.
"""

from dagabaaz.editor.actions import CodeAction, TextEdit, code_actions
from dagabaaz.editor.completion import Completion, CompletionKind, complete
from dagabaaz.editor.files import FileDiagnostic, diagnose_file
from dagabaaz.editor.hover import Hover, HoverKind, hover
from dagabaaz.editor.positions import OffsetEncoding, from_code_points, to_code_points
from dagabaaz.editor.scope import ARTIFACT_FIELDS, EditorScope, KeyInfo, NamespaceInfo
from dagabaaz.editor.signatures import ParameterHelp, SignatureHelp, signature_help
from dagabaaz.editor.tokens import TOKEN_TYPES, SemanticToken, TokenType, semantic_tokens

__all__ = [
    "ARTIFACT_FIELDS",
    "TOKEN_TYPES",
    "CodeAction",
    "Completion",
    "CompletionKind",
    "EditorScope",
    "FileDiagnostic",
    "Hover",
    "HoverKind",
    "KeyInfo",
    "NamespaceInfo",
    "OffsetEncoding",
    "ParameterHelp",
    "SemanticToken",
    "SignatureHelp",
    "TextEdit",
    "TokenType",
    "code_actions",
    "complete",
    "diagnose_file",
    "from_code_points",
    "hover",
    "semantic_tokens",
    "signature_help",
    "to_code_points",
]
