"""URL pipes: percent-encoding and decoding."""

from __future__ import annotations

from urllib.parse import quote, unquote

from dagabaaz.expressions.limits import Budget
from dagabaaz.expressions.values import encode_utf8
from dagabaaz.pipes.registry import PipeRegistry

__all__ = ["register"]

# RFC 3986 unreserved characters: the only ones quote(safe="") leaves alone.
_UNRESERVED = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~"


def urlencode(text: str, *, budget: Budget) -> str:
    """Percent-encode the text for a URL (UTF-8; only A-Z a-z 0-9 - . _ ~ stay as they are).

    "a b/c" gives "a%20b%2Fc".
    """
    data = encode_utf8(text)
    escaped = len(data.translate(None, _UNRESERVED))
    budget.text(len(data) + 2 * escaped, "the result of urlencode")
    return quote(data, safe="")


def urldecode(text: str) -> str:
    """Decode percent-escapes ("a%20b" gives "a b"); "+" is left as it is."""
    return unquote(text)


def register(registry: PipeRegistry) -> None:
    """Register the URL pipes."""
    registry.register("urlencode", urlencode)
    registry.register("urldecode", urldecode)
