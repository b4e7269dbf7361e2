"""The `finegrid` console command: one entry point, one subcommand per job.

Each subcommand lives with the package it drives (``<package>/commands.py`` exposing
``register(subparsers)``), so the pure packages (divide, synth) keep working without
Django, and Django is only set up by the commands that need the database.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys

from finegrid.accounts.context import new_request_id, request_context

# Modules whose ``register(subparsers)`` adds subcommands, in the order --help lists them.
COMMAND_MODULES = [
    "finegrid.web.commands",
    "finegrid.territory.commands",
    "finegrid.accounts.commands",
    "finegrid.people.commands",
    "finegrid.org.commands",
    "finegrid.workforce.commands",
    "finegrid.campaigns.commands",
    "finegrid.partners.commands",
    "finegrid.cases.commands",
    "finegrid.synth.commands",
    "finegrid.divide.commands",
    "finegrid.demo.commands",
]


class CommandError(Exception):
    """A failure the user can act on: printed as one line, exit status 1, no traceback."""


def at_least(minimum: int):
    """An argparse type for whole numbers ≥ ``minimum`` (seeds, worker counts), so a bad
    value is a one-line usage error rather than a traceback deep in the job."""

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
        if value < minimum:
            raise argparse.ArgumentTypeError(f"must be ≥ {minimum}, not {value}")
        return value

    return parse


def setup_django() -> None:
    """Configure Django for commands that touch the database."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "finegrid.settings")
    import django

    django.setup()


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="finegrid",
        description="finegrid: fine-grained community governance (微网实格).",
    )
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for module_name in COMMAND_MODULES:
        importlib.import_module(module_name).register(subparsers)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        with request_context(new_request_id("cli-")):
            result = args.func(args)
    except CommandError as error:
        print(f"finegrid {args.command}: error: {error}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    return int(result or 0)


if __name__ == "__main__":
    # Run the imported module's main, so that CommandError is the class the subcommands
    # raise (under -m this file is also loaded as __main__, a second copy).
    from finegrid.cli import main as installed_main

    sys.exit(installed_main())
