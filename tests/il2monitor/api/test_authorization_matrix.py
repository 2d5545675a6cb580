"""Who may do what: every endpoint of the URL configuration (under /api/v1/ and /fhir/r4/) ×
every kind of caller → the expected status, with a valid request, so an allowed caller gets
its success status and a refused one 401 or 403. An endpoint missing from ``EXPECTED`` fails
the test. Anonymous callers never see patient data; an id the caller may not see is a 404.

Tokens belong to a nurse: the read-only one shows that the scope, not the role, refuses a
write; the read-write one acts exactly as the nurse; the device-feed one may post HL7 v2 and
nothing else (docs/hl7.md; what it posts is tested in tests/patients/hl7). There are no
ward-scoped users (every role sees every patient), so "may not see" means "does not exist"
here.
"""

import json
import uuid
from typing import Any

import pytest
from django.db import transaction
from rest_framework.test import APIClient

from il2monitor.tokens.services import api_token_create
from tests.support.api_world import KINDS, Endpoint, World, build_world, endpoints, url_for

pytestmark = pytest.mark.django_db

ROLES = (
    "anonymous",
    "nurse",
    "physician",
    "pharmacist",
    "read_token",
    "read_write_token",
    "device_feed_token",
    "admin",
)
SIGNED_IN = frozenset(ROLES) - {"anonymous", "device_feed_token"}
DEVICE_FEED = frozenset({"device_feed_token"})
CLINICIANS = frozenset({"nurse", "physician", "read_write_token", "admin"})
PHYSICIANS = frozenset({"physician", "admin"})


def allowed(status: int, who: frozenset[str] = SIGNED_IN) -> dict[str, int]:
    """``status`` for ``who``, 403 for the other signed-in callers, 401 for anonymous."""
    return {role: 401 if role == "anonymous" else status if role in who else 403 for role in ROLES}


READ = allowed(200)
EXPECTED: dict[tuple[str, str], dict[str, int]] = {
    # Patients and admissions
    ("GET", "api:patient-list"): READ,
    ("POST", "api:patient-list"): allowed(201, CLINICIANS),
    ("GET", "api:patient-detail"): READ,
    ("PATCH", "api:patient-detail"): allowed(200, CLINICIANS),
    ("PUT", "api:patient-detail"): allowed(405),  # records are edited field by field (PATCH)
    ("GET", "api:patient-admissions"): READ,
    ("POST", "api:patient-admissions"): allowed(201, CLINICIANS),
    ("GET", "api:admission-detail"): READ,
    ("POST", "api:admission-discharge"): allowed(200, CLINICIANS),
    ("POST", "api:admission-move"): allowed(200, CLINICIANS),
    # IL-2 therapy
    ("GET", "api:patient-courses"): READ,
    ("POST", "api:patient-courses"): allowed(201, PHYSICIANS),
    ("GET", "api:course-detail"): READ,
    ("POST", "api:course-discontinue"): allowed(200, PHYSICIANS),
    ("GET", "api:patient-doses"): READ,
    ("GET", "api:dose-detail"): READ,
    ("GET", "api:dose-precheck"): READ,
    ("POST", "api:dose-administer"): allowed(200, CLINICIANS),
    ("POST", "api:dose-hold"): allowed(200, CLINICIANS),
    ("POST", "api:dose-entered-in-error"): allowed(200, CLINICIANS),
    # Alerts
    ("GET", "api:alert-list"): READ,
    ("GET", "api:alert-detail"): READ,
    ("POST", "api:alert-acknowledge"): allowed(200, CLINICIANS),
    # Bedside records, the same five endpoints per kind
    **{("GET", f"api:patient-{kind}"): READ for kind in KINDS},
    **{("POST", f"api:patient-{kind}"): allowed(201, CLINICIANS) for kind in KINDS},
    **{("GET", f"api:{kind}-detail"): READ for kind in KINDS},
    **{("POST", f"api:{kind}-entered-in-error"): allowed(200, CLINICIANS) for kind in KINDS},
    ("POST", "api:events-end"): allowed(200, CLINICIANS),
    # Summary
    ("GET", "api:patient-summary"): READ,
    ("GET", "api:summaries"): READ,
    # The schema and its viewers: signed-in users only
    ("GET", "api:schema"): READ,
    ("GET", "api:docs"): READ,
    ("GET", "api:redoc"): READ,
    # HL7 v2 in: the device-feed token alone gets past authorization; the matrix's JSON body
    # is then the wrong media type (its HL7 bodies: tests/patients/hl7)
    ("POST", "api:hl7-v2"): allowed(415, DEVICE_FEED),
    # Anything else under /api/v1/: 404 after authentication (a device feed included: nothing
    # is there to see)
    **{
        (method, "api:not-found"): allowed(404, SIGNED_IN | DEVICE_FEED)
        for method in ("GET", "POST", "PUT", "PATCH", "DELETE")
    },
    # FHIR R4, read-only
    ("GET", "fhir:metadata"): READ,
    ("GET", "fhir:patient"): READ,
    ("GET", "fhir:patient-summary"): READ,
    ("GET", "fhir:observation-search"): READ,
    ("GET", "fhir:medication-administration-search"): READ,
    ("GET", "fhir:flag-search"): READ,
    ("GET", "fhir:condition-search"): READ,
    ("GET", "fhir:patient-search"): READ,
    ("GET", "fhir:observation"): READ,
    ("GET", "fhir:medication-administration"): READ,
    ("GET", "fhir:flag"): READ,
    ("GET", "fhir:condition"): READ,
    ("GET", "fhir:unknown"): allowed(404),
}


