"""A pipeline's structure, resolved strictly, once: what validation, the engine and workers share.

* :mod:`.codes`: every pipeline diagnostic code, its severity and meaning.
* :mod:`.index`: slugs and dependencies as indices, or a located error.
* :mod:`.compiled`: a pipeline compiled once into an immutable graph.
* :mod:`.cycles`: the one topological pass, and the cycles when there are some.
* :mod:`.references`: what a binding reads (its expressions, run inputs, nodes).
"""
