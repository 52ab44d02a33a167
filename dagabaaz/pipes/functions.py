"""Functions: what can start an interpolation besides a reference.

There is one, ``list(ref, ...)``. Its arguments are references only (no
pipes, no nested calls); the grammar enforces that, this table names it.
"""

from __future__ import annotations

from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

__all__ = ["FUNCTIONS", "FunctionSpec"]


@dataclass(frozen=True, slots=True)
class FunctionSpec:
    """A function that can start an interpolation."""

    name: str
    doc: str
    min_args: int = 0

    def to_dict(self) -> dict[str, Any]:
        """Describe the function as JSON-ready data for an editor."""
        return {
            "name": self.name,
            "kind": "function",
            "signature": f"{self.name}(references...)",
            "summary": self.doc.split("\n", 1)[0],
            "doc": self.doc,
            "value": None,
            "params": [
                {
                    "name": "references",
                    "type": "reference",
                    "required": self.min_args > 0,
                    "default": None,
                    "variadic": True,
                    "min": None,
                    "max": None,
                }
            ],
        }


FUNCTIONS: MappingProxyType[str, FunctionSpec] = MappingProxyType(
    {
        "list": FunctionSpec(
            "list",
            "Collect the values of several references into one list.\n\n"
            "Missing values are kept as None, so positions line up; pipes such "
            "as join and compact skip them.",
        )
    }
)
"""Every function, by name."""
