"""FHIR search as R4 says (issue 15 item 2), through HTTP: ``category``, ``code`` (system|code),
``date`` at every precision with every prefix, ``_count`` counting resources, ``_lastUpdated``
(a late entry is found), ``Patient?identifier=system|MRN``, first/previous/next links pinned
against inserts, ``Prefer: handling=strict``, read by id with ETag / If-None-Match → 304 for
every type emitted, and a CapabilityStatement each of whose search parameters is exercised."""

from datetime import timedelta
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from django.conf import settings
from django.utils import timezone
from fhir.resources.R4B import get_fhir_model_class

from patients.services.vitals import vitals_record
from tests.support.factories import AdmissionFactory, UserFactory
from tests.support.observation_factories import ClinicalEventFactory
from tests.support.therapy_fixtures import CRS_GRADE_3, order_course, record_vitals
from therapy.fhir.search import Span, date_matches, parse_date
from therapy.mar import courses
from therapy.monitor.evaluation import evaluation_run

pytestmark = pytest.mark.django_db

BASE = "/fhir/r4/"
FHIR_JSON = "application/fhir+json"
CATEGORY = "http://terminology.hl7.org/CodeSystem/observation-category"


def get(
    client: Any, path: str, status: int = 200, headers: dict[str, str] | None = None, **params: Any
) -> Any:
    response = client.get(BASE + path, params, HTTP_ACCEPT=FHIR_JSON, headers=headers or {})
    assert response.status_code == status, response.content
    if status == 304:
        return response
    body = response.json()
    get_fhir_model_class(body["resourceType"]).model_validate(body)
    return body


def matches(bundle: dict[str, Any]) -> list[dict[str, Any]]:
    return [e["resource"] for e in bundle.get("entry", []) if e["search"]["mode"] == "match"]


def links(bundle: dict[str, Any]) -> dict[str, str]:
    return {link["relation"]: link["url"] for link in bundle["link"]}


@pytest.fixture
def fhir(api_as, pharmacist):  # type: ignore[no-untyped-def]
    return api_as(pharmacist)


@pytest.fixture
def patient(nurse, physician):  # type: ignore[no-untyped-def]
    """Two full sets (vitals, exam, survey), a dose given, an evaluated CRS picture."""
    patient = AdmissionFactory().patient
    course = order_course(patient, physician)
    record_vitals(patient, nurse, minutes_ago=50, consciousness="alert", edema_grade=0)
    courses.dose_administer(
        dose=course.doses.get(number=1),
        by=nurse,
        verifier=UserFactory(role="nurse", username="nurse.two"),
        given_at=timezone.now(),
    )
    record_vitals(patient, nurse, minutes_ago=5, **CRS_GRADE_3)
    evaluation_run(patient_id=patient.pk, reason="vitals")
    return patient


def test_category_code_and_count_count_resources(fhir, patient):
    everything = get(fhir, "Observation", patient=patient.pk)
    categories = {
        c["code"] for r in matches(everything) for cat in r["category"] for c in cat["coding"]
    }
    assert {"vital-signs", "exam", "survey"} <= categories

    vitals = get(fhir, "Observation", patient=patient.pk, category="vital-signs", _count=4)
    assert len(matches(vitals)) == 4  # resources, not sets
    assert vitals["total"] > 4
    for bare in ("vital-signs", f"{CATEGORY}|vital-signs"):
        every = matches(get(fhir, "Observation", patient=patient.pk, category=bare, _count=500))
        assert every and all(r["category"][0]["coding"][0]["code"] == "vital-signs" for r in every)
        assert len(every) == vitals["total"]

    heart = matches(get(fhir, "Observation", patient=patient.pk, code="http://loinc.org|8867-4"))
    assert len(heart) == 2 and all(r["id"].endswith("-hr") for r in heart)
    assert (
        matches(get(fhir, "Observation", patient=patient.pk, code="http://snomed.info/sct|8867-4"))
        == []
    )
    either = get(fhir, "Observation", patient=patient.pk, code="8867-4,9279-1")
    assert {r["id"].rsplit("-", 1)[1] for r in matches(either)} == {"hr", "rr"}
    both = get(fhir, "Observation", patient=patient.pk, code="8867-4", category="exam")
    assert both["total"] == 0  # repeated parameters AND, commas OR


