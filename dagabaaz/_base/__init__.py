"""Helpers every layer may use: argument checks, did-you-mean hints, value copies.

* :mod:`.arguments`: checks of the arguments public functions receive
  (a wrong Python type is a ``TypeError`` naming the argument).
* :mod:`.suggest`: the one did-you-mean rule.
* :mod:`.copying`: the one copier of JSON-shaped values.
"""
