"""The tablet's vital-signs form: "oxygen for comfort only" (clinical-rules.md §2 (v2)) is
saved with the set, and refused (with the API's message) without an oxygen device."""

import uuid
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from patients import limits
from patients.models import VitalSigns
from tests.support.clock import as_local_input

pytestmark = pytest.mark.django_db


@pytest.fixture
def signed_in(client, nurse):  # type: ignore[no-untyped-def]
    client.force_login(nurse)
    return client


def form_data(**changes: object) -> dict[str, object]:
    taken = (timezone.localtime() - timedelta(minutes=5)).strftime("%Y-%m-%dT%H:%M")
    data = {
        "client_id": str(uuid.uuid4()),
        "taken_at": taken,
        "respiratory_rate": "18",
        "spo2": "96",
        "oxygen_device": "nasal_cannula",
        "oxygen_flow_l_min": "2",
        "systolic_bp": "112",
        "diastolic_bp": "68",
        "heart_rate": "92",
        "consciousness": "alert",
        "temperature_c": "37.3",
        "vasopressors_running": "none",
    }
    data.update(changes)
    return as_local_input(data)


def vitals_url(admission) -> str:  # type: ignore[no-untyped-def]
    return reverse("patients:bedside-vitals", args=[admission.patient.pk])


def test_the_form_offers_comfort_oxygen(signed_in, admission):
    page = signed_in.get(vitals_url(admission)).content.decode()
    assert 'name="oxygen_for_comfort"' in page and "data-comfort-field" in page


def test_comfort_oxygen_is_saved_with_the_set(signed_in, admission):
    response = signed_in.post(vitals_url(admission), form_data(oxygen_for_comfort="on"))

    assert response.status_code == 201
    stored = VitalSigns.objects.get()
    assert stored.oxygen_for_comfort is True
    assert stored.news2_air_or_oxygen == 2  # NEWS2 still scores the oxygen


def test_unticked_means_for_hypoxia(signed_in, admission):
    response = signed_in.post(vitals_url(admission), form_data())

    assert response.status_code == 201
    assert VitalSigns.objects.get().oxygen_for_comfort is False


def test_comfort_on_room_air_is_refused_with_the_apis_message(signed_in, admission):
    data = form_data(oxygen_device="room_air", oxygen_flow_l_min="", oxygen_for_comfort="on")

    response = signed_in.post(vitals_url(admission), data)

    assert escape(limits.COMFORT_NEEDS_OXYGEN) in response.content.decode()
    assert not VitalSigns.objects.exists()
