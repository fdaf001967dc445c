"""API sign-in: ``POST /api/v1/auth/token/`` with a username and password returns a new token.

Send it as ``Authorization: Token <token>`` (see the module docstring of ``leads.api``) until it
expires (``expires_at``) or is revoked (``POST /api/v1/auth/token/revoke/``, or the profile page).
"""

from django.urls import path

from crm.token_api import TokenObtainView, TokenRevokeView

urlpatterns = [
    path("token/", TokenObtainView.as_view(), name="api_token"),
    path("token/revoke/", TokenRevokeView.as_view(), name="api_token_revoke"),
]