def test_date_at_every_precision_and_prefix(fhir, patient):
    now = timezone.localtime()
    year, month, day = f"{now:%Y}", f"{now:%Y-%m}", f"{now:%Y-%m-%d}"
    total = get(fhir, "Observation", patient=patient.pk)["total"]
    for value in (year, month, day, f"ge{year}", f"le{year}", f"ap{day}"):
        assert get(fhir, "Observation", patient=patient.pk, date=value)["total"] == total, value
    for value in (f"gt{year}", f"lt{year}", f"sa{year}", f"eb{year}", f"ne{year}"):
        assert get(fhir, "Observation", patient=patient.pk, date=value)["total"] == 0, value
    cut = (now - timedelta(minutes=20)).isoformat(timespec="seconds")
    newer = get(fhir, "Observation", patient=patient.pk, date=f"ge{cut}")
    older = get(fhir, "Observation", patient=patient.pk, date=f"lt{cut}")
    assert newer["total"] + older["total"] == total and newer["total"] and older["total"]
    assert get(fhir, "Observation", patient=patient.pk, date=f"sa{cut}")["total"] == newer["total"]
    assert get(fhir, "Observation", patient=patient.pk, date=f"eb{cut}")["total"] == older["total"]
    minute = (now - timedelta(minutes=20)).isoformat(timespec="minutes")
    assert (
        get(fhir, "Observation", patient=patient.pk, date=f"gt{minute}")["total"] == newer["total"]
    )
    # Repeated: a range. A time without its offset: a 400 naming the parameter.
    window = get(fhir, "Observation", patient=patient.pk, date=[f"ge{cut}", f"le{now.isoformat()}"])
    assert window["total"] == newer["total"]
    response = fhir.get(BASE + "Observation", {"patient": patient.pk, "date": "ge2026-11-30T10:00"})
    assert response.status_code == 400 and "date" in response.content.decode()


def test_date_prefix_semantics_on_ranges():
    now = timezone.now()
    day = parse_date("2026-03-10")
    inside = Span(day.low + timedelta(hours=1), day.low + timedelta(hours=2))
    straddling = Span(day.low - timedelta(hours=1), day.low + timedelta(hours=1))
    expected = {  # R4 search, "date" prefixes: target inside the day / over its start
        "eq": (True, False),
        "ne": (False, True),
        "gt": (False, False),
        "lt": (False, True),
        "ge": (True, False),
        "le": (True, True),
        "sa": (False, False),
        "eb": (False, False),
        "ap": (True, True),
    }
    for prefix, (first, second) in expected.items():
        assert date_matches(prefix, day, inside, now) is first, prefix
        assert date_matches(prefix, day, straddling, now) is second, prefix
    assert parse_date("2026-02").high == parse_date("2026-03-01").low
    assert parse_date("2026").high == parse_date("2027-01-01").low
    assert (
        parse_date("2026-03-10T10:00:05.25Z").high - parse_date("2026-03-10T10:00:05.25Z").low
    ) == timedelta(milliseconds=10)


def test_last_updated_finds_a_set_taken_long_ago_but_entered_now(fhir, patient, nurse):
    synced_at = timezone.now()
    late = vitals_record(
        patient=patient, by=nurse, taken_at=timezone.now() - timedelta(minutes=90), heart_rate=77
    ).record
    since = get(fhir, "Observation", patient=patient.pk, _lastUpdated=f"gt{synced_at.isoformat()}")
    assert [r["id"] for r in matches(since)] == [f"{late.pk}-hr"]
    assert (
        timezone.datetime.fromisoformat(matches(since)[0]["meta"]["lastUpdated"]) == late.updated_at
    )
    for resource_type in ("MedicationAdministration", "Flag"):
        later = get(
            fhir, resource_type, patient=patient.pk, _lastUpdated=f"gt{timezone.now().isoformat()}"
        )
        assert later["total"] == 0
        assert get(fhir, resource_type, patient=patient.pk, _lastUpdated="ge2000")["total"] >= 1


def test_paging_links_and_a_pin_against_inserts(fhir, patient, nurse):
    first = get(fhir, "Observation", patient=patient.pk, _count=3)
    assert set(links(first)) == {"self", "first", "next", "last"}
    pin = parse_qs(urlsplit(links(first)["next"]).query)["_lastUpdated"]
    assert pin[0].startswith("le")
    # A set entered between two pages: no page shifts, nothing twice, the new set not in.
    inserted = record_vitals(patient, nurse, minutes_ago=1)
    seen, bundle = [r["id"] for r in matches(first)], first
    while "next" in links(bundle):
        bundle = fhir.get(links(bundle)["next"], HTTP_ACCEPT=FHIR_JSON).json()
        assert "previous" in links(bundle) and "first" in links(bundle)
        seen += [r["id"] for r in matches(bundle)]
    assert len(seen) == len(set(seen)) == first["total"]
    assert not any(i.startswith(str(inserted.pk)) for i in seen)
    back = fhir.get(links(bundle)["previous"], HTTP_ACCEPT=FHIR_JSON).json()
    assert [r["id"] for r in matches(back)] == seen[
        -len(matches(bundle)) - 3 : -len(matches(bundle))
    ]


