"""The dagabaaz language server: pipeline files in any editor that speaks LSP.

``dagabaaz lsp`` (``pip install 'dagabaaz[lsp]'``, built on pygls) serves
pipeline YAML and JSON files over standard input and output: diagnostics as
the file is opened and edited (only the nodes an edit changed are checked
again), and inside expressions completion, hover, signature help, code
actions and semantic tokens, all from :mod:`dagabaaz.editor`. The editor
integration page (``docs/editor/``) shows how to use it from VS Code and
Neovim.
"""

from __future__ import annotations

from dagabaaz.lsp._document import PipelineDocument, Project
from dagabaaz.lsp._server import DagabaazServer, build_server

__all__ = ["DagabaazServer", "PipelineDocument", "Project", "build_server", "serve"]


def serve(project: Project | None = None, version: str = "") -> None:
    """Serve LSP over standard input and output until the client ends the session."""
    build_server(project, version).start_io()
