"""A give or hold is checked when it is recorded (clinical-rules.md §4 (v2), issue 11): over
everything recorded by then whatever ``given_at`` says, at most 60 min back, never before the
course's previous decision, no dose less than 7 h after the last; service, API and page."""

from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from patients.errors import ConflictError
from patients.services.vitals import vitals_record
from tests.support.therapy_fixtures import NORMAL, order_course, record_vitals
from therapy.mar import courses
from therapy.models import Dose, DoseStatus

pytestmark = pytest.mark.django_db

PASSWORD = "correct-horse-battery"  # tests/factories.py
# The set of the issue: SBP 78, HR 135, SpO2 88 % on 4 L nasal cannula.
WORSE = {
    "systolic_bp": 78,
    "diastolic_bp": 45,
    "heart_rate": 135,
    "spo2": 88,
    "oxygen_device": "nasal_cannula",
    "oxygen_flow_l_min": Decimal("4.0"),
}
TOO_FAR_BACK = "Too far back: a dose decision may be recorded at most 60 minutes after it happened"


@pytest.fixture
def second_nurse(make_user):  # type: ignore[no-untyped-def]
    return make_user("nurse", username="nurse.two")


@pytest.fixture
def course(admission, physician):  # type: ignore[no-untyped-def]
    return order_course(admission.patient, physician)


@pytest.fixture
def overdue_course(admission, physician):  # type: ignore[no-untyped-def]
    """Cycle 1 began 23 h ago: doses 1-3 (23 h, 15 h and 7 h ago) are all past their time."""
    return order_course(admission.patient, physician, first_dose_in=-timedelta(hours=23))


def dose(course: Any, number: int) -> Dose:
    return course.doses.get(cycle=1, number=number)


def said(value: datetime) -> str:
    """A time as the messages say it: "14:05" today, "3 Dec 14:05" another day (site zone)."""
    local = timezone.localtime(value)
    if local.date() == timezone.localdate():
        return f"{local:%H:%M}"
    return f"{local.day} {local:%b %H:%M}"


def local_field(value: datetime) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%dT%H:%M")


def give_api(client: Any, target: Dose, given_at: Any, **extra: Any) -> Any:
    body = {
        "given_at": given_at.isoformat() if isinstance(given_at, datetime) else given_at,
        "verifier": {"username": "nurse.two", "password": PASSWORD},
        **extra,
    }
    return client.post(f"/api/v1/doses/{target.pk}/administer/", body, format="json")


def give_page(client: Any, target: Dose, given_at: Any, **extra: Any) -> Any:
    form = {
        "given_at": local_field(given_at) if isinstance(given_at, datetime) else given_at,
        "verifier_username": "nurse.two",
        "verifier_password": PASSWORD,
        "override_reason": "",
        **extra,
    }
    return client.post(reverse("therapy:dose-give", args=[target.pk]), form)


def given_count() -> int:
    return Dose.objects.filter(status=DoseStatus.GIVEN).count()


# --- The check is the one at recording -----------------------------------------------------
def test_a_back_dated_give_is_checked_against_the_worse_set_recorded_since(
    course, nurse, second_nurse, physician
):
    record_vitals(course.patient, nurse, minutes_ago=30)  # normal
    record_vitals(course.patient, nurse, minutes_ago=5, **WORSE)
    back_dated = timezone.now() - timedelta(minutes=20)  # between the two sets

    with pytest.raises(ConflictError, match=r"says discontinue \(.*hr_gt_130"):
        courses.dose_administer(
            dose=dose(course, 1), by=nurse, verifier=second_nurse, given_at=back_dated
        )
    assert dose(course, 1).status == DoseStatus.SCHEDULED

    given = courses.dose_administer(
        dose=dose(course, 1),
        by=physician,
        verifier=second_nurse,
        given_at=back_dated,
        override_reason="Discussed with oncology on call: give",
    )
    assert given.given_at == back_dated
    assert given.precheck["recommendation"] == "discontinue"
    codes = {c["code"] for c in given.precheck["criteria"]}
    assert {"hr_gt_130", "sbp_lt_90", "spo2_lt_90", "oxygen_3_to_4_l"} <= codes
    assert datetime.fromisoformat(given.precheck["checked_at"]) > back_dated
    assert given.precheck["vitals_at"] > back_dated.isoformat()


