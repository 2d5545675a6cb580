"""What the API-wide tests share (authorization matrix, response conformance, fuzzing): a small
ward with one of everything, the list of endpoints read from the URL configuration, a valid
request for each, and a WSGI entry to the app that keeps the test's database transaction."""

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from tests.support.factories import AdmissionFactory, PatientFactory, UserFactory
from tests.support.observation_factories import (
    ClinicalEventFactory,
    FluidEntryFactory,
    LabResultFactory,
    SupportiveMedicationFactory,
)
from tests.support.therapy_fixtures import CRS_GRADE_3, order_course, record_vitals
from therapy.mar import courses
from therapy.models import Alert
from therapy.monitor.evaluation import evaluation_run

PASSWORD = "correct-horse-battery"  # tests.factories.UserFactory's
PREFIXES = {"api/v1/": "api", "fhir/r4/": "fhir"}
KINDS = ("vitals", "fluids", "labs", "medications", "events")
HIDDEN_METHODS = {"options", "head", "trace"}


@dataclass(frozen=True)
class Endpoint:
    method: str
    name: str  # "namespace:url-name", the key of the expectation tables
    params: tuple[str, ...]

    def __str__(self) -> str:
        return f"{self.method} {self.name}"


def _walk(patterns: Iterable[Any], route: str, namespace: str) -> Iterator[tuple[str, str, Any]]:
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            yield from _walk(
                pattern.url_patterns,
                route + str(pattern.pattern),
                pattern.namespace or namespace,
            )
        elif isinstance(pattern, URLPattern):
            yield route + str(pattern.pattern), f"{namespace}:{pattern.name}", pattern


def endpoints() -> list[Endpoint]:
    """Every (method, named route) under /api/v1/ and /fhir/r4/, from the URL configuration."""
    found = []
    for route, name, pattern in _walk(get_resolver().url_patterns, "", ""):
        if not any(route.startswith(prefix) for prefix in PREFIXES):
            continue
        callback = pattern.callback
        actions = getattr(callback, "actions", None)
        if actions:  # (DRF adds "head" to this mapping at the first request)
            methods = [m for m in actions if m not in HIDDEN_METHODS]
        else:
            view = getattr(callback, "cls", None) or getattr(callback, "view_class", None)
            names = view.http_method_names if view else ["get"]
            methods = [m for m in names if m not in HIDDEN_METHODS and hasattr(view, m)]
        params = tuple(sorted(pattern.pattern.regex.groupindex))
        if "format" in params:
            continue  # the router's ".json" twin of a route: the same view, the same rules
        found += [Endpoint(method.upper(), name, params) for method in methods]
    return sorted(set(found), key=str)


@dataclass
class World:
    users: dict[str, Any]
    ids: dict[str, str]
    people: list[Any] = field(default_factory=list)  # every patient, to look for leaks


def build_world() -> World:
    """Patients: ``main`` (admitted, on a course, normal vitals: its first dose may be given),
    ``troubled`` (a grade 3 CRS picture, an open alert, dose 1 held, one record of each
    bedside kind), ``no_course`` (admitted), ``unadmitted``."""
    users = {
        "nurse": UserFactory(role="nurse", username="nurse.one"),
        "verifier": UserFactory(role="nurse", username="nurse.two"),
        "physician": UserFactory(role="physician", username="dr.one"),
        "pharmacist": UserFactory(role="pharmacist", username="pharm.one"),
        "admin": UserFactory(role="admin", username="ward.admin"),
    }
    nurse, physician = users["nurse"], users["physician"]
    main = AdmissionFactory(ward="7B Oncology", bed="1")
    course = order_course(main.patient, physician)
    record_vitals(main.patient, nurse, minutes_ago=20)
    troubled = AdmissionFactory(ward="7B Oncology", bed="2")
    held_course = order_course(troubled.patient, physician)
    record_vitals(troubled.patient, nurse, minutes_ago=30)
    held = courses.dose_hold(
        dose=held_course.doses.get(number=1), by=nurse, reasons=["clinical_judgement"], note="x"
    )
    vitals = record_vitals(troubled.patient, nurse, minutes_ago=5, **CRS_GRADE_3)
    records = {
        "vitals": vitals,
        "fluids": FluidEntryFactory(admission=troubled, by=nurse),
        "labs": LabResultFactory(admission=troubled, by=nurse),
        "medications": SupportiveMedicationFactory(admission=troubled, by=nurse),
        "events": ClinicalEventFactory(admission=troubled, by=nurse),
    }
    evaluation_run(patient_id=troubled.patient.pk, reason="vitals")
    evaluation_run(patient_id=main.patient.pk, reason="vitals")
    no_course = AdmissionFactory(ward="HDU", bed="H1").patient
    unadmitted = PatientFactory()
    ids = {
        "patient": str(main.patient.pk),
        "troubled": str(troubled.patient.pk),
        "no_course": str(no_course.pk),
        "unadmitted": str(unadmitted.pk),
        "admission": str(main.pk),
        "course": str(course.pk),
        "dose": str(course.doses.get(number=1).pk),
        "held_dose": str(held.pk),
        "alert": str(Alert.objects.get(patient=troubled.patient, kind="crs").pk),
        **{kind: str(record.pk) for kind, record in records.items()},
    }
    return World(
        users=users,
        ids=ids,
        people=[main.patient, troubled.patient, no_course, unadmitted],
    )


# Which object a route's ``pk`` / ``patient_id`` names, by route (default: by its prefix).
TARGETS: dict[tuple[str, str], dict[str, str]] = {
    ("POST", "api:patient-admissions"): {"patient_id": "unadmitted"},
    ("POST", "api:patient-courses"): {"patient_id": "no_course"},
    ("POST", "api:dose-entered-in-error"): {"pk": "held_dose"},
}
PK_BY_PREFIX = {
    "patient": "patient",
    "admission": "admission",
    "course": "course",
    "dose": "dose",
    "alert": "alert",
    **{kind: kind for kind in KINDS},
}


