"""Helpers shared by the subcommands: atomic file output and readable domain errors."""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

from finegrid.cli import CommandError


@contextlib.contextmanager
def atomic_output(path: str | os.PathLike) -> Iterator[Path]:
    """Yield a temporary path beside ``path``; it replaces ``path`` only on success,
    so a failed run never leaves a partial file behind."""
    target = Path(path)
    if not target.parent.is_dir():
        raise CommandError(f"{target}: directory {target.parent} does not exist")
    # Same suffix as the target, for writers that choose the format by it.
    handle, temporary = tempfile.mkstemp(
        prefix=f".{target.name}.", suffix=target.suffix, dir=target.parent
    )
    os.close(handle)
    try:
        yield Path(temporary)
        os.replace(temporary, target)
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temporary)


@contextlib.contextmanager
def domain_errors() -> Iterator[None]:
    """Turn domain errors into CommandError, one problem per line."""
    from django.core.exceptions import PermissionDenied

    from finegrid.errors import Conflict, InvalidInput, NotFound

    try:
        yield
    except InvalidInput as error:
        raise CommandError("\n  ".join(["invalid input:", *error.problems])) from None
    except (NotFound, Conflict, PermissionDenied) as error:
        raise CommandError(str(error)) from None


def read_json(path: str):
    """A JSON file's content, or a CommandError naming the file and what is wrong."""
    import json

    try:
        with open(path, encoding="utf-8") as source:
            return json.load(source)
    except OSError as error:
        raise CommandError(f"{path}: {error.strerror}") from None
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        raise CommandError(f"{path}: not valid JSON ({error})") from None


def operator():
    """The actor of a command: the system actor, named in the audit log with the
    operating-system user who ran the command."""
    from finegrid.accounts.system import system_actor

    return system_actor("cli")
