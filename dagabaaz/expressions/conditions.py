"""Save-time warnings for an expression used as a ``when`` clause.

A ``when`` clause is true or false by :func:`~dagabaaz.expressions.is_truthy`
of its value. Two shapes cannot mean what they look like:

* no interpolation (``when="input.flag"``, ``when="false"``): the clause is
  that constant text, always true or always false;
* text around interpolations, or several of them (``"{input.a} and
  {input.b}"``): the clause is the rendered text, true unless it is blank or
  a false word, whatever the values inside say. Conditions are combined with
  ``{list(input.a, input.b) | all}`` (or ``any``) instead.
"""

from __future__ import annotations

import re

from dagabaaz._runtime.syntax import is_reference
from dagabaaz._runtime.truthiness import is_truthy
from dagabaaz.diagnostics import Diagnostic, shortened
from dagabaaz.expressions.ast import Interpolation, Reference, Template

__all__ = ["when_warnings"]

_OR = re.compile(r"\bor\b", re.IGNORECASE)
_AND = re.compile(r"\band\b", re.IGNORECASE)


def when_warnings(source: str, tree: Template) -> list[Diagnostic]:
    """Return the warnings for ``tree`` (parsed from ``source``) used as a ``when`` clause."""
    interpolations = tree.interpolations
    if not interpolations:
        return [_constant(source, tree)]
    if len(tree.parts) == 1:
        return []
    return [_mixed(source, tree)]


def _constant(source: str, tree: Template) -> Diagnostic:
    text = "".join(part.value for part in tree.parts if not isinstance(part, Interpolation))
    outcome = "true" if is_truthy(text or None) else "false"
    if not source:
        message = "the when clause is empty, so it is always false"
    else:
        message = (
            f"the when clause has no interpolation: it is the constant text "
            f"{shortened(repr(text))}, so it is always {outcome}"
        )
    written = text.strip()
    if is_reference(written):
        hint = f"write {{{shortened(written)}}} to read the value of {shortened(written)}"
    else:
        hint = "put the condition in braces, such as {input.publish}"
    return Diagnostic.at(
        "constant-when", message, source, 0, len(source), severity="warning", hint=hint
    )


def _mixed(source: str, tree: Template) -> Diagnostic:
    interpolations = tree.interpolations
    if len(interpolations) == 1:
        only = interpolations[0]
        hint = f"keep only the interpolation: {shortened(source[only.start : only.end])}"
    else:
        text = " ".join(part.value for part in tree.parts if not isinstance(part, Interpolation))
        pipe = "any" if _OR.search(text) and not _AND.search(text) else "all"
        alternative = "" if _OR.search(text) or _AND.search(text) else " (or | any)"
        plain = [i.value for i in interpolations if not i.pipes]
        if len(plain) == len(interpolations) and all(isinstance(v, Reference) for v in plain):
            listed = ", ".join(v.dotted for v in plain if isinstance(v, Reference))
        else:
            listed = "input.a, input.b"  # values with pipes cannot go inside list()
        combined = shortened(f"{{list({listed}) | {pipe}}}")
        hint = f"to combine conditions, write one interpolation: {combined}{alternative}"
    return Diagnostic.at(
        "when-mixes-text",
        "the when clause is text with interpolations, not one value: it is true "
        "whenever that text is not blank or a false word, whatever the values in it",
        source,
        0,
        len(source),
        severity="warning",
        hint=hint,
    )
