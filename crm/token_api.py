"""The API's sign-in: ``POST auth/token/`` issues a new token, ``POST auth/token/revoke/`` ends one.

Sign-in here goes through ``django.contrib.auth.authenticate`` with the Django request, so the
login page's lockout (django-axes) and the security log apply to it too; a per-address throttle
(``API_TOKEN_THROTTLE_RATE``) slows a script down before the lockout does.
"""

from django.conf import settings
from django.contrib.auth import authenticate
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import APIException
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.throttling import SimpleRateThrottle
from rest_framework.views import APIView

from crm.api import validated_data
from crm.auth_events import lockout_message
from crm.exceptions import DomainError
from crm.models import ApiToken
from crm.openapi import error_responses
from crm.security import client_address
from crm.tokens import (
    NAME_MAX_LENGTH,
    ApiTokenAuthentication,
    RevokeReason,
    token_create,
    token_revoke,
)


class TokenEndpointThrottle(SimpleRateThrottle):
    """Requests to the token endpoint per client address (``API_TOKEN_THROTTLE_RATE``)."""

    scope = "auth_token"

    def get_rate(self) -> str:
        # Read at request time, not import time, so the setting can differ per deployment and test.
        return settings.API_TOKEN_THROTTLE_RATE

    def get_cache_key(self, request: Request, view: APIView) -> str:
        # The same address the security log and the lockout see (crm.security.client_address).
        ident = client_address(request._request) or self.get_ident(request)
        return self.cache_format % {"scope": self.scope, "ident": ident}


class LockedOut(APIException):
    status_code = status.HTTP_429_TOO_MANY_REQUESTS
    default_code = "locked_out"


class TokenObtainSerializer(serializers.Serializer):
    username = serializers.CharField(max_length=150, trim_whitespace=False)
    # Bounded so a megabyte "password" is not hashed.
    password = serializers.CharField(
        max_length=4096, trim_whitespace=False, style={"input_type": "password"}
    )
    name = serializers.CharField(
        max_length=NAME_MAX_LENGTH, required=False, allow_blank=True, default=""
    )


class TokenSerializer(serializers.Serializer):
    token = serializers.CharField(help_text=gettext_lazy("令牌，只返回这一次。"))
    expires_at = serializers.DateTimeField(help_text=gettext_lazy("过期时间。"))


class RevokedSerializer(serializers.Serializer):
    detail = serializers.CharField()


class TokenObtainView(APIView):
    """Username and password in, ``{"token", "expires_at"}`` out: a new token at every sign-in."""

    authentication_classes: list = []
    permission_classes = [AllowAny]
    throttle_classes = [TokenEndpointThrottle]

    @extend_schema(
        operation_id="auth_token_create",
        summary=gettext_lazy("登录并获取新令牌"),
        description=gettext_lazy(
            "每次登录都签发一个新令牌（有效期 API_TOKEN_TTL_DAYS 天）。同一用户名在同一地址连续"
            "登录失败达到上限后暂时锁定（429）；每个地址的请求次数另有限速（429）。"
        ),
        request=TokenObtainSerializer,
        responses={200: TokenSerializer, **error_responses(400, 413, 415, 429)},
        auth=[],
    )
    def post(self, request: Request) -> Response:
        data = validated_data(TokenObtainSerializer(data=request.data))
        django_request = request._request
        user = authenticate(django_request, username=data["username"], password=data["password"])
        if user is None:
            if getattr(django_request, "axes_locked_out", False):
                raise LockedOut(lockout_message())
            message = _("用户名或密码不正确。")
            raise DomainError(message, field_errors={"non_field_errors": [message]})
        token, key = token_create(
            user=user, name=data["name"] or _("API 登录"), request=django_request
        )
        # The key is shown once: no cache may keep the answer.
        return Response(
            {"token": key, "expires_at": token.expires_at}, headers={"Cache-Control": "no-store"}
        )


class TokenRevokeView(APIView):
    """Revoke the token this request was made with."""

    authentication_classes = [ApiTokenAuthentication]
    permission_classes = [IsAuthenticated]

    @extend_schema(
        operation_id="auth_token_revoke",
        summary=gettext_lazy("吊销本次请求所用的令牌"),
        request=None,
        responses={200: RevokedSerializer, **error_responses(401)},
    )
    def post(self, request: Request) -> Response:
        token: ApiToken = request.auth
        token_revoke(
            token=token, actor=request.user, reason=RevokeReason.USER, request=request._request
        )
        return Response({"detail": _("令牌已吊销。")})
