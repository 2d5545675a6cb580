"""FHIR R4 export (api-contract.md "FHIR R4", docs/fhir.md). Every response is parsed by two
strict parsers — the R4B models of ``fhir.resources`` (pydantic, extra fields forbidden) and
``fhirclient``'s FHIR 4.0.1 models in strict mode — and the codes and units checked against
clinical-reference.md §5. One test reads everything over HTTP with ``fhirclient``."""

import uuid
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.utils import timezone
from fhir.resources.R4B import get_fhir_model_class
from fhirclient.models.fhirelementfactory import FHIRElementFactory
from rest_framework.test import APIClient

from il2monitor.tokens.services import api_token_create
from patients.models import VitalSigns
from patients.services.recording import observation_mark_entered_in_error
from patients.services.vitals import vitals_record
from tests.support.factories import AdmissionFactory, UserFactory
from tests.support.therapy_fixtures import CRS_GRADE_3, order_course, record_vitals
from therapy.mar import courses
from therapy.models import Alert
from therapy.monitor.alerts import alert_acknowledge
from therapy.monitor.evaluation import evaluation_run

pytestmark = pytest.mark.django_db

BASE = "/fhir/r4/"
FHIR_JSON = "application/fhir+json"
LOINC = "http://loinc.org"
SNOMED = "http://snomed.info/sct"
UCUM = "http://unitsofmeasure.org"
VITAL_SIGNS = "http://hl7.org/fhir/StructureDefinition/vitalsigns"


def strict(resource: dict[str, Any]) -> Any:
    """Parse with both strict R4 parsers; return the fhir.resources model."""
    model = get_fhir_model_class(resource["resourceType"]).model_validate(resource)
    FHIRElementFactory.instantiate(resource["resourceType"], resource)  # strict by default
    return model


def get(client: APIClient, path: str, **params: Any) -> dict[str, Any]:
    response = client.get(BASE + path, params, HTTP_ACCEPT=FHIR_JSON)
    assert response.status_code == 200, response.content
    assert response["Content-Type"].startswith(FHIR_JSON)
    body = response.json()
    strict(body)
    return body


def resources_of(bundle: dict[str, Any]) -> list[dict[str, Any]]:
    return [entry["resource"] for entry in bundle.get("entry", [])]


def codings(concept: dict[str, Any]) -> set[tuple[str, str]]:
    return {(c["system"], c["code"]) for c in concept.get("coding", [])}


@pytest.fixture
def fhir(api_as, pharmacist):  # type: ignore[no-untyped-def]
    return api_as(pharmacist)


@pytest.fixture
def ward(nurse, physician):  # type: ignore[no-untyped-def]
    """Three admitted patients: ``given`` (dose 1 given, varied vitals, a grade 3 CRS picture,
    evaluated), ``held`` (dose 1 held for HR 118) and ``corrected`` (a hold entered in error)."""
    verifier = UserFactory(role="nurse", username="nurse.two")
    given = AdmissionFactory(bed="1").patient
    course = order_course(given, physician)
    record_vitals(given, nurse, minutes_ago=50)
    courses.dose_administer(
        dose=course.doses.get(number=1), by=nurse, verifier=verifier, given_at=timezone.now()
    )
    record_vitals(
        given,
        nurse,
        minutes_ago=40,
        oxygen_device="nasal_cannula",
        oxygen_flow_l_min=Decimal("2.0"),
        spo2=94,
        weight_kg=Decimal("74.5"),
        edema_grade=1,
        consciousness="new_confusion",
    )
    vitals_record(
        patient=given, by=nurse, taken_at=timezone.now() - timedelta(minutes=30), systolic_bp=101
    )
    wrong = record_vitals(given, nurse, minutes_ago=25, heart_rate=190)
    observation_mark_entered_in_error(observation=wrong, by=nurse, reason="other patient's")
    record_vitals(given, nurse, minutes_ago=5, **CRS_GRADE_3)
    evaluation_run(patient_id=given.pk, reason="vitals")

    held = AdmissionFactory(bed="2").patient
    held_course = order_course(held, physician)
    record_vitals(held, nurse, minutes_ago=5, heart_rate=118)
    courses.dose_hold(
        dose=held_course.doses.get(number=1), by=nurse, reasons=["hr_100_130"], note="HR 118"
    )

    corrected = AdmissionFactory(bed="3").patient
    corrected_course = order_course(corrected, physician)
    record_vitals(corrected, nurse, minutes_ago=5)
    dose = courses.dose_hold(
        dose=corrected_course.doses.get(number=1),
        by=nurse,
        reasons=["clinical_judgement"],
        note="wrong bed",
    )
    courses.dose_mark_entered_in_error(dose=dose, by=nurse, reason="held the wrong patient")
    return {"given": given, "held": held, "corrected": corrected, "course": course}


