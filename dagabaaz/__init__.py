"""dagabaaz: an embeddable DAG orchestration library.

The application keeps its database, queue and workers; dagabaaz decides what
runs next, routes data between steps and evaluates the binding expressions.
Start with :mod:`dagabaaz.models`, :mod:`dagabaaz.orchestrator` and
:mod:`dagabaaz.expressions`.
"""

__version__ = "0.2.0"
