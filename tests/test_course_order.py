"""Ordering a course: the rules engine's arithmetic stored as computed, the q8h schedule, the
refusals, and discontinuation."""

from datetime import timedelta
from decimal import Decimal
from itertools import pairwise

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from patients.errors import ConflictError
from tests.clock import FromNow, as_aware
from tests.therapy_fixtures import order_course
from therapy import courses
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
        ({"interval_hours": 4}, "interval_hours"),
        ({"max_doses_per_cycle": 15}, "max_doses_per_cycle"),
        ({"cycle_2_start": FromNow()}, "cycle_2_start"),
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
