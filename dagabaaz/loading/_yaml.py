"""A strict YAML reader for pipeline files (PyYAML, the ``cli`` extra).

PyYAML follows YAML 1.1, whose implicit types surprise: ``no`` reads as
False, ``010`` as 8, ``1:20`` as 80 and ``2024-01-02`` as a date. Pipeline
files are JSON-shaped data, so this loader resolves only the YAML 1.2 core
schema (``true``/``false``, ``null``/``~``, decimal integers, floats), keeps
everything else a string, rejects duplicate keys and rejects aliases (an
alias bomb would expand into unbounded memory).
"""

from __future__ import annotations

import math
import re
from typing import Any

import yaml

from dagabaaz.diagnostics import shortened

__all__ = ["StrictYamlLoader", "YamlError", "fast_loader", "load_yaml", "read_yaml"]

YamlError = yaml.YAMLError

_UNREADABLE = (ValueError, LookupError, TypeError, AttributeError, ArithmeticError)
"""What PyYAML's constructors raise, unwrapped, on a value their tag cannot read."""


class StrictYamlLoader(yaml.SafeLoader):
    """SafeLoader with the YAML 1.2 core schema, no duplicate keys and no aliases."""

    # Our own table (PyYAML reads it per class), filled below; SafeLoader's stays untouched.
    yaml_implicit_resolvers: dict[Any, list[tuple[str, re.Pattern[str]]]] = {}  # noqa: RUF012

    def compose_node(self, parent: Any, index: Any) -> Any:
        """Compose a node, refusing aliases before they can be expanded."""
        if self.check_event(yaml.AliasEvent):
            event = self.peek_event()  # type: ignore[no-untyped-call]
            raise yaml.composer.ComposerError(
                None, None, "aliases (*name) are not supported in pipeline files", event.start_mark
            )
        return super().compose_node(parent, index)

    def construct_mapping(self, node: Any, deep: bool = False) -> dict[Any, Any]:
        """Build a mapping, refusing a key that appears twice."""
        if not isinstance(node, yaml.MappingNode):
            return super().construct_mapping(node, deep=deep)  # says a mapping was expected
        seen: set[Any] = set()
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=deep)
            if not isinstance(key, str | int | float | bool | None):
                continue  # SafeLoader itself reports an unhashable key
            if key in seen:
                raise yaml.constructor.ConstructorError(
                    None, None, f"duplicate key {key!r}", key_node.start_mark
                )
            seen.add(key)
        return super().construct_mapping(node, deep=deep)

    def construct_object(self, node: Any, deep: bool = False) -> Any:
        """Build one value; a value its tag cannot read is an error at the node.

        PyYAML's constructors for explicit tags fail with bare Python errors
        (``!!int "abc"`` a ValueError, ``!!bool maybe`` a KeyError); each
        becomes a located ConstructorError.
        """
        try:
            return super().construct_object(node, deep=deep)
        except _UNREADABLE as error:
            raise yaml.constructor.ConstructorError(
                None, None, _value_problem(node, error), node.start_mark
            ) from None


_EXPECTED = {
    "tag:yaml.org,2002:int": "an integer",
    "tag:yaml.org,2002:float": "a number",
    "tag:yaml.org,2002:bool": "true or false",
    "tag:yaml.org,2002:timestamp": "a date or time",
    "tag:yaml.org,2002:binary": "base64 text",
}
_DECIMAL = re.compile(r"[-+]?[0-9]+")


def _value_problem(node: Any, error: Exception) -> str:
    expected = _EXPECTED.get(node.tag)
    if expected is None or not isinstance(node, yaml.ScalarNode):
        return f"cannot read this {node.tag.rpartition(':')[2] or 'value'}: {error}"
    shown = shortened(node.value, 40)
    return f"expected {expected}, got {shown!r}"


def _construct_int(loader: StrictYamlLoader, node: Any) -> int:
    text = loader.construct_scalar(node)
    try:
        return int(text)
    except ValueError:
        if not _DECIMAL.fullmatch(text):
            raise  # read by construct_object: "expected an integer, got ..."
        # Past Python's limit on integer digits (4300 by default).
        raise yaml.constructor.ConstructorError(
            None, None, f"an integer of {len(text)} characters is too long", node.start_mark
        ) from None


def _construct_float(loader: StrictYamlLoader, node: Any) -> float:
    value = float(loader.construct_yaml_float(node))
    if not math.isfinite(value):
        # JSON has no NaN or infinity, and a pipeline must mean the same in both syntaxes.
        raise yaml.constructor.ConstructorError(
            None, None, f"{value} is not a JSON number", node.start_mark
        )
    return value


