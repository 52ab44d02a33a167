"""URL pipes: percent-encoding and decoding."""

from __future__ import annotations

from collections.abc import Callable

from dagabaaz._runtime.limits import Budget
from dagabaaz._runtime.values import encode_utf8

# RFC 3986 unreserved characters: the only ones left as they are.
_UNRESERVED = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~"
# Each byte, read as the character of the same code (latin-1), to itself or to
# its escape: one str.translate percent-encodes UTF-8 bytes at C speed.
_ESCAPES = {byte: chr(byte) if byte in _UNRESERVED else f"%{byte:02X}" for byte in range(256)}


def urlencode(text: str, *, budget: Budget) -> str:
    """Percent-encode the text for a URL (UTF-8; only A-Z a-z 0-9 - . _ ~ stay as they are).

    "a b/c" gives "a%20b%2Fc".
    """
    ascii_only = text.isascii()
    data = text.encode("ascii") if ascii_only else encode_utf8(text)
    # Each byte becomes at most three characters: count exactly only when
    # that bound could pass the limit.
    if 3 * len(data) > budget.limits.max_string_length:
        escaped = len(data.translate(None, _UNRESERVED))
        budget.text(len(data) + 2 * escaped, "the result of urlencode")
    # ASCII text is its own bytes read as latin-1: no decoding needed.
    return (text if ascii_only else data.decode("latin-1")).translate(_ESCAPES)


def urldecode(text: str) -> str:
    """Decode percent-escapes ("a%20b" gives "a b"); "+" is left as it is."""
    return _unquote()(text)


def _unquote() -> Callable[[str], str]:
    global _UNQUOTE
    if _UNQUOTE is None:
        from urllib.parse import unquote  # on first use: urllib.parse is slow to import

        _UNQUOTE = unquote
    return _UNQUOTE


_UNQUOTE: Callable[[str], str] | None = None
