"""What every API router shares: authentication, error bodies and their documented codes."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from django.conf import settings
from ninja import Field, Path, Schema
from ninja.pagination import PageNumberPagination
from ninja.security import HttpBearer, SessionAuth
from pydantic import AfterValidator, WithJsonSchema

from finegrid.accounts.actions import authenticate_token
from finegrid.clock import FIRST_YEAR, LAST_YEAR


class TokenAuth(HttpBearer):
    """``Authorization: Bearer fg_…`` with a token from ``finegrid users token``."""

    def authenticate(self, request, token):
        user = authenticate_token(token)
        if user is not None:
            request.user = user
        return user


# The token goes first: a request that carries a valid bearer token is not a browser's,
# so it needs no CSRF token; without one, the session is tried, with its CSRF check.
AUTH = [TokenAuth(), SessionAuth()]


# Database ids are 64-bit; bounding them turns an absurd id into a 422, not an overflow.
MAX_ID = 2**63 - 1
PathId = Annotated[int, Path(..., ge=1, le=MAX_ID)]
RefId = Annotated[int, Field(ge=1, le=MAX_ID)]

# Times a client sends are bounded too (finegrid.clock.FIRST_YEAR…LAST_YEAR), read as
# written, so the bound fits the pattern the OpenAPI document states for clients.


def _storable(value: dt.datetime) -> dt.datetime:
    if not FIRST_YEAR <= value.year <= LAST_YEAR:
        raise ValueError("must be from 1900 up to 2999 / 时间须在1900年至2999年之间")
    return value


Moment = Annotated[
    dt.datetime,
    AfterValidator(_storable),
    WithJsonSchema({"type": "string", "format": "date-time", "pattern": "^(19|2[0-9])[0-9]{2}-"}),
]


class ErrorOut(Schema):
    detail: str


class ProblemsOut(Schema):
    detail: str
    problems: list[str]


class ValidationErrorOut(Schema):
    detail: list[dict]


# Error responses every authenticated read may give.
READ_ERRORS = {401: ErrorOut, 404: ErrorOut, 422: ValidationErrorOut}
# ...every read that takes filters...
QUERY_ERRORS = READ_ERRORS | {400: ProblemsOut}
# ...and every change.
WRITE_ERRORS = READ_ERRORS | {400: ProblemsOut, 403: ErrorOut, 409: ErrorOut}


def actor(request):
    """The user a request acts for (set by session or token authentication)."""
    return request.auth


class Pages(PageNumberPagination):
    """Page-number pagination with bounds, so an absurd page asks the database nothing
    it cannot answer (an offset past 64 bits)."""

    class Input(Schema):
        page: int = Field(1, ge=1, le=1_000_000)
        page_size: int | None = Field(None, ge=1, le=settings.NINJA_MAX_PER_PAGE_SIZE)
