"""Recording fluids, labs, supportive medications and clinical events.

Each service: a repeated ``client_id`` returns the stored row; otherwise the record goes against
the open admission (409 without one), is validated by the model, saved, and the monitor is told
on commit. A fluid output whose period overlaps another recorded output of the same route is
refused (409): urine over one hour must be counted once.
"""

import uuid
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from patients import limits, vocabulary
from patients.errors import ConflictError
from patients.history import history_user_set
from patients.models import (
    ClinicalEvent,
    FluidEntry,
    LabResult,
    Observation,
    Patient,
    SupportiveMedication,
)
from patients.monitor_hook import notify_monitor
from patients.services.recording import (
    Recorded,
    check_within_admission,
    history_user,
    lock_open_admission,
    save_record,
    stored_by_client_id,
)
from patients.validators import validate_not_future


def _record(
    model: type[Observation],
    *,
    patient: Patient,
    by: Any,
    client_id: uuid.UUID | None,
    clinical_time: datetime | None,
    time_field: str | None = None,
    **fields: Any,
) -> Recorded[Any]:
    stored = stored_by_client_id(model, client_id=client_id, patient=patient)
    if stored is not None:
        return Recorded(stored, created=False)
    admission = lock_open_admission(patient)
    check_within_admission(admission, field=time_field or model.CLINICAL_TIME, value=clinical_time)
    record = model(
        patient=admission.patient,
        admission=admission,
        client_id=client_id,
        entered_by=by if getattr(by, "is_authenticated", False) else None,
        **fields,
    )
    return save_record(record, by=by)


class OverlappingOutputError(ConflictError):
    """A fluid output overlapping one already recorded; ``extra`` names that record for the
    API (il2monitor.exceptions adds it to the 409 body)."""

    def __init__(self, overlapping: FluidEntry) -> None:
        start = timezone.localtime(overlapping.period_start)
        end = timezone.localtime(overlapping.period_end)
        route = overlapping.get_route_display().lower()
        zone = timezone.get_current_timezone_name()
        super().__init__(
            f"This {route} output overlaps the {route} output already recorded from "
            f"{start:%d %b %Y %H:%M} to {end:%d %b %Y %H:%M} ({zone}): "
            f"{overlapping.volume_ml} mL. Output over a period is counted once: if that "
            "entry is wrong, mark it entered in error first.",
            code="overlapping_output",
        )
        self.extra = {
            "overlapping": {
                "id": str(overlapping.pk),
                "direction": overlapping.direction,
                "route": overlapping.route,
                "volume_ml": overlapping.volume_ml,
                "period_start": start.isoformat(),
                "period_end": end.isoformat(),
            }
        }


def _check_period(period_start: datetime, period_end: datetime) -> None:
    """The period rules, before the overlap is looked for (a 400 is not hidden by a 409)."""
    errors = limits.fluid_cross_field_errors(
        {"period_start": period_start, "period_end": period_end}
    )
    for field, value in (("period_start", period_start), ("period_end", period_end)):
        try:
            validate_not_future(value)
        except ValidationError as error:
            errors.setdefault(field, []).extend(error.messages)
    if errors:
        raise ValidationError(errors)


def overlapping_output(
    *, patient: Patient, route: str, period_start: datetime, period_end: datetime
) -> FluidEntry | None:
    """The first recorded (not entered-in-error) output of ``route`` whose period overlaps
    this one; periods that only touch (one ends as the other starts) do not overlap."""
    return (
        FluidEntry.objects.filter(
            patient_id=patient.pk,
            direction=vocabulary.FluidDirection.OUTPUT,
            route=route,
            entered_in_error=False,
            period_start__lt=period_end,
            period_end__gt=period_start,
        )
        .order_by("period_start")
        .first()
    )


@transaction.atomic
def fluid_record(
    *,
    patient: Patient,
    by: Any,
    direction: str,
    route: str,
    volume_ml: int,
    period_start: datetime,
    period_end: datetime,
    client_id: uuid.UUID | None = None,
) -> Recorded[FluidEntry]:
    """One measured intake or output over ``period_start``–``period_end`` (1 min to 24 h, not
    in the future). An output overlapping a recorded output of the same route is a 409."""
    stored = stored_by_client_id(FluidEntry, client_id=client_id, patient=patient)
    if stored is not None:
        return Recorded(stored, created=False)
    _check_period(period_start, period_end)
    if direction == vocabulary.FluidDirection.OUTPUT:
        # One output of this patient checked and written at a time, so two overlapping
        # periods posted together cannot both pass the check. (NO KEY UPDATE: observations
        # inserted meanwhile, which only reference the patient, are not held up.)
        Patient.objects.select_for_update(no_key=True).filter(pk=patient.pk).first()
        # A concurrent attempt with the same client_id may have been stored while this one
        # waited: that is a repeat (200), not an overlap with itself.
        stored = stored_by_client_id(FluidEntry, client_id=client_id, patient=patient)
        if stored is not None:
            return Recorded(stored, created=False)
        overlapping = overlapping_output(
            patient=patient, route=route, period_start=period_start, period_end=period_end
        )
        if overlapping is not None:
            raise OverlappingOutputError(overlapping)
    return _record(
        FluidEntry,
        patient=patient,
        by=by,
        client_id=client_id,
        clinical_time=period_start,
        time_field="period_start",
        direction=direction,
        route=route,
        volume_ml=volume_ml,
        period_start=period_start,
        period_end=period_end,
    )


