"""Builders for the rules tests: a patient who meets no criterion, changed one field at a time."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from therapy.rules.inputs import (
    ClinicalEvent,
    FluidEntry,
    LabResult,
    PatientBaseline,
    PatientRecord,
    SupportiveMedication,
    VitalsSet,
)
from therapy.rules.profile import RuleProfile, default_profile

D = Decimal
NOW = datetime(2026, 11, 21, 12, 0, tzinfo=UTC)


def ago(hours: float = 0, minutes: float = 0, seconds: float = 0) -> datetime:
    return NOW - timedelta(hours=hours, minutes=minutes, seconds=seconds)


NORMAL_VITALS: dict[str, Any] = {
    "respiratory_rate": 16,
    "spo2": 97,
    "oxygen_device": "room_air",
    "systolic_bp": 120,
    "diastolic_bp": 70,
    "heart_rate": 80,
    "consciousness": "alert",
    "temperature_c": D("37.0"),
    "weight_kg": D("70.0"),
    "edema_grade": 0,
}


def vitals(taken_at: datetime | None = None, **changes: Any) -> VitalsSet:
    fields = {**NORMAL_VITALS, **changes}
    return VitalsSet(taken_at=taken_at or ago(minutes=30), **fields)


def baseline(**changes: Any) -> PatientBaseline:
    fields = {"weight_kg": D("70.0"), "systolic_bp": 120, "creatinine_mg_dl": D("0.9")}
    return PatientBaseline(**{**fields, **changes})


def urine(volume_ml: Any, start: datetime, end: datetime) -> FluidEntry:
    return FluidEntry("output", "urine", D(str(volume_ml)), start, end)


def lab(test: str, value: Any, collected_at: datetime | None = None) -> LabResult:
    return LabResult(test, value if test == "fobt" else D(str(value)), collected_at or ago(2))


NORMAL_LABS: dict[str, Any] = {
    "creatinine": "0.9",
    "albumin": "3.8",
    "platelets": "200",
    "bilirubin": "0.8",
    "bicarbonate": "24",
    "fobt": "negative",
}


def labs(**changes: Any) -> tuple[LabResult, ...]:
    values = {**NORMAL_LABS, **changes}
    return tuple(lab(test, value) for test, value in values.items() if value is not None)


def event(code: str, observed_at: datetime | None = None, **changes: Any) -> ClinicalEvent:
    return ClinicalEvent(code, observed_at or ago(1), **changes)


def medication(category: str, administered_at: datetime | None = None) -> SupportiveMedication:
    return SupportiveMedication(category, administered_at or ago(2))


def record(**changes: Any) -> PatientRecord:
    """A patient meeting no hold criterion and no VLS sign, with every input present:
    fresh vitals, 400 mL urine over the last 8 h (0.71 mL/kg/h at 70 kg), normal labs."""
    fields: dict[str, Any] = {
        "baseline": baseline(),
        "vitals": (vitals(),),
        "fluids": (urine(400, ago(8), NOW),),
        "labs": labs(),
        "medications": (),
        "events": (),
        "doses": (),
    }
    return PatientRecord(**{**fields, **changes})


def profile_with(section: str, **changes: Any) -> RuleProfile:
    """The default profile with fields of one section changed."""
    base = default_profile()
    return replace(base, **{section: replace(getattr(base, section), **changes)})
