"""The monitor raises ``aki`` (clinical-rules.md §6 (v2)): KDIGO stage 1 urgent, stage 2-3
emergency, one open alert that rises with the stage; the evidence names each criterion; the
read model and the pages show the stage."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from patients.services.observations import fluid_record, lab_record
from therapy.models import Alert
from therapy.monitor.evaluation import evaluation_run
from therapy.pages.wording import evidence_lines
from therapy.state.patient_state import patient_state

pytestmark = pytest.mark.django_db


def evaluate(patient, at):  # type: ignore[no-untyped-def]
    return evaluation_run(patient_id=patient.pk, reason="labs", now=at)


def creatinine(patient, by, value, at):  # type: ignore[no-untyped-def]
    lab_record(
        patient=patient,
        by=by,
        test="creatinine",
        value=Decimal(value),
        unit="mg/dL",
        collected_at=at,
    )


def open_aki(patient):  # type: ignore[no-untyped-def]
    return Alert.objects.get(patient=patient, kind="aki", status__in=["active", "acknowledged"])


@pytest.fixture
def kidney_patient(admission):  # type: ignore[no-untyped-def]
    patient = admission.patient
    patient.baseline_creatinine_mg_dl = Decimal("1.0")
    patient.save(update_fields=["baseline_creatinine_mg_dl"])
    return patient


def test_stage_1_is_urgent_and_stage_2_raises_the_same_alert_to_emergency(kidney_patient, nurse):
    now = timezone.now()
    creatinine(kidney_patient, nurse, "1.0", now - timedelta(hours=20))
    creatinine(kidney_patient, nurse, "1.5", now - timedelta(minutes=30))
    evaluate(kidney_patient, now - timedelta(minutes=20))

    alert = open_aki(kidney_patient)
    assert alert.severity == "urgent" and alert.evidence["stage"] == 1
    assert set(alert.evidence["met"]) == {"creatinine_ratio", "creatinine_rise"}
    assert alert.rule_version == "label-2024+consensus-2014 v1"
    lines = evidence_lines(alert)
    assert lines[0] == "Acute kidney injury, KDIGO stage 1."
    assert any(line.startswith("Creatinine over baseline: 1.50 (stage 1") for line in lines)

    creatinine(kidney_patient, nurse, "2.0", now - timedelta(minutes=5))
    evaluate(kidney_patient, now)

    again = open_aki(kidney_patient)
    assert again.pk == alert.pk
    assert again.severity == "emergency" and again.evidence["stage"] == 2
    assert Alert.objects.filter(patient=kidney_patient, kind="aki").count() == 1


def test_oliguria_with_a_normal_blood_pressure_raises_aki_without_vls(kidney_patient, nurse):
    now = timezone.now()
    # 100 mL over 12 h at 70 kg: 0.12 mL/kg/h, stage 2 by urine alone.
    fluid_record(
        patient=kidney_patient,
        by=nurse,
        direction="output",
        route="urine",
        volume_ml=100,
        period_start=now - timedelta(hours=12, minutes=5),
        period_end=now - timedelta(minutes=5),
    )
    evaluate(kidney_patient, now)

    assert open_aki(kidney_patient).severity == "emergency"
    assert not Alert.objects.filter(patient=kidney_patient, kind="vls").exists()
    state = patient_state(patient=kidney_patient)
    assert state.aki is not None and state.aki["stage"] == 2
    assert state.to_document()["aki"]["stage"] == 2


def test_no_creatinine_and_no_urine_raises_nothing_and_says_not_assessable(kidney_patient):
    evaluate(kidney_patient, timezone.now())

    assert not Alert.objects.filter(patient=kidney_patient, kind="aki").exists()
    assert patient_state(patient=kidney_patient).aki["stage"] is None
