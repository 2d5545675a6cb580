"""Shared set-ups for the therapy tests: an admitted patient on a course, with vitals."""

from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from django.utils import timezone

from patients.services.vitals import vitals_record
from therapy.mar import courses
from therapy.models import Course

NORMAL = {
    "respiratory_rate": 16,
    "spo2": 97,
    "oxygen_device": "room_air",
    "systolic_bp": 118,
    "diastolic_bp": 72,
    "heart_rate": 84,
    "consciousness": "alert",
    "temperature_c": Decimal("37.1"),
    "vasopressors": [],
}


def record_vitals(patient: Any, by: Any, *, minutes_ago: int = 30, **values: Any) -> Any:
    return vitals_record(
        patient=patient,
        by=by,
        taken_at=timezone.now() - timedelta(minutes=minutes_ago),
        **{**NORMAL, **values},
    ).record


def order_course(
    patient: Any,
    physician: Any,
    *,
    first_dose_in: timedelta = timedelta(minutes=10),
    cycle_2_start: datetime | None = None,
    **kwargs: Any,
) -> Course:
    now = timezone.now()
    start = now + first_dose_in
    return courses.course_order(
        patient=patient,
        by=physician,
        cycle_1_start=start,
        cycle_2_start=cycle_2_start,
        # A course that began long ago is recorded as ordered then (within the start window).
        now=min(now, start),
        **kwargs,
    )
