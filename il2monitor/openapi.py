"""The error shapes of the contract (api-contract.md, "General rules") on every operation of
the OpenAPI schema, so a client and a fuzzer know every status an endpoint may answer.

- 400 ``{"field": ["message", ...]}`` (a nested record nests the same shape; a body that is
  not JSON: ``{"detail": "..."}``) when the operation takes a body or query parameters;
- 401 / 403 / 429 ``{"detail": "..."}`` on every operation (all need an authenticated user,
  a role or token scope may refuse, a token may be throttled);
- 404 ``{"detail": "..."}`` for an id the caller may not see, and for a page past the end;
- 409 ``{"detail": "...", "field": [...]}`` where a view declares a state conflict;
- 415 when a body is sent as anything but JSON.

A view may set ``error_schema_class`` to another ``ErrorShapes`` (the FHIR views answer
``OperationOutcome`` resources).
"""

from typing import Any, ClassVar

from drf_spectacular.extensions import OpenApiSerializerExtension
from drf_spectacular.openapi import AutoSchema as SpectacularAutoSchema
from drf_spectacular.utils import OpenApiResponse
from rest_framework import serializers

MESSAGES = {"type": "array", "items": {"type": "string"}}


class ErrorDetailSerializer(serializers.Serializer[Any]):
    detail = serializers.CharField(help_text="What went wrong, in words.")


class ValidationErrorSerializer(serializers.Serializer[Any]):
    """Marker: the schema comes from ``ValidationErrorSchema``."""


class ConflictErrorSerializer(serializers.Serializer[Any]):
    """Marker: the schema comes from ``ConflictErrorSchema``."""


class ValidationErrorSchema(OpenApiSerializerExtension):
    target_class = ValidationErrorSerializer

    def map_serializer(self, auto_schema: Any, direction: Any) -> dict[str, Any]:
        return {
            "type": "object",
            "description": (
                "Every failing field at once: its name → its messages; `non_field_errors` for "
                "rules between fields. A nested object or list of objects nests the same shape. "
                "A body that is not JSON at all: `detail` alone."
            ),
            "properties": {"detail": {"type": "string"}},
            "additionalProperties": {"anyOf": [MESSAGES, {"type": "object"}, {"type": "array"}]},
        }


class ConflictErrorSchema(OpenApiSerializerExtension):
    target_class = ConflictErrorSerializer

    def map_serializer(self, auto_schema: Any, direction: Any) -> dict[str, Any]:
        return {
            "type": "object",
            "description": "The record's state forbids this; fields concerned may be named too.",
            "properties": {"detail": {"type": "string"}},
            "required": ["detail"],
            "additionalProperties": MESSAGES,
        }


class ErrorShapes:
    """The serializer of each error status's body."""

    detail: ClassVar[type[serializers.Serializer[Any]]] = ErrorDetailSerializer
    validation: ClassVar[type[serializers.Serializer[Any]]] = ValidationErrorSerializer
    conflict: ClassVar[type[serializers.Serializer[Any]]] = ConflictErrorSerializer


DESCRIPTIONS = {
    "400": "Bad input: every failing field, nothing written.",
    "401": "No or invalid credentials (or a revoked token): no data.",
    "403": "Signed in, but the role, or the token's read-only scope, does not allow this.",
    "404": "No such record, or one the caller may not see (or a page past the end).",
    "409": "The record's current state does not allow this.",
    "415": "The body must be JSON.",
    "429": "Too many requests with this token; retry after the Retry-After seconds.",
}


class AutoSchema(SpectacularAutoSchema):
    def _error_shapes(self) -> type[ErrorShapes]:
        return getattr(self.view, "error_schema_class", ErrorShapes)

    def _takes_body(self) -> bool:
        return self.method in ("POST", "PUT", "PATCH") and self.get_request_serializer() is not None

    def _has_query_parameters(self) -> bool:
        return any(p.get("in") == "query" for p in self._get_parameters())

    def _error_codes(
        self, declared: dict[str, Any]
    ) -> dict[str, type[serializers.Serializer[Any]]]:
        shapes = self._error_shapes()
        codes: dict[str, type[serializers.Serializer[Any]]] = {
            "401": shapes.detail,
            "403": shapes.detail,
            "429": shapes.detail,
        }
        if "{" in self.path or self._is_list_view():
            codes["404"] = shapes.detail
        if self._takes_body() or self._has_query_parameters():
            codes["400"] = shapes.validation
        if self._takes_body():
            codes["415"] = shapes.detail
        if "409" in declared:
            codes["409"] = shapes.conflict
        return codes

    def _get_response_bodies(self, direction: Any = "response") -> Any:
        responses = super()._get_response_bodies(direction)
        for code, serializer in self._error_codes(responses).items():
            if "content" in responses.get(code, {}):
                continue  # the view described this one itself
            # drf-spectacular's own method, not annotated.
            responses[code] = self._get_response_for_code(  # type: ignore[no-untyped-call]
                OpenApiResponse(serializer, DESCRIPTIONS[code]), code, direction=direction
            )
        return dict(sorted(responses.items()))
