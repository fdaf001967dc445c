"""REST API for leads (filled in below)."""

from rest_framework.routers import DefaultRouter


def register(router: DefaultRouter) -> None:
    """Register the leads endpoints on the API router."""
