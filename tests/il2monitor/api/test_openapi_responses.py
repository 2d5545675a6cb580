"""Responses match the OpenAPI schema: every operation of the schema is called through the
WSGI app — successfully, anonymously, with a read-only token, with an unknown id, with a bad
body or bad query parameters — and each response is checked by schemathesis against the
operation's documented statuses, content types and body schemas. An operation nobody calls
here fails the test (the schema itself is checked warning-free in test_openapi.py)."""

import uuid
from typing import Any

import pytest
from django.db import transaction
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from il2monitor.tokens.services import api_token_create
from tests.support.api_world import (
    DjangoApp,
    Endpoint,
    World,
    body_for,
    build_world,
    endpoints,
    path_values,
)
from tests.support.api_world import url_for as world_url

pytestmark = pytest.mark.django_db

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    response_headers_conformance,
]
NOT_IN_SCHEMA = {"api:schema", "api:docs", "api:redoc", "api:not-found", "fhir:unknown"}
APP = DjangoApp()


class _Rollback(Exception):
    pass


def call(operation: Any, *, expect: set[int] | None = None, **request: Any) -> Any:
    """One request, its changes rolled back, its response checked against the schema."""
    headers = request.pop("headers", {})
    case = operation.Case(**request)
    result: dict[str, Any] = {}
    try:
        with transaction.atomic():
            result["response"] = case.call(app=APP, headers=headers)
            raise _Rollback
    except _Rollback:
        pass
    response = result["response"]
    case.validate_response(response, checks=CHECKS)
    if expect is not None:
        assert response.status_code in expect, (
            operation.label,
            response.status_code,
            response.text[:300],
        )
    return response


def schema_parameters(endpoint: Endpoint, world: World) -> dict[str, str]:
    """Path parameters under the schema's names (the router's ``pk`` is ``id`` there)."""
    return {
        ("id" if name == "pk" else name): value
        for name, value in path_values(endpoint, world).items()
    }


def token(user: Any, scope: str) -> dict[str, str]:
    key = api_token_create(user=user, name=f"openapi {scope}", scope=scope, by=None).key
    return {"Authorization": f"Token {key}"}


def test_every_operation_answers_as_its_schema_says(openapi):
    world = build_world()
    admin = token(world.users["admin"], "read_write")
    read_only = token(world.users["nurse"], "read")
    called = set()
    for endpoint in endpoints():
        if endpoint.name in NOT_IN_SCHEMA or endpoint.method == "PUT":
            continue  # PUT is routed but refused (405): records change by PATCH
        url = world_url(endpoint, world)
        path, _, query_string = url.partition("?")
        operation = openapi.find_operation_by_path(endpoint.method, path)
        assert operation is not None, f"{endpoint} ({path}) is not in the schema"
        called.add(operation.label)
        if endpoint.name == "api:hl7-v2":
            hl7_calls(operation, world, admin=admin, read_only=read_only)
            continue
        parameters = schema_parameters(endpoint, world)
        query = dict(pair.split("=") for pair in query_string.split("&")) if query_string else {}
        body = body_for(endpoint, world)
        request: dict[str, Any] = {"path_parameters": parameters, "query": query}
        if body is not None:
            request.update(body=body, media_type="application/json")
        expected_success = {200, 201}

        call(operation, headers=admin, expect=expected_success, **request)
        call(operation, expect={401}, **request)
        if endpoint.method != "GET":
            call(operation, headers=read_only, expect={403}, **request)
            bad = {name: [] for name in body} if body else {"unexpected": []}
            call(operation, headers=admin, **{**request, "body": bad})
        if parameters:
            unknown = {name: str(uuid.uuid4()) for name in parameters}
            call(
                operation,
                headers=admin,
                expect={404, 405},
                **{**request, "path_parameters": unknown},
            )
        params = [p for p in operation.iter_parameters() if p.location == "query"]
        if params:
            garbage = {**query, **{p.name: "not-valid" for p in params if p.name != "patient"}}
            call(operation, headers=admin, **{**request, "query": garbage})
    every = {result.ok().label for result in openapi.get_all_operations()}
    assert every - called == set(), "operations of the schema no test called"


