"""Pages answer a domain NotFound (missing or out of scope) with the ordinary 404 page."""

from django.core.handlers.exception import response_for_exception
from django.http import Http404

from finegrid.errors import NotFound


class NotFoundMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if isinstance(exception, NotFound):
            return response_for_exception(request, Http404(str(exception)))
        return None
