"""The summary selector shared by the pages and the API: contents and a fixed query count."""

from datetime import timedelta

import pytest
from django.utils import timezone

from tests.test_alert_kinds import CRS_GRADE_3
from tests.therapy_fixtures import order_course, record_vitals
from therapy import courses
from therapy.models import MonitorState
from therapy.services import evaluation_run
from therapy.summary import patient_summary

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

    summary = patient_summary(user=nurse, patient=patient)

    assert summary.admission == admission
    assert summary.therapy.to_dict() | {"next_dose_at": None} == {
        "course_id": str(course.pk),
        "cycle": 1,
        "doses_given": 0,
        "doses_held": 1,
        "max_doses": 14,
        "next_dose_id": str(course.doses.get(number=2).pk),
        "next_dose_at": None,
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
    with django_assert_num_queries(10):
        patient_summary(user=nurse, patient=patient)
    for minutes in range(60, 300, 10):
        record_vitals(patient, nurse, minutes_ago=minutes)
    with django_assert_num_queries(10):
        patient_summary(user=nurse, patient=patient)
