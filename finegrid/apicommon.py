"""What every API router shares: authentication, error bodies and their documented codes."""

from __future__ import annotations

from typing import Annotated

from django.conf import settings
from ninja import Field, Path, Schema
from ninja.pagination import PageNumberPagination
from ninja.security import HttpBearer, SessionAuth

from finegrid.accounts.actions import authenticate_token


class TokenAuth(HttpBearer):
    """``Authorization: Bearer fg_…`` with a token from ``finegrid users token``."""

    def authenticate(self, request, token):
        user = authenticate_token(token)
        if user is not None:
            request.user = user
        return user


AUTH = [SessionAuth(), TokenAuth()]


# Database ids are 64-bit; bounding them turns an absurd id into a 422, not an overflow.
MAX_ID = 2**63 - 1
PathId = Annotated[int, Path(..., ge=1, le=MAX_ID)]
RefId = Annotated[int, Field(ge=1, le=MAX_ID)]


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
