"""The OpenAPI contract's shared parts: the error shape (once), the token scheme, the filters.

Every endpoint answers errors as ``crm.api.exception_handler`` writes them; each viewset action
names the statuses it can answer with ``error_responses(…)``, so the schema, the Swagger UI and
the fuzz test (``tests/api/test_schemathesis.py``) all read the same list.
"""

import types
import typing
from typing import Any

from django.utils.translation import gettext_lazy as _
from drf_spectacular.contrib.django_filters import DjangoFilterExtension
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.plumbing import build_bearer_security_scheme_object, follow_field_source
from drf_spectacular.utils import OpenApiResponse
from rest_framework import serializers


class ErrorSerializer(serializers.Serializer):
    """``{"detail", "code", "errors"}``: what every refused request answers (component ``Error``).

    ``detail`` is a sentence for the user; ``code`` names the kind of refusal (``DomainError``,
    ``ConflictError``, ``not_authenticated`` …); ``errors`` lists messages per input field.
    A possible duplicate company name adds ``matches`` and ``hint``.
    """

    detail = serializers.CharField(help_text=_("给用户看的说明。"))
    code = serializers.CharField(required=False, help_text=_("错误类别，如 ConflictError。"))
    errors = serializers.DictField(
        child=serializers.ListField(child=serializers.CharField()),
        required=False,
        help_text=_("按字段列出的错误信息。"),
    )
    matches = serializers.ListField(
        child=serializers.CharField(),
        required=False,
        help_text=_("名称相近的已有企业（code 为 DuplicateWarning 时）。"),
    )
    hint = serializers.CharField(required=False)


# What each status means for this API; one description per status, shared by every action.
_ERROR_DESCRIPTIONS = {
    400: _("输入有误、请求体无法解析，或业务规则拒绝（见 errors）。"),
    401: _("未登录或令牌无效。"),
    403: _("无权进行此操作（或会话请求缺少 CSRF 令牌）。"),
    404: _("不存在或不在您的可见范围内。"),
    409: _("他人已先修改（或提交的 version 已过期）。"),
    413: _("请求内容过大。"),
    415: _("不支持的请求内容类型。"),
    429: _("请求过于频繁，请稍后再试。"),
}


def error_responses(*statuses: int) -> dict[int, OpenApiResponse]:
    """The ``responses`` entries for these error statuses, each with the shared ``Error`` body."""
    return {
        status: OpenApiResponse(response=ErrorSerializer, description=_ERROR_DESCRIPTIONS[status])
        for status in statuses
    }


# The statuses every authenticated read can answer, and what a write adds to them: a body that
# does not parse, is too large or of another type, and CSRF for session clients.
READ_ERRORS = (401, 429)
WRITE_ERRORS = (400, 401, 403, 413, 415, 429)


class ApiTokenScheme(OpenApiAuthenticationExtension):
    """``Authorization: Token <token>`` for the personal API tokens (``crm.tokens``)."""

    target_class = "crm.tokens.ApiTokenAuthentication"
    match_subclasses = True
    name = "tokenAuth"

    def get_security_definition(self, auto_schema: Any) -> dict:
        return build_bearer_security_scheme_object(
            header_name="Authorization", token_prefix=getattr(self.target, "keyword", "Token")
        )


class FilterSetScheme(DjangoFilterExtension):
    """drf-spectacular's django-filter parameters, knowing two idioms of our FilterSets.

    Reference-data filters name the related code (``field_name="industry__code"``,
    ``to_field_name="code"``, see ``leads.filters``); drf-spectacular appends ``to_field_name``
    once more and finds no ``industry.code.code``. Filter methods take ``value: bool | None``,
    which it would describe as a string.
    """

    priority = 1

    def _get_filter_method_hint(self, filter_method: Any) -> Any:
        hint = super()._get_filter_method_hint(filter_method)
        if typing.get_origin(hint) in (typing.Union, types.UnionType):
            present = [arg for arg in typing.get_args(hint) if arg is not type(None)]
            if len(present) == 1:
                return present[0]
        return hint

    def _get_model_field(self, filter_field: Any, model: Any) -> Any:
        to_field_name = filter_field.extra.get("to_field_name")
        if to_field_name and filter_field.field_name.endswith(f"__{to_field_name}"):
            path = filter_field.field_name.split("__")
            return follow_field_source(model, path, emit_warnings=False)
        return super()._get_model_field(filter_field, model)
