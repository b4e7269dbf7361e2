"""Pages answer domain errors the way the API does: NotFound (missing or out of scope) is
the ordinary 404, invalid input a 400 page listing the problems, a conflict a 409 page.
Requests carrying NUL characters are refused before any view runs."""

from django.core.handlers.exception import response_for_exception
from django.http import Http404, HttpResponseBadRequest, JsonResponse
from django.shortcuts import render

from finegrid.errors import Conflict, InvalidInput, NotFound


class DomainErrorMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if isinstance(exception, NotFound):
            return response_for_exception(request, Http404(str(exception)))
        if isinstance(exception, InvalidInput | Conflict):
            problems = getattr(exception, "problems", [str(exception)])
            status = 400 if isinstance(exception, InvalidInput) else 409
            return render(request, "web/problem.html", {"problems": problems}, status=status)
        return None


class RejectNulMiddleware:
    """PostgreSQL stores no NUL character, so a NUL in a path, a query or a JSON or form
    body would end as a database error (500) and abort the transaction. Refuse it first:
    the API with the 422 it documents for invalid parameters, pages with a plain 400.
    File uploads (an .xlsx holds NUL bytes) are not looked into."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        where = self._nul_in(request)
        if where is None:
            return self.get_response(request)
        message = f"{where} contains a NUL character"
        if request.path.startswith("/api/"):
            problem = {"type": "string_nul", "loc": [where], "msg": message}
            return JsonResponse({"detail": [problem]}, status=422)
        return HttpResponseBadRequest(message)

    @staticmethod
    def _nul_in(request) -> str | None:
        if "\x00" in request.path:
            return "path"
        if _has_nul(request.GET):
            return "query"
        content_type = request.content_type or ""
        if content_type == "application/json" and (
            b"\x00" in request.body or b"\\u0000" in request.body
        ):
            return "body"
        if content_type == "application/x-www-form-urlencoded" and _has_nul(request.POST):
            return "body"
        return None


def _has_nul(parameters) -> bool:
    return any(
        "\x00" in key or any("\x00" in value for value in values)
        for key, values in parameters.lists()
    )
