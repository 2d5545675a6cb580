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


def test_an_ongoing_event_is_ended_from_the_tablet_events_page(client, nurse, admission):
    """Issue 14 item 4 "with ending an event": the events page offers End… on an ongoing
    event (the same small form as the chart), and shows it ended afterwards."""
    client.force_login(nurse)
    patient = admission.patient
    events = reverse("patients:bedside-events", args=[patient.pk])
    client.post(
        events,
        {
            "client_id": str(uuid.uuid4()),
            "code": "atrial_fibrillation",
            "observed_at": when(),
            "note": "",
        },
    )
    event = ClinicalEvent.objects.get()
    end_url = reverse("patients:event-end", args=[event.pk])
    page = client.get(events).content.decode()
    assert f'hx-get="{end_url}"' in page and "End…" in page
    form = client.get(end_url, HTTP_HX_REQUEST="true")
    assert form.status_code == 200 and "ended_at" in form.content.decode()
    ended_at = (timezone.localtime() - timedelta(minutes=1)).strftime("%Y-%m-%dT%H:%M")
    response = client.post(
        end_url, {"ended_at": ended_at, "note": "sinus rhythm"}, HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 200, response.content
    event.refresh_from_db()
    assert event.ended_at is not None and event.ended_by == nurse
    page = client.get(events).content.decode()
    assert "<strong>Ended</strong>" in page and f'hx-get="{end_url}"' not in page