def hl7_calls(operation: Any, world: World, *, admin: Any, read_only: Any) -> None:
    """HL7 v2 in takes HL7, not JSON (docs/hl7.md): an ORU^R01 with a device-feed token is a
    200 ACK, a body that is no message too (an AR); anonymous 401, other tokens 403, JSON 415."""
    from django.utils import timezone

    from tests.support.hl7_messages import philips_like

    device = token(world.users["nurse"], "device_feed")
    mrn = next(iter(world.people)).mrn
    oru = philips_like(mrn, "OPENAPI-1", at=timezone.now().replace(microsecond=0))
    hl7_type = "application/hl7-v2"
    hl7 = {"body": oru, "media_type": hl7_type}
    call(operation, headers=device, expect={200}, **hl7)
    call(operation, headers=device, expect={200}, body="not a message", media_type=hl7_type)
    call(operation, headers=device, expect={415}, body={}, media_type="application/json")
    call(operation, expect={401}, **hl7)
    call(operation, headers=read_only, expect={403}, **hl7)
    call(operation, headers=admin, expect={403}, **hl7)


def test_conflicts_and_throttling_answer_as_documented(openapi, settings):
    world = build_world()
    admin = token(world.users["admin"], "read_write")
    administer = openapi.find_operation_by_path(
        "POST", f"/api/v1/doses/{world.ids['dose']}/administer/"
    )
    body = body_for(Endpoint("POST", "api:dose-administer", ("pk",)), world)
    request = {
        "path_parameters": {"id": world.ids["dose"]},
        "body": body,
        "media_type": "application/json",
    }
    case = administer.Case(**request)
    first = case.call(app=APP, headers=admin)
    assert first.status_code == 200, first.text
    again = administer.Case(**request)
    conflict = again.call(app=APP, headers=admin)
    assert conflict.status_code == 409
    again.validate_response(conflict, checks=CHECKS)

    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"api_token": "1/min"},
    }
    patients = openapi.find_operation_by_path("GET", "/api/v1/patients/")
    limited = token(world.users["pharmacist"], "read")
    assert patients.Case().call(app=APP, headers=limited).status_code == 200
    throttled_case = patients.Case()
    throttled = throttled_case.call(app=APP, headers=limited)
    assert throttled.status_code == 429
    throttled_case.validate_response(throttled, checks=CHECKS)


def test_every_operation_documents_its_error_answers(openapi):
    raw = openapi.raw_schema
    components = raw["components"]["schemas"]
    assert {"ErrorDetail", "ValidationError", "ConflictError", "FhirOperationOutcome"} <= set(
        components
    )
    assert components["TherapyStatusEnum"]["enum"] == [
        "active",
        "completed",
        "discontinued",
        "none",
    ]
    assert components["VlsSeverityEnum"]["enum"] == ["none", "warning", "critical"]
    assert components["SeverityEnum"]["enum"] == ["routine", "urgent", "emergency"]  # unchanged
    for path, item in raw["paths"].items():
        for method, operation in item.items():
            if method == "parameters":
                continue
            responses = operation["responses"]
            label = f"{method.upper()} {path}"
            assert {"401", "403", "429"} <= set(responses), label
            if "{" in path:
                assert "404" in responses, label
            if "requestBody" in operation:
                assert {"400", "415"} <= set(responses), label
            error_types = {
                media
                for code, answer in responses.items()
                if code >= "400"
                for media in answer.get("content", {})
            }
            if path.startswith("/fhir/"):
                assert error_types <= {"application/fhir+json", "application/json"}, label
                assert "application/fhir+json" in error_types, label
            else:
                assert error_types == {"application/json"}, label
    assert "/fhir/r4/Patient/{patient_id}/$summary" in raw["paths"]
    assert "/api/v1/patients/{patient_id}/summary/" in raw["paths"]
    assert "/api/v1/summaries/" in raw["paths"]
