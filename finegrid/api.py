"""The REST API: one NinjaAPI with each app's router, shared auth and error mapping.

OpenAPI document at /api/openapi.json, interactive docs at /api/docs.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError
from ninja import NinjaAPI
from ninja.errors import HttpError

from finegrid import __version__
from finegrid.accounts.api import router as accounts_router
from finegrid.apicommon import AUTH
from finegrid.campaigns.api import router as campaigns_router
from finegrid.cases.api import router as cases_router
from finegrid.errors import Conflict, InvalidInput, NotFound
from finegrid.org.api import router as org_router
from finegrid.partners.api import router as partners_router
from finegrid.people.api import router as people_router
from finegrid.territory.api import router as territory_router
from finegrid.web.api import router as map_router
from finegrid.workforce.api import router as workforce_router

api = NinjaAPI(
    title="finegrid API",
    version=__version__,
    description=(
        "Areas, grids, places, households, persons, party organizations, workers and the "
        "audit trail of finegrid (微网实格). Personal data is masked; the unmask endpoint "
        "needs a permission and a reason and is audited. Every answer is limited "
        "to the caller's scope; objects outside it answer 404 exactly like missing ones. "
        "Authenticate with the session cookie of a signed-in user (plus the CSRF token "
        "for changes) or with `Authorization: Bearer <token>` from `finegrid users token`."
    ),
    auth=AUTH,
    urls_namespace="api",
)
api.add_router("/", accounts_router)
api.add_router("/", territory_router)
api.add_router("/", people_router)
api.add_router("/", org_router)
api.add_router("/", partners_router)
api.add_router("/", map_router)
api.add_router("/", workforce_router)
api.add_router("/", campaigns_router)
api.add_router("/", cases_router)


@api.exception_handler(NotFound)
def not_found(request, error):
    return api.create_response(request, {"detail": str(error)}, status=404)


@api.exception_handler(PermissionDenied)
def forbidden(request, error):
    return api.create_response(request, {"detail": str(error) or "forbidden"}, status=403)


@api.exception_handler(InvalidInput)
def invalid(request, error):
    return api.create_response(
        request, {"detail": "invalid input", "problems": error.problems}, status=400
    )


@api.exception_handler(Conflict)
def conflict(request, error):
    return api.create_response(request, {"detail": str(error)}, status=409)


@api.exception_handler(IntegrityError)
def raced(request, error):
    """Two requests that create the same thing at once: each action checks for a clash
    first, but only the database sees both; the one that loses is told, not crashed."""
    return api.create_response(
        request, {"detail": "conflicts with a change made at the same time; try again"}, status=409
    )


@api.exception_handler(HttpError)
def http_error(request, error):
    """Django Ninja's own refusals (an unreadable body, a failed CSRF check) in the bodies
    the document promises: a 400 lists its problem like any other bad input."""
    if error.status_code == 400:
        body = {"detail": "invalid input", "problems": [f"body: {error.message}"]}
    else:
        body = {"detail": error.message}
    return api.create_response(request, body, status=error.status_code)