def path_values(endpoint: Endpoint, world: World) -> dict[str, str]:
    chosen = TARGETS.get((endpoint.method, endpoint.name), {})
    values = {}
    for param in endpoint.params:
        if param in chosen:
            values[param] = world.ids[chosen[param]]
        elif param == "patient_id":
            values[param] = world.ids["patient"]
        elif param == "pk":
            prefix = endpoint.name.split(":", 1)[1].split("-", 1)[0]
            values[param] = world.ids[PK_BY_PREFIX[prefix]]
        elif param == "resource_id":  # FHIR reads by id
            values[param] = {
                "fhir:observation": f"{world.ids['vitals']}-hr",
                "fhir:medication-administration": world.ids["held_dose"],
                "fhir:flag": world.ids["alert"],
                "fhir:condition": f"{world.ids['patient']}-diagnosis",
            }[endpoint.name]
        elif param == "rest":
            values[param] = "Encounter"
        else:
            raise AssertionError(f"{endpoint}: no value for the path parameter {param!r}")
    return values


def url_for(endpoint: Endpoint, world: World) -> str:
    if endpoint.name == "api:not-found":
        return "/api/v1/no-such-resource/"
    url = reverse(endpoint.name, kwargs=path_values(endpoint, world))
    searches = {
        "fhir:observation-search",
        "fhir:medication-administration-search",
        "fhir:flag-search",
        "fhir:condition-search",
    }
    if endpoint.name in searches:
        url += f"?patient={world.ids['patient']}"
    return url


def _iso(minutes: int) -> str:
    return (timezone.now() + timedelta(minutes=minutes)).isoformat()


RECORD_BODIES: dict[str, Callable[[], dict[str, Any]]] = {
    "vitals": lambda: {"taken_at": _iso(-2), "heart_rate": 88, "respiratory_rate": 16},
    "fluids": lambda: {
        "direction": "output",
        "route": "urine",
        "volume_ml": 200,
        "period_start": _iso(-120),
        "period_end": _iso(-1),
    },
    "labs": lambda: {
        "test": "creatinine",
        "value": "1.10",
        "unit": "mg/dL",
        "collected_at": _iso(-3),
    },
    "medications": lambda: {
        "drug": "Ondansetron 4 mg IV",
        "category": "antiemetic",
        "administered_at": _iso(-4),
    },
    "events": lambda: {"code": "svt", "observed_at": _iso(-5), "note": "self-terminating"},
}


def body_for(endpoint: Endpoint, world: World) -> dict[str, Any] | None:
    """A valid body for every write, so the expected status of an allowed role is success."""
    if endpoint.method == "GET":
        return None
    name = endpoint.name.split(":", 1)[1]
    if name == "not-found":
        return {}
    bodies: dict[str, Callable[[], dict[str, Any]]] = {
        "patient-list": lambda: {
            "mrn": "MATRIX-1",
            "given_name": "Ada",
            "family_name": "Okafor",
            "birth_date": "1961-03-14",
            "diagnosis": "metastatic_rcc",
            "baseline_weight_kg": "68.4",
        },
        "patient-detail": lambda: {"given_name": "Adaeze"},
        "patient-admissions": lambda: {"ward": "HDU", "bed": "H9", "admitted_at": _iso(-60)},
        "admission-discharge": lambda: {"discharged_at": _iso(-1)},
        "admission-move": lambda: {"ward": "HDU", "bed": "H8"},
        "patient-courses": lambda: {"cycle_1_start": _iso(60)},
        "course-discontinue": lambda: {"reason": "grade 4 toxicity"},
        "dose-administer": lambda: {
            "given_at": _iso(-1),
            "verifier": {"username": "nurse.two", "password": PASSWORD},
        },
        "dose-hold": lambda: {"reasons": ["clinical_judgement"], "note": "rigors"},
        "dose-entered-in-error": lambda: {"reason": "recorded against the wrong dose"},
        "alert-acknowledge": lambda: {"note": "seen, reviewing"},
        "events-end": lambda: {"ended_at": _iso(-1), "note": "sinus rhythm"},
        **{f"patient-{kind}": RECORD_BODIES[kind] for kind in KINDS},
        **{f"{kind}-entered-in-error": lambda: {"reason": "wrong patient"} for kind in KINDS},
        # Not JSON: the tests of this endpoint send HL7 (tests/patients/hl7); the API-wide
        # tests that post JSON see its authorization and media type only.
        "hl7-v2": lambda: {},
    }
    if name not in bodies:
        raise AssertionError(f"{endpoint}: no valid body in tests/api_world.py")
    return bodies[name]()


class DjangoApp:
    """Django's WSGI handler for in-process clients (schemathesis' WSGI transport) that, like
    Django's test client, does not close the database connection at the end of a request, so
    requests run inside the test's transaction and see its data."""

    def __init__(self) -> None:
        self.handler = WSGIHandler()

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        request_started.disconnect(close_old_connections)
        try:
            response = self.handler(environ, start_response)
        finally:
            request_started.connect(close_old_connections)
        return _ClosingKeepsConnection(response)


class _ClosingKeepsConnection:
    def __init__(self, response: Any) -> None:
        self.response = response

    def __iter__(self) -> Iterator[bytes]:
        return iter(self.response)

    def close(self) -> None:
        request_finished.disconnect(close_old_connections)
        try:
            self.response.close()
        finally:
            request_finished.connect(close_old_connections)
