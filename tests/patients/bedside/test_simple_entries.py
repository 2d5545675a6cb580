"""Issue 14 item 4: labs, supportive medications and clinical events from the tablet."""

import uuid
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from patients.models import ClinicalEvent, LabResult, SupportiveMedication

pytestmark = pytest.mark.django_db


def when() -> str:
    return (timezone.localtime() - timedelta(minutes=5)).strftime("%Y-%m-%dT%H:%M")


def test_labs_medications_and_events_are_recorded_from_the_tablet(client, nurse, admission):
    client.force_login(nurse)
    patient = admission.patient
    hub = client.get(reverse("patients:bedside-patient", args=[patient.pk])).content.decode()
    for name in ("bedside-labs", "bedside-medications", "bedside-events"):
        url = reverse(f"patients:{name}", args=[patient.pk])
        assert url in hub and client.get(url).status_code == 200

    labs = reverse("patients:bedside-labs", args=[patient.pk])
    data = {"client_id": str(uuid.uuid4()), "test": "creatinine", "collected_at": when()}
    refused = client.post(labs, {**data, "value": "45"})
    assert refused.status_code == 400 and "Creatinine must be between" in refused.content.decode()
    saved = client.post(labs, {**data, "value": "2,6"})
    assert saved.status_code == 201
    lab = LabResult.objects.get()
    assert (str(lab.value), lab.unit) == ("2.60", "mg/dL")

    medications = reverse("patients:bedside-medications", args=[patient.pk])
    response = client.post(
        medications,
        {
            "client_id": str(uuid.uuid4()),
            "drug": "Paracetamol",
            "category": "antipyretic",
            "administered_at": when(),
        },
    )
    assert response.status_code == 201 and SupportiveMedication.objects.get().drug == "Paracetamol"

    events = reverse("patients:bedside-events", args=[patient.pk])
    response = client.post(
        events,
        {
            "client_id": str(uuid.uuid4()),
            "code": "atrial_fibrillation",
            "observed_at": when(),
            "note": "new AF on monitor",
        },
    )
    page = response.content.decode()
    assert response.status_code == 201 and ClinicalEvent.objects.get().code == "atrial_fibrillation"
    assert "Clinical events this stay" in page and 'class="event-actions"' in page
