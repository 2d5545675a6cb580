"""``POST /api/v1/events/{id}/end/`` (api-contract.md, Clinical events (v2)): a nurse or
physician records that a finding is over; after it was observed, not in the future, once;
errors are specific and write nothing."""

from datetime import timedelta

import pytest
from django.utils import timezone

from patients.models import ClinicalEvent
from patients.services.observations import (
    EVENT_ALREADY_ENDED,
    EVENT_END_NOT_AFTER_OBSERVED,
    EVENT_IN_ERROR_CANNOT_END,
    event_record,
)
from patients.services.recording import observation_mark_entered_in_error

pytestmark = pytest.mark.django_db


def af(admission, by, hours_ago: float = 6):  # type: ignore[no-untyped-def]
    observed = timezone.now() - timedelta(hours=hours_ago)
    return event_record(
        patient=admission.patient, by=by, code="atrial_fibrillation", observed_at=observed
    ).record


def end_url(event) -> str:  # type: ignore[no-untyped-def]
    return f"/api/v1/events/{event.pk}/end/"


def iso(minutes_from_now: float) -> str:
    return (timezone.now() + timedelta(minutes=minutes_from_now)).isoformat()


@pytest.mark.parametrize("role", ["nurse", "physician"])
def test_a_nurse_or_physician_ends_an_event(api_as, make_user, admission, role):
    user = make_user(role, username=f"{role}.ender")
    event = af(admission, user)
    ended = iso(-30)

    response = api_as(user).post(
        end_url(event), {"ended_at": ended, "note": "sinus rhythm restored"}, format="json"
    )

    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["ended_by"] == f"{role}.ender" and body["end_note"] == "sinus rhythm restored"
    assert body["ended_at"] is not None and body["ended_recorded_at"] is not None
    stored = ClinicalEvent.objects.get(pk=event.pk)
    assert stored.ended_at.isoformat() == ended
    assert stored.code == "atrial_fibrillation" and not stored.entered_in_error  # kept as it was
    assert stored.history.first().history_user == user
    # The list shows the end too.
    listed = api_as(user).get(f"/api/v1/patients/{admission.patient.pk}/events/").json()
    assert listed["results"][0]["ended_at"] is not None


@pytest.mark.parametrize(
    ("minutes_from_observed", "minutes_from_now", "message"),
    [
        (0, None, EVENT_END_NOT_AFTER_OBSERVED),  # at the observed time
        (-1, None, EVENT_END_NOT_AFTER_OBSERVED),  # before it
        (None, 6, "Time cannot be in the future."),  # beyond the 5 min device skew
    ],
)
def test_an_end_not_after_the_event_or_in_the_future_is_a_400_and_writes_nothing(
    api_as, nurse, admission, minutes_from_observed, minutes_from_now, message
):
    event = af(admission, nurse)
    if minutes_from_observed is not None:
        ended = (event.observed_at + timedelta(minutes=minutes_from_observed)).isoformat()
    else:
        ended = iso(minutes_from_now)

    response = api_as(nurse).post(end_url(event), {"ended_at": ended}, format="json")

    assert response.status_code == 400
    assert response.json()["ended_at"] == [message]
    assert ClinicalEvent.objects.get(pk=event.pk).ended_at is None


def test_a_minute_after_the_event_is_allowed(api_as, nurse, admission):
    event = af(admission, nurse)
    ended = (event.observed_at + timedelta(minutes=1)).isoformat()
    assert api_as(nurse).post(end_url(event), {"ended_at": ended}, format="json").status_code == 200


def test_a_missing_or_naive_time_is_a_400(api_as, nurse, admission):
    event = af(admission, nurse)
    for body in ({}, {"ended_at": "2026-11-30T10:00:00"}):
        response = api_as(nurse).post(end_url(event), body, format="json")
        assert response.status_code == 400 and "ended_at" in response.json()
    assert ClinicalEvent.objects.get(pk=event.pk).ended_at is None


def test_an_event_ends_once(api_as, nurse, physician, admission):
    event = af(admission, nurse)
    first = iso(-60)
    api_as(nurse).post(end_url(event), {"ended_at": first}, format="json")

    again = api_as(physician).post(end_url(event), {"ended_at": iso(-10)}, format="json")

    assert again.status_code == 409
    assert EVENT_ALREADY_ENDED in str(again.json())
    assert ClinicalEvent.objects.get(pk=event.pk).ended_at.isoformat() == first


def test_an_event_entered_in_error_cannot_end(api_as, nurse, admission):
    event = af(admission, nurse)
    observation_mark_entered_in_error(observation=event, by=nurse, reason="wrong patient")

    response = api_as(nurse).post(end_url(event), {"ended_at": iso(-10)}, format="json")

    assert response.status_code == 409
    assert EVENT_IN_ERROR_CANNOT_END in str(response.json())


def test_a_pharmacist_may_not_end_an_event(api_as, nurse, pharmacist, admission):
    event = af(admission, nurse)

    response = api_as(pharmacist).post(end_url(event), {"ended_at": iso(-10)}, format="json")

    assert response.status_code == 403
    assert ClinicalEvent.objects.get(pk=event.pk).ended_at is None


def test_an_unknown_event_is_a_404(api_as, nurse):
    url = "/api/v1/events/00000000-0000-0000-0000-000000000000/end/"
    assert api_as(nurse).post(url, {"ended_at": iso(-10)}, format="json").status_code == 404


def test_anonymous_is_a_401(client, nurse, admission):
    event = af(admission, nurse)
    response = client.post(end_url(event), {"ended_at": iso(-10)}, content_type="application/json")
    assert response.status_code == 401
