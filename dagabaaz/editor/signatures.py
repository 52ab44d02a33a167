"""Signature help: the call the cursor is in, and which of its parameters is being written."""

from __future__ import annotations

import re
from dataclasses import dataclass

from dagabaaz.editor._common import checked
from dagabaaz.editor._context import context_at
from dagabaaz.editor._types import pipe_result
from dagabaaz.editor.hover import describe_param
from dagabaaz.editor.positions import OffsetEncoding, to_code_points
from dagabaaz.editor.scope import EditorScope
from dagabaaz.pipes.functions import FUNCTIONS

__all__ = ["ParameterHelp", "SignatureHelp", "signature_help"]


@dataclass(frozen=True, slots=True)
class ParameterHelp:
    """One parameter of a signature.

    Attributes:
        name: The parameter's name.
        documentation: Its type, bounds and default in words.
        start: Where its name starts in the signature's ``label``.
        end: Where it ends there (offsets in code points of ``label``).
    """

    name: str
    documentation: str
    start: int
    end: int


@dataclass(frozen=True, slots=True)
class SignatureHelp:
    """The call around the cursor.

    Attributes:
        name: The pipe or function called.
        label: Its positional signature, such as ``replace(old[, new])``.
        documentation: The pipe's or function's documentation.
        parameters: Its parameters, in order.
        active_parameter: The index in ``parameters`` of the one the cursor
            is writing (the variadic one for every argument past the
            others), or None when the call already has all it takes.
    """

    name: str
    label: str
    documentation: str
    parameters: tuple[ParameterHelp, ...]
    active_parameter: int | None


def signature_help(
    source: str,
    cursor: int,
    scope: EditorScope | None = None,
    *,
    offsets: OffsetEncoding = "code-points",
) -> SignatureHelp | None:
    """Return the call whose parentheses the cursor is in, or None outside any call.

    Args:
        source: The expression.
        cursor: The cursor's offset.
        scope: Gives the pipe registry; the built-in pipes when None.
        offsets: How ``cursor`` counts (see :mod:`dagabaaz.editor.positions`).
    """
    scope = checked(source, scope)
    call = context_at(source, to_code_points(source, cursor, offsets)).shape.call
    if call is None:
        return None
    if call.kind == "function":
        spec = FUNCTIONS.get(call.name)
        if spec is None:
            return None
        label = f"{call.name}(references...)"
        start = len(call.name) + 1
        reference = ParameterHelp(
            "references", "references, such as source.url", start, start + len("references")
        )
        return SignatureHelp(call.name, label + " -> list", spec.doc, (reference,), 0)
    pipe = scope.pipes.get(call.name)
    if pipe is None:
        return None
    signature = pipe.signature
    label = signature.describe(call.name)
    params = [*signature.params, *([signature.variadic] if signature.variadic else [])]
    parameters = []
    position = len(call.name)
    for param in params:
        # The label is the signature's own description: find each name in it, in order.
        found = re.compile(rf"(?<!\w){re.escape(param.name)}(?!\w)").search(label, position)
        start = found.start() if found is not None else position
        position = start + len(param.name)
        parameters.append(ParameterHelp(param.name, describe_param(param), start, position))
    if call.argument < len(signature.params):
        active: int | None = call.argument
    else:
        active = len(signature.params) if signature.variadic is not None else None
    return SignatureHelp(
        call.name,
        f"{label} -> {pipe_result(pipe)}",
        pipe.doc,
        tuple(parameters),
        active,
    )
