"""Pipes: the functions applied with ``|`` in an expression, and their registry.

>>> from dagabaaz.pipes import DEFAULT_PIPES
>>> "upper" in DEFAULT_PIPES
True

Register your own pipes on a copy of the built-ins and compile with it::

    pipes = DEFAULT_PIPES.copy()

    @pipes.register("shout")
    def shout(value: object, marks: int = 1) -> str:
        return str(value).upper() + "!" * marks
"""

from dagabaaz.errors import ArgumentError, PipeError, PipeRegistryError
from dagabaaz.pipes.builtin import DEFAULT_PIPES
from dagabaaz.pipes.compat import LegacyPipes, pipe_arity
from dagabaaz.pipes.functions import FUNCTIONS, FunctionSpec
from dagabaaz.pipes.regex import Regex
from dagabaaz.pipes.registry import PipeFunction, PipeRegistry, PipeSpec
from dagabaaz.pipes.signature import REQUIRED, Param, Range, Signature

__all__ = [
    "BUILTIN_PIPES",
    "DEFAULT_PIPES",
    "FUNCTIONS",
    "PIPE_ARITY",
    "REQUIRED",
    "ArgumentError",
    "FunctionSpec",
    "Param",
    "PipeError",
    "PipeFunction",
    "PipeRegistry",
    "PipeRegistryError",
    "PipeSpec",
    "Range",
    "Regex",
    "Signature",
]

BUILTIN_PIPES = LegacyPipes(DEFAULT_PIPES)
"""Read-only ``name -> callable(value, *string_args)`` of the built-ins.

The README's version's API, with its leniency (see :mod:`dagabaaz.pipes.compat`).
"""

PIPE_ARITY = pipe_arity(DEFAULT_PIPES)
"""Read-only ``name -> (min_args, max_args)`` of the built-ins, from their signatures.

``max_args`` is None for a pipe that takes any number of arguments.
"""
