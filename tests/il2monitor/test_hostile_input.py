"""Hostile input, API and pages: a body or parameter no client should send is a 400 (a state
conflict a 409), never a 500, and writes nothing. Every test counts the rows of every
clinical table (with their history tables) before and after.

What is sent: ``null``, ``[null]``, an array or a string or a number where an object is
expected, 10,000 levels of nesting, a NUL character in every string field (and in a key, and
raw in the body), nested objects where a list is expected and the reverse, a date without a
time, a time without its offset, seven vasopressors, an overlapping urine output; on the
pages, a NUL in every form field and in every query parameter.
"""

import html
import json
import uuid
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from tests.support.api_world import Endpoint, World, body_for, build_world, endpoints, url_for
from tests.support.observation_factories import FluidEntryFactory
from tests.support.rows import snapshot

pytestmark = pytest.mark.django_db

DEEP = 10_000
RAW_BODIES: dict[str, str] = {
    "null": "null",
    "[null]": "[null]",
    "array": '[{"note": "x"}]',
    "empty array": "[]",
    "string": '"a string"',
    "number": "42",
    "true": "true",
    "deep arrays": "[" * DEEP + "]" * DEEP,
    "deep objects": '{"a":' * DEEP + "1" + "}" * DEEP,
    "NUL in a key": '{"note\\u0000": "x", "reason\\u0000": "x"}',
    "raw NUL byte": '{"note": "a\x00b"}',
    "not JSON": "{'note': 'x'}",
}


def write_endpoints() -> list[Endpoint]:
    return [
        endpoint
        for endpoint in endpoints()
        if endpoint.method in ("POST", "PATCH")
        # HL7 v2 takes no JSON: its hostile bodies are AR ACKs (tests/patients/hl7)
        and endpoint.name not in ("api:not-found", "api:hl7-v2")
    ]


def with_char(body: Any, char: str) -> list[tuple[str, Any]]:
    """The body once per string field (nested ones too), that field holding ``char``."""
    variants = []
    for key, value in body.items():
        if isinstance(value, str):
            variants.append((key, {**body, key: value[:3] + char + value[3:]}))
        elif isinstance(value, dict):
            variants += [
                (f"{key}.{inner}", {**body, key: changed})
                for inner, changed in with_char(value, char)
            ]
        elif isinstance(value, list) and value and isinstance(value[0], str):
            variants.append((key, {**body, key: [value[0] + char]}))
    return variants


@pytest.fixture
def world() -> World:
    return build_world()


@pytest.fixture
def physician_api(world: World) -> APIClient:
    client = APIClient()
    client.force_authenticate(world.users["physician"])
    return client


def send(client: APIClient, endpoint: Endpoint, url: str, raw: str) -> Any:
    call = client.patch if endpoint.method == "PATCH" else client.post
    return call(url, data=raw.encode(), content_type="application/json")


@pytest.mark.parametrize("endpoint", write_endpoints(), ids=str)
def test_every_write_endpoint_refuses_hostile_bodies_with_a_400_and_writes_nothing(
    world, physician_api, endpoint
):
    url = url_for(endpoint, world)
    cases: list[tuple[str, str]] = list(RAW_BODIES.items())
    valid = body_for(endpoint, world) or {}
    cases += [(f"NUL in {field}", json.dumps(body)) for field, body in with_char(valid, "\x00")]
    # A lone surrogate: valid JSON, but no UTF-8 text PostgreSQL could store.
    cases += [
        (f"surrogate in {field}", json.dumps(body)) for field, body in with_char(valid, "\ud800")
    ]
    before = snapshot()
    failures = []
    for name, raw in cases:
        response = send(physician_api, endpoint, url, raw)
        if response.status_code != 400 or response["Content-Type"] != "application/json":
            failures.append(f"{name}: {response.status_code} {response.content[:200]!r}")
    assert not failures, f"{endpoint}:\n" + "\n".join(failures)
    assert snapshot() == before


# --- Bedside records: the semantic cases ---------------------------------------------------
def at(minutes: float) -> str:
    return (timezone.now() + timedelta(minutes=minutes)).isoformat()


