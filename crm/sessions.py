"""The idle timeout of a signed-in session, renewed without writing the session on every request.

A session ends ``SESSION_COOKIE_AGE`` seconds after its last save, and the cookie's ``max-age``
is set when it is saved. Saving on every request (``SESSION_SAVE_EVERY_REQUEST``) costs a write
transaction per page; this middleware saves an unchanged session only when its last renewal is
``SESSION_RENEW_SECONDS`` old, so a session still ends between ``SESSION_COOKIE_AGE`` minus that
and ``SESSION_COOKIE_AGE`` seconds after the user's last request.
"""

import time
from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse

# The session key holding when the session was last renewed (seconds since the epoch).
RENEWED_AT = "_renewed_at"


class SessionRenewalMiddleware:
    """Marks a used session modified when its renewal is due, so ``SessionMiddleware`` saves it
    and sends the cookie again. Listed after ``SessionMiddleware``."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        session = getattr(request, "session", None)
        # Only a session this request read (a signed-in page, not a static file or an API
        # token call) and that holds something (not one just ended by signing out).
        if session is None or not session.accessed or session.is_empty():
            return response
        now = int(time.time())
        # A session saved anyway (a sign-in) is stamped too: the next page need not save it.
        if session.modified or now - session.get(RENEWED_AT, 0) >= settings.SESSION_RENEW_SECONDS:
            session[RENEWED_AT] = now
        return response
