"""The one adapter from stored rows to the rules engine's inputs (``therapy.rules.inputs``).

Loads what the rules read about a patient as of a moment: the windows the active profile looks
at (the longest ``*_hours`` setting), the current admission's events and FOBT results, and the
course's doses. Records entered in error are left out: nobody acts on a wrong value.

Every input is built record by record: a stored row the rules' constructors refuse (a value the
database accepted but the rules cannot read) is left out and named on the record's ``skipped``
(kind, id, reason), and every rule that would have read it names it in its evidence. One bad
row never stops the monitor (clinical-rules.md §6).
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial
from typing import Any, TypeVar

from patients.models import (
    Admission,
    ClinicalEvent,
    FluidEntry,
    LabResult,
    Patient,
    SupportiveMedication,
    VasopressorInfusion,
    VitalSigns,
)
from patients.vocabulary import DoseUnit, LabTest
from therapy.models import Course, Dose
from therapy.rules import RuleProfile
from therapy.rules import inputs as rules
from therapy.rules.errors import RuleInputError

MARGIN = timedelta(hours=1)
# What a rules constructor raises on input it cannot use (RuleInputError is a ValueError).
UNUSABLE = (ValueError, TypeError, ArithmeticError)
_R = TypeVar("_R")
# Stored dose-unit codes in the rules engine's spelling.
DOSE_UNITS: dict[str, str] = {
    DoseUnit.MCG_KG_MIN: "mcg/kg/min",
    DoseUnit.MCG_MIN: "mcg/min",
    DoseUnit.UNITS_MIN: "units/min",
    DoseUnit.UNITS_H: "units/h",
}


# The AKI creatinine windows (7 days of results for the baseline [S18]) are read for
# creatinine only (``creatinine_lookback``), not for every kind of record.
CREATININE_ONLY_WINDOWS = frozenset({"baseline_window_hours", "rise_window_hours"})


# The windows of the profiles met, by identity: a profile is decoded once per stored version
# (``therapy.profiles``), and encoding one to find its windows was ~3 ms of every evaluation.
# The profile is kept beside its windows, so an id reused by another object never matches.
_WINDOWS: dict[int, tuple[RuleProfile, timedelta, timedelta]] = {}
_WINDOWS_KEPT = 64


def _windows(profile: RuleProfile) -> tuple[timedelta, timedelta]:
    kept = _WINDOWS.get(id(profile))
    if kept is not None and kept[0] is profile:
        return kept[1], kept[2]
    longest = _lookback(profile)
    creatinine = _creatinine_lookback(profile, longest)
    if len(_WINDOWS) >= _WINDOWS_KEPT:
        _WINDOWS.clear()
    _WINDOWS[id(profile)] = (profile, longest, creatinine)
    return longest, creatinine


def lookback(profile: RuleProfile) -> timedelta:
    """The longest window any rule of the profile reads, plus a margin."""
    return _windows(profile)[0]


def creatinine_lookback(profile: RuleProfile) -> timedelta:
    """How far back AKI reads creatinine: its baseline window, or the rise window before the
    oldest result it may stage on, whichever is longer (§3a)."""
    return _windows(profile)[1]


def _lookback(profile: RuleProfile) -> timedelta:

    def hours(node: Any, key: str = "") -> list[int]:
        if isinstance(node, dict):
            return [h for name, child in node.items() for h in hours(child, name)]
        if isinstance(node, list):
            return [h for child in node for h in hours(child)]
        wanted = key.endswith("_hours") and key not in CREATININE_ONLY_WINDOWS
        return [int(node)] if wanted else []

    longest = max(hours(profile.to_dict()), default=24)
    # AKI's urine windows may end up to urine_max_lag_hours before the evaluation.
    aki = profile.aki
    urine = max((row.window_hours for row in aki.urine_stages), default=0)
    urine = max(urine, aki.anuria_window_hours) + aki.urine_max_lag_hours
    return timedelta(hours=max(longest, urine)) + MARGIN


def _creatinine_lookback(profile: RuleProfile, longest: timedelta) -> timedelta:
    aki = profile.aki
    rise = aki.rise_window_hours + aki.creatinine_max_age_hours
    return max(timedelta(hours=max(aki.baseline_window_hours, rise)), longest) + MARGIN


class Skips:
    """The rows left out of one record, in the order met."""

    def __init__(self) -> None:
        self.records: list[rules.SkippedRecord] = []

    def build(self, kind: str, row: Any, make: Callable[[], _R]) -> _R | None:
        """``make()``, or None with the row named when the rules refuse it."""
        try:
            return make()
        except UNUSABLE as error:
            self.add(kind, row.pk, error)
            return None

    def add(self, kind: str, row_id: Any, error: BaseException | str) -> None:
        reason = error if isinstance(error, str) else f"{type(error).__name__}: {error}"
        self.records.append(rules.SkippedRecord(kind, str(row_id), reason[:300]))


def as_stored(value: object) -> Any:
    """A stored code or number handed to a rules constructor as it is stored: the constructor
    checks it and converts it to the rules' type (a vocabulary member, a ``Decimal``), and a
    value it refuses leaves the row out, named (``Skips``). Hence ``Any``: the rules' field
    types describe what the constructor makes, not what it accepts."""
    return value


def _vitals_set(row: VitalSigns, vasopressors: tuple[rules.Vasopressor, ...]) -> rules.VitalsSet:
    return rules.VitalsSet(
        taken_at=row.taken_at,
        respiratory_rate=row.respiratory_rate,
        spo2=row.spo2,
        oxygen_device=as_stored(row.oxygen_device),
        oxygen_flow_l_min=row.oxygen_flow_l_min,
        systolic_bp=row.systolic_bp,
        diastolic_bp=row.diastolic_bp,
        heart_rate=row.heart_rate,
        consciousness=as_stored(row.consciousness),
        temperature_c=row.temperature_c,
        weight_kg=row.weight_kg,
        vasopressors=vasopressors,
        edema_grade=row.edema_grade,
        oxygen_for_comfort=row.oxygen_for_comfort,
        record_id=str(row.pk),
    )


def vitals_sets(rows: list[VitalSigns], skips: Skips | None = None) -> tuple[rules.VitalsSet, ...]:
    """Rows oldest first. A set that did not record vasopressors carries forward the last set
    that did: an infusion is taken to run until a nurse records otherwise, so a CRS or VLS
    grade is never lowered by an omission. An infusion row the rules refuse is left out of its
    set (named, kind ``vasopressors``); a set the rules refuse is left out (kind ``vitals``)."""
    skips = skips if skips is not None else Skips()
    running: tuple[rules.Vasopressor, ...] = ()
    sets = []
    for row in rows:
        if row.vasopressors_recorded:
            infusions = (
                skips.build("vasopressors", v, partial(_vasopressor, v))
                for v in row.vasopressors.all()
            )
            running = tuple(v for v in infusions if v is not None)
        built = skips.build("vitals", row, partial(_vitals_set, row, running))
        if built is not None:
            sets.append(built)
    return tuple(sets)


def patient_baseline(
    patient: Patient, course: Course | None, skips: Skips | None = None
) -> rules.PatientBaseline:
    """Baseline SBP and creatinine from the patient record, else from the last values before
    the course's first dose (api-contract.md, Patients). An optional baseline value the rules
    refuse is left out and named (kind ``baseline``): the signs measured against it say they
    have no baseline; the weight has no such fallback (the database holds it to 20-300 kg)."""
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
                test=LabTest.CREATININE,
                collected_at__lt=course.cycle_1_start,
            )
            .order_by("-collected_at")
            .values_list("value", flat=True)
            .first()
        )
    skips = skips if skips is not None else Skips()
    values: dict[str, Any] = {
        "systolic_bp": systolic,
        "creatinine_mg_dl": creatinine,
        "dosing_weight_kg": None if course is None else course.dosing_weight_kg,
    }
    try:
        return rules.PatientBaseline(
            weight_kg=patient.baseline_weight_kg,
            spo2_scale=int(patient.spo2_scale),
            **values,
        )
    except RuleInputError as error:
        for name in set(error.errors) & set(values):
            skips.add("baseline", patient.pk, f"{name}: " + "; ".join(error.errors[name]))
            values[name] = None
    return rules.PatientBaseline(
        weight_kg=patient.baseline_weight_kg, spo2_scale=int(patient.spo2_scale), **values
    )


def _lab(row: LabResult) -> rules.LabResult:
    value = row.qualitative if row.test == LabTest.FOBT else row.value
    return rules.LabResult(
        test=as_stored(row.test),
        value=as_stored(value),
        collected_at=row.collected_at,
        record_id=str(row.pk),
    )


def _vasopressor(row: VasopressorInfusion) -> rules.Vasopressor:
    return rules.Vasopressor(
        agent=as_stored(row.agent),
        dose=row.dose,
        dose_unit=DOSE_UNITS.get(row.dose_unit, row.dose_unit),
    )


def _medication(row: SupportiveMedication) -> rules.SupportiveMedication:
    return rules.SupportiveMedication(
        category=as_stored(row.category), administered_at=row.administered_at, record_id=str(row.pk)
    )


def _event(row: ClinicalEvent) -> rules.ClinicalEvent:
    return rules.ClinicalEvent(
        code=as_stored(row.code),
        observed_at=row.observed_at,
        ended_at=row.ended_at,
        record_id=str(row.pk),
    )


def _dose(row: Dose) -> rules.DoseRecord:
    return rules.DoseRecord(
        cycle=row.cycle,
        number=row.number,
        scheduled_at=row.scheduled_at,
        status=as_stored(row.status),
        record_id=str(row.pk),
    )


def fluid_entry(row: FluidEntry) -> rules.FluidEntry:
    return rules.FluidEntry(
        direction=as_stored(row.direction),
        route=as_stored(row.route),
        volume_ml=as_stored(row.volume_ml),
        period_start=row.period_start,
        period_end=row.period_end,
        record_id=str(row.pk),
    )


def fluid_entries(rows: Any, skips: Skips | None = None) -> tuple[rules.FluidEntry, ...]:
    skips = skips if skips is not None else Skips()
    built = (skips.build("fluids", row, partial(fluid_entry, row)) for row in rows)
    return tuple(entry for entry in built if entry is not None)


def dose_records(
    course: Course, skips: Skips | None = None, rows: list[Dose] | None = None
) -> tuple[rules.DoseRecord, ...]:
    """The course's doses by cycle and number; ``rows`` when the caller has read them already
    (in that order)."""
    skips = skips if skips is not None else Skips()
    if rows is None:
        rows = list(Dose.objects.filter(course=course).order_by("cycle", "number"))
    built = (skips.build("doses", d, partial(_dose, d)) for d in rows)
    return tuple(dose for dose in built if dose is not None)


def _kept(items: Any) -> tuple[Any, ...]:
    return tuple(item for item in items if item is not None)


def patient_record(
    *, patient: Patient, at: datetime, profile: RuleProfile, course: Course | None = None
) -> rules.PatientRecord:
    return patient_record_read(patient=patient, at=at, profile=profile, course=course).record


@dataclass(frozen=True)
class RecordRead:
    """A patient's record and the stored vitals rows it was built from (oldest first), which
    the monitor reuses rather than read the newest sets again."""

    record: rules.PatientRecord
    vitals_rows: list[VitalSigns]


def _stay_at(admissions: list[Admission], at: datetime) -> Admission | None:
    at_or_before = [stay for stay in admissions if stay.admitted_at <= at]
    return max(at_or_before, key=lambda stay: stay.admitted_at, default=None)


def patient_record_read(
    *,
    patient: Patient,
    at: datetime,
    profile: RuleProfile,
    course: Course | None = None,
    admissions: list[Admission] | None = None,
    doses: list[Dose] | None = None,
) -> RecordRead:
    """The record as of ``at``. ``admissions`` (the patient's stays) and ``doses`` (the
    course's, by cycle and number) when the caller has read them already: one query fewer
    each (issue 16: a record in a fixed, small number of queries)."""
    since = at - lookback(profile)
    if admissions is None:
        admission = (
            Admission.objects.filter(patient=patient, admitted_at__lte=at)
            .order_by("-admitted_at")
            .first()
        )
    else:
        admission = _stay_at(admissions, at)
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
    creatinine_since = at - creatinine_lookback(profile)
    labs = (
        labs.filter(collected_at__gte=since)
        | labs.filter(test=LabTest.FOBT)
        | labs.filter(test=LabTest.CREATININE, collected_at__gte=creatinine_since)
    )
    skips = Skips()
    baseline = patient_baseline(patient, course, skips)
    record = rules.PatientRecord(
        baseline=baseline,
        vitals=vitals_sets(vitals, skips),
        fluids=fluid_entries(fluids, skips),
        labs=_kept(
            skips.build("labs", row, partial(_lab, row)) for row in labs.order_by("collected_at")
        ),
        medications=_kept(
            skips.build("medications", m, partial(_medication, m))
            for m in meds.order_by("administered_at")
        ),
        events=_kept(
            skips.build("events", e, partial(_event, e)) for e in events.order_by("observed_at")
        ),
        doses=dose_records(course, skips, doses) if course is not None else (),
        skipped=tuple(skips.records),
    )
    return RecordRead(record=record, vitals_rows=vitals)