def test_every_endpoint_of_the_url_configuration_has_an_expectation():
    served = {(e.method, e.name) for e in endpoints()}
    assert served - set(EXPECTED) == set(), "endpoints without an entry in EXPECTED"
    assert set(EXPECTED) - served == set(), "entries in EXPECTED for no endpoint"


class _Rollback(Exception):
    pass


def callers(world: World) -> dict[str, APIClient]:
    clients = {"anonymous": APIClient()}
    for role in ("nurse", "physician", "pharmacist", "admin"):
        clients[role] = APIClient()
        clients[role].force_login(world.users[role])  # a real session, as the pages use
    for role, scope in (
        ("read_token", "read"),
        ("read_write_token", "read_write"),
        ("device_feed_token", "device_feed"),
    ):
        key = api_token_create(user=world.users["nurse"], name=role, scope=scope, by=None).key
        clients[role] = APIClient()
        clients[role].credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return clients


def send(client: APIClient, endpoint: Endpoint, url: str, body: Any) -> Any:
    """The request, then every change it made rolled back: each cell starts from the same
    ward."""
    outcome: dict[str, Any] = {}
    try:
        with transaction.atomic():
            if body is None:
                outcome["response"] = client.generic(endpoint.method, url)
            else:
                outcome["response"] = client.generic(
                    endpoint.method, url, json.dumps(body), content_type="application/json"
                )
            raise _Rollback
    except _Rollback:
        pass
    return outcome["response"]


def private_words(world: World) -> list[str]:
    words = []
    for patient in world.people:
        words += [str(patient.pk), patient.mrn, patient.family_name, patient.given_name]
    return words


def test_the_authorization_matrix():
    from tests.support.api_world import body_for

    world = build_world()
    clients = callers(world)
    private = private_words(world)
    mismatches = []
    for endpoint in endpoints():
        url = url_for(endpoint, world)
        for role, client in clients.items():
            response = send(client, endpoint, url, body_for(endpoint, world))
            expected = EXPECTED[(endpoint.method, endpoint.name)][role]
            if response.status_code != expected:
                mismatches.append(
                    f"{endpoint} as {role}: {response.status_code}, expected {expected}: "
                    f"{response.content[:200]!r}"
                )
            assert response.status_code != 500, f"{endpoint} as {role}"
            if response.status_code in (401, 403):
                content = response.content.decode()
                leaked = [word for word in private if word in content]
                assert not leaked, f"{endpoint} as {role} leaked {leaked}"
                if role == "anonymous":
                    assert response.status_code == 401
    assert not mismatches, "\n".join(mismatches)


def test_an_id_nobody_may_see_is_a_404_and_anonymous_still_gets_401():
    from tests.support.api_world import body_for, path_values

    world = build_world()
    clients = callers(world)
    checked = 0
    for endpoint in endpoints():
        values = path_values(endpoint, world)
        if not values or endpoint.name == "fhir:unknown":
            continue
        strangers = {name: str(uuid.uuid4()) for name in values}
        expected = EXPECTED[(endpoint.method, endpoint.name)]
        url = url_for(endpoint, World(users=world.users, ids=world.ids))
        for name, value in values.items():
            url = url.replace(value, strangers[name])
        body = body_for(endpoint, world)
        for role in ("admin", "nurse", "anonymous", "read_token"):
            status = send(clients[role], endpoint, url, body).status_code
            if role == "anonymous":
                assert status == 401, f"{endpoint} {url}"
            elif expected[role] in (200, 201):
                assert status == 404, f"{endpoint} as {role} with an unknown id: {status}"
            else:  # refused either way; some views look the id up before the role
                assert status in (expected[role], 404), f"{endpoint} as {role}: {status}"
        checked += 1
    assert checked >= 30
