"""The ``b1engine`` command: one entry point, one subcommand per task.

Each command group lives beside the code it drives and exposes
``register(subparsers)``; this module only collects them. Registration must
stay cheap: heavy imports (spaCy, FastAPI, SQLModel) happen inside the command
functions, so ``b1engine --help`` answers at once.
"""
from __future__ import annotations

import argparse
import importlib
import os
import sys
from collections.abc import Sequence

from api.commands import CommandError
from engine.errors import InputError

#: Modules that contribute subcommands, in the order ``--help`` lists them.
COMMAND_MODULES = (
    "calibration.simulate_cli",
    "calibration.cli",
    "calibration.track_cli",
    "api.commands.growth",
    "api.commands.calibrations",
    "content.cli",
    "api.commands.db",
    "api.commands.users",
    "api.commands.lti",
    "api.commands.serve",
)

#: Exit status for bad input (a malformed file or argument).
EXIT_BAD_INPUT = 2


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="b1engine", description=__doc__.splitlines()[0])
    subparsers = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name in COMMAND_MODULES:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as error:
            # A command group not written yet; the others still work.
            if error.name == name:
                continue
            raise
        module.register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        status = args.func(args)
        sys.stdout.flush()  # a closed pipe shows here, not at exit with a traceback
    except (InputError, CommandError) as error:
        print(f"b1engine {args.command}: {error}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except BrokenPipeError:
        # The reader went away (`| head`): the rest of the output has nowhere to go. Python
        # would flush stdout again at exit and fail there: point it at nothing.
        try:
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        except (OSError, ValueError):  # a stdout with no file behind it (captured): nothing to flush
            pass
        print(f"b1engine {args.command}: output closed before the end (broken pipe)", file=sys.stderr)
        return EXIT_BAD_INPUT
    except OSError as error:  # a file or folder the command was given: missing, not writable
        where = f": {error.filename}" if error.filename else ""
        print(f"b1engine {args.command}: {error.strerror or error}{where}", file=sys.stderr)
        return EXIT_BAD_INPUT
    return int(status or 0)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
