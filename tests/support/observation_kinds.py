"""The five kinds of bedside record as the API tests see them: where each is posted, a valid
body, a record of it at a given clinical time, and how many queries its list takes. One view
class serves every kind (patients/api/observation_views.py), so what they share is tested
once over all five (tests/patients/api/test_observation_kinds.py); what is a kind's own stays
in its module.

The bodies compute their times when called, inside the test (never at import)."""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.utils import timezone

from patients.models import (
    ClinicalEvent,
    FluidEntry,
    LabResult,
    Observation,
    SupportiveMedication,
    VitalSigns,
)
from tests.support.clock import as_iso
from tests.support.observation_factories import (
    ClinicalEventFactory,
    FluidEntryFactory,
    LabResultFactory,
    SupportiveMedicationFactory,
    VitalSignsFactory,
)

NOREPINEPHRINE = {"agent": "norepinephrine", "dose": "0.05", "dose_unit": "mcg_kg_min"}


def _ago(**delta: float) -> str:
    return (timezone.now() - timedelta(**delta)).isoformat()


def _body(payload: dict[str, Any], changes: dict[str, Any]) -> dict[str, Any]:
    """``payload`` with ``changes``; a change to ``...`` leaves the field out."""
    payload.update(changes)
    return as_iso({key: value for key, value in payload.items() if value is not ...})


def vitals_payload(**changes: Any) -> dict[str, Any]:
    return _body(
        {
            "taken_at": _ago(minutes=10),
            "respiratory_rate": 26,
            "spo2": 95,
            "oxygen_device": "nasal_cannula",
            "oxygen_flow_l_min": "2.0",
            "systolic_bp": 118,
            "diastolic_bp": 70,
            "heart_rate": 96,
            "consciousness": "alert",
            "temperature_c": "38.4",
            "weight_kg": "74.2",
            "edema_grade": 1,
            "vasopressors": [],
        },
        changes,
    )


def fluid_payload(**changes: Any) -> dict[str, Any]:
    return _body(
        {
            "direction": "output",
            "route": "urine",
            "volume_ml": 320,
            "period_start": _ago(hours=8),
            "period_end": _ago(hours=0.1),
        },
        changes,
    )


def lab_payload(**changes: Any) -> dict[str, Any]:
    return _body(
        {"test": "creatinine", "value": "1.35", "unit": "mg/dL", "collected_at": _ago(hours=1)},
        changes,
    )


def medication_payload(**changes: Any) -> dict[str, Any]:
    return _body(
        {
            "drug": "Paracetamol 1 g PO",
            "category": "antipyretic",
            "administered_at": _ago(minutes=30),
        },
        changes,
    )


def event_payload(**changes: Any) -> dict[str, Any]:
    return _body(
        {
            "code": "atrial_fibrillation",
            "observed_at": _ago(minutes=20),
            "note": "New irregular rhythm on the monitor; 12-lead done.",
        },
        changes,
    )


@dataclass(frozen=True)
class Kind:
    name: str  # as in the URLs: /api/v1/patients/{id}/<name>/ and /api/v1/<name>/{id}/
    model: type[Observation]
    payload: Callable[..., dict[str, Any]]
    # A value of the payload changed, for a retry whose page changed it after the first save.
    changed: dict[str, Any]
    # One record of the kind at clinical time ``at``, through the recording service.
    make: Callable[[Any, datetime], Observation]
    list_queries: int  # the list's pinned query count
    list_queries_are: str  # what they are

    def __str__(self) -> str:
        return self.name

    def list_url(self, patient: Any) -> str:
        return f"/api/v1/patients/{patient.pk}/{self.name}/"

    def detail_url(self, record_id: Any) -> str:
        return f"/api/v1/{self.name}/{record_id}/"


def _fluid(admission: Any, at: datetime) -> Observation:
    # A drain output of ten minutes: records made ten minutes apart never overlap, and none
    # overlaps the urine output of ``fluid_payload`` (an overlap is a 409, test_fluid_periods).
    return FluidEntryFactory(
        admission=admission, route="drain", period_end=at, period_start=at - timedelta(minutes=10)
    )


PAGE = "patient, count, page"
KINDS = (
    Kind(
        "vitals",
        VitalSigns,
        vitals_payload,
        {"heart_rate": 140},
        lambda admission, at: VitalSignsFactory(
            admission=admission, taken_at=at, vasopressors=[NOREPINEPHRINE]
        ),
        4,
        f"{PAGE} of sets, their vasopressors",
    ),
    Kind("fluids", FluidEntry, fluid_payload, {"volume_ml": 330}, _fluid, 3, PAGE),
    Kind(
        "labs",
        LabResult,
        lab_payload,
        {"value": "1.40"},
        lambda admission, at: LabResultFactory(admission=admission, collected_at=at),
        3,
        PAGE,
    ),
    Kind(
        "medications",
        SupportiveMedication,
        medication_payload,
        {"drug": "Paracetamol 500 mg PO"},
        lambda admission, at: SupportiveMedicationFactory(admission=admission, administered_at=at),
        3,
        PAGE,
    ),
    Kind(
        "events",
        ClinicalEvent,
        event_payload,
        {"note": "Rate controlled."},
        lambda admission, at: ClinicalEventFactory(admission=admission, observed_at=at),
        3,
        PAGE,
    ),
)