def test_strict_handling_refuses_unknown_parameters_lenient_ignores_and_says_so(fhir, patient):
    strict = fhir.get(
        BASE + "Observation",
        {"patient": patient.pk, "value-quantity": "gt5"},
        headers={"Prefer": "handling=strict"},
    )
    assert strict.status_code == 400
    body = strict.json()
    assert body["resourceType"] == "OperationOutcome"
    assert body["issue"][0]["expression"] == ["value-quantity"]
    lenient = get(fhir, "Observation", patient=patient.pk, **{"value-quantity": "gt5"})
    assert "value-quantity" not in links(lenient)["self"]
    assert lenient["total"] == get(fhir, "Observation", patient=patient.pk)["total"]
    (outcome,) = [e for e in lenient["entry"] if e["search"]["mode"] == "outcome"]
    assert "value-quantity" in outcome["resource"]["issue"][0]["diagnostics"]


def test_patient_by_identifier(fhir, patient):
    system = settings.IL2_FHIR_MRN_SYSTEM
    for value in (f"{system}|{patient.mrn}", patient.mrn):
        (found,) = matches(get(fhir, "Patient", identifier=value))
        assert found["id"] == str(patient.pk)
    assert matches(get(fhir, "Patient", identifier=f"urn:other|{patient.mrn}")) == []
    assert [r["id"] for r in matches(get(fhir, "Patient", _id=str(patient.pk)))] == [
        str(patient.pk)
    ]


def test_every_resource_a_search_or_summary_gives_reads_back_by_id_with_an_etag(fhir, patient):
    searched = [
        *matches(get(fhir, "Observation", patient=patient.pk, _count=500)),
        *matches(get(fhir, "MedicationAdministration", patient=patient.pk)),
        *matches(get(fhir, "Flag", patient=patient.pk)),
        *matches(get(fhir, "Patient", _id=str(patient.pk))),
    ]
    document = get(fhir, f"Patient/{patient.pk}/$summary")
    cited = [
        e["resource"] for e in document["entry"] if e["resource"]["resourceType"] != "Composition"
    ]
    types = set()
    for resource in [*searched, *cited]:
        path = f"{resource['resourceType']}/{resource['id']}"
        response = fhir.get(BASE + path, HTTP_ACCEPT=FHIR_JSON)
        assert response.status_code == 200, path
        assert response.json() == resource, path
        tag = response["ETag"]
        assert tag.startswith('W/"')
        again = get(fhir, path, status=304, headers={"If-None-Match": tag})
        assert again.content == b"" and again["ETag"] == tag
        get(fhir, path, headers={"If-None-Match": 'W/"other"'})
        types.add(resource["resourceType"])
    assert types == {"Observation", "MedicationAdministration", "Flag", "Patient", "Condition"}
    for missing in (
        "Observation/nonsense",
        f"Observation/{patient.pk}-hr",
        "Flag/x",
        "Condition/x",
    ):
        assert fhir.get(BASE + missing).status_code == 404, missing


def test_the_capability_statement_lists_exactly_what_works(fhir, patient, nurse):
    ClinicalEventFactory(admission=patient.admissions.get(), by=nurse, code="svt")
    statement = get(fhir, "metadata")
    probes = {
        "patient": str(patient.pk),
        "category": "vital-signs",
        "code": "http://loinc.org|8867-4",
        "date": "ge2000-01-01",
        "effective-time": "ge2000",
        "_lastUpdated": "ge2000-01",
        "clinical-status": "active",
        "onset-date": "ge2000",
        "status": "active",
        "identifier": patient.mrn,
        "_id": str(patient.pk),
        "_count": "5",
        "_page": "1",
    }
    for entry in statement["rest"][0]["resource"]:
        kind = entry["type"]
        interactions = {i["code"] for i in entry["interaction"]}
        assert "read" in interactions
        if "search-type" not in interactions:
            assert "searchParam" not in entry
            continue
        base = {"patient": str(patient.pk)} if kind != "Patient" else {}
        for parameter in entry["searchParam"]:
            name = parameter["name"]
            response = fhir.get(
                BASE + kind,
                {**base, name: probes[name] if name != "status" or kind == "Flag" else "completed"},
                headers={"Prefer": "handling=strict"},  # an unlisted parameter would be a 400
            )
            assert response.status_code == 200, (kind, name, response.content)
            assert response.json()["total"] >= 1, (kind, name)
        refused = fhir.get(
            BASE + kind, {**base, "_sort": "date"}, headers={"Prefer": "handling=strict"}
        )
        assert refused.status_code == 400, kind