@transaction.atomic
def lab_record(
    *,
    patient: Patient,
    by: Any,
    test: str,
    value: Decimal | str | None,
    collected_at: datetime,
    unit: str | None = None,
    client_id: uuid.UUID | None = None,
) -> Recorded[LabResult]:
    """A lab result in its test's one unit; FOBT is 'positive' or 'negative' with no unit."""
    qualitative = test == vocabulary.LabTest.FOBT
    return _record(
        LabResult,
        patient=patient,
        by=by,
        client_id=client_id,
        clinical_time=collected_at,
        test=test,
        value=None if qualitative else value,
        qualitative=str(value or "") if qualitative else "",
        unit=limits.normalize_unit(unit or ""),
        collected_at=collected_at,
    )


@transaction.atomic
def medication_record(
    *,
    patient: Patient,
    by: Any,
    drug: str,
    category: str,
    administered_at: datetime,
    client_id: uuid.UUID | None = None,
) -> Recorded[SupportiveMedication]:
    """A supportive medication given (its category decides CRS fever masking)."""
    return _record(
        SupportiveMedication,
        patient=patient,
        by=by,
        client_id=client_id,
        clinical_time=administered_at,
        drug=drug.strip(),
        category=category,
        administered_at=administered_at,
    )


@transaction.atomic
def event_record(
    *,
    patient: Patient,
    by: Any,
    code: str,
    observed_at: datetime,
    note: str = "",
    client_id: uuid.UUID | None = None,
) -> Recorded[ClinicalEvent]:
    """A clinician-recorded finding with a code the hold criteria read."""
    return _record(
        ClinicalEvent,
        patient=patient,
        by=by,
        client_id=client_id,
        clinical_time=observed_at,
        code=code,
        observed_at=observed_at,
        note=(note or "").strip(),
    )


# (v2) Events that end (clinical-rules.md §4, api-contract.md "Clinical events").
EVENT_END_PERMISSION = "patients.change_clinicalevent"  # nurses and physicians
EVENT_END_NOT_AFTER_OBSERVED = "An event ends after it was observed: give a later time."
EVENT_ALREADY_ENDED = "This event has already ended."
EVENT_IN_ERROR_CANNOT_END = "This event was entered in error: it cannot end."
EVENT_END_NOT_ALLOWED = "Only a nurse or a physician records that an event has ended."


@transaction.atomic
def event_end(
    *, event: ClinicalEvent, by: Any, ended_at: datetime, note: str = ""
) -> ClinicalEvent:
    """Record that a finding is over (e.g. sinus rhythm restored): after it was observed, not in
    the future, by a nurse or physician, once. The event is kept as it was, with the end added
    (who, when, when recorded); it no longer holds doses after ``ended_at``."""
    if not getattr(by, "is_authenticated", False) or not by.has_perm(EVENT_END_PERMISSION):
        raise PermissionDenied(EVENT_END_NOT_ALLOWED)
    locked = ClinicalEvent.objects.select_for_update().get(pk=event.pk)
    if locked.entered_in_error:
        raise ConflictError(EVENT_IN_ERROR_CANNOT_END, code="entered_in_error")
    if locked.ended_at is not None:
        raise ConflictError(EVENT_ALREADY_ENDED, code="already_ended")
    errors: list[str] = []
    try:
        validate_not_future(ended_at)
    except ValidationError as error:
        errors.extend(error.messages)
    if ended_at <= locked.observed_at:
        errors.append(EVENT_END_NOT_AFTER_OBSERVED)
    if errors:
        raise ValidationError({"ended_at": errors})
    locked.ended_at = ended_at
    locked.ended_by = history_user(by)
    locked.ended_recorded_at = timezone.now()
    locked.end_note = (note or "").strip()
    history_user_set(locked, history_user(by))
    locked.save(
        update_fields=["ended_at", "ended_by", "ended_recorded_at", "end_note", "updated_at"]
    )
    notify_monitor(patient_id=locked.patient_id, reason=locked.KIND)
    return locked