def test_api_back_dated_give_is_409_and_the_override_stores_the_discontinue_check(
    api_as, course, nurse, second_nurse, physician
):
    record_vitals(course.patient, nurse, minutes_ago=30)
    record_vitals(course.patient, nurse, minutes_ago=5, **WORSE)
    back_dated = timezone.now() - timedelta(minutes=20)

    refused = give_api(api_as(nurse), dose(course, 1), back_dated)
    assert refused.status_code == 409 and "says discontinue" in refused.json()["detail"]
    assert dose(course, 1).status == DoseStatus.SCHEDULED

    overridden = give_api(
        api_as(physician), dose(course, 1), back_dated, override_reason="Oncology agrees"
    )
    assert overridden.status_code == 200, overridden.json()
    assert overridden.json()["precheck"]["recommendation"] == "discontinue"
    stored = api_as(physician).get(f"/api/v1/doses/{dose(course, 1).pk}/").json()
    assert stored["precheck"]["recommendation"] == "discontinue"


def test_page_back_dated_give_is_refused_and_the_dose_stays_scheduled(
    client, course, nurse, second_nurse
):
    record_vitals(course.patient, nurse, minutes_ago=30)
    record_vitals(course.patient, nurse, minutes_ago=5, **WORSE)
    client.force_login(nurse)

    response = give_page(client, dose(course, 1), timezone.now() - timedelta(minutes=20))

    assert response.status_code == 400
    assert "The pre-dose check says discontinue" in response.content.decode()
    assert dose(course, 1).status == DoseStatus.SCHEDULED


def test_a_set_timed_a_little_ahead_of_the_server_is_in_the_check(course, nurse, second_nurse):
    """A tablet whose clock runs 3 min fast: its set is recorded, so it counts."""
    record_vitals(course.patient, nurse, minutes_ago=30)
    vitals_record(
        patient=course.patient,
        by=nurse,
        taken_at=timezone.now() + timedelta(minutes=3),
        **{**NORMAL, **WORSE},
    )
    with pytest.raises(ConflictError, match="says discontinue"):
        courses.dose_administer(
            dose=dose(course, 1), by=nurse, verifier=second_nurse, given_at=timezone.now()
        )
    assert dose(course, 1).status == DoseStatus.SCHEDULED


def test_a_back_dated_hold_stores_the_check_at_recording(course, nurse):
    record_vitals(course.patient, nurse, minutes_ago=30)
    record_vitals(course.patient, nurse, minutes_ago=5, **WORSE)
    held = courses.dose_hold(
        dose=dose(course, 1),
        by=nurse,
        reasons=["hr_gt_130"],
        held_at=timezone.now() - timedelta(minutes=20),
    )
    assert held.precheck["recommendation"] == "discontinue"


# --- How far back, and never before the previous decision ---------------------------------------
def test_given_at_61_minutes_back_is_400_and_59_is_accepted(api_as, course, nurse, second_nurse):
    record_vitals(course.patient, nurse, minutes_ago=90)
    record_vitals(course.patient, nurse, minutes_ago=20)
    client = api_as(nurse)

    refused = give_api(client, dose(course, 1), timezone.now() - timedelta(minutes=61))
    assert refused.status_code == 400
    assert refused.json()["given_at"][0].startswith(TOO_FAR_BACK)
    assert dose(course, 1).status == DoseStatus.SCHEDULED

    accepted = give_api(client, dose(course, 1), timezone.now() - timedelta(minutes=59))
    assert accepted.status_code == 200, accepted.json()


def test_page_given_at_61_minutes_back_is_400_naming_given_at(client, course, nurse, second_nurse):
    record_vitals(course.patient, nurse, minutes_ago=20)
    client.force_login(nurse)
    response = give_page(client, dose(course, 1), timezone.now() - timedelta(minutes=62))
    assert response.status_code == 400
    assert response.context["form"].errors["given_at"][0].startswith(TOO_FAR_BACK)
    assert dose(course, 1).status == DoseStatus.SCHEDULED


