"""Where the pages translate domain errors that mean "not found" into Django's 404.

Selectors raise ``crm.exceptions.NotFound`` (they know nothing of HTTP); the API's exception
handler (``crm.api.exception_handler``) answers it as a JSON 404, and this middleware does the
same for every page, so no view repeats a ``try``/``except`` around each selector call.
"""

from collections.abc import Callable

from django.http import Http404, HttpRequest, HttpResponse

from crm.exceptions import NotFound


class NotFoundMiddleware:
    """Turn a ``NotFound`` raised by a view into the site's 404 page, with its message."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> None:
        if isinstance(exception, NotFound):
            # Raised here, Django's handler renders it as it renders any Http404 (handler404,
            # or the debug page), and the other middleware sees an ordinary 404 response.
            raise Http404(exception.message) from exception
