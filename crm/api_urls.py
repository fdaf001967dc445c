"""API authentication: ``POST /api/v1/auth/token/`` with a username and password returns a token.

Send it as ``Authorization: Token <token>`` (see the module docstring of ``leads.api``).
"""

from django.urls import path
from rest_framework.authtoken.views import ObtainAuthToken
from rest_framework.settings import api_settings

urlpatterns = [
    # DRF's view names its own parsers; use ours, whose JSON parser has the size and depth limits.
    path(
        "token/",
        ObtainAuthToken.as_view(parser_classes=api_settings.DEFAULT_PARSER_CLASSES),
        name="api_token",
    ),
]
