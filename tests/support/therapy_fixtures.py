"""Shared set-ups for the therapy tests: vital signs that make a clinical picture, an admitted
patient on a course with vitals and an evaluation, a patient part-way through a cycle."""

from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from django.utils import timezone

from il2monitor.tokens.services import api_token_create
from patients.services.observations import fluid_record, lab_record
from patients.services.recording import observation_mark_entered_in_error
from patients.services.vitals import vitals_record
from tests.support.factories import AdmissionFactory, UserFactory
from therapy.mar import courses
from therapy.models import Course
from therapy.monitor.evaluation import evaluation_run

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


# Changes to NORMAL that make a picture (with record_vitals).
HIGH_NEWS2 = {
    "respiratory_rate": 26,
    "spo2": 91,
    "systolic_bp": 100,
    "heart_rate": 115,
    "temperature_c": Decimal("38.5"),
}
CRS_GRADE_3 = {
    "temperature_c": Decimal("38.6"),
    "systolic_bp": 84,
    "diastolic_bp": 50,
    "vasopressors": [{"agent": "norepinephrine", "dose": "0.05", "dose_unit": "mcg_kg_min"}],
}
NEWS2_MEDIUM = {"respiratory_rate": 22, "heart_rate": 115, "temperature_c": Decimal("38.5")}


def admitted(  # type: ignore[no-untyped-def]
    nurse, physician=None, *, vitals=None, first_dose_in=timedelta(hours=3), evaluate=True, **stay
):
    """An admitted patient, on a course when a ``physician`` orders one, with one vitals set
    (``vitals`` overrides normal values) and an evaluation by the monitor."""
    stay = AdmissionFactory(**stay)
    if physician is not None:
        order_course(stay.patient, physician, first_dose_in=first_dose_in)
    if vitals is not None:
        record_vitals(stay.patient, nurse, minutes_ago=10, **vitals)
    if evaluate:
        evaluation_run(patient_id=stay.patient.pk, reason="vitals")
    return stay


def on_cycle(nurse, physician, *, hours_of_vitals: int = 40):  # type: ignore[no-untyped-def]
    """A patient admitted 3 days ago whose cycle began 30 h ago: 2-hourly vitals, dose 1
    given, dose 2 held, urine every 4 h, creatinine twice a day, one set entered in error."""
    now = timezone.now()
    stay = AdmissionFactory(
        admitted_at=now - timedelta(days=3),
        patient__baseline_creatinine_mg_dl=Decimal("1.00"),
        patient__family_name="Lindqvist",
    )
    patient = stay.patient
    course = order_course(patient, physician, first_dose_in=-timedelta(hours=30))
    pre_dose = [31, 23]  # a set in the hour before doses 1 and 2, whatever hours_of_vitals
    for hours in sorted({*range(hours_of_vitals, 0, -2), *pre_dose}, reverse=True):
        vitals_record(
            patient=patient,
            by=nurse,
            taken_at=now - timedelta(hours=hours),
            **{**NORMAL, "temperature_c": Decimal("37.0") + Decimal(hours % 5) / 10},
            weight_kg=Decimal("73.5") if hours % 24 == 0 else None,
        )
    dose_1, dose_2 = course.doses.get(number=1), course.doses.get(number=2)
    courses.dose_administer(
        dose=dose_1,
        by=nurse,
        verifier=UserFactory(role="nurse", username="nurse.checker"),
        given_at=dose_1.scheduled_at + timedelta(minutes=5),
        now=dose_1.scheduled_at + timedelta(minutes=5),  # recorded as it happened
    )
    courses.dose_hold(
        dose=dose_2,
        by=nurse,
        reasons=["clinical_judgement"],
        note="rigors",
        held_at=dose_2.scheduled_at + timedelta(minutes=5),
        now=dose_2.scheduled_at + timedelta(minutes=5),
    )
    wrong = vitals_record(
        patient=patient,
        by=nurse,
        taken_at=now - timedelta(hours=3),
        temperature_c=Decimal("40.9"),
    ).record
    observation_mark_entered_in_error(observation=wrong, by=nurse, reason="wrong patient")
    for hours in range(40, 0, -4):
        fluid_record(
            patient=patient,
            by=nurse,
            direction="output",
            route="urine",
            volume_ml=200,
            period_start=now - timedelta(hours=hours),
            period_end=now - timedelta(hours=hours - 4),
        )
    for hours in (36, 24, 12):
        lab_record(
            patient=patient,
            by=nurse,
            test="creatinine",
            value=Decimal("1.2") + Decimal(36 - hours) / 100,
            unit="mg/dL",
            collected_at=now - timedelta(hours=hours),
        )
    evaluation_run(patient_id=patient.pk, reason="vitals")
    return stay, course


def token_client(api: Any, user: Any) -> Any:
    """A client authenticating like a REST client: each request loads its token, user and
    permissions afresh (a forced user would keep its permission cache between requests)."""
    key = api_token_create(user=user, name="poller", scope="read", by=None).key
    api.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    api.get("/api/v1/summaries/")  # first use writes the token's last-used time
    return api


def patient_in_trouble(nurse: Any, physician: Any, **admission: Any) -> Any:
    """Admitted, on a course with dose 1 held, grade 3 CRS picture, evaluated."""
    patient = AdmissionFactory(**admission).patient
    course = order_course(patient, physician, first_dose_in=timedelta(minutes=10))
    record_vitals(patient, nurse, minutes_ago=20)
    courses.dose_hold(
        dose=course.doses.get(number=1), by=nurse, reasons=["clinical_judgement"], note="rigors"
    )
    record_vitals(patient, nurse, minutes_ago=5, **CRS_GRADE_3)
    evaluation_run(patient_id=patient.pk, reason="vitals")
    return patient, course