def _resolve(tag: str, pattern: str, first: list[str]) -> None:
    StrictYamlLoader.add_implicit_resolver(tag, re.compile(pattern), first)


_resolve("tag:yaml.org,2002:bool", r"^(?:true|True|TRUE|false|False|FALSE)$", list("tTfF"))
# PyYAML looks resolvers up by first character, "" standing for the empty scalar.
_resolve("tag:yaml.org,2002:null", r"^(?:~|null|Null|NULL|)$", [*"~nN", ""])
_resolve("tag:yaml.org,2002:int", r"^[-+]?[0-9]+$", list("-+0123456789"))
_resolve(
    "tag:yaml.org,2002:float",
    r"^[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?$",
    list("-+.0123456789"),
)
StrictYamlLoader.add_constructor("tag:yaml.org,2002:int", _construct_int)
StrictYamlLoader.add_constructor("tag:yaml.org,2002:float", _construct_float)


def load_yaml(text: str, *, fast_only: bool = False) -> tuple[Any, Any]:
    """Parse one YAML document; return ``(data, node)``, the node keeping line marks.

    When PyYAML was built with libyaml, the document is read by libyaml's
    parser (about ten times faster: an editor re-reads a file at every
    keystroke) and built by the same strict constructor; a document it
    rejects, or one holding an alias, is read again by the pure-Python
    loader, so errors read the same either way. With ``fast_only``, such a
    document raises instead (a part of a file read alone must be read by
    the reader that read the file: see :func:`read_yaml`).
    """
    data, node, _ = read_yaml(text, fast_only=fast_only)
    return data, node


def read_yaml(text: str, *, fast_only: bool = False) -> tuple[Any, Any, bool]:
    """Parse one YAML document as :func:`load_yaml` does; also say whether libyaml read it.

    The two readers disagree on a few texts (libyaml takes a tab PyYAML
    refuses, and the other way round), so an edit of a file may be read
    alone only when the same reader reads the part and the whole: the third
    value is True when libyaml read the document, or when PyYAML has no
    libyaml (its one reader read it).
    """
    if _FastStrictLoader is not None:
        fast = _FastStrictLoader(text)
        try:
            node = fast.get_single_node()
            if not _has_alias(node):
                return (None if node is None else _construct(fast, node)), node, True
            if fast_only:
                raise yaml.composer.ComposerError(
                    None, None, "aliases (*name) are not supported in pipeline files", None
                )
        except yaml.YAMLError:
            if fast_only:
                raise
            # Read again below for the pure-Python loader's message.
        finally:
            fast.dispose()
    loader = StrictYamlLoader(text)
    try:
        node = loader.get_single_node()
        data = None if node is None else _construct(loader, node)
    finally:
        loader.dispose()
    return data, node, _FastStrictLoader is None


def _has_alias(node: Any) -> bool:
    """Whether a node appears twice in the tree: libyaml makes ``*name`` its anchor's node."""
    seen: set[int] = set()
    pending = [] if node is None else [node]
    while pending:
        current = pending.pop()
        if id(current) in seen:
            return True
        seen.add(id(current))
        value = current.value
        if isinstance(value, list):
            for item in value:
                pending.extend(item) if isinstance(item, tuple) else pending.append(item)
    return False


_FastStrictLoader: Any = None
if getattr(yaml, "__with_libyaml__", False):
    _CParser: Any = vars(yaml.cyaml)["CParser"]  # not exported by the type stubs

    class _CStrictLoader(_CParser, StrictYamlLoader):  # type: ignore[misc]
        """libyaml's parser and composer, the strict resolver and constructor."""

        def __init__(self, stream: str) -> None:
            _CParser.__init__(self, stream)
            yaml.constructor.SafeConstructor.__init__(self)
            yaml.resolver.Resolver.__init__(self)

    _FastStrictLoader = _CStrictLoader


def fast_loader() -> Any:
    """Return the libyaml-backed strict loader class, or None when PyYAML was built without it."""
    return _FastStrictLoader


def _construct(loader: StrictYamlLoader, node: Any) -> Any:
    try:
        return loader.construct_document(node)
    except _UNREADABLE as error:
        # Collections are filled after construct_object returned; a failure
        # there is placed at the document, the nearest node still known.
        raise yaml.constructor.ConstructorError(
            None, None, _value_problem(node, error), node.start_mark
        ) from None
