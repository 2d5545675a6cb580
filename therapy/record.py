"""The one adapter from stored rows to the rules engine's inputs (``therapy.rules.inputs``).

Loads what the rules read about a patient as of a moment: the windows the active profile looks
at (the longest ``*_hours`` setting), the current admission's events and FOBT results, and the
course's doses. Records entered in error are left out: nobody acts on a wrong value.
"""

from datetime import datetime, timedelta
from typing import Any

from patients.models import (
    Admission,
    ClinicalEvent,
    FluidEntry,
    LabResult,
    LabTestCode,
    Patient,
    SupportiveMedication,
    VitalSigns,
)
from therapy.models import Course, Dose
from therapy.rules import RuleProfile
from therapy.rules import inputs as rules

MARGIN = timedelta(hours=1)
# Stored dose-unit codes (patients.DoseUnit) in the rules engine's spelling.
DOSE_UNITS = {
    "mcg_kg_min": "mcg/kg/min",
    "mcg_min": "mcg/min",
    "units_min": "units/min",
    "units_h": "units/h",
}


def lookback(profile: RuleProfile) -> timedelta:
    """The longest window any rule of the profile reads, plus a margin."""

    def hours(node: Any, key: str = "") -> list[int]:
        if isinstance(node, dict):
            return [h for name, child in node.items() for h in hours(child, name)]
        return [int(node)] if key.endswith("_hours") else []

    return timedelta(hours=max(hours(profile.to_dict()), default=24)) + MARGIN


def _vitals_set(row: VitalSigns, vasopressors: tuple[rules.Vasopressor, ...]) -> rules.VitalsSet:
    return rules.VitalsSet(
        taken_at=row.taken_at,
        respiratory_rate=row.respiratory_rate,
        spo2=row.spo2,
        oxygen_device=row.oxygen_device,
        oxygen_flow_l_min=row.oxygen_flow_l_min,
        systolic_bp=row.systolic_bp,
        diastolic_bp=row.diastolic_bp,
        heart_rate=row.heart_rate,
        consciousness=row.consciousness,
        temperature_c=row.temperature_c,
        weight_kg=row.weight_kg,
        vasopressors=vasopressors,
        edema_grade=row.edema_grade,
    )


def vitals_sets(rows: list[VitalSigns]) -> tuple[rules.VitalsSet, ...]:
    """Rows oldest first. A set that did not record vasopressors carries forward the last set
    that did: an infusion is taken to run until a nurse records otherwise, so a CRS or VLS
    grade is never lowered by an omission."""
    running: tuple[rules.Vasopressor, ...] = ()
    sets = []
    for row in rows:
        if row.vasopressors_recorded:
            running = tuple(
                rules.Vasopressor(
                    agent=v.agent, dose=v.dose, dose_unit=DOSE_UNITS.get(v.dose_unit, v.dose_unit)
                )
                for v in row.vasopressors.all()
            )
        sets.append(_vitals_set(row, running))
    return tuple(sets)


def _baseline(patient: Patient, course: Course | None) -> rules.PatientBaseline:
    """Baseline SBP and creatinine from the patient record, else from the last values before
    the course's first dose (api-contract.md, Patients)."""
    systolic = patient.baseline_systolic_bp
    creatinine = patient.baseline_creatinine_mg_dl
    if course is not None and systolic is None:
        systolic = (
            VitalSigns.objects.filter(
                patient=patient,
                entered_in_error=False,
                taken_at__lt=course.cycle_1_start,
                systolic_bp__isnull=False,
            )
            .order_by("-taken_at")
            .values_list("systolic_bp", flat=True)
            .first()
        )
    if course is not None and creatinine is None:
        creatinine = (
            LabResult.objects.filter(
                patient=patient,
                entered_in_error=False,
                test=LabTestCode.CREATININE,
                collected_at__lt=course.cycle_1_start,
            )
            .order_by("-collected_at")
            .values_list("value", flat=True)
            .first()
        )
    return rules.PatientBaseline(
        weight_kg=patient.baseline_weight_kg,
        systolic_bp=systolic,
        creatinine_mg_dl=creatinine,
        spo2_scale=int(patient.spo2_scale),
    )


def _lab(row: LabResult) -> rules.LabResult:
    value = row.qualitative if row.test == LabTestCode.FOBT else row.value
    return rules.LabResult(test=row.test, value=value, collected_at=row.collected_at)


def dose_records(course: Course) -> tuple[rules.DoseRecord, ...]:
    return tuple(
        rules.DoseRecord(
            cycle=d.cycle, number=d.number, scheduled_at=d.scheduled_at, status=d.status
        )
        for d in Dose.objects.filter(course=course).order_by("cycle", "number")
    )


def patient_record(
    *, patient: Patient, at: datetime, profile: RuleProfile, course: Course | None = None
) -> rules.PatientRecord:
    since = at - lookback(profile)
    admission = (
        Admission.objects.filter(patient=patient, admitted_at__lte=at)
        .order_by("-admitted_at")
        .first()
    )
    vitals = list(
        VitalSigns.objects.filter(patient=patient, entered_in_error=False, taken_at__lte=at)
        .filter(taken_at__gte=since)
        .prefetch_related("vasopressors")
        .order_by("taken_at", "created_at")
    )
    fluids = FluidEntry.objects.filter(
        patient=patient, entered_in_error=False, period_end__gte=since, period_start__lte=at
    ).order_by("period_start")
    labs = LabResult.objects.filter(patient=patient, entered_in_error=False, collected_at__lte=at)
    meds = SupportiveMedication.objects.filter(
        patient=patient, entered_in_error=False, administered_at__gte=since, administered_at__lte=at
    )
    events = ClinicalEvent.objects.filter(
        patient=patient, entered_in_error=False, observed_at__lte=at
    )
    if admission is not None:
        # The current stay's FOBT results and events; other labs only within the windows.
        labs = labs.filter(admission=admission)
        events = events.filter(admission=admission)
    labs = labs.filter(collected_at__gte=since) | labs.filter(test=LabTestCode.FOBT)
    return rules.PatientRecord(
        baseline=_baseline(patient, course),
        vitals=vitals_sets(vitals),
        fluids=tuple(
            rules.FluidEntry(
                direction=f.direction,
                route=f.route,
                volume_ml=f.volume_ml,
                period_start=f.period_start,
                period_end=f.period_end,
            )
            for f in fluids
        ),
        labs=tuple(_lab(row) for row in labs.order_by("collected_at")),
        medications=tuple(
            rules.SupportiveMedication(category=m.category, administered_at=m.administered_at)
            for m in meds.order_by("administered_at")
        ),
        events=tuple(
            rules.ClinicalEvent(code=e.code, observed_at=e.observed_at)
            for e in events.order_by("observed_at")
        ),
        doses=dose_records(course) if course is not None else (),
    )
