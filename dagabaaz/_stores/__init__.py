"""What every store shipped with dagabaaz does the same way (in memory and on PostgreSQL).

* :mod:`.rules`: the records a store hands back, and the checks of what
  ``create_run`` and ``complete_task`` accept, with the same wording everywhere.
"""
