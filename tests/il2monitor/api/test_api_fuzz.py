"""Fuzzing: schemathesis generates requests for every operation of the OpenAPI schema — valid
ones and invalid ones (wrong types, out-of-range values, missing fields, odd strings) — as an
admin, as a read-only token and anonymously, against ids that exist and ids that do not. No
response may be a server error, and every response must be one the schema documents, with its
content type and body schema.

Bounded: ``FUZZ_EXAMPLES`` examples per operation and mode (default 12), derandomized so a run
is repeatable; raise it locally to search harder (docs/api.md)."""

import os
import re
from typing import Any

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)

from il2monitor.tokens.services import api_token_create
from tests.support.api_world import KINDS, DjangoApp, World, build_world

pytestmark = pytest.mark.django_db

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "12"))
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]
APP = DjangoApp()
# The object a path's id names, by the path's first segment.
SEGMENT_IDS = {
    "patients": "patient",
    "admissions": "admission",
    "courses": "course",
    "doses": "dose",
    "alerts": "alert",
    "Patient": "patient",
    **{kind: kind for kind in KINDS},
}


class _Rollback(Exception):
    pass


def real_ids(path: str, parameters: dict[str, Any], world: World) -> dict[str, Any]:
    segment = re.sub(r"^/(api/v1|fhir/r4)/", "", path).split("/", 1)[0]
    found = dict(parameters)
    for name in parameters:
        key = "patient" if name == "patient_id" else SEGMENT_IDS.get(segment)
        if key:
            found[name] = world.ids[key]
    return found


def fuzz(operation: Any, mode: GenerationMode, world: World, callers: dict[str, Any]) -> None:
    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(
        case=operation.as_strategy(generation_mode=mode),
        existing=st.booleans(),
        caller=st.sampled_from(sorted(callers)),
    )
    def run(case: Any, existing: bool, caller: str) -> None:
        if existing and case.path_parameters:
            case.path_parameters = real_ids(operation.path, case.path_parameters, world)
        result: dict[str, Any] = {}
        try:
            with transaction.atomic():  # every example starts from the same ward
                result["response"] = case.call(app=APP, headers=callers[caller])
                raise _Rollback
        except _Rollback:
            pass
        case.validate_response(result["response"], checks=CHECKS)

    run()


def test_fuzzing_finds_no_server_error_and_no_undocumented_response(openapi, settings):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"api_token": "1000000/min"},
    }
    world = build_world()
    callers = {"anonymous": {}}
    for name, user, scope in (
        ("admin", world.users["admin"], "read_write"),
        ("read_only", world.users["nurse"], "read"),
    ):
        key = api_token_create(user=user, name=f"fuzz {name}", scope=scope, by=None).key
        callers[name] = {"Authorization": f"Token {key}"}
    failures = []
    operations = [result.ok() for result in openapi.get_all_operations()]
    assert len(operations) >= 45
    for operation in operations:
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            try:
                fuzz(operation, mode, world, callers)
            except Unsatisfiable:
                continue  # nothing to make invalid (no parameters, or any string is valid)
            except Exception as error:  # collect them all, then fail once with the list
                failures.append(f"{operation.label} ({mode.value}):\n{error}")
            except BaseExceptionGroup as group:
                failures.append(f"{operation.label} ({mode.value}):\n{group}")
    assert not failures, "\n\n".join(failures)


# Strings a generator rarely happens on, sent to every query parameter and string path
# parameter: a NUL (PostgreSQL refuses it in a comparison), percent and quote characters, a
# long value, non-ASCII text, an empty value.
HOSTILE = ["\x00", "a\x00b", "%", "'; --", "x" * 5000, "Zoë 😀", "", " "]


def test_hostile_strings_in_every_parameter_are_not_server_errors(openapi, settings):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"api_token": "1000000/min"},
    }
    world = build_world()
    key = api_token_create(user=world.users["admin"], name="hostile", scope="read", by=None).key
    headers = {"Authorization": f"Token {key}"}
    sent = 0
    for operation in (result.ok() for result in openapi.get_all_operations()):
        if operation.method.upper() != "GET":
            continue
        path = real_ids(
            operation.path,
            {p.name: "" for p in operation.iter_parameters() if p.location == "path"},
            world,
        )
        names = [p.name for p in operation.iter_parameters() if p.location == "query"]
        targets = [("query", name) for name in names]
        targets += [
            ("path", name) for name in path if name == "patient_id" and "fhir" in operation.path
        ]
        for location, name in targets:
            for value in HOSTILE:
                query = {"patient": world.ids["patient"]} if "patient" in names else {}
                parameters = dict(path)
                if location == "query":
                    query[name] = value
                else:
                    parameters[name] = value or "-"
                case = operation.Case(path_parameters=parameters, query=query)
                response = case.call(app=APP, headers=headers)
                case.validate_response(response, checks=CHECKS)
                sent += 1
    assert sent >= 100
