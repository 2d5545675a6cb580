"""Property (hypothesis): for ANY record the database accepts, an evaluation never raises and
every part of the assessment succeeds (conventions.md: the rules never raise on a record the
database accepted; what they cannot use they skip and name).

Records are written through the ORM, not the services, with any value the database's
CheckConstraints allow (patients/models/*): vitals with arbitrary stored NEWS2 and
vasopressors, fluids with periods down to a microsecond, labs at their range edges, supportive
medications, events, records after "now" and entered in error, and sometimes a course. Each
example runs in its own savepoint and is rolled back."""

from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.db import transaction
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from patients import limits
from patients.models import (
    Admission,
    ClinicalEvent,
    ClinicalEventCode,
    Consciousness,
    FluidEntry,
    LabResult,
    MedicationCategory,
    News2Band,
    OxygenDevice,
    Patient,
    SupportiveMedication,
    VasopressorAgent,
    VitalSigns,
)
from patients.models.vitals import SUBSCORE_COLUMNS, VasopressorInfusion
from therapy.mar import courses
from therapy.monitor.assessment import assess
from therapy.monitor.evaluation import evaluation_run
from therapy.pages.handover import handover_sheets
from therapy.state.patient_state import patient_state

HOUR = 3600 * 10**6  # microseconds


