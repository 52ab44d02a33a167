"""The plugins file the language server tests start the server with."""

from dagabaaz.pipes import DEFAULT_PIPES
from dagabaaz.plugins import OutputSpec, PluginInfo

PIPES = DEFAULT_PIPES.copy()


@PIPES.register("shout")
def shout(value: str, marks: int = 1) -> str:
    """Upper-case the text and add exclamation marks."""
    return value.upper() + "!" * marks


PLUGIN_META = [
    PluginInfo(
        "fetch_declared",
        outputs=[OutputSpec("title", "string", "The title."), OutputSpec("language", "string")],
    )
]


def _plugin(task: dict[str, object]) -> list[object]:
    return []


PLUGINS = {name: _plugin for name in ("fetch_clips", "fetch_declared", "export", "p")}