def test_a_hold_more_than_60_minutes_back_is_400_naming_held_at(course, nurse):
    with pytest.raises(ValidationError) as caught:
        courses.dose_hold(
            dose=dose(course, 1),
            by=nurse,
            reasons=["clinical_judgement"],
            note="rigors",
            held_at=timezone.now() - timedelta(minutes=61),
        )
    assert caught.value.message_dict["held_at"][0].startswith(TOO_FAR_BACK)
    assert dose(course, 1).status == DoseStatus.SCHEDULED


def test_a_give_before_the_previous_decision_is_400(
    api_as, client, overdue_course, nurse, second_nurse
):
    record_vitals(overdue_course.patient, nurse, minutes_ago=30)
    held_at = timezone.now() - timedelta(minutes=5)
    courses.dose_hold(
        dose=dose(overdue_course, 1),
        by=nurse,
        reasons=["clinical_judgement"],
        note="rigors",
        held_at=held_at,
    )
    before = f"cycle 1 dose 1, held at {said(held_at)}"

    response = give_api(api_as(nurse), dose(overdue_course, 2), held_at - timedelta(minutes=5))
    assert response.status_code == 400
    (message,) = response.json()["given_at"]
    assert message.startswith("Before this course's previous decision") and before in message

    client.force_login(nurse)
    page = give_page(client, dose(overdue_course, 2), held_at - timedelta(minutes=5))
    assert page.status_code == 400 and before in page.context["form"].errors["given_at"][0]
    assert dose(overdue_course, 2).status == DoseStatus.SCHEDULED


def test_a_hold_before_the_previous_decision_is_400(overdue_course, nurse, second_nurse):
    record_vitals(overdue_course.patient, nurse, minutes_ago=30)
    given_at = timezone.now() - timedelta(minutes=5)
    courses.dose_administer(
        dose=dose(overdue_course, 1), by=nurse, verifier=second_nurse, given_at=given_at
    )
    with pytest.raises(ValidationError) as caught:
        courses.dose_hold(
            dose=dose(overdue_course, 2),
            by=nurse,
            reasons=["clinical_judgement"],
            note="x",
            held_at=given_at - timedelta(minutes=1),
        )
    assert "cycle 1 dose 1, given at" in caught.value.message_dict["held_at"][0]
    assert dose(overdue_course, 2).status == DoseStatus.SCHEDULED


# --- Dose timing: 7 h apart -------------------------------------------------------------------
def test_two_gives_seconds_apart_the_second_is_409_and_stays_scheduled(
    api_as, overdue_course, nurse, second_nurse
):
    record_vitals(overdue_course.patient, nurse, minutes_ago=30)
    client = api_as(nurse)
    first = give_api(client, dose(overdue_course, 1), timezone.now())
    assert first.status_code == 200, first.json()
    given_at = Dose.objects.get(pk=first.json()["id"]).given_at

    second = give_api(client, dose(overdue_course, 2), given_at + timedelta(seconds=3))

    assert second.status_code == 409
    assert second.json()["detail"] == (
        f"The previous dose was given at {said(given_at)}; this one can be given from "
        f"{said(given_at + timedelta(hours=7))} (doses at least 7 hours apart). "
        "It stays scheduled."
    )
    assert dose(overdue_course, 2).status == DoseStatus.SCHEDULED
    assert given_count() == 1


def test_page_two_gives_seconds_apart_the_second_is_refused(
    client, overdue_course, nurse, second_nurse
):
    record_vitals(overdue_course.patient, nurse, minutes_ago=30)
    client.force_login(nurse)
    assert give_page(client, dose(overdue_course, 1), timezone.now()).status_code == 302

    second = give_page(client, dose(overdue_course, 2), timezone.now())

    assert second.status_code == 400
    assert "this one can be given from" in second.content.decode()
    assert dose(overdue_course, 2).status == DoseStatus.SCHEDULED
    assert given_count() == 1


