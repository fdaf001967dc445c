"""Template context shared by every page."""

from django.conf import settings
from django.http import HttpRequest
from django.utils import timezone


def navigation(request: HttpRequest) -> dict:
    """The product name and the current section, for the base layout's navigation."""
    match = getattr(request, "resolver_match", None)
    return {
        "site_name": settings.SITE_NAME,
        "nav_section": match.namespace if match else "",
    }


def reminders(request: HttpRequest) -> dict:
    """``reminder_count``: the user's overdue items for the navigation badge; ``notice_count``:
    their unread notices for the bell.

    Callables, so each count is queried (once) only on pages whose template shows it.
    """
    from crm.notifications.selectors import unread_notice_count, user_overdue_count

    user = getattr(request, "user", None)

    def count() -> int:
        if user is None or not user.is_authenticated:
            return 0
        if not hasattr(request, "_reminder_count"):
            request._reminder_count = user_overdue_count(user=user, today=timezone.localdate())
        return request._reminder_count

    def unread() -> int:
        if user is None or not user.is_authenticated:
            return 0
        if not hasattr(request, "_notice_count"):
            request._notice_count = unread_notice_count(user=user)
        return request._notice_count

    return {"reminder_count": count, "notice_count": unread}
