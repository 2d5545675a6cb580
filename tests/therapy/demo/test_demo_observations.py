"""The demo ward's bedside records: a few days for every patient, one drifting into vascular
leak and one into grade 3 CRS, all written through the recording services."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.contrib.auth.models import User
from django.utils import timezone

from patients.models import FluidEntry, LabResult, Patient, SupportiveMedication, VitalSigns
from tests.support.db import loaded_for_the_module
from therapy.demo.observations import (
    GRADE_3_CRS_MRN,
    VASCULAR_LEAK_MRN,
    load_demo_observations,
)
from therapy.demo.ward import load_demo_ward
from therapy.record import patient_record
from therapy.rules import DEFAULT_PROFILE
from therapy.rules.windows import urine_output

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def now():  # type: ignore[no-untyped-def]
    return timezone.now()


@pytest.fixture(scope="module", autouse=True)
def demo(django_db_setup, django_db_blocker, now):  # type: ignore[no-untyped-def]
    """The demo ward, which records the observations through ``load_demo_observations``:
    loaded once for the module (about 12 s) and rolled back after it; each test runs in its
    own savepoint, so the one that loads again sees only its own writes."""

    def load() -> dict[str, int]:
        load_demo_ward(now=now)
        return {
            "vitals": VitalSigns.objects.count(),
            "fluids": FluidEntry.objects.count(),
            "labs": LabResult.objects.count(),
            "medications": SupportiveMedication.objects.count(),
        }

    with loaded_for_the_module(django_db_blocker, load) as counts:
        yield counts


def latest(mrn: str) -> VitalSigns:
    return (
        VitalSigns.objects.filter(patient__mrn=mrn, news2_total__isnull=False)
        .order_by("-taken_at")
        .first()
    )


def latest_lab(mrn: str, test: str) -> Decimal:
    return LabResult.objects.filter(patient__mrn=mrn, test=test).latest("collected_at").value


def test_every_demo_patient_has_days_of_records(demo):
    assert demo["vitals"] > 150 and demo["fluids"] > 60 and demo["labs"] > 60
    assert demo["medications"] > 0
    for patient in Patient.objects.filter(mrn__startswith="DEMO-"):
        sets = VitalSigns.objects.filter(patient=patient)
        assert sets.filter(news2_total__isnull=False).exists(), patient.mrn
        assert sets.filter(weight_kg__isnull=False).exists(), patient.mrn
        assert FluidEntry.objects.filter(patient=patient, route="urine").exists(), patient.mrn
    assert VitalSigns.objects.filter(entered_by__username="nurse.adams").exists()
    assert VitalSigns.objects.filter(taken_at__gt=timezone.now()).count() == 0


def test_loading_twice_writes_nothing_more(demo, now):
    before = VitalSigns.objects.count()
    again = load_demo_observations(
        nurse=User.objects.get(username="nurse.adams"),
        physician=User.objects.get(username="dr.chen"),
        now=now,
    )
    assert again == {} and VitalSigns.objects.count() == before


def test_one_patient_drifts_into_vascular_leak(demo, now):
    patient = Patient.objects.get(mrn=VASCULAR_LEAK_MRN)
    vitals = latest(VASCULAR_LEAK_MRN)
    first = VitalSigns.objects.filter(patient=patient).earliest("taken_at")
    weight = (
        VitalSigns.objects.filter(patient=patient, weight_kg__isnull=False)
        .latest("taken_at")
        .weight_kg
    )
    # Urine over exactly the last 8 h, periods straddling the window counted pro rata: the
    # monitor's own computation (a raw sum of periods ending in the window depends on the
    # time of day the test runs).
    record = patient_record(patient=patient, at=now, profile=DEFAULT_PROFILE)
    urine_8h = urine_output(record.fluids, start=now - timedelta(hours=8), end=now).volume_ml

    # clinical-rules.md §3, sign by sign
    assert vitals.systolic_bp < 90 < first.systolic_bp
    assert weight >= patient.baseline_weight_kg * Decimal("1.05")
    assert urine_8h < 160
    assert latest_lab(VASCULAR_LEAK_MRN, "creatinine") >= Decimal("2.5")
    assert latest_lab(VASCULAR_LEAK_MRN, "albumin") < Decimal("3.0")
    assert vitals.edema_grade >= 2
    assert not vitals.vasopressors.exists()


def test_one_patient_drifts_into_grade_3_crs(demo):
    vitals = latest(GRADE_3_CRS_MRN)
    pressors = list(vitals.vasopressors.all())

    assert vitals.temperature_c >= Decimal("38.0")
    assert vitals.systolic_bp < 90
    assert [p.agent for p in pressors] == ["norepinephrine"]
    assert vitals.oxygen_device == "nasal_cannula" and vitals.oxygen_flow_l_min <= 6
    assert vitals.news2_band == "high"
    assert SupportiveMedication.objects.filter(patient__mrn=GRADE_3_CRS_MRN).exists()


def test_the_rules_engine_reads_the_two_stories_as_intended(demo, now):
    """Through therapy's record loader and the pure rules (clinical-rules.md §2, §3)."""
    from therapy.record import patient_record
    from therapy.rules.crs import crs_assess
    from therapy.rules.profile import DEFAULT_PROFILE
    from therapy.rules.vls import SignStatus, vls_assess

    # As of the demo's last records (the oliguria rule wants 8 h of charted output up to then:
    # in the first minutes after a shift change the running period is not charted yet).
    newest_urine = (
        FluidEntry.objects.filter(patient__mrn=VASCULAR_LEAK_MRN, route="urine")
        .order_by("-period_end")
        .first()
    )
    at = min(latest(VASCULAR_LEAK_MRN).taken_at, newest_urine.period_end)

    def record(mrn: str):  # type: ignore[no-untyped-def]
        patient = Patient.objects.get(mrn=mrn)
        return patient_record(patient=patient, at=at, profile=DEFAULT_PROFILE)

    assert crs_assess(record(GRADE_3_CRS_MRN), at=at).grade == 3
    leak = vls_assess(record(VASCULAR_LEAK_MRN), at=at)
    assert leak.suspected
    present = set(leak.codes(SignStatus.PRESENT))
    assert {"hypotension", "weight_gain", "oliguria", "creatinine_rise", "edema"} <= present
    steady = crs_assess(record("DEMO-1002"), at=at)
    assert steady.grade is not None and steady.grade < 3
