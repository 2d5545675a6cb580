"""Clinical events in FHIR (issue 15 item 3, "ended events"): each event charted at the
bedside is a Condition (encounter diagnosis, text only), ``active`` from its onset until a
nurse or physician ends it, then ``resolved`` with ``abatementDateTime``; searchable by
patient, clinical status and onset date, and readable by id; an event entered in error keeps
its id with verification status ``entered-in-error``."""

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone
from fhir.resources.R4B import get_fhir_model_class

from patients.services.recording import observation_mark_entered_in_error
from tests.support.factories import AdmissionFactory
from tests.support.observation_factories import ClinicalEventFactory

pytestmark = pytest.mark.django_db

BASE = "/fhir/r4/"
CLINICAL = "http://terminology.hl7.org/CodeSystem/condition-clinical"


def get(client: Any, path: str, **params: Any) -> dict[str, Any]:
    response = client.get(BASE + path, params, HTTP_ACCEPT="application/fhir+json")
    assert response.status_code == 200, response.content
    body = response.json()
    get_fhir_model_class(body["resourceType"]).model_validate(body)
    return body


def ids(bundle: dict[str, Any]) -> set[str]:
    return {entry["resource"]["id"] for entry in bundle.get("entry", [])}


def test_an_event_is_an_active_condition_until_it_is_ended_then_resolved(api_as, nurse, pharmacist):
    admission = AdmissionFactory()
    patient = admission.patient
    af = ClinicalEventFactory(
        admission=admission,
        by=nurse,
        code="atrial_fibrillation",
        observed_at=timezone.now() - timedelta(hours=3),
        note="rate 140",
    )
    fhir = api_as(pharmacist)

    listed = get(fhir, "Condition", patient=str(patient.pk))
    assert ids(listed) == {f"{patient.pk}-diagnosis", f"{af.pk}-event"}
    event = get(fhir, f"Condition/{af.pk}-event")
    assert event["clinicalStatus"]["coding"][0]["code"] == "active"
    assert event["code"] == {"text": "Atrial fibrillation"}
    assert "abatementDateTime" not in event
    assert event["note"] == [{"text": "rate 140"}]

    ended_at = timezone.now() - timedelta(minutes=30)
    response = api_as(nurse).post(
        f"/api/v1/events/{af.pk}/end/",
        {"ended_at": ended_at.isoformat(), "note": "sinus rhythm"},
        format="json",
    )
    assert response.status_code == 200, response.content

    ended = get(api_as(pharmacist), f"Condition/{af.pk}-event")
    assert ended["clinicalStatus"]["coding"][0] == {
        "system": CLINICAL,
        "code": "resolved",
        "display": "Resolved",
    }
    assert (
        ended["abatementDateTime"].startswith(timezone.localtime(ended_at).isoformat()[:19])
        or ended["abatementDateTime"][:19] == ended_at.isoformat()[:19]
    )
    resolved = get(
        api_as(pharmacist), "Condition", patient=str(patient.pk), **{"clinical-status": "resolved"}
    )
    assert ids(resolved) == {f"{af.pk}-event"}
    active = get(
        api_as(pharmacist), "Condition", patient=str(patient.pk), **{"clinical-status": "active"}
    )
    assert ids(active) == {f"{patient.pk}-diagnosis"}


def test_an_event_entered_in_error_reads_as_such_and_leaves_the_search(api_as, nurse, pharmacist):
    admission = AdmissionFactory()
    wrong = ClinicalEventFactory(admission=admission, by=nurse, code="svt")
    observation_mark_entered_in_error(observation=wrong, by=nurse, reason="wrong patient")
    fhir = api_as(pharmacist)
    read = get(fhir, f"Condition/{wrong.pk}-event")
    assert read["verificationStatus"]["coding"][0]["code"] == "entered-in-error"
    assert "clinicalStatus" not in read
    assert f"{wrong.pk}-event" not in ids(get(fhir, "Condition", patient=str(admission.patient.pk)))


def test_unknown_or_malformed_event_ids_are_404(api_as, pharmacist):
    fhir = api_as(pharmacist)
    for resource_id in ("00000000-0000-0000-0000-000000000000-event", "nonsense-event"):
        response = fhir.get(BASE + f"Condition/{resource_id}")
        assert response.status_code == 404
        assert response.json()["resourceType"] == "OperationOutcome"
