"""How the OpenAPI schema describes what every view shares: tokens, errors, ETag and If-Match."""

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.openapi import AutoSchema as BaseAutoSchema
from drf_spectacular.utils import OpenApiParameter
from rest_framework import serializers

from api.errors import PROBLEM_CONTENT_TYPE
from api.pagination import Cursor


class TokenScheme(OpenApiAuthenticationExtension):
    target_class = "api.authentication.TokenAuthentication"
    name = "tokenAuth"

    def get_security_definition(self, auto_schema):
        return {
            "type": "http",
            "scheme": "bearer",
            "description": "A personal token, created on your Tokens page and shown once.",
        }


class ProblemSerializer(serializers.Serializer):
    """An error, as RFC 9457 describes it."""

    type = serializers.CharField(help_text="Always about:blank: the status says what happened.")
    title = serializers.CharField(help_text="The HTTP status phrase.")
    status = serializers.IntegerField()
    detail = serializers.CharField(help_text="What went wrong, and what to do about it.")
    errors = serializers.DictField(
        child=serializers.ListField(child=serializers.CharField()),
        required=False,
        help_text="Messages by field name, when the input was refused (400).",
    )


_ERRORS = {
    "400": "The input (query or body) was refused; `errors` lists why, by field.",
    "401": "No valid credentials: send a token, or sign in.",
    "403": "Your role, or the token's scope, does not allow this (or the CSRF token is missing).",
    "404": "No such item, or none you may see.",
    "429": "Too many requests: wait for the seconds in Retry-After.",
}
_WRITE_ERRORS = {
    "415": "The body's media type is not accepted here.",
}
_IF_MATCH_ERRORS = {
    "412": "The item changed since you read it: nothing was saved.",
    "428": "If-Match is missing: send the ETag you read.",
}


# How each cursor ordering reads, for the schema (the README says the same).
_ORDER_WORDS = {
    ("pk",): "by id, ascending: the order they were recorded",
    ("-pk",): "newest first (by id, descending)",
    ("-logged_at", "-pk"): "newest first (by the time it was logged, descending)",
    ("name",): "by name",
}


def list_order(view) -> str:
    """Return, in words, the order a list view's cursor pages come in."""
    ordering = tuple(getattr(view, "cursor_ordering", Cursor.ordering))
    return _ORDER_WORDS.get(ordering) or "by " + ", then ".join(ordering)


class AutoSchema(BaseAutoSchema):
    """Add the error answers, If-Match and ETag of each operation to what DRF describes, and
    the order of each list."""

    def _action(self):
        return getattr(self.view, "action", None) or self.method.lower()

    def get_description(self):
        description = super().get_description() or ""
        if self._action() == "list" and self.method == "GET":
            order = f"Results come {list_order(self.view)}, whatever the filters."
            description = f"{description}\n\n{order}" if description else order
        return description

    def _needs_if_match(self) -> bool:
        return (self._action(), self.method) in getattr(self.view, "if_match_operations", ())

    def _sends_etag(self) -> bool:
        return (self._action(), self.method) in getattr(self.view, "etag_operations", ())

    def get_override_parameters(self):
        parameters = list(super().get_override_parameters())
        if self._needs_if_match():
            parameters.append(
                OpenApiParameter(
                    "If-Match",
                    str,
                    OpenApiParameter.HEADER,
                    required=True,
                    description="The ETag of the item as you read it; a stale one answers 412.",
                )
            )
        if self._sends_etag():
            parameters.append(
                OpenApiParameter(
                    "ETag",
                    str,
                    OpenApiParameter.HEADER,
                    response=["200", "201"],
                    required=True,
                    description="The version of the item; send it back in If-Match to write.",
                )
            )
        parameters.append(
            OpenApiParameter(
                "Retry-After",
                int,
                OpenApiParameter.HEADER,
                response=["429"],
                required=True,
                description="Seconds to wait before the next request.",
            )
        )
        return parameters

    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        errors = dict(_ERRORS)
        if self.method in ("POST", "PUT", "PATCH"):
            errors.update(_WRITE_ERRORS)
        if self._needs_if_match():
            errors.update(_IF_MATCH_ERRORS)
        for code, description in errors.items():
            if code in responses:
                continue
            answer = self._get_response_for_code(
                ProblemSerializer, code, media_types=[PROBLEM_CONTENT_TYPE], direction=direction
            )
            answer["description"] = description
            responses[code] = answer
        return responses
