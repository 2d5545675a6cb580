"""Issue 16: on a new record, the urgent parts (NEWS2, CRS, VLS, AKI) are evaluated and their
alerts committed first; the rest (the pre-check, trends, overdue care, the state, the log)
follows in the same task at the same moment, on the same reads. Alerts are still opened,
counted absent and notified exactly once, the other kinds are left alone by the first step,
and a failure in it never stops the rest."""

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from tests.support.factories import AdmissionFactory
from tests.support.therapy_fixtures import CRS_GRADE_3, order_course, record_vitals
from therapy import tasks
from therapy.models import OPEN_STATUSES, Alert, AlertKind, Notification, PatientEvaluation
from therapy.monitor import assessment as assessment_module
from therapy.monitor import evaluation as evaluation_module
from therapy.monitor.evaluation import evaluation_run, evaluation_urgent_run

pytestmark = pytest.mark.django_db


def open_kinds(patient: Any) -> set[str]:
    return set(
        Alert.objects.filter(patient=patient, status__in=OPEN_STATUSES).values_list(
            "kind", flat=True
        )
    )


def crs_before_a_dose(nurse: Any, physician: Any) -> Any:
    """Grade 3 CRS (hypotension on a pressor) 90 min before a dose: crs and news2 are urgent
    findings, hold_criteria (the pre-check says hold) is one of the rest."""
    patient = AdmissionFactory().patient
    order_course(patient, physician, first_dose_in=timedelta(minutes=90))
    record_vitals(patient, nurse, minutes_ago=1, **CRS_GRADE_3)
    return patient


def test_the_urgent_step_opens_only_the_urgent_kinds_and_the_rest_follows(nurse, physician):
    patient = crs_before_a_dose(nurse, physician)
    now = timezone.now()

    urgent = evaluation_urgent_run(patient_id=patient.pk, reason="vitals", now=now)

    assert urgent is not None
    assert open_kinds(patient) == {AlertKind.CRS, AlertKind.NEWS2_LOW_MEDIUM}
    assert not PatientEvaluation.objects.filter(patient=patient).exists()  # logged by the rest

    evaluation_run(patient_id=patient.pk, reason="vitals", now=now, after=urgent)

    assert open_kinds(patient) == {
        AlertKind.CRS,
        AlertKind.NEWS2_LOW_MEDIUM,
        AlertKind.HOLD_CRITERIA,
    }
    for alert in Alert.objects.filter(patient=patient):
        assert Notification.objects.filter(alert=alert, event="opened").count() == 1
    assert Alert.objects.filter(patient=patient, kind=AlertKind.CRS).count() == 1
    assert PatientEvaluation.objects.filter(patient=patient, succeeded=True).count() == 1


def test_the_urgent_step_leaves_the_other_kinds_exactly_as_they_are(nurse, physician):
    patient = AdmissionFactory(admitted_at=timezone.now() - timedelta(hours=20)).patient
    evaluation_run(patient_id=patient.pk, reason="admission")  # no vitals for 20 h: overdue
    overdue = Alert.objects.get(patient=patient, kind=AlertKind.VITALS_OVERDUE)
    record_vitals(patient, nurse, minutes_ago=1, **CRS_GRADE_3)
    now = timezone.now()

    urgent = evaluation_urgent_run(patient_id=patient.pk, reason="vitals", now=now)

    overdue.refresh_from_db()
    assert overdue.clear_since is None and overdue.status == "active"  # untouched
    assert AlertKind.CRS in open_kinds(patient)

    evaluation_run(patient_id=patient.pk, reason="vitals", now=now, after=urgent)

    overdue.refresh_from_db()
    assert overdue.clear_since == now  # the rest saw it done (v1: resolves after an interval)


def test_an_absence_on_new_data_counts_once_across_both_steps(nurse, physician):
    patient = AdmissionFactory().patient
    record_vitals(patient, nurse, minutes_ago=30, **CRS_GRADE_3)
    evaluation_run(patient_id=patient.pk, reason="vitals")
    assert AlertKind.CRS in open_kinds(patient)
    record_vitals(patient, nurse, minutes_ago=1)  # a normal set: CRS absent, on new data

    tasks.patient_evaluate.apply(args=(str(patient.pk), "vitals")).get()

    crs = Alert.objects.get(patient=patient, kind=AlertKind.CRS)
    assert crs.status == "active" and crs.absent_evaluations == 1


def test_the_task_opens_each_alert_once_and_notifies_once(nurse, physician):
    patient = crs_before_a_dose(nurse, physician)

    tasks.patient_evaluate.apply(args=(str(patient.pk), "vitals")).get()
    tasks.patient_evaluate.apply(args=(str(patient.pk), "vitals")).get()  # delivered twice

    assert open_kinds(patient) == {
        AlertKind.CRS,
        AlertKind.NEWS2_LOW_MEDIUM,
        AlertKind.HOLD_CRITERIA,
    }
    assert Alert.objects.filter(patient=patient).count() == 3
    assert Notification.objects.filter(alert__patient=patient).count() == 3  # in-app, opened


def _broken(*args: object, **kwargs: object) -> object:
    raise ZeroDivisionError("forced for the test")


def test_a_failing_urgent_part_opens_monitor_failure_at_once(nurse, physician, monkeypatch):
    patient = crs_before_a_dose(nurse, physician)
    monkeypatch.setattr(assessment_module, "crs_assess", _broken)

    evaluation_urgent_run(patient_id=patient.pk, reason="vitals", now=timezone.now())

    failure = Alert.objects.get(patient=patient, kind=AlertKind.MONITOR_FAILURE)
    assert [f["part"] for f in failure.evidence["failures"]] == ["crs"]
    assert failure.evidence["parts_checked"] == ["news2", "vls", "aki"]
    assert AlertKind.NEWS2_LOW_MEDIUM in open_kinds(patient)  # the other parts still alert
    assert AlertKind.CRS not in open_kinds(patient)


def test_a_failing_urgent_step_never_stops_the_rest(nurse, physician, monkeypatch, caplog):
    patient = crs_before_a_dose(nurse, physician)
    reconcile = evaluation_module.alerts_reconcile
    calls: list[str] = []

    def fails_first(**kwargs: Any) -> None:
        calls.append("reconcile")
        if len(calls) == 1:
            raise ZeroDivisionError("forced for the test")
        reconcile(**kwargs)

    monkeypatch.setattr(evaluation_module, "alerts_reconcile", fails_first)

    tasks.patient_evaluate.apply(args=(str(patient.pk), "vitals")).get()

    assert "urgent evaluation failed" in caplog.text
    assert open_kinds(patient) == {
        AlertKind.CRS,
        AlertKind.NEWS2_LOW_MEDIUM,
        AlertKind.HOLD_CRITERIA,
    }
    assert PatientEvaluation.objects.get(patient=patient).succeeded


def test_a_tick_is_one_whole_evaluation(nurse, physician, monkeypatch):
    patient = crs_before_a_dose(nurse, physician)
    urgent: list[object] = []
    monkeypatch.setattr(
        evaluation_module, "evaluation_urgent_run", lambda **kwargs: urgent.append(kwargs)
    )

    tasks.patient_evaluate.apply(args=(str(patient.pk), "tick")).get()

    assert urgent == []
    assert AlertKind.CRS in open_kinds(patient)
