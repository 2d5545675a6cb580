"""One error shape for the API: ``{"field": ["message", ...]}`` with 400, never a 500."""

from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import serializers, status
from rest_framework.exceptions import ErrorDetail
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.utils import humanize_datetime
from rest_framework.views import exception_handler as drf_exception_handler

from patients.errors import ConflictError

# Every API datetime carries its offset (api-contract.md v2): REST_FRAMEWORK's
# DATETIME_INPUT_FORMATS accept only formats ending in %z, so a date alone or a naive time
# fails to parse in every serializer, declared or generated. DRF's message for that lists
# strptime formats; this one says what to do.
TIME_ZONE_REQUIRED = (
    "Give the date and time with its time zone: Z or ±hh:mm (e.g. 2026-11-30T10:00:00Z)."
)


def _drf_datetime_message() -> str:
    formats = humanize_datetime.datetime_formats(api_settings.DATETIME_INPUT_FORMATS)
    return str(serializers.DateTimeField().error_messages["invalid"]).format(format=formats)


def _explain_datetimes(detail: Any, drf_message: str) -> Any:
    if isinstance(detail, dict):
        return {key: _explain_datetimes(value, drf_message) for key, value in detail.items()}
    if isinstance(detail, list):
        return [_explain_datetimes(value, drf_message) for value in detail]
    if isinstance(detail, ErrorDetail) and detail.code == "invalid" and detail == drf_message:
        return ErrorDetail(TIME_ZONE_REQUIRED, code="time_zone_required")
    return detail


def validation_error_detail(error: DjangoValidationError) -> dict[str, list[str]]:
    if hasattr(error, "error_dict"):
        return {
            ("non_field_errors" if field == "__all__" else field): list(messages)
            for field, messages in error.message_dict.items()
        }
    return {"non_field_errors": list(error.messages)}


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    if isinstance(exc, ConflictError):
        detail: dict[str, Any] = {"detail": " ".join(exc.messages)}
        if hasattr(exc, "error_dict"):
            detail.update(validation_error_detail(exc))
        detail.update(getattr(exc, "extra", None) or {})
        return Response(detail, status=status.HTTP_409_CONFLICT)
    if isinstance(exc, DjangoValidationError):
        return Response(validation_error_detail(exc), status=status.HTTP_400_BAD_REQUEST)
    response = drf_exception_handler(exc, context)
    if response is not None and response.status_code == status.HTTP_400_BAD_REQUEST:
        response.data = _explain_datetimes(response.data, _drf_datetime_message())
    return response