BASE: dict[str, Callable[[], dict[str, Any]]] = {
    "vitals": lambda: {"taken_at": at(-5), "heart_rate": 90},
    "fluids": lambda: {
        "direction": "output",
        "route": "urine",
        "volume_ml": 10,
        "period_start": at(-60),
        "period_end": at(-1),
    },
    "labs": lambda: {"test": "creatinine", "value": "1.1", "unit": "mg/dL", "collected_at": at(-5)},
    "medications": lambda: {"drug": "Paracetamol", "category": "other", "administered_at": at(-5)},
    "events": lambda: {"code": "svt", "observed_at": at(-5)},
}
SEVEN = [
    {"agent": agent, "dose": "0.05", "dose_unit": "mcg_kg_min"}
    for agent in ("norepinephrine", "epinephrine", "phenylephrine", "dopamine", "vasopressin")
] + [{"agent": "other", "dose": "1", "dose_unit": "mcg_min"}] * 2
INFINITE = "<1e400: a JSON number Python reads as infinity>"
NUL_AGENT = [{"agent": "dopamine\x00", "dose": "5", "dose_unit": "mcg_kg_min"}]
# (case, kind, changes to the valid body (a callable: computed when the test runs), status,
# the field or key the answer names)
SEMANTIC: list[tuple[str, str, Callable[[], dict[str, Any]], int, str]] = [
    ("[null] vasopressors", "vitals", lambda: {"vasopressors": [None]}, 400, "vasopressors"),
    ("string vasopressors", "vitals", lambda: {"vasopressors": "none"}, 400, "vasopressors"),
    ("object vasopressors", "vitals", lambda: {"vasopressors": {"agent": "x"}}, 400, "vasopressors"),  # noqa: E501
    ("list as a vasopressor", "vitals", lambda: {"vasopressors": [["x", 5]]}, 400, "vasopressors"),
    ("NUL in an agent", "vitals", lambda: {"vasopressors": NUL_AGENT}, 400, "detail"),
    ("seven vasopressors", "vitals", lambda: {"vasopressors": SEVEN}, 400, "vasopressors"),
    ("a date alone", "vitals", lambda: {"taken_at": timezone.localdate().isoformat()}, 400, "taken_at"),  # noqa: E501
    ("a naive time", "vitals", lambda: {"taken_at": at(-5)[:16]}, 400, "taken_at"),
    ("an object as a number", "vitals", lambda: {"heart_rate": {"value": 90}}, 400, "heart_rate"),
    ("a huge number", "vitals", lambda: {"heart_rate": 10**400}, 400, "heart_rate"),
    ("1e400 (infinite)", "vitals", lambda: {"temperature_c": INFINITE}, 400, "temperature_c"),
    ("NaN", "vitals", lambda: {"temperature_c": "NaN"}, 400, "temperature_c"),
    ("Infinity", "vitals", lambda: {"temperature_c": "Infinity"}, 400, "temperature_c"),
    ("an object as client_id", "vitals", lambda: {"client_id": {"id": 1}}, 400, "client_id"),
    ("year 1", "vitals", lambda: {"taken_at": "0001-01-01T00:00:00+14:00"}, 400, "taken_at"),
    ("year 9999", "vitals", lambda: {"taken_at": "9999-12-31T23:59:59-12:00"}, 400, "taken_at"),
    ("one-second period", "fluids", lambda: {"period_start": at(-1 - 1 / 60)}, 400, "period_end"),
    ("future period", "fluids", lambda: {"period_start": at(30), "period_end": at(90)}, 400, "period_end"),  # noqa: E501
    ("overlapping output", "fluids", lambda: {"period_start": at(-300), "period_end": at(-200)}, 409, "overlapping"),  # noqa: E501
    ("a list as a lab value", "labs", lambda: {"value": [1.1]}, 400, "value"),
    ("an object as a unit", "labs", lambda: {"unit": {"u": 1}}, 400, "unit"),
    ("a list as a drug", "medications", lambda: {"drug": ["Paracetamol"]}, 400, "drug"),
    ("a null code", "events", lambda: {"code": None}, 400, "code"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("name", "kind", "make", "status", "named"), SEMANTIC, ids=[case[0] for case in SEMANTIC]
)
def test_bedside_record_hostile_values(api_as, nurse, admission, name, kind, make, status, named):
    FluidEntryFactory(  # a urine output from 4 h 10 min ago to 10 min ago
        admission=admission,
        period_end=timezone.now() - timedelta(minutes=10),
        period_start=timezone.now() - timedelta(hours=4, minutes=10),
    )
    before = snapshot()
    raw = json.dumps({**BASE[kind](), **make()}).replace(f'"{INFINITE}"', "1e400")
    response = api_as(nurse).post(
        f"/api/v1/patients/{admission.patient.pk}/{kind}/",
        data=raw.encode(),
        content_type="application/json",
    )
    assert response.status_code == status, response.content
    assert named in response.json(), response.json()
    assert snapshot() == before


# --- Pages ------------------------------------------------------------------------------------
def local(minutes: float) -> str:
    return (timezone.localtime() + timedelta(minutes=minutes)).strftime("%Y-%m-%dT%H:%M")


def page_forms(world: World) -> list[tuple[str, dict[str, Any], tuple[int, ...]]]:
    """(URL, valid form data, the statuses a refusal answers with) of each page form."""
    patient, troubled = world.ids["patient"], world.ids["troubled"]
    bedside = {"client_id": str(uuid.uuid4())}
    return [
        (
            reverse("patients:bedside-vitals", args=[patient]),
            {**bedside, "taken_at": local(-5), "heart_rate": "90", "vasopressors_running": "none"},
            (400,),
        ),
        (
            reverse("patients:bedside-fluids", args=[patient]),
            {**bedside, "direction": "output", "route": "urine", "volume_ml": "100",
             "period_start": local(-60), "period_end": local(-2)},
            (400,),
        ),
        (
            reverse("patients:bedside-weight", args=[patient]),
            {**bedside, "taken_at": local(-5), "weight_kg": "72.0"},
            (400,),
        ),
        (
            reverse("patients:create"),
            {"mrn": "HOSTILE-1", "given_name": "Ada", "family_name": "Okafor",
             "birth_date": "1961-03-14", "sex": "female", "diagnosis": "metastatic_rcc",
             "baseline_weight_kg": "68.4", "spo2_scale": "1"},
            (400,),
        ),
        (
            reverse("patients:admit", args=[world.ids["unadmitted"]]),
            {"ward": "HDU", "bed": "H7", "admitted_at": local(-30)},
            (400,),
        ),
        (
            reverse("therapy:alert-acknowledge", args=[world.ids["alert"]]),
            {"note": "Dr Okafor informed"},
            (400,),
        ),
        (
            reverse("therapy:dose-hold", args=[world.ids["dose"]]),
            {"reasons": "clinical_judgement", "note": "rigors"},
            (400,),
        ),
        (
            reverse("therapy:course-order", args=[world.ids["no_course"]]),
            {"dose_iu_per_kg": "600000", "dosing_weight_kg": "70.0", "interval_hours": "8",
             "max_doses_per_cycle": "14", "cycle_1_start": local(60)},
            (400,),
        ),
        (
            reverse("patients:edit", args=[patient]),
            {"mrn": "HOSTILE-2", "given_name": "Ada", "family_name": "Okafor",
             "birth_date": "1961-03-14", "sex": "female", "diagnosis": "metastatic_rcc",
             "baseline_weight_kg": "68.4", "spo2_scale": "1"},
            (400,),
        ),
        (
            reverse("patients:bedside-vitals-error", args=[troubled, world.ids["vitals"]]),
            {"reason": "wrong patient"},
            (400,),
        ),
        (
            reverse("therapy:dose-give", args=[world.ids["dose"]]),
            {"given_at": local(-1), "verifier_username": "nurse.two",
             "verifier_password": "correct-horse-battery", "override_reason": ""},
            (400,),
        ),
        (
            reverse("therapy:course-discontinue", args=[world.ids["course"]]),
            {"reason": "grade 4 toxicity"},
            (400,),
        ),
        (
            reverse("patients:discharge", args=[troubled]),
            {"discharged_at": local(-1)},
            (400,),
        ),
        (
            reverse("patients:move", args=[troubled]),
            {"ward": "HDU", "bed": "H5"},
            (400,),
        ),
    ]  # fmt: skip


def test_a_nul_in_any_page_form_field_is_refused_and_writes_nothing(client, world):
    client.force_login(world.users["physician"])
    failures = []
    for url, valid, refused in page_forms(world):
        for field in valid:
            before = snapshot()
            data = {**valid, field: f"{valid[field]}\x00"}
            response = client.post(url, data)
            named = f"The form field '{field}' contains a NUL character"
            said = named in html.unescape(response.content.decode())
            if response.status_code not in refused or not said or snapshot() != before:
                failures.append(f"{url} {field}: {response.status_code}")
    assert not failures, "\n".join(failures)


PAGES_WITH_QUERIES = [
    ("patients:list", [], ["q", "ward"]),
    ("patients:bedside", [], ["ward"]),
    ("therapy:board", [], ["ward", "sort", "refresh"]),
    ("therapy:board-rows", [], ["ward", "sort"]),
    ("therapy:alert-inbox", [], ["ward", "patient"]),
    ("therapy:handover", [], ["ward"]),
    ("therapy:chart", ["patient"], ["window"]),
    ("patients:bedside-patient", ["patient"], ["x"]),
    ("admin:patients_patient_changelist", [], ["q"]),
    ("admin:patients_vitalsigns_changelist", [], ["q"]),
]


@pytest.mark.parametrize(("name", "args", "parameters"), PAGES_WITH_QUERIES, ids=lambda v: str(v))
def test_a_nul_in_any_page_query_parameter_is_a_400(client, world, name, args, parameters):
    client.force_login(world.users["admin"])
    url = reverse(name, args=[world.ids[arg] for arg in args])
    for parameter in parameters:
        for value in ("%00", "a%00b"):
            response = client.get(f"{url}?{parameter}={value}")
            assert response.status_code == 400, (parameter, value, response.status_code)
            assert f"'{parameter}'" in html.unescape(response.content.decode())
    assert client.get(f"{url}?x%00y=1").status_code == 400  # in a parameter's name too
