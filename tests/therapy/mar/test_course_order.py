"""Ordering a course: the rules engine's arithmetic stored as computed, the q8h schedule, the
refusals, and discontinuation."""

from datetime import datetime, timedelta
from decimal import Decimal
from itertools import pairwise
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from patients.errors import ConflictError
from tests.support.clock import FromNow, as_aware
from tests.support.therapy_fixtures import order_course
from therapy.mar import courses
from therapy.models import Course, CourseStatus, Dose, DoseStatus

pytestmark = pytest.mark.django_db


def test_order_stores_the_arithmetic_and_schedules_14_doses_8_hours_apart(admission, physician):
    patient = admission.patient  # baseline 72.0 kg
    course = order_course(patient, physician)

    assert course.dose_iu == 600_000 * 72  # 43,200,000 IU
    assert course.volume_ml == Decimal("2.40")  # / 18 MIU/mL
    assert course.vials == 2  # ceil(43.2 / 22)
    assert course.rule_version == "label-2024+consensus-2014 v1"
    doses = list(course.doses.order_by("number"))
    assert [d.number for d in doses] == list(range(1, 15))
    assert all(b.scheduled_at - a.scheduled_at == timedelta(hours=8) for a, b in pairwise(doses))
    assert {d.dose_iu for d in doses} == {course.dose_iu}
    assert course.history.first().history_user == physician


def test_two_cycles_and_a_different_dosing_weight(admission, physician):
    course = order_course(
        admission.patient,
        physician,
        cycle_2_start=timezone.now() + timedelta(days=14),
        dosing_weight_kg=Decimal("80.5"),
    )
    assert course.dose_iu == 48_300_000
    assert course.doses.filter(cycle=2).count() == 14


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"dosing_weight_kg": Decimal("19")}, "dosing_weight_kg"),
        ({"dose_iu_per_kg": 0}, "dose_iu_per_kg"),
        ({"dose_iu_per_kg": 900_000}, "dose_iu_per_kg"),
        ({"dose_iu_per_kg": 599_999}, "dose_iu_per_kg"),  # below the profile's minimum
        ({"dose_iu_per_kg": 600_001}, "dose_iu_per_kg"),  # above its maximum
        ({"interval_hours": 4}, "interval_hours"),
        ({"max_doses_per_cycle": 15}, "max_doses_per_cycle"),
        ({"cycle_2_start": FromNow()}, "cycle_2_start"),  # during cycle 1
        ({"cycle_2_start": FromNow(days=28, minutes=11)}, "cycle_2_start"),  # 28 d after it
    ],
)
def test_bad_orders_are_refused_naming_the_field_and_nothing_is_written(
    admission, physician, kwargs, field
):
    with pytest.raises(ValidationError) as caught:
        order_course(admission.patient, physician, **as_aware(kwargs))
    assert field in caught.value.message_dict
    assert Course.objects.count() == 0 and Dose.objects.count() == 0


def test_only_a_physician_orders_and_only_one_active_course(admission, physician, nurse):
    with pytest.raises(PermissionDenied):
        order_course(admission.patient, nurse)
    order_course(admission.patient, physician)
    with pytest.raises(ConflictError, match="already has an active IL-2 course"):
        order_course(admission.patient, physician)
    assert Course.objects.count() == 1


def test_discontinue_cancels_the_remaining_doses_and_is_physician_only(admission, physician, nurse):
    course = order_course(admission.patient, physician)
    with pytest.raises(PermissionDenied):
        courses.course_discontinue(course=course, by=nurse, reason="x")
    with pytest.raises(ValidationError):
        courses.course_discontinue(course=course, by=physician, reason=" ")

    courses.course_discontinue(course=course, by=physician, reason="Grade 4 CRS")

    course.refresh_from_db()
    assert course.status == CourseStatus.DISCONTINUED and course.discontinued_by == physician
    assert set(course.doses.values_list("status", flat=True)) == {DoseStatus.CANCELLED}
    assert course.doses.count() == 14  # cancelled, not deleted
    with pytest.raises(ConflictError, match="already discontinued"):
        courses.course_discontinue(course=course, by=physician, reason="again")


# --- When a course may start (clinical-rules.md §4 (v2)) ----------------------------------------
START_WINDOW = "must be no more than 24 hours in the past and no more than 30 days ahead"
M = timedelta(minutes=1)


def rows() -> tuple[int, int]:
    return Course.objects.count(), Dose.objects.count()


@pytest.mark.parametrize(
    ("offset", "ok"),
    [
        (-timedelta(hours=24) - M, False),
        (-timedelta(hours=24), True),
        (-timedelta(hours=24) + M, True),
        (timedelta(days=30) - M, True),
        (timedelta(days=30), True),
        (timedelta(days=30) + M, False),
        (timedelta(days=5 * 365), False),
    ],
)
def test_cycle_1_starts_within_24_hours_past_and_30_days_ahead(admission, physician, offset, ok):
    now = timezone.now()
    order = lambda: courses.course_order(  # noqa: E731
        patient=admission.patient, by=physician, cycle_1_start=now + offset, now=now
    )
    if ok:
        assert order().doses.count() == 14
        return
    with pytest.raises(ValidationError) as caught:
        order()
    assert caught.value.message_dict == {"cycle_1_start": [START_WINDOW]}
    assert rows() == (0, 0)


