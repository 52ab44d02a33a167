"""What every editor function checks first: its source and its scope."""

from __future__ import annotations

from dagabaaz.editor.scope import EditorScope

__all__ = ["checked"]

_STANDALONE = EditorScope.standalone()


def checked(source: object, scope: object) -> EditorScope:
    """Return the scope to use, after checking both arguments.

    Raises:
        TypeError: ``source`` is not a str, or ``scope`` is neither None nor
            an :class:`EditorScope`.
    """
    if not isinstance(source, str):
        raise TypeError(f"source must be a str, not {type(source).__name__}")
    if scope is None:
        return _STANDALONE
    if not isinstance(scope, EditorScope):
        raise TypeError(f"scope must be an EditorScope, not {type(scope).__name__}")
    return scope
