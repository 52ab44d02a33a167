"""Routing: what each task of a node receives, decided once for the engine and for workers.

The engine asks which tasks a ready node gets (:mod:`.tasks`); a worker asks
what one of those tasks sees, by dependency slug (:mod:`.views`). Both read
the node's dependency edges the same way (:mod:`.edges`):

1. collection: the dependency's artifacts, or, for a routing (passthrough)
   dependency that produced nothing, what the walk past it finds, nearest
   first;
2. the edge's filter: every rule must match, then ``select`` keeps the
   largest or smallest artifact, over the whole edge or, at a GROUPED node,
   within each origin group and within the broadcast artifacts apart.

What an edge delivers after both steps is all that counts, for the tasks a
node gets and for what each task (and its bindings) sees.

The rules read a compiled graph (:class:`.edges.RoutingGraph`, which
:class:`dagabaaz._pipeline.compiled.CompiledGraph` is) and are generic over
the artifact type, like :mod:`dagabaaz.filter`: the engine routes
:class:`~dagabaaz.models.DagArtifact`, a worker its own wrappers of
:class:`~dagabaaz.models.TaskArtifact`.
"""
