"""The summary selector shared by the pages and the API: contents and a fixed query count."""

from datetime import timedelta

import pytest
from django.utils import timezone

from tests.support.therapy_fixtures import CRS_GRADE_3, order_course, record_vitals
from therapy.mar import courses
from therapy.models import MonitorState
from therapy.monitor.evaluation import evaluation_run
from therapy.state.patient_state import patient_state

pytestmark = pytest.mark.django_db


def test_summary_after_an_evaluation(admission, nurse, physician, make_user):
    patient = admission.patient
    course = order_course(patient, physician, first_dose_in=timedelta(minutes=10))
    record_vitals(patient, nurse, minutes_ago=20)
    courses.dose_hold(
        dose=course.doses.get(number=1), by=nurse, reasons=["clinical_judgement"], note="rigors"
    )
    record_vitals(patient, nurse, minutes_ago=5, **CRS_GRADE_3)
    evaluation_run(patient_id=patient.pk, reason="vitals")

    summary = patient_state(patient=patient)

    assert summary.admission == admission
    second = course.doses.get(number=2)
    assert summary.therapy.to_dict() == {
        "course_id": course.pk,
        "cycle": 1,
        "doses_given": 0,
        "doses_held": 1,
        "max_doses": 14,
        "next_dose_id": second.pk,
        "next_dose_at": second.scheduled_at,
        "next_dose_window_opens_at": second.scheduled_at - timedelta(hours=2),
        "next_dose_overdue_at": second.scheduled_at + timedelta(minutes=30),
        "status": "active",
    }
    assert summary.crs["grade"] == 3 and summary.vls["severity"] in {"none", "warning", "critical"}
    assert summary.news2["total"] == 4 and summary.news2["band"] == "low_medium"
    assert summary.latest_vitals.systolic_bp == 84
    assert summary.precheck["dose_id"] == str(course.doses.get(number=2).pk)
    assert {a.kind for a in summary.active_alerts} >= {"crs"}


def test_newer_state_is_never_overwritten_by_an_older_evaluation(admission):
    now = timezone.now()
    evaluation_run(patient_id=admission.patient.pk, reason="tick", now=now)
    evaluation_run(patient_id=admission.patient.pk, reason="tick", now=now - timedelta(minutes=5))
    assert MonitorState.objects.get(patient=admission.patient).assessed_at == now


def test_summary_query_count_does_not_grow_with_history(
    admission, nurse, physician, django_assert_num_queries
):
    patient = admission.patient
    order_course(patient, physician, first_dose_in=timedelta(minutes=10))
    for minutes in (50, 40, 30):
        record_vitals(patient, nurse, minutes_ago=minutes)
    evaluation_run(patient_id=patient.pk, reason="vitals")
    # open admission, courses, doses, vitals ids, sets, vasopressors, monitor state, alerts
    with django_assert_num_queries(8):
        patient_state(patient=patient)
    for minutes in range(60, 300, 10):
        record_vitals(patient, nurse, minutes_ago=minutes)
    with django_assert_num_queries(8):
        patient_state(patient=patient)
