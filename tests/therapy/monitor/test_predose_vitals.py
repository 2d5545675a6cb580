"""§6 (v2) through the monitor: ``predose_vitals_due`` in the 2 h before a dose with no full
set of vitals in that window (routine, urgent from 30 min before), never ``hold_criteria`` for
missing data; hourly vitals while a vasopressor runs or CRS is grade 3 or more."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from tests.support.therapy_fixtures import order_course, record_vitals
from therapy.models import Alert, MonitorState
from therapy.monitor.evaluation import evaluation_run

pytestmark = pytest.mark.django_db
M = timedelta(minutes=1)


def evaluate(patient, at):  # type: ignore[no-untyped-def]
    return evaluation_run(patient_id=patient.pk, reason="vitals", now=at)


def kinds(patient):  # type: ignore[no-untyped-def]
    return dict(
        Alert.objects.filter(patient=patient, status__in=["active", "acknowledged"]).values_list(
            "kind", "severity"
        )
    )


def test_predose_vitals_due_routine_then_urgent_never_hold_criteria(admission, nurse, physician):
    patient = admission.patient
    course = order_course(patient, physician, first_dose_in=timedelta(hours=3))
    record_vitals(patient, nurse, minutes_ago=10)  # a full set, but before the window opens
    dose_at = course.doses.get(number=1).scheduled_at

    evaluate(patient, dose_at - 121 * M)
    assert "predose_vitals_due" not in kinds(patient)

    evaluate(patient, dose_at - 120 * M)
    assert kinds(patient)["predose_vitals_due"] == "routine"
    alert = Alert.objects.get(patient=patient, kind="predose_vitals_due")
    assert alert.evidence["scheduled_at"] == dose_at.isoformat()
    assert alert.evidence["last_vitals_at"] is not None

    evaluate(patient, dose_at - 31 * M)
    assert kinds(patient)["predose_vitals_due"] == "routine"
    evaluate(patient, dose_at - 30 * M)
    found = kinds(patient)
    assert found["predose_vitals_due"] == "urgent"
    # The pre-check says insufficient data: missing vitals are a task, not a hold.
    assert "hold_criteria" not in found
    assert Alert.objects.filter(patient=patient, kind="predose_vitals_due").count() == 1


def test_a_full_set_in_the_window_means_no_predose_alert(admission, nurse, physician):
    patient = admission.patient
    course = order_course(patient, physician, first_dose_in=timedelta(minutes=90))
    record_vitals(patient, nurse, minutes_ago=5)  # inside the window (dose in 90 min)
    dose_at = course.doses.get(number=1).scheduled_at
    evaluate(patient, dose_at - 20 * M)
    assert "predose_vitals_due" not in kinds(patient)
    assert "hold_criteria" not in kinds(patient)


def test_a_hold_still_raises_hold_criteria(admission, nurse, physician):
    patient = admission.patient
    course = order_course(patient, physician, first_dose_in=timedelta(minutes=90))
    record_vitals(patient, nurse, minutes_ago=5, heart_rate=118)
    evaluate(patient, course.doses.get(number=1).scheduled_at - 60 * M)
    assert kinds(patient)["hold_criteria"] == "urgent"
    assert "predose_vitals_due" not in kinds(patient)


def due_minutes(patient):  # type: ignore[no-untyped-def]
    return MonitorState.objects.get(patient=patient).findings["due_interval_minutes"]


def test_vitals_hourly_while_a_vasopressor_runs(admission, nurse, physician):
    patient = admission.patient
    order_course(patient, physician, first_dose_in=timedelta(hours=5))
    record_vitals(patient, nurse, minutes_ago=5)
    evaluate(patient, timezone.now())
    assert due_minutes(patient) == 120  # in a cycle, NEWS2 0: 2-hourly

    pressor = [{"agent": "phenylephrine", "dose": "0.3", "dose_unit": "mcg_kg_min"}]
    taken = record_vitals(patient, nurse, minutes_ago=2, vasopressors=pressor).taken_at
    evaluate(patient, timezone.now())
    assert due_minutes(patient) == 60
    assert MonitorState.objects.get(patient=patient).findings["close_watch"] == (
        "vasopressor_running"
    )
    # Overdue after the hour, not after two.
    evaluate(patient, taken + 60 * M)
    assert "vitals_overdue" not in kinds(patient)
    evaluate(patient, taken + 60 * M + timedelta(seconds=1))
    assert kinds(patient)["vitals_overdue"] == "routine"


CRS_3_BY_HYPOXIA = {  # fever on high-flow oxygen, no vasopressor: NEWS2 3, CRS grade 3
    "temperature_c": Decimal("38.6"),
    "oxygen_device": "high_flow_nasal_cannula",
    "oxygen_flow_l_min": Decimal(30),
}
CRS_2 = {**CRS_3_BY_HYPOXIA, "oxygen_device": "nasal_cannula", "oxygen_flow_l_min": Decimal(2)}


@pytest.mark.parametrize(
    ("vitals", "grade", "minutes"), [(CRS_2, 2, 120), (CRS_3_BY_HYPOXIA, 3, 60)]
)
def test_vitals_hourly_from_crs_grade_3(admission, nurse, physician, vitals, grade, minutes):
    patient = admission.patient
    order_course(patient, physician, first_dose_in=timedelta(hours=5))
    record_vitals(patient, nurse, minutes_ago=5, **vitals)
    evaluate(patient, timezone.now())
    findings = MonitorState.objects.get(patient=patient).findings
    assert findings["crs"]["grade"] == grade
    assert findings["due_interval_minutes"] == minutes
    assert findings["close_watch"] == ("crs_grade" if grade == 3 else None)
