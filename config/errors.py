"""The site's own error pages (400, 403, 404, 500, a refused CSRF check), when DEBUG is off.

``config.urls`` names the first four as ``handler400`` … ``handler500``; ``CSRF_FAILURE_VIEW``
names the last. 400/403/404 and the CSRF page use the base layout's head (style sheet, no
navigation, so nothing of the user's data is queried); the 500 page is a standalone template
rendered without the request, so it still renders when the database or a context processor is
what failed.
"""

from django.http import HttpRequest, HttpResponse
from django.template import loader
from django.views.decorators.csrf import requires_csrf_token

from crm.exceptions import NotFound


@requires_csrf_token
def bad_request(request: HttpRequest, exception: Exception) -> HttpResponse:
    return _page(request, "errors/400.html", status=400)


@requires_csrf_token
def permission_denied(request: HttpRequest, exception: Exception) -> HttpResponse:
    return _page(request, "errors/403.html", status=403)


@requires_csrf_token
def page_not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    # A selector's NotFound says what was missing in the user's words ("没有找到这条线索。");
    # any other 404 (get_object_or_404, an unknown address) gets the generic text, because its
    # message is Django's English and may name a model.
    cause = getattr(exception, "__cause__", None)
    message = cause.message if isinstance(cause, NotFound) else ""
    return _page(request, "errors/404.html", status=404, context={"message": message})


def server_error(request: HttpRequest) -> HttpResponse:
    # No request and no context processors: they may need the database that just failed.
    return HttpResponse(loader.render_to_string("errors/500.html"), status=500)


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """The CSRF check refused a form: usually an expired page or a Secure cookie over plain HTTP."""
    return _page(request, "errors/403_csrf.html", status=403, context={"reason": reason})


def _page(
    request: HttpRequest, template_name: str, *, status: int, context: dict | None = None
) -> HttpResponse:
    body = loader.render_to_string(template_name, context or {}, request=request)
    return HttpResponse(body, status=status)
