"""Domain errors shared by actions, queries, the API, the admin and the command line.

Each error says what is wrong in words a user can act on, naming the record and the
field. The API maps them to status codes (see finegrid.api); the CLI prints them.
Permission failures use Django's own ``PermissionDenied``.
"""

from __future__ import annotations


class FinegridError(Exception):
    """Base of the errors below."""


class InvalidInput(FinegridError):
    """Input that breaks a rule; ``problems`` lists every problem found, one line each."""

    def __init__(self, problems: str | list[str]):
        self.problems = [problems] if isinstance(problems, str) else list(problems)
        super().__init__("; ".join(self.problems))


class NotFound(FinegridError):
    """Missing, or out of the user's scope: the two look the same on purpose."""


class Conflict(FinegridError):
    """The change clashes with what is stored (a duplicate code, a grid with children…)."""


def one_or_not_found(queryset, missing: str, **lookup):
    """The one row of ``queryset`` matching ``lookup``, or NotFound(missing). Pass a
    queryset already restricted to the reader, so that out of scope reads as missing."""
    found = queryset.filter(**lookup).first()
    if found is None:
        raise NotFound(missing)
    return found
