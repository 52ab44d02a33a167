"""The orchestration engine's private parts; the public surface is :mod:`dagabaaz.orchestrator`.

* :mod:`.compiled`: a pipeline compiled once into an immutable graph.
* :mod:`.cache`: compiled graphs reused across calls, per store and run.
* :mod:`.launch`: what tasks a ready node gets (collection, filters, fan modes).
* :mod:`.session`: one entry-point call: readiness, cascades and run endings.
"""
