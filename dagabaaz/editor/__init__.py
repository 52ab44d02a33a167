"""Editor support: what may come next at the cursor, what a name means, and fixes.

Pure functions over an expression's source and a cursor offset, for a
pipeline editor, a web form or a language server:

* :func:`complete`: the suggestions at the cursor, best first;

Offsets count code points by default; pass ``offsets="utf-16"`` to count
UTF-16 code units, as editors speaking the Language Server Protocol do (see
:mod:`dagabaaz.editor.positions`). An :class:`EditorScope` says what an
expression may read; :meth:`EditorScope.for_node` builds it for a node of a
pipeline.
"""

from dagabaaz.editor.completion import Completion, CompletionKind, complete
from dagabaaz.editor.positions import OffsetEncoding, from_code_points, to_code_points
from dagabaaz.editor.scope import ARTIFACT_FIELDS, EditorScope, KeyInfo, NamespaceInfo

__all__ = [
    "ARTIFACT_FIELDS",
    "Completion",
    "CompletionKind",
    "EditorScope",
    "KeyInfo",
    "NamespaceInfo",
    "OffsetEncoding",
    "complete",
    "from_code_points",
    "to_code_points",
]
