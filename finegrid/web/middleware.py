"""Pages answer domain errors the way the API does: NotFound (missing or out of scope) is
the ordinary 404, invalid input a 400 page listing the problems, a conflict a 409 page."""

from django.core.handlers.exception import response_for_exception
from django.http import Http404
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
