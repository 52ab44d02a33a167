"""``dagabaaz eval EXPRESSION``: evaluate a template on its own and print the result as JSON."""

from __future__ import annotations

import argparse
import json
from typing import Any

from dagabaaz.cli._common import (
    EXIT_FAILED,
    EXIT_OK,
    CliError,
    add_input_option,
    dump_json,
    parse_inputs,
    read_json_object,
)
from dagabaaz.cli._plugins import add_plugins_option, load_plugins
from dagabaaz.cli.check import render_diagnostics
from dagabaaz.diagnostics import Diagnostic, has_errors
from dagabaaz.errors import ExpressionError
from dagabaaz.expressions import check_expression, compile_expression

__all__ = ["add_parser"]

_WHERE = "<expression>"


def add_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register the ``eval`` command."""
    parser = commands.add_parser(
        "eval",
        help="evaluate an expression and print the result as JSON",
        description="Evaluate an expression template, such as '{input.title | upper}', "
        "and print its value as JSON. Exit 0 on success, 1 when the expression has "
        "errors or fails, 2 when a data file cannot be read.",
    )
    parser.add_argument("expression", metavar="EXPRESSION", help="the template to evaluate")
    add_input_option(parser)
    parser.add_argument(
        "--data",
        metavar="FILE.json",
        help='values of every namespace: a JSON object such as {"source": {"title": "x"}, '
        '"input": {...}, "config": {...}}; --input values go on top of "input"',
    )
    parser.add_argument(
        "--format", choices=("text", "json"), default="text", help="output format (default: text)"
    )
    parser.add_argument(
        "--strict",
        action="store_true",
        help="fail on a reference that has no value, naming it (strict mode)",
    )
    add_plugins_option(
        parser,
        "a plugins file whose PIPES registry (custom pipes) the expression uses",
    )
    parser.set_defaults(handler=run_eval)


def run_eval(args: argparse.Namespace) -> int:
    """Check, compile and evaluate the expression; print the value or the diagnostics."""
    scope = _scope(args)
    pipes = None if args.plugins is None else load_plugins(args.plugins, functions=False).pipes
    diagnostics = check_expression(args.expression, pipes=pipes)
    if has_errors(diagnostics):
        return _fail(args, diagnostics)
    try:
        value = compile_expression(args.expression, pipes=pipes).evaluate(scope, strict=args.strict)
    except ExpressionError as error:
        return _fail(args, error.diagnostics or [Diagnostic("evaluation-failed", str(error))])
    try:
        text = json.dumps(value, ensure_ascii=False, indent=2, allow_nan=False)
    except ValueError:  # the values come from JSON text: no cycles, so a NaN or infinity
        raise CliError(
            "the result is not JSON: it holds NaN or an infinity, which JSON cannot write",
            EXIT_FAILED,
        ) from None
    except TypeError as error:
        raise CliError(f"the result is not JSON: {error}", EXIT_FAILED) from None
    if args.format == "json":
        dump_json({"result": value, "diagnostics": [d.to_dict() for d in diagnostics]})
    else:
        if diagnostics:
            print(render_diagnostics(diagnostics, _WHERE))
        print(text)
    return EXIT_OK


def _scope(args: argparse.Namespace) -> dict[str, dict[str, Any]]:
    data = {} if args.data is None else read_json_object(args.data, "--data")
    scope: dict[str, dict[str, Any]] = {}
    for namespace, values in data.items():
        if not isinstance(values, dict):
            raise CliError(
                f"--data {args.data}: namespace {namespace!r} must hold an object of "
                f"key -> value, got {type(values).__name__}"
            )
        scope[namespace] = values
    scope["input"] = {**scope.get("input", {}), **parse_inputs(args.input)}
    return scope


def _fail(args: argparse.Namespace, diagnostics: list[Diagnostic] | tuple[Diagnostic, ...]) -> int:
    if args.format == "json":
        dump_json({"result": None, "diagnostics": [d.to_dict() for d in diagnostics]})
    else:
        print(render_diagnostics(diagnostics, _WHERE))
    return EXIT_FAILED
