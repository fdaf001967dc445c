"""Template context shared by every page."""

from django.conf import settings
from django.http import HttpRequest


def navigation(request: HttpRequest) -> dict:
    """The product name and the current section, for the base layout's navigation."""
    match = getattr(request, "resolver_match", None)
    return {
        "site_name": settings.SITE_NAME,
        "nav_section": match.namespace if match else "",
    }
