"""The orchestration engine's private parts; the public surface is :mod:`dagabaaz.orchestrator`.

* :mod:`.callbacks`: what the engine calls when a run ends.
* :mod:`.cache`: compiled graphs (:mod:`dagabaaz._pipeline.compiled`) reused
  across calls, per store and run.
* :mod:`.launch`: what tasks a ready node gets (the rules are :mod:`dagabaaz._routing`'s).
* :mod:`.replan`: a launched node planned again, to tell whether its dispatch was whole.
* :mod:`.session`: one entry-point call: readiness, cascades and run endings.
"""
