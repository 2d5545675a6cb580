"""An acknowledgement says what was done (api-contract.md v2, "Alerts"): a note of 1–1,000
characters after trimming, required by the service
(``therapy.monitor.alerts.alert_acknowledge``), so the API and the inbox page refuse the same
notes with the same words, and the alert stays active."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from tests.support.therapy_fixtures import CRS_GRADE_3, admitted
from therapy.models import Alert, AlertStatus
from therapy.monitor.alerts import ACK_NOTE_REQUIRED, ACK_NOTE_TOO_LONG, alert_acknowledge

pytestmark = pytest.mark.django_db

BAD_NOTES = [
    ("blank", {"note": ""}, ACK_NOTE_REQUIRED),
    ("whitespace", {"note": " \t\n "}, ACK_NOTE_REQUIRED),
    ("1,001 characters", {"note": "x" * 1001}, ACK_NOTE_TOO_LONG),
    ("1,001 characters between spaces", {"note": "  " + "x" * 1001 + "  "}, ACK_NOTE_TOO_LONG),
]


@pytest.fixture
def active_alert(nurse):  # type: ignore[no-untyped-def]
    stay = admitted(nurse, vitals=CRS_GRADE_3)
    return Alert.objects.get(patient=stay.patient, kind="crs")


def url(alert: Alert) -> str:
    return f"/api/v1/alerts/{alert.pk}/acknowledge/"


@pytest.mark.parametrize(("case", "body", "message"), BAD_NOTES, ids=[b[0] for b in BAD_NOTES])
def test_the_api_refuses_a_bad_note_and_the_alert_stays_active(
    api_as, nurse, active_alert, case, body, message
):
    before = Alert.objects.filter(pk=active_alert.pk).values().get()

    response = api_as(nurse).post(url(active_alert), body, format="json")

    assert response.status_code == 400
    assert response.json() == {"note": [message]}
    assert Alert.objects.filter(pk=active_alert.pk).values().get() == before
    assert before["status"] == AlertStatus.ACTIVE


@pytest.mark.parametrize("body", [{}, {"note": None}], ids=["missing", "null"])
def test_the_api_needs_the_note_field(api_as, nurse, active_alert, body):
    response = api_as(nurse).post(url(active_alert), body, format="json")
    assert response.status_code == 400 and "note" in response.json()
    active_alert.refresh_from_db()
    assert active_alert.status == AlertStatus.ACTIVE


def test_the_api_takes_a_note_of_1000_characters_trimmed(api_as, nurse, active_alert):
    note = "Dr Okafor informed. " + "x" * 980
    response = api_as(nurse).post(url(active_alert), {"note": f"  {note}\n"}, format="json")
    assert response.status_code == 200, response.json()
    assert response.json()["acknowledge_note"] == note
    active_alert.refresh_from_db()
    assert active_alert.status == AlertStatus.ACKNOWLEDGED and len(note) == 1000


def test_a_one_character_note_is_enough(api_as, nurse, active_alert):
    response = api_as(nurse).post(url(active_alert), {"note": " ✓ "}, format="json")
    assert response.status_code == 200 and response.json()["acknowledge_note"] == "✓"


@pytest.mark.parametrize(("case", "body", "message"), BAD_NOTES, ids=[b[0] for b in BAD_NOTES])
def test_the_page_refuses_the_same_notes_with_the_same_words(
    client, nurse, active_alert, case, body, message
):
    client.force_login(nurse)
    response = client.post(reverse("therapy:alert-acknowledge", args=[active_alert.pk]), body)
    assert response.status_code == 400
    assert message in response.content.decode()
    active_alert.refresh_from_db()
    assert active_alert.status == AlertStatus.ACTIVE


@pytest.mark.parametrize(("case", "body", "message"), BAD_NOTES, ids=[b[0] for b in BAD_NOTES])
def test_the_service_itself_holds_the_rule(nurse, active_alert, case, body, message):
    with pytest.raises(ValidationError) as caught:
        alert_acknowledge(alert=active_alert, by=nurse, note=body["note"], now=timezone.now())
    assert caught.value.message_dict == {"note": [message]}
    active_alert.refresh_from_db()
    assert active_alert.status == AlertStatus.ACTIVE
