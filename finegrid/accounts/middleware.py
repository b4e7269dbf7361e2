"""Gives every request an id that the audit log and the response both carry."""

from finegrid.accounts.context import accept_request_id, request_context


class RequestIdMiddleware:
    header = "X-Request-ID"

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request_id = accept_request_id(request.headers.get(self.header))
        request.request_id = request_id
        with request_context(request_id):
            response = self.get_response(request)
        response[self.header] = request_id
        return response