# --- Patient ----------------------------------------------------------------------------------
def test_patient_read(fhir, ward):
    patient = ward["given"]

    body = get(fhir, f"Patient/{patient.pk}")

    assert body["id"] == str(patient.pk)
    assert body["gender"] == "female" and body["birthDate"] == "1965-04-01"
    assert body["name"] == [
        {"use": "official", "family": patient.family_name, "given": [patient.given_name]}
    ]
    (mrn,) = body["identifier"]
    assert mrn["value"] == patient.mrn
    assert codings(mrn["type"]) == {("http://terminology.hl7.org/CodeSystem/v2-0203", "MR")}


# --- Observations -----------------------------------------------------------------------------
def observations_by_set(bundle: dict[str, Any]) -> dict[str, dict[str, dict[str, Any]]]:
    sets: dict[str, dict[str, dict[str, Any]]] = {}
    for resource in resources_of(bundle):
        set_id, suffix = resource["id"].rsplit("-", 1)
        sets.setdefault(set_id, {})[suffix] = resource
    return sets


def test_each_measurement_is_an_observation_with_its_loinc_code_and_ucum_unit(fhir, ward):
    patient = ward["given"]
    bundle = get(fhir, "Observation", patient=str(patient.pk), _count=100)
    sets = observations_by_set(bundle)
    complete = VitalSigns.objects.get(patient=patient, taken_at__lt=timezone.now(), spo2=94)
    found = sets[str(complete.pk)]

    expected = {
        "rr": ("9279-1", 16, "/min", "resprate"),
        "hr": ("8867-4", 84, "/min", "heartrate"),
        "temp": ("8310-5", 37.1, "Cel", "bodytemp"),
        "spo2": ("2708-6", 94, "%", "oxygensat"),
        "wt": ("29463-7", 74.5, "kg", "bodyweight"),
    }
    for suffix, (code, value, unit, profile) in expected.items():
        observation = found[suffix]
        assert (LOINC, code) in codings(observation["code"]), suffix
        quantity = observation["valueQuantity"]
        assert (quantity["value"], quantity["system"], quantity["code"]) == (value, UCUM, unit)
        assert observation["meta"]["profile"] == [
            VITAL_SIGNS,
            f"http://hl7.org/fhir/StructureDefinition/{profile}",
        ]
        assert codings(observation["category"][0]) == {
            ("http://terminology.hl7.org/CodeSystem/observation-category", "vital-signs")
        }
        assert observation["status"] == "final"
        assert observation["subject"] == {"reference": f"Patient/{patient.pk}"}
        assert timezone.datetime.fromisoformat(observation["effectiveDateTime"]) == (
            complete.taken_at.replace(microsecond=0)
        )
        assert observation["performer"] == [{"display": "nurse.one"}]
    # SpO2: both codes, as US Core does, and the oxygen flow as a component.
    assert codings(found["spo2"]["code"]) == {(LOINC, "2708-6"), (LOINC, "59408-5")}
    (flow,) = found["spo2"]["component"]
    assert (LOINC, "3151-8") in codings(flow["code"])
    assert flow["valueQuantity"] == {"value": 2.0, "unit": "L/min", "system": UCUM, "code": "L/min"}
    assert found["spo2"]["note"] == [{"text": "Oxygen: Nasal cannula"}]
    # BP: one panel, values in its components.
    bp = found["bp"]
    assert (LOINC, "85354-9") in codings(bp["code"]) and "valueQuantity" not in bp
    components = {c["code"]["coding"][0]["code"]: c["valueQuantity"] for c in bp["component"]}
    assert components == {
        "8480-6": {"value": 118, "unit": "mm[Hg]", "system": UCUM, "code": "mm[Hg]"},
        "8462-4": {"value": 72, "unit": "mm[Hg]", "system": UCUM, "code": "mm[Hg]"},
    }
    # ACVPU (exam): the local code and its words; "new confusion" has no verified SNOMED.
    acvpu = found["acvpu"]
    assert acvpu["category"][0]["coding"][0]["code"] == "exam"
    assert "profile" not in acvpu["meta"]  # no vital-signs profile for an exam
    assert timezone.datetime.fromisoformat(acvpu["meta"]["lastUpdated"]) == complete.updated_at
    assert acvpu["valueCodeableConcept"]["text"] == "New confusion"
    assert SNOMED not in {c["system"] for c in acvpu["valueCodeableConcept"]["coding"]}
    assert found["edema"]["valueInteger"] == 1


