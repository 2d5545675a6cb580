"""Each alert kind of clinical-rules.md §6 raised by an evaluation, with its severity and
evidence, and resolved only after the condition has been absent for a whole due interval —
with an explicit clock (``now``), never sleeps."""

from datetime import timedelta
from decimal import Decimal

import pytest
import time_machine
from django.utils import timezone

from tests.support.therapy_fixtures import CRS_GRADE_3, HIGH_NEWS2, order_course, record_vitals
from therapy.models import Alert, AlertStatus, Notification
from therapy.monitor.evaluation import evaluation_run

pytestmark = pytest.mark.django_db


def evaluate(patient, *, at=None):  # type: ignore[no-untyped-def]
    return evaluation_run(patient_id=patient.pk, reason="vitals", now=at or timezone.now())


def open_alert(patient, kind):  # type: ignore[no-untyped-def]
    return Alert.objects.get(patient=patient, kind=kind, status__in=["active", "acknowledged"])


def test_news2_high_opens_an_emergency_alert_with_its_evidence(admission, nurse):
    patient = admission.patient
    record_vitals(patient, nurse, minutes_ago=5, **HIGH_NEWS2)

    evaluation = evaluate(patient)

    alert = open_alert(patient, "news2_high")
    assert alert.severity == "emergency"
    assert alert.evidence["total"] >= 7 and alert.evidence["subscores"]["respiratory_rate"] == 3
    assert alert.rule_version == "news2-rcp-2017"
    assert "news2_high" in evaluation.findings["alerts"]
    assert Notification.objects.filter(alert=alert, event="opened", channel="in_app").count() == 1


@pytest.mark.parametrize(
    ("values", "kind"),
    [
        ({"respiratory_rate": 26}, "news2_low_medium"),  # a single 3, total 3
        (
            {"respiratory_rate": 22, "heart_rate": 115, "temperature_c": Decimal("38.5")},
            "news2_medium",
        ),
    ],
)
def test_news2_bands_map_to_their_kind(admission, nurse, values, kind):
    record_vitals(admission.patient, nurse, minutes_ago=5, **values)
    evaluate(admission.patient)
    assert open_alert(admission.patient, kind).severity == "urgent"
    assert Alert.objects.filter(patient=admission.patient, kind__startswith="news2").count() == 1


def test_crs_grade_3_is_an_emergency_and_grade_2_urgent(admission, nurse):
    record_vitals(admission.patient, nurse, minutes_ago=5, **CRS_GRADE_3)
    evaluate(admission.patient)
    alert = open_alert(admission.patient, "crs")
    assert alert.severity == "emergency" and alert.evidence["grade"] == 3
    assert alert.evidence["hypotension_grade"] == 3
    assert alert.rule_version == "label-2024+consensus-2014 v1"


def test_crs_grade_2_then_3_raises_the_same_alert_and_notifies_the_rise(admission, nurse):
    patient = admission.patient
    record_vitals(
        patient,
        nurse,
        minutes_ago=20,
        temperature_c=Decimal("38.4"),
        systolic_bp=86,
        diastolic_bp=50,
    )
    evaluate(patient)
    assert open_alert(patient, "crs").severity == "urgent"

    record_vitals(patient, nurse, minutes_ago=5, **CRS_GRADE_3)
    evaluate(patient)

    alert = open_alert(patient, "crs")
    assert alert.severity == "emergency"
    assert Alert.objects.filter(patient=patient, kind="crs").count() == 1
    assert set(alert.notifications.values_list("event", flat=True)) == {
        "opened",
        "raised_to_emergency",
    }


def test_vls_suspected_is_urgent(admission, nurse):
    patient = admission.patient  # baseline weight 72.0 kg
    record_vitals(
        patient, nurse, minutes_ago=5, systolic_bp=86, diastolic_bp=50, weight_kg=Decimal("77.0")
    )
    evaluate(patient)
    alert = open_alert(patient, "vls")
    assert alert.severity == "urgent"
    present = {s["code"] for s in alert.evidence["signs"] if s["status"] == "present"}
    assert present == {"hypotension", "weight_gain"}


def test_hold_criteria_within_2_hours_of_the_dose(admission, nurse, physician):
    patient = admission.patient
    course = order_course(patient, physician, first_dose_in=timedelta(hours=1, minutes=30))
    record_vitals(patient, nurse, minutes_ago=5, heart_rate=118)
    dose_at = course.doses.get(number=1).scheduled_at

    evaluate(patient, at=dose_at - timedelta(hours=2, minutes=1))
    assert not Alert.objects.filter(patient=patient, kind="hold_criteria").exists()

    evaluate(patient)  # 1 h 30 min before the dose, vitals 5 min old
    alert = open_alert(patient, "hold_criteria")
    assert alert.severity == "urgent" and alert.evidence["recommendation"] == "hold"
    assert [c["code"] for c in alert.evidence["criteria"]] == ["hr_100_130"]


def test_dose_overdue_30_minutes_after_its_time(admission, nurse, physician):
    patient = admission.patient
    course = order_course(patient, physician, first_dose_in=timedelta(minutes=5))
    record_vitals(patient, nurse, minutes_ago=1)
    dose = course.doses.get(number=1)

    evaluate(patient, at=dose.scheduled_at + timedelta(minutes=29))
    assert not Alert.objects.filter(patient=patient, kind="dose_overdue").exists()
    evaluate(patient, at=dose.scheduled_at + timedelta(minutes=30))
    alert = open_alert(patient, "dose_overdue")
    assert alert.severity == "urgent" and alert.evidence["number"] == 1


