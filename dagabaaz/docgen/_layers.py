"""The layer picture of docs/concepts/architecture.md, drawn from the import contract itself.

The layers are declared once, as the import-linter contract in
``pyproject.toml`` that the test suite enforces; this draws that list, so
the picture cannot disagree with what is checked.
"""

from __future__ import annotations

import tomllib

from dagabaaz.errors import DocgenError

__all__ = ["layers_picture"]


def layers_picture(pyproject: str) -> str:
    """Return a Mermaid flowchart of the ``layers`` contract, top layer first.

    Raises:
        DocgenError: ``pyproject`` has no import-linter contract with id ``layers``.
    """
    contracts = tomllib.loads(pyproject).get("tool", {}).get("importlinter", {})
    found = [c for c in contracts.get("contracts", []) if c.get("id") == "layers"]
    if not found:
        raise DocgenError("pyproject.toml has no import-linter contract with id 'layers'")
    layers: list[str] = found[0]["layers"]
    lines = ["```mermaid", "flowchart TB"]
    for number, layer in enumerate(layers):
        modules = " · ".join(name.strip() for name in layer.split("|"))
        lines.append(f'    L{number}["{modules}"]')
    lines.extend(f"    L{number} --> L{number + 1}" for number in range(len(layers) - 1))
    lines.append("```")
    return "\n".join(lines) + "\n"