def maybe(strategy: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    return st.none() | strategy


def in_range(limit: limits.Limit, places: int = 0) -> st.SearchStrategy[Any]:
    if places == 0:
        return st.integers(int(limit.low), int(limit.high))
    return st.decimals(Decimal(limit.low), Decimal(limit.high), places=places)


# Offsets from "now" in microseconds: mostly the last three days, some in the future.
offsets = st.integers(-72 * HOUR, 2 * HOUR)
# Fluid periods: the degenerate ones (a microsecond, half a second, just under a minute) and
# everything up to the 24 h the database allows.
periods = st.sampled_from([1, 500_000, 59_999_999, 60 * 10**6]) | st.integers(1, 24 * HOUR)


@st.composite
def vitals_values(draw: st.DrawFn) -> dict[str, Any]:
    values: dict[str, Any] = {
        "respiratory_rate": draw(maybe(in_range(limits.RESPIRATORY_RATE))),
        "spo2": draw(maybe(in_range(limits.SPO2))),
        "heart_rate": draw(maybe(in_range(limits.HEART_RATE))),
        "consciousness": draw(maybe(st.sampled_from(Consciousness.values))),
        "temperature_c": draw(maybe(in_range(limits.TEMPERATURE, 1))),
        "weight_kg": draw(maybe(in_range(limits.WEIGHT, 1))),
        "edema_grade": draw(maybe(in_range(limits.EDEMA_GRADE))),
    }
    systolic = draw(maybe(in_range(limits.SYSTOLIC_BP)))
    values["systolic_bp"] = systolic
    high = min(int(limits.DIASTOLIC_BP.high), (systolic or 301) - 1)
    values["diastolic_bp"] = draw(maybe(st.integers(int(limits.DIASTOLIC_BP.low), high)))
    device = draw(maybe(st.sampled_from(OxygenDevice.values)))
    values["oxygen_device"] = device
    if device is None or device == limits.ROOM_AIR:
        values["oxygen_flow_l_min"] = None
    elif device in limits.DEVICES_WITHOUT_FLOW:
        values["oxygen_flow_l_min"] = draw(maybe(in_range(limits.OXYGEN_FLOW, 1)))
    else:
        values["oxygen_flow_l_min"] = draw(in_range(limits.OXYGEN_FLOW, 1))
    if all(values[name] is None for name in limits.MEASUREMENT_FIELDS):
        values["heart_rate"] = draw(in_range(limits.HEART_RATE))
    # Whatever NEWS2 the database holds (total 0-20 with a band, subscores 0-3), consistent
    # with the measurements or not.
    if draw(st.booleans()):
        values["news2_total"] = draw(st.integers(0, 20))
        values["news2_band"] = draw(st.sampled_from(News2Band.values))
        values["news2_red_flag"] = draw(st.booleans())
        for column in SUBSCORE_COLUMNS.values():
            values[column] = draw(maybe(st.integers(0, 3)))
    values["news2_spo2_scale"] = draw(st.sampled_from([1, 2]))
    values["news2_algorithm_version"] = draw(st.sampled_from(["news2-rcp-2017", ""]))
    values["vasopressors_recorded"] = draw(st.booleans())
    return values


@st.composite
def infusions(draw: st.DrawFn) -> list[dict[str, Any]]:
    chosen = draw(st.lists(st.sampled_from(VasopressorAgent.values), max_size=3))
    named = list(dict.fromkeys(a for a in chosen if a != "other"))
    rows = []
    for agent in named + [a for a in chosen if a == "other"]:
        unit = draw(st.sampled_from(list(limits.VASOPRESSOR_DOSE_LIMITS)))
        low, high, _ = limits.VASOPRESSOR_DOSE_LIMITS[unit]
        dose = draw(st.decimals(low, high, places=3))
        rows.append({"agent": agent, "dose_unit": unit, "dose": dose})
    return rows


ROUTES = {
    "intake": ["iv", "oral", "other"],
    "output": ["urine", "emesis", "stool", "drain", "other"],
}


@st.composite
def fluid_values(draw: st.DrawFn) -> dict[str, Any]:
    direction = draw(st.sampled_from(["output", "output", "intake"]))
    return {
        "direction": direction,
        "route": draw(st.sampled_from(ROUTES[direction])),
        "volume_ml": draw(st.integers(int(limits.FLUID_VOLUME.low), int(limits.FLUID_VOLUME.high))),
        "end": draw(offsets),
        "period": draw(periods),
    }


@st.composite
def lab_values(draw: st.DrawFn) -> dict[str, Any]:
    test = draw(st.sampled_from(list(limits.LAB_TESTS.values())))
    if test.unit is None:
        return {"test": test.code, "qualitative": draw(st.sampled_from(limits.FOBT_RESULTS))}
    value = draw(st.decimals(test.low, test.high, places=2))
    return {"test": test.code, "value": value, "unit": test.unit}


@st.composite
def ward_records(draw: st.DrawFn) -> dict[str, Any]:
    return {
        "patient": {
            "baseline_weight_kg": draw(st.decimals(Decimal(20), Decimal(300), places=1)),
            "baseline_systolic_bp": draw(maybe(st.integers(50, 250))),
            "baseline_creatinine_mg_dl": draw(
                maybe(st.decimals(Decimal("0.1"), Decimal(20), places=2))
            ),
            "spo2_scale": draw(st.sampled_from([1, 2])),
        },
        "admitted": draw(st.integers(-96 * HOUR, -1)),
        "vitals": draw(
            st.lists(st.tuples(vitals_values(), infusions(), offsets, st.booleans()), max_size=6)
        ),
        "fluids": draw(st.lists(fluid_values(), max_size=6)),
        "labs": draw(st.lists(st.tuples(lab_values(), offsets), max_size=6)),
        "medications": draw(
            st.lists(st.tuples(st.sampled_from(MedicationCategory.values), offsets), max_size=3)
        ),
        "events": draw(
            st.lists(st.tuples(st.sampled_from(ClinicalEventCode.values), offsets), max_size=3)
        ),
        # A course may start at most 24 h back (clinical-rules.md §4 (v2)).
        "course_start": draw(maybe(st.integers(-24 * HOUR, 3 * HOUR))),
    }


def _at(now: Any, microseconds: int) -> Any:
    return now + timedelta(microseconds=microseconds)


def plant(drawn: dict[str, Any], now: Any, physician: Any) -> Patient:
    """Write the drawn records straight through the ORM (no service, no form)."""
    count = Patient.objects.count()
    patient = Patient.objects.create(
        mrn=f"PROP-{count:06d}-{now.timestamp():.0f}".replace(".", ""),
        given_name="Prop",
        family_name="Erty",
        birth_date="1960-01-01",
        diagnosis="metastatic_melanoma",
        **drawn["patient"],
    )
    stay = Admission.objects.create(
        patient=patient, ward="P", bed=str(patient.pk)[:8], admitted_at=_at(now, drawn["admitted"])
    )
    common = {"patient": patient, "admission": stay}
    for index, (values, pressors, offset, in_error) in enumerate(drawn["vitals"]):
        errors = (
            {
                "entered_in_error": True,
                "entered_in_error_reason": "wrong patient",
                "entered_in_error_at": now,
            }
            if in_error and index % 2
            else {}
        )
        row = VitalSigns.objects.create(**common, taken_at=_at(now, offset), **values, **errors)
        for pressor in pressors:
            VasopressorInfusion.objects.create(vital_signs=row, **pressor)
    for fluid in drawn["fluids"]:
        end = _at(now, fluid["end"])
        FluidEntry.objects.create(
            **common,
            direction=fluid["direction"],
            route=fluid["route"],
            volume_ml=fluid["volume_ml"],
            period_start=end - timedelta(microseconds=fluid["period"]),
            period_end=end,
        )
    for lab, offset in drawn["labs"]:
        LabResult.objects.create(**common, collected_at=_at(now, offset), **lab)
    for category, offset in drawn["medications"]:
        SupportiveMedication.objects.create(
            **common, drug="a drug", category=category, administered_at=_at(now, offset)
        )
    for code, offset in drawn["events"]:
        ClinicalEvent.objects.create(**common, code=code, observed_at=_at(now, offset))
    if drawn["course_start"] is not None:
        courses.course_order(
            patient=patient, by=physician, cycle_1_start=_at(now, drawn["course_start"]), now=now
        )
    return patient


@pytest.mark.django_db
@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(drawn=ward_records())
def test_an_evaluation_never_raises_on_records_the_database_accepted(drawn, physician, nurse):
    now = timezone.now()
    with transaction.atomic():
        patient = plant(drawn, now, physician)

        assessment = assess(patient=patient, at=now)
        evaluation = evaluation_run(patient_id=patient.pk, reason="vitals", now=now)
        sheets = handover_sheets(user=nurse, now=now)
        summary = patient_state(patient=patient)

        assert assessment.failures == {}, assessment.failures
        assert evaluation is not None and evaluation.succeeded, evaluation.error
        assert [sheet.error for sheet in sheets] == [""]
        assert summary.monitor.status == "ok"
        transaction.set_rollback(True)
