"""What expressions and pipes share at run time: the lower layer both import.

* :mod:`.limits`: the limits and the budget enforcing them.
* :mod:`.values`: how values become text and JSON.
* :mod:`.truthiness`: the one truthiness rule.
* :mod:`.numbers`: exact numeric comparison.
* :mod:`.syntax`: the grammar as data, and name checks that need no parser.
"""
