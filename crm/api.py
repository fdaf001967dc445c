"""API conventions shared by every app.

Domain errors become JSON with the right status code; every other failure answers JSON too.
Input is held to the same bounds as the pages: ``StrictInputMixin`` refuses fields an endpoint
does not write and bounds amounts, dates and versions (the JSON parser is ``crm.parsers``).
"""

import logging
from collections.abc import Mapping
from typing import Any

from django.core.exceptions import RequestDataTooBig, SuspiciousOperation
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import HttpRequest, JsonResponse
from django.utils.translation import gettext
from django.views.decorators.csrf import csrf_exempt
from rest_framework import serializers, status
from rest_framework.exceptions import ParseError
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler
from rest_framework.views import set_rollback

from crm.exceptions import DomainError, DuplicateWarning
from crm.inputs import (
    MAX_VERSION,
    VERSION_INVALID,
    amount_error_messages,
    is_id,
    validate_sane_date,
)
from crm.parsers import RequestTooLarge

logger = logging.getLogger("django.request")


def exception_handler(exc: Exception, context: dict) -> Response:
    """Turn domain errors and model validation errors into ``{"detail": …, "errors": …}``.

    A refused move or bad field answers 400, a permission refusal 403, a conflict 409. DRF's
    own errors keep their shape; anything unexpected answers a JSON 500, never an HTML page.
    """
    if isinstance(exc, DomainError):
        body: dict = {"detail": exc.message, "code": type(exc).__name__}
        if exc.field_errors:
            body["errors"] = exc.field_errors
        if isinstance(exc, DuplicateWarning):
            body["matches"] = exc.matches
            body["hint"] = "resend with confirm_duplicate_name=true to save anyway"
        return Response(body, status=exc.status_code)
    if isinstance(exc, DjangoValidationError):
        errors = (
            exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages}
        )
        return Response(
            {"detail": gettext("输入有误。"), "errors": errors}, status=status.HTTP_400_BAD_REQUEST
        )
    if isinstance(exc, RequestDataTooBig):
        exc = RequestTooLarge()
    elif isinstance(exc, SuspiciousOperation):
        exc = ParseError(gettext("请求无效。"))
    response = drf_exception_handler(exc, context)
    if response is not None:
        return response
    # Anything else is a bug: a JSON client gets JSON, the log gets the traceback.
    request = context.get("request")
    logger.error(
        "Internal Server Error: %s",
        getattr(request, "path", ""),
        exc_info=exc,
        extra={"status_code": 500, "request": getattr(request, "_request", request)},
    )
    set_rollback()
    return Response(
        {"detail": gettext("服务器内部错误，请稍后再试。"), "code": "ServerError"},
        status=status.HTTP_500_INTERNAL_SERVER_ERROR,
    )


@csrf_exempt
def not_found(request: HttpRequest, path: str = "") -> JsonResponse:
    """A URL under ``/api/`` that names no endpoint (``leads/0.5/``): a JSON 404, not a page.

    The shape is the ``Error`` component of the schema (``crm.openapi``), like a record outside
    the user's scope. CSRF-exempt like the API's views: a POST answers 404, not the CSRF page.
    """
    return JsonResponse(
        {"detail": gettext("没有这个接口或记录。"), "code": "NotFound"},
        status=status.HTTP_404_NOT_FOUND,
        json_dumps_params={"ensure_ascii": False},
    )


class VersionField(serializers.IntegerField):
    """The version the client read, sent back to detect a concurrent change (409 when stale)."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("required", False)
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", MAX_VERSION)
        # Passed in, not set afterwards: DRF builds the bound validators' messages in __init__.
        codes = ("invalid", "min_value", "max_value", "max_string_length", "null")
        kwargs["error_messages"] = {code: VERSION_INVALID for code in codes}
        super().__init__(**kwargs)


def _whole_id(value: Any) -> bool:
    """A JSON integer or a string of digits (form posts); never a bool or a fraction."""
    if isinstance(value, bool):
        return False
    return isinstance(value, int | str) and is_id(value)


class StrictInputMixin:
    """For every serializer that takes input: name the fields it will not write; bound values.

    DRF silently drops read-only and unknown fields, so ``PATCH {"stage": "serve"}`` answered
    200 and the client believed the lead had moved. Such a request is refused instead (400),
    naming each field. Amounts get the column-width messages, dates the sane range.
    """

    # What the browsable API's HTML form sends along with the fields.
    ignored_inputs = frozenset({"csrfmiddlewaretoken"})

    def get_fields(self) -> dict[str, serializers.Field]:
        fields = super().get_fields()
        for field in fields.values():
            if field.read_only:
                continue
            if isinstance(field, serializers.DecimalField) and field.max_digits is not None:
                field.error_messages.update(
                    amount_error_messages(field.max_digits, field.decimal_places or 0)
                )
            elif isinstance(field, serializers.DateField):
                field.validators.append(validate_sane_date)
        return fields

    def to_internal_value(self, data: Any) -> Any:
        id_errors: dict[str, list[str]] = {}
        if isinstance(data, Mapping):
            self._refuse_unwritable(data)
            id_errors = self._fractional_id_errors(data)
        try:
            value = super().to_internal_value(data)
        except serializers.ValidationError as error:
            if id_errors and isinstance(error.detail, dict):
                error.detail.update(id_errors)
            raise
        if id_errors:
            raise serializers.ValidationError(id_errors)
        return value

    def _fractional_id_errors(self, data: Mapping) -> dict[str, list[str]]:
        """An id must be a whole number: DRF would read ``8.9`` as record 8."""
        errors = {}
        for name, field in self.fields.items():
            if field.read_only or name not in data:
                continue
            if isinstance(field, serializers.PrimaryKeyRelatedField):
                values = [data[name]]
            elif isinstance(field, serializers.ManyRelatedField):
                values = data[name] if isinstance(data[name], list | tuple) else [data[name]]
            else:
                continue
            if any(not _whole_id(value) for value in values if value is not None):
                errors[name] = [gettext("编号必须是正整数。")]
        return errors

    def _refuse_unwritable(self, data: Mapping) -> None:
        writable = {name for name, field in self.fields.items() if not field.read_only}
        refused = [key for key in data if key not in writable and key not in self.ignored_inputs]
        if not refused:
            return
        read_only = gettext("只读字段，不能通过此接口修改。")
        unknown = gettext("没有这个字段。")
        raise DomainError(
            gettext("以下字段不能通过此接口修改：%(fields)s") % {"fields": "、".join(refused)},
            field_errors={key: [read_only if key in self.fields else unknown] for key in refused},
        )


def validated_data(serializer: serializers.Serializer) -> dict[str, Any]:
    """The serializer's validated data, or a 400 in the same shape as the services' errors."""
    if not serializer.is_valid():
        raise DomainError(gettext("输入有误，请检查标出的字段。"), field_errors=serializer.errors)
    return dict(serializer.validated_data)