# Every one a 400 naming the field, nothing written, never a 500. Naive times are read in the
# site's zone (until offsets become mandatory); "+23:59" at the ends of the calendar overflows.
HOSTILE_STARTS = [
    "1577-03-01T10:00:00Z",
    "1900-01-01T00:00:00Z",
    "0001-01-01T00:00:00Z",
    "0001-01-01T00:00:00",
    "0001-01-01T00:00:00+23:59",
    "9999-12-31T23:59:59Z",
    "9999-12-31T23:59:59",
    "9999-12-31T23:59:59-23:59",
    "9999-12-31T20:00:00Z",  # + 13 × 8 h is past the last representable time
    "2026-01-01T10:00:00+99:00",
    "10000-01-01T00:00:00Z",
    "soon",
    "",
    None,
]


@pytest.mark.parametrize("start", HOSTILE_STARTS)
def test_api_hostile_cycle_1_start_is_400_naming_it(api_as, physician, admission, start):
    before = rows()
    response = api_as(physician).post(
        f"/api/v1/patients/{admission.patient.pk}/courses/", {"cycle_1_start": start}, format="json"
    )
    assert response.status_code == 400 and "cycle_1_start" in response.json(), response.json()
    assert rows() == before


@pytest.mark.parametrize("start", [s for s in HOSTILE_STARTS if s])
def test_api_hostile_cycle_2_start_is_400_naming_it(api_as, physician, admission, start):
    before = rows()
    response = api_as(physician).post(
        f"/api/v1/patients/{admission.patient.pk}/courses/",
        {
            "cycle_1_start": (timezone.now() + timedelta(hours=1)).isoformat(),
            "cycle_2_start": start,
        },
        format="json",
    )
    assert response.status_code == 400 and set(response.json()) == {"cycle_2_start"}
    assert rows() == before


@pytest.mark.parametrize(
    ("offset", "status"),
    [
        (-timedelta(hours=24) - M, 400),
        (-timedelta(hours=24) + M, 201),
        (timedelta(days=30) - M, 201),
        (timedelta(days=30) + M, 400),
        (timedelta(days=5 * 365), 400),
    ],
)
def test_api_cycle_1_start_edges(api_as, physician, admission, offset, status):
    start = timezone.now() + offset
    response = api_as(physician).post(
        f"/api/v1/patients/{admission.patient.pk}/courses/",
        {"cycle_1_start": start.isoformat()},
        format="json",
    )
    assert response.status_code == status, response.json()
    if status == 400:
        assert response.json() == {"cycle_1_start": [START_WINDOW]} and rows() == (0, 0)


@pytest.mark.parametrize(
    ("per_kg", "status"), [(599_999, 400), (600_000, 201), (600_001, 400), (6_000_000, 400)]
)
def test_api_dose_per_kg_bounds(api_as, physician, admission, per_kg, status):
    response = api_as(physician).post(
        f"/api/v1/patients/{admission.patient.pk}/courses/",
        {
            "cycle_1_start": (timezone.now() + timedelta(hours=1)).isoformat(),
            "dose_iu_per_kg": per_kg,
        },
        format="json",
    )
    assert response.status_code == status, response.json()
    if status == 400:
        assert response.json() == {
            "dose_iu_per_kg": ["must be 600000 IU/kg (the site's rule profile)"]
        }


def local_field(value: datetime) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%dT%H:%M")


def order_page(client: Any, admission: Any, **fields: str) -> Any:
    form = {
        "dose_iu_per_kg": "600000",
        "dosing_weight_kg": "72.0",
        "interval_hours": "8",
        "max_doses_per_cycle": "14",
        "cycle_2_start": "",
        **fields,
    }
    return client.post(reverse("therapy:course-order", args=[admission.patient.pk]), form)


@pytest.mark.parametrize(
    "start",
    [
        "1577-03-01T10:00",
        "1900-01-01T00:00",
        "0001-01-01T00:00",
        "9999-12-31T23:59",
        "9999-12-31T20:00",
        "",
        "tomorrow",
    ],
)
def test_page_hostile_cycle_1_start_is_400_naming_it(client, physician, admission, start):
    client.force_login(physician)
    before = rows()
    response = order_page(client, admission, cycle_1_start=start)
    assert response.status_code == 400 and response.context["form"].errors["cycle_1_start"]
    assert rows() == before


@pytest.mark.parametrize(
    ("offset", "status"),
    [
        (-timedelta(hours=24) - M, 400),
        (-timedelta(hours=24) + 2 * M, 302),  # the page's minutes drop the seconds
        (timedelta(days=30) - M, 302),
        (timedelta(days=30) + 2 * M, 400),
        (timedelta(days=5 * 365), 400),
    ],
)
def test_page_cycle_1_start_edges(client, physician, admission, offset, status):
    client.force_login(physician)
    response = order_page(client, admission, cycle_1_start=local_field(timezone.now() + offset))
    assert response.status_code == status
    if status == 400:
        assert response.context["form"].errors["cycle_1_start"] == [START_WINDOW]
        assert rows() == (0, 0)


@pytest.mark.parametrize(("per_kg", "status"), [("599999", 400), ("600000", 302), ("600001", 400)])
def test_page_dose_per_kg_bounds(client, physician, admission, per_kg, status):
    client.force_login(physician)
    response = order_page(
        client,
        admission,
        cycle_1_start=local_field(timezone.now() + timedelta(hours=1)),
        dose_iu_per_kg=per_kg,
    )
    assert response.status_code == status
    if status == 400:
        assert response.context["form"].errors["dose_iu_per_kg"] and rows() == (0, 0)
