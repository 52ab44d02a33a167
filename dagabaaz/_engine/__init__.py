"""The orchestration engine's private parts; the public surface is :mod:`dagabaaz.orchestrator`.

* :mod:`.compiled`: a pipeline compiled once into an immutable graph.
* :mod:`.cache`: compiled graphs reused across calls, per store and run.
* :mod:`.launch`: what tasks a ready node gets (the rules are :mod:`dagabaaz._routing`'s).
* :mod:`.replan`: a launched node planned again, to tell whether its dispatch was whole.
* :mod:`.session`: one entry-point call: readiness, cascades and run endings.
"""
