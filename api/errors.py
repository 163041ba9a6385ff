"""Errors as `application/problem+json` (RFC 9457), field errors included, whatever raised them.

The services raise Django's ValidationError and PermissionDenied, and `StaleVersion` when a
record changed under the caller; they are answered here as 400, 403 and 412, and a parameter
refused by the input helpers (`BadInput`) as a 400 naming it. Anything else is a
bug: it is logged with its traceback, as Django logs a 500, and answered as a bare 500 problem
that says nothing of what failed.
"""

from http import HTTPStatus

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.log import log_response
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.serializers import as_serializer_error
from rest_framework.views import exception_handler, set_rollback

from tiptracker.lib.inputs import BadInput
from tracker.services import StaleVersion

PROBLEM_CONTENT_TYPE = "application/problem+json"


class PreconditionFailed(exceptions.APIException):
    status_code = status.HTTP_412_PRECONDITION_FAILED
    default_detail = _(
        "The item was changed after you read it (its ETag no longer matches If-Match). Nothing "
        "was saved: read it again, then apply your change to the new version."
    )
    default_code = "stale"


class PreconditionRequired(exceptions.APIException):
    status_code = status.HTTP_428_PRECONDITION_REQUIRED
    default_detail = _(
        "Send the item's ETag in an If-Match header, so a change made by someone else since "
        "you read it is never overwritten."
    )
    default_code = "if_match_required"


def _flatten(errors, prefix="") -> dict[str, list[str]]:
    """Turn DRF's nested error detail into {"field" or "field.0.sub": [messages]}."""
    if isinstance(errors, dict):
        flat = {}
        for key, value in errors.items():
            flat.update(_flatten(value, f"{prefix}.{key}" if prefix else str(key)))
        return flat
    if isinstance(errors, list) and errors and all(not isinstance(e, list | dict) for e in errors):
        return {prefix or "non_field_errors": [str(e) for e in errors]}
    if isinstance(errors, list):
        flat = {}
        for index, value in enumerate(errors):
            flat.update(_flatten(value, f"{prefix}.{index}" if prefix else str(index)))
        return flat
    return {prefix or "non_field_errors": [str(errors)]}


def _translate(exc):
    if isinstance(exc, BadInput):
        return exceptions.ValidationError({exc.name or "non_field_errors": [str(exc)]})
    if isinstance(exc, StaleVersion):
        return PreconditionFailed()
    if isinstance(exc, DjangoValidationError):
        return exceptions.ValidationError(as_serializer_error(exc))
    if isinstance(exc, DjangoPermissionDenied):
        return exceptions.PermissionDenied(str(exc) or None)
    return exc


def _server_error(exc, context) -> Response:
    """Answer an unexpected exception as a 500 problem, after logging it with its traceback."""
    set_rollback()
    code = status.HTTP_500_INTERNAL_SERVER_ERROR
    body = {
        "type": "about:blank",
        "title": HTTPStatus(code).phrase,
        "status": code,
        "detail": gettext(
            "The server failed to answer this request; the failure was recorded for the "
            "maintainers."
        ),
    }
    response = Response(body, status=code, content_type=PROBLEM_CONTENT_TYPE)
    request = context["request"]._request
    log_response(
        "Internal Server Error: %s",
        request.path,
        response=response,
        request=request,
        exception=exc,
    )
    return response


def problem_exception_handler(exc, context):
    """Answer any exception of an API view as a problem document, a bug as a bare 500."""
    exc = _translate(exc)
    response = exception_handler(exc, context)
    if response is None:
        return _server_error(exc, context)
    code = response.status_code
    body = {"type": "about:blank", "title": HTTPStatus(code).phrase, "status": code}
    if isinstance(exc, exceptions.ValidationError):
        errors = _flatten(response.data)
        body["detail"] = gettext("The request was not accepted: see the errors by field.")
        body["errors"] = errors
    elif isinstance(response.data, dict) and "detail" in response.data:
        body["detail"] = str(response.data["detail"])
    else:
        body["detail"] = str(response.data)
    response.data = body
    response.content_type = PROBLEM_CONTENT_TYPE
    return response
