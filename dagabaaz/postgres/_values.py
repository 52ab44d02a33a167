"""What a JSON column can hold: the values that come back from PostgreSQL exactly as written.

Run inputs and artifact metadata are stored as ``jsonb``. A value that JSON
would quietly change (a tuple read back as a list, an integer dict key read
back as a string, a NaN, a set) is refused with a :class:`StoreError` naming
where it sits, before anything is written; so is a value nested deeper than
:data:`~dagabaaz._stores.rules.MAX_VALUE_DEPTH` (the in-memory store's limit)
or larger than the store's byte limit once encoded.
"""

from __future__ import annotations

import json
import math
from typing import Any, Final

from dagabaaz._stores.rules import MAX_VALUE_DEPTH
from dagabaaz.errors import StoreError

__all__ = ["DEFAULT_MAX_JSON_BYTES", "encode_json"]

DEFAULT_MAX_JSON_BYTES: Final = 1 << 20
"""Largest run input, node config or artifact metadata stored, once encoded (1 MiB)."""


def encode_json(value: Any, what: str, max_bytes: int) -> str:
    """Return ``value`` as JSON text, refusing what would not read back equal.

    Args:
        value: A dict, list or plain value.
        what: Names the value in errors (``"complete_task('7'): output 0 metadata"``).
        max_bytes: Largest encoded size accepted.

    Raises:
        StoreError: The value holds something JSON cannot keep as it is, is
            nested too deeply, or is too large.
    """
    _check(value, what)
    text = json.dumps(value, ensure_ascii=False, allow_nan=False, separators=(",", ":"))
    size = len(text.encode("utf-8", "surrogatepass"))
    if size > max_bytes:
        raise StoreError(f"{what} is {size} bytes as JSON, more than the limit of {max_bytes}")
    return text


def _check(value: Any, what: str) -> None:
    # Iterative: the value may be far too deep to recurse over.
    stack: list[tuple[Any, str, int]] = [(value, "", 1)]
    while stack:
        current, path, depth = stack.pop()
        # Subclasses of the JSON types read back as their base type, equal to what was written.
        if isinstance(current, dict):
            _too_deep(depth, what)
            for key, item in current.items():
                if not isinstance(key, str):
                    raise StoreError(
                        f"{what}{path}: key {key!r} is a {type(key).__name__}; JSON keys are "
                        "strings, so it would read back as a different key"
                    )
                _check_text(key, what, f"{path} key {key!r}")
                stack.append((item, f"{path}[{key!r}]", depth + 1))
        elif isinstance(current, list):
            _too_deep(depth, what)
            stack.extend((item, f"{path}[{i}]", depth + 1) for i, item in enumerate(current))
        elif isinstance(current, str):
            _check_text(current, what, path)
        elif isinstance(current, float):
            if not math.isfinite(current):
                raise StoreError(f"{what}{path}: {current!r} is not a JSON number")
        elif not isinstance(current, int | bool | None):
            hint = "; use a list" if isinstance(current, tuple | set | frozenset) else ""
            raise StoreError(
                f"{what}{path}: a {type(current).__name__} cannot be stored as JSON "
                f"(only dicts, lists, strings, numbers, booleans and None){hint}"
            )


def _check_text(text: str, what: str, path: str) -> None:
    if "\x00" in text:
        raise StoreError(f"{what}{path}: text holds a NUL character, which PostgreSQL cannot store")
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        raise StoreError(
            f"{what}{path}: text holds a lone surrogate, which is not valid Unicode"
        ) from None


def _too_deep(depth: int, what: str) -> None:
    if depth > MAX_VALUE_DEPTH:
        raise StoreError(f"{what} is nested more than {MAX_VALUE_DEPTH} levels deep")
