"""One JSON shape for every API error: ``{"message": "...", "errors": {"field": ["..."]}}``."""

import logging

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from rest_framework import exceptions
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from tenancy.errors import ApplicationError, ConflictError

__all__ = ["ApplicationError", "ConflictError", "exception_handler"]

logger = logging.getLogger(__name__)


def _as_error_dict(detail) -> dict:
    if isinstance(detail, dict):
        return {key: value if isinstance(value, list | dict) else [value] for key, value in detail.items()}
    if isinstance(detail, list):
        return {"non_field_errors": detail}
    return {}


def _first_message(errors: dict, fallback: str) -> str:
    for field, messages in errors.items():
        if isinstance(messages, list) and messages and isinstance(messages[0], str):
            return messages[0] if field == "non_field_errors" else f"{field}: {messages[0]}"
    return fallback


def exception_handler(exc, context):
    if isinstance(exc, ApplicationError):
        return Response({"message": exc.message, "errors": exc.errors}, status=exc.status_code)
    if isinstance(exc, DjangoValidationError):
        detail = exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages}
        exc = exceptions.ValidationError(detail)
    elif isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied()

    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.ValidationError):
        errors = _as_error_dict(exc.detail)
        message = _first_message(errors, "Invalid input.")
    else:
        errors = {}
        message = str(exc.detail) if hasattr(exc, "detail") else str(exc)
    response.data = {"message": message, "errors": errors}
    return response