def test_news2_is_its_own_observation_derived_from_the_sets_measurements(fhir, ward):
    patient = ward["given"]
    bundle = get(fhir, "Observation", patient=str(patient.pk))
    latest = VitalSigns.objects.filter(patient=patient).order_by("-taken_at").first()
    found = observations_by_set(bundle)[str(latest.pk)]

    news2 = found["news2"]
    assert codings(news2["code"]) == {(SNOMED, "1104051000000101")}
    assert news2["valueQuantity"] == {
        "value": latest.news2_total,
        "unit": "{score}",
        "system": UCUM,
        "code": "{score}",
    }
    assert news2["category"][0]["coding"][0]["code"] == "survey"
    subscores = {
        c["code"]["coding"][0]["code"]: c["valueInteger"]
        for c in news2["component"]
        if "valueInteger" in c
    }
    assert subscores == latest.news2_subscores
    derived = {ref["reference"] for ref in news2["derivedFrom"]}
    assert derived == {
        f"Observation/{found[s]['id']}" for s in ("rr", "spo2", "bp", "hr", "acvpu", "temp")
    }
    bands = [c for c in news2["component"] if "valueCodeableConcept" in c]
    assert bands[0]["valueCodeableConcept"]["coding"][0]["code"] == latest.news2_band


def test_a_partial_bp_says_why_the_other_value_is_missing(fhir, ward):
    patient = ward["given"]
    partial = VitalSigns.objects.get(patient=patient, systolic_bp=101, heart_rate__isnull=True)
    found = observations_by_set(get(fhir, "Observation", patient=str(patient.pk)))[str(partial.pk)]

    assert set(found) == {"bp"}  # one measurement, one observation; no NEWS2 (incomplete)
    systolic, diastolic = found["bp"]["component"]
    assert systolic["valueQuantity"]["value"] == 101
    assert "valueQuantity" not in diastolic
    assert diastolic["dataAbsentReason"]["coding"][0]["code"] == "not-performed"


def test_a_set_entered_in_error_is_exported_as_such(fhir, ward):
    patient = ward["given"]
    wrong = VitalSigns.objects.get(patient=patient, entered_in_error=True)
    found = observations_by_set(get(fhir, "Observation", patient=str(patient.pk)))[str(wrong.pk)]
    assert {o["status"] for o in found.values()} == {"entered-in-error"}
    assert found["hr"]["note"] == [{"text": "Entered in error: other patient's"}]


