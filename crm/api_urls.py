"""API authentication: ``POST /api/v1/auth/token/`` with a username and password returns a token.

Send it as ``Authorization: Token <token>`` (see the module docstring of ``leads.api``).
"""

from django.urls import path
from rest_framework.authtoken.views import obtain_auth_token

urlpatterns = [
    path("token/", obtain_auth_token, name="api_token"),
]
