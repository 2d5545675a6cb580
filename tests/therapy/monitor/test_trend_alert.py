"""§7 (v2) through the monitor: a falling systolic BP projected below 90 mmHg by the next
dose raises one urgent ``trend`` alert with the projection in its evidence; a flat series
raises none; the read model shows the projections."""

from datetime import timedelta

import pytest
from django.utils import timezone

from tests.support.therapy_fixtures import order_course, record_vitals
from therapy.models import Alert
from therapy.monitor.evaluation import evaluation_run
from therapy.state.patient_state import patient_state

pytestmark = pytest.mark.django_db


def chart_falling_sbp(patient, nurse, values=(120, 110, 100)):  # type: ignore[no-untyped-def]
    for minutes_ago, sbp in zip((8 * 60, 4 * 60, 5), values, strict=True):
        record_vitals(patient, nurse, minutes_ago=minutes_ago, systolic_bp=sbp)


def test_a_projected_crossing_raises_an_urgent_trend_alert(admission, nurse, physician):
    patient = admission.patient
    course = order_course(patient, physician, first_dose_in=timedelta(hours=6))
    chart_falling_sbp(patient, nurse)  # -2.5 mmHg/h: about 85 by the dose

    evaluation_run(patient_id=patient.pk, reason="vitals", now=timezone.now())

    alert = Alert.objects.get(patient=patient, kind="trend")
    assert alert.severity == "urgent"
    (crossing,) = alert.evidence["crossings"]
    assert crossing["series"] == "systolic_bp" and crossing["threshold"] == "< 90"
    assert crossing["current_value"] == "100"  # decimals as text, as every evidence
    assert float(crossing["slope_per_hour"]) == pytest.approx(-2.5, abs=0.05)
    assert crossing["projected_at"] == course.doses.get(number=1).scheduled_at.isoformat()
    assert 80 < float(crossing["projected_value"]) < 90
    assert alert.rule_version.startswith("label-2024+consensus-2014 v")

    state = patient_state(patient=patient)
    assert state.trend is not None
    assert [c["series"] for c in state.trend["crossings"]] == ["systolic_bp"]


def test_a_flat_series_raises_no_trend(admission, nurse, physician):
    patient = admission.patient
    order_course(patient, physician, first_dose_in=timedelta(hours=6))
    chart_falling_sbp(patient, nurse, values=(118, 118, 118))
    evaluation_run(patient_id=patient.pk, reason="vitals", now=timezone.now())
    assert not Alert.objects.filter(patient=patient, kind="trend").exists()
    state = patient_state(patient=patient)
    assert state.trend is not None and state.trend["crossings"] == []