def test_a_hold_in_between_does_not_shorten_the_interval(overdue_course, nurse, second_nurse):
    record_vitals(overdue_course.patient, nurse, minutes_ago=30)
    now = timezone.now()
    courses.dose_administer(
        dose=dose(overdue_course, 1), by=nurse, verifier=second_nurse, given_at=now
    )
    courses.dose_hold(
        dose=dose(overdue_course, 2), by=nurse, reasons=["clinical_judgement"], note="rigors"
    )
    with pytest.raises(ConflictError, match=f"previous dose was given at {said(now)};"):
        courses.dose_administer(
            dose=dose(overdue_course, 3),
            by=nurse,
            verifier=second_nurse,
            given_at=timezone.now(),
        )
    assert dose(overdue_course, 3).status == DoseStatus.SCHEDULED


def test_a_given_at_ahead_of_the_server_does_not_stretch_the_interval(
    admission, physician, nurse, second_nurse
):
    """Typed 4 min ahead (inside the clock-skew allowance) at 6 h 58 min: still too soon."""
    course = order_course(admission.patient, physician, first_dose_in=-timedelta(hours=7))
    earlier = timezone.now() - timedelta(hours=6, minutes=58)
    record_vitals(course.patient, nurse, minutes_ago=7 * 60)
    courses.dose_administer(
        dose=dose(course, 1), by=nurse, verifier=second_nurse, given_at=earlier, now=earlier
    )
    record_vitals(course.patient, nurse, minutes_ago=10)
    with pytest.raises(ConflictError, match="at least 7 hours apart"):
        courses.dose_administer(
            dose=dose(course, 2),
            by=nurse,
            verifier=second_nurse,
            given_at=timezone.now() + timedelta(minutes=4),
        )


@pytest.mark.parametrize(("gap", "status"), [((6, 59), 409), ((7, 0), 200)])
def test_api_interval_edges(api_as, admission, physician, nurse, second_nurse, gap, status):
    """Dose 1 given 6 h 59 min (or 7 h 0 min) before dose 2 is recorded (recorded as it
    happened), dose 2 due in 30 min."""
    course = order_course(
        admission.patient, physician, first_dose_in=-timedelta(hours=7, minutes=30)
    )
    first_given = timezone.now() - timedelta(hours=gap[0], minutes=gap[1])
    record_vitals(course.patient, nurse, minutes_ago=7 * 60 + 20)
    courses.dose_administer(
        dose=dose(course, 1), by=nurse, verifier=second_nurse, given_at=first_given, now=first_given
    )
    record_vitals(course.patient, nurse, minutes_ago=10)

    response = give_api(api_as(nurse), dose(course, 2), timezone.now())

    assert response.status_code == status, response.json()
    expected = DoseStatus.SCHEDULED if status == 409 else DoseStatus.GIVEN
    assert dose(course, 2).status == expected


@pytest.mark.parametrize(("minutes", "refused"), [(6 * 60 + 59, True), (7 * 60, False)])
def test_service_interval_edges_to_the_minute(
    admission, physician, nurse, second_nurse, minutes, refused
):
    course = order_course(admission.patient, physician, first_dose_in=-timedelta(hours=20))
    start = dose(course, 1).scheduled_at
    record_vitals(course.patient, nurse, minutes_ago=20 * 60 + 20)
    courses.dose_administer(
        dose=dose(course, 1), by=nurse, verifier=second_nurse, given_at=start, now=start
    )
    second_at = start + timedelta(minutes=minutes)
    vitals_record(
        patient=course.patient, by=nurse, taken_at=second_at - timedelta(minutes=15), **NORMAL
    )
    give = lambda: courses.dose_administer(  # noqa: E731
        dose=dose(course, 2), by=nurse, verifier=second_nurse, given_at=second_at, now=second_at
    )
    if refused:
        with pytest.raises(ConflictError, match="at least 7 hours apart"):
            give()
        assert dose(course, 2).status == DoseStatus.SCHEDULED
    else:
        assert give().status == DoseStatus.GIVEN


