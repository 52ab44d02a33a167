"""What a worker needs beside routing: the scope bindings read, and calling the plugin.

* :mod:`.scope`: what a binding can read (artifacts by node, run input, node config).
* :mod:`.plugin_calls`: calling one plugin for one task, every failure an outcome.
"""
