"""API conventions shared by every app: domain errors become JSON with the right status code."""

from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.translation import gettext
from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from crm.exceptions import DomainError, DuplicateWarning


def exception_handler(exc: Exception, context: dict) -> Response | None:
    """Turn domain errors and model validation errors into ``{"detail": …, "errors": …}``.

    A refused move or bad field answers 400, a permission refusal 403, a conflict 409.
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
    return drf_exception_handler(exc, context)
