"""A short session with ``dagabaaz lsp`` over stdio, printed as the messages exchanged.

Run it (``python tests/lsp/lsp_transcript.py``) to see the server answer a
completion and a hover; docs/editor/language-server.md shows its output and
a test keeps the two the same.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

PLUGINS = Path(__file__).resolve().parents[2] / "examples" / "media" / "plugins.py"
PIPELINE = """\
nodes:
  - slug: scan
    plugin: scan_folder
  - slug: subtitle
    plugin: parse_subtitle
    depends_on: [scan]
    bindings:
      language:
        source: expression
        expression: "{scan.la | lower}"
"""
URI = "file:///project/pipeline.yaml"


class Session:
    """A client speaking JSON-RPC with Content-Length headers to a server process."""

    def __init__(self, command: list[str]) -> None:
        self.process = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE)
        self.next_id = 0

    def send(self, method: str, params: Any, *, request: bool = True) -> int | None:
        message: dict[str, Any] = {"jsonrpc": "2.0", "method": method, "params": params}
        ident = None
        if request:
            self.next_id += 1
            ident = message["id"] = self.next_id
        body = json.dumps(message).encode("utf-8")
        assert self.process.stdin is not None
        self.process.stdin.write(b"Content-Length: %d\r\n\r\n" % len(body) + body)
        self.process.stdin.flush()
        return ident

    def receive(self) -> dict[str, Any]:
        assert self.process.stdout is not None
        length = 0
        while True:
            line = self.process.stdout.readline()
            if not line:
                raise EOFError("the server closed its output")
            if line in (b"\r\n", b"\n"):
                break
            name, _, value = line.decode("ascii").partition(":")
            if name.lower() == "content-length":
                length = int(value)
        message: dict[str, Any] = json.loads(self.process.stdout.read(length))
        return message

    def request(self, method: str, params: Any) -> Any:
        ident = self.send(method, params)
        while True:
            message = self.receive()
            if message.get("id") == ident:
                return message.get("result")

    def notification(self, method: str) -> dict[str, Any]:
        while True:
            message = self.receive()
            if message.get("method") == method:
                return message


def transcript() -> str:
    """Run the session; return what was asked and answered, one message per paragraph."""
    session = Session([sys.executable, "-m", "dagabaaz", "lsp", "--plugins", str(PLUGINS)])
    shown: list[str] = []
    try:
        session.request("initialize", {"processId": None, "rootUri": None, "capabilities": {}})
        session.send("initialized", {}, request=False)
        opened = {"uri": URI, "languageId": "yaml", "version": 1, "text": PIPELINE}
        session.send("textDocument/didOpen", {"textDocument": opened}, request=False)
        published = session.notification("textDocument/publishDiagnostics")["params"]
        shown.append("<-- textDocument/publishDiagnostics " + _compact(published))
        at = {"textDocument": {"uri": URI}, "position": {"line": 9, "character": 29}}
        shown.append("--> textDocument/completion " + _compact(at))
        items = session.request("textDocument/completion", at)["items"]
        fields = ("label", "kind", "detail", "textEdit")
        first = sorted(items, key=lambda item: item["sortText"])[:2]
        shown.append("<-- " + _compact([{k: item[k] for k in fields} for item in first]))
        at = {"textDocument": {"uri": URI}, "position": {"line": 9, "character": 34}}
        shown.append("--> textDocument/hover " + _compact(at))
        shown.append("<-- " + _compact(session.request("textDocument/hover", at)))
        session.request("shutdown", None)
        session.send("exit", None, request=False)
        session.process.wait(timeout=10)
    finally:
        if session.process.poll() is None:
            session.process.kill()
    return "\n\n".join(shown)


def _compact(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)


if __name__ == "__main__":
    print(transcript())