def test_vitals_overdue_by_the_due_interval_in_a_cycle(admission, nurse, physician):
    patient = admission.patient
    order_course(patient, physician, first_dose_in=timedelta(hours=6))
    record_vitals(patient, nurse, minutes_ago=10)  # NEWS2 0 → 12 h, but 2 h in a cycle
    now = timezone.now()

    evaluate(patient, at=now + timedelta(hours=1, minutes=49))
    assert not Alert.objects.filter(patient=patient, kind="vitals_overdue").exists()
    evaluate(patient, at=now + timedelta(hours=1, minutes=51))
    alert = open_alert(patient, "vitals_overdue")
    assert alert.severity == "routine" and alert.evidence["due_interval_minutes"] == 120


@pytest.mark.parametrize(
    "partial",
    [
        {"heart_rate": 88, "spo2": 96},  # a bedside monitor's feed (HL7): no RR, ACVPU, T
        {"weight_kg": Decimal("72.4")},  # the daily weight
    ],
    ids=["monitor-feed", "weight"],
)
def test_a_partial_set_does_not_renew_the_vitals_interval(admission, nurse, physician, partial):
    """Vitals are due by the newest complete (NEWS2-scored) set: a heart rate streaming from a
    monitor, or a weight, must not keep ``vitals_overdue`` from firing, and the nurse's work
    list says OVERDUE at the same moment (one reference for both)."""
    from therapy.pages.worklist import work_lists

    patient = admission.patient
    order_course(patient, physician, first_dose_in=timedelta(hours=6))
    complete = record_vitals(patient, nurse, minutes_ago=10)
    unmeasured = dict.fromkeys(
        ("respiratory_rate", "spo2", "oxygen_device", "systolic_bp", "diastolic_bp"),
    ) | dict.fromkeys(("heart_rate", "consciousness", "temperature_c"))
    later = record_vitals(patient, nurse, minutes_ago=2, **{**unmeasured, **partial})
    assert later.news2_total is None and complete.news2_total is not None
    now = timezone.now()

    evaluate(patient, at=complete.taken_at + timedelta(hours=2, minutes=1))

    alert = open_alert(patient, "vitals_overdue")
    assert alert.evidence["last_vitals_at"] == complete.taken_at.isoformat()
    with time_machine.travel(complete.taken_at + timedelta(hours=2, minutes=1), tick=False):
        vitals = work_lists([patient.pk])[patient.pk][0]
    assert (vitals.what, vitals.status) == ("Vitals", "overdue")
    assert now < complete.taken_at + timedelta(hours=2)  # the partial set was inside it


def test_an_alert_resolves_only_after_2_hours_clear_and_two_evaluations_on_new_data(
    admission, nurse
):
    patient = admission.patient
    record_vitals(patient, nurse, minutes_ago=30, **HIGH_NEWS2)
    seen_at = timezone.now() - timedelta(minutes=25)
    evaluate(patient, at=seen_at)
    alert = open_alert(patient, "news2_high")

    record_vitals(patient, nurse, minutes_ago=10)  # back to NEWS2 0
    cleared_at = timezone.now()
    evaluate(patient, at=cleared_at)
    alert.refresh_from_db()
    assert alert.status == AlertStatus.ACTIVE and alert.clear_since == cleared_at

    evaluate(patient, at=seen_at + timedelta(hours=12))  # long after, but the same data
    alert.refresh_from_db()
    assert alert.status == AlertStatus.ACTIVE and alert.absent_evaluations == 1

    record_vitals(patient, nurse, minutes_ago=1)
    evaluate(patient, at=seen_at + timedelta(hours=12, minutes=1))
    alert.refresh_from_db()
    assert alert.status == AlertStatus.RESOLVED
    assert alert.resolved_at == seen_at + timedelta(hours=12, minutes=1)
    assert "2 consecutive evaluations on new data" in alert.resolution
    assert Alert.objects.filter(pk=alert.pk).exists()  # recorded, never deleted


def test_a_finding_that_returns_before_the_interval_keeps_the_alert_open(admission, nurse):
    patient = admission.patient
    record_vitals(patient, nurse, minutes_ago=40, **HIGH_NEWS2)
    evaluate(patient, at=timezone.now() - timedelta(minutes=35))
    record_vitals(patient, nurse, minutes_ago=20)
    evaluate(patient, at=timezone.now() - timedelta(minutes=15))
    record_vitals(patient, nurse, minutes_ago=5, **HIGH_NEWS2)
    evaluate(patient)

    alert = open_alert(patient, "news2_high")
    assert alert.clear_since is None
    assert Alert.objects.filter(patient=patient, kind="news2_high").count() == 1


def test_discharge_resolves_open_alerts(admission, nurse):
    from patients.services.patients import admission_discharge

    record_vitals(admission.patient, nurse, minutes_ago=5, **HIGH_NEWS2)
    evaluate(admission.patient)
    admission_discharge(admission=admission, by=nurse, discharged_at=timezone.now())
    evaluation_run(patient_id=admission.patient.pk, reason="discharge")
    alert = Alert.objects.get(patient=admission.patient, kind="news2_high")
    assert alert.status == AlertStatus.RESOLVED and alert.resolution == "Patient discharged."