# --- No date gives a 500 ------------------------------------------------------------------------
HOSTILE_GIVEN_AT = [
    "0001-01-01T00:00:00Z",
    "0001-01-01T00:00:00",
    "0001-01-01T00:00:00+23:59",
    "1577-03-01T10:00:00Z",
    "1900-01-01T00:00:00Z",
    "9999-12-31T23:59:59Z",
    "9999-12-31T23:59:59-23:59",
    "2026-01-01T10:00:00+99:00",
    "+10000-01-01T00:00:00Z",
    "",
    "yesterday",
]


@pytest.mark.parametrize("given_at", HOSTILE_GIVEN_AT)
def test_api_hostile_given_at_is_400_naming_given_at(api_as, course, nurse, second_nurse, given_at):
    record_vitals(course.patient, nurse, minutes_ago=20)
    before = (given_count(), Dose.objects.count())

    response = give_api(api_as(nurse), dose(course, 1), given_at)

    assert response.status_code == 400 and "given_at" in response.json(), response.json()
    assert (given_count(), Dose.objects.count()) == before


@pytest.mark.parametrize(
    "given_at",
    ["0001-01-01T00:00", "1577-03-01T10:00", "1900-01-01T00:00", "9999-12-31T23:59", "", "x"],
)
def test_page_hostile_given_at_is_400_naming_given_at(
    client, course, nurse, second_nurse, given_at
):
    record_vitals(course.patient, nurse, minutes_ago=20)
    client.force_login(nurse)
    before = (given_count(), Dose.objects.count())

    response = give_page(client, dose(course, 1), given_at)

    assert response.status_code == 400 and response.context["form"].errors["given_at"]
    assert (given_count(), Dose.objects.count()) == before


def test_a_new_course_does_not_shorten_the_interval(admission, physician, nurse, second_nurse):
    """Discontinue and re-order: the first dose of the new course still waits 7 h."""
    first = order_course(admission.patient, physician)
    record_vitals(first.patient, nurse, minutes_ago=20)
    given = courses.dose_administer(
        dose=dose(first, 1), by=nurse, verifier=second_nurse, given_at=timezone.now()
    )
    courses.course_discontinue(course=first, by=physician, reason="re-order")
    second = order_course(admission.patient, physician, first_dose_in=-timedelta(minutes=5))

    with pytest.raises(ConflictError, match=f"previous dose was given at {said(given.given_at)};"):
        courses.dose_administer(
            dose=dose(second, 1), by=nurse, verifier=second_nurse, given_at=timezone.now()
        )
    assert dose(second, 1).status == DoseStatus.SCHEDULED


def test_marking_a_give_entered_in_error_does_not_shorten_the_interval(
    overdue_course, nurse, second_nurse
):
    """Give, mark it entered in error, give the next one: it may have gone in, so it counts."""
    record_vitals(overdue_course.patient, nurse, minutes_ago=30)
    first = courses.dose_administer(
        dose=dose(overdue_course, 1), by=nurse, verifier=second_nurse, given_at=timezone.now()
    )
    courses.dose_mark_entered_in_error(dose=first, by=nurse, reason="charted twice?")

    with pytest.raises(
        ConflictError,
        match=rf"given at {said(first.given_at)} \(recorded, since marked entered in error\);",
    ):
        courses.dose_administer(
            dose=dose(overdue_course, 2), by=nurse, verifier=second_nurse, given_at=timezone.now()
        )
    assert dose(overdue_course, 2).status == DoseStatus.SCHEDULED


def test_a_held_dose_entered_in_error_is_no_interval(overdue_course, nurse, second_nurse):
    record_vitals(overdue_course.patient, nurse, minutes_ago=30)
    held = courses.dose_hold(
        dose=dose(overdue_course, 1), by=nurse, reasons=["clinical_judgement"], note="x"
    )
    courses.dose_mark_entered_in_error(dose=held, by=nurse, reason="wrong patient")
    given = courses.dose_administer(
        dose=dose(overdue_course, 2), by=nurse, verifier=second_nurse, given_at=timezone.now()
    )
    assert given.status == DoseStatus.GIVEN
