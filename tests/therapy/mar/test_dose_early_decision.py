"""A physician's documented early decision (issue 14 item 2): before a dose's window (more than
2 h before its time) nothing may be recorded, except a hold by a physician with a written
reason, kept on the dose with who and when. An early give stays refused, for everyone: the q8h
spacing is a safety rule. Service, API and pages; both edges of the 2 h boundary."""

from datetime import datetime, timedelta
from typing import Any

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from tests.support.therapy_fixtures import order_course, record_vitals
from therapy.mar import courses
from therapy.mar.timing import TOO_EARLY_GIVE, TOO_EARLY_HOLD
from therapy.models import Dose, DoseStatus

pytestmark = pytest.mark.django_db

WHY = "Creatinine doubling since yesterday; nephrology review before any further dose"


@pytest.fixture
def second_nurse(make_user):  # type: ignore[no-untyped-def]
    return make_user("nurse", username="nurse.two")


@pytest.fixture
def course(admission, physician):  # type: ignore[no-untyped-def]
    """The first dose 5 h away: its window opens in 3 h."""
    return order_course(admission.patient, physician, first_dose_in=timedelta(hours=5))


def first(course: Any) -> Dose:
    return course.doses.get(cycle=1, number=1)


def opens(course: Any) -> datetime:
    return first(course).scheduled_at - timedelta(hours=2)


def hold(dose: Dose, by: Any, at: datetime, **extra: Any) -> Dose:
    return courses.dose_hold(
        dose=dose,
        by=by,
        reasons=["clinical_judgement"],
        note="see reason",
        now=at,
        held_at=at,
        **extra,
    )


def test_a_hold_as_the_window_opens_needs_no_early_reason(course, nurse):
    held = hold(first(course), nurse, opens(course))

    assert held.status == DoseStatus.HELD and held.early_reason == ""


def test_a_hold_one_second_before_the_window_is_refused_to_a_nurse(course, nurse):
    with pytest.raises(ValidationError) as caught:
        hold(first(course), nurse, opens(course) - timedelta(seconds=1))

    assert caught.value.message_dict == {"held_at": [TOO_EARLY_HOLD]}
    assert first(course).status == DoseStatus.SCHEDULED


def test_a_nurse_cannot_document_an_early_decision(course, nurse):
    with pytest.raises(PermissionDenied, match="Only a physician may hold a dose before"):
        hold(first(course), nurse, opens(course) - timedelta(hours=1), early_reason=WHY)

    assert first(course).status == DoseStatus.SCHEDULED


@pytest.mark.parametrize("reason", ["", "   \n "])
def test_a_physicians_early_hold_without_a_written_reason_is_refused(course, physician, reason):
    with pytest.raises(ValidationError) as caught:
        hold(first(course), physician, opens(course) - timedelta(seconds=1), early_reason=reason)

    assert caught.value.message_dict == {"held_at": [TOO_EARLY_HOLD]}
    assert first(course).status == DoseStatus.SCHEDULED


def test_a_physicians_early_hold_is_recorded_with_who_when_and_why(course, physician):
    at = opens(course) - timedelta(seconds=1)

    held = hold(first(course), physician, at, early_reason=f"  {WHY} ")

    assert held.status == DoseStatus.HELD
    assert (held.early_reason, held.held_by, held.held_at) == (WHY, physician, at)
    assert held.precheck is not None  # the check it was decided against, as for any hold
    latest = held.history.order_by("-history_date").first()
    assert latest.early_reason == WHY and latest.history_user == physician


def test_an_early_reason_inside_the_window_is_refused(course, physician):
    with pytest.raises(ValidationError) as caught:
        hold(first(course), physician, opens(course), early_reason=WHY)

    assert list(caught.value.message_dict) == ["early_reason"]
    assert "window is open" in caught.value.message_dict["early_reason"][0]
    assert first(course).status == DoseStatus.SCHEDULED


@pytest.mark.parametrize("override", ["", "Physician decision: give now"])
def test_a_give_one_second_before_the_window_is_refused_even_to_a_physician(
    course, nurse, physician, override
):
    at = opens(course) - timedelta(seconds=1)
    with time_machine.travel(at, tick=False):
        record_vitals(course.patient, nurse, minutes_ago=0)
        with pytest.raises(ValidationError) as caught:
            courses.dose_administer(
                dose=first(course),
                by=physician,
                verifier=nurse,
                given_at=at,
                override_reason=override,
            )

    assert caught.value.message_dict == {"given_at": [TOO_EARLY_GIVE]}
    assert first(course).status == DoseStatus.SCHEDULED


def test_a_give_as_the_window_opens_is_accepted(course, nurse, second_nurse):
    at = opens(course)
    with time_machine.travel(at, tick=False):
        record_vitals(course.patient, nurse, minutes_ago=0)
        given = courses.dose_administer(
            dose=first(course), by=nurse, verifier=second_nurse, given_at=at
        )

    assert given.status == DoseStatus.GIVEN and given.early_reason == ""


def test_api_early_hold_physician_200_nurse_403_missing_reason_400(
    api_as, course, nurse, physician
):
    url = reverse("api:dose-hold", args=[first(course).pk])
    body = {"reasons": ["clinical_judgement"], "note": "see reason"}

    assert api_as(nurse).post(url, {**body, "early_reason": WHY}, format="json").status_code == 403
    refused = api_as(physician).post(url, body, format="json")
    assert refused.status_code == 400 and refused.json()["held_at"] == [TOO_EARLY_HOLD]
    done = api_as(physician).post(url, {**body, "early_reason": WHY}, format="json")

    assert done.status_code == 200
    assert done.json()["early_reason"] == WHY and done.json()["held_by"] == physician.username


def test_pages_offer_the_early_decision_to_a_physician_only(client, course, nurse, physician):
    dose = first(course)
    panel_url = reverse("therapy:dose-panel", args=[course.patient.pk])
    hold_url = reverse("therapy:dose-hold", args=[dose.pk])

    client.force_login(nurse)
    assert "Hold early" not in client.get(panel_url).content.decode()
    nurse_page = client.get(hold_url).content.decode()
    assert "Too early." in nurse_page and "early decision" not in nurse_page
    # A nurse's post with an early reason is a plain hold, and too early.
    posted = client.post(
        hold_url, {"reasons": ["clinical_judgement"], "note": "x", "early_reason": WHY}
    )
    assert posted.status_code == 400 and first(course).status == DoseStatus.SCHEDULED

    client.force_login(physician)
    panel = client.get(panel_url).content.decode()
    assert f'href="{hold_url}">Hold early (documented decision)</a>' in panel
    assert "never given early" in panel
    page = client.get(hold_url).content.decode()
    assert "Before the window: a documented early decision." in page and "Record early hold" in page
    missing = client.post(hold_url, {"reasons": ["clinical_judgement"], "note": "x"})
    assert missing.status_code == 400
    assert "Say why the dose is held before its window." in missing.content.decode()
    done = client.post(
        hold_url, {"reasons": ["clinical_judgement"], "note": "x", "early_reason": WHY}
    )

    assert done.status_code == 302
    held = first(course)
    assert held.status == DoseStatus.HELD and held.early_reason == WHY
    assert held.held_by == physician
