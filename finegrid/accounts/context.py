"""The request a change comes from, carried to the audit log without threading it through
every call: the web middleware sets it per request, the command line per invocation."""

from __future__ import annotations

import contextlib
import contextvars
import re
import uuid
from collections.abc import Iterator

_request_id: contextvars.ContextVar[str] = contextvars.ContextVar("finegrid_request_id", default="")

# An incoming X-Request-ID is kept only when it is short and plain, so it cannot smuggle
# anything into logs, and gets a suffix of our own, so that no caller can make two
# requests share an id in the audit log.
_SAFE_ID = re.compile(r"^[A-Za-z0-9._:-]{1,40}$")


def new_request_id(prefix: str = "") -> str:
    return f"{prefix}{uuid.uuid4().hex}"


def accept_request_id(candidate: str | None) -> str:
    """The caller's id, made unique, when it is safe to keep; otherwise a fresh one."""
    if candidate and _SAFE_ID.match(candidate):
        return f"{candidate}.{uuid.uuid4().hex[:16]}"
    return new_request_id()


def get_request_id() -> str:
    return _request_id.get()


@contextlib.contextmanager
def request_context(request_id: str) -> Iterator[str]:
    token = _request_id.set(request_id)
    try:
        yield request_id
    finally:
        _request_id.reset(token)