def test_paging_follows_next_links_and_the_total_is_every_observation(fhir, ward):
    """``_count`` counts Observations (R4 search: resources, not vital-signs sets)."""
    patient = ward["given"]
    first = get(fhir, "Observation", patient=str(patient.pk), _count=2)
    seen, bundle, pages = [], first, 0
    while True:
        pages += 1
        seen += [r["id"] for r in resources_of(bundle)]
        links = {link["relation"]: link["url"] for link in bundle["link"]}
        if "next" not in links:
            break
        response = fhir.get(links["next"], HTTP_ACCEPT=FHIR_JSON)
        bundle = response.json()
        strict(bundle)
    assert pages == -(-first["total"] // 2) and len(resources_of(first)) == 2
    assert len(seen) == len(set(seen)) == first["total"]
    sets = VitalSigns.objects.filter(patient=patient)
    assert {i.rsplit("-", 1)[0] for i in seen} == {str(v.pk) for v in sets}
    assert "previous" in links and "_page=" in links["self"]


def test_date_filters_clinical_time(fhir, ward):
    patient = ward["given"]
    cut = timezone.now() - timedelta(minutes=35)
    since = get(fhir, "Observation", patient=f"Patient/{patient.pk}", date=f"ge{cut.isoformat()}")
    expected = VitalSigns.objects.filter(patient=patient, taken_at__gte=cut)
    assert set(observations_by_set(since)) == {str(v.pk) for v in expected}
    before = get(fhir, "Observation", patient=str(patient.pk), date=f"lt{cut.isoformat()}")
    assert not set(observations_by_set(before)) & set(observations_by_set(since))
    today = timezone.localdate().isoformat()
    assert (
        get(fhir, "Observation", patient=str(patient.pk), date=today)["total"]
        == (get(fhir, "Observation", patient=str(patient.pk))["total"])
        or timezone.localtime().hour == 0
    )  # sets 50 minutes ago may be yesterday after midnight


# --- Doses --------------------------------------------------------------------------------
def test_doses_given_held_and_corrected(fhir, ward):
    everything = resources_of(get(fhir, "MedicationAdministration", patient=str(ward["given"].pk)))
    given = [r for r in everything if not r["id"].endswith("-vaso")]
    # The CRS set's noradrenaline, running when it was charted: its rate in UCUM.
    (infusion,) = [r for r in everything if r["id"].endswith("-vaso")]
    assert infusion["status"] == "in-progress"
    assert infusion["medicationCodeableConcept"] == {"text": "Norepinephrine"}
    assert infusion["dosage"]["rateQuantity"] == {
        "value": 0.05,
        "unit": "mcg/kg/min",
        "system": UCUM,
        "code": "ug/kg/min",
    }
    held = resources_of(get(fhir, "MedicationAdministration", patient=str(ward["held"].pk)))
    corrected = resources_of(
        get(fhir, "MedicationAdministration", patient=str(ward["corrected"].pk))
    )

    (administration,) = given  # scheduled doses are not administrations
    dose = ward["course"].doses.get(number=1)
    assert administration["id"] == str(dose.pk) and administration["status"] == "completed"
    assert administration["dosage"]["dose"] == {
        "value": dose.dose_iu,
        "unit": "IU",
        "system": UCUM,
        "code": "[iU]",
    }
    assert [
        (p["function"]["coding"][0]["code"], p["actor"]["display"])
        for p in administration["performer"]
    ] == [("performer", "nurse.one"), ("verifier", "nurse.two")]
    assert "statusReason" not in administration
    (hold,) = held
    assert hold["status"] == "not-done"
    assert [codings(reason) for reason in hold["statusReason"]] == [
        {("urn:il2monitor:codesystem:hold-reason", "hr_100_130")}
    ]
    assert hold["note"] == [{"text": "HR 118"}]
    (mistake,) = corrected
    assert mistake["status"] == "entered-in-error"
    assert {"text": "Entered in error: held the wrong patient"} in mistake["note"]


# --- Alerts -------------------------------------------------------------------------------
def test_open_alerts_are_active_flags_with_their_priority(fhir, ward, nurse):
    patient = ward["given"]
    alerts = list(Alert.objects.filter(patient=patient, status="active"))
    assert len(alerts) >= 2  # CRS and NEWS2 at least
    crs = next(alert for alert in alerts if alert.kind == "crs")
    alert_acknowledge(alert=crs, by=nurse, note="seen", now=timezone.now())

    flags = resources_of(get(fhir, "Flag", patient=str(patient.pk)))

    assert {f["id"] for f in flags} == {str(a.pk) for a in alerts}
    assert {f["status"] for f in flags} == {"active"}
    crs_flag = next(f for f in flags if f["id"] == str(crs.pk))
    assert codings(crs_flag["code"]) == {("urn:il2monitor:codesystem:alert-kind", "crs")}
    assert "acknowledged by nurse.one" in crs_flag["code"]["text"]
    (priority,) = crs_flag["extension"]
    assert priority["url"] == "http://hl7.org/fhir/StructureDefinition/flag-priority"
    assert priority["valueCodeableConcept"]["coding"][0]["code"] == "PH"  # emergency
    Alert.objects.filter(pk=crs.pk).update(status="resolved", resolved_at=timezone.now())
    assert str(crs.pk) not in {
        f["id"] for f in resources_of(get(fhir, "Flag", patient=str(patient.pk), status="active"))
    }
    resolved = get(fhir, f"Flag/{crs.pk}")
    assert resolved["status"] == "inactive" and "end" in resolved["period"]


# --- $summary -----------------------------------------------------------------------------
def test_summary_is_a_document_bundle_whose_composition_cites_only_what_it_contains(fhir, ward):
    patient = ward["given"]

    document = get(fhir, f"Patient/{patient.pk}/$summary")

    assert document["type"] == "document" and document["timestamp"]
    assert document["identifier"]["system"] == "urn:ietf:rfc:3986"
    entries = document["entry"]
    composition = entries[0]["resource"]
    assert composition["resourceType"] == "Composition" and composition["status"] == "final"
    assert codings(composition["type"]) == {(LOINC, "60591-5")}
    assert composition["subject"] == {"reference": f"Patient/{patient.pk}"}
    by_reference = {f"{e['resource']['resourceType']}/{e['resource']['id']}": e for e in entries}
    assert len(by_reference) == len(entries)
    for entry in entries:
        resource = entry["resource"]
        assert entry["fullUrl"].endswith(f"/fhir/r4/{resource['resourceType']}/{resource['id']}")
        assert entry["fullUrl"].startswith("http")
    sections = {s["code"]["coding"][0]["code"]: s for s in composition["section"] if "code" in s}
    assert set(sections) == {"11450-4", "48765-2", "10160-0", "8716-3", "104605-1"}
    for section in composition["section"]:
        assert section["text"]["div"].startswith('<div xmlns="http://www.w3.org/1999/xhtml">')
        for cited in section.get("entry", []):
            assert cited["reference"] in by_reference
        assert ("entry" in section) != ("emptyReason" in section) or "code" not in section
    assert sections["48765-2"]["emptyReason"]["coding"][0]["code"] == "unavailable"
    assert [r["reference"] for r in sections["10160-0"]["entry"]] == [
        f"MedicationAdministration/{ward['course'].doses.get(number=1).pk}"
    ]
    vitals = [by_reference[r["reference"]]["resource"] for r in sections["8716-3"]["entry"]]
    assert {v["resourceType"] for v in vitals} == {"Observation"}
    assert any((SNOMED, "1104051000000101") in codings(v["code"]) for v in vitals)
    flags = {r["reference"] for r in sections["104605-1"]["entry"]}
    assert f"Flag/{Alert.objects.get(patient=patient, kind='crs').pk}" in flags
    assert by_reference[f"Patient/{patient.pk}"]["resource"]["id"] == str(patient.pk)
    words = composition["section"][-1]["text"]["div"]
    assert "grade 3" in words and "Cytokine release syndrome" in words


def test_summary_of_a_patient_with_nothing_recorded(fhir, admission):
    document = get(fhir, f"Patient/{admission.patient.pk}/$summary")
    sections = document["entry"][0]["resource"]["section"]
    empty = {
        s["title"]: s["emptyReason"]["coding"][0]["code"] for s in sections if "emptyReason" in s
    }
    assert empty == {
        "Allergies and intolerances": "unavailable",
        "Medications": "nilknown",
        "Vital signs": "unavailable",
        "Alerts": "nilknown",
    }
    assert "Not yet assessed by the monitor." in sections[-1]["text"]["div"]


def test_query_counts_do_not_grow_with_history(
    api, nurse, physician, django_assert_max_num_queries
):
    patient = AdmissionFactory().patient
    order_course(patient, physician)
    for minutes in range(5, 60, 5):
        record_vitals(patient, nurse, minutes_ago=minutes)
    evaluation_run(patient_id=patient.pk, reason="vitals")
    key = api_token_create(user=nurse, name="fhir", scope="read", by=None).key
    api.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    api.get(f"{BASE}metadata")  # first use writes the token's last use

    # A search page of 5 Observations: at most 9. $summary: 15, the latest values 2, the
    # newest complete set and its vasopressors 2: at most 19.
    limits = {"Observation": 9, f"Patient/{patient.pk}/$summary": 19}
    params = {"Observation": {"patient": str(patient.pk), "_count": 5}}

    def counted(path: str) -> int:
        with django_assert_max_num_queries(limits[path]) as queries:
            assert api.get(BASE + path, params.get(path, {})).status_code == 200
        return len(queries)

    short = {path: counted(path) for path in limits}
    for minutes in range(60, 600, 5):
        record_vitals(patient, nurse, minutes_ago=minutes)
    evaluation_run(patient_id=patient.pk, reason="vitals")
    assert {path: counted(path) for path in limits} == short  # 108 more sets: the same


# --- Errors ---------------------------------------------------------------------------------
def outcome(response: Any, status: int, code: str) -> list[dict[str, Any]]:
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith(FHIR_JSON)
    body = response.json()
    strict(body)
    assert body["resourceType"] == "OperationOutcome"
    assert {issue["code"] for issue in body["issue"]} == {code}
    return body["issue"]


# A fixed id: the two pytest-xdist processes must collect the same test ids (``make test``).
NO_SUCH_PATIENT = "00000000-0000-4000-8000-000000000404"


@pytest.mark.parametrize(
    ("path", "params", "status", "code", "field"),
    [
        (f"Patient/{NO_SUCH_PATIENT}", {}, 404, "not-found", None),
        ("Patient/not-a-uuid", {}, 404, "not-found", None),
        (f"Patient/{NO_SUCH_PATIENT}/$summary", {}, 404, "not-found", None),
        ("Observation", {}, 400, "invalid", "patient"),
        ("Observation", {"patient": "nonsense"}, 400, "invalid", "patient"),
        ("Observation", {"patient": NO_SUCH_PATIENT, "_count": "0"}, 400, "invalid", "_count"),
        ("Observation", {"patient": NO_SUCH_PATIENT, "_page": "x"}, 400, "invalid", "_page"),
        (
            "Observation",
            {"patient": NO_SUCH_PATIENT, "date": "ge31/01"},
            400,
            "invalid",
            "date",
        ),
        (
            "Observation",
            {"patient": NO_SUCH_PATIENT, "date": "ge2025-01-01T10:00:00"},
            400,
            "invalid",
            "date",
        ),
        ("MedicationAdministration", {"patient": "1"}, 400, "invalid", "patient"),
        ("Flag", {}, 400, "invalid", "patient"),
        ("Encounter", {}, 404, "not-found", None),
        ("Patient/x/_history", {}, 404, "not-found", None),
    ],
)
def test_errors_are_operation_outcomes(fhir, path, params, status, code, field):
    issues = outcome(fhir.get(BASE + path, params), status, code)
    if field:
        assert field in {e for issue in issues for e in issue.get("expression", [])}


def test_an_unknown_patient_searches_to_an_empty_bundle(fhir):
    for resource in ("Observation", "MedicationAdministration", "Flag"):
        bundle = get(fhir, resource, patient=str(uuid.uuid4()))
        assert bundle["total"] == 0 and bundle.get("entry", []) == []


def test_read_only_anonymous_and_content_types(api, fhir, admission, nurse):
    patient = admission.patient
    outcome(fhir.post(f"{BASE}Patient/{patient.pk}", {}, format="json"), 405, "not-supported")
    outcome(fhir.delete(f"{BASE}Patient/{patient.pk}"), 405, "not-supported")
    plain = fhir.get(f"{BASE}Patient/{patient.pk}", HTTP_ACCEPT="application/json")
    assert plain.status_code == 200 and plain["Content-Type"].startswith("application/json")
    api.force_authenticate(None)
    for path in (
        f"Patient/{patient.pk}",
        f"Patient/{patient.pk}/$summary",
        f"Observation?patient={patient.pk}",
        "metadata",
    ):
        response = api.get(BASE + path)
        outcome(response, 401, "login")
        assert response["WWW-Authenticate"] == "Token"
        assert patient.family_name not in response.content.decode()
        assert patient.mrn not in response.content.decode()


def test_capability_statement(fhir):
    body = get(fhir, "metadata")
    assert body["fhirVersion"] == "4.0.1" and body["kind"] == "instance"
    types = {r["type"] for r in body["rest"][0]["resource"]}
    assert types == {"Patient", "Observation", "MedicationAdministration", "Flag", "Condition"}
