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
            # Every array has its items (a generator drops a model whose array has none).
            "additionalProperties": {
                "anyOf": [
                    MESSAGES,
                    {"type": "object"},
                    {"type": "array", "items": {"type": "object"}},
                ]
            },
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


# --- Post-processing: the schema as generators and linters read it (issue 15 item 5) ---------
NULL_ENUM = "NullEnum"  # drf-spectacular's own name for ``{"enum": [null]}``
NULL_REF = {"$ref": f"#/components/schemas/{NULL_ENUM}"}


def _null_as_a_choice(node: Any) -> None:
    """Every ``nullable`` without a ``type`` beside it (Redocly's nullable-type-sibling; 3.0.3
    gives it no effect) becomes what a generator and a linter both read: a composed schema
    (drf-spectacular's ``allOf`` of one ``$ref``, or ``oneOf``) gets null as one more choice,
    ``NullEnum``, as drf-spectacular writes nullable choice fields; an any-value schema (a
    JSON field) loses it, since an untyped schema takes null already."""
    if isinstance(node, dict):
        if node.get("nullable") is True and "type" not in node:
            del node["nullable"]
            composed = node.pop("allOf", None) or node.pop("oneOf", None)
            if composed:
                node["oneOf"] = [*composed, *([] if NULL_REF in composed else [NULL_REF])]
        for value in node.values():
            _null_as_a_choice(value)
    elif isinstance(node, list):
        for value in node:
            _null_as_a_choice(value)


def _summary(operation: dict[str, Any]) -> str:
    """The operation id in words (unique; a view's docstring is shared by its methods)."""
    return str(operation.get("operationId", "")).replace("_", " ").capitalize()


def generator_friendly(
    result: dict[str, Any], generator: object, request: object, public: bool
) -> dict[str, Any]:
    """drf-spectacular post-processing hook (SPECTACULAR_SETTINGS["POSTPROCESSING_HOOKS"]):
    no ``nullable`` without a ``type`` (``_null_as_a_choice``), and every operation a
    ``summary``."""
    _null_as_a_choice(result)
    result.setdefault("components", {}).setdefault("schemas", {}).setdefault(
        NULL_ENUM, {"enum": [None]}
    )
    for item in result.get("paths", {}).values():
        for operation in item.values():
            if isinstance(operation, dict) and "operationId" in operation:
                operation.setdefault("summary", _summary(operation))
    return result
